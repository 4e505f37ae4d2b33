import sys

import geopandas
import pyproj
import pytest
import shapely

from hailin.surveys.workspace import Workspace

GEOD = pyproj.Geod(ellps="GRS80")


def geod_area_m2(geometry):
    """Reference: pyproj's geodesic area of a lon/lat polygon."""
    return abs(GEOD.geometry_area_perimeter(shapely.orient_polygons(geometry))[0])


@pytest.fixture(scope="session")
def empty_workspace(tmp_path_factory):
    """A new workspace, made once a session: tests run on copies (``workspace``)."""
    return Workspace.create(tmp_path_factory.mktemp("empty") / "ws").root


@pytest.fixture
def workspace(empty_workspace, tmp_path):
    """A new, empty workspace of this test (a copy of ``empty_workspace``)."""
    return copy_workspace(empty_workspace, tmp_path / "ws")


@pytest.fixture
def utm_square():
    """A 1000 x 1000 m square in UTM 49N near 109.5E 21.5N, in UTM and in EPSG:4326."""
    utm = pyproj.CRS.from_epsg(32649)
    to_utm = pyproj.Transformer.from_crs(4326, utm, always_xy=True)
    easting, northing = to_utm.transform(109.5, 21.5)
    easting, northing = round(easting), round(northing)
    square = shapely.box(easting, northing, easting + 1000, northing + 1000)
    in_utm = geopandas.GeoDataFrame({"name": ["square"]}, geometry=[square], crs=utm)
    return in_utm, in_utm.to_crs(4326)


DATA = __import__("pathlib").Path(__file__).resolve().parent / "data"


@pytest.fixture
def hailin_json():
    """Run `hailin -w WS ... --json` and return (exit code, parsed JSON)."""
    import json

    from click.testing import CliRunner

    from hailin.cli import main

    def run(ws, *args):
        result = CliRunner().invoke(
            main, ["-w", str(ws.root), *map(str, args), "--json"], catch_exceptions=False
        )
        return result.exit_code, json.loads(result.stdout)

    return run


@pytest.fixture(scope="session")
def portal_template(tmp_path_factory):
    """The demo workspace (plots, patrol records, ledger, its maps), built once:
    portals and tests that write run on copies (:func:`copy_workspace`), readers read it."""
    from hailin.demo import build_demo

    folder = tmp_path_factory.mktemp("portal-template") / "demo"
    build_demo(folder)
    return folder


def copy_workspace(template, folder):
    """A workspace in ``folder``: a copy of the workspace ``template`` (closed, so
    its store is whole on disk)."""
    import shutil

    shutil.copytree(template, folder)
    return Workspace(folder)


@pytest.fixture
def demo_copy(portal_template, tmp_path):
    """A copy of the session's demo workspace, for one test that writes to it."""
    return copy_workspace(portal_template, tmp_path / "demo")


@pytest.fixture(scope="module", autouse=True)
def _one_chromium_per_module():
    """The maps opened in a module share one chromium (tests/browser.py), closed after it."""
    yield
    browser = sys.modules.get("tests.browser")
    if browser is not None:
        browser.close_shared()
