"""A full disk is one clear message for every command that writes a file, with
no traceback (not even from the log's close) and no half-written output left.

The disk is made full for real: outputs and the log are written to /dev/full
(every write fails with ENOSPC), or the command runs under a file-size limit
(RLIMIT_FSIZE, writes past it fail with EFBIG), as a filling disk does.
"""

import os
import resource
import signal
import subprocess
import sys

import pytest

from hailin.surveys.workspace import Workspace
from tests.hostile import csv_bytes, good_row

FULL = "/dev/full"
pytestmark = pytest.mark.skipif(not os.path.exists(FULL), reason="needs /dev/full (Linux)")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("full")
    ws = Workspace.create(folder / "ws")
    patrol = folder / "patrol.csv"
    patrol.write_bytes(csv_bytes([good_row(i) for i in range(5)]))
    assert ws.import_file(patrol).status == "accepted"
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
    # 48 KiB: the store reads, its 32 KiB index included, fit; the outputs do not.
    result = _hailin(workspace, *[a.format(out=output) for a in arguments], file_size=48 * 1024)
    _one_clear_line(result, "the file grew past the size this system lets a process write")
    assert not output.exists()


def test_a_failure_before_writing_keeps_the_previous_output(workspace, tmp_path):
    output = tmp_path / "report.docx"
    output.write_bytes(b"last month's report")
    result = _hailin(workspace, "report", "--month", "not-a-month", "-o", str(output))
    assert result.returncode != 0
    assert output.read_bytes() == b"last month's report"
