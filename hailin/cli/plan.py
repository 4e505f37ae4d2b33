"""hailin plan --week 2024-W20 [--teams FILE|settings] · hailin plan status --week 2024-W20"""

import datetime
import os

import click

from hailin.cli.common import emit_json, workspace_command
from hailin.cli.risk import as_of_option, weeks_option
from hailin.cli.risk_words import COLUMNS, say
from hailin.surveys.io.written import removed_on_failure

folder_option = click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    help="The plan's folder (default: out/plans/WEEK in the workspace).",
)
week_option = click.option("--week", required=True, help="The ISO week, like 2024-W20.")
_LIST_COLUMNS = [
    "day",
    "order",
    "stop_id",
    "kind",
    "risk",
    "reason",
    "lon",
    "lat",
    "leg_km",
    "walked_km",
]


def plan_folder(ws, week: str, output=None) -> str:
    """Where a week's plan is written: -o DIR, else out/plans/WEEK in the workspace."""
    from hailin.surveys.io.routes import week_folder

    return output or week_folder(ws.paths.out, week)


def plan_teams(ws, choice):
    """The teams of --teams: a file, ``settings`` ([[plan.team]] in hailin.toml),
    or by default the workspace's teams.toml, else hailin.toml's teams."""
    from hailin.surveys.errors import PlanError
    from hailin.surveys.plan import read_teams
    from hailin.surveys.plan.teams import TEAMS_FILE

    default = os.path.join(ws.root, TEAMS_FILE)
    if choice is None and not os.path.exists(default) and not ws.settings.plan_teams:
        raise PlanError(
            f"no teams: write {TEAMS_FILE} in the workspace, or [[plan.team]] tables in "
            "hailin.toml (see the planners' guide)"
        )
    if choice is None and os.path.exists(default):
        choice = default
    if choice is not None and choice != "settings":
        return read_teams(choice)
    if not ws.settings.plan_teams:
        raise PlanError("hailin.toml names no teams: add [[plan.team]] tables (see the guide)")
    return list(ws.settings.plan_teams)


def _write_team(route, team, folder, lang) -> list[str]:
    from hailin.surveys.io.routes import file_stem, write_gpx, write_kml, write_list
    from hailin.surveys.schema import word

    shown = route.assign(kind=route["kind"].map(lambda k: word("plan_stop", k, lang)))
    labels = {"risk": say("risk", lang), "sep": "；" if lang == "zh" else "; "}
    stem = os.path.join(folder, file_stem(team.name))
    write_gpx(shown, f"{stem}.gpx", labels)
    write_kml(shown, f"{stem}.kml", team.name, labels)
    headers = dict(zip(_LIST_COLUMNS, COLUMNS[lang], strict=True))
    write_list(shown, f"{stem}.xlsx", headers, file_stem(team.name)[:31])
    return [f"{stem}.gpx", f"{stem}.kml", f"{stem}.xlsx"]


def _write_map(ws, folder, lang) -> str:
    """The clearance map with the plan's next inspections, beside the plan."""
    from hailin.maps.output import save_map
    from hailin.maps.programme import clearance_map
    from hailin.surveys.io.routes import read_plan

    path = os.path.join(folder, "map.html")
    stops = read_plan(folder, os.path.basename(folder))
    save_map(clearance_map(ws.map_data(), lang, plan=stops), path)
    return path


@workspace_command(click.group("plan", invoke_without_command=True))
@click.option("--week", help="The ISO week to plan, like 2024-W20.")
@click.option(
    "--teams",
    "teams_file",
    type=click.Path(dir_okay=False),
    help="The teams file (TOML), or 'settings' for [[plan.team]] in hailin.toml "
    "(default: teams.toml in the workspace, else hailin.toml's teams).",
)
@as_of_option("Rank as of this day (default: the day before the week).")
@weeks_option
@click.option(
    "--share",
    type=click.FloatRange(0.01, 1.0),
    default=0.2,
    show_default=True,
    help="The share of the ranking (highest risk first) offered to the teams.",
)
@folder_option
def plan_group(ws, as_json, week, teams_file, as_of, weeks, share, output):
    """Plan a week of inspections: the open cases and the highest-risk plots,
    given to the team whose area holds them within a day's walk, each day as
    a route; writes each team's GPX, KML and XLSX and the plan (plan.gpkg)."""
    if click.get_current_context().invoked_subcommand is not None:
        return
    if not week:
        raise click.UsageError("name the week: --week 2024-W20")
    from hailin.surveys.io.routes import write_plan
    from hailin.surveys.plan.week import plan_week

    lang = ws.settings.language
    teams = plan_teams(ws, teams_file)
    day = as_of.date() if as_of else None
    made = plan_week(ws.frames(), teams, week, as_of=day, weeks=weeks, share=share, lang=lang)
    folder = plan_folder(ws, week, output)
    files, summary = [], []
    with removed_on_failure(folder):  # a full disk leaves no half plan's files
        os.makedirs(folder, exist_ok=True)
        for team in teams:
            route = made.routes[made.routes["team"] == team.name]
            files += _write_team(route, team, folder, lang) if len(route) else []
            summary.append(
                {
                    "team": team.name,
                    "days": len(team.days),
                    "stops": len(route),
                    "km": made.team_km(team.name),
                    "budget_km": team.budget_km,
                }
            )
        plan = made.routes.assign(week=made.week, as_of=made.as_of.isoformat())
        files.append(write_plan(plan, folder))
        files.append(_write_map(ws, folder, lang))
    model, left = made.model, len(made.stops) - len(plan)
    payload = {
        "week": made.week,
        "as_of": made.as_of.isoformat(),
        "ranking": model.method,
        "fallback": model.fallback,
        "teams": summary,
        "stops": len(plan),
        "left_out": left,
        "folder": folder,
        "files": files,
    }
    if as_json:
        emit_json(payload)
        return
    if model.fallback is not None:
        from hailin.cli.risk import how_ranked

        click.echo(how_ranked(model, lang))
    click.echo(
        say(
            "plan_written",
            lang,
            week=week.upper(),
            teams=len(teams),
            stops=len(plan),
            km=sum(s["km"] for s in summary),
            folder=folder,
        )
    )
    for line in summary:
        click.echo(say("plan_team", lang, **line))
    if left:
        click.echo(say("plan_left", lang, count=left))


@workspace_command(plan_group.command("status"))
@week_option
@as_of_option("Match the records up to this day (default: today).")
@folder_option
def status_command(ws, as_json, week, as_of, output):
    """Match the week's inspections back to its plan: each stop planned,
    visited, found (Spartina) or missed; per team stops and km planned vs done."""
    from hailin.surveys.io.routes import read_plan
    from hailin.surveys.plan import plan_status, week_days
    from hailin.surveys.plan.status import OUTCOMES
    from hailin.surveys.schema import word

    lang = ws.settings.language
    days = week_days(week)
    day = as_of.date() if as_of else datetime.date.today()
    plan = read_plan(plan_folder(ws, week, output), week.upper())
    stops, effort = plan_status(plan, ws.frames(every_record=True), days, day)
    teams = [
        {"team": team, **{k: (round(float(v), 3) if "km" in k else int(v)) for k, v in row.items()}}
        for team, row in effort.to_dict("index").items()
    ]
    if as_json:
        rows = stops[["team", "day", "order", "stop_id", "kind", "outcome"]].to_dict("records")
        emit_json({"week": week.upper(), "as_of": day.isoformat(), "teams": teams, "stops": rows})
        return
    click.echo(say("status", lang, week=week.upper(), as_of=day))
    for line in teams:
        counts = ("，" if lang == "zh" else ", ").join(
            f"{word('plan_outcome', o, lang)} {line[o]}" for o in OUTCOMES
        )
        click.echo(say("outcomes", lang, team=line["team"]) + counts)
        click.echo(
            say(
                "effort",
                lang,
                team=line["team"],
                planned=line["stops"],
                km_planned=line["km_planned"],
                visited=line["visited"] + line["found"],
                km_walked=line["km_walked"],
            )
        )
