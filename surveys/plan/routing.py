"""Each team's week as routes: which stops on which day, in the order walked.

The prize-collecting vehicle routing of OR-Tools: one vehicle per patrol day,
each day's walk (from the team's start, through its stops and back) within
the day's budget in km, each stop optional with a penalty by its priority, so
the solver visits as much priority as the budgets allow, then walks the least.
Distances are straight lines in metres (a local transverse Mercator): tidal
channels make real walks longer, so a team sets its budget with that in mind.
"""

import datetime

import geopandas
import numpy as np
import pandas as pd
import shapely

from hailin.surveys.errors import PlanError
from hailin.surveys.ledger.detections import local_metric_crs, metric_geometries
from hailin.surveys.plan.teams import Team

# A team's candidates are its highest-priority stops up to this many.
MAX_STOPS = 200
# The solver's time limit per team (it usually ends far sooner: greedy descent).
SECONDS = 10
ROUTE_COLUMNS = ["team", "day", "order", "leg_km", "walked_km", "day_km"]


def week_days(week: str) -> list[datetime.date]:
    """The seven days of an ISO week written like 2024-W20.

    Examples
    --------
    >>> week_days("2024-W20")[0], week_days("2024-W20")[-1]
    (datetime.date(2024, 5, 13), datetime.date(2024, 5, 19))
    """
    try:
        year, number = week.upper().split("-W")
        return [datetime.date.fromisocalendar(int(year), int(number), d) for d in range(1, 8)]
    except ValueError:
        raise PlanError(f"week should be written like 2024-W20, got {week!r}") from None


def _metric(stops: pd.DataFrame, start) -> np.ndarray:
    """x, y in metres of the start (first row) and the stops."""
    lon = np.concatenate([[start[0]], stops["lon"].to_numpy(dtype=float)])
    lat = np.concatenate([[start[1]], stops["lat"].to_numpy(dtype=float)])
    points = geopandas.GeoSeries(shapely.points(lon, lat), crs=4326)
    metric = metric_geometries(points, local_metric_crs(geopandas.GeoDataFrame(geometry=points)))
    return np.column_stack([shapely.get_x(metric), shapely.get_y(metric)])


def _solve(
    matrix: np.ndarray, penalties: list[int], days: int, budget_m: int, seconds: int, guided: bool
):
    """The routes (lists of node numbers, 0 the start) of each day."""
    try:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2
    except ImportError:
        raise PlanError("routes need OR-Tools: pip install 'hailin[risk]'") from None

    manager = pywrapcp.RoutingIndexManager(len(matrix), days, 0)
    routing = pywrapcp.RoutingModel(manager)
    transit = routing.RegisterTransitMatrix(matrix.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    routing.AddDimension(transit, 0, budget_m, True, "walk")
    for node, penalty in enumerate(penalties, start=1):
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty)
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    search = routing_enums_pb2.LocalSearchMetaheuristic
    # Greedy descent ends at its local optimum (the same plan every run); guided local
    # search runs to the time limit (bench/bench_risk.py measures what it gains).
    parameters.local_search_metaheuristic = (
        search.GUIDED_LOCAL_SEARCH if guided else search.GREEDY_DESCENT
    )
    parameters.time_limit.FromSeconds(seconds)
    solution = routing.SolveWithParameters(parameters)
    if solution is None:
        return [[] for _ in range(days)]
    routes = []
    for vehicle in range(days):
        index, route = routing.Start(vehicle), []
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node:
                route.append(node)
            index = solution.Value(routing.NextVar(index))
        routes.append(route)
    return routes


def route_team(
    stops: pd.DataFrame, team: Team, week: str, seconds: int = SECONDS, *, guided: bool = False
) -> pd.DataFrame:
    """The team's stops of the week in the order walked: the stop columns with
    team, day (ISO date), order (1, 2 … within the day), leg_km (from the
    previous stop or the start), walked_km (so far that day) and day_km (the
    day's whole walk, back to the start included). Stops that fit no day's
    budget are left out. With ``guided`` the solver searches on (guided local
    search) until ``seconds`` have passed.

    Examples
    --------
    >>> stops = pd.DataFrame({"stop_id": ["A", "B"], "priority": [2.0, 1.0],
    ...     "lon": [120.320, 120.330], "lat": [27.26, 27.26]})
    >>> team = Team("KW", ("kewan",), (), budget_km=1.5, days=(1,), start=(120.321, 27.26))
    >>> route_team(stops, team, "2024-W20")[["stop_id", "day", "order"]].values.tolist()
    [['A', '2024-05-13', 1]]
    """
    days = [d for d in week_days(week) if d.isoweekday() in team.days]
    stops = stops.sort_values("priority", ascending=False, kind="stable").head(MAX_STOPS)
    if stops.empty:
        return stops.assign(**{c: [] for c in ROUTE_COLUMNS})
    start = team.start or (float(stops["lon"].mean()), float(stops["lat"].mean()))
    xy = _metric(stops, start)
    matrix = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    budget_m = int(team.budget_km * 1000)
    # Skipping a stop costs more than any walk a day can hold: priority first, then distance.
    scale = 4 * budget_m
    penalties = [int(p * scale) for p in stops["priority"]]
    routes = _solve(matrix.astype(np.int64), penalties, len(days), budget_m, seconds, guided)
    rows = []
    for day, route in zip(days, routes, strict=True):
        walked, previous = 0.0, 0
        for order, node in enumerate(route, start=1):
            leg = matrix[previous, node] / 1000.0
            walked += leg
            previous = node
            rows.append([node - 1, team.name, day.isoformat(), order, leg, walked, 0.0])
        for row in rows[len(rows) - len(route) :]:
            row[-1] = walked + matrix[previous, 0] / 1000.0  # the walk back to the start
    if not rows:
        return stops.iloc[0:0].assign(**{c: [] for c in ROUTE_COLUMNS})
    at, *columns = zip(*rows, strict=True)
    planned = stops.iloc[list(at)].reset_index(drop=True)
    return planned.assign(**dict(zip(ROUTE_COLUMNS, columns, strict=True)))
