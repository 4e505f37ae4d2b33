"""What the store held at the end of a day and no longer holds: read back from the archive.

A withdrawal takes an upload's records and plots out of the store, and a later
plot file replaces the plots of the same ids; the raw files stay in uploads/
and their upload rows stay, with when they were made and withdrawn. The store
as it stood at the end of an earlier day still held those rows, so
:func:`read_back` reads the files again, with the options they were imported
with, for :func:`hailin.surveys.asof.frames_as_of` to count. Digital-monitoring
rasters withdrawn later are not read back (their detections come from a raster
run, not a file read).
"""

from __future__ import annotations

import datetime
import logging
import os

import geopandas
import pandas as pd

from hailin.geo.errors import HailinError
from hailin.surveys.asof import end_of_day, known_by
from hailin.surveys.check.options import ImportOptions
from hailin.surveys.check.plots import normalize_plots
from hailin.surveys.check.records import normalize
from hailin.surveys.io.archive import utf8_path
from hailin.surveys.io.sniff import read_raw
from hailin.surveys.schema import PLOT_KINDS

logger = logging.getLogger(__name__)


def _options(settings, row) -> ImportOptions:
    return ImportOptions(
        timezone=settings.timezone,
        max_distance_km=settings.max_distance_km,
        earliest_date=settings.earliest_date,
        latest_date=settings.latest_date,
        patrol_type=row.patrol_type if isinstance(row.patrol_type, str) else None,
        crs=row.crs if isinstance(row.crs, str) else None,
        sheet=row.sheet if isinstance(row.sheet, str) else None,
    )


def _read(root, settings, row, sites):
    """The accepted rows of one archived upload, as they were stored."""
    path = os.path.join(root, row.archived_as)
    options = _options(settings, row)
    with utf8_path(path) as readable:
        table = read_raw(readable, sheet=options.sheet, name=row.file)
    if row.kind == "surveys":
        records = normalize(table, options, file=row.file, sites=sites).records
        prefix = row.upload_id[:16] + (f":{options.sheet}" if options.sheet else "")
        records.insert(0, "record_id", [f"{prefix}:{r}" for r in records["source_row"]])
        return records.assign(upload_id=row.upload_id)
    plots = normalize_plots(table, row.kind, options, file=row.file, sites=sites).records
    return plots.assign(upload_id=row.upload_id)


def _chosen(uploads: pd.DataFrame, day: datetime.date, settings, frames) -> pd.DataFrame:
    """The upload rows to read back as of ``day``: those made by its end and
    withdrawn after it, and the standing plot uploads made by then of a kind
    whose stored plots include some uploaded after it (replaced, perhaps)."""
    zone, history = settings.timezone, settings.history_until
    end = end_of_day(day, zone)
    made = known_by(uploads, day, zone, history, "uploaded_at")
    later = pd.to_datetime(uploads["withdrawn_at"], utc=True) >= end
    replaced = [
        kind
        for kind in PLOT_KINDS
        if not known_by(getattr(frames, kind), day, zone, history, "uploaded_at").all()
    ]
    standing = uploads["status"].ne("withdrawn") & uploads["kind"].isin(replaced)
    wanted = made & (later | standing).to_numpy() & uploads["archived_as"].notna().to_numpy()
    chosen = uploads[wanted]
    return chosen[chosen["kind"].isin(("surveys", *PLOT_KINDS)).to_numpy()]


def read_back(
    uploads: pd.DataFrame, day: datetime.date, root: str, settings, sites, frames
) -> dict[str, geopandas.GeoDataFrame]:
    """{"surveys" | "clearance" | "restoration": rows} the store held at the end
    of ``day`` and may no longer hold (see :func:`_chosen`; ``frames`` are the
    stored ones), read again from the workspace at ``root``, each row with its
    ``uploaded_at``, the latest upload's first (the as-of cut then keeps what
    they observed by that day). A file that cannot be read again is left out (logged)."""
    found: dict[str, list] = {}
    chosen = _chosen(uploads, day, settings, frames).sort_values("uploaded_at", ascending=False)
    for row in chosen.itertuples():
        try:
            rows = _read(root, settings, row, sites)
        except (HailinError, OSError) as error:
            logger.warning("upload %s not read back: %s", row.upload_id[:16], error)
            continue
        made = pd.Timestamp(row.uploaded_at)
        found.setdefault(row.kind, []).append(rows.assign(uploaded_at=made))
    return {
        kind: geopandas.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=4326)
        for kind, parts in found.items()
    }
