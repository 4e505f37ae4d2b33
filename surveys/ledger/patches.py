"""New infestations (新发图斑): Spartina found near no clearance plot, clustered
into patches by distance.

Pure functions on GeoDataFrames; distances are taken in a local transverse
Mercator (:func:`hailin.surveys.ledger.detections.local_metric_crs`). The steps
(:func:`patch_groups`, :func:`first_reports`, :func:`name_patches`,
:func:`convex_hulls`) are public so that the distributed ledger
(:mod:`hailin.surveys.dist.clusters`) runs the same ones on parts of the findings.
"""

import geopandas
import numpy as np
import pandas as pd
import shapely

from hailin.surveys.ledger.detections import local_metric_crs, metric_geometries
from hailin.surveys.localtime import DEFAULT_TIMEZONE, local_dates


def patch_groups(points: np.ndarray, cluster_m: float) -> np.ndarray:
    """Per geometry (metric), the number of its group: geometries whose
    buffers of half ``cluster_m`` touch, directly or through others, share one.

    Examples
    --------
    >>> patch_groups(shapely.points([0, 29, 100], [0, 0, 0]), 30.0).tolist()
    [0, 0, 1]
    """
    # The pairs of touching buffers and their connected components: the blobs
    # a union of the buffers would make, without the union (which costs
    # seconds for the tens of thousands of findings of a province).
    buffers = shapely.buffer(points, cluster_m / 2.0)
    left, right = shapely.STRtree(buffers).query(buffers, predicate="intersects")
    return connected_components(len(points), left, right)


def connected_components(count: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The component (0..k-1, in order of each one's first member) of each of
    ``count`` nodes joined by the edges ``left[i]``-``right[i]``.

    Examples
    --------
    >>> connected_components(5, np.array([0, 3]), np.array([2, 4])).tolist()
    [0, 1, 0, 2, 2]
    """
    label = np.arange(count)
    left, right = np.asarray(left, np.int64), np.asarray(right, np.int64)
    while True:
        lowest = np.minimum(label[left], label[right])
        joined = label.copy()
        np.minimum.at(joined, left, lowest)
        np.minimum.at(joined, right, lowest)
        joined = joined[joined]  # jump to the label's own label: fewer rounds on long chains
        if np.array_equal(joined, label):
            return np.unique(label, return_inverse=True)[1].astype(np.int64)
        label = joined


def first_reports(frame: pd.DataFrame) -> pd.DataFrame:
    """Per ``group`` of ``frame`` (columns group, time, x, y), its first report:
    the earliest, then westmost, then southmost. The first of firsts taken
    over parts of a group is the first of the whole group."""
    return frame.sort_values(["time", "x", "y"]).groupby("group").first()


def name_patches(firsts: pd.DataFrame, timezone: str = DEFAULT_TIMEZONE) -> pd.DataFrame:
    """``firsts`` (indexed by group: time, x, y) with a ``patch_id`` each,
    ``NEW-<local date of the first report>-<nn>`` numbered west to east (then
    south to north) within a date; sorted that way."""
    firsts = firsts.copy()
    firsts["date"] = local_dates(firsts["time"], timezone).map(lambda d: d.strftime("%Y%m%d"))
    firsts = firsts.sort_values(["date", "x", "y"])
    number = firsts.groupby("date").cumcount() + 1
    firsts["patch_id"] = "NEW-" + firsts["date"] + "-" + number.map("{:02d}".format)
    return firsts


def convex_hulls(geometries: np.ndarray, position: np.ndarray, buffer_m=None) -> np.ndarray:
    """The convex hull of every vertex of the geometries of each ``position``
    (0..n-1), buffered by ``buffer_m`` when given. The hull of parts' hulls is
    the hull of the whole, so parts of a patch can be hulled apart first."""
    order = np.argsort(position, kind="stable")
    # Findings may be polygons or tracks: every vertex goes into its patch's hull.
    vertices, owner = shapely.get_coordinates(geometries[order], return_index=True)
    hulls = shapely.convex_hull(shapely.multipoints(vertices, indices=position[order][owner]))
    # The hull of two reports is a line running in the reports' order, and its
    # buffer starts where the line does: normalised, a patch's outline (and
    # area, to the last bit) does not depend on which report came first.
    hulls = shapely.normalize(hulls)
    return np.asarray(hulls if buffer_m is None else shapely.buffer(hulls, buffer_m))


def cluster_new_infestations(findings, cluster_m=30.0, timezone=DEFAULT_TIMEZONE, crs=None):
    """Group Spartina findings outside clearance plots into new-infestation
    patches (新发图斑): reports within ``cluster_m`` of each other are one patch.

    Returns ``(patches, membership)``: patches is a GeoDataFrame (patch_id,
    geometry = the reports' convex hull buffered by half the distance) and
    membership maps each finding's position to its patch_id. Ids are derived
    from the first report's local date and position, so they do not depend on
    the order records were imported in. Distances are taken in ``crs``, by
    default the local transverse Mercator of ``findings``.
    """
    if len(findings) == 0:
        patches = geopandas.GeoDataFrame({"patch_id": []}, geometry=[], crs=4326)
        return patches, pd.Series(dtype=object)
    crs = crs or local_metric_crs(findings)
    points = metric_geometries(findings.geometry, crs)
    group = patch_groups(points, cluster_m)
    firsts = name_patches(first_reports(report_frame(findings, points, group)), timezone)
    position = pd.Series(np.arange(len(firsts)), index=firsts.index).reindex(group).to_numpy()
    hulls = convex_hulls(points, position, cluster_m / 2.0)
    patches = geopandas.GeoDataFrame(
        {"patch_id": firsts["patch_id"].to_numpy()},
        geometry=geopandas.GeoSeries(hulls, crs=crs).to_crs(4326).values,
        crs=4326,
    )
    membership = pd.Series(firsts["patch_id"].reindex(group).to_numpy(), index=findings.index)
    return patches.reset_index(drop=True), membership


def report_frame(findings, points, group) -> pd.DataFrame:
    """(group, time, x, y) of each finding: its patch group, time and the
    centre of its metric geometry ``points`` (what :func:`first_reports` takes)."""
    centres = shapely.centroid(points)
    return pd.DataFrame(
        {
            "group": group,
            "time": findings["observed_at"].to_numpy(),
            "x": shapely.get_x(centres),
            "y": shapely.get_y(centres),
        }
    )
