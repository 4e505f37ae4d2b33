"""Benchmark: the ledger and progress of a coast-wide synthetic dataset
(bench/coast.py) on a Dask LocalCluster with 1 and 2 worker processes, and
on this process (the single-machine path) as the baseline, on the same data.

For each (each cluster twice, alternating): wall time of the ledger and the
progress figures (the records already in memory: sending them to the
workers is timed apart), peak memory (resident set) per worker, and that
the ledger is the single machine's, row for row. Also: the scaling
efficiency from 1 to 2 workers (of the medians) and the bytes of the record
partitions sent.

Run: python -m bench.bench_dask [RECORDS] [PLOTS] [PARTITIONS]
"""

import gc
import os
import pickle
import statistics
import sys
import threading
import time

import distributed
import pandas as pd
import psutil

from bench.coast import coast
from hailin.surveys.dist.flag import distributed_ledger
from hailin.surveys.dist.progress import distributed_restoration_progress
from hailin.surveys.dist.sources import engine_from_frames
from hailin.surveys.ledger.cases import LedgerRules, build_ledger
from hailin.surveys.ledger.progress import clearance_progress, restoration_progress


class PeakMemory:
    """The largest resident set of each worker (or of this process), sampled
    every ``every_s`` seconds while inside ``with``."""

    def __init__(self, client=None, every_s=0.25):
        self.client, self.every_s, self.peaks = client, every_s, {}
        self._stop = threading.Event()

    def _sample(self):
        if self.client is None:
            return {"client": psutil.Process().memory_info().rss}
        return self.client.run(lambda: psutil.Process().memory_info().rss)

    def _loop(self):
        while not self._stop.is_set():
            for name, rss in self._sample().items():
                self.peaks[name] = max(self.peaks.get(name, 0), rss)
            self._stop.wait(self.every_s)

    def __enter__(self):
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def single(frames, rules):
    """The single-machine ledger and progress; (seconds, ledger, peak bytes)."""
    surveys = frames["surveys"]
    clear = surveys["finding"].eq("clear").to_numpy()
    with PeakMemory() as peak:
        started = time.perf_counter()
        built = build_ledger(
            surveys[~clear], frames["clearance"], rules, frames["sites"], inspections=surveys[clear]
        )
        clearance_progress(frames["clearance"], built.ledger, 60_000)
        restoration_progress(frames["restoration"], surveys[~clear], 10_000, rules.timezone)
        seconds = time.perf_counter() - started
    print(f"  detections {len(built.detections):,}, new-infestation patches {len(built.patches):,}")
    return seconds, built.ledger, max(peak.peaks.values())


def _bytes(part):
    return len(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))


def on_cluster(frames, rules, workers, partitions):
    """(send seconds, ledger+progress seconds, ledger, peak bytes per worker, bytes sent)."""
    surveys = frames["surveys"]
    clear = surveys["finding"].eq("clear").to_numpy()
    with (
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit="4GB",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": ":0"},
        ) as cluster,
        distributed.Client(cluster) as client,
        PeakMemory(client) as peak,
    ):
        started = time.perf_counter()
        engine = engine_from_frames(client, surveys[~clear], surveys[clear], partitions)
        client.wait_for_workers(workers)
        distributed.wait(engine.parts)
        sent = sum(client.gather(client.map(_bytes, engine.parts, pure=False)))
        send = time.perf_counter() - started
        started = time.perf_counter()
        built = distributed_ledger(engine, frames["clearance"], rules, frames["sites"])
        clearance_progress(frames["clearance"], built.ledger, 60_000)
        distributed_restoration_progress(engine, frames["restoration"], 10_000, rules.timezone)
        seconds = time.perf_counter() - started
    return send, seconds, built.ledger, peak.peaks, sent


def main(records=1_000_000, plots=100_000, partitions=8):
    rules = LedgerRules()
    print(f"load average at the start: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    started = time.perf_counter()
    frames = coast(records, plots)
    print(f"coast: {records:,} records, {plots:,} plots in {time.perf_counter() - started:.1f} s")
    # The records live in this process only to be sent (a command reads plots
    # here, records on the workers): kept out of the garbage collector's scans.
    gc.freeze()
    base, ledger, base_peak = single(frames, rules)
    print(
        f"single machine: {base:.1f} s, {len(ledger):,} cases, "
        f"process peak {base_peak / 2**30:.2f} GiB (data included)"
    )
    timings = {1: [], 2: []}
    for workers in (1, 2, 1, 2):  # each twice, alternating: the machine drifts
        send, seconds, spread, peaks, sent = on_cluster(frames, rules, workers, partitions)
        pd.testing.assert_frame_equal(spread, ledger, check_exact=True)
        timings[workers].append(seconds)
        shown = ", ".join(f"{p / 2**30:.2f}" for p in sorted(peaks.values()))
        print(
            f"LocalCluster {workers} worker(s), {partitions} partitions: ledger+progress "
            f"{seconds:.1f} s (send {send:.1f} s, {sent / 2**20:,.0f} MiB of partitions); "
            f"peak per worker [{shown}] GiB; ledger identical"
        )
    one, two = (statistics.median(timings[w]) for w in (1, 2))
    print(
        f"scaling efficiency 1 -> 2 workers (medians {one:.1f} s, {two:.1f} s): {one / (2 * two):.2f}"
    )
    print(f"load average at the end: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
