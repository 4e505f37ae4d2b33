"""Importing an upload: archive, read, check, and store it all or nothing.

The file is read and checked without holding the store; the write lock is
taken only to store the result. Whether the file is a duplicate is decided
inside that write transaction, so simultaneous imports of one file store it
once and keep its accepted upload record.
"""

import contextlib
import dataclasses
import getpass
import glob
import hashlib
import logging
import os
import shutil
import sqlite3
import tempfile
import time
import unicodedata

import numpy as np
import pandas as pd

from geo.errors import HailinError
from surveys.errors import StoreError, SurveyFileError
from surveys.exports import write_error_report
from surveys.logs import logging_to
from surveys.normalize import normalize
from surveys.plots import PLOT_COLUMNS, PLOT_KINDS, normalize_plots, overlapping_pairs
from surveys.readers import read_raw
from surveys.schema import KINDS

logger = logging.getLogger(__name__)

SURVEYS_LAYER = "surveys"
REJECTS_LAYER = "rejects"
UPLOADS_LAYER = "uploads"
MAX_ERRORS_IN_SUMMARY = 1000
# A staged copy older than this was left by a killed import and is removed.
STALE_STAGING_S = 24 * 3600
_STAGING_PREFIX = ".incoming-"

UPLOAD_KINDS = {
    "upload_id": "text",
    "file": "text",
    "archived_as": "text",
    "size_bytes": "integer",
    "format": "text",
    "uploaded_at": "datetime",
    "uploaded_by": "text",
    "team": "text",
    "patrol_type": "text",
    "crs": "text",
    "sheet": "text",
    "kind": "text",
    "status": "text",
    "rows_read": "integer",
    "rows_accepted": "integer",
    "rows_rejected": "integer",
    "rows_duplicate": "integer",
    "message": "text",
    "withdrawn_at": "datetime",
    "withdrawn_by": "text",
    "withdrawn_reason": "text",
}
REJECT_KINDS = {
    "upload_id": "text",
    "sheet": "text",
    "kind": "text",
    "source_row": "integer",
    "column": "text",
    "reason": "text",
    "raw": "text",
}
# Statuses of an upload that make the same bytes a duplicate when they come again.
STORED_STATUSES = ("accepted", "partial", "duplicate")


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


def printable_name(name):
    """A file name fit for messages, the store and reports.

    A name that is not UTF-8 (a GBK name on Linux arrives as surrogate
    escapes, or as bytes) is read as GB18030 when it decodes, else with
    replacement characters; control characters are shown as escapes.

    Examples
    --------
    >>> printable_name(b"\\xb2\\xe2\\xca\\xd4.csv")
    '测试.csv'
    >>> printable_name("a\\x1b[31m.csv")
    'a\\\\x1b[31m.csv'
    """
    raw = os.fsencode(name)
    for encoding in ("utf-8", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("utf-8", "replace")
    return "".join(
        f"\\x{ord(c):02x}" if unicodedata.category(c) in ("Cc", "Cs") else c for c in text
    )


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _disk_full(folder, error):
    return StoreError(
        f"{folder}: the disk is full ({error.strerror}); nothing was stored and the "
        "store is as it was. Free some space and try again"
    )


def stage_upload(path, uploads_dir, upload_id, file):
    """Copy the raw bytes to a staging file in ``uploads_dir`` (fsynced) and
    return its path; :func:`place_archive` moves it into place once the
    store takes the upload. The copy is checked against ``upload_id``."""
    os.makedirs(uploads_dir, exist_ok=True)
    _remove_stale_staging(uploads_dir)
    digest = hashlib.sha256()
    handle, staged = tempfile.mkstemp(dir=uploads_dir, prefix=_STAGING_PREFIX)
    try:
        with os.fdopen(handle, "wb") as out, open(path, "rb") as source:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except OSError as error:
        _discard(staged)
        if error.errno == 28:  # ENOSPC
            raise _disk_full(uploads_dir, error) from error
        raise
    except BaseException:
        _discard(staged)
        raise
    if digest.hexdigest() != upload_id:
        _discard(staged)
        raise SurveyFileError("changed while it was being imported; import it again", file=file)
    return staged


def _remove_stale_staging(uploads_dir):
    limit = time.time() - STALE_STAGING_S
    for staged in glob.glob(os.path.join(glob.escape(uploads_dir), _STAGING_PREFIX + "*")):
        try:
            if os.path.getmtime(staged) < limit:
                os.remove(staged)
        except OSError:
            pass


def _discard(path):
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def archive_name(path, upload_id):
    """uploads/<sha256><suffix>: the name the raw bytes are kept under."""
    return upload_id + os.path.splitext(os.fspath(path))[1].lower()[:16]


def place_archive(staged, uploads_dir, name):
    """Move a staged copy to ``uploads_dir/name`` unless the bytes are kept
    there already; returns (path, whether this call put it there)."""
    target = os.path.join(uploads_dir, name)
    if os.path.exists(target):
        return target, False
    os.replace(staged, target)
    return target, True


def ensure_layers(store):
    """Create the upload, survey and reject layers (and their indexes) when
    new, and bring an older store's upload log up to date."""
    import geopandas

    with store.transaction():
        if not store.has_layer(UPLOADS_LAYER):
            store.create_layer(UPLOADS_LAYER, UPLOAD_KINDS, spatial=False)
        else:
            store.ensure_columns(UPLOADS_LAYER, UPLOAD_KINDS)
        # One file may be imported once per sheet and per kind (surveys, plots)
        # while its upload stands; a withdrawn upload leaves room for a new one.
        store.execute("DROP INDEX IF EXISTS uploads_id")
        store.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS uploads_standing ON {UPLOADS_LAYER}"
            "(upload_id, coalesce(sheet, ''), kind) WHERE status IS NOT 'withdrawn'"
        )
        if not store.has_layer(SURVEYS_LAYER):
            store.append(
                SURVEYS_LAYER,
                geopandas.GeoDataFrame(
                    {c: pd.Series(dtype=object) for c in KINDS}, geometry=[], crs=4326
                ),
                kinds=KINDS,
            )
            store.execute(
                f"CREATE UNIQUE INDEX IF NOT EXISTS surveys_key ON {SURVEYS_LAYER}(record_key)"
            )
            store.execute(
                f"CREATE INDEX IF NOT EXISTS surveys_upload ON {SURVEYS_LAYER}(upload_id)"
            )
        if not store.has_layer(REJECTS_LAYER):
            store.create_layer(REJECTS_LAYER, REJECT_KINDS, spatial=False)
            store.execute(
                f"CREATE INDEX IF NOT EXISTS rejects_upload ON {REJECTS_LAYER}(upload_id)"
            )


_SAME_UPLOAD = "upload_id = ? AND coalesce(sheet, '') = coalesce(?, '') AND kind = ?"
_STANDING = "status IS NOT 'withdrawn'"


def _previous_upload(store, same):
    """(status, rows_read) of the standing upload of these bytes, sheet and kind."""
    return store.execute(
        f"SELECT status, rows_read FROM {UPLOADS_LAYER} WHERE {_SAME_UPLOAD} AND {_STANDING}",
        same,
    ).fetchone()


def _stored_upload(workspace, same):
    """The same look as :func:`_previous_upload`, read-only and without the lock."""
    with workspace.store(write=False) as store:
        if not store.has_layer(UPLOADS_LAYER):
            return None
        try:
            return _previous_upload(store, same)
        except sqlite3.Error as error:
            raise store.error(error) from error


def _mark_duplicate(summary, previous):
    summary.status = "duplicate"
    summary.rows_read = int(previous[1] or 0)
    summary.rows_duplicate = summary.rows_read
    summary.rows_accepted = summary.rows_rejected = summary.rows_updated = 0
    summary.errors = []
    summary.warnings = [
        {
            "row": None,
            "column": None,
            "message": f"identical to an earlier upload ({previous[0]}); nothing new stored",
        }
    ]


def _errors_of(rejects):
    return [
        {
            "row": None if pd.isna(r) else int(r),
            "column": None if pd.isna(c) else str(c),
            "message": m,
        }
        for r, c, m in zip(rejects["source_row"], rejects["column"], rejects["reason"], strict=True)
    ]


def plots_layer(kind):
    return f"{kind}_plots"


def _login():
    try:
        return printable_name(getpass.getuser())
    except Exception:  # no user name in this environment (getpass raises several kinds)
        return None


def _file_rejects(row, column, reason):
    return pd.DataFrame(
        {"source_row": [row], "column": [column], "reason": [reason], "raw": [None]}
    )


def _internal_error(workspace, file, upload_id, error):
    """Log the traceback of an unexpected error and say so in one line."""
    with logging_to(workspace.log_path) as log:
        logger.exception("reading or checking %s (upload %s) failed", file, upload_id)
    detail = f"{type(error).__name__}: {error}"
    detail = detail if len(detail) <= 200 else detail[:199] + "…"
    return (
        f"internal error while reading or checking the file ({detail}); this is a hailin "
        f"bug, please report it. Details in {log}"
    )


def import_file(
    workspace,
    path,
    options=None,
    *,
    kind="surveys",
    dry_run=False,
    strict=False,
    uploader=None,
    progress=None,
):
    """Import one file into ``workspace``; returns an :class:`ImportSummary`.

    ``kind`` is "surveys" (patrol records) or "clearance" / "restoration"
    (plots). The raw bytes are staged in uploads/ first and read and checked
    without holding the store; the upload row, accepted rows, rejects and the
    archived copy are then put in place in one write transaction, so a crash
    at any moment leaves the store as it was or completely updated. An
    unexpected error while reading or checking rejects the file (its
    traceback goes to the workspace log) instead of escaping.
    """
    if kind != "surveys" and kind not in PLOT_KINDS:
        raise ValueError(f"kind should be 'surveys' or one of {PLOT_KINDS}, got {kind!r}")
    options = options or workspace.import_options()
    file = printable_name(os.path.basename(os.fspath(path)))
    if not os.path.isfile(path):
        raise SurveyFileError("no such file", file=printable_name(os.fspath(path)))
    upload_id = sha256_of(path)
    summary = ImportSummary(
        upload_id=upload_id, file=file, status="rejected", dry_run=dry_run, kind=kind
    )
    same = (upload_id, options.sheet, kind)
    if not dry_run:
        previous = _stored_upload(workspace, same)  # spares reading a file already stored
        if previous is not None and previous[0] in STORED_STATUSES:
            _mark_duplicate(summary, previous)
            return summary
    staged = None if dry_run else stage_upload(path, workspace.uploads_dir, upload_id, file)
    try:
        return _import_staged(
            workspace, path, staged, summary, options, dry_run, strict, uploader, progress
        )
    finally:
        if staged is not None:
            _discard(staged)


@contextlib.contextmanager
def _utf8_path(path):
    """``path``, or when its name is not UTF-8 (GDAL takes only UTF-8 paths),
    a temporary link with a plain name to it and to its same-stem siblings
    (a shapefile's .dbf, .prj, …)."""
    raw = os.fsencode(os.path.abspath(path))
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        yield path
        return
    folder, name = os.path.split(raw)
    stem = os.path.splitext(name)[0]
    links = tempfile.mkdtemp(prefix="hailin-name-")
    try:
        siblings = [n for n in os.listdir(folder) if os.path.splitext(n)[0] == stem]
        for sibling in dict.fromkeys([name, *siblings]):
            suffix = os.path.splitext(sibling)[1]
            try:
                suffix = suffix.decode("ascii")
            except UnicodeDecodeError:
                continue
            os.symlink(os.path.join(folder, sibling), os.path.join(links, "upload" + suffix))
        yield os.path.join(links, "upload" + os.path.splitext(name)[1].decode("ascii", "replace"))
    finally:
        shutil.rmtree(links, ignore_errors=True)


def _import_staged(workspace, path, staged, summary, options, dry_run, strict, uploader, progress):
    file, kind = summary.file, summary.kind
    message = None
    try:
        with _utf8_path(path) as readable:
            table = read_raw(readable, sheet=options.sheet, name=file)
        summary.format = table.format
        if kind == "surveys":
            result = normalize(table, options, file=file, sites=workspace.sites())
        else:
            result = normalize_plots(table, kind, options, file=file, sites=workspace.sites())
    except SurveyFileError as error:
        result, message = None, str(error)
        rejects = _file_rejects(error.row, error.column, error.reason)
    except HailinError:
        raise
    except Exception as error:  # a hailin bug: the file is refused, the user told where to look
        reason = _internal_error(workspace, file, summary.upload_id, error)
        result, message = None, f"{file}: {reason}"
        rejects = _file_rejects(None, None, reason)

    if result is None:
        summary.errors = _errors_of(rejects)
        records = None
    else:
        records, rejects = result.records, result.rejects
        summary.rows_read = result.rows_read
        summary.warnings.extend(result.warnings)
        summary.errors = _errors_of(rejects)
        summary.rows_rejected = len(rejects)
    strict_rejected = result is not None and strict and len(rejects) > 0
    if strict_rejected:
        summary.warnings.append(
            {
                "row": None,
                "column": None,
                "message": "--strict: rejected whole because some rows are bad",
            }
        )
        records = records.iloc[0:0]
    if not dry_run:
        _store(
            workspace,
            summary,
            records,
            rejects,
            options,
            uploader or _login(),
            path,
            staged,
            message=message,
            progress=progress,
            strict_rejected=strict_rejected,
        )
    elif records is not None:
        if kind == "surveys":
            summary.rows_duplicate = int(records["record_key"].duplicated().sum())
        summary.rows_accepted = len(records) - summary.rows_duplicate
        summary.status = "rejected" if strict_rejected else _status(summary)
    if len(rejects) and summary.status != "duplicate":
        try:
            summary.report = write_error_report(rejects, workspace.out_dir, file, summary.upload_id)
        except OSError as error:  # the store has the rejects; the report is a copy
            summary.warnings.append(
                {
                    "row": None,
                    "column": None,
                    "message": f"the error report could not be written ({error}); "
                    "the rejected rows are in the store's rejects layer",
                }
            )
    return summary


def _status(summary):
    if summary.rows_accepted and summary.rows_rejected:
        return "partial"
    if summary.rows_accepted:
        return "accepted"
    if summary.rows_rejected:
        return "rejected"
    return "duplicate" if summary.rows_duplicate else "rejected"


def _store_surveys(store, summary, records, prefix, progress):
    existing = np.fromiter(
        (k for (k,) in store.execute(f"SELECT record_key FROM {SURVEYS_LAYER}")), dtype=np.int64
    )
    keys = records["record_key"].to_numpy(dtype=np.int64)
    duplicate = np.isin(keys, existing) | pd.Series(keys).duplicated().to_numpy()
    summary.rows_duplicate = int(duplicate.sum())
    records = records[~duplicate].copy()
    records.insert(0, "record_id", [f"{prefix}:{r}" for r in records["source_row"]])
    records.insert(2, "upload_id", summary.upload_id)
    total = len(records)
    store.append(
        SURVEYS_LAYER,
        records,
        kinds=KINDS,
        progress=None if progress is None else (lambda rows: progress(rows, total)),
    )
    summary.rows_accepted = total


def _store_plots(store, summary, plots):
    """Add plots; a plot id already stored is replaced (an updated boundary or date)."""
    layer = plots_layer(summary.kind)
    plots = plots.copy()
    plots["upload_id"] = summary.upload_id
    if store.has_layer(layer):
        ids = plots["plot_id"].tolist()
        stored = store.read(layer)
        others = stored[~stored["plot_id"].isin(ids)]
        if summary.kind == "clearance":
            for first, second, overlap in overlapping_pairs(plots, others):
                summary.warnings.append(
                    {
                        "row": None,
                        "column": None,
                        "message": f"clearance plot {first} overlaps stored plot {second} "
                        f"by {overlap:,.0f} m²",
                    }
                )
        summary.rows_updated = int(stored["plot_id"].isin(ids).sum())
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            store.execute(
                f"DELETE FROM {layer} WHERE plot_id IN ({', '.join('?' * len(chunk))})", chunk
            )
    store.append(
        layer, plots[[*PLOT_COLUMNS[summary.kind], "geometry"]], kinds=PLOT_COLUMNS[summary.kind]
    )
    summary.rows_accepted = len(plots)


def _store(
    workspace,
    summary,
    records,
    rejects,
    options,
    uploader,
    path,
    staged,
    message=None,
    progress=None,
    strict_rejected=False,
):
    """Store one file's outcome in one write transaction: decide whether it is
    a duplicate, put the archived copy in place, write upload, rows and rejects.
    A failed write removes the archived copy it put in place."""
    same = (summary.upload_id, options.sheet, summary.kind)
    placed = None
    try:
        with (
            workspace.store() as store,
            store.transaction(holder=f"hailin import of {summary.file} ({summary.kind})"),
        ):
            ensure_layers(store)
            previous = _previous_upload(store, same)
            if previous is not None and previous[0] in STORED_STATUSES:
                _mark_duplicate(summary, previous)  # another import stored it meanwhile
                return
            # A rejected earlier upload of the same bytes is replaced by this attempt.
            store.execute(f"DELETE FROM {UPLOADS_LAYER} WHERE {_SAME_UPLOAD} AND {_STANDING}", same)
            store.execute(f"DELETE FROM {REJECTS_LAYER} WHERE {_SAME_UPLOAD}", same)
            target, created = place_archive(
                staged, workspace.uploads_dir, archive_name(path, summary.upload_id)
            )
            placed = target if created else None
            summary.archived_as = os.path.relpath(target, workspace.root)
            if records is not None and len(records):
                if summary.kind == "surveys":
                    prefix = summary.upload_id[:16] + (f":{options.sheet}" if options.sheet else "")
                    _store_surveys(store, summary, records, prefix, progress)
                else:
                    _store_plots(store, summary, records)
            if records is not None and not strict_rejected:
                summary.status = _status(summary)
            if len(rejects):
                stored_rejects = rejects.copy()
                stored_rejects.insert(0, "upload_id", summary.upload_id)
                stored_rejects.insert(1, "sheet", options.sheet)
                stored_rejects.insert(2, "kind", summary.kind)
                store.append(REJECTS_LAYER, stored_rejects, kinds=REJECT_KINDS)
            store.append(
                UPLOADS_LAYER,
                pd.DataFrame(
                    [
                        {
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
                            "message": message,
                        }
                    ]
                ),
                kinds={k: v for k, v in UPLOAD_KINDS.items() if not k.startswith("withdrawn")},
            )
    except BaseException:
        if placed is not None:
            _discard(placed)
        raise
