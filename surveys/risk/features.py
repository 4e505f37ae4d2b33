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


def _count(events: pd.DataFrame, n: int, start: float, end: int, weights=None) -> np.ndarray:
    """Events (or their ``weights``) per plot row dated in (start, end]."""
    day = events["day"].to_numpy()
    on = (day > start) & (day <= end)
    chosen = None if weights is None else np.asarray(weights)[on]
    return np.bincount(events["plot"].to_numpy()[on], weights=chosen, minlength=n)[:n]


def _latest(events: pd.DataFrame, n: int, day: int) -> np.ndarray:
    """The last event day per plot row up to ``day`` (NaN where none)."""
    latest = np.full(n, np.nan)
    on = events["day"].to_numpy() <= day
    np.fmax.at(latest, events["plot"].to_numpy()[on], events["day"].to_numpy(dtype=float)[on])
    return latest


def features_at(history: History, day: int) -> pd.DataFrame:
    """One row per plot cleared by ``day`` (a day number): the numeric
    features (:data:`NUMERIC`) and the clearance ``method``.

    Examples
    --------
    >>> features_at(History.empty(), 19_700).columns[:2].tolist()
    ['days_since_clearance', 'days_since_clean']
    """
    plots, n = history.plots, len(history.plots)
    cleared = np.fmax(plots["cleared"].to_numpy(dtype=float), _latest(history.re_cleared, n, day))
    since_clearance = day - cleared
    clean = _latest(history.inspections, n, day)
    since_clean = np.where(np.isnan(clean), since_clearance, day - np.fmax(clean, cleared))
    start, ever = day - SEASON_DAYS, -np.inf
    near = history.neighbours
    distance = np.full(n, PATCH_FAR_M)
    patches = history.patches[history.patches["day"] <= day]
    np.fmin.at(distance, patches["plot"].to_numpy(), patches["distance_m"].to_numpy(dtype=float))
    past = _count(history.cases, n, ever, day)
    gaps = _count(history.cases, n, ever, day, history.cases["gap"])
    with np.errstate(invalid="ignore", divide="ignore"):
        regrowth = np.where(past > 0, gaps / np.maximum(past, 1), NEVER_DAYS)
    angle = 2 * np.pi * (day % 365.25) / 365.25
    table = {
        "days_since_clearance": since_clearance,
        "days_since_clean": since_clean,
        "past_cases": past,
        "days_to_regrowth": np.minimum(regrowth, NEVER_DAYS),
        "open_case": (past > _count(history.re_cleared, n, ever, day)).astype(float),
        "recent_findings": _count(history.findings, n, start, day),
        "neighbours_200m": _count(near[near["distance_m"] <= NEIGHBOUR_M[0]], n, start, day),
        "neighbours_500m": _count(near, n, start, day),
        "patch_distance_m": distance,
        "imagery_findings": _count(history.imagery, n, start, day),
        "season_sin": np.full(n, np.sin(angle)),
        "season_cos": np.full(n, np.cos(angle)),
        "area_mu": plots["area_mu"].to_numpy(dtype=float),
        "compactness": plots["compactness"].to_numpy(dtype=float),
    }
    frame = pd.DataFrame(table, index=plots.index).astype(float)
    frame["method"] = plots["method"].to_numpy()
    return frame[(plots["cleared"] <= day).to_numpy()]


def labels_at(history: History, day: int, weeks: int) -> np.ndarray:
    """1 where Spartina was found in the plot within ``weeks`` weeks after
    ``day``, for the plots of :func:`features_at` on ``day`` (in its order).

    Examples
    --------
    >>> import pandas as pd
    >>> events = pd.DataFrame({"plot_id": ["P1"], "day": [110], "plot": [0]})
    >>> plots = pd.DataFrame({"cleared": [0, 50, 200]}, index=["P1", "P2", "P3"])
    >>> history = History(plots, *[events] * 7, last_day=None)
    >>> labels_at(history, 100, 4).tolist()
    [1, 0]
    """
    found = _count(history.findings, len(history.plots), day, day + 7 * weeks) > 0
    return found[(history.plots["cleared"] <= day).to_numpy()].astype(int)
