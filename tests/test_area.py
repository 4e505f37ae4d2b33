import warnings

import geopandas
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from hailin.geo.area import InvalidGeometryWarning, area, area_m2
from hailin.geo.crs import gauss_kruger_crs
from hailin.geo.errors import CRSError, GeometryError
from tests.conftest import geod_area_m2

COAST = [
    (109.5, 18.3),
    (110.4, 21.2),
    (113.6, 22.2),
    (117.1, 23.5),
    (120.33, 27.25),
    (121.9, 30.0),
    (120.9, 32.5),
    (122.5, 37.2),
    (121.6, 38.9),
    (121.2, 40.9),
]


def quad(lon, lat, size_deg):
    """An irregular quadrilateral roughly size_deg across."""
    s = size_deg
    return shapely.Polygon(
        [
            (lon, lat),
            (lon + s, lat + 0.13 * s),
            (lon + 0.86 * s, lat + 0.91 * s),
            (lon - 0.12 * s, lat + 0.62 * s),
        ]
    )


@pytest.mark.parametrize(("lon", "lat"), COAST)
@pytest.mark.parametrize("size_km", [0.05, 1, 10, 50])
def test_area_matches_geodesic_area_along_the_coast(lon, lat, size_km):
    polygon = quad(lon, lat, size_km / 111.0)
    expected = geod_area_m2(polygon)
    assert area_m2(polygon) == pytest.approx(expected, rel=1e-4)


@settings(max_examples=200, deadline=None)
@given(lon=st.floats(108, 123), lat=st.floats(18, 41), size_km=st.floats(0.01, 50))
def test_area_matches_geodesic_area_anywhere_on_the_coast(lon, lat, size_km):
    polygon = quad(lon, lat, size_km / 111.0)
    assert area_m2(polygon) == pytest.approx(geod_area_m2(polygon), rel=1e-4)


def test_polygon_straddling_a_gauss_kruger_zone_boundary():
    # 3-degree zones CM 120E and CM 123E meet at 121.5E; a 40 km polygon across it,
    # given in the CM 120E zone's metres.
    lonlat = shapely.Polygon([(121.3, 28.6), (121.7, 28.62), (121.68, 28.9), (121.32, 28.88)])
    expected = geod_area_m2(lonlat)
    zone = gauss_kruger_crs(central_meridian=120, zone_prefix=False)
    projected = geopandas.GeoSeries([lonlat], crs=4326).to_crs(zone)
    assert area_m2(projected).iloc[0] == pytest.approx(expected, rel=1e-4)
    prefixed = geopandas.GeoSeries([lonlat], crs=4326).to_crs(gauss_kruger_crs(40))
    assert area_m2(prefixed).iloc[0] == pytest.approx(expected, rel=1e-4)


def test_polygon_with_a_hole():
    outer = [(120.30, 27.20), (120.36, 27.20), (120.36, 27.26), (120.30, 27.26)]
    hole = [(120.32, 27.22), (120.34, 27.22), (120.34, 27.24), (120.32, 27.24)]
    polygon = shapely.Polygon(outer, [hole])
    expected = geod_area_m2(polygon)
    assert area_m2(polygon) == pytest.approx(expected, rel=1e-4)
    assert area_m2(polygon) == pytest.approx(
        area_m2(shapely.Polygon(outer)) - area_m2(shapely.Polygon(hole)), rel=1e-9
    )


def test_multipolygon_is_the_sum_of_its_parts():
    a = quad(120.3, 27.2, 0.01)
    b = quad(120.4, 27.3, 0.02)
    assert area_m2(shapely.MultiPolygon([a, b])) == pytest.approx(
        geod_area_m2(a) + geod_area_m2(b), rel=1e-4
    )


def test_units_are_exact():
    polygon = quad(120.33, 27.25, 0.01)
    m2 = area(polygon, unit="m2")
    assert area(polygon, unit="mu") == pytest.approx(m2 * 15 / 10000, rel=1e-12)
    assert area(polygon, unit="ha") == pytest.approx(m2 / 10000, rel=1e-12)
    assert area(polygon, unit="ha") * 15 == pytest.approx(area(polygon, unit="mu"), rel=1e-12)


def test_utm_square_has_its_ellipsoidal_area_not_the_grid_area(utm_square):
    in_utm, in_wgs84 = utm_square
    from_utm = area(in_utm, unit="mu").iloc[0]
    from_wgs84 = area(in_wgs84, unit="mu").iloc[0]
    reference = geod_area_m2(in_wgs84.geometry.iloc[0]) * 15 / 10000
    assert from_utm == pytest.approx(reference, rel=1e-6)
    assert from_wgs84 == pytest.approx(reference, rel=1e-6)
    assert round(from_utm, 1) == 1500.3


def test_geographic_crs_never_gives_square_degrees():
    frame = geopandas.GeoDataFrame(geometry=[shapely.box(120.3, 27.2, 120.31, 27.21)], crs=4326)
    assert area(frame, unit="m2").iloc[0] > 1e6
    assert area(frame, unit="m2").iloc[0] == pytest.approx(
        geod_area_m2(shapely.box(120.3, 27.2, 120.31, 27.21)), rel=1e-6
    )


def test_result_keeps_the_index_and_missing_rows():
    frame = geopandas.GeoDataFrame(
        {"plot": ["a", "b", "c"]},
        geometry=[quad(120.3, 27.2, 0.01), None, shapely.Polygon()],
        index=[10, 20, 30],
        crs=4326,
    )
    result = area(frame)
    assert result.index.tolist() == [10, 20, 30]
    assert result.iloc[0] > 0
    assert result.iloc[0] == pytest.approx(
        geod_area_m2(quad(120.3, 27.2, 0.01)) * 15 / 10000, rel=1e-6
    )
    assert np.isnan(result.loc[20])
    assert result.loc[30] == 0


def test_invalid_polygon_is_repaired_and_reported_not_dropped():
    bowtie = shapely.Polygon([(120.30, 27.20), (120.32, 27.22), (120.32, 27.20), (120.30, 27.22)])
    frame = geopandas.GeoDataFrame(geometry=[quad(120.3, 27.2, 0.01), bowtie], crs=4326)
    with pytest.warns(InvalidGeometryWarning, match="positions 1"):
        result = area(frame, unit="m2")
    expected = geod_area_m2(shapely.make_valid(bowtie))
    assert result.iloc[1] == pytest.approx(expected, rel=1e-4)
    assert result.iloc[1] > 0


def test_points_and_lines_are_refused_with_their_position():
    frame = geopandas.GeoDataFrame(
        geometry=[quad(120.3, 27.2, 0.01), shapely.Point(120.3, 27.2)], crs=4326
    )
    with pytest.raises(GeometryError, match=r"feature\(s\) 2 \(Point\)"):
        area(frame)


def test_no_crs_is_an_error():
    with pytest.raises(CRSError, match="no CRS"):
        area(geopandas.GeoSeries([quad(120.3, 27.2, 0.01)]))


def test_bad_unit_and_bad_type():
    with pytest.raises(ValueError, match="unit must be one of"):
        area(quad(120.3, 27.2, 0.01), unit="acre")
    with pytest.raises(TypeError, match="got <class 'list'>"):
        area([quad(120.3, 27.2, 0.01)])


def test_many_polygons_at_once_match_geod_one_by_one():
    rng = np.random.default_rng(7)
    lon = rng.uniform(108, 123, 500)
    lat = rng.uniform(18, 41, 500)
    series = geopandas.GeoSeries(shapely.box(lon, lat, lon + 0.02, lat + 0.01), crs=4326)
    expected = [geod_area_m2(g) for g in series]
    assert np.allclose(area_m2(series).to_numpy(), expected, rtol=1e-5)


def test_no_warning_for_valid_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        area(geopandas.GeoSeries([quad(120.3, 27.2, 0.01)], crs=pyproj.CRS.from_epsg(4490)))
