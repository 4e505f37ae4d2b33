"""`hailin raster stats` and `hailin raster detect` on a workspace with
hand-made rasters (tests/raster_workspace.py): the figures per plot, the
detections stored, and the ledger rows they make."""

import csv
import json
import os

import geopandas
import pandas as pd
import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.surveys.io.layout import SURVEYS_LAYER
from tests.office_files import layer_styles
from tests.raster_workspace import CLASSES, classified, seeded_workspace, write_classified


@pytest.fixture
def ws(workspace, tmp_path):
    return seeded_workspace(workspace, tmp_path)


def run(ws, *args):
    result = CliRunner().invoke(main, ["-w", str(ws.root), *map(str, args)])
    assert "Traceback" not in result.output
    return result


def ledger_rows(ws, tmp_path):
    path = tmp_path / "ledger.csv"
    assert run(ws, "ledger", "-o", path, "--lang", "en").exit_code == 0
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_stats_of_a_classified_raster_per_clearance_plot(ws, tmp_path, hailin_json):
    path = write_classified(tmp_path / "uav_20240815.tif")
    code, out = hailin_json(ws, "raster", "stats", path, "--classes", CLASSES)
    assert code == 0
    assert (out["mode"], out["plots"], out["measured"], out["outside"]) == ("classes", 4, 3, 1)
    assert out["raster"]["date"] == "2024-08-15"
    rows = {row["plot_id"]: row for row in out["rows"]}
    assert [round(rows[p]["spartina_m2"], 3) for p in "ABC"] == [600.0, 400.0, 1000.0]
    assert [round(rows[p]["mudflat_m2"], 3) for p in "ABC"] == [9400.0, 9600.0, 9000.0]
    assert round(rows["A"]["spartina_fraction"], 9) == 0.06
    assert rows["D"]["covered_fraction"] == 0 and rows["D"]["spartina_m2"] is None


def test_stats_of_restoration_plots_written_as_csv_xlsx_and_gpkg(ws, tmp_path):
    path = write_classified(tmp_path / "uav.tif")
    for suffix in ("csv", "xlsx", "gpkg"):
        out = tmp_path / f"stats.{suffix}"
        result = run(
            ws, "raster", "stats", path, "--kind", "restoration", "--classes", CLASSES, "-o", out
        )
        assert result.exit_code == 0, result.output
        assert f"per-plot table written to {out}" in result.output
    table = pd.read_csv(tmp_path / "stats.csv", encoding="utf-8-sig")
    assert table["plot_id"].tolist() == ["Z1", "Z2"]
    assert table["mangrove_m2"].tolist() == [3000.0, 6000.0]
    assert pd.read_excel(tmp_path / "stats.xlsx")["mangrove_fraction"].tolist() == [0.3, 0.6]
    spatial = geopandas.read_file(tmp_path / "stats.gpkg", layer="raster_stats")
    assert "raster_stats" in layer_styles(tmp_path / "stats.gpkg")  # QGIS opens it styled
    assert spatial["plot_id"].tolist() == ["Z1", "Z2"] and spatial.crs.to_epsg() == 4326


def test_class_names_from_hailin_toml(ws, tmp_path, hailin_json):
    settings = os.path.join(ws.root, "hailin.toml")
    with open(settings, encoding="utf-8") as handle:
        text = handle.read()
    text = text.replace('# classes = "1=mangrove,2=spartina', 'classes = "1=mangrove,2=reed')
    with open(settings, "w", encoding="utf-8") as handle:
        handle.write(text)
    path = write_classified(tmp_path / "uav.tif")
    from hailin.surveys.workspace import Workspace

    code, out = hailin_json(Workspace(ws.root), "raster", "stats", path)
    assert code == 0
    assert round(out["rows"][0]["reed_m2"], 3) == 600.0


def test_bad_rasters_are_exit_4_with_a_message(ws, tmp_path):
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"II*\x00not a tiff at all")
    result = run(ws, "raster", "stats", junk)
    assert result.exit_code == 4
    assert "junk.tif：不是 GDAL 能读取的栅格" in result.output
    result = run(ws, "raster", "stats", tmp_path / "missing.tif")
    assert result.exit_code == 4 and "文件不存在" in result.output
    # metre coordinates under a .prj-style WGS84 declaration
    lying = write_classified(tmp_path / "lying.tif", crs="EPSG:4326")
    result = run(ws, "raster", "stats", lying)
    assert result.exit_code == 4 and "不可能是度，但影像声明的是地理坐标系" in result.output


def test_detect_stores_regrowth_in_cleared_plots_and_the_ledger_shows_the_raster(ws, tmp_path):
    path = write_classified(tmp_path / "uav_20240815.tif")
    result = run(ws, "raster", "detect", path, "--classes", CLASSES, "--min-area", 500, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    (raster,) = out["rasters"]
    # A: 600 m² passes; B: 400 m² is under --min-area; C was cleared after the
    # image; D is outside the raster.
    assert raster["found"] == [{"plot_id": "A", "area_m2": 600.0, "fraction": 0.06}]
    assert (raster["date"], raster["stored"], raster["plots_measured"]) == ("2024-08-15", 1, 2)
    (row,) = ledger_rows(ws, tmp_path)
    assert row == {
        "case_id": "A#1",
        "kind": "recurrence",
        "plot_id": "A",
        "site": "",  # the grid lies beside the reserve's strip, not in it
        "township": "",
        "cleared_on": "2023-04-12",
        "first_detected": "2024-08-15 12:00+08:00",
        "last_detected": "2024-08-15 12:00+08:00",
        "detections": "1",
        "sources": "digital_monitoring",
        "rasters": "uav_20240815.tif",
        "largest_patch_m2": "600.0",
        "area_mu": "15.0",  # the 100 m square plot
        "area_ha": "1.0",
        "status": "open",
        "status_since": "2024-08-15 12:00+08:00",
        "days_open": "0",  # as of the last record
        "re_cleared_at": "",
        "verified_at": "",
    }
    records = geopandas.read_file(ws.store_path, layer=SURVEYS_LAYER)
    (record,) = records[records["patrol_type"] == "digital_monitoring"].itertuples()
    extra = json.loads(record.extra)
    assert (extra["raster"], extra["date"], extra["plot_id"]) == (
        "uav_20240815.tif",
        "2024-08-15",
        "A",
    )
    assert extra["sha256"] == raster["upload_id"] and len(extra["sha256"]) == 64
    # the centre of A's six Spartina pixels (the first row's six) lies in A
    assert record.geometry.within(ws.plots("clearance").set_index("plot_id").geometry["A"])


def test_detect_again_adds_nothing_and_withdrawing_the_raster_takes_it_out(ws, tmp_path):
    path = write_classified(tmp_path / "uav_20240815.tif")
    first = json.loads(run(ws, "raster", "detect", path, "--classes", CLASSES, "--json").stdout)
    assert first["detections_stored"] == 2  # A and B with the default 50 m²
    again = json.loads(run(ws, "raster", "detect", path, "--classes", CLASSES, "--json").stdout)
    assert (again["detections_stored"], again["already_stored"]) == (0, 2)
    assert [row["plot_id"] for row in ledger_rows(ws, tmp_path)] == ["A", "B"]
    upload = first["rasters"][0]["upload_id"]
    assert run(ws, "uploads", "withdraw", upload[:12], "--reason", "misclassified").exit_code == 0
    assert ledger_rows(ws, tmp_path) == []


def test_detect_takes_dates_from_names_and_refuses_what_it_cannot_date(ws, tmp_path):
    early = write_classified(tmp_path / "uav_2023-04-01.tif")  # before every clearance
    late = write_classified(tmp_path / "uav_20240902.tif", classified(spartina_a=7))
    result = run(ws, "raster", "detect", early, late, "--classes", CLASSES, "--json")
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)["rasters"]
    assert [(r["date"], [f["plot_id"] for f in r["found"]]) for r in runs] == [
        ("2023-04-01", []),
        ("2024-09-02", ["A", "B", "C"]),
    ]
    result = run(ws, "raster", "detect", early, late, "--date", "2024-08-15")
    assert result.exit_code == 2 and "--date 只指定一幅影像的日期" in result.output
    undated = write_classified(tmp_path / "uav.tif")
    result = run(ws, "raster", "detect", undated, "--classes", CLASSES)
    assert result.exit_code == 4 and "请用 --date YYYY-MM-DD 指定" in result.output
    result = run(
        ws,
        "raster",
        "detect",
        undated,
        "--classes",
        CLASSES,
        "--class",
        "reed",
        "--date",
        "2024-08-15",
    )
    assert result.exit_code == 4 and "没有名为 'reed' 的类别" in result.output
    assert [row["plot_id"] for row in ledger_rows(ws, tmp_path)] == ["A", "B", "C"]


def test_stats_detect_and_cover_on_a_local_dask_cluster_give_the_same(
    ws, tmp_path, hailin_json, monkeypatch
):
    path = write_classified(tmp_path / "uav_20240815.tif")
    stats = [
        hailin_json(ws, "raster", "stats", path, "--classes", CLASSES, *extra)
        for extra in ((), ("--scheduler", "local:1"))
    ]
    assert stats[0][0] == stats[1][0] == 0
    assert stats[1][1] == stats[0][1]
    assert [round(r["spartina_m2"] or 0, 3) for r in stats[1][1]["rows"]] == [600, 400, 1000, 0]
    detect = run(
        ws, "raster", "detect", path, "--classes", CLASSES, "--scheduler", "local:1", "--json"
    )
    assert detect.exit_code == 0, detect.output
    found = json.loads(detect.stdout)["rasters"][0]["found"]
    assert [(f["plot_id"], f["area_m2"]) for f in found] == [("A", 600.0), ("B", 400.0)]
    assert [row["plot_id"] for row in ledger_rows(ws, tmp_path)] == ["A", "B"]
    covers = [
        hailin_json(ws, "raster", "cover", path, "--classes", CLASSES, *extra)
        for extra in ((), ("--scheduler", "local:1"))
    ]
    (plain,), (spread,) = (c[1]["rasters"] for c in covers)
    assert (plain["plots_measured"], plain["mean_cover_pct"]) == (2, 45.0)
    assert (spread["plots_measured"], spread["mean_cover_pct"], spread["replaced"]) == (2, 45.0, 2)
    progress = [hailin_json(ws, "progress", *extra) for extra in ((), ("--scheduler", "local:1"))]
    assert progress[1] == progress[0]
    assert progress[1][1]["restoration"]["imagery"]["plots_measured"] == 2
    # A relative path is opened by the workers as an absolute one.
    monkeypatch.chdir(tmp_path)
    relative = hailin_json(
        ws, "raster", "stats", "uav_20240815.tif", "--classes", CLASSES, "--scheduler", "local:1"
    )
    assert relative[1]["rows"] == stats[0][1]["rows"]


def test_a_dataset_export_keeps_the_raster_behind_each_detection(ws, tmp_path):
    path = write_classified(tmp_path / "uav_20240815.tif")
    assert run(ws, "raster", "detect", path, "--classes", CLASSES).exit_code == 0
    folder = tmp_path / "dataset"
    assert run(ws, "dataset", "export", folder).exit_code == 0
    ledgers = {}
    for name, root in (("workspace", ws.root), ("dataset", folder)):
        out = tmp_path / f"{name}.csv"
        result = CliRunner().invoke(
            main, ["-w", str(root), "ledger", "-o", str(out), "--lang", "en"]
        )
        assert result.exit_code == 0, result.output
        with open(out, encoding="utf-8-sig", newline="") as handle:
            ledgers[name] = list(csv.DictReader(handle))
    assert [(r["plot_id"], r["rasters"]) for r in ledgers["dataset"]] == [
        ("A", "uav_20240815.tif"),
        ("B", "uav_20240815.tif"),
    ]
    assert ledgers["dataset"] == ledgers["workspace"]
