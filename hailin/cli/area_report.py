"""What `hailin area FILE` does (loaded when the command runs: geopandas, shapely)."""

import os
import warnings

import click
import geopandas
import numpy as np
import shapely

from hailin.cli.common import emit_json
from hailin.geo.area import InvalidGeometryWarning, area_m2
from hailin.geo.crs import (
    WGS84,
    fit_crs_to_coordinates,
    is_gcj02,
    normalize_crs,
    to_wgs84_geometries,
)
from hailin.geo.errors import CRSError, GeometryError
from hailin.geo.units import UNITS
from hailin.geo.validity import coordinate_problems
from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.sniff import read_raw

_LISTED = 5  # features named in a refusal; the rest are counted


def _figures(m2):
    return {"m2": round(m2, 3), "ha": round(m2 / UNITS["ha"], 6), "mu": round(m2 / UNITS["mu"], 6)}


def _refuse_features(problems, name, context=""):
    """Refuse the file when any feature's coordinates cannot be measured."""
    bad = np.flatnonzero([p is not None for p in problems])
    if bad.size == 0:
        return
    listed = "; ".join(f"feature {p + 1}: {problems[p]}" for p in bad[:_LISTED])
    more = f"; and {bad.size - _LISTED} more" if bad.size > _LISTED else ""
    raise SurveyFileError(f"{context}{listed}{more} (features counted from 1)", file=name)


def _resolve_crs(geometries, given, declared, name):
    """The CRS the coordinates are in, as ``hailin import`` resolves it: ``--crs``,
    else the file's own, else WGS84, fitted to what the eastings show."""
    x = shapely.get_coordinates(geometries)[:, 0]
    try:
        crs = normalize_crs(given or declared or WGS84)
        return crs if is_gcj02(crs) else fit_crs_to_coordinates(crs, x)
    except CRSError as error:
        if given is None and declared is None:
            x = x[np.isfinite(x)]
            raise SurveyFileError(
                "has no coordinate reference system (.prj missing?) and its coordinates "
                f"look like metres (easting up to {np.max(np.abs(x)):.0f}), not degrees; "
                "give the CRS with --crs, e.g. --crs cgcs2000:gk3:cm120",
                file=name,
            ) from error
        hint = "" if "--crs" in str(error) else "; give the right CRS with --crs"
        raise SurveyFileError(f"{error}{hint}", file=name) from error


def _wgs84(table, given, name):
    """The file's geometries in EPSG:4326 and the CRS they came in, after the
    import's coordinate checks (finite, in range, convertible)."""
    geometries = np.asarray(table.geometry, dtype=object)
    # Empty features measure 0; only coordinates that cannot be measured refuse the file.
    measurable = np.where(shapely.is_empty(geometries), None, geometries)
    _refuse_features(coordinate_problems(measurable, lonlat=False), name)
    crs = _resolve_crs(measurable, given, table.crs, name)
    if is_gcj02(crs) or crs.is_geographic:
        _refuse_features(coordinate_problems(measurable, lonlat=True), name)
    present = ~shapely.is_missing(measurable)
    converted = geometries.copy()
    converted[present] = to_wgs84_geometries(measurable[present], crs)
    if not (is_gcj02(crs) or crs.is_geographic):
        _refuse_features(
            coordinate_problems(np.where(present, converted, None), lonlat=True),
            name,
            f"coordinates do not fit {crs.name} (wrong --crs?): ",
        )
    return converted, crs


def report_area(file, by, unit, crs, as_json):
    """Measure FILE and print (or emit as JSON) the areas `hailin area` reports."""
    name = os.path.basename(file)
    table = read_raw(file)
    if table.geometry is None:
        raise SurveyFileError(
            "has no geometry (a table; expected a spatial vector file)", file=name
        )
    frame = table.frame.reset_index(drop=True)
    if by is not None and by not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise click.BadParameter(
            f"no column {by!r} in {name}; columns are: {columns}", param_hint="--by"
        )
    if crs is not None:
        try:
            normalize_crs(crs)
        except CRSError as error:
            raise click.BadParameter(str(error), param_hint="--crs") from error
    geometries, resolved = _wgs84(table, crs, name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InvalidGeometryWarning)
        try:
            sizes = area_m2(geopandas.GeoSeries(geometries, crs=WGS84))
        except GeometryError as error:
            raise SurveyFileError(str(error), file=name) from error
    for warning in caught:
        click.echo(f"hailin: warning: {name}: {warning.message}", err=True)
    total = float(sizes.sum())
    payload = {
        "file": file,
        "crs": resolved if is_gcj02(resolved) else resolved.to_string(),
        "ellipsoid": "CGCS2000 (GRS80)",
        "unit": unit,
        "features": len(frame),
        "value": round(total / UNITS[unit], 6),
        "total": _figures(total),
        "groups": [],
    }
    if by is not None:
        grouped = sizes.groupby(frame[by].astype("object").fillna("(none)").to_numpy(), sort=True)
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
