"""Benchmark: what the upload cut of "as of" costs a read of every record.

On bench/coast.py data (RECORDS records, PLOTS plots, one upload row): the
records read as the maps read them, with each record's upload (its time from
the upload log) against the same read without it (the baseline, in the same
run); then the cut of every month of a year (Frames.at, without the ledger).

Run: python -m bench.bench_asof [RECORDS] [PLOTS]
"""

import datetime
import os
import sys
import tempfile
import time

import pandas as pd

from bench.coast import coast, write_workspace
from hailin.surveys.asof import frames_as_of, upload_times, with_upload_times
from hailin.surveys.frames import RECORD_DETAIL
from hailin.surveys.io.layout import read_surveys, read_uploads
from hailin.surveys.io.uploads import store_upload_row


def timed(function, repeat=3):
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def main(records=100_000, plots=10_000):
    with tempfile.TemporaryDirectory() as folder:
        ws = write_workspace(os.path.join(folder, "ws"), coast(records, plots))
        with ws.store() as store:
            store_upload_row(store, {"upload_id": "coast", "kind": "surveys",
                                     "status": "accepted", "file": "coast.csv",
                                     "uploaded_at": pd.Timestamp("2024-07-01", tz="UTC")})  # fmt: skip
        with ws.store(write=False) as store:
            base, _ = timed(lambda: read_surveys(store, RECORD_DETAIL))

            def with_upload():
                rows = read_surveys(store, [*RECORD_DETAIL, "upload_id"])
                return with_upload_times(rows, upload_times(read_uploads(store))["records"])

            cut, _ = timed(with_upload)
        whole = ws.map_data()
        months = [pd.Period(f"2024-{m:02d}", freq="M").end_time.date() for m in range(1, 13)]
        t_months, _ = timed(lambda: [frames_as_of(whole, d) for d in months], repeat=1)
    print(f"{records:,} records, {plots:,} plots; load {os.getloadavg()}")
    print(f"records read, baseline (no upload): {base:.2f} s")
    print(f"records read with upload times: {cut:.2f} s  (ratio {cut / base:.2f})")
    print(f"12 monthly cuts (Frames.at, no ledger): {t_months:.2f} s")
    print(f"run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
