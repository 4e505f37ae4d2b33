"""`hailin --help` starts without the heavy libraries: they are imported by the
commands that need them (bench/bench_house.py measures the time)."""

import json
import subprocess
import sys

import pytest

HEAVY = ["django", "folium", "geopandas", "numpy", "openpyxl", "pandas", "pyproj", "shapely"]

PROBE = """
import json, sys
{statement}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""

HELP = """
from click.testing import CliRunner
import hailin.cli
for args in {commands!r}:
    result = CliRunner().invoke(hailin.cli.main, [*args, "--help"])
    assert result.exit_code == 0, (args, result.output)
"""

COMMANDS = [
    [],
    *[[c] for c in ("init", "demo", "import", "flag", "ledger", "progress", "map", "area")],
    *[[c] for c in ("sites", "uploads", "plots", "assets", "serve", "users")],
    ["uploads", "withdraw"],
    ["assets", "status"],
    ["raster"],
    ["raster", "stats"],
    ["raster", "detect"],
    ["raster", "cover"],
]


def heavy_after(statement):
    """The heavy modules loaded once ``statement`` ran, in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement, heavy=HEAVY)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_help_page_loads_no_heavy_library():
    assert heavy_after(HELP.format(commands=COMMANDS)) == []


@pytest.mark.parametrize(
    "package",
    ["hailin", "hailin.geo", "hailin.surveys", "hailin.layers", "hailin.maps", "hailin.cli"],
)
def test_importing_a_package_loads_no_heavy_library(package):
    assert heavy_after(f"import {package}") == []


def test_the_console_script_prints_help():
    done = subprocess.run(
        [sys.executable, "-m", "hailin", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "Usage: python -m hailin [OPTIONS] COMMAND [ARGS]..."
    commands = done.stdout.split("Commands:\n")[1].split()[::1]
    for name in ("area", "demo", "flag", "import", "ledger", "map", "progress", "uploads"):
        assert name in commands


def test_the_exports_arrive_when_asked_for():
    import hailin
    from hailin import geo, maps, surveys
    from hailin.maps.kinds import MAP_KINDS
    from hailin.maps.programme import clearance_map
    from hailin.surveys.workspace import Workspace

    assert hailin.Workspace is surveys.Workspace is Workspace
    assert list(maps.MAPS) == list(MAP_KINDS) == ["clearance", "restoration", "overview"]
    assert maps.MAPS["clearance"] is hailin.clearance_map is clearance_map
    assert set(hailin.__all__) <= set(dir(hailin))
    for package in (geo, surveys, maps, hailin):
        for name in package.__all__:
            assert getattr(package, name) is not None, (package.__name__, name)
    with pytest.raises(AttributeError, match=r"module 'hailin\.geo' has no attribute 'nothing'"):
        _ = geo.nothing
