"""Zonal statistics of many rasters over many plots, as tasks on a Dask cluster.

The plots are put in Hilbert order (the key of :mod:`hailin.surveys.dist.partition`)
and cut into runs of ``group`` plots: each run is a compact patch of the
coast, so one raster window holds it. A task is one raster and one such
group: :func:`hailin.geo.raster.class_stats` or :func:`hailin.geo.raster.value_stats`
(exactextract inside) reads that window only, from the raster in place (a
path the workers reach, or a GDAL virtual file system URL such as
``/vsis3/bucket/tile.tif`` or ``/vsicurl/https://...``). The client puts the
groups' rows back in the plots' order, one table per raster, and names the
classes found anywhere (``classes=None``) as the single machine does.
"""

import dataclasses
import os
from typing import Any

import numpy as np
import pandas as pd

from hailin.geo.area import M2_PER_MU
from hailin.geo.raster import class_stats, value_stats
from hailin.surveys.dist.partition import hilbert_keys

# Plots per task: a window of a few hundred plots along the shore.
GROUP_PLOTS = 2_000


def window_groups(plots, group: int = GROUP_PLOTS) -> list[np.ndarray]:
    """Positions of ``plots`` in runs of at most ``group`` plots along the
    Hilbert curve (each run spatially compact).

    Examples
    --------
    >>> import geopandas, shapely
    >>> points = shapely.points([120.1, 121.9, 120.1, 121.9], [27.0, 30.0, 27.0, 30.0])
    >>> plots = geopandas.GeoDataFrame(geometry=points, crs=4326)
    >>> [sorted(g.tolist()) for g in window_groups(plots, 2)]
    [[1, 3], [0, 2]]
    """
    keys = hilbert_keys(plots.geometry.to_crs(4326))
    order = np.argsort(keys, kind="stable")
    return [order[start : start + group] for start in range(0, len(order), max(1, group))]


def in_reach(raster) -> str:
    """``raster`` as the workers should open it: a local path made absolute
    (a worker does not share the command's working folder); GDAL virtual file
    systems (``/vsis3/...``) and URLs as they are.

    Examples
    --------
    >>> in_reach("/vsis3/bucket/T50RQT.tif"), in_reach("/data/a.tif")
    ('/vsis3/bucket/T50RQT.tif', '/data/a.tif')
    """
    text = os.fspath(raster)
    if text.startswith("/vsi") or "://" in text:
        return text
    return os.path.abspath(text)


def _class_task(raster, plots, classes, band):
    return class_stats(raster, plots, classes, band=band)


def _value_task(raster, plots, band, threshold):
    return value_stats(raster, plots, band=band, threshold=threshold)


def _found_classes(table, pieces):
    """``table`` with the class columns of ``classes=None`` for every value
    found in any group, in value order: a class a group did not see has
    share 0 where the plot has data (NaN where not), as the single machine
    computes it."""
    found = {
        int(column[len("class_") : -len("_fraction")])
        for piece in pieces
        for column in piece.columns
        if column.startswith("class_") and column.endswith("_fraction")
    }
    has_data = (table["valid_m2"] > 0).to_numpy()
    for value in sorted(found):
        name = f"class_{value}"
        seen = table.get(f"{name}_fraction")
        share = 0.0 if seen is None else np.nan_to_num(seen.to_numpy(), nan=0.0)
        share = np.where(has_data, share, np.nan)
        table[f"{name}_m2"] = share * table["valid_m2"].to_numpy()
        table[f"{name}_mu"] = table[f"{name}_m2"] / M2_PER_MU
        table[f"{name}_fraction"] = share
    first = [column for column in table.columns if not column.startswith("class_")]
    names = [f"class_{v}_{s}" for v in sorted(found) for s in ("m2", "mu", "fraction")]
    return table[first + names]


def raster_stats(
    client,
    rasters: list,
    plots,
    *,
    classes=None,
    values: bool = False,
    band: int = 1,
    threshold: float | None = None,
    group: int = GROUP_PLOTS,
) -> list[pd.DataFrame]:
    """For each of ``rasters`` (paths or GDAL URLs the workers can open), the
    table :func:`hailin.geo.raster.class_stats` (or, with ``values``,
    :func:`hailin.geo.raster.value_stats`) gives for ``plots``, computed as one
    task per raster and group of plots (:func:`window_groups`) on
    ``client``'s cluster.

    Examples
    --------
    See ``tests/test_dist_rasters.py``: the tables equal the single machine's.
    """
    groups = window_groups(plots, group)
    parts = client.scatter([plots.iloc[g] for g in groups], hash=False)
    tables = []
    for raster in rasters:
        raster = in_reach(raster)
        if values:
            futures = [
                client.submit(_value_task, raster, p, band, threshold, pure=False) for p in parts
            ]
        else:
            futures = [
                client.submit(_class_task, raster, p, classes, band, pure=False) for p in parts
            ]
        pieces = client.gather(futures)
        order = np.argsort(np.concatenate(groups), kind="stable")
        table = pd.concat(pieces, ignore_index=True).iloc[order].reset_index(drop=True)
        if not values and classes is None:
            table = _found_classes(table, pieces)
        tables.append(table)
    return tables


@dataclasses.dataclass(frozen=True)
class Zonal:
    """Where a raster command's zonal statistics run: on this machine
    (``client`` None: :func:`hailin.geo.raster.class_stats`, :func:`hailin.geo.raster.value_stats`)
    or as tasks on ``client``'s Dask cluster (:func:`raster_stats`), with the
    same tables either way.

    Examples
    --------
    >>> Zonal().client is None
    True
    """

    client: Any = None

    def classes(self, raster: str, plots, classes=None, band: int = 1) -> pd.DataFrame:
        """:func:`hailin.geo.raster.class_stats` of ``raster`` over ``plots``."""
        if self.client is None:
            return class_stats(raster, plots, classes, band=band)
        return raster_stats(self.client, [raster], plots, classes=classes, band=band)[0]

    def values(
        self, raster: str, plots, band: int = 1, threshold: float | None = None
    ) -> pd.DataFrame:
        """:func:`hailin.geo.raster.value_stats` of ``raster`` over ``plots``."""
        if self.client is None:
            return value_stats(raster, plots, band=band, threshold=threshold)
        tables = raster_stats(
            self.client, [raster], plots, values=True, band=band, threshold=threshold
        )
        return tables[0]


# Zonal statistics on this machine: what the raster commands do without --scheduler.
HERE = Zonal()
