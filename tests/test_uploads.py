"""Corrections: `hailin uploads list` and `hailin uploads withdraw`, and importing a
withdrawn file again with other options."""

import datetime
import hashlib
import json
import os
import pathlib

import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.area import area
from hailin.surveys.errors import UploadError
from tests.conftest import DATA
from tests.test_import_order import FILES, _write

FORMATS = DATA / "formats"
TZ = "Asia/Shanghai"


def run(ws, *args):
    return CliRunner().invoke(main, ["-w", ws.root, *map(str, args)])


def run_json(ws, *args):
    result = run(ws, *args, "--json")
    return result.exit_code, json.loads(result.stdout) if result.stdout else None, result


def rows(frame):
    """Records with every missing value as None (NaN, NaT and None alike)."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def upload_of(ws, file):
    uploads = ws.uploads()
    return uploads.loc[uploads["file"] == file, "upload_id"].iloc[0]


def test_withdraw_takes_records_and_rejects_out_and_keeps_the_raw_file(workspace):
    workspace.import_file(FORMATS / "patrol_en.csv")
    workspace.import_file(DATA / "bad" / "mixed_good_bad.csv")
    kept = sorted(workspace.surveys()["record_id"])
    mixed = upload_of(workspace, "mixed_good_bad.csv")
    assert len(workspace.surveys()) == 7
    assert sorted(workspace.rejects()["source_row"]) == [3, 5, 6]
    code, payload, result = run_json(
        workspace, "uploads", "withdraw", mixed[:8], "--reason", "wrong team"
    )
    assert code == 0, result.output
    assert (
        payload["upload_id"],
        payload["files"],
        payload["records_removed"],
        payload["rejects_removed"],
        payload["plots_removed"],
        payload["reason"],
    ) == (mixed, ["mixed_good_bad.csv"], 3, 3, 0, "wrong team")
    records = workspace.surveys()
    assert sorted(records["record_id"]) == [k for k in kept if not k.startswith(mixed[:16])]
    assert len(records) == 4
    assert set(records["upload_id"]) == {upload_of(workspace, "patrol_en.csv")}
    assert len(workspace.rejects()) == 0
    uploads = workspace.uploads().set_index("file")
    assert uploads["status"].to_dict() == {
        "patrol_en.csv": "accepted",
        "mixed_good_bad.csv": "withdrawn",
    }
    row = uploads.loc["mixed_good_bad.csv"]
    assert (row["withdrawn_reason"], row["rows_accepted"], row["rows_rejected"]) == (
        "wrong team",
        3,
        3,
    )
    assert row["withdrawn_at"] >= row["uploaded_at"]
    assert row["withdrawn_by"] == row["uploaded_by"]
    assert pd.isna(uploads.loc["patrol_en.csv", "withdrawn_at"])
    archived = os.path.join(workspace.root, row["archived_as"])
    assert hashlib.sha256(pathlib.Path(archived).read_bytes()).hexdigest() == mixed


def test_the_ledger_follows_a_withdrawal_and_flag_layers_are_recomputed(tmp_path):
    from hailin.surveys.io.layout import CASES_LAYER
    from hailin.surveys.workspace import Workspace

    paths, plots = _write(tmp_path)
    ws = Workspace.create(tmp_path / "ws")
    ws.import_file(plots, kind="clearance")
    for name in sorted(FILES):
        ws.import_file(paths[name])
    ws.flag()
    ledger, _patches = ws.ledger()
    assert ledger[["case_id", "status", "detections", "days_open"]].values.tolist() == [
        ["NEW-20230801-01#1", "open", 2, 274],
        ["P1#1", "verified_clear", 2, 9],
        ["P1#2", "open", 1, 0],
    ]
    withdrawal = ws.withdraw_upload(upload_of(ws, "c.csv"), reason="sent twice")
    assert (withdrawal.records_removed, withdrawal.recomputed) == (
        1,
        ["detections", "recurrence_cases", "new_infestations"],
    )
    ledger, patches = ws.ledger()
    # Each case's area is its plot's or its patch's (mu and ha).
    areas = {
        "P1": ws.plots("clearance").set_index("plot_id")["area_mu"]["P1"],
        "NEW-20230801-01": area(patches.set_index("patch_id").geometry)["NEW-20230801-01"],
    }
    assert ledger["area_mu"].tolist() == pytest.approx([areas[p] for p in ledger["plot_id"]])
    assert (ledger["area_ha"] * 15).tolist() == pytest.approx(ledger["area_mu"].tolist())
    assert rows(ledger.drop(columns=["area_mu", "area_ha"])) == [
        {
            "case_id": "NEW-20230801-01#1",
            "kind": "new_infestation",
            "plot_id": "NEW-20230801-01",
            "site": None,
            "township": "前岐镇",  # outside every reserve: the nearest one's township
            "cleared_on": None,
            "first_detected": pd.Timestamp("2023-08-01 09:00", tz=TZ),
            "last_detected": pd.Timestamp("2023-08-03 09:00", tz=TZ),
            "detections": 2,
            "sources": "city_joint,digital_monitoring",
            "rasters": "",
            "largest_patch_m2": None,
            "status": "open",
            "status_since": pd.Timestamp("2023-08-01 09:00", tz=TZ),
            "days_open": 2,
            "re_cleared_at": None,
            "verified_at": None,
        },
        {
            "case_id": "P1#1",
            "kind": "recurrence",
            "plot_id": "P1",
            "site": "kewan",
            "township": "前岐镇",
            "cleared_on": datetime.date(2023, 5, 1),
            "first_detected": pd.Timestamp("2023-06-01 09:00", tz=TZ),
            "last_detected": pd.Timestamp("2023-06-03 09:00", tz=TZ),
            "detections": 2,
            "sources": "city_joint,township_patrol",
            "rasters": "",
            "largest_patch_m2": None,
            "status": "verified_clear",
            "status_since": pd.Timestamp("2023-07-15 09:00", tz=TZ),
            "days_open": 9,
            "re_cleared_at": pd.Timestamp("2023-06-10 09:00", tz=TZ),
            "verified_at": pd.Timestamp("2023-07-15 09:00", tz=TZ),
        },
    ]
    with ws.store(write=False) as store:
        assert store.read(CASES_LAYER)["case_id"].tolist() == ["NEW-20230801-01#1", "P1#1"]
    # Rows a later upload skipped as already stored leave with this one: it says so.
    withdrawal = ws.withdraw_upload(upload_of(ws, "a.csv"), reason="wrong plot")
    assert withdrawal.records_removed == 4
    assert withdrawal.warnings == [
        "later uploads skipped rows as already stored (b.csv); rows they shared with this "
        "upload are gone now: withdraw and import them again to restore them"
    ]


def test_a_withdrawn_file_imports_again_with_the_right_crs(workspace):
    gcj = FORMATS / "patrol_gcj02.csv"
    code, first, _ = run_json(workspace, "import", gcj)
    assert (code, first["status"], first["rows_accepted"]) == (0, "accepted", 3)
    code, again, _ = run_json(workspace, "import", gcj, "--crs", "gcj02")
    assert (code, again["status"]) == (0, "duplicate")  # still standing: a duplicate
    wrong = workspace.surveys().geometry.iloc[0]
    code, _payload, result = run_json(
        workspace, "uploads", "withdraw", first["upload_id"], "--reason", "GCJ-02 export"
    )
    assert code == 0, result.output
    code, second, _ = run_json(workspace, "import", gcj, "--crs", "gcj02")
    assert (code, second["status"], second["rows_accepted"], second["upload_id"]) == (
        0,
        "accepted",
        3,
        first["upload_id"],
    )
    records = workspace.surveys().sort_values("source_row")
    right = [(120.3301, 27.2612), (120.3312, 27.2304), (120.3795, 27.2468)]
    for geometry, point in zip(records.geometry, right, strict=True):
        assert shapely.distance(geometry, shapely.Point(point)) < 1e-7
    assert 0.004 < shapely.distance(wrong, records.geometry.iloc[0]) < 0.007  # ~550 m
    code, listing, _ = run_json(workspace, "uploads", "list")
    assert [(u["status"], u["crs"], u["withdrawn_reason"]) for u in listing["uploads"]] == [
        ("withdrawn", None, "GCJ-02 export"),
        ("accepted", "gcj02", None),
    ]
    assert {u["upload_id"] for u in listing["uploads"]} == {first["upload_id"]}
    text = run(workspace, "uploads", "list").stdout.splitlines()
    assert "patrol_gcj02.csv  surveys  withdrawn (3 read, 3 accepted, 0 rejected)" in text[0]
    assert text[1].endswith(": GCJ-02 export") and text[1].startswith("    withdrawn ")
    assert "patrol_gcj02.csv  surveys --crs gcj02  accepted (3 read" in text[2]
    assert sorted(os.listdir(workspace.uploads_dir)) == [first["upload_id"] + ".csv"]


def test_withdrawing_a_plots_upload_takes_its_plots_out(workspace, tmp_path):
    plots = tmp_path / "plots.csv"
    plots.write_text(
        "图斑编号,除治日期,wkt\n"
        'P1,2023-05-01,"POLYGON ((120.33 27.26, 120.331 27.26, 120.331 27.261, 120.33 27.261, 120.33 27.26))"\n'
        'P2,2023-05-02,"POLYGON ((120.34 27.26, 120.341 27.26, 120.341 27.261, 120.34 27.261, 120.34 27.26))"\n',
        encoding="utf-8",
    )
    workspace.import_file(plots, kind="clearance")
    workspace.import_file(FORMATS / "patrol_en.csv")
    assert workspace.plots("clearance")["plot_id"].tolist() == ["P1", "P2"]
    result = run(
        workspace, "uploads", "withdraw", upload_of(workspace, "plots.csv"), "--reason", "x"
    )
    assert result.exit_code == 0, result.output
    assert "0 record(s), 0 rejected row(s), 2 plot(s) taken out" in result.stdout
    assert len(workspace.plots("clearance")) == 0
    assert len(workspace.surveys()) == 4
    result = run(workspace, "progress", "--json")
    assert json.loads(result.stdout)["clearance"]["totals"]["plots"] == 0


def test_uploads_list_says_what_came_when_by_whom(workspace):
    assert run(workspace, "uploads", "list").stdout == "no uploads yet\n"
    assert run_json(workspace, "uploads", "list")[1] == {"uploads": []}
    workspace.import_file(FORMATS / "patrol_en.csv")
    workspace.import_file(DATA / "bad" / "empty.csv")
    code, listing, _ = run_json(workspace, "uploads", "list")
    assert code == 0
    rows = listing["uploads"]
    assert [(u["file"], u["status"], u["rows_read"], u["rows_accepted"]) for u in rows] == [
        ("patrol_en.csv", "accepted", 4, 4),
        ("empty.csv", "rejected", 0, 0),
    ]
    assert list(rows[0]) == [
        "upload_id",
        "file",
        "kind",
        "sheet",
        "format",
        "uploaded_at",
        "uploaded_by",
        "team",
        "patrol_type",
        "crs",
        "status",
        "rows_read",
        "rows_accepted",
        "rows_rejected",
        "rows_duplicate",
        "archived_as",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawn_reason",
    ]
    # Local time with its offset, as every time handed to users.
    assert rows[0]["uploaded_by"] and rows[0]["uploaded_at"].endswith("+08:00")
    text = run(workspace, "uploads", "list").stdout.splitlines()
    assert text[0].startswith(rows[0]["upload_id"][:12])
    assert "patrol_en.csv  surveys  accepted (4 read, 4 accepted, 0 rejected)" in text[0]


def _two_files_sharing_a_prefix(folder):
    """Two valid patrol files whose sha256 share their first 8 hex digits
    (a birthday search over notes; deterministic, ~1e5 hashes)."""
    head = "时间,经度,纬度,巡查类型,发现\n2023-06-01 09:00,"
    seen = {}
    number = 0
    while True:
        text = f"{head}120.330{number:06d},27.2612,乡镇巡查,复萌\n".encode()
        prefix = hashlib.sha256(text).hexdigest()[:8]
        if prefix in seen:
            paths = []
            for name, body in (("one.csv", seen[prefix]), ("two.csv", text)):
                (folder / name).write_bytes(body)
                paths.append(folder / name)
            return prefix, paths
        seen[prefix] = text
        number += 1


def test_withdraw_refuses_ids_it_cannot_name_exactly(workspace, tmp_path):
    prefix, paths = _two_files_sharing_a_prefix(tmp_path)
    for path in paths:
        workspace.import_file(path)
    ids = sorted(workspace.uploads()["upload_id"])
    result = run(workspace, "uploads", "withdraw", prefix, "--reason", "x")
    assert result.exit_code == 2
    assert f"'{prefix}' 对应 2 个上传（{ids[0][:16]}, {ids[1][:16]}）；请多给几位" in (
        result.output
    )
    for bad, message in [
        ("abc1234", "其前 8 位以上的十六进制数字"),
        ("zzzzzzzzzz", "其前 8 位以上的十六进制数字"),
        ("0" * 64, "本工作区没有上传 '" + "0" * 64 + "'"),
    ]:
        result = run(workspace, "uploads", "withdraw", bad, "--reason", "x")
        assert (result.exit_code, message in result.output) == (2, True), result.output
    assert run(workspace, "uploads", "withdraw", ids[0]).exit_code == 2  # --reason required
    result = run(workspace, "uploads", "withdraw", ids[0], "--reason", "   ")
    assert (result.exit_code, "请说明撤回上传的原因" in result.output) == (2, True)
    assert run(workspace, "uploads", "withdraw", ids[0].upper(), "--reason", "typo").exit_code == 0
    result = run(workspace, "uploads", "withdraw", ids[0], "--reason", "again")
    assert result.exit_code == 2
    assert f"上传 {ids[0][:16]} 已经撤回" in result.output
    assert len(workspace.surveys()) == 1
    with pytest.raises(UploadError, match="withdrawn already"):
        workspace.withdraw_upload(ids[0], reason="again")
