"""Restoration from imagery: `hailin raster cover` on two dates gives each
restoration plot's mangrove cover series, its trend and the imagery survival
estimate, in `hailin progress` and on the restoration map, beside the survival
from planting checks."""

import json
import re

import geopandas
import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.layers.text import text
from hailin.maps import MAPS
from tests.map_workspace import shown
from tests.raster_workspace import (
    ALBERS,
    CLASSES,
    cell_box,
    classified,
    seeded_workspace,
    write_classified,
)

# Z1 and Z2 (10,000 m² each): 30% and 60% mangrove in March, 50% and 80% in September.
MARCH, SEPTEMBER = "2024-03-01", "2024-09-01"


@pytest.fixture
def ws(workspace, tmp_path):
    ws = seeded_workspace(workspace, tmp_path)
    centre = geopandas.GeoSeries([cell_box(0, 10).centroid], crs=ALBERS).to_crs(4326).iloc[0]
    checks = tmp_path / "checks.csv"
    checks.write_text(
        "observed_at,lon,lat,patrol_type,finding,survival_pct\n"
        f"2024-05-01T09:00:00+08:00,{centre.x:.7f},{centre.y:.7f},township_patrol,planting_check,90\n",
        encoding="utf-8",
    )
    assert ws.import_file(checks).status == "accepted"
    return ws


def run(ws, *args):
    result = CliRunner().invoke(main, ["-w", str(ws.root), *map(str, args)])
    assert "Traceback" not in result.output
    return result


def measure_two_dates(ws, tmp_path):
    march = write_classified(tmp_path / f"uav_{MARCH}.tif", classified(mangrove=(30, 60)))
    september = write_classified(tmp_path / f"uav_{SEPTEMBER}.tif", classified(mangrove=(50, 80)))
    result = run(ws, "raster", "cover", march, september, "--classes", CLASSES, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cover_per_plot_per_date_and_the_imagery_survival(ws, tmp_path):
    out = measure_two_dates(ws, tmp_path)
    assert out["method"] == "class:mangrove"
    assert [
        (r["date"], r["plots_measured"], r["stored"], r["mean_cover_pct"]) for r in out["rasters"]
    ] == [
        (MARCH, 2, 2, 45.0),
        (SEPTEMBER, 2, 2, 65.0),
    ]
    progress = json.loads(run(ws, "progress", "--json").stdout)["restoration"]
    imagery = progress["imagery"]
    assert imagery["dates"] == [MARCH, SEPTEMBER]
    assert (imagery["plots_measured"], imagery["survival_pct"]) == (2, 65.0)
    # 20 points in 184 days
    assert imagery["trend_pct_per_year"] == round(20 / (184 / 365.25), 4)
    plots = {p["plot_id"]: p for p in imagery["plots"]}
    assert (plots["Z1"]["first_cover_pct"], plots["Z1"]["latest_cover_pct"]) == (30.0, 50.0)
    assert (plots["Z2"]["first_cover_pct"], plots["Z2"]["latest_cover_pct"]) == (60.0, 80.0)
    assert (plots["Z1"]["patrol_survival_pct"], plots["Z2"]["patrol_survival_pct"]) == (90.0, None)
    assert progress["totals"]["survival_pct"] == 90.0
    lines = run(ws, "progress").output.splitlines()
    assert lines[-1] == (
        "  from imagery: survival 65.0% (latest mangrove cover, area-weighted, 2 plots, "
        f"2 image date(s) {MARCH} to {SEPTEMBER}); cover trend +39.7 points/year (2 plots)"
    )


def test_measuring_a_raster_again_replaces_its_rows_and_withdrawing_it_removes_them(ws, tmp_path):
    measure_two_dates(ws, tmp_path)
    again = measure_two_dates(ws, tmp_path)
    assert [r["replaced"] for r in again["rasters"]] == [2, 2]
    assert len(ws.frames().cover) == 4
    september = again["rasters"][1]["upload_id"]
    withdrawn = run(ws, "uploads", "withdraw", september[:12], "--reason", "clouds", "--json")
    assert withdrawn.exit_code == 0 and json.loads(withdrawn.stdout)["cover_removed"] == 2
    imagery = json.loads(run(ws, "progress", "--json").stdout)["restoration"]["imagery"]
    assert (imagery["dates"], imagery["survival_pct"]) == ([MARCH], 45.0)


def test_the_restoration_map_shows_both_survivals(ws, tmp_path):
    measure_two_dates(ws, tmp_path)
    page = MAPS["restoration"](ws.map_data(), lang="en").get_root().render()
    lines = shown(page)
    assert f"{text('imagery_survival', 'en')}: 50% ({SEPTEMBER})" in lines
    assert f"{text('imagery_survival', 'en')}: 80% ({SEPTEMBER})" in lines
    assert f"{text('survival', 'en')}: 90%" in lines
    # the summary panel (its figures at the last month): both figures for the programme
    panel = dict(
        re.findall(r'<div>([^<:]*): <b class="hailin-value" data-row="\d+">([^<]*)</b>', page)
    )
    assert (panel[text("survival", "en")], panel[text("imagery_survival", "en")]) == (
        "90.0%",
        "65.0%",
    )
