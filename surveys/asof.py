"""As of a day: what the record held at the end of one local day.

One mechanism for every figure "as of" a date (``hailin progress``,
``ledger``, ``export``, ``report``, ``risk`` and the statistics with
``--as-of``, the maps' time control month by month): :func:`frames_as_of`
keeps, of frames read from the store, what the store held by the end of the
day ``day`` in the workspace's time zone —

- records observed by then (findings, inspections, planting checks);
- clearance plots cleared and restoration plots planted by then;
- imagery cover from images dated by then;

each only if its upload was made by then too (the ``uploaded_at`` that
:func:`with_upload_times` gives rows from the upload log; imagery cover by
when it was measured). Uploads made by the end of ``[as_of] history_until``
(the earlier record entered at once when a workspace began, the demo) count
from when they were observed. The ledger is then built from what is kept,
with open cases' ages counted to that day. Uploads withdrawn after the day,
and plots replaced after it, are read back from their archived files by
:mod:`hailin.surveys.withdrawn` (the withdrawal or replacement was not yet
made then).
"""

from __future__ import annotations

import datetime
import re

import numpy as np
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


def upload_times(uploads: pd.DataFrame) -> dict[str, pd.Series]:
    """{"records" | "clearance" | "restoration": upload_id → when it was made (UTC)}
    of the standing uploads of the log ``uploads`` (the first of an id's rows:
    one file's sheets imported apart count from the first).

    Examples
    --------
    >>> log = pd.DataFrame({"upload_id": ["a", "b", "a"], "kind": ["surveys", "clearance",
    ...     "surveys"], "status": ["accepted", "accepted", "withdrawn"],
    ...     "uploaded_at": pd.to_datetime(["2024-06-01T02:00Z", "2024-01-01T00:00Z",
    ...     "2024-05-01T00:00Z"])})
    >>> str(upload_times(log)["records"]["a"])
    '2024-06-01 02:00:00+00:00'
    """
    standing = uploads[uploads["status"].ne("withdrawn").to_numpy()]
    times = pd.to_datetime(standing["uploaded_at"], utc=True)
    kinds = standing["kind"].where(standing["kind"].isin(("clearance", "restoration")), "records")
    return {
        kind: times[(kinds == kind).to_numpy()].groupby(standing["upload_id"]).min()
        for kind in ("records", "clearance", "restoration")
    }


def with_upload_times(frame: pd.DataFrame, times: pd.Series, *, keep_id: bool = False):
    """``frame`` with ``uploaded_at``: when the upload of each row (its
    ``upload_id``, dropped unless ``keep_id``) was made, from :func:`upload_times`
    (NaT where the log has no standing row: such rows are never cut by it)."""
    made = pd.to_datetime(times, utc=True).reindex(frame["upload_id"].to_numpy()).array
    frame = frame.assign(uploaded_at=made)
    return frame if keep_id else frame.drop(columns="upload_id")


def known_by(
    frame: pd.DataFrame,
    day: datetime.date,
    timezone: str,
    history: datetime.date | None,
    column: str,
) -> np.ndarray:
    """True where a row's upload (time ``column``) was in the store by the end of
    ``day``: made by then, made within the history, or of no known time."""
    if column not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    times = pd.to_datetime(frame[column], utc=True)
    known = times.isna() | (times < end_of_day(day, timezone))
    if history is not None:
        known |= times < end_of_day(history, timezone)
    return known.to_numpy()


def _held(frame, keep, day: datetime.date, timezone: str, history, made="uploaded_at"):
    """The rows of ``frame`` where ``keep`` is true that the store held at the
    end of ``day``: uploaded by then (:func:`known_by`) and not withdrawn by then
    (``withdrawn_at`` of rows read back, :mod:`hailin.surveys.withdrawn`)."""
    keep = keep & known_by(frame, day, timezone, history, made)
    if "withdrawn_at" not in frame.columns:
        return frame[keep]
    gone = pd.to_datetime(frame["withdrawn_at"], utc=True) < end_of_day(day, timezone)
    return frame[keep & ~gone.to_numpy()].drop(columns="withdrawn_at")


def observed_by(frame, day: datetime.date, timezone: str, history=None):
    """The rows of ``frame`` observed by the end of ``day`` that the store held then."""
    if frame is None or len(frame) == 0:
        return frame
    times = pd.to_datetime(frame["observed_at"], utc=True)
    return _held(frame, (times < end_of_day(day, timezone)).to_numpy(), day, timezone, history)


def dated_by(frame, column: str, day: datetime.date, timezone: str, history=None, made=None):
    """The rows of ``frame`` whose date ``column`` is ``day`` or earlier that the
    store held at its end (their upload's time in column ``made``); of a plot
    held in several versions, the latest upload's."""
    if frame is None or len(frame) == 0:
        return frame
    dates = pd.Series(list(frame[column]), index=frame.index, dtype=object)
    dates = pd.to_datetime(dates, errors="coerce")
    frame = _held(frame, True, day, timezone, history, made or "uploaded_at")
    if "plot_id" in frame.columns and "uploaded_at" in frame.columns:
        latest = frame.sort_values("uploaded_at", kind="stable", na_position="first")
        frame = frame[frame.index.isin(latest.drop_duplicates("plot_id", keep="last").index)]
    return frame[(dates[frame.index] <= pd.Timestamp(day)).to_numpy()]


def _upload_times(frames) -> pd.Series:
    """Every upload time the frames carry (records, plots, imagery cover), UTC."""
    times = [
        pd.to_datetime(pd.Series(frame[column].to_numpy()), utc=True)
        for frame, column in (
            (frames.records if frames.records is not None else frames.findings, "uploaded_at"),
            (frames.clearance, "uploaded_at"),
            (frames.restoration, "uploaded_at"),
            (frames.cover, "measured_at"),
        )
        if frame is not None and column in frame.columns and len(frame)
    ]
    return pd.concat(times).dropna() if times else pd.Series(dtype="datetime64[ns, UTC]")


def history_day(frames) -> datetime.date | None:
    """The last day whose uploads count from when they were observed: ``[as_of]
    history_until`` when set, else the local day of the workspace's first upload
    (a new workspace's first import is its earlier record, entered at once: the
    months before it would otherwise show nothing). None with no upload at all."""
    if frames.settings.history_until is not None:
        return frames.settings.history_until
    made = _upload_times(frames)
    return None if made.empty else made.min().tz_convert(frames.settings.timezone).date()


def last_upload_day(frames) -> datetime.date | None:
    """The local day of the latest upload the cut counts by when it was made
    (records, plots, imagery cover; none made by ``[as_of] history_until``):
    the maps' months reach it, so a month's records uploaded in the next month
    show there. None when every upload counts from when observed.

    Examples
    --------
    >>> from hailin.surveys import Workspace
    >>> import tempfile
    >>> last_upload_day(Workspace.create(tempfile.mkdtemp()).frames()) is None
    True
    """
    zone, history = frames.settings.timezone, history_day(frames)
    made = _upload_times(frames)
    if history is not None:
        made = made[made >= end_of_day(history, zone)]
    return None if made.empty else made.max().tz_convert(zone).date()


def with_earlier(frames):
    """``frames`` with the rows the store no longer holds (``frames.earlier``,
    read back by :func:`hailin.surveys.withdrawn.read_back`) among the stored
    ones, for the cut of one day to choose from."""
    import dataclasses

    earlier, changes = frames.earlier, {}
    records = earlier.get("surveys")
    if records is not None and len(records):
        clear = records["finding"].eq("clear").to_numpy()
        parts = {"findings": records[~clear].assign(raster=None), "inspections": records[clear]}
        if frames.records is not None:
            parts["records"] = records
        for name, rows in parts.items():
            stored = getattr(frames, name)
            if len(rows):
                rows = rows[[*stored.columns, "withdrawn_at"]]
                changes[name] = pd.concat([stored, rows], ignore_index=True)
    for kind in ("clearance", "restoration"):
        plots, stored = earlier.get(kind), getattr(frames, kind)
        if plots is not None and len(plots):
            rows = plots[[*stored.columns, "withdrawn_at"]]
            changes[kind] = pd.concat([stored, rows], ignore_index=True)
    return dataclasses.replace(frames, earlier={}, **changes)


def frames_as_of(frames, day: datetime.date):
    """``frames`` (a :class:`hailin.surveys.frames.Frames`) as they stood at the
    end of ``day``: a new Frames holding what was observed, cleared, planted
    and imaged by then and uploaded by then (rows withdrawn or replaced later
    included, when read back), whose ledger counts open cases' ages to ``day``."""
    import dataclasses

    frames = with_earlier(frames) if frames.earlier else frames
    zone, history = frames.settings.timezone, history_day(frames)
    return dataclasses.replace(
        frames,
        clearance=dated_by(frames.clearance, "cleared_on", day, zone, history),
        restoration=dated_by(frames.restoration, "planted_on", day, zone, history),
        findings=observed_by(frames.findings, day, zone, history),
        inspections=observed_by(frames.inspections, day, zone, history),
        records=observed_by(frames.records, day, zone, history),
        cover=dated_by(frames.cover, "image_date", day, zone, history, made="measured_at"),
        as_of=day,
    )
