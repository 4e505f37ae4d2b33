"""Coverage-weighted zonal statistics against hand-computed small rasters.

Every raster here is a few 10 m pixels in an equal-area CRS (China Albers on
the CGCS2000 ellipsoid), so a pixel is exactly 100 m² on the ellipsoid and the
expected numbers can be worked out by hand; the UTM and Gauss-Kruger tests
check the scale-factor correction against pyproj's own areal scale.

Cross-checks. The same inputs go to exactextract and rasterstats called
directly:

* exactextract computes the same covered fractions (hailin uses it as its
  core), but reports cells, not m²: ``count x pixel size`` is the planar area,
  which in UTM 51N at Fuding is 0.09% more than the ground (ellipsoidal) area,
  and it has no notion of a plot being partly outside the raster.
* rasterstats counts whole pixels. Without ``all_touched`` a pixel counts
  when its centre is inside (GDAL's rasterizer: a centre exactly on the left
  or top edge counts, on the right or bottom edge does not), with
  ``all_touched`` when the polygon touches it at all. A 25 m plot offset 5 m
  from the grid (6.25 pixels) becomes 6 or 9 pixels; a plot over 2.5 pixels
  becomes 4. And it reads pixels outside the raster as value 0, so a plot
  half outside reports four pixels of class 0 where hailin reports a covered
  fraction of 0.5.
"""

import math
import warnings

import geopandas
import numpy as np
import pyproj
import pytest
import shapely
from affine import Affine

from hailin.geo.area import M2_PER_MU, area_m2
from hailin.geo.errors import CRSError, RasterError
from hailin.geo.raster import class_stats, value_stats
from tests.rasters import ALBERS, TOP, X0, utm_origin, write_raster

CLASSES = "1=mangrove,2=spartina,3=mudflat,4=water"
# Rows of 10 m pixels; row 0 is the top.
GRID = np.array(
    [
        [1, 1, 2, 3],
        [1, 2, 2, 3],
        [3, 3, 3, 3],
        [4, 4, 4, 4],
    ],
    dtype="uint8",
)


def plots(*geometries, crs=ALBERS, ids=None):
    ids = ids or [f"P{n}" for n in range(1, len(geometries) + 1)]
    return geopandas.GeoDataFrame({"plot_id": ids}, geometry=list(geometries), crs=crs)


@pytest.fixture
def grid_tif(tmp_path):
    return write_raster(tmp_path / "grid.tif", GRID)


def rasterstats_counts(frame, path, all_touched):
    from rasterstats import zonal_stats
    from rasterstats.io import NodataWarning

    with warnings.catch_warnings():
        # Its default: no nodata given, so it picks -999 and says so.
        warnings.simplefilter("ignore", NodataWarning)
        return zonal_stats(frame, str(path), categorical=True, all_touched=all_touched)


def exactextract_direct(frame, path):
    from exactextract import exact_extract

    result = exact_extract(str(path), frame, ["count", "unique", "frac"], output="pandas")
    row = result.iloc[0]
    return float(row["count"]), dict(
        zip(row["unique"].tolist(), np.round(row["frac"], 6).tolist(), strict=True)
    )


def test_polygon_over_two_and_a_half_pixels(grid_tif):
    # 31.25 m x 8 m inside row 0: 0.45 of column 0, 0.8 of columns 1 and 2, 0.45
    # of column 3 = 2.5 pixels; class 1 gets 1.25, class 2 0.8, class 3 0.45.
    plot = shapely.box(X0 + 4.375, TOP - 9, X0 + 35.625, TOP - 1)
    table = class_stats(grid_tif, plots(plot), CLASSES)
    row = table.iloc[0]
    assert row["plot_m2"] == pytest.approx(250.0, rel=1e-6)
    assert row["covered_fraction"] == 1.0
    assert row["valid_m2"] == pytest.approx(250.0, rel=1e-6)
    assert row["mangrove_m2"] == pytest.approx(125.0, rel=1e-6)
    assert row["spartina_m2"] == pytest.approx(80.0, rel=1e-6)
    assert row["mudflat_m2"] == pytest.approx(45.0, rel=1e-6)
    assert row["water_m2"] == 0.0
    assert row["other_m2"] == 0.0
    assert row["mangrove_mu"] == pytest.approx(125.0 / M2_PER_MU, rel=1e-6)
    assert row["mangrove_fraction"] == pytest.approx(0.5)
    assert row["spartina_fraction"] == pytest.approx(0.32)
    assert row["mudflat_fraction"] == pytest.approx(0.18)
    # exactextract agrees on the coverage; rasterstats takes all 4 touched pixels
    # (every centre is inside), 400 m² and half mangrove, a quarter each of the rest.
    count, fractions = exactextract_direct(plots(plot), grid_tif)
    assert count == pytest.approx(2.5)
    assert fractions == {1: 0.5, 2: 0.32, 3: 0.18}
    assert rasterstats_counts(plots(plot), grid_tif, False) == [{1: 2, 2: 1, 3: 1}]
    assert rasterstats_counts(plots(plot), grid_tif, True) == [{1: 2, 2: 1, 3: 1}]


def test_grid_offset_five_metres_from_plot_edges(grid_tif):
    # A 25 m square whose edges lie 5 m off the grid lines: columns 0 and 1..2 of
    # rows 0..2 covered 0.5 / 1 / 1 across and 0.5 / 1 / 1 down: 6.25 pixels.
    plot = shapely.box(X0 + 5, TOP - 30, X0 + 30, TOP - 5)
    row = class_stats(grid_tif, plots(plot), CLASSES).iloc[0]
    assert row["valid_m2"] == pytest.approx(625.0, rel=1e-6)
    # class 1: (0,0) 0.25 + (0,1) 0.5 + (1,0) 0.5 = 1.25 px; class 2: (0,2) 0.5 +
    # (1,1) 1 + (1,2) 1 = 2.5 px; class 3: row 2 0.5 + 1 + 1 = 2.5 px.
    assert row["mangrove_m2"] == pytest.approx(125.0, rel=1e-6)
    assert row["spartina_m2"] == pytest.approx(250.0, rel=1e-6)
    assert row["mudflat_m2"] == pytest.approx(250.0, rel=1e-6)
    assert row["spartina_fraction"] == pytest.approx(0.4)
    count, fractions = exactextract_direct(plots(plot), grid_tif)
    assert count == pytest.approx(6.25)
    assert fractions == {1: 0.2, 2: 0.4, 3: 0.4}
    # Pixel centres sit on the plot's top and left edges: GDAL counts the top row
    # (centre on the top edge) but not the left column, so 6 pixels (600 m²)
    # with Spartina at 3/6 = 50%; all-touched takes 9 pixels (900 m²), 33%.
    assert rasterstats_counts(plots(plot), grid_tif, False) == [{1: 1, 2: 3, 3: 2}]
    assert rasterstats_counts(plots(plot), grid_tif, True) == [{1: 3, 2: 3, 3: 3}]


def test_polygon_across_the_raster_edge_and_wholly_outside(grid_tif):
    half_out = shapely.box(X0 - 20, TOP - 20, X0 + 20, TOP)  # 800 m², 400 inside
    outside = shapely.box(X0 - 100, TOP - 50, X0 - 60, TOP - 10)
    table = class_stats(grid_tif, plots(half_out, outside), CLASSES)
    first, second = table.iloc[0], table.iloc[1]
    assert first["plot_m2"] == pytest.approx(800.0, rel=1e-6)
    assert first["covered_fraction"] == pytest.approx(0.5)
    assert first["valid_m2"] == pytest.approx(400.0, rel=1e-6)
    assert first["valid_fraction"] == pytest.approx(0.5)
    assert first["mangrove_m2"] == pytest.approx(300.0, rel=1e-6)
    assert first["spartina_m2"] == pytest.approx(100.0, rel=1e-6)
    assert first["mangrove_fraction"] == pytest.approx(0.75)
    assert second["covered_fraction"] == 0.0
    assert second["valid_m2"] == 0.0
    for column in ("mangrove_m2", "spartina_fraction", "water_mu", "other_m2"):
        assert math.isnan(second[column]), column
    # rasterstats reads the four pixels outside as class 0.
    assert rasterstats_counts(plots(half_out), grid_tif, False) == [{0: 4, 1: 3, 2: 1}]


def test_nodata_and_masked_pixels_count_nowhere(tmp_path):
    values = GRID.copy()
    values[0, 0] = 255  # nodata value
    mask = np.zeros(GRID.shape, dtype=bool)
    mask[1, 1] = mask[3, 3] = True  # masked by the mask band
    path = write_raster(tmp_path / "holes.tif", values, nodata=255, mask=mask)
    everything = shapely.box(X0, TOP - 40, X0 + 40, TOP)
    on_nodata = shapely.box(X0 + 1, TOP - 9, X0 + 9, TOP - 1)
    table = class_stats(path, plots(everything, on_nodata), CLASSES)
    whole, hole = table.iloc[0], table.iloc[1]
    assert whole["covered_fraction"] == 1.0
    assert whole["valid_m2"] == pytest.approx(1300.0, rel=1e-6)
    # 16 pixels less (0,0) nodata, (1,1) masked spartina, (3,3) masked water.
    assert whole["mangrove_m2"] == pytest.approx(200.0, rel=1e-6)
    assert whole["spartina_m2"] == pytest.approx(200.0, rel=1e-6)
    assert whole["mudflat_m2"] == pytest.approx(600.0, rel=1e-6)
    assert whole["water_m2"] == pytest.approx(300.0, rel=1e-6)
    assert whole["spartina_fraction"] == pytest.approx(2 / 13)
    assert hole["covered_fraction"] == 1.0
    assert hole["valid_m2"] == 0.0
    assert math.isnan(hole["mangrove_fraction"])


def test_masked_pixels_in_a_window_not_on_the_origin(tmp_path):
    # exactextract 0.3 drops a masked array's mask when a plot's grid is not the
    # window's (issue 193); hailin hands it nodata values instead. A raster of
    # 4 x 4 blocks of 16 pixels, one masked pixel near the middle, small plots.
    values = np.full((64, 64), 3, dtype="uint8")
    mask = np.zeros(values.shape, dtype=bool)
    mask[37, 21] = True
    path = write_raster(tmp_path / "masked.tif", values, mask=mask, tiled=True)
    plot = shapely.box(X0 + 200, TOP - 380, X0 + 220, TOP - 360)  # rows 36-37, cols 20-21
    row = class_stats(path, plots(plot), CLASSES).iloc[0]
    assert row["valid_m2"] == pytest.approx(300.0, rel=1e-6)
    assert row["mudflat_fraction"] == 1.0


def test_classes_not_named_are_other_and_without_spec_each_value_is_a_class(grid_tif):
    plot = shapely.box(X0, TOP - 40, X0 + 40, TOP)
    named = class_stats(grid_tif, plots(plot), "2=spartina").iloc[0]
    assert named["spartina_m2"] == pytest.approx(300.0, rel=1e-6)
    assert named["other_m2"] == pytest.approx(1300.0, rel=1e-6)
    assert list(named.index) == [
        "plot_id",
        "plot_m2",
        "covered_fraction",
        "valid_m2",
        "valid_fraction",
        "spartina_m2",
        "spartina_mu",
        "spartina_fraction",
        "other_m2",
        "other_mu",
        "other_fraction",
    ]
    unnamed = class_stats(grid_tif, plots(plot)).iloc[0]
    assert [c for c in unnamed.index if c.endswith("_fraction")] == [
        "covered_fraction",
        "valid_fraction",
        "class_1_fraction",
        "class_2_fraction",
        "class_3_fraction",
        "class_4_fraction",
    ]
    assert unnamed["class_3_m2"] == pytest.approx(600.0, rel=1e-6)


def test_rows_keep_the_plots_order_and_ids(grid_tif):
    boxes = [shapely.box(X0 + 10 * c, TOP - 10, X0 + 10 * c + 10, TOP) for c in range(4)]
    table = class_stats(grid_tif, plots(*boxes, ids=["d", "c", "b", "a"]), CLASSES)
    assert table["plot_id"].tolist() == ["d", "c", "b", "a"]
    assert table["mangrove_fraction"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert table["mudflat_fraction"].tolist() == [0.0, 0.0, 0.0, 1.0]


def test_utm_51n_raster_against_plots_in_wgs84(tmp_path):
    # Fuding lies at the west edge of UTM zone 51 (CM 123E), where the scale
    # factor is about 1.00046: a 10 m pixel covers 99.91 m² of ground.
    x, y = utm_origin(120.30, 27.25, 32651)
    transform = Affine(10.0, 0.0, x, 0.0, -10.0, y)
    values = np.full((20, 20), 1, dtype="uint8")
    values[:, 10:] = 2  # east half Spartina
    path = write_raster(tmp_path / "utm.tif", values, crs="EPSG:32651", transform=transform)
    square = shapely.box(x + 50, y - 150, x + 150, y - 50)  # 100 x 100 m in UTM
    in_wgs84 = plots(square, crs=32651).to_crs(4326)
    row = class_stats(path, in_wgs84, CLASSES).iloc[0]
    factors = pyproj.Proj("EPSG:32651").get_factors(120.3, 27.25, errcheck=True)
    ground_pixel = 100.0 / factors.areal_scale
    assert 99.89 < ground_pixel < 99.93
    assert row["plot_m2"] == pytest.approx(area_m2(in_wgs84).iloc[0])
    assert row["valid_m2"] == pytest.approx(100 * ground_pixel, rel=2e-5)
    assert row["mangrove_m2"] == pytest.approx(50 * ground_pixel, rel=2e-5)
    assert row["spartina_m2"] == pytest.approx(50 * ground_pixel, rel=2e-5)
    assert row["spartina_fraction"] == pytest.approx(0.5, abs=1e-9)
    # exactextract, handed the UTM square, counts 100 cells: 10,000 m² of map plane.
    count, _ = exactextract_direct(plots(square, crs=32651), path)
    assert count == pytest.approx(100.0)


def test_cgcs2000_gauss_kruger_raster_against_plots_in_wgs84(tmp_path):
    # EPSG:4549, CGCS2000 3-degree Gauss-Kruger CM 120E: at 120.3E the scale
    # factor is 1.000011, so a 2 m pixel covers 3.99991 m².
    x, y = utm_origin(120.30, 27.25, 4549)
    transform = Affine(2.0, 0.0, x, 0.0, -2.0, y)
    values = np.full((50, 50), 3, dtype="uint8")
    values[:25, :] = 1  # north half mangrove
    path = write_raster(tmp_path / "gk.tif", values, crs="EPSG:4549", transform=transform)
    square = shapely.box(x + 20, y - 80, x + 80, y - 20)  # 60 x 60 m, rows 10-39
    in_wgs84 = plots(square, crs=4549).to_crs(4326)
    row = class_stats(path, in_wgs84, CLASSES).iloc[0]
    factors = pyproj.Proj("EPSG:4549").get_factors(120.3, 27.25, errcheck=True)
    ground_m2 = 3600.0 / factors.areal_scale
    assert 3599.90 < ground_m2 < 3599.93
    assert row["valid_m2"] == pytest.approx(ground_m2, rel=1e-6)
    assert row["mangrove_m2"] == pytest.approx(ground_m2 / 2, rel=1e-6)
    assert row["mudflat_fraction"] == pytest.approx(0.5, abs=1e-9)


def test_geographic_raster_pixel_areas_on_the_ellipsoid(tmp_path):
    # 0.0001 degree pixels in EPSG:4490; a pixel's ground area shrinks with
    # latitude, so each class's area is that of its own band of rows.
    transform = Affine(0.0001, 0.0, 120.3, 0.0, -0.0001, 27.26)
    values = np.full((100, 100), 3, dtype="uint8")
    values[:30, :] = 2  # northernmost 30 rows Spartina
    path = write_raster(tmp_path / "geographic.tif", values, crs="EPSG:4490", transform=transform)
    plot = shapely.box(120.301, 27.251, 120.306, 27.259)  # rows 10-89, cols 10-59
    row = class_stats(path, plots(plot, crs=4326), CLASSES).iloc[0]
    spartina = area_m2(shapely.box(120.301, 27.257, 120.306, 27.259))
    mudflat = area_m2(shapely.box(120.301, 27.251, 120.306, 27.257))
    assert row["valid_m2"] == pytest.approx(spartina + mudflat, rel=1e-6)
    # One scale per plot: the documented bound is tan(lat) x plot height / 2R.
    bound = math.tan(math.radians(27.255)) * 0.008 * math.pi / 180 / 2
    assert row["spartina_m2"] == pytest.approx(spartina, rel=bound)
    assert row["mudflat_m2"] == pytest.approx(mudflat, rel=bound)
    assert abs(row["spartina_m2"] / spartina - 1) > 1e-7  # the approximation is visible


def test_value_statistics_weighted_by_coverage(tmp_path):
    values = np.array([[0.2, 0.4, 0.8, np.nan], [-9999, 0.6, 0.6, 0.6]], dtype="float32")
    path = write_raster(tmp_path / "ndvi.tif", values, nodata=-9999)
    # Row 0: columns 0 and 1 whole, column 2 half; the NaN pixel is not touched.
    plot = shapely.box(X0, TOP - 10, X0 + 25, TOP)
    # Row 1 from column 0 to 2: nodata, 0.6, 0.6.
    second = shapely.box(X0, TOP - 20, X0 + 30, TOP - 10)
    on_nodata = shapely.box(X0 + 1, TOP - 19, X0 + 9, TOP - 11)
    table = value_stats(path, plots(plot, second, on_nodata), threshold=0.5)
    first = table.iloc[0]
    assert first["valid_cells"] == pytest.approx(2.5)
    assert first["valid_m2"] == pytest.approx(250.0, rel=1e-6)
    assert first["mean"] == pytest.approx((0.2 + 0.4 + 0.5 * 0.8) / 2.5, rel=1e-6)
    # population std: (1 x 0.2² + 1 x 0² + 0.5 x 0.4²) / 2.5 = 0.048
    assert first["std"] == pytest.approx(math.sqrt(0.048), rel=1e-6)
    assert first["min"] == pytest.approx(0.2)
    assert first["max"] == pytest.approx(0.8)
    assert first["above_m2"] == pytest.approx(50.0, rel=1e-6)
    assert first["above_fraction"] == pytest.approx(0.2)
    middle = table.iloc[1]
    assert middle["valid_fraction"] == pytest.approx(2 / 3)
    assert middle["mean"] == pytest.approx(0.6)
    assert middle["above_mu"] == pytest.approx(200.0 / M2_PER_MU, rel=1e-6)
    last = table.iloc[2]
    assert last["valid_m2"] == 0.0
    assert np.isnan([last["mean"], last["min"], last["std"], last["above_m2"]]).all()


def test_scaled_index_is_read_in_its_units(tmp_path):
    stored = np.array([[2000, 4000, 8000]], dtype="int16")  # NDVI x 10,000
    path = write_raster(tmp_path / "scaled.tif", stored, nodata=-32768, scale=0.0001)
    plot = shapely.box(X0, TOP - 10, X0 + 25, TOP)
    row = value_stats(path, plots(plot), threshold=0.5).iloc[0]
    assert row["mean"] == pytest.approx(0.4, rel=1e-6)
    assert row["max"] == pytest.approx(0.8, rel=1e-6)
    assert row["above_fraction"] == pytest.approx(0.2)


def test_tiled_vrt_and_cog_inputs_give_the_same_figures(tmp_path):
    import rasterio.shutil

    rng = np.random.default_rng(3)
    values = rng.integers(1, 5, (70, 90)).astype("uint8")
    tiled = write_raster(tmp_path / "tiled.tif", values, tiled=True)
    striped = write_raster(tmp_path / "striped.tif", values)
    cog = tmp_path / "cog.tif"
    rasterio.shutil.copy(str(striped), str(cog), driver="COG", blocksize=32)
    vrt = tmp_path / "mosaic.vrt"
    _write_vrt(vrt, [(striped, 0, 0, 90, 70)], 90, 70)
    boxes = [
        shapely.Point(X0 + x, TOP - y).buffer(r)
        for x, y, r in [(123.4, 77.7, 40.0), (600.0, 350.0, 180.0), (880.0, 650.0, 60.0)]
    ]
    frames = [class_stats(p, plots(*boxes), CLASSES) for p in (striped, tiled, cog, vrt)]
    for other in frames[1:]:
        assert np.allclose(
            frames[0].drop(columns="plot_id"), other.drop(columns="plot_id"), equal_nan=True
        )
    assert frames[0]["covered_fraction"].round(6).tolist()[0] == 1.0
    assert 0 < frames[0]["covered_fraction"].iloc[2] < 1


def _write_vrt(path, sources, width, height):
    """A mosaic VRT on the 10 m Albers grid: (file, column, row, columns, rows) per source."""
    parts = [
        f'<VRTDataset rasterXSize="{width}" rasterYSize="{height}">',
        f"<SRS>{pyproj.CRS(ALBERS).to_wkt()}</SRS>",
        f"<GeoTransform>{X0}, 10, 0, {TOP}, 0, -10</GeoTransform>",
        '<VRTRasterBand dataType="Byte" band="1">',
    ]
    for source, column, row, columns, rows in sources:
        parts.append(
            f'<SimpleSource><SourceFilename relativeToVRT="0">{source}</SourceFilename>'
            "<SourceBand>1</SourceBand>"
            f'<SrcRect xOff="0" yOff="0" xSize="{columns}" ySize="{rows}"/>'
            f'<DstRect xOff="{column}" yOff="{row}" xSize="{columns}" ySize="{rows}"/>'
            "</SimpleSource>"
        )
    parts.append("</VRTRasterBand></VRTDataset>")
    path.write_text("".join(parts))


def test_only_the_plots_windows_are_read(tmp_path):
    # A VRT of two 256 x 256 tiles whose second file is gone: reading any pixel
    # of it fails. Plots over the first tile are measured all the same.
    first = write_raster(tmp_path / "tile_a.tif", np.full((256, 256), 2, dtype="uint8"))
    gone = tmp_path / "tile_b.tif"
    vrt = tmp_path / "tiles.vrt"
    _write_vrt(vrt, [(first, 0, 0, 256, 256), (gone, 256, 0, 256, 256)], 512, 256)
    near = shapely.Point(X0 + 800, TOP - 1200).buffer(150)
    corner = shapely.box(X0 + 2360, TOP - 2560, X0 + 2560, TOP - 2360)  # up to the seam
    table = class_stats(vrt, plots(near, corner), CLASSES)
    assert table["spartina_fraction"].tolist() == [1.0, 1.0]
    assert table["spartina_m2"].iloc[1] == pytest.approx(40000.0, rel=1e-6)
    far = shapely.box(X0 + 2600, TOP - 200, X0 + 2700, TOP - 100)
    with pytest.raises(RasterError, match=r"tiles\.vrt: reading pixels failed: .*tile_b\.tif"):
        class_stats(vrt, plots(far), CLASSES)


def test_plot_frames_are_checked(grid_tif):
    plot = shapely.box(X0, TOP - 10, X0 + 10, TOP)
    with pytest.raises(TypeError, match="'plots' should be GeoDataFrame"):
        class_stats(grid_tif, [plot])
    with pytest.raises(ValueError, match="plot_id values must be unique; repeated: A"):
        class_stats(grid_tif, plots(plot, plot, ids=["A", "A"]))
    with pytest.raises(ValueError, match="needs a plot_id column"):
        class_stats(grid_tif, geopandas.GeoDataFrame(geometry=[plot], crs=ALBERS))
    with pytest.raises(CRSError, match="no CRS"):
        class_stats(grid_tif, geopandas.GeoDataFrame({"plot_id": ["A"]}, geometry=[plot]))
    with pytest.raises(RasterError, match="band 2 does not exist; the raster has 1"):
        class_stats(grid_tif, plots(plot), band=2)


def test_float_class_values_must_be_whole(tmp_path):
    path = write_raster(tmp_path / "float.tif", np.array([[1.0, 2.5]], dtype="float32"))
    plot = shapely.box(X0, TOP - 10, X0 + 20, TOP)
    with pytest.raises(RasterError, match=r"pixel value 2.5 is not a whole number"):
        class_stats(path, plots(plot), CLASSES)
    whole = write_raster(tmp_path / "whole.tif", np.array([[1.0, 2.0]], dtype="float32"))
    row = class_stats(whole, plots(plot), CLASSES).iloc[0]
    assert row["spartina_fraction"] == 0.5


def test_few_plots_far_apart_read_their_own_windows(tmp_path):
    # Two plots in opposite corners of a 2,048 x 2,048 tiled raster: reading
    # each plot's window beats reading the blocks between them, and gives the
    # same coverage-weighted figures (here with a masked pixel in one plot).
    values = np.full((2048, 2048), 3, dtype="uint8")
    values[:1024, :] = 2
    mask = np.zeros(values.shape, dtype=bool)
    mask[5, 5] = True
    path = write_raster(tmp_path / "wide.tif", values, mask=mask, tiled=True, block=256)
    north_west = shapely.box(X0 + 12.5, TOP - 100, X0 + 100, TOP)  # 87.5 x 100 m
    south_east = shapely.box(X0 + 20380, TOP - 20480, X0 + 20480, TOP - 20380)
    table = class_stats(path, plots(north_west, south_east), CLASSES)
    assert table["valid_m2"].tolist() == pytest.approx([8750.0 - 100.0, 10000.0], rel=1e-6)
    assert table["spartina_fraction"].tolist() == [1.0, 0.0]
    assert table["mudflat_m2"].iloc[1] == pytest.approx(10000.0, rel=1e-6)
