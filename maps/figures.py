"""What a map's time control steps through, and the panel's figures at each step.

A map's periods are the months from its first dated thing (a clearance, a
planting, a record, a case) to its last, so the slider spans everything the
map draws. The panel's figures are computed here for the last day of each
month with the progress functions planners use (:mod:`hailin.surveys.ledger.progress`),
on the plots and records up to that day, so the panel at the slider's last
position says exactly what ``hailin progress`` says.
"""

import datetime

import numpy as np
import pandas as pd

from hailin.layers.encode import day_numbers, local_minutes
from hailin.surveys.ledger.counts import CASE_KINDS
from hailin.surveys.ledger.progress import plot_survival, restoration_progress


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
    restoration), its records and, with clearance, its cases' changes."""
    days = [record_days(data.surveys, data.timezone)]
    if clearance and len(data.clearance):
        days.append(day_numbers(data.clearance["cleared_on"]))
        for column in ("first_detected", "re_cleared_at", "verified_at"):
            found, missing = _ledger_days(data.ledger, column)
            days.append(found[~missing])
    if restoration and len(data.restoration):
        days.append(day_numbers(data.restoration["planted_on"]))
    every = np.concatenate(days)
    if every.size == 0:
        return []
    first, last = (
        np.datetime64(int(d), "D").astype(datetime.date) for d in (every.min(), every.max())
    )
    return months(first, last)


def cleared_by_period(data, ends) -> tuple[list[float], list[dict]]:
    """(cleared mu, open cases) on each day of ``ends``: plots cleared by then;
    cases of both kinds found by then and not yet cleared again, counted as
    :func:`hailin.surveys.ledger.counts.case_counts` counts the ledger's open cases."""
    cleared_days = day_numbers(data.clearance["cleared_on"])
    area = data.clearance["area_mu"].to_numpy(dtype=float)
    found, _ = _ledger_days(data.ledger, "first_detected")
    again, never = _ledger_days(data.ledger, "re_cleared_at")
    kinds = data.ledger["kind"].to_numpy()
    mu = [float(area[cleared_days <= end].sum()) for end in ends]
    open_cases = [open_by_kind(kinds[(found <= end) & (never | (again > end))]) for end in ends]
    return mu, open_cases


def open_by_kind(kinds) -> dict:
    """``{"open": n, "by_kind": {kind: {"open": n}}}`` of the open cases' ``kinds``."""
    return {
        "open": len(kinds),
        "by_kind": {k: {"open": int((kinds == k).sum())} for k in CASE_KINDS},
    }


def planting_checks(data):
    """The planting-check records with a survival figure."""
    records = data.surveys
    if records is None or len(records) == 0:
        return records
    return records[(records["finding"] == "planting_check") & records["survival_pct"].notna()]


def planted_by_period(data, ends, target_mu) -> tuple[list[float], list[float]]:
    """(planted mu, survival %) on each day of ``ends``, from the plots planted
    and the checks made by then (survival NaN before any check)."""
    planted_days = day_numbers(data.restoration["planted_on"])
    checks = planting_checks(data)
    check_days = record_days(checks, data.timezone)
    area = data.restoration["area_mu"].to_numpy(dtype=float)
    mu, survival, known = [], [], {}
    for end in ends:
        planted, checked = planted_days <= end, check_days <= end
        mu.append(float(area[planted].sum()))
        key = (int(planted.sum()), int(checked.sum()))
        if key not in known:
            if key[0] == 0 or key[1] == 0:
                known[key] = np.nan
            else:
                figures = restoration_progress(
                    data.restoration[planted], checks[checked], target_mu, data.timezone
                )
                known[key] = figures.totals["survival_pct"]
        survival.append(known[key])
    return mu, survival


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
