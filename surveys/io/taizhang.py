"""The ledger in the 台账 layout an office files, as a table; written as one
XLSX sheet with a title row, a frozen header and a print setup by
:func:`hailin.surveys.io.exports.write_taizhang` (every CSV and XLSX for people is
written there, through the one formula guard).

Columns: 序号, 乡镇/村/小地名, 图斑号, 面积(亩) (2 decimals), 发现时间 (a date),
处置措施 (the plot's clearance method and the action taken on the case, e.g.
刈割+围淹；复萌再次清除), 处置时间 (a date), 责任单位, 核验情况, 备注; in English when
the workspace is.
"""

import datetime

import pandas as pd

from hailin.geo.sites import site_names, township_name
from hailin.surveys.schema import word

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
WIDTHS = [6, 30, 18, 10, 12, 24, 12, 22, 22, 36]
AREA_COLUMN = 4  # 面积(亩), 1-based
DATE_COLUMNS = (5, 7)  # 发现时间, 处置时间, 1-based
# The action taken on a case that was re-cleared (by its kind), after the plot's method.
RE_CLEARED = {
    "recurrence": {"zh": "复萌再次清除", "en": "regrowth removed again"},
    "new_infestation": {"zh": "新发图斑清除", "en": "new patch removed"},
}
MEASURE_JOIN = {"zh": "；", "en": "; "}


def _day(value) -> datetime.date | None:
    return None if value is None or pd.isna(value) else value.date()


def _measures(method, re_cleared: bool, kind: str, lang: str) -> str:
    """处置措施: the plot's clearance method (刈割+围淹) and, once the case was
    re-cleared, that action; empty for a new patch nothing was done on."""
    parts = [method] if isinstance(method, str) and method else []
    if re_cleared:
        parts.append(RE_CLEARED.get(kind, RE_CLEARED["recurrence"])[lang])
    return MEASURE_JOIN[lang].join(parts)


def _note(row, lang) -> str:
    kind = word("case_kind", row["kind"], lang)
    if lang == "zh":
        return f"{kind}；案件编号 {row['case_id']}；发现 {row['detections']} 次"
    return f"{kind}; case {row['case_id']}; {row['detections']} finding(s)"


def _verification(row, lang) -> str:
    status = word("status", row["status"], lang)
    if row["status"] == "verified_clear":
        day = row["verified_at"].strftime("%Y-%m-%d")
        return f"{status}（{day}）" if lang == "zh" else f"{status} ({day})"
    return status


def taizhang_table(ledger, clearance, sites, lang: str = "zh") -> pd.DataFrame:
    """The ledger in the 台账 layout, one row per case, as text and numbers.

    Parameters
    ----------
    ledger : DataFrame
        The ledger (:mod:`hailin.surveys.ledger.cases`).
    clearance : DataFrame
        The clearance plots (plot_id, method, contractor): a plot's contractor
        is the unit responsible for it (a new patch's is its township), its
        method the first of the case's measures.
    sites : DataFrame
        The site registry, for the sites' names.
    lang : {"zh", "en"}

    Returns
    -------
    DataFrame
        Columns :data:`HEADERS` in ``lang``; the days are dates.

    Examples
    --------
    >>> from hailin.geo.sites import load_sites
    >>> ledger = pd.DataFrame({
    ...     "case_id": ["P1#1"], "kind": ["recurrence"], "plot_id": ["P1"], "site": ["kewan"],
    ...     "township": ["前岐镇"], "area_mu": [3.14159], "detections": [2], "status": ["open"],
    ...     "first_detected": pd.to_datetime(["2024-05-01 09:00"]), "re_cleared_at": [pd.NaT],
    ...     "verified_at": [pd.NaT]})
    >>> clearance = pd.DataFrame({"plot_id": ["P1"], "method": ["刈割+围淹"],
    ...                           "contractor": ["海林公司"]})
    >>> row = taizhang_table(ledger, clearance, load_sites()).iloc[0]
    >>> row["乡镇/村/小地名"], float(row["面积(亩)"]), row["处置措施"], row["责任单位"], row["核验情况"]
    ('前岐镇/柯湾红树林保护小区', 3.14, '刈割+围淹', '海林公司', '复萌未处置')
    >>> row["发现时间"]
    datetime.date(2024, 5, 1)
    """
    names = site_names(sites, lang) if sites is not None else {}
    contractors = dict(zip(clearance["plot_id"], clearance.get("contractor", []), strict=False))
    methods = dict(zip(clearance["plot_id"], clearance.get("method", []), strict=False))
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
                _measures(methods.get(row["plot_id"]), re_cleared, row["kind"], lang),
                _day(row["re_cleared_at"]),
                contractor if isinstance(contractor, str) and contractor else township,
                _verification(row, lang),
                _note(row, lang),
            ]
        )
    return pd.DataFrame(rows, columns=HEADERS[lang])
