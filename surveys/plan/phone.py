"""The plan as a patrol phone's field form shows it: this week's stops of the
account's teams, in the order walked, as plain rows (kept on the phone with
the form's vocabulary, so the list is there offline)."""

import datetime
import math
import os

import pandas as pd

# A week's walks hold far fewer; the phone keeps the list with its settings.
MAX_PHONE_STOPS = 500
PHONE_COLUMNS = ["team", "day", "order", "stop_id", "kind", "reason", "risk"]


def iso_week(day: datetime.date) -> str:
    """The ISO week of ``day`` written as `hailin plan --week` takes it.

    Examples
    --------
    >>> iso_week(datetime.date(2024, 9, 3)), iso_week(datetime.date(2025, 1, 1))
    ('2024-W36', '2025-W01')
    """
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def phone_stops(plan: pd.DataFrame, teams: list[str] | None) -> list[dict]:
    """The stops of ``plan`` for ``teams`` (None: every team) by team, day and
    order, at most :data:`MAX_PHONE_STOPS`; risk rounded to 2 places, None for
    stops not ranked (open cases, tasks).

    Examples
    --------
    >>> plan = pd.DataFrame({"team": ["A", "B", "A"], "day": ["2024-09-02"] * 3,
    ...     "order": [2, 1, 1], "stop_id": ["p2", "q1", "p1"], "kind": ["risk", "risk", "open_case"],
    ...     "reason": ["r2", "q", "r1"], "risk": [0.4321, 0.2, float("nan")]})
    >>> [(s["stop_id"], s["risk"]) for s in phone_stops(plan, ["A"])]
    [('p1', None), ('p2', 0.43)]
    """
    rows = plan if teams is None else plan[plan["team"].isin(teams)]
    rows = rows.sort_values(["team", "day", "order"], kind="stable").head(MAX_PHONE_STOPS)
    stops = []
    for row in rows[PHONE_COLUMNS].itertuples(index=False):
        risk = float(row.risk) if pd.notna(row.risk) else math.nan
        stops.append(
            {
                "team": str(row.team),
                "day": str(row.day),
                "order": int(row.order),
                "stop_id": str(row.stop_id),
                "kind": str(row.kind),
                "reason": "" if pd.isna(row.reason) else str(row.reason),
                "risk": None if math.isnan(risk) else round(risk, 2),
            }
        )
    return stops


def week_stops(out, teams: list[str] | None, day: datetime.date) -> dict:
    """The week of ``day`` and its planned stops for ``teams``, read from the
    plan under ``out`` (out/plans/WEEK/plan.gpkg); no stops when there is no
    plan, a :class:`~hailin.surveys.errors.PlanError` when it cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> week_stops(tempfile.mkdtemp(), ["A"], datetime.date(2024, 9, 3))
    {'week': '2024-W36', 'stops': []}
    """
    from hailin.surveys.io.routes import PLAN_FILE, read_plan, week_folder

    week = iso_week(day)
    folder = week_folder(out, week)
    if not os.path.exists(os.path.join(folder, PLAN_FILE)):
        return {"week": week, "stops": []}
    return {"week": week, "stops": phone_stops(read_plan(folder, week), teams)}
