"""Importing an upload: archive, read, check, and store it all or nothing."""

import csv
import dataclasses
import hashlib
import os
import shutil
import tempfile

import numpy as np
import pandas as pd

from surveys.errors import SurveyFileError
from surveys.normalize import normalize
from surveys.plots import PLOT_COLUMNS, PLOT_KINDS, normalize_plots, overlapping_pairs
from surveys.readers import read_raw
from surveys.schema import KINDS

SURVEYS_LAYER = "surveys"
REJECTS_LAYER = "rejects"
UPLOADS_LAYER = "uploads"
MAX_ERRORS_IN_SUMMARY = 1000

UPLOAD_KINDS = {
    "upload_id": "text",
    "file": "text",
    "archived_as": "text",
    "size_bytes": "integer",
    "format": "text",
    "uploaded_at": "datetime",
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


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def archive_upload(path, uploads_dir, upload_id):
    """Copy the raw bytes to uploads/<sha256><suffix> (atomic; kept once)."""
    suffix = os.path.splitext(path)[1].lower()[:16]
    target = os.path.join(uploads_dir, upload_id + suffix)
    if not os.path.exists(target):
        os.makedirs(uploads_dir, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=uploads_dir, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out, open(path, "rb") as source:
                shutil.copyfileobj(source, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise
    return target


def ensure_layers(store):
    """Create the upload, survey and reject layers (and their indexes) when new."""
    import geopandas

    with store.transaction():
        if not store.has_layer(UPLOADS_LAYER):
            store.create_layer(UPLOADS_LAYER, UPLOAD_KINDS, spatial=False)
            # One file may be imported once per sheet and per kind (surveys, plots).
            store.execute(
                f"CREATE UNIQUE INDEX IF NOT EXISTS uploads_id "
                f"ON {UPLOADS_LAYER}(upload_id, coalesce(sheet, ''), kind)"
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


def _previous_upload(store, same):
    return store.execute(
        f"SELECT status, rows_read FROM {UPLOADS_LAYER} WHERE {_SAME_UPLOAD}", same
    ).fetchone()


def _errors_of(rejects):
    return [
        {
            "row": None if pd.isna(r) else int(r),
            "column": None if pd.isna(c) else str(c),
            "message": m,
        }
        for r, c, m in zip(rejects["source_row"], rejects["column"], rejects["reason"], strict=True)
    ]


def write_report(rejects, out_dir, file, upload_id):
    """The error report: every rejected row, as CSV that Excel opens (UTF-8 BOM)."""
    folder = os.path.join(out_dir, "import-errors")
    os.makedirs(folder, exist_ok=True)
    stem = os.path.splitext(os.path.basename(file))[0]
    path = os.path.join(folder, f"{stem}-{upload_id[:8]}.errors.csv")
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "row", "column", "reason", "raw"])
        for row in rejects.itertuples(index=False):
            writer.writerow(
                [
                    file,
                    "" if pd.isna(row.source_row) else int(row.source_row),
                    row.column or "",
                    row.reason,
                    _neutralise(row.raw or ""),
                ]
            )
    return path


def _neutralise(text):
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def plots_layer(kind):
    return f"{kind}_plots"


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
    (plots). The raw bytes are archived first; the upload row, accepted rows
    and rejects are then written in one transaction, so a crash at any moment
    leaves the store as it was or completely updated.
    """
    if kind != "surveys" and kind not in PLOT_KINDS:
        raise ValueError(f"kind should be 'surveys' or one of {PLOT_KINDS}, got {kind!r}")
    options = options or workspace.import_options()
    file = os.path.basename(path)
    if not os.path.isfile(path):
        raise SurveyFileError("no such file", file=path)
    upload_id = sha256_of(path)
    summary = ImportSummary(
        upload_id=upload_id, file=file, status="rejected", dry_run=dry_run, kind=kind
    )
    same = (upload_id, options.sheet, kind)

    with workspace.store() as store:
        if not dry_run:
            ensure_layers(store)
            previous = _previous_upload(store, same)
            if previous is not None and previous[0] in ("accepted", "partial", "duplicate"):
                summary.status = "duplicate"
                summary.rows_read = int(previous[1] or 0)
                summary.rows_duplicate = summary.rows_read
                summary.warnings.append(
                    {
                        "row": None,
                        "column": None,
                        "message": f"identical to an earlier upload ({previous[0]}); nothing new stored",
                    }
                )
                return summary
            summary.archived_as = os.path.relpath(
                archive_upload(path, workspace.uploads_dir, upload_id), workspace.root
            )

        try:
            table = read_raw(path, sheet=options.sheet, name=file)
            summary.format = table.format
            if kind == "surveys":
                result = normalize(table, options, file=file, sites=workspace.sites())
            else:
                result = normalize_plots(table, kind, options, file=file, sites=workspace.sites())
        except SurveyFileError as error:
            summary.errors = [{"row": error.row, "column": error.column, "message": error.reason}]
            rejects = pd.DataFrame(
                {
                    "source_row": [error.row],
                    "column": [error.column],
                    "reason": [error.reason],
                    "raw": [None],
                }
            )
            if not dry_run:
                _store(store, summary, None, rejects, options, uploader, path, message=str(error))
            summary.report = write_report(rejects, workspace.out_dir, file, upload_id)
            return summary

        records, rejects = result.records, result.rejects
        summary.rows_read = result.rows_read
        summary.warnings.extend(result.warnings)
        summary.errors = _errors_of(rejects)
        summary.rows_rejected = len(rejects)
        strict_rejected = strict and len(rejects) > 0
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
                store,
                summary,
                records,
                rejects,
                options,
                uploader,
                path,
                progress=progress,
                strict_rejected=strict_rejected,
            )
        else:
            if kind == "surveys":
                summary.rows_duplicate = int(records["record_key"].duplicated().sum())
            summary.rows_accepted = len(records) - summary.rows_duplicate
            summary.status = "rejected" if strict_rejected else _status(summary)
    if len(rejects):
        summary.report = write_report(rejects, workspace.out_dir, file, upload_id)
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
    store,
    summary,
    records,
    rejects,
    options,
    uploader,
    path,
    message=None,
    progress=None,
    strict_rejected=False,
):
    same = (summary.upload_id, options.sheet, summary.kind)
    with store.transaction():
        # A rejected earlier upload of the same bytes is replaced by this attempt.
        store.execute(f"DELETE FROM {UPLOADS_LAYER} WHERE {_SAME_UPLOAD}", same)
        store.execute(f"DELETE FROM {REJECTS_LAYER} WHERE {_SAME_UPLOAD}", same)
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
                        "size_bytes": os.path.getsize(path),
                        "format": summary.format,
                        "uploaded_at": pd.Timestamp.now(tz="UTC"),
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
            kinds=UPLOAD_KINDS,
        )
