"""Recurrence detection: Spartina found again in cleared plots, and new patches.

Pure functions on GeoDataFrames. Distances are taken in a transverse Mercator
projection centred on the data (metres true to ~1e-4 within 50 km), so the
GPS tolerance means the same in every reserve.
"""

import geopandas
import numpy as np
import pandas as pd
import pyproj
import shapely

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


def _metric(geoseries, crs):
    return np.asarray(geoseries.to_crs(crs).values, dtype=object)


def within_tolerance(records, areas, tolerance_m):
    """All (record position, area position, distance m) within ``tolerance_m``.

    Candidates come from a box query in degrees with the boxes grown by at
    least the tolerance; records inside an area are in at distance 0 and only
    the others are measured, in a local transverse Mercator.
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
        crs = local_metric_crs(areas)
        distance[outside] = shapely.distance(
            _metric(records.iloc[left[outside]].geometry, crs),
            _metric(areas.iloc[right[outside]].geometry, crs),
        )
    keep = distance <= tolerance_m
    return left[keep], right[keep], distance[keep]


def nearest_within(records, areas, tolerance_m):
    """Pairs (record, area, distance_m) within ``tolerance_m``, keeping each
    record's nearest area(s) only (a record inside two overlapping areas
    counts for both)."""
    left, right, distance = within_tolerance(records, areas, tolerance_m)
    pairs = pd.DataFrame({"record": left, "area": right, "distance_m": distance})
    nearest = pairs.groupby("record")["distance_m"].transform("min")
    return pairs[pairs["distance_m"] <= nearest + 1e-9].reset_index(drop=True)


def local_dates(timestamps, timezone):
    """Calendar dates in ``timezone`` (a patrol day is a Fuding day)."""
    return pd.to_datetime(timestamps, utc=True).dt.tz_convert(timezone).dt.date


def detect(surveys, plots, tolerance_m=10.0, timezone="Asia/Shanghai"):
    """Spartina findings after clearance in or near clearance plots.

    Returns ``(detections, outside)``: detections is one row per (record, plot)
    with the record's columns plus plot_id, cleared_on and distance_m, for
    findings observed on a local day strictly after the plot's cleared_on;
    ``outside`` holds the Spartina findings near no clearance plot at all (the
    candidates for new infestations).

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
    pairs = nearest_within(spartina, plots, tolerance_m)
    matched = spartina.iloc[pairs["record"].to_numpy()].reset_index(drop=True)
    matched["plot_id"] = plots["plot_id"].to_numpy()[pairs["area"].to_numpy()]
    matched["cleared_on"] = plots["cleared_on"].to_numpy()[pairs["area"].to_numpy()]
    matched["distance_m"] = pairs["distance_m"].to_numpy()
    day = local_dates(matched["observed_at"], timezone).to_numpy()
    after = np.array([d > c for d, c in zip(day, matched["cleared_on"], strict=True)], dtype=bool)
    outside = spartina[~np.isin(np.arange(len(spartina)), pairs["record"].to_numpy())]
    return matched[after].reset_index(drop=True), outside.reset_index(drop=True)


def cluster_new_infestations(findings, cluster_m=30.0, timezone="Asia/Shanghai"):
    """Group Spartina findings outside clearance plots into new-infestation
    patches (新发图斑): reports within ``cluster_m`` of each other are one patch.

    Returns ``(patches, membership)``: patches is a GeoDataFrame (patch_id,
    geometry = the reports' convex hull buffered by half the distance) and
    membership maps each finding's position to its patch_id. Ids are derived
    from the first report's local date and position, so they do not depend on
    the order records were imported in.
    """
    if len(findings) == 0:
        patches = geopandas.GeoDataFrame({"patch_id": []}, geometry=[], crs=4326)
        return patches, pd.Series(dtype=object)
    crs = local_metric_crs(findings)
    points = _metric(findings.geometry, crs)
    blobs = shapely.get_parts(shapely.union_all(shapely.buffer(points, cluster_m / 2.0)))
    tree = shapely.STRtree(blobs)
    record, blob = tree.query(points, predicate="intersects")
    first = pd.Series(blob, index=record).groupby(level=0).min()
    group = first.reindex(range(len(points))).to_numpy()
    frame = pd.DataFrame(
        {
            "group": group,
            "time": findings["observed_at"].to_numpy(),
            "x": shapely.get_x(shapely.centroid(points)),
            "y": shapely.get_y(shapely.centroid(points)),
        }
    )
    firsts = frame.sort_values(["time", "x", "y"]).groupby("group").first()
    firsts["date"] = local_dates(firsts["time"], timezone).map(lambda d: d.strftime("%Y%m%d"))
    firsts = firsts.sort_values(["date", "x", "y"])
    number = firsts.groupby("date").cumcount() + 1
    firsts["patch_id"] = "NEW-" + firsts["date"] + "-" + number.map("{:02d}".format)
    # One convex hull per patch, all at once: points grouped by their patch's position.
    position = pd.Series(np.arange(len(firsts)), index=firsts.index).reindex(group).to_numpy()
    order = np.argsort(position, kind="stable")
    # Findings may be polygons or tracks: every vertex goes into its patch's hull.
    vertices, owner = shapely.get_coordinates(points[order], return_index=True)
    hulls = shapely.buffer(
        shapely.convex_hull(shapely.multipoints(vertices, indices=position[order][owner])),
        cluster_m / 2.0,
    )
    patches = geopandas.GeoDataFrame(
        {"patch_id": firsts["patch_id"].to_numpy()},
        geometry=geopandas.GeoSeries(hulls, crs=crs).to_crs(4326).values,
        crs=4326,
    )
    membership = pd.Series(firsts["patch_id"].reindex(group).to_numpy(), index=findings.index)
    return patches.reset_index(drop=True), membership
