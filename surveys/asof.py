"""As of a day: what the record held at the end of one local day.

One mechanism for every figure "as of" a date (``hailin progress``,
``ledger``, ``export``, ``report`` and the statistics with ``--as-of``, the
maps' time control month by month): :func:`frames_as_of` keeps, of frames
read from the store, what was known by the end of the day ``day`` in the
workspace's time zone —

- records observed by then (findings, inspections, planting checks);
- clearance plots cleared and restoration plots planted by then;
- imagery cover from images dated by then;

and the ledger is then built from those alone, with open cases' ages counted
to that day. Uploads withdrawn after the day are read back from their
archived files by :func:`hailin.surveys.withdrawn.withdrawn_after` (the
withdrawal was not yet made then).
"""

from __future__ import annotations

import datetime
import re

import pandas as pd

from hailin.surveys.errors import SettingsError

_DAY = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")


def as_of_day(value: str | datetime.date) -> datetime.date:
    """The day an ``--as-of`` value names: ``YYYY-MM-DD``, or ``YYYY-MM`` for
    that month's last day.

    Examples
    --------
    >>> as_of_day("2024-05"), as_of_day("2024-02-29")
    (datetime.date(2024, 5, 31), datetime.date(2024, 2, 29))
    >>> as_of_day("2024-13")
    Traceback (most recent call last):
    ...
    hailin.surveys.errors.SettingsError: an as-of date is YYYY-MM-DD or YYYY-MM, got '2024-13'
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    found = _DAY.fullmatch(text)
    refused = SettingsError(f"an as-of date is YYYY-MM-DD or YYYY-MM, got {text[:40]!r}")
    if found is None:
        raise refused
    try:
        first = datetime.date(int(found[1]), int(found[2]), 1)  # refuses month 13
        if found[3] is None:
            return pd.Period(first, freq="M").end_time.date()
        return first.replace(day=int(found[3]))
    except ValueError:  # month 13, day 31 of a 30-day month
        raise refused from None


def end_of_day(day: datetime.date, timezone: str) -> pd.Timestamp:
    """The first instant after the local ``day`` in ``timezone`` (UTC).

    Examples
    --------
    >>> end_of_day(datetime.date(2024, 5, 31), "Asia/Shanghai")
    Timestamp('2024-05-31 16:00:00+0000', tz='UTC')
    """
    start = pd.Timestamp(day) + pd.Timedelta(days=1)
    return start.tz_localize(timezone).tz_convert("UTC")


def observed_by(frame, day: datetime.date, timezone: str, column: str = "observed_at"):
    """The rows of ``frame`` whose time ``column`` is before the end of ``day``."""
    if frame is None or len(frame) == 0:
        return frame
    times = pd.to_datetime(frame[column], utc=True)
    return frame[(times < end_of_day(day, timezone)).to_numpy()]


def dated_by(frame, column: str, day: datetime.date):
    """The rows of ``frame`` whose date ``column`` is ``day`` or earlier."""
    if frame is None or len(frame) == 0:
        return frame
    dates = pd.to_datetime(pd.Series(list(frame[column]), dtype=object), errors="coerce")
    return frame[(dates <= pd.Timestamp(day)).to_numpy()]


def frames_as_of(frames, day: datetime.date):
    """``frames`` (a :class:`hailin.surveys.frames.Frames`) as they stood at the
    end of ``day``: a new Frames holding what was observed, cleared, planted
    and imaged by then, whose ledger counts open cases' ages to ``day``."""
    import dataclasses

    zone = frames.settings.timezone
    return dataclasses.replace(
        frames,
        clearance=dated_by(frames.clearance, "cleared_on", day),
        restoration=dated_by(frames.restoration, "planted_on", day),
        findings=observed_by(frames.findings, day, zone),
        inspections=observed_by(frames.inspections, day, zone),
        records=observed_by(frames.records, day, zone),
        cover=dated_by(frames.cover, "image_date", day),
        as_of=day,
    )
