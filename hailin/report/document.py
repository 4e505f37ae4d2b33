"""The monthly report (月报) as a Word document, from one read of the store.

Sections: the month's figures against the totals, the progress charts, the
clearance status map with the month's new cases, the cases opened this month
and those still open, and patrol effort by mode; all in the workspace
language. Figures come from :mod:`hailin.surveys.stats`, counted as everywhere else.
"""

import dataclasses
import datetime
import io
import os
import pathlib
import shutil
import subprocess
import tempfile
import zoneinfo

import pandas as pd

from hailin.geo.sites import site_names
from hailin.report import figures
from hailin.report.layout import office_table, one_font, page_setup
from hailin.report.words import label
from hailin.surveys import stats
from hailin.surveys.errors import ReportError
from hailin.surveys.frames import Frames
from hailin.surveys.ledger.counts import OPEN
from hailin.surveys.schema import word

PICTURE_WIDTH_CM = 15.5
MAX_LISTED_CASES = 30
PDF_TIMEOUT_S = 120


@dataclasses.dataclass
class MonthFigures:
    """The month's numbers: this month and to the month's end."""

    cleared_mu: float
    cleared_to_date_mu: float
    planted_mu: float
    planted_to_date_mu: float
    cases_opened: int
    plots_re_cleared: int
    open_cases: int
    effort: pd.DataFrame  # stats.patrol_effort by mode for the month
    new_cases: pd.DataFrame  # ledger rows first found in the month


def month_end_frames(frames: Frames, last: datetime.date) -> Frames:
    """``frames`` as they stood at the end of the month's ``last`` day (or of
    their own earlier as-of day): the report says what was true then."""
    day = last if frames.as_of is None else min(frames.as_of, last)
    return frames if frames.as_of == day else frames.at(day)


def month_figures(frames: Frames, month: str) -> MonthFigures:
    """The figures of ``month`` ("YYYY-MM") from ``frames`` (every record read),
    as they stood at the end of the month (:func:`month_end_frames`).

    Examples
    --------
    >>> import tempfile
    >>> from hailin.surveys.workspace import Workspace
    >>> frames = Workspace.create(tempfile.mkdtemp()).frames(every_record=True)
    >>> month_figures(frames, "2024-05").cases_opened
    0
    """
    when = stats.period(month)
    if when.month is None:
        raise ReportError(f"a monthly report is for a month like 2024-05, not {month!r}")
    assert when.last is not None  # a month has its last day
    frames = month_end_frames(frames, when.last)
    to_date = stats.period((None, when.last))
    ledger = frames.ledger
    opened = when.contains(ledger["first_detected"].dt.date)
    re_cleared = when.contains(ledger["re_cleared_at"].dt.date) & ledger["kind"].eq("recurrence")
    plots = {"clearance": frames.clearance, "restoration": frames.restoration}
    dates = {"clearance": "cleared_on", "restoration": "planted_on"}

    def mu(kind, period):
        chosen = plots[kind][period.contains(plots[kind][dates[kind]])]
        return float(chosen["area_mu"].sum())

    return MonthFigures(
        cleared_mu=mu("clearance", when),
        cleared_to_date_mu=mu("clearance", to_date),
        planted_mu=mu("restoration", when),
        planted_to_date_mu=mu("restoration", to_date),
        cases_opened=int(opened.sum()),
        plots_re_cleared=int(ledger.loc[re_cleared, "plot_id"].nunique()),
        open_cases=int((ledger["status"] == OPEN).sum()),
        effort=stats.patrol_effort(frames.surveys, "patrol_type", when, frames.timezone),
        new_cases=ledger[opened],
    )


def _table(document, header, rows, keep_whole=1):
    return office_table(document, header, rows, keep_whole=keep_whole)


def _picture(document, png, caption):
    from docx.shared import Cm

    document.add_picture(io.BytesIO(png), width=Cm(PICTURE_WIDTH_CM))
    document.add_paragraph(caption, style="Caption")


def _figures_table(document, frames, numbers, lang):
    settings = frames.settings
    effort = numbers.effort.total
    rows = [
        (label("cleared_mu", lang), f"{numbers.cleared_mu:,.2f}",
         f"{numbers.cleared_to_date_mu:,.2f}", f"{settings.clearance_target_mu:,.2f}"),
        (label("planted_mu", lang), f"{numbers.planted_mu:,.2f}",
         f"{numbers.planted_to_date_mu:,.2f}", f"{settings.restoration_target_mu:,.2f}"),
        (label("cases_opened", lang), numbers.cases_opened, "", ""),
        (label("plots_re_cleared", lang), numbers.plots_re_cleared, "", ""),
        (label("open_cases", lang), "", numbers.open_cases, ""),
        (label("patrols", lang), int(effort["patrols"]), "", ""),
        (label("person_times", lang), int(effort["person_times"]), "", ""),
        (label("km", lang), f"{effort['km']:,.2f}", "", ""),
    ]  # fmt: skip
    header = [label(k, lang) for k in ("item", "this_month", "to_date", "target")]
    _table(document, header, rows, keep_whole=0)


def _case_rows(cases, lang):
    rows = []
    for case in cases.head(MAX_LISTED_CASES).itertuples():
        days = "" if pd.isna(case.days_open) else int(case.days_open)
        rows.append(
            (case.case_id, word("case_kind", case.kind, lang), case.plot_id,
             case.township if isinstance(case.township, str) else "",
             f"{case.first_detected:%Y-%m-%d}", f"{case.area_mu:,.2f}", days)
        )  # fmt: skip
    return rows


def _cases_section(document, numbers, ledger, lang):
    header = [label(k, lang) for k in ("case", "kind", "plot", "township", "found", "area")]
    header.append(label("days_open", lang))
    for title, cases in (
        ("new_cases_table", numbers.new_cases),
        ("open_cases_table", ledger[ledger["status"] == OPEN]),
    ):
        document.add_heading(label(title, lang), level=2)
        if len(cases):
            _table(document, header, _case_rows(cases, lang), keep_whole=3)
        else:
            document.add_paragraph(label("none", lang))


def _effort_section(document, numbers, lang):
    effort = numbers.effort
    body = effort.body
    header = [label(k, lang) for k in ("mode", "patrols", "patrol_days", "person_times")]
    header += [label("records", lang), label("km", lang)]
    rows = [
        (word("patrol_type", mode, lang) if mode != "(none)" else mode, int(row["patrols"]),
         int(row["patrol_days"]), int(row["person_times"]), int(row["records"]),
         f"{row['km']:,.2f}")
        for mode, row in body.iterrows()
    ]  # fmt: skip
    _table(document, header, rows, keep_whole=0)
    if len(body):
        names = [r[0] for r in rows]
        chart = figures.bar_chart(
            names, body["patrols"].tolist(), label("chart_effort", lang), label("times", lang)
        )
        _picture(document, chart, f"{label('figure', lang)} 4 {label('chart_effort', lang)}")


def _title_block(document, frames, when, issued, lang):
    """The title, the period and the day of issue (and the issuing office)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    title = document.add_heading(label("title", lang), level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    lines = [
        label("month", lang).format(year=when.first.year, month=when.first.month),
        label("period", lang).format(first=when.first, last=when.last),
        label("made", lang).format(date=frames.as_of),
        label("issued", lang).format(date=issued),
    ]
    if frames.settings.report_office:
        lines.insert(1, label("issuer", lang).format(office=frames.settings.report_office))
    for line in lines:
        document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER


def build_report(frames: Frames, month: str, issued: datetime.date | None = None):
    """The monthly report of ``month`` ("YYYY-MM") as a python-docx Document,
    from ``frames`` read with every record, as they stood at the month's end
    (cases first found by then, their ages then), in the workspace language: A4
    with the issuing office ([report] office) and the period in its header,
    page x of y in its footer, one CJK font throughout; ``issued`` is the day
    of issue (today, local to the workspace, when not given)."""
    import docx

    lang = frames.language
    when = stats.period(month)
    assert when.first is not None and when.last is not None  # a month has both
    frames = month_end_frames(frames, when.last)
    numbers = month_figures(frames, month)
    issued = issued or datetime.datetime.now(zoneinfo.ZoneInfo(frames.timezone)).date()
    document = docx.Document()
    font = figures.cjk_font()
    if font:
        one_font(document, font)
    period = label("month", lang).format(year=when.first.year, month=when.first.month)
    page_setup(document, frames.settings.report_office, period, lang)
    _title_block(document, frames, when, issued, lang)
    document.add_heading(label("figures", lang), level=1)
    _figures_table(document, frames, numbers, lang)
    document.add_heading(label("progress", lang), level=1)
    months = stats.area_table(
        frames.clearance, "clearance", frames.settings.targets.clearance, "month",
        (None, when.last),
    ).body  # fmt: skip
    chart = figures.cumulative_chart(
        [str(m) for m in months.index], months["cumulative_mu"].tolist(),
        frames.settings.clearance_target_mu, lang,
    )  # fmt: skip
    _picture(document, chart, f"{label('figure', lang)} 1 {label('chart_clearance', lang)}")
    years = stats.area_table(
        frames.restoration, "restoration", frames.settings.targets.restoration, "year",
        (None, when.last),
    ).body  # fmt: skip
    planting = figures.bar_chart(
        [str(y) for y in years.index], years["area_mu"].tolist(), label("chart_planting", lang),
        label("mu", lang),
    )  # fmt: skip
    _picture(document, planting, f"{label('figure', lang)} 2 {label('chart_planting', lang)}")
    document.add_heading(label("map", lang), level=1)
    new_areas = frames.cases()
    new_areas = new_areas[new_areas["case_id"].isin(numbers.new_cases["case_id"])]
    status = figures.status_map(
        frames.sites, frames.clearance, frames.ledger, new_areas, lang,
        site_names(frames.sites, lang),
    )  # fmt: skip
    _picture(document, status, f"{label('figure', lang)} 3 {label('map_title', lang)}")
    document.add_heading(label("recurrence", lang), level=1)
    _cases_section(document, numbers, frames.ledger, lang)
    document.add_heading(label("effort", lang), level=1)
    _effort_section(document, numbers, lang)
    return document


def write_report(
    frames: Frames, month: str, path: str | os.PathLike, issued: datetime.date | None = None
) -> str:
    """Write the monthly report of ``month`` to ``path``: ``.docx``, or
    ``.pdf`` when LibreOffice (``soffice``) is installed to convert it;
    ``issued`` is its day of issue (see :func:`build_report`)."""
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in (".docx", ".pdf"):
        raise ReportError(f"{path}: the report is written as .docx or .pdf")
    converter = shutil.which("soffice") or shutil.which("libreoffice")
    if suffix == ".pdf" and converter is None:
        raise ReportError(
            "a PDF needs LibreOffice (soffice) to convert the report, and it is not installed "
            "here; write .docx (-o report.docx) and print it from Word or WPS, or install "
            "LibreOffice Writer"
        )
    document = build_report(frames, month, issued)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if suffix == ".docx":
        document.save(path)
        return path
    with tempfile.TemporaryDirectory() as scratch:
        source = os.path.join(scratch, os.path.splitext(os.path.basename(path))[0] + ".docx")
        document.save(source)
        assert converter is not None  # checked above for .pdf
        # A profile of its own: another LibreOffice running (or converting) does not block it.
        profile = pathlib.Path(scratch, "profile").as_uri()
        command = [
            converter, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
            "--outdir", scratch, source,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, timeout=PDF_TIMEOUT_S, check=False)
        made = os.path.splitext(source)[0] + ".pdf"
        if done.returncode != 0 or not os.path.isfile(made):
            raise ReportError("LibreOffice could not convert the report to PDF; write .docx")
        shutil.move(made, path)
    return path
