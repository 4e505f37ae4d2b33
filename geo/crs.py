"""Coordinate reference systems as patrol files declare them.

Everything hailin stores is EPSG:4326. Input can be WGS84, CGCS2000 (geographic
EPSG:4490 or Gauss-Kruger metres, 3- or 6-degree zones, with or without the zone
number in front of the easting) or GCJ-02, which has no EPSG code and is
represented here by the string constant :data:`GCJ02`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas
import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from hailin.geo.errors import CRSError
from hailin.geo.gauss_kruger import GK_PATTERN, ZONE_RANGE, gauss_kruger_crs, gauss_kruger_info
from hailin.geo.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02

if TYPE_CHECKING:
    from typing_extensions import TypeIs

GCJ02 = "gcj02"
# What a CRS argument may be: a pyproj.CRS, an EPSG code, a name, WKT or :data:`GCJ02`.
CRSLike = pyproj.CRS | str | int
WGS84 = pyproj.CRS.from_epsg(4326)
CGCS2000 = pyproj.CRS.from_epsg(4490)

_ALIASES = {
    "wgs84": WGS84,
    "wgs-84": WGS84,
    "wgs 84": WGS84,
    "cgcs2000": CGCS2000,
    "cgcs 2000": CGCS2000,
    "国家2000": CGCS2000,
    "2000国家大地坐标系": CGCS2000,
}


def is_gcj02(crs: object) -> TypeIs[str]:
    """True for the GCJ-02 marker (comparing a pyproj.CRS to a string is slow)."""
    return isinstance(crs, str) and crs == GCJ02


_GCJ02_ALIASES = {
    "gcj02",
    "gcj-02",
    "gcj_02",
    "gcj",
    "gaode",
    "amap",
    "tencent",
    "火星坐标",
    "高德",
}


def normalize_crs(value: CRSLike) -> pyproj.CRS | str:
    """Turn any CRS a user or a file gives into a ``pyproj.CRS`` or :data:`GCJ02`.

    Parameters
    ----------
    value : pyproj.CRS, str or int
        EPSG codes (``4490``, ``"EPSG:4549"``), WKT, PROJ strings,
        ``pyproj.CRS`` objects, names (``"wgs84"``, ``"cgcs2000"``, ``"gcj02"``
        and the Gaode/Tencent aliases) and CGCS2000 Gauss-Kruger shorthands such
        as ``"cgcs2000:gk3:zone40"`` or ``"cgcs2000:gk3:cm120"``.

    Returns
    -------
    pyproj.CRS or str
        The CRS, or the string :data:`GCJ02` for GCJ-02 (which has no EPSG code).

    Raises
    ------
    CRSError
        For None or anything pyproj cannot read.

    Examples
    --------
    >>> normalize_crs("cgcs2000").to_epsg()
    4490
    >>> normalize_crs("GCJ-02")
    'gcj02'
    >>> normalize_crs("cgcs2000:gk3:cm120").to_epsg()
    4549
    """
    if value is None:
        raise CRSError("no coordinate reference system given")
    if isinstance(value, pyproj.CRS):
        return value
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _GCJ02_ALIASES:
            return GCJ02
        if key in _ALIASES:
            return _ALIASES[key]
        match = GK_PATTERN.match(key.replace(" ", ""))
        if match:
            width = int(match["width"])
            number = int(match["number"])
            if match["kind"] == "zone":
                return gauss_kruger_crs(number, width=width, zone_prefix=True)
            return gauss_kruger_crs(central_meridian=number, width=width, zone_prefix=False)
        if key.isdigit():
            value = int(key)
    try:
        return pyproj.CRS.from_user_input(value)
    except (pyproj.exceptions.CRSError, TypeError) as error:
        raise CRSError(
            f"unknown coordinate reference system {value!r}: expected an EPSG code, "
            "WKT, 'wgs84', 'cgcs2000', 'gcj02' or 'cgcs2000:gk3:zone40'-style name"
        ) from error


def fit_crs_to_coordinates(crs: CRSLike, x: Sequence[float] | np.ndarray) -> pyproj.CRS | str:
    """Adjust a declared CRS to what the eastings ``x`` show.

    Patrol files often say "CGCS2000" while holding Gauss-Kruger metres, or
    give a zone CRS without the zone number in front of the easting (or the
    reverse). A prefixed easting (e.g. 40 512 345 m) names its zone, so the
    matching EPSG code is chosen; coordinates that cannot be placed (a plain
    easting under a geographic CRS, several zones) raise :class:`CRSError`.

    Parameters
    ----------
    crs : pyproj.CRS, str or int
        The CRS the file or the user declares (see :func:`normalize_crs`).
    x : sequence of float or numpy.ndarray
        The eastings (or longitudes) of the file's coordinates.

    Returns
    -------
    pyproj.CRS or str
        The CRS that fits (:data:`GCJ02` unchanged).

    Examples
    --------
    >>> fit_crs_to_coordinates("cgcs2000", [40512345.0]).to_epsg()
    4528
    >>> fit_crs_to_coordinates(4528, [512345.0]).to_epsg()
    4549
    """
    crs = normalize_crs(crs)
    values = np.asarray(x, dtype=float)
    eastings = values[np.isfinite(values)]
    if is_gcj02(crs) or eastings.size == 0:
        return crs
    # The bulk of the values decides: one absurd row (1e308) must not recast a
    # whole file of degrees as metres; it is refused on its own row later.
    looks_projected = bool((np.abs(eastings) > 360.0).mean() > 0.5)
    prefixed_zone = None
    with_zone = (eastings >= 1e7) & (eastings < 1e8)
    if looks_projected and with_zone.mean() > 0.5:
        zones = np.unique(np.floor(eastings[with_zone] / 1e6).astype(int))
        if zones.size > 1:
            raise CRSError(
                f"eastings carry several Gauss-Kruger zone numbers {zones.tolist()}; "
                "split the file by zone"
            )
        prefixed_zone = int(zones[0])

    if crs.is_geographic:
        if not looks_projected:
            return crs
        if prefixed_zone is None:
            raise CRSError(
                f"coordinates look like metres (easting up to {np.nanmax(eastings):.0f}) but the "
                f"CRS {crs.name!r} is geographic; give the zone, e.g. --crs cgcs2000:gk3:cm120"
            )
        datum = crs.datum.name if crs.datum else ""
        if "2000" not in datum:
            raise CRSError(
                f"eastings with a zone number ({prefixed_zone}) only fit CGCS2000 "
                f"Gauss-Kruger zones, but the CRS is {crs.name!r}"
            )
        width = 3 if prefixed_zone in ZONE_RANGE[3] else 6
        return gauss_kruger_crs(prefixed_zone, width=width)

    info = gauss_kruger_info(crs)
    if info is None:
        if not looks_projected:
            raise CRSError(f"coordinates look like degrees but the CRS {crs.name!r} is projected")
        return crs
    zone, width, has_prefix = info
    if not looks_projected:
        raise CRSError(f"coordinates look like degrees but the CRS {crs.name!r} is projected")
    if prefixed_zone is not None:
        if prefixed_zone != zone:
            raise CRSError(
                f"eastings carry zone number {prefixed_zone} but the CRS {crs.name!r} "
                f"is zone {zone}"
            )
        return crs if has_prefix else gauss_kruger_crs(zone, width=width, zone_prefix=True)
    return gauss_kruger_crs(zone, width=width, zone_prefix=False) if has_prefix else crs


@functools.lru_cache(maxsize=64)
def _transformer(source, target):
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def transformer(source: CRSLike, target: CRSLike) -> pyproj.Transformer:
    """An ``always_xy`` transformer from ``source`` to ``target`` (CRSs, EPSG codes
    or strings), made once per pair: between datums (CGCS2000 and WGS 84) pyproj
    takes about 0.15 s to build one.

    Examples
    --------
    >>> to_utm = transformer(4326, "EPSG:32651")
    >>> [round(v) for v in to_utm.transform(120.3, 27.3)]
    [232776, 3022553]
    >>> transformer(4326, 32651) is to_utm
    True
    """
    return _transformer(pyproj.CRS.from_user_input(source), pyproj.CRS.from_user_input(target))


def to_wgs84_geometries(geometries: npt.ArrayLike, crs: CRSLike) -> np.ndarray:
    """Reproject an array of shapely geometries from ``crs`` to EPSG:4326.

    Parameters
    ----------
    geometries : array_like of shapely geometries
        The geometries, in ``crs``.
    crs : pyproj.CRS, str or int
        Their CRS, :data:`GCJ02` included.

    Returns
    -------
    numpy.ndarray
        Object array of the geometries in EPSG:4326.

    Examples
    --------
    >>> from shapely import Point
    >>> [point] = to_wgs84_geometries([Point(512345.0, 3012345.0)], "cgcs2000:gk3:cm120")
    >>> round(point.x, 4), round(point.y, 4)
    (120.1246, 27.223)
    """
    crs = normalize_crs(crs)
    geometries = np.asarray(geometries, dtype=object)
    if is_gcj02(crs):
        return shapely.transform(geometries, _gcj02_to_wgs84_xy)
    if crs == WGS84 or crs.equals(WGS84, ignore_axis_order=True):
        return geometries
    transformer = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
    return shapely.transform(
        geometries, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def wgs84_to_gcj02_geometries(geometries: npt.ArrayLike) -> np.ndarray:
    """Shift an array of EPSG:4326 geometries to GCJ-02 for drawing on Gaode tiles.

    Parameters
    ----------
    geometries : array_like of shapely geometries
        The geometries, in EPSG:4326.

    Returns
    -------
    numpy.ndarray
        Object array of the shifted geometries.

    Examples
    --------
    >>> from shapely import Point
    >>> [point] = wgs84_to_gcj02_geometries([Point(120.33, 27.26)])
    >>> round((point.x - 120.33) * 1e4), round((point.y - 27.26) * 1e4)
    (43, -31)
    """
    return shapely.transform(np.asarray(geometries, dtype=object), _wgs84_to_gcj02_xy)


def _gcj02_to_wgs84_xy(xy):
    lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def _wgs84_to_gcj02_xy(xy):
    lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def to_wgs84(gdf: geopandas.GeoDataFrame, crs: CRSLike | None = None) -> geopandas.GeoDataFrame:
    """Return a copy of a GeoDataFrame in EPSG:4326.

    Parameters
    ----------
    gdf : GeoDataFrame
        The frame; the input is not changed.
    crs : pyproj.CRS, str or int, optional
        Overrides the frame's own CRS (needed for GCJ-02, which a
        GeoDataFrame cannot carry). Eastings are fitted to the CRS first
        (see :func:`fit_crs_to_coordinates`).

    Returns
    -------
    GeoDataFrame
        A copy in EPSG:4326.

    Raises
    ------
    CRSError
        When neither the frame nor ``crs`` gives a CRS, or they do not fit.

    Examples
    --------
    >>> import geopandas
    >>> from shapely import Point
    >>> plots = geopandas.GeoDataFrame(geometry=[Point(40512345.0, 3012345.0)], crs=4490)
    >>> moved = to_wgs84(plots)
    >>> moved.crs.to_epsg(), round(float(moved.geometry.x[0]), 4), round(float(moved.geometry.y[0]), 4)
    (4326, 120.1246, 27.223)
    """
    declared = gdf.crs if crs is None else crs
    if declared is None:
        raise CRSError("the data has no coordinate reference system; give one (--crs)")
    declared = normalize_crs(declared)
    out = gdf.copy()
    if not is_gcj02(declared):
        x = shapely.get_coordinates(np.asarray(gdf.geometry.values, dtype=object))[:, 0]
        declared = fit_crs_to_coordinates(declared, x)
    geometries = to_wgs84_geometries(np.asarray(gdf.geometry.values, dtype=object), declared)
    name = gdf.geometry.name
    out[name] = geopandas.GeoSeries(geometries, index=gdf.index, crs=WGS84)
    return out.set_crs(WGS84, allow_override=True)
