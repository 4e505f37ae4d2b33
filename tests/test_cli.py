import json

import geopandas
import pytest
import shapely
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.area import area
from tests.map_workspace import named_layers


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args, env=None):
        return runner.invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)

    return invoke


def test_init_then_lookup_by_option_and_environment(tmp_path, run):
    result = run("init", tmp_path / "ws")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ws" / "hailin.toml").exists()
    boundaries = tmp_path / "official.geojson"
    geopandas.GeoDataFrame(
        {"名称": ["柯湾红树林"], "乡镇": ["前岐镇"]},
        geometry=[shapely.box(120.32, 27.25, 120.34, 27.27)],
        crs=4326,
    ).to_file(boundaries)
    by_option = run("-w", tmp_path / "ws", "sites", "import", boundaries, "--json")
    assert by_option.exit_code == 0, by_option.output
    payload = json.loads(by_option.stdout)
    assert [s["site_id"] for s in payload["sites"]] == ["kewan"]
    expected = area(shapely.box(120.32, 27.25, 120.34, 27.27), unit="mu")
    assert payload["sites"][0]["area_mu"] == pytest.approx(expected, abs=1e-3)
    by_env = run("sites", "import", boundaries, env={"HAILIN_WORKSPACE": str(tmp_path / "ws")})
    assert by_env.exit_code == 0, by_env.output
    assert "1 site(s) imported" in by_env.output


def test_sites_are_listed_as_a_table_and_as_json(tmp_path, run):
    from hailin.geo.sites import load_sites
    from tests.conftest import geod_area_m2

    assert run("init", tmp_path / "ws").exit_code == 0
    table = run("-w", tmp_path / "ws", "sites")
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0] == "共 3 个保护小区："
    assert [line.split()[0] for line in lines[1:]] == ["kewan", "xuncheng", "luochun"]
    assert (
        "柯湾红树林保护小区  前岐镇  759.97 mu  [120.3160, 27.2525, 120.3479, 27.2690]" in lines[1]
    )
    listed = run("-w", tmp_path / "ws", "sites", "list", "--json")
    assert listed.exit_code == 0, listed.output
    sites = json.loads(listed.stdout)["sites"]
    assert json.loads(run("-w", tmp_path / "ws", "sites", "--json").stdout)["sites"] == sites
    assert [(s["site_id"], s["name_en"], s["township_en"]) for s in sites] == [
        ("kewan", "Kewan mangrove reserve", "Qianqi"),
        ("xuncheng", "Xuncheng mangrove reserve", "Dianxia"),
        ("luochun", "Luochun mangrove reserve", "Jiayang"),
    ]
    for site, geometry in zip(sites, load_sites().geometry, strict=True):
        assert site["area_mu"] == pytest.approx(geod_area_m2(geometry) / (10_000 / 15), abs=0.006)
        west, south, east, north = geometry.bounds
        assert (site["west"], site["south"], site["east"], site["north"]) == pytest.approx(
            (west, south, east, north), abs=1e-6
        )


def test_not_a_workspace_is_a_usage_error(tmp_path, run, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("sites", "import", "whatever.geojson", env={"HAILIN_WORKSPACE": ""})
    assert result.exit_code == 2
    assert "is not a hailin workspace" in result.stderr
    assert "hailin init" in result.stderr


def test_area_reports_the_same_ellipsoidal_figure_in_utm_and_wgs84(tmp_path, run, utm_square):
    in_utm, in_wgs84 = utm_square
    in_utm.to_file(tmp_path / "utm.gpkg")
    in_wgs84.to_file(tmp_path / "wgs84.geojson")
    figures = []
    for name in ("utm.gpkg", "wgs84.geojson"):
        result = run("area", tmp_path / name, "--json")
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        assert payload["features"] == 1
        assert payload["unit"] == "mu"
        figures.append(payload["total"]["mu"])
    assert figures[0] == pytest.approx(figures[1], abs=1e-3)
    assert round(figures[0], 1) == 1500.3


def test_area_by_group_in_hectares(tmp_path, run):
    frame = geopandas.GeoDataFrame(
        {"乡镇": ["前岐镇", "前岐镇", "店下镇"]},
        geometry=[
            shapely.box(120.30, 27.20, 120.31, 27.21),
            shapely.box(120.32, 27.20, 120.33, 27.21),
            shapely.box(120.30, 27.22, 120.305, 27.225),
        ],
        crs=4326,
    ).to_crs(4549)
    frame.to_file(tmp_path / "plots.shp", encoding="utf-8")
    result = run("area", tmp_path / "plots.shp", "--by", "乡镇", "--unit", "ha", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    groups = {g["group"]: g for g in payload["groups"]}
    assert groups["前岐镇"]["features"] == 2
    assert groups["店下镇"]["features"] == 1
    assert payload["value"] == pytest.approx(payload["total"]["ha"])
    assert groups["前岐镇"]["mu"] == pytest.approx(2 * 1646.7, abs=1.0)
    text = run("area", tmp_path / "plots.shp", "--by", "乡镇")
    assert "前岐镇" in text.output and "mu" in text.output


def test_area_refuses_points_naming_file_and_feature(tmp_path, run):
    geopandas.GeoDataFrame(
        geometry=[shapely.box(120.3, 27.2, 120.31, 27.21), shapely.Point(120.3, 27.2)], crs=4326
    ).to_file(tmp_path / "mixed.geojson")
    result = run("area", tmp_path / "mixed.geojson")
    assert result.exit_code == 4
    assert "mixed.geojson" in result.stderr
    assert "feature(s) 2 (Point)" in result.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.geojson", b"", "the file is empty"),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [', "cannot be read"),
        ("plots.txt", b"hello", "has no geometry"),
        ("truncated.zip", b"PK\x03\x04trunc", "not a readable ZIP archive"),
    ],
)
def test_area_bad_files_exit_4_with_the_file_named(tmp_path, run, name, content, message):
    (tmp_path / name).write_bytes(content)
    result = run("area", tmp_path / name)
    assert result.exit_code == 4
    assert name in result.stderr
    assert message in result.stderr


def test_area_unknown_group_column_is_a_usage_error(tmp_path, run):
    geopandas.GeoDataFrame(
        {"site": ["a"]}, geometry=[shapely.box(120.3, 27.2, 120.31, 27.21)], crs=4326
    ).to_file(tmp_path / "p.geojson")
    result = run("area", tmp_path / "p.geojson", "--by", "township")
    assert result.exit_code == 2
    assert "no column 'township'" in result.output
    assert "site" in result.output


def test_demo_writes_the_overview_map(tmp_path, run):
    result = run("demo", tmp_path / "demo", "--lang", "en")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "demo" / "out" / "overview.html").read_text(encoding="utf-8")
    layers = named_layers(page)
    from hailin.surveys.workspace import Workspace

    records = Workspace(tmp_path / "demo").surveys()
    points = int((records.geom_type == "Point").sum())
    tracks = int((records.geom_type == "LineString").sum())
    assert {name: len(layer["features"]) for name, layer in layers.items()} == {
        "Reserve boundaries": 3,
        "Clearance plots": 245,
        "Restoration plots": 139,
        "New infestations": 2,
        "Patrol tracks": tracks,
        "Patrol records": points,
    }
    assert (points, tracks) == (3198, 53)  # the demo's seeded records
    assert [f["properties"]["popup"] for f in layers["Reserve boundaries"]["features"]] == [
        "<b>Kewan mangrove reserve</b><div>Township: Qianqi</div><div>Area: 760.0 mu (50.66 ha)</div>",
        "<b>Xuncheng mangrove reserve</b><div>Township: Dianxia</div><div>Area: 628.0 mu (41.87 ha)</div>",
        "<b>Luochun mangrove reserve</b><div>Township: Jiayang</div><div>Area: 680.0 mu (45.34 ha)</div>",
    ]
    from hailin.surveys.workspace import Workspace

    ws = Workspace(tmp_path / "demo")
    uploads = ws.uploads()
    assert sorted(uploads.loc[uploads["kind"] == "surveys", "format"]) == [
        "csv",
        "gpx",
        "kmz",
        "xlsx",
    ]
    # the plots, and the demo's drone image and two NDVI dates (digital monitoring)
    assert sorted(uploads.loc[uploads["kind"] != "surveys", "kind"]) == [
        "clearance",
        "raster",
        "raster",
        "raster",
        "restoration",
    ]
    assert set(uploads["status"]) == {"accepted"}
    records = ws.surveys()
    assert set(records["patrol_type"]) == {
        "contractor_daily",
        "township_patrol",
        "city_joint",
        "digital_monitoring",
    }
    regrowth = records[records["finding"] == "spartina_regrowth"]
    assert regrowth["observed_at"].dt.year.isin([2023, 2024]).all()
    assert (records["finding"] == "clear").sum() > 10 * len(regrowth)
    again = run("demo", tmp_path / "demo")
    assert again.exit_code == 2
    assert "--force" in again.stderr
    forced = run("demo", tmp_path / "demo", "--force")
    assert forced.exit_code == 0, forced.output
    page = (tmp_path / "demo" / "out" / "overview.html").read_text("utf-8")
    assert "柯湾红树林保护小区" in page  # inside the layer's data, as UTF-8


def test_map_command_writes_each_map(tmp_path, run):
    assert run("demo", tmp_path / "demo").exit_code == 0
    for kind, layers in (
        ("clearance", {"Clearance plots": 245, "Regrowth findings": 60, "New infestations": 2}),
        ("restoration", {"Restoration plots": 139}),
        ("overview", {"Clearance plots": 245, "Restoration plots": 139, "New infestations": 2}),
    ):
        target = tmp_path / f"{kind}.html"
        result = run(
            "-w",
            tmp_path / "demo",
            "map",
            kind,
            "-o",
            target,
            "--lang",
            "en",
            "--basemap",
            "imagery",
        )
        assert result.exit_code == 0, result.output
        page = target.read_text(encoding="utf-8")
        shown = {name: len(layer["features"]) for name, layer in named_layers(page).items()}
        assert shown == {
            "Reserve boundaries": 3,
            **layers,
            "Patrol tracks": 53,
            "Patrol records": 3198,
        }
        assert "World_Imagery" in page
    default = run("-w", tmp_path / "demo", "map", "clearance")
    assert default.exit_code == 0
    assert (tmp_path / "demo" / "out" / "clearance.html").exists()
    page = (tmp_path / "demo" / "out" / "clearance.html").read_text(encoding="utf-8")
    assert "除治图斑" in page  # the workspace language: zh
    assert run("-w", tmp_path / "demo", "map", "everything").exit_code == 2
