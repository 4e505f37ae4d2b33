"""The command line speaks the workspace's language: `hailin import` prints its
summaries, row errors, notes and file refusals, and writes the error report,
in Chinese in a zh workspace and in English in an en one, through the one
catalogue the portal uses (hailin.translate)."""

import csv
import os
import re

import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.surveys.workspace import Workspace
from tests.conftest import DATA

BAD = DATA / "bad"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
FILES = [BAD / "swapped.csv", BAD / "empty.csv", BAD / "mixed_good_bad.csv"]


def run(ws, *args):
    return CliRunner().invoke(main, ["-w", ws.root, *map(str, args)])


def report_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def zh(tmp_path):
    return Workspace.create(tmp_path / "zh", language="zh")


def test_import_in_a_zh_workspace_speaks_chinese(zh):
    result = run(zh, "import", *FILES)
    assert result.exit_code == 3
    assert result.stdout.splitlines() == [
        "swapped.csv：未接收（读取 1 行，接收 0 行，未接收 1 行）",
        "empty.csv：未接收（读取 0 行，接收 0 行，未接收 0 行）",
        "mixed_good_bad.csv：部分接收（读取 6 行，接收 3 行，未接收 3 行）",
    ]
    lines = result.stderr.splitlines()
    assert "  提示：按 utf-8 编码的文本读取，分隔符 ','" in lines
    assert (
        "  swapped.csv，第 2 行，列 '经度/纬度'：经度和纬度似乎填反了（lon=27.2612, lat=120.33）"
        in lines
    )
    assert "  empty.csv：文件是空的" in lines  # a file refused whole
    assert "  mixed_good_bad.csv，第 3 行，列 '经度'：无法识别的坐标 'abc'" in lines
    assert "  mixed_good_bad.csv，第 5 行，列 '时间'：无法识别的日期时间 'not a date'" in lines
    reports = [line for line in lines if line.startswith("  全部未接收的行：")]
    assert len(reports) == 3
    rows = report_rows(reports[-1].split("：", 1)[1])
    assert rows[0] == ["文件", "行", "列", "原因", "原始内容"]
    assert [r[:4] for r in rows[1:3]] == [
        ["mixed_good_bad.csv", "3", "经度", "无法识别的坐标 'abc'"],
        ["mixed_good_bad.csv", "5", "时间", "无法识别的日期时间 'not a date'"],
    ]
    assert rows[3][3].startswith("无法识别的发现 '外星人'；应为以下之一：")
    # The store keeps the reasons as the checks wrote them (English, the msgid).
    assert "unreadable coordinate 'abc'" in set(zh.rejects()["reason"])


def test_a_missing_file_and_a_file_imported_twice_are_said_in_chinese(zh, tmp_path):
    result = run(zh, "import", tmp_path / "nowhere.csv")
    assert result.exit_code == 4
    assert result.stderr == f"hailin：错误：{tmp_path / 'nowhere.csv'}：文件不存在\n"
    run(zh, "import", BAD / "mixed_good_bad.csv")
    again = run(zh, "import", BAD / "mixed_good_bad.csv")
    assert again.stdout == (
        "mixed_good_bad.csv：已上传过（读取 6 行，接收 0 行，未接收 0 行，6 行已入库）\n"
    )
    assert again.stderr == "  提示：与之前的上传完全相同（部分接收），没有新内容入库\n"


def test_a_dry_run_and_plots_import_speak_chinese_too(zh):
    result = run(zh, "import", "--dry-run", BAD / "swapped.csv")
    assert result.stdout == "（试运行）swapped.csv：未接收（读取 1 行，接收 0 行，未接收 1 行）\n"
    result = run(zh, "plots", "import", "--kind", "clearance", BAD / "invalid_polygon.geojson")
    assert result.stdout == "invalid_polygon.geojson：未接收（读取 0 行，接收 0 行，未接收 0 行）\n"
    assert result.stderr.splitlines()[0] == (
        "  invalid_polygon.geojson：缺少必需的列：图斑编号 / 地块编号 (plot id)；"
        "文件中的列：时间, 巡查类型, 发现"
    )


def test_import_in_an_en_workspace_speaks_english(tmp_path):
    en = Workspace.create(tmp_path / "en", language="en")
    result = run(en, "import", BAD / "mixed_good_bad.csv")
    assert result.stdout == "mixed_good_bad.csv: partial (6 read, 3 accepted, 3 rejected)\n"
    lines = result.stderr.splitlines()
    assert "  mixed_good_bad.csv, row 3, column '经度': unreadable coordinate 'abc'" in lines
    report = next(line for line in lines if line.startswith("  every rejected row: "))
    rows = report_rows(report.split(": ", 1)[1])
    assert rows[0] == ["file", "row", "column", "reason", "raw"]
    assert rows[1][3] == "unreadable coordinate 'abc'"


REFUSED = [
    (["import", "nowhere.csv"], 4),
    (["import"], 2),  # click's usage errors too
    (["import", "--bogus", "x.csv"], 2),
    (["frobnicate"], 2),
    (["uploads", "withdraw", "0123456789abcdef", "--reason", "错了"], 2),
    (["uploads", "withdraw", "xyz", "--reason", "错了"], 2),
    (["ledger", "--as-of", "2024-13", "-o", "l.csv"], 2),
    (["export", "ledger", "-o", "ledger.pdf"], 4),
    (["export", "ledger"], 2),
    (["ledger", "-o", "ledger.pdf"], 2),
    (["plan"], 2),
    (["plan", "--week", "2024-W20"], 4),  # planners' commands: plan, report, export, map
    (["report", "--month", "2024-13", "-o", "r.docx"], 4),
    (["report", "--month", "2024-05", "-o", "r.txt"], 4),
    (["map", "overview", "--basemap", "tianditu", "-o", "m.html"], 2),
    (["uploads", "withdraw", "0123456789abcdef", "--reason", "x" * 2001], 2),
]


@pytest.mark.parametrize(("args", "code"), REFUSED, ids=[" ".join(a) for a, _c in REFUSED])
def test_every_refusal_of_the_command_line_reads_in_chinese(zh, args, code):
    result = run(zh, *args)
    assert result.exit_code == code, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("hailin：错误："), result.stderr
    assert CHINESE.search(last.removeprefix("hailin：错误：")), last
    assert "Error:" not in result.stderr and "Try '" not in result.stderr
    assert "Invalid value" not in result.stderr and "Usage:" not in result.stderr


def test_an_en_workspace_keeps_the_english_refusal(tmp_path):
    en = Workspace.create(tmp_path / "en", language="en")
    result = run(en, "uploads", "withdraw", "0123456789abcdef", "--reason", "typo")
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for ID: no upload '0123456789abcdef' in this workspace "
        "(see `hailin uploads list`)"
    )
    assert run(en, "import", "nowhere.csv").stderr == "hailin: error: nowhere.csv: no such file\n"


def test_a_hailin_bug_is_said_in_chinese_too(zh, monkeypatch):
    monkeypatch.setattr(Workspace, "progress", lambda *_a, **_k: 1 / 0)
    result = run(zh, "progress")
    said = "（ZeroDivisionError: division by zero）（hailin 的缺陷）"
    assert (result.exit_code, result.stderr) == (
        1,
        f"hailin：内部错误{said}；详情见 {zh.log_path}\n",
    )


def test_a_sites_file_refused_reads_in_chinese(zh, tmp_path):
    import geopandas
    import shapely

    path = tmp_path / "sites.geojson"
    frame = geopandas.GeoDataFrame(
        {"备注": ["x"]}, geometry=[shapely.box(120.3, 27.2, 120.4, 27.3)], crs=4326
    )
    frame.to_file(path)
    result = run(zh, "sites", "import", path)
    assert result.exit_code == 4, result.stderr
    assert result.stderr.startswith(
        "hailin：错误：sites.geojson：没有保护地编号或名称列；应为以下之一："
    )


def test_a_locked_store_and_a_full_disk_read_in_chinese():
    from hailin.cli.words import error_line

    locked = (
        "/w/hailin.gpkg: the store is locked by another program (no running hailin import "
        "is recorded as holding it; QGIS or an SQLite tool editing the store holds it the "
        "same way); waited 30 s for it. Nothing was written; try again when it has finished"
    )
    assert error_line(locked, "zh") == (
        "hailin：错误：/w/hailin.gpkg：数据库被另一个程序（没有记录到正在运行的 hailin 导入；"
        "QGIS 或 SQLite 工具编辑数据库时也会这样占用）占用；已等待 30 秒。未写入任何内容；"
        "请待其完成后重试"
    )
    full = (
        "the disk is full writing hailin.gpkg: nothing half-written was left; free some space "
        "and run the command again"
    )
    assert error_line(full, "zh") == (
        "hailin：错误：写入 hailin.gpkg 时磁盘已满：没有留下写了一半的文件；请腾出空间后重新运行"
    )
    assert error_line(full, "en") == f"hailin: error: {full}"


def test_a_file_a_planner_names_is_refused_in_chinese(zh, tmp_path):
    """`hailin area` and `hailin raster stats` on files they cannot read: the
    file named first, the reason in Chinese (each a message of the code's)."""
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"x")
    result = run(zh, "area", bad)
    assert (result.exit_code, result.stderr) == (
        4,
        f"hailin：错误：{bad.name}：没有几何（这是表格；应为空间矢量文件）\n",
    )
    result = run(zh, "raster", "stats", bad)
    assert result.exit_code == 4, result.stderr
    assert result.stderr.startswith(f"hailin：错误：{bad}：不是 GDAL 能读取的栅格（")


def test_settings_that_do_not_read_are_refused_in_their_language(zh):
    """A hailin.toml that fails still names its language: the refusal is Chinese."""
    with open(os.path.join(zh.root, "hailin.toml"), "a", encoding="utf-8") as handle:
        handle.write("\n[bogus]\nx = 1\n")
    result = run(zh, "progress")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("hailin：错误：")
    assert "：未知的表 [bogus]（已知的表：[as_of]" in result.stderr
