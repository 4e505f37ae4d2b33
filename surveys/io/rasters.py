"""Rasters in the store. A raster used for monitoring is an upload like any
file: kind ``raster``, its sha256 the upload id, its bytes archived in
uploads/, one row in the upload log (so ``hailin uploads list`` and
``withdraw`` work for it). Its detections are survey records (stored by
:func:`hailin.surveys.io.uploads.store_surveys`, as an import's are), its cover
measurements rows of the ``imagery_cover`` layer.

Every function takes an open :class:`hailin.surveys.io.store.Store`; the writing
ones run inside the caller's write transaction.
"""

import pandas as pd

from hailin.surveys.io.layout import (
    COVER_KINDS,
    COVER_LAYER,
    SURVEYS_LAYER,
    UPLOADS_LAYER,
)
from hailin.surveys.io.uploads import previous_upload, store_upload_row

RASTER_KIND = "raster"


def raster_registered(store, upload_id: str) -> bool:
    """True when the raster ``upload_id`` has a standing upload row."""
    return previous_upload(store, upload_id, None, RASTER_KIND) is not None


def register_raster(store, row: dict) -> bool:
    """Add the raster's upload row (the columns of the upload log; counts are
    kept by :func:`count_raster_rows`) unless it stands already; True when added."""
    if raster_registered(store, row["upload_id"]):
        return False
    counts = {"rows_read": 0, "rows_accepted": 0, "rows_rejected": 0, "rows_duplicate": 0}
    store_upload_row(store, {**row, **counts, "kind": RASTER_KIND, "status": "accepted"})
    return True


def next_source_row(store, upload_id: str) -> int:
    """The first unused source row of the raster's records (1 for the first)."""
    (last,) = store.execute(
        f"SELECT max(source_row) FROM {SURVEYS_LAYER} WHERE upload_id = ?", (upload_id,)
    ).fetchone()
    return 1 if last is None else int(last) + 1


def count_raster_rows(store, upload_id: str, measured: int, duplicates: int) -> None:
    """Keep the raster's upload row true: ``measured`` plots and ``duplicates``
    (detections stored already) are added to its counts, and rows_accepted is
    what the store holds from it (records and cover rows)."""
    cover = (
        f"(SELECT count(*) FROM {COVER_LAYER} WHERE upload_id = ?1)"
        if store.has_layer(COVER_LAYER)
        else "0"
    )
    store.execute(
        f"UPDATE {UPLOADS_LAYER} SET rows_read = coalesce(rows_read, 0) + ?2, "
        f"rows_duplicate = coalesce(rows_duplicate, 0) + ?3, rows_accepted = "
        f"(SELECT count(*) FROM {SURVEYS_LAYER} WHERE upload_id = ?1) + {cover} "
        f"WHERE upload_id = ?1 AND kind = '{RASTER_KIND}' AND status IS NOT 'withdrawn'",
        (upload_id, measured, duplicates),
    )


def store_cover(store, rows: pd.DataFrame, upload_id: str) -> int:
    """Put the raster's cover rows in place of those it gave before; returns
    how many were replaced."""
    if not store.has_layer(COVER_LAYER):
        store.create_layer(COVER_LAYER, COVER_KINDS, spatial=False)
        store.execute(f"CREATE INDEX IF NOT EXISTS cover_upload ON {COVER_LAYER}(upload_id)")
    replaced = store.execute(f"DELETE FROM {COVER_LAYER} WHERE upload_id = ?", (upload_id,))
    stamped = rows.assign(measured_at=pd.Timestamp.now(tz="UTC"))
    store.append(COVER_LAYER, stamped[list(COVER_KINDS)], kinds=COVER_KINDS)
    return replaced.rowcount


def raster_sources(store) -> pd.Series:
    """{record_key: raster file name} of the records stored from standing raster
    uploads (the ledger says which raster saw a case)."""
    if not (store.has_layer(UPLOADS_LAYER) and store.has_layer(SURVEYS_LAYER)):
        return pd.Series(dtype=object)
    rows = store.execute(
        f"SELECT s.record_key, u.file FROM {SURVEYS_LAYER} s JOIN {UPLOADS_LAYER} u "
        f"ON s.upload_id = u.upload_id WHERE u.kind = '{RASTER_KIND}' "
        "AND u.status IS NOT 'withdrawn'"
    ).fetchall()
    return pd.Series(
        [file for _key, file in rows], index=[key for key, _file in rows], dtype=object
    )
