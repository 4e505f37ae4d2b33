"""Exports for Chinese GIS offices, read back: Shapefiles with a GBK DBF, .cpg,
.prj and short field names; GeoPackage and GeoJSON; CGCS2000 coordinates
against pyproj; the ledger in the 台账 layout."""

import csv
import os

import geopandas
import numpy as np
import openpyxl
import pyogrio
import pyproj
import pytest
import shapely
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.area import M2_PER_MU
from hailin.surveys.errors import ExportError
from hailin.surveys.io.gis import export_layer
from hailin.surveys.io.taizhang import HEADERS
from tests.conftest import geod_area_m2
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
    cases = geopandas.read_file(tmp_path / "cases.gpkg", layer="cases")
    assert cases.crs.to_epsg() == 4528
    assert sorted(cases["case_id"]) == ["A#1", "A#2", "B#1", "C#1", "D#1", "NEW-20240620-01#1"]
    a1 = cases.set_index("case_id").loc["A#1"]
    # Local times with their offset (the workspace's zone), never read as UTC.
    assert (a1["first_detected"], a1["re_cleared_at"]) == (
        "2023-08-01 09:00+08:00",
        "2023-09-01 09:00+08:00",
    )
    ws.exports.layer("cases", tmp_path / "cases.shp", crs="4326")
    short = pyogrio.read_dataframe(tmp_path / "cases.shp").set_index("case_id")
    assert short.loc["A#1", "recleared"] == "2023-09-01 09:00+08:00"
    written = ws.exports.layer("patches", tmp_path / "patches.geojson")
    assert (written["features"], written["crs"]) == (1, 4326)
    patches = geopandas.read_file(tmp_path / "patches.geojson")
    row = patches.iloc[0]
    assert (row["patch_id"], row["township"], row["status"], row["cases"]) == (
        "NEW-20240620-01", "店下镇", "open", 1,
    )  # fmt: skip


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
        "2023-08-01", "已清除", "2023-09-01", "前岐镇",
    )  # fmt: skip
    assert a1[8:] == ("已再次清除", "复萌；案件编号 A#1；发现 2 次")
    assert sheet.cell(3, 4).number_format == "0.00"
    new_patch = rows["NEW-20240620-01"]
    assert new_patch[1] == "店下镇" and new_patch[5] == "未处理" and new_patch[6] is None


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
