"""The ranking of one day and the honest evaluation of a cut-off."""

import datetime
import functools
from collections.abc import Callable

import numpy as np
import pandas as pd

from hailin.surveys.frames import Frames
from hailin.surveys.risk.features import features_at
from hailin.surveys.risk.history import History, day_number, frames_as_of, read_history
from hailin.surveys.risk.model import BASELINES, RiskModel, auc, fit_risk, snapshot_days

# Precision is measured on these top shares of the ranking.
TOP_SHARES = (0.1, 0.2)


def rank_plots(history: History, model: RiskModel, day: int) -> pd.DataFrame:
    """The plots cleared by ``day`` from the highest risk down: plot_id, rank,
    risk (a probability from the model; None from a baseline), score, reasons
    (feature codes) and the features themselves.

    Examples
    --------
    >>> history = History.empty()
    >>> len(rank_plots(history, fit_risk(history, 19_800), 19_800))
    0
    """
    X = features_at(history, day)
    score = model.score(X) if len(X) else np.zeros(0)
    reasons = model.reasons(X) if len(X) else []
    table = X.assign(
        score=score,
        risk=score if model.pipeline is not None else np.nan,
        reasons=reasons,
    )
    table = table.sort_values("score", ascending=False, kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.rename_axis("plot_id").reset_index()


def rank_as_of(frames: Frames, day: datetime.date, weeks: int = 4):
    """(model, ranking, frames as of ``day``): the ranking of :func:`rank_plots`
    with each plot's site, township and inside point (lon, lat), learnt from
    ``frames`` cut at the end of ``day`` (nothing later is read).

    Examples
    --------
    >>> from hailin.surveys import Workspace
    >>> import tempfile
    >>> model, ranked, cut = rank_as_of(Workspace.create(tempfile.mkdtemp()).frames(),
    ...     datetime.date(2024, 5, 12))
    >>> model.fallback, len(ranked), cut.as_of
    ('too_few_days', 0, datetime.date(2024, 5, 12))
    """
    cut = frames_as_of(frames, day)
    history = read_history(cut)
    model = fit_risk(history, day_number(day), weeks)
    ranked = rank_plots(history, model, day_number(day))
    places = history.plots[["site", "township", "lon", "lat"]]
    return model, ranked.join(places, on="plot_id"), cut


def precision_at(y: np.ndarray, score: np.ndarray, day: np.ndarray, share: float) -> float | None:
    """The share of plots with Spartina found among the top ``share`` of each
    day's ranking (all days' top plots together), or None without rows."""
    hits = seen = 0
    for when in np.unique(day):
        on = day == when
        k = max(1, round(share * int(on.sum())))
        top = np.argsort(-score[on], kind="stable")[:k]
        hits += int(y[on][top].sum())
        seen += k
    return hits / seen if seen else None


def evaluate_risk(history: History, cutoff: int, weeks: int = 4) -> dict:
    """Fit on the history before day number ``cutoff``, rank every
    ``weeks``-th day after it and score against what the patrols found:
    AUC and precision at the top 10 % and 20 %, for the model and both baselines.

    Returns {"model": the fitted :class:`RiskModel`, "test": {rows, positives,
    days}, "scores": {method: {"auc", "precision_10", "precision_20"}}}.

    Examples
    --------
    >>> evaluate_risk(History.empty(), 19_800)["test"]
    {'rows': 0, 'positives': 0, 'days': 0}
    """
    from hailin.surveys.risk.model import training_set

    model = fit_risk(history, cutoff, weeks)
    end = history.last_day if history.last_day is not None else cutoff
    days = snapshot_days(history, weeks, end + 1, start=cutoff) if end >= cutoff else []
    test = training_set(history, days, weeks)
    scores = {}
    methods: dict[str, Callable] = {"model": model.score} if model.pipeline is not None else {}
    methods.update({name: functools.partial(model.baseline, name=name) for name in BASELINES})
    for name, scorer in methods.items():
        score = scorer(test.X) if len(test.y) else np.zeros(0)
        scores[name] = {"auc": auc(test.y, score)} | {
            f"precision_{round(share * 100)}": precision_at(test.y, score, test.day, share)
            for share in TOP_SHARES
        }
    counts = {"rows": len(test.y), "positives": test.positives, "days": len(set(test.day))}
    return {"model": model, "test": counts, "scores": scores}
