"""The import flow: hash, duplicate check, stage, read, check, store, report.

:meth:`hailin.surveys.workspace.Workspace.import_file` runs it with the workspace's
paths and options. The file is read and checked without holding the store;
the write lock is taken only to store the result. Whether the file is a
duplicate is decided again inside that write transaction, so simultaneous
imports of one file store it once and keep its accepted upload record.
"""

import dataclasses
import logging
import os

import pandas as pd

from hailin.geo.errors import HailinError
from hailin.surveys.check.options import ImportOptions
from hailin.surveys.check.plots import normalize_plots
from hailin.surveys.check.records import normalize
from hailin.surveys.errors import SurveyFileError, VocabularyError
from hailin.surveys.io.archive import (
    archive_name,
    check_file_size,
    discard,
    place_archive,
    printable_name,
    remove_orphans,
    sha256_of,
    stage_upload,
    utf8_path,
)
from hailin.surveys.io.exports import write_error_report
from hailin.surveys.io.layout import ensure_layers, read_sites
from hailin.surveys.io.logs import logging_to
from hailin.surveys.io.raw import note
from hailin.surveys.io.sniff import read_raw
from hailin.surveys.io.store import WRITE_WAIT_S, Store
from hailin.surveys.io.uploads import (
    STORED_STATUSES,
    archived_names,
    forget_failed_upload,
    login,
    previous_upload,
    store_plots,
    store_rejects,
    store_surveys,
    store_upload_row,
)
from hailin.surveys.paths import WorkspacePaths
from hailin.surveys.schema import PLOT_KINDS

logger = logging.getLogger(__name__)

MAX_ERRORS_IN_SUMMARY = 1000


@dataclasses.dataclass
class ImportSummary:
    """What happened to one file (the JSON summary of the CLI contract)."""

    upload_id: str
    file: str
    status: str  # accepted | partial | rejected | duplicate
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    rows_updated: int = 0
    errors: list = dataclasses.field(default_factory=list)
    warnings: list = dataclasses.field(default_factory=list)
    format: str = ""
    archived_as: str | None = None
    report: str | None = None
    dry_run: bool = False
    kind: str = "surveys"

    def to_dict(self):
        payload = dataclasses.asdict(self)
        if len(self.errors) > MAX_ERRORS_IN_SUMMARY:
            payload["errors"] = self.errors[:MAX_ERRORS_IN_SUMMARY]
            payload["errors_truncated"] = len(self.errors)
        return payload

    def refuse(self, message: str) -> "ImportSummary":
        """The whole file refused with ``message`` (nothing stored)."""
        self.status, self.errors = "rejected", [note(message)]
        return self


def import_file(
    path,
    options: ImportOptions,
    paths: WorkspacePaths,
    *,
    kind: str = "surveys",
    dry_run: bool = False,
    strict: bool = False,
    uploader: str | None = None,
    progress=None,
    wait: float = WRITE_WAIT_S,
    language: str = "en",
    attach=None,
) -> ImportSummary:
    """Import one file into the workspace at ``paths``; returns an :class:`ImportSummary`.

    ``kind`` is "surveys" (patrol records) or "clearance" / "restoration"
    (plots). The raw bytes are staged in uploads/ first and read and checked
    without holding the store; the upload row, accepted rows, rejects and the
    archived copy are then put in place in one write transaction (a writer
    waits up to ``wait`` seconds for another), so a crash at any moment leaves
    the store as it was or completely updated. An unexpected error while
    reading or checking rejects the file (its traceback goes to the workspace
    log) instead of escaping. The error report is written in ``language``
    ("zh" or "en"; the store keeps the reasons in English). ``attach(store,
    upload_id)`` writes more in the same transaction once the records are in
    (the field form's photos): if it fails, nothing of the file is stored.
    """
    if kind != "surveys" and kind not in PLOT_KINDS:
        raise VocabularyError(f"kind should be 'surveys' or one of {PLOT_KINDS}, got {kind!r}")
    file = printable_name(os.path.basename(os.fspath(path)))
    options = options.for_file(path)  # --date-from-name: the day in the file's name
    if not os.path.isfile(path):
        raise SurveyFileError("no such file", file=printable_name(os.fspath(path)))
    summary = ImportSummary(upload_id="", file=file, status="rejected", dry_run=dry_run, kind=kind)
    try:
        # Before hashing and copying it: a file past the size bound is refused as it is.
        check_file_size(path, file)
    except SurveyFileError as error:
        return summary.refuse(error.reason)
    summary.upload_id = sha256_of(path)
    with Store.open(paths.store, write=False) as store, store.snapshot():
        # A file stored already is not read again; the sites place the rows.
        previous = (
            None if dry_run else previous_upload(store, summary.upload_id, options.sheet, kind)
        )
        if previous is not None and previous[0] in STORED_STATUSES:
            return _mark_duplicate(summary, previous)
        sites = read_sites(store)
    staged = None if dry_run else stage_upload(path, paths.uploads, summary.upload_id, file)
    try:
        records, rejects, message = _read_and_check(path, options, sites, summary, paths.log)
        strict_rejected = records is not None and strict and len(rejects) > 0
        if strict_rejected:
            summary.warnings.append(note("--strict: rejected whole because some rows are bad"))
            records = records.iloc[0:0]
        if not dry_run:
            stored = _Stored(records, rejects, message, strict_rejected)
            who = uploader or login()
            _store(paths, summary, stored, options, who, path, staged, (progress, attach), wait)
        elif records is not None:
            if kind == "surveys":
                summary.rows_duplicate = int(records["record_key"].duplicated().sum())
            summary.rows_accepted = len(records) - summary.rows_duplicate
            summary.status = "rejected" if strict_rejected else _status(summary)
        if len(rejects) and summary.status != "duplicate":
            _report(summary, rejects, paths.out, language)
        return summary
    finally:
        if staged is not None:
            discard(staged)


def _read_and_check(path, options, sites, summary, log_path):
    """(records or None, rejects, file message or None) of the file; the
    summary gets its format, counts, warnings and errors."""
    file = summary.file
    try:
        with utf8_path(path) as readable:
            table = read_raw(readable, sheet=options.sheet, name=file)
        summary.format = table.format
        if summary.kind == "surveys":
            result = normalize(table, options, file=file, sites=sites)
        else:
            result = normalize_plots(table, summary.kind, options, file=file, sites=sites)
    except SurveyFileError as error:
        rejects = _file_rejects(error.row, error.column, error.reason)
        summary.errors = _errors_of(rejects)
        return None, rejects, str(error)
    except HailinError:
        raise
    except Exception as error:  # a hailin bug: the file is refused, the user told where to look
        reason = _internal_error(log_path, file, summary.upload_id, error)
        rejects = _file_rejects(None, None, reason)
        summary.errors = _errors_of(rejects)
        return None, rejects, f"{file}: {reason}"
    summary.rows_read = result.rows_read
    summary.warnings.extend(result.warnings)
    summary.errors = _errors_of(result.rejects)
    summary.rows_rejected = len(result.rejects)
    return result.records, result.rejects, None


def _file_rejects(row, column, reason):
    return pd.DataFrame(
        {"source_row": [row], "column": [column], "reason": [reason], "raw": [None]}
    )


def _errors_of(rejects):
    return [
        {
            "row": None if pd.isna(r) else int(r),
            "column": None if pd.isna(c) else str(c),
            "message": m,
        }
        for r, c, m in zip(rejects["source_row"], rejects["column"], rejects["reason"], strict=True)
    ]


def _internal_error(log_path, file, upload_id, error):
    """Log the traceback of an unexpected error and say so in one line."""
    with logging_to(log_path) as log:
        logger.exception("reading or checking %s (upload %s) failed", file, upload_id)
    detail = f"{type(error).__name__}: {error}"
    detail = detail if len(detail) <= 200 else detail[:199] + "…"
    return (
        f"internal error while reading or checking the file ({detail}); this is a hailin "
        f"bug, please report it. Details in {log}"
    )


def _mark_duplicate(summary, previous):
    summary.status = "duplicate"
    summary.rows_read = int(previous[1] or 0)
    summary.rows_duplicate = summary.rows_read
    summary.rows_accepted = summary.rows_rejected = summary.rows_updated = 0
    summary.errors = []
    summary.warnings = [note(f"identical to an earlier upload ({previous[0]}); nothing new stored")]
    return summary


def _status(summary):
    if summary.rows_accepted and summary.rows_rejected:
        return "partial"
    if summary.rows_accepted:
        return "accepted"
    if summary.rows_rejected:
        return "rejected"
    return "duplicate" if summary.rows_duplicate else "rejected"


@dataclasses.dataclass
class _Stored:
    """What the check of one file gives the store."""

    records: object  # accepted rows (a GeoDataFrame), or None when the file was refused
    rejects: pd.DataFrame
    message: str | None  # why the file was refused, for the upload log
    strict_rejected: bool


def _store(paths, summary, stored, options, uploader, path, staged, hooks, wait):
    """Store one file's outcome in one write transaction: decide whether it is
    a duplicate, put the archived copy in place, write upload, rows and rejects.
    A failed write removes the archived copy it put in place."""
    upload_id, sheet, kind = summary.upload_id, options.sheet, summary.kind
    progress, attach = hooks
    placed = None
    try:
        with (
            Store.open(paths.store, write=True, wait=wait) as store,
            store.transaction(holder=f"hailin import of {summary.file} ({kind})"),
        ):
            ensure_layers(store)
            _remove_orphans(store, paths)
            previous = previous_upload(store, upload_id, sheet, kind)
            if previous is not None and previous[0] in STORED_STATUSES:
                _mark_duplicate(summary, previous)  # another import stored it meanwhile
                return
            # A rejected earlier upload of the same bytes is replaced by this attempt.
            forget_failed_upload(store, upload_id, sheet, kind)
            target, created = place_archive(staged, paths.uploads, archive_name(path, upload_id))
            placed = target if created else None
            summary.archived_as = os.path.relpath(target, paths.root)
            _store_rows(store, summary, stored, sheet, progress)
            if attach is not None and summary.rows_accepted:
                attach(store, upload_id)
            if len(stored.rejects):
                store_rejects(store, stored.rejects, upload_id, sheet, kind)
            store_upload_row(store, _upload_row(summary, options, uploader, target, stored))
    except BaseException:
        if placed is not None:
            discard(placed)
        raise


def _remove_orphans(store, paths):
    """Archived files a killed import left with no upload row are removed."""
    for name in remove_orphans(paths.uploads, archived_names(store)):
        logger.warning("removed %s from uploads: no upload or photo names it", name)


def _store_rows(store, summary, stored, sheet, progress):
    """Append the accepted records or plots; the summary gets the counts."""
    records = stored.records
    if records is not None and len(records):
        if summary.kind == "surveys":
            prefix = summary.upload_id[:16] + (f":{sheet}" if sheet else "")
            accepted, duplicates = store_surveys(
                store, records, summary.upload_id, prefix, progress
            )
            summary.rows_accepted, summary.rows_duplicate = accepted, duplicates
        else:
            accepted, replaced, overlaps = store_plots(
                store, records, summary.kind, summary.upload_id
            )
            summary.warnings.extend(
                note(f"clearance plot {first} overlaps stored plot {second} by {m2:,.0f} m²")
                for first, second, m2 in overlaps
            )
            summary.rows_accepted, summary.rows_updated = accepted, replaced
    if records is not None and not stored.strict_rejected:
        summary.status = _status(summary)


def _upload_row(summary, options, uploader, target, stored):
    return {
        "upload_id": summary.upload_id,
        "file": summary.file,
        "archived_as": summary.archived_as,
        "size_bytes": os.path.getsize(target),
        "format": summary.format,
        "uploaded_at": pd.Timestamp.now(tz="UTC"),
        "uploaded_by": uploader,
        "team": options.team or uploader,
        "patrol_type": options.patrol_type,
        "crs": None if options.crs is None else str(options.crs),
        "sheet": options.sheet,
        "kind": summary.kind,
        "status": summary.status,
        "rows_read": summary.rows_read,
        "rows_accepted": summary.rows_accepted,
        "rows_rejected": summary.rows_rejected,
        "rows_duplicate": summary.rows_duplicate,
        "message": stored.message,
    }


def _report(summary, rejects, out_dir, language):
    """Write the error report of the rejected rows; the store holds them anyway."""
    try:
        summary.report = write_error_report(
            rejects, out_dir, summary.file, summary.upload_id, language
        )
    except OSError as error:  # the store has the rejects; the report is a copy
        summary.warnings.append(
            note(
                f"the error report could not be written ({error}); "
                "the rejected rows are in the store's rejects layer"
            )
        )
