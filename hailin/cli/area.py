"""hailin area FILE"""

import os

import click

from geo.area import UNITS, area_m2
from geo.errors import GeometryError
from hailin.cli.common import emit_json, json_option, reports_errors
from surveys.errors import SurveyFileError
from surveys.readers import read_vector


def _figures(m2):
    return {"m2": round(m2, 3), "ha": round(m2 / UNITS["ha"], 6), "mu": round(m2 / UNITS["mu"], 6)}


@click.command("area")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--by", "by", metavar="COLUMN", help="Report the area per value of COLUMN.")
@click.option(
    "--unit",
    type=click.Choice(sorted(UNITS)),
    default="mu",
    show_default=True,
    help="Unit of the headline figure.",
)
@json_option
@reports_errors
def area_command(file, by, unit, as_json):
    """Ellipsoidal area (CGCS2000 ellipsoid) of the polygons in FILE, in mu and ha."""
    frame = read_vector(file)
    name = os.path.basename(file)
    if frame.crs is None:
        raise SurveyFileError("has no coordinate reference system (.prj missing?)", file=name)
    if by is not None and by not in frame.columns:
        columns = ", ".join(c for c in frame.columns if c != frame.geometry.name)
        raise click.BadParameter(
            f"no column {by!r} in {name}; columns are: {columns}", param_hint="--by"
        )
    try:
        sizes = area_m2(frame)
    except GeometryError as error:
        raise SurveyFileError(str(error), file=name) from error
    total = float(sizes.sum())
    payload = {
        "file": file,
        "crs": frame.crs.to_string(),
        "ellipsoid": "CGCS2000 (GRS80)",
        "unit": unit,
        "features": len(frame),
        "value": round(total / UNITS[unit], 6),
        "total": _figures(total),
        "groups": [],
    }
    if by is not None:
        grouped = sizes.groupby(frame[by].astype("object").fillna("(none)"), sort=True)
        for key, values in grouped:
            payload["groups"].append(
                {
                    "group": key,
                    "features": int(values.size),
                    "value": round(values.sum() / UNITS[unit], 6),
                    **_figures(float(values.sum())),
                }
            )
    if as_json:
        emit_json(payload)
        return
    click.echo(
        f"{name}: {payload['features']} feature(s), CRS {payload['crs']}, "
        "ellipsoidal area on CGCS2000"
    )
    click.echo(
        f"  total  {total / UNITS[unit]:>14,.2f} {unit}   "
        f"({total / UNITS['mu']:,.2f} mu, {total / UNITS['ha']:,.4f} ha)"
    )
    if payload["groups"]:
        click.echo(f"  by {by}:")
        width = max(len(str(g["group"])) for g in payload["groups"])
        for group in payload["groups"]:
            click.echo(
                f"    {group['group']!s:<{width}}  {group['features']:>6} feature(s)  "
                f"{group['mu']:>12,.2f} mu  {group['ha']:>12,.4f} ha"
            )
