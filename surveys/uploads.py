"""Corrections: the upload log, and withdrawing an upload from the store."""

import dataclasses
import getpass
import re

import pandas as pd

from surveys.errors import UploadError
from surveys.ingest import (
    REJECTS_LAYER,
    SURVEYS_LAYER,
    UPLOADS_LAYER,
    ensure_layers,
    plots_layer,
    printable_name,
)
from surveys.plots import PLOT_KINDS

MIN_PREFIX = 8
MAX_REASON = 500
_HEX = re.compile(rf"[0-9a-f]{{{MIN_PREFIX},64}}")


@dataclasses.dataclass
class Withdrawal:
    """What one withdrawal took out of the store."""

    upload_id: str
    files: list
    kinds: list
    records_removed: int
    rejects_removed: int
    plots_removed: int
    withdrawn_at: pd.Timestamp
    withdrawn_by: str | None
    reason: str
    archived_as: list
    recomputed: list = dataclasses.field(default_factory=list)
    warnings: list = dataclasses.field(default_factory=list)

    def to_dict(self):
        payload = dataclasses.asdict(self)
        payload["withdrawn_at"] = self.withdrawn_at.isoformat()
        return payload


def list_uploads(uploads):
    """The upload log in the order the uploads came (ties by file name).

    Examples
    --------
    >>> log = pd.DataFrame({"file": ["b", "a"], "uploaded_at": pd.to_datetime(["2024", "2023"])})
    >>> list_uploads(log)["file"].tolist()
    ['a', 'b']
    """
    return uploads.sort_values(["uploaded_at", "file"], kind="stable").reset_index(drop=True)


def resolve_upload_id(store, text):
    """The full upload id that ``text`` (a sha256 or a prefix of at least 8 hex
    digits) names in the store's upload log."""
    wanted = str(text).strip().lower()
    if not _HEX.fullmatch(wanted):
        raise UploadError(
            f"an upload id is the file's sha256 or its first {MIN_PREFIX}+ hex digits "
            f"(see `hailin uploads list`); got {printable_name(str(text))!r}"
        )
    found = [
        upload_id
        for (upload_id,) in store.execute(
            f"SELECT DISTINCT upload_id FROM {UPLOADS_LAYER} WHERE substr(upload_id, 1, ?) = ?",
            (len(wanted), wanted),
        )
    ]
    if not found:
        raise UploadError(f"no upload {wanted!r} in this workspace (see `hailin uploads list`)")
    if len(found) > 1:
        raise UploadError(
            f"{wanted!r} names {len(found)} uploads ({', '.join(sorted(f[:16] for f in found))}); "
            "give more digits"
        )
    return found[0]


def _login():
    try:
        return printable_name(getpass.getuser())
    except Exception:  # no user name in this environment (getpass raises several kinds)
        return None


def withdraw(store, upload_id, reason, *, by=None):
    """Withdraw upload ``upload_id`` (sha256 or unique prefix) in one transaction:
    its records, rejects and plots leave the store, its upload rows become
    ``withdrawn`` with time, user and ``reason``. The archived raw file stays.
    Returns a :class:`Withdrawal`."""
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise UploadError("say why the upload is withdrawn (--reason TEXT)")
    if len(reason) > MAX_REASON:
        raise UploadError(f"the reason is {len(reason)} characters; at most {MAX_REASON}")
    by = by or _login()
    now = pd.Timestamp.now(tz="UTC")
    with store.transaction(holder=f"hailin uploads withdraw {str(upload_id)[:16]}"):
        ensure_layers(store)
        full = resolve_upload_id(store, upload_id)
        standing = store.execute(
            f"SELECT file, kind, archived_as, uploaded_at FROM {UPLOADS_LAYER} "
            "WHERE upload_id = ? AND status IS NOT 'withdrawn' ORDER BY fid",
            (full,),
        ).fetchall()
        if not standing:
            when, why = store.execute(
                f"SELECT withdrawn_at, withdrawn_reason FROM {UPLOADS_LAYER} "
                "WHERE upload_id = ? ORDER BY withdrawn_at DESC",
                (full,),
            ).fetchone()
            raise UploadError(
                f"upload {full[:16]} was withdrawn already (at {when}: {why}); nothing to withdraw"
            )
        records = store.execute(f"DELETE FROM {SURVEYS_LAYER} WHERE upload_id = ?", (full,))
        records_removed = records.rowcount
        rejects_removed = store.execute(
            f"DELETE FROM {REJECTS_LAYER} WHERE upload_id = ?", (full,)
        ).rowcount
        plots_removed = 0
        for kind in PLOT_KINDS:
            if store.has_layer(plots_layer(kind)):
                plots_removed += store.execute(
                    f"DELETE FROM {plots_layer(kind)} WHERE upload_id = ?", (full,)
                ).rowcount
        store.execute(
            f"UPDATE {UPLOADS_LAYER} SET status = 'withdrawn', withdrawn_at = ?, "
            "withdrawn_by = ?, withdrawn_reason = ? "
            "WHERE upload_id = ? AND status IS NOT 'withdrawn'",
            (now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", by, reason, full),
        )
        store.execute(
            "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
            "WHERE table_name IN (?, ?, ?, ?, ?)",
            (UPLOADS_LAYER, SURVEYS_LAYER, REJECTS_LAYER, *map(plots_layer, PLOT_KINDS)),
        )
        first_upload = min(row[3] for row in standing)
        later = store.execute(
            f"SELECT DISTINCT file FROM {UPLOADS_LAYER} WHERE status IS NOT 'withdrawn' "
            "AND rows_duplicate > 0 AND uploaded_at > ? AND upload_id != ?",
            (first_upload, full),
        ).fetchall()
    warnings = []
    if plots_removed:
        warnings.append(
            "a plot this upload replaced is not brought back; withdraw and import its "
            "earlier file again if it should stand"
        )
    if later:
        files = ", ".join(sorted(printable_name(f) for (f,) in later))
        warnings.append(
            f"later uploads skipped rows as already stored ({files}); rows they shared "
            "with this upload are gone now: withdraw and import them again to restore them"
        )
    kinds = list(dict.fromkeys(row[1] for row in standing))
    return Withdrawal(
        upload_id=full,
        files=list(dict.fromkeys(row[0] for row in standing)),
        kinds=kinds,
        records_removed=records_removed,
        rejects_removed=rejects_removed,
        plots_removed=plots_removed,
        withdrawn_at=now,
        withdrawn_by=by,
        reason=reason,
        archived_as=list(dict.fromkeys(row[2] for row in standing if row[2])),
        warnings=warnings,
    )
