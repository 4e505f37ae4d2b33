"""Where a survey import's processor time and memory go, stage by stage.

Runs one `hailin import` in this process, with each stage of the flow wrapped
by a timer: processor seconds spent in the stage itself (its inner stages
subtracted) and the peak resident memory while it ran (a thread samples
/proc/self/statm every few milliseconds; the peak includes what earlier
stages still hold). With ``--cprofile N`` the N costliest functions of a
cProfile run follow.

Run: python -m bench.profile_import CSV [--cprofile 30] [--part-rows N]
     python -m bench.profile_import --write ROWS CSV   (make the benchmark's CSV)
"""

import argparse
import contextlib
import cProfile
import functools
import os
import pstats
import shutil
import sys
import tempfile
import threading
import time

# (module, attribute, stage name): the functions each stage is made of, where
# their callers look them up.
STAGES = [
    ("hailin.surveys.ingest", "sha256_of", "archive hash (upload id)"),
    ("hailin.surveys.ingest", "stage_upload", "archive staging copy (hash again)"),
    ("hailin.surveys.ingest", "read_raw", "read (other)"),
    ("hailin.surveys.io.sniff", "sniff_format", "sniff"),
    ("hailin.surveys.io.text", "decode_text", "decode (UTF-8 check)"),
    ("hailin.surveys.io.text", "_check_lines", "line bounds"),
    ("hailin.surveys.io.text", "_read_quickly", "parse (pandas C parser)"),
    ("hailin.surveys.io.parts", "scan_text", "scan in blocks (UTF-8, line bounds, lines)"),
    ("hailin.surveys.io.parts", "text_table", "read: blank rows, object columns"),
    ("hailin.surveys.io.parts", "source_lines", "source lines"),
    ("hailin.surveys.io.parts", "remove_control_characters", "control characters"),
    ("hailin.surveys.ingest", "scan_text", "scan in blocks (UTF-8, line bounds, lines)"),
    ("hailin.surveys.io.text", "source_lines", "source lines"),
    ("hailin.surveys.io.text", "text_table", "read: blank rows, object columns"),
    ("hailin.surveys.io.sniff", "remove_control_characters", "control characters"),
    ("hailin.surveys.ingest", "normalize", "row checks (other)"),
    ("hailin.surveys.check.records", "locate", "row checks: place"),
    ("hailin.surveys.check.records", "observed_times", "row checks: times"),
    ("hailin.surveys.check.records", "_who", "row checks: patrol type, team"),
    ("hailin.surveys.check.records", "_findings", "row checks: findings"),
    ("hailin.surveys.check.records", "_measures", "row checks: measurements"),
    ("hailin.surveys.check.records", "_action", "row checks: actions"),
    ("hailin.surveys.check.records", "extra_json", "row checks: extra columns"),
    ("hailin.surveys.check.records", "enforce_invariants", "invariants"),
    ("hailin.surveys.check.records", "record_keys", "duplicate keys: record keys"),
    ("hailin.surveys.check.records", "checked", "rejects"),
    ("hailin.surveys.ingest", "_store", "store (other: transaction, archive)"),
    ("hailin.surveys.ingest", "store_surveys", "duplicate keys: against the store"),
    ("hailin.surveys.io.store.Store", "append", "store write: frame preparation"),
    ("hailin.surveys.io.rows", "to_sql_values", "store write: column values"),
    ("hailin.surveys.io.rows", "encode_geometries", "store write: geometry blobs"),
    ("hailin.surveys.io.rtree", "add_cells", "R-tree"),
    ("hailin.surveys.io.rows", "update_extent", "store write: extent"),
    ("hailin.surveys.io.store.Store", "_end", "commit"),
    ("hailin.surveys.io.store.Store", "execute", "other SQL (index builds, the keys read)"),
    ("pandas.io.parsers.readers.TextFileReader", "get_chunk", "parse (pandas C parser, in parts)"),
    ("hailin.surveys.ingest", "_report", "error report"),
]


class Sampler(threading.Thread):
    """The process's resident memory, sampled every few milliseconds."""

    def __init__(self):
        super().__init__(daemon=True)
        self.current = self.peak_since = 0
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.stopped = False

    def rss(self):
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * self.page

    def run(self):
        while not self.stopped:
            self.current = self.rss()
            self.peak_since = max(self.peak_since, self.current)
            time.sleep(0.003)


class Stages:
    """Exclusive processor time and peak memory per stage."""

    def __init__(self, sampler):
        self.sampler = sampler
        self.cpu = {}
        self.peak = {}
        self.stack = []  # [name, started, inner seconds, peak before]

    def wrap(self, function, name):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            self.stack.append([name, time.process_time(), 0.0])
            outer_peak = self.sampler.peak_since
            self.sampler.peak_since = self.sampler.rss()
            try:
                return function(*args, **kwargs)
            finally:
                _name, started, inner = self.stack.pop()
                spent = time.process_time() - started
                self.cpu[name] = self.cpu.get(name, 0.0) + spent - inner
                peak = max(self.sampler.peak_since, self.sampler.rss())
                self.peak[name] = max(self.peak.get(name, 0), peak)
                self.sampler.peak_since = max(outer_peak, peak)
                if self.stack:
                    self.stack[-1][2] += spent

        return timed


def _target(path):
    module_name, _, attribute = path.rpartition(".")
    try:
        return __import__(path, fromlist=["_"]), None
    except ImportError:
        module = __import__(module_name, fromlist=["_"])
        return getattr(module, attribute), attribute


def instrument(stages):
    """Wrap every function of :data:`STAGES` that this version of hailin has."""
    from hailin.surveys.io import rows

    original_write = rows.write_rows

    @functools.wraps(original_write)
    def write_rows(connection, *args, **kwargs):
        # SQLite's executemany, as the row writer calls it, made a stage of its own.
        inserts = stages.wrap(connection.executemany, "store write: SQLite inserts")
        return original_write(_Proxy(connection, inserts), *args, **kwargs)

    import hailin.surveys.io.store as store_module

    store_module.write_rows = write_rows
    for owner_path, attribute, name in STAGES:
        owner, _ = _target(owner_path)
        if not hasattr(owner, attribute):
            continue
        setattr(owner, attribute, stages.wrap(getattr(owner, attribute), name))


class _Proxy:
    """A connection whose executemany goes through the timed stage."""

    def __init__(self, connection, executemany):
        self._connection, self.executemany = connection, executemany

    def __getattr__(self, name):
        return getattr(self._connection, name)


def profile(csv_path, top=0, part_rows=None):
    started_cpu = time.process_time()
    from hailin.surveys.workspace import Workspace

    imports_cpu = time.process_time() - started_cpu
    if part_rows:
        import dataclasses

        from hailin.surveys.io import parts

        parts.LIMITS = dataclasses.replace(parts.LIMITS, part_rows=part_rows)
    sampler = Sampler()
    sampler.start()
    stages = Stages(sampler)
    instrument(stages)
    folder = tempfile.mkdtemp(prefix="hailin-profile-")
    try:
        Workspace.create(os.path.join(folder, "ws"))
        ws = Workspace(os.path.join(folder, "ws"))
        profiler = cProfile.Profile() if top else contextlib.nullcontext()
        began = time.process_time()
        with profiler:
            summary = ws.import_file(csv_path)
        total = time.process_time() - began
    finally:
        sampler.stopped = True
        shutil.rmtree(folder)
    print(f"{summary.rows_accepted:,} rows accepted, {summary.rows_rejected:,} rejected")
    print("| stage | CPU s | peak RSS MiB during it |\n|---|---|---|")
    print(f"| start: Python and the libraries | {imports_cpu:.2f} | |")
    for name in sorted(stages.cpu, key=lambda n: -stages.cpu[n]):
        print(f"| {name} | {stages.cpu[name]:.2f} | {stages.peak[name] / 2**20:,.0f} |")
    counted = sum(stages.cpu.values())
    print(f"| other | {total - counted:.2f} | |")
    print(f"| **import in all** | **{total:.2f}** | **{sampler.peak_since / 2**20:,.0f}** |")
    if top:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        from bench.bench_import import write_csv

        write_csv(int(sys.argv[2]), sys.argv[3])
    else:
        parser = argparse.ArgumentParser()
        parser.add_argument("csv")
        parser.add_argument("--cprofile", type=int, default=0, help="the N costliest functions")
        parser.add_argument("--part-rows", type=int, help="rows per part (default: the limit)")
        arguments = parser.parse_args()
        profile(arguments.csv, arguments.cprofile, arguments.part_rows)
