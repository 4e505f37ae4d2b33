"""The README's commands are real: the demo one is run end to end here."""

import os
import pathlib
import re
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent


def readme_command(marker):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\s*```bash\n(.+?)\n```", text, re.S)
    assert match, f"README.md has no {marker} block"
    return match.group(1).strip()


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "test-command" in ci
    command = readme_command("test-command")
    assert "pip install -e '.[test]'" in command
    assert "apt-get install -y -qq chromium" in command
    assert "npm" not in command  # the maps' scripts come with pip install
    assert command.endswith(".venv/bin/python -m pytest")


def test_readme_demo_command_on_a_fresh_copy(tmp_path):
    command = readme_command("demo-command")
    copy = tmp_path / "hailin"
    ignore = shutil.ignore_patterns(
        ".venv",
        ".git",
        "__pycache__",
        "*.egg-info",
        "hailin-demo",
        ".pytest_cache",
        ".hypothesis",
        "node_modules",
        "build",
    )
    shutil.copytree(ROOT, copy, ignore=ignore)
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))
    }
    environment["PATH"] = os.pathsep.join(
        p for p in environment.get("PATH", "").split(os.pathsep) if ".venv" not in p
    )

    def run():
        return subprocess.run(
            ["bash", "-c", command],
            cwd=copy,
            env=environment,
            capture_output=True,
            text=True,
            timeout=900,
        )

    result = run()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    overview = copy / "hailin-demo" / "out" / "overview.html"
    assert overview.is_file()
    page = overview.read_text(encoding="utf-8")
    assert "柯湾红树林保护小区" in page  # inside the layer's data, as UTF-8
    for name in ("clearance", "restoration"):
        assert (copy / "hailin-demo" / "out" / f"{name}.html").is_file()
    assert (copy / "hailin-demo" / "out" / "ledger.xlsx").is_file()
    # Self-contained: leaflet.js itself is in the page, nothing is linked.
    assert "<script src" not in page and "Leaflet 1.9.3" in page
    assert re.search(r"done in [\d.]+ s", result.stdout)  # its time is in bench/RESULTS.md
    # Run twice, the command rebuilds the demo where it stands.
    first_page = page
    overview.unlink()
    again = run()
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert re.search(r"done in [\d.]+ s", again.stdout)
    rebuilt = overview.read_text(encoding="utf-8")
    # The same map again: element ids are random, everything else the same.
    assert re.sub(r"_[0-9a-f]{32}", "_", rebuilt) == re.sub(r"_[0-9a-f]{32}", "_", first_page)
