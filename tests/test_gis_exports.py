"""Exports for Chinese GIS offices, read back: Shapefiles with a GBK DBF, .cpg,
.prj and short field names; GeoPackage and GeoJSON; CGCS2000 coordinates
against pyproj; the ledger in the 台账 layout."""

import csv
import datetime
import os

import geopandas
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.area import M2_PER_MU
from hailin.surveys.errors import ExportError
from hailin.surveys.io.exports import write_taizhang
from hailin.surveys.io.gis import export_layer
from hailin.surveys.io.taizhang import HEADERS, taizhang_table
from tests.conftest import geod_area_m2
from tests.office_files import read_local
from tests.stats_workspace import CLEARANCE, build


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return build(tmp_path_factory.mktemp("exports"))


def _max_offset_m(written, source, epsg):
    """The largest distance between a written vertex and pyproj's transform of
    the stored one (rings normalised: a Shapefile winds them its own way)."""
    to_grid = pyproj.Transformer.from_crs(4326, epsg, always_xy=True)
    expected = shapely.transform(
        np.asarray(source.geometry.values, dtype=object),
        lambda xy: np.column_stack(to_grid.transform(xy[:, 0], xy[:, 1])),
    )
    got = shapely.get_coordinates(
        shapely.normalize(np.asarray(written.geometry.values, dtype=object))
    )
    want = shapely.get_coordinates(shapely.normalize(expected))
    assert got.shape == want.shape
    return float(np.max(np.hypot(*(got - want).T)))


def test_plots_as_a_gbk_shapefile_in_the_gauss_kruger_zone(ws, tmp_path):
    path = tmp_path / "除治图斑.shp"
    result = CliRunner().invoke(
        main, ["-w", ws.root, "export", "plots", "--kind", "clearance", "--crs", "gk3", "-o", path]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"4 feature(s) written to {path} (EPSG:4528)"
    assert result.output.splitlines()[2] == f"  QGIS style: {tmp_path / '除治图斑.qml'}"
    stem = tmp_path / "除治图斑"
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        assert os.path.isfile(f"{stem}{suffix}"), suffix
    assert (tmp_path / "除治图斑.cpg").read_text() == "GBK"
    dbf = (tmp_path / "除治图斑.dbf").read_bytes()
    # GBK bytes in the DBF, as ArcGIS and QGIS read it with the .cpg.
    assert "前岐镇".encode("gbk") in dbf and "刈割+围淹".encode("gbk") in dbf
    assert "前岐镇".encode() not in dbf
    prj = pyproj.CRS((tmp_path / "除治图斑.prj").read_text())
    assert prj.to_epsg(min_confidence=50) == 4528
    fields = pyogrio.read_info(path)["fields"].tolist()
    assert all(len(f.encode("gbk")) <= 10 for f in fields)
    assert "decl_mu" in fields and "cleared_on" in fields
    back = pyogrio.read_dataframe(path)
    plots = ws.plots("clearance")
    assert back["township"].tolist() == plots["township"].tolist()
    assert back["method"].tolist() == ["刈割+围淹", "药剂", "刈割+围淹", "刈割+翻耕"]
    reference = [round(geod_area_m2(v[0]) / M2_PER_MU, 2) for v in CLEARANCE.values()]
    assert back["area_mu"].tolist() == pytest.approx(reference, abs=0.0051)
    assert _max_offset_m(back, plots, 4528) < 0.001
    with open(tmp_path / "除治图斑_fields.csv", encoding="utf-8-sig", newline="") as handle:
        mapping = list(csv.reader(handle))
    assert mapping[0] == ["field", "column", "header_zh"]
    assert ["decl_mu", "declared_area_mu", "申报面积(亩)"] in mapping
    assert ["area_mu", "area_mu", "面积(亩)"] in mapping


def test_the_zone_without_its_prefix_and_cgcs2000_geographic(ws, tmp_path):
    plain = ws.exports.layer("plots", tmp_path / "p.shp", crs="gk3-noprefix", kind="restoration")
    assert plain["crs"] == 4549
    back = pyogrio.read_dataframe(tmp_path / "p.shp")
    plots = ws.plots("restoration")
    assert _max_offset_m(back, plots, 4549) < 0.001
    assert back["funding"].tolist() == ["公益基金", "财政资金", "公益基金"]
    geographic = ws.exports.layer("plots", tmp_path / "p.gpkg", crs="4490", kind="restoration")
    assert geographic["crs"] == 4490
    back = geopandas.read_file(tmp_path / "p.gpkg", layer="restoration_plots")
    assert back.crs.to_epsg() == 4490
    assert back["species"].tolist() == ["秋茄", "白骨壤", "秋茄"]


def test_cases_and_patches_round_trip(ws, tmp_path):
    ws.exports.layer("cases", tmp_path / "cases.gpkg", crs="gk3")
    cases = read_local(tmp_path / "cases.gpkg", layer="cases")
    assert cases.crs.to_epsg() == 4528
    assert sorted(cases["case_id"]) == ["A#1", "A#2", "B#1", "C#1", "D#1", "NEW-20240620-01#1"]
    a1 = cases.set_index("case_id").loc["A#1"]
    assert (a1["first_detected"], a1["re_cleared_at"]) == (
        pd.Timestamp("2023-08-01 09:00+08:00"), pd.Timestamp("2023-09-01 09:00+08:00"),
    )  # fmt: skip
    ws.exports.layer("cases", tmp_path / "cases.shp", crs="4326")
    short = pyogrio.read_dataframe(tmp_path / "cases.shp").set_index("case_id")
    assert short.loc["A#1", "recleared"] == pd.Timestamp("2023-09-01")
    written = ws.exports.layer("patches", tmp_path / "patches.geojson")
    assert (written["features"], written["crs"]) == (1, 4326)
    patches = geopandas.read_file(tmp_path / "patches.geojson")
    row = patches.iloc[0]
    assert (row["patch_id"], row["township"], row["status_code"], row["cases"]) == (
        "NEW-20240620-01", "店下镇", "open", 1,
    )  # fmt: skip
    assert row["status"] == "recurrence open"  # the workspace is in English


def test_characters_gbk_cannot_hold_are_replaced_and_counted(tmp_path):
    frame = geopandas.GeoDataFrame(
        {"notes": ["红树🌿", "好"], "a_very_long_name_1": [1, 2], "a_very_long_name_2": [3, 4]},
        geometry=[shapely.Point(120.3, 27.2)] * 2,
        crs=4326,
    )
    written = export_layer(frame, tmp_path / "n.shp")
    assert written["replaced"] == 1
    assert written["fields"] == {
        "notes": "notes", "a_very_long_name_1": "a_very_lon", "a_very_long_name_2": "a_very_l_2",
    }  # fmt: skip
    assert pyogrio.read_dataframe(tmp_path / "n.shp")["notes"].tolist() == ["红树?", "好"]
    with pytest.raises(ExportError, match="layers are written as"):
        export_layer(frame, tmp_path / "n.kml")


def test_the_ledger_in_the_taizhang_layout(ws, tmp_path):
    path = tmp_path / "台账.xlsx"
    result = CliRunner().invoke(
        main, ["-w", ws.root, "export", "ledger", "--lang", "zh", "-o", path]
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"6 case(s) written to {path}\n"
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value.startswith("互花米草除治台账（截至 ")
    assert "A1:J1" in [str(r) for r in sheet.merged_cells.ranges]
    assert [c.value for c in sheet[2]] == HEADERS["zh"]
    assert sheet.freeze_panes == "A3"
    assert sheet.print_title_rows == "$2:$2"
    assert sheet.page_setup.orientation == "landscape"
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    rows = {row[2]: row for row in sheet.iter_rows(min_row=3, values_only=True) if row[2] != "D"}
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == [1, 2, 3, 4, 5, 6]
    a1 = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if "A#1" in r[9])
    assert a1[1:8] == (
        "前岐镇/柯湾红树林保护小区", "A", round(geod_area_m2(CLEARANCE["A"][0]) / M2_PER_MU, 2),
        datetime.datetime(2023, 8, 1), "刈割+围淹；复萌再次清除", datetime.datetime(2023, 9, 1),
        "前岐镇",
    )  # fmt: skip
    assert a1[8:] == ("已再次清除", "复萌；案件编号 A#1；发现 2 次")
    assert sheet.cell(3, 4).number_format == "0.00"
    # Real date cells, shown as days, and an autofilter over the header and every case.
    assert sheet.cell(3, 5).is_date and sheet.cell(3, 5).number_format == "yyyy-mm-dd"
    assert sheet.auto_filter.ref == "A2:J8"
    # The open case on D: its plot's method, nothing done yet.
    d = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[2] == "D")
    assert (d[5], d[6]) == ("刈割+翻耕", None)
    new_patch = rows["NEW-20240620-01"]
    assert new_patch[1] == "店下镇" and new_patch[5] is None and new_patch[6] is None


def test_taizhang_rows_are_as_high_as_their_wrapped_text(tmp_path):
    table = pd.DataFrame(
        [
            [1, "前岐镇", "P1", 1.0, None, "", None, "海林", "", ""],
            [2, "前岐镇", "P2", 1.0, None, "", None, "海林生态修复工程有限公司第三施工队项目部", "",
             "复萌；案件编号 P2#1；发现 3 次；" * 3],
        ],
        columns=HEADERS["zh"],
    )  # fmt: skip
    path = write_taizhang(table, tmp_path / "t.xlsx", as_of=datetime.date(2024, 5, 31))
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "互花米草除治台账（截至 2024-05-31）"
    # One line of 11-point text is 15 pt; 备注 (78 width units in a column of 36) takes 3 lines.
    assert sheet.row_dimensions[3].height == 19
    assert sheet.row_dimensions[4].height == 3 * 15 + 4
    for row in (3, 4):
        for column in (8, 10):
            assert sheet.cell(row, column).alignment.wrap_text


def test_the_chinese_ledger_has_areas_and_new_patches_their_township(ws, tmp_path):
    path = tmp_path / "ledger.csv"
    result = CliRunner().invoke(main, ["-w", ws.root, "ledger", "--lang", "zh", "-o", path])
    assert result.exit_code == 0, result.output
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = {row["案件编号"]: row for row in csv.DictReader(handle)}
    a_mu = geod_area_m2(CLEARANCE["A"][0]) / M2_PER_MU
    assert rows["A#1"]["面积(亩)"] == f"{a_mu:.2f}"
    assert rows["A#1"]["面积(公顷)"] == f"{a_mu / 15:.4f}"
    # Outside every reserve: the township of the nearest one (Xuncheng, 店下镇).
    assert rows["NEW-20240620-01#1"]["乡镇"] == "店下镇"


def test_taizhang_measures_are_the_method_and_the_action_taken():
    times = pd.to_datetime(["2024-05-01 09:00", "2024-05-02 09:00"]).tz_localize("Asia/Shanghai")
    ledger = pd.DataFrame(
        {
            "case_id": ["P1#1", "NEW-1#1"], "kind": ["recurrence", "new_infestation"],
            "plot_id": ["P1", "NEW-1"], "site": ["kewan", None], "township": ["前岐镇", "店下镇"],
            "area_mu": [1.0, 2.0], "detections": [1, 1], "status": ["open", "re_cleared"],
            "first_detected": times, "re_cleared_at": [pd.NaT, times[1]],
            "verified_at": [pd.NaT, pd.NaT],
        }
    )  # fmt: skip
    clearance = pd.DataFrame({"plot_id": ["P1"], "method": ["刈割+围淹"], "contractor": [None]})
    zh = taizhang_table(ledger, clearance, None)
    assert zh["处置措施"].tolist() == ["刈割+围淹", "新发图斑清除"]
    assert zh["处置时间"].tolist() == [None, datetime.date(2024, 5, 2)]
    en = taizhang_table(ledger, clearance, None, "en")
    assert en["Action"].tolist() == ["刈割+围淹", "new patch removed"]
