"""Every map draws on every valid store: fresh, plots only, records only, no cases.

Each store is a real workspace built through the workspace's imports; each map
must render, show the reserves and say what the store holds.
"""

import pytest

from hailin.geo.sites import load_sites
from hailin.layers.page import DataLayer
from hailin.layers.text import text
from hailin.maps import MAPS
from hailin.maps.controls import SummaryPanel
from hailin.surveys.workspace import Workspace
from tests.conftest import DATA
from tests.map_workspace import PATROLS, build, data_layers, html_lines

# An inspection, a planting check and a track: records, but no Spartina.
NO_SPARTINA = [PATROLS[1], PATROLS[4], PATROLS[5]]


def _fresh(root):
    return Workspace.create(root / "ws")


def _plots_only(root):
    return build(root, patrols=None)


def _records_only(root):
    ws = Workspace.create(root / "ws")
    assert ws.import_file(DATA / "formats" / "patrol_en.csv").status == "accepted"
    return ws


def _no_cases(root):
    return build(root, patrols=NO_SPARTINA)


# Open cases shown on the clearance panel, where there are any.
OPEN_CASES = {"records": "1 (0 recurrence cases, 1 new patch)"}
STORES = {"fresh": _fresh, "plots": _plots_only, "records": _records_only, "no_cases": _no_cases}
# Features per layer (by English name), per store and map.
LAYERS = {
    "fresh": {
        "clearance": {"Reserve boundaries": 3, "Clearance plots": 0, "Regrowth findings": 0},
        "restoration": {"Reserve boundaries": 3, "Restoration plots": 0},
        "overview": {"Reserve boundaries": 3, "Clearance plots": 0, "Restoration plots": 0},
    },
    "plots": {
        "clearance": {"Reserve boundaries": 3, "Clearance plots": 2, "Regrowth findings": 0},
        "restoration": {"Reserve boundaries": 3, "Restoration plots": 1},
        "overview": {"Reserve boundaries": 3, "Clearance plots": 2, "Restoration plots": 1},
    },
    "records": {
        "clearance": {
            "Reserve boundaries": 3,
            "Clearance plots": 0,
            "Regrowth findings": 0,
            "New infestations": 2,
            "Patrol tracks": 0,
            "Patrol records": 4,
        },
        "restoration": {
            "Reserve boundaries": 3,
            "Restoration plots": 0,
            "Patrol tracks": 0,
            "Patrol records": 4,
        },
        "overview": {
            "Reserve boundaries": 3,
            "Clearance plots": 0,
            "Restoration plots": 0,
            "New infestations": 2,
            "Patrol tracks": 0,
            "Patrol records": 4,
        },
    },
    "no_cases": {
        "clearance": {
            "Reserve boundaries": 3,
            "Clearance plots": 2,
            "Regrowth findings": 0,
            "Patrol tracks": 1,
            "Patrol records": 2,
        },
        "restoration": {
            "Reserve boundaries": 3,
            "Restoration plots": 1,
            "Patrol tracks": 1,
            "Patrol records": 2,
        },
        "overview": {
            "Reserve boundaries": 3,
            "Clearance plots": 2,
            "Restoration plots": 1,
            "Patrol tracks": 1,
            "Patrol records": 2,
        },
    },
}


@pytest.fixture(scope="module", params=sorted(STORES))
def store(request, tmp_path_factory):
    ws = STORES[request.param](tmp_path_factory.mktemp(request.param))
    return request.param, ws, ws.map_data()


def _layers(fmap):
    """{layer name: features} of a map's data layers."""
    return {e.layer_name: e.count for e in fmap._children.values() if isinstance(e, DataLayer)}


def _panel(fmap):
    (panel,) = [e for e in fmap._children.values() if isinstance(e, SummaryPanel)]
    return [line.strip() for line in html_lines(panel.page_html()) if line.strip()]


@pytest.mark.parametrize("kind", sorted(MAPS))
def test_every_map_draws_the_reserves_on_every_store(store, kind, tmp_path):
    state, ws, data = store
    fmap = MAPS[kind](data, lang="en")
    fmap.save(tmp_path / "map.html")
    page = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert _layers(fmap) == LAYERS[state][kind]
    reserves = data_layers(page)[0]["features"]
    assert [html_lines(f["properties"]["popup"])[0] for f in reserves] == load_sites()[
        "name_en"
    ].tolist()
    cleared = sum(ws.plots("clearance")["area_mu"])
    planted = sum(ws.plots("restoration")["area_mu"])
    clearance_lines = [
        f"Cleared: {cleared:,.1f} / 1,883 ({100 * cleared / 1883:.1f}%) mu",
        # New-patch cases count as open cases too (one in the records-only store).
        f"Open cases: {OPEN_CASES.get(state, '0 (0 recurrence cases, 0 new patches)')}",
    ]
    restoration_lines = [
        f"Planted: {planted:,.1f} / 1,070 ({100 * planted / 1070:.1f}%) mu",
        f"Survival: {'80.0%' if state == 'no_cases' else '—'}",
    ]
    panel = _panel(fmap)
    if kind == "clearance":
        assert panel[1:3] == clearance_lines
    elif kind == "restoration":
        assert panel[1:3] == restoration_lines
    else:
        assert panel[1:5] == clearance_lines + restoration_lines


@pytest.mark.parametrize("kind", sorted(MAPS))
def test_the_zh_maps_draw_on_a_fresh_store(tmp_path, kind):
    data = Workspace.create(tmp_path / "ws").map_data()
    fmap = MAPS[kind](data, lang="zh")
    page = fmap.get_root().render()
    reserves = data_layers(page)[0]["features"]
    assert [f["properties"]["tooltip"] for f in reserves] == load_sites()["name_zh"].tolist()
    assert _panel(fmap)[1] == (
        f"{text('cleared', 'zh')}: 0.0 / 1,883 (0.0%) 亩"
        if kind != "restoration"
        else f"{text('planted', 'zh')}: 0.0 / 1,070 (0.0%) 亩"
    )


def test_a_patch_found_again_shows_its_latest_case_and_how_many(tmp_path):
    data = build(tmp_path).map_data()
    assert data.ledger.loc[data.ledger["kind"] == "new_infestation", "case_id"].tolist() == [
        "NEW-20230603-01#1",
        "NEW-20230603-01#2",
    ]
    page = MAPS["clearance"](data, lang="en").get_root().render()
    (patch,) = [
        f["properties"]
        for layer in data_layers(page)
        for f in layer["features"]
        if f["properties"]["tooltip"] == "NEW-20230603-01"
    ]
    assert html_lines(patch["popup"]) == [
        "New infestations NEW-20230603-01",
        "First found: 2023-07-10",
        "Status: recurrence open",
        "Findings: 1",
        "Cases: 2",
    ]
