"""Patrol plans: stops within each team's area and a day's walk, routes as
GPX/KML/XLSX in the order walked, and the plan matched back to the week's records."""

import datetime
import json
import os
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.surveys.errors import PlanError, SettingsError
from hailin.surveys.io.routes import write_gpx, write_list
from hailin.surveys.plan import Team, parse_teams, route_team, week_days
from hailin.surveys.plan.phone import week_stops
from hailin.surveys.settings import parse_settings
from tests.risk_workspace import build, generated

WEEK = "2024-W36"
TEAMS = """
[[team]]
name = "前岐镇"
sites = ["kewan"]
budget_km = 2.0
days = [1, 3]
start = [120.3305, 27.2655]

[[team]]
name = "店下镇"
townships = ["店下镇"]
budget_km = 3
"""


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """The generated workspace, its teams file and the plan of WEEK (JSON summary)."""
    root = tmp_path_factory.mktemp("plan")
    ws = build(root / "ws")
    teams = root / "teams.toml"
    teams.write_text(TEAMS, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["-w", ws.root, "plan", "--week", WEEK, "--teams", str(teams), "--json"]
    )
    assert result.exit_code == 0, result.output
    return ws, json.loads(result.output)


def plan_frame(ws):
    return pyogrio.read_dataframe(os.path.join(ws.root, "out", "plans", WEEK, "plan.gpkg"))


def test_plans_respect_team_areas_and_walking_budgets(planned):
    ws, summary = planned
    plan = plan_frame(ws)
    assert summary["stops"] == len(plan) > 10
    east, west = plan[plan["team"] == "前岐镇"], plan[plan["team"] == "店下镇"]
    assert set(east["site"]) == {"kewan"} and set(west["township"]) == {"店下镇"}
    # Days the teams patrol, each day's walk (back to the start) within its budget.
    assert set(east["day"]) <= {"2024-09-02", "2024-09-04"}
    assert east.groupby("day")["day_km"].first().max() <= 2.0 + 1e-3
    assert west.groupby("day")["day_km"].first().max() <= 3.0 + 1e-3
    # Order is 1, 2, … each day, and walked_km adds the legs up.
    for _, day in plan.groupby(["team", "day"]):
        assert day["order"].tolist() == list(range(1, len(day) + 1))
        assert np.allclose(day["walked_km"], day["leg_km"].cumsum())
    # The open case (KE-001, regrowth left in place) is re-checked first of all.
    case = plan[plan["stop_id"] == "KE-001"]
    assert case["kind"].tolist() == ["open_case"] and case["team"].tolist() == ["前岐镇"]


def test_routes_read_back_in_the_order_walked(planned):
    ws, _ = planned
    plan = plan_frame(ws)
    east = plan[plan["team"] == "前岐镇"].sort_values(["day", "order"])
    expected = [
        f"{d[5:]} {o:02d} {s}"
        for d, o, s in zip(east["day"], east["order"], east["stop_id"], strict=True)
    ]
    folder = os.path.join(ws.root, "out", "plans", WEEK)
    gpx = pyogrio.read_dataframe(os.path.join(folder, "前岐镇.gpx"), layer="waypoints")
    assert gpx["name"].tolist() == expected
    assert gpx["desc"].str.contains("；").all()
    route_points = pyogrio.read_dataframe(os.path.join(folder, "前岐镇.gpx"), layer="route_points")
    assert route_points["name"].tolist() == expected
    kml = os.path.join(folder, "前岐镇.kml")
    names, ids = [], []
    for layer in pyogrio.list_layers(kml)[:, 0]:
        marks = pyogrio.read_dataframe(kml, layer=layer)
        marks = marks[marks.geometry.geom_type == "Point"]
        names += marks["Name"].tolist()
        ids += marks["plot_id"].tolist()
    assert names == expected and ids == east["stop_id"].tolist()
    sheet = openpyxl.load_workbook(os.path.join(folder, "前岐镇.xlsx")).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("日期", "顺序", "编号", "类型")
    assert [r[2] for r in rows[1:]] == east["stop_id"].tolist()


def test_plan_status_after_a_week_of_inspections(planned):
    ws, _ = planned
    plan = plan_frame(ws)
    result = CliRunner().invoke(
        main, ["-w", ws.root, "plan", "status", "--week", WEEK, "--as-of", "2024-09-08", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    # Expected by hand: the generated records lie at each plot's inside point.
    surveys = generated()["surveys"]
    local = surveys["observed_at"].dt.tz_convert("Asia/Shanghai").dt.date
    days = week_days(WEEK)
    week = surveys[(local >= days[0]) & (local <= days[-1])]
    plots = generated()["clearance"]
    where = dict(zip(plots["plot_id"], plots.geometry, strict=True))
    found, visited = set(), set()
    for row in week.itertuples():
        for plot_id in plan["stop_id"]:
            if where[plot_id].contains(row.geometry):
                (found if row.finding == "spartina_regrowth" else visited).add(plot_id)
    outcome = {s["stop_id"]: s["outcome"] for s in payload["stops"]}
    expected = {
        p: "found" if p in found else "visited" if p in visited else "missed" for p in outcome
    }
    assert outcome == expected
    teams = {t["team"]: t for t in payload["teams"]}
    assert sum(t["found"] for t in teams.values()) == len(found) > 0
    assert teams["前岐镇"]["stops"] == (plan["team"] == "前岐镇").sum()
    assert teams["前岐镇"]["planned"] == 0  # the week is over: nothing is still to come
    text = CliRunner().invoke(
        main, ["-w", ws.root, "plan", "status", "--week", WEEK, "--as-of", "2024-09-03"]
    )
    assert "已计划" in text.output and "计划 " in text.output


def test_a_stop_beyond_every_days_walk_is_left_out():
    stops = pd.DataFrame(
        {
            "stop_id": ["near", "far"],
            "priority": [1.0, 3.0],
            "lon": [120.331, 120.40],
            "lat": [27.26, 27.26],
        }
    )
    team = Team("KW", ("kewan",), (), budget_km=1.0, days=(2,), start=(120.330, 27.26))
    route = route_team(stops, team, WEEK)
    assert route["stop_id"].tolist() == ["near"] and route["day"].tolist() == ["2024-09-03"]
    assert route["day_km"].iloc[0] == pytest.approx(2 * 0.0989, abs=0.002)


def test_teams_files_are_checked():
    with pytest.raises(PlanError, match=r"budget_km should be 0\.1 to 60\.0 km"):
        parse_teams(b'[[team]]\nname = "A"\nsites = ["kewan"]\nbudget_km = 500')
    with pytest.raises(PlanError, match="the same once written as file names"):
        parse_teams(
            b'[[team]]\nname = "A/B"\nsites = ["kewan"]\nbudget_km = 5\n'
            b'[[team]]\nname = "a b"\nsites = ["luochun"]\nbudget_km = 5'
        )
    with pytest.raises(PlanError, match="unknown key"):
        parse_teams(b'[[team]]\nname = "A"\nsites = ["kewan"]\nbudget_km = 5\nboat = 1')
    with pytest.raises(PlanError, match="larger than 64 KiB"):
        parse_teams(b"#" * 70_000)
    with pytest.raises(PlanError, match="not a UTF-8 TOML"):
        parse_teams(b"[[team]\n")


def test_plan_refuses_a_bad_week_and_a_missing_teams_file(planned):
    ws, _ = planned
    teams = os.path.join(os.path.dirname(ws.root), "teams.toml")
    bad = CliRunner().invoke(main, ["-w", ws.root, "plan", "--week", "2024-20", "--teams", teams])
    assert bad.exit_code == 4
    assert bad.output == "hailin：错误：周应写作 2024-W20 的形式，收到 '2024-20'\n"
    missing = CliRunner().invoke(main, ["-w", ws.root, "plan", "--week", WEEK])
    assert missing.exit_code == 4
    assert missing.output == (
        "hailin：错误：没有队伍：请在工作区写 teams.toml，或在 hailin.toml 中写 [[plan.team]] 表"
        "（见规划管理人员指南）\n"
    )
    gone = CliRunner().invoke(main, ["-w", ws.root, "plan", "--week", WEEK, "--teams", "x.toml"])
    assert gone.exit_code == 4 and gone.output == "hailin：错误：x.toml：没有这个队伍文件\n"


def test_route_files_keep_hostile_text_as_data(tmp_path):
    route = pd.DataFrame(
        {
            "stop_id": ['=HYPERLINK("x")'],
            "kind": ["risk"],
            "risk": [0.5],
            "reason": ["<script>alert(1)</script> & 1"],
            "day": ["2024-09-02"],
            "order": [1],
            "lon": [120.33],
            "lat": [27.26],
            "leg_km": [0.1],
            "walked_km": [0.1],
        }
    )
    write_gpx(route, tmp_path / "r.gpx", {"risk": "risk", "sep": "; "})
    read = pyogrio.read_dataframe(tmp_path / "r.gpx", layer="waypoints")
    assert read["desc"].tolist() == ["risk; risk 0.50; <script>alert(1)</script> & 1"]
    write_list(route, tmp_path / "r.xlsx", {"stop_id": "id", "reason": "reason"}, "r")
    cells = list(openpyxl.load_workbook(tmp_path / "r.xlsx").active.values)
    assert cells[1] == ('\'=HYPERLINK("x")', "<script>alert(1)</script> & 1")


def test_teams_in_hailin_toml_plan_as_the_teams_file(planned, tmp_path):
    ws, summary = planned
    root = tmp_path / "ws"
    shutil.copytree(ws.root, root, ignore=shutil.ignore_patterns("out"))
    settings = root / "hailin.toml"
    teams = TEAMS.replace("[[team]]", "[[plan.team]]")
    settings.write_text(settings.read_text(encoding="utf-8") + teams, encoding="utf-8")
    # Named (--teams settings), and by default when the workspace has no teams.toml.
    for args in (["--teams", "settings", "-o", str(tmp_path / "named")], []):
        result = CliRunner().invoke(
            main, ["-w", str(root), "plan", "--week", WEEK, *args, "--json"]
        )
        assert result.exit_code == 0, result.output
        again = json.loads(result.output)
        assert again["teams"] == summary["teams"] and again["stops"] == summary["stops"]
    for folder in (tmp_path / "named", root / "out" / "plans" / WEEK):
        plan = pyogrio.read_dataframe(folder / "plan.gpkg")
        columns = ["team", "day", "order", "stop_id", "kind", "reason"]
        assert plan[columns].equals(plan_frame(ws)[columns])


def test_bad_teams_in_hailin_toml_are_refused_naming_the_key_and_range(tmp_path):
    team = '[[plan.team]]\nname = "A"\nsites = ["kewan"]\n'
    with pytest.raises(SettingsError) as refused:
        parse_settings(team + "budget_km = 500")
    assert str(refused.value) == (
        "hailin.toml: plan.team 'A': budget_km should be 0.1 to 60.0 km, got 500"
    )
    with pytest.raises(SettingsError, match="unknown key 'budget'; did you mean 'budget_km'"):
        parse_settings(team + "budget = 5")
    with pytest.raises(SettingsError, match=r"unknown setting 'plan.teams'; did you mean"):
        parse_settings(team.replace("plan.team", "plan.teams") + "budget_km = 5")
    with pytest.raises(SettingsError, match=r"plan.team should be one or more \[\[plan.team\]\]"):
        parse_settings("[plan]\nteam = 3")
    assert parse_settings(team + "budget_km = 5").plan_teams == (Team("A", ("kewan",), (), 5.0),)
    # Through the command: exit 2, the key and its range named; none at all is said too.
    from hailin.surveys import Workspace

    ws = Workspace.create(tmp_path / "ws")
    settings = tmp_path / "ws" / "hailin.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text + team + "budget_km = 0", encoding="utf-8")
    bad = CliRunner().invoke(main, ["-w", ws.root, "plan", "--week", WEEK])
    assert bad.exit_code == 2
    assert "plan.team 'A'：budget_km 应为 0.1 至 60.0 公里，实际为 0" in bad.output
    settings.write_text(text, encoding="utf-8")
    none = CliRunner().invoke(main, ["-w", ws.root, "plan", "--week", WEEK, "--teams", "settings"])
    assert none.exit_code == 4 and "hailin.toml 中没有队伍" in none.output


def test_the_phone_lists_its_teams_stops_of_the_week(planned):
    ws, _ = planned
    plan = plan_frame(ws)
    east = plan[plan["team"] == "前岐镇"].sort_values(["day", "order"])
    shown = week_stops(ws.paths.out, ["前岐镇"], datetime.date(2024, 9, 4))
    assert shown["week"] == WEEK
    assert [(s["day"], s["order"], s["stop_id"]) for s in shown["stops"]] == list(
        zip(east["day"], east["order"], east["stop_id"], strict=True)
    )
    case = next(s for s in shown["stops"] if s["stop_id"] == "KE-001")
    assert case["kind"] == "open_case" and case["risk"] is None and case["reason"]
    assert all(0 <= s["risk"] <= 1 for s in shown["stops"] if s["kind"] == "risk")
    assert week_stops(ws.paths.out, ["巽城"], datetime.date(2024, 9, 4))["stops"] == []
    assert week_stops(ws.paths.out, ["前岐镇"], datetime.date(2024, 9, 9))["stops"] == []
