"""Maps that draw everywhere: with no network at all (no asset cache, HAILIN_ASSETS
unset, a fresh HOME, every request refused), readable without tiles, colours
apart for every eye, small things visible, the panel on a phone, the measure
tool's geodesy."""

import io
import itertools
import os
import subprocess
import sys
import warnings

import numpy as np
import pyproj
import pytest

from hailin.geo.sites import load_sites
from hailin.layers.patrols import PATROL_COLOURS, TRACK_COLOUR
from hailin.layers.recurrence import PATCH_MIN_SIZE
from hailin.layers.restoration import YEAR_COLOURS
from hailin.layers.sites import STYLE as RESERVE_STYLE
from hailin.maps import MAPS
from hailin.maps.controls import Legend
from tests.browser import open_map
from tests.map_assets import screenshot
from tests.test_maps_browser import MAP_OBJECT, _click_feature

PHONE = (390, 844)
NAMES = {lang: list(load_sites()[f"name_{lang}"]) for lang in ("zh", "en")}


def _hailin(*args, home):
    """The CLI in a fresh process: a new HOME, no HAILIN_ASSETS, no XDG cache."""
    env = {k: v for k, v in os.environ.items() if k not in ("HAILIN_ASSETS", "XDG_CACHE_HOME")}
    env["HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-m", "hailin", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The README's demo command, run as a new user would on a machine with no cache."""
    home = tmp_path_factory.mktemp("home")
    root = tmp_path_factory.mktemp("demo") / "demo"
    out = _hailin("demo", root, home=home)
    assert "self-contained" in out
    assert not (home / ".cache").exists()
    return root, home


def _drawn(page, frame=None):
    """Non-transparent pixels of the map's canvas (every data layer draws there)."""
    where = frame or page
    return where.evaluate(
        """() => { const c = document.querySelector('.leaflet-overlay-pane canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) { n++; } } return n; }"""
    )


def _check_offline(session, lang):
    """Drawn, no page error, nothing asked for but tiles, the notice and the names shown."""
    page = session.page
    assert session.page_errors == []
    assert set(session.refused_kinds) <= {"image"}  # basemap tiles only: no script, no style
    assert _drawn(page) > 2000
    page.wait_for_selector(".hailin-tiles-failed")
    notice = page.locator(".hailin-tiles-failed")
    assert notice.count() == 1 and "--basemap-file" in notice.inner_text()
    assert ("底图瓦片无法加载" if lang == "zh" else "Basemap tiles failed to load") in (
        notice.inner_text()
    )
    box = notice.bounding_box()
    assert box["height"] < 30  # one line (16.8 px) on a desktop screen
    labels = page.locator(".hailin-label").all_inner_texts()
    assert sorted(labels) == sorted(NAMES[lang])


@pytest.mark.parametrize("kind", sorted(MAPS))
def test_the_demo_maps_draw_with_no_network(demo, kind):
    root, _home = demo
    with open_map(root / "out" / f"{kind}.html", network=False) as session:
        _check_offline(session, "zh")
        if kind == "clearance":
            screenshot(session.page, "no-network-clearance-zh")
        if kind == "restoration":  # its popups name a planting plot, not a 图斑
            plot_id = session.page.evaluate(
                f"""() => {MAP_OBJECT}.hailinLayers.filter(l => l.hailinName === '种植地块')[0]
                .hailinPaths[0].feature.properties.plot_id"""
            )
            _click_feature(session.page, plot_id)
            title = session.page.locator(".leaflet-popup-content").inner_text()
            assert title.startswith("种植地块") and "图斑" not in title


def test_a_hailin_map_output_draws_with_no_network(demo, tmp_path):
    root, home = demo
    path = tmp_path / "map.html"
    out = _hailin("-w", root, "map", "restoration", "--lang", "en", "-o", path, home=home)
    assert "self-contained, opens with no network" in out
    with open_map(path, network=False) as session:
        _check_offline(session, "en")
    cdn = tmp_path / "cdn.html"
    out = _hailin("-w", root, "map", "restoration", "--cdn", "-o", cdn, home=home)
    assert "draws only with the network" in out
    assert cdn.stat().st_size < path.stat().st_size - 140_000


def test_a_notebook_map_draws_with_no_network(demo, tmp_path):
    from hailin.notebook import open_workspace

    root, _home = demo
    fmap = open_workspace(root).clearance_map(lang="en")
    inline = tmp_path / "notebook.html"
    inline.write_text(f"<!doctype html><body>{fmap._repr_html_()}</body>", encoding="utf-8")
    with open_map(inline, network=False, wait=False) as session:
        frame = session.page.frames[1]
        frame.wait_for_function("() => document.querySelector('.leaflet-overlay-pane canvas')")
        assert _drawn(session.page, frame) > 2000
        assert session.page_errors == [] and set(session.refused_kinds) <= {"image"}
    saved = tmp_path / "saved.html"
    fmap.save(str(saved))
    with open_map(saved, network=False) as session:
        _check_offline(session, "en")


# -- colours ---------------------------------------------------------------------------


def _colour():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # colour-science warns that SciPy is absent
        import colour
    return colour


def _lab(hexes, deutan):
    """CIE Lab of sRGB colours, as seen or under Machado et al. (2009)'s deuteranopia."""
    colour = _colour()
    rgb = np.array([[int(h[i : i + 2], 16) / 255 for i in (1, 3, 5)] for h in hexes])
    linear = colour.models.eotf_sRGB(rgb)
    if deutan:
        matrix = colour.blindness.matrix_cvd_Machado2009("Deuteranomaly", 1.0)
        linear = np.clip(linear @ matrix.T, 0, 1)
    space = colour.RGB_COLOURSPACES["sRGB"]
    xyz = colour.RGB_to_XYZ(linear, space, apply_cctf_decoding=False)
    return colour.XYZ_to_Lab(xyz)


def _too_close(hexes):
    """The pairs closer than ΔE2000 15, as seen or by a deuteranope."""
    colour = _colour()

    close = []
    for deutan in (False, True):
        lab = _lab(hexes, deutan)
        for i, j in itertools.combinations(range(len(hexes)), 2):
            difference = float(colour.delta_E(lab[i], lab[j], method="CIE 2000"))
            if difference < 15:
                close.append((hexes[i], hexes[j], deutan, round(difference, 1)))
    return close


def _legend_colours(fmap):
    legend = next(c for c in fmap._children.values() if isinstance(c, Legend))
    return sorted({c.lower() for e in legend.entries for c in (e["color"], e["fill"])})


@pytest.mark.parametrize("kind", sorted(MAPS))
def test_every_legend_colour_is_apart_from_every_other(demo, kind):
    from hailin.notebook import open_workspace

    root, _home = demo
    fmap = MAPS[kind](open_workspace(root).frames(every_record=True), lang="en")
    hexes = _legend_colours(fmap)
    assert RESERVE_STYLE["fillColor"] in hexes and RESERVE_STYLE["color"] in hexes
    assert len(hexes) >= 9
    assert _too_close(hexes) == []


def test_every_planting_year_colour_is_apart_on_the_restoration_map():
    hexes = [
        RESERVE_STYLE["color"],
        RESERVE_STYLE["fillColor"],
        *YEAR_COLOURS,
        *PATROL_COLOURS.values(),
        TRACK_COLOUR,
    ]
    assert _too_close(hexes) == []
    # The check can fail: the reserve's former fill beside "cleared, clean".
    assert _too_close(["#5aae61", "#1a9850"]) != []


# -- small things, the phone -----------------------------------------------------------


def _box_of_drawing(png, background):
    """(width, height) of the drawn shape at the middle of a screenshot: the
    pixels not of the background connected to the middle one."""
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    drawn = np.abs(pixels - np.array(background)).max(axis=2) > 40
    middle = (drawn.shape[0] // 2, drawn.shape[1] // 2)
    if not drawn[middle]:
        return 0, 0
    seen, todo = {middle}, [middle]
    while todo:
        r, c = todo.pop()
        for n in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            inside = 0 <= n[0] < drawn.shape[0] and 0 <= n[1] < drawn.shape[1]
            if inside and n not in seen and drawn[n]:
                seen.add(n)
                todo.append(n)
    rows, cols = zip(*seen, strict=True)
    return max(cols) - min(cols) + 1, max(rows) - min(rows) + 1


def _alone(page, name, zoom):
    """Only layer ``name`` on the map, at ``zoom`` on its first feature; the
    feature's page position."""
    return page.evaluate(
        f"""([name, zoom]) => {{ const map = {MAP_OBJECT};
        map.hailinLayers.forEach(l => {{ if (l.hailinName !== name) {{ map.removeLayer(l); }} }});
        document.querySelectorAll('.hailin-label').forEach(e => e.remove());
        const layer = map.hailinLayers.filter(l => l.hailinName === name)[0];
        map.addLayer(layer);
        const f = layer.hailinPaths[0];
        const at = f.getBounds ? f.getBounds().getCenter() : f.getLatLng();
        map.setView(at, zoom, {{animate: false}});
        const p = map.latLngToContainerPoint(at), r = map.getContainer().getBoundingClientRect();
        return [r.x + p.x, r.y + p.y]; }}""",
        [name, zoom],
    )


@pytest.mark.parametrize("name", ["New infestations", "Regrowth findings"])
def test_new_patches_and_single_findings_are_at_least_14_px(demo, tmp_path, name):
    from hailin.maps.output import save_map
    from hailin.notebook import open_workspace

    root, _home = demo
    path = save_map(open_workspace(root).clearance_map(lang="en"), tmp_path / "map.html")
    with open_map(path, network=False) as session:
        page = session.page
        page.evaluate("() => document.querySelectorAll('.leaflet-control-container')"
                      ".forEach(e => e.remove())")  # fmt: skip
        for zoom in (10, 14, 18):
            x, y = _alone(page, name, zoom)
            page.wait_for_timeout(100)
            png = page.screenshot(clip={"x": x - 40, "y": y - 40, "width": 80, "height": 80})
            width, height = _box_of_drawing(png, (221, 221, 221))  # Leaflet's grey
            assert min(width, height) >= PATCH_MIN_SIZE, (zoom, width, height)


def test_the_panel_fits_a_phone(demo):
    root, _home = demo
    with open_map(root / "out" / "restoration.html", viewport=PHONE, network=False) as session:
        page = session.page
        page.click(".hailin-summary .hailin-head")
        page.wait_for_timeout(200)
        panel, parts = page.evaluate(
            """() => { const box = e => { const r = e.getBoundingClientRect();
                return [r.left, r.top, r.right, r.bottom]; };
            const panel = document.querySelector('.hailin-summary');
            return [box(panel), Array.from(panel.querySelectorAll('svg rect, svg text'), box)]; }"""
        )
        assert len(parts) >= 4
        assert panel[0] >= 0 and panel[2] <= PHONE[0] and panel[1] >= 0 and panel[3] <= PHONE[1]
        for left, top, right, bottom in parts:
            assert panel[0] <= left and right <= panel[2] and panel[1] <= top and bottom <= panel[3]
        screenshot(page, "phone-panel-restoration-zh")


# -- the measure tool ------------------------------------------------------------------


def test_the_measure_tool_is_geodesic(demo):
    geod = pyproj.Geod(ellps="WGS84")
    root, _home = demo
    ring = [(120.330, 27.250), (120.342, 27.251), (120.345, 27.262), (120.331, 27.259)]
    with open_map(root / "out" / "overview.html", network=False) as session:
        page = session.page
        long_line = page.evaluate(
            "() => hailinGeodesy.distance({lat: 27.2, lng: 120.3}, {lat: 27.6, lng: 120.7})"
        )
        area = page.evaluate(
            "(ring) => hailinGeodesy.area(ring.map(p => ({lat: p[1], lng: p[0]})))", ring
        )
        _az, _back, expected = geod.inv(120.3, 27.2, 120.7, 27.6)
        assert abs(long_line - expected) < 1e-3  # metres, over 60 km
        lons, lats = zip(*ring, strict=True)
        expected_area = abs(geod.polygon_area_perimeter(lons, lats)[0])
        assert abs(area - expected_area) / expected_area < 1e-6
        # Clicking three points shows the distance and the area in the map's words.
        page.click(".hailin-measure-toggle")
        box = page.locator(".leaflet-container").bounding_box()
        for dx, dy in ((500, 300), (700, 300), (700, 500)):
            page.mouse.click(box["x"] + dx, box["y"] + dy)
        shown = page.locator(".hailin-measure-box").inner_text()
        assert "距离：" in shown and "面积：" in shown and "亩" in shown and "公顷" in shown
        metres = page.evaluate(f"() => {MAP_OBJECT}.hailinMeasure.squareMetres")
        assert f"{metres * 0.0015:,.2f} 亩" in shown
        assert session.page_errors == []
