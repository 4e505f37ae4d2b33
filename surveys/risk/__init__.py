"""Where to look next: cleared plots ranked by the risk that Spartina comes back.

:func:`read_history` joins the record in space once; :func:`features_at` gives
each cleared plot's features on a day; :func:`fit_risk` learns the ranking from
the workspace's own past (or falls back to the best baseline, saying so);
:func:`rank_plots` ranks a day with each plot's reasons; :func:`evaluate_risk`
fits before a cut-off and scores what happened after it, beside the baselines.
"""

from hailin.surveys.risk.features import NUMERIC, features_at, labels_at
from hailin.surveys.risk.history import History, day_number, frames_as_of, read_history
from hailin.surveys.risk.model import BASELINES, RiskModel, fit_risk
from hailin.surveys.risk.rank import evaluate_risk, rank_plots

__all__ = [
    "BASELINES",
    "NUMERIC",
    "History",
    "RiskModel",
    "day_number",
    "evaluate_risk",
    "features_at",
    "fit_risk",
    "frames_as_of",
    "labels_at",
    "rank_plots",
    "read_history",
]
