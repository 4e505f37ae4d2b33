"""The monthly report's page as an office files it: A4 portrait with the margins
of Chinese official documents (GB/T 9704), a header naming the issuing office
and the period, a footer "第 x 页 共 y 页", one CJK font for every character
(digits and Latin letters included, so nothing falls back to another font), and
tables whose columns are as wide as their longest cell so ids never break.
"""

import unicodedata

from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Mm, Pt

from hailin.report.words import label

# A4 and the GB/T 9704 margins (mm): top, bottom, left, right.
PAGE_MM = (210, 297)
MARGINS_MM = (37, 35, 28, 26)
HEADER_MM = FOOTER_MM = 15
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM[2] - MARGINS_MM[3]
BODY_PT = 10.5  # 五号
TITLE_PT = 20
HEADER_STYLE_TABS_IN = (3.25, 6.5)
TABLE_PT = 9  # 小五
# Width of one character unit of table text (a Latin character; CJK takes two),
# and a cell's padding, in mm.
CHAR_MM = TABLE_PT * 0.3528 * 0.6  # capitals and digits of the CJK font, with room
CELL_PADDING_MM = 4.4  # the cell margins (1.9 mm each) and a little more
HEADER_UNITS = 6  # a header wraps to lines of three CJK characters at the least
WRITTEN_STYLES = (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.TABLE)
_THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _fonts(rpr, font: str) -> None:
    """Every script of a run property in ``font``, theme fonts removed (they
    would win over the named font)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in _THEME_FONTS:
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), font)


def one_font(document, font: str) -> None:
    """Every style of ``document`` (its defaults and table styles' parts
    included) in the one ``font``."""
    for style in document.styles:
        if style.type in WRITTEN_STYLES and style.element.find(qn("w:rPr")) is None:
            style.element.append(OxmlElement("w:rPr"))
    styles = document.styles.element
    for rpr in list(styles.iter(qn("w:rPr"))):
        _fonts(rpr, font)
    document.styles["Normal"].font.size = Pt(BODY_PT)
    document.styles["Title"].font.size = Pt(TITLE_PT)


def _field(paragraph, instruction: str) -> None:
    """A field (PAGE, NUMPAGES) the word processor fills in."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def page_setup(document, office: str | None, period: str, lang: str) -> None:
    """A4 portrait, the margins, the header (office, period) and the footer
    (page x of y) of every page."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    top, bottom, left, right = MARGINS_MM
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.header_distance, section.footer_distance = Mm(HEADER_MM), Mm(FOOTER_MM)
    header = section.header.paragraphs[0]
    tabs = header.paragraph_format.tab_stops
    for inches in HEADER_STYLE_TABS_IN:  # the template's centre and right tabs, for Letter
        tabs.add_tab_stop(Inches(inches), WD_TAB_ALIGNMENT.CLEAR)
    tabs.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    header.add_run(f"{office or ''}\t{period}").font.size = Pt(TABLE_PT)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, between, after = label("page_of", lang).split("{}")
    footer.add_run(before)
    _field(footer, "PAGE")
    footer.add_run(between)
    _field(footer, "NUMPAGES")
    footer.add_run(after)


def text_units(text: str) -> int:
    """Width of ``text`` in character units: a CJK character takes two.

    Examples
    --------
    >>> text_units("CC-KW-015#2"), text_units("复萌")
    (11, 4)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def column_widths(header, rows, keep_whole: int) -> list[float]:
    """Column widths (mm) filling the text width, each by its longest value (a
    header may wrap, a value not): widened alike when they all fit, else the
    first ``keep_whole`` columns (ids) kept whole and the rest narrowed.

    Examples
    --------
    >>> widths = column_widths(["案件编号", "面积"], [["CC-KW-015#2", "3.14"]], 1)
    >>> round(sum(widths), 1), widths[0] > 11 * CHAR_MM + CELL_PADDING_MM
    (156.0, True)
    """
    longest = [
        max([text_units(str(r[i])) for r in rows] + [min(text_units(str(h)), HEADER_UNITS)])
        for i, h in enumerate(header)
    ]
    need = [n * CHAR_MM + CELL_PADDING_MM for n in longest]
    if sum(need) <= TEXT_WIDTH_MM:
        return [n * TEXT_WIDTH_MM / sum(need) for n in need]
    rest = max(TEXT_WIDTH_MM - sum(need[:keep_whole]), 1.0)
    return need[:keep_whole] + [rest * n / sum(need[keep_whole:]) for n in need[keep_whole:]]


def _no_wrap(cell) -> None:
    properties = cell._tc.get_or_add_tcPr()
    properties.append(OxmlElement("w:noWrap"))


def office_table(document, header, rows, *, keep_whole: int = 1):
    """A bordered table in the table font, its header repeated on every page,
    columns sized by :func:`column_widths`, the id columns never wrapped."""
    rows = [[str(cell) for cell in row] for row in rows]
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = column_widths(header, rows, keep_whole)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)  # the grid, which LibreOffice lays out by
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    repeat = OxmlElement("w:tblHeader")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    for number, row in enumerate(table.rows):
        for index, cell in enumerate(row.cells):
            cell.width = Mm(widths[index])
            if index < keep_whole and number:
                _no_wrap(cell)
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(TABLE_PT)
                    run.bold = number == 0 or None
    return table
