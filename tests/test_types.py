"""mypy over the library packages, with the settings in pyproject.toml."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_mypy_finds_no_errors():
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "geo", "surveys", "layers", "maps", "hailin"],
        cwd=ROOT,
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


def test_a_typed_notebook_checks(tmp_path):
    """The public API's types fit together as a notebook uses them: the frames
    ``Workspace.map_data()`` gives satisfy ``maps.MapData``, and so on."""
    script = tmp_path / "notebook.py"
    script.write_text(NOTEBOOK, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
