"""What a map's time control steps through, and the panel's figures at each step.

A map's periods are the months from its first dated thing (a clearance, a
planting, a record, a case) to its last, or to the last upload counted by when
it was made (:func:`hailin.surveys.asof.last_upload_day`), so the slider spans
everything the map draws. The panel's figures at each month are those of the frames as they
stood at its last day (``data.at(day)``, :mod:`hailin.surveys.asof`), computed by
the progress functions planners use: the panel at any month says exactly what
``hailin progress --as-of YYYY-MM`` says, and at the last month what
``hailin progress`` says.
"""

import dataclasses
import datetime
from typing import Any

import numpy as np
import pandas as pd

from hailin.geo.overlay import records_in_plots
from hailin.layers.encode import day_numbers, local_minutes
from hailin.surveys.asof import last_upload_day
from hailin.surveys.ledger.counts import case_counts
from hailin.surveys.ledger.progress import plot_survival


def months(first: datetime.date, last: datetime.date) -> list[str]:
    """The months from ``first`` to ``last`` as YYYY-MM.

    Examples
    --------
    >>> months(datetime.date(2023, 11, 20), datetime.date(2024, 2, 1))
    ['2023-11', '2023-12', '2024-01', '2024-02']
    """
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def month_ends(periods) -> list[int]:
    """Day numbers (since 1970-01-01) of the last day of each YYYY-MM period.

    Examples
    --------
    >>> month_ends(["1970-01", "1970-02"])
    [30, 58]
    """
    ends = pd.PeriodIndex(list(periods), freq="M").end_time.normalize()
    return ends.to_numpy(dtype="datetime64[D]").astype(np.int64).tolist()


def _ledger_days(ledger, column):
    local = pd.to_datetime(pd.Series(ledger[column].to_numpy())).dt.tz_localize(None)
    return local.to_numpy(dtype="datetime64[D]").astype(np.int64), local.isna().to_numpy()


def record_days(records, timezone) -> np.ndarray:
    """Local day numbers of records (their ``observed_at``)."""
    if records is None or len(records) == 0:
        return np.zeros(0, np.int64)
    return local_minutes(records["observed_at"], timezone) // 1440


def periods_of(data, *, clearance=True, restoration=True) -> list[str]:
    """The months a map of ``data`` spans: its plots' dates (clearance and/or
    restoration, with the dates of the images measuring them), its records and,
    with clearance, its cases' changes."""
    days = [record_days(data.surveys, data.timezone)]
    if clearance and len(data.clearance):
        days.append(day_numbers(data.clearance["cleared_on"]))
        for column in ("first_detected", "re_cleared_at", "verified_at"):
            found, missing = _ledger_days(data.ledger, column)
            days.append(found[~missing])
    if restoration and len(data.restoration):
        days.append(day_numbers(data.restoration["planted_on"]))
        cover = getattr(data, "cover", None)  # images of the restoration plots
        if cover is not None and len(cover) and "image_date" in cover:
            days.append(day_numbers(cover["image_date"]))
    # Records observed in a month and uploaded in the next show from that next month.
    uploaded = last_upload_day(data) if hasattr(data, "settings") else None
    if uploaded is not None:
        days.append(np.array([(uploaded - datetime.date(1970, 1, 1)).days], np.int64))
    every = np.concatenate(days)
    if every.size == 0:
        return []
    first, last = (
        np.datetime64(int(d), "D").astype(datetime.date) for d in (every.min(), every.max())
    )
    return months(first, last)


def _day(number) -> datetime.date:
    return np.datetime64(int(number), "D").astype(datetime.date)


# What the months' figures never read of a finding: its text (the patrol layers
# and the popups' counts read every record of ``data`` itself); of an
# inspection and of a record only what the ledger and the as-of cut read (when
# and where; when its upload was made and withdrawn, hailin.surveys.asof).
_RECORD_TEXT = ["record_id", "team", "observer", "notes"]
_CUT = ["observed_at", "uploaded_at", "withdrawn_at"]
_INSPECTION = ["record_key", "geometry", *_CUT]


def _columns(frame, names):
    return frame if frame is None else frame[[c for c in names if c in frame.columns]]


def _lean(data):
    """``data`` without what the months' figures do not read: the findings'
    text, the inspections' and records' all but what the ledger and the cut
    read (a month's cut of a million whole records was most of a map's
    generation memory). Each month is still cut by ``data.at(day)``, the one
    as-of mechanism, and its ledger is the same (tests/test_map_months.py)."""
    if not dataclasses.is_dataclass(data):
        return data
    frames: Any = data  # a Frames (maps do not import the store's module)
    # Kept on the frames: the maps drawn from one read share its months' cuts
    # (Frames.at caches them on the lean copy), one ledger a month for all maps.
    lean = frames.__dict__.get("_lean_for_months")
    if lean is None:
        lean = dataclasses.replace(
            frames,
            records=_columns(frames.records, _CUT),
            findings=frames.findings.drop(columns=_RECORD_TEXT, errors="ignore"),
            inspections=_columns(frames.inspections, _INSPECTION),
        )
        frames.__dict__["_lean_for_months"] = lean
    return lean


def snapshots(data, ends, cases: bool = True) -> list:
    """``data`` as it stood at the end of each day of ``ends`` (day numbers):
    ``data.at(day)`` (:func:`hailin.surveys.asof.frames_as_of`), the one
    mechanism ``hailin progress --as-of`` uses. A day that brought nothing
    that could change a figure reuses the day before's (no ledger built twice):
    no new plot, finding or image, and new inspections only while no case
    waits for its verification (never, without ``cases``: a map of planting)."""
    shown: list = []
    last_key, inspected = None, -1
    data = _lean(data)
    for end in ends:
        state = data.at(_day(end))
        known = (state.clearance, state.restoration, state.findings, state.cover)
        key = tuple(len(f) for f in known)
        same = key == last_key and (
            not cases
            or len(state.inspections) == inspected
            or not shown[-1].ledger["status"].eq("re_cleared").any()
        )
        if not same:
            last_key, inspected, current = key, len(state.inspections), state
        shown.append(current)
    return shown


def planting_states(states) -> list:
    """``states`` with those that know the same plantings, checks and images
    sharing one object: the restoration figures are then computed once each."""
    shown, last_key, current = [], None, None
    for state in states:
        checks = int(state.findings["finding"].eq("planting_check").sum())
        key = (len(state.restoration), checks, len(state.cover))
        if key != last_key:
            last_key, current = key, state
        shown.append(current)
    return shown


def cleared_by_period(data, ends, states=None) -> tuple[list[float], list[dict]]:
    """(cleared mu, open cases) at the end of each day of ``ends``, as
    ``hailin progress --as-of`` gives them: plots cleared by then (the area
    of :func:`hailin.surveys.ledger.progress.clearance_progress`); the open
    cases of both kinds of the ledger built from what was known by then,
    counted by :func:`hailin.surveys.ledger.counts.case_counts`."""
    states = states or snapshots(data, ends)
    mu = [float(s.clearance["area_mu"].sum()) for s in states]
    return mu, [case_counts(s.ledger) for s in states]


def planted_by_period(data, ends, states=None) -> tuple[list[float], list]:
    """(planted mu, survival %) at the end of each day of ``ends``, from the
    plots planted and the checks made by then (survival NaN before any check)."""
    states = planting_states(states or snapshots(data, ends, cases=False))
    totals = [s.restoration_progress.totals for s in states]
    return [float(t["planted_mu"]) for t in totals], [t["survival_pct"] for t in totals]


def imagery_by_period(data, ends, states=None) -> list:
    """The survival estimated from imagery at the end of each day of ``ends``,
    from the images dated by then (None before the first)."""
    states = planting_states(states or snapshots(data, ends, cases=False))
    return [s.imagery.totals["survival_pct"] if len(s.cover) else None for s in states]


def patrols_by_period(data, ends) -> list[dict]:
    """{clearance plot_id: patrol records inside it observed by then} at the
    end of each day of ``ends`` (the popups' count, as known at the day shown)."""
    records = data.surveys
    if records is None or len(records) == 0 or len(data.clearance) == 0:
        return [{} for _ in ends]
    record, plot = records_in_plots(records, data.clearance)
    days = record_days(records, data.timezone)[record]
    ids = data.clearance["plot_id"].tolist()
    return [
        dict(zip(ids, np.bincount(plot[days <= end], minlength=len(ids)).tolist(), strict=True))
        for end in ends
    ]


def planting_checks(data):
    """The planting-check records with a survival figure."""
    records = data.surveys
    if records is None or len(records) == 0:
        return records
    return records[(records["finding"] == "planting_check") & records["survival_pct"].notna()]


def survival_history(data) -> dict:
    """{restoration plot_id: [(YYYY-MM, survival %), ...]}: each month's check of
    each plot (the mean of its latest day of checks that month)."""
    checks = planting_checks(data)
    if checks is None or len(checks) == 0 or len(data.restoration) == 0:
        return {}
    month = pd.Series(record_days(checks, data.timezone)).map(
        lambda d: str(np.datetime64(int(d), "D"))[:7]
    )
    history: dict[str, list] = {}
    for label in sorted(month.unique()):
        rows = plot_survival(data.restoration, checks[month.to_numpy() == label], data.timezone)
        for plot, rate in zip(rows["plot_id"], rows["survival_pct"], strict=True):
            history.setdefault(plot, []).append((label, float(rate)))
    return history
