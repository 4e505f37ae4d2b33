"""The store's invariants: every row stored has a usable geometry, a plausible
time and known codes; everything else is a reject naming row and column, the
good rows of the same file are stored, and every report still works."""

import json
import logging
import os
import pathlib

import geopandas
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.area import area
from hailin.geo.gcj02 import wgs84_to_gcj02
from hailin.geo.sites import load_sites
from hailin.surveys.check.invariants import enforce_invariants
from hailin.surveys.check.options import ImportOptions
from hailin.surveys.check.problems import Problems
from hailin.surveys.check.records import normalize
from hailin.surveys.io.raw import RawTable
from tests.conftest import DATA

HEADER = "observed_at,lon,lat,patrol_type,finding,cover_pct,patch_area_m2"
GOOD = "2023-06-01T09:30:00+08:00,120.3301,27.2612,contractor_daily,spartina_regrowth,15,4"
WKT_HEADER = "observed_at,wkt,patrol_type,finding"
WKT_GOOD = "2023-06-01T09:30:00+08:00,POINT (120.3301 27.2612),contractor_daily,clear"
INTERNAL = "hailin could not check this row (internal error: {}); details in the workspace log"

BOWTIE = shapely.Polygon(
    [(120.3300, 27.2600), (120.3310, 27.2606), (120.3310, 27.2600), (120.3300, 27.2606)]
)
COLLAPSED = shapely.Polygon([(120.3300, 27.2600), (120.3305, 27.2603), (120.3310, 27.2606)])
PLOT = shapely.box(120.3315, 27.2590, 120.3322, 27.2597)  # inside the Kewan demo site


def row(time="2023-06-01T10:00:00+08:00", lon="120.3312", lat="27.2304", cover="", area=""):
    return f"{time},{lon},{lat},township_patrol,clear,{cover},{area}"


def wkt_row(wkt):
    return f'2023-06-01T10:00:00+08:00,"{wkt}",township_patrol,clear'


# name: (lines after the header, header, (row, column) of the reject, message)
POISON = {
    "inf_lon.csv": ([GOOD, row(lon="inf")], HEADER, (3, "lon"), "coordinate 'inf'"),
    "minus_inf_lat.csv": ([GOOD, row(lat="-inf")], HEADER, (3, "lat"), "coordinate '-inf'"),
    "overflow_lon.csv": ([GOOD, row(lon="1e400")], HEADER, (3, "lon"), "coordinate '1e400'"),
    "year_1.csv": (
        [GOOD, row(time="0001-01-01")],
        HEADER,
        (3, "observed_at"),
        "date/time is before 1990-01-01 (0001-01-01)",
    ),
    "year_9999.csv": (
        [GOOD, row(time="9999-12-31")],
        HEADER,
        (3, "observed_at"),
        "date/time is in the future (9999-12-31)",
    ),
    "year_9999_offset.csv": (
        [GOOD, row(time="9999-12-31T23:59:59+08:00")],
        HEADER,
        (3, "observed_at"),
        "date/time is in the future (9999-12-31T23:59:59+08:00)",
    ),
    "year_1_slashes.csv": (
        [GOOD, row(time="1/1/0001 10:00")],
        HEADER,
        (3, "observed_at"),
        "date/time is before 1990-01-01 (1/1/0001 10:00)",
    ),
    "before_1990.csv": (
        [GOOD, row(time="1989-12-31 23:59")],
        HEADER,
        (3, "observed_at"),
        "date/time is before 1990-01-01 (1989-12-31 23:59)",
    ),
    "inf_cover.csv": ([GOOD, row(cover="inf")], HEADER, (3, "cover_pct"), "not a number: 'inf'"),
    "inf_area.csv": (
        [GOOD, row(area="inf")],
        HEADER,
        (3, "patch_area_m2"),
        "not a number: 'inf'",
    ),
    "polygon_empty.csv": (
        [WKT_GOOD, wkt_row("POLYGON EMPTY")],
        WKT_HEADER,
        (3, "wkt"),
        "empty geometry",
    ),
    "point_empty.csv": (
        [WKT_GOOD, wkt_row("POINT EMPTY")],
        WKT_HEADER,
        (3, "wkt"),
        "empty geometry",
    ),
    "blank_wkt.csv": ([WKT_GOOD, wkt_row("")], WKT_HEADER, (3, "wkt"), "no geometry"),
    "wkt_inf.csv": (
        [WKT_GOOD, wkt_row("POINT (inf 27.26)")],
        WKT_HEADER,
        (3, "wkt"),
        "coordinates are not finite numbers (inf, 27.26)",
    ),
    "wkt_nan.csv": (
        [WKT_GOOD, wkt_row("LINESTRING (120.33 27.26, nan 27.26)")],
        WKT_HEADER,
        (3, "wkt"),
        "coordinates are not finite numbers (nan, 27.26)",
    ),
    "wkt_off_globe.csv": (
        [WKT_GOOD, wkt_row("POINT (200.5 27.26)")],
        WKT_HEADER,
        (3, "wkt"),
        "coordinates out of range (longitude -180..180, latitude -90..90)",
    ),
    "nested_wkt.csv": (
        [WKT_GOOD, wkt_row("GEOMETRYCOLLECTION (" * 40 + "POINT (120.33 27.26)" + ")" * 40)],
        WKT_HEADER,
        (3, "wkt"),
        "WKT nested 41 deep (limit 32)",
    ),
    "collapsed_polygon.csv": (
        [WKT_GOOD, wkt_row(COLLAPSED.wkt)],
        WKT_HEADER,
        (3, "wkt"),
        "invalid polygon (Self-intersection[120.3305 27.2603]); repairing it leaves no area",
    ),
}


def test_deeply_nested_wkt_is_refused_before_geos_parses_it():
    # GEOS parses WKT recursively: 100,000 levels kill the process, not just the row.
    deep = "GEOMETRYCOLLECTION (" * 100_000 + "POINT (120.3301 27.2612)" + ")" * 100_000
    parts = ", ".join(
        f"(({120.33 + i * 1e-4:.4f} 27.26, {120.33 + i * 1e-4:.4f} 27.2601, "
        f"{120.33005 + i * 1e-4:.5f} 27.26, {120.33 + i * 1e-4:.4f} 27.26))"
        for i in range(40)
    )
    frame = pd.DataFrame(
        {
            "时间": ["2023-06-01 09:00", "2023-06-01 09:01", "2023-06-01 09:02"],
            "wkt": [deep, "MULTIPOLYGON (" + parts + ")", "POINT (120.3301 27.2612)"],
            "巡查类型": ["乡镇巡查"] * 3,
            "发现": ["未见异常"] * 3,
        }
    )
    result = normalize(RawTable(frame, np.array([2, 3, 4])), ImportOptions(), file="deep.csv")
    assert result.records["source_row"].tolist() == [3, 4]
    assert result.records.geometry.iloc[0].geom_type == "MultiPolygon"
    assert shapely.equals(
        result.records.geometry.iloc[0], shapely.from_wkt("MULTIPOLYGON (" + parts + ")")
    )
    assert len(result.records.geometry.iloc[0].geoms) == 40
    assert result.rejects[["source_row", "column", "reason"]].values.tolist() == [
        [2, "wkt", "WKT nested 100001 deep (limit 32)"]
    ]


def test_a_coordinate_with_a_long_run_of_spaces_is_refused_at_once():
    import time

    from hailin.surveys.check.parsing import parse_coordinates

    # The DMS pattern took 60 s on 2,000 spaces; a generous bound catches a hang.
    started = time.monotonic()
    values, unreadable = parse_coordinates(["1" + " " * 2000 + "x", "120 18 45.2 E"])
    assert time.monotonic() - started < 30
    assert unreadable.tolist() == [True, False]
    assert values[1] == pytest.approx(120.312556, abs=1e-6)


@pytest.fixture
def seeded(workspace):
    """A workspace holding the four records of patrol_en.csv (one of them a
    regrowth finding, so the ledger has a case)."""
    assert workspace.import_file(DATA / "formats" / "patrol_en.csv").rows_accepted == 4
    return workspace


def reports_work(ws):
    """flag, ledger and progress all run on the store (they used to crash)."""
    _detections, ledger, _patches = ws.flag()
    ws.ledger()
    clearance, restoration = ws.progress()
    return ledger, clearance, restoration


@pytest.mark.parametrize("name", sorted(POISON))
def test_poison_row_is_rejected_and_the_good_row_stored(name, seeded, tmp_path, hailin_json):
    lines, header, where, message = POISON[name]
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    code, summary = hailin_json(seeded, "import", path)
    assert (code, summary["status"]) == (3, "partial"), summary
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (2, 1, 1)
    [error] = summary["errors"]
    assert (error["row"], error["column"]) == where
    assert message in error["message"]
    assert len(seeded.surveys()) == 5
    stored = seeded.rejects()
    assert stored.loc[stored["upload_id"] == summary["upload_id"], "source_row"].tolist() == [3]
    reports_work(seeded)


def test_every_stored_row_keeps_the_invariants_after_all_the_poison(seeded, tmp_path):
    for name, (lines, header, _where, _message) in POISON.items():
        path = tmp_path / name
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        seeded.import_file(path)
    records = seeded.surveys()
    assert len(records) == 4 + 2  # GOOD and WKT_GOOD, each stored once
    geometries = np.asarray(records.geometry.values)
    assert not shapely.is_empty(geometries).any()
    assert shapely.is_valid(geometries).all()
    xy = shapely.get_coordinates(geometries)
    assert np.isfinite(xy).all()
    assert (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()
    assert (
        records["observed_at"]
        .between(pd.Timestamp("1990-01-01", tz="Asia/Shanghai"), pd.Timestamp.now(tz="UTC"))
        .all()
    )
    ledger, _clearance, _restoration = reports_work(seeded)
    # The poison leaves the good rows' two new-infestation cases, nothing else.
    assert ledger["case_id"].tolist() == ["NEW-20230601-01#1", "NEW-20230602-01#1"]


def test_dates_in_an_excel_workbook_beyond_what_pandas_holds(seeded, tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["时间", "经度", "纬度", "巡查类型", "发现"])
    sheet.append(["2023-06-01 09:00", 120.3301, 27.2612, "乡镇巡查", "未见异常"])
    sheet.append(["0001-01-01", 120.3301, 27.2612, "乡镇巡查", "未见异常"])
    sheet.append(["9999-12-31 23:59:59", 120.3301, 27.2612, "乡镇巡查", "未见异常"])
    workbook.save(tmp_path / "dates.xlsx")
    summary = seeded.import_file(tmp_path / "dates.xlsx")
    assert (summary.rows_accepted, summary.rows_rejected) == (1, 2)
    assert [(e["row"], e["column"]) for e in summary.errors] == [(3, "时间"), (4, "时间")]
    assert "before 1990-01-01" in summary.errors[0]["message"]
    assert "in the future" in summary.errors[1]["message"]
    reports_work(seeded)


# -- polygons: repaired and reported, or refused -----------------------------------------
def test_self_intersecting_survey_polygon_is_repaired_and_reported(seeded, tmp_path):
    path = tmp_path / "bowtie.csv"
    path.write_text(
        "\n".join(
            [
                WKT_HEADER,
                WKT_GOOD,
                f'2023-06-02T10:00:00+08:00,"{BOWTIE.wkt}",township_patrol,spartina_regrowth',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    summary = seeded.import_file(path)
    assert (summary.status, summary.rows_accepted, summary.rows_rejected) == ("accepted", 2, 0)
    repaired = shapely.make_valid(BOWTIE, method="structure")
    after = area(repaired, unit="m2")
    [warning] = [w for w in summary.warnings if "repaired" in w["message"]]
    assert (warning["row"], warning["column"]) == (3, "wkt")
    assert warning["message"] == (
        "invalid polygon (Self-intersection[120.3305 27.2603]) repaired: area as drawn "
        f"0.0 m² (0.00 mu), after repair {after:,.1f} m² ({after / (10000 / 15):,.2f} mu)"
    )
    mine = seeded.surveys().query("upload_id == @summary.upload_id")
    stored = mine.set_index("source_row").loc[3, "geometry"]
    assert stored.geom_type == "MultiPolygon"
    assert shapely.equals(stored, repaired)
    reports_work(seeded)


def write_plots(path, rows):
    frame = geopandas.GeoDataFrame(
        [{k: v for k, v in r.items() if k != "geometry"} for r in rows],
        geometry=[r["geometry"] for r in rows],
        crs=4326,
    )
    frame.to_file(path)
    return path


def test_self_intersecting_plot_is_repaired_and_the_others_stored(seeded, tmp_path, hailin_json):
    path = write_plots(
        tmp_path / "plots.geojson",
        [
            {"图斑编号": "CC-1", "除治日期": "2023-04-12", "geometry": PLOT},
            {"图斑编号": "CC-2", "除治日期": "2023-04-12", "geometry": BOWTIE},
            {"图斑编号": "CC-3", "除治日期": "2023-04-13", "geometry": COLLAPSED},
        ],
    )
    code, summary = hailin_json(seeded, "plots", "import", path, "--kind", "clearance")
    assert (code, summary["status"], summary["rows_accepted"], summary["rows_rejected"]) == (
        3,
        "partial",
        2,
        1,
    )
    [error] = summary["errors"]
    assert (error["row"], error["column"]) == (3, "geometry")
    assert error["message"] == (
        "invalid polygon (Self-intersection[120.3305 27.2603]); repairing it leaves no area"
    )
    repaired = shapely.make_valid(BOWTIE, method="structure")
    mu = area(repaired, unit="mu")
    [warning] = [w for w in summary["warnings"] if "repaired" in w["message"]]
    assert (warning["row"], warning["column"]) == (2, "geometry")
    assert "area as drawn 0.0 m² (0.00 mu)" in warning["message"]
    assert f"after repair {mu * 10000 / 15:,.1f} m² ({mu:,.2f} mu)" in warning["message"]
    plots = seeded.plots("clearance").set_index("plot_id")
    assert plots.index.tolist() == ["CC-1", "CC-2"]
    assert plots.loc["CC-2", "area_mu"] == pytest.approx(mu, rel=1e-9)
    assert plots.loc["CC-2", "site"] == "kewan"
    assert shapely.equals(plots.loc["CC-2", "geometry"], repaired)
    _ledger, clearance, _restoration = reports_work(seeded)
    assert clearance.totals["cleared_mu"] == pytest.approx(area(PLOT, unit="mu") + mu, rel=1e-6)


# -- one row's unexpected error rejects that row ---------------------------------------
def dms_file(path, latitudes):
    lines = ["时间,经度,纬度,巡查类型,发现"]
    for i, latitude in enumerate(latitudes):
        when = f"2023-06-{1 + i // 50:02d} {8 + i % 50 // 6:02d}:{i % 6 * 10:02d}"
        lines.append(f"{when},120°19'48.4\",{latitude},乡镇巡查,未见异常")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


POISONED = "27°15'40.3\"N"


@pytest.fixture
def poisoned_parser(monkeypatch):
    """parse_dms meets a value it was never meant to see: a hailin bug for one value."""
    import hailin.surveys.check.parsing

    real = hailin.surveys.check.parsing.parse_dms

    def parse_dms(text):
        if text == POISONED:
            raise TypeError("a value the parser was never meant to see")
        return real(text)

    monkeypatch.setattr(hailin.surveys.check.parsing, "parse_dms", parse_dms)


def test_an_unexpected_error_rejects_only_its_row(
    seeded, tmp_path, poisoned_parser, caplog, hailin_json
):
    path = dms_file(
        tmp_path / "dms.csv",
        ["27°15'40.1\"N", "27°15'40.2\"N", POISONED, "27°15'40.4\"N", "27°15'40.5\"N"],
    )
    with caplog.at_level(logging.ERROR, logger="hailin.surveys"):
        code, summary = hailin_json(seeded, "import", path)
    assert (code, summary["status"]) == (3, "partial")
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (5, 4, 1)
    assert summary["errors"] == [
        {"row": 4, "column": None, "message": INTERNAL.format("TypeError")}
    ]
    mine = seeded.surveys().query("upload_id == @summary['upload_id']")
    assert sorted(mine["source_row"]) == [2, 3, 5, 6]
    assert mine.geometry.y.round(6).tolist() == pytest.approx(
        [27.261139, 27.261167, 27.261222, 27.26125], abs=1e-6
    )
    logged = [r for r in caplog.records if r.name.startswith("hailin.surveys") and r.exc_info]
    assert any("row 4" in r.getMessage() and r.exc_info[0] is TypeError for r in logged), (
        caplog.records
    )
    reject = seeded.rejects().query("upload_id == @summary['upload_id']").iloc[0]
    assert json.loads(reject["raw"])["纬度"] == POISONED
    reports_work(seeded)


def test_several_poisoned_rows_in_a_longer_file(seeded, tmp_path, poisoned_parser):
    latitudes = [f"27°15'{10 + i // 10}.{i % 10}\"N" for i in range(200)]
    latitudes[17] = latitudes[150] = POISONED
    summary = seeded.import_file(dms_file(tmp_path / "long.csv", latitudes[:24]))
    assert (summary.rows_accepted, summary.rows_rejected) == (23, 1)
    assert [e["row"] for e in summary.errors] == [19]
    dms_file(tmp_path / "longer.csv", latitudes)
    summary = seeded.import_file(tmp_path / "longer.csv")
    assert (summary.rows_read, summary.rows_rejected) == (200, 2)
    assert [e["row"] for e in summary.errors] == [19, 152]
    assert {e["message"] for e in summary.errors} == {INTERNAL.format("TypeError")}


def test_an_error_every_row_raises_is_the_files(tmp_path, poisoned_parser):
    frame = pd.DataFrame(
        {
            "时间": ["2023-06-01 09:00", "2023-06-01 10:00"],
            "经度": ["120.33", "120.33"],
            "纬度": [POISONED, POISONED],
            "巡查类型": ["乡镇巡查", "乡镇巡查"],
            "发现": ["未见异常", "未见异常"],
        }
    )
    with pytest.raises(TypeError, match="never meant to see"):
        normalize(RawTable(frame, np.array([2, 3])), ImportOptions(), file="all.csv")


def test_an_unexpected_error_in_a_plots_file_rejects_only_its_row(seeded, tmp_path, monkeypatch):
    import hailin.surveys.check.plots

    real = hailin.surveys.check.plots._match_site

    def match_site(value, lookup):
        if value == "坏名字":
            raise KeyError(value)
        return real(value, lookup)

    monkeypatch.setattr(hailin.surveys.check.plots, "_match_site", match_site)
    path = write_plots(
        tmp_path / "plots.geojson",
        [
            {"图斑编号": "CC-1", "保护区": "柯湾", "除治日期": "2023-04-12", "geometry": PLOT},
            {"图斑编号": "CC-2", "保护区": "坏名字", "除治日期": "2023-04-12", "geometry": PLOT},
        ],
    )
    summary = seeded.import_file(path, kind="clearance")
    assert (summary.status, summary.rows_accepted, summary.rows_rejected) == ("partial", 1, 1)
    assert summary.errors == [{"row": 2, "column": None, "message": INTERNAL.format("KeyError")}]
    assert seeded.plots("clearance")["plot_id"].tolist() == ["CC-1"]
    reports_work(seeded)


def test_the_last_guard_refuses_unknown_codes_and_missing_geometry():
    problems = Problems(3)
    geometries = np.array([shapely.Point(120.33, 27.26), None, shapely.Point(120.33, 27.26)])
    observed = pd.Series(pd.to_datetime(["2023-06-01"] * 3, utc=True))
    enforce_invariants(
        problems,
        geometries,
        observed,
        ImportOptions().time_window(),
        {"finding": ["clear", "clear", "复萌"], "action": ["none", "none", "none"]},
        {"geometry": "wkt", "time": "时间", "finding": "发现"},
    )
    assert problems.frame().values.tolist() == [
        [1, "wkt", "no geometry"],
        [2, "发现", "finding code 复萌 is not known"],
    ]


# -- the plausible window is a setting ----------------------------------------------------
def test_the_date_window_comes_from_hailin_toml(workspace, tmp_path):
    toml = pathlib.Path(workspace.settings_path)
    settings = toml.read_text(encoding="utf-8")
    settings = settings.replace("earliest_date = 1990-01-01", "earliest_date = 2023-06-01")
    settings = settings.replace("# latest_date = 2030-12-31", "latest_date = 2023-06-30")
    toml.write_text(settings, encoding="utf-8")
    ws = type(workspace)(workspace.root)
    path = tmp_path / "window.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                row(time="2023-05-31 23:59"),
                row(time="2023-06-01 00:00"),
                row(time="2023-06-30 23:59"),
                row(time="2023-07-01 00:00"),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    summary = ws.import_file(path)
    assert (summary.rows_accepted, summary.rows_rejected) == (2, 2)
    assert summary.errors == [
        {
            "row": 2,
            "column": "observed_at",
            "message": "date/time is before 2023-06-01 (2023-05-31 23:59)",
        },
        {
            "row": 5,
            "column": "observed_at",
            "message": "date/time is after 2023-06-30 (2023-07-01 00:00)",
        },
    ]


# -- GCJ-02 coordinates imported as WGS84 -----------------------------------------------
def grid_points(inside_as_read, outside_as_gcj02, count):
    """GCJ-02 coordinates of grid points over the demo sites: those that lie
    well inside (20 m) a site, read as WGS84 or not, and well outside every
    site when their GCJ-02 coordinates are read as WGS84, or not."""
    sites = shapely.union_all(np.asarray(load_sites().geometry.values))
    xs, ys = np.meshgrid(np.arange(120.30, 120.40, 0.001), np.arange(27.21, 27.28, 0.001))
    lon, lat = xs.ravel(), ys.ravel()
    gx, gy = wgs84_to_gcj02(lon, lat)
    inside = shapely.within(shapely.buffer(shapely.points(lon, lat), 0.0002), sites)
    outside = ~shapely.intersects(shapely.buffer(shapely.points(gx, gy), 0.0002), sites)
    fit = (inside == inside_as_read) & (outside == outside_as_gcj02)
    assert fit.sum() >= count
    return gx[fit][:count], gy[fit][:count]


def points_that_leave_the_sites_in_gcj02(count):
    """GCJ-02 coordinates of points inside a site that lie outside every site as read."""
    return grid_points(True, True, count)


def gcj02_file(path, lon, lat):
    lines = ["时间,经度,纬度,巡查类型,发现"]
    for i, (x, y) in enumerate(zip(lon, lat, strict=True)):
        lines.append(f"2023-06-01 {9 + i:02d}:00,{x:.7f},{y:.7f},乡镇巡查,未见异常")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


HINT = (
    "{} of {} points lie outside every site but inside one when read as GCJ-02 "
    "(Gaode/Tencent map coordinates, about 550 m off); if the file comes from such a "
    "map, import it with --crs gcj02"
)


def test_points_that_fit_the_sites_only_as_gcj02_get_a_hint(workspace, tmp_path, hailin_json):
    lon, lat = points_that_leave_the_sites_in_gcj02(5)
    path = gcj02_file(tmp_path / "gaode.csv", lon, lat)
    code, summary = hailin_json(workspace, "import", path, "--dry-run")
    assert code == 0
    hints = [w for w in summary["warnings"] if "GCJ-02" in w["message"]]
    assert hints == [{"row": None, "column": "经度/纬度", "message": HINT.format(5, 5)}]
    code, summary = hailin_json(workspace, "import", path, "--crs", "gcj02")
    assert code == 0
    assert not [w for w in summary["warnings"] if "GCJ-02" in w["message"]]
    records = workspace.surveys()
    assert shapely.within(
        np.asarray(records.geometry.values), shapely.union_all(load_sites().geometry.values)
    ).all()


def test_no_gcj02_hint_for_points_inside_the_sites_or_mostly_so(workspace, tmp_path):
    summary = workspace.import_file(DATA / "formats" / "patrol_en.csv", dry_run=True)
    assert not [w for w in summary.warnings if "GCJ-02" in w["message"]]
    lon, lat = points_that_leave_the_sites_in_gcj02(2)
    # Points whose GCJ-02 coordinates, read as WGS84, still lie inside a site.
    inside_lon, inside_lat = grid_points(True, False, 3)
    inside = shapely.points(inside_lon, inside_lat)
    assert shapely.within(inside, shapely.union_all(load_sites().geometry.values)).all()
    path = gcj02_file(tmp_path / "mixed.csv", [*lon, *inside_lon], [*lat, *inside_lat])
    summary = workspace.import_file(path, dry_run=True)
    assert not [w for w in summary.warnings if "GCJ-02" in w["message"]]


# -- hailin area checks coordinates as import does ---------------------------------------
def run_area(*args):
    result = CliRunner().invoke(main, ["area", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


KEWAN_PLOT = shapely.box(120.30, 27.20, 120.31, 27.21)


def test_area_of_a_shapefile_without_prj_in_metres_needs_crs(tmp_path):
    frame = geopandas.GeoDataFrame({"n": [1]}, geometry=[KEWAN_PLOT], crs=4326).to_crs(4549)
    frame.to_file(tmp_path / "plots.shp")
    os.remove(tmp_path / "plots.prj")
    code, out, err = run_area(tmp_path / "plots.shp")
    assert (code, out) == (4, "")
    assert err == (
        "hailin: error: plots.shp: has no coordinate reference system (.prj missing?) and "
        "its coordinates look like metres (easting up to 530714), not degrees; give the CRS "
        "with --crs, e.g. --crs cgcs2000:gk3:cm120\n"
    )
    code, out, err = run_area(tmp_path / "plots.shp", "--crs", "cgcs2000:gk3:cm120", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["crs"] == "EPSG:4549"
    assert payload["total"]["mu"] == pytest.approx(area(KEWAN_PLOT, unit="mu"), rel=1e-6)
    assert round(payload["total"]["mu"], 1) == 1646.7


def test_area_with_a_wrong_crs_says_so(tmp_path):
    frame = geopandas.GeoDataFrame({"n": [1]}, geometry=[KEWAN_PLOT], crs=4326).to_crs(4549)
    frame.to_file(tmp_path / "plots.gpkg")
    code, _out, err = run_area(tmp_path / "plots.gpkg", "--crs", "wgs84")
    assert code == 4
    assert "coordinates look like metres (easting up to 530714)" in err
    assert "--crs cgcs2000:gk3:cm120" in err
    code, _out, err = run_area(tmp_path / "plots.gpkg", "--crs", "no-such-crs")
    assert code == 2
    assert "unknown coordinate reference system 'no-such-crs'" in err


@pytest.mark.parametrize(
    ("corner", "message"),
    [
        ((float("inf"), 27.2), "feature 2: coordinates are not finite numbers (inf, 27.2)"),
        (("nan", 27.2), "feature 2: coordinates are not finite numbers (nan, 27.2)"),
        (
            (190.0, 27.2),
            "feature 2: coordinates out of range (longitude -180..180, latitude -90..90)",
        ),
    ],
)
def test_area_refuses_coordinates_it_cannot_measure(tmp_path, corner, message):
    with np.errstate(invalid="ignore"):  # NaN in WKT is what this test is about
        bad = shapely.from_wkt(
            f"POLYGON ((120.3 27.2, {corner[0]} {corner[1]}, 120.31 27.21, 120.3 27.2))"
        )
    frame = geopandas.GeoDataFrame({"n": [1, 2]}, geometry=[KEWAN_PLOT, bad], crs=4326)
    frame.to_file(tmp_path / "bad.gpkg")
    code, out, err = run_area(tmp_path / "bad.gpkg")
    assert (code, out) == (4, "")
    assert err == f"hailin: error: bad.gpkg: {message} (features counted from 1)\n"


def test_area_reports_a_repaired_polygon(tmp_path):
    geopandas.GeoDataFrame({"n": [1]}, geometry=[BOWTIE], crs=4326).to_file(tmp_path / "b.geojson")
    code, out, err = run_area(tmp_path / "b.geojson", "--json")
    assert code == 0
    repaired = shapely.make_valid(BOWTIE, method="structure")
    assert json.loads(out)["total"]["m2"] == pytest.approx(area(repaired, unit="m2"), abs=1e-3)
    assert "invalid polygon(s) repaired before measuring" in err


def test_rows_refused_by_the_reader_are_rejects_of_a_plots_file(workspace):
    wkt = PLOT.wkt
    path = pathlib.Path(workspace.root) / "plots.csv"
    path.write_text(
        f'plot_id,cleared_on,wkt\nP1,2023-05-01,"{wkt}"\nP2,2023-05-01,"{wkt}",extra,cells\n',
        encoding="utf-8",
    )
    summary = workspace.import_file(path, kind="clearance")
    assert (summary.status, summary.rows_read, summary.rows_accepted) == ("partial", 2, 1)
    assert [(e["row"], e["message"]) for e in summary.errors] == [
        (3, "has 5 fields, the header has 3")
    ]
    assert workspace.plots("clearance")["plot_id"].tolist() == ["P1"]


def test_a_file_whose_every_row_the_reader_refused_keeps_each_reason(workspace):
    path = pathlib.Path(workspace.root) / "ragged.csv"
    path.write_text(HEADER + "\n" + GOOD + ",1,2\n" + GOOD + ",3\n", encoding="utf-8")
    summary = workspace.import_file(path)
    assert (summary.status, summary.rows_read, summary.rows_rejected) == ("rejected", 2, 2)
    assert [(e["row"], e["message"]) for e in summary.errors] == [
        (2, "has 9 fields, the header has 7"),
        (3, "has 8 fields, the header has 7"),
    ]
    assert len(workspace.rejects()) == 2


def test_a_missing_column_message_lists_twenty_of_the_columns_found(workspace):
    path = pathlib.Path(workspace.root) / "wide.csv"
    header = ",".join(f"c{i}" for i in range(900))
    path.write_text(header + "\n" + ",".join("1" * 900) + "\n", encoding="utf-8")
    summary = workspace.import_file(path)
    listed = ", ".join(f"c{i}" for i in range(20))
    assert summary.errors[0]["message"].endswith(f"found: {listed} and 880 more")
