"""mypy over the library packages, with the settings in pyproject.toml."""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The folders pyproject's package-dir installs under hailin.* (mypy does not follow
# an editable install's import hook, so it reads them through a tree of links).
INSTALLED_AS = {"geo": "geo", "surveys": "surveys", "layers": "layers", "maps": "maps"}


@pytest.fixture(scope="module")
def source_tree(tmp_path_factory):
    """A folder whose ``hailin/`` is the package as installed: hailin/ with
    geo/, surveys/, layers/ and maps/ inside it, all as links to the repository."""
    top = tmp_path_factory.mktemp("installed")
    package = top / "hailin"
    package.mkdir()
    for entry in (ROOT / "hailin").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for folder, name in INSTALLED_AS.items():
        (package / name).symlink_to(ROOT / folder)
    return top


def test_mypy_finds_no_errors(source_tree):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "-p",
            "hailin",
        ],
        cwd=source_tree,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("Success: no issues found"), done.stdout


NOTEBOOK = """
import geopandas
import pandas as pd

from hailin import Workspace, area, clearance_map, overview_map, restoration_map


def report(ws: Workspace) -> tuple[pd.DataFrame, float]:
    data = ws.map_data()
    for draw in (clearance_map, restoration_map, overview_map):
        draw(data, "en")
    overview_map(ws.sites())
    ledger, _patches = ws.ledger()
    total: float = area(ws.plots("clearance")).sum()
    return ledger, total


def mu(square: geopandas.GeoDataFrame) -> pd.Series:
    return area(square, unit="mu")
"""


def test_a_typed_notebook_checks(tmp_path, source_tree):
    """The public API's types fit together as a notebook uses them: the frames
    ``Workspace.map_data()`` gives satisfy ``maps.MapData``, and so on."""
    script = tmp_path / "notebook.py"
    script.write_text(NOTEBOOK, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), str(script)],
        cwd=source_tree,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
