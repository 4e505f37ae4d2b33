"""Progress figures and ledger exports, by hand and on the demo."""

import datetime
import json

import geopandas
import openpyxl
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from hailin.cli import main
from hailin.surveys.io.exports import export_ledger
from hailin.surveys.ledger.cases import LedgerRules, build_ledger, case_areas
from hailin.surveys.ledger.progress import clearance_progress, restoration_progress
from tests.office_files import read_local
from tests.scenario import PLOT, records


def _plots(rows, date_column):
    return geopandas.GeoDataFrame(
        [
            {"plot_id": p, "site": s, "township": t, date_column: d, "area_mu": a}
            for p, s, t, d, a, _g in rows
        ],
        geometry=[g for *_rest, g in rows],
        crs=4326,
    )


def test_clearance_progress_by_month_township_and_open_area():
    clearance = _plots(
        [
            ("A", "kewan", "前岐镇", datetime.date(2023, 4, 10), 10.0, PLOT),
            (
                "B",
                "kewan",
                "前岐镇",
                datetime.date(2023, 4, 30),
                20.0,
                shapely.box(120.34, 27.26, 120.341, 27.261),
            ),
            (
                "C",
                "luochun",
                "佳阳畲族乡",
                datetime.date(2023, 5, 2),
                30.0,
                shapely.box(120.38, 27.24, 120.381, 27.241),
            ),
        ],
        "cleared_on",
    )
    ledger, _patches, _detections = build_ledger(
        records(("2023-06-01T09:00+08:00", "spartina_regrowth")), clearance, LedgerRules()
    )
    progress = clearance_progress(clearance, ledger, target_mu=120)
    assert progress.by_period[
        ["month", "area_mu", "cumulative_mu", "cumulative_pct_of_target"]
    ].values.tolist() == [["2023-04", 30.0, 30.0, 25.0], ["2023-05", 30.0, 60.0, 50.0]]
    assert progress.by_township.set_index("township")["area_mu"].to_dict() == {
        "佳阳畲族乡": 30.0,
        "前岐镇": 30.0,
    }
    assert progress.totals["cleared_mu"] == 60 and progress.totals["pct_of_target"] == 50
    assert progress.totals["open_recurrence_mu"] == 10.0
    assert progress.totals["cases_by_status"] == {"open": 1, "re_cleared": 0, "verified_clear": 0}
    assert progress.extra["recurrence_plots_by_year"].values.tolist() == [["2023", 1]]
    # The JSON `hailin progress --json` prints: every figure, exactly, through a round trip.
    assert json.loads(json.dumps(progress.to_dict())) == {
        "totals": {
            "cleared_mu": 60.0,
            "cleared_ha": 4.0,
            "target_mu": 120.0,
            "pct_of_target": 50.0,
            "plots": 3,
            "first_cleared": "2023-04-10",
            "last_cleared": "2023-05-02",
            "open_recurrence_mu": 10.0,
            "recurrence_cases": 1,
            "recurrence_plots": 1,
            "cases_by_status": {"open": 1, "re_cleared": 0, "verified_clear": 0},
            "new_infestations": 0,
            "open_cases": 1,
            "open_cases_by_kind": {"recurrence": 1, "new_infestation": 0},
        },
        "by_period": [
            {
                "month": "2023-04",
                "plots": 2,
                "area_mu": 30.0,
                "cumulative_mu": 30.0,
                "cumulative_pct_of_target": 25.0,
            },
            {
                "month": "2023-05",
                "plots": 1,
                "area_mu": 30.0,
                "cumulative_mu": 60.0,
                "cumulative_pct_of_target": 50.0,
            },
        ],
        "by_site": [
            {"site": "kewan", "plots": 2, "area_mu": 30.0, "area_ha": 2.0},
            {"site": "luochun", "plots": 1, "area_mu": 30.0, "area_ha": 2.0},
        ],
        "by_township": [
            {"township": "佳阳畲族乡", "plots": 1, "area_mu": 30.0, "area_ha": 2.0},
            {"township": "前岐镇", "plots": 2, "area_mu": 30.0, "area_ha": 2.0},
        ],
        "recurrence_plots_by_year": [{"year": "2023", "recurrence_plots": 1}],
    }


def test_survival_is_the_latest_check_weighted_by_plot_area():
    small = shapely.box(120.3300, 27.2600, 120.3310, 27.2610)
    large = shapely.box(120.3400, 27.2600, 120.3410, 27.2610)
    restoration = _plots(
        [
            ("Z1", "kewan", "前岐镇", datetime.date(2023, 11, 1), 10.0, small),
            ("Z2", "kewan", "前岐镇", datetime.date(2023, 11, 5), 30.0, large),
            (
                "Z3",
                "luochun",
                "佳阳畲族乡",
                datetime.date(2024, 3, 1),
                20.0,
                shapely.box(120.38, 27.24, 120.381, 27.241),
            ),
        ],
        "planted_on",
    )
    checks = records(
        ("2024-04-01T10:00+08:00", "planting_check", (120.3305, 27.2605)),
        ("2024-10-01T10:00+08:00", "planting_check", (120.3305, 27.2605)),
        ("2024-10-01T10:00+08:00", "planting_check", (120.3405, 27.2605)),
    )
    checks["survival_pct"] = [50.0, 80.0, 60.0]  # Z1's older check (50) is superseded
    progress = restoration_progress(restoration, checks, target_mu=100)
    assert progress.totals["survival_pct"] == pytest.approx((10 * 80 + 30 * 60) / 40)
    assert progress.totals["plots_checked"] == 2
    assert progress.totals["planted_mu"] == 60 and progress.totals["pct_of_target"] == 60
    assert progress.by_period[["year", "area_mu", "cumulative_mu"]].values.tolist() == [
        ["2023", 40.0, 40.0],
        ["2024", 20.0, 60.0],
    ]
    assert pd.isna(progress.by_site.set_index("site").loc["luochun", "survival_pct"])  # unchecked


def _demo(tmp_path):
    result = CliRunner().invoke(main, ["demo", str(tmp_path / "demo")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return tmp_path / "demo"


def test_demo_progress_and_ledger_files(tmp_path):
    demo = _demo(tmp_path)
    result = CliRunner().invoke(
        main, ["-w", str(demo), "progress", "--json"], catch_exceptions=False
    )
    figures = json.loads(result.stdout)
    clearance, restoration = figures["clearance"]["totals"], figures["restoration"]["totals"]
    assert clearance["cleared_mu"] == pytest.approx(1883, abs=5)
    assert clearance["target_mu"] == 1883
    assert (clearance["first_cleared"], clearance["last_cleared"]) == ("2023-04-10", "2023-05-09")
    assert {r["township"] for r in figures["clearance"]["by_township"]} == {
        "前岐镇",
        "店下镇",
        "佳阳畲族乡",
    }
    assert {
        r["year"]: r["recurrence_plots"] for r in figures["clearance"]["recurrence_plots_by_year"]
    }["2023"] == 35
    assert restoration["planted_mu"] == pytest.approx(1070, abs=5)
    assert {r["township"] for r in figures["restoration"]["by_township"]} == {
        "前岐镇",
        "佳阳畲族乡",
    }
    assert [r["year"] for r in figures["restoration"]["by_period"]] == ["2023", "2024"]
    # Area-weighted over the latest check of each checked plot (the demo's seeded data).
    assert (restoration["plots_checked"], restoration["survival_pct"]) == (108, 87.629)
    csv = (demo / "out" / "ledger.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")
    assert "案件编号" in csv.decode("utf-8-sig").splitlines()[0]
    book = openpyxl.load_workbook(demo / "out" / "ledger.xlsx")
    sheet = book.active
    assert sheet.title == "台账"
    assert [c.value for c in sheet[1]][:3] == ["案件编号", "类型", "图斑编号"]
    # 40 recurrence cases from patrols, 4 from the demo's drone image, 2 new patches
    assert sheet.max_row - 1 == 46


def test_exports_neutralise_formulas_and_carry_geometry(tmp_path):
    clearance = geopandas.GeoDataFrame(
        {
            "plot_id": ['=HYPERLINK("x")'],
            "site": ["kewan"],
            "township": ["前岐镇"],
            "cleared_on": [datetime.date(2023, 5, 1)],
            "area_mu": [1.0],
        },
        geometry=[PLOT],
        crs=4326,
    )
    ledger, patches, _detections = build_ledger(
        records(("2023-06-01T09:00+08:00", "spartina_regrowth")), clearance, LedgerRules()
    )
    areas = case_areas(clearance, patches)
    export_ledger(ledger, areas, tmp_path / "l.xlsx", "en")
    sheet = openpyxl.load_workbook(tmp_path / "l.xlsx").active
    assert [c.value for c in sheet[1]][:3] == ["case_id", "kind", "plot_id"]
    assert sheet["C2"].value == '\'=HYPERLINK("x")'
    assert sheet["C2"].data_type == "s"
    export_ledger(ledger, areas, tmp_path / "l.csv", "zh")
    assert "'=HYPERLINK" in (tmp_path / "l.csv").read_text(encoding="utf-8-sig")
    for name in ("l.gpkg", "l.geojson"):
        export_ledger(ledger, areas, tmp_path / name)
        # A GeoPackage holds its style beside the layer (layer_styles): name the layer.
        layer = "ledger" if name.endswith(".gpkg") else None
        back = read_local(tmp_path / name, layer=layer)
        assert len(back) == 1 and back.geometry.iloc[0].equals_exact(PLOT, 1e-9)
    with pytest.raises(ValueError, match="the ledger is written as"):
        export_ledger(ledger, areas, tmp_path / "l.txt")
