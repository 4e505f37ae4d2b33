"""Progress figures planners report: cleared and planted mu against targets.

Pure functions of plots, records and the ledger; every figure is a DataFrame
a notebook can show, and ``to_dict`` gives the same numbers for JSON.
"""

import dataclasses

import numpy as np
import pandas as pd
import shapely

from hailin.surveys.ledger.cases import STATUSES, among
from hailin.surveys.ledger.counts import CASE_KINDS, case_counts
from hailin.surveys.localtime import DEFAULT_TIMEZONE, local_dates


@dataclasses.dataclass
class Progress:
    """Figures of one kind of work (clearance or restoration)."""

    totals: dict
    by_period: pd.DataFrame
    by_site: pd.DataFrame
    by_township: pd.DataFrame
    extra: dict = dataclasses.field(default_factory=dict)

    def to_dict(self):
        def records(frame):
            return [
                {k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")
            ]

        out = {
            "totals": {k: _plain(v) for k, v in self.totals.items()},
            "by_period": records(self.by_period),
            "by_site": records(self.by_site),
            "by_township": records(self.by_township),
        }
        for key, value in self.extra.items():
            out[key] = records(value) if isinstance(value, pd.DataFrame) else _plain(value)
        return out


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if np.isnan(value) else round(float(value), 4)
    return value


def _area_totals(done, plots, target_mu):
    """The figures every kind of work opens with: {done}_mu and _ha, the target,
    the share of it done, and the number of plots."""
    area = float(plots["area_mu"].sum())
    return {
        f"{done}_mu": area,
        f"{done}_ha": area / 15.0,
        "target_mu": float(target_mu),
        "pct_of_target": 100.0 * area / target_mu if target_mu else None,
        "plots": len(plots),
    }


def _grouped(plots, column, label):
    frame = (
        plots.groupby(plots[column].fillna("(none)"), sort=True)
        .agg(plots=("plot_id", "size"), area_mu=("area_mu", "sum"))
        .reset_index()
        .rename(columns={column: label})
    )
    frame["area_ha"] = frame["area_mu"] / 15.0
    return frame


def _by_period(plots, date_column, period, target_mu):
    dates = pd.to_datetime(pd.Series(plots[date_column].to_numpy()))
    key = dates.dt.strftime("%Y-%m") if period == "month" else dates.dt.year.astype(str)
    frame = (
        pd.DataFrame({period: key.to_numpy(), "area_mu": plots["area_mu"].to_numpy()})
        .groupby(period, sort=True)
        .agg(plots=("area_mu", "size"), area_mu=("area_mu", "sum"))
        .reset_index()
    )
    frame["cumulative_mu"] = frame["area_mu"].cumsum()
    frame["cumulative_pct_of_target"] = (
        100.0 * frame["cumulative_mu"] / target_mu if target_mu else np.nan
    )
    return frame


def clearance_progress(clearance, ledger, target_mu):
    """Cleared area by month, site and township against ``target_mu``; area with
    an open recurrence case; recurrence plots per year."""
    recurrence = ledger[ledger["kind"] == "recurrence"]
    open_plots = recurrence.loc[recurrence["status"] == "open", "plot_id"].unique()
    open_mu = float(clearance.loc[among(clearance["plot_id"], open_plots), "area_mu"].sum())
    years = recurrence["first_detected"].dt.year
    per_year = (
        recurrence.assign(year=years)
        .groupby("year")["plot_id"]
        .nunique()
        .rename("recurrence_plots")
        .reset_index()
    )
    per_year["year"] = per_year["year"].astype(str)
    status_counts = ledger.groupby(["kind", "status"]).size()
    counts = case_counts(ledger)
    totals = {
        **_area_totals("cleared", clearance, target_mu),
        "first_cleared": str(min(clearance["cleared_on"])) if len(clearance) else None,
        "last_cleared": str(max(clearance["cleared_on"])) if len(clearance) else None,
        "open_recurrence_mu": open_mu,
        "recurrence_cases": int((ledger["kind"] == "recurrence").sum()),
        "recurrence_plots": int(recurrence["plot_id"].nunique()),
        "cases_by_status": {s: int(status_counts.get(("recurrence", s), 0)) for s in STATUSES},
        "new_infestations": int(
            ledger.loc[ledger["kind"] == "new_infestation", "plot_id"].nunique()
        ),
        # The one count of open cases (surveys.ledger.counts): both kinds, side by side.
        "open_cases": counts["open"],
        "open_cases_by_kind": {k: counts["by_kind"][k]["open"] for k in CASE_KINDS},
    }
    return Progress(
        totals,
        _by_period(clearance, "cleared_on", "month", target_mu),
        _grouped(clearance, "site", "site"),
        _grouped(clearance, "township", "township"),
        {"recurrence_plots_by_year": per_year},
    )


def survival_checks(restoration, surveys, timezone=DEFAULT_TIMEZONE) -> pd.DataFrame:
    """Every ``planting_check`` record (with a survival) inside a restoration
    plot, once per plot it is in: plot_id, survival_pct, checked_on (local
    date) and record_key, in record-key order."""
    checks = surveys[(surveys["finding"] == "planting_check") & surveys["survival_pct"].notna()]
    if "record_key" in checks:  # one order (and so the same means) whatever the records' order
        checks = checks.sort_values("record_key", kind="stable")
    if len(checks) == 0 or len(restoration) == 0:
        return pd.DataFrame(
            {
                "plot_id": pd.Series(dtype=object),
                "survival_pct": pd.Series(dtype=float),
                "checked_on": pd.Series(dtype=object),
                "record_key": pd.Series(dtype=np.int64),
            }
        )
    tree = shapely.STRtree(np.asarray(restoration.geometry.values, dtype=object))
    record, plot = tree.query(
        np.asarray(checks.geometry.values, dtype=object), predicate="intersects"
    )
    keys = checks["record_key"].to_numpy() if "record_key" in checks else np.arange(len(checks))
    return pd.DataFrame(
        {
            "plot_id": restoration["plot_id"].to_numpy()[plot],
            "survival_pct": checks["survival_pct"].to_numpy()[record],
            "checked_on": local_dates(
                checks["observed_at"].iloc[record].reset_index(drop=True), timezone
            ).to_numpy(),
            "record_key": keys[record],
        }
    )


def plot_survival(restoration, surveys, timezone=DEFAULT_TIMEZONE, checks=None):
    """Survival per restoration plot: the mean of its latest day of
    ``planting_check`` records (points inside the plot); ``checks`` are
    :func:`survival_checks` when found elsewhere (on a cluster's partitions)."""
    joined = survival_checks(restoration, surveys, timezone) if checks is None else checks
    if len(joined) == 0:
        return pd.DataFrame(
            {
                "plot_id": pd.Series(dtype=object),
                "survival_pct": pd.Series(dtype=float),
                "checked_on": pd.Series(dtype=object),
            }
        )
    joined = joined.drop(columns="record_key")
    latest = joined.groupby("plot_id")["checked_on"].transform("max")
    return (
        joined[joined["checked_on"] == latest]
        .groupby("plot_id", as_index=False)
        .agg(survival_pct=("survival_pct", "mean"), checked_on=("checked_on", "first"))
    )


def _weighted(frame):
    checked = frame.dropna(subset=["survival_pct"])
    if checked["area_mu"].sum() == 0:
        return np.nan
    return float((checked["survival_pct"] * checked["area_mu"]).sum() / checked["area_mu"].sum())


def _weighted_per(plots, column, names) -> list:
    """:func:`_weighted` of the plots of each of ``names`` in ``column``
    (missing: "(none)"), each group found once rather than by a scan of all
    the plots per name."""
    rows = plots.groupby(plots[column].fillna("(none)"), sort=False).indices
    empty = np.zeros(0, dtype=np.int64)
    return [_weighted(plots.iloc[rows.get(name, empty)]) for name in names]


def restoration_progress(restoration, surveys, target_mu, timezone=DEFAULT_TIMEZONE, checks=None):
    """Planted area by year, site and township against ``target_mu``; survival
    weighted by plot area over the plots that were checked (``checks``: see
    :func:`plot_survival`)."""
    survival = plot_survival(restoration, surveys, timezone, checks)
    plots = restoration.merge(survival, on="plot_id", how="left")
    by_site = _grouped(plots, "site", "site")
    by_site["survival_pct"] = _weighted_per(plots, "site", by_site["site"])
    by_township = _grouped(plots, "township", "township")
    by_township["survival_pct"] = _weighted_per(plots, "township", by_township["township"])
    totals = {
        **_area_totals("planted", restoration, target_mu),
        "plots_checked": int(plots["survival_pct"].notna().sum()),
        "survival_pct": _weighted(plots),
    }
    return Progress(
        totals,
        _by_period(restoration, "planted_on", "year", target_mu),
        by_site,
        by_township,
        {"plot_survival": survival},
    )
