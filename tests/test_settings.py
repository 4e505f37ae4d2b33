"""hailin.toml is checked on load: a value that would switch a check off, a
misspelt key or an unreadable file is refused naming the key and its range."""

import datetime
import pathlib

import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.surveys.errors import SettingsError
from hailin.surveys.settings import TEMPLATE, parse_settings
from hailin.surveys.workspace import Workspace

RANGES = {
    "tolerance_m": "(allowed: a number, more than 0, up to 1000 metres; got {})",
    "verify_inspections": "(allowed: a whole number, from 1 to 1000; got {})",
    "verify_days": "(allowed: a whole number, from 0 to 3650 days; got {})",
    "clearance_mu": "(allowed: a number, 0 or more mu; got {})",
    "max_distance_km": "(allowed: a number, more than 0, up to 2000 km; got {})",
    "earliest_date": "(allowed: a date like 1990-01-01, from 1900-01-01 to 2200-12-31; got {})",
}
TABLE = {
    "tolerance_m": "recurrence",
    "verify_inspections": "recurrence",
    "verify_days": "recurrence",
    "clearance_mu": "targets",
    "max_distance_km": "import",
    "earliest_date": "import",
}


@pytest.mark.parametrize(
    ("key", "value", "problem", "shown"),
    [
        ("tolerance_m", "nan", "should be a finite number", "nan"),
        ("tolerance_m", "inf", "should be a finite number", "inf"),
        ("tolerance_m", "0", "is too small", "0"),
        ("tolerance_m", "-1", "should not be negative", "-1"),
        ("tolerance_m", "1000.5", "is too large", "1000.5"),
        ("tolerance_m", '"10"', "should be a number", "'10'"),
        ("tolerance_m", "true", "should be a number", "True"),
        ("verify_inspections", "0", "is too small", "0"),
        ("verify_inspections", "2.5", "should be a whole number", "2.5"),
        ("verify_inspections", "-inf", "should be a finite number", "-inf"),
        ("verify_days", "-1", "should not be negative", "-1"),
        ("verify_days", "99999999999999999999", "is too large", "99999999999999999999"),
        ("clearance_mu", "-5", "should not be negative", "-5"),
        ("clearance_mu", "nan", "should be a finite number", "nan"),
        ("max_distance_km", "nan", "should be a finite number", "nan"),
        ("max_distance_km", "0", "is too small", "0"),
        ("max_distance_km", "2001", "is too large", "2001"),
        ("earliest_date", '"soon"', "should be a date", "'soon'"),
        ("earliest_date", "0001-01-01", "is out of range", "0001-01-01"),
        ("earliest_date", "1990-01-01T08:00:00", "should be a date", "1990-01-01 08:00:00"),
    ],
)
def test_a_bad_value_names_the_key_and_its_range(key, value, problem, shown):
    text = f"[{TABLE[key]}]\n{key} = {value}\n"
    with pytest.raises(SettingsError) as caught:
        parse_settings(text, source="hailin.toml")
    assert str(caught.value) == (
        f"hailin.toml: {TABLE[key]}.{key} {problem} {RANGES[key].format(shown)}"
    )


def test_good_values_are_read():
    settings = parse_settings(
        "[recurrence]\ntolerance_m = 1000\nverify_inspections = 3.0\nverify_days = 0\n"
        "[import]\nmax_distance_km = 0.5\nearliest_date = 2000-01-01\n"
        'latest_date = "2030-12-31"\n'
    )
    assert (settings.tolerance_m, settings.verify_inspections, settings.verify_days) == (
        1000.0,
        3,
        0,
    )
    assert settings.max_distance_km == 0.5
    assert settings.earliest_date == datetime.date(2000, 1, 1)
    assert settings.latest_date == datetime.date(2030, 12, 31)


def test_the_window_must_run_forwards():
    with pytest.raises(SettingsError, match=r"earliest_date \(2020-01-01\) should come before"):
        parse_settings("[import]\nearliest_date = 2020-01-01\nlatest_date = 2019-12-31\n")
    with pytest.raises(SettingsError, match=r"latest_date \(tomorrow, "):
        parse_settings("[import]\nearliest_date = 2200-01-01\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[recurrence]\ntolerence_m = 5\n",
            "hailin.toml: unknown setting 'recurrence.tolerence_m'; "
            "did you mean 'recurrence.tolerance_m'?",
        ),
        (
            "tolerance_m = 5\n",
            "hailin.toml: unknown setting 'tolerance_m'; did you mean 'recurrence.tolerance_m'?",
        ),
        (
            "[recurence]\ntolerance_m = 5\n",
            "hailin.toml: unknown table [recurence]; did you mean [recurrence]?",
        ),
        ("[import]\nmax_km = 5\n", "hailin.toml: unknown setting 'import.max_km'"),
    ],
)
def test_an_unknown_key_is_refused_with_the_closest_known_one(text, message):
    with pytest.raises(SettingsError) as caught:
        parse_settings(text, source="hailin.toml")
    assert str(caught.value).startswith(message)
    assert "known:" in str(caught.value)


def write_settings(workspace, data):
    pathlib.Path(workspace.settings_path).write_bytes(data)
    return Workspace(workspace.root)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-be"])
def test_hailin_toml_from_windows_editors_is_read(workspace, encoding):
    text = TEMPLATE.format(language="en").replace("tolerance_m = 10", "tolerance_m = 12")
    text = "# 柯湾 巽城 罗唇 保护区设置\n" + text
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    ws = write_settings(workspace, data)
    assert (ws.settings.language, ws.settings.tolerance_m) == ("en", 12.0)


def test_hailin_toml_in_no_known_encoding_is_refused(workspace):
    with pytest.raises(SettingsError) as caught:
        write_settings(workspace, b"language = 'en'\n# \xff\xfe\xff\n")
    assert str(caught.value) == (
        f"{workspace.settings_path}: the text is neither UTF-8, UTF-16 nor GBK/GB18030; "
        "save it as UTF-8"
    )


def test_a_huge_hailin_toml_is_refused(workspace):
    with pytest.raises(SettingsError, match="more than a settings file can be"):
        write_settings(workspace, b"#" * (2 << 20))


def test_the_template_holds_every_key_and_reads_back(tmp_path):
    ws = Workspace.create(tmp_path / "ws")
    assert ws.settings.earliest_date == datetime.date(1990, 1, 1)
    assert ws.settings.latest_date is None
    assert ws.settings.max_distance_km == 30.0
    uncommented = TEMPLATE.replace("# latest_date", "latest_date").format(language="zh")
    assert parse_settings(uncommented).latest_date == datetime.date(2030, 12, 31)


def cli(ws, *args):
    return CliRunner().invoke(main, ["-w", str(ws.root), *map(str, args)])


def test_nan_tolerance_can_no_longer_switch_detection_off(workspace, tmp_path):
    text = pathlib.Path(workspace.settings_path).read_text(encoding="utf-8")
    pathlib.Path(workspace.settings_path).write_text(
        text.replace("tolerance_m = 10", "tolerance_m = nan"), encoding="utf-8"
    )
    for command in (["flag"], ["progress"], ["ledger", "-o", tmp_path / "l.csv"]):
        result = cli(workspace, *command)
        assert result.exit_code == 2, result.output
        assert "recurrence.tolerance_m 应为有限的数值（允许：a number, " in (result.stderr)
        assert "Traceback" not in result.output


def test_nan_distance_can_no_longer_let_a_far_point_in(workspace, tmp_path):
    far = tmp_path / "beijing.csv"
    far.write_text(
        "时间,经度,纬度,巡查类型,发现\n2023-06-01 09:00,116.3975,39.9087,乡镇巡查,未见异常\n",
        encoding="utf-8",
    )
    text = pathlib.Path(workspace.settings_path).read_text(encoding="utf-8")
    pathlib.Path(workspace.settings_path).write_text(
        text.replace("max_distance_km = 30", "max_distance_km = nan"), encoding="utf-8"
    )
    result = cli(workspace, "import", far)
    assert result.exit_code == 2
    assert "import.max_distance_km 应为有限的数值" in result.stderr
    pathlib.Path(workspace.settings_path).write_text(text, encoding="utf-8")
    result = cli(workspace, "import", far, "--json")
    assert result.exit_code == 4
    assert "km from the nearest site (limit 30 km)" in result.stdout
    assert len(Workspace(workspace.root).surveys()) == 0
