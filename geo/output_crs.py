"""The coordinate systems hailin writes for Chinese GIS offices.

The store is EPSG:4326; offices work in CGCS2000, geographic (EPSG:4490) or
projected in the 3-degree Gauss-Kruger zone of the data, with the zone number
in front of the easting (EPSG:4513-4533) or without it (EPSG:4534-4554). An
output CRS is named by one of :data:`OUTPUT_CRS` or any CRS
:func:`hailin.geo.crs.normalize_crs` reads.
"""

import geopandas
import numpy as np
import pyproj
import shapely  # noqa: F401 (the examples use it)

from hailin.geo.crs import GCJ02, WGS84, gauss_kruger_crs, normalize_crs, wgs84_to_gcj02_geometries
from hailin.geo.errors import CRSError

# Names of the output systems, as --crs takes them.
OUTPUT_CRS = ("4326", "4490", "gk3", "gk3-noprefix")


def gauss_kruger_zone(gdf: geopandas.GeoDataFrame) -> int:
    """The 3-degree Gauss-Kruger zone holding the centre of ``gdf``'s extent.

    Parameters
    ----------
    gdf : GeoDataFrame
        Features in EPSG:4326 (or any geographic CRS in degrees).

    Returns
    -------
    int
        The zone number n (central meridian 3n degrees east).

    Examples
    --------
    >>> frame = geopandas.GeoDataFrame(geometry=[shapely.Point(120.3, 27.2)], crs=4326)
    >>> gauss_kruger_zone(frame)
    40
    """
    present = gdf.geometry[~gdf.geometry.is_empty & gdf.geometry.notna()]
    if len(present) == 0:
        raise CRSError("no geometry to choose a Gauss-Kruger zone by")
    west, _south, east, _north = present.total_bounds
    return int(np.floor((west + east) / 2.0 / 3.0 + 0.5))


def output_crs(name, gdf: geopandas.GeoDataFrame | None = None) -> pyproj.CRS:
    """The CRS an output is written in.

    Parameters
    ----------
    name : str or int
        ``"4326"`` (WGS84), ``"4490"`` (CGCS2000 geographic), ``"gk3"`` (the
        3-degree Gauss-Kruger zone of ``gdf``, zone number in front of the
        easting), ``"gk3-noprefix"`` (the same zone without it), or any CRS
        :func:`hailin.geo.crs.normalize_crs` reads (``"cgcs2000:gk3:zone40"``).
    gdf : GeoDataFrame, optional
        The data, in EPSG:4326; needed for ``"gk3"`` and ``"gk3-noprefix"``.

    Returns
    -------
    pyproj.CRS

    Examples
    --------
    >>> frame = geopandas.GeoDataFrame(geometry=[shapely.Point(120.3, 27.2)], crs=4326)
    >>> [output_crs(n, frame).to_epsg() for n in ("4326", "4490", "gk3", "gk3-noprefix")]
    [4326, 4490, 4528, 4549]
    """
    key = str(name).strip().lower()
    if key in ("gk3", "gk3-noprefix"):
        if gdf is None:
            raise CRSError(f"--crs {name}: the zone is chosen by the data, and there is none")
        return gauss_kruger_crs(gauss_kruger_zone(gdf), width=3, zone_prefix=key == "gk3")
    crs = normalize_crs(key if key else name)
    if isinstance(crs, str):
        raise CRSError("GCJ-02 is for drawing on Chinese web maps, not for GIS exports")
    return crs


def to_output_crs(gdf: geopandas.GeoDataFrame, name) -> geopandas.GeoDataFrame:
    """``gdf`` (EPSG:4326) reprojected to the output CRS ``name`` (see :func:`output_crs`).

    Examples
    --------
    >>> frame = geopandas.GeoDataFrame(geometry=[shapely.Point(120.0, 27.0)], crs=4326)
    >>> point = to_output_crs(frame, "gk3").geometry[0]
    >>> round(point.x, 3), round(point.y) // 1000
    (40500000.0, 2987)
    """
    return gdf.to_crs(output_crs(name, gdf))


def to_gcj02(gdf: geopandas.GeoDataFrame) -> geopandas.GeoDataFrame:
    """A copy of ``gdf`` shifted to GCJ-02 (Gaode, Tencent). A GeoDataFrame
    cannot carry GCJ-02 as a CRS: the copy has none, and ``attrs["crs"]`` is
    ``"gcj02"``.

    Parameters
    ----------
    gdf : GeoDataFrame
        Features in any CRS (reprojected to WGS84 first).

    Returns
    -------
    GeoDataFrame
        The shifted copy, without a CRS.

    Examples
    --------
    >>> frame = geopandas.GeoDataFrame(geometry=[shapely.Point(120.3, 27.2)], crs=4326)
    >>> shifted = to_gcj02(frame)
    >>> shifted.crs is None, shifted.attrs["crs"], round(shifted.geometry[0].x, 4)
    (True, 'gcj02', 120.3043)
    """
    source = gdf if gdf.crs is not None and gdf.crs.equals(WGS84) else gdf.to_crs(WGS84)
    moved = wgs84_to_gcj02_geometries(np.asarray(source.geometry.values, dtype=object))
    out = source.copy()
    out[source.geometry.name] = geopandas.GeoSeries(moved, index=source.index)
    out = out.set_crs(None, allow_override=True)
    out.attrs["crs"] = GCJ02
    return out


def to_cgcs2000(
    gdf: geopandas.GeoDataFrame, zone: int | str | None = None, *, prefix: bool = True
) -> geopandas.GeoDataFrame:
    """``gdf`` in CGCS2000: geographic (EPSG:4490) without ``zone``; with
    ``zone`` a 3-degree Gauss-Kruger zone number, or ``"auto"`` for the zone
    of the data, with or without the zone ``prefix`` on the easting.

    Parameters
    ----------
    gdf : GeoDataFrame
        Features in any CRS.
    zone : int or "auto", optional
        A 3-degree Gauss-Kruger zone (25-45), or ``"auto"`` for the data's.
    prefix : bool
        Whether eastings carry the zone number in front.

    Returns
    -------
    GeoDataFrame

    Examples
    --------
    >>> frame = geopandas.GeoDataFrame(geometry=[shapely.Point(120.0, 27.0)], crs=4326)
    >>> to_cgcs2000(frame).crs.to_epsg(), to_cgcs2000(frame, "auto", prefix=False).crs.to_epsg()
    (4490, 4549)
    """
    if zone is None:
        return gdf.to_crs(4490)
    if zone == "auto":
        return gdf.to_crs(output_crs("gk3" if prefix else "gk3-noprefix", gdf.to_crs(WGS84)))
    return gdf.to_crs(gauss_kruger_crs(int(zone), width=3, zone_prefix=prefix))
