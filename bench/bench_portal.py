"""The patrol portal under load (`python -m bench.bench_portal [--seconds 60]`).

`hailin serve` (gunicorn, default workers, the importer taking the queued
uploads, the background worker drawing maps after imports) on a copy of the
demo workspace, on 127.0.0.1. Sixteen clients, each logged in as its own patrol
account, upload 100-row CSVs back to back for the duration, each followed to
its import's end as the upload page does (every fifth file repeats ten rows of
the client's previous one, so some rows are duplicates); four readers load
/api/me, /progress/, /ledger/ and /uploads/ throughout. Reports uploads per
second, upload latency (answer, and until imported) p50/p95/max, errors, the
readers' latency, and checks the store afterwards: every upload stored once,
rows = uploads x 100 minus duplicates.
"""

import argparse
import json
import pathlib
import random
import shutil
import statistics
import sys
import threading
import time

import requests

from hailin.demo import build_demo
from hailin.surveys import Workspace
from tests.portal import csv_bytes, quiet_plots, running

OUT = pathlib.Path(__file__).resolve().parent / "out" / "portal"
CLIENTS = 16
READERS = ("/api/me", "/progress/", "/ledger/", "/uploads/")
ROWS = 100


def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def client_rows(client, sequence, plot):
    """100 rows for one file; two in ten files carry a regrowth finding in ``plot``."""
    rows = []
    day = 1 + sequence % 28
    month = 1 + (sequence // 28) % 12
    for row in range(ROWS):
        minute = client * 100 + row
        rows.append(
            (
                f"2025-{month:02d}-{day:02d} {6 + minute // 60 % 12:02d}:{minute % 60:02d}:"
                f"{sequence % 60:02d}",
                round(120.30 + client * 0.004 + row * 2e-5, 6),
                round(27.24 + (sequence % 400) * 5e-5, 6),
                "未见异常",
                "乡镇巡查",
                f"client {client} file {sequence} row {row}",
            )
        )
    if sequence % 5 == 2:
        _plot, lon, lat = plot
        rows[0] = (rows[0][0], lon, lat, "复萌", "乡镇巡查", f"client {client} regrowth")
    return rows


def run(seconds):
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    template = OUT / "template"
    build_demo(template)
    plots = quiet_plots(template, CLIENTS)
    results = {"uploads": [], "errors": [], "ledger": [], "answered": []}
    lock = threading.Lock()
    with running(template, OUT / "ws") as portal:
        passwords = [portal.add_user(f"crew{i}", "patrol", "前岐镇") for i in range(CLIENTS)]
        viewer_password = portal.add_user("reader", "viewer")
        sessions = [portal.login(f"crew{i}", p) for i, p in enumerate(passwords)]
        reader = portal.login("reader", viewer_password)
        ws = Workspace(portal.workspace)
        rows_before = len(ws.surveys(["record_id"]))
        reader.get(portal.base + "/ledger/", timeout=60)  # warm the worker it lands on
        stop = time.monotonic() + seconds
        start = time.monotonic()

        def upload_loop(client):
            previous = None
            sequence = 0
            while time.monotonic() < stop:
                rows = client_rows(client, sequence, plots[client])
                if sequence % 5 == 4 and previous:
                    rows[:10] = previous[:10]  # ten rows already stored: duplicates
                name = f"bench-{client}-{sequence}.csv"
                began = time.perf_counter()
                try:
                    answer = portal.upload(sessions[client], (name, csv_bytes(rows)), follow=False)
                    with lock:
                        results["answered"].append(time.perf_counter() - began)
                    if answer.status_code == 202:
                        url = answer.json()["status_url"]
                        answer = portal.follow(sessions[client], url, timeout=600)
                    elapsed = time.perf_counter() - began
                    summary = answer.json()["files"][0] if answer.status_code == 200 else None
                except (requests.RequestException, ValueError) as error:
                    elapsed, summary, answer = time.perf_counter() - began, None, error
                with lock:
                    if summary is None or summary["status"] not in ("accepted",):
                        results["errors"].append(
                            {"file": name, "answer": str(getattr(answer, "status_code", answer)),
                             "summary": summary}
                        )  # fmt: skip
                    else:
                        results["uploads"].append(
                            {
                                "file": name,
                                "seconds": elapsed,
                                "accepted": summary["rows_accepted"],
                                "duplicate": summary["rows_duplicate"],
                                "upload_id": summary["upload_id"],
                            }
                        )
                previous = rows
                sequence += 1

        def read_loop(path):
            while time.monotonic() < stop:
                began = time.perf_counter()
                answer = readers[path].get(portal.base + path, timeout=120)
                elapsed = time.perf_counter() - began
                with lock:
                    results["ledger"].append((elapsed, answer.status_code))
                    results.setdefault(path, []).append(elapsed)
                time.sleep(0.5)

        readers = {path: portal.login("reader", viewer_password) for path in READERS}
        threads = [threading.Thread(target=upload_loop, args=(c,)) for c in range(CLIENTS)]
        threads += [threading.Thread(target=read_loop, args=(path,)) for path in READERS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - start
        uploads = ws.uploads()
        bench_rows = uploads[uploads["file"].str.startswith("bench-")]
        stored = len(ws.surveys(["record_id"])) - rows_before
        done = results["uploads"]
        accepted = sum(u["accepted"] for u in done)
        duplicates = sum(u["duplicate"] for u in done)
        latencies = [u["seconds"] for u in done]
        ledger = [e for e, code in results["ledger"] if code == 200]
        maps = reader.get(portal.base + "/api/maps", timeout=60).json()
        report = {
            "seconds": round(wall, 1),
            "clients": CLIENTS,
            "uploads": len(done),
            "uploads_per_s": round(len(done) / wall, 2),
            "answered_p50_s": round(percentile(results["answered"], 0.5), 3),
            "answered_p95_s": round(percentile(results["answered"], 0.95), 3),
            "answered_max_s": round(max(results["answered"], default=float("nan")), 3),
            "latency_p50_s": round(percentile(latencies, 0.5), 3),
            "latency_p95_s": round(percentile(latencies, 0.95), 3),
            "latency_max_s": round(max(latencies, default=float("nan")), 3),
            "errors": len(results["errors"]),
            "rows_sent": len(done) * ROWS,
            "rows_duplicate": duplicates,
            "rows_stored": stored,
            "consistent": bool(
                stored == accepted == len(done) * ROWS - duplicates
                and len(bench_rows) == len(done)
                and bench_rows["upload_id"].is_unique
                and set(bench_rows["status"]) <= {"accepted"}
            ),
            "reader_loads": len(ledger),
            "reader_failed": len(results["ledger"]) - len(ledger),
            "reader_p50_s": round(statistics.median(ledger), 3) if ledger else None,
            "reader_p95_s": round(percentile(ledger, 0.95), 3),
            "reader_max_s": round(max(ledger, default=float("nan")), 3),
            **{
                f"reader {path} p50/p95/max s": [
                    round(percentile(results[path], q), 3) for q in (0.5, 0.95, 1.0)
                ]
                for path in READERS
                if results.get(path)
            },
            "ledger_cases_after": len(reader.get(portal.base + "/api/ledger", timeout=60).json()),
            "maps_drawn_at": maps[0]["built_at"],
            "workers": "default (2 x cores, 2 to 8)",
        }
        if results["errors"]:
            report["first_errors"] = results["errors"][:3]
    (OUT / "results.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    random.seed(0)
    report = run(args.seconds)
    for key, value in report.items():
        print(f"{key}: {value}")
    return 0 if report["errors"] == 0 and report["consistent"] else 1


if __name__ == "__main__":
    sys.exit(main())
