import geopandas
import numpy as np
import pyproj
import pytest
import shapely

from hailin.geo.crs import (
    GCJ02,
    fit_crs_to_coordinates,
    gauss_kruger_crs,
    normalize_crs,
    to_wgs84,
    wgs84_to_gcj02_geometries,
)
from hailin.geo.errors import CRSError, HailinError


@pytest.mark.parametrize(
    ("given", "epsg"),
    [
        (4326, 4326),
        ("4326", 4326),
        ("EPSG:4326", 4326),
        ("wgs84", 4326),
        ("WGS 84", 4326),
        (4490, 4490),
        ("EPSG:4490", 4490),
        ("cgcs2000", 4490),
        ("CGCS2000", 4490),
        ("国家2000", 4490),
        (4549, 4549),
        ("EPSG:4549", 4549),
        ("cgcs2000:gk3:cm120", 4549),
        ("cgcs2000:gk3:zone40", 4528),
        ("EPSG:4528", 4528),
        ("cgcs2000:gk3:cm117", 4548),
        ("cgcs2000:gk3:zone39", 4527),
        ("cgcs2000:gk6:zone20", 4498),
        ("cgcs2000:gk6:cm117", 4509),
        (pyproj.CRS.from_epsg(4549), 4549),
        (pyproj.CRS.from_epsg(4549).to_wkt(), 4549),
    ],
)
def test_normalize_crs_forms(given, epsg):
    assert normalize_crs(given).to_epsg() == epsg


@pytest.mark.parametrize(
    "given", ["gcj02", "GCJ-02", "gcj", "gaode", "AMap", "tencent", "火星坐标"]
)
def test_gcj02_has_no_epsg_code_but_is_known(given):
    assert normalize_crs(given) == GCJ02


@pytest.mark.parametrize("given", ["EPSG:999999", "mars-ish", None, "cgcs2000:gk3:zone99"])
def test_unknown_crs_is_a_clear_error(given):
    with pytest.raises(CRSError) as raised:
        normalize_crs(given)
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, HailinError)


def test_zone_numbers_and_central_meridians_agree():
    for zone in range(25, 46):
        prefixed = gauss_kruger_crs(zone)
        plain = gauss_kruger_crs(central_meridian=zone * 3, zone_prefix=False)
        assert f"zone {zone}" in prefixed.name
        assert f"CM {zone * 3}E" in plain.name
    with pytest.raises(CRSError, match="not the central meridian"):
        gauss_kruger_crs(central_meridian=121, zone_prefix=False)


@pytest.mark.parametrize(
    ("declared", "x", "epsg"),
    [
        ("cgcs2000", [40_512_345.0, 40_498_000.0], 4528),  # metres with zone number
        (4549, [40_512_345.0], 4528),  # plain zone CRS but prefixed eastings
        (4528, [512_345.0], 4549),  # prefixed zone CRS but plain eastings
        (4528, [40_512_345.0], 4528),
        (4549, [512_345.0], 4549),
        ("cgcs2000", [120.3, 120.4], 4490),  # degrees stay geographic
        ("cgcs2000", [20_612_345.0], 4498),  # 6-degree zone 20
    ],
)
def test_fit_crs_to_coordinates(declared, x, epsg):
    assert fit_crs_to_coordinates(declared, x).to_epsg() == epsg


@pytest.mark.parametrize(
    ("declared", "x", "message"),
    [
        ("cgcs2000", [512_345.0], "give the zone"),
        (4549, [39_512_345.0], "zone number 39"),
        (4549, [120.3], "look like degrees"),
        ("cgcs2000", [39_512_345.0, 40_512_345.0], "several Gauss-Kruger zone numbers"),
        ("wgs84", [40_512_345.0], "only fit CGCS2000"),
    ],
)
def test_fit_crs_to_coordinates_refuses_what_cannot_be_right(declared, x, message):
    with pytest.raises(CRSError, match=message):
        fit_crs_to_coordinates(declared, x)


def test_to_wgs84_from_prefixed_gauss_kruger_metres():
    lon, lat = 120.33, 27.26
    to_gk = pyproj.Transformer.from_crs(4326, 4528, always_xy=True)
    x, y = to_gk.transform(lon, lat)
    frame = geopandas.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(x, y)], crs=4549)
    out = to_wgs84(frame)
    assert out.crs.to_epsg() == 4326
    assert out.geometry.iloc[0].x == pytest.approx(lon, abs=1e-9)
    assert out.geometry.iloc[0].y == pytest.approx(lat, abs=1e-9)
    assert frame.crs.to_epsg() == 4549  # input untouched


def test_to_wgs84_from_gcj02_undoes_the_shift():
    original = geopandas.GeoSeries(
        [shapely.Point(120.33, 27.26), shapely.box(120.3, 27.2, 120.31, 27.21)], crs=4326
    )
    shifted = geopandas.GeoDataFrame(
        geometry=wgs84_to_gcj02_geometries(np.asarray(original.values))
    )
    back = to_wgs84(shifted, crs="gcj02")
    for a, b in zip(back.geometry, original, strict=True):
        assert shapely.hausdorff_distance(a, b) < 1e-7  # ~1 cm


def test_to_wgs84_without_crs_is_an_error():
    with pytest.raises(CRSError, match="no coordinate reference system"):
        to_wgs84(geopandas.GeoDataFrame(geometry=[shapely.Point(1, 2)]))


def test_one_absurd_value_does_not_recast_a_file_of_degrees():
    assert fit_crs_to_coordinates("wgs84", [120.33, 1e308]).to_epsg() == 4326
    assert fit_crs_to_coordinates("wgs84", [120.33, 120.34, 1e308]).to_epsg() == 4326
    assert fit_crs_to_coordinates("cgcs2000", [40_512_345.0, 40_512_400.0, 120.3]).to_epsg() == 4528
