"""Benchmark: flagging 1,000,000 survey records against 10,000 clearance plots.

Baseline: a bare ``geopandas.sjoin`` (intersects) of the same two frames, in the
same run. Also times the progress figures for a workspace holding those
records, store reads included. Medians of three runs.

Run: python -m bench.bench_flag [RECORDS] [PLOTS]
"""

import datetime
import shutil
import statistics
import sys
import tempfile
import time

import geopandas
import numpy as np
import pandas as pd
import shapely

from hailin.surveys.io.layout import SURVEYS_LAYER, ensure_layers, plots_layer
from hailin.surveys.ledger.cases import LedgerRules, build_ledger
from hailin.surveys.ledger.detections import detect
from hailin.surveys.schema import KINDS, PLOT_COLUMNS
from hailin.surveys.workspace import Workspace

# A 30 km square around Shacheng Bay.
WEST, SOUTH, SIZE = 120.20, 27.10, 0.30


def make_frames(records=1_000_000, plots=10_000, seed=5):
    rng = np.random.default_rng(seed)
    x = rng.uniform(WEST, WEST + SIZE, plots)
    y = rng.uniform(SOUTH, SOUTH + SIZE, plots)
    side = rng.uniform(0.0004, 0.0012, plots)  # 40-130 m plots
    clearance = geopandas.GeoDataFrame(
        {
            "plot_id": [f"CC-{i:05d}" for i in range(plots)],
            "site": "kewan",
            "township": "前岐镇",
            "cleared_on": [
                datetime.date(2023, 4, 10) + datetime.timedelta(days=int(d))
                for d in rng.integers(0, 30, plots)
            ],
            "area_mu": side * side * 1e10 / 666.7,
        },
        geometry=shapely.box(x, y, x + side, y + side),
        crs=4326,
    )
    # Half the records fall in plots (patrols walk the cleared flats), half anywhere;
    # Spartina findings (3%) are where it was cleared, but for one in twenty.
    finding = np.where(rng.random(records) < 0.03, "spartina_regrowth", "clear")
    inside = np.where(finding == "clear", rng.random(records) < 0.5, rng.random(records) < 0.95)
    which = rng.integers(0, plots, records)
    px = np.where(
        inside,
        x[which] + rng.random(records) * side[which],
        rng.uniform(WEST, WEST + SIZE, records),
    )
    py = np.where(
        inside,
        y[which] + rng.random(records) * side[which],
        rng.uniform(SOUTH, SOUTH + SIZE, records),
    )
    removal = (finding == "clear") & (rng.random(records) < 0.01)
    finding = np.where(removal, "spartina_removed", finding)
    surveys = geopandas.GeoDataFrame(
        {
            "record_key": np.arange(records, dtype=np.int64),
            "observed_at": pd.Timestamp("2023-05-15", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 600 * 86400, records), unit="s"),
            "patrol_type": np.array(
                ["contractor_daily", "township_patrol", "city_joint", "digital_monitoring"]
            )[rng.integers(0, 4, records)],
            "finding": finding,
            "action": np.where(removal, "removed", "none"),
            "patch_area_m2": np.where(
                finding == "spartina_regrowth", rng.uniform(1, 200, records), np.nan
            ),
            "survival_pct": np.nan,
        },
        geometry=shapely.points(px, py),
        crs=4326,
    )
    return surveys, clearance


def median_time(function, repeat=3):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def main(records=1_000_000, plots=10_000):
    surveys, clearance = make_frames(records, plots)
    baseline, baseline_runs, joined = median_time(
        lambda: geopandas.sjoin(surveys, clearance, predicate="intersects")
    )
    found, found_runs, (detections, _outside) = median_time(lambda: detect(surveys, clearance))
    flag, flag_runs, (ledger, _patches, _detections) = median_time(
        lambda: build_ledger(surveys, clearance, LedgerRules())
    )
    print(f"records: {records:,}, plots: {plots:,}; bare sjoin pairs: {len(joined):,}")
    print(
        f"geopandas.sjoin (intersects):  {baseline:.2f} s median of {[round(t, 2) for t in baseline_runs]}"
    )
    print(
        f"detection join (detect):       {found:.2f} s median of {[round(t, 2) for t in found_runs]}"
        f" -> {len(detections):,} detections; ratio to sjoin {found / baseline:.2f}"
    )
    print(
        f"whole ledger (build_ledger):   {flag:.2f} s median of {[round(t, 2) for t in flag_runs]}"
        f"; ratio to sjoin {flag / baseline:.2f}"
    )
    print(
        f"ledger: {len(ledger):,} cases in {ledger['plot_id'].nunique():,} plots/patches; "
        f"{(ledger['kind'] == 'new_infestation').sum():,} new-infestation cases"
    )

    folder = tempfile.mkdtemp(prefix="hailin-bench-")
    try:
        ws = Workspace.create(f"{folder}/ws")
        with ws.store() as store:
            ensure_layers(store)
            stored = surveys.assign(
                record_id=[f"b:{i}" for i in range(records)],
                upload_id="bench",
                source_row=np.arange(records),
                team=None,
                observer=None,
                cover_pct=np.nan,
                notes=None,
                extra=None,
            )
            store.append(SURVEYS_LAYER, stored[[*KINDS, "geometry"]], kinds=KINDS)
            kept = clearance.assign(
                method=None,
                contractor=None,
                declared_area_mu=np.nan,
                area_ha=clearance["area_mu"] / 15,
                notes=None,
                extra=None,
                upload_id="bench",
                source_row=np.arange(plots),
            )
            store.append(
                plots_layer("clearance"),
                kept[[*PLOT_COLUMNS["clearance"], "geometry"]],
                kinds=PLOT_COLUMNS["clearance"],
            )
        progress, progress_runs, (cleared, _planted) = median_time(ws.progress)
        print(
            f"progress figures from the store: {progress:.2f} s median of {[round(t, 2) for t in progress_runs]} "
            f"(cleared {cleared.totals['cleared_mu']:,.0f} mu, {cleared.totals['recurrence_cases']:,} cases)"
        )
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
