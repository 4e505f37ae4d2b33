"""Benchmark: hailin's maps of years of patrols against naive folium maps and lonboard.

For each size (records, with 10,000 clearance plots and 1,000 restoration
plots; bench/map_data.py) it writes hailin's overview and clearance maps and,
as baselines in the same run, a naive folium ``GeoJson`` map, a
``GeoDataFrame.explore()`` map and a lonboard map of the same records and
clearance plots with the same text columns. Each map is generated in a child
process (its generation time, CPU seconds and peak memory are the child's),
then opened in Debian chromium (bench/browser_times.py): the time until the
page's layers are painted, the JS heap, and for hailin's maps the time to
switch on every layer (the patrol records and tracks are off at first), then
pans and zooms: the redraw times, chromium's CPU per step and the longest task.
lonboard's page loads require.js, the widget manager and parquet-wasm from
CDNs: with no network it draws nothing, so it is not opened here.

Run: python -m bench.bench_maps [RECORDS ...] [--hailin-only] [--kinds a,b]
[--baseline-draw OLD_DRAW.js]  (default 10000 100000; --hailin-only leaves the
baselines out, as at 1,000,000 records, where folium's do not open;
--baseline-draw opens each hailin map a second time drawn by an older
layers/draw.js, e.g. ``git show main:layers/draw.js``, for a before/after of
the drawing in the same run)
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
KINDS = ("overview", "clearance", "reserves", "folium_geojson", "explore", "lonboard")
HAILIN = ("overview", "clearance", "reserves")
BROWSER_TIMEOUT_S = 180


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
    if kind == "lonboard":  # deck.gl over GeoArrow; its page loads its scripts from CDNs
        from lonboard import viz

        viz([plots, points]).to_html(path)
        return
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
    """(seconds, CPU seconds, peak MB) of writing map ``kind`` for ``records``
    (in this process)."""
    from bench.map_data import workspace

    data = workspace(OUT, records).map_data()
    _ = data.ledger, data.patrol_counts, data.clearance_progress, data.restoration_progress
    started, cpu = time.perf_counter(), time.process_time()
    _write(kind, data, path)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return seconds, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def _opened(path, hailin):
    """The figures of the median of three openings of a hailin map (the
    machine is shared; by the redraw after a zoom), one of a baseline."""
    from bench.browser_times import motion_times, page_times

    runs = [
        page_times(path, timeout_s=BROWSER_TIMEOUT_S, after=motion_times if hailin else None)
        for _ in range(3 if hailin else 1)
    ]
    key = "zoom_in" if hailin else "drawn"
    return sorted(runs, key=lambda r: r.get(key) or float("inf"))[len(runs) // 2]


def with_draw_script(path, script, out):
    """A copy of hailin map ``path`` at ``out`` drawing with the draw.js at
    ``script`` instead of its own (a baseline of the page's drawing)."""
    from hailin.layers.page import script_file

    page = pathlib.Path(path).read_text(encoding="utf-8")
    # The page's data-layer scripts (canvas.js, draw.js, records.js) are one block.
    first = "<script>/* hailin's canvas"
    start = page.index(first if first in page else "<script>/* hailin data layers")
    last = page.find("var hailinRecords", start)
    end = page.index("</script>", start if last < 0 else last) + len("</script>")
    pathlib.Path(out).write_text(page[:start] + script_file(script) + page[end:], "utf-8")
    return out


def measure(records, kinds=KINDS, baseline_draw=None):
    """Rows of figures for each of ``kinds`` of map at ``records`` records (and
    of hailin's maps drawn by the ``baseline_draw`` script, when given)."""
    rows = []
    for kind in kinds:
        path = OUT / f"{kind}-{records}.html"
        made = _child(kind, records, path)
        pages = [(kind, path)]
        if baseline_draw and kind in HAILIN:
            copy = with_draw_script(path, baseline_draw, OUT / f"{kind}-{records}-baseline.html")
            pages.insert(0, (f"{kind} (baseline draw.js)", copy))
        rows += [_row(records, name, page, made) for name, page in pages]
    return rows


def _row(records, kind, path, made):
    shown = {"drawn": None, "heap": None, "errors": []}
    if kind != "lonboard":
        shown = _opened(path, kind.split()[0] in HAILIN)
    row = {
        "records": records,
        "map": kind,
        "size_mb": path.stat().st_size / 1e6,
        "generate_s": made["seconds"],
        "generate_cpu_s": made["cpu"],
        "peak_mb": made["peak_mb"],
        "drawn_s": shown["drawn"],
        "busy_s": shown.get("busy"),
        "all_on_s": shown.get("all_on"),
        **{k: shown.get(k) for k in ("pan", "zoom_in", "zoom_out", "cpu_step", "longest")},
        "heap_mb": None if shown["heap"] is None else shown["heap"] / 1e6,
        "heap_all_mb": shown.get("heap_after", 0) / 1e6 or None,
        "errors": len(shown["errors"]),
    }
    print(json.dumps(row), flush=True)
    return row


def _cell(value, digits=1):
    if value is None:
        return f"> {BROWSER_TIMEOUT_S} s"
    return f"{value:,.{digits}f}"


def _ms(value):
    return "—" if value is None else f"{1000 * value:,.0f}"


def motion_table(rows):
    """A markdown table of hailin's maps' redraws (ms, medians) and long tasks."""
    lines = [
        "| records | map | all on ms | pan ms | zoom in ms | zoom out ms | CPU ms a step "
        "| longest task ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if row["pan"] is not None:
            cells = [row[k] for k in ("all_on_s", "pan", "zoom_in", "zoom_out", "cpu_step")]
            lines.append(
                f"| {row['records']:,} | {row['map']} | "
                + " | ".join(_ms(v) for v in cells)
                + f" | {_ms(row['longest'])} |"
            )
    return "\n".join(lines)


def table(rows):
    """A markdown table of ``rows`` with ratios against the naive folium map."""
    lines = [
        "| records | map | HTML MB | generate s | generate CPU s | peak MB | drawn s "
        "| all layers on s | JS heap MB | size vs GeoJson | drawn vs GeoJson |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
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
            f"{row['generate_s']:.1f} | {row['generate_cpu_s']:.1f} | {row['peak_mb']:,.0f} | "
            f"{'—' if row['map'] == 'lonboard' else _cell(row['drawn_s'])} | "
            f"{'—' if row['all_on_s'] is None else _cell(row['all_on_s'])} | "
            f"{'—' if row['heap_mb'] is None else _cell(row['heap_mb'], 0)} | "
            f"{size_ratio} | {drawn} |"
        )
    return "\n".join(lines)


def main(argv):
    if argv[:1] == ["--generate"]:
        kind, records, path = argv[1], int(argv[2]), pathlib.Path(argv[3])
        seconds, cpu, peak = generate(kind, records, path)
        print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak}))
        return
    OUT.mkdir(exist_ok=True)
    kinds = HAILIN if "--hailin-only" in argv else KINDS
    if "--kinds" in argv:
        kinds = tuple(argv[argv.index("--kinds") + 1].split(","))
        argv = [a for a in argv if a != ",".join(kinds)]
    baseline = None
    if "--baseline-draw" in argv:
        baseline = argv[argv.index("--baseline-draw") + 1]
        argv = [a for a in argv if a != baseline]
    sizes = [int(a) for a in argv if not a.startswith("--")] or [10_000, 100_000]
    rows = [row for records in sizes for row in measure(records, kinds, baseline)]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(table(rows))
    print(motion_table(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
