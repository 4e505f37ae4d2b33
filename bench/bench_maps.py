"""Benchmark: hailin's maps of years of patrols against naive folium maps.

For each size (records, with 10,000 clearance plots and 1,000 restoration
plots; bench/map_data.py) it writes hailin's overview and clearance maps and,
as baselines in the same run, a naive folium ``GeoJson`` map and a
``GeoDataFrame.explore()`` map of the same records and clearance plots with the
same text columns. Each map is generated in a child process (its generation
time and peak memory are the child's), then opened in Debian chromium
(bench/browser_times.py): the time until the page's layers are painted, the
JS heap, and for hailin's maps the time to switch on every layer (the patrol
records and tracks are off at first) and paint them.

Run: python -m bench.bench_maps [RECORDS ...] [--hailin-only]   (default 10000 100000;
--hailin-only leaves the baselines out, as at 1,000,000 records, where they do not open)
"""

import json
import os
import pathlib
import resource
import subprocess
import sys
import time

OUT = pathlib.Path(__file__).with_name("out")
# reserves: the three reserve polygons alone, the floor of any map's drawing time.
KINDS = ("overview", "clearance", "reserves", "folium_geojson", "explore")
BROWSER_TIMEOUT_S = 180
# Switch every data layer on, then wait two animation frames (painted).
ALL_ON = """() => new Promise(done => { const t0 = performance.now();
  const map = Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])[0];
  map.hailinLayers.forEach(l => map.addLayer(l));
  requestAnimationFrame(() => requestAnimationFrame(() => done((performance.now() - t0) / 1000)));
})"""


def _baseline_frames(data):
    """The records and clearance plots with the columns a naive map would show."""
    records = data.surveys[data.surveys.geom_type == "Point"]
    points = records[["patrol_type", "team", "observer", "finding", "notes", "geometry"]].assign(
        observed_at=records["observed_at"].dt.strftime("%Y-%m-%d %H:%M")
    )
    plots = data.clearance[
        ["plot_id", "site", "cleared_on", "area_mu", "method", "contractor", "geometry"]
    ].assign(cleared_on=data.clearance["cleared_on"].astype(str))
    return points, plots


def _write(kind, data, path):
    """Write map ``kind`` of ``data`` to ``path``."""
    if kind in ("overview", "clearance", "reserves"):
        from hailin.maps import MAPS

        drawn = data.sites if kind == "reserves" else data
        MAPS["overview" if kind == "reserves" else kind](drawn, lang="zh").save(str(path))
        return
    import folium

    points, plots = _baseline_frames(data)
    if kind == "folium_geojson":
        fmap = folium.Map(location=[27.25, 120.35], zoom_start=11)
        folium.GeoJson(plots, name="plots").add_to(fmap)
        folium.GeoJson(points, name="records").add_to(fmap)
        fmap.save(str(path))
    else:
        fmap = plots.explore(name="plots")
        points.explore(m=fmap, name="records")
        fmap.save(str(path))


def generate(kind, records, path):
    """(seconds, peak MB) of writing map ``kind`` for ``records`` (in this process)."""
    from bench.map_data import workspace

    data = workspace(OUT, records).map_data()
    _ = data.ledger, data.patrol_counts, data.clearance_progress, data.restoration_progress
    started = time.perf_counter()
    _write(kind, data, path)
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(kind, records, path):
    """Generate in a child process: its figures, and the data read time apart."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_maps", "--generate", kind, str(records), str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).parents[1])},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(records, kinds=KINDS):
    """Rows of figures for each of ``kinds`` of map at ``records`` records."""
    from bench.browser_times import page_times

    rows = []
    for kind in kinds:
        path = OUT / f"{kind}-{records}.html"
        made = _child(kind, records, path)
        hailin = kind in ("overview", "clearance", "reserves")

        def after(page, hailin=hailin):
            return {"all_on": page.evaluate(ALL_ON)} if hailin else {}

        # hailin's maps: the median of three openings (the machine is shared).
        runs = [
            page_times(path, timeout_s=BROWSER_TIMEOUT_S, after=after)
            for _ in range(3 if hailin else 1)
        ]
        shown = sorted(runs, key=lambda r: r["drawn"] or float("inf"))[len(runs) // 2]
        row = {
            "records": records,
            "map": kind,
            "size_mb": path.stat().st_size / 1e6,
            "generate_s": made["seconds"],
            "peak_mb": made["peak_mb"],
            "drawn_s": shown["drawn"],
            "busy_s": shown.get("busy"),
            "script_s": shown.get("script"),
            "all_on_s": shown.get("all_on"),
            "heap_mb": None if shown["heap"] is None else shown["heap"] / 1e6,
            "heap_all_mb": shown.get("heap_after", 0) / 1e6 or None,
            "errors": len(shown["errors"]),
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def _cell(value, digits=1):
    if value is None:
        return f"> {BROWSER_TIMEOUT_S} s"
    return f"{value:,.{digits}f}"


def table(rows):
    """A markdown table of ``rows`` with ratios against the naive folium map."""
    lines = [
        "| records | map | HTML MB | generate s | peak MB | drawn s | all layers on s "
        "| JS heap MB | size vs GeoJson | drawn vs GeoJson |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        base = [r for r in rows if r["records"] == row["records"] and r["map"] == "folium_geojson"]
        base = base[0] if base else {"size_mb": None, "drawn_s": None}
        size_ratio = f"{base['size_mb'] / row['size_mb']:.1f}x smaller" if base["size_mb"] else "—"
        drawn = (
            f"{base['drawn_s'] / row['drawn_s']:.1f}x faster"
            if base["drawn_s"] and row["drawn_s"]
            else "—"
        )
        lines.append(
            f"| {row['records']:,} | {row['map']} | {row['size_mb']:.1f} | "
            f"{row['generate_s']:.1f} | {row['peak_mb']:,.0f} | {_cell(row['drawn_s'])} | "
            f"{'—' if row['all_on_s'] is None else _cell(row['all_on_s'])} | "
            f"{'—' if row['heap_mb'] is None else _cell(row['heap_mb'], 0)} | "
            f"{size_ratio} | {drawn} |"
        )
    return "\n".join(lines)


def main(argv):
    if argv[:1] == ["--generate"]:
        kind, records, path = argv[1], int(argv[2]), pathlib.Path(argv[3])
        seconds, peak = generate(kind, records, path)
        print(json.dumps({"seconds": seconds, "peak_mb": peak}))
        return
    OUT.mkdir(exist_ok=True)
    kinds = KINDS[:3] if "--hailin-only" in argv else KINDS
    sizes = [int(a) for a in argv if not a.startswith("--")] or [10_000, 100_000]
    rows = [row for records in sizes for row in measure(records, kinds)]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(table(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
