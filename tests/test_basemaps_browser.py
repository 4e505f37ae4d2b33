"""Maps in Debian chromium: offline with every request refused, overlays drawn
in GCJ-02 over Gaode and in WGS84 elsewhere, Tianditu with its key, an
MBTiles basemap from data: URIs, the controls' words in the map's language."""

import json
import math
import re

import numpy as np
import pytest
import shapely

from hailin.geo.gcj02 import gcj02_to_wgs84, in_mainland_china, wgs84_to_gcj02
from hailin.geo.sites import load_sites
from hailin.maps import MAPS, save_map
from hailin.maps.frame import mainland_outline
from hailin.maps.programme import overview_map
from hailin.maps.tilefiles import padded
from hailin.surveys.workspace import Workspace
from tests.browser import open_map
from tests.map_assets import screenshot
from tests.test_maps_browser import EXPECTED_LAYERS, MAP_OBJECT
from tests.tiles import tiles_for, write_mbtiles

STUB_KEY = "0123456789abcdef0123456789abcdef"
WORDS = {
    "zh": {"zoom": "放大", "fullscreen": "全屏", "measure": "测量距离和面积", "base": "底图"},
    "en": {
        "zoom": "Zoom in",
        "fullscreen": "Full screen",
        "measure": "Measure distance and area",
        "base": "Basemaps",
    },
}


@pytest.fixture(scope="module")
def data(portal_template):
    return Workspace(portal_template).map_data()


@pytest.fixture(scope="module")
def mbtiles(tmp_path_factory, data):
    """An MBTiles file of zooms 11-15 over the demo's reserves."""
    path = tmp_path_factory.mktemp("tiles") / "fuding.mbtiles"
    bounds = padded(tuple(data.sites.total_bounds), share=0.6)
    return write_mbtiles(path, tiles_for(bounds, (11, 15)))


def _overlays(page):
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    return [label.strip() for label in labels]


def _drawn_paths(page):
    """Features drawn by the map's path layers (on the map, at the date shown)."""
    return page.evaluate(
        f"""() => {{ const map = {MAP_OBJECT};
        return map.hailinLayers.filter(l => l.hailinPaths && map.hasLayer(l))
            .reduce((n, l) => n + l.hailinShown(), 0); }}"""
    )


def _control_words(page):
    return page.evaluate(
        """() => ({
        zoom: document.querySelector('.leaflet-control-zoom-in').title,
        fullscreen: document.querySelector('.hailin-fullscreen-toggle').title,
        measure: document.querySelector('.hailin-measure-toggle').title,
        base: document.querySelector('.hailin-layers-heading').textContent,
        layers: document.querySelector('.leaflet-control-layers-toggle').title,
    })"""
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", sorted(MAPS))
def test_offline_map_opens_with_every_request_refused(tmp_path, data, mbtiles, kind, lang):
    path = tmp_path / f"{kind}.html"
    fmap = MAPS[kind](data, lang=lang, basemap_file=mbtiles, zooms="12-15")
    save_map(fmap, path)
    page_text = path.read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net" not in page_text and "<script src=" not in page_text
    with open_map(path, network=False) as session:
        page = session.page
        # The whole page is in the file: not one request for a script,
        # stylesheet, font or image (tiles included: they come from the file).
        page.wait_for_function(
            "() => document.querySelectorAll('img.leaflet-tile-loaded').length > 0"
        )
        assert session.refused == []
        assert session.console_errors == [] and session.page_errors == []
        tiles = page.evaluate(
            "() => Array.from(document.querySelectorAll('img.leaflet-tile'), i => i.src)"
        )
        assert tiles and all(src.startswith("data:image/") for src in tiles)
        assert _overlays(page) == EXPECTED_LAYERS[kind][lang]
        said = _control_words(page)
        assert {k: said[k] for k in WORDS[lang]} == WORDS[lang]
        assert said["layers"] == ("图层" if lang == "zh" else "Layers")
        assert page.evaluate("() => document.querySelector('.leaflet-control-scale').innerText")
        # Layers drawn; the layer control takes one off and puts it back.
        shown = _drawn_paths(page)
        assert shown > len(data.sites)
        first = page.locator(".leaflet-control-layers-overlays input").first
        first.uncheck()
        assert _drawn_paths(page) == shown - len(data.sites)
        first.check()
        assert _drawn_paths(page) == shown
        # Leaflet's default marker icon comes from the page too.
        loaded = page.evaluate(
            f"""() => new Promise(done => {{ const map = {MAP_OBJECT};
            const m = L.marker(map.getCenter()).addTo(map);
            const icon = m._icon; if (icon.complete) done(icon.naturalWidth);
            icon.onload = () => done(icon.naturalWidth); icon.onerror = () => done(-1); }})"""
        )
        assert loaded == 25
        # The measure tool opens in the map's language; the file's tiles drew, so
        # no notice about failing tiles.
        page.click(".hailin-measure-toggle")
        assert page.locator(".hailin-measure-hint").inner_text() == (
            "在地图上点击，逐点测量" if lang == "zh" else "Click the map to add points"
        )
        assert page.locator(".hailin-tiles-failed").count() == 0
        assert session.refused == [] and session.console_errors == []
        if kind == "clearance":
            page.wait_for_timeout(300)
            screenshot(page, f"offline-mbtiles-{kind}-{lang}")


def test_offline_map_size_and_what_it_holds(tmp_path):
    """The default page inlines the pinned files, with every url(...) as data:."""
    sites = load_sites()
    online, offline = tmp_path / "online.html", tmp_path / "offline.html"
    save_map(overview_map(sites, lang="zh"), online, cdn=True)
    save_map(overview_map(sites, lang="zh"), offline)
    text = offline.read_text(encoding="utf-8")
    assert re.findall(r"https?://[^\s\"'<>{]*\.(?:js|css|png|svg|woff2?)\b", text) == []
    urls = re.findall(r"url\(\s*['\"]?([^'\")]{0,12})", text)
    assert urls and all(u.startswith(("data:", "#default")) for u in urls)
    assert offline.stat().st_size - online.stat().st_size < 400_000


def _drawn(page, selector_js):
    """[[lon, lat], ...] where a layer is drawn, read from its projected points
    at zoom 18 and turned back to degrees with plain Web Mercator (the tiles' grid)."""
    return page.evaluate(
        f"""() => {{ const map = {MAP_OBJECT}; const layer = ({selector_js})(map);
        map.setView(layer.getBounds ? layer.getBounds().getCenter() : layer.getLatLng(), 18,
                    {{animate: false}});
        const o = map.getPixelOrigin(), z = map.getZoom();
        const back = p => {{ const ll = L.CRS.EPSG3857.pointToLatLng(L.point(p).add(o), z);
                            return [ll.lng, ll.lat]; }};
        if (layer._rings) return layer._rings[0].map(back);
        if (layer._point) return [back(layer._point)];
        if (layer._image) return [back(L.DomUtil.getPosition(layer._image))];
        return [back(L.DomUtil.getPosition(layer._icon))];
    }}"""
    )


def _metres(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    dy = (a[:, 1] - b[:, 1]) * 110_574.0
    dx = (a[:, 0] - b[:, 0]) * 111_320.0 * np.cos(np.radians(a[:, 1]))
    return float(np.hypot(dx, dy).max())


def _switch(page, label):
    page.locator(".leaflet-control-layers-base label", has_text=label).locator("input").check()
    return page.evaluate(
        "() => document.querySelector('.leaflet-container').getAttribute('data-hailin-datum')"
    )


def _by_plot(plot_id):
    return f"""map => {{ let f = null; map.eachLayer(l => {{
        if (l.feature && l.feature.properties.plot_id === {json.dumps(plot_id)} && l._rings) f = l; }});
        return f; }}"""


def test_overlays_follow_the_basemap_datum(tmp_path, data):
    """On Gaode every overlay is drawn at the GCJ-02 position of its WGS84
    coordinates; on OpenStreetMap at WGS84; switching moves them."""
    path = tmp_path / "clearance.html"
    save_map(MAPS["clearance"](data, lang="zh", basemap="gaode"), path)
    plot = data.clearance.iloc[3]
    ring = np.asarray(shapely.get_coordinates(plot.geometry.exterior))[:-1]
    gcj = np.column_stack(wgs84_to_gcj02(ring[:, 0], ring[:, 1]))
    finding = data.detections.iloc[0]
    point = [[finding.geometry.x, finding.geometry.y]]
    point_gcj = [list(wgs84_to_gcj02(finding.geometry.x, finding.geometry.y))]
    by_finding = f"""map => {{ let f = null; map.eachLayer(l => {{
        if (l.feature && l._point && l.getLatLng && Math.abs(l.getLatLng().lng - {point[0][0]}) < 1e-9
            && Math.abs(l.getLatLng().lat - {point[0][1]}) < 1e-9) f = l; }}); return f; }}"""
    extra = (120.33, 27.25)
    extra_gcj = [list(wgs84_to_gcj02(*extra))]
    with open_map(path) as session:
        page = session.page
        assert (
            page.evaluate(
                "() => document.querySelector('.leaflet-container').getAttribute('data-hailin-datum')"
            )
            == "gcj02"
        )
        # A marker and an image overlay added by anyone are placed through the map too.
        page.evaluate(
            f"""() => {{ const map = {MAP_OBJECT};
            window.testMarker = L.marker([{extra[1]}, {extra[0]}],
                {{icon: L.divIcon({{className: 'test-marker'}})}}).addTo(map);
            window.testImage = L.imageOverlay(
                'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7',
                [[{extra[1]}, {extra[0]}], [{extra[1] + 0.01}, {extra[0] + 0.01}]]).addTo(map); }}"""
        )
        image = "map => window.testImage"
        marker = "map => window.testMarker"
        ne = [[extra[0], extra[1] + 0.01]]  # the image's top-left (north-west) corner
        ne_gcj = [list(wgs84_to_gcj02(*ne[0]))]
        for datum, label in (("gcj02", None), ("wgs84", "OpenStreetMap"), ("gcj02", "高德地图")):
            if label:
                assert _switch(page, label) == datum
            shifted = datum == "gcj02"
            assert _metres(_drawn(page, _by_plot(plot.plot_id)), gcj if shifted else ring) < 1.0
            assert _metres(_drawn(page, by_finding), point_gcj if shifted else point) < 1.0
            assert _metres(_drawn(page, marker), extra_gcj if shifted else [extra]) < 1.0
            assert _metres(_drawn(page, image), ne_gcj if shifted else ne) < 1.0
            # The overlays keep their WGS84 coordinates whatever is drawn (as
            # written into the page: rounded to 1e-6 degree, about 0.1 m).
            stored = page.evaluate(
                f"() => ({_by_plot(plot.plot_id)})({MAP_OBJECT}).getLatLngs()[0]"
                ".map(ll => [ll.lng, ll.lat])"
            )
            assert np.abs(np.asarray(stored) - ring).max() <= 0.5e-6 + 1e-12
        assert _metres(gcj, ring) > 300  # the shift the test would notice
        assert session.console_errors == [] and session.page_errors == []


def test_popup_on_gaode_states_wgs84_coordinates(tmp_path, data):
    path = tmp_path / "clearance.html"
    save_map(MAPS["clearance"](data, lang="zh", basemap="gaode"), path)
    plot = data.clearance.iloc[5]
    with open_map(path) as session:
        page = session.page
        box = page.evaluate(
            f"""() => {{ const map = {MAP_OBJECT}; const l = ({_by_plot(plot.plot_id)})(map);
            map.fitBounds(l.getBounds(), {{animate: false, maxZoom: 18}});
            const p = map.latLngToContainerPoint(l.getBounds().getCenter());
            const r = map.getContainer().getBoundingClientRect();
            return [r.x + p.x, r.y + p.y]; }}"""
        )
        page.wait_for_timeout(200)
        page.mouse.click(*box)
        line = page.locator(".leaflet-popup-content .hailin-coords")
        line.wait_for()
        text = line.inner_text()
        assert text.startswith("坐标（WGS84/CGCS2000）: ")
        lat, lon = (float(v) for v in re.findall(r"([\d.]+)°[NE]", text))
        # Clicked on the shifted drawing, the popup gives the stored (WGS84) place.
        assert plot.geometry.buffer(2e-5).contains(shapely.Point(lon, lat))
        glon, glat = wgs84_to_gcj02(lon, lat)
        assert not plot.geometry.buffer(2e-5).contains(shapely.Point(glon, glat))
        page.wait_for_timeout(400)  # the popup's fade-in
        screenshot(page, "gaode-clearance-popup-zh")


def test_gcj02_in_the_page_matches_python(tmp_path):
    """The page's forward transform (and its mainland rule) against geo.gcj02 on
    many points, and its inverse against geo.gcj02's inverse."""
    path = tmp_path / "sites.html"
    save_map(overview_map(load_sites(), lang="en", basemap="osm"), path)
    rng = np.random.default_rng(7)
    lon = np.concatenate([rng.uniform(70, 140, 20_000), rng.uniform(119.5, 121.5, 2_000)])
    lat = np.concatenate([rng.uniform(15, 56, 20_000), rng.uniform(26.5, 28, 2_000)])
    # Points a hair from the outline's vertices, on both sides, and known places.
    ring = np.asarray(mainland_outline())[:-1]
    near = np.repeat(ring, 8, axis=0) + rng.normal(0, 0.01, (len(ring) * 8, 2))
    places = np.array([[107.972, 21.547], [121.5, 25.03], [114.17, 22.3], [126.98, 37.57]])
    lon = np.concatenate([lon, near[:, 0], places[:, 0]])
    lat = np.concatenate([lat, near[:, 1], places[:, 1]])
    with open_map(path) as session:
        page = session.page
        result = np.asarray(
            page.evaluate(
                """([lon, lat]) => { const gcj = window[Object.keys(window).filter(
                    k => k.startsWith('map_'))[0]].hailin.gcj;
                return lon.map((x, i) => { const g = gcj.toGcj(lat[i], x);
                    return [g[1], g[0], gcj.inside(x, lat[i]) ? 1 : 0]; }); }""",
                [lon.tolist(), lat.tolist()],
            )
        )
        expected = np.column_stack(wgs84_to_gcj02(lon, lat))
        inside = in_mainland_china(lon, lat)
        assert (result[:, 2] == inside).all()
        assert 5_000 < inside.sum() < len(lon) - 5_000
        assert np.abs(result[:, :2] - expected).max() < 1e-9
        assert result[-4, 2] == 0 and result[-1, 2] == 0  # Dongxing, Seoul: not shifted
        sample = expected[inside][:2_000]
        back = np.asarray(
            page.evaluate(
                """(pts) => { const gcj = window[Object.keys(window).filter(
                    k => k.startsWith('map_'))[0]].hailin.gcj;
                return pts.map(p => { const w = gcj.toWgs(p[1], p[0]); return [w[1], w[0]]; }); }""",
                sample.tolist(),
            )
        )
        python = np.column_stack(gcj02_to_wgs84(sample[:, 0], sample[:, 1], tolerance_m=1e-6))
        assert np.abs(back - python).max() < 1e-9
        assert np.abs(back - np.column_stack([lon, lat])[inside][:2_000]).max() < 1e-9


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tianditu_tiles_carry_the_key(tmp_path, data, lang):
    path = tmp_path / "overview.html"
    save_map(MAPS["overview"](data, lang=lang, tianditu_key=STUB_KEY), path)
    annotation = "cva" if lang == "zh" else "eva"
    with open_map(path) as session:
        page = session.page
        page.wait_for_timeout(300)
        tianditu = [u for u in session.tiles if "tianditu.gov.cn" in u]
        assert tianditu and all(u.endswith(f"&tk={STUB_KEY}") for u in tianditu)
        layers = {re.search(r"LAYER=(\w+)", u)[1] for u in tianditu}
        assert layers == {"vec", annotation}
        assert page.locator(".leaflet-control-layers-base label").all_inner_texts()[0].strip() == (
            "天地图 矢量" if lang == "zh" else "Tianditu map"
        )
        assert _switch(page, "天地图 影像" if lang == "zh" else "Tianditu imagery") == "wgs84"
        page.wait_for_timeout(300)
        layers = {re.search(r"LAYER=(\w+)", u)[1] for u in session.tiles if "tianditu" in u}
        assert {"img", "cia" if lang == "zh" else "eia"} <= layers
        assert session.console_errors == [] and session.page_errors == []
        _switch(page, "天地图 矢量" if lang == "zh" else "Tianditu map")
        page.wait_for_timeout(300)
        screenshot(page, f"tianditu-stub-overview-{lang}")


def test_no_tianditu_without_a_key(tmp_path, data):
    path = tmp_path / "overview.html"
    save_map(MAPS["overview"](data, lang="zh"), path)
    assert "tianditu" not in path.read_text(encoding="utf-8").lower()
    with open_map(path) as session:
        page = session.page
        page.wait_for_timeout(300)
        assert session.tiles and not [u for u in session.tiles if "tianditu" in u]
        assert all("autonavi.com" in u for u in session.tiles)  # a zh map starts on Gaode
        bases = [
            t.strip() for t in page.locator(".leaflet-control-layers-base label").all_inner_texts()
        ]
        assert bases == ["高德地图", "高德 卫星影像", "OpenStreetMap 地图", "Esri 卫星影像"]
        page.wait_for_timeout(200)
        screenshot(page, "gaode-overview-zh")


def test_basemap_file_tiles_beside_the_map(tmp_path, data, mbtiles):
    """With --assets DIR the file's tiles are written into DIR/tiles and load from there."""
    path = tmp_path / "site" / "restoration.html"
    assets = tmp_path / "site" / "assets"
    fmap = MAPS["restoration"](data, lang="en", basemap_file=mbtiles, zooms="13-14")
    save_map(fmap, path, assets=assets)
    text = path.read_text(encoding="utf-8")
    assert 'src="assets/leaflet@1.9.3/leaflet.js"' in text and "data:image/png" not in text
    written = sorted((assets / "tiles").iterdir())
    assert written and all(p.suffix == ".png" for p in written)
    with open_map(path, network=False) as session:
        page = session.page
        page.wait_for_function(
            "() => document.querySelectorAll('img.leaflet-tile-loaded').length > 0"
        )
        assert session.refused == [] and session.console_errors == []
        srcs = page.evaluate(
            "() => Array.from(document.querySelectorAll('img.leaflet-tile-loaded'), i => i.src)"
        )
        assert all(re.search(r"/site/assets/tiles/[0-9a-f]{24}\.png$", s) for s in srcs)
        assert math.isclose(
            page.evaluate(f"() => {MAP_OBJECT}.getZoom()"),
            page.evaluate(f"() => {MAP_OBJECT}.getZoom()"),
        )
