"""Display overlays: size, placement, colours, transparency, overviews."""

import warnings

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.enums import Resampling
from rasterio.io import MemoryFile

from hailin.geo.errors import RasterError
from hailin.geo.raster import open_raster, overlay_image, raster_info
from tests.rasters import utm_origin, write_raster

CLASSES = "1=mangrove,2=spartina,3=mudflat,4=water"
# A grid in degrees, so a plain-degree overlay is the raster itself, unrotated.
DEGREES = Affine(0.0001, 0.0, 120.3, 0.0, -0.0001, 27.26)


def decode(png):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with MemoryFile(png) as memory, memory.open() as image:
            assert image.driver == "PNG"
            return image.read()


@pytest.fixture
def bands_tif(tmp_path):
    # 400 x 300 pixels of 10 m in UTM 51N: columns 0-99 class 1, ... 300-399 class
    # 4, a 50 x 50 nodata corner at the top left and a class 9 block bottom right.
    values = np.repeat(np.arange(1, 5, dtype="uint8"), 100)[None, :].repeat(300, 0)
    values[:50, :50] = 0
    values[250:, 350:] = 9
    x, y = utm_origin(120.30, 27.25, 32651)
    transform = Affine(10.0, 0.0, x, 0.0, -10.0, y)
    return write_raster(
        tmp_path / "bands.tif", values, crs="EPSG:32651", transform=transform, nodata=0
    )


def test_classes_in_their_colours_placed_in_web_mercator(bands_tif):
    image = overlay_image(bands_tif, classes=CLASSES, max_size=128)
    assert image.crs == "EPSG:3857"
    assert max(image.width, image.height) <= 128
    assert image.legend == (
        ("mangrove", "#1b7837"),
        ("spartina", "#e6550d"),
        ("mudflat", "#c2a878"),
        ("water", "#3182bd"),
    )
    rgba = decode(image.png)
    assert rgba.shape == (4, image.height, image.width)
    middle = image.height // 2
    across = [tuple(rgba[:, middle, int(image.width * f)]) for f in (0.125, 0.375, 0.625, 0.875)]
    assert across == [
        (0x1B, 0x78, 0x37, 255),
        (0xE6, 0x55, 0x0D, 255),
        (0xC2, 0xA8, 0x78, 255),
        (0x31, 0x82, 0xBD, 255),
    ]
    # nodata corner (top left) and the unnamed class 9 (bottom right) are clear
    assert rgba[3, int(image.height * 0.06), int(image.width * 0.06)] == 0
    assert rgba[3, int(image.height * 0.92), int(image.width * 0.94)] == 0
    with open_raster(bands_tif) as dataset:
        west, south, east, north = raster_info(dataset).bounds_wgs84
    # the warped image covers the raster's footprint, give or take a display pixel
    pixel = (east - west) / image.width
    assert image.bounds == pytest.approx((west, south, east, north), abs=1.5 * pixel)


def test_plain_degrees_and_given_colours(bands_tif):
    image = overlay_image(
        bands_tif, classes="2=spartina", colours={"spartina": "#FF0000"}, crs="EPSG:4326"
    )
    assert image.crs == "EPSG:4326"
    assert image.legend == (("spartina", "#ff0000"),)
    rgba = decode(image.png)
    assert tuple(rgba[:, image.height // 2, int(image.width * 0.375)]) == (255, 0, 0, 255)
    assert rgba[3, image.height // 2, int(image.width * 0.125)] == 0  # class 1 not named


def test_continuous_ramp_with_legend_stops(tmp_path):
    values = np.tile(np.linspace(0.0, 1.0, 101, dtype="float32"), (50, 1))
    values[:, 0] = np.nan
    path = write_raster(tmp_path / "ndvi.tif", values, crs="EPSG:4326", transform=DEGREES)
    image = overlay_image(path, ramp=[(0.0, "#000000"), (1.0, "#FFFFFF")], crs="EPSG:4326")
    assert image.legend == (("0", "#000000"), ("1", "#ffffff"))
    rgba = decode(image.png)
    row = rgba[:, image.height // 2, :]
    assert row[3, 0] == 0  # the NaN column
    grey = row[0, 1:]
    assert grey.min() <= 3 and grey.max() >= 252
    assert np.all(np.diff(grey.astype(int)) >= 0)  # rising left to right
    default = overlay_image(path)
    assert [colour for _value, colour in default.legend] == [
        "#d7191c",
        "#fdae61",
        "#ffffbf",
        "#a6d96a",
        "#1a9641",
    ]
    assert default.legend[0][0] == "0.02" and default.legend[-1][0] == "0.98"


def test_reads_overviews_not_the_full_raster(tmp_path):
    # A checkerboard of classes 1 and 3 whose overviews were built by averaging:
    # only the overview holds class 2, so a spartina-coloured image proves the
    # overlay came from the overview.
    board = (np.indices((512, 512)).sum(axis=0) % 2 * 2 + 1).astype("uint8")
    path = write_raster(
        tmp_path / "board.tif", board, crs="EPSG:4326", transform=DEGREES, tiled=True, block=128
    )
    with rasterio.open(path, "r+") as dataset:
        dataset.build_overviews([2, 4, 8], Resampling.average)
    rgba = decode(overlay_image(path, classes=CLASSES, max_size=256, crs="EPSG:4326").png)
    assert (rgba.reshape(4, -1).T == (0xE6, 0x55, 0x0D, 255)).all()
    without = write_raster(
        tmp_path / "plain.tif", board, crs="EPSG:4326", transform=DEGREES, tiled=True, block=128
    )
    rgba = decode(overlay_image(without, classes=CLASSES, max_size=256, crs="EPSG:4326").png)
    colours = {tuple(c) for c in rgba.reshape(4, -1).T}
    assert (0xE6, 0x55, 0x0D, 255) not in colours
    assert colours <= {(0x1B, 0x78, 0x37, 255), (0xC2, 0xA8, 0x78, 255)}


def test_large_rasters_shrink_to_the_size_asked(tmp_path):
    path = write_raster(tmp_path / "long.tif", np.ones((40, 3000), dtype="uint8"))
    image = overlay_image(path, classes="1=mangrove", max_size=300, crs="EPSG:4326")
    assert image.width <= 300 and image.height >= 3


def test_bad_arguments(bands_tif):
    with pytest.raises(ValueError, match="crs must be one of"):
        overlay_image(bands_tif, crs="EPSG:32651")
    with pytest.raises(RasterError, match="two or more stops with rising values"):
        overlay_image(bands_tif, ramp=[(1.0, "#000000"), (0.0, "#ffffff")])
    with pytest.raises(ValueError, match="max_size must be a whole number"):
        overlay_image(bands_tif, max_size=4)
