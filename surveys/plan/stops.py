"""What a week's plan may visit, and which team's area each stop lies in.

Stops are the open cases to re-check (recurrence in a cleared plot, new
patches), verification tasks when given, and the highest-risk plots of the
ranking. Each has a priority: open cases first, then tasks, then plots by
their place in the ranking.
"""

import numpy as np
import pandas as pd
import shapely

from hailin.surveys.plan.teams import Team
from hailin.surveys.risk.reasons import reason_texts
from hailin.surveys.schema import word

STOP_COLUMNS = ["stop_id", "kind", "priority", "risk", "reason", "site", "township", "lon", "lat"]
# Priorities: an open case outranks a verification task, which outranks any ranked plot (1-2).
OPEN_CASE, TASK = 3.0, 2.5


def _open_cases(frames, lang: str) -> pd.DataFrame:
    """The open cases of ``frames`` (as of the plan) at their plot or patch."""
    ledger = frames.ledger
    open_ = ledger[ledger["status"] == "open"]
    if open_.empty:
        return pd.DataFrame(columns=STOP_COLUMNS)
    areas = frames.case_areas().drop_duplicates("plot_id").set_index("plot_id").geometry
    points = shapely.point_on_surface(
        np.asarray(areas.reindex(open_["plot_id"]).values, dtype=object)
    )
    since = open_["first_detected"].dt.strftime("%Y-%m-%d").to_numpy()
    kinds = open_["kind"].map({"recurrence": "open_case"}).fillna("new_patch").to_numpy()
    since_word = word("status", "open", lang)
    return pd.DataFrame(
        {
            "stop_id": open_["plot_id"].to_numpy(),
            "kind": kinds,
            "priority": OPEN_CASE,
            "risk": np.nan,
            "reason": [f"{since_word} {day}" for day in since],
            "site": open_["site"].to_numpy(),
            "township": open_["township"].to_numpy(),
            "lon": shapely.get_x(points),
            "lat": shapely.get_y(points),
        }
    )


def _tasks(tasks) -> pd.DataFrame:
    """Verification tasks (task_id, reason, site, township, geometry) as stops."""
    if tasks is None or len(tasks) == 0:
        return pd.DataFrame(columns=STOP_COLUMNS)
    points = shapely.point_on_surface(np.asarray(tasks.geometry.values, dtype=object))
    return pd.DataFrame(
        {
            "stop_id": tasks["task_id"].to_numpy(),
            "kind": "task",
            "priority": TASK,
            "risk": np.nan,
            "reason": tasks["reason"].to_numpy(),
            "site": tasks["site"].to_numpy(),
            "township": tasks["township"].to_numpy(),
            "lon": shapely.get_x(points),
            "lat": shapely.get_y(points),
        }
    )


def candidate_stops(ranked, frames, lang: str, share: float = 0.2, tasks=None) -> pd.DataFrame:
    """The stops a plan may visit: open cases, ``tasks`` (verification tasks,
    a GeoDataFrame of task_id, reason, site, township, geometry; none yet) and
    the top ``share`` of ``ranked`` (a ranking with site, township, lon, lat).
    A plot is a stop once, with its highest priority.

    Examples
    --------
    >>> from hailin.surveys import Workspace
    >>> import tempfile
    >>> frames = Workspace.create(tempfile.mkdtemp()).frames()
    >>> ranked = pd.DataFrame(columns=["plot_id", "rank", "risk", "reasons", "site", "township", "lon", "lat"])
    >>> candidate_stops(ranked, frames, "zh").columns.tolist() == STOP_COLUMNS
    True
    """
    top = ranked.head(max(1, round(share * len(ranked)))) if len(ranked) else ranked
    n = max(1, len(ranked))
    plots = pd.DataFrame(
        {
            "stop_id": top["plot_id"].to_numpy(),
            "kind": "risk",
            "priority": 1.0 + (n - top["rank"].to_numpy(dtype=float) + 1) / n,
            "risk": top["risk"].to_numpy(dtype=float),
            "reason": [
                ("；" if lang == "zh" else "; ").join(reason_texts(row, lang))
                for row in top.to_dict("records")
            ],
            "site": top["site"].to_numpy(),
            "township": top["township"].to_numpy(),
            "lon": top["lon"].to_numpy(dtype=float),
            "lat": top["lat"].to_numpy(dtype=float),
        }
    )
    parts = [p for p in (_open_cases(frames, lang), _tasks(tasks), plots) if len(p)]
    if not parts:
        return pd.DataFrame(columns=STOP_COLUMNS)
    stops = pd.concat(parts, ignore_index=True).sort_values("priority", ascending=False)
    return stops.drop_duplicates("stop_id").reset_index(drop=True)[STOP_COLUMNS]


def assign_teams(stops: pd.DataFrame, teams: list[Team]) -> pd.Series:
    """The team of each stop: the first team (in the file's order) whose area
    holds its site or township; None where no team's does.

    Examples
    --------
    >>> team = Team("KW", ("kewan",), (), 5.0)
    >>> stops = pd.DataFrame({"site": ["kewan", "luochun"], "township": ["前岐镇", "佳阳畲族乡"]})
    >>> assign_teams(stops, [team]).tolist()
    ['KW', None]
    """
    chosen = pd.Series([None] * len(stops), index=stops.index, dtype=object)
    for team in reversed(teams):
        inside = stops["site"].isin(team.sites) | stops["township"].isin(team.townships)
        chosen[inside.to_numpy()] = team.name
    return chosen
