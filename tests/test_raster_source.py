"""Raster records say whose they are and where they came from (the programme's
digital monitoring and the raster, not the machine's login), and a class raster
stored as float32 is read by the classes named for it."""

import geopandas
import pytest

from hailin.surveys.io.layout import SURVEYS_LAYER, UPLOADS_LAYER
from hailin.surveys.io.store import Store
from tests.raster_workspace import CLASSES, classified, seeded_workspace, write_classified
from tests.test_raster_commands import run


@pytest.fixture
def ws(workspace, tmp_path):
    return seeded_workspace(workspace, tmp_path)


def _raster_rows(ws):
    records = geopandas.read_file(ws.store_path, layer=SURVEYS_LAYER)
    records = records[records["patrol_type"] == "digital_monitoring"]
    with Store.open(ws.store_path, write=False) as store:
        uploads = store.read(UPLOADS_LAYER)
    return records, uploads[uploads["patrol_type"] == "digital_monitoring"]


def test_detect_stores_its_team_as_digital_monitoring_and_the_raster_as_the_source(ws, tmp_path):
    path = write_classified(tmp_path / "uav_20240815.tif")
    result = run(ws, "raster", "detect", path, "--classes", CLASSES, "--min-area", 500)
    assert result.exit_code == 0, result.output
    records, uploads = _raster_rows(ws)
    assert records[["team", "notes"]].to_numpy().tolist() == [["数字化监测", "uav_20240815.tif"]]
    assert uploads["team"].tolist() == ["数字化监测"]
    other = write_classified(tmp_path / "uav_20240816.tif", classified(spartina_a=8))
    result = run(ws, "raster", "detect", other, "--classes", CLASSES, "--team", "无人机组")
    assert result.exit_code == 0, result.output
    records, uploads = _raster_rows(ws)
    assert records.groupby("notes")["team"].unique().map(list).to_dict() == {
        "uav_20240815.tif": ["数字化监测"], "uav_20240816.tif": ["无人机组"],
    }  # fmt: skip
    assert sorted(uploads["team"]) == ["数字化监测", "无人机组"]


def test_a_class_raster_stored_as_float_honours_classes(ws, tmp_path, hailin_json):
    path = write_classified(tmp_path / "uav_20240815.tif", classified().astype("float32"))
    code, out = hailin_json(ws, "raster", "stats", path, "--classes", CLASSES)
    assert code == 0
    assert out["mode"] == "classes"
    rows = {row["plot_id"]: row for row in out["rows"]}
    assert [round(rows[p]["spartina_m2"], 3) for p in "ABC"] == [600.0, 400.0, 1000.0]
    # Without classes named for it, a float raster is an index: its values' statistics.
    code, out = hailin_json(ws, "raster", "stats", path)
    assert (code, out["mode"]) == (0, "values")
    # The map draws it in its classes' colours, not a ramp.
    name, overlay = ws.rasters.overlay(path, classes=CLASSES)
    assert name == "uav_20240815.tif"
    assert [label for label, _colour in overlay.legend][:2] == ["mangrove", "spartina"]
