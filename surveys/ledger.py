"""The recurrence ledger (台账): one row per recurrence case, from the records.

Recomputed from the store every time, never edited: the same records and
plots always give the same ledger, whatever order they were imported in.

A case follows the records in and near its plot (within the tolerance):

- ``open`` from the first Spartina finding after the plot was cleared;
- ``re_cleared`` when a later record there reports action ``removed`` or the
  finding ``spartina_removed`` (a finding that was removed on the spot opens
  and re-clears the case at once);
- ``verified_clear`` once, after re-clearing, at least N point inspections on
  different days find no Spartina there, the last of them at least M days
  after the re-clearing day;
- a Spartina finding after ``re_cleared`` or ``verified_clear`` opens a new
  case for the same plot.

New infestations (新发图斑), Spartina found near no clearance plot, are
clustered into patches and followed the same way (kind ``new_infestation``).
"""

import dataclasses

import numpy as np
import pandas as pd
import shapely

from surveys.plots import place_in_sites
from surveys.recurrence import (
    SPARTINA_FINDINGS,
    _metric,
    cluster_new_infestations,
    detect,
    local_dates,
    local_metric_crs,
    nearest_within,
)

LEDGER_COLUMNS = [
    "case_id",
    "kind",
    "plot_id",
    "site",
    "township",
    "cleared_on",
    "first_detected",
    "last_detected",
    "detections",
    "sources",
    "largest_patch_m2",
    "status",
    "status_since",
    "days_open",
]
STATUSES = ("open", "re_cleared", "verified_clear")


@dataclasses.dataclass(frozen=True)
class LedgerRules:
    """The settings that decide the ledger (from hailin.toml)."""

    tolerance_m: float = 10.0
    verify_inspections: int = 2
    verify_days: int = 30
    timezone: str = "Asia/Shanghai"
    cluster_m: float = 30.0

    @classmethod
    def from_settings(cls, settings):
        return cls(
            settings.tolerance_m,
            settings.verify_inspections,
            settings.verify_days,
            settings.timezone,
        )


def _events(surveys, areas, rules):
    """Records in or near each area, as (area, kind) events sorted in time."""
    removal = surveys["finding"].eq("spartina_removed") | surveys["action"].eq("removed")
    spartina = surveys["finding"].isin(SPARTINA_FINDINGS)
    inspection = surveys["finding"].eq("clear") & ~np.isin(
        shapely.get_type_id(np.asarray(surveys.geometry.values, dtype=object)), (1, 2, 5)
    )
    relevant = surveys[(removal | spartina | inspection).to_numpy()]
    if len(relevant) == 0 or len(areas) == 0:
        return pd.DataFrame()
    crs = local_metric_crs(relevant, areas)
    pairs = nearest_within(
        _metric(relevant.geometry, crs), _metric(areas.geometry, crs), rules.tolerance_m
    )
    events = relevant.iloc[pairs["record"].to_numpy()].reset_index(drop=True)
    events["area"] = pairs["area"].to_numpy()
    events["day"] = local_dates(events["observed_at"], rules.timezone).to_numpy()
    cleared = areas["cleared_on"].to_numpy()[events["area"].to_numpy()]
    after = np.array(
        [c is None or pd.isna(c) or d > c for d, c in zip(events["day"], cleared, strict=True)]
    )
    events = events[after]
    events["is_spartina"] = events["finding"].isin(SPARTINA_FINDINGS)
    events["is_removal"] = events["finding"].eq("spartina_removed") | events["action"].eq("removed")
    events["is_inspection"] = events["finding"].eq("clear")
    # Ties in time are broken by the record key, which does not depend on import order.
    return events.sort_values(["area", "observed_at", "record_key"], kind="stable")


def _re_clear(case, event):
    case.update(
        status="re_cleared",
        since=event.observed_at,
        since_day=event.day,
        re_cleared_day=event.day,
        clear_days=set(),
    )


def _cases_of_area(events, rules):
    cases, case = [], None
    for event in events.itertuples(index=False):
        if event.is_spartina:
            if case is None or case["status"] != "open":
                case = {
                    "first": event.observed_at,
                    "last": event.observed_at,
                    "detections": 0,
                    "sources": set(),
                    "largest": np.nan,
                    "status": "open",
                    "since": event.observed_at,
                    "since_day": event.day,
                    "clear_days": set(),
                    "first_day": event.day,
                    "re_cleared_day": None,
                }
                cases.append(case)
            case["detections"] += 1
            case["last"] = event.observed_at
            case["sources"].add(event.patrol_type)
            if not pd.isna(event.patch_area_m2):
                case["largest"] = np.nanmax([case["largest"], event.patch_area_m2])
            if event.is_removal:
                _re_clear(case, event)
        elif event.is_removal:
            if case is not None and case["status"] == "open":
                _re_clear(case, event)
        elif (
            event.is_inspection
            and case is not None
            and case["status"] == "re_cleared"
            and event.observed_at > case["since"]
        ):
            case["clear_days"].add(event.day)
            long_enough = (event.day - case["since_day"]).days >= rules.verify_days
            if len(case["clear_days"]) >= rules.verify_inspections and long_enough:
                case.update(status="verified_clear", since=event.observed_at, since_day=event.day)
    return cases


def build_ledger(surveys, clearance, rules=LedgerRules(), sites=None, as_of=None):
    """The ledger and the new-infestation patches, from survey records and plots.

    Returns ``(ledger, patches)``. ``as_of`` (a date) is the day open cases are
    counted to; by default the latest local day in the records, so that the
    same store always gives the same ledger.
    """
    detections, outside = detect(surveys, clearance, rules.tolerance_m, rules.timezone)
    patches, _membership = cluster_new_infestations(outside, rules.cluster_m, rules.timezone)
    case_plots = clearance[clearance["plot_id"].isin(detections["plot_id"].unique())]
    areas = pd.concat(
        [
            case_plots[["plot_id", "site", "township", "cleared_on", "geometry"]].assign(
                kind="recurrence"
            ),
            patches.rename(columns={"patch_id": "plot_id"}).assign(
                site=None, township=None, cleared_on=None, kind="new_infestation"
            ),
        ],
        ignore_index=True,
    )
    areas = areas.set_geometry("geometry").set_crs(4326, allow_override=True)
    if len(patches) and sites is not None:
        in_site, township = place_in_sites(np.asarray(areas.geometry.values, dtype=object), sites)
        new = areas["kind"].eq("new_infestation").to_numpy()
        areas.loc[new, "site"] = in_site[new]
        areas.loc[new, "township"] = township[new]
    if as_of is None:
        as_of = max(local_dates(surveys["observed_at"], rules.timezone)) if len(surveys) else None
    events = _events(surveys, areas, rules)
    rows = []
    for area_index, group in events.groupby("area", sort=True) if len(events) else []:
        area = areas.iloc[int(area_index)]
        for number, case in enumerate(_cases_of_area(group, rules), start=1):
            # Days open: from the first finding to the re-clearing (or to as_of while open).
            end_day = case["re_cleared_day"] or as_of
            rows.append(
                {
                    "case_id": f"{area.plot_id}#{number}",
                    "kind": area.kind,
                    "plot_id": area.plot_id,
                    "site": area.site,
                    "township": area.township,
                    "cleared_on": area.cleared_on,
                    "first_detected": case["first"],
                    "last_detected": case["last"],
                    "detections": case["detections"],
                    "sources": ",".join(sorted(case["sources"])),
                    "largest_patch_m2": case["largest"],
                    "status": case["status"],
                    "status_since": case["since"],
                    "days_open": (end_day - case["first_day"]).days
                    if end_day is not None
                    else None,
                }
            )
    ledger = pd.DataFrame(rows, columns=LEDGER_COLUMNS)
    for column in ("first_detected", "last_detected", "status_since"):
        ledger[column] = pd.to_datetime(ledger[column], utc=True).dt.tz_convert(rules.timezone)
    ledger["detections"] = ledger["detections"].astype("int64")
    ledger = ledger.sort_values(["kind", "plot_id", "first_detected"], kind="stable").reset_index(
        drop=True
    )
    return ledger, patches


def case_areas(clearance, patches):
    """plot_id and geometry of everything a ledger row can be about: the
    clearance plots and the new-infestation patches."""
    import geopandas

    both = pd.concat(
        [
            clearance[["plot_id", "geometry"]],
            patches.rename(columns={"patch_id": "plot_id"})[["plot_id", "geometry"]],
        ],
        ignore_index=True,
    )
    return geopandas.GeoDataFrame(both, geometry="geometry", crs=4326).drop_duplicates("plot_id")
