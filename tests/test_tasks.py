"""Verification tasks through their life: suspicions open them (listed by
`hailin tasks`, drawn on the clearance map), the next inspection closes them
(Spartina found: the case opens at the suspicion's date; nothing: cleared),
and a suspicion is never counted as a case."""

import json

import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.maps.programme import clearance_map
from hailin.surveys.schema import colours
from hailin.surveys.workspace import Workspace
from tests.browser import open_map

PLOTS = """图斑编号,除治日期,wkt
KW1,2024-01-10,"POLYGON((120.3300 27.2600,120.3310 27.2600,120.3310 27.2610,120.3300 27.2610,120.3300 27.2600))"
KW2,2024-01-10,"POLYGON((120.3400 27.2600,120.3410 27.2600,120.3410 27.2610,120.3400 27.2610,120.3400 27.2600))"
"""
SUSPICIONS = """时间,经度,纬度,巡查类型,发现
2024-05-03 09:00,120.3305,27.2605,乡镇巡查,疑似复萌待核实
2024-05-04 09:00,120.3405,27.2605,乡镇巡查,有复萌迹象
2024-05-05 09:00,120.3505,27.2605,乡镇巡查,请复查
2024-05-06 09:00,120.3306,27.2606,乡镇巡查,疑似復萌，請複查
"""
INSPECTIONS = """时间,经度,纬度,巡查类型,发现,处理
2024-05-10 09:00,120.3306,27.2606,乡镇巡查,复萌,已上报
2024-05-11 09:00,120.3406,27.2606,乡镇巡查,未见复萌,
"""


@pytest.fixture
def hailin(tmp_path):
    Workspace.create(tmp_path / "ws")
    (tmp_path / "plots.csv").write_text(PLOTS, encoding="utf-8")
    (tmp_path / "suspicions.csv").write_text(SUSPICIONS, encoding="utf-8")
    (tmp_path / "inspections.csv").write_text(INSPECTIONS, encoding="utf-8")
    runner = CliRunner()

    def invoke(*args):
        result = runner.invoke(main, ["-w", str(tmp_path / "ws"), *map(str, args)])
        assert result.exit_code == 0, result.output
        return result.output

    invoke("plots", "import", tmp_path / "plots.csv", "--kind", "clearance")
    return invoke


def _tasks(hailin, *args):
    listed = json.loads(hailin("tasks", "--json", *args))
    return listed["open"], [
        (
            t["task_id"],
            t["plot_id"],
            t["suspected_on"],
            t["suspicions"],
            t["status"],
            t["closed_by"],
        )
        for t in listed["tasks"]
    ]


def test_a_task_from_suspicion_to_case(tmp_path, hailin):
    hailin("import", tmp_path / "suspicions.csv")
    new_place = "V" + format(
        int(Workspace(tmp_path / "ws").surveys().sort_values("source_row")["record_key"].iloc[2])
        & 0xFFFFFFFF,
        "08X",
    )
    opened = [
        ("KW1/1", "KW1", "2024-05-03", 2, "open", None),
        ("KW2/1", "KW2", "2024-05-04", 1, "open", None),
        (f"{new_place}/1", None, "2024-05-05", 1, "open", None),
    ]
    assert _tasks(hailin) == (3, opened)
    assert "3 open verification task(s) of 3" in hailin("tasks")
    # Suspicions are no cases.
    assert "0 recurrence case(s)" in hailin("flag")

    hailin("import", tmp_path / "inspections.csv")
    assert _tasks(hailin) == (1, [opened[2]])
    assert _tasks(hailin, "--all") == (
        1,
        [
            ("KW1/1", "KW1", "2024-05-03", 2, "confirmed", "spartina_regrowth"),
            ("KW2/1", "KW2", "2024-05-04", 1, "cleared", "clear"),
            opened[2],
        ],
    )
    listed = hailin("tasks", "--all", "--lang", "en")
    assert "KW1/1  KW1  2024-05-03  ×2  confirmed, 2024-05-10 Spartina regrowth" in listed
    assert "KW2/1  KW2  2024-05-04  ×1  checked, clear, 2024-05-11 nothing found" in listed
    # The confirmed suspicion opened the case on its own day; the others made none.
    ledger, _patches = Workspace(tmp_path / "ws").ledger()
    assert [
        (r.case_id, r.status, r.detections, r.first_detected.strftime("%Y-%m-%d"))
        for r in ledger.itertuples()
    ] == [("KW1#1", "open", 3, "2024-05-03")]

    # The map draws the tasks: one point each, coloured by status.
    data = Workspace(tmp_path / "ws").map_data()
    path = tmp_path / "clearance.html"
    clearance_map(data, "zh").save(path)
    layer = """(() => { const map = Object.keys(window).filter(k => k.startsWith('map_'))
        .map(k => window[k])[0]; return map.hailinLayers.filter(l => l.hailinName === '核查任务')[0]; })()"""
    with open_map(path) as session:
        page = session.page
        assert session.page_errors == [] and session.refused == []
        overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        assert "核查任务" in [o.strip() for o in overlays]
        assert page.evaluate(f"() => {layer}.hailinShown()") == 3
        fills = page.evaluate(f"() => {layer}.hailinPaths.map(p => p.options.fillColor)")
        status = colours("task_status")
        assert sorted(fills) == sorted([status["confirmed"], status["cleared"], status["open"]])
        legend = page.locator(".hailin-legend").inner_text()
        assert "核查任务: 待核查" in legend and "核查任务: 已核实复萌" in legend
        # On a day before the inspections every task is still open.
        page.evaluate(
            """() => { const s = document.querySelector('.hailin-time-slider');
            s.value = 0; s.dispatchEvent(new Event('input')); }"""
        )
        assert page.locator(".hailin-time-label").inner_text() == "2024-01"
        assert page.evaluate(f"() => {layer}.hailinShown()") == 0
        page.evaluate(
            """() => { const s = document.querySelector('.hailin-time-slider');
            s.value = s.max; s.dispatchEvent(new Event('input')); }"""
        )
        assert page.evaluate(f"() => {layer}.hailinShown()") == 3


def test_the_distributed_ledger_opens_confirmed_suspicions_on_their_day(tmp_path, hailin):
    from hailin.surveys.dist.frames import distributed_frames
    from hailin.surveys.dist.scheduler import connect

    hailin("import", tmp_path / "suspicions.csv")
    hailin("import", tmp_path / "inspections.csv")
    ws = Workspace(tmp_path / "ws")
    with connect("local:1", processes=False) as client, ws.store(write=False) as store:
        frames = distributed_frames(client, ws.settings, store=store, partitions=2)
        ledger = frames.ledger
        tasks = frames.tasks
    local, _patches = ws.ledger()
    assert ledger[["case_id", "first_detected", "detections"]].equals(
        local[["case_id", "first_detected", "detections"]]
    )
    assert tasks["status"].tolist() == ["confirmed", "cleared", "open"]
