"""Recurrence detection: Spartina found again in or near cleared plots.

Pure functions on GeoDataFrames. Distances are taken in a transverse Mercator
projection centred on the data (metres true to ~1e-4 within 50 km), so the
GPS tolerance means the same in every reserve.
"""

import geopandas
import numpy as np
import pandas as pd
import pyproj
import shapely

from hailin.surveys.localtime import DEFAULT_TIMEZONE, local_dates

SPARTINA_FINDINGS = ("spartina_regrowth", "spartina_new")


def local_metric_crs(*frames):
    """A transverse Mercator CRS (GRS80, metres) centred on the given frames."""
    bounds = np.array([f.total_bounds for f in frames if len(f)])
    if bounds.size == 0:
        return pyproj.CRS.from_epsg(4549)
    lon = float((bounds[:, 0].min() + bounds[:, 2].max()) / 2)
    return pyproj.CRS.from_proj4(
        f"+proj=tmerc +lon_0={lon:.4f} +k=1 +x_0=500000 +ellps=GRS80 +units=m"
    )


def metric_geometries(geoseries: geopandas.GeoSeries, crs: pyproj.CRS) -> np.ndarray:
    """The geometries of a GeoSeries in ``crs``, as an array."""
    return np.asarray(geoseries.to_crs(crs).values, dtype=object)


def within_tolerance(records, areas, tolerance_m, crs=None):
    """All (record position, area position, distance m) within ``tolerance_m``.

    Candidates come from a box query in degrees with the boxes grown by at
    least the tolerance; records inside an area are in at distance 0 and only
    the others are measured, in ``crs`` (by default the local transverse
    Mercator of ``areas``; the distributed ledger passes the one of all areas,
    so that a part of the areas measures as the whole does).
    """
    points = np.asarray(records.geometry.values, dtype=object)
    shapes = np.asarray(areas.geometry.values, dtype=object)
    if len(points) == 0 or len(shapes) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    latitude = np.radians(float(np.abs(areas.total_bounds[[1, 3]]).max()))
    grow = tolerance_m / (111_000.0 * np.cos(latitude))  # never less than the tolerance
    bounds = shapely.bounds(shapes) + np.array([-grow, -grow, grow, grow])
    left, right = shapely.STRtree(shapely.box(*bounds.T)).query(points)
    distance = np.zeros(left.size)
    outside = ~shapely.intersects(points[left], shapes[right])
    if outside.any():
        crs = crs or local_metric_crs(areas)
        distance[outside] = shapely.distance(
            metric_geometries(records.iloc[left[outside]].geometry, crs),
            metric_geometries(areas.iloc[right[outside]].geometry, crs),
        )
    keep = distance <= tolerance_m
    return left[keep], right[keep], distance[keep]


def nearest_within(records, areas, tolerance_m, crs=None):
    """Pairs (record, area, distance_m) within ``tolerance_m``, keeping each
    record's nearest area(s) only (a record inside two overlapping areas
    counts for both); distances in ``crs`` (see :func:`within_tolerance`)."""
    left, right, distance = within_tolerance(records, areas, tolerance_m, crs)
    pairs = pd.DataFrame({"record": left, "area": right, "distance_m": distance})
    nearest = pairs.groupby("record")["distance_m"].transform("min")
    return pairs[pairs["distance_m"] <= nearest + 1e-9].reset_index(drop=True)


def detect(surveys, plots, tolerance_m=10.0, timezone=DEFAULT_TIMEZONE, crs=None):
    """Spartina findings after clearance in or near clearance plots.

    Returns ``(detections, outside)``: detections is one row per (record, plot)
    with the record's columns plus plot_id, cleared_on and distance_m, for
    findings observed on a local day strictly after the plot's cleared_on;
    ``outside`` holds the Spartina findings near no clearance plot at all (the
    candidates for new infestations). Distances are taken in ``crs``, by
    default the local transverse Mercator of ``plots``.

    Examples
    --------
    >>> import geopandas, shapely, pandas as pd, datetime
    >>> plots = geopandas.GeoDataFrame({"plot_id": ["P1"], "cleared_on": [datetime.date(2023, 5, 1)]},
    ...     geometry=[shapely.box(120.33, 27.26, 120.331, 27.261)], crs=4326)
    >>> surveys = geopandas.GeoDataFrame({"record_key": [1, 2], "finding": ["spartina_regrowth"] * 2,
    ...     "observed_at": pd.to_datetime(["2023-05-01T10:00+08:00", "2023-05-02T10:00+08:00"], utc=True)},
    ...     geometry=[shapely.Point(120.3305, 27.2605)] * 2, crs=4326)
    >>> detections, outside = detect(surveys, plots)
    >>> detections["record_key"].tolist(), len(outside)
    ([2], 0)
    """
    spartina = surveys[surveys["finding"].isin(SPARTINA_FINDINGS)].reset_index(drop=True)
    empty = spartina.iloc[0:0].assign(
        plot_id=pd.Series(dtype=object),
        cleared_on=pd.Series(dtype=object),
        distance_m=pd.Series(dtype=float),
    )
    if len(spartina) == 0:
        return empty, spartina
    if len(plots) == 0:
        return empty, spartina
    pairs = nearest_within(spartina, plots, tolerance_m, crs)
    matched = spartina.iloc[pairs["record"].to_numpy()].reset_index(drop=True)
    matched["plot_id"] = plots["plot_id"].to_numpy()[pairs["area"].to_numpy()]
    matched["cleared_on"] = plots["cleared_on"].to_numpy()[pairs["area"].to_numpy()]
    matched["distance_m"] = pairs["distance_m"].to_numpy()
    day = local_dates(matched["observed_at"], timezone).to_numpy()
    after = np.array([d > c for d, c in zip(day, matched["cleared_on"], strict=True)], dtype=bool)
    outside = spartina[~np.isin(np.arange(len(spartina)), pairs["record"].to_numpy())]
    return matched[after].reset_index(drop=True), outside.reset_index(drop=True)
