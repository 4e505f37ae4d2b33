"""Benchmark for issue 9 (the house): the same commands on the code before the
split (a checkout of commit a73d8c9) and now, in one run.

For each version, in its own virtualenv: a workspace is built through that
version's own `hailin init`, `hailin import` (survey records in the reserves,
a CSV with Chinese headers) and `hailin plots import` (clearance plots around
some of them). Then, each in a child process:

- store opens and ledger builds per command, counted (in a smaller workspace:
  the counts do not depend on its size): every ``sqlite3.connect`` of the
  store file, and every call of a function named ``build_ledger`` / ``detect``
  in the version's own code (a profile hook, so not in the timed runs);
- wall time and peak RSS (``wait4``) of `hailin flag`, `hailin map overview`
  and `hailin progress`, median of ``--repeat`` runs;
- `hailin --help` wall time, median of ``--help-runs`` runs.

Run: python -m bench.bench_house [--records 100000 1000000] [--before DIR]
[--repeat 3] [--commands flag progress]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
import shapely

from hailin.demo_data import survey_csv_frame
from hailin.geo.sites import load_sites

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = os.path.dirname(HERE)
BEFORE = "/tmp/hailin-before"
COMMANDS = {
    "flag": ["flag"],
    "map overview": ["map", "overview", "-o", "{ws}/out/overview.html"],
    "progress": ["progress"],
}

# Run in the child: counts store connections and ledger/detection calls of one command.
PROBE = r"""
import collections, json, sqlite3, sys
root, store, args = sys.argv[1], sys.argv[2], sys.argv[3:]
counted = collections.Counter()
real_connect = sqlite3.connect
def connect(target, *a, **k):
    if store in str(target):
        counted["store opens"] += 1
    return real_connect(target, *a, **k)
sqlite3.connect = connect
def profile(frame, event, arg):
    if event == "call" and frame.f_code.co_name in ("build_ledger", "detect"):
        if frame.f_code.co_filename.startswith(root):
            counted[frame.f_code.co_name] += 1
sys.setprofile(profile)
from hailin.cli import main
try:
    main(args, standalone_mode=False)
finally:
    sys.setprofile(None)
    print("COUNTS " + json.dumps(counted), file=sys.stderr)
"""


def plots_around(records, count, seed=11):
    """``count`` clearance plots, 60 m squares around records picked at random."""
    rng = np.random.default_rng(seed)
    picked = records.iloc[rng.choice(len(records), count, replace=False)]
    x, y = picked["经度"].astype(float).to_numpy(), picked["纬度"].astype(float).to_numpy()
    half = 0.0003
    return pd.DataFrame(
        {
            "plot_id": [f"CC-{i:05d}" for i in range(count)],
            "cleared_on": "2023-04-20",
            "geometry": shapely.box(x - half, y - half, x + half, y + half),
        }
    )


def write_inputs(folder, records):
    """The survey CSV and the plots GeoJSON of a workspace with ``records`` records."""
    frame = survey_csv_frame(records, load_sites())
    csv = os.path.join(folder, f"records-{records}.csv")
    frame.to_csv(csv, index=False, encoding="utf-8")
    plots = plots_around(frame, max(50, records // 100))
    geojson = os.path.join(folder, f"plots-{records}.geojson")
    features = [
        {
            "type": "Feature",
            "properties": {"plot_id": p, "cleared_on": c},
            "geometry": json.loads(shapely.to_geojson(g)),
        }
        for p, c, g in zip(plots["plot_id"], plots["cleared_on"], plots["geometry"], strict=True)
    ]
    with open(geojson, "w", encoding="utf-8") as handle:
        json.dump({"type": "FeatureCollection", "features": features}, handle)
    return csv, geojson


def hailin(root, *args, **options):
    return subprocess.run(
        [os.path.join(root, ".venv", "bin", "hailin"), *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        **options,
    )


def build_workspace(root, folder, csv, geojson):
    ws = os.path.join(folder, "ws")
    hailin(root, "init", ws, "--lang", "en")
    hailin(root, "-w", ws, "import", csv, "--json")
    hailin(root, "-w", ws, "plots", "import", geojson, "--kind", "clearance", "--json")
    return ws


def timed(root, args):
    """(seconds, peak RSS MiB) of one command in a child process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [os.path.join(root, ".venv", "bin", "hailin"), *args],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{root}: hailin {' '.join(args)} failed: {process.stderr.read()!r}")
    return elapsed, usage.ru_maxrss / 1024


def counts(root, ws, args):
    done = subprocess.run(
        [os.path.join(root, ".venv", "bin", "python"), "-c", PROBE, root, "hailin.gpkg", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    line = [x for x in done.stderr.splitlines() if x.startswith("COUNTS ")]
    if done.returncode != 0 or not line:
        raise SystemExit(f"{root}: counting {args} failed: {done.stderr[-2000:]}")
    found = json.loads(line[-1][len("COUNTS ") :])
    return {k: found.get(k, 0) for k in ("store opens", "build_ledger", "detect")}


def wall_and_cpu(command, cwd):
    """(wall seconds, CPU seconds: user + system) of one run of ``command``."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def help_seconds(versions, runs):
    """{version: [(wall, CPU) seconds of `hailin --help`]}, the versions taking
    turns (so a change in the machine's load falls on both), with a bare
    ``python -c pass`` as the floor. On a loaded machine the CPU seconds are the
    steadier figure."""
    times = {version: [] for version in versions}
    times["python -c pass"] = []
    for _ in range(runs):
        for version, root in versions.items():
            command = [os.path.join(root, ".venv", "bin", "hailin"), "--help"]
            times[version].append(wall_and_cpu(command, root))
        times["python -c pass"].append(wall_and_cpu([sys.executable, "-c", "pass"], NOW))
    return times


def command_args(name, ws):
    return ["-w", ws, *(a.format(ws=ws) for a in COMMANDS[name])]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--count-records", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--help-runs", type=int, default=9)
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--commands", nargs="+", choices=list(COMMANDS), default=list(COMMANDS))
    parser.add_argument(
        "--versions", nargs="+", choices=["before", "now"], default=["before", "now"]
    )
    options = parser.parse_args()
    versions = {"before": os.path.abspath(options.before), "now": NOW}
    versions = {v: versions[v] for v in options.versions}
    folder = tempfile.mkdtemp(prefix="hailin-bench-house-")
    try:
        print("## hailin --help (wall seconds, median)")
        for version, times in help_seconds(versions, options.help_runs).items():
            if not times:
                continue
            wall, cpu = (statistics.median(t) for t in zip(*times, strict=True))
            print(
                f"{version}: wall {wall:.3f} s, CPU {cpu:.3f} s "
                f"(walls {[round(t[0], 3) for t in times]})",
                flush=True,
            )

        print(f"## store opens and ledger builds per command ({options.count_records:,} records)")
        for version, root in versions.items() if options.count_records else ():
            csv, geojson = write_inputs(folder, options.count_records)
            ws = build_workspace(root, os.path.join(folder, f"count-{version}"), csv, geojson)
            for name in COMMANDS:
                print(f"{version} {name}: {counts(root, ws, command_args(name, ws))}", flush=True)

        for records in options.records:
            print(f"## {records:,} records: seconds and peak RSS (MiB), median of {options.repeat}")
            csv, geojson = write_inputs(folder, records)
            spaces = {}
            for version, root in versions.items():
                started = time.perf_counter()
                spaces[version] = build_workspace(
                    root, os.path.join(folder, f"{records}-{version}"), csv, geojson
                )
                print(f"{version}: workspace built in {time.perf_counter() - started:.1f} s")
            for name in options.commands:
                medians = {}
                for version, root in versions.items():
                    runs = [
                        timed(root, command_args(name, spaces[version]))
                        for _ in range(options.repeat)
                    ]
                    seconds = statistics.median(r[0] for r in runs)
                    memory = statistics.median(r[1] for r in runs)
                    medians[version] = (seconds, memory)
                    print(
                        f"{version} {name}: {seconds:.2f} s ({[round(r[0], 2) for r in runs]}), "
                        f"peak {memory:.0f} MiB",
                        flush=True,
                    )
                if len(medians) == 2:
                    (bs, bm), (ns, nm) = medians["before"], medians["now"]
                    print(f"  ratio now/before {name}: time {ns / bs:.2f}, memory {nm / bm:.2f}")
            for version in versions:
                shutil.rmtree(os.path.dirname(spaces[version]))
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    sys.exit(main())
