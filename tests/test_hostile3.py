"""Issue 26 beyond the corpus' one-file outcomes: what stored text does to later
exports, and commands' behaviour around the store."""

import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.surveys.workspace import Workspace
from tests.hostile import HEADER, _plots_geojson, csv_bytes, good_row


def _run(workspace, *arguments):
    result = CliRunner().invoke(main, ["-w", str(workspace), *arguments])
    assert "Traceback" not in result.output
    assert "hailin bug" not in result.output, result.output
    return result


@pytest.fixture(scope="module")
def controlled(tmp_path_factory):
    """A workspace whose plots, contractors, teams and notes came with control characters."""
    folder = tmp_path_factory.mktemp("controls")
    workspace = Workspace.create(folder / "ws").root
    plots = folder / "plots.geojson"
    plots.write_bytes(
        _plots_geojson(
            [
                {"图斑编号": "KW\x0b1", "除治方式": "人工拔除", "施工单位": "海\x0c林"},
                {"图斑编号": "KW2", "除治方式": "人工拔除", "施工单位": "甲\x1f乙"},
            ]
        )
    )
    patrol = folder / "patrol.csv"
    patrol.write_bytes(
        csv_bytes(
            [{**good_row(0, 备注="一\t二\n三\x07"), "队伍": "一队\x0b"}, good_row(1)],
            [*HEADER, "队伍"],
        )
    )
    assert _run(workspace, "plots", "import", "--kind", "clearance", str(plots)).exit_code == 0
    assert _run(workspace, "import", str(patrol)).exit_code == 0
    return folder, workspace


def test_control_characters_are_removed_before_they_are_stored(controlled):
    _folder, workspace = controlled
    ws = Workspace(workspace)
    plots = ws.plots("clearance")
    assert sorted(plots["plot_id"]) == ["KW1", "KW2"]
    assert sorted(plots["contractor"]) == ["海林", "甲乙"]
    records = ws.surveys().sort_values("source_row")
    assert records["notes"].tolist()[0] == "一\t二\n三"  # tab and line feed kept in notes
    assert records["team"].tolist()[0] == "一队"


@pytest.mark.parametrize(
    "arguments",
    [
        ("ledger", "-o", "{out}/ledger.xlsx"),
        ("export", "ledger", "-o", "{out}/taizhang.xlsx"),
        ("export", "plots", "--kind", "clearance", "-o", "{out}/plots.shp"),
        ("report", "--month", "2023-06", "-o", "{out}/report.docx"),
    ],
)
def test_every_export_is_written_after_such_an_import(controlled, arguments, tmp_path):
    _folder, workspace = controlled
    arguments = [a.format(out=tmp_path) for a in arguments]
    result = _run(workspace, *arguments)
    assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.iterdir() if p.stat().st_size > 0]
    assert written, result.output


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2023-06-02 15:00 UTC+8", "2023-06-02 07:00"),
        ("2023-06-02 15:00 GMT+8", "2023-06-02 07:00"),
        ("2023-06-02 15:00 GMT+0800", "2023-06-02 07:00"),
        ("2023-06-02 15:00 UTC-3", "2023-06-02 18:00"),
        ("2023-06-02 15:00 UTC", "2023-06-02 15:00"),
        ("2023-06-02T15:00+08", "2023-06-02 07:00"),
        ("2023-06-02T15:00+0800", "2023-06-02 07:00"),
        ("2023-06-02T15:00+08:00", "2023-06-02 07:00"),
        ("2023-06-02 15:00", "2023-06-02 07:00"),  # Fuding time
    ],
)
def test_offsets_are_read_with_the_sign_as_written(written, utc, tmp_path):
    from hailin.surveys import read_file

    path = tmp_path / "t.csv"
    path.write_bytes(csv_bytes([good_row(0, 时间=written), good_row(1)]))
    records, rejects = read_file(path)
    assert len(rejects) == 0
    first = records.sort_values("source_row")["observed_at"].iloc[0]
    assert first.tz_convert("UTC").strftime("%Y-%m-%d %H:%M") == utc


def test_a_settled_day_month_column_is_read_in_its_order_and_says_so(tmp_path):
    from hailin.surveys.check.parsing import parse_times

    day_first = parse_times(["02/06/2023 09:00", "13/06/2023 09:00", "2023-06-05"], "UTC")
    assert [v.strftime("%m-%d") for v in day_first.values] == ["06-02", "06-13", "06-05"]
    assert (
        day_first.note
        == "dates like '02/06/2023 09:00' read as day/month/year, as '13/06/2023 09:00' shows"
    )
    month_first = parse_times(["02/06/2023", "06/13/2023"], "UTC")
    assert [v.strftime("%m-%d") for v in month_first.values] == ["02-06", "06-13"]
    assert "month/day/year" in month_first.note
    contradictory = parse_times(["02/06/2023", "13/06/2023", "06/13/2023", "05/05/2023"], "UTC")
    assert contradictory.unclear.tolist() == [True, False, False, False]
    assert [str(v)[:10] for v in contradictory.values] == [
        "NaT",
        "2023-06-13",
        "2023-06-13",
        "2023-05-05",
    ]


_KILLED_BEFORE_COMMIT = """
import os, signal, sys
import hailin.surveys.ingest as ingest

def killed(store, row):  # kill -9 between placing the archive and the commit
    os.kill(os.getpid(), signal.SIGKILL)

ingest.store_upload_row = killed
from hailin.surveys.workspace import Workspace
Workspace(sys.argv[1]).import_file(sys.argv[2])
"""


def test_an_archive_left_by_a_kill_before_commit_is_removed_at_the_next_write(tmp_path):
    import os
    import subprocess
    import sys
    import time

    ws = Workspace.create(tmp_path / "ws")
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(csv_bytes([good_row(0), good_row(1)]))
    second.write_bytes(csv_bytes([good_row(2)]))
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_BEFORE_COMMIT, str(ws.root), str(first)], timeout=120
    )
    assert killed.returncode == -9
    uploads = tmp_path / "ws" / "uploads"
    orphans = [p for p in uploads.iterdir() if p.suffix == ".csv"]
    assert len(orphans) == 1 and len(ws.uploads()) == 0
    assert os.path.exists(ws.store_path + ".writer")  # the killed writer's record
    # A young file may belong to a photo about to commit: kept.
    assert ws.import_file(second).status == "accepted"
    assert orphans[0].exists()
    hour_ago = time.time() - 3600
    os.utime(orphans[0], (hour_ago, hour_ago))
    third = tmp_path / "third.csv"
    third.write_bytes(csv_bytes([good_row(3)]))
    assert ws.import_file(third).status == "accepted"
    assert not orphans[0].exists()
    assert not os.path.exists(ws.store_path + ".writer")
    kept = sorted(p.name for p in uploads.iterdir() if not p.name.startswith("."))
    assert kept == sorted(os.path.basename(a) for a in ws.uploads()["archived_as"])
    assert ws.import_file(first).status == "accepted"  # the killed import, done again
    assert len(ws.surveys()) == 4


@pytest.mark.parametrize(
    "taken",
    ["1000:01:01 10:00:00", "1900:01:01 10:00:00", "2099:01:01 10:00:00", "9999:12:31 23:59:59"],
)
def test_a_photo_outside_the_plausible_window_is_refused(taken, tmp_path):
    from tests.portal import geotagged_jpeg

    ws = Workspace.create(tmp_path / "ws")
    photo = tmp_path / "p.jpg"
    photo.write_bytes(geotagged_jpeg(120.3305, 27.2606, taken))
    summary = ws.evidence.import_photo(photo)
    assert summary.status == "rejected"
    assert "outside the plausible window" in summary.errors[0]["message"]
    assert len(ws.evidence.photos()) == 0
    assert [p for p in (tmp_path / "ws" / "uploads").glob("*.jpg")] == []


def test_big5_notes_are_stored_as_written(tmp_path):
    from hailin.surveys import read_file
    from tests.hostile import CASES

    (big5,) = [c for c in CASES if c.name == "big5.csv"]
    path = tmp_path / "big5.csv"
    path.write_bytes(big5.build(tmp_path))
    records, _rejects = read_file(path)
    assert set(records["notes"]) == {"柯灣保護區：互花米草復萌，已組織人工拔除。"}


@pytest.mark.parametrize(
    "value", ["[" * 50_000 + "]" * 50_000, "{a = " * 50_000 + "1" + "}" * 50_000]
)
def test_settings_nested_50000_deep_are_a_settings_error(value, tmp_path):
    import resource

    ws = Workspace.create(tmp_path / "ws")
    settings = tmp_path / "ws" / "hailin.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + f"\n[maps]\nx = {value}\n")
    started = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    result = CliRunner().invoke(main, ["-w", str(ws.root), "progress"])
    assert result.exit_code == 2, result.output
    assert "取值嵌套了 50,000 层（上限 32）" in result.output  # the workspace speaks Chinese
    assert "hailin bug" not in result.output and "Traceback" not in result.output
    assert resource.getrusage(resource.RUSAGE_SELF).ru_utime - started < 10
