"""`hailin area` on a GeoPackage of several layers measures each of them and
says so (or the one --layer names); with --json a refusal is JSON on stdout."""

import json

import geopandas
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.area import area


@pytest.fixture
def mixed(tmp_path):
    """Two polygon layers in different CRSs (WGS84 and the Gauss-Krüger zone)
    and a table of attributes."""
    path = tmp_path / "mixed_crs.gpkg"
    one = shapely.box(120.32, 27.25, 120.33, 27.26)
    two = shapely.box(120.34, 27.25, 120.36, 27.26)
    geopandas.GeoDataFrame({"n": [1]}, geometry=[one], crs=4326).to_file(path, layer="wgs84")
    gk = geopandas.GeoDataFrame({"n": [2]}, geometry=[two], crs=4326).to_crs(4528)
    gk.to_file(path, layer="gk3")
    pyogrio.write_dataframe(geopandas.pd.DataFrame({"a": [1]}), path, layer="notes")
    return path, area(one, unit="mu"), area(two, unit="mu")


def _run(*args):
    return CliRunner().invoke(main, ["area", *map(str, args)])


def test_every_layer_with_geometry_is_measured_and_said(mixed):
    path, one, two = mixed
    result = _run(path, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [layer["layer"] for layer in payload["layers"]] == ["wgs84", "gk3"]
    assert [layer["value"] for layer in payload["layers"]] == [
        pytest.approx(one, rel=1e-6), pytest.approx(two, rel=1e-6),
    ]  # fmt: skip
    assert payload["value"] == pytest.approx(one + two, rel=1e-6)
    assert payload["features"] == 2
    text = _run(path).output
    assert (
        "mixed_crs.gpkg has 2 layers with geometry; each is measured (--layer NAME for one)" in text
    )
    assert "mixed_crs.gpkg, layer gk3: 1 feature(s), CRS EPSG:4528" in text
    assert f"all 2 layers: 2 feature(s), {one + two:,.2f} mu" in text


def test_one_layer_by_name(mixed):
    path, _one, two = mixed
    payload = json.loads(_run(path, "--layer", "gk3", "--json").stdout)
    assert (payload["layer"], payload["value"]) == ("gk3", pytest.approx(two, rel=1e-6))
    result = _run(path, "--layer", "nope", "--json")
    assert result.exit_code == 4
    assert "no layer 'nope'" in json.loads(result.stdout)["error"]


def test_json_errors_are_json_on_stdout(tmp_path, mixed):
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    result = _run(bad, "--json")
    assert result.exit_code == 4
    error = json.loads(result.stdout)["error"]
    assert "bad.geojson" in error and "Traceback" not in result.output
    path, _one, _two = mixed
    result = _run(path, "--by", "township", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"] == (
        "Invalid value for --by: no column 'township' in mixed_crs.gpkg, layer 'wgs84'; columns are: n"
    )
