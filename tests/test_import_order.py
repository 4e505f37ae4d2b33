"""Property: the order in which files are imported never changes the ledger."""

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hailin.surveys.workspace import Workspace
from tests.scenario import PLOT

HEADER = "时间,经度,纬度,巡查类型,发现,处理,备注\n"
ROWS = [
    "2023-06-01 09:00,120.3302,27.2602,乡镇巡查,复萌,上报,",
    "2023-06-03 09:00,120.3303,27.2603,市级联合巡护,复萌,上报,",
    "2023-06-10 09:00,120.3302,27.2602,施工单位日常巡护,已清除,已清除,",
    "2023-06-20 09:00,120.3305,27.2605,乡镇巡查,未见异常,,",
    "2023-07-15 09:00,120.3305,27.2605,乡镇巡查,未见异常,,",
    "2024-05-01 09:00,120.3307,27.2607,数字化监测,复萌,,",
    "2023-08-01 09:00,120.3400,27.2700,数字化监测,新发,,",
    "2023-08-03 09:00,120.34015,27.27005,市级联合巡护,新发,,",
]
# Three uploads that overlap: the same observation may come in more than one file,
# with notes retyped by another office.
FILES = {
    "a.csv": [0, 1, 2, 6],
    "b.csv": [2, 3, 4, 7],
    "c.csv": [4, 5, 6, 0],
}


def _write(folder):
    paths = {}
    for name, rows in FILES.items():
        path = folder / name
        path.write_text(HEADER + "\n".join(ROWS[i] + name for i in rows) + "\n", encoding="utf-8")
        paths[name] = path
    plots = folder / "plots.csv"
    plots.write_text(f'图斑编号,除治日期,wkt\nP1,2023-05-01,"{PLOT.wkt}"\n', encoding="utf-8")
    return paths, plots


def _ledger(root, paths, plots, order):
    ws = Workspace.create(root)
    ws.import_file(plots, kind="clearance")
    for name in order:
        ws.import_file(paths[name])
    ledger, _patches = ws.ledger()
    return ledger, len(ws.surveys())


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations(sorted(FILES)))
def test_shuffling_imports_never_changes_the_ledger(tmp_path_factory, order):
    folder = tmp_path_factory.mktemp("files")
    paths, plots = _write(folder)
    reference, stored = _ledger(folder / "reference", paths, plots, sorted(FILES))
    shuffled, stored_again = _ledger(folder / "shuffled", paths, plots, order)
    assert stored == stored_again == len(ROWS)
    pd.testing.assert_frame_equal(shuffled, reference)
    assert reference[["case_id", "status"]].values.tolist() == [
        ["NEW-20230801-01#1", "open"],
        ["P1#1", "verified_clear"],
        ["P1#2", "open"],
    ]
