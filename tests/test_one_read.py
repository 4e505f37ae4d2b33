"""Each command reads the store once and builds the ledger once (detection
included), then hands the frames on: counted by wrapping Store.open and
build_ledger where the code calls them."""

import collections

import pytest
from click.testing import CliRunner

import hailin.surveys.frames
import hailin.surveys.ledger.cases
from hailin.cli import main
from hailin.demo import build_demo
from hailin.surveys.io.store import Store
from tests.conftest import copy_workspace


@pytest.fixture
def counts(monkeypatch):
    """Store opens (read / write), ledger builds and detection runs, as they happen."""
    counted = collections.Counter()
    real_open = Store.open.__func__

    def counting_open(cls, path, /, **options):
        counted["write" if options.get("write", True) else "read"] += 1
        return real_open(cls, path, **options)

    def counting(name, function):
        def wrapped(*args, **kwargs):
            counted[name] += 1
            return function(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(Store, "open", classmethod(counting_open))
    monkeypatch.setattr(
        hailin.surveys.frames,
        "build_ledger",
        counting("ledger", hailin.surveys.frames.build_ledger),
    )
    monkeypatch.setattr(
        hailin.surveys.ledger.cases,
        "detect",
        counting("detect", hailin.surveys.ledger.cases.detect),
    )
    return counted


@pytest.fixture(scope="module")
def demo(portal_template, tmp_path_factory):
    return copy_workspace(portal_template, tmp_path_factory.mktemp("demo") / "demo")


def run(ws, *args):
    result = CliRunner().invoke(main, ["-w", ws.root, *map(str, args)])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["flag"], {"read": 1, "write": 1, "ledger": 1, "detect": 1}),
        (["ledger", "-o", "{out}/ledger.csv"], {"read": 1, "ledger": 1, "detect": 1}),
        (["ledger", "-o", "{out}/ledger.gpkg"], {"read": 1, "ledger": 1, "detect": 1}),
        (["progress", "--json"], {"read": 1, "ledger": 1, "detect": 1}),
        # A map's time control shows each month as it stood at its end: one more
        # ledger per month that brought news (the demo's 21 months, 2023-04 to 2024-12).
        (["map", "clearance", "-o", "{out}/c.html"], {"read": 1, "ledger": 22, "detect": 22}),
        (["map", "overview", "-o", "{out}/o.html"], {"read": 1, "ledger": 22, "detect": 22}),
        (["progress", "--as-of", "2024-05"], {"read": 1, "ledger": 1, "detect": 1}),
        # The restoration map shows no case: its ledger is never built.
        (["map", "restoration", "-o", "{out}/r.html"], {"read": 1}),
    ],
)
def test_a_command_reads_once_and_builds_the_ledger_once(demo, counts, tmp_path, command, expected):
    run(demo, *(part.format(out=tmp_path) for part in command))
    assert dict(counts) == expected


def test_the_demo_builds_the_ledger_once_after_its_imports(counts, tmp_path):
    _ws, outputs = build_demo(tmp_path / "demo")
    # flag, two ledger exports and three maps share one read and one ledger, and
    # the maps one ledger per month as it stood at its end (21 months).
    assert (counts["ledger"], counts["detect"]) == (22, 22)
    assert outputs["recurrence"] == "44 case(s) in 39 plot(s), 2 new patch(es)"
    assert {"clearance map", "restoration map", "overview map"} <= set(outputs)


def test_a_read_sees_one_state_of_the_store(workspace, tmp_path):
    """Frames come from one read transaction: an import committing meanwhile
    is not half seen."""
    path = tmp_path / "one.csv"
    path.write_text(
        "时间,经度,纬度,发现\n2024-06-01 09:00,120.3301,27.2612,未见异常\n", encoding="utf-8"
    )
    store = Store.open(workspace.store_path, write=False)
    try:
        with store.snapshot():
            before = store.count("surveys")
            summary = workspace.import_file(path, patrol_type="township_patrol")
            during = store.count("surveys")
        after = store.count("surveys")
    finally:
        store.close()
    assert summary.status == "accepted"
    assert (before, during, after) == (0, 0, 1)
