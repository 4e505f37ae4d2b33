"""`hailin flag`, `ledger` and `progress` with --scheduler (or
$HAILIN_SCHEDULER) give what they give without it."""

import json
import socket

import pytest
from click.testing import CliRunner

from bench.coast import coast, write_workspace
from hailin.cli import main
from hailin.surveys.dist.scheduler import parse_scheduler


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    folder = tmp_path_factory.mktemp("coast") / "ws"
    write_workspace(folder, coast(4_000, 300, seed=8))
    return folder


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


def test_flag_ledger_and_progress_on_a_local_cluster_match(root, tmp_path):
    plain = {c: run("-w", root, c, "--json") for c in ("flag", "progress")}
    assert run("-w", root, "ledger", "-o", tmp_path / "plain.csv").exit_code == 0
    spread = {
        "flag": run("-w", root, "flag", "--json", "--scheduler", "local:2"),
        "progress": run("-w", root, "progress", "--json", env={"HAILIN_SCHEDULER": "local:1"}),
    }
    ledger = run("-w", root, "ledger", "-o", tmp_path / "spread.csv", "--scheduler", "local:2")
    assert ledger.exit_code == 0, ledger.output
    for command, result in spread.items():
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == json.loads(plain[command].stdout)
    assert json.loads(plain["flag"].stdout)["cases"] > 50
    assert (tmp_path / "spread.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()


@pytest.mark.parametrize("text", ["local:0", "local:x", "http://example.org", "tcp://"])
def test_a_bad_scheduler_is_a_usage_error(root, text):
    result = run("-w", root, "flag", "--scheduler", text)
    assert result.exit_code == 2
    assert "--scheduler" in result.stderr


def test_scheduler_texts():
    assert parse_scheduler(None) is None and parse_scheduler("  ") is None
    assert parse_scheduler("local") == ("local", None)
    assert parse_scheduler("local:4") == ("local", 4)
    assert parse_scheduler("tls://10.1.2.3:8786") == ("address", "tls://10.1.2.3:8786")


def test_a_local_cluster_starts_while_another_program_holds_port_8787(root):
    # The scheduler's HTTP server took 8787 by default and warned when it was
    # held (by a `dask scheduler`, a notebook's cluster): here warnings fail.
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        holder.bind(("0.0.0.0", 8787))
        holder.listen()
    except OSError:
        pass  # held by another program already: the case under test
    try:
        result = run("-w", root, "flag", "--json", "--scheduler", "local:1")
    finally:
        holder.close()
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cases"] > 50
