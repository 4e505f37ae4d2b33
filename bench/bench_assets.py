"""Benchmark: what writing maps without the CDN costs, and what GCJ-02 drawing costs.

- HTML size of each demo map online, offline (assets inlined) and with
  ``--assets DIR``, and the bytes the inlined assets add; the same figure for
  the asset set the maps loaded before (with jQuery and Bootstrap), as a baseline.
- ``hailin assets fetch --from tests/browser/node_modules``: whole processes
  into an empty cache and into a filled one (median of 3), and the in-process
  call (median of 5).
- In chromium: switching basemaps on a map of 10,000 plots (OpenStreetMap to
  Gaode, which changes the datum and re-projects every vertex through GCJ-02,
  against OpenStreetMap to Esri, which does not), and projecting 200,000 points
  through the GCJ-02 CRS against plain Web Mercator.

Run: python -m bench.bench_assets
"""

import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

import geopandas
import numpy as np
import shapely

from bench.common import median_seconds
from hailin.demo import build_demo
from hailin.layers.features import feature_layer
from hailin.layers.page import check_page
from hailin.maps import MAPS, new_map, save_map
from hailin.maps.assets import all_assets
from hailin.maps.fetch import fetch_from

ROOT = pathlib.Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "tests" / "browser" / "node_modules"
OLD_EXTRA = [  # what the maps also loaded before: jQuery, Bootstrap, unminified measure
    "jquery/dist/jquery.min.js",
    "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap/dist/css/bootstrap.min.css",
]


def sizes(data, cache, folder):
    rows = []
    for kind, draw in MAPS.items():
        online = save_map(draw(data, lang="zh"), folder / f"{kind}-online.html")
        offline = save_map(
            draw(data, lang="zh"), folder / f"{kind}-offline.html", offline=True, cache=cache
        )
        beside = save_map(
            draw(data, lang="zh"),
            folder / "www" / f"{kind}.html",
            assets=folder / "www" / "assets",
            cache=cache,
        )
        rows.append((kind, online.stat().st_size, offline.stat().st_size, beside.stat().st_size))
    return rows


def fetch_times(cache_root):
    env = {**os.environ}
    hailin = [sys.executable, "-m", "hailin"]

    def fresh():
        env["HAILIN_ASSETS"] = tempfile.mkdtemp(dir=cache_root)
        subprocess.run(
            [*hailin, "assets", "fetch", "--from", str(NODE_MODULES)],
            env=env,
            check=True,
            capture_output=True,
        )

    cold = [median_seconds(fresh, repeat=1)[0] for _ in range(3)]
    filled = env["HAILIN_ASSETS"]

    def again():
        subprocess.run(
            [*hailin, "assets", "fetch", "--from", str(NODE_MODULES)],
            env={**env, "HAILIN_ASSETS": filled},
            check=True,
            capture_output=True,
        )

    warm = [median_seconds(again, repeat=1)[0] for _ in range(3)]
    start = [
        median_seconds(
            lambda: subprocess.run([*hailin, "--help"], capture_output=True, check=True), repeat=1
        )[0]
        for _ in range(3)
    ]
    inproc = median_seconds(
        lambda: fetch_from(NODE_MODULES, cache=tempfile.mkdtemp(dir=cache_root)), repeat=5
    )[0]
    return statistics.median(cold), statistics.median(warm), statistics.median(start), inproc


def ten_thousand_plots(folder):
    rng = np.random.default_rng(3)
    n = 10_000
    x = rng.uniform(120.20, 120.50, n)
    y = rng.uniform(27.10, 27.40, n)
    side = rng.uniform(0.0004, 0.0012, n)
    plots = geopandas.GeoDataFrame(
        {"plot_id": [f"P{i}" for i in range(n)]},
        geometry=shapely.box(x, y, x + side, y + side),
        crs=4326,
    )
    fmap = new_map(tuple(plots.total_bounds), lang="en", basemap="osm")
    style = {"color": "#1a9850", "weight": 1, "fillOpacity": 0.5}
    feature_layer(plots, "plots", [style] * n, [("p", [])] * n, [""] * n).add_to(fmap)
    from hailin.layers.page import LayerControl

    LayerControl().add_to(fmap)
    return save_map(check_page(fmap), folder / "plots10k.html")


SWITCH = """(label) => { const input = Array.from(document.querySelectorAll('.leaflet-control-layers-base label'))
    .find(l => l.textContent.trim() === label).querySelector('input');
  const t = performance.now(); input.click(); return performance.now() - t; }"""
PROJECT = """() => { const map = Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])[0];
  const gcj = map.hailin.gcj.crs(L), merc = L.CRS.EPSG3857, n = 200000, pts = [];
  for (let i = 0; i < n; i++) pts.push(L.latLng(27.1 + (i % 1000) * 3e-4, 120.2 + Math.floor(i / 1000) * 1.5e-3));
  const time = (crs) => { const t = performance.now(); for (const p of pts) crs.latLngToPoint(p, 16); return performance.now() - t; };
  time(merc); const m = time(merc); const g1 = time(gcj); const g2 = time(gcj);
  return [m, g1, g2]; }"""


def browser_times(page_path):
    from tests.browser import open_map

    with open_map(page_path) as session:
        page = session.page
        page.wait_for_timeout(500)
        switches = {"gaode": [], "esri": []}
        for _ in range(5):
            switches["gaode"].append(page.evaluate(SWITCH, "Gaode map"))
            page.evaluate(SWITCH, "OpenStreetMap")
            switches["esri"].append(page.evaluate(SWITCH, "Esri World Imagery"))
            page.evaluate(SWITCH, "OpenStreetMap")
        projection = [page.evaluate(PROJECT) for _ in range(3)]
        assert not session.page_errors, session.page_errors
    proj = np.median(np.asarray(projection), axis=0)
    return statistics.median(switches["gaode"]), statistics.median(switches["esri"]), proj


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        cache = tmp / "cache"
        assert fetch_from(NODE_MODULES, cache=cache).complete
        ws, _ = build_demo(tmp / "demo")
        data = ws.map_data()
        pinned = sum(len((cache / a.relpath).read_bytes()) for a in all_assets())
        old = sum(
            (NODE_MODULES / p).stat().st_size for p in OLD_EXTRA if (NODE_MODULES / p).exists()
        )
        measure_full = (NODE_MODULES / "leaflet-measure/dist/leaflet-measure.js").stat().st_size
        measure_min = (NODE_MODULES / "leaflet-measure/dist/leaflet-measure.min.js").stat().st_size
        print(f"pinned files: {len(all_assets())}, {pinned:,} bytes")
        print("| map | online | offline | assets beside | offline overhead |")
        print("|---|---|---|---|---|")
        for kind, online, offline, beside in sizes(data, cache, tmp):
            print(f"| {kind} | {online:,} | {offline:,} | {beside:,} | {offline - online:,} |")
        if old:
            print(
                f"old set extra (jQuery, Bootstrap JS+CSS): {old:,} bytes; leaflet-measure.js "
                f"{measure_full:,} vs .min.js {measure_min:,}"
            )
        cold, warm, start, inproc = fetch_times(tmp)
        print(
            f"hailin assets fetch --from node_modules: empty cache {cold:.2f} s, filled {warm:.2f} s, "
            f"`hailin --help` {start:.2f} s; in-process fetch_from {inproc * 1000:.0f} ms"
        )
        page = ten_thousand_plots(tmp)
        gaode, esri, proj = browser_times(page)
        print(
            f"10,000 plots ({page.stat().st_size / 1e6:.1f} MB): switch OSM->Gaode {gaode:.0f} ms, "
            f"OSM->Esri {esri:.0f} ms"
        )
        print(
            f"200,000 points latLngToPoint: Web Mercator {proj[0]:.1f} ms, GCJ-02 first {proj[1]:.1f} ms, "
            f"again (memo) {proj[2]:.1f} ms"
        )


if __name__ == "__main__":
    main()
