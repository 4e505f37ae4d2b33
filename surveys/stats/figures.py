"""The programme's headline figures, one row each, from one read of the store."""

import numpy as np
import pandas as pd

from hailin.surveys.ledger.counts import case_counts
from hailin.surveys.stats.effort import patrol_effort
from hailin.surveys.stats.recurrence import recurrence_by_year
from hailin.surveys.stats.table import StatTable

COLUMNS = ["number", "area_mu", "area_ha", "target_mu", "pct_of_target", "pct", "km"]


def key_figures(frames) -> StatTable:
    """Cleared and planted area against the totals' targets, survival, cases
    (open ones by kind), plots re-cleared, and, when ``frames`` hold every
    record, patrols, person-times and km walked (see :mod:`hailin.surveys.stats`).

    ``frames`` is a :class:`hailin.surveys.frames.Frames`.
    """
    settings = frames.settings
    counts = case_counts(frames.ledger)
    open_cases = frames.ledger[frames.ledger["status"] == "open"]
    cleared = float(frames.clearance["area_mu"].sum())
    planted = float(frames.restoration["area_mu"].sum())
    survival = frames.restoration_progress.totals
    recurrence = recurrence_by_year(frames.ledger).total
    open_mu = float(open_cases["area_mu"].sum())

    def area(mu, target=np.nan):
        pct = 100.0 * mu / target if target and not np.isnan(target) else np.nan
        return {"area_mu": mu, "area_ha": mu / 15.0, "target_mu": target, "pct_of_target": pct}

    rows = {
        "cleared": {"number": len(frames.clearance), **area(cleared, settings.clearance_target_mu)},
        "planted": {
            "number": len(frames.restoration),
            **area(planted, settings.restoration_target_mu),
        },
        "survival": {"number": survival["plots_checked"], "pct": survival["survival_pct"]},
        "cases": {"number": counts["cases"]},
        "open_cases": {"number": counts["open"], **area(open_mu)},
        "open_plot_cases": {"number": counts["by_kind"]["recurrence"]["open"]},
        "open_new_patch_cases": {"number": counts["by_kind"]["new_infestation"]["open"]},
        "plots_re_cleared": {
            "number": recurrence["plots_re_cleared"],
            **area(recurrence["re_cleared_mu"]),
        },
    }
    if frames.records is not None:
        effort = patrol_effort(frames.records, timezone=frames.timezone).total
        rows["patrols"] = {"number": effort["patrols"]}
        rows["person_times"] = {"number": effort["person_times"]}
        rows["km_walked"] = {"km": effort["km"]}
    frame = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=COLUMNS).astype(float)
    frame.index.name = "figure"
    return StatTable(frame)
