"""Maps opened in a real browser: Debian chromium, every request off the page refused."""

import pandas as pd
import pytest
import shapely

from hailin.geo.sites import load_sites
from hailin.layers.clearance import STATUS_COLOURS
from hailin.maps import MAPS
from hailin.maps.figures import periods_of
from hailin.maps.programme import overview_map
from hailin.surveys.ledger.counts import case_counts, open_cases_text
from hailin.surveys.schema import word
from hailin.surveys.workspace import Workspace
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
def data(portal_template):
    """The demo's data, with hostile text planted where files could put it."""
    data = Workspace(portal_template).map_data()
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
    assert page.locator(".hailin-fullscreen-toggle").count() == 1
    assert page.locator(".hailin-measure-toggle").count() == 1
    assert page.locator(".leaflet-control-scale").count() == 1


# The drawn path of a feature by its plot id (every data layer of the map).
FEATURE = f"""(plotId) => {{ const map = {MAP_OBJECT}; let found = null;
    map.eachLayer(l => {{ if (l.feature && l.feature.properties.plot_id === plotId && l.getBounds
        && !l._point) found = l; }}); return found; }}"""


def _feature_point(page, plot_id, zoom=True):
    """The page coordinates of the middle of a feature, zoomed to it first."""
    return page.evaluate(
        f"""([plotId, zoom]) => {{ const map = {MAP_OBJECT}; const f = ({FEATURE})(plotId);
        if (zoom) map.fitBounds(f.getBounds(), {{animate: false, maxZoom: 18}});
        const p = map.latLngToContainerPoint(f.getBounds().getCenter());
        const r = map.getContainer().getBoundingClientRect();
        return [r.x + p.x, r.y + p.y]; }}""",
        [plot_id, zoom],
    )


def _click_feature(page, plot_id):
    """Zoom to a feature by its plot id, click its middle, return the popup."""
    page.evaluate(f"() => {{ {MAP_OBJECT}.closePopup(); }}")
    point = _feature_point(page, plot_id)
    page.wait_for_timeout(200)
    page.mouse.click(*point)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    return popup


def _layer(name):
    """JavaScript: the map's data layer named ``name`` (as in the layer control)."""
    return f"""(() => {{ const map = {MAP_OBJECT};
        return map.hailinLayers.filter(l => l.hailinName === {name!r})[0]; }})()"""


def _visible_plots(page, name):
    """(features shown, {plot id: fill colour}) of a path layer at the date shown."""
    return page.evaluate(
        f"""() => {{ const layer = {_layer(name)}; let shown = 0, colours = {{}};
        layer.hailinPaths.forEach(p => {{ if (!p._hailinHidden) {{ shown += 1;
            colours[p.feature.properties.plot_id] = p.options.fillColor; }} }});
        return [shown, colours]; }}"""
    )


def _shown(page, name):
    return page.evaluate(f"() => {_layer(name)}.hailinShown()")


def _set_period(page, index):
    page.evaluate(
        """(i) => { const s = document.querySelector('.hailin-time-slider');
        s.value = i < 0 ? s.max : i; s.dispatchEvent(new Event('input')); }""",
        index,
    )
    return page.locator(".hailin-time-label").inner_text()


def _period_index(page, period):
    return page.evaluate(
        """(p) => { const s = document.querySelector('.hailin-time-slider');
        for (let i = 0; i <= +s.max; i++) { s.value = i; s.dispatchEvent(new Event('input'));
            if (document.querySelector('.hailin-time-label').textContent === p) return i; } return -1; }""",
        period,
    )


def _panel_values(page):
    return page.locator(".hailin-summary .hailin-value").all_inner_texts()


def _month_end(period):
    return (pd.Period(period, freq="M").end_time.normalize()).date()


def _local_days(stamps, timezone):
    return pd.to_datetime(pd.Series(stamps), utc=True).dt.tz_convert(timezone).dt.date


def _open_at(ledger, end, lang):
    """The panel's open cases on ``end`` (a local date): cases of both kinds found
    by then and not cleared again by then, the total and each kind's."""
    found = ledger["first_detected"].dt.tz_localize(None).dt.date
    again = ledger["re_cleared_at"].dt.tz_localize(None).dt.date
    open_ = (found <= end) & (again.isna() | (again > end))
    plots = int((open_ & (ledger["kind"] == "recurrence")).sum())
    patches = int((open_ & (ledger["kind"] == "new_infestation")).sum())
    if lang == "zh":
        return f"{plots + patches}（复萌 {plots}，新发图斑 {patches}）"
    cases = "recurrence case" if plots == 1 else "recurrence cases"
    new = "new patch" if patches == 1 else "new patches"
    return f"{plots + patches} ({plots} {cases}, {patches} {new})"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_clearance_map(tmp_path, data, lang):
    path = tmp_path / "clearance.html"
    MAPS["clearance"](data, lang=lang).save(path)
    names = EXPECTED_LAYERS["clearance"][lang]
    with open_map(path) as session:
        _check_clean(session)
        page = session.page
        assert _overlays(page) == names
        # hailin's own controls speak the map's language too.
        titles = page.evaluate(
            "() => [...document.querySelectorAll('.hailin-time button, .hailin-head button')]"
            ".map(b => b.title)"
        )
        assert sorted(titles) == sorted(
            ["上一月", "播放", "下一月", "收起", "收起"]
            if lang == "zh"
            else ["Previous month", "Play", "Next month", "Hide", "Hide"]
        )
        summary = page.locator(".hailin-summary").inner_text()
        assert "1,883" in summary and page.locator(".hailin-summary svg rect").count() == 2
        # The time control spans every month of the data: clearance to the last record.
        shown_all, _colours = _visible_plots(page, names[1])
        assert page.locator(".hailin-time-label").inner_text() == "2024-12"
        first = _set_period(page, 0)
        assert first == "2023-04"
        shown_first, colours_first = _visible_plots(page, names[1])
        cleared = data.clearance[pd.to_datetime(data.clearance["cleared_on"]) <= "2023-04-30"]
        assert shown_first == len(cleared) and 0 < shown_first < shown_all == len(data.clearance)
        assert set(colours_first.values()) == {STATUS_COLOURS["clean"]}
        # The panel's figures are those of the month shown.
        unit = "亩" if lang == "zh" else "mu"
        mu = cleared["area_mu"].sum()
        assert _panel_values(page) == [
            f"{mu:,.1f} / 1,883 ({100 * mu / 1883:.1f}%) {unit}",
            _open_at(data.ledger, _month_end("2023-04"), lang),
        ]
        # Findings appear in the month they were found, and so do the records.
        found = _local_days(data.detections["observed_at"], data.timezone)
        assert _shown(page, names[2]) == 0
        month = "2023-08"
        _set_period(page, _period_index(page, month))
        end = _month_end(month)
        assert _shown(page, names[2]) == int((found <= end).sum()) > 0
        observed = _local_days(data.surveys["observed_at"], data.timezone)
        points = data.surveys.geom_type.eq("Point").to_numpy()
        assert _shown(page, names[4]) == int((observed[points] <= end).sum())
        assert _panel_values(page)[1] == _open_at(data.ledger, end, lang)
        assert page.evaluate("() => window.location.hash") == f"#date={month}"
        # A plot whose Spartina came back twice: verified after the first case, red when it regrows.
        recurrence = data.ledger[data.ledger["kind"] == "recurrence"]
        case = recurrence[
            (recurrence["status"] == "open") & recurrence["case_id"].str.endswith("#2")
        ].iloc[0]
        month = case.first_detected.strftime("%Y-%m")
        index = _period_index(page, month)
        assert _set_period(page, index) == month
        assert _visible_plots(page, names[1])[1][case.plot_id] == STATUS_COLOURS["open"]
        _set_period(page, index - 1)
        assert _visible_plots(page, names[1])[1][case.plot_id] == STATUS_COLOURS["verified_clear"]
        _set_period(page, -1)
        assert _visible_plots(page, names[1])[1][case.plot_id] == STATUS_COLOURS["open"]
        # New patches (a few square metres) are never drawn smaller than 14 pixels across.
        sizes = page.evaluate(
            f"""() => {_layer(names[3])}.hailinPaths.map(p => {{
            const s = p._pxBounds.getSize(); return Math.max(s.x, s.y); }})"""
        )
        assert len(sizes) == len(data.patches) and min(sizes) >= 14
        # At the last month the panel says what `hailin progress` says.
        totals = data.clearance_progress.totals
        assert _panel_values(page) == [
            f"{totals['cleared_mu']:,.1f} / 1,883 "
            f"({100 * totals['cleared_mu'] / 1883:.1f}%) {unit}",
            open_cases_text(case_counts(data.ledger), lang),
        ]
        # A popup opened by a click: the plot's area; hostile text stays text.
        plot = data.clearance.iloc[0]
        popup = _click_feature(page, plot.plot_id)
        text = popup.inner_text()
        assert f"{plot.area_mu:,.2f}" in text and unit in text
        assert HOSTILE in text and popup.locator("img").count() == 0
        count = data.patrol_counts[plot.plot_id]
        assert f"{'巡查记录数' if lang == 'zh' else 'Patrol records'}: {count}" in text
        # The two-part plot is drawn whole: one path with two rings.
        rings = page.evaluate(
            f"(plotId) => ({FEATURE})(plotId)._rings.length", data.clearance.plot_id.iloc[1]
        )
        assert rings == 2
        page.wait_for_timeout(300)
        page.screenshot(path=str(tmp_path / f"clearance-{lang}.png"))
        assert session.dialogs == []


def test_the_url_keeps_the_date_and_play_steps_through_months(tmp_path, data):
    path = tmp_path / "clearance.html"
    MAPS["clearance"](data, lang="en").save(path)
    with open_map(path) as session:
        page = session.page
        page.evaluate("() => { window.location.hash = 'date=2023-06'; }")
        page.wait_for_function(
            "() => document.querySelector('.hailin-time-label').textContent === '2023-06'"
        )
        page.locator(".hailin-time-next").click()
        assert page.locator(".hailin-time-label").inner_text() == "2023-07"
        page.locator(".hailin-time-back").click()
        page.locator(".hailin-time-back").click()
        assert page.locator(".hailin-time-label").inner_text() == "2023-05"
        page.locator(".hailin-time-play").click()
        page.wait_for_function(
            "() => document.querySelector('.hailin-time-label').textContent === '2023-07'",
            timeout=10_000,
        )
        page.locator(".hailin-time-play").click()  # pause
        stopped = page.locator(".hailin-time-label").inner_text()
        page.wait_for_timeout(1200)
        assert page.locator(".hailin-time-label").inner_text() == stopped
        assert page.evaluate("() => window.location.hash") == f"#date={stopped}"
    # A page opened with a date in its URL shows that month.
    with open_map(path, fragment="date=2023-09") as session:
        assert session.page.locator(".hailin-time-label").inner_text() == "2023-09"
        assert session.page_errors == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_restoration_map(tmp_path, data, lang):
    path = tmp_path / "restoration.html"
    MAPS["restoration"](data, lang=lang).save(path)
    names = EXPECTED_LAYERS["restoration"][lang]
    with open_map(path) as session:
        _check_clean(session)
        page = session.page
        assert _overlays(page) == names
        assert ("成活率" if lang == "zh" else "Survival") in page.locator(
            ".hailin-summary"
        ).inner_text()
        first = min(data.restoration["planted_on"]).strftime("%Y-%m")
        assert _set_period(page, 0) == periods_of(data, clearance=False)[0]
        planted = pd.to_datetime(data.restoration["planted_on"]).dt.strftime("%Y-%m")
        index = _period_index(page, first)
        assert _visible_plots(page, names[1])[0] == int((planted <= first).sum()) > 0
        assert _panel_values(page)[1] == "—"  # nothing checked yet
        _set_period(page, -1)
        survival = data.restoration_progress.totals["survival_pct"]
        assert _panel_values(page)[1] == f"{survival:.1f}%"
        assert index >= 0
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
    names = EXPECTED_LAYERS["overview"][lang]
    with open_map(path) as session:
        _check_clean(session)
        page = session.page
        assert _overlays(page) == names
        plot = data.clearance.iloc[0]
        assert f"{plot.area_mu:,.2f}" in _click_feature(page, plot.plot_id).inner_text()
        page.evaluate(f"() => {{ {MAP_OBJECT}.closePopup(); }}")
        # The legend lists only the layers on the map.
        legend = page.locator(".hailin-legend")
        records_word = names[4]
        assert records_word not in legend.inner_text()
        page.locator(".leaflet-control-layers-overlays input").nth(4).check()
        patrol = word("patrol_type", "contractor_daily", lang)
        assert patrol in legend.inner_text()
        # Patrol records are drawn as cells of counts at the whole view, one by one near.
        page.evaluate(f"() => {{ {MAP_OBJECT}.fitBounds({MAP_OBJECT}.getBounds()); }}")
        page.evaluate(f"() => {{ {MAP_OBJECT}.setZoom(12, {{animate: false}}); }}")
        drawn = page.evaluate(f"() => {_layer(records_word)}.hailinDrawn()")
        assert drawn["cells"] > 0 and drawn["records"] > drawn["cells"]
        page.evaluate(f"() => {{ {MAP_OBJECT}.setZoom(18, {{animate: false}}); }}")
        near = page.evaluate(f"() => {_layer(records_word)}.hailinDrawn()")
        assert near["cells"] == 0 and near["points"] == near["records"]
        page.locator(".leaflet-control-layers-overlays input").nth(4).uncheck()
        assert patrol not in legend.inner_text()
        page.screenshot(path=str(tmp_path / f"overview-{lang}.png"))
        assert session.dialogs == []


def _boxes_meet(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


CONTROLS = (".hailin-legend", ".hailin-summary", ".hailin-time", ".leaflet-control-layers")


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)])
def test_popups_open_clear_of_every_control(tmp_path, data, viewport):
    """A popup opened on a plot lying under the legend is panned into the free
    part of the view: its box meets no control's box (desktop and phone)."""
    path = tmp_path / "clearance.html"
    MAPS["clearance"](data, lang="zh").save(path)
    with open_map(path, viewport=viewport) as session:
        page = session.page
        if viewport[0] < 600:  # a phone: the layer list and the boxes start folded
            assert page.locator(".leaflet-control-layers-expanded").count() == 0
            assert page.locator(".hailin-legend .hailin-body").is_hidden()
            assert page.locator(".hailin-summary .hailin-body").is_hidden()
            page.locator(".hailin-legend .hailin-head").click()
            assert page.locator(".hailin-legend .hailin-body").is_visible()
        for selector in (".hailin-legend", ".hailin-time"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport[0]
        # The controls do not cover each other.
        boxes = [page.locator(c).bounding_box() for c in CONTROLS]
        for i, box in enumerate(boxes):
            assert not any(_boxes_meet(box, other) for other in boxes[i + 1 :]), CONTROLS[i]
        for plot in data.clearance["plot_id"].iloc[:3]:
            page.evaluate(f"() => {{ {MAP_OBJECT}.closePopup(); }}")
            page.wait_for_timeout(300)  # the closed popup fades out
            # Put the plot under the legend, then open its popup as a click would.
            page.evaluate(
                f"""(plotId) => {{ const map = {MAP_OBJECT}; const f = ({FEATURE})(plotId);
                map.setView(f.getBounds().getCenter(), 16, {{animate: false}});
                const legend = document.querySelector('.hailin-legend').getBoundingClientRect();
                const box = map.getContainer().getBoundingClientRect();
                const p = map.latLngToContainerPoint(f.getBounds().getCenter());
                map.panBy([p.x - (legend.x - box.x + legend.width / 2),
                           p.y - (legend.y - box.y + legend.height / 2)], {{animate: false}});
                f.fire('click', {{latlng: f.getBounds().getCenter()}}, true); }}""",
                plot,
            )
            popup = page.locator(".leaflet-popup")
            popup.wait_for()
            page.wait_for_timeout(100)
            shown = popup.bounding_box()
            assert shown["x"] >= 0 and shown["x"] + shown["width"] <= viewport[0]
            assert shown["y"] >= 0 and shown["y"] + shown["height"] <= viewport[1]
            for selector in CONTROLS:
                control = page.locator(selector)
                if control.is_visible():
                    assert not _boxes_meet(shown, control.bounding_box()), selector
            assert plot in page.locator(".leaflet-popup-content").inner_text()
        page.screenshot(path=str(tmp_path / f"popup-{viewport[0]}.png"))
        assert session.page_errors == [] and session.console_errors == []


def test_sites_only_overview_escapes_hostile_names(tmp_path):
    sites = load_sites()
    sites.loc[0, "name_zh"] = HOSTILE
    sites.loc[0, "township"] = "<script>alert(2)</script>"
    path = tmp_path / "sites.html"
    overview_map(sites, lang="zh").save(path)
    with open_map(path) as session:
        _check_clean(session)
        page = session.page
        site = sites["site_id"].iloc[0]
        page.mouse.click(*_feature_point(page, site))
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert HOSTILE in popup.inner_text() and "<script>alert(2)</script>" in popup.inner_text()
        assert popup.locator("img").count() == 0
        assert session.dialogs == []


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

    data = Workspace.create(tmp_path / "ws").map_data()
    for kind in MAPS:
        path = tmp_path / f"{kind}.html"
        MAPS[kind](data, lang="en").save(path)
        with open_map(path) as session:
            _check_clean(session)
            assert _overlays(session.page)[0] == "Reserve boundaries"
            assert session.page.evaluate(f"() => {_layer('Reserve boundaries')}.hailinShown()") == 3
