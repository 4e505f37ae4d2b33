"""A week's plan from the record: rank, list the stops, give them to the teams,
route each team's days (pure: the files are written by :mod:`hailin.surveys.io.routes`)."""

import dataclasses
import datetime

import pandas as pd

from hailin.surveys.frames import Frames
from hailin.surveys.plan.routing import ROUTE_COLUMNS, route_team, week_days
from hailin.surveys.plan.stops import STOP_COLUMNS, assign_teams, candidate_stops
from hailin.surveys.plan.teams import Team
from hailin.surveys.risk.model import RiskModel


@dataclasses.dataclass(frozen=True)
class WeekPlan:
    """The plan of ``week``: the ranking's ``model`` (with its fallback, if any),
    the candidate ``stops`` and the ``routes`` (every team's stops in the
    order walked), ranked as of ``as_of``."""

    week: str
    as_of: datetime.date
    model: RiskModel
    stops: pd.DataFrame
    routes: pd.DataFrame

    def team_km(self, team: str) -> float:
        """The km a team is to walk in the week (each day back to its start)."""
        route = self.routes[self.routes["team"] == team]
        return float(route.drop_duplicates("day")["day_km"].sum())


def plan_week(
    frames: Frames,
    teams: list[Team],
    week: str,
    *,
    as_of: datetime.date | None = None,
    weeks: int = 4,
    share: float = 0.2,
    lang: str = "zh",
    tasks=None,
) -> WeekPlan:
    """The plan of ``week`` (like 2024-W20) for ``teams``: the plots ranked as
    of ``as_of`` (default: the day before the week) for the next ``weeks``
    weeks, the open cases, ``tasks`` (verification tasks, see
    :func:`~hailin.surveys.plan.stops.candidate_stops`) and the top ``share``
    of the ranking, routed team by team.

    Examples
    --------
    >>> from hailin.surveys import Workspace
    >>> import tempfile
    >>> frames = Workspace.create(tempfile.mkdtemp()).frames()
    >>> plan = plan_week(frames, [Team("KW", ("kewan",), (), 5.0)], "2024-W20")
    >>> plan.as_of, len(plan.routes), plan.model.fallback
    (datetime.date(2024, 5, 12), 0, 'too_few_days')
    """
    from hailin.surveys.risk.rank import rank_as_of

    week = week.upper()
    day = as_of or week_days(week)[0] - datetime.timedelta(days=1)
    model, ranked, cut = rank_as_of(frames, day, weeks)
    stops = candidate_stops(ranked, cut, lang, share, tasks)
    owner = assign_teams(stops, teams)
    routes = [route_team(stops[(owner == team.name).to_numpy()], team, week) for team in teams]
    routes = [r for r in routes if len(r)]
    empty = pd.DataFrame(columns=[*STOP_COLUMNS, *ROUTE_COLUMNS])
    plan = pd.concat(routes, ignore_index=True) if routes else empty
    return WeekPlan(week, day, model, stops, plan)
