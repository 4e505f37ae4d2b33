"""Everything the maps draw, gathered once from a workspace."""

import dataclasses

import geopandas
import numpy as np
import pandas as pd
import shapely

from surveys.ledger import LedgerRules, build_ledger
from surveys.recurrence import detect


@dataclasses.dataclass
class MapData:
    """The frames the maps are drawn from (all EPSG:4326)."""

    sites: geopandas.GeoDataFrame
    clearance: geopandas.GeoDataFrame
    restoration: geopandas.GeoDataFrame
    ledger: pd.DataFrame
    patches: geopandas.GeoDataFrame
    detections: geopandas.GeoDataFrame
    surveys: geopandas.GeoDataFrame
    clearance_progress: object
    restoration_progress: object
    survival: dict
    patrol_counts: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def from_workspace(cls, workspace):
        surveys = workspace.surveys(
            [
                "record_key",
                "observed_at",
                "patrol_type",
                "team",
                "finding",
                "action",
                "patch_area_m2",
                "survival_pct",
                "notes",
            ]
        )
        clearance, restoration = workspace.plots("clearance"), workspace.plots("restoration")
        rules = LedgerRules.from_settings(workspace.settings)
        sites = workspace.sites()
        # One read of the records serves the ledger, the findings and the patrol layers.
        ledger, patches = build_ledger(surveys, clearance, rules, sites)
        detections, _outside = detect(surveys, clearance, rules.tolerance_m, rules.timezone)
        cleared, planted = workspace.progress(ledger=ledger)
        survival = planted.extra["plot_survival"]
        return cls(
            sites,
            clearance,
            restoration,
            ledger,
            patches,
            detections,
            surveys,
            cleared,
            planted,
            dict(zip(survival["plot_id"], survival["survival_pct"], strict=True)),
            records_per_plot(surveys, clearance),
        )


def records_per_plot(surveys, plots):
    """{plot_id: number of patrol records inside the plot}."""
    if len(surveys) == 0 or len(plots) == 0:
        return {}
    tree = shapely.STRtree(np.asarray(plots.geometry.values, dtype=object))
    _record, plot = tree.query(
        np.asarray(surveys.geometry.values, dtype=object), predicate="intersects"
    )
    counts = np.bincount(plot, minlength=len(plots))
    return dict(zip(plots["plot_id"], counts.tolist(), strict=True))
