"""Patrol effort: patrols, patrol days, person-times, records and km walked.

Definitions (the programme reports "1,200+ patrol person-times"):

- a **patrol** (巡护次数) is one team out on one local day in one patrol mode:
  the distinct (day, team, patrol type) of the records;
- **patrol days** (巡护天数) are the distinct local days with at least one record
  in the group (the total counts each day once);
- **person-times** (巡护人次) add up, over the patrols, the people named in
  the patrol's ``observer`` column (names split at 、，,;；/ and counted once per
  patrol), or 1 for a patrol that names nobody: a team that went out is at
  least one person;
- **records** are the rows stored (points, mapped patches and tracks);
- **km walked** is the geodesic length of the track records (GPX tracks,
  KML lines).

Every patrol belongs to one mode, one team and one month, so person-times and
patrols add up across groups; patrol days do not (two teams out on one day).
"""

import re

import numpy as np
import pandas as pd

from hailin.geo.length import length_m
from hailin.surveys.errors import StatisticsError
from hailin.surveys.localtime import DEFAULT_TIMEZONE, local_dates
from hailin.surveys.stats.periods import period
from hailin.surveys.stats.table import StatTable, with_total

EFFORT_GROUPS = ("patrol_type", "team", "month", "year")
ALIASES = {"mode": "patrol_type"}
# Names in one cell are parted by 、，,;；/／ or spaces (full-width ones included).
_NAMES = re.compile(r"[、，,;；/／\s]+")
COLUMNS = ["patrols", "patrol_days", "person_times", "records", "tracks", "km"]


def people(observer) -> frozenset:
    """The people named in an observer cell.

    Examples
    --------
    >>> sorted(people("林、陈, Wu"))
    ['Wu', '林', '陈']
    >>> sorted(people("赵六 钱七／孙八"))
    ['孙八', '赵六', '钱七']
    >>> people(None)
    frozenset()
    """
    if not isinstance(observer, str):
        return frozenset()
    return frozenset(name.strip() for name in _NAMES.split(observer) if name.strip())


def _records(records, timezone, when):
    days = local_dates(records["observed_at"], timezone).to_numpy()
    inside = period(when).contains(days)
    frame = pd.DataFrame(
        {
            "day": days[inside],
            "team": records["team"].to_numpy()[inside],
            "patrol_type": records["patrol_type"].to_numpy()[inside],
            "observer": records["observer"].to_numpy()[inside] if "observer" in records else None,
            "metres": length_m(np.asarray(records.geometry.values, dtype=object)[inside]),
        }
    )
    frame["team"] = frame["team"].where(frame["team"].notna(), "(none)")
    frame["patrol_type"] = frame["patrol_type"].where(frame["patrol_type"].notna(), "(none)")
    _calendar(frame)
    frame["track"] = frame["metres"] > 0
    return frame


def _calendar(frame):
    """Add each row's month (a period) and year (an integer) of its ``day``."""
    dates = pd.to_datetime(pd.Series(frame["day"], dtype=object))
    frame["month"] = dates.dt.to_period("M").to_numpy()
    frame["year"] = dates.dt.year.to_numpy(dtype="int64")


def patrol_effort(
    records, by="patrol_type", when=None, timezone: str = DEFAULT_TIMEZONE
) -> StatTable:
    """Patrols, patrol days, person-times, records, tracks and km walked by
    ``by`` ("patrol_type" (or "mode"), "team", "month", "year", or a list of
    them) in the period ``when``; ``records`` need observed_at, team,
    patrol_type, observer and geometry. See the module for the definitions.
    """
    keys = [by] if isinstance(by, str) else list(by)
    keys = [ALIASES.get(k, k) for k in keys]
    unknown = [k for k in keys if k not in EFFORT_GROUPS]
    if unknown or not keys:
        raise StatisticsError(f"effort is grouped by {EFFORT_GROUPS} (or 'mode'), got {by!r}")
    frame = _records(records, timezone, when)
    outing = ["day", "team", "patrol_type"]
    named = frame.groupby(outing, sort=False)["observer"].agg(
        lambda cells: max(1, len(frozenset().union(*(people(c) for c in cells))))
    )
    patrols = named.rename("person_times").reset_index()
    _calendar(patrols)
    by_patrols = patrols.groupby(keys, sort=True).agg(
        patrols=("day", "size"), person_times=("person_times", "sum")
    )
    by_records = frame.groupby(keys, sort=True).agg(
        patrol_days=("day", "nunique"),
        records=("day", "size"),
        tracks=("track", "sum"),
        metres=("metres", "sum"),
    )
    table = by_patrols.join(by_records, how="outer")
    table["km"] = table.pop("metres") / 1000.0
    table = table[COLUMNS].astype({c: "int64" for c in COLUMNS[:-1]})
    total = {
        "patrols": len(patrols),
        "patrol_days": int(frame["day"].nunique()),
        "person_times": int(patrols["person_times"].sum()),
        "records": len(frame),
        "tracks": int(frame["track"].sum()),
        "km": float(frame["metres"].sum()) / 1000.0,
    }
    return with_total(table, total)
