"""New infestations (新发图斑): Spartina found near no clearance plot, clustered
into patches by distance.

Pure functions on GeoDataFrames; distances are taken in a local transverse
Mercator (:func:`surveys.ledger.detections.local_metric_crs`).
"""

import geopandas
import numpy as np
import pandas as pd
import shapely

from surveys.ledger.detections import local_metric_crs, metric_geometries
from surveys.localtime import DEFAULT_TIMEZONE, local_dates


def cluster_new_infestations(findings, cluster_m=30.0, timezone=DEFAULT_TIMEZONE):
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
    points = metric_geometries(findings.geometry, crs)
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
