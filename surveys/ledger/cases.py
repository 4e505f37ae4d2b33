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
  case for the same plot;
- a suspicion (``spartina_suspected``) is no case: it opens a verification
  task (:mod:`hailin.surveys.ledger.tasks`); when the next inspection there
  finds Spartina, the case opens at the suspicion's date.

New infestations (新发图斑), Spartina found near no clearance plot, are
clustered into patches and followed the same way (kind ``new_infestation``).
"""

import dataclasses
from typing import NamedTuple

import geopandas
import numpy as np
import pandas as pd
import shapely

from hailin.geo.area import M2_PER_HA, M2_PER_MU, area_m2
from hailin.geo.overlay import nearest_township, place_in_sites
from hailin.surveys.ledger.detections import SPARTINA_FINDINGS, detect, within_tolerance
from hailin.surveys.ledger.machine import case_rows, verify_cases
from hailin.surveys.ledger.patches import cluster_new_infestations
from hailin.surveys.ledger.tasks import confirm_suspicions, verification_tasks
from hailin.surveys.localtime import DEFAULT_TIMEZONE, local_dates, local_day_numbers

LEDGER_COLUMNS = [
    "case_id",
    "kind",
    "plot_id",
    "site",
    "township",
    "area_mu",
    "area_ha",
    "cleared_on",
    "first_detected",
    "last_detected",
    "detections",
    "sources",
    "rasters",
    "largest_patch_m2",
    "status",
    "status_since",
    "days_open",
    "re_cleared_at",
    "verified_at",
]
STATUSES = ("open", "re_cleared", "verified_clear")
# The ledger's timestamp columns (local time of the workspace).
LEDGER_TIMES = ("first_detected", "last_detected", "status_since", "re_cleared_at", "verified_at")
# The survey columns the ledger and the progress figures read.
LEDGER_INPUT = [
    "record_key",
    "observed_at",
    "patrol_type",
    "finding",
    "action",
    "patch_area_m2",
    "survival_pct",
]


@dataclasses.dataclass(frozen=True)
class LedgerRules:
    """The settings that decide the ledger (from hailin.toml)."""

    tolerance_m: float = 10.0
    verify_inspections: int = 2
    verify_days: int = 30
    timezone: str = DEFAULT_TIMEZONE
    cluster_m: float = 30.0

    @classmethod
    def from_settings(cls, settings):
        return cls(
            settings.tolerance_m,
            settings.verify_inspections,
            settings.verify_days,
            settings.timezone,
        )


def near_after_clearance(records, areas, rules, crs=None) -> pd.DataFrame:
    """(area, time, day, key) of records within the tolerance of an area, on a
    local day after the area's clearance (new patches have none); ``area`` is
    the position in ``areas``, distances in ``crs`` (see
    :func:`hailin.surveys.ledger.detections.within_tolerance`)."""
    empty = pd.DataFrame(
        {
            "area": pd.Series(dtype=np.int64),
            "time": pd.Series(dtype="datetime64[ns, UTC]"),
            "day": pd.Series(dtype=np.int64),
            "key": pd.Series(dtype=np.int64),
        }
    )
    if len(records) == 0 or len(areas) == 0:
        return empty
    record, area, _distance = within_tolerance(records, areas, rules.tolerance_m, crs)
    times = records["observed_at"].to_numpy(dtype="datetime64[ns]")[record]
    keys = (
        records["record_key"].to_numpy()[record]
        if "record_key" in records
        else np.zeros(record.size, np.int64)
    )
    events = pd.DataFrame({"area": area, "time": pd.to_datetime(times, utc=True), "key": keys})
    events["time"] = events["time"].astype("datetime64[ns, UTC]")
    events["day"] = local_day_numbers(events["time"], rules.timezone)
    cleared = pd.to_datetime(
        pd.Series(areas["cleared_on"].to_numpy(), dtype=object), errors="coerce"
    )
    cleared_day = cleared.to_numpy(dtype="datetime64[D]").astype(np.int64)
    cleared_day = np.where(
        cleared.isna().to_numpy(), -(10**9), cleared_day
    )  # patches: no clearance day
    return events[events["day"].to_numpy() > cleared_day[events["area"].to_numpy()]]


def point_inspections(inspections):
    """The inspections that can clear a plot: tracks are routes walked, not
    inspections of a plot."""
    types = shapely.get_type_id(np.asarray(inspections.geometry.values, dtype=object))
    return inspections[~np.isin(types, (1, 2, 5))]


def removal_mask(surveys) -> np.ndarray:
    """Records that report Spartina removed (finding or action), other than
    Spartina findings (a finding removed on the spot is a token of its own)."""
    removal = (
        surveys["finding"].eq("spartina_removed") | surveys["action"].eq("removed")
    ) & ~surveys["finding"].isin(SPARTINA_FINDINGS)
    return removal.to_numpy()


def removal_tokens(removals) -> pd.DataFrame:
    """Removal events (of :func:`near_after_clearance`) as case-machine tokens."""
    return removals[["area", "time", "key"]].assign(patrol_type=None, patch_area_m2=np.nan)


def latest_local_day(times, timezone):
    """The local date of the latest of ``times`` (None when all are missing):
    the day open cases are counted to by default."""
    present = [t for t in times if pd.notna(t)]
    if not present:
        return None
    return local_dates(pd.Series([max(present)]), timezone).iloc[0]


class LedgerBuild(NamedTuple):
    """What building the ledger gives: the ledger, the new-infestation patches,
    and the detections (Spartina findings after clearance, per plot) it found."""

    ledger: pd.DataFrame
    patches: geopandas.GeoDataFrame
    detections: geopandas.GeoDataFrame


def build_ledger(
    surveys, clearance, rules=LedgerRules(), sites=None, as_of=None, inspections=None
) -> LedgerBuild:
    """The ledger, the new-infestation patches and the detections, from survey
    records and plots; detection runs once, here.

    Returns a :class:`LedgerBuild` ``(ledger, patches, detections)``. ``as_of``
    (a date) is the day open cases are counted to; by default the latest local
    day in the records, so that the same store always gives the same ledger.
    ``inspections`` (observed_at and geometry of the ``clear`` records) may
    come separately, when ``surveys`` holds only the other findings: a store
    reads far less that way.
    """
    if inspections is None:
        clear = surveys["finding"].eq("clear").to_numpy()
        inspections, surveys = surveys[clear], surveys[~clear]
    inspections = point_inspections(inspections)
    # A suspicion a later inspection confirmed opens its case on its own date.
    tasks = verification_tasks(surveys, inspections, clearance, rules.tolerance_m)
    surveys = confirm_suspicions(surveys, tasks)
    detections, outside = detect(surveys, clearance, rules.tolerance_m, rules.timezone)
    patches, membership = cluster_new_infestations(outside, rules.cluster_m, rules.timezone)
    areas = case_area_frame(clearance, detections, patches, sites)
    if as_of is None:
        as_of = latest_local_day(
            [surveys["observed_at"].max(), inspections["observed_at"].max()], rules.timezone
        )
    found = finding_tokens(detections, outside, membership, areas)
    # Removals and inspections in or near the case areas, after their clearance.
    removals = near_after_clearance(surveys[removal_mask(surveys)], areas, rules)
    removals = removal_tokens(removals)
    cases = case_rows(found.drop(columns=["action"]), removals)
    # Inspections matter only where a case was re-cleared, and only after that:
    # joining just those areas keeps the largest join small.
    waiting = cases[cases["status"] == "re_cleared"]
    if len(waiting) and len(inspections):
        targets = np.sort(waiting["area"].unique().astype(np.int64))
        later = inspections[inspections["observed_at"] > waiting["re_cleared"].min()]
        checks = near_after_clearance(later, areas.iloc[targets], rules)[["area", "time", "day"]]
        checks["area"] = targets[checks["area"].to_numpy()]
        cases = verify_cases(cases, checks, rules)
    return LedgerBuild(
        ledger_rows(cases, areas, rules, as_of), patches, in_detection_order(detections)
    )


def in_detection_order(detections):
    """Detections by record key, then plot id: one order whatever order the
    records came in (a store's, a dataset's, a cluster's partitions).

    Examples
    --------
    >>> frame = pd.DataFrame({"record_key": [7, 3, 3], "plot_id": ["B", "B", "A"]})
    >>> in_detection_order(frame).values.tolist()
    [[3, 'A'], [3, 'B'], [7, 'B']]
    """
    if len(detections) == 0:
        return detections.reset_index(drop=True)
    return detections.sort_values(["record_key", "plot_id"], kind="stable").reset_index(drop=True)


def among(values, chosen) -> np.ndarray:
    """Mask of ``values`` (ids) that are in ``chosen``, by hashing: pandas'
    ``isin`` on Arrow strings walks ``chosen`` in Python (2.6 s for a million
    plot ids against 0.6 s).

    Examples
    --------
    >>> among(pd.Series(["A", "B", "C"]), ["C", "A", "C"]).tolist()
    [True, False, True]
    """
    return pd.Index(chosen).unique().get_indexer(pd.Index(values)) >= 0


def case_area_frame(
    clearance, detections, patches, sites, plot_area_m2=None
) -> geopandas.GeoDataFrame:
    """What cases can be about: the clearance plots with detections and the new
    patches (placed in the sites; outside them, in the nearest site's township),
    with plot_id, site, township, area_m2, cleared_on, kind. ``plot_area_m2``
    (plot_id -> m², computed where the plots are) spares computing the plots'
    areas again."""
    case_plots = clearance[among(clearance["plot_id"], detections["plot_id"])]
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
    if plot_area_m2 is None:
        areas["area_m2"] = area_m2(areas.geometry).to_numpy(dtype=float)
    else:
        plotted = len(case_plots)
        areas["area_m2"] = np.concatenate(
            [
                plot_area_m2.reindex(areas["plot_id"].to_numpy()[:plotted]).to_numpy(dtype=float),
                area_m2(areas.geometry.iloc[plotted:]).to_numpy(dtype=float),
            ]
        )
    if len(patches) and sites is not None and len(sites):
        # Only the patches are placed: a plot's site and township are its own.
        new = areas["kind"].eq("new_infestation").to_numpy()
        geometries = np.asarray(areas.geometry.values[new], dtype=object)
        in_site, township = place_in_sites(geometries, sites)
        # A patch outside every reserve is counted in the nearest reserve's township.
        outside = pd.isna(township)
        township[outside] = nearest_township(geometries[outside], sites)
        areas.loc[new, "site"] = in_site
        areas.loc[new, "township"] = township
    return areas


def finding_tokens(detections, outside, membership, areas) -> pd.DataFrame:
    """The Spartina findings as case tokens: area, time, key, patrol type,
    patch area, action and whether it was removed on the spot."""
    area_of = pd.Series(np.arange(len(areas)), index=areas["plot_id"].to_numpy())
    columns = ["record_key", "observed_at", "patrol_type", "patch_area_m2", "action"]
    if "raster" in detections and "raster" in outside:  # the raster of a raster detection
        columns.append("raster")
    found = pd.concat(
        [
            detections[columns].assign(area=area_of.reindex(detections["plot_id"]).to_numpy()),
            outside[columns].assign(area=area_of.reindex(membership.to_numpy()).to_numpy()),
        ],
        ignore_index=True,
    )
    found = found.rename(columns={"observed_at": "time", "record_key": "key"})
    found["time"] = pd.to_datetime(found["time"], utc=True).astype("datetime64[ns, UTC]")
    found["removed"] = found["action"].eq("removed")
    return found


def empty_ledger(timezone=DEFAULT_TIMEZONE):
    """A ledger without cases: the columns, typed as a ledger with cases.

    Examples
    --------
    >>> str(empty_ledger("Asia/Tokyo")["first_detected"].dtype)
    'datetime64[ns, Asia/Tokyo]'
    """
    types = {
        **{c: object for c in LEDGER_COLUMNS},
        **{c: f"datetime64[ns, {timezone}]" for c in LEDGER_TIMES},
        "detections": np.int64,
        "largest_patch_m2": float,
        "area_mu": float,
        "area_ha": float,
        "days_open": "Int64",
    }
    return pd.DataFrame({c: pd.Series(dtype=types[c]) for c in LEDGER_COLUMNS})


def ledger_rows(cases, areas, rules, as_of) -> pd.DataFrame:
    """The ledger's rows (see :data:`LEDGER_COLUMNS`) of the ``cases`` of
    :func:`hailin.surveys.ledger.machine.case_rows` about ``areas``, sorted by kind,
    plot and first detection."""
    if len(cases) == 0:
        return empty_ledger(rules.timezone)
    cases = cases.sort_values(["area", "first"], kind="stable")
    number = cases.groupby("area").cumcount() + 1
    area = areas.iloc[cases["area"].to_numpy().astype(int)]
    first_day = local_day_numbers(cases["first"], rules.timezone)
    end = cases["re_cleared"].where(cases["re_cleared"].notna())
    end_day = np.where(
        end.isna(),
        (pd.Timestamp(as_of) - pd.Timestamp("1970-01-01")).days if as_of else np.nan,
        local_day_numbers(end.fillna(cases["first"]), rules.timezone),
    )
    ledger = pd.DataFrame(
        {
            "case_id": area["plot_id"].to_numpy() + "#" + number.astype(str).to_numpy(),
            "kind": area["kind"].to_numpy(),
            "plot_id": area["plot_id"].to_numpy(),
            "site": area["site"].to_numpy(),
            "township": area["township"].to_numpy(),
            "area_mu": area["area_m2"].to_numpy(dtype=float) / M2_PER_MU,
            "area_ha": area["area_m2"].to_numpy(dtype=float) / M2_PER_HA,
            "cleared_on": area["cleared_on"].to_numpy(),
            "first_detected": cases["first"].to_numpy(),
            "last_detected": cases["last"].to_numpy(),
            "detections": cases["detections"].to_numpy(dtype=np.int64),
            "sources": cases["sources"].to_numpy(),
            "rasters": cases["rasters"].to_numpy(),
            "largest_patch_m2": cases["largest"].to_numpy(dtype=float),
            "status": cases["status"].to_numpy(),
            "status_since": cases["since"].to_numpy(),
            "days_open": pd.array(end_day - first_day, dtype="Int64")
            if as_of or end.notna().all()
            else None,
            # When the case changed state (the map's time control draws from these).
            "re_cleared_at": cases["re_cleared"].to_numpy(),
            "verified_at": cases["verified"].to_numpy(),
        }
    )
    for column in LEDGER_TIMES:
        ledger[column] = pd.to_datetime(ledger[column], utc=True).dt.tz_convert(rules.timezone)
    return in_ledger_order(ledger)


def in_ledger_order(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger's rows sorted by kind, plot and first detection (one order,
    however the rows were made)."""
    return ledger.sort_values(["kind", "plot_id", "first_detected"], kind="stable").reset_index(
        drop=True
    )


def case_areas(clearance, patches):
    """plot_id and geometry of everything a ledger row can be about: the
    clearance plots and the new-infestation patches."""
    both = pd.concat(
        [
            clearance[["plot_id", "geometry"]],
            patches.rename(columns={"patch_id": "plot_id"})[["plot_id", "geometry"]],
        ],
        ignore_index=True,
    )
    return geopandas.GeoDataFrame(both, geometry="geometry", crs=4326).drop_duplicates("plot_id")
