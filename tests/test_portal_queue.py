"""Uploads through the import queue (issue 21): readers are answered while 16
uploaders wait; an importer killed (-9) after the store took a file is
reconciled at its restart (the audit record written, marked recovered); a
restart leaves web/tmp and web/jobs empty; `users add` before the first
`serve` leaves a usable admin."""

import concurrent.futures
import datetime
import os
import re
import shutil
import signal
import sqlite3
import statistics
import time

import pytest

from hailin.surveys import Workspace
from tests.portal import Portal, csv_bytes, hailin, quiet_plots

UPLOADERS = 16
LOAD_S = 12
ROWS = 200


@pytest.fixture(scope="module")
def portal(portal_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("queue") / "ws"
    shutil.copytree(portal_template, folder, ignore=shutil.ignore_patterns("web", "mail"))
    env = {"HAILIN_MAP_LANGS": "", "HAILIN_UPLOAD_RATE": "100000/600"}
    added = hailin(
        "users", "add", "crew", "--role", "patrol", "--team", "前岐镇",
        workspace=folder, env=env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    portal = Portal(folder, env=env, workers=2)
    portal.first_output = added.stderr
    portal.crew_password = re.search(r"password: (\S+)", added.stdout).group(1)
    try:
        yield portal
    finally:
        portal.stop()


def test_users_add_before_the_first_serve_leaves_a_usable_admin(portal):
    assert portal.admin_password is None  # serve made no admin: there was one
    password = re.search(r"password:\s+(\S+)", portal.first_output).group(1)
    assert "first start: an admin account was created" in portal.first_output
    admin = portal.login("admin", password)
    assert admin.get(portal.base + "/api/me", timeout=30).json()["role"] == "admin"
    portal.admin = admin


def _file(uploader, number):
    rows = [
        (f"2024-10-{1 + uploader % 28:02d} {8 + row // 60:02d}:{row % 60:02d}",
         round(120.33 + uploader * 1e-4, 6), round(27.26 + number * 1e-4 + row * 1e-6, 7),
         "未见异常", "乡镇巡查", f"u{uploader} f{number} r{row}")
        for row in range(ROWS)
    ]  # fmt: skip
    return f"负载-{uploader}-{number}.csv", csv_bytes(rows)


@pytest.mark.slow
def test_readers_are_answered_while_sixteen_uploaders_queue(portal):
    ws = Workspace(portal.workspace)
    before = len(ws.surveys(["record_id"]))
    sessions = [portal.login("crew", portal.crew_password) for _ in range(UPLOADERS)]
    reader = portal.login("admin", re.search(r"password:\s+(\S+)", portal.first_output).group(1))
    stop = time.monotonic() + LOAD_S
    results, waits = [], []

    def upload(uploader):
        """As the upload page does: send a file, follow it until it is imported."""
        number = 0
        while time.monotonic() < stop:
            answer = portal.upload(sessions[uploader], _file(uploader, number), timeout=600)
            assert answer.status_code == 200, answer.text[:300]
            results.extend(answer.json()["files"])
            number += 1

    def read():
        while time.monotonic() < stop:
            for path in ("/api/me", "/uploads/"):
                started = time.monotonic()
                assert reader.get(portal.base + path, timeout=60).status_code == 200
                waits.append(time.monotonic() - started)

    with concurrent.futures.ThreadPoolExecutor(UPLOADERS + 1) as pool:
        futures = [pool.submit(upload, n) for n in range(UPLOADERS)] + [pool.submit(read)]
        for future in futures:
            future.result()
    p95 = statistics.quantiles(waits, n=20)[-1]
    assert p95 < 1.0, f"reader p95 {p95:.2f} s over {len(waits)} reads"
    assert len(results) >= UPLOADERS
    assert {r["status"] for r in results} == {"accepted"}
    records = ws.surveys(["record_id"])
    assert len(records) == before + ROWS * len(results)
    assert records["record_id"].is_unique


def _importer_pid(portal):
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read()
        except (OSError, ValueError, IndexError):
            continue
        if parent == portal.process.pid and b"hailin.web.importer" in command:
            return int(entry)
    return None


def _stored(portal, name):
    with sqlite3.connect(f"file:{portal.workspace / 'hailin.gpkg'}?mode=ro", uri=True) as db:
        return db.execute("SELECT count(*) FROM uploads WHERE file = ?", (name,)).fetchone()[0]


def _audited(portal, name):
    with sqlite3.connect(
        f"file:{portal.workspace / 'web' / 'portal.sqlite3'}?mode=ro", uri=True
    ) as db:
        rows = db.execute("SELECT detail FROM portal_auditevent WHERE action = 'upload'").fetchall()
    return [detail for (detail,) in rows if name in detail]


def test_an_importer_killed_after_the_commit_is_reconciled(portal):
    name = "kill-after-commit.csv"
    ((_plot, lon, lat),) = quiet_plots(portal.workspace, 1)
    # A regrowth finding: after the commit the import compares the ledger (the window).
    body = csv_bytes([("2025-04-01 10:00", lon, lat, "复萌", "乡镇巡查", "")])
    crew = portal.login("crew", portal.crew_password)
    pid = _importer_pid(portal)
    assert pid
    answer = portal.upload(crew, (name, body), follow=False)
    assert answer.status_code == 202
    deadline = time.monotonic() + 120
    while not _stored(portal, name):  # polled closely: the kill must come before the audit
        assert time.monotonic() < deadline, "the store never took the file"
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    assert _audited(portal, name) == []  # killed between the commit and the audit record
    done = portal.follow(crew, answer.json()["status_url"], timeout=120).json()["files"][0]
    assert done["status"] == "accepted" and done["rows_accepted"] == 1
    assert "recovered" in done["warnings"][0]["message"]
    (detail,) = _audited(portal, name)
    assert '"recovered": true' in detail
    assert _stored(portal, name) == 1
    assert _importer_pid(portal) not in (None, pid)  # `hailin serve` started another
    assert os.listdir(portal.workspace / "web" / "jobs") == []


def _add_job(db, key, state, age_days, finished=True):
    """An ImportJob row made ``age_days`` ago (finished then too, if ``finished``)."""
    when = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=age_days)).strftime(
        "%Y-%m-%d %H:%M:%S.%f"
    )
    (user,) = db.execute("SELECT id FROM auth_user WHERE username = 'crew'").fetchone()
    db.execute(
        "INSERT INTO portal_importjob (key, created_at, user_id, team, patrol_type, address,"
        " state, files, started_at, finished_at) VALUES (?, ?, ?, '', '', '', ?, '[]', ?, ?)",
        (key, when, user, state, when, when if finished else None),
    )


def _job_states(portal):
    with sqlite3.connect(
        f"file:{portal.workspace / 'web' / 'portal.sqlite3'}?mode=ro", uri=True
    ) as db:
        return dict(db.execute("SELECT key, state FROM portal_importjob").fetchall())


def test_the_importer_forgets_jobs_finished_over_thirty_days_ago(portal):
    with sqlite3.connect(portal.workspace / "web" / "portal.sqlite3") as db:
        _add_job(db, "done-40-days-ago", "done", 40)
        _add_job(db, "done-29-days-ago", "done", 29)
        _add_job(db, "running-since-40-days", "running", 40, finished=False)
        _add_job(db, "queued-40-days-ago", "queued", 40, finished=False)
    crew = portal.login("crew", portal.crew_password)
    ((_plot, lon, lat),) = quiet_plots(portal.workspace, 1)
    body = csv_bytes([("2024-10-02 09:00", lon, lat, "未见异常", "乡镇巡查", "")])
    answer = portal.upload(crew, ("forget-old-jobs.csv", body), follow=False)
    assert answer.status_code == 202
    key = answer.json()["job"]
    portal.follow(crew, answer.json()["status_url"], timeout=120)
    portal.wait_for(lambda: "done-40-days-ago" not in _job_states(portal), what="old job forgotten")
    states = _job_states(portal)
    assert states["done-29-days-ago"] == "done"
    assert states["running-since-40-days"] == "running"  # a job still running stays
    assert states["queued-40-days-ago"] == "done"  # imported (no files) and just finished: kept
    assert states[key] == "done"
    gone = crew.get(portal.base + "/api/jobs/done-40-days-ago", timeout=30)
    assert gone.status_code == 404 and gone.json() == {"detail": "no such upload"}
    kept = crew.get(portal.base + "/api/jobs/done-29-days-ago", timeout=30)
    assert kept.status_code == 200 and kept.json()["state"] == "done"


def test_a_restart_cleans_web_tmp(portal):
    left = portal.workspace / "web" / "tmp" / "incoming-killed"
    left.mkdir(parents=True)
    (left / "raw.csv").write_bytes(b"a,b\n")
    (portal.workspace / "web" / "tmp" / "upload-part.upload").write_bytes(b"x")
    (portal.workspace / "web" / "jobs" / "deadbeef").mkdir()
    portal.stop()
    again = Portal(portal.workspace, env=portal.env, workers=1)
    try:
        assert os.listdir(portal.workspace / "web" / "tmp") == []
        assert os.listdir(portal.workspace / "web" / "jobs") == []
    finally:
        again.stop()
