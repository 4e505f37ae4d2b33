"""Maps opened in a real browser: Debian chromium, offline, assets from npm."""

import pytest
import shapely

from geo.sites import load_sites
from hailin.demo import build_demo
from layers.clearance import STATUS_COLOURS
from maps import MAPS
from maps.programme import overview_map
from tests.browser import open_map

HOSTILE = "<img src=x onerror=alert(1)>"
EXPECTED_LAYERS = {
    "clearance": {
        "zh": ["保护区范围", "除治图斑", "复萌发现点", "新发图斑", "巡查记录", "巡护轨迹"],
        "en": [
            "Reserve boundaries",
            "Clearance plots",
            "Regrowth findings",
            "New infestations",
            "Patrol records",
            "Patrol tracks",
        ],
    },
    "restoration": {
        "zh": ["保护区范围", "种植地块", "巡查记录", "巡护轨迹"],
        "en": ["Reserve boundaries", "Restoration plots", "Patrol records", "Patrol tracks"],
    },
    "overview": {
        "zh": ["保护区范围", "除治图斑", "种植地块", "新发图斑", "巡查记录", "巡护轨迹"],
        "en": [
            "Reserve boundaries",
            "Clearance plots",
            "Restoration plots",
            "New infestations",
            "Patrol records",
            "Patrol tracks",
        ],
    },
}
MAP_OBJECT = "Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])[0]"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The demo's data, with hostile text planted where files could put it."""
    ws, _outputs = build_demo(tmp_path_factory.mktemp("demo") / "demo")
    data = ws.map_data()
    data.clearance.loc[0, "contractor"] = HOSTILE
    data.restoration.loc[0, "species"] = HOSTILE
    first = data.detections.index[0]
    data.detections.loc[first, "notes"] = HOSTILE
    # A plot in two parts must be drawn whole.
    plot = data.clearance.geometry.iloc[1]
    data.clearance.loc[1, "geometry"] = shapely.MultiPolygon(
        [plot, shapely.affinity.translate(plot, 0.002, 0)]
    )
    return data


def _overlays(page):
    return [
        o.strip() for o in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    ]


def _check_clean(session):
    assert session.refused == []
    assert session.page_errors == []
    assert session.console_errors == []
    assert session.dialogs == []
    page = session.page
    assert page.evaluate(
        "() => typeof L.Control.FullScreen === 'function' && typeof L.Control.Measure === 'function'"
    )
    assert page.locator(".leaflet-control-scale").count() == 1


def _click_feature(page, plot_id):
    """Zoom to a feature by its plot id, click its middle, return the popup text."""
    box = page.evaluate(
        f"""(plotId) => {{
        const map = {MAP_OBJECT};
        let found = null;
        map.eachLayer(l => {{ if (l.feature && l.feature.properties.plot_id === plotId && l.getBounds) found = l; }});
        map.fitBounds(found.getBounds(), {{animate: false, maxZoom: 18}});
        const r = found.getElement().getBoundingClientRect();
        return [r.x + r.width / 2, r.y + r.height / 2];
    }}""",
        plot_id,
    )
    page.wait_for_timeout(300)
    box = page.evaluate(
        f"""(plotId) => {{
        const map = {MAP_OBJECT};
        let found = null;
        map.eachLayer(l => {{ if (l.feature && l.feature.properties.plot_id === plotId && l.getBounds) found = l; }});
        const r = found.getElement().getBoundingClientRect();
        return [r.x + r.width / 2, r.y + r.height / 2];
    }}""",
        plot_id,
    )
    page.mouse.click(*box)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    return popup


def _visible_plots(page, layer_name):
    return page.evaluate(
        f"""(name) => {{
        const map = {MAP_OBJECT};
        let shown = 0, colours = {{}};
        map.eachLayer(l => {{
            if (l.feature && l.feature.properties.timeline && l.getElement && l.getElement()) {{
                if (l.getElement().style.display !== 'none') {{
                    shown += 1;
                    colours[l.feature.properties.plot_id] = l.options.fillColor;
                }}
            }}
        }});
        return [shown, colours];
    }}""",
        layer_name,
    )


def _set_period(page, index):
    page.evaluate(
        """(i) => { const s = document.querySelector('.hailin-time-slider');
        s.value = i < 0 ? s.max : i; s.dispatchEvent(new Event('input')); }""",
        index,
    )
    return page.locator(".hailin-time-label").inner_text()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_clearance_map(tmp_path, data, lang):
    path = tmp_path / "clearance.html"
    MAPS["clearance"](data, lang=lang).save(path)
    with open_map(path) as session:
        _check_clean(session)
        page = session.page
        overlays = _overlays(page)
        assert overlays == EXPECTED_LAYERS["clearance"][lang]
        summary = page.locator(".hailin-summary").inner_text()
        assert "1,883" in summary and page.locator(".hailin-summary svg polyline").count() == 1
        # The time control: in the first month only that month's plots show, all clean.
        shown_all, _colours = _visible_plots(page, "plots")
        first = _set_period(page, 0)
        assert first == "2023-04"
        shown_first, colours_first = _visible_plots(page, "plots")
        assert 0 < shown_first < shown_all == len(data.clearance)
        assert set(colours_first.values()) == {STATUS_COLOURS["clean"]}
        # A plot whose Spartina came back twice: verified after the first case, red when it regrows.
        recurrence = data.ledger[data.ledger["kind"] == "recurrence"]
        case = recurrence[
            (recurrence["status"] == "open") & recurrence["case_id"].str.endswith("#2")
        ].iloc[0]
        month = case.first_detected.strftime("%Y-%m")
        index = _period_index(page, month)
        assert _set_period(page, index) == month
        assert _visible_plots(page, "plots")[1][case.plot_id] == STATUS_COLOURS["open"]
        _set_period(page, index - 1)
        assert _visible_plots(page, "plots")[1][case.plot_id] == STATUS_COLOURS["verified_clear"]
        _set_period(page, -1)
        assert _visible_plots(page, "plots")[1][case.plot_id] == STATUS_COLOURS["open"]
        # A popup opened by a click: the plot's area; hostile text stays text.
        plot = data.clearance.iloc[0]
        popup = _click_feature(page, plot.plot_id)
        text = popup.inner_text()
        assert f"{plot.area_mu:,.2f}" in text and ("亩" if lang == "zh" else "mu") in text
        assert HOSTILE in text and popup.locator("img").count() == 0
        count = data.patrol_counts[plot.plot_id]
        assert f"{'巡查记录数' if lang == 'zh' else 'Patrol records'}: {count}" in text
        # The two-part plot is drawn whole: one path with two rings.
        two_parts = page.evaluate(
            f"""(plotId) => {{ const map = {MAP_OBJECT}; let d = null;
            map.eachLayer(l => {{ if (l.feature && l.feature.properties.plot_id === plotId)
                d = l.getElement().getAttribute('d'); }});
            return d; }}""",
            data.clearance.plot_id.iloc[1],
        )
        assert two_parts.count("M") == 2
        page.wait_for_timeout(300)
        page.screenshot(path=str(tmp_path / f"clearance-{lang}.png"))
        assert session.dialogs == []


def _period_index(page, period):
    return page.evaluate(
        """(p) => { const s = document.querySelector('.hailin-time-slider');
        for (let i = 0; i <= +s.max; i++) { s.value = i; s.dispatchEvent(new Event('input'));
            if (document.querySelector('.hailin-time-label').textContent === p) return i; } return -1; }""",
        period,
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_restoration_map(tmp_path, data, lang):
    path = tmp_path / "restoration.html"
    MAPS["restoration"](data, lang=lang).save(path)
    with open_map(path) as session:
        _check_clean(session)
        page = session.page
        overlays = _overlays(page)
        assert overlays == EXPECTED_LAYERS["restoration"][lang]
        assert ("成活率" if lang == "zh" else "Survival") in page.locator(
            ".hailin-summary"
        ).inner_text()
        assert _set_period(page, 0) == "2023"
        plot = data.restoration.iloc[0]
        popup = _click_feature(page, plot.plot_id)
        text = popup.inner_text()
        assert f"{plot.area_mu:,.2f}" in text
        assert HOSTILE in text and popup.locator("img").count() == 0
        page.wait_for_timeout(300)
        page.screenshot(path=str(tmp_path / f"restoration-{lang}.png"))
        assert session.dialogs == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_map(tmp_path, data, lang):
    path = tmp_path / "overview.html"
    MAPS["overview"](data, lang=lang).save(path)
    with open_map(path) as session:
        _check_clean(session)
        page = session.page
        overlays = _overlays(page)
        assert overlays == EXPECTED_LAYERS["overview"][lang]
        assert page.evaluate("() => typeof L.MarkerClusterGroup === 'function'")
        plot = data.clearance.iloc[0]
        assert f"{plot.area_mu:,.2f}" in _click_feature(page, plot.plot_id).inner_text()
        page.keyboard.press("Escape")
        page.evaluate(f"() => {MAP_OBJECT}.closePopup()")
        # Patrol records are clustered by the patrol-records layer.
        page.locator(".leaflet-control-layers-overlays input").nth(4).check()
        page.wait_for_selector(".marker-cluster")
        assert page.locator(".marker-cluster").count() > 0
        # Every point record of the demo is in the cluster layer, the tracks are not.
        points = int((shapely.get_type_id(data.surveys.geometry.values) == 0).sum())
        clustered = page.evaluate(
            f"""() => {{
                let found = null;
                {MAP_OBJECT}.eachLayer(l => {{
                    if (l instanceof L.MarkerClusterGroup) found = l.getLayers().length;
                }});
                return found;
            }}"""
        )
        assert (clustered, points, len(data.surveys)) == (3322, 3322, 3322 + 22)  # 22 tracks
        page.screenshot(path=str(tmp_path / f"overview-{lang}.png"))
        assert session.dialogs == []


def test_sites_only_overview_escapes_hostile_names(tmp_path):
    sites = load_sites()
    sites.loc[0, "name_zh"] = HOSTILE
    sites.loc[0, "township"] = "<script>alert(2)</script>"
    path = tmp_path / "sites.html"
    overview_map(sites, lang="zh").save(path)
    with open_map(path) as session:
        _check_clean(session)
        page = session.page
        page.locator(".leaflet-interactive").first.click(force=True)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert HOSTILE in popup.inner_text() and "<script>alert(2)</script>" in popup.inner_text()
        assert popup.locator("img").count() == 0
        assert session.dialogs == []


def test_the_npm_assets_the_tests_install_are_the_ones_the_maps_load():
    import json
    import pathlib

    from maps.assets import npm_packages

    package = pathlib.Path(__file__).parent / "browser" / "package.json"
    assert json.loads(package.read_text(encoding="utf-8"))["dependencies"] == npm_packages()


TEMPLATE_TEXT = "{{7*7}} {% for x in range(3) %}x{% endfor %} {{ {# <script>alert(3)</script>"


def test_template_text_in_every_popup_stays_text(tmp_path):
    """Plot ids, contractors, site names and notes holding Jinja2 tags show as typed."""
    from tests.map_workspace import build

    def planted(field, index=None):
        return f"{field}{'' if index is None else f' {index}'}: {TEMPLATE_TEXT}"

    data = build(tmp_path, planted, sites=True).map_data()
    path = tmp_path / "clearance.html"
    MAPS["clearance"](data, lang="zh").save(path)
    with open_map(path) as session:
        _check_clean(session)
        page = session.page
        plot_id = planted("clearance plot", 1)  # plot 0 has a finding at its middle
        lines = _click_feature(page, plot_id).inner_text().split("\n")
        assert lines[0] == f"图斑 {plot_id}"
        assert f"施工单位: {planted('contractor')}" in lines
        assert f"除治方式: {planted('method')}" in lines
        assert f"保护区: {planted('name_zh', 0)}" in lines
        assert f"乡镇: {planted('township', 0)}" in lines
        assert page.locator(".leaflet-popup-content script").count() == 0
        assert session.dialogs == [] and session.console_errors == [] and session.page_errors == []


def test_a_fresh_workspace_map_opens_with_the_reserves(tmp_path):
    from surveys.workspace import Workspace

    data = Workspace.create(tmp_path / "ws").map_data()
    for kind in MAPS:
        path = tmp_path / f"{kind}.html"
        MAPS[kind](data, lang="en").save(path)
        with open_map(path) as session:
            _check_clean(session)
            assert _overlays(session.page)[0] == "Reserve boundaries"
            assert session.page.locator("path.leaflet-interactive").count() == 3
