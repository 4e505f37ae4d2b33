"""Plot imports: polygons, ids, dates, computed areas, and what is reported."""

import datetime
import json
import zipfile

import geopandas
import pandas as pd
import pytest
import shapely

from hailin.geo.area import area
from tests.conftest import DATA


def write_plots(path, rows, crs=4326):
    frame = geopandas.GeoDataFrame(
        [{k: v for k, v in r.items() if k != "geometry"} for r in rows],
        geometry=[r["geometry"] for r in rows],
        crs=4326,
    )
    frame.to_crs(crs).to_file(path)
    return path


KEWAN = shapely.box(120.3300, 27.2600, 120.3310, 27.2606)  # inside the Kewan demo site
KEWAN_2 = shapely.box(120.3315, 27.2590, 120.3322, 27.2597)
OVERLAPPING = shapely.box(120.3305, 27.2600, 120.3312, 27.2606)
AWAY = shapely.box(120.3600, 27.2000, 120.3610, 27.2006)  # in the bay, outside every site


def test_clearance_plots_with_chinese_headers(workspace, tmp_path, hailin_json):
    mu = area(KEWAN, unit="mu")
    path = write_plots(
        tmp_path / "plots.geojson",
        [
            {
                "图斑编号": "CC-1",
                "除治日期": "2023-04-12",
                "除治方式": "刈割+围淹",
                "施工单位": "甲公司",
                "面积": round(mu, 2),
                "geometry": KEWAN,
            },
            {
                "图斑编号": "CC-2",
                "除治日期": "2023/4/15",
                "除治方式": "药剂",
                "施工单位": "乙公司",
                "面积": round(area(KEWAN_2, unit="mu") * 1.3, 2),
                "geometry": KEWAN_2,
            },
            {
                "图斑编号": "CC-3",
                "除治日期": "2023-04-20",
                "除治方式": "刈割+翻耕",
                "施工单位": "乙公司",
                "面积": None,
                "geometry": OVERLAPPING,
            },
            {
                "图斑编号": "CC-4",
                "除治日期": "2023-04-21",
                "除治方式": "刈割+翻耕",
                "施工单位": "乙公司",
                "面积": None,
                "geometry": AWAY,
            },
            {
                "图斑编号": "CC-1",
                "除治日期": "2023-04-22",
                "除治方式": "药剂",
                "施工单位": "丙公司",
                "面积": None,
                "geometry": KEWAN_2,
            },
            {
                "图斑编号": "CC-6",
                "除治日期": "someday",
                "除治方式": "药剂",
                "施工单位": "丙公司",
                "面积": None,
                "geometry": KEWAN_2,
            },
        ],
    )
    code, summary = hailin_json(workspace, "plots", "import", path, "--kind", "clearance")
    assert (code, summary["status"], summary["rows_accepted"], summary["rows_rejected"]) == (
        3,
        "partial",
        4,
        2,
    )
    assert [(e["row"], e["column"]) for e in summary["errors"]] == [
        (5, "图斑编号"),
        (6, "除治日期"),
    ]
    assert "plot id 'CC-1' first given at row 1" in summary["errors"][0]["message"]
    messages = [w["message"] for w in summary["warnings"]]
    assert any("plot CC-2: declared" in m and "30% apart" in m for m in messages)
    assert not any("plot CC-1: declared" in m for m in messages)
    assert any("plot CC-4 lies outside every site" in m for m in messages)
    assert any("clearance plots CC-1 and CC-3 overlap by" in m for m in messages)
    plots = workspace.plots("clearance").set_index("plot_id")
    assert plots.loc["CC-1", "area_mu"] == pytest.approx(mu, rel=1e-9)
    assert plots.loc["CC-1", "area_ha"] == pytest.approx(mu / 15, rel=1e-9)
    assert plots.loc["CC-1", "cleared_on"] == datetime.date(2023, 4, 12)
    assert plots.loc["CC-2", "cleared_on"] == datetime.date(2023, 4, 15)
    assert plots.loc["CC-1", "site"] == "kewan" and plots.loc["CC-1", "township"] == "前岐镇"
    assert pd.isna(plots.loc["CC-4", "site"])
    assert plots.loc["CC-1", "method"] == "刈割+围淹"


def test_reimporting_a_plot_id_replaces_it(workspace, tmp_path):
    write_plots(
        tmp_path / "v1.geojson",
        [{"plot_id": "CC-1", "cleared_on": "2023-04-12", "geometry": KEWAN}],
    )
    write_plots(
        tmp_path / "v2.geojson",
        [{"plot_id": "CC-1", "cleared_on": "2023-04-14", "geometry": KEWAN_2}],
    )
    assert workspace.import_file(tmp_path / "v1.geojson", kind="clearance").rows_accepted == 1
    summary = workspace.import_file(tmp_path / "v2.geojson", kind="clearance")
    assert (summary.rows_accepted, summary.rows_updated) == (1, 1)
    plots = workspace.plots("clearance")
    assert plots["plot_id"].tolist() == ["CC-1"]
    assert plots["cleared_on"].tolist() == [datetime.date(2023, 4, 14)]


def test_restoration_plots_from_a_zipped_gauss_kruger_shapefile(workspace, tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    write_plots(
        folder / "plots.shp",
        [
            {
                "plot_id": "ZZ-1",
                "planted_on": "2023-11-02",
                "species": "秋茄",
                "funding": "公益基金",
                "area": 99.0,
                "geometry": KEWAN,
            },
        ],
        crs=4549,
    )
    with zipfile.ZipFile(tmp_path / "plots.zip", "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    summary = workspace.import_file(tmp_path / "plots.zip", kind="restoration")
    assert summary.rows_accepted == 1
    assert any("declared 99.00 mu" in w["message"] for w in summary.warnings)
    plot = workspace.plots("restoration").iloc[0]
    assert (plot.plot_id, plot.species, plot.funding, plot.planted_on) == (
        "ZZ-1",
        "秋茄",
        "公益基金",
        datetime.date(2023, 11, 2),
    )
    assert plot.area_mu == pytest.approx(area(KEWAN, unit="mu"), rel=1e-6)
    assert shapely.hausdorff_distance(plot.geometry, KEWAN) < 1e-7


def test_points_are_not_plots(workspace, tmp_path, hailin_json):
    path = DATA / "formats" / "patrol_en.csv"
    code, summary = hailin_json(workspace, "plots", "import", path, "--kind", "restoration")
    assert code == 4
    assert (
        "missing required column(s): 图斑编号 / 地块编号 (plot id)"
        in summary["errors"][0]["message"]
    )
    write_plots(
        tmp_path / "pts.geojson",
        [{"plot_id": "X", "date": "2023-01-01", "geometry": shapely.Point(120.33, 27.26)}],
    )
    code, summary = hailin_json(
        workspace, "plots", "import", tmp_path / "pts.geojson", "--kind", "clearance"
    )
    assert code == 4
    assert summary["errors"][0]["message"] == "a plot must be a polygon, got Point"


def test_extra_columns_are_kept(workspace, tmp_path):
    write_plots(
        tmp_path / "p.geojson",
        [{"plot_id": "CC-9", "cleared_on": "2023-04-12", "监理": "王工", "geometry": KEWAN}],
    )
    workspace.import_file(tmp_path / "p.geojson", kind="clearance")
    assert json.loads(workspace.plots("clearance")["extra"].iloc[0]) == {"监理": "王工"}


def test_a_geojson_feature_id_does_not_stand_for_the_plot_id(workspace, tmp_path):
    """geopandas and QGIS write each feature's "id": the plot id is 图斑编号."""
    frame = geopandas.GeoDataFrame(
        {"图斑编号": ["CC-7", "CC-8"], "除治日期": ["2023-04-12", "2023-04-13"]},
        geometry=[KEWAN, KEWAN_2],
        crs=4326,
    )
    path = tmp_path / "with-ids.geojson"
    path.write_text(frame.to_json(), encoding="utf-8")  # features carry "id": "0", "1"
    summary = workspace.import_file(path, kind="clearance")
    assert summary.status == "accepted"
    assert workspace.plots("clearance")["plot_id"].tolist() == ["CC-7", "CC-8"]
