"""A full disk is one clear message for every command that writes a file, with
no traceback (not even from the log's close) and no half-written output left.

The disk is made full for real: outputs and the log are written to /dev/full
(every write fails with ENOSPC), or the command runs under a file-size limit
(RLIMIT_FSIZE, writes past it fail with EFBIG), as a filling disk does.
"""

import errno
import os
import resource
import signal
import sqlite3
import subprocess
import sys

import pyogrio
import pytest
import shapely

from hailin.surveys.io.written import full_disk_error
from hailin.surveys.workspace import Workspace
from tests.hostile import INSIDE, _plots_geojson, csv_bytes, good_row
from tests.raster_workspace import CLASSES, seeded_workspace, write_classified

FULL = "/dev/full"
PLOTS = 2000
# 48 KiB: the store reads, its 32 KiB index included, fit; the outputs do not.
LIMIT = 48 * 1024
pytestmark = pytest.mark.skipif(not os.path.exists(FULL), reason="needs /dev/full (Linux)")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("full")
    ws = Workspace.create(folder / "ws", language="en")  # the lines checked in English
    patrol = folder / "patrol.csv"
    patrol.write_bytes(csv_bytes([good_row(i) for i in range(5)]))
    assert ws.import_file(patrol).status == "accepted"
    # Enough plots that every GIS output and the dataset's plot file outgrow 48 KiB.
    x, y = INSIDE[0]  # a 50 x 40 grid of 11 m squares
    squares = [
        shapely.box(
            x + 2e-4 * (i % 50),
            y + 2e-4 * (i // 50),
            x + 2e-4 * (i % 50) + 1e-4,
            y + 2e-4 * (i // 50) + 1e-4,
        )
        for i in range(PLOTS)
    ]
    rows = [{"图斑编号": f"P-{i}", "除治方式": "人工拔除"} for i in range(PLOTS)]
    plots = folder / "plots.geojson"
    plots.write_bytes(_plots_geojson(rows, squares))
    assert ws.import_file(plots, kind="clearance").rows_accepted == PLOTS
    return _log_to_full_disk(ws)


def _log_to_full_disk(ws):
    os.makedirs(os.path.join(ws.root, "logs"), exist_ok=True)
    log = os.path.join(ws.root, "logs", "hailin.log")
    if os.path.exists(log):
        os.remove(log)
    os.symlink(FULL, log)  # the log's writes and its close fail too
    return ws.root


def _hailin(workspace, *arguments, file_size=None):
    def limit():
        if file_size is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    return subprocess.run(
        [sys.executable, "-m", "hailin", "-w", str(workspace), *arguments],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=120,
    )


def _one_clear_line(result, words):
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert words in lines[0], lines[0]
    assert "hailin bug" not in lines[0]


@pytest.mark.parametrize(
    "arguments", [("ledger", "-o", "{out}"), ("export", "ledger", "-o", "{out}")]
)
def test_an_xlsx_onto_a_full_disk_is_one_message(workspace, arguments, tmp_path):
    output = tmp_path / "ledger.xlsx"
    output.symlink_to(FULL)
    result = _hailin(workspace, *[a.format(out=output) for a in arguments])
    _one_clear_line(result, "the disk is full")


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        (("map", "overview", "-o", "{out}"), "overview.html"),
        (("report", "--month", "2023-06", "-o", "{out}"), "report.docx"),
    ],
)
def test_an_output_past_the_space_left_is_removed(workspace, arguments, name, tmp_path):
    output = tmp_path / name
    result = _hailin(workspace, *[a.format(out=output) for a in arguments], file_size=LIMIT)
    _one_clear_line(result, "the file grew past the size this system lets a process write")
    assert not output.exists()


def test_a_failure_before_writing_keeps_the_previous_output(workspace, tmp_path):
    output = tmp_path / "report.docx"
    output.write_bytes(b"last month's report")
    result = _hailin(workspace, "report", "--month", "not-a-month", "-o", str(output))
    assert result.returncode != 0
    assert output.read_bytes() == b"last month's report"


TOO_LARGE = "the file grew past the size this system lets a process write"


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        (("ledger", "-o", "{out}"), "ledger.gpkg"),
        (("export", "plots", "--kind", "clearance", "-o", "{out}"), "plots.shp"),
        (("export", "plots", "--kind", "clearance", "-o", "{out}"), "plots.geojson"),
        (("export", "cases", "-o", "{out}"), "cases.gpkg"),
    ],
)
def test_a_gdal_output_past_the_space_left_is_one_message(workspace, arguments, name, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / name
    result = _hailin(workspace, *[a.format(out=output) for a in arguments], file_size=LIMIT)
    _one_clear_line(result, TOO_LARGE)
    assert f"writing {name}" in result.stderr
    assert sorted(os.listdir(folder)) == []  # no half file, no scratch folder, no sidecar


def test_a_failed_gdal_output_keeps_the_previous_file(workspace, tmp_path):
    output = tmp_path / "plots.gpkg"
    output.write_bytes(b"last week's plots")
    result = _hailin(
        workspace, "export", "plots", "--kind", "clearance", "-o", str(output), file_size=LIMIT
    )
    _one_clear_line(result, TOO_LARGE)
    assert output.read_bytes() == b"last week's plots"
    assert os.listdir(tmp_path) == ["plots.gpkg"]


def test_raster_stats_into_a_geopackage_past_the_space_left(tmp_path):
    ws = seeded_workspace(Workspace.create(tmp_path / "ws", language="en"), tmp_path)
    raster = write_classified(tmp_path / "classes.tif")
    root = _log_to_full_disk(ws)
    folder = tmp_path / "out"
    folder.mkdir()
    result = _hailin(
        root, "raster", "stats", str(raster), "--classes", CLASSES, "-o", str(folder / "s.gpkg"),
        file_size=LIMIT,
    )  # fmt: skip
    _one_clear_line(result, TOO_LARGE)
    assert os.listdir(folder) == []


def test_a_dataset_export_past_the_space_left_leaves_no_folder(workspace, tmp_path):
    result = _hailin(workspace, "dataset", "export", str(tmp_path / "dataset"), file_size=LIMIT)
    _one_clear_line(result, TOO_LARGE)
    assert os.listdir(tmp_path) == []


def test_an_append_past_the_space_left_leaves_the_dataset_as_it_was(workspace, tmp_path):
    dataset = tmp_path / "dataset"
    assert _hailin(workspace, "dataset", "export", str(dataset), "--county", "霞浦").returncode == 0
    before = sorted((p.relative_to(dataset), p.stat().st_mtime_ns) for p in dataset.rglob("*"))
    result = _hailin(
        workspace,
        "dataset",
        "export",
        str(dataset),
        "--county",
        "福鼎",
        "--append",
        file_size=LIMIT,
    )
    _one_clear_line(result, TOO_LARGE)
    assert (
        sorted((p.relative_to(dataset), p.stat().st_mtime_ns) for p in dataset.rglob("*")) == before
    )


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (sqlite3.OperationalError("database or disk is full"), errno.ENOSPC),
        (pyogrio.errors.DataLayerError("Error in FWrite(): No space left on device"), errno.ENOSPC),
        (OSError("[Errno 122] Disk quota exceeded"), errno.EDQUOT),
        (pyogrio.errors.DataLayerError("write to .shp file: File too large"), errno.EFBIG),
    ],
)
def test_a_full_disk_is_known_by_its_words(error, code):
    assert full_disk_error(error).errno == code


def test_other_errors_are_no_full_disk():
    assert full_disk_error(pyogrio.errors.DataLayerError("no such layer")) is None
    assert full_disk_error(KeyError("plot_id")) is None


def test_an_import_past_the_space_left_is_one_message_and_stores_nothing(workspace, tmp_path):
    patrol = tmp_path / "patrol.csv"
    patrol.write_bytes(csv_bytes([good_row(i) for i in range(3000)]))  # archived, past 48 KiB
    uploads = os.path.join(workspace, "uploads")
    before = sorted(os.listdir(uploads))
    result = _hailin(workspace, "import", str(patrol), file_size=LIMIT)
    _one_clear_line(result, TOO_LARGE)
    assert sorted(os.listdir(uploads)) == before
    assert len(Workspace(workspace).surveys()) == 5


def test_init_past_the_space_left_leaves_no_half_workspace(tmp_path):
    result = _hailin(tmp_path, "init", str(tmp_path / "new"), file_size=LIMIT)
    _one_clear_line(result, TOO_LARGE)
    assert os.listdir(tmp_path) == []


def test_a_demo_past_the_space_left_leaves_nothing(tmp_path):
    result = _hailin(tmp_path, "demo", str(tmp_path / "demo"), file_size=1 << 20)
    _one_clear_line(result, TOO_LARGE)
    assert os.listdir(tmp_path) == []


def test_a_store_write_past_the_space_left_is_the_stores_full_disk_line(workspace):
    result = _hailin(workspace, "flag", file_size=LIMIT)
    _one_clear_line(result, "the disk is full (or the store reached its size limit)")
    assert len(Workspace(workspace).surveys()) == 5


def test_a_plan_past_the_space_left_leaves_no_half_folder(tmp_path):
    from tests.risk_workspace import build
    from tests.test_plan import TEAMS, WEEK

    ws = build(tmp_path / "ws")
    teams = tmp_path / "teams.toml"
    teams.write_text(TEAMS, encoding="utf-8")
    root = _log_to_full_disk(ws)
    folder = tmp_path / "plan"
    result = _hailin(
        root, "plan", "--week", WEEK, "--teams", str(teams), "-o", str(folder), file_size=LIMIT
    )
    _one_clear_line(result, TOO_LARGE)
    assert not folder.exists()
