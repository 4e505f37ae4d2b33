"""As of a day counts the uploads made by then: a hand-built timeline of when
things were observed, uploaded and withdrawn, read by progress, the ledger,
the report and the maps' months (Frames.at).

The timeline (local days, Asia/Shanghai):

- 04-12 plots uploaded: A (cleared 04-01, 刈割), B (04-05), C (04-08)
- 05-12 upload R1: regrowth in A observed 05-10
- 05-25 upload R3: regrowth in C observed 05-20 (withdrawn 06-10)
- 06-02 upload R2: regrowth in B observed 05-28 (observed in May, uploaded in June)
- 06-05 plots uploaded: D (cleared 05-20) and A again (method corrected to 刈割+围淹)

No ``[as_of] history_until`` is set, so the first upload's day (04-12) is the
history: the plots it brought count from when they were cleared.
"""

import datetime
import json
import sqlite3

import docx
import geopandas
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from hailin.cli import main
from hailin.maps.figures import periods_of
from hailin.surveys.workspace import Workspace

PLOTS = {
    "A": (shapely.box(120.3300, 27.2600, 120.3306, 27.2604), "2024-04-01", "刈割"),
    "B": (shapely.box(120.3320, 27.2600, 120.3326, 27.2604), "2024-04-05", "药剂"),
    "C": (shapely.box(120.3330, 27.2300, 120.3336, 27.2304), "2024-04-08", "刈割+围淹"),
    "D": (shapely.box(120.3780, 27.2468, 120.3786, 27.2472), "2024-05-20", "刈割+翻耕"),
}
HEADER = "observed_at,wkt,patrol_type,team,observer,finding,action\n"


def _plots(path, ids, method_a=None):
    rows = {k: PLOTS[k] for k in ids}
    frame = geopandas.GeoDataFrame(
        {
            "plot_id": list(rows),
            "cleared_on": [v[1] for v in rows.values()],
            "method": [method_a if k == "A" and method_a else v[2] for k, v in rows.items()],
        },
        geometry=[v[0] for v in rows.values()],
        crs=4326,
    )
    frame.to_file(path)
    return path


def _finding(path, plot, when):
    centre = PLOTS[plot][0].centroid
    path.write_text(
        HEADER + f"{when},POINT ({centre.x:.6f} {centre.y:.6f}),city_joint,专班,林,"
        "spartina_regrowth,reported\n",
        encoding="utf-8",
    )
    return path


def _made(ws, upload_id, column, local):
    """Write when an upload was made (or withdrawn) into the upload log: the day
    it happened in the timeline, 18:00 local."""
    utc = pd.Timestamp(f"{local} 18:00", tz="Asia/Shanghai").tz_convert("UTC")
    with sqlite3.connect(ws.store_path) as connection:
        connection.execute(
            f"UPDATE uploads SET {column} = ? WHERE upload_id = ?",
            (utc.strftime("%Y-%m-%dT%H:%M:%S.000Z"), upload_id),
        )
    connection.close()


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("uploads")
    ws = Workspace.create(root / "ws", language="zh")
    steps = [
        (ws.import_file(_plots(root / "plots.geojson", "ABC"), kind="clearance"), "2024-04-12"),
        (ws.import_file(_finding(root / "r1.csv", "A", "2024-05-10 09:00")), "2024-05-12"),
        (ws.import_file(_finding(root / "r3.csv", "C", "2024-05-20 09:00")), "2024-05-25"),
        (ws.import_file(_finding(root / "r2.csv", "B", "2024-05-28 09:00")), "2024-06-02"),
    ]
    later = _plots(root / "plots-june.geojson", "AD", method_a="刈割+围淹")
    steps.append((ws.import_file(later, kind="clearance"), "2024-06-05"))
    for summary, day in steps:
        assert summary.status == "accepted", summary
        _made(ws, summary.upload_id, "uploaded_at", day)
    withdrawn = steps[2][0].upload_id
    ws.withdraw_upload(withdrawn, reason="wrong plot")
    _made(ws, withdrawn, "withdrawn_at", "2024-06-10")
    return Workspace(ws.root)


def run(ws, *args):
    result = CliRunner().invoke(main, ["-w", ws.root, *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


# Day: (plots cleared, {plot: method}, cases) as the store stood at its end.
TIMELINE = {
    "2024-04-06": ({"A", "B"}, {"A": "刈割"}, set()),
    "2024-04-30": ({"A", "B", "C"}, {"A": "刈割"}, set()),
    "2024-05-11": ({"A", "B", "C"}, {"A": "刈割"}, set()),
    "2024-05-12": ({"A", "B", "C"}, {"A": "刈割"}, {"A#1"}),
    "2024-05-31": ({"A", "B", "C"}, {"A": "刈割"}, {"A#1", "C#1"}),
    "2024-06-02": ({"A", "B", "C"}, {"A": "刈割"}, {"A#1", "B#1", "C#1"}),
    "2024-06-05": ({"A", "B", "C", "D"}, {"A": "刈割+围淹"}, {"A#1", "B#1", "C#1"}),
    "2024-06-30": ({"A", "B", "C", "D"}, {"A": "刈割+围淹"}, {"A#1", "B#1"}),
}


@pytest.mark.parametrize("day", sorted(TIMELINE))
def test_the_store_as_it_stood_counts_uploads_made_by_then(ws, day):
    cleared, methods, cases = TIMELINE[day]
    frames = ws.frames(as_of=day)
    assert set(frames.clearance["plot_id"]) == cleared
    method = frames.clearance.set_index("plot_id")["method"]
    assert {k: method[k] for k in methods} == methods
    assert set(frames.ledger["case_id"]) == cases


def test_progress_as_of_the_end_of_may_leaves_out_junes_uploads(ws):
    may = json.loads(run(ws, "progress", "--as-of", "2024-05", "--json"))["clearance"]
    june = json.loads(run(ws, "progress", "--as-of", "2024-06", "--json"))["clearance"]
    # D was cleared in May but its plot came in June; B's regrowth likewise.
    assert (may["totals"]["plots"], may["totals"]["open_cases"]) == (3, 2)
    assert (june["totals"]["plots"], june["totals"]["open_cases"]) == (4, 2)
    d_mu = ws.frames().clearance.set_index("plot_id").at["D", "area_mu"]
    gained = june["totals"]["cleared_mu"] - may["totals"]["cleared_mu"]
    assert gained == pytest.approx(d_mu, abs=1e-4)  # the figures are rounded to 4 places


def test_the_ledger_as_of_a_day_has_the_cases_uploaded_by_then(ws, tmp_path):
    run(ws, "ledger", "--as-of", "2024-05-31", "-o", tmp_path / "may.csv")
    assert sorted(pd.read_csv(tmp_path / "may.csv").iloc[:, 0]) == ["A#1", "C#1"]
    run(ws, "ledger", "--as-of", "2024-06-30", "-o", tmp_path / "june.csv")
    assert sorted(pd.read_csv(tmp_path / "june.csv").iloc[:, 0]) == ["A#1", "B#1"]


def test_the_may_report_lists_what_was_uploaded_by_the_end_of_may(ws, tmp_path):
    run(ws, "report", "--month", "2024-05", "-o", tmp_path / "may.docx")
    open_cases = docx.Document(tmp_path / "may.docx").tables[2]
    rows = [[c.text for c in row.cells] for row in open_cases.rows[1:]]
    assert sorted(r[0] for r in rows) == ["A#1", "C#1"]
    ages = {r[0]: int(r[6]) for r in rows}
    assert ages == {"A#1": 21, "C#1": 11}  # found 05-10 and 05-20, aged to 05-31


def test_the_maps_months_count_uploads_made_by_each_months_end(ws):
    """The maps' frames (every record, read once) cut day by day say what the
    as-of reads say: withdrawn and replaced rows read back once for all days."""
    whole = ws.map_data()
    for day, (cleared, methods, cases) in TIMELINE.items():
        then = whole.at(datetime.date.fromisoformat(day))
        assert set(then.clearance["plot_id"]) == cleared, day
        assert then.clearance.set_index("plot_id").at["A", "method"] == methods["A"], day
        assert set(then.ledger["case_id"]) == cases, day
    # Everything was observed by May; June's uploads bring June into the time control.
    assert periods_of(whole) == ["2024-04", "2024-05", "2024-06"]
    # The store as it is now: C's upload withdrawn, A's June version.
    assert set(whole.ledger["case_id"]) == {"A#1", "B#1"}
    assert len(whole.clearance) == 4


def test_history_until_counts_earlier_uploads_from_when_observed(ws, tmp_path):
    """An [as_of] history_until after the uploads: they are the earlier record
    entered at once, counted as of when observed (the demo's choice)."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(ws.root, copy)
    settings = copy / "hailin.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace("# history_until = 2024-12-31", "history_until = 2024-06-30"),
        encoding="utf-8",
    )
    frames = Workspace(copy).frames(as_of="2024-05-31")
    assert set(frames.clearance["plot_id"]) == {"A", "B", "C", "D"}
    assert set(frames.ledger["case_id"]) == {"A#1", "B#1", "C#1"}
    assert frames.clearance.set_index("plot_id").at["A", "method"] == "刈割+围淹"
