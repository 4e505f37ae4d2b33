"""Raster overlays on the maps: `hailin map clearance --raster FILE` draws the
raster's display image between its WGS84 corners, classes in their legend
colours or a colour ramp with its legend, the file name as text; in chromium
the image lies where its corners are, shifted to GCJ-02 over Gaode as every
other overlay is."""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.gcj02 import wgs84_to_gcj02
from hailin.geo.raster import overlay_image
from hailin.layers.text import text
from hailin.maps import MAPS, save_map
from tests.browser import open_map
from tests.raster_workspace import ALBERS, CLASSES, TRANSFORM, seeded_workspace, write_classified
from tests.rasters import write_raster
from tests.test_maps_browser import MAP_OBJECT

_IMAGE_CALL = re.compile(r'L\.imageOverlay\("data:image/png;base64,[A-Za-z0-9+/=]+", ')


@pytest.fixture
def ws(workspace, tmp_path):
    return seeded_workspace(workspace, tmp_path)


def image_corners(page):
    """[[[south, west], [north, east]], ...] of every image overlay of a page."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(page, m.end())[0] for m in _IMAGE_CALL.finditer(page)]


def legend_rows(page):
    """[(fill colour, label)] of the legend's rows."""
    return re.findall(
        r'class="hailin-swatch" style="border-color:#[0-9a-fA-F]{6};'
        r'background:(#[0-9a-fA-F]{6})"></span>([^<]*)',
        page,
    )


def test_hailin_map_draws_the_raster_at_its_bounds_with_class_colours(ws, tmp_path):
    raster = write_classified(tmp_path / "uav_20240815.tif")
    out = tmp_path / "clearance.html"
    result = CliRunner().invoke(
        main,
        [
            "-w",
            ws.root,
            "map",
            "clearance",
            "--raster",
            raster,
            "--classes",
            CLASSES,
            "-o",
            out,
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    expected = overlay_image(raster, classes=CLASSES)
    west, south, east, north = expected.bounds
    assert image_corners(page) == [[[south, west], [north, east]]]
    # 300 x 200 m of 10 m pixels: the image is drawn at the raster's own size or finer
    assert expected.width >= 30 and expected.height >= 20
    assert f'"{text("raster_layer", "en")}: uav_20240815.tif"' in page
    colours = dict(expected.legend)
    rows = legend_rows(page)
    for name, word in (("mangrove", "mangrove"), ("spartina", "Spartina"), ("water", "water")):
        assert (colours[name], word) in rows


def test_an_index_raster_is_a_ramp_with_its_legend(ws, tmp_path):
    values = np.linspace(0.0, 0.8, 600, dtype="float32").reshape(20, 30)
    raster = write_raster(tmp_path / "ndvi.tif", values, crs=ALBERS, transform=TRANSFORM)
    fmap = MAPS["restoration"](ws.map_data(), lang="en", rasters=[ws.rasters.overlay(raster)])
    page = fmap.get_root().render()
    (overlay,) = [ws.rasters.overlay(raster)[1]]
    assert len(overlay.legend) >= 2
    assert all(re.fullmatch(r"-?[0-9.]+", label) for label, _colour in overlay.legend)
    rows = legend_rows(page)
    # The file is named once, on the first stop.
    for number, (label, colour) in enumerate(overlay.legend):
        assert (colour, f"ndvi.tif: {label}" if number == 0 else label) in rows
    assert sum("ndvi.tif" in text for _colour, text in rows) == 1
    assert len(image_corners(page)) == 1


def test_a_raster_file_name_reaches_the_page_as_text(ws, tmp_path):
    name = "{{7*7}}<img src=x onerror=alert(1)>.tif"
    raster = write_classified(tmp_path / name)
    fmap = MAPS["clearance"](ws.map_data(), lang="en", rasters=[ws.rasters.overlay(raster)])
    page = fmap.get_root().render()
    assert "<img src=x" not in page and "49<" not in page
    (control,) = re.findall(r'"((?:[^"\\]|\\.)*)": image_layer_\w+', page)
    assert json.loads(f'"{control}"') == f"{text('raster_layer', 'en')}: {name}"


def test_a_bad_raster_for_a_map_is_exit_4(ws, tmp_path):
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"not a raster")
    result = CliRunner().invoke(main, ["-w", ws.root, "map", "clearance", "--raster", junk])
    assert result.exit_code == 4 and "junk.tif：不是 GDAL 能读取的栅格" in result.output
    assert "Traceback" not in result.output


def _drawn_corners(page):
    """[[lon, lat] of the north-west corner, of the south-east corner] where the
    page draws the raster image, read back with plain Web Mercator (the tiles' grid)."""
    return page.evaluate(
        f"""() => {{ const map = {MAP_OBJECT}; let image = null;
        map.eachLayer(l => {{ if (l._image && l.options.className === 'hailin-raster') image = l; }});
        map.setView(image.getBounds().getCenter(), 17, {{animate: false}});
        const o = map.getPixelOrigin(), z = map.getZoom();
        const nw = L.DomUtil.getPosition(image._image);
        const se = nw.add(L.point(image._image.offsetWidth, image._image.offsetHeight));
        return [nw, se].map(p => {{ const ll = L.CRS.EPSG3857.pointToLatLng(p.add(o), z);
                                     return [ll.lng, ll.lat]; }}); }}"""
    )


def _metres(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    dy = (a[:, 1] - b[:, 1]) * 110_574.0
    dx = (a[:, 0] - b[:, 0]) * 111_320.0 * np.cos(np.radians(a[:, 1]))
    return float(np.hypot(dx, dy).max())


def test_the_image_is_drawn_at_its_bounds_and_follows_gcj02_in_chromium(ws, tmp_path):
    raster = write_classified(tmp_path / "uav.tif")
    file, overlay = ws.rasters.overlay(raster, classes=CLASSES)
    path = tmp_path / "clearance.html"
    save_map(
        MAPS["clearance"](ws.map_data(), lang="zh", basemap="gaode", rasters=[(file, overlay)]),
        path,
    )
    west, south, east, north = overlay.bounds
    corners = [[west, north], [east, south]]
    shifted = [list(wgs84_to_gcj02(lon, lat)) for lon, lat in corners]
    assert _metres(shifted, corners) > 300  # the shift the test would notice
    with open_map(path) as session:
        page = session.page
        assert _metres(_drawn_corners(page), shifted) < 1.0
        page.locator(".leaflet-control-layers-base label", has_text="OpenStreetMap").locator(
            "input"
        ).check()
        assert _metres(_drawn_corners(page), corners) < 1.0
        assert session.console_errors == [] and session.page_errors == []
