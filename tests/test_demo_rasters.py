"""The demo rasters: what they hold, measured back with geo.raster."""

import datetime

import numpy as np
import pytest

from hailin.demo_data import demo_plots
from hailin.demo_rasters import write_demo_rasters
from hailin.geo.raster import class_stats, open_raster, raster_date, raster_info, value_stats
from hailin.geo.sites import load_sites


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    sites = load_sites()
    clearance, restoration = demo_plots(sites)
    folder = tmp_path_factory.mktemp("rasters")
    return write_demo_rasters(folder, sites, clearance, restoration), clearance, restoration


def test_spartina_patches_sit_in_the_chosen_cleared_plots(demo):
    rasters, clearance, _restoration = demo
    table = class_stats(rasters.classified, clearance, rasters.classes)
    kewan = table[clearance["site_id"].to_numpy() == "kewan"]
    assert len(kewan) == 90 and (kewan["covered_fraction"] == 1.0).all()
    assert (table.loc[clearance["site_id"].to_numpy() != "kewan", "covered_fraction"] == 0).all()
    patches = kewan[kewan["spartina_m2"] > 100]
    assert sorted(patches["plot_id"]) == sorted(rasters.spartina_plots)
    # 12-20 m radius circles of 2 m pixels: 450-1,260 m²
    assert patches["spartina_m2"].between(420, 1300).all()
    specks = kewan.set_index("plot_id").loc[list(rasters.speck_plots), "spartina_m2"]
    assert specks.round(2).tolist() == [16.0, 16.0]
    assert (
        kewan.set_index("plot_id").drop(list(rasters.spartina_plots) + list(rasters.speck_plots))[
            "spartina_m2"
        ]
        == 0
    ).all()


def test_restoration_plots_show_young_mangrove(demo):
    rasters, _clearance, restoration = demo
    table = class_stats(rasters.classified, restoration, rasters.classes)
    covered = table[table["covered_fraction"] > 0]
    assert len(covered) == 75  # the Kewan restoration plots
    assert covered["mangrove_fraction"].between(0.1, 0.65).all()


def test_index_dates_clouds_and_greening(demo):
    rasters, _clearance, restoration = demo
    first, second = rasters.index
    with open_raster(first) as dataset:
        assert raster_date(dataset) == datetime.date(2023, 11, 15)
        info = raster_info(dataset)
        assert (info.crs, info.resolution, info.nodata) == ("EPSG:32651", (10.0, 10.0), -9999.0)
    with open_raster(second) as dataset:
        assert raster_date(dataset) == datetime.date(2024, 9, 15)
    with open_raster(rasters.classified) as dataset:
        assert raster_date(dataset) == datetime.date(2024, 8, 15)
        assert raster_info(dataset).crs == "EPSG:4549"
    before = value_stats(first, restoration)
    after = value_stats(second, restoration)
    clouded = before["valid_fraction"] < 1
    assert 0 < clouded.sum() < len(restoration)
    assert (int(clouded.sum()), len(restoration)) == (73, 139)  # the seeded cloud
    assert before.loc[before["valid_fraction"] == 0, "mean"].isna().all()
    clear = ~clouded.to_numpy()
    greening = after["mean"].to_numpy()[clear] - before["mean"].to_numpy()[clear]
    assert (greening > 0.05).all()


def test_same_frames_same_files(demo, tmp_path):
    one, clearance, restoration = demo
    two = write_demo_rasters(tmp_path, load_sites(), clearance, restoration)
    assert one.spartina_plots == two.spartina_plots
    for a, b in zip((one.classified, *one.index), (two.classified, *two.index), strict=True):
        with open_raster(a) as first, open_raster(b) as second:
            assert np.array_equal(first.read(1), second.read(1))
