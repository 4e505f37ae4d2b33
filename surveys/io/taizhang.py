"""The ledger in the 台账 layout an office files: one XLSX sheet with a title
row, a frozen header and a print setup (A4 landscape, one page wide, the
header repeated on every page, page numbers in the footer).

Columns: 序号, 乡镇/村/小地名, 图斑号, 面积(亩) (2 decimals), 发现时间, 处置措施,
处置时间, 责任单位, 核验情况, 备注; in English when the workspace is.
"""

import datetime
import os

import pandas as pd

from geo.sites import site_names, township_name
from surveys.errors import ExportError
from surveys.io.exports import neutralise
from surveys.schema import word

HEADERS = {
    "zh": [
        "序号",
        "乡镇/村/小地名",
        "图斑号",
        "面积(亩)",
        "发现时间",
        "处置措施",
        "处置时间",
        "责任单位",
        "核验情况",
        "备注",
    ],
    "en": [
        "No.",
        "Township/village/place",
        "Plot",
        "Area (mu)",
        "Found on",
        "Action",
        "Done on",
        "Responsible unit",
        "Verification",
        "Notes",
    ],
}
TITLES = {"zh": "互花米草除治台账（截至 {date}）", "en": "Spartina clearance ledger (as of {date})"}
WIDTHS = [6, 30, 18, 10, 12, 10, 12, 22, 22, 36]
AREA_COLUMN = 4  # 面积(亩), 1-based


def _day(value) -> str:
    return "" if value is None or pd.isna(value) else value.strftime("%Y-%m-%d")


def _note(row, lang) -> str:
    kind = word("case_kind", row["kind"], lang)
    if lang == "zh":
        return f"{kind}；案件编号 {row['case_id']}；发现 {row['detections']} 次"
    return f"{kind}; case {row['case_id']}; {row['detections']} finding(s)"


def _verification(row, lang) -> str:
    status = word("status", row["status"], lang)
    if row["status"] == "verified_clear":
        return f"{status}（{_day(row['verified_at'])}）" if lang == "zh" else (
            f"{status} ({_day(row['verified_at'])})"
        )  # fmt: skip
    return status


def taizhang_table(ledger, clearance, sites, lang: str = "zh") -> pd.DataFrame:
    """The ledger in the 台账 layout, one row per case, as text and numbers.

    Parameters
    ----------
    ledger : DataFrame
        The ledger (:mod:`surveys.ledger.cases`).
    clearance : DataFrame
        The clearance plots (plot_id, contractor): a plot's contractor is the
        unit responsible for it; a new patch's is its township.
    sites : DataFrame
        The site registry, for the sites' names.
    lang : {"zh", "en"}

    Returns
    -------
    DataFrame
        Columns :data:`HEADERS` in ``lang``.

    Examples
    --------
    >>> from geo.sites import load_sites
    >>> ledger = pd.DataFrame({
    ...     "case_id": ["P1#1"], "kind": ["recurrence"], "plot_id": ["P1"], "site": ["kewan"],
    ...     "township": ["前岐镇"], "area_mu": [3.14159], "detections": [2], "status": ["open"],
    ...     "first_detected": pd.to_datetime(["2024-05-01 09:00"]), "re_cleared_at": [pd.NaT],
    ...     "verified_at": [pd.NaT]})
    >>> clearance = pd.DataFrame({"plot_id": ["P1"], "contractor": ["海林公司"]})
    >>> row = taizhang_table(ledger, clearance, load_sites()).iloc[0]
    >>> row["乡镇/村/小地名"], float(row["面积(亩)"]), row["处置措施"], row["责任单位"], row["核验情况"]
    ('前岐镇/柯湾红树林保护小区', 3.14, '未处理', '海林公司', '复萌未处置')
    """
    names = site_names(sites, lang) if sites is not None else {}
    contractors = dict(zip(clearance["plot_id"], clearance.get("contractor", []), strict=False))
    rows = []
    for number, (_, row) in enumerate(ledger.iterrows(), start=1):
        township = township_name(row["township"], lang) if isinstance(row["township"], str) else ""
        place = "/".join(p for p in (township, names.get(row["site"], "")) if p)
        contractor = contractors.get(row["plot_id"])
        re_cleared = row["re_cleared_at"] is not None and not pd.isna(row["re_cleared_at"])
        rows.append(
            [
                number,
                place,
                row["plot_id"],
                round(float(row["area_mu"]), 2),
                _day(row["first_detected"]),
                word("action", "removed" if re_cleared else "none", lang),
                _day(row["re_cleared_at"]),
                contractor if isinstance(contractor, str) and contractor else township,
                _verification(row, lang),
                _note(row, lang),
            ]
        )
    return pd.DataFrame(rows, columns=HEADERS[lang])


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
    for index, width in enumerate(WIDTHS[:columns], start=1):
        sheet.column_dimensions[sheet.cell(2, index).column_letter].width = width


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
    (dated ``as_of``, today when not given), frozen header and print setup.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> table = pd.DataFrame([[1, "前岐镇", "P1", 3.14, "", "", "", "", "", ""]],
    ...                      columns=HEADERS["zh"])
    >>> path = write_taizhang(table, os.path.join(tempfile.mkdtemp(), "台账.xlsx"),
    ...                       as_of=datetime.date(2024, 5, 31))
    >>> sheet = openpyxl.load_workbook(path).active
    >>> sheet["A1"].value, sheet.freeze_panes, sheet["D3"].number_format
    ('互花米草除治台账（截至 2024-05-31）', 'A3', '0.00')
    """
    import openpyxl

    if os.path.splitext(os.fspath(path))[1].lower() != ".xlsx":
        raise ExportError(f"{path}: the 台账 is written as .xlsx")
    as_of = as_of or datetime.date.today()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账" if lang == "zh" else "ledger"
    sheet.append([TITLES[lang].format(date=as_of.isoformat())])
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append([neutralise(v) for v in row])
    _style_sheet(sheet, len(table.columns), len(table))
    _print_setup(sheet)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    book.save(path)
    return os.fspath(path)
