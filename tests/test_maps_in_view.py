"""The patrol records layer draws only what is in view (layers/records.js's grid
index), in Debian chromium: tiles answered blank, every other request refused."""

import numpy as np
import pandas as pd
import pytest
import shapely

from hailin.layers.patrols import patrol_layers
from hailin.maps.base import finish, new_map
from hailin.surveys.schema import colours
from tests.browser import open_map

RECORDS = 20_000
MAP = "Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])[0]"
RECORDS_LAYER = f"{MAP}.hailinLayers.filter(l => l.hailinDrawn)[0]"
# The canvas's bounds (the view with Leaflet's padding) as [south, west, north, east].
CANVAS = f"""() => {{ const map = {MAP}, r = {RECORDS_LAYER}._renderer._bounds;
    const a = map.layerPointToLatLng(r.min), b = map.layerPointToLatLng(r.max);
    return [b.lat, a.lng, a.lat, b.lng]; }}"""


@pytest.fixture(scope="module")
def records():
    """20,000 records over a 10 km square at Fuding, one every half hour."""
    rng = np.random.default_rng(24)
    # At the page's precision (1e-6 degree), so that edges count alike.
    lng = np.round(rng.uniform(120.30, 120.40, RECORDS), 6)
    lat = np.round(rng.uniform(27.20, 27.29, RECORDS), 6)
    return pd.DataFrame(
        {
            "observed_at": pd.Timestamp("2024-01-01", tz="UTC")
            + pd.to_timedelta(np.arange(RECORDS) * 30, unit="min"),
            "patrol_type": rng.choice(list(colours("patrol_type")), RECORDS),
            "team": "前岐镇巡查队",
            "observer": "林明",
            "finding": "clear",
            "notes": "",
            "lng": lng,
            "lat": lat,
        }
    )


@pytest.fixture(scope="module")
def page_file(records, tmp_path_factory):
    import geopandas

    frame = geopandas.GeoDataFrame(
        records, geometry=shapely.points(records["lng"], records["lat"]), crs=4326
    )
    # OpenStreetMap: the map's CRS is Web Mercator, so the view's box holds
    # the records' own coordinates (over Gaode they are drawn in GCJ-02).
    fmap = new_map(frame.total_bounds, "zh", "osm")
    layers, legend = patrol_layers(frame, "zh")
    for layer in layers:
        layer.add_to(fmap)
    path = tmp_path_factory.mktemp("in-view") / "records.html"
    finish(fmap, legend, "zh").save(str(path))
    return path


def _in_box(records, box, day_end=None):
    south, west, north, east = box
    inside = records["lat"].between(south, north) & records["lng"].between(west, east)
    if day_end is not None:
        inside &= records["observed_at"] < day_end
    return int(inside.sum())


def test_only_the_records_in_view_are_visited_and_drawn(page_file, records):
    with open_map(page_file) as session:
        page = session.page
        page.evaluate(f"() => {MAP}.addLayer({RECORDS_LAYER})")
        # The whole data in view: cells summed from the index's buckets, no record visited.
        page.evaluate(f"() => {MAP}.setZoom(12, {{animate: false}})")
        whole = page.evaluate(f"() => {RECORDS_LAYER}.hailinDrawn()")
        assert whole["records"] == RECORDS and whole["visited"] == 0
        assert whole["cells"] > 0 and whole["points"] + whole["cells"] < 200
        # Zoomed in on a corner: the records there drawn one by one, and only
        # those of the buckets in view visited.
        page.evaluate(f"() => {MAP}.setView([27.21, 120.31], 17, {{animate: false}})")
        near = page.evaluate(f"() => {RECORDS_LAYER}.hailinDrawn()")
        expected = _in_box(records, page.evaluate(CANVAS))
        assert 0 < near["points"] == near["records"] == expected
        assert near["cells"] == 0 and near["visited"] < 2 * expected + 50 < RECORDS / 10
        # Panned: another set, counted the same way.
        page.evaluate(f"() => {MAP}.panBy([600, -300], {{animate: false}})")
        moved = page.evaluate(f"() => {RECORDS_LAYER}.hailinDrawn()")
        assert moved["points"] == _in_box(records, page.evaluate(CANVAS)) > 0
        # The time control's day: only the records observed by then (the
        # index's buckets hold each its records in time order).
        day = 19_723 + 200  # 2024-01-01 + 200 days, as day numbers since 1970
        page.evaluate(f"() => {RECORDS_LAYER}.hailinShowAt({day})")
        then = page.evaluate(f"() => {RECORDS_LAYER}.hailinDrawn()")
        end = pd.Timestamp("2024-07-20", tz="Asia/Shanghai").tz_convert("UTC")
        assert then["points"] == _in_box(records, page.evaluate(CANVAS), end)
        assert 0 < then["points"] < moved["points"]
        page.evaluate(f"() => {MAP}.setZoom(12, {{animate: false}})")
        shown = int((records["observed_at"] < end).sum())
        assert page.evaluate(f"() => {RECORDS_LAYER}.hailinDrawn()")["records"] == shown
        assert session.refused == [] and session.page_errors == []
