"""The records of a command as partitions on a Dask cluster, and the few moves
every distributed step makes: run a function on each partition, send a
frame to the partitions with a halo, regroup results by a key, gather.

The partitions stay in the workers' memory (futures) for the whole command:
each is read once (from the client's frames or from a GeoParquet dataset,
see :mod:`hailin.surveys.dist.sources`), and only small results (bounds, plot ids,
case rows) come back to the client.
"""

import dataclasses
import operator
from typing import Any

import geopandas
import numpy as np
import pandas as pd
import shapely

from hailin.surveys.dist.partition import (
    Divisions,
    coarse_keys,
    hilbert_keys,
    split_with_halo,
    touched_cells,
)


@dataclasses.dataclass
class Part:
    """One spatial partition of the records, kept compact in a worker's
    memory (10⁷ records fit one worker's 4 GB): ``findings`` (every record
    but the ``clear`` inspections, in full) and ``inspections`` (the ``clear``
    records that are not tracks, most of the records: observed_at, x, y and
    coarse cell of points, 32 bytes where a shapely point takes ~150; ``other`` holds the
    rare polygons whole)."""

    findings: geopandas.GeoDataFrame
    inspections: pd.DataFrame
    other: geopandas.GeoDataFrame | None = None

    @classmethod
    def of(cls, findings, inspections) -> "Part":
        """A partition of ``findings`` and ``inspections`` (GeoDataFrames, EPSG:4326;
        tracks already left out of the inspections)."""
        shapes = np.asarray(inspections.geometry.values, dtype=object)
        point = shapely.get_type_id(shapes) == 0
        times = inspections["observed_at"].reset_index(drop=True)
        points = pd.DataFrame(
            {
                "observed_at": times[point],
                "x": shapely.get_x(shapes[point]),
                "y": shapely.get_y(shapes[point]),
                "cell": coarse_keys(hilbert_keys(geopandas.GeoSeries(shapes[point]))),
            }
        ).reset_index(drop=True)
        other = inspections.iloc[np.flatnonzero(~point)][["observed_at", "geometry"]]
        return cls(findings, points, other if len(other) else None)

    def inspections_after(self, after, near=None, halo_m: float = 0.0) -> geopandas.GeoDataFrame:
        """The inspections observed after ``after``, as a GeoDataFrame
        (observed_at, geometry); with ``near`` (a GeoDataFrame), only the
        points in the coarse cells its geometries, grown by ``halo_m``, touch
        (all that can lie within ``halo_m`` of them)."""
        chosen = self.inspections["observed_at"] > after
        if near is not None:
            _rows, cells = touched_cells(shapely.bounds(np.asarray(near.geometry.values)), halo_m)
            chosen &= pd.Index(np.unique(cells)).get_indexer(self.inspections["cell"]) >= 0
        chosen = self.inspections[chosen]
        points = geopandas.GeoDataFrame(
            {"observed_at": chosen["observed_at"].reset_index(drop=True)},
            geometry=shapely.points(chosen["x"].to_numpy(), chosen["y"].to_numpy()),
            crs=4326,
        )
        if self.other is None:
            return points
        other = self.other[self.other["observed_at"] > after]
        return concat([points, other.reset_index(drop=True)])

    def latest(self) -> list:
        """The latest observed_at of the findings and of the inspections."""
        inspected = self.inspections["observed_at"]
        if self.other is not None:
            inspected = pd.concat([inspected, self.other["observed_at"]])
        return [self.findings["observed_at"].max(), inspected.max()]


def concat(pieces):
    """Frames (or GeoDataFrames) one after the other, with a fresh index;
    None for no piece. Empty pieces are left out (their columns may be
    typed more loosely) unless all are empty."""
    pieces = [piece for piece in pieces if piece is not None]
    if not pieces:
        return None
    pieces = [piece for piece in pieces if len(piece)] or pieces[:1]
    if len(pieces) == 1:
        return pieces[0].reset_index(drop=True)
    return pd.concat(pieces, ignore_index=True)


def home_of(items: np.ndarray, total: int, count: int) -> np.ndarray:
    """The home (0..count-1) of each of ``total`` items numbered 0..total-1:
    contiguous runs of about equal length, in order.

    Examples
    --------
    >>> home_of(np.arange(5), 5, 2).tolist()
    [0, 0, 0, 1, 1]
    """
    return np.asarray(items, dtype=np.int64) * count // max(total, 1)


def split_by(frame, column, total, count):
    """``frame`` cut into ``count`` frames by the home of ``frame[column]``."""
    home = home_of(frame[column].to_numpy(), total, count)
    return [frame[home == h] for h in range(count)]


def homes_on(client, count: int) -> list:
    """The worker each of ``count`` partitions lives on: contiguous runs of
    partitions (neighbours on the curve) per worker, in address order, so
    that a halo mostly stays on one worker.

    Examples
    --------
    >>> class Two:
    ...     def nthreads(self):
    ...         return {"tcp://b:2": 1, "tcp://a:1": 1}
    >>> homes_on(Two(), 3)
    ['tcp://a:1', 'tcp://a:1', 'tcp://b:2']
    """
    workers = sorted(client.nthreads()) if client is not None else []
    if not workers:
        return [None] * count
    return [workers[i * len(workers) // count] for i in range(count)]


def scatter_to(client, pieces: list, homes: list) -> list:
    """Futures of ``pieces``, each scattered to its home worker (one call per
    worker; any worker when the home is None)."""
    futures: list = [None] * len(pieces)
    for home in dict.fromkeys(homes):
        chosen = [i for i, h in enumerate(homes) if h == home]
        sent = client.scatter(
            [pieces[i] for i in chosen], workers=None if home is None else [home], hash=False
        )
        for i, future in zip(chosen, sent, strict=True):
            futures[i] = future
    return futures


@dataclasses.dataclass
class Engine:
    """A Dask client and the record partitions of one command on it.

    Partition i lives on worker ``homes[i]`` and every task on it (or on what
    was sent to it) runs there: the scheduler never moves a partition, only
    the small frames a regrouping exchanges. ``reaches`` are the (partition,
    coarse cell) pairs where the records of a partition stretch past their
    own cells (:func:`hailin.surveys.dist.partition.reach`).
    """

    client: Any
    parts: list
    divisions: Divisions
    reaches: pd.DataFrame = dataclasses.field(
        default_factory=lambda: pd.DataFrame({"partition": [], "cell": []}, dtype=np.int64)
    )
    homes: list = dataclasses.field(default_factory=list)

    @property
    def count(self) -> int:
        """The number of partitions."""
        return self.divisions.count

    def on(self, i: int, function, *args, **kwargs):
        """A future of ``function(*args, **kwargs)`` run on partition i's worker
        (another only if that one is gone)."""
        home = self.homes[i] if i < len(self.homes) else None
        return self.client.submit(
            function,
            *args,
            pure=False,
            workers=None if home is None else [home],
            allow_other_workers=True,
            **kwargs,
        )

    def each(self, function, *columns, **common) -> list:
        """Futures of ``function(column_0[i], column_1[i], ..., **common)`` for
        each partition i, on its worker (columns are lists of futures or
        values, one per partition; ``common`` goes to every call)."""
        return [
            self.on(i, function, *(column[i] for column in columns), **common)
            for i in range(self.count)
        ]

    def pick(self, futures, index) -> list:
        """Futures of ``result[index]`` of each partition's future."""
        return [self.on(i, operator.getitem, f, index) for i, f in enumerate(futures)]

    def gather(self, futures) -> list:
        """The results of ``futures``, on the client."""
        return self.client.gather(futures)

    def share(self, value):
        """``value`` on every worker once (a future to pass to :meth:`each`)."""
        return self.client.scatter(value, broadcast=True, hash=False)

    def send(self, frame, halo_m: float) -> list:
        """Futures of ``frame`` cut per partition with a halo of ``halo_m``
        (:func:`hailin.surveys.dist.partition.split_with_halo`), each on its
        partition's worker."""
        return self.place(split_with_halo(frame, halo_m, self.divisions, self.reaches))

    def place(self, pieces: list) -> list:
        """Futures of ``pieces`` (one per partition), each on its partition's worker."""
        return scatter_to(self.client, pieces, self.homes or [None] * self.count)

    def regroup(self, futures, column: str, total: int, count: int) -> list:
        """Futures of the rows of every partition's frame whose ``column``
        (a number 0..total-1) has home h (:func:`home_of`), for h in
        0..count-1: a shuffle by key (each cut where its frame is, each
        group on partition h's worker)."""
        cut = [self.on(i, split_by, f, column, total, count) for i, f in enumerate(futures)]
        return [
            self.on(h, concat, [self.on(i, operator.getitem, c, h) for i, c in enumerate(cut)])
            for h in range(count)
        ]
