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
from typing import NamedTuple

import geopandas
import numpy as np
import pandas as pd
import shapely

from geo.overlay import place_in_sites
from surveys.ledger.detections import SPARTINA_FINDINGS, detect, within_tolerance
from surveys.ledger.patches import cluster_new_infestations
from surveys.localtime import DEFAULT_TIMEZONE, local_dates, local_day_numbers

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


def _sources(spotted, cases):
    """Per case, the sorted patrol types that saw it, comma-joined."""
    text = np.full(len(cases), "", dtype=object)
    for kind in sorted(spotted["patrol_type"].dropna().unique()):  # a handful, each vectorised
        seen = np.isin(cases, spotted.loc[spotted["patrol_type"] == kind, "case"].unique())
        text = np.where(seen, np.where(text == "", kind, text + "," + kind), text)
    return text


def _rasters(spotted, cases):
    """Per case, the file names of the rasters that saw it (detections of
    ``hailin raster detect``), sorted and comma-joined; "" when none did."""
    if "raster" not in spotted:
        return np.full(len(cases), "", dtype=object)
    seen = spotted[spotted["raster"].notna()]
    names = seen.groupby("case")["raster"].agg(lambda n: ", ".join(sorted(set(n))))
    return names.astype(object).reindex(cases).fillna("").to_numpy(dtype=object)


def _cases(detections, removals):
    """Vectorised case machine over the Spartina findings and removals of all
    areas at once. Returns one row per case (status open or re_cleared); see
    :func:`_verify` for the inspections."""
    tokens = pd.concat(
        [detections.assign(spartina=True), removals.assign(spartina=False, removed=True)],
        ignore_index=True,
    ).sort_values(
        ["area", "time", "key", "spartina"], ascending=[True, True, True, False], kind="stable"
    )
    # Removals before an area's first Spartina finding belong to no case.
    seen = tokens.groupby("area")["spartina"].cummax()
    tokens = tokens[seen.to_numpy()].reset_index(drop=True)
    previous_removed = tokens.groupby("area")["removed"].shift(1, fill_value=True).astype(bool)
    first_in_area = ~tokens["area"].duplicated()
    starts = tokens["spartina"] & (first_in_area | previous_removed)
    tokens["case"] = starts.cumsum() - 1
    spotted = tokens[tokens["spartina"]]
    cases = spotted.groupby("case").agg(
        area=("area", "first"),
        first=("time", "min"),
        last=("time", "max"),
        detections=("time", "size"),
        largest=("patch_area_m2", "max"),
    )
    cases["sources"] = _sources(spotted, cases.index.to_numpy())
    cases["rasters"] = _rasters(spotted, cases.index.to_numpy())
    cleared = tokens[tokens["removed"]].groupby("case")["time"].min()
    cases["re_cleared"] = cleared.reindex(cases.index)
    cases["next_start"] = cases.groupby("area")["first"].shift(-1)
    cases["status"] = np.where(cases["re_cleared"].isna(), "open", "re_cleared")
    cases["since"] = cases["re_cleared"].where(cases["re_cleared"].notna(), cases["first"])
    cases["verified"] = pd.Series(pd.NaT, index=cases.index, dtype="datetime64[ns, UTC]")
    return cases


def _verify(cases, inspections, rules):
    """Mark re-cleared cases verified once enough clear inspections on
    different days, the last long enough after the re-clearing, were made
    before the area's next case began."""
    waiting = cases[cases["status"] == "re_cleared"]
    if len(waiting) == 0 or len(inspections) == 0:
        return cases
    joined = inspections.merge(
        waiting[["area", "re_cleared", "next_start"]].reset_index(), on="area"
    )
    later = joined["time"] > joined["re_cleared"]
    before_next = joined["next_start"].isna() | (joined["time"] < joined["next_start"])
    joined = joined[later & before_next].sort_values(["case", "time"])
    joined = joined.drop_duplicates(["case", "day"])  # inspections on one day count once
    joined["count"] = joined.groupby("case").cumcount() + 1
    joined["waited"] = joined["day"] - local_day_numbers(joined["re_cleared"], rules.timezone)
    done = joined[
        (joined["count"] >= rules.verify_inspections) & (joined["waited"] >= rules.verify_days)
    ]
    verified = done.groupby("case")["time"].min()
    cases.loc[verified.index, "verified"] = verified
    cases.loc[verified.index, "status"] = "verified_clear"
    cases.loc[verified.index, "since"] = verified
    return cases


def _near_after_clearance(records, areas, rules):
    """(area, time, day, key) of records within the tolerance of an area, on a
    local day after the area's clearance (new patches have none)."""
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
    record, area, _distance = within_tolerance(records, areas, rules.tolerance_m)
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
    # Tracks are routes walked, not inspections of a plot.
    inspections = inspections[
        ~np.isin(
            shapely.get_type_id(np.asarray(inspections.geometry.values, dtype=object)), (1, 2, 5)
        )
    ]
    detections, outside = detect(surveys, clearance, rules.tolerance_m, rules.timezone)
    patches, membership = cluster_new_infestations(outside, rules.cluster_m, rules.timezone)
    areas = _areas(clearance, detections, patches, sites)
    if as_of is None and (len(surveys) or len(inspections)):
        latest = max(
            t
            for t in (surveys["observed_at"].max(), inspections["observed_at"].max())
            if pd.notna(t)
        )
        as_of = local_dates(pd.Series([latest]), rules.timezone).iloc[0]
    found = _found(detections, outside, membership, areas)
    # Removals and inspections in or near the case areas, after their clearance.
    removal = (
        surveys["finding"].eq("spartina_removed") | surveys["action"].eq("removed")
    ) & ~surveys["finding"].isin(SPARTINA_FINDINGS)
    removals = _near_after_clearance(surveys[removal.to_numpy()], areas, rules)
    removals = removals[["area", "time", "key"]].assign(patrol_type=None, patch_area_m2=np.nan)
    cases = _cases(found.drop(columns=["action"]), removals)
    # Inspections matter only where a case was re-cleared, and only after that:
    # joining just those areas keeps the largest join small.
    waiting = cases[cases["status"] == "re_cleared"]
    if len(waiting) and len(inspections):
        targets = np.sort(waiting["area"].unique().astype(np.int64))
        later = inspections[inspections["observed_at"] > waiting["re_cleared"].min()]
        checks = _near_after_clearance(later, areas.iloc[targets], rules)[["area", "time", "day"]]
        checks["area"] = targets[checks["area"].to_numpy()]
        cases = _verify(cases, checks, rules)
    return LedgerBuild(_ledger_rows(cases, areas, rules, as_of), patches, detections)


def _areas(clearance, detections, patches, sites):
    """What cases can be about: the clearance plots with detections and the new
    patches (placed in the sites), with plot_id, site, township, cleared_on, kind."""
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
    return areas


def _found(detections, outside, membership, areas):
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
        "days_open": "Int64",
    }
    return pd.DataFrame({c: pd.Series(dtype=types[c]) for c in LEDGER_COLUMNS})


def _ledger_rows(cases, areas, rules, as_of):
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
