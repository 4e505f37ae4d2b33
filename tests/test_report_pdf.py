"""The monthly report as an office files it: A4 portrait with the usual margins,
the issuing office and the period in the header, page x of y in the footer, one
CJK font for every character; rendered to PDF by LibreOffice where it is
installed and checked as printed (pdfinfo, pdffonts, pdftotext, pdftoppm)."""

import datetime
import shutil
import subprocess

import docx
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn
from PIL import Image

from hailin.cli import main
from hailin.report import write_report
from hailin.report.figures import cjk_font
from hailin.report.layout import TEXT_WIDTH_MM
from hailin.surveys.errors import ReportError, SettingsError
from hailin.surveys.settings import parse_settings
from tests.office_files import in_chinese
from tests.stats_workspace import build

OFFICE = "福鼎市林业局"
ISSUED = datetime.date(2024, 7, 3)


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return in_chinese(build(tmp_path_factory.mktemp("report")), OFFICE)


def _poppler(*command):
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def test_the_document_is_a4_with_header_footer_title_block_and_one_font(ws, tmp_path):
    path = write_report(ws.frames(every_record=True), "2024-06", tmp_path / "r.docx", ISSUED)
    document = docx.Document(path)
    section = document.sections[0]
    page = [section.page_width, section.page_height]
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    # Stored in twentieths of a point: within 0.01 mm.
    assert [round(length.mm, 1) for length in page + margins] == [210, 297, 37, 35, 28, 26]
    assert section.header.paragraphs[0].text == f"{OFFICE}\t2024年6月"
    footer = section.footer.paragraphs[0]._p
    fields = [f.get(qn("w:instr")) for f in footer.iter(qn("w:fldSimple"))]
    assert fields == ["PAGE", "NUMPAGES"]
    assert "".join(t.text for t in footer.iter(qn("w:t"))) == "第 1 页 共 1 页"
    texts = [p.text for p in document.paragraphs[:6]]
    assert texts == [
        "福鼎市互花米草除治与红树林修复月报", "2024年6月", f"编制单位：{OFFICE}",
        "报告期：2024-06-01 至 2024-06-30", "数据截至 2024-06-30，由海林生成。",
        "印发日期：2024-07-03",
    ]  # fmt: skip
    # One font for every script of every style, and no theme font to override it.
    font = cjk_font()
    styles = document.styles.element
    named = {f.get(qn("w:ascii")) for f in styles.iter(qn("w:rFonts"))}
    assert named == {font}
    assert not [f for f in styles.iter(qn("w:rFonts")) if f.get(qn("w:asciiTheme"))]
    # Tables fill the text width; the case ids' column holds the longest id whole.
    cases = document.tables[2]
    widths = [column.width for column in cases.columns]
    assert sum(w.mm for w in widths) == pytest.approx(TEXT_WIDTH_MM, abs=0.1)
    assert widths[0] > widths[1] and cases.rows[1].cells[0].text == "NEW-20240620-01#1"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_pdf_prints_as_filed(ws, tmp_path):
    path = tmp_path / "月报.pdf"
    result = CliRunner().invoke(main, ["-w", ws.root, "report", "--month", "2024-06", "-o", path])
    assert result.exit_code == 0, result.output
    info = dict(
        line.split(":", 1) for line in _poppler("pdfinfo", str(path)).splitlines() if ":" in line
    )
    assert info["Page size"].strip() == "595.304 x 841.89 pts (A4)"
    pages = int(info["Pages"])
    assert pages >= 3
    for page in range(1, pages + 1):
        text = _poppler("pdftotext", "-f", str(page), "-l", str(page), str(path), "-")
        text = "".join(text.split())  # pdftotext spaces CJK and digits its own way
        assert f"第{page}页共{pages}页" in text
        assert text.startswith(OFFICE) and "2024年6月" in text  # the header
    whole = _poppler("pdftotext", "-layout", str(path), "-")
    assert "NEW-20240620-01#1" in whole  # ids are never broken over two lines
    # No glyph fell back to another font: the CJK font is the only one (the figures are pictures).
    fonts = _poppler("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all("NotoSansCJK" in line.split()[0] for line in fonts)
    _poppler("pdftoppm", "-f", "1", "-l", "1", "-r", "30", "-png", str(path), str(tmp_path / "p"))
    (png,) = tmp_path.glob("p*.png")
    with Image.open(png) as image:
        width, height = image.size
    assert height / width == pytest.approx(297 / 210, rel=0.01)


def test_a_pdf_without_libreoffice_says_what_to_do(ws, tmp_path, monkeypatch):
    monkeypatch.setattr("hailin.report.document.shutil.which", lambda name: None)
    with pytest.raises(ReportError, match=r"LibreOffice .* not installed here; write \.docx"):
        write_report(ws.frames(every_record=True), "2024-06", tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()


def test_the_office_is_checked_like_every_setting():
    assert parse_settings(f'[report]\noffice = " {OFFICE} "').report_office == OFFICE
    assert parse_settings('[report]\noffice = ""').report_office is None
    with pytest.raises(SettingsError, match=r"report\.office should be one line of at most 40"):
        parse_settings('[report]\noffice = "' + "林" * 41 + '"')
    with pytest.raises(SettingsError, match=r"report\.office should be text"):
        parse_settings("[report]\noffice = 3")
