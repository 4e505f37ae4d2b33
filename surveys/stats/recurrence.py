"""Recurrence in the programme's terms: plots re-cleared per year, cases
opened per year, and the cases still open with their age.

The programme's "recurrence plots cleared in 2023" are the plots **re-cleared**
in 2023: clearance plots where at least one recurrence case was re-cleared on a
local day of 2023 (a plot re-cleared twice in the year counts once). Cases
opened per year count cases by the year of their first finding. Both kinds of
case are counted the same way (:mod:`hailin.surveys.ledger.counts`): plot cases
(``recurrence``) and new-patch cases (``new_infestation``), side by side.
"""

import numpy as np
import pandas as pd

from hailin.surveys.errors import StatisticsError
from hailin.surveys.ledger.cases import STATUSES
from hailin.surveys.ledger.counts import CASE_KINDS, OPEN, case_counts
from hailin.surveys.stats.periods import period
from hailin.surveys.stats.table import StatTable, with_total

AGE_BANDS = ((30, "0-30 days"), (90, "31-90 days"), (180, "91-180 days"), (365, "181-365 days"))
OPEN_GROUPS = ("kind", "site", "township", "age")


def _years(times):
    """Local years (integers; <NA> where there is no time)."""
    return pd.Series(times).dt.year.astype("Int64")


def recurrence_by_year(ledger: pd.DataFrame) -> StatTable:
    """Per local year: plot cases opened and the plots they are in, plot cases
    re-cleared and the plots re-cleared (with their area), and new-patch cases
    opened and re-cleared.

    The total row counts each plot once, however many years it appears in.
    """
    plots = ledger[ledger["kind"] == "recurrence"]
    patches = ledger[ledger["kind"] == "new_infestation"]
    opened, cleared = _years(plots["first_detected"]), _years(plots["re_cleared_at"])
    years = sorted(
        {*opened.dropna(), *cleared.dropna()}
        | {*_years(patches["first_detected"]).dropna(), *_years(patches["re_cleared_at"]).dropna()}
    )
    area = plots.drop_duplicates("plot_id").set_index("plot_id")["area_mu"]

    def row(year):
        was_opened = opened.eq(year).fillna(False).to_numpy(dtype=bool)
        was_cleared = cleared.eq(year).fillna(False).to_numpy(dtype=bool)
        re_cleared_plots = plots["plot_id"][was_cleared].unique()
        return {
            "cases_opened": int(was_opened.sum()),
            "plots_with_cases_opened": int(plots["plot_id"][was_opened].nunique()),
            "cases_re_cleared": int(was_cleared.sum()),
            "plots_re_cleared": len(re_cleared_plots),
            "re_cleared_mu": float(area.reindex(re_cleared_plots).sum()),
            "new_patch_cases_opened": int((_years(patches["first_detected"]) == year).sum()),
            "new_patch_cases_re_cleared": int((_years(patches["re_cleared_at"]) == year).sum()),
        }

    table = pd.DataFrame([row(y) for y in years], index=pd.Index(years, name="year", dtype="int64"))
    if not len(table):
        table = pd.DataFrame({c: pd.Series(dtype="int64") for c in row(0)})
        table["re_cleared_mu"] = table["re_cleared_mu"].astype(float)
        table.index.name = "year"
    all_cleared = plots["plot_id"][plots["re_cleared_at"].notna().to_numpy()].unique()
    total = {
        "cases_opened": len(plots),
        "plots_with_cases_opened": int(plots["plot_id"].nunique()),
        "cases_re_cleared": int(plots["re_cleared_at"].notna().sum()),
        "plots_re_cleared": len(all_cleared),
        "re_cleared_mu": float(area.reindex(all_cleared).sum()),
        "new_patch_cases_opened": len(patches),
        "new_patch_cases_re_cleared": int(patches["re_cleared_at"].notna().sum()),
    }
    return with_total(table, total)


def _band(days):
    if pd.isna(days):
        return "unknown"
    for limit, label in AGE_BANDS:
        if days <= limit:
            return label
    return "over 365 days"


def open_cases(ledger: pd.DataFrame, by: str | None = None, when=None) -> StatTable:
    """The open cases (status ``open``, both kinds) and their age in days.

    Without ``by``: one row per open case (index case_id), its kind, plot,
    township, area, first finding and days open; the total row counts them
    (column ``cases``). With ``by`` ("kind", "site", "township" or "age", in
    bands of days): cases, plots, area and the oldest and median age per group.
    ``when`` keeps the cases first found in that period.
    """
    if by is not None and by not in OPEN_GROUPS:
        raise StatisticsError(f"open cases are grouped by one of {OPEN_GROUPS}, got {by!r}")
    cases = ledger[ledger["status"] == OPEN]
    cases = cases[period(when).contains(cases["first_detected"].dt.date)]
    listed = pd.DataFrame(
        {
            "kind": cases["kind"].to_numpy(),
            "plot_id": cases["plot_id"].to_numpy(),
            "site": cases["site"].to_numpy(),
            "township": cases["township"].to_numpy(),
            "first_detected": cases["first_detected"].dt.date.to_numpy(),
            "detections": cases["detections"].to_numpy(dtype="int64"),
            "days_open": pd.array(cases["days_open"], dtype="Int64"),
            "area_mu": cases["area_mu"].to_numpy(dtype=float),
            "area_ha": cases["area_ha"].to_numpy(dtype=float),
            "cases": np.ones(len(cases), dtype="int64"),
        },
        index=pd.Index(cases["case_id"].to_numpy(), name="case_id"),
    )
    days = listed["days_open"].astype(float)
    total = {
        "cases": len(listed),
        # A plot has one open case at most (a new case opens only after re-clearing).
        "area_mu": float(listed["area_mu"].sum()),
        "area_ha": float(listed["area_ha"].sum()),
        "detections": int(listed["detections"].sum()),
    }
    if by is None:
        return with_total(listed, total)
    keys = days.map(_band) if by == "age" else listed[by].fillna("(none)")
    keyed = listed.assign(key=keys.to_numpy(), days=days.to_numpy())
    grouped = keyed.groupby("key", sort=True)
    table = pd.DataFrame(
        {
            "cases": grouped.size().astype("int64"),
            "plots": grouped["plot_id"].nunique().astype("int64"),
            "area_mu": grouped["area_mu"].sum(),
            "oldest_days": grouped["days"].max(),
            "median_days": grouped["days"].median(),
        }
    )
    table["area_ha"] = table["area_mu"] / 15.0
    table = table[["cases", "plots", "area_mu", "area_ha", "oldest_days", "median_days"]]
    table.index.name = by
    total.update(
        plots=int(listed["plot_id"].nunique()),
        oldest_days=float(days.max()) if len(days) else np.nan,
        median_days=float(days.median()) if len(days) else np.nan,
    )
    return with_total(table, total)


def cases_by_kind(ledger: pd.DataFrame) -> StatTable:
    """Cases by kind (plot cases ``recurrence``, new-patch cases
    ``new_infestation``) and status, with the total: the one count of open
    cases (:mod:`hailin.surveys.ledger.counts`) every output shows.

    Parameters
    ----------
    ledger : DataFrame
        The ledger (kind and status columns).

    Returns
    -------
    StatTable
        Index kind and ``total``; columns ``cases`` and one per status.

    Examples
    --------
    >>> ledger = pd.DataFrame({"kind": ["recurrence", "recurrence", "new_infestation"],
    ...                        "status": ["open", "re_cleared", "open"]})
    >>> table = cases_by_kind(ledger)
    >>> table["open"].tolist(), int(table.loc["total", "cases"])
    ([1, 1, 2], 3)
    """
    counts = case_counts(ledger)
    rows = {
        kind: {"cases": counts["by_kind"][kind]["cases"], **counts["by_kind"][kind]}
        for kind in CASE_KINDS
    }
    table = pd.DataFrame.from_dict(rows, orient="index")[["cases", *STATUSES]].astype("int64")
    table.index.name = "kind"
    return with_total(table, {"cases": counts["cases"], **counts["by_status"]})
