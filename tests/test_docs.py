"""The documentation site builds with warnings as errors, and the planners'
one-liners in both guides run as written."""

import os
import pathlib
import re
import subprocess
import sys

import pandas as pd
import pytest

from hailin.notebook import NotebookWorkspace
from tests.stats_workspace import build

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_the_site_builds_strict(tmp_path):
    site = tmp_path / "site"
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for guide in ("patrol-teams", "ecologists", "planners"):
        for lang in ("en", "zh"):
            assert (site / lang / guide / "index.html").is_file()
    reference = (site / "reference" / "index.html").read_text(encoding="utf-8")
    for name in ("open_workspace", "patrol_effort", "recurrence_by_year", "export_layer"):
        assert name in reference
    assert "再次清除的复萌图斑" in (site / "zh" / "planners" / "index.html").read_text("utf-8")


def _one_liners(guide):
    text = (ROOT / "docs" / guide).read_text(encoding="utf-8")
    return re.findall(r"^\| [^|]+ \| `(ws\.[^`]+)` \|$", text, re.M)


@pytest.mark.parametrize("guide", ["en/planners.md", "zh/planners.md"])
def test_the_guides_one_liners_run(guide, tmp_path):
    lines = _one_liners(guide)
    assert len(lines) == 7
    ws = NotebookWorkspace(build(tmp_path))
    answers = [eval(line, {"ws": ws}) for line in lines]  # the guide's own text, run
    assert all(isinstance(a, pd.DataFrame | pd.Series) or int(a) >= 0 for a in answers)
    assert int(answers[1]) == 2  # plots re-cleared in 2023 in the hand-built workspace
