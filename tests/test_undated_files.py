"""Files whose rows carry no time (奥维/两步路 waypoint exports): imported with
--observed-on DATE or --date-from-name, each row dated that day at noon local
time with a note; rows that carry a time keep it."""

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.surveys.check.undated import date_in_name
from hailin.surveys.workspace import Workspace

# Placemarks as Ovital (奥维互动地图) exports them: a name, a point, no time.
OVITAL_KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>奥维互动地图</name>
<Folder><name>柯湾巡查</name>
<Placemark><name>复萌3处已处理2处</name><Point><coordinates>120.3303,27.2603,0</coordinates></Point></Placemark>
<Placemark><name>未見復萌</name><Point><coordinates>120.3313,27.2613,0</coordinates></Point></Placemark>
<Placemark><name>疑似复萌待核实</name><Point><coordinates>120.3323,27.2623,0</coordinates></Point></Placemark>
<Placemark><name>WP2</name><Point><coordinates>120.3333,27.2633,0</coordinates></Point></Placemark>
</Folder></Document></kml>
"""


@pytest.fixture
def hailin(tmp_path):
    Workspace.create(tmp_path / "ws")
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, ["-w", str(tmp_path / "ws"), *map(str, args)])

    return invoke


def _kml(folder, name="waypoints.kml"):
    path = folder / name
    path.write_text(OVITAL_KML, encoding="utf-8")
    return path


def _stored(tmp_path):
    records = Workspace(tmp_path / "ws").surveys().sort_values("source_row")
    return [
        (r.observed_at.isoformat(), r.finding, r.action, None if pd.isna(r.notes) else r.notes)
        for r in records.itertuples()
    ]


EXPECTED = [
    (
        "2024-05-03T12:00:00+08:00",
        "spartina_regrowth",
        "partly_removed",
        "复萌3处已处理2处；剩余未清除：1处",
    ),
    ("2024-05-03T12:00:00+08:00", "clear", "none", None),
    ("2024-05-03T12:00:00+08:00", "spartina_suspected", "none", None),
]


def test_an_ovital_kml_without_times_imports_with_observed_on(tmp_path, hailin):
    path = _kml(tmp_path)
    refused = hailin("import", path, "--patrol-type", "乡镇巡查")
    assert refused.exit_code == 4
    assert "没有时间的文件请指定巡查日期（--observed-on）" in refused.output  # a zh workspace
    result = hailin("import", path, "--patrol-type", "乡镇巡查", "--observed-on", "2024-05-03")
    assert result.exit_code == 3, result.output
    assert (
        "没有日期时间列：每一行都记为当地时间 2024-05-03 12:00:00（--observed-on）" in result.output
    )
    assert "第 4 行，列 'name'：没有发现：'WP2' 不是表示发现的词" in result.output
    assert _stored(tmp_path) == EXPECTED


def test_the_date_in_the_file_name(tmp_path, hailin):
    path = _kml(tmp_path, "巡查_2024-05-03.kml")
    result = hailin("import", path, "--patrol-type", "乡镇巡查", "--date-from-name", "--json")
    summary = json.loads(result.output)
    assert (summary["status"], summary["rows_accepted"]) == ("partial", 3)
    assert summary["warnings"][-1]["message"] == (
        "no date/time column: every row dated 2024-05-03 12:00:00 local time "
        "(the date in the file name)"
    )
    assert _stored(tmp_path) == EXPECTED


def test_rows_with_times_keep_them(tmp_path, hailin):
    path = tmp_path / "patrol.csv"
    path.write_text(
        "时间,经度,纬度,巡查类型,发现\n"
        "2024-05-02 08:30,120.3303,27.2603,乡镇巡查,复萌\n"
        ",120.3313,27.2613,乡镇巡查,未见复萌\n",
        encoding="utf-8",
    )
    result = hailin("import", path, "--observed-on", "2024-05-03")
    assert result.exit_code == 0, result.output
    assert "1 行没有时间，按当地时间 2024-05-03 12:00:00 记" in result.output
    times = [t for t, *_ in _stored(tmp_path)]
    assert times == ["2024-05-02T08:30:00+08:00", "2024-05-03T12:00:00+08:00"]


def test_a_bad_day_is_refused_before_reading(tmp_path, hailin):
    path = _kml(tmp_path)
    result = hailin("import", path, "--observed-on", "2024-13-01")
    assert result.exit_code == 2
    assert "2024-13-01" in result.output


@pytest.mark.parametrize(
    ("path", "day"),
    [
        ("巡查_2024-05-03.kml", "2024-05-03"),
        ("patrol_20240503.gpx", "2024-05-03"),
        ("2024年5月3日/航点.kml", "2024-05-03"),
        ("exports/2024.05.03/wp.geojson", "2024-05-03"),
        ("巡查_2024-02-30.kml", None),  # no such day
        ("WP_0012345.kml", None),
    ],
)
def test_dates_in_names(path, day):
    found = date_in_name(path)
    assert (found.isoformat() if found else None) == day


def test_times_stored_at_noon_local_in_the_workspace_zone(tmp_path):
    ws = Workspace.create(tmp_path / "ws")  # Asia/Shanghai: noon is 04:00 UTC
    path = _kml(tmp_path)
    summary = ws.import_file(path, patrol_type="乡镇巡查", observed_on="2024-05-03")
    assert summary.rows_accepted == 3
    stored = ws.surveys()["observed_at"]
    assert (stored == pd.Timestamp("2024-05-03T04:00Z")).all()
