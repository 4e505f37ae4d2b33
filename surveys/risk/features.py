"""The features of every cleared plot on a day, and what happened after it.

Each is a filter of the :class:`~hailin.surveys.risk.history.History` by day:
nothing dated after the day is read, so the features of a past day are what
the programme knew then.
"""

import numpy as np
import pandas as pd

from hailin.surveys.risk.history import NEIGHBOUR_M, PATCH_FAR_M, History

# The last season: regrowth nearby and imagery detections are counted over it.
SEASON_DAYS = 182
# Days to regrowth of a plot that never regrew (the figure is capped here).
NEVER_DAYS = 730
# The numeric features, in the order the model takes them (the method is one-hot beside).
NUMERIC = [
    "days_since_clearance",
    "days_since_clean",
    "past_cases",
    "days_to_regrowth",
    "open_case",
    "recent_findings",
    "neighbours_200m",
    "neighbours_500m",
    "patch_distance_m",
    "imagery_findings",
    "season_sin",
    "season_cos",
    "area_mu",
    "compactness",
]


def _count(events: pd.DataFrame, index, start: int, end: int) -> np.ndarray:
    """Events per plot of ``index`` dated in (start, end]."""
    within = events[(events["day"] > start) & (events["day"] <= end)]
    return within.groupby("plot_id").size().reindex(index, fill_value=0).to_numpy()


def _last(events: pd.DataFrame, index, day: int) -> pd.Series:
    """The last event day per plot up to ``day`` (NaN where none)."""
    return events[events["day"] <= day].groupby("plot_id")["day"].max().reindex(index)


def _regrowth_days(history: History, index, day: int) -> np.ndarray:
    """Mean days from a clearance (or re-clearance) to the next case found, per plot."""
    cases = history.cases[history.cases["day"] <= day].sort_values("day")
    if cases.empty:
        return np.full(len(index), float(NEVER_DAYS))
    cleared = history.plots["cleared"].reindex(cases["plot_id"]).to_numpy(dtype=float)
    redone = history.re_cleared.sort_values("day").rename(columns={"day": "since"})
    redone["since"] = redone["since"].astype("int64")
    joined = pd.merge_asof(
        cases.astype({"day": "int64"}),
        redone,
        left_on="day",
        right_on="since",
        by="plot_id",
        allow_exact_matches=False,
    )
    since = np.fmax(cleared, joined["since"].to_numpy(dtype=float))
    gaps = pd.Series(joined["day"].to_numpy() - since, index=joined["plot_id"].to_numpy())
    mean = gaps.groupby(level=0).mean().reindex(index)
    return mean.fillna(NEVER_DAYS).clip(upper=NEVER_DAYS).to_numpy()


def features_at(history: History, day: int) -> pd.DataFrame:
    """One row per plot cleared by ``day`` (a day number): the numeric
    features (:data:`NUMERIC`) and the clearance ``method``.

    Examples
    --------
    >>> from hailin.surveys import Workspace
    >>> from hailin.surveys.risk.history import read_history
    >>> import tempfile
    >>> history = read_history(Workspace.create(tempfile.mkdtemp()).frames())
    >>> features_at(history, 19_700).columns[:2].tolist()
    ['days_since_clearance', 'days_since_clean']
    """
    plots = history.plots[history.plots["cleared"] <= day]
    index = plots.index
    redone = _last(history.re_cleared, index, day)
    cleared = np.fmax(plots["cleared"].to_numpy(dtype=float), redone.to_numpy(dtype=float))
    since_clearance = day - cleared
    clean = _last(history.inspections, index, day).to_numpy(dtype=float)
    since_clean = np.where(np.isnan(clean), since_clearance, day - np.fmax(clean, cleared))
    start = day - SEASON_DAYS
    near = history.neighbours
    patches = history.patches[history.patches["day"] <= day]
    distance = patches.groupby("plot_id")["distance_m"].min().reindex(index)
    past = _count(history.cases, index, -1 << 40, day)
    angle = 2 * np.pi * (day % 365.25) / 365.25
    table = {
        "days_since_clearance": since_clearance,
        "days_since_clean": since_clean,
        "past_cases": past,
        "days_to_regrowth": _regrowth_days(history, index, day),
        "open_case": (past > _count(history.re_cleared, index, -1 << 40, day)).astype(float),
        "recent_findings": _count(history.findings, index, start, day),
        "neighbours_200m": _count(near[near["distance_m"] <= NEIGHBOUR_M[0]], index, start, day),
        "neighbours_500m": _count(near, index, start, day),
        "patch_distance_m": distance.fillna(PATCH_FAR_M).to_numpy(),
        "imagery_findings": _count(history.imagery, index, start, day),
        "season_sin": np.full(len(index), np.sin(angle)),
        "season_cos": np.full(len(index), np.cos(angle)),
        "area_mu": plots["area_mu"].to_numpy(),
        "compactness": plots["compactness"].to_numpy(),
    }
    frame = pd.DataFrame(table, index=index).astype(float)
    frame["method"] = plots["method"].to_numpy()
    return frame


def labels_at(history: History, day: int, weeks: int, index) -> np.ndarray:
    """1 where Spartina was found in the plot within ``weeks`` weeks after ``day``.

    Examples
    --------
    >>> import pandas as pd
    >>> history = History(*[pd.DataFrame({"plot_id": [], "day": []})] * 8, last_day=None)
    >>> labels_at(history, 100, 4, ["P1"]).tolist()
    [0]
    """
    return (_count(history.findings, index, day, day + 7 * weeks) > 0).astype(int)
