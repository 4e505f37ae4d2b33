"""Benchmark: per-plot class fractions on a Sentinel-2-sized classified tile.

A 10,980 x 10,980 uint8 raster (10 m, UTM 51N, tiled 512, DEFLATE, with
overviews in a COG copy) holding a coastal pattern (mudflat, water with a
meandering shore, mangrove and Spartina patches, 4% classification noise),
and 10,000 round plots of 20-150 m radius. Each measurement runs in a child
process, so its peak memory (``os.wait4`` ru_maxrss) is its own; the times
are taken inside the child around the call (imports and plot building not
counted). The parent imports nothing heavy.

Run: python -m bench.bench_raster [--repeat 3]   (figures go to bench/RESULTS.md by hand)
Files are made once in bench/out/ (about 7 MB a date, twelve dates).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")
SIDE = 10_980
ORIGIN = (199_980.0, 3_100_020.0)  # a Sentinel-2 tile corner in UTM 51N
PLOTS = 10_000
DATES = 12
CLASSES = "1=mangrove,2=spartina,3=mudflat,4=water"


def tile_path(date=0):
    return os.path.join(OUT, f"tile_{date:02d}.tif")


COG = os.path.join(OUT, "tile_00_cog.tif")


# ---------------------------------------------------------------- children


def make_tile(date):
    """Write date ``date`` of the tile, 512 rows at a time (never whole in memory)."""
    import numpy as np
    import rasterio
    from affine import Affine
    from rasterio.windows import Window

    profile = {
        "driver": "GTiff",
        "width": SIDE,
        "height": SIDE,
        "count": 1,
        "dtype": "uint8",
        "nodata": 0,
        "crs": "EPSG:32651",
        "transform": Affine(10.0, 0.0, ORIGIN[0], 0.0, -10.0, ORIGIN[1]),
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
    }
    x = np.arange(SIDE, dtype=np.float32)[None, :]
    growth = 0.02 * date  # mangrove spreads a little each date
    with rasterio.open(tile_path(date), "w", **profile) as dataset:
        for top in range(0, SIDE, 512):
            rows = np.arange(top, min(SIDE, top + 512), dtype=np.float32)[:, None]
            shore = x - 5000 - 1500 * np.sin(rows / 900) - 400 * np.sin(rows / 137)
            texture = np.sin(x / 53 + rows / 71) * np.cos(rows / 47 - x / 91)
            classes = np.where(shore > 2500, 4, 3).astype(np.uint8)
            classes[(shore > -1200) & (shore < 0) & (texture > 0.2 - growth)] = 1
            classes[(shore > 0) & (shore < 2500) & (texture > 0.55)] = 2
            classes[(shore > -3000) & (shore < -1200) & (texture > 0.6 - growth)] = 1
            rng = np.random.default_rng(1000 * date + top)
            noise = rng.random(classes.shape) < 0.04
            classes[noise] = rng.integers(1, 5, int(noise.sum()), dtype=np.uint8)
            dataset.write(classes, 1, window=Window(0, top, SIDE, classes.shape[0]))


def make_cog():
    import rasterio.shutil

    rasterio.shutil.copy(
        tile_path(0),
        COG,
        driver="COG",
        compress="deflate",
        blocksize=512,
        overview_resampling="mode",
    )


def _plots():
    """(plots in EPSG:4326 for hailin, the same polygons in the raster's CRS)."""
    import geopandas
    import numpy as np
    import shapely

    rng = np.random.default_rng(11)
    margin = 200.0
    x = rng.uniform(ORIGIN[0] + margin, ORIGIN[0] + SIDE * 10 - margin, PLOTS)
    y = rng.uniform(ORIGIN[1] - SIDE * 10 + margin, ORIGIN[1] - margin, PLOTS)
    radius = rng.uniform(20.0, 150.0, PLOTS)
    utm = geopandas.GeoDataFrame(
        {"plot_id": [f"P{n:05d}" for n in range(PLOTS)]},
        geometry=shapely.buffer(shapely.points(x, y), radius),
        crs=32651,
    )
    return utm.to_crs(4326), utm


def child(method, argument):
    """Run one measurement; print {"seconds": ...} as JSON."""
    if method == "make-tile":
        make_tile(int(argument))
        print(json.dumps({}))
        return
    if method == "make-cog":
        make_cog()
        print(json.dumps({}))
        return
    result = {}
    if method == "imports":
        # The floor every child pays: libraries loaded and the plots built.
        import exactextract  # noqa: F401

        import hailin.geo.raster  # noqa: F401

        started = time.perf_counter()
        _plots()
        result["seconds"] = time.perf_counter() - started
    elif method == "hailin":
        from hailin.geo.raster import class_stats

        plots, _utm = _plots()
        started = time.perf_counter()
        table = class_stats(tile_path(0), plots, CLASSES)
        result["seconds"] = time.perf_counter() - started
        result["spartina_share"] = float(table["spartina_fraction"].mean())
    elif method.startswith("exactextract"):
        from exactextract import exact_extract

        _plots4326, utm = _plots()
        strategy = method.split(":", 1)[1]
        started = time.perf_counter()
        table = exact_extract(
            tile_path(0), utm, ["unique", "frac"], output="pandas", strategy=strategy
        )
        result["seconds"] = time.perf_counter() - started
        shares = [
            dict(zip(u.tolist(), f.tolist(), strict=True)).get(2, 0.0)
            for u, f in zip(table["unique"], table["frac"], strict=True)
        ]
        result["spartina_share"] = sum(shares) / len(shares)
    elif method == "rasterstats":
        import warnings

        from rasterstats import zonal_stats
        from rasterstats.io import NodataWarning

        _plots4326, utm = _plots()
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NodataWarning)
            stats = zonal_stats(utm, tile_path(0), categorical=True)
        result["seconds"] = time.perf_counter() - started
        shares = [s.get(2, 0) / max(1, sum(s.values())) for s in stats]
        result["spartina_share"] = sum(shares) / len(shares)
    elif method == "overlay":
        from hailin.geo.raster import overlay_image

        path = COG if argument == "cog" else tile_path(0)
        started = time.perf_counter()
        image = overlay_image(path, classes=CLASSES, max_size=2048)
        result["seconds"] = time.perf_counter() - started
        result["size"] = [image.width, image.height]
        result["png_bytes"] = len(image.png)
    elif method == "dates":
        from hailin.geo.raster import class_stats

        plots, _utm = _plots()
        started = time.perf_counter()
        for date in range(int(argument)):
            class_stats(tile_path(date), plots, CLASSES)
        result["seconds"] = time.perf_counter() - started
    else:
        raise SystemExit(f"unknown method {method!r}")
    print(json.dumps(result))


# ---------------------------------------------------------------- parent


def run_child(method, argument=""):
    """(result dict, peak RSS in MiB, wall seconds of the whole child)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_raster", "--child", method, str(argument)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.stdout.close()
    if status != 0:
        raise SystemExit(f"child {method} {argument} failed with status {status}")
    return json.loads(output), usage.ru_maxrss / 1024, time.perf_counter() - started


def summary(runs):
    seconds = [r[0]["seconds"] for r in runs]
    return {
        "median": statistics.median(seconds),
        "runs": seconds,
        "peak_mib": max(r[1] for r in runs),
        "extra": runs[-1][0],
    }


def show(name, result, per=None):
    runs = ", ".join(f"{s:.2f}" for s in result["runs"])
    each = f"{result['median'] / per:.2f} s a date; " if per else ""
    print(
        f"{name:50s} {result['median']:7.2f} s  ({each}runs {runs})  "
        f"peak {result['peak_mib']:5.0f} MiB",
        flush=True,
    )


def dates(repeat):
    """The same tile's twelve dates: 1, 3, 6 and 12 of them in one process."""
    results = {}
    for count in (1, 3, 6, 12):
        name = f"{count} date(s)"
        results[name] = summary([run_child("dates", count) for _ in range(repeat)])
        show(name, results[name], per=count)
    one = results["1 date(s)"]["median"]
    print(f"12 dates / (12 x 1 date): {results['12 date(s)']['median'] / (12 * one):.2f}")
    print(f"load average after: {os.getloadavg()}", flush=True)
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dates-only", action="store_true", help="only the 1/3/6/12-date series")
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "ARGUMENT"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    os.makedirs(OUT, exist_ok=True)
    for date in range(DATES):
        if not os.path.exists(tile_path(date)):
            print(f"making {tile_path(date)}", flush=True)
            run_child("make-tile", date)
    if not os.path.exists(COG):
        run_child("make-cog")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}", flush=True)
    if args.dates_only:
        dates(args.repeat)
        return
    # The compared calls run in rounds, one after another, so that each ratio
    # compares runs made under the same load from other jobs on the machine.
    compared = {
        "imports and plots only": ("imports", ""),
        "hailin class_stats": ("hailin", ""),
        "exactextract direct, raster-sequential": ("exactextract:raster-sequential", ""),
        "exactextract direct, feature-sequential (default)": (
            "exactextract:feature-sequential",
            "",
        ),
        "overlay, COG with overviews": ("overlay", "cog"),
        "overlay, no overviews (decimated read)": ("overlay", "plain"),
    }
    runs = {name: [] for name in compared}
    for _round in range(args.repeat):
        for name, (method, argument) in compared.items():
            runs[name].append(run_child(method, argument))
    results = {name: summary(found) for name, found in runs.items()}
    for name, result in results.items():
        show(name, result)
    results["rasterstats categorical"] = summary([run_child("rasterstats")])
    show("rasterstats categorical (one run)", results["rasterstats categorical"])
    results.update(dates(args.repeat))
    ours = [r[0]["seconds"] for r in runs["hailin class_stats"]]
    for name in (
        "exactextract direct, raster-sequential",
        "exactextract direct, feature-sequential (default)",
    ):
        theirs = [r[0]["seconds"] for r in runs[name]]
        ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
        print(
            f"hailin / {name}: median {statistics.median(ratios):.2f} "
            f"(rounds {', '.join(f'{r:.2f}' for r in ratios)})"
        )
    rasterstats = results["rasterstats categorical"]["median"]
    print(f"rasterstats / hailin: {rasterstats / results['hailin class_stats']['median']:.1f}")
    print(f"load average after: {os.getloadavg()}")
    with open(os.path.join(OUT, "bench_raster.json"), "w") as handle:
        json.dump(results, handle, indent=1)


if __name__ == "__main__":
    main()
