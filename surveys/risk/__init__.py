"""Where to look next: cleared plots ranked by the risk that Spartina comes back.

:func:`read_history` joins the record in space once; :func:`features_at` gives
each cleared plot's features on a day; :func:`fit_risk` learns the ranking from
the workspace's own past (or falls back to the best baseline, saying so);
:func:`rank_plots` ranks a day with each plot's reasons; :func:`evaluate_risk`
fits before a cut-off and scores what happened after it, beside the baselines.
"""

from typing import TYPE_CHECKING

from hailin.geo.lazy import lazy_exports

if TYPE_CHECKING:
    from hailin.surveys.risk.features import features_at, labels_at
    from hailin.surveys.risk.history import History, day_number, frames_as_of, read_history
    from hailin.surveys.risk.model import RiskModel, fit_risk
    from hailin.surveys.risk.rank import evaluate_risk, rank_as_of, rank_plots
    from hailin.surveys.risk.reasons import reason_texts

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "hailin.surveys.risk.features": ["features_at", "labels_at"],
        "hailin.surveys.risk.history": ["History", "day_number", "frames_as_of", "read_history"],
        "hailin.surveys.risk.model": ["RiskModel", "fit_risk"],
        "hailin.surveys.risk.rank": ["evaluate_risk", "rank_as_of", "rank_plots"],
        "hailin.surveys.risk.reasons": ["reason_texts"],
    },
)

__all__ = [
    "History",
    "RiskModel",
    "day_number",
    "evaluate_risk",
    "features_at",
    "fit_risk",
    "frames_as_of",
    "labels_at",
    "rank_as_of",
    "rank_plots",
    "read_history",
    "reason_texts",
]
