"""The monthly report, opened with python-docx: its sections, figures and
numbers, in the workspace language."""

import io

import docx
import pytest
from click.testing import CliRunner
from PIL import Image

from hailin.cli import main
from hailin.geo.area import M2_PER_MU
from hailin.report import month_figures
from hailin.surveys.workspace import Workspace
from tests.conftest import geod_area_m2
from tests.stats_workspace import CLEARANCE, build


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return build(tmp_path_factory.mktemp("report"))


def _pictures(document):
    parts = document.part.related_parts.values()
    return [Image.open(io.BytesIO(p.blob)) for p in parts if p.content_type == "image/png"]


def test_the_months_figures(ws):
    numbers = month_figures(ws.frames(every_record=True), "2024-06")
    # June 2024: A found again earlier (May) and re-cleared 06-01; D and the new patch found.
    assert (numbers.cases_opened, numbers.plots_re_cleared, numbers.open_cases) == (2, 1, 2)
    assert sorted(numbers.new_cases["case_id"]) == ["D#1", "NEW-20240620-01#1"]
    assert numbers.effort.loc["total", "patrols"] == 5
    may = month_figures(ws.frames(every_record=True), "2023-05")
    mu = (geod_area_m2(CLEARANCE["B"][0]) + geod_area_m2(CLEARANCE["C"][0])) / M2_PER_MU
    assert may.cleared_mu == pytest.approx(mu, rel=1e-5)


def test_report_command_writes_a_word_document(ws, tmp_path):
    path = tmp_path / "月报.docx"
    result = CliRunner().invoke(main, ["-w", ws.root, "report", "--month", "2024-06", "-o", path])
    assert result.exit_code == 0, result.output
    assert result.output == f"report for 2024-06 (as of 2024-06-30) written to {path}\n"
    document = docx.Document(path)
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Fuding Spartina clearance and mangrove restoration"  # language "en"
    assert "monthly report, 2024-06" in texts
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions == [
        "Figure 1 Cumulative clearance against the target",
        "Figure 2 Planted by year (mu)",
        "Figure 3 Clearance status and the month's new cases",
        "Figure 4 Patrols this month by mode",
    ]
    pictures = _pictures(document)
    assert len(pictures) == 4
    assert all(p.format == "PNG" and p.width >= 900 for p in pictures)
    figures_table = document.tables[0]
    assert [c.text for c in figures_table.rows[3].cells] == ["Cases opened", "2", "", ""]
    assert [c.text for c in figures_table.rows[5].cells] == ["Open cases", "", "2", ""]
    new_cases = document.tables[1]
    assert sorted(r.cells[0].text for r in new_cases.rows[1:]) == ["D#1", "NEW-20240620-01#1"]


def test_report_in_chinese_and_refusals(tmp_path):
    ws = Workspace.create(tmp_path / "zh")
    path = tmp_path / "月报.docx"
    result = CliRunner().invoke(main, ["-w", ws.root, "report", "--month", "2024-05", "-o", path])
    assert result.exit_code == 0, result.output
    document = docx.Document(path)
    assert document.paragraphs[0].text == "福鼎市互花米草除治与红树林修复月报"
    assert document.paragraphs[1].text == "2024年5月"
    assert "本月新增案件" in [p.text for p in document.paragraphs]
    bad = CliRunner().invoke(main, ["-w", ws.root, "report", "--month", "2024", "-o", path])
    assert bad.exit_code == 4 and "月份写作 2024-05" in bad.output
    wrong = CliRunner().invoke(
        main, ["-w", ws.root, "report", "--month", "2024-05", "-o", tmp_path / "r.txt"]
    )
    assert wrong.exit_code == 4 and "报告应写为 .docx 或 .pdf" in wrong.output
