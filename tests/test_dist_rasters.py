"""Class and value statistics of several rasters over many plots, as tasks
per raster and group of plots on a Dask cluster: the single machine's
tables, row for row."""

import geopandas
import numpy as np
import pandas as pd
import pytest
import shapely

from hailin.geo.raster import class_stats, value_stats
from hailin.surveys.dist.rasters import raster_stats, window_groups
from hailin.surveys.dist.scheduler import connect
from tests.rasters import ALBERS, TOP, X0, write_raster


@pytest.fixture(scope="module")
def client():
    with connect("local:2", processes=False) as client:
        yield client


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """Two classified rasters (one with values 1-3 only in its west half, a
    tiled one with no data), an index raster, and 240 plots over them and
    beyond their edges (in WGS84, as stored)."""
    folder = tmp_path_factory.mktemp("rasters")
    rng = np.random.default_rng(4)
    classes = rng.integers(1, 6, (120, 160)).astype("uint8")
    classes[:, 80:] = np.minimum(classes[:, 80:], 3)
    other = rng.integers(0, 4, (120, 160)).astype("uint8")
    index = rng.uniform(-0.2, 0.9, (120, 160)).astype("float32")
    paths = [
        write_raster(folder / "a.tif", classes),
        write_raster(folder / "b.tif", other, nodata=0, tiled=True, block=32),
    ]
    ndvi = write_raster(folder / "ndvi.tif", index, tiled=True, block=32)
    x = rng.uniform(X0 - 50, X0 + 1650, 240)
    y = rng.uniform(TOP - 1250, TOP + 50, 240)
    side = rng.uniform(8, 60, 240)
    plots = geopandas.GeoDataFrame(
        {"plot_id": [f"P{i:03d}" for i in range(240)]},
        geometry=shapely.box(x, y, x + side, y + side),
        crs=ALBERS,
    ).to_crs(4326)
    return paths, ndvi, plots


@pytest.mark.parametrize("group", [7, 50, 1000])
def test_class_stats_as_tasks_are_the_single_machine_tables(client, scene, group):
    paths, _ndvi, plots = scene
    assert len(window_groups(plots, group)) == -(-240 // group)
    for classes in (None, "1=mangrove,2=spartina"):
        spread = raster_stats(client, paths, plots, classes=classes, group=group)
        for path, table in zip(paths, spread, strict=True):
            expected = class_stats(path, plots, classes)
            pd.testing.assert_frame_equal(table, expected, check_exact=True)
    assert spread[0]["covered_fraction"].between(0, 1).all()
    assert (spread[0]["covered_fraction"] < 1).sum() > 5  # plots across the edge


def test_value_stats_as_tasks_are_the_single_machine_tables(client, scene):
    _paths, ndvi, plots = scene
    (table,) = raster_stats(client, [ndvi], plots, values=True, threshold=0.4, group=13)
    expected = value_stats(ndvi, plots, threshold=0.4)
    pd.testing.assert_frame_equal(table, expected, check_exact=True)
    assert table["mean"].notna().sum() > 200
