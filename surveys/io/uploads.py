"""Upload bookkeeping in the store: what each upload stored, the upload log,
and withdrawing an upload (corrections).

Every function takes an open :class:`hailin.surveys.io.store.Store`; the writing ones
run inside the caller's write transaction, so one import's upload row,
records and rejects land together.
"""

import contextlib
import dataclasses
import getpass
import os
import re
from collections.abc import Iterator

import numpy as np
import pandas as pd

from hailin.geo.overlay import overlapping_pairs
from hailin.surveys.errors import UploadError
from hailin.surveys.io.archive import printable_name
from hailin.surveys.io.geopackage import quote
from hailin.surveys.io.layout import (
    COVER_LAYER,
    PHOTOS_LAYER,
    REJECT_KINDS,
    REJECTS_LAYER,
    SURVEYS_LAYER,
    UPLOAD_KINDS,
    UPLOADS_LAYER,
    ensure_layers,
    plots_layer,
)
from hailin.surveys.schema import KINDS, PLOT_COLUMNS, PLOT_KINDS

MIN_PREFIX = 8
MAX_REASON = 500
_HEX = re.compile(rf"[0-9a-f]{{{MIN_PREFIX},64}}")
# Statuses of an upload that make the same bytes a duplicate when they come again.
STORED_STATUSES = ("accepted", "partial", "duplicate")
# One upload of these bytes, sheet and kind; standing unless withdrawn.
_SAME_UPLOAD = "upload_id = ? AND coalesce(sheet, '') = coalesce(?, '') AND kind = ?"
_STANDING = "status IS NOT 'withdrawn'"


def login() -> str | None:
    """The user name of this process, printable, or None when there is none."""
    try:
        return printable_name(getpass.getuser())
    except Exception:  # no user name in this environment (getpass raises several kinds)
        return None


def previous_upload(store, upload_id: str, sheet: str | None, kind: str):
    """(status, rows_read) of the standing upload of these bytes, sheet and kind, or None."""
    if not store.has_layer(UPLOADS_LAYER):
        return None
    return store.execute(
        f"SELECT status, rows_read FROM {UPLOADS_LAYER} WHERE {_SAME_UPLOAD} AND {_STANDING}",
        (upload_id, sheet, kind),
    ).fetchone()


def forget_failed_upload(store, upload_id: str, sheet: str | None, kind: str) -> None:
    """Remove a standing rejected upload of these bytes and its rejects: the
    attempt being stored replaces it."""
    same = (upload_id, sheet, kind)
    store.execute(f"DELETE FROM {UPLOADS_LAYER} WHERE {_SAME_UPLOAD} AND {_STANDING}", same)
    store.execute(f"DELETE FROM {REJECTS_LAYER} WHERE {_SAME_UPLOAD}", same)


# Fewer new records than this keep the indexes as they are (either way is quick).
_DEFER_FROM_ROWS = 10_000


@contextlib.contextmanager
def indexes_deferred(store, rows: int) -> Iterator[None]:
    """Inside, ``rows`` records are appended: when they are at least as many as
    those stored, the survey layer's indexes are dropped first and built again
    after (one sort costs less than a million inserts into a B-tree, each at a
    random place). Inside the caller's write transaction."""
    stored = store.count(SURVEYS_LAYER)
    if rows < max(stored, _DEFER_FROM_ROWS):
        yield
        return
    definitions = store.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL",
        (SURVEYS_LAYER,),
    ).fetchall()
    for name, _sql in definitions:
        store.execute(f"DROP INDEX {quote(name)}")
    yield
    for _name, sql in definitions:
        store.execute(sql)


class StoredKeys:
    """The record keys in the store, then also those of each append through it
    (one sorted array: a part of a long file is checked against the store and
    the parts before it)."""

    def __init__(self, store):
        rows = store.execute(f"SELECT record_key FROM {SURVEYS_LAYER}")
        self.sorted = np.sort(np.fromiter((k for (k,) in rows), dtype=np.int64))

    def repeated(self, keys: np.ndarray) -> np.ndarray:
        """Mask of ``keys`` stored already or repeating one before them."""
        at = np.searchsorted(self.sorted, keys).clip(max=max(len(self.sorted) - 1, 0))
        known = self.sorted[at] == keys if len(self.sorted) else np.zeros(len(keys), dtype=bool)
        return known | pd.Series(keys).duplicated().to_numpy()

    def add(self, keys: np.ndarray) -> None:
        # The new keys sorted, then put in their places: one pass over the array.
        keys = np.sort(keys)
        self.sorted = np.insert(self.sorted, np.searchsorted(self.sorted, keys), keys)


def store_surveys(
    store, records, upload_id: str, prefix: str, progress=None, keys: StoredKeys | None = None
) -> tuple[int, int]:
    """Append the records not stored already (by record key, against ``keys``
    when given); returns (stored, skipped as duplicates). Record ids are
    ``prefix:source_row``."""
    keys = StoredKeys(store) if keys is None else keys
    record_keys = records["record_key"].to_numpy(dtype=np.int64)
    duplicate = keys.repeated(record_keys)
    records = records[~duplicate] if duplicate.any() else records.copy(deep=False)
    records.insert(0, "record_id", record_ids(prefix, records["source_row"].to_numpy()))
    records.insert(2, "upload_id", upload_id)
    total = len(records)
    store.append(
        SURVEYS_LAYER,
        records,
        kinds=KINDS,
        progress=None if progress is None else (lambda rows: progress(rows, total)),
    )
    keys.add(record_keys[~duplicate])
    return total, int(duplicate.sum())


def record_ids(prefix: str, source_rows: np.ndarray) -> np.ndarray:
    """``prefix:row`` for each source row.

    Examples
    --------
    >>> record_ids("ab12", np.array([2, 10])).tolist()
    ['ab12:2', 'ab12:10']
    """
    return np.array([f"{prefix}:{row}" for row in source_rows.tolist()], dtype=object)


def store_plots(store, plots, kind: str, upload_id: str) -> tuple[int, int, list]:
    """Add plots; a plot id already stored is replaced (an updated boundary or
    date). Returns (stored, replaced, [(plot, stored plot it overlaps, m²)])
    (overlaps of clearance plots only)."""
    layer = plots_layer(kind)
    plots = plots.copy()
    plots["upload_id"] = upload_id
    replaced, overlaps = 0, []
    if store.has_layer(layer):
        ids = plots["plot_id"].tolist()
        stored = store.read(layer)
        if kind == "clearance":
            overlaps = overlapping_pairs(plots, stored[~stored["plot_id"].isin(ids)])
        replaced = int(stored["plot_id"].isin(ids).sum())
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            store.execute(
                f"DELETE FROM {layer} WHERE plot_id IN ({', '.join('?' * len(chunk))})", chunk
            )
    store.append(layer, plots[[*PLOT_COLUMNS[kind], "geometry"]], kinds=PLOT_COLUMNS[kind])
    return len(plots), replaced, overlaps


def store_rejects(store, rejects, upload_id: str, sheet: str | None, kind: str) -> None:
    """Append an upload's rejected rows (source_row, column, reason, raw)."""
    stored = rejects.copy()
    stored.insert(0, "upload_id", upload_id)
    stored.insert(1, "sheet", sheet)
    stored.insert(2, "kind", kind)
    store.append(REJECTS_LAYER, stored, kinds=REJECT_KINDS)


def archived_names(store) -> set[str]:
    """The file names in uploads/ that upload and photo rows name."""
    names: set[str] = set()
    for layer in (UPLOADS_LAYER, PHOTOS_LAYER):
        if store.has_layer(layer):
            rows = store.execute(f"SELECT archived_as FROM {layer} WHERE archived_as IS NOT NULL")
            names.update(os.path.basename(str(a).replace("\\", "/")) for (a,) in rows)
    return names


def store_upload_row(store, row: dict) -> None:
    """Append one row (the columns of :data:`UPLOAD_KINDS` but the withdrawal's)
    to the upload log."""
    store.append(
        UPLOADS_LAYER,
        pd.DataFrame([row]),
        kinds={k: v for k, v in UPLOAD_KINDS.items() if not k.startswith("withdrawn")},
    )


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
    cover_removed: int = 0  # imagery_cover rows of a raster upload

    def to_dict(self):
        payload = dataclasses.asdict(self)
        payload["withdrawn_at"] = self.withdrawn_at.isoformat()
        return payload


def withdraw(store, upload_id, reason, *, by=None) -> Withdrawal:
    """Withdraw upload ``upload_id`` (sha256 or unique prefix) in one transaction:
    its records, rejects and plots leave the store, its upload rows become
    ``withdrawn`` with time, user and ``reason``. The archived raw file stays.
    Returns a :class:`Withdrawal`."""
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise UploadError("say why the upload is withdrawn (--reason TEXT)")
    if len(reason) > MAX_REASON:
        raise UploadError(f"the reason is {len(reason)} characters; at most {MAX_REASON}")
    by = by or login()
    now = pd.Timestamp.now(tz="UTC")
    with store.transaction(holder=f"hailin uploads withdraw {str(upload_id)[:16]}"):
        ensure_layers(store)
        full = resolve_upload_id(store, upload_id)
        standing = _standing_rows(store, full)
        removed = _remove_rows(store, full)
        store.execute(
            f"UPDATE {UPLOADS_LAYER} SET status = 'withdrawn', withdrawn_at = ?, "
            "withdrawn_by = ?, withdrawn_reason = ? "
            f"WHERE upload_id = ? AND {_STANDING}",
            (now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", by, reason, full),
        )
        store.execute(
            "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
            "WHERE table_name IN (?, ?, ?, ?, ?, ?)",
            (
                UPLOADS_LAYER,
                SURVEYS_LAYER,
                REJECTS_LAYER,
                COVER_LAYER,
                *map(plots_layer, PLOT_KINDS),
            ),
        )
        later = store.execute(
            f"SELECT DISTINCT file FROM {UPLOADS_LAYER} WHERE {_STANDING} "
            "AND rows_duplicate > 0 AND uploaded_at > ? AND upload_id != ?",
            (min(row[3] for row in standing), full),
        ).fetchall()
    return Withdrawal(
        upload_id=full,
        files=list(dict.fromkeys(row[0] for row in standing)),
        kinds=list(dict.fromkeys(row[1] for row in standing)),
        **removed,
        withdrawn_at=now,
        withdrawn_by=by,
        reason=reason,
        archived_as=list(dict.fromkeys(row[2] for row in standing if row[2])),
        warnings=_withdrawal_warnings(removed["plots_removed"], later),
    )


def _standing_rows(store, upload_id):
    """(file, kind, archived_as, uploaded_at) of the upload's standing rows;
    refused when it was withdrawn already."""
    standing = store.execute(
        f"SELECT file, kind, archived_as, uploaded_at FROM {UPLOADS_LAYER} "
        f"WHERE upload_id = ? AND {_STANDING} ORDER BY fid",
        (upload_id,),
    ).fetchall()
    if not standing:
        when, why = store.execute(
            f"SELECT withdrawn_at, withdrawn_reason FROM {UPLOADS_LAYER} "
            "WHERE upload_id = ? ORDER BY withdrawn_at DESC",
            (upload_id,),
        ).fetchone()
        raise UploadError(
            f"upload {upload_id[:16]} was withdrawn already (at {when}: {why}); nothing to withdraw"
        )
    return standing


def _remove_rows(store, upload_id):
    """Delete the upload's records, rejects, plots and cover rows; returns the counts."""
    records = store.execute(f"DELETE FROM {SURVEYS_LAYER} WHERE upload_id = ?", (upload_id,))
    rejects = store.execute(f"DELETE FROM {REJECTS_LAYER} WHERE upload_id = ?", (upload_id,))
    plots = 0
    for kind in PLOT_KINDS:
        if store.has_layer(plots_layer(kind)):
            plots += store.execute(
                f"DELETE FROM {plots_layer(kind)} WHERE upload_id = ?", (upload_id,)
            ).rowcount
    cover = 0
    if store.has_layer(COVER_LAYER):
        cover = store.execute(
            f"DELETE FROM {COVER_LAYER} WHERE upload_id = ?", (upload_id,)
        ).rowcount
    return {
        "records_removed": records.rowcount,
        "rejects_removed": rejects.rowcount,
        "plots_removed": plots,
        "cover_removed": cover,
    }


def _withdrawal_warnings(plots_removed, later):
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
    return warnings
