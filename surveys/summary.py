"""What one import did: the summary the CLI prints and emits as JSON, the
status its counts give, the upload log's row and the error report."""

import dataclasses
import os

import pandas as pd

from hailin.surveys.io.exports import write_error_report
from hailin.surveys.io.raw import note

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

    def restart(self) -> None:
        """Counts, notes and errors cleared: the file is read again another way."""
        fresh = ImportSummary(self.upload_id, self.file, "rejected", kind=self.kind)
        self.__dict__.update(fresh.__dict__)

    def refuse(self, message: str) -> "ImportSummary":
        """The whole file refused with ``message`` (nothing stored)."""
        self.status, self.errors = "rejected", [note(message)]
        return self


def errors_of(rejects):
    return [
        {
            "row": None if pd.isna(r) else int(r),
            "column": None if pd.isna(c) else str(c),
            "message": m,
        }
        for r, c, m in zip(rejects["source_row"], rejects["column"], rejects["reason"], strict=True)
    ]


def mark_duplicate(summary, previous):
    summary.status = "duplicate"
    summary.rows_read = int(previous[1] or 0)
    summary.rows_duplicate = summary.rows_read
    summary.rows_accepted = summary.rows_rejected = summary.rows_updated = 0
    summary.errors = []
    summary.warnings = [note(f"identical to an earlier upload ({previous[0]}); nothing new stored")]
    return summary


def status_of(summary):
    if summary.rows_accepted and summary.rows_rejected:
        return "partial"
    if summary.rows_accepted:
        return "accepted"
    if summary.rows_rejected:
        return "rejected"
    return "duplicate" if summary.rows_duplicate else "rejected"


def upload_row(summary, options, uploader, target, message):
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
        "message": message,
    }


def write_report(summary, rejects, out_dir, language):
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
