"""Next week's inspections: stops for each team within its area and a day's
walk, ordered as routes (OR-Tools), and the plan matched back to what the
patrols did.

:func:`parse_teams` / :func:`read_teams` read the teams; :func:`candidate_stops`
lists open cases, verification tasks and the highest-risk plots;
:func:`assign_teams` gives each to the team whose area holds it;
:func:`route_team` orders a team's week; :func:`plan_week` does it all for a
week; :func:`plan_status` says what became
of each planned stop.
"""

from typing import TYPE_CHECKING

from hailin.geo.lazy import lazy_exports

if TYPE_CHECKING:
    from hailin.surveys.plan.routing import route_team, week_days
    from hailin.surveys.plan.status import plan_status
    from hailin.surveys.plan.stops import assign_teams, candidate_stops
    from hailin.surveys.plan.teams import Team, parse_teams, read_teams
    from hailin.surveys.plan.week import WeekPlan, plan_week

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "hailin.surveys.plan.routing": ["route_team", "week_days"],
        "hailin.surveys.plan.status": ["plan_status"],
        "hailin.surveys.plan.stops": ["assign_teams", "candidate_stops"],
        "hailin.surveys.plan.teams": ["Team", "parse_teams", "read_teams"],
        "hailin.surveys.plan.week": ["WeekPlan", "plan_week"],
    },
)

__all__ = [
    "Team",
    "WeekPlan",
    "assign_teams",
    "candidate_stops",
    "parse_teams",
    "plan_status",
    "plan_week",
    "read_teams",
    "route_team",
    "week_days",
]
