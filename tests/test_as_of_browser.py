"""The maps' time control is true as of the month shown: walked month by month
in chromium, the panel says what `hailin progress --as-of` says, and popups
say only what was known by the month's end."""

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.overlay import records_per_plot
from hailin.maps import MAPS
from hailin.surveys.ledger.counts import open_cases_text
from hailin.surveys.workspace import Workspace
from tests.browser import open_map
from tests.test_maps_browser import MAP_OBJECT, _click_feature, _panel_values, _set_period

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def ws(portal_template):
    """The demo workspace, read only."""
    return Workspace(portal_template)


def _pct(value, target):
    return f"{value:,.1f} / {target:,.0f} ({100 * value / target:.1f}%) 亩"


def _expected_panel(ws, month):
    """The overview panel's rows as `hailin progress --as-of month` figures them."""
    clearance, restoration = ws.progress(frames=ws.frames(as_of=month))
    c, r = clearance.totals, restoration.totals
    by_kind = {k: {"open": n} for k, n in c["open_cases_by_kind"].items()}
    imagery = restoration.extra["imagery"]["survival_pct"]
    return [
        _pct(c["cleared_mu"], c["target_mu"]),
        open_cases_text({"open": c["open_cases"], "by_kind": by_kind}, "zh"),
        _pct(r["planted_mu"], r["target_mu"]),
        "—" if pd.isna(r["survival_pct"]) else f"{r['survival_pct']:.1f}%",
        "—" if imagery is None else f"{imagery:.1f}%",
    ]


def _popup_at(page, month, plot_id):
    periods = page.evaluate(
        "() => { const s = document.querySelector('.hailin-time-slider'); return +s.max; }"
    )
    for index in range(periods + 1):
        if _set_period(page, index) == month:
            return _click_feature(page, plot_id).inner_text()
    raise AssertionError(f"no period {month}")


@pytest.mark.slow
def test_every_month_of_the_overview_is_as_of_its_end(ws, tmp_path):
    data = ws.map_data()
    path = tmp_path / "overview.html"
    MAPS["overview"](data, lang="zh").save(path)
    with open_map(path) as session:
        page = session.page
        last = page.evaluate("() => +document.querySelector('.hailin-time-slider').max")
        walked = []
        for index in range(last + 1):
            month = _set_period(page, index)
            assert _panel_values(page) == _expected_panel(ws, month), month
            walked.append(month)
        assert walked[0] == "2023-04" and walked[-1] == "2024-12" and len(walked) == 21
        # The panel at the end of May 2024 is the one line a planner asks for.
        may = json.loads(
            CliRunner()
            .invoke(main, ["-w", ws.root, "progress", "--as-of", "2024-05", "--json"])
            .output
        )
        assert may["clearance"]["totals"]["open_cases"] == 4
        # A plot's popup lists a case only from the month it was first found.
        april = _popup_at(page, "2024-04", "CC-KW-015")
        assert "2024-05-11" not in april and "已核验清除" in april
        # Its patrol records are those observed by the month's end.
        by_april = data.surveys[data.surveys["observed_at"] < pd.Timestamp("2024-05-01", tz=TZ)]
        counted = records_per_plot(by_april, data.clearance)["CC-KW-015"]
        assert counted < data.patrol_counts["CC-KW-015"]
        assert f"巡查记录数: {counted}" in april
        page.evaluate(f"() => {{ {MAP_OBJECT}.closePopup(); }}")
        may_popup = _popup_at(page, "2024-05", "CC-KW-015")
        assert "2024-05-11 首次发现: 复萌未处置 (2024-05-11)" in may_popup
        # Imagery survival in a popup comes from images dated by the month shown.
        page.evaluate(f"() => {{ {MAP_OBJECT}.closePopup(); }}")
        page.locator(".leaflet-control-layers-overlays input").nth(2).check()
        plot = data.restoration.sort_values("planted_on").iloc[0].plot_id
        assert "影像估算" not in _popup_at(page, "2023-10", plot)
        page.evaluate(f"() => {{ {MAP_OBJECT}.closePopup(); }}")
        assert "(2023-11-15)" in _popup_at(page, "2024-08", plot)
        page.evaluate(f"() => {{ {MAP_OBJECT}.closePopup(); }}")
        assert "(2024-09-15)" in _popup_at(page, "2024-12", plot)
        page.screenshot(path=str(tmp_path / "overview-2024-12.png"))
        assert session.page_errors == [] and session.dialogs == []
