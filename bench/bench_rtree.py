"""Benchmark: the cost of the store's R-tree spatial index on an append.

N random points appended to a new store layer by ``Store.append`` (index
packed in bulk), against GDAL writing the same points to a new GeoPackage with
its spatial index and without, and against SQLite filling the index row by row
through the GeoPackage triggers (what any other writer's inserts cost).

Run: python -m bench.bench_rtree [POINTS]
"""

import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time

import geopandas
import numpy as np
import pyogrio
import shapely

from hailin.surveys.io import rtree
from hailin.surveys.io.geopackage import encode_geometries
from hailin.surveys.io.store import Store


def points(count):
    rng = np.random.default_rng(1)
    return geopandas.GeoDataFrame(
        {"name": [f"p{i}" for i in range(count)]},
        geometry=shapely.points(rng.uniform(120, 121, count), rng.uniform(27, 28, count)),
        crs=4326,
    )


def new_layer(folder, label):
    path = os.path.join(folder, f"{label}.gpkg")
    with Store.open(path, create=True) as store:
        store.create_layer("pts", {"name": "text"}, geometry_type="POINT")
    return path


def store_append(folder, frame):
    path = new_layer(folder, "store")
    started = time.perf_counter()
    with Store.open(path) as store:
        store.append("pts", frame, kinds={"name": "text"})
    return time.perf_counter() - started


def by_triggers(folder, frame):
    path = new_layer(folder, "triggers")
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    rtree.register_functions(connection)
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO pts (name, geometry) VALUES (?, ?)",
        zip(frame["name"], encode_geometries(frame.geometry.values), strict=True),
    )
    connection.execute("COMMIT")
    connection.close()
    return time.perf_counter() - started


def gdal(folder, frame, index):
    path = os.path.join(folder, f"gdal-{index}.gpkg")
    started = time.perf_counter()
    pyogrio.write_dataframe(frame, path, layer="pts", driver="GPKG", SPATIAL_INDEX=index)
    return time.perf_counter() - started


def main(count=200_000):
    frame = points(count)
    runs = {
        "Store.append, R-tree packed": (lambda f: store_append(f, frame), 3),
        "pyogrio/GDAL, SPATIAL_INDEX=YES": (lambda f: gdal(f, frame, "YES"), 3),
        "pyogrio/GDAL, SPATIAL_INDEX=NO": (lambda f: gdal(f, frame, "NO"), 3),
        "row by row through the triggers": (lambda f: by_triggers(f, frame), 1),
    }
    print(f"{count:,} points")
    for label, (run, repeat) in runs.items():
        times = []
        for _ in range(repeat):
            folder = tempfile.mkdtemp(prefix="hailin-bench-rtree-")
            try:
                times.append(run(folder))
            finally:
                shutil.rmtree(folder)
        print(f"{label}: {statistics.median(times):.2f} s of {[round(t, 2) for t in times]}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
