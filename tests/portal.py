"""A real patrol portal for the tests: `hailin serve` (gunicorn and its worker)
on a free port of 127.0.0.1 over a copy of the demo workspace, accounts made
with `hailin users add`, and logged-in HTTP sessions."""

import contextlib
import http.server
import io
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hailin(*args, workspace, env=None, stdin=None):
    """Run the hailin CLI in a subprocess; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "hailin", "-w", str(workspace), *map(str, args)],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


class Portal:
    """One running portal: its base URL, workspace and admin password."""

    def __init__(self, workspace, env=None, workers=2):
        self.workspace = pathlib.Path(workspace)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.mail_dir = self.workspace / "mail"
        self.env = {
            "HAILIN_ALERT_BACKOFF_S": "0.5",
            "HAILIN_MAP_INTERVAL_S": "0.5",
            "HAILIN_MAIL_DIR": str(self.mail_dir),
            **(env or {}),
        }
        self.log = open(self.workspace / "serve.out", "w+", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "hailin", "-w", str(self.workspace), "serve",
                "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
        )  # fmt: skip
        try:
            self.admin_password = self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def output(self):
        self.log.flush()
        return (self.workspace / "serve.out").read_text(encoding="utf-8")

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hailin serve stopped:\n{self.output()}")
            try:
                if requests.get(self.base + "/accounts/login/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still starting
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError(f"hailin serve did not answer:\n{self.output()}")
        found = re.search(r"password:\s+(\S+)", self.output())
        return found.group(1) if found else None

    def add_user(self, name, role, *teams, patrol_type=None, email=None, alerts=False):
        args = ["users", "add", name, "--role", role]
        for team in teams:
            args += ["--team", team]
        if patrol_type:
            args += ["--patrol-type", patrol_type]
        if email:
            args += ["--email", email]
        if alerts:
            args.append("--alerts")
        done = hailin(*args, workspace=self.workspace, env=self.env)
        assert done.returncode == 0, done.stderr
        return re.search(r"password: (\S+)", done.stdout).group(1)

    def try_login(self, session, name, password, headers=None):
        """The login page's answer to ``name`` and ``password`` sent by ``session``."""
        session.get(self.base + "/accounts/login/", headers=headers, timeout=30)
        return session.post(
            self.base + "/accounts/login/",
            data={
                "username": name,
                "password": password,
                "csrfmiddlewaretoken": session.cookies["hailin_csrftoken"],
            },
            headers=headers,
            allow_redirects=False,
            timeout=30,
        )

    def login(self, name, password):
        """A requests.Session logged in as ``name``, the CSRF token in its headers."""
        session = requests.Session()
        answer = self.try_login(session, name, password)
        assert answer.status_code == 302, answer.text[:500]
        session.headers["X-CSRFToken"] = session.cookies["hailin_csrftoken"]
        return session

    def upload(self, session, *files, team="", patrol_type="", follow=True, timeout=180):
        """POST /api/uploads with ``files`` as (name, bytes) pairs; an accepted
        upload (202) is followed to its job's answer once every file is imported."""
        answer = session.post(
            self.base + "/api/uploads",
            files=[("files", (name, io.BytesIO(body))) for name, body in files],
            data={"team": team, "patrol_type": patrol_type},
            timeout=120,
        )
        if answer.status_code != 202 or not follow:
            return answer
        return self.follow(session, answer.json()["status_url"], timeout=timeout)

    def follow_page(self, session, answer, timeout=180):
        """The upload page ``answer`` (a redirect to a queued upload) once it shows
        every file's result (it reloads itself until then)."""
        assert answer.status_code == 302, answer.text[:300]
        url = self.base + answer.headers["Location"]

        def done():
            page = session.get(url, timeout=60)
            return page if 'id="waiting"' not in page.text else None

        return self.wait_for(done, timeout=timeout, what=f"{url} done")

    def follow(self, session, status_url, timeout=180):
        """The job at ``status_url`` once its state is done (its GET response)."""

        def done():
            answer = session.get(self.base + status_url, timeout=60)
            return answer if answer.json()["state"] == "done" else None

        # Twice a second (the upload page reloads every 2 s).
        return self.wait_for(done, timeout=timeout, what=f"{status_url} done", every=0.5)

    def wait_for(self, check, timeout=60, what="condition", every=0.25):
        """Poll ``check()`` until it returns something true (bounded; catches hangs)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(every)
        raise AssertionError(f"{what} not reached within {timeout} s\n{self.output()[-3000:]}")

    def maps_ready(self, session):
        answer = session.get(self.base + "/api/maps", timeout=30).json()
        return all(m["ready"] for m in answer)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@contextlib.contextmanager
def running(template, folder, env=None, workers=2):
    """A portal on a copy of the workspace ``template`` in ``folder``."""
    shutil.copytree(template, folder, ignore=shutil.ignore_patterns("web", "mail"))
    portal = Portal(folder, env=env, workers=workers)
    try:
        yield portal
    finally:
        portal.stop()


def plan_this_week(workspace, stops):
    """Write a plan of this week (the portal's time zone) with ``stops``, each
    (team, order, stop_id, kind, reason, risk), all today; returns (week, day)."""
    import datetime
    import zoneinfo

    import pandas as pd

    from hailin.surveys import Workspace
    from hailin.surveys.io.routes import week_folder, write_plan
    from hailin.surveys.plan.phone import iso_week

    today = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    columns = ["team", "order", "stop_id", "kind", "reason", "risk"]
    plan = pd.DataFrame(stops, columns=columns).assign(day=today.isoformat(), lon=120.33, lat=27.26)
    folder = week_folder(Workspace(workspace).paths.out, iso_week(today))
    os.makedirs(folder, exist_ok=True)
    write_plan(plan, folder)
    return iso_week(today), today.isoformat()


def csv_bytes(rows, header="时间,经度,纬度,发现,巡查类型,备注"):
    """A patrol CSV (UTF-8) of ``rows`` (tuples matching ``header``)."""
    lines = [header] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def geotagged_jpeg(lon, lat, taken="2024:05:01 10:00:00", offset="+08:00", size=(640, 480)):
    """A JPEG whose EXIF holds a GPS position and a time (made with Pillow)."""
    from fractions import Fraction

    from PIL import Image
    from PIL.TiffImagePlugin import IFDRational

    def dms(value):
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = Fraction((value - degrees - minutes / 60) * 3600).limit_denominator(100000)
        return (
            IFDRational(degrees, 1),
            IFDRational(minutes, 1),
            IFDRational(seconds.numerator, seconds.denominator),
        )

    image = Image.new("RGB", size, (40, 120, 60))
    exif = image.getexif()
    exif.get_ifd(0x8769).update({0x9003: taken, 0x9011: offset})
    if lon is not None:
        exif.get_ifd(0x8825).update(
            {
                1: "N" if lat >= 0 else "S",
                2: dms(abs(lat)),
                3: "E" if lon >= 0 else "W",
                4: dms(abs(lon)),
            }
        )
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def quiet_plots(workspace, count=1):
    """``count`` clearance plots without any case yet: (plot_id, lon, lat) of a
    point inside each (a Spartina finding there opens the plot's case #1)."""
    from hailin.surveys import Workspace

    ws = Workspace(workspace)
    plots = ws.plots("clearance")
    ledger, _patches = ws.ledger()
    quiet = plots[~plots["plot_id"].isin(set(ledger["plot_id"]))].sort_values("plot_id")
    picked = []
    for row in quiet.head(count).itertuples():
        point = row.geometry.representative_point()
        picked.append((row.plot_id, round(point.x, 6), round(point.y, 6)))
    return picked


class Receiver:
    """An HTTP server on 127.0.0.1 recording every POST; ``answers`` per path."""

    def __init__(self, host="127.0.0.1"):
        self.received = []
        self.calls = {}
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                path = urllib.parse.urlsplit(self.path).path
                receiver.calls[path] = receiver.calls.get(path, 0) + 1
                status, answer = receiver.answer(path, receiver.calls[path])
                if status == 200:
                    receiver.received.append(
                        {
                            "path": path,
                            "query": urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query),
                            "content_type": self.headers.get("Content-Type"),
                            "json": json.loads(body.decode("utf-8")),
                        }
                    )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(answer).encode())

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def answer(path, call):
        if path == "/flaky" and call <= 2:
            return 500, {"error": "try later"}
        if path in ("/wecom", "/dingtalk"):
            return 200, {"errcode": 0, "errmsg": "ok"}
        return 200, {"ok": True}

    def messages(self, path):
        return [m for m in self.received if m["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
