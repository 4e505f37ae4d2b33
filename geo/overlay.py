"""Overlays of records, plots and sites: which site holds a plot, which plots
overlap, how many records fall in each plot, how far a point lies from the sites.

Pure functions on arrays of shapely geometries and GeoDataFrames in EPSG:4326.
"""

import geopandas
import numpy as np
import pandas as pd
import shapely

from hailin.geo.area import area_m2
from hailin.geo.crs import WGS84

_KM_PER_DEGREE = 111.32


def _geometries(frame):
    return np.asarray(frame.geometry.values, dtype=object)


def place_in_sites(geometries, sites):
    """(site_id, township) arrays: the site holding each geometry (the largest
    overlap), or None; all None when ``sites`` is None.

    Examples
    --------
    >>> from hailin.geo.sites import load_sites
    >>> site, township = place_in_sites(np.array([shapely.Point(0, 0), None]), load_sites())
    >>> site.tolist(), township.tolist()
    ([None, None], [None, None])
    """
    n = len(geometries)
    site_ids = np.full(n, None, dtype=object)
    townships = np.full(n, None, dtype=object)
    present = np.flatnonzero(~shapely.is_missing(geometries))
    if sites is None or present.size == 0:
        return site_ids, townships
    tree = shapely.STRtree(_geometries(sites))
    plot_index, site_index = tree.query(geometries[present], predicate="intersects")
    if plot_index.size:
        overlap = shapely.area(
            shapely.intersection(geometries[present][plot_index], _geometries(sites)[site_index])
        )
        best = pd.DataFrame({"plot": plot_index, "site": site_index, "overlap": overlap})
        best = best.sort_values(["plot", "overlap"], ascending=[True, False]).drop_duplicates(
            "plot"
        )
        rows = present[best["plot"].to_numpy()]
        site_ids[rows] = sites["site_id"].to_numpy()[best["site"].to_numpy()]
        townships[rows] = sites["township"].to_numpy()[best["site"].to_numpy()]
    return site_ids, townships


def overlapping_pairs(plots, others=None):
    """[(plot_id, other plot_id, overlap m²)] of plots whose areas overlap by
    at least 1 m² (``others`` defaults to the plots themselves, each pair once).

    Examples
    --------
    >>> plots = geopandas.GeoDataFrame({"plot_id": ["A", "B"]}, crs=4326,
    ...     geometry=[shapely.box(120.33, 27.26, 120.332, 27.262),
    ...               shapely.box(120.331, 27.26, 120.333, 27.262)])
    >>> [(a, b, round(m2, -2)) for a, b, m2 in overlapping_pairs(plots)]
    [('A', 'B', 21900.0)]
    """
    others = plots if others is None else others
    if len(plots) == 0 or len(others) == 0:
        return []
    tree = shapely.STRtree(_geometries(others))
    left, right = tree.query(_geometries(plots), predicate="overlaps")
    pairs = []
    for a, b in zip(left, right, strict=True):
        first, second = plots["plot_id"].iloc[a], others["plot_id"].iloc[b]
        if others is plots and first >= second:
            continue
        if first == second:
            continue
        shared = shapely.intersection(plots.geometry.iloc[a], others.geometry.iloc[b])
        overlap = float(area_m2(geopandas.GeoSeries([shared], crs=WGS84)).iloc[0])
        if overlap >= 1.0:
            pairs.append((first, second, overlap))
    return pairs


def records_per_plot(records, plots) -> dict:
    """{plot_id: number of records inside (or touching) the plot}.

    Examples
    --------
    >>> plots = geopandas.GeoDataFrame({"plot_id": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)])
    >>> records = geopandas.GeoDataFrame(geometry=[shapely.Point(0.5, 0.5), shapely.Point(5, 5)])
    >>> records_per_plot(records, plots)
    {'A': 1}
    """
    if len(records) == 0 or len(plots) == 0:
        return {}
    _record, plot = records_in_plots(records, plots)
    counts = np.bincount(plot, minlength=len(plots))
    return dict(zip(plots["plot_id"], counts.tolist(), strict=True))


def records_in_plots(records, plots) -> tuple[np.ndarray, np.ndarray]:
    """(record positions, plot positions) of every record inside (or touching) a plot.

    Examples
    --------
    >>> plots = geopandas.GeoDataFrame({"plot_id": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)])
    >>> records = geopandas.GeoDataFrame(geometry=[shapely.Point(5, 5), shapely.Point(0.5, 0.5)])
    >>> [p.tolist() for p in records_in_plots(records, plots)]
    [[1], [0]]
    """
    tree = shapely.STRtree(_geometries(plots))
    record, plot = tree.query(_geometries(records), predicate="intersects")
    return record, plot


def site_distance_km(geometries: np.ndarray, sites: geopandas.GeoDataFrame) -> np.ndarray:
    """Approximate distance (km) from each geometry to the nearest site (0 inside).

    Examples
    --------
    >>> from hailin.geo.sites import load_sites
    >>> far = site_distance_km(np.array([shapely.Point(121.33, 27.26)]), load_sites())
    >>> bool(90 < far[0] < 110)
    True
    """
    lat0 = float(np.radians(sites.total_bounds[[1, 3]].mean()))
    scale = np.array([np.cos(lat0) * _KM_PER_DEGREE, _KM_PER_DEGREE])

    def to_km(xy):
        return xy * scale

    union = shapely.union_all(_geometries(sites))
    shapely.prepare(union)
    geometries = np.asarray(geometries, dtype=object)
    # Points inside a site (nearly all of a patrol file) are 0 km away: tested
    # on their coordinates, no geometry made; only the others are measured.
    distance = np.zeros(len(geometries))
    measure = shapely.get_type_id(geometries) != 0
    points = np.flatnonzero(~measure)
    inside = shapely.contains_xy(
        union, shapely.get_x(geometries[points]), shapely.get_y(geometries[points])
    )
    measure[points[~inside]] = True
    if measure.any():
        target = shapely.transform(union, to_km)
        shapely.prepare(target)
        distance[measure] = shapely.distance(shapely.transform(geometries[measure], to_km), target)
    return distance


def inside_sites(geometries: np.ndarray, sites: geopandas.GeoDataFrame) -> np.ndarray:
    """Mask of the geometries lying within a site."""
    tree = shapely.STRtree(_geometries(sites))
    inside = np.zeros(len(geometries), dtype=bool)
    found, _site = tree.query(geometries, predicate="within")
    inside[found] = True
    return inside


def nearest_township(geometries: np.ndarray, sites: geopandas.GeoDataFrame) -> np.ndarray:
    """The township of the site nearest to each geometry (None when missing).

    A new Spartina patch found outside every reserve is still in a township:
    the one of the reserve it lies nearest to.

    Examples
    --------
    >>> from hailin.geo.sites import load_sites
    >>> nearest_township(np.array([shapely.Point(120.30, 27.25), None]), load_sites()).tolist()
    ['前岐镇', None]
    """
    geometries = np.asarray(geometries, dtype=object)
    townships = np.full(len(geometries), None, dtype=object)
    present = np.flatnonzero(~shapely.is_missing(geometries))
    if present.size == 0 or len(sites) == 0:
        return townships
    tree = shapely.STRtree(_geometries(sites))
    # Distances in degrees are fine for ranking a few reserves a few km apart.
    found, site = tree.query_nearest(geometries[present], all_matches=False)
    townships[present[found]] = sites["township"].to_numpy()[site]
    return townships
