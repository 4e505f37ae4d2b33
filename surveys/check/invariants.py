"""The last guard: what the store promises of every row, checked once more
before rows are kept (see README, "The store's invariants").
"""

import numpy as np
import pandas as pd
import shapely

from hailin.geo.validity import coordinate_problems
from hailin.surveys.check.locate import invalid_mask
from hailin.surveys.check.problems import Problems, describe
from hailin.surveys.io.raw import RawTable
from hailin.surveys.schema import ACTIONS, FINDINGS, PATROL_TYPES

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
    earliest, latest, _message = window
    times = pd.Series(observed)
    outside = kept & (times.isna() | (times < earliest) | (times > latest)).to_numpy()
    problems.add(outside, columns["time"], "date/time is missing or outside the plausible window")
    for field, values in codes.items():
        values = np.asarray(values, dtype=object)
        unknown = kept & ~pd.Series(values).isin(KNOWN_CODES[field]).to_numpy()
        problems.add(
            unknown,
            columns.get(field, field),
            describe(values, unknown, f"{field.replace('_', ' ')} code {{value}} is not known"),
        )
    for field, values in (numbers or {}).items():
        infinite = kept & np.isinf(np.asarray(values, dtype=float))
        problems.add(infinite, field, "not a finite number")
