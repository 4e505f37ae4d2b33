"""The loop closed: what became of each planned stop, and effort planned vs done.

A stop is ``found`` when a Spartina finding of the week lies in or within the
tolerance of its plot (or patch); ``visited`` when any other point record of
the week does; ``missed`` when its day has passed without either; ``planned``
while its day is still to come.
"""

import datetime

import geopandas
import numpy as np
import pandas as pd

from hailin.geo.length import length_m
from hailin.surveys.ledger.cases import point_inspections
from hailin.surveys.ledger.detections import SPARTINA_FINDINGS, within_tolerance
from hailin.surveys.localtime import local_dates

OUTCOMES = ("planned", "visited", "found", "missed")


def _areas(plan: geopandas.GeoDataFrame, frames) -> geopandas.GeoDataFrame:
    """Each stop's plot or patch (its waypoint where the store has neither)."""
    shapes = frames.case_areas().drop_duplicates("plot_id").set_index("plot_id").geometry
    found = shapes.reindex(plan["stop_id"]).to_numpy()
    geometry = np.where(pd.isna(found), plan.geometry.to_numpy(), found)
    return geopandas.GeoDataFrame(plan[["stop_id"]], geometry=list(geometry), crs=4326)


def _week_records(frames, days: list[datetime.date], as_of: datetime.date):
    records = frames.surveys
    local = local_dates(records["observed_at"], frames.timezone).to_numpy()
    return records[(local >= days[0]) & (local <= min(days[-1], as_of))]


def plan_status(plan, frames, days: list[datetime.date], as_of: datetime.date):
    """(stops, effort): each planned stop with its ``outcome`` (see the module),
    and per team the stops planned, visited (found included) and found, the km
    planned and the km of the team's tracks in the week up to ``as_of``.
    ``frames`` must hold every record (``every_record=True``).

    Examples
    --------
    >>> from hailin.surveys import Workspace
    >>> import tempfile, shapely
    >>> frames = Workspace.create(tempfile.mkdtemp()).frames(every_record=True)
    >>> plan = geopandas.GeoDataFrame({"stop_id": ["P1"], "team": ["KW"], "day": ["2024-05-13"],
    ...     "day_km": [2.0]}, geometry=[shapely.Point(120.3, 27.2)], crs=4326)
    >>> days = [datetime.date(2024, 5, 13) + datetime.timedelta(d) for d in range(7)]
    >>> stops, effort = plan_status(plan, frames, days, datetime.date(2024, 5, 20))
    >>> stops["outcome"].tolist(), int(effort.loc["KW", "missed"])
    (['missed'], 1)
    """
    records = _week_records(frames, days, as_of)
    points = point_inspections(records).reset_index(drop=True)
    left, right, _ = within_tolerance(points, _areas(plan, frames), frames.settings.tolerance_m)
    spartina = points["finding"].isin(SPARTINA_FINDINGS).to_numpy()[left]
    visited = np.zeros(len(plan), bool)
    visited[right] = True
    found = np.zeros(len(plan), bool)
    found[right[spartina]] = True
    passed = pd.to_datetime(plan["day"]).dt.date.to_numpy() < as_of
    outcome = np.where(
        found, "found", np.where(visited, "visited", np.where(passed, "missed", "planned"))
    )
    stops = plan.assign(outcome=outcome)
    tracks = records[records["team"].isin(plan["team"].unique())]
    walked = pd.Series(length_m(tracks.geometry.values) / 1000.0, index=tracks.index)
    per_day = stops.drop_duplicates(["team", "day"]).groupby("team")["day_km"].sum()
    counts = pd.crosstab(stops["team"], stops["outcome"]).reindex(
        columns=list(OUTCOMES), fill_value=0
    )
    effort = counts.assign(
        stops=stops.groupby("team").size(),
        km_planned=per_day,
        km_walked=walked.groupby(tracks["team"].to_numpy()).sum().reindex(counts.index).fillna(0.0),
    )
    return stops, effort
