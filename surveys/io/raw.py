"""What every reader returns: a file's table before any interpretation.

A :class:`RawTable` holds the file's own columns and values, the row or
feature number a person would quote, and geometry with the file's CRS where
the format carries them. Turning it into survey records is :mod:`hailin.surveys.check`'s job.
"""

import dataclasses

import numpy as np
import pandas as pd

from hailin.surveys.headers import match_headers

# Rows searched for the header: titles above it are common in Chinese office sheets.
HEADER_SEARCH_ROWS = 30


@dataclasses.dataclass
class RawTable:
    """What a file holds, before any interpretation.

    ``ragged`` holds the rows the reader itself refused (a line of the wrong
    width, a line in another encoding) as ``{"row", "raw", "message"}``;
    ``geometry_problems`` (KML) a reason per feature whose geometry could not
    be read, or None.
    """

    frame: pd.DataFrame  # original headers; values as read (object dtype)
    source_rows: np.ndarray  # 1-based row (tables) or feature (spatial files) numbers
    geometry: np.ndarray | None = None  # shapely geometries, or None for plain tables
    crs: object = None  # the CRS the file declares, if any
    format: str = ""
    warnings: list = dataclasses.field(default_factory=list)
    ragged: list = dataclasses.field(default_factory=list)
    geometry_problems: list | None = None


def note(message: str, row: int | None = None, column: str | None = None) -> dict:
    """A file-level note of an import summary (a warning, or an error of the file).

    Examples
    --------
    >>> note("read as utf-8 text", column="时间")
    {'row': None, 'column': '时间', 'message': 'read as utf-8 text'}
    """
    return {"row": row, "column": column, "message": message}


def find_header_row(rows: list) -> int | None:
    """Index of the header among the first rows: the first that names >= 2 known
    fields (titles above the header are common in Chinese office sheets), else
    the first row with anything in it; None for no rows.

    Examples
    --------
    >>> find_header_row([["巡查记录表"], ["时间", "经度", "纬度"], ["2023-06-01", "120.3", "27.2"]])
    1
    """
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [c for c in row if c is not None and str(c).strip()]
        if len(match_headers(cells)) >= 2:
            return index
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(c is not None and str(c).strip() for c in row):
            return index
    return None


def dedupe_headers(headers: list) -> list[str]:
    """Unique column names, in one pass: blanks become ``column_N``, repeats
    ``name_2``, ``name_3``... (skipping names the file itself uses).

    Examples
    --------
    >>> dedupe_headers(["时间", "", "备注", "备注", "备注_2"])
    ['时间', 'column_2', '备注', '备注_3', '备注_2']
    """
    names = [
        str(h).strip() if h is not None and str(h).strip() else f"column_{position + 1}"
        for position, h in enumerate(headers)
    ]
    taken = set(names)
    used: set[str] = set()
    next_number: dict[str, int] = {}
    out = []
    for name in names:
        if name not in used:
            used.add(name)
            out.append(name)
            continue
        # Each probe that fails lands on a name the file holds, so all probes
        # together stay within the number of headers.
        number = next_number.get(name, 2)
        while f"{name}_{number}" in taken or f"{name}_{number}" in used:
            number += 1
        next_number[name] = number + 1
        used.add(f"{name}_{number}")
        out.append(f"{name}_{number}")
    return out
