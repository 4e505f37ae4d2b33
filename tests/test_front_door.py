"""The import's front door: no traceback reaches a user (hailin bugs go to the
workspace log), one spreadsheet-formula guard, printable file names."""

import csv
import json
import os
import pathlib
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

import hailin.surveys.ingest
from hailin.cli import main
from hailin.surveys.io.archive import printable_name
from hailin.surveys.io.exports import neutralise, write_error_report
from hailin.surveys.workspace import Workspace
from tests.conftest import DATA

FORMATS = DATA / "formats"
ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(ws, *args):
    return CliRunner().invoke(main, ["-w", ws.root, *map(str, args)])


def log_text(ws):
    return pathlib.Path(ws.log_path).read_text(encoding="utf-8")


def _bug(*args, **kwargs):
    raise ZeroDivisionError("a hailin bug for the test")


def test_a_bug_while_reading_rejects_that_file_and_logs_the_traceback(tmp_path, monkeypatch):
    workspace = Workspace.create(tmp_path / "en", language="en")  # its words in English
    original = hailin.surveys.ingest.read_raw

    def read_raw(path, **kwargs):
        if kwargs.get("name") == "patrol_bom.csv":
            _bug()
        return original(path, **kwargs)

    monkeypatch.setattr(hailin.surveys.ingest, "read_raw", read_raw)
    result = run(workspace, "import", FORMATS / "patrol_bom.csv", FORMATS / "patrol_en.csv")
    assert result.exit_code == 3  # one file stored, one rejected
    assert "Traceback" not in result.output
    assert "patrol_bom.csv: rejected (0 read, 0 accepted, 0 rejected)" in result.stdout
    assert (
        "patrol_bom.csv: internal error while reading or checking the file "
        "(ZeroDivisionError: a hailin bug for the test); this is a hailin bug, please report "
        f"it. Details in {workspace.log_path}"
    ) in result.stderr
    assert "patrol_en.csv: accepted (4 read, 4 accepted, 0 rejected)" in result.stdout
    log = log_text(workspace)
    assert "hailin.surveys.ingest ERROR: reading or checking patrol_bom.csv" in log
    assert "Traceback (most recent call last)" in log and "ZeroDivisionError" in log
    uploads = workspace.uploads().set_index("file")["status"].to_dict()
    assert uploads == {"patrol_bom.csv": "rejected", "patrol_en.csv": "accepted"}
    result = run(workspace, "import", FORMATS / "patrol_bom.csv", "--json")
    assert result.exit_code == 4
    summary = json.loads(result.stdout)
    assert summary["status"] == "rejected"
    assert "this is a hailin bug" in summary["errors"][0]["message"]


def test_a_bug_while_storing_fails_that_file_only_and_archives_nothing(workspace, monkeypatch):
    monkeypatch.setattr(hailin.surveys.ingest, "store_surveys", _bug)
    result = run(workspace, "import", FORMATS / "patrol_en.csv", "--json")
    assert result.exit_code == 4
    assert "Traceback" not in result.output
    summary = json.loads(result.stdout)
    assert (summary["file"], summary["status"]) == ("patrol_en.csv", "rejected")
    assert summary["errors"][0]["message"] == (
        "internal error importing patrol_en.csv (ZeroDivisionError: a hailin bug for the "
        f"test) (a hailin bug); details in {workspace.log_path}"
    )
    assert "ZeroDivisionError: a hailin bug for the test" in log_text(workspace)
    assert len(workspace.uploads()) == 0 and len(workspace.surveys()) == 0
    assert os.listdir(workspace.uploads_dir) == []


def test_any_other_bug_is_one_line_exit_1(workspace, monkeypatch):
    monkeypatch.setattr(Workspace, "progress", _bug)
    result = run(workspace, "progress")
    assert result.exit_code == 1
    assert result.stderr == (
        "hailin：内部错误（ZeroDivisionError: a hailin bug for the test）（hailin 的缺陷）；"
        f"详情见 {workspace.log_path}\n"
    )
    assert "Traceback (most recent call last)" in log_text(workspace)


def test_hailin_errors_keep_their_message_and_code(workspace, tmp_path):
    result = run(workspace, "import", tmp_path / "missing.csv")
    assert (result.exit_code, "文件不存在" in result.stderr) == (4, True)  # a zh workspace
    result = CliRunner().invoke(main, ["-w", str(tmp_path / "nowhere"), "progress"])
    assert (result.exit_code, "is not a hailin workspace" in result.stderr) == (2, True)
    assert not os.path.exists(workspace.log_path)  # nothing went wrong: no log


@pytest.mark.parametrize(
    ("value", "guarded"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("柯湾 =1", "柯湾 =1"),
        ("", ""),
        (5, 5),
        (None, None),
    ],
)
def test_the_formula_guard(value, guarded):
    assert neutralise(value) == guarded


def test_the_error_report_guards_every_text_cell(tmp_path):
    rejects = pd.DataFrame(
        {
            "source_row": [3, None],
            "column": ["=cmd|' /C calc'!A0", None],
            "reason": ["+unreadable", "-x"],
            "raw": ["@SUM(1+1)*cmd", None],
        }
    )
    path = write_error_report(rejects, str(tmp_path), "=evil.csv", "ab" * 32)
    assert os.path.basename(path) == "=evil-abababab.errors.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["file", "row", "column", "reason", "raw"],  # English: the report's default
        ["'=evil.csv", "3", "'=cmd|' /C calc'!A0", "'+unreadable", "'@SUM(1+1)*cmd"],
        ["'=evil.csv", "", "", "'-x", ""],
    ]


def test_an_imported_file_named_like_a_formula_is_guarded_in_its_report(workspace, tmp_path):
    shutil.copy(DATA / "bad" / "mixed_good_bad.csv", tmp_path / "=1+1.csv")
    summary = workspace.import_file(tmp_path / "=1+1.csv")
    assert (summary.status, summary.rows_rejected) == ("partial", 3)
    with open(summary.report, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [row[0] for row in rows] == ["file", "'=1+1.csv", "'=1+1.csv", "'=1+1.csv"]


def test_one_formula_guard_in_one_place():
    """Every CSV or XLSX hailin writes for people goes through surveys/exports.py."""
    writers = []
    for package in ("geo", "surveys", "layers", "maps", "hailin"):
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if any(w in text for w in ("to_csv(", "csv.writer(", "Workbook(", "to_excel(")):
                writers.append(path.relative_to(ROOT).as_posix())
            assert "def _neutralise" not in text
    # demo_files writes the demo's input files (patrol exports), and fieldsync the CSV the
    # field form's observations are imported from: input to hailin, not output for people.
    assert sorted(writers) == [
        "hailin/demo_files.py",
        "hailin/web/portal/fieldsync.py",
        "surveys/io/exports.py",
    ]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (b"\xb2\xe2\xca\xd4.csv", "测试.csv"),  # a GBK name on Linux
        ("测试.csv".encode(), "测试.csv"),
        (b"\xff\xfe.csv", "\ufffd\ufffd.csv"),  # neither UTF-8 nor GB18030
        (b"a\x1b[31m.csv", "a\\x1b[31m.csv"),  # a terminal escape stays visible, inert
    ],
)
def test_file_names_are_printable(raw, shown):
    assert printable_name(raw) == shown
    assert printable_name(os.fsdecode(raw)) == shown


@pytest.mark.parametrize(
    ("source", "suffix", "flags", "status"),
    [
        (DATA / "bad" / "mixed_good_bad.csv", ".csv", [], "partial"),
        (FORMATS / "patrol_fc.geojson", ".geojson", [], "partial"),  # read through GDAL
        (FORMATS / "patrol.gpkg", ".gpkg", ["--patrol-type", "township_patrol"], "accepted"),
    ],
)
def test_a_gbk_file_name_imports(workspace, tmp_path, source, suffix, flags, status):
    raw = os.path.join(os.fsencode(tmp_path), b"\xb2\xe2\xca\xd4" + suffix.encode())
    shutil.copy(source, raw)
    result = run(workspace, "import", os.fsdecode(raw), *flags, "--json")
    assert "Traceback" not in result.output
    summary = json.loads(result.stdout)
    assert (summary["file"], summary["status"]) == ("测试" + suffix, status)
    assert workspace.uploads()["file"].tolist() == ["测试" + suffix]
    if summary["report"]:
        assert os.path.basename(summary["report"]).startswith("测试-")
    text = run(workspace, "uploads", "list").stdout
    assert f"测试{suffix}  surveys  duplicate" not in text and f"测试{suffix}" in text
