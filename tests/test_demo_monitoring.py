"""The demo's digital monitoring: its rasters (written by code) give
detections in the ledger, survival from imagery and overlays on the maps."""

import csv
import json
import re

import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.demo import build_demo
from hailin.demo_rasters import SPARTINA_PLOTS


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws, outputs = build_demo(tmp_path_factory.mktemp("demo") / "demo", lang="en")
    return ws, outputs


def test_the_demo_detects_regrowth_from_the_drone_image(demo):
    ws, outputs = demo
    assert outputs["raster detect kewan_classes_20240815.tif"] == (
        f"{SPARTINA_PLOTS} detection(s) of Spartina regrowth in 90 cleared plots"
    )
    with open(f"{ws.out_dir}/ledger.csv", encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["rasters"]]
    assert sorted(r["plot_id"] for r in rows) == [
        "CC-KW-021",
        "CC-KW-033",
        "CC-KW-043",
        "CC-KW-061",
    ]
    assert {(r["rasters"], r["sources"], r["first_detected"]) for r in rows} == {
        ("kewan_classes_20240815.tif", "digital_monitoring", "2024-08-15 12:00+08:00")
    }


def test_the_demo_measures_cover_on_two_dates(demo):
    ws, outputs = demo
    assert outputs["raster cover ndvi_2023-11-15.tif"].endswith("of 121 restoration plots")
    assert outputs["raster cover ndvi_2024-09-15.tif"].endswith("of 139 restoration plots")
    result = CliRunner().invoke(main, ["-w", ws.root, "progress", "--json"])
    imagery = json.loads(result.stdout)["restoration"]["imagery"]
    assert imagery["dates"] == ["2023-11-15", "2024-09-15"]
    # 139 measured on the later image; 108 of them planted by then count (the demo plants
    # over 2023 and 2024 since the maps merge).
    assert imagery["plots_measured"] == 108 and imagery["plots_with_trend"] > 0
    assert (
        0
        < imagery["survival_pct"]
        < json.loads(result.stdout)["restoration"]["totals"]["survival_pct"]
    )


def test_the_demo_maps_carry_the_rasters(demo):
    ws, _outputs = demo
    overlays = {}
    for name in ("clearance", "restoration", "overview"):
        with open(f"{ws.out_dir}/{name}.html", encoding="utf-8") as handle:
            overlays[name] = len(re.findall(r"L\.imageOverlay\(", handle.read()))
    assert overlays == {"clearance": 1, "restoration": 1, "overview": 0}
