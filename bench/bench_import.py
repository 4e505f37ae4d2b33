"""Benchmark: `hailin import` of a large survey CSV against the bare pipeline.

Both run as child processes of this one, so their processor time (user + system,
from ``wait4``) and peak resident memory are their own:

- ``hailin -w WS import FILE --json`` in a fresh workspace;
- the bare pipeline: ``pandas.read_csv`` → ``GeoDataFrame`` (points from the
  longitude and latitude columns) → ``pyogrio.write_dataframe`` to a GeoPackage
  (GDAL's defaults: spatial index on), nothing checked.

They take turns, three runs each; medians, with the load average at each run.
Processor seconds are the fair figure on a shared machine; wall times follow.

Run: python -m bench.bench_import [ROWS] [--runs N] [--no-baseline] [--csv FILE]
                                  [--before OTHER_CHECKOUT/.venv/bin/python]
     python -m bench.bench_import --write ROWS FILE   (the CSV alone)
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HOME = os.path.expanduser("~")  # outside any checkout: each python imports its own hailin


def _child(command, folder=ROOT):
    """(CPU seconds, peak RSS MiB, wall seconds, load average) of one child process."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, cwd=folder)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{command[2:4]} failed with exit status {code}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, wall, load


def run_import(csv_path, folder, python=sys.executable):
    """`hailin import` of ``csv_path`` in a fresh workspace at ``folder``, by
    the hailin that ``python`` runs (another checkout's, for a before)."""
    if os.path.exists(folder):
        shutil.rmtree(folder)
    subprocess.run(
        [python, "-m", "hailin", "init", folder], check=True, stdout=subprocess.DEVNULL, cwd=HOME
    )
    figures = _child([python, "-m", "hailin", "-w", folder, "import", csv_path, "--json"], HOME)
    shutil.rmtree(folder)
    return figures


def run_bare(csv_path, target):
    """The bare pipeline on ``csv_path``, writing ``target``."""
    figures = _child([sys.executable, "-m", "bench.bench_import", "--bare", csv_path, target])
    os.remove(target)
    return figures


def bare_pipeline(csv_path, target):
    """pandas.read_csv → GeoDataFrame → pyogrio GeoPackage: no check at all."""
    import geopandas
    import pandas as pd
    import pyogrio

    frame = pd.read_csv(csv_path)
    points = geopandas.points_from_xy(frame["经度"], frame["纬度"])
    pyogrio.write_dataframe(
        geopandas.GeoDataFrame(frame, geometry=points, crs=4326), target, layer="surveys"
    )


def write_csv(rows, path):
    from hailin.demo_data import survey_csv_frame
    from hailin.geo.sites import load_sites

    # A million rows at a time (each with its own seed), so 10M rows fit in memory.
    sites = load_sites()
    for number, start in enumerate(range(0, rows, 1_000_000)):
        part = survey_csv_frame(min(1_000_000, rows - start), sites, seed=7 + number)
        part.to_csv(path, index=False, header=number == 0, mode="w" if number == 0 else "a")


def _line(label, runs):
    cpu = [r[0] for r in runs]
    peak = [r[1] for r in runs]
    wall = [r[2] for r in runs]
    load = [r[3] for r in runs]
    print(
        f"| {label} | {statistics.median(cpu):.2f} ({', '.join(f'{c:.2f}' for c in cpu)}) "
        f"| {statistics.median(peak):,.0f} ({', '.join(f'{p:,.0f}' for p in peak)}) "
        f"| {statistics.median(wall):.1f} | {', '.join(f'{x:.1f}' for x in load)} |"
    )
    return statistics.median(cpu), statistics.median(peak)


def main(rows, runs, baseline, csv_path=None, before=None):
    folder = tempfile.mkdtemp(prefix="hailin-bench-")
    if csv_path is None:  # made in a child: this process stays small
        csv_path = os.path.join(folder, "survey.csv")
        subprocess.run(
            [sys.executable, "-m", "bench.bench_import", "--write", str(rows), csv_path],
            check=True,
            cwd=ROOT,
        )
    size_mib = os.path.getsize(csv_path) / 2**20
    ours, bare, earlier = [], [], []
    try:
        for attempt in range(runs):
            if before:
                earlier.append(run_import(csv_path, os.path.join(folder, "before"), before))
            ours.append(run_import(csv_path, os.path.join(folder, f"ws{attempt}")))
            if baseline:
                bare.append(run_bare(csv_path, os.path.join(folder, "bare.gpkg")))
    finally:
        shutil.rmtree(folder)
    print(f"rows: {rows:,} ({size_mib:.0f} MiB CSV, Chinese headers)")
    print("| what | CPU s, median (runs) | peak RSS MiB, median (runs) | wall s | load |")
    print("|---|---|---|---|---|")
    if before:
        _line("`hailin import`, before", earlier)
    cpu, peak = _line("`hailin import`", ours)
    if baseline:
        bare_cpu, bare_peak = _line("bare pipeline", bare)
        print(f"ratio CPU {cpu / bare_cpu:.2f}, peak memory {peak / bare_peak:.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        write_csv(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1:2] == ["--bare"]:
        bare_pipeline(sys.argv[2], sys.argv[3])
    else:
        parser = argparse.ArgumentParser()
        parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--no-baseline", dest="baseline", action="store_false")
        parser.add_argument("--csv", help="an existing CSV of ROWS rows (made by --write)")
        parser.add_argument("--before", metavar="PYTHON", help="also the hailin PYTHON runs")
        arguments = parser.parse_args()
        main(arguments.rows, arguments.runs, arguments.baseline, arguments.csv, arguments.before)
