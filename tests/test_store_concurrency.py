"""The store under concurrency and trouble: WAL readers, a bounded writer wait that
names the holder, simultaneous imports of one file, full disk, corrupt store."""

import hashlib
import json
import os
import pathlib
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.demo_data import survey_csv_frame
from hailin.surveys.errors import StoreError
from hailin.surveys.io import storelock
from hailin.surveys.io.geopackage import header_problem
from hailin.surveys.io.store import WRITE_WAIT_S, Store
from hailin.surveys.workspace import Workspace
from tests.conftest import DATA

FORMATS = DATA / "formats"
ROOT = pathlib.Path(__file__).resolve().parent.parent

# A real hailin writer: takes the write lock like an import and keeps it until told.
HOLDER = """
import sys
from hailin.surveys.workspace import Workspace
ws = Workspace(sys.argv[1])
with ws.store() as store, store.transaction(holder="hailin import of holder.csv (surveys)"):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def _hailin(*args):
    return [sys.executable, "-m", "hailin", *map(str, args)]


class Holder:
    """A child process holding the store's write lock until released."""

    def __init__(self, ws):
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, ws.root],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline() == "holding\n"

    def release(self):
        self.process.communicate("\n", timeout=60)  # closes the pipes too
        assert self.process.returncode == 0


@pytest.fixture
def workspace(tmp_path):
    """An English workspace: the store's refusals are checked here in English
    (their Chinese in tests/test_cli_words.py and tests/test_every_message.py)."""
    return Workspace.create(tmp_path / "ws", language="en")


def run(ws, *args):
    return CliRunner().invoke(main, ["-w", ws.root, *map(str, args)])


def counts(ws):
    return len(ws.surveys()), len(ws.rejects()), len(ws.uploads())


def uploads_dir_files(ws):
    return sorted(os.listdir(ws.uploads_dir))


def file_digest(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def test_the_store_is_wal_and_reads_open_it_read_only(workspace):
    with sqlite3.connect(workspace.store_path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with workspace.store(write=False) as store, pytest.raises(StoreError, match="read-only"):
        store.append("x", workspace.sites())
    assert WRITE_WAIT_S == 30.0
    assert Workspace.write_wait_s == 30.0


def test_readers_neither_wait_for_nor_take_the_write_lock(workspace):
    workspace.import_file(FORMATS / "patrol_en.csv")
    holder = Holder(workspace)
    try:
        # Every read path answers at once, with the last commit.
        assert counts(workspace) == (4, 0, 1)
        assert len(workspace.plots("clearance")) == 0
        ledger, _patches = workspace.ledger()
        assert len(ledger) == 2
        clearance, restoration = workspace.progress(ledger)
        assert (clearance.totals["plots"], restoration.totals["plots"]) == (0, 0)
        result = run(workspace, "progress", "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["clearance"]["totals"]["new_infestations"] == 2
        assert run(workspace, "uploads", "list", "--json").exit_code == 0
        # The holder still holds the lock: the reads did not wait for it.
        assert holder.process.poll() is None
        assert storelock.read_record(workspace.store_path)["pid"] == holder.process.pid
    finally:
        holder.release()
    assert not os.path.exists(storelock.record_path(workspace.store_path))


def test_a_writer_waits_a_bounded_time_and_names_the_import_holding_the_store(
    workspace, monkeypatch
):
    monkeypatch.setattr(Workspace, "write_wait_s", 1.0)
    workspace.import_file(FORMATS / "patrol_en.csv")
    before, files, store_bytes = counts(workspace), uploads_dir_files(workspace), None
    holder = Holder(workspace)
    try:
        started = time.monotonic()
        result = run(workspace, "import", FORMATS / "patrol_bom.csv")
        assert time.monotonic() - started < 30  # bounded, not the old 900 s
        assert result.exit_code == 4
        assert "the store is locked by hailin import of holder.csv (surveys)" in result.stderr
        assert f"(pid {holder.process.pid} on " in result.stderr
        assert "waited 1 s for it. Nothing was written" in result.stderr
        assert "Traceback" not in result.output
        store_bytes = file_digest(workspace.store_path)
    finally:
        holder.release()
    assert counts(workspace) == before
    assert uploads_dir_files(workspace) == files  # no orphaned archive or staging copy
    assert file_digest(workspace.store_path) == store_bytes
    result = run(workspace, "import", FORMATS / "patrol_bom.csv")
    assert result.exit_code == 0, result.output
    assert counts(workspace) == (7, 0, 2)


def test_a_stale_holder_record_is_overwritten_and_never_named(workspace, monkeypatch):
    monkeypatch.setattr(Workspace, "write_wait_s", 0.5)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    record = {
        "pid": dead.pid,
        "host": __import__("socket").gethostname(),
        "process_start": None,
        "what": "hailin import of killed.csv (surveys)",
        "since": "2024-01-01T00:00:00+00:00",
        "token": "x",
    }
    path = pathlib.Path(storelock.record_path(workspace.store_path))
    path.write_text(json.dumps(record))
    # Another program (not hailin) holds the lock: the stale record is not named.
    with sqlite3.connect(workspace.store_path, isolation_level=None) as other:
        other.execute("BEGIN IMMEDIATE")
        result = run(workspace, "import", FORMATS / "patrol_en.csv")
        other.execute("ROLLBACK")
    assert result.exit_code == 4
    assert "killed.csv" not in result.stderr
    assert (
        "the store is locked by another program (no running hailin import is recorded as "
        f"holding it; a record left by pid {dead.pid}, which is no longer running, was ignored"
    ) in result.stderr
    # The next writer takes the lock and replaces the stale record, then clears it.
    result = run(workspace, "import", FORMATS / "patrol_en.csv")
    assert result.exit_code == 0, result.output
    assert not path.exists()


def test_a_reused_pid_does_not_make_a_record_alive():
    record = {
        "pid": os.getpid(),
        "host": __import__("socket").gethostname(),
        "process_start": storelock.process_start(os.getpid()),
    }
    assert storelock.is_alive(record)
    if record["process_start"] is None:
        pytest.skip("no /proc here to tell processes under one pid apart")
    assert not storelock.is_alive({**record, "process_start": record["process_start"] - 1})


def test_eight_simultaneous_imports_of_one_file_keep_one_accepted_record(workspace, tmp_path):
    survey_csv_frame(500, workspace.sites(), seed=3).to_csv(tmp_path / "same.csv", index=False)
    # Hold the store until all eight have checked for an earlier upload, read
    # the file and staged it: each must then decide inside its write transaction.
    holder = Holder(workspace)
    # The CLI as users run it, with a longer writer wait: the first to queue for the
    # lock waits for the slowest to start, which on a busy machine can take long.
    patient = (
        "import sys; from hailin.surveys.workspace import Workspace; Workspace.write_wait_s = 300.0; "
        "from hailin.cli import main; main(sys.argv[1:], prog_name='hailin')"
    )
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                patient,
                "-w",
                workspace.root,
                "import",
                tmp_path / "same.csv",
                "--json",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    try:
        deadline = time.monotonic() + 120
        staged = []
        while len(staged) < 8 and time.monotonic() < deadline:
            staged = [n for n in os.listdir(workspace.uploads_dir) if n.startswith(".incoming-")]
            time.sleep(0.05)
        assert len(staged) == 8, "not all eight imports got past their first look"
    finally:
        holder.release()
    outputs = [p.communicate(timeout=300) for p in processes]
    summaries = [json.loads(out) for out, _err in outputs]
    assert sorted(p.returncode for p in processes) == [0] * 8
    statuses = sorted(s["status"] for s in summaries)
    assert statuses == ["accepted"] + ["duplicate"] * 7
    accepted = next(s for s in summaries if s["status"] == "accepted")
    assert (accepted["rows_read"], accepted["rows_accepted"], accepted["rows_rejected"]) == (
        500,
        500,
        0,
    )
    for summary in summaries:
        if summary["status"] == "duplicate":
            assert (summary["rows_accepted"], summary["rows_duplicate"]) == (0, 500)
    uploads = workspace.uploads()
    assert uploads[["status", "rows_read", "rows_accepted", "rows_duplicate"]].values.tolist() == [
        ["accepted", 500, 500, 0]
    ]
    assert len(workspace.surveys()) == 500
    assert uploads_dir_files(workspace) == [accepted["upload_id"] + ".csv"]


def test_a_reader_answers_while_a_large_import_holds_the_store(workspace, tmp_path):
    workspace.import_file(FORMATS / "patrol_en.csv")
    before = counts(workspace)
    big = tmp_path / "big.csv"
    survey_csv_frame(300_000, workspace.sites(), seed=5).to_csv(big, index=False)
    record = pathlib.Path(storelock.record_path(workspace.store_path))
    process = subprocess.Popen(
        _hailin("-w", workspace.root, "import", big, "--json"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not record.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert process.poll() is None and record.exists(), "the import never took the write lock"
    started = time.monotonic()
    seen = counts(workspace)
    answered = time.monotonic() - started
    result = run(workspace, "progress", "--json")
    held = record.exists() and process.poll() is None
    assert seen == before  # the last commit, not half an import
    assert result.exit_code == 0, result.output
    assert held, "the import finished before the reader could be tested; use a larger file"
    assert answered < 2.0  # three layers read; an import waited for takes ~10 s or more
    assert process.wait(timeout=300) == 0
    assert counts(workspace) == (before[0] + 300_000, 0, before[2] + 1)


def _page_of(store_path, name):
    with sqlite3.connect(store_path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        root = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)
        ).fetchone()[0]
    return (root - 1) * page_size, page_size


def _damage(store_path, offset, size):
    with open(store_path, "r+b") as handle:
        handle.seek(offset)
        handle.write(b"\xa5" * size)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        # checked before writing
        ("gpkg_geometry_columns", "the store is corrupt (quick_check of gpkg_geometry_columns: "),
        ("surveys_key", "the store is corrupt (database disk image is malformed)"),  # met writing
        ("header", "not a GeoPackage store, or the store is corrupt (file is not a database)"),
    ],
)
def test_a_corrupt_store_is_refused_untouched_and_nothing_archived(workspace, target, message):
    workspace.import_file(FORMATS / "patrol_en.csv")
    files = uploads_dir_files(workspace)
    if target == "header":
        _page_of(workspace.store_path, "uploads")  # checkpoint, so the header is on disk
        _damage(workspace.store_path, 0, 16)
    else:
        offset, size = _page_of(workspace.store_path, target)
        _damage(workspace.store_path, offset, size)
    damaged = file_digest(workspace.store_path)
    result = run(workspace, "import", FORMATS / "patrol_bom.csv")
    assert result.exit_code == 4
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert file_digest(workspace.store_path) == damaged
    assert uploads_dir_files(workspace) == files


def test_the_check_before_writing_reads_the_header():
    assert header_problem(b"") is None
    assert (
        header_problem(b"SQLite format 3\x00\x10\x00\x01\x01\x00\x40\x20\x20" + bytes(76)) is None
    )
    assert header_problem(b"SQLite format 3\x00\x10\x01" + bytes(82)).startswith(
        "the SQLite header is damaged (page size 4097)"
    )
    assert "signature" in header_problem(b"x" * 100)


def test_a_full_store_says_disk_full_and_leaves_everything_as_it_was(
    workspace, tmp_path, monkeypatch
):
    workspace.import_file(FORMATS / "patrol_en.csv")
    before, files = counts(workspace), uploads_dir_files(workspace)
    survey_csv_frame(5_000, workspace.sites(), seed=9).to_csv(tmp_path / "more.csv", index=False)
    with sqlite3.connect(workspace.store_path) as connection:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
    monkeypatch.setattr(Store, "max_page_count", pages + 2)
    result = run(workspace, "import", tmp_path / "more.csv")
    assert result.exit_code == 4
    assert "the disk is full (or the store reached its size limit); nothing was written" in (
        result.stderr
    )
    monkeypatch.setattr(Store, "max_page_count", None)
    assert counts(workspace) == before
    assert uploads_dir_files(workspace) == files
    with workspace.store() as store:
        assert store.integrity_check() == "ok"
    assert run(workspace, "import", tmp_path / "more.csv").exit_code == 0


def _mount_tmpfs(folder, size):
    folder.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
    except OSError:
        return False
    return done.returncode == 0


@pytest.mark.parametrize(("rows", "where"), [(40_000, "staging"), (7_000, "store")])
def test_a_full_disk_says_so_and_leaves_everything_as_it_was(tmp_path, rows, where):
    small = tmp_path / "small"
    if not _mount_tmpfs(small, "1536k"):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        ws = Workspace.create(small / "ws", language="en")
        ws.import_file(FORMATS / "patrol_en.csv")
        before, files = counts(ws), uploads_dir_files(ws)
        big = tmp_path / "big.csv"
        survey_csv_frame(rows, ws.sites(), seed=4).to_csv(big, index=False)
        free = os.statvfs(small).f_bavail * os.statvfs(small).f_frsize
        assert (big.stat().st_size > free) == (where == "staging")
        result = run(ws, "import", big)
        assert result.exit_code == 4
        assert "the disk is full" in result.stderr
        assert "nothing was" in result.stderr and "Traceback" not in result.output
        assert counts(ws) == before
        assert uploads_dir_files(ws) == files
        with ws.store() as store:
            assert store.integrity_check() == "ok"
    finally:
        subprocess.run(["umount", str(small)], check=False)
