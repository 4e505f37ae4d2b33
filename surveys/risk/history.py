"""A workspace's history as the risk model reads it, joined in space once.

:func:`frames_as_of` is the workspace's one as-of cut (:meth:`Frames.at`:
records observed and uploaded by then, plots cleared by then; the ledger built
from the cut then holds the cases first found by then). :func:`read_history`
then does every spatial join once — inspections, findings and new patches
against the cleared plots — and keeps each event as (plot, local day number),
so that the features of any day (:mod:`hailin.surveys.risk.features`) are only
filters by day.
"""

import dataclasses
import datetime

import numpy as np
import pandas as pd
import shapely

from hailin.geo.area import area_m2
from hailin.surveys.frames import Frames
from hailin.surveys.ledger.cases import point_inspections
from hailin.surveys.ledger.detections import (
    SPARTINA_FINDINGS,
    local_metric_crs,
    metric_geometries,
    within_tolerance,
)
from hailin.surveys.localtime import local_day_numbers

# Spartina found this near a plot (not in it) counts as its neighbours' regrowth.
NEIGHBOUR_M = (200.0, 500.0)
# New-infestation patches further than this are "far" (the distance is capped here).
PATCH_FAR_M = 2000.0
_EPOCH = datetime.date(1970, 1, 1)


def day_number(day: datetime.date) -> int:
    """Days since 1970-01-01 of a calendar day (the history's day numbers).

    Examples
    --------
    >>> day_number(datetime.date(1970, 1, 31))
    30
    """
    return (day - _EPOCH).days


def frames_as_of(frames: Frames, day: datetime.date) -> Frames:
    """The frames as they stood at the end of local ``day`` (:meth:`Frames.at`,
    the one as-of cut: records observed and uploaded by then, plots cleared by
    then; the ledger of the result holds the cases first found by then, with
    their status on that day).

    Examples
    --------
    >>> from hailin.surveys import Workspace
    >>> import tempfile
    >>> frames = Workspace.create(tempfile.mkdtemp()).frames()
    >>> frames_as_of(frames, datetime.date(2024, 5, 1)).as_of
    datetime.date(2024, 5, 1)
    """
    return frames.at(day)


@dataclasses.dataclass(frozen=True)
class History:
    """The events of a workspace by clearance plot and local day number.

    ``plots`` (indexed by plot_id): cleared (day), method, site, township,
    area_mu, compactness (4πA/P², 1 for a circle), lon, lat. The event tables
    hold plot_id and day: ``inspections`` (clean point inspections within the
    tolerance), ``findings`` (Spartina in the plot after clearance),
    ``imagery`` (those of the digital monitoring), ``re_cleared`` (days a case
    of the plot was re-cleared), ``cases`` (the day each recurrence case was
    first found), ``neighbours`` (Spartina near but not in the plot, with
    distance_m), ``patches`` (new-infestation patches within
    :data:`PATCH_FAR_M`, with the day first found and distance_m).
    """

    plots: pd.DataFrame
    inspections: pd.DataFrame
    findings: pd.DataFrame
    imagery: pd.DataFrame
    re_cleared: pd.DataFrame
    cases: pd.DataFrame
    neighbours: pd.DataFrame
    patches: pd.DataFrame
    last_day: int | None

    @classmethod
    def empty(cls) -> "History":
        """The history of a workspace with no cleared plot yet.

        Examples
        --------
        >>> History.empty().plots.empty
        True
        """
        columns = ["cleared", "method", "site", "township", "area_mu", "compactness", "lon", "lat"]
        plots = pd.DataFrame({c: [] for c in columns}, index=pd.Index([], name="plot_id"))
        events = pd.DataFrame({"plot_id": [], "day": [], "plot": []}).astype({"plot": "int64"})
        near = events.assign(distance_m=np.zeros(0))
        return cls(
            plots, events, events, events, events, events.assign(gap=np.zeros(0)), near, near, None
        )


def _events(plot_ids, days, **extra) -> pd.DataFrame:
    return pd.DataFrame({"plot_id": np.asarray(plot_ids, dtype=object), "day": days, **extra})


def _near(records, plots, metres, tz, crs) -> pd.DataFrame:
    """(plot_id, day, distance_m) of every record within ``metres`` of a plot."""
    if len(records) == 0 or len(plots) == 0:
        return _events([], np.zeros(0, np.int64), distance_m=np.zeros(0))
    left, right, distance = within_tolerance(records, plots, metres, crs)
    days = local_day_numbers(records["observed_at"], tz)[left]
    return _events(plots["plot_id"].to_numpy()[right], days, distance_m=distance)


def _plot_table(clearance) -> pd.DataFrame:
    geometry = np.asarray(clearance.geometry.values, dtype=object)
    crs = local_metric_crs(clearance)
    perimeter = shapely.length(metric_geometries(clearance.geometry, crs))
    area = area_m2(clearance)
    centre = shapely.point_on_surface(geometry)
    with np.errstate(divide="ignore", invalid="ignore"):
        compact = np.where(perimeter > 0, 4 * np.pi * np.asarray(area) / perimeter**2, 0.0)
    return pd.DataFrame(
        {
            "cleared": [day_number(d) for d in clearance["cleared_on"]],
            "method": clearance["method"].fillna("").astype(str).to_numpy(),
            "site": clearance["site"].to_numpy(),
            "township": clearance["township"].to_numpy(),
            "area_mu": clearance["area_mu"].to_numpy(dtype=float),
            "compactness": compact,
            "lon": shapely.get_x(centre),
            "lat": shapely.get_y(centre),
        },
        index=pd.Index(clearance["plot_id"].to_numpy(), name="plot_id"),
    )


def read_history(frames: Frames) -> History:
    """The history of ``frames`` (every spatial join done here, once).

    Examples
    --------
    >>> from hailin.surveys import Workspace
    >>> import tempfile
    >>> read_history(Workspace.create(tempfile.mkdtemp()).frames()).plots.empty
    True
    """
    tz = frames.timezone
    clearance = frames.clearance[frames.clearance["cleared_on"].notna()].reset_index(drop=True)
    crs = local_metric_crs(clearance) if len(clearance) else None
    rules_m = frames.settings.tolerance_m
    detections = frames.detections
    found = _events(detections["plot_id"], local_day_numbers(detections["observed_at"], tz))
    digital = (detections["patrol_type"] == "digital_monitoring").to_numpy()
    ledger = frames.ledger
    ours = ledger[ledger["kind"] == "recurrence"]
    re_cleared = ours[ours["re_cleared_at"].notna()]
    spartina = frames.findings[frames.findings["finding"].isin(SPARTINA_FINDINGS)]
    neighbours = _near(spartina, clearance, max(NEIGHBOUR_M), tz, crs)
    patch_cases = ledger[ledger["kind"] == "new_infestation"]
    first = patch_cases.groupby("plot_id", as_index=False)["first_detected"].min()
    patches = frames.patches.astype({"patch_id": object})
    patches = patches.merge(first, left_on="patch_id", right_on="plot_id")
    patches = patches.rename(columns={"first_detected": "observed_at"})
    every = [t for t in (frames.findings["observed_at"], frames.inspections["observed_at"])]
    times = pd.concat([s for s in every if len(s)]) if any(len(s) for s in every) else None
    plots = _plot_table(clearance)
    position = _positions(plots.index)
    redone = _coded(
        _events(re_cleared["plot_id"], local_day_numbers(re_cleared["re_cleared_at"], tz)),
        position,
    )
    cases = _events(ours["plot_id"], local_day_numbers(ours["first_detected"], tz))
    return History(
        plots=plots,
        inspections=_coded(
            _near(point_inspections(frames.inspections), clearance, rules_m, tz, crs), position
        ),
        findings=_coded(found, position),
        imagery=_coded(found[digital].reset_index(drop=True), position),
        re_cleared=redone,
        cases=_with_gaps(_coded(cases, position), redone, plots),
        neighbours=_coded(
            neighbours[neighbours["distance_m"] > rules_m].reset_index(drop=True), position
        ),
        patches=_coded(_near(patches, clearance, PATCH_FAR_M, tz, crs), position),
        last_day=None if times is None else int(local_day_numbers(times, tz).max()),
    )


def _positions(index: pd.Index) -> pd.Series:
    """{plot_id: row of the plot table} (a repeated id: its first row)."""
    rows = pd.Series(np.arange(len(index)), index=index)
    return rows[~rows.index.duplicated()]


def _coded(events: pd.DataFrame, position: pd.Series) -> pd.DataFrame:
    """``events`` of known plots, with each plot's row in the plot table (``plot``)."""
    rows = events["plot_id"].map(position)
    kept = events[rows.notna().to_numpy()]
    return kept.assign(plot=rows.dropna().astype(np.int64).to_numpy()).reset_index(drop=True)


def _with_gaps(cases: pd.DataFrame, redone: pd.DataFrame, plots: pd.DataFrame) -> pd.DataFrame:
    """``cases`` with ``gap``: days from the plot's last clearance (or
    re-clearance) before the case to the day it was found."""
    if cases.empty:
        return cases.assign(gap=np.zeros(0))
    # Matched by the plot's row, an integer on both sides: plot ids are strings of
    # pandas' str dtype where there are some and object where there are none, and
    # merge_asof refuses keys of two dtypes (a case with no re-clearance yet).
    cases = cases.astype({"day": "int64"}).sort_values("day")
    since = redone.rename(columns={"day": "since"})[["plot", "since"]]
    since = since.astype({"since": "int64", "plot": "int64"}).sort_values("since")
    joined = pd.merge_asof(
        cases, since, left_on="day", right_on="since", by="plot", allow_exact_matches=False
    )
    cleared = plots["cleared"].to_numpy(dtype=float)[joined["plot"].to_numpy()]
    start = np.fmax(cleared, joined["since"].to_numpy(dtype=float))
    return joined.drop(columns="since").assign(gap=joined["day"].to_numpy() - start)
