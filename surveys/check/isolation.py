"""One row's unexpected error rejects that row, not the whole file.

The row checks are vectorised, so a value they were never meant to see
(a bug in hailin, not in the file) raises for the whole table. When that
happens the check is run again on halves of the table, down to the rows that
fail on their own; those become rejects saying hailin could not check them,
their tracebacks go to the log, and the rest of the table is checked as a
whole once more, so file-wide checks (CRS, repeated plot ids) still see every
other row.
"""

import dataclasses
import logging

import numpy as np
import pandas as pd

from hailin.geo.errors import HailinError
from hailin.surveys.check.problems import raw_json

logger = logging.getLogger(__name__)

INTERNAL_ERROR = (
    "hailin could not check this row (internal error: {kind}); details in the workspace log"
)
# Checks run while looking for the failing rows: about 2·log2(rows) per row
# found, so a handful of rows in a million, dozens in a small file. Past it the
# error is taken to be the file's and raised as it came.
MAX_CHECKS = 400


def table_rows(table, positions, *, keep_ragged=False):
    """The rows at ``positions`` (0-based) of a :class:`RawTable`, as a RawTable.

    Rows the reader already refused as ragged stay with the full table unless
    ``keep_ragged``: they are reported once, by the final check.

    Examples
    --------
    >>> from hailin.surveys.io.raw import RawTable
    >>> frame = pd.DataFrame({"a": ["x", "y", "z"]})
    >>> part = table_rows(RawTable(frame, np.array([2, 3, 4])), np.array([0, 2]))
    >>> part.frame["a"].tolist(), part.source_rows.tolist()
    (['x', 'z'], [2, 4])
    """
    positions = np.asarray(positions, dtype=np.int64)
    frame = table.frame.reset_index(drop=True)
    problems = table.geometry_problems
    return dataclasses.replace(
        table,
        frame=frame.iloc[positions].reset_index(drop=True),
        source_rows=np.asarray(table.source_rows)[positions],
        geometry=None if table.geometry is None else np.asarray(table.geometry)[positions],
        warnings=list(table.warnings),
        ragged=list(table.ragged) if keep_ragged else [],
        geometry_problems=None if problems is None else [problems[p] for p in positions],
    )


class _Search:
    """Finds the rows whose check fails on their own, by halving."""

    def __init__(self, check, table):
        self.check, self.table = check, table
        self.checks = 0
        self.failing = {}  # position -> exception

    def probe(self, positions):
        """The exception checking these rows raises, or None."""
        if self.checks >= MAX_CHECKS:
            raise _GiveUp
        self.checks += 1
        try:
            self.check(table_rows(self.table, positions))
        except MemoryError:
            raise
        except Exception as error:  # any failure narrows the search
            return error
        return None

    def search(self, positions, error):
        """``positions`` failed with ``error``; find which of them fail alone."""
        if positions.size == 1:
            # A row that fails alone with hailin's own error (say, a file-wide
            # inference made from one row) is not the culprit.
            if not isinstance(error, HailinError):
                self.failing[int(positions[0])] = error
            return
        for half in np.array_split(positions, 2):
            found = self.probe(half)
            if found is not None:
                self.search(half, found)


class _GiveUp(Exception):
    """The search used up its checks."""


def check_isolating_rows(check, table, *, file):
    """``check(table)``, with rows whose check raises an unexpected error
    turned into rejects (see the module docstring).

    ``check`` takes a :class:`RawTable` and returns a
    :class:`~surveys.check.problems.Normalized`. hailin's own errors
    (:class:`~geo.errors.HailinError`, e.g. a missing column) and errors that
    no row alone explains are raised unchanged.
    """
    try:
        return check(table)
    except (HailinError, MemoryError):
        raise
    except Exception as error:
        first = error
    logger.error(
        "%s: checking the rows failed (%s); looking for the rows that cause it",
        file,
        type(first).__name__,
        exc_info=first,
    )
    n = len(table.frame)
    search = _Search(check, table)
    try:
        search.search(np.arange(n), first)
    except _GiveUp:
        logger.error("%s: gave up after %d checks; the file is refused", file, search.checks)
        raise first from None
    if not search.failing:
        raise first
    bad = np.array(sorted(search.failing), dtype=np.int64)
    rest = np.setdiff1d(np.arange(n), bad)
    frame = table.frame.reset_index(drop=True)
    for position in bad:
        logger.error(
            "%s row %s: internal error while checking it; the row is rejected",
            file,
            table.source_rows[position],
            exc_info=search.failing[position],
        )
    rejects = pd.DataFrame(
        {
            "source_row": np.asarray(table.source_rows)[bad].astype(np.int64),
            "column": None,
            "reason": [INTERNAL_ERROR.format(kind=type(search.failing[p]).__name__) for p in bad],
            "raw": [raw_json(frame.columns, frame.iloc[p]) for p in bad],
        }
    )
    if rest.size == 0:
        # Every row failed alone: the file is unusable for a reason of hailin's.
        raise first
    result = check(table_rows(table, rest, keep_ragged=True))
    result.rejects = (
        pd.concat([result.rejects, rejects], ignore_index=True)
        .sort_values("source_row", kind="stable")
        .reset_index(drop=True)
    )
    result.rows_read += bad.size
    return result
