"""What hailin writes for people: the ledger (CSV, XLSX, GeoPackage, GeoJSON)
and the import error report (CSV), all through one spreadsheet-formula guard."""

import csv
import datetime
import io
import math
import os
import unicodedata

import geopandas
import pandas as pd

from hailin.geo.sites import site_names, township_name
from hailin.surveys.errors import ExportError
from hailin.surveys.io.export_formats import FORMATS
from hailin.surveys.io.taizhang import AREA_COLUMN, DATE_COLUMNS, TITLES, WIDTHS
from hailin.surveys.ledger.cases import LEDGER_TIMES
from hailin.surveys.localtime import offset_text
from hailin.surveys.schema import word
from hailin.translate import say, translate

HEADERS_ZH = {
    "case_id": "案件编号",
    "kind": "类型",
    "plot_id": "图斑编号",
    "site": "保护区",
    "township": "乡镇",
    "area_mu": "面积(亩)",
    "area_ha": "面积(公顷)",
    "cleared_on": "除治日期",
    "first_detected": "首次发现",
    "last_detected": "最近发现",
    "detections": "发现次数",
    "sources": "发现来源",
    "rasters": "监测影像",
    "largest_patch_m2": "最大斑块面积(㎡)",
    "status": "状态",
    "status_since": "状态日期",
    "days_open": "持续天数",
    "re_cleared_at": "再次清除时间",
    "verified_at": "核验清除时间",
}
# Ledger columns holding codes, shown in words in a Chinese ledger, and their vocabularies.
CODED_COLUMNS = {"status": "status", "kind": "case_kind"}


# A cell starting with one of these is run as a formula by Excel, WPS or LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe.

    The one formula guard: every CSV and XLSX cell hailin writes passes here.

    Examples
    --------
    >>> neutralise("=1+1"), neutralise("-5"), neutralise(-5), neutralise("柯湾")
    ("'=1+1", "'-5", -5, '柯湾')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def ledger_table(ledger, language="zh", sites=None, *, words=True):
    """The ledger as people read it: local times as text, sites by their names
    and townships in ``language`` (names from ``sites``, the site registry,
    when given); with ``words`` and ``language`` "zh", codes in words and
    headers in Chinese (the vocabulary's, :func:`hailin.surveys.schema.word`)."""
    table = ledger.copy()
    # Areas as they are shown everywhere: mu to 2 decimals, ha to 4.
    table["area_mu"] = table["area_mu"].round(2)
    table["area_ha"] = table["area_ha"].round(4)
    for column in LEDGER_TIMES:  # local, with the offset: no reader takes it for UTC
        table[column] = offset_text(table[column])
    table["cleared_on"] = table["cleared_on"].map(
        lambda d: "" if d is None or pd.isna(d) else str(d)
    )
    if sites is not None:
        names = site_names(sites, language)
        table["site"] = table["site"].map(lambda s: names.get(s, s))
    table["township"] = table["township"].map(lambda t: township_name(t, language))
    if words and language == "zh":
        for column, vocabulary in CODED_COLUMNS.items():
            table[column] = table[column].map(lambda code, v=vocabulary: word(v, code, "zh"))
        table["sources"] = table["sources"].map(
            lambda s: "、".join(word("patrol_type", p, "zh") for p in s.split(",")) if s else s
        )
        table = table.rename(columns=HEADERS_ZH)
    return table.map(neutralise)


def export_ledger(ledger, areas, path, language="zh", sites=None):
    """Write the ledger to ``path``; the format follows the extension.

    ``areas`` (plot_id, geometry) gives the spatial formats their geometry:
    the clearance plots and new-infestation patches the cases are about;
    ``sites`` (the site registry) the names the sites are shown by. CSV and
    XLSX are in ``language``; GeoPackage and GeoJSON keep English field names
    and typed times, show codes in ``language`` with the codes kept
    (:func:`hailin.surveys.io.gis.export_layer`), and a GeoPackage is styled.
    """
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FORMATS:
        raise ExportError(
            f"{path}: the ledger is written as {', '.join(FORMATS)}; got {suffix or 'no extension'!r}"
        )
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if suffix in (".csv", ".xlsx"):
        write_sheet(
            ledger_table(ledger, language, sites), path, "台账" if language == "zh" else "ledger"
        )
    else:
        from hailin.surveys.io.gis import export_layer  # it writes through here
        from hailin.surveys.io.layout import field_aliases_zh

        geometry = areas.drop_duplicates("plot_id").set_index("plot_id").geometry
        spatial = geopandas.GeoDataFrame(
            ledger, geometry=geometry.reindex(ledger["plot_id"]).to_numpy(), crs=4326
        )
        names = site_names(sites, language) if sites is not None else None
        headers = field_aliases_zh()
        export_layer(
            spatial, path, layer="ledger", headers=headers, lang=language, site_names=names
        )
    return path


def write_sheet(table: pd.DataFrame, path, title: str) -> None:
    """Write ``table`` for people: CSV (UTF-8 with a BOM, which Excel needs) or
    XLSX (sheet ``title``) by ``path``'s extension, every cell through
    :func:`neutralise`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_sheet(pd.DataFrame({"note": ["=1+1"]}), path, "t")
    >>> path.read_text(encoding="utf-8-sig").splitlines()
    ['note', "'=1+1"]
    """
    table = table.map(neutralise)
    if os.fspath(path).lower().endswith(".csv"):
        table.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        _write_xlsx(table, path, title)


def _write_xlsx(table, path, title):
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(table.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.itertuples(index=False):
        sheet.append([None if (not isinstance(v, str) and pd.isna(v)) else v for v in row])
    for column_cells in sheet.columns:
        width = max(len(str(c.value or "")) for c in column_cells)
        sheet.column_dimensions[column_cells[0].column_letter].width = min(40, max(10, width + 2))
    sheet.freeze_panes = "A2"
    book.save(path)


def write_csv(path, header, rows):
    """A CSV for people: UTF-8 with a BOM (Excel shows Chinese), every cell
    through the formula guard.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> write_csv(path, ["field", "column"], [["=x", "名称"]])
    >>> pathlib.Path(path).read_text(encoding="utf-8-sig").splitlines()
    ['field,column', "'=x,名称"]
    """
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([neutralise(cell) for cell in header])
        writer.writerows([neutralise(cell) for cell in row] for row in rows)


# -- the 台账 (surveys.io.taizhang builds the table) --------------------------------------
def _style_sheet(sheet, columns, rows):
    from openpyxl.styles import Alignment, Border, Font, Side

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 28
    for row in sheet.iter_rows(min_row=2, max_row=rows + 2, max_col=columns):
        for cell in row:
            cell.border = border
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in range(3, rows + 3):
        sheet.cell(row, AREA_COLUMN).number_format = "0.00"
        for column in DATE_COLUMNS:
            sheet.cell(row, column).number_format = "yyyy-mm-dd"
    for index, width in enumerate(WIDTHS[:columns], start=1):
        sheet.column_dimensions[sheet.cell(2, index).column_letter].width = width
    for row in range(2, rows + 3):
        values = [sheet.cell(row, c).value for c in range(1, columns + 1)]
        sheet.row_dimensions[row].height = row_height(values, WIDTHS[:columns])
    sheet.auto_filter.ref = f"A2:{sheet.cell(2, columns).column_letter}{rows + 2}"


# Points per line of wrapped 11-point text, and the padding of a cell.
LINE_PT = 15.0
PADDING_PT = 4.0


def _text_width(text: str) -> int:
    """Width in a column's character units: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def row_height(values, widths) -> float:
    """The height (points) of a row whose cells ``values`` wrap in columns of
    ``widths`` (Excel's character units): Excel and WPS do not grow a row for
    wrapped text written by a program, so the 台账 sets each one.

    Examples
    --------
    >>> row_height(["短", "前岐镇柯湾红树林保护小区海林公司"], [10, 10])  # 32 units in 9: 4 lines
    64.0
    """
    lines = 1
    for value, width in zip(values, widths, strict=True):
        if not isinstance(value, str) or not value:
            continue
        usable = max(width - 1, 1)
        wrapped = sum(max(1, math.ceil(_text_width(part) / usable)) for part in value.split("\n"))
        lines = max(lines, wrapped)
    return lines * LINE_PT + PADDING_PT


def _print_setup(sheet):
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.oddFooter.center.text = "&P / &N"


def write_taizhang(table: pd.DataFrame, path, lang: str = "zh", as_of=None) -> str:
    """Write :func:`taizhang_table` to the XLSX ``path`` with the title row
    (dated ``as_of``, the day the figures stand at; today when not given),
    frozen header, autofilter, date cells, rows as high as their wrapped text
    and print setup.

    Examples
    --------
    >>> import datetime, tempfile, openpyxl
    >>> from hailin.surveys.io.taizhang import HEADERS
    >>> table = pd.DataFrame([[1, "前岐镇", "P1", 3.14, "", "", "", "", "", ""]],
    ...                      columns=HEADERS["zh"])
    >>> path = write_taizhang(table, os.path.join(tempfile.mkdtemp(), "台账.xlsx"),
    ...                       as_of=datetime.date(2024, 5, 31))
    >>> sheet = openpyxl.load_workbook(path).active
    >>> sheet["A1"].value, sheet.freeze_panes, sheet["D3"].number_format, sheet.auto_filter.ref
    ('互花米草除治台账（截至 2024-05-31）', 'A3', '0.00', 'A2:J3')
    """
    import openpyxl

    if os.path.splitext(os.fspath(path))[1].lower() != ".xlsx":
        raise ExportError(f"{path}: the 台账 is written as .xlsx")
    as_of = as_of or datetime.date.today()
    book = openpyxl.Workbook()
    sheet = book.create_sheet("台账" if lang == "zh" else "ledger", 0)
    book.remove(book.worksheets[1])
    sheet.append([TITLES[lang].format(date=as_of.isoformat())])
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append([neutralise(v) for v in row])
    _style_sheet(sheet, len(table.columns), len(table))
    _print_setup(sheet)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    book.save(path)
    return os.fspath(path)


ERROR_REPORT_HEADER = ["file", "row", "column", "reason", "raw"]
_MAX_STEM = 80


def csv_line(cells, prefix: str = "") -> bytes:
    """One CSV line for people, every cell through :func:`neutralise`, as UTF-8
    (``prefix``: a BOM before the first line, for Excel).

    Examples
    --------
    >>> csv_line(["=1+1", "柯湾"]).decode("utf-8").strip()
    "'=1+1,柯湾"
    """
    out = io.StringIO()
    csv.writer(out).writerow([neutralise(cell) for cell in cells])
    return (prefix + out.getvalue()).encode("utf-8")


def report_header(language):
    """The error report's header in ``language`` (column for column)."""
    return [say(name, language) for name in ERROR_REPORT_HEADER]


def write_error_report(rejects, out_dir, file, upload_id, language="en"):
    """The import error report: every rejected row of ``file``, as CSV that
    Excel opens (UTF-8 with BOM), in ``out_dir``/import-errors/; returns its path.
    Its header and reasons are in ``language`` (hailin.translate).

    Every text cell, the file name included, passes the formula guard.
    """
    folder = os.path.join(out_dir, "import-errors")
    os.makedirs(folder, exist_ok=True)
    stem = os.path.splitext(os.path.basename(file))[0][:_MAX_STEM]
    path = os.path.join(folder, f"{stem}-{upload_id[:8]}.errors.csv")
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(report_header(language))
        for row in rejects.itertuples(index=False):
            cells = [
                file,
                "" if pd.isna(row.source_row) else int(row.source_row),
                "" if row.column is None or pd.isna(row.column) else str(row.column),
                "" if row.reason is None else translate(row.reason, language),
                ""
                if row.raw is None or (not isinstance(row.raw, str) and pd.isna(row.raw))
                else str(row.raw),
            ]
            writer.writerow([neutralise(cell) for cell in cells])
    return path
