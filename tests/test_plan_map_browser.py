"""The plan's map in a real browser: the next inspections layer draws every
planned stop, coloured by kind, with its popup (chromium, no network)."""

import json
import os

import pyogrio
import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.surveys.schema import colours
from tests.browser import open_map
from tests.risk_workspace import build

MAP_OBJECT = "Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])[0]"
LAYER = f"""(() => {{ const map = {MAP_OBJECT};
    return map.hailinLayers.filter(l => l.hailinName === '下周巡查点')[0]; }})()"""


@pytest.fixture(scope="module")
def plan_map(tmp_path_factory):
    root = tmp_path_factory.mktemp("plan-map")
    ws = build(root / "ws", per_site=12)
    (root / "teams.toml").write_text(
        '[[team]]\nname = "前岐镇"\nsites = ["kewan"]\nbudget_km = 3\n', encoding="utf-8"
    )
    result = CliRunner().invoke(
        main,
        [
            "-w",
            ws.root,
            "plan",
            "--week",
            "2024-W36",
            "--teams",
            str(root / "teams.toml"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    folder = json.loads(result.output)["folder"]
    return os.path.join(folder, "map.html"), pyogrio.read_dataframe(
        os.path.join(folder, "plan.gpkg")
    )


def test_the_next_inspections_layer_draws_every_stop(plan_map, tmp_path):
    path, plan = plan_map
    with open_map(path) as session:
        page = session.page
        assert session.page_errors == [] and session.console_errors == []
        labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        assert "下周巡查点" in [label.strip() for label in labels]
        drawn = page.evaluate(
            f"""() => {{ const layer = {LAYER}; const out = {{}};
            layer.hailinPaths.forEach(p => {{ out[p.feature.properties.plot_id] = p.options.fillColor; }});
            return out; }}"""
        )
        kinds = colours("plan_stop")
        assert drawn == {s: kinds[k] for s, k in zip(plan["stop_id"], plan["kind"], strict=True)}
        page.evaluate(
            f"""() => {{ const map = {MAP_OBJECT}; const layer = {LAYER};
            const p = layer.hailinPaths.filter(p => p.feature.properties.plot_id === 'KE-001')[0];
            map.setView(p.getLatLng(), 17, {{animate: false}}); layer.fire('click', {{layer: p, latlng: p.getLatLng()}}); }}"""
        )
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        assert "KE-001" in text and "复萌复查" in text and "前岐镇" in text
        page.screenshot(path=str(tmp_path / "plan-map.png"))
