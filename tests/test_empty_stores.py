"""Every reporting command works on every valid store: fresh, written by an older
hailin, plots only, records only, no cases, everything withdrawn."""

import csv
import json

import openpyxl
import pyogrio
import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.surveys.io.exports import HEADERS_ZH
from hailin.surveys.io.layout import REJECTS_LAYER, SURVEYS_LAYER, UPLOADS_LAYER
from hailin.surveys.ledger.cases import LEDGER_COLUMNS
from hailin.surveys.workspace import Workspace
from tests.conftest import DATA

SQUARE = "POLYGON ((120.33 27.26, 120.331 27.26, 120.331 27.261, 120.33 27.261, 120.33 27.26))"


def _fresh(ws, tmp_path):
    pass


def _older_hailin(ws, tmp_path):
    """A store as hailin wrote it before layers were made at init: sites only."""
    with ws.store() as store:
        for layer in (UPLOADS_LAYER, SURVEYS_LAYER, REJECTS_LAYER):
            store.drop_layer(layer)


def _plots(ws, tmp_path):
    (tmp_path / "c.csv").write_text(f'图斑编号,除治日期,wkt\nP1,2023-05-01,"{SQUARE}"\n', "utf-8")
    (tmp_path / "r.csv").write_text(f'图斑编号,种植日期,wkt\nR1,2023-05-01,"{SQUARE}"\n', "utf-8")
    assert ws.import_file(tmp_path / "c.csv", kind="clearance").status == "accepted"
    assert ws.import_file(tmp_path / "r.csv", kind="restoration").status == "accepted"


def _records(ws, tmp_path):
    assert ws.import_file(DATA / "formats" / "patrol_en.csv").status == "accepted"


def _no_cases(ws, tmp_path):
    (tmp_path / "c.csv").write_text(f'图斑编号,除治日期,wkt\nP1,2023-05-01,"{SQUARE}"\n', "utf-8")
    ws.import_file(tmp_path / "c.csv", kind="clearance")
    (tmp_path / "clear.csv").write_text(
        "时间,经度,纬度,巡查类型,发现\n2023-06-01 09:00,120.3305,27.2605,乡镇巡查,未见异常\n",
        "utf-8",
    )
    assert ws.import_file(tmp_path / "clear.csv").status == "accepted"


def _all_withdrawn(ws, tmp_path):
    _records(ws, tmp_path)
    ws.flag()
    ws.withdraw_upload(ws.uploads()["upload_id"].iloc[0], reason="test")


# state: (make it, clearance plots, restoration plots, records, ledger rows)
STATES = {
    "fresh": (_fresh, 0, 0, 0, 0),
    "older_hailin": (_older_hailin, 0, 0, 0, 0),
    "plots_only": (_plots, 1, 1, 0, 0),
    "records_only": (_records, 0, 0, 4, 2),
    "no_cases": (_no_cases, 1, 0, 1, 0),
    "all_withdrawn": (_all_withdrawn, 0, 0, 0, 0),
}


@pytest.fixture(params=sorted(STATES))
def state(request, tmp_path):
    make, *expected = STATES[request.param]
    ws = Workspace.create(tmp_path / "ws")
    make(ws, tmp_path)
    return ws, expected


def run(ws, *args):
    result = CliRunner().invoke(main, ["-w", ws.root, *map(str, args)])
    assert "Traceback" not in result.output
    return result


def test_progress_says_zeros_or_the_counts(state):
    ws, (clearance_plots, restoration_plots, _records, cases) = state
    result = run(ws, "progress", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    clearance, restoration = payload["clearance"]["totals"], payload["restoration"]["totals"]
    assert (clearance["plots"], restoration["plots"]) == (clearance_plots, restoration_plots)
    assert clearance["recurrence_cases"] == 0
    assert clearance["cases_by_status"] == {"open": 0, "re_cleared": 0, "verified_clear": 0}
    assert clearance["new_infestations"] == cases
    assert restoration["survival_pct"] is None and restoration["plots_checked"] == 0
    text = run(ws, "progress")
    assert text.exit_code == 0, text.output
    assert text.stdout.startswith("Clearance:")
    assert "recurrence: 0 case(s) in 0 plot(s)" in text.stdout


def test_flag_works(state):
    ws, (_c, _r, records, cases) = state
    result = run(ws, "flag", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["detections"], payload["cases"], payload["new_infestations"]) == (0, 0, cases)
    assert len(ws.surveys()) == records
    assert run(ws, "flag").exit_code == 0


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg", ".geojson"])
def test_the_ledger_has_its_header_row(state, suffix, tmp_path):
    ws, (_c, _r, _records, cases) = state
    out = tmp_path / f"ledger{suffix}"
    result = run(ws, "ledger", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{cases} case(s) written to {out}\n"
    zh = [HEADERS_ZH[c] for c in LEDGER_COLUMNS]
    # For GIS: the codes shown in words, each kept in <column>_code after it.
    coded = ("kind", "site", "sources", "status")
    fields = [f for c in LEDGER_COLUMNS for f in ((c, f"{c}_code") if c in coded else (c,))]
    if suffix == ".csv":
        with open(out, encoding="utf-8-sig", newline="") as handle:
            table = list(csv.reader(handle))
        assert (table[0], len(table) - 1) == (zh, cases)
    elif suffix == ".xlsx":
        sheet = openpyxl.load_workbook(out).active
        assert (list(next(sheet.values)), sheet.max_row - 1) == (zh, cases)
    elif suffix == ".gpkg":
        info = pyogrio.read_info(out, layer="ledger")
        assert (list(info["fields"]), info["features"]) == (fields, cases)
    else:  # GeoJSON has no schema: an empty layer is a collection without features
        collection = json.loads(out.read_text(encoding="utf-8"))
        assert (collection["type"], len(collection["features"])) == ("FeatureCollection", cases)
        for feature in collection["features"]:
            assert list(feature["properties"]) == fields


def test_the_upload_log_reads(state):
    ws, _expected = state
    result = run(ws, "uploads", "list", "--json")
    assert result.exit_code == 0, result.output
    statuses = [u["status"] for u in json.loads(result.stdout)["uploads"]]
    assert set(statuses) <= {"accepted", "withdrawn"}
