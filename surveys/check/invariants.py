"""The last guard: what the store promises of every row, checked once more
before rows are kept (see README, "The store's invariants").
"""

import re

import numpy as np
import pandas as pd
import shapely

from hailin.geo.validity import coordinate_problems
from hailin.surveys.check.locate import invalid_mask
from hailin.surveys.check.problems import Problems, describe
from hailin.surveys.io.raw import RawTable
from hailin.surveys.schema import ACTIONS, FINDINGS, PATROL_TYPES

# Stored text never holds these: C0 controls but tab, line feed and carriage
# return, DEL and the C1 controls. Excel (openpyxl), DBF and XML writers refuse
# them, so one stored vertical tab would break every later export.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Stored codes must be one of these.
KNOWN_CODES = {
    "patrol_type": frozenset(PATROL_TYPES),
    "finding": frozenset(FINDINGS),
    "action": frozenset(ACTIONS),
}


def geometry_column(headers: dict, table: RawTable) -> str:
    """The column a geometry problem is reported under."""
    if table.geometry is not None:
        return "geometry"
    if "lon" in headers and "lat" in headers:
        return f"{headers['lon']}/{headers['lat']}"
    return headers.get("wkt", "geometry")


def enforce_invariants(
    problems: Problems,
    geometries: np.ndarray,
    observed: pd.Series,
    window: tuple,
    codes: dict,
    columns: dict,
    numbers: dict | None = None,
) -> None:
    """Refuse any row still kept that breaks what the store promises: a
    present, non-empty, valid geometry with finite coordinates in range; a
    time in the plausible window; known vocabulary codes.

    The checks before this one refuse such rows with a sharper message; this
    is the last guard, so that no later change to them can let one through.
    ``codes`` maps a field to its values, ``columns`` a field ("geometry",
    "time" or a code field) to the column named in the reject; ``numbers``
    maps a measurement to its values, which must be finite or missing.
    """
    kept = ~problems.refused()
    if not kept.any():
        return
    missing = kept & shapely.is_missing(geometries)
    problems.add(missing, columns["geometry"], "no geometry")
    found = np.full(len(geometries), None, dtype=object)
    check = kept & ~missing
    found[check] = coordinate_problems(geometries[check])
    invalid = check & pd.isna(found)
    invalid[invalid] = invalid_mask(geometries[invalid])
    if invalid.any():
        found[invalid] = [
            "invalid geometry: " + r for r in shapely.is_valid_reason(geometries[invalid])
        ]
    problems.add(pd.notna(found), columns["geometry"], found)
    outside = kept & outside_window(observed, window)
    problems.add(outside, columns["time"], "date/time is missing or outside the plausible window")
    for field, values in codes.items():
        values = np.asarray(values, dtype=object)
        unknown = kept & ~pd.Series(values, dtype=object).isin(KNOWN_CODES[field]).to_numpy()
        problems.add(
            unknown,
            columns.get(field, field),
            describe(values, unknown, f"{field.replace('_', ' ')} code {{value}} is not known"),
        )
    for field, values in (numbers or {}).items():
        infinite = kept & np.isinf(np.asarray(values, dtype=float))
        problems.add(infinite, field, "not a finite number")


def outside_window(times, window: tuple) -> np.ndarray:
    """Which ``times`` (UTC) are missing or outside the plausible ``window``
    (earliest, latest, message), the store's invariant for every time it keeps.

    Examples
    --------
    >>> window = (pd.Timestamp("1990-01-01", tz="UTC"), pd.Timestamp("2030-01-01", tz="UTC"), "")
    >>> outside_window([pd.Timestamp("2023-06-02", tz="UTC"), None], window).tolist()
    [False, True]
    """
    earliest, latest, _message = window
    times = pd.Series(times, dtype="datetime64[ns, UTC]")
    return (times.isna() | (times < earliest) | (times > latest)).to_numpy()


def without_control_characters(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    r"""``frame`` with :data:`CONTROL_CHARACTERS` removed from its text cells and
    column names, and a note per column that held any (its first row index and
    how many cells).

    Examples
    --------
    >>> frame = pd.DataFrame({"plot": ["KW\x0b1", "KW2"], "notes": ["a\tb\nc", None]}, dtype=object)
    >>> clean, found = without_control_characters(frame)
    >>> clean["plot"].tolist(), clean["notes"].tolist(), found
    (['KW1', 'KW2'], ['a\tb\nc', None], [{'column': 'plot', 'index': 0, 'cells': 1}])
    """
    found = []
    changed = {}
    for column in frame.columns:
        values = frame[column].to_numpy(dtype=object)
        # One search over the column joined: a clean column (nearly all) costs one pass.
        try:
            joined = "".join(values.tolist())  # a text table: every cell a str
        except TypeError:
            joined = "".join(v for v in values.tolist() if type(v) is str)
        if not CONTROL_CHARACTERS.search(joined):
            continue
        hits = np.fromiter(
            (type(v) is str and CONTROL_CHARACTERS.search(v) is not None for v in values),
            dtype=bool,
            count=len(values),
        )
        cleaned = values.copy()
        cleaned[hits] = [CONTROL_CHARACTERS.sub("", v) for v in values[hits]]
        changed[column] = cleaned
        found.append(
            {"column": str(column), "index": int(np.argmax(hits)), "cells": int(hits.sum())}
        )
    names = [CONTROL_CHARACTERS.sub("", str(c)) if isinstance(c, str) else c for c in frame.columns]
    if not changed and names == list(frame.columns):
        return frame, found
    out = frame.copy()
    for column, values in changed.items():
        out[column] = values
    out.columns = names
    return out, found
