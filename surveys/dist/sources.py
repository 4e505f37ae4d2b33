"""Records into partitions on the cluster: from frames the client read (a
workspace GeoPackage) or straight from a GeoParquet dataset, each worker
reading its own key range (:mod:`surveys.io.dataset`).
"""

import numpy as np
import pandas as pd

from surveys.dist.engine import Engine, Part
from surveys.dist.partition import Divisions, coarse_keys, hilbert_keys, reach
from surveys.ledger.cases import point_inspections

# Records per partition the default count aims at: a partition's frames and
# joins then take a few hundred MB of a worker's memory.
RECORDS_PER_PARTITION = 1_000_000


def partition_count(client, records: int) -> int:
    """Partitions for ``records`` records on ``client``'s cluster: two per
    worker thread, more when that would exceed :data:`RECORDS_PER_PARTITION`.

    Examples
    --------
    >>> partition_count(None, 5_000_000)
    5
    """
    threads = sum(client.nthreads().values()) if client is not None else 0
    return max(1, 2 * threads, -(-records // RECORDS_PER_PARTITION))


def _sorted_piece(frame, keys, chosen):
    """The rows of ``frame`` with ``chosen``, in key order (spatially sorted)."""
    rows = np.flatnonzero(chosen)
    return frame.iloc[rows[np.argsort(keys[rows], kind="stable")]]


def engine_from_frames(client, findings, inspections, partitions: int | None = None) -> Engine:
    """An :class:`Engine` holding ``findings`` (records other than ``clear``)
    and ``inspections`` (``clear`` records: time and place at least), cut
    into ``partitions`` spatial partitions (by default
    :func:`partition_count`) and sent to the workers."""
    inspections = point_inspections(inspections)
    keys = [hilbert_keys(f.geometry) for f in (findings, inspections)]
    partitions = partitions or partition_count(client, len(findings) + len(inspections))
    divisions = Divisions.balanced(np.concatenate([coarse_keys(k) for k in keys]), None, partitions)
    owner = [divisions.partition_of(coarse_keys(k)) for k in keys]
    pieces = [
        Part(
            _sorted_piece(findings, keys[0], owner[0] == i),
            _sorted_piece(inspections, keys[1], owner[1] == i),
        )
        for i in range(divisions.count)
    ]
    reaches = pd.concat(
        [reach(findings, divisions), reach(inspections, divisions)], ignore_index=True
    ).drop_duplicates()
    return Engine(client, client.scatter(pieces, hash=False), divisions, reaches)
