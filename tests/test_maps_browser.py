"""Maps opened in a real browser (Debian chromium, offline, assets from npm)."""

import pytest

from geo.sites import load_sites
from maps.overview import overview_map
from tests.browser import open_map

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def hostile_sites():
    sites = load_sites()
    sites.loc[0, "name_zh"] = HOSTILE
    sites.loc[0, "name_en"] = HOSTILE
    sites.loc[0, "township"] = "<script>alert(2)</script>"
    return sites


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_map_in_a_browser(tmp_path, hostile_sites, lang):
    path = tmp_path / f"overview-{lang}.html"
    overview_map(hostile_sites, lang=lang).save(path)
    with open_map(path) as session:
        page = session.page
        assert session.refused == []
        assert session.page_errors == []
        assert session.console_errors == []
        loaded = page.evaluate(
            "() => typeof L !== 'undefined' && typeof L.Control.FullScreen !== 'undefined'"
            " && typeof L.Control.Measure !== 'undefined'"
        )
        assert loaded
        overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        assert [o.strip() for o in overlays] == (
            ["保护区范围"] if lang == "zh" else ["Reserve boundaries"]
        )
        assert page.locator(".leaflet-interactive").count() == 3
        # Open the first reserve's popup: its area is there, the hostile name is text.
        page.locator(".leaflet-interactive").first.click(force=True)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        assert ("亩" if lang == "zh" else "mu") in text
        assert HOSTILE in text
        assert page.locator(".leaflet-popup-content img").count() == 0
        legend = page.locator(".hailin-legend").inner_text()
        assert ("图例" if lang == "zh" else "Legend") in legend
        page.wait_for_timeout(400)  # let the popup finish fading in before the picture
        page.screenshot(path=str(tmp_path / f"overview-{lang}.png"))
        assert session.dialogs == []
