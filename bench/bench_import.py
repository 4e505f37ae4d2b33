"""Benchmark: importing a 1,000,000-row survey CSV against a bare pyogrio write.

The import runs as the CLI does (`hailin import`, in a child process so its
peak memory can be read); the baseline writes the same normalised rows to a
GeoPackage with pyogrio in this process. Each is run three times; medians.

Run: python -m bench.bench_import [ROWS]
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import pyogrio

from hailin.demo_data import survey_csv_frame
from hailin.geo.sites import load_sites
from hailin.surveys.workspace import Workspace

HERE = os.path.dirname(os.path.abspath(__file__))


def run_import(csv_path, folder):
    """(seconds, peak RSS in MiB) of `hailin import` in a fresh workspace."""
    if os.path.exists(folder):
        shutil.rmtree(folder)
    Workspace.create(folder)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "hailin", "-w", folder, "import", csv_path, "--json"],
        stdout=subprocess.DEVNULL,
        cwd=os.path.dirname(HERE),
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed with {os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_maxrss / 1024


def write_csv(rows, path):
    survey_csv_frame(rows, load_sites()).to_csv(path, index=False)


def main(rows=1_000_000):
    folder = tempfile.mkdtemp(prefix="hailin-bench-")
    csv_path = os.path.join(folder, "survey.csv")
    # Linux keeps a child's peak RSS across fork and exec: make the CSV in a child
    # and run the imports before this process grows, so their peaks are their own.
    subprocess.run(
        [sys.executable, "-m", "bench.bench_import", "--write", str(rows), csv_path],
        check=True,
        cwd=os.path.dirname(HERE),
    )
    size_mib = os.path.getsize(csv_path) / 2**20
    imports, peaks, baselines = [], [], []
    for attempt in range(3):
        seconds, peak = run_import(csv_path, os.path.join(folder, f"ws{attempt}"))
        imports.append(seconds)
        peaks.append(peak)
    for attempt in range(3):
        records = Workspace(os.path.join(folder, f"ws{attempt}")).surveys()
        target = os.path.join(folder, f"baseline{attempt}.gpkg")
        started = time.perf_counter()
        pyogrio.write_dataframe(records, target, layer="surveys")
        baselines.append(time.perf_counter() - started)
        del records
    shutil.rmtree(folder)
    ours, baseline = statistics.median(imports), statistics.median(baselines)
    print(f"rows: {rows:,} ({size_mib:.0f} MiB CSV, Chinese headers)")
    print(f"hailin import:          {ours:.2f} s median of {[round(s, 2) for s in imports]}")
    print(f"pyogrio GPKG write:     {baseline:.2f} s median of {[round(s, 2) for s in baselines]}")
    print(f"ratio import/baseline:  {ours / baseline:.2f}")
    print(f"import peak RSS:        {max(peaks):.0f} MiB (max of 3)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        write_csv(int(sys.argv[2]), sys.argv[3])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
