"""Opening and checking rasters, their dates, and class specifications."""

import datetime

import numpy as np
import pytest
import shapely
from affine import Affine

from hailin.geo.errors import RasterError
from hailin.geo.raster import (
    check_raster,
    class_colours,
    class_stats,
    open_raster,
    parse_classes,
    parse_date,
    raster_date,
    raster_info,
    read_window,
)
from hailin.geo.raster.io import no_data, pixel_window
from tests.rasters import TOP, X0, utm_origin, write_raster
from tests.test_raster_zonal import plots

ONES = np.ones((4, 4), dtype="uint8")


def refused(path, fragment):
    with pytest.raises(RasterError) as caught:
        open_raster(path)
    assert fragment in str(caught.value), str(caught.value)
    return str(caught.value)


def test_metre_coordinates_under_a_wgs84_declaration_are_refused(tmp_path):
    x, y = utm_origin(120.3, 27.25, 32651)
    path = write_raster(
        tmp_path / "prj_says_wgs84.tif",
        ONES,
        crs="EPSG:4326",
        transform=Affine(10.0, 0.0, x, 0.0, -10.0, y),
    )
    message = refused(path, "prj_says_wgs84.tif: x 232600 to 232640, y 3016960 to 3017000")
    assert "cannot be degrees, but the raster declares the geographic CRS 'WGS 84'" in message
    # and never answered with zeros: the statistics refuse the same way
    with pytest.raises(RasterError, match="cannot be degrees"):
        class_stats(path, plots(shapely.box(120.3, 27.25, 120.31, 27.26), crs=4326))


def test_degree_coordinates_under_a_projected_declaration_are_refused(tmp_path):
    path = write_raster(
        tmp_path / "degrees_as_utm.tif",
        ONES,
        crs="EPSG:32651",
        transform=Affine(0.0001, 0.0, 120.3, 0.0, -0.0001, 27.26),
    )
    refused(path, "look like degrees, but the raster declares the projected CRS")


def test_coordinates_far_outside_the_declared_zone_are_refused(tmp_path):
    # Eastings with the zone number in front (CGCS2000 3-degree zone 40) under
    # the zone CRS without it: the raster would lie some 40,000 km east.
    path = write_raster(
        tmp_path / "zone_prefix.tif",
        ONES,
        crs="EPSG:4549",
        transform=Affine(2.0, 0.0, 40530000.0, 0.0, -2.0, 3015000.0),
    )
    message = refused(path, "zone_prefix.tif: x 40530000 to 40530008")
    assert "the declared CRS does not fit the coordinates" in message


def test_a_utm_raster_a_little_outside_its_zone_is_accepted(tmp_path):
    # 119.6E is 0.4 degrees west of zone 51, as rasters of Fuding often are.
    x, y = utm_origin(119.6, 27.25, 32651)
    path = write_raster(
        tmp_path / "west.tif", ONES, crs="EPSG:32651", transform=Affine(10, 0, x, 0, -10, y)
    )
    with open_raster(path) as dataset:
        assert raster_info(dataset).crs == "EPSG:32651"


def test_missing_crs_rotation_and_non_rasters_are_refused(tmp_path):
    no_crs = write_raster(tmp_path / "no_crs.tif", ONES, crs=None)
    refused(no_crs, "no_crs.tif: the raster declares no coordinate reference system")
    rotated = write_raster(
        tmp_path / "rotated.tif",
        ONES,
        crs="EPSG:32651",
        transform=Affine(10.0, 1.0, 236000.0, 1.0, -10.0, 3015000.0),
    )
    refused(rotated, "rotated.tif: the grid is rotated")
    text = tmp_path / "notes.tif"
    text.write_text("not a raster")
    refused(text, "notes.tif: not a raster GDAL can read")
    refused(tmp_path / "absent.tif", "absent.tif: no such file")


def test_band_must_exist(tmp_path):
    path = write_raster(tmp_path / "one_band.tif", ONES)
    with pytest.raises(RasterError, match="band 3 does not exist; the raster has 1"):
        open_raster(path, band=3)


def test_raster_info_and_windows(tmp_path):
    path = write_raster(tmp_path / "info.tif", np.zeros((20, 30), dtype="uint8"), nodata=0)
    with open_raster(path) as dataset:
        info = raster_info(dataset)
        assert (info.width, info.height, info.dtype, info.nodata) == (30, 20, "uint8", 0.0)
        assert info.resolution == (10.0, 10.0)
        assert info.bounds == (X0, TOP - 200, X0 + 300, TOP)
        west, south, east, north = info.bounds_wgs84
        assert 120.29 < west < east < 120.31 and 27.24 < south < north < 27.26
        window = pixel_window(dataset, (X0 - 50, TOP - 15, X0 + 12, TOP + 5))
        assert (window.col_off, window.row_off, window.width, window.height) == (0, 0, 2, 2)
        assert pixel_window(dataset, (X0 - 90, TOP - 15, X0 - 50, TOP)) is None


def test_no_data_joins_nodata_value_mask_band_and_nan(tmp_path):
    values = np.array([[1.0, np.nan, -1.0], [4.0, 5.0, 6.0]], dtype="float32")
    mask = np.array([[False, False, False], [False, True, False]])
    path = write_raster(tmp_path / "both.tif", values, nodata=-1.0, mask=mask)
    with open_raster(path) as dataset:
        window = pixel_window(dataset, dataset.bounds)
        missing = no_data(dataset, 1, window, dataset.read(1, window=window))
        assert missing.tolist() == [[False, True, True], [False, True, False]]
        masked = read_window(dataset, window)
        assert masked.compressed().tolist() == [1.0, 4.0, 6.0]


@pytest.mark.parametrize(
    ("name", "tags", "expected"),
    [
        ("plain.tif", {}, None),
        ("flight_20240815.tif", {}, datetime.date(2024, 8, 15)),
        ("ndvi_2024-09-15.tif", {}, datetime.date(2024, 9, 15)),
        # The TIFF tag is the file's creation time: a date in the name wins.
        (
            "flight_20240815.tif",
            {None: {"TIFFTAG_DATETIME": "2024:08:20 16:05:00"}},
            datetime.date(2024, 8, 15),
        ),
        (
            "plain.tif",
            {None: {"TIFFTAG_DATETIME": "2024:08:20 16:05:00"}},
            datetime.date(2024, 8, 20),
        ),
        # The acquisition time wins over both.
        (
            "ndvi_2024-09-15.tif",
            {"IMAGERY": {"ACQUISITIONDATETIME": "2024-09-14T02:35:00Z"}},
            datetime.date(2024, 9, 14),
        ),
        ("plain.tif", {None: {"ACQUISITIONDATETIME": "2023-11-15"}}, datetime.date(2023, 11, 15)),
        ("tile_20241345_v2.tif", {}, None),  # month 13: not a date
    ],
)
def test_raster_date(tmp_path, name, tags, expected):
    path = write_raster(tmp_path / name, ONES, tags=tags)
    with open_raster(path) as dataset:
        assert raster_date(dataset) == expected


def test_parse_date_skips_longer_digit_runs_and_implausible_years():
    assert parse_date("id_120240815") is None
    assert parse_date("v1899-01-01_2023-05-02") == datetime.date(2023, 5, 2)
    assert parse_date("2023_05_02") == datetime.date(2023, 5, 2)


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("", "names no class"),
        ("1=mangrove,2", "item '2' in '1=mangrove,2' is not VALUE=NAME"),
        ("one=mangrove", "class value 'one' in 'one=mangrove' is not a whole number"),
        ("1.5=mangrove", "class value '1.5'"),
        ("1=mangrove,1=spartina", "class value 1 is given twice"),
        ("1=mangrove,2=Mangrove", "class name 'mangrove' is given twice"),
        ("1=2nd", "class name '2nd'"),
        ("1=spartina alterniflora", "must start with a letter and hold only letters"),
        ("1=<b>x</b>", "must start with a letter"),
        ("1=valid", "class name 'valid' in '1=valid' is reserved"),
        ("1=other", "is reserved"),
    ],
)
def test_class_spec_errors(spec, fragment):
    with pytest.raises(RasterError) as caught:
        parse_classes(spec)
    assert fragment in str(caught.value), str(caught.value)


def test_class_specs_in_every_accepted_form():
    expected = {1: "mangrove", 2: "spartina", 3: "mudflat", 4: "water"}
    assert parse_classes("1=mangrove,2=spartina,3=mudflat,4=water") == expected
    assert parse_classes(" 1 = Mangrove ；2=spartina，3=mudflat; 4=water, ") == expected
    assert parse_classes({"1": "mangrove", 2: "spartina", "3": "mudflat", 4: "water"}) == expected
    assert parse_classes("0=背景,5=红树林") == {0: "背景", 5: "红树林"}
    with pytest.raises(TypeError, match="'spec' should be a str or a mapping, got <class 'list'>"):
        parse_classes(["1=mangrove"])


def test_class_colours_given_known_and_fallback():
    colours = class_colours({1: "mangrove", 2: "reed", 3: "sand"}, {2: "#00FF00"})
    assert colours == {1: "#1b7837", 2: "#00ff00", 3: "#984ea3"}
    with pytest.raises(RasterError, match="colour 'green' is not of the form #rrggbb"):
        class_colours({1: "mangrove"}, {"mangrove": "green"})


def test_check_raster_takes_open_datasets(tmp_path):
    import rasterio

    path = write_raster(tmp_path / "ok.tif", ONES)
    with rasterio.open(path) as dataset:
        check_raster(dataset)
        with pytest.raises(RasterError, match="band 0 does not exist"):
            check_raster(dataset, band=0)
