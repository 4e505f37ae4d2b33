"""What `hailin area FILE` does (loaded when the command runs: geopandas, shapely)."""

import os
import warnings

import click
import geopandas
import numpy as np
import pyogrio
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
        if "--crs" in str(error):
            raise SurveyFileError(str(error), file=name) from error
        raise SurveyFileError(f"{error}; give the right CRS with --crs", file=name) from error


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


def _layers(file, layer):
    """The layers to measure: ``layer``, else every layer with geometry of a
    GeoPackage holding more than one, else the file's one ([None])."""
    if layer is not None:
        return [layer]
    with open(file, "rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            return [None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            layers = pyogrio.list_layers(file)
        except pyogrio.errors.DataSourceError:
            return [None]  # read_raw says what is wrong with it
    spatial = [str(name) for name, kind in layers if kind is not None]
    return spatial if len(spatial) > 1 else [None]


def _measure(file, layer, by, unit, crs):
    """The areas of one layer of FILE (the payload of `hailin area --json`)."""
    name = os.path.basename(file)
    table = read_raw(file, layer=layer)
    if table.geometry is None:
        raise SurveyFileError(
            "has no geometry (a table; expected a spatial vector file)", file=name
        )
    frame = table.frame.reset_index(drop=True)
    if by is not None and by not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        where = f"{name}, layer {layer!r}" if layer else name
        raise click.BadParameter(
            f"no column {by!r} in {where}; columns are: {columns}", param_hint="--by"
        )
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
        **({"layer": layer} if layer else {}),
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
    return payload


def _all_layers(file, unit, measured):
    """One payload for the layers ``measured`` of a multi-layer file: each
    layer's, and the sum of them."""
    m2 = sum(p["total"]["m2"] for p in measured)
    return {
        "file": file,
        "ellipsoid": "CGCS2000 (GRS80)",
        "unit": unit,
        "features": sum(p["features"] for p in measured),
        "value": round(m2 / UNITS[unit], 6),
        "total": _figures(m2),
        "layers": measured,
    }


def _print(payload, by):
    unit, total = payload["unit"], payload["total"]["m2"]
    name = os.path.basename(payload["file"])
    layer = f", layer {payload['layer']}" if "layer" in payload else ""
    click.echo(
        f"{name}{layer}: {payload['features']} feature(s), CRS {payload['crs']}, "
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


def report_area(file, by, unit, crs, as_json, layer=None):
    """Measure FILE (each layer of a GeoPackage holding several, or ``layer``)
    and print (or emit as JSON) the areas `hailin area` reports."""
    if crs is not None:
        try:
            normalize_crs(crs)
        except CRSError as error:
            raise click.BadParameter(str(error), param_hint="--crs") from error
    if layer is not None and os.path.isfile(file):
        with open(file, "rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise click.BadParameter("only a GeoPackage has layers", param_hint="--layer")
    names = _layers(file, layer)
    measured = [_measure(file, name, by, unit, crs) for name in names]
    payload = measured[0] if len(measured) == 1 else _all_layers(file, unit, measured)
    if as_json:
        emit_json(payload)
        return
    if len(measured) > 1:
        click.echo(
            f"{os.path.basename(file)} has {len(measured)} layers with geometry; each is "
            "measured (--layer NAME for one):"
        )
    for each in measured:
        _print(each, by)
    if len(measured) > 1:
        total = payload["total"]["m2"]
        click.echo(
            f"all {len(measured)} layers: {payload['features']} feature(s), "
            f"{total / UNITS[unit]:,.2f} {unit} ({total / UNITS['mu']:,.2f} mu, "
            f"{total / UNITS['ha']:,.4f} ha)"
        )
