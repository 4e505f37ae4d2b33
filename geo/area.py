"""Areas as planners report them: m², hectares and mu, on the ellipsoid.

Official land figures in China are ellipsoidal areas on the CGCS2000 ellipsoid
(GRS80: a = 6378137 m, 1/f = 298.257222101). hailin maps every vertex to the
authalic sphere of that ellipsoid, whose area equals the ellipsoid's, and sums
the exact spherical excess of the edges. That is vectorised over all polygons
at once, needs no projection zone (so it holds anywhere, across Gauss-Kruger
zone boundaries included), and agrees with ``pyproj.Geod`` to about 1e-6 for
polygons tens of kilometres across.
"""

from __future__ import annotations

import warnings
from typing import Any, overload

import geopandas
import numpy as np
import pandas as pd
import pyproj
import shapely

from hailin.geo.crs import CRSLike
from hailin.geo.errors import ArgumentTypeError, CRSError, GeometryError, UnitError
from hailin.geo.units import M2_PER_HA, M2_PER_MU, UNITS  # noqa: F401  (area.M2_PER_MU and the rest stay importable)

# GRS80 / CGCS2000 ellipsoid.
_A = 6378137.0
_F = 1.0 / 298.257222101
_E2 = _F * (2.0 - _F)
_E = np.sqrt(_E2)
_GEOGRAPHIC = pyproj.CRS.from_epsg(4490)
_NO_TRANSFORM = {4326, 4490}
_POLYGONAL = {"Polygon", "MultiPolygon"}


class InvalidGeometryWarning(UserWarning):
    """Some polygons were invalid and were repaired before measuring.

    Examples
    --------
    >>> import shapely, warnings
    >>> bowtie = shapely.Polygon([(120.33, 27.26), (120.331, 27.261), (120.331, 27.26), (120.33, 27.261)])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     round(area(bowtie, unit="m2"))
    5486
    >>> caught[0].category.__name__, str(caught[0].message)
    ('InvalidGeometryWarning', '1 invalid polygon(s) repaired before measuring (positions 0)')
    """


def _authalic_q(sin_lat):
    return (1.0 - _E2) * (
        sin_lat / (1.0 - _E2 * sin_lat**2)
        - np.log((1.0 - _E * sin_lat) / (1.0 + _E * sin_lat)) / (2.0 * _E)
    )


_Q_POLE = _authalic_q(1.0)
_AUTHALIC_RADIUS_SQ = _A * _A * _Q_POLE / 2.0


def convert_area(m2: float | pd.Series, unit: str) -> float | pd.Series:
    """Convert square metres to ``unit`` (``"m2"``, ``"ha"`` or ``"mu"``).

    Parameters
    ----------
    m2 : float or pandas.Series
        Areas in square metres.
    unit : {"m2", "ha", "mu"}
        The unit wanted; 1 mu = 10000/15 m², 15 mu = 1 ha.

    Returns
    -------
    float or pandas.Series
        The areas in ``unit``, of the same kind as ``m2``.

    Raises
    ------
    UnitError
        For any other unit.

    Examples
    --------
    >>> convert_area(10000.0, "mu")
    15.0
    >>> convert_area(10000.0, "ha")
    1.0
    """
    try:
        return m2 / UNITS[unit]
    except KeyError:
        raise UnitError(f"unit must be one of {sorted(UNITS)}, got {unit!r}") from None


def _as_geometry_array(obj, crs):
    """(object array of geometries, index or None, pyproj CRS) for any input."""
    if isinstance(obj, geopandas.GeoDataFrame):
        obj = obj.geometry
    if isinstance(obj, geopandas.GeoSeries):
        source_crs = obj.crs if crs is None else pyproj.CRS.from_user_input(crs)
        if source_crs is None:
            raise CRSError("the data has no CRS; set one (e.g. gdf.set_crs(4326)) before measuring")
        return np.asarray(obj.values, dtype=object), obj.index, source_crs
    if isinstance(obj, shapely.Geometry):
        source_crs = pyproj.CRS.from_user_input(4326 if crs is None else crs)
        return np.asarray([obj], dtype=object), None, source_crs
    raise ArgumentTypeError(
        f"'obj' should be a GeoDataFrame, GeoSeries or shapely geometry, got {type(obj)}"
    )


def _repair(geoms):
    """make_valid the invalid polygons, warning with their positions."""
    present = ~shapely.is_missing(geoms)
    invalid = present & ~shapely.is_valid(geoms)
    if invalid.any():
        positions = np.flatnonzero(invalid)
        geoms = geoms.copy()
        geoms[positions] = shapely.make_valid(geoms[positions])
        shown = ", ".join(str(p) for p in positions[:10])
        more = f" and {positions.size - 10} more" if positions.size > 10 else ""
        warnings.warn(
            f"{positions.size} invalid polygon(s) repaired before measuring "
            f"(positions {shown}{more})",
            InvalidGeometryWarning,
            stacklevel=3,
        )
    return geoms


def _check_polygonal(geoms):
    types = shapely.get_type_id(geoms)
    # 3 Polygon, 6 MultiPolygon, 7 GeometryCollection (from repair), -1 missing.
    bad = ~np.isin(types, (-1, 3, 6, 7)) & ~shapely.is_empty(geoms)
    if bad.any():
        positions = np.flatnonzero(bad)
        first = positions[:5]
        listed = ", ".join(f"{p + 1} ({geoms[p].geom_type})" for p in first)
        more = f" and {positions.size - first.size} more" if positions.size > first.size else ""
        error = GeometryError(
            f"area needs polygons; feature(s) {listed}{more} are not (features counted from 1)"
        )
        error.positions = positions
        raise error


def _ring_areas_m2(rings, crs):
    """Unsigned ellipsoidal area (m²) of each closed ring."""
    coords, owner = shapely.get_coordinates(rings, return_index=True)
    if coords.shape[0] == 0:
        return np.zeros(len(rings))
    epsg = crs.to_epsg()
    if epsg not in _NO_TRANSFORM:
        transformer = pyproj.Transformer.from_crs(crs, _GEOGRAPHIC, always_xy=True)
        lon, lat = transformer.transform(coords[:, 0], coords[:, 1])
    else:
        lon, lat = coords[:, 0], coords[:, 1]
    beta = np.arcsin(_authalic_q(np.sin(np.radians(lat))) / _Q_POLE)
    # Each edge contributes the signed excess of the cell between it and the
    # equator; summed around a closed ring that is the ring's area. Longitude
    # steps are taken in degrees (exact for nearby values) and wrapped only
    # where they cross the antimeridian, so small plots keep full precision.
    same_ring = owner[1:] == owner[:-1]
    dlon = np.asarray(lon[1:], float) - np.asarray(lon[:-1], float)
    dlon = np.where(dlon > 180.0, dlon - 360.0, np.where(dlon < -180.0, dlon + 360.0, dlon))
    dlon = np.radians(dlon)
    t1 = np.tan(beta[:-1] / 2.0)
    t2 = np.tan(beta[1:] / 2.0)
    excess = 2.0 * np.arctan2(np.tan(dlon / 2.0) * (t1 + t2), 1.0 + t1 * t2)
    excess = np.where(same_ring, excess, 0.0)
    per_ring = np.bincount(owner[:-1], weights=excess, minlength=len(rings))
    return np.abs(per_ring) * _AUTHALIC_RADIUS_SQ


def _polygon_areas_m2(geoms, source_crs):
    """Exterior rings' areas less their holes', per geometry (not repaired first)."""
    missing = shapely.is_missing(geoms)
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    parts, part_owner = parts[polygonal], part_owner[polygonal]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    exterior = np.ones(len(rings), dtype=bool)
    exterior[1:] = ring_part[1:] != ring_part[:-1]
    signed = np.where(exterior, 1.0, -1.0) * _ring_areas_m2(rings, source_crs)
    per_geometry = np.bincount(part_owner[ring_part], weights=signed, minlength=len(geoms))
    return np.where(missing, np.nan, per_geometry)


def drawn_area_m2(geometries, crs=4326):
    """Ellipsoidal area (m²) of polygons as drawn, without repairing them.

    Each ring counts for the net area it winds around, so a self-intersecting
    "bow tie" whose two loops turn opposite ways counts about 0: the figure a
    tool that does not repair would report, shown beside the repaired area.

    Examples
    --------
    >>> from shapely import Polygon, box
    >>> bowtie = Polygon([(120.33, 27.26), (120.331, 27.261), (120.331, 27.26), (120.33, 27.261)])
    >>> [round(a) for a in drawn_area_m2([bowtie, box(120.33, 27.26, 120.331, 27.261)])]
    [0, 10973]
    """
    geoms = np.asarray(geometries, dtype=object)
    return _polygon_areas_m2(geoms, pyproj.CRS.from_user_input(crs))


@overload
def area_m2(obj: shapely.Geometry, crs: CRSLike | None = None) -> float: ...
@overload
def area_m2(
    obj: geopandas.GeoDataFrame | geopandas.GeoSeries, crs: CRSLike | None = None
) -> pd.Series: ...
def area_m2(
    obj: geopandas.GeoDataFrame | geopandas.GeoSeries | shapely.Geometry,
    crs: CRSLike | None = None,
) -> pd.Series | float:
    """Ellipsoidal area in m² (see :func:`area`).

    Parameters
    ----------
    obj : GeoDataFrame, GeoSeries or shapely geometry
        Polygons in any CRS; a bare geometry is read as EPSG:4326 unless
        ``crs`` says otherwise.
    crs : pyproj.CRS, str or int, optional
        Overrides or supplies the CRS.

    Returns
    -------
    pandas.Series or float
        A Series named ``area_m2`` on the input's index, or a float for a
        single geometry.

    Examples
    --------
    >>> import geopandas
    >>> from shapely import box
    >>> plots = geopandas.GeoDataFrame(
    ...     geometry=[box(120.30, 27.20, 120.31, 27.21), box(120.30, 27.20, 120.305, 27.21)],
    ...     crs=4326,
    ... )
    >>> area_m2(plots).round(-2).tolist()
    [1097800.0, 548900.0]
    """
    geoms, index, source_crs = _as_geometry_array(obj, crs)
    _check_polygonal(geoms)
    geoms = _repair(geoms)
    per_geometry = _polygon_areas_m2(geoms, source_crs)
    if index is None:
        return float(per_geometry[0])
    return pd.Series(per_geometry, index=index, name="area_m2")


@overload
def area(obj: shapely.Geometry, unit: str = "mu", crs: CRSLike | None = None) -> float: ...
@overload
def area(
    obj: geopandas.GeoDataFrame | geopandas.GeoSeries, unit: str = "mu", crs: CRSLike | None = None
) -> pd.Series: ...
def area(
    obj: geopandas.GeoDataFrame | geopandas.GeoSeries | shapely.Geometry,
    unit: str = "mu",
    crs: CRSLike | None = None,
) -> pd.Series | float:
    """Ellipsoidal area of polygons, in ``unit`` (``"mu"``, ``"ha"`` or ``"m2"``).

    Parameters
    ----------
    obj : GeoDataFrame, GeoSeries or shapely geometry
        Polygons in any CRS, geographic or projected. A bare geometry is read
        as EPSG:4326 unless ``crs`` says otherwise.
    unit : {"mu", "ha", "m2"}
        1 mu = 10000/15 m², 15 mu = 1 ha.
    crs : pyproj.CRS, str or int, optional
        Overrides or supplies the CRS.

    Returns
    -------
    pandas.Series or float
        A Series (same index as the input, named ``area_<unit>``) or a float
        for a single geometry. Missing geometries give NaN, empty ones 0.
        Invalid polygons are repaired with ``shapely.make_valid`` and an
        :class:`InvalidGeometryWarning` names them.

    Raises
    ------
    GeometryError
        For points and lines.
    UnitError
        For an unknown unit.

    Examples
    --------
    >>> from shapely import box
    >>> round(area(box(120.30, 27.20, 120.31, 27.21), unit="mu"), 1)
    1646.7
    """
    if unit not in UNITS:
        raise UnitError(f"unit must be one of {sorted(UNITS)}, got {unit!r}")
    result = area_m2(obj, crs=crs)
    if isinstance(result, pd.Series):
        return result.rename(f"area_{unit}") / UNITS[unit]
    return result / UNITS[unit]


# Columns that name a feature, kept beside its area (in this order).
ID_COLUMNS = ("site_id", "plot_id", "case_id", "patch_id", "name_zh", "name_en", "site", "township")


def area_with_ids(obj: Any, unit: str = "mu", crs: Any = None) -> pd.DataFrame:
    """Areas with the input's index and the columns that name its features.

    Parameters
    ----------
    obj : GeoDataFrame, GeoSeries or shapely geometry
        As for :func:`area`.
    unit : {"mu", "ha", "m2"}
        The unit of the area column.
    crs : optional
        Overrides or supplies the CRS.

    Returns
    -------
    pandas.DataFrame, pandas.Series or float
        For a GeoDataFrame, a DataFrame with its index, the columns of
        :data:`ID_COLUMNS` it has (``site_id``, ``plot_id``, ``name_zh`` …) and
        ``area_<unit>``; for a GeoSeries a Series with its index; for one
        geometry a float.

    Examples
    --------
    >>> from hailin.geo.sites import load_sites
    >>> table = area_with_ids(load_sites(), unit="mu")
    >>> table.columns.tolist()[:2], table.columns[-1]
    (['site_id', 'name_zh'], 'area_mu')
    >>> table["site_id"].tolist()
    ['kewan', 'xuncheng', 'luochun']
    """
    measured = area(obj, unit=unit, crs=crs)
    if not isinstance(obj, geopandas.GeoDataFrame):
        return measured
    ids = [c for c in ID_COLUMNS if c in obj.columns and c != obj.geometry.name]
    table = pd.DataFrame(obj[ids]).copy()
    table[f"area_{unit}"] = measured
    return table
