"""Import behaviour: duplicates, dry runs, strictness, crashes, kills, concurrency."""

import json
import os
import pathlib
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pandas as pd
import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.demo_data import survey_csv_frame
from hailin.surveys.io.store import Store
from tests.conftest import DATA

FORMATS = DATA / "formats"
ROOT = pathlib.Path(__file__).resolve().parent.parent


def counts(workspace):
    return len(workspace.surveys()), len(workspace.rejects()), len(workspace.uploads())


def test_identical_reupload_is_a_duplicate_and_stores_nothing(workspace, hailin_json):
    code, first = hailin_json(workspace, "import", FORMATS / "patrol_en.csv")
    assert (code, first["status"], first["rows_accepted"]) == (0, "accepted", 4)
    before = counts(workspace)
    code, again = hailin_json(workspace, "import", FORMATS / "patrol_en.csv")
    assert (code, again["status"], again["rows_accepted"]) == (0, "duplicate", 0)
    assert again["upload_id"] == first["upload_id"]
    assert counts(workspace) == before


def test_overlapping_file_under_another_name_does_not_duplicate_records(workspace, tmp_path):
    workspace.import_file(FORMATS / "patrol_bom.csv")
    # The same three observations re-exported to Excel by another office, plus one new.
    table = pd.read_csv(FORMATS / "patrol_bom.csv", encoding="utf-8-sig", dtype=str).fillna("")
    table.loc[len(table)] = [
        "2023-07-04",
        "10:00",
        "120.3301",
        "27.2612",
        "乡镇巡查",
        "陈",
        "复萌",
        "",
        "",
        "new",
    ]
    table["备注"] = "re-exported"  # notes are not part of the record key
    table.to_excel(tmp_path / "copy.xlsx", index=False)
    summary = workspace.import_file(tmp_path / "copy.xlsx")
    assert (summary.status, summary.rows_accepted, summary.rows_duplicate) == ("accepted", 1, 3)
    assert len(workspace.surveys()) == 4
    table.iloc[:3].to_excel(tmp_path / "only_old.xlsx", index=False)
    summary = workspace.import_file(tmp_path / "only_old.xlsx")
    assert (summary.status, summary.rows_accepted, summary.rows_duplicate) == ("duplicate", 0, 3)


def test_dry_run_stores_and_archives_nothing(workspace, hailin_json):
    before = counts(workspace)
    code, summary = hailin_json(
        workspace, "import", DATA / "bad" / "mixed_good_bad.csv", "--dry-run"
    )
    assert (code, summary["status"], summary["dry_run"]) == (3, "partial", True)
    assert (summary["rows_accepted"], summary["rows_rejected"]) == (3, 3)
    assert counts(workspace) == before
    assert os.listdir(workspace.uploads_dir) == []


def test_strict_rejects_the_whole_file_but_keeps_the_reasons(workspace, hailin_json):
    code, summary = hailin_json(
        workspace, "import", DATA / "bad" / "mixed_good_bad.csv", "--strict"
    )
    assert (code, summary["status"], summary["rows_accepted"], summary["rows_rejected"]) == (
        4,
        "rejected",
        0,
        3,
    )
    assert len(workspace.surveys()) == 0
    assert len(workspace.rejects()) == 3
    assert workspace.uploads()["status"].tolist() == ["rejected"]


def test_a_rejected_file_can_be_imported_again_with_the_missing_option(workspace, hailin_json):
    gpx = FORMATS / "patrol_10.gpx"
    code, first = hailin_json(workspace, "import", gpx)
    assert (code, first["status"]) == (4, "rejected")
    assert "--patrol-type" in first["errors"][0]["message"]
    code, second = hailin_json(workspace, "import", gpx, "--patrol-type", "township_patrol")
    assert (code, second["status"], second["rows_accepted"]) == (0, "accepted", 2)
    uploads = workspace.uploads()
    assert uploads["status"].tolist() == ["accepted"]  # the failed attempt was replaced
    assert len(workspace.rejects()) == 0


def test_file_values_win_over_options_and_the_conflict_is_reported(workspace, hailin_json):
    code, summary = hailin_json(
        workspace,
        "import",
        FORMATS / "patrol_en.csv",
        "--patrol-type",
        "township_patrol",
        "--team",
        "Dianxia",
    )
    assert code == 0
    assert any("differs from --patrol-type" in w["message"] for w in summary["warnings"])
    records = workspace.surveys().sort_values("source_row")
    assert records["patrol_type"].tolist() == [
        "contractor_daily",
        "contractor_daily",
        "city_joint",
        "township_patrol",
    ]
    assert records["team"].tolist() == ["Team A", "Team A", "City", "Qianqi"]
    code, summary = hailin_json(
        workspace, "import", FORMATS / "patrol_gb18030.txt", "--team", "UAV"
    )
    assert set(workspace.surveys().query("patrol_type == 'digital_monitoring'")["team"]) == {"UAV"}


def test_unknown_patrol_type_option_is_a_usage_error(workspace):
    result = CliRunner().invoke(
        main,
        ["-w", workspace.root, "import", str(FORMATS / "patrol_en.csv"), "--patrol-type", "ufo"],
    )
    assert result.exit_code == 2
    # The workspace speaks Chinese: so does its usage error, click's words too.
    assert "无法识别的巡查类型 'ufo'" in result.output
    assert "Invalid value" not in result.output


def test_several_files_in_one_command(workspace, hailin_json):
    code, payload = hailin_json(
        workspace, "import", FORMATS / "patrol_en.csv", DATA / "bad" / "empty.csv"
    )
    assert code == 3
    assert [f["status"] for f in payload["files"]] == ["accepted", "rejected"]
    assert payload["rows_accepted"] == 4


def test_naive_times_are_fuding_time(workspace, tmp_path):
    path = tmp_path / "tz.csv"
    path.write_text(
        "时间,经度,纬度,巡查类型,发现\n"
        "2023-06-01 07:30,120.3301,27.2612,乡镇巡查,复萌\n"
        "2023-05-31T23:30:00Z,120.3312,27.2304,乡镇巡查,复萌\n",
        encoding="utf-8",
    )
    workspace.import_file(path)
    stamps = workspace.surveys().sort_values("source_row")["observed_at"].tolist()
    assert stamps[0] == pd.Timestamp("2023-05-31T23:30:00Z")
    assert stamps[1].tz_convert("Asia/Shanghai").date().isoformat() == "2023-06-01"


def test_crash_mid_import_leaves_the_store_as_it_was(workspace, monkeypatch, tmp_path):
    workspace.import_file(FORMATS / "patrol_en.csv")
    before = counts(workspace)
    survey_csv_frame(120_000, workspace.sites()).to_csv(tmp_path / "big.csv", index=False)
    original = Store.append
    written = []

    def failing_append(self, name, frame, **kwargs):
        if name == "surveys":

            def progress(rows):
                written.append(rows)
                raise OSError("disk full")

            kwargs["progress"] = progress
        return original(self, name, frame, **kwargs)

    monkeypatch.setattr(Store, "append", failing_append)
    with pytest.raises(OSError, match="disk full"):
        workspace.import_file(tmp_path / "big.csv")
    assert written == [50_000]  # one chunk was written inside the transaction, then rolled back
    monkeypatch.setattr(Store, "append", original)
    assert counts(workspace) == before
    summary = workspace.import_file(tmp_path / "big.csv")
    assert summary.status == "accepted"
    assert len(workspace.surveys()) == before[0] + summary.rows_accepted


def _hailin(*args):
    return [sys.executable, "-m", "hailin", *map(str, args)]


def test_kill_9_mid_import_loses_nothing(workspace, tmp_path):
    workspace.import_file(FORMATS / "patrol_en.csv")
    workspace.import_file(FORMATS / "patrol_nested.kml")
    before = counts(workspace)
    big = tmp_path / "big.csv"
    survey_csv_frame(300_000, workspace.sites(), seed=11).to_csv(big, index=False)
    # The holder record appears when the import takes the write lock (WAL has no -journal).
    journal = pathlib.Path(workspace.store_path + ".writer")
    process = subprocess.Popen(
        _hailin("-w", workspace.root, "import", big, "--json"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not journal.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert process.poll() is None, "the import ended before it could be killed"
    time.sleep(0.2)  # well inside the write transaction
    process.send_signal(signal.SIGKILL)
    process.wait()
    with sqlite3.connect(workspace.store_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert counts(workspace) == before
    summary = workspace.import_file(big)
    assert (summary.status, summary.rows_accepted) == ("accepted", 300_000)
    assert counts(workspace)[0] == before[0] + 300_000


def test_two_imports_at_the_same_time_both_land(workspace, tmp_path):
    sites = workspace.sites()
    survey_csv_frame(60_000, sites, seed=1).to_csv(tmp_path / "a.csv", index=False)
    survey_csv_frame(60_000, sites, seed=2).to_csv(tmp_path / "b.csv", index=False)
    processes = [
        subprocess.Popen(
            _hailin("-w", workspace.root, "import", tmp_path / name, "--json"),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a.csv", "b.csv")
    ]
    outputs = [p.communicate(timeout=300) for p in processes]
    summaries = [json.loads(out) for out, _err in outputs]
    assert [p.returncode for p in processes] == [0, 0]
    assert [s["status"] for s in summaries] == ["accepted", "accepted"]
    stored = sum(s["rows_accepted"] for s in summaries)
    assert len(workspace.surveys()) == stored
    assert stored + sum(s["rows_duplicate"] for s in summaries) == 120_000
    assert sorted(workspace.uploads()["file"]) == ["a.csv", "b.csv"]


def test_progress_bar_on_large_files_only_and_never_in_json(workspace, tmp_path):
    survey_csv_frame(20_000, workspace.sites()).to_csv(tmp_path / "big.csv", index=False)
    shutil.copy(tmp_path / "big.csv", tmp_path / "big2.csv")
    runner = CliRunner()
    shown = runner.invoke(main, ["-w", workspace.root, "import", str(tmp_path / "big.csv")])
    assert "storing" in shown.stderr and "rows" in shown.stderr
    workspace_json = runner.invoke(
        main, ["-w", workspace.root, "import", str(FORMATS / "patrol_en.csv"), "--json"]
    )
    assert "storing" not in workspace_json.stderr
    json.loads(workspace_json.stdout)
    small = runner.invoke(main, ["-w", workspace.root, "import", str(FORMATS / "patrol_bom.csv")])
    assert "storing" not in small.stderr
