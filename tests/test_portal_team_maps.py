"""A patrol account's maps (issue 21): other teams' records are on them, without
their notes and observers; the team's own records keep theirs. Drawn by the
portal's one map writer (write_maps) on a small workspace."""

import pathlib
import shutil

import pytest

from hailin.surveys import Workspace
from hailin.web.portal.mapfiles import map_file, team_variant, write_maps
from tests.portal import csv_bytes

HEADER = "时间,经度,纬度,发现,巡查类型,备注,巡查人"
RECORDS = (
    ("前岐镇", "2024-09-01 09:00", 120.3311, "QIANQI-NOTE-堤内", "林巡查"),
    ("店下镇", "2024-09-01 09:30", 120.3315, "DIANXIA-NOTE-堤外", "陈巡查"),
)


@pytest.mark.slow
def test_a_patrol_teams_maps_leave_out_other_teams_notes(portal_template, tmp_path):
    shutil.copytree(portal_template, tmp_path / "ws", ignore=shutil.ignore_patterns("web"))
    ws = Workspace(tmp_path / "ws")
    for team, when, lon, note, who in RECORDS:
        path = tmp_path / f"{team}.csv"
        path.write_bytes(csv_bytes([(when, lon, 27.2611, "复萌", "乡镇巡查", note, who)], HEADER))
        assert ws.import_file(path, team=team).rows_accepted == 1
    folder = tmp_path / "maps"
    write_maps(ws, folder, langs=("zh",), team_sets=[("前岐镇",)])
    everything = pathlib.Path(map_file(folder, "clearance", "zh")).read_text("utf-8")
    variant = team_variant(["前岐镇"])
    own = pathlib.Path(map_file(folder, "clearance", "zh", variant)).read_text("utf-8")
    for text in ("QIANQI-NOTE-堤内", "DIANXIA-NOTE-堤外", "林巡查", "陈巡查"):
        assert text in everything
    assert "QIANQI-NOTE-堤内" in own and "林巡查" in own
    assert "DIANXIA-NOTE-堤外" not in own and "陈巡查" not in own
    # The other team's record is still on the map, with its team named.
    assert own.count("店下镇") == everything.count("店下镇") > 0
