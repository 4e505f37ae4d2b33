"""hailin raster stats RASTER · hailin raster detect RASTER... · hailin raster cover RASTER...

Digital monitoring (数字化监测预警): rasters of key areas measured per plot.
GDAL (rasterio) is loaded only when a raster command runs.
"""

import json
import os

import click

from hailin.cli.common import EXIT_NOTHING_STORED, emit_json, scheduler_option, workspace_command
from hailin.geo.errors import RasterError
from hailin.geo.raster.classes import parse_classes
from hailin.geo.units import M2_PER_MU


def _classes(_ctx, _param, value):
    if value is None:
        return None
    try:
        return parse_classes(value)
    except RasterError as error:
        raise click.BadParameter(str(error)) from error


classes_option = click.option(
    "--classes",
    metavar="SPEC",
    callback=_classes,
    help='What the pixel values of a classified raster mean: "1=mangrove,2=spartina,'
    '3=mudflat,4=water" (default: [raster] classes in hailin.toml).',
)
band_option = click.option(
    "--band", type=click.IntRange(min=1), default=1, show_default=True, help="The band to read."
)
date_option = click.option(
    "--date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The image's date (default: from the file's metadata, else its name).",
)

rasters_argument = click.argument(
    "rasters", nargs=-1, required=True, type=click.Path(dir_okay=False)
)


def class_option(default, meaning):
    """``--class NAME``: the class the command looks for."""
    return click.option(
        "--class", "class_name", default=default, show_default=True, metavar="NAME", help=meaning
    )


def threshold_option(meaning):
    """``--threshold X`` with what it means for the command."""
    return click.option("--threshold", type=float, metavar="X", help=meaning)


team_option = click.option(
    "--team",
    metavar="NAME",
    help="Team the records are stored under (default: 数字化监测, digital monitoring).",
)


@click.group("raster")
def raster_group():
    """Rasters of key areas (digital monitoring, 数字化监测预警): statistics per
    plot, early warning of Spartina regrowth, mangrove cover over time."""


def _date(date, rasters):
    if date is not None and len(rasters) > 1:
        raise click.BadParameter(
            "--date names one image's date; with several rasters each takes its date "
            "from its metadata or name",
            param_hint="--date",
        )
    return None if date is None else date.date()


def _rows(table):
    """The table's rows as plain JSON values (NaN as null)."""
    return json.loads(table.to_json(orient="records", double_precision=10))


def _describe(raster):
    info = raster.info
    return {
        "file": raster.file,
        "width": info.width,
        "height": info.height,
        "dtype": info.dtype,
        "crs": info.crs,
        "resolution": list(info.resolution),
        "nodata": info.nodata,
        "date": None if info.date is None else info.date.isoformat(),
    }


@workspace_command(raster_group.command("stats"), internal=EXIT_NOTHING_STORED)
@click.argument("raster", type=click.Path(dir_okay=False))
@click.option("--kind", type=click.Choice(["clearance", "restoration"]), default="clearance")
@classes_option
@band_option
@threshold_option("Read the raster as values (an index) and report the area above X.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the per-plot table: .csv or .xlsx (Excel) or .gpkg (QGIS, with the plots).",
)
@scheduler_option
def stats_command(ws, raster, kind, classes, band, threshold, output, as_json, scheduler):
    """Per plot (of --kind: clearance, the default, or restoration), the area
    (m², mu) and share of each class of a classified RASTER,
    or the mean, min, max, std and area above --threshold of an index; pixels
    count by the share of them a plot covers.

    A raster whose values are whole numbers is read as classes, unless
    --threshold is given; floating-point or scaled values are read as an index.
    Plots partly or wholly outside the raster say so (covered_fraction).
    """
    from hailin.surveys.dist.scheduler import connect
    from hailin.surveys.io.tables import TABLE_FORMATS, write_plot_table

    if output and os.path.splitext(output)[1].lower() not in TABLE_FORMATS:
        raise click.BadParameter(f"{output!r}: write {', '.join(TABLE_FORMATS)}", param_hint="-o")
    with connect(scheduler) as client:
        checked, table, mode = ws.rasters.stats(
            raster, kind=kind, classes=classes, threshold=threshold, band=band, client=client
        )
    if output:
        write_plot_table(table, ws.plots(kind), output)
    covered = table["covered_fraction"]
    counts = {
        "plots": len(table),
        "measured": int((table["valid_m2"] > 0).sum()),
        "partly_outside": int(((covered > 0) & (covered < 1)).sum()),
        "outside": int((covered == 0).sum()),
    }
    if as_json:
        emit_json(
            {
                "raster": _describe(checked),
                "kind": kind,
                "mode": mode,
                **counts,
                "output": output,
                "rows": _rows(table),
            }
        )
        return
    _print_stats(checked, table, mode, kind, counts, output)


def _print_stats(raster, table, mode, kind, counts, output):
    info = raster.info
    when = f", {info.date}" if info.date else ""
    click.echo(
        f"{raster.file}: {info.width} x {info.height} {info.dtype}, {info.crs}, "
        f"{info.resolution[0]:g} x {info.resolution[1]:g} pixels{when}"
    )
    click.echo(
        f"{counts['measured']} of {counts['plots']} {kind} plot(s) measured "
        f"({counts['partly_outside']} partly outside the raster, {counts['outside']} outside)"
    )
    measured = table[table["valid_m2"] > 0]
    if mode == "classes" and len(measured):
        valid = measured["valid_m2"].sum()
        shares = [
            f"{column[:-3]} {measured[column].sum() / M2_PER_MU:,.2f} mu "
            f"({100 * measured[column].sum() / valid:.1f}%)"
            for column in table.columns
            if column.endswith("_m2") and column not in ("plot_m2", "valid_m2")
        ]
        click.echo("  in all: " + ", ".join(shares))
    elif len(measured):
        click.echo(
            f"  plot means from {measured['mean'].min():.4g} to {measured['mean'].max():.4g}"
            + (
                f"; {measured['above_m2'].sum() / M2_PER_MU:,.2f} mu above the threshold"
                if "above_m2" in measured
                else ""
            )
        )
    click.echo(f"per-plot table written to {output}" if output else "per plot: -o FILE or --json")


@workspace_command(raster_group.command("detect"), internal=EXIT_NOTHING_STORED)
@rasters_argument
@date_option
@class_option("spartina", "The class that is regrowth.")
@classes_option
@click.option(
    "--min-area",
    type=click.FloatRange(min=0),
    default=50.0,
    show_default=True,
    metavar="M2",
    help="Least area of the class in a plot, in m².",
)
@click.option(
    "--min-fraction",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    metavar="F",
    help="Least share of the plot (of its part with data), 0 to 1.",
)
@team_option
@band_option
@scheduler_option
def detect_command(
    ws, rasters, date, class_name, classes, min_area, min_fraction, team, band, as_json, scheduler
):
    """Early warning: every cleared plot where a classified RASTER, dated after
    its clearance, shows Spartina on at least --min-area m² and --min-fraction
    of the plot becomes a detection of patrol type digital_monitoring.

    Detections are survey records (finding spartina_regrowth, at noon of the
    image date, at the centre of the plot's Spartina pixels, the area measured
    as patch_area_m2) and enter the ledger by the same recurrence rules; the
    raster is an upload (its sha256 the id, archived in uploads/), so running
    the same raster again adds nothing and `hailin uploads withdraw` takes its
    detections out. The date comes from --date, else the file's metadata or name.
    """
    from hailin.surveys.dist.scheduler import connect
    from hailin.surveys.imagery import DetectionRules

    try:
        rules = DetectionRules(class_name.strip().lower(), min_area, min_fraction)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    with connect(scheduler) as client:
        runs = ws.rasters.detect(
            rasters,
            date=_date(date, rasters),
            classes=classes,
            rules=rules,
            team=team,
            band=band,
            client=client,
        )
    if as_json:
        emit_json(
            {
                "rasters": [run.to_dict() for run in runs],
                "detections_stored": sum(run.stored for run in runs),
                "already_stored": sum(run.already_stored for run in runs),
            }
        )
        return
    for run in runs:
        click.echo(
            f"{run.file} ({run.date}, upload {run.upload_id[:12]}): {run.plots_measured} "
            f"cleared plot(s) measured; {rules.class_name} on {len(run.found)} of them "
            f"(at least {rules.min_area_m2:g} m² and {100 * rules.min_fraction:g}% of the plot)"
        )
        for found in run.found:
            click.echo(
                f"  {found['plot_id']}  {found['area_m2']:,.1f} m²  ({100 * found['fraction']:.1f}%)"
            )
        click.echo(
            f"  {run.stored} detection(s) stored as digital_monitoring, "
            f"{run.already_stored} already stored; raster kept as {run.archived_as}"
        )


@workspace_command(raster_group.command("cover"), internal=EXIT_NOTHING_STORED)
@rasters_argument
@date_option
@class_option("mangrove", "The class that is mangrove (classified rasters).")
@classes_option
@threshold_option("An index raster: cover is the share of the plot with values above X.")
@click.option(
    "--index",
    "index_range",
    metavar="BARE,FULL",
    help="An index raster: cover is the plot's mean index scaled from BARE (bare "
    "ground, 0) to FULL (full cover, 1), e.g. 0.05,0.7 for NDVI.",
)
@team_option
@band_option
@scheduler_option
def cover_command(
    ws, rasters, date, class_name, classes, threshold, index_range, team, band, as_json, scheduler
):
    """Mangrove cover of every restoration plot on each RASTER's date, kept in
    the store (imagery_cover); running a raster again replaces its figures.

    With several dates a plot's cover series gives its trend and the survival
    estimated from imagery that `hailin progress` and the restoration map show
    beside the survival from planting checks.
    """
    from hailin.surveys.dist.scheduler import connect
    from hailin.surveys.imagery import CoverMeasure

    try:
        measure = CoverMeasure(class_name.strip().lower(), threshold, _index(index_range))
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    with connect(scheduler) as client:
        runs = ws.rasters.cover(
            rasters,
            date=_date(date, rasters),
            classes=classes,
            measure=measure,
            team=team,
            band=band,
            client=client,
        )
    if as_json:
        emit_json({"method": measure.label, "rasters": [run.to_dict() for run in runs]})
        return
    for run in runs:
        cover = "n/a" if run.mean_cover_pct is None else f"{run.mean_cover_pct:.1f}%"
        click.echo(
            f"{run.file} ({run.date}, {measure.label}): mangrove cover of {run.plots_measured} "
            f"restoration plot(s), {cover} of their area; {run.stored} row(s) stored"
            + (f" in place of {run.replaced}" if run.replaced else "")
        )


def _index(text):
    if text is None:
        return None
    parts = text.replace("，", ",").split(",")
    try:
        bare, full = (float(p) for p in parts)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not BARE,FULL (two numbers, e.g. 0.05,0.7)", param_hint="--index"
        ) from None
    return bare, full
