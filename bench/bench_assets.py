"""Benchmark: what self-contained maps cost against the --cdn opt-in, and what
GCJ-02 drawing costs.

- HTML size and time to draw of the default maps (Leaflet inlined: they open
  with no network) beside the same maps written with ``--cdn`` (Leaflet linked
  from jsDelivr), at the demo's data, at N records (bench/map_data.py: 10,000
  clearance plots, 1,000 restoration plots). Drawn in Debian chromium
  (bench/browser_times.py; the CDN file is answered from the installed package,
  so the --cdn figure leaves out the network's own time), median of 3.
- In chromium: switching basemaps on a map of 10,000 plots (OpenStreetMap to
  Gaode, which changes the datum and re-projects every vertex through GCJ-02,
  against OpenStreetMap to Esri, which does not), and projecting 200,000 points
  through the GCJ-02 CRS against plain Web Mercator.

Run: python -m bench.bench_assets [RECORDS ...]   (default 100000)
"""

import os
import pathlib
import statistics
import sys
import tempfile

import geopandas
import numpy as np
import shapely

from bench.browser_times import page_times
from hailin.demo import build_demo
from hailin.layers.encode import text_column
from hailin.layers.features import Popup, data_layer
from hailin.layers.page import check_page
from hailin.maps import MAPS, new_map, save_map
from hailin.maps.assets import all_assets, read_asset

OUT = pathlib.Path(__file__).with_name("out")


def _drawn(path):
    """Median seconds to draw ``path`` over three openings (None: did not load)."""
    runs = [page_times(path)["drawn"] for _ in range(3)]
    return statistics.median(r if r is not None else float("inf") for r in runs)


def inline_against_cdn(data, folder, label, kinds):
    """Rows (label, map, inline bytes, cdn bytes, inline drawn s, cdn drawn s)."""
    rows = []
    for kind in kinds:
        inline = save_map(MAPS[kind](data, lang="zh"), folder / f"{kind}-{label}.html")
        cdn = save_map(MAPS[kind](data, lang="zh"), folder / f"{kind}-{label}-cdn.html", cdn=True)
        rows.append(
            (label, kind, inline.stat().st_size, cdn.stat().st_size, _drawn(inline), _drawn(cdn))
        )
        print(rows[-1], flush=True)
    return rows


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
    style = {"color": "#55835f", "weight": 1, "fillOpacity": 0.5}
    columns = {"plot_id": text_column(plots["plot_id"])}
    data_layer(plots, "plots", columns, Popup("", "plot_id", []), [], {"base": style}).add_to(fmap)
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


def main(argv):
    sizes = [int(a) for a in argv] or [100_000]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        ws, _ = build_demo(tmp / "demo")
        carried = sum(len(read_asset(a)) for a in all_assets())
        print(f"Leaflet's pinned files: {len(all_assets())}, {carried:,} bytes")
        rows += inline_against_cdn(ws.map_data(), tmp, "demo", list(MAPS))
        for records in sizes:
            from bench.map_data import workspace

            data = workspace(OUT, records).map_data()
            rows += inline_against_cdn(data, tmp, f"{records:,}", ["clearance", "overview"])
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("| data | map | self-contained MB | --cdn MB | added | drawn s | --cdn drawn s |")
        print("|---|---|---|---|---|---|---|")
        for label, kind, inline, cdn, drawn, cdn_drawn in rows:
            print(
                f"| {label} | {kind} | {inline / 1e6:.2f} | {cdn / 1e6:.2f} | "
                f"{(inline - cdn) / 1e3:,.0f} kB ({inline / cdn:.2f}x) | {drawn:.2f} | "
                f"{cdn_drawn:.2f} |"
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
    main(sys.argv[1:])
