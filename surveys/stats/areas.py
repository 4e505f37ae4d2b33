"""Area cleared and area planted, by period or by any attribute, against targets.

One engine for both kinds of work: plots (clearance or restoration) grouped by
month, year, site, township or a plot attribute (method, contractor, species,
funding), in mu and ha, beside the targets hailin.toml sets for that grouping
(:mod:`hailin.surveys.targets`). A plot counts in the period its work was done
(``cleared_on`` / ``planted_on``, local days).
"""

import math

import numpy as np
import pandas as pd

from hailin.surveys.errors import StatisticsError
from hailin.surveys.stats.periods import Period, period
from hailin.surveys.stats.table import StatTable, with_total
from hailin.surveys.targets import WorkTargets

NONE_LABEL = "(none)"
GROUPS = {
    "clearance": ("month", "year", "site", "township", "method", "contractor"),
    "restoration": ("month", "year", "site", "township", "species", "funding"),
}
DATE_COLUMNS = {"clearance": "cleared_on", "restoration": "planted_on"}


def _keys(plots, date_column, by):
    if by in ("month", "year"):
        dates = pd.to_datetime(pd.Series(plots[date_column].to_numpy(), dtype=object))
        return dates.dt.strftime("%Y-%m" if by == "month" else "%Y").to_numpy()
    return plots[by].astype(object).where(plots[by].notna(), NONE_LABEL).to_numpy()


def calendar_index(index: pd.Index, by: str) -> pd.Index:
    """Years as integers and months as periods (``table.loc[2023]``,
    ``table.loc[pd.Period("2024-05", "M")]``); other groups as they are.

    Examples
    --------
    >>> calendar_index(pd.Index(["2023", "2024"], name="year"), "year").tolist()
    [2023, 2024]
    >>> calendar_index(pd.Index(["2024-05"], name="month"), "month")[0]
    Period('2024-05', 'M')
    """
    if by == "year":
        return pd.Index([int(k) for k in index], name=index.name, dtype="int64")
    if by == "month":
        return pd.PeriodIndex(list(index), freq="M", name=index.name)
    return index


def _no_targets_note(work: str, by: str) -> str:
    return (
        f"no {work} targets set for this grouping: add them under [targets.{work}] "
        f"(by_year, by_month, by_township) in hailin.toml; target_mu is empty until then"
        + (f" (targets exist by year, month and township, not by {by})" if by in
           ("site", "method", "contractor", "species", "funding") else "")
    )  # fmt: skip


def _group_target(targets, by, key, when):
    if by == "year":
        return targets.by_year.get(key, math.nan)
    if by == "month":
        return targets.by_month.get(key, math.nan)
    if by == "township" and (when.year or (when.first is None and when.last is None)):
        return targets.township(key, when.year)
    return math.nan


def period_target(targets: WorkTargets, when: Period) -> float:
    """The target of a whole period: the total for all time, a year's or a
    month's own, else the sum of its months' when every one is set (NaN else).

    Examples
    --------
    >>> t = WorkTargets(100.0, by_month={"2024-01": 5.0, "2024-02": 6.0, "2024-03": 7.0})
    >>> period_target(t, period()), period_target(t, period("2024Q1")), period_target(t, period(2024))
    (100.0, 18.0, nan)
    """
    if when.first is None and when.last is None:
        return targets.total
    if when.year:
        return targets.by_year.get(when.year, math.nan)
    months = when.months()
    if months and all(m in targets.by_month for m in months):
        return float(sum(targets.by_month[m] for m in months))
    return math.nan


def _weighted_survival(frame):
    checked = frame.dropna(subset=["survival_pct"])
    weight = checked["area_mu"].sum()
    return (
        float((checked["survival_pct"] * checked["area_mu"]).sum() / weight) if weight else np.nan
    )


def area_table(
    plots, work: str, targets: WorkTargets, by: str = "month", when=None, survival=None
) -> StatTable:
    """Plots and area (mu, ha) of ``work`` ("clearance" or "restoration") by
    ``by`` within the period ``when`` (see :func:`hailin.surveys.stats.periods.period`),
    with target_mu and pct_of_target where targets are set, cumulative_mu for
    months and years, and (restoration, given ``survival``: plot_id,
    survival_pct) the area-weighted survival.
    """
    if by not in GROUPS[work]:
        raise StatisticsError(f"{work} area is grouped by one of {GROUPS[work]}, got {by!r}")
    when = period(when)
    date_column = DATE_COLUMNS[work]
    plots = plots[when.contains(plots[date_column])]
    if survival is not None:
        plots = plots.merge(survival[["plot_id", "survival_pct"]], on="plot_id", how="left")
    frame = pd.DataFrame(
        {
            by: _keys(plots, date_column, by),
            "plot_id": plots["plot_id"].to_numpy(),
            "area_mu": plots["area_mu"].to_numpy(dtype=float),
            "survival_pct": plots["survival_pct"].to_numpy(dtype=float)
            if survival is not None
            else np.nan,
        }
    )
    table = frame.groupby(by, sort=True).agg(plots=("plot_id", "size"), area_mu=("area_mu", "sum"))
    table["plots"] = table["plots"].astype("int64")
    table["area_ha"] = table["area_mu"] / 15.0
    targets_of = [_group_target(targets, by, key, when) for key in table.index]
    whole = period_target(targets, when)
    if np.isnan(whole) and targets_of and not np.isnan(targets_of).any():
        whole = float(sum(targets_of))
    # The target columns are always there: empty, with a note, when none is set.
    table["target_mu"] = np.asarray(targets_of, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["pct_of_target"] = 100.0 * table["area_mu"] / table["target_mu"]
    if by in ("month", "year"):
        table["cumulative_mu"] = table["area_mu"].cumsum()
    if survival is not None:
        table["survival_pct"] = [_weighted_survival(g) for _k, g in frame.groupby(by, sort=True)]
    area = float(frame["area_mu"].sum())
    total = {"plots": len(frame), "area_mu": area, "area_ha": area / 15.0}
    total["target_mu"] = whole
    total["pct_of_target"] = 100.0 * area / whole if whole and not np.isnan(whole) else np.nan
    if survival is not None:
        total["survival_pct"] = _weighted_survival(frame)
    table.index = calendar_index(table.index, by)
    result = with_total(table, total)
    if np.isnan(whole) and np.isnan(np.asarray(targets_of, dtype=float)).all():
        result.attrs["note"] = _no_targets_note(work, by)
    return result
