"""The recurrence-risk model: a logistic regression (scikit-learn) fitted on
the workspace's own past, beside two baselines, with each plot's reasons.

The training rows are the plots on every ``weeks``-th day of the history, each
labelled by whether Spartina was found in it within the next ``weeks`` weeks;
only days whose whole window ends by the cut-off are used. A logistic model is
calibrated by its own loss and its terms are readable: a plot's reasons are the
features that push its risk up the most (coefficient × standardised value).
With too little history the model is not fitted and the best baseline ranks
instead, and says so (:attr:`RiskModel.fallback`).
"""

import dataclasses

import numpy as np
import pandas as pd

from hailin.surveys.errors import RiskError
from hailin.surveys.risk.features import NUMERIC, features_at, labels_at
from hailin.surveys.risk.history import History

# Below these the history is too short for a model: the best baseline ranks.
MIN_POSITIVES = 10
MIN_DAYS = 3
BASELINES = ("days_since_clearance", "previous_season")
# The feature each baseline reads: a plot ranked by a baseline is shown with it.
BASELINE_FEATURE = {
    "days_since_clearance": "days_since_clearance",
    "previous_season": "recent_findings",
}
# How many reasons a plot is shown with.
TOP_REASONS = 3


@dataclasses.dataclass(frozen=True)
class TrainingSet:
    """Rows of (day, plot) features with their outcome: X, y and the day of each row."""

    X: pd.DataFrame
    y: np.ndarray
    day: np.ndarray

    @property
    def positives(self) -> int:
        """Rows where Spartina was found in the window."""
        return int(self.y.sum())


def snapshot_days(history: History, weeks: int, end: int, start: int | None = None) -> list[int]:
    """Every ``weeks``-th day from the first clearance (or ``start``) whose
    window of ``weeks`` weeks ends by ``end``."""
    if history.plots.empty:
        return []
    step = 7 * weeks
    first = int(history.plots["cleared"].min()) + step if start is None else start
    return list(range(first, end - step + 1, step))


def training_set(history: History, days: list[int], weeks: int) -> TrainingSet:
    """The features of every plot on each of ``days`` and their outcomes."""
    frames, labels, when = [], [], []
    for day in days:
        features = features_at(history, day)
        frames.append(features)
        labels.append(labels_at(history, day, weeks))
        when.append(np.full(len(features), day))
    if not frames:
        empty = features_at(history, -1 << 40)
        return TrainingSet(empty, np.zeros(0, int), np.zeros(0, int))
    X = pd.concat(frames)
    return TrainingSet(X, np.concatenate(labels), np.concatenate(when))


def baseline_score(X: pd.DataFrame, name: str, direction: float = -1.0) -> np.ndarray:
    """A baseline's score: ``days_since_clearance`` alone (times ``direction``:
    -1 ranks the most recently cleared first) or the ``previous_season``'s
    recurrence alone (Spartina findings in the plot in the last season)."""
    if name == "days_since_clearance":
        return direction * X["days_since_clearance"].to_numpy()
    if name == "previous_season":
        return X["recent_findings"].to_numpy(dtype=float)
    raise RiskError(f"baseline should be one of {BASELINES}, got {name!r}")


def auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """The area under the ROC curve, or None when only one outcome occurred."""
    from sklearn.metrics import roc_auc_score

    if len(np.unique(y)) < 2:
        return None
    return float(roc_auc_score(y, score))


@dataclasses.dataclass(frozen=True)
class RiskModel:
    """A fitted ranking: the logistic ``pipeline``, or a baseline when
    ``fallback`` says why the history was too short (``method`` names which).

    ``direction`` orients the days-since-clearance baseline; ``trained_on``
    counts the training rows and outcomes (rows, positives, days).
    """

    method: str
    pipeline: object | None
    direction: float
    trained_on: dict
    fallback: str | None = None

    def score(self, X: pd.DataFrame) -> np.ndarray:
        """The probability of regrowth in the window (the model) or a baseline's score."""
        if self.pipeline is None:
            return baseline_score(X, self.method, self.direction)
        return self.pipeline.predict_proba(X)[:, 1]  # type: ignore[attr-defined]

    def baseline(self, X: pd.DataFrame, name: str) -> np.ndarray:
        """The score of baseline ``name``, oriented as fitted."""
        return baseline_score(X, name, self.direction)

    def reasons(self, X: pd.DataFrame) -> list[list[str]]:
        """Each row's reasons: the feature names that raise its risk most."""
        if self.pipeline is None:
            return [[BASELINE_FEATURE[self.method]]] * len(X)
        transform, logistic = self.pipeline[0], self.pipeline[-1]  # type: ignore[index]
        contributions = transform.transform(X) * logistic.coef_[0]
        names = [_feature_code(n) for n in transform.get_feature_names_out()]
        top = np.argsort(-contributions, axis=1)[:, :TOP_REASONS]
        return [[names[j] for j in row if contributions[i, j] > 0] for i, row in enumerate(top)]


def _feature_code(name: str) -> str:
    """A transformed column's feature: "num__area_mu" → area_mu, "cat__method_x" → method."""
    kind, _, rest = name.partition("__")
    return "method" if kind == "cat" else rest


def _pipeline():
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=5), ["method"]),
        ]
    )
    return Pipeline([("columns", columns), ("logistic", LogisticRegression(max_iter=2000))])


def _direction(data: TrainingSet) -> float:
    """-1 when recently cleared plots regrew more in ``data`` (or nothing says), else +1."""
    oriented = auc(data.y, baseline_score(data.X, "days_since_clearance", -1.0))
    return -1.0 if oriented is None or oriented >= 0.5 else 1.0


def fit_risk(history: History, cutoff: int, weeks: int = 4) -> RiskModel:
    """The ranking learnt from ``history`` before day number ``cutoff``: the
    logistic model, or the best baseline (with ``fallback`` saying why) when the
    history before the cut-off holds fewer than :data:`MIN_DAYS` days or
    :data:`MIN_POSITIVES` outcomes with Spartina found (``too_few_days``,
    ``too_few_findings``), when the last third of those days or the days
    before them hold no finding, so the model cannot be checked
    (``not_validated``), or when a baseline ranked that last third better than
    the model fitted on the days before it (``baseline_better``;
    ``trained_on["validation"]`` holds the AUCs compared).

    Examples
    --------
    >>> model = fit_risk(History.empty(), 19_800)
    >>> model.method, model.fallback
    ('previous_season', 'too_few_days')
    """
    if weeks < 1:
        raise RiskError(f"weeks should be 1 or more, got {weeks}")
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise RiskError("the risk ranking needs scikit-learn: pip install 'hailin[risk]'") from None
    data = training_set(history, snapshot_days(history, weeks, cutoff), weeks)
    direction = _direction(data)
    trained: dict = {"rows": len(data.y), "positives": data.positives, "days": len(set(data.day))}
    short = (
        "too_few_days"
        if trained["days"] < MIN_DAYS
        else "too_few_findings"
        if data.positives < MIN_POSITIVES or data.positives == len(data.y)
        else None
    )
    checked = None if short is not None else _validate(data)
    trained["validation"] = checked
    if short is None and checked is None:
        short = "not_validated"
    if short is not None:
        scores = {name: auc(data.y, baseline_score(data.X, name, direction)) for name in BASELINES}
        best = max(BASELINES[::-1], key=lambda name: scores[name] or 0.0)
        return RiskModel(best, None, direction, trained, fallback=short)
    assert checked is not None
    best = max(BASELINES[::-1], key=lambda name: checked[name] or 0.0)
    if (checked["model"] or 0.0) < (checked[best] or 0.0):
        return RiskModel(best, None, direction, trained, fallback="baseline_better")
    pipeline = _pipeline().fit(data.X, data.y)
    return RiskModel("model", pipeline, direction, trained)


def _validate(data: TrainingSet) -> dict | None:
    """AUC of the model and the baselines on the last third of the training days,
    the model fitted on the days before them (None when either part lacks a
    finding): a model that does worse there than a baseline is not used."""
    days = np.unique(data.day)
    split = days[len(days) - max(1, len(days) // 3)]
    early, late = data.day < split, data.day >= split
    fit = TrainingSet(data.X[early], data.y[early], data.day[early])
    check = TrainingSet(data.X[late], data.y[late], data.day[late])
    if len(np.unique(fit.y)) < 2 or len(np.unique(check.y)) < 2:
        return None
    direction = _direction(fit)
    model = _pipeline().fit(fit.X, fit.y)
    scores = {
        "days": len(np.unique(check.day)),
        "model": auc(check.y, model.predict_proba(check.X)[:, 1]),
    }
    return scores | {
        name: auc(check.y, baseline_score(check.X, name, direction)) for name in BASELINES
    }
