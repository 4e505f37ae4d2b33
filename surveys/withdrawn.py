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

import logging
import os

import geopandas
import pandas as pd

from hailin.geo.errors import HailinError
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


def _chosen(uploads: pd.DataFrame, frames) -> pd.DataFrame:
    """The upload rows whose rows the store no longer holds: the withdrawn ones,
    and the standing plot uploads of which the store holds fewer plots than
    they brought (later files replaced some)."""
    withdrawn = uploads["status"].eq("withdrawn")
    held = pd.concat([frames.clearance["upload_id"], frames.restoration["upload_id"]])
    counts = uploads["upload_id"].map(held.value_counts()).fillna(0)
    replaced = uploads["kind"].isin(PLOT_KINDS) & ~withdrawn & (counts < uploads["rows_accepted"])
    kinds = uploads["kind"].isin(("surveys", *PLOT_KINDS))
    return uploads[((withdrawn | replaced) & kinds & uploads["archived_as"].notna()).to_numpy()]


def read_back(
    uploads: pd.DataFrame, root: str, settings, sites, frames
) -> dict[str, geopandas.GeoDataFrame]:
    """{"surveys" | "clearance" | "restoration": rows} the store held once and
    no longer holds (see :func:`_chosen`; ``frames`` are the stored ones), read
    again from the workspace at ``root``, each with ``uploaded_at`` and
    ``withdrawn_at`` (NaT while its upload stands), for the as-of cut to choose
    from. A file that cannot be read again is left out (logged)."""
    found: dict[str, list] = {}
    for row in _chosen(uploads, frames).itertuples():
        try:
            rows = _read(root, settings, row, sites)
        except (HailinError, OSError) as error:
            logger.warning("upload %s not read back: %s", row.upload_id[:16], error)
            continue
        if row.kind == "surveys":
            rows = rows.drop(columns="upload_id")
        else:  # the plots the store still holds from this upload are not read twice
            stored = getattr(frames, row.kind)
            kept = stored.loc[stored["upload_id"].eq(row.upload_id).to_numpy(), "plot_id"]
            rows = rows[~rows["plot_id"].isin(kept).to_numpy()]
        when = pd.to_datetime(pd.Series([row.uploaded_at, row.withdrawn_at]), utc=True)
        times = {"uploaded_at": when.iloc[0], "withdrawn_at": when.iloc[1]}
        found.setdefault(row.kind, []).append(rows.assign(**times))
    return {
        kind: geopandas.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=4326)
        for kind, parts in found.items()
    }
