"""Every supported format imports with the right records and attributes."""

import hashlib
import json
import pathlib

import numpy as np
import pandas as pd
import pytest
import shapely

from tests.conftest import DATA
from tests.data.make_data import P

FORMATS = DATA / "formats"


def imported(workspace, name, **flags):
    summary = workspace.import_file(FORMATS / name, **flags)
    records = workspace.surveys().sort_values("source_row").reset_index(drop=True)
    return summary, records


def local(ts):
    return ts.tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M")


def near(geometry, point, tolerance=1e-7):
    return abs(geometry.x - point[0]) < tolerance and abs(geometry.y - point[1]) < tolerance


def test_csv_english_headers_utf8(workspace):
    summary, records = imported(workspace, "patrol_en.csv")
    assert (summary.status, summary.rows_read, summary.rows_accepted) == ("accepted", 4, 4)
    assert records["source_row"].tolist() == [2, 3, 4, 5]
    assert records["finding"].tolist() == [
        "spartina_regrowth",
        "clear",
        "spartina_new",
        "mangrove_damage",
    ]
    assert records["patrol_type"].tolist() == [
        "contractor_daily",
        "contractor_daily",
        "city_joint",
        "township_patrol",
    ]
    assert records["action"].tolist() == ["removed", "none", "reported", "reported"]
    assert records["cover_pct"].iloc[0] == 15
    assert records["observer"].iloc[0] == "Lin"
    assert local(records["observed_at"].iloc[2]) == "2023-06-02 09:00"  # 01:00Z
    assert records["notes"].iloc[2] == "<img src=x onerror=alert(1)>"
    assert near(records.geometry.iloc[0], P[0])


def test_csv_bom_chinese_headers_date_and_time_columns(workspace):
    summary, records = imported(workspace, "patrol_bom.csv")
    assert summary.rows_accepted == 3
    assert [local(t) for t in records["observed_at"]] == [
        "2023-07-01 09:30",
        "2023-07-02 14:05",
        "2023-07-03 08:00",
    ]
    assert records["finding"].tolist() == ["spartina_regrowth", "clear", "spartina_new"]
    assert records["patrol_type"].tolist() == ["contractor_daily", "township_patrol", "city_joint"]
    assert records["cover_pct"].iloc[0] == 20
    assert records["action"].tolist() == ["removed", "none", "reported"]
    assert records["notes"].iloc[0] == "堤岸东侧"


def test_csv_gbk_semicolons_chinese_dates(workspace):
    summary, records = imported(workspace, "patrol_gbk.csv")
    assert summary.rows_accepted == 3
    assert any("gb18030" in w["message"] and "';'" in w["message"] for w in summary.warnings)
    assert records["team"].tolist() == ["前岐镇巡查队", "店下镇巡查队", "佳阳乡巡查队"]
    assert [local(t) for t in records["observed_at"]] == [
        "2023-08-01 09:30",
        "2023-08-02 10:00",
        "2023-08-03 11:00",
    ]
    assert records["finding"].tolist() == ["spartina_regrowth", "clear", "seedling_harvest"]
    assert records["patch_area_m2"].iloc[0] == 12


def test_txt_gb18030_tabs(workspace):
    summary, records = imported(workspace, "patrol_gb18030.txt")
    assert summary.rows_accepted == 2
    assert records["notes"].iloc[0] == "无人机航拍 𠀀"
    assert set(records["patrol_type"]) == {"digital_monitoring"}


def test_csv_wkt_column(workspace):
    summary, records = imported(workspace, "patrol_wkt.csv")
    assert summary.rows_accepted == 2
    assert records.geometry.iloc[0].geom_type == "Polygon"
    assert records.geometry.iloc[1].geom_type == "Point"
    # Stored as drawn: the 16-sided patch around (120.3301, 27.2612), the point as written.
    written = pd.read_csv(FORMATS / "patrol_wkt.csv")["wkt"]
    polygon = shapely.from_wkt(written.iloc[0])
    assert shapely.get_coordinates(records.geometry.iloc[0]).tolist() == (
        shapely.get_coordinates(polygon).tolist()
    )
    assert len(polygon.exterior.coords) == 17
    assert (records.geometry.iloc[1].x, records.geometry.iloc[1].y) == (120.3312, 27.2304)


def test_csv_degrees_minutes_seconds(workspace):
    summary, records = imported(workspace, "patrol_dms.csv")
    assert summary.rows_accepted == 3
    assert near(records.geometry.iloc[0], (120.3301, 27.2612), 1e-6)
    assert near(records.geometry.iloc[1], (120.3312, 27.2304), 1e-6)
    assert near(records.geometry.iloc[2], (120.3795, 27.2468), 1e-9)


def test_csv_gauss_kruger_zone_prefix_surveying_order(workspace):
    summary, records = imported(workspace, "patrol_gk.csv", crs="cgcs2000")
    assert summary.rows_accepted == 3
    assert any("northings" in w["message"] for w in summary.warnings)
    for geometry, point in zip(records.geometry, P[:3], strict=True):
        assert near(geometry, point, 1e-8)


def test_csv_gcj02_is_shifted_back(workspace):
    summary, records = imported(workspace, "patrol_gcj02.csv", crs="gcj02")
    assert summary.rows_accepted == 3
    for geometry, point in zip(records.geometry, P[:3], strict=True):
        assert near(geometry, point, 1e-7)


def test_xlsx_with_title_rows_and_second_sheet(workspace):
    summary, records = imported(workspace, "patrol_title.xlsx")
    assert (summary.rows_read, summary.rows_accepted) == (3, 3)
    assert records["source_row"].tolist() == [4, 5, 7]  # Excel's own row numbers
    assert records["finding"].tolist() == ["spartina_regrowth", "clear", "spartina_removed"]
    assert records["action"].iloc[2] == "removed"
    assert json.loads(records["extra"].iloc[0]) == {"序号": 1}
    assert local(records["observed_at"].iloc[2]) == "2023-11-03 15:30"
    second, _ = imported(workspace, "patrol_title.xlsx", sheet="复查")
    assert second.rows_accepted == 1


def test_geojson_collection_3d_and_null_geometry(workspace):
    summary, records = imported(workspace, "patrol_fc.geojson")
    assert (summary.status, summary.rows_accepted, summary.rows_rejected) == ("partial", 3, 1)
    assert summary.errors == [{"row": 4, "column": "geometry", "message": "no geometry"}]
    assert records.geometry.geom_type.tolist() == ["Point", "LineString", "Polygon"]
    assert not records.geometry.has_z.any()
    rejects = workspace.rejects()
    assert rejects["source_row"].tolist() == [4]
    assert "2023-06-05T09:30:00+08:00" in rejects["raw"].iloc[0]


def test_geojson_single_feature(workspace):
    summary, records = imported(workspace, "patrol_feature.geojson")
    assert summary.rows_accepted == 1
    assert records["team"].iloc[0] == "City"


def test_gpx11_waypoints_and_track(workspace):
    summary, records = imported(workspace, "patrol_11.gpx", patrol_type="施工单位日常巡护")
    assert (summary.rows_read, summary.rows_accepted) == (4, 4)
    assert records.geometry.geom_type.tolist() == ["Point", "Point", "Point", "MultiLineString"]
    assert records["finding"].tolist() == ["spartina_regrowth", "clear", "spartina_new", "clear"]
    assert records["notes"].iloc[0] == "盖度约10%"
    assert records["cover_pct"].iloc[2] == 30
    track = records.iloc[3]
    assert len(track.geometry.geoms) == 2
    extra = json.loads(track["extra"])
    times = extra["track_point_times"].split("|")
    assert times[0] == "2023-06-06T01:00:00Z" and times[-1] == "2023-06-06T02:02:00Z"
    assert extra["ended_at"] == "2023-06-06T02:02:00Z"
    assert track["observed_at"] == pd.Timestamp("2023-06-06T01:00:00Z")


def test_gpx10(workspace):
    summary, records = imported(workspace, "patrol_10.gpx", patrol_type="township_patrol")
    assert summary.rows_accepted == 2
    assert records["finding"].tolist() == ["spartina_regrowth", "clear"]
    assert records.geometry.geom_type.tolist() == ["Point", "LineString"]


@pytest.mark.parametrize("name", ["patrol_nested.kml", "patrol_doc.kmz"])
def test_kml_and_kmz_nested_folders_extended_data(workspace, name):
    summary, records = imported(workspace, name)
    assert summary.rows_accepted == 3
    assert records.geometry.geom_type.tolist() == ["Polygon", "LineString", "Point"]
    assert records["finding"].tolist() == ["spartina_regrowth", "clear", "clear"]
    assert records["cover_pct"].iloc[0] == 25
    assert records["notes"].iloc[0] == "刈割后复萌"
    assert json.loads(records["extra"].iloc[0])["folder"] == "柯湾/2023-06"
    assert json.loads(records["extra"].iloc[1])["ended_at"] == "2023-06-08T10:00:00+08:00"
    assert set(records["patrol_type"]) == {"township_patrol"}


@pytest.mark.parametrize("name", ["patrol_shp_cpg.zip", "patrol_shp_gbk.zip", "patrol.gpkg"])
def test_shapefile_and_geopackage(workspace, name):
    summary, records = imported(workspace, name)
    assert summary.rows_accepted == 2
    assert records["finding"].tolist() == ["spartina_regrowth", "clear"]
    assert records["notes"].iloc[0] in ("柯湾北侧", "第一层")
    assert near(records.geometry.iloc[0], P[0], 1e-7)


def test_every_record_traces_to_its_upload_and_row(workspace):
    for name in ("patrol_en.csv", "patrol_nested.kml"):
        workspace.import_file(FORMATS / name)
    records = workspace.surveys()
    uploads = workspace.uploads().set_index("upload_id")
    assert records["upload_id"].isin(uploads.index).all()
    assert (
        records["record_id"]
        == records["upload_id"].str.slice(0, 16) + ":" + records["source_row"].astype(str)
    ).all()
    assert uploads["rows_accepted"].sum() == len(records)
    for upload_id, row in uploads.iterrows():
        archived = pathlib.Path(workspace.root) / row["archived_as"]
        assert hashlib.sha256(archived.read_bytes()).hexdigest() == upload_id
    assert np.unique(records["record_key"]).size == len(records)
