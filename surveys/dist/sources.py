"""Records into partitions on the cluster: from frames the client read (a
workspace GeoPackage) or straight from a GeoParquet dataset, each worker
reading its own key range (:mod:`hailin.surveys.io.dataset`).
"""

import itertools

import numpy as np
import pandas as pd

from hailin.surveys.dist.engine import Engine, Part, concat, homes_on, scatter_to
from hailin.surveys.dist.partition import COARSE_SHIFT, Divisions, coarse_keys, hilbert_keys, reach
from hailin.surveys.io.dataset import (
    CLEAR,
    RASTER,
    RECORDS,
    files_of,
    findings_with_raster,
    read_files,
    read_manifest,
    typed_records,
)
from hailin.surveys.ledger.cases import point_inspections

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


def engine_from_frames(
    client, findings, inspections, partitions: int | None = None, divisions: Divisions | None = None
) -> Engine:
    """An :class:`Engine` holding ``findings`` (records other than ``clear``)
    and ``inspections`` (``clear`` records: time and place at least), cut
    into ``partitions`` spatial partitions (by default
    :func:`partition_count`) of about equal records, or along the key ranges
    ``divisions`` when given, and sent to the workers."""
    inspections = point_inspections(inspections)
    keys = [hilbert_keys(f.geometry) for f in (findings, inspections)]
    if divisions is None:
        partitions = partitions or partition_count(client, len(findings) + len(inspections))
        coarse = np.concatenate([coarse_keys(k) for k in keys])
        divisions = Divisions.balanced(coarse, None, partitions)
    owner = [divisions.partition_of(coarse_keys(k)) for k in keys]
    pieces = [
        Part.of(
            _sorted_piece(findings, keys[0], owner[0] == i),
            _sorted_piece(inspections, keys[1], owner[1] == i),
        )
        for i in range(divisions.count)
    ]
    reaches = pd.concat(
        [reach(findings, divisions), reach(inspections, divisions)], ignore_index=True
    ).drop_duplicates()
    homes = homes_on(client, divisions.count)
    return Engine(client, scatter_to(client, pieces, homes), divisions, reaches, homes)


def _read_part(root, entries, low, high, columns):
    """A partition of a dataset's records: the rows of ``entries`` with a key
    from ``low`` up to ``high`` (excluded; None: no end)."""
    span = [("hilbert", ">=", low)] + ([("hilbert", "<", high)] if high is not None else [])
    findings = read_files(root, entries, [*columns, RASTER, "geometry"], [*span, CLEAR[False]])
    inspections = read_files(root, entries, ["observed_at", "geometry"], [*span, CLEAR[True]])
    findings = findings_with_raster(findings, columns)
    inspections = typed_records(inspections, ["observed_at"])
    return Part.of(findings, point_inspections(inspections))


def _reach(part, divisions):
    other = [] if part.other is None else [reach(part.other, divisions)]
    return pd.concat([reach(part.findings, divisions), *other])


def engine_from_dataset(client, root, partitions: int | None = None) -> Engine:
    """An :class:`Engine` whose partitions each worker reads from the dataset
    at ``root`` (its key range, from the files whose row groups reach it):
    the records never pass through the client. ``root`` must be in reach of
    every worker (a shared folder)."""
    from hailin.surveys.frames import RECORD_DETAIL

    entries = files_of(read_manifest(root), RECORDS)
    groups = np.array([g for e in entries for g in e["row_groups"]], dtype=np.int64).reshape(-1, 3)
    cells = np.concatenate([coarse_keys(groups[:, 0]), coarse_keys(groups[:, 1])])
    weights = np.concatenate([groups[:, 2], groups[:, 2]]) / 2.0
    partitions = partitions or partition_count(client, int(groups[:, 2].sum()))
    divisions = Divisions.balanced(cells, weights, partitions)
    bounds = [0, *divisions.starts, None]
    homes = homes_on(client, divisions.count)
    engine = Engine(client, [], divisions, homes=homes)
    for i, (low, high) in enumerate(itertools.pairwise(bounds)):
        chosen = [e for e in entries if _overlaps(e, low, high)]
        shift = 2 * COARSE_SHIFT
        engine.parts.append(
            engine.on(
                i,
                _read_part,
                root,
                chosen,
                low << shift,
                None if high is None else high << shift,
                RECORD_DETAIL,
            )
        )
    engine.reaches = concat(engine.gather(engine.each(_reach, engine.parts, divisions=divisions)))
    return engine


def _overlaps(entry, low, high):
    """Whether a file's row groups hold keys of coarse cells ``low``..``high``."""
    groups = np.asarray(entry["row_groups"], dtype=np.int64).reshape(-1, 3)
    first, last = coarse_keys(groups[:, 0]), coarse_keys(groups[:, 1])
    return bool(((last >= low) & ((first < high) if high is not None else True)).any())
