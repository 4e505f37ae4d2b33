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
