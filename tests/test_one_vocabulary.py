"""One vocabulary: every code's words live in surveys.schema.VOCABULARY, and the
ledger export, the maps and the CLI all show the same words."""

import ast
import csv
import pathlib

from click.testing import CliRunner

from hailin.cli import main
from hailin.maps import MAPS
from hailin.surveys.schema import VOCABULARY
from tests.map_workspace import build, html_lines, shown

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("geo", "surveys", "layers", "maps", "hailin")
# English display words that are also codes ("removed", "reported") cannot be
# told apart from the codes in code; every other display word can.
CODES = {term.code.lower() for term in VOCABULARY}
DISPLAY_WORDS = {term.zh for term in VOCABULARY if term.zh} | {
    term.en for term in VOCABULARY if term.en and term.en.lower() not in CODES
}


def _docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                yield first.value


def spelled_display_words(source):
    """(line, text) of every string in ``source`` (not a docstring) that is a
    display word of the vocabulary, punctuation and spaces aside; f-string
    parts count on their own (f"{n} re-cleared" spells "re-cleared")."""
    tree = ast.parse(source)
    docstrings = {id(node) for node in _docstrings(tree)}
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and node.value.strip(" \t\n,;:()·") in DISPLAY_WORDS
    ]


def test_the_scan_finds_a_second_spelling():
    table = 'STATUS_WORDS = {"re_cleared": {"zh": "已再次清除", "en": "re-cleared"}}\n'
    message = 'print(f"{n} re-cleared, {m} verified clear")\n'
    assert spelled_display_words(table) == [(1, "已再次清除"), (1, "re-cleared")]
    assert spelled_display_words(message) == [(1, " re-cleared, "), (1, " verified clear")]
    assert spelled_display_words('"""已再次清除"""\nx = "复萌记录"\n') == []


def test_no_module_but_the_schema_spells_a_display_word():
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative == "surveys/schema.py":
                continue
            hits = spelled_display_words(path.read_text(encoding="utf-8"))
            if hits:
                found[relative] = hits
    assert found == {}


def test_each_code_has_its_words_once():
    shown = [(t.vocabulary, t.code) for t in VOCABULARY if t.zh]
    assert len(shown) == len(set(shown))
    assert all(t.zh and t.en for t in VOCABULARY if t.vocabulary != "word")


def _ledger_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_ledger_export_and_the_maps_say_the_same_words(tmp_path):
    ws = build(tmp_path)
    ws.exports.ledger(tmp_path / "ledger.csv", "zh")
    rows = {row["图斑编号"]: row for row in _ledger_rows(tmp_path / "ledger.csv")}
    case = rows["clearance plot 0"]
    assert (case["类型"], case["状态"], case["发现来源"]) == (
        "复萌",
        "复萌未处置",
        "施工单位日常巡护",
    )
    assert (case["保护区"], case["乡镇"]) == ("柯湾红树林保护小区", "前岐镇")
    patch = next(row for plot, row in rows.items() if plot.startswith("NEW-"))
    assert (patch["类型"], patch["发现来源"]) == ("新发图斑", "市级专班联合巡护")
    page = MAPS["overview"](ws.map_data(), lang="zh").get_root().render()
    lines = shown(page)
    assert {"状态: 复萌未处置", "巡查类型: 施工单位日常巡护", "巡查类型: 市级专班联合巡护"} <= lines
    assert "保护区: 柯湾红树林保护小区" in lines


def test_sites_and_townships_in_the_workspace_language(tmp_path):
    ws = build(tmp_path)
    ws.exports.ledger(tmp_path / "ledger.csv", "en")
    case = next(
        r for r in _ledger_rows(tmp_path / "ledger.csv") if r["plot_id"] == "clearance plot 0"
    )
    assert (case["site"], case["township"], case["status"]) == (
        "Kewan mangrove reserve",
        "Qianqi",
        "open",
    )
    page = MAPS["clearance"](ws.map_data(), lang="en").get_root().render()
    assert {"Reserve: Kewan mangrove reserve", "Township: Qianqi"} <= shown(page)
    assert html_lines("<b>x</b><br>Township: Qianqi") == ["x", "Township: Qianqi"]


def test_flag_prints_statuses_in_words(tmp_path):
    ws = build(tmp_path)
    result = CliRunner().invoke(main, ["-w", ws.root, "flag"])
    assert result.exit_code == 0, result.output
    assert (
        "1 recurrence case(s): 1 recurrence open, 0 re-cleared, 0 verified clear" in result.stdout
    )
    result = CliRunner().invoke(main, ["-w", ws.root, "progress"])
    assert (
        "recurrence open 1 (" in result.stdout and "re-cleared 0, verified clear 0" in result.stdout
    )
