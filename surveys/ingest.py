"""The import flow: hash, duplicate check, stage, read, check, store, report.

:meth:`hailin.surveys.workspace.Workspace.import_file` runs it with the workspace's
paths and options. The file is read and checked without holding the store;
the write lock is taken only to store the result. Whether the file is a
duplicate is decided again inside that write transaction, so simultaneous
imports of one file store it once and keep its accepted upload record.
"""

import contextlib
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
from hailin.surveys.io.layout import SURVEYS_LAYER, ensure_layers, read_sites
from hailin.surveys.io.logs import logging_to
from hailin.surveys.io.parts import PARTS_FROM_BYTES, WiderRow, read_parts, scan_text
from hailin.surveys.io.raw import note
from hailin.surveys.io.sniff import read_raw, sniff_format
from hailin.surveys.io.store import WRITE_WAIT_S, Store
from hailin.surveys.io.uploads import (
    STORED_STATUSES,
    StoredKeys,
    archived_names,
    forget_failed_upload,
    indexes_deferred,
    login,
    previous_upload,
    store_plots,
    store_rejects,
    store_surveys,
    store_upload_row,
)
from hailin.surveys.limits import LIMITS
from hailin.surveys.paths import WorkspacePaths
from hailin.surveys.schema import PLOT_KINDS
from hailin.surveys.summary import (
    ImportSummary,
    errors_of,
    mark_duplicate,
    status_of,
    upload_row,
    write_report,
)

logger = logging.getLogger(__name__)


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
        check_file_size(path, file, max(LIMITS.file_bytes, LIMITS.part_file_bytes))
        # The field form's uploads (attach) are small: read whole, their photos with them.
        whole = dry_run or strict or kind != "surveys" or attach is not None
        scanned = None if whole else _scan(path, file)
        if scanned is None:
            check_file_size(path, file)  # the bound of a file read whole
    except SurveyFileError as error:
        return summary.refuse(error.reason)
    summary.upload_id = sha256_of(path)
    with Store.open(paths.store, write=False) as store, store.snapshot():
        # A file stored already is not read again; the sites place the rows.
        previous = (
            None if dry_run else previous_upload(store, summary.upload_id, options.sheet, kind)
        )
        if previous is not None and previous[0] in STORED_STATUSES:
            return mark_duplicate(summary, previous)
        sites = read_sites(store)
    staged = None if dry_run else stage_upload(path, paths.uploads, summary.upload_id, file)
    try:
        if scanned is not None:
            uploader = uploader or login()
            read_parts = (path, options, sites, scanned, uploader, staged, progress, wait)
            rejects = _import_in_parts(paths, summary, *read_parts, language)
            if rejects is not None:
                return summary
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
            summary.status = "rejected" if strict_rejected else status_of(summary)
        if len(rejects) and summary.status != "duplicate":
            write_report(summary, rejects, paths.out, language)
        return summary
    finally:
        if staged is not None:
            discard(staged)


def _scan(path, file):
    """The scan of a UTF-8 text long enough to be read in parts, or None (read whole)."""
    if os.path.getsize(path) <= PARTS_FROM_BYTES:
        return None
    try:
        return scan_text(path, file) if sniff_format(path, file) == "csv" else None
    except SurveyFileError:
        return None  # the whole-file reader refuses it with its own words


def _import_in_parts(
    paths, summary, path, options, sites, scan, uploader, staged, progress, wait, language
):
    """Read, check and store a long UTF-8 text part by part in one write
    transaction: all its rows or none. Returns its rejects, or None when it
    must be read whole after all (a row wider than the header; the summary is
    reset). A file refused on the way is stored as refused, like a whole one."""
    try:
        rejects = _store_parts(
            paths, summary, path, options, sites, scan, uploader, staged, progress, wait
        )
    except WiderRow:
        summary.restart()
        return None
    except _Refused as refused:
        summary.restart()
        summary.errors = errors_of(refused.rejects)
        stored = _Stored(None, refused.rejects, refused.message, False)
        _store(paths, summary, stored, options, uploader, path, staged, (progress, None), wait)
        rejects = refused.rejects
    if len(rejects) and summary.status != "duplicate":
        write_report(summary, rejects, paths.out, language)
    return rejects


class _Refused(Exception):
    """Reading or checking a part refused the whole file (the transaction rolls back)."""

    def __init__(self, rejects, message):
        super().__init__(message)
        self.rejects, self.message = rejects, message


def _store_parts(paths, summary, path, options, sites, scan, uploader, staged, progress, wait):
    """The parts of the file checked and stored in one write transaction, duplicate
    keys found across parts and the store; returns the rejects of every part."""
    upload_id, sheet = summary.upload_id, options.sheet
    summary.format, rejected = "csv", []
    follow = None if progress is None else (lambda rows, _total: progress(rows, scan.lines))
    with _writing(paths, summary, sheet, path, staged, wait) as (store, target):
        if store is None:
            return _no_rejects()
        keys, prefix = StoredKeys(store), upload_id[:16] + (f":{sheet}" if sheet else "")
        with store.bulk_appends(SURVEYS_LAYER), indexes_deferred(store, scan.lines):
            for result in _checked_parts(path, options, sites, summary, scan, paths.log):
                summary.rows_read += result.rows_read
                summary.warnings.extend(w for w in result.warnings if w not in summary.warnings)
                if len(result.rejects):
                    store_rejects(store, result.rejects, upload_id, sheet, "surveys")
                    summary.errors.extend(errors_of(result.rejects))
                    summary.rows_rejected += len(result.rejects)
                    rejected.append(result.rejects)
                if len(result.records):
                    stored, repeated = store_surveys(
                        store, result.records, upload_id, prefix, follow, keys
                    )
                    summary.rows_accepted += stored
                    summary.rows_duplicate += repeated
        summary.status = status_of(summary)
        store_upload_row(store, upload_row(summary, options, uploader, target, None))
    return pd.concat(rejected, ignore_index=True) if rejected else _no_rejects()


def _no_rejects():
    return pd.DataFrame(columns=["source_row", "column", "reason", "raw"])


def _checked_parts(path, options, sites, summary, scan, log_path):
    """Each part of the file checked (a Normalized); a refusal of the file is
    raised as :class:`_Refused`, a row wider than the header as WiderRow."""
    parts = read_parts(path, summary.file, scan)
    while True:
        try:
            part = next(parts, None)
            if part is None:
                return
            result = normalize(part, options, file=summary.file, sites=sites)
        except WiderRow:
            raise
        except Exception as error:
            raise _Refused(*_refusal(error, summary, log_path)) from error
        yield result


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
    except Exception as error:  # a file refused, or a hailin bug (the user told where to look)
        rejects, message = _refusal(error, summary, log_path)
        summary.errors = errors_of(rejects)
        return None, rejects, message
    summary.rows_read = result.rows_read
    summary.warnings.extend(result.warnings)
    summary.errors = errors_of(result.rejects)
    summary.rows_rejected = len(result.rejects)
    return result.records, result.rejects, None


def _refusal(error, summary, log_path):
    """(rejects, message for the upload log) of a file that ``error``, raised
    while reading or checking it, refuses; hailin's other errors are raised."""
    if isinstance(error, SurveyFileError):
        return _file_rejects(error.row, error.column, error.reason), str(error)
    if isinstance(error, HailinError):
        raise error
    reason = _internal_error(log_path, summary.file, summary.upload_id, error)
    return _file_rejects(None, None, reason), f"{summary.file}: {reason}"


def _file_rejects(row, column, reason):
    return pd.DataFrame(
        {"source_row": [row], "column": [column], "reason": [reason], "raw": [None]}
    )


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


@dataclasses.dataclass
class _Stored:
    """What the check of one file gives the store."""

    records: object  # accepted rows (a GeoDataFrame), or None when the file was refused
    rejects: pd.DataFrame
    message: str | None  # why the file was refused, for the upload log
    strict_rejected: bool


def _store(paths, summary, stored, options, uploader, path, staged, hooks, wait):
    """Store one file's outcome in one write transaction: upload, rows and rejects,
    and what ``attach`` of ``hooks`` (progress, attach) writes with the rows."""
    upload_id, sheet, kind = summary.upload_id, options.sheet, summary.kind
    progress, attach = hooks
    with _writing(paths, summary, sheet, path, staged, wait) as (store, target):
        if store is None:
            return
        _store_rows(store, summary, stored, sheet, progress)
        if attach is not None and summary.rows_accepted:
            attach(store, upload_id)
        if len(stored.rejects):
            store_rejects(store, stored.rejects, upload_id, sheet, kind)
        store_upload_row(store, upload_row(summary, options, uploader, target, stored.message))


@contextlib.contextmanager
def _writing(paths, summary, sheet, path, staged, wait):
    """The import's one write transaction: (store, archived copy) once the
    archived copy is in place, or (None, None) when another import stored
    these bytes meanwhile (the summary says so). A failed write takes back the
    archived copy it put in place."""
    upload_id, kind = summary.upload_id, summary.kind
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
                mark_duplicate(summary, previous)  # another import stored it meanwhile
                yield None, None
                return
            # A rejected earlier upload of the same bytes is replaced by this attempt.
            forget_failed_upload(store, upload_id, sheet, kind)
            target, created = place_archive(staged, paths.uploads, archive_name(path, upload_id))
            placed = target if created else None
            summary.archived_as = os.path.relpath(target, paths.root)
            yield store, target
    except BaseException:
        if placed is not None:
            _unplace(placed, staged)
        raise


def _unplace(placed, staged):
    """The archived copy back where it was staged (import_file discards it; a
    file read whole after all places it again)."""
    try:
        os.replace(placed, staged)
    except OSError:
        discard(placed)


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
            with indexes_deferred(store, len(records)):
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
        summary.status = status_of(summary)
