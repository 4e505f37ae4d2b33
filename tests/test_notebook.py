"""examples/planning.ipynb runs on the demo workspace and says what it should."""

import html
import pathlib

import nbclient
import nbformat
import pytest

from tests.conftest import copy_workspace

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _outputs(notebook, tag):
    (cell,) = [c for c in notebook.cells if tag in c.get("metadata", {}).get("tags", [])]
    return cell["outputs"]


def _text(outputs, kind="text/plain"):
    return "".join(o.get("data", {}).get(kind, "") + o.get("text", "") for o in outputs)


@pytest.fixture(scope="module")
def executed(tmp_path_factory, portal_template):
    folder = tmp_path_factory.mktemp("notebook")
    copy_workspace(portal_template, folder / "demo")  # as `hailin demo` left it
    notebook = nbformat.read(ROOT / "examples" / "planning.ipynb", as_version=4)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HAILIN_DEMO", str(folder / "demo"))
        client = nbclient.NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": folder}}
        )
        client.execute()
    return notebook, folder


def test_the_notebook_answers_the_planners_questions(executed):
    notebook, folder = executed
    cleared = _text(_outputs(notebook, "cleared"))
    for township in ("前岐镇", "店下镇", "佳阳畲族乡", "total"):
        assert township in cleared
    assert "1,883.62" in cleared  # the demo's 245 plots, all cleared in 2023
    assert "<table" in _text(_outputs(notebook, "cleared"), "text/html")
    assert "kewan" in _text(_outputs(notebook, "sites"))
    assert _text(_outputs(notebook, "re_cleared_2023")) == "35"
    effort = _text(_outputs(notebook, "effort"))
    assert "person_times" in effort and "city_joint" in effort
    cases = _text(_outputs(notebook, "cases"))
    assert cases.splitlines()[-1].split()[:3] == [
        "total",
        "46",
        "10",
    ]  # 4 of them from the demo's drone image
    # What was open at the end of May 2024, in one line: four cases, aged to 05-31.
    may = _text(_outputs(notebook, "as_of"))
    assert may.splitlines()[-1].split()[:2] == ["total", "4"]
    assert "CC-KW-015#2" in may and "2024-06" not in may
    # The inline clearance map: its layer control names every data layer, in English.
    inline = html.unescape(_text(_outputs(notebook, "map"), "text/html"))
    assert inline.count("= hailinLayer(") == 6  # calls, not the definition
    for name in ("Reserve boundaries", "Clearance plots", "Regrowth findings", "Patrol records"):
        assert f'"{name}": data_layer_' in inline
    assert _text(_outputs(notebook, "export")) == "46 cases; 245 plots in EPSG: 4528\n"
    assert (folder / "out" / "台账.xlsx").is_file()
    assert (folder / "out" / "除治图斑.cpg").read_text() == "GBK"
