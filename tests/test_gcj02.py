import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from hailin.geo.gcj02 import _MAINLAND_OUTLINE, gcj02_to_wgs84, in_mainland_china, wgs84_to_gcj02

GEOD = pyproj.Geod(ellps="WGS84")


def metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def test_the_shift_at_fuding_is_about_half_a_kilometre():
    lon, lat = wgs84_to_gcj02(120.33, 27.26)
    assert 400 < metres(120.33, 27.26, lon, lat) < 700


def test_known_reference_point_in_beijing():
    # WGS84 -> GCJ-02 at Tiananmen: about +0.0062 lon, +0.0014 lat.
    lon, lat = wgs84_to_gcj02(116.391275, 39.906217)
    assert lon - 116.391275 == pytest.approx(0.00624, abs=0.0002)
    assert lat - 39.906217 == pytest.approx(0.00140, abs=0.0002)


# GCJ-02 shifts points inside the outline only, so within the shift (up to ~1 km) of
# its edge a point can have no preimage, or two: the round trips hold at least 3 km in.
_WELL_INSIDE = shapely.buffer(_MAINLAND_OUTLINE, -0.03)
shapely.prepare(_WELL_INSIDE)
mainland = st.tuples(st.floats(73.5, 135.0), st.floats(18.0, 53.5)).filter(
    lambda p: bool(shapely.contains_xy(_WELL_INSIDE, *p))
)


def test_a_point_at_the_outline_edge_has_no_exact_preimage():
    # Found by Hypothesis: 111.90625E 44.0N lies inside the outline, but the WGS84
    # point it would be the image of lies outside, where nothing is shifted.
    glon, glat = 111.90625, 44.0
    assert in_mainland_china(glon, glat)
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert (lon, lat) == (glon, glat)  # left as it is, not moved to a wrong place


@settings(max_examples=300, deadline=None)
@given(point=mainland)
def test_inverse_lands_within_a_centimetre(point):
    glon, glat = point
    lon, lat = gcj02_to_wgs84(glon, glat)
    again_lon, again_lat = wgs84_to_gcj02(lon, lat)
    assert metres(glon, glat, again_lon, again_lat) < 0.01


@settings(max_examples=200, deadline=None)
@given(point=mainland)
def test_round_trip_from_wgs84(point):
    lon, lat = point
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, back_lon, back_lat) < 0.01


def test_vectorised_over_arrays():
    rng = np.random.default_rng(3)
    # Fujian and Zhejiang inland of the coast, away from the outline's edge.
    lon = rng.uniform(118.5, 120.0, 10_000)
    lat = rng.uniform(26.8, 29.0, 10_000)
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert glon.shape == (10_000,)
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    distances = GEOD.inv(lon, lat, back_lon, back_lat)[2]
    assert distances.max() < 0.01


@pytest.mark.parametrize(
    ("place", "lon", "lat"),
    [
        ("Tokyo", 139.69, 35.69),
        ("Seoul", 126.98, 37.57),
        ("Taipei", 121.56, 25.03),
        ("Hanoi", 105.85, 21.03),
        ("Manila", 120.98, 14.6),
        ("Ulaanbaatar", 106.9, 47.9),
        ("Kathmandu", 85.32, 27.71),
        ("Vladivostok", 131.9, 43.1),
    ],
)
def test_points_outside_mainland_china_are_not_shifted(place, lon, lat):
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)


@pytest.mark.parametrize(
    ("place", "lon", "lat"),
    [
        ("Fuding", 120.33, 27.26),
        ("Beijing", 116.4, 39.9),
        ("Sanya", 109.5, 18.25),
        ("Urumqi", 87.6, 43.8),
        ("Harbin", 126.6, 45.75),
        ("Pingtan", 119.8, 25.5),
        ("Zhoushan", 122.2, 30.0),
        ("Lhasa", 91.1, 29.65),
    ],
)
def test_points_in_mainland_china_are_shifted(place, lon, lat):
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert metres(lon, lat, glon, glat) > 50


def test_missing_values_pass_through():
    lon, lat = gcj02_to_wgs84(np.array([120.3, np.nan]), np.array([27.2, np.nan]))
    assert np.isnan(lon[1]) and np.isnan(lat[1])
    assert np.isfinite(lon[0])
