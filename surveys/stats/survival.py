"""Survival of the planted mangroves, plot by plot.

A plot's survival is the mean of the ``planting_check`` records inside it on
its latest day of checks (:func:`hailin.surveys.ledger.progress.plot_survival`);
totals are weighted by plot area over the plots checked.
"""

import numpy as np
import pandas as pd

from hailin.surveys.stats.table import StatTable, with_total

COLUMNS = [
    "site",
    "township",
    "species",
    "funding",
    "planted_on",
    "area_mu",
    "area_ha",
    "checked_on",
    "survival_pct",
    "surviving_mu",
]


def survival_by_plot(restoration, survival: pd.DataFrame) -> StatTable:
    """One row per restoration plot (index plot_id): where, what and when it
    was planted, its area, its latest check and survival, and the area that
    survives (area × survival); the total row weights survival by area over
    the plots checked."""
    plots = pd.DataFrame(restoration.drop(columns="geometry")).merge(
        survival[["plot_id", "survival_pct", "checked_on"]], on="plot_id", how="left"
    )
    plots["area_ha"] = plots["area_mu"] / 15.0
    plots["survival_pct"] = plots["survival_pct"].astype(float)
    plots["surviving_mu"] = plots["area_mu"] * plots["survival_pct"] / 100.0
    table = plots.set_index("plot_id").sort_index()[COLUMNS]
    checked = table["survival_pct"].notna()
    weight = float(table.loc[checked, "area_mu"].sum())
    total = {
        "area_mu": float(table["area_mu"].sum()),
        "area_ha": float(table["area_ha"].sum()),
        "survival_pct": float(table.loc[checked, "surviving_mu"].sum() / weight) * 100.0
        if weight
        else np.nan,
        "surviving_mu": float(table["surviving_mu"].sum()),
    }
    return with_total(table, total)
