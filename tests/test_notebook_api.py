"""The notebook API: `import hailin`, layers read on access, areas with ids,
the gdf.hailin accessor, and one count of open cases in every output."""

import json

import geopandas
import numpy as np
import pyproj
import pytest
import shapely
from click.testing import CliRunner

import hailin
from hailin.cli import main
from hailin.geo.gcj02 import wgs84_to_gcj02
from hailin.maps.controls import SummaryPanel
from tests.map_workspace import build, html_lines


@pytest.fixture
def ws(tmp_path):
    return hailin.open_workspace(build(tmp_path).root)


def test_the_namespace_is_sorted_and_complete():
    assert hailin.__all__ == sorted(hailin.__all__)
    for name in ("open_workspace", "area", "Workspace", "clearance_map", "StatTable"):
        assert name in hailin.__all__ and callable(getattr(hailin, name))


def test_layers_are_frames_read_on_access(tmp_path):
    root = tmp_path / "fresh"
    hailin.Workspace.create(root)
    ws = hailin.open_workspace(root)
    assert (len(ws.clearance_plots), len(ws.surveys), len(ws.ledger), len(ws.uploads)) == (
        0,
        0,
        0,
        0,
    )
    files = build(tmp_path).root + "/../files"
    summary = ws.import_file(f"{files}/clearance.geojson", kind="clearance")
    assert summary.status == "accepted"
    assert ws.clearance_plots["plot_id"].tolist() == ["clearance plot 0", "clearance plot 1"]
    assert ws.import_file(f"{files}/patrols.csv").rows_accepted == 6
    # The same object, asked again: the new records and the cases they open.
    assert len(ws.surveys) == 6
    assert sorted(ws.ledger["kind"]) == ["new_infestation", "new_infestation", "recurrence"]
    assert isinstance(ws.cases, geopandas.GeoDataFrame)
    assert ws.cases.crs.to_epsg() == 4326
    assert len(ws.uploads) == 2


def test_area_keeps_the_index_and_ids():
    sites = hailin.load_sites().set_index("site_id", drop=False)
    table = hailin.area(sites, unit="mu")
    assert table.index.tolist() == ["kewan", "xuncheng", "luochun"]
    assert table["site_id"].tolist() == ["kewan", "xuncheng", "luochun"]
    assert table["name_zh"].tolist() == sites["name_zh"].tolist()
    expected = hailin.area(sites.geometry, unit="mu")
    np.testing.assert_allclose(table["area_mu"], expected)
    assert table.loc["kewan", "area_mu"] == pytest.approx(759.97, abs=0.01)


def test_accessor_area_and_crs():
    sites = hailin.load_sites()
    sites.index = ["a", "b", "c"]
    np.testing.assert_allclose(sites.hailin.area("ha") * 15.0, sites.hailin.area("mu"))
    assert sites.hailin.area("mu").index.tolist() == ["a", "b", "c"]
    moved = sites.hailin.to_gcj02()
    x, y = shapely.get_coordinates(sites.geometry.values[0])[0]
    gx, gy = wgs84_to_gcj02(x, y)
    assert shapely.get_coordinates(moved.geometry.values[0])[0] == pytest.approx([gx, gy])
    assert sites.hailin.to_cgcs2000().crs.to_epsg() == 4490
    zone40 = sites.hailin.to_cgcs2000(zone="auto")
    assert zone40.crs.to_epsg() == 4528
    plain = sites.hailin.to_cgcs2000(zone=40, prefix=False)
    assert plain.crs.to_epsg() == 4549
    reference = pyproj.Transformer.from_crs(4326, 4528, always_xy=True).transform(x, y)
    got = shapely.get_coordinates(zone40.geometry.values[0])[0]
    assert np.hypot(*(got - np.array(reference))) < 0.001
    assert got[0] - shapely.get_coordinates(plain.geometry.values[0])[0][0] == pytest.approx(40e6)
    with pytest.raises(hailin.HailinError, match="GeoDataFrames"):
        sites.drop(columns="geometry").pipe(lambda f: f.__class__(f)).hailin.area()


def test_one_count_of_open_cases_everywhere(ws):
    # One open plot case (regrowth, reported) and one open new-patch case (found
    # again after removal); the first new-patch case was re-cleared.
    ledger = ws.ledger
    assert (ledger["status"] == "open").sum() == 2
    table = ws.flag()
    assert table.loc["recurrence", "open"] == 1
    assert table.loc["new_infestation", "open"] == 1
    assert table.loc["total", "open"] == 2
    figures = ws.progress()
    assert figures.loc["open_cases", "number"] == 2
    assert figures.loc["open_plot_cases", "number"] == 1
    assert figures.loc["open_new_patch_cases", "number"] == 1
    assert int(ws.open_cases().loc["total", "cases"]) == 2
    runner = CliRunner()
    flagged = json.loads(runner.invoke(main, ["-w", ws.root, "flag", "--json"]).output)
    assert flagged["open_cases"] == 2
    assert flagged["open_cases_by_kind"] == {"recurrence": 1, "new_infestation": 1}
    progress = json.loads(runner.invoke(main, ["-w", ws.root, "progress", "--json"]).output)
    assert progress["clearance"]["totals"]["open_cases"] == 2
    text = runner.invoke(main, ["-w", ws.root, "progress"]).output
    assert "open cases: 2 (1 recurrence case, 1 new patch)" in text
    fmap = ws.clearance_map(lang="zh")
    (panel,) = [e for e in fmap._children.values() if isinstance(e, SummaryPanel)]
    lines = [line.strip() for line in html_lines(panel.page_html())]
    assert "未处置案件: 2（复萌 1，新发图斑 1）" in lines
