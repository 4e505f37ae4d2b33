"""The hostile corpus (tests/hostile.py): each file stored right or refused with its
reason, nothing run as code, and every command still working afterwards."""

import json
import os
import pathlib
import shutil

import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.surveys.workspace import Workspace
from tests.hostile import CASES, MARKER, write_corpus

COMMANDS = {
    "import": ["import"],
    "plots clearance": ["plots", "import", "--kind", "clearance"],
    "plots restoration": ["plots", "import", "--kind", "restoration"],
    "sites": ["sites", "import"],
    "area": ["area"],
}
BY_NAME = {c.name: c for c in CASES}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return folder, write_corpus(folder)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return Workspace.create(tmp_path_factory.mktemp("template") / "ws").root


def run(workspace, item, path):
    arguments = ["-w", str(workspace), *COMMANDS[item.command], *item.args, os.fsdecode(path)]
    arguments.append("--json")
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    return result


def test_the_corpus_covers_every_category():
    categories = {c.category for c in CASES}
    assert categories == {
        "code in text",
        "geometry",
        "time",
        "words",
        "encoding",
        "structure",
        "archive",
        "xml",
        "names",
    }
    # With the committed bad-input corpus (tests/data/bad) well over 80 cases.
    bad = pathlib.Path(__file__).parent / "data" / "bad"
    assert len(CASES) + len(list(bad.iterdir())) >= 120


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_hostile_file(name, corpus, template, tmp_path):
    folder, written = corpus
    item = BY_NAME[name]
    workspace = tmp_path / "ws"
    shutil.copytree(template, workspace)
    result = run(workspace, item, written[name])
    assert "Traceback" not in result.output
    assert "hailin bug" not in result.stderr, result.stderr
    assert result.exit_code == item.exit, (result.stdout, result.stderr)
    if item.status is not None:
        summary = json.loads(result.stdout)
        assert summary["status"] == item.status, summary
        assert (summary["rows_accepted"], summary["rows_rejected"]) == (
            item.accepted,
            item.rejected,
        ), summary
        if item.fragment is not None and summary["errors"]:
            assert item.fragment in summary["errors"][0]["message"], summary
        elif item.fragment is not None:
            assert any(item.fragment in w["message"] for w in summary["warnings"]), summary
        stored = Workspace(workspace)
        kind = item.command.split()[-1] if item.command.startswith("plots") else None
        if kind:
            assert len(stored.plots(kind)) == item.accepted
        else:
            records = stored.surveys()
            assert len(records) == item.accepted
            if item.codes:
                pairs = sorted(zip(records["finding"], records["action"], strict=True))
                assert pairs == sorted(item.codes)
    elif item.fragment is not None:
        assert item.fragment in (result.stdout + result.stderr)
    assert not (folder / MARKER).exists()


def test_every_command_works_after_the_whole_corpus(corpus, tmp_path):
    """Everything the corpus let in, in one workspace: every reporting command and
    every map still works, and no payload ran."""
    folder, written = corpus
    workspace = Workspace.create(tmp_path / "ws").root
    for item in CASES:
        if item.command not in ("area", "sites"):
            run(workspace, item, written[item.name])
    sites = BY_NAME["sites_payloads.geojson"]
    assert run(workspace, sites, written[sites.name]).exit_code == 0
    runner = CliRunner()
    for arguments in (
        ["flag", "--json"],
        ["progress", "--json"],
        ["ledger", "-o", str(tmp_path / "ledger.csv")],
        ["ledger", "-o", str(tmp_path / "ledger.xlsx")],
        ["map", "clearance", "-o", str(tmp_path / "clearance.html"), "--lang", "en"],
        ["map", "restoration", "-o", str(tmp_path / "restoration.html")],
        ["map", "overview", "-o", str(tmp_path / "overview.html")],
    ):
        result = runner.invoke(main, ["-w", str(workspace), *arguments], catch_exceptions=False)
        assert result.exit_code == 0, (arguments, result.output)
    assert not (folder / MARKER).exists()
