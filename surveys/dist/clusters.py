"""New-infestation patches across partition edges.

Spartina findings near no clearance plot are clustered as
:func:`hailin.surveys.ledger.patches.cluster_new_infestations` does, on partitions:

1. each finding goes to every partition whose cells its bounds, grown by the
   cluster distance, touch (a halo); two findings within the distance of each
   other then meet in at least one partition;
2. each partition groups what it received (:func:`patch_groups`);
3. groups sharing a finding are one patch: the client joins them (a
   union-find over the group labels, as many rows as findings near no plot);
4. each partition takes the first report and the convex hull of its own
   findings per patch; the first of firsts and the hull of hulls are the
   patch's (:func:`first_reports`, :func:`convex_hulls`), and the ids come
   from the first reports of all patches (:func:`name_patches`).

Distances are in the transverse Mercator of all the findings near no plot,
so a patch's id, members and outline are the single-machine ones.
"""

import geopandas
import numpy as np
import pandas as pd
import shapely

from hailin.surveys.dist.engine import concat
from hailin.surveys.dist.partition import split_with_halo
from hailin.surveys.ledger.detections import local_metric_crs, metric_geometries
from hailin.surveys.ledger.patches import (
    connected_components,
    convex_hulls,
    first_reports,
    name_patches,
    patch_groups,
    report_frame,
)


def bounds_frame(bounds: list) -> geopandas.GeoDataFrame:
    """Two points spanning the union of ``bounds`` (minx, miny, maxx, maxy
    rows): a frame whose total bounds are the union's, for
    :func:`hailin.surveys.ledger.detections.local_metric_crs`."""
    known = np.array([b for b in bounds if b is not None and np.isfinite(b).all()])
    if known.size == 0:
        return geopandas.GeoDataFrame(geometry=[], crs=4326)
    low, high = known[:, :2].min(axis=0), known[:, 2:].max(axis=0)
    return geopandas.GeoDataFrame(
        geometry=shapely.points([low[0], high[0]], [low[1], high[1]]), crs=4326
    )


def total_bounds(frame):
    """The frame's total bounds, None when empty (a task's small answer)."""
    return None if frame is None or len(frame) == 0 else frame.total_bounds


def _groups(pieces, crs, cluster_m, partition):
    """(record_key, node) of every finding a partition received: the node
    names the partition and its group there."""
    frame = concat(pieces)
    if frame is None or len(frame) == 0:
        return pd.DataFrame({"record_key": np.zeros(0, np.int64), "node": np.zeros(0, np.int64)})
    groups = patch_groups(metric_geometries(frame.geometry, crs), cluster_m)
    node = np.int64(partition) << np.int64(40) | groups.astype(np.int64)
    return pd.DataFrame({"record_key": frame["record_key"].to_numpy(), "node": node})


def join_groups(labels: pd.DataFrame) -> pd.Series:
    """The patch number (0..n-1) of each record key (in key order), groups
    sharing a record being one patch: the connected components of records
    and groups (:func:`hailin.surveys.ledger.patches.connected_components`).

    Examples
    --------
    >>> labels = pd.DataFrame({"record_key": [1, 2, 2, 3, 4], "node": [10, 10, 20, 20, 30]})
    >>> join_groups(labels).to_dict()
    {1: 0, 2: 0, 3: 0, 4: 1}
    """
    key, keys = pd.factorize(labels["record_key"], sort=True)
    node, nodes = pd.factorize(labels["node"])
    # Records are items 0..K-1 and groups K..K+N-1; a row joins the two.
    component = connected_components(len(keys) + len(nodes), key, node + len(keys))
    return pd.Series(component[: len(keys)], index=np.asarray(keys))


def _firsts_and_hulls(outside, patch_of, crs):
    """Per patch (number) among this partition's own findings: the first
    report (time, x, y) and the convex hull of their vertices (metric)."""
    if outside is None or len(outside) == 0:
        return None, None
    points = metric_geometries(outside.geometry, crs)
    group = patch_of.reindex(outside["record_key"].to_numpy()).to_numpy()
    frame = report_frame(outside, points, group)
    numbers, position = np.unique(group, return_inverse=True)
    hulls = pd.Series(convex_hulls(points, position), index=numbers)
    return first_reports(frame), hulls


def cluster_outside(engine, outside: list, cluster_m: float, timezone: str):
    """The new-infestation patches of the findings near no plot, held in the
    partitions (futures of frames, ``outside``): ``(patches, membership)``
    with membership a Series record_key -> patch_id (on the client)."""
    crs = local_metric_crs(bounds_frame(engine.gather(engine.each(total_bounds, outside))))
    cut = engine.each(_halo_cut, outside, cluster_m=cluster_m, divisions=engine.divisions)
    received = [engine.pick(cut, i) for i in range(engine.count)]
    labels = engine.gather(
        [engine.on(i, _groups, received[i], crs, cluster_m, i) for i in range(engine.count)]
    )
    labels = concat(labels)
    if labels is None or len(labels) == 0:
        patches = geopandas.GeoDataFrame({"patch_id": []}, geometry=[], crs=4326)
        return patches, pd.Series(dtype=object)
    patch_of = join_groups(labels)
    shared = engine.share(patch_of)
    parts = engine.gather(engine.each(_firsts_and_hulls, outside, patch_of=shared, crs=crs))
    parts = [part for part in parts if part[0] is not None]
    firsts = name_patches(first_reports(concat([f.reset_index() for f, _h in parts])), timezone)
    hulls = pd.concat([h for _f, h in parts])
    position = pd.Series(np.arange(len(firsts)), index=firsts.index)
    outlines = convex_hulls(
        hulls.to_numpy(), position.reindex(hulls.index).to_numpy(), cluster_m / 2.0
    )
    patches = geopandas.GeoDataFrame(
        {"patch_id": firsts["patch_id"].to_numpy()},
        geometry=geopandas.GeoSeries(outlines, crs=crs).to_crs(4326).values,
        crs=4326,
    )
    membership = pd.Series(
        firsts["patch_id"].reindex(patch_of.to_numpy()).to_numpy(), index=patch_of.index
    )
    return patches, membership


def _halo_cut(frame, cluster_m, divisions):
    """``frame`` cut per partition with a halo of ``cluster_m`` (a task)."""
    return split_with_halo(frame, cluster_m, divisions)
