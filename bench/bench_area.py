"""Benchmark: geo.area on 100k polygons against pyproj.Geod polygon by polygon.

Run: python -m bench.bench_area   (figures go to bench/RESULTS.md by hand)
"""

import geopandas
import numpy as np
import pyproj
import shapely

from bench.common import median_seconds
from hailin.geo.area import area_m2

N = 100_000


def main():
    rng = np.random.default_rng(0)
    lon = rng.uniform(108, 123, N)
    lat = rng.uniform(18, 41, N)
    size = rng.uniform(0.0005, 0.05, N)
    series = geopandas.GeoSeries(shapely.box(lon, lat, lon + size, lat + size * 0.8), crs=4326)
    # A projected copy too: the CGCS2000 3-degree zone CM 120E.
    projected = series.to_crs(4549)
    geod = pyproj.Geod(ellps="GRS80")

    ours, result = median_seconds(lambda: area_m2(series))
    ours_projected, _ = median_seconds(lambda: area_m2(projected))
    baseline, reference = median_seconds(
        lambda: np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in series]), repeat=1
    )
    worst = float(np.max(np.abs(result.to_numpy() - reference) / reference))
    print(f"polygons: {N}")
    print(f"hailin.geo.area (EPSG:4326):      {ours:.3f} s (median of 3)")
    print(f"hailin.geo.area (EPSG:4549):      {ours_projected:.3f} s (median of 3)")
    print(f"pyproj.Geod, one by one:   {baseline:.3f} s")
    print(f"speed-up over Geod loop:   {baseline / ours:.1f}x")
    print(f"worst relative difference: {worst:.2e}")


if __name__ == "__main__":
    main()
