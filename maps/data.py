"""Everything the maps draw, gathered once from a workspace."""

import dataclasses

import geopandas
import pandas as pd

from geo.overlay import records_per_plot
from surveys.ledger.cases import LedgerRules, build_ledger
from surveys.ledger.detections import detect
from surveys.ledger.progress import Progress, restoration_progress


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
    clearance_target_mu: float
    restoration_progress: Progress
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
                "observer",
                "finding",
                "action",
                "patch_area_m2",
                "survival_pct",
                "notes",
            ]
        )
        clearance, restoration = workspace.plots("clearance"), workspace.plots("restoration")
        settings = workspace.settings
        rules = LedgerRules.from_settings(settings)
        sites = workspace.sites()
        # One read of the records serves the ledger, the findings and the patrol layers.
        ledger, patches = build_ledger(surveys, clearance, rules, sites)
        detections, _outside = detect(surveys, clearance, rules.tolerance_m, rules.timezone)
        # Of the clearance progress the maps draw only the cleared area by month
        # (cleared_by_month) and the open cases (from the ledger), so
        # surveys.progress.clearance_progress is not called.
        planted = restoration_progress(
            restoration, surveys, settings.restoration_target_mu, settings.timezone
        )
        survival = planted.extra["plot_survival"]
        return cls(
            sites,
            clearance,
            restoration,
            ledger,
            patches,
            detections,
            surveys,
            float(settings.clearance_target_mu),
            planted,
            dict(zip(survival["plot_id"], survival["survival_pct"], strict=True)),
            records_per_plot(surveys, clearance),
        )


def cleared_by_month(clearance):
    """Cleared mu per month of ``cleared_on`` (YYYY-MM) and cumulated, as
    ``hailin progress`` counts it.

    Examples
    --------
    >>> import datetime, geopandas
    >>> plots = geopandas.GeoDataFrame({"cleared_on": [datetime.date(2023, 4, 2),
    ...     datetime.date(2023, 6, 9), datetime.date(2023, 4, 20)], "area_mu": [1.0, 2.0, 3.0]})
    >>> cleared_by_month(plots).values.tolist()
    [['2023-04', 4.0, 4.0], ['2023-06', 2.0, 6.0]]
    """
    months = pd.to_datetime(pd.Series(clearance["cleared_on"].to_numpy())).dt.strftime("%Y-%m")
    frame = (
        pd.DataFrame({"month": months.to_numpy(), "area_mu": clearance["area_mu"].to_numpy()})
        .groupby("month", sort=True, as_index=False)["area_mu"]
        .sum()
    )
    frame["cumulative_mu"] = frame["area_mu"].cumsum()
    return frame
