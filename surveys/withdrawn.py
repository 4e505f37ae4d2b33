"""Uploads withdrawn after a day, as they stood before: read back from the archive.

A withdrawal takes an upload's records and plots out of the store, but its raw
file stays in uploads/ and its upload row stays, with when it was withdrawn.
The store as it stood at the end of an earlier day still held them, so
:func:`withdrawn_after` reads those files again, with the options they were
imported with, for :func:`hailin.surveys.asof.frames_as_of` to count.
Digital-monitoring rasters withdrawn later are not read back (their detections
come from a raster run, not a file read).
"""

from __future__ import annotations

import datetime
import logging
import os

import geopandas
import pandas as pd

from hailin.geo.errors import HailinError
from hailin.surveys.asof import end_of_day
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


def withdrawn_after(
    uploads: pd.DataFrame, day: datetime.date, root: str, settings, sites
) -> dict[str, geopandas.GeoDataFrame]:
    """{"surveys" | "clearance" | "restoration": rows} of the uploads
    withdrawn after the end of ``day``, read again from the workspace at
    ``root`` (the as-of cut then keeps what they observed by that day). A file
    that cannot be read again is left out (logged)."""
    end = end_of_day(day, settings.timezone)
    later = pd.to_datetime(uploads["withdrawn_at"], utc=True) >= end
    chosen = uploads[(later & uploads["archived_as"].notna()).to_numpy()]
    found: dict[str, list] = {}
    for row in chosen.itertuples():
        if row.kind != "surveys" and row.kind not in PLOT_KINDS:
            continue
        try:
            found.setdefault(row.kind, []).append(_read(root, settings, row, sites))
        except (HailinError, OSError) as error:
            logger.warning("withdrawn upload %s not read back: %s", row.upload_id[:16], error)
    return {
        kind: geopandas.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=4326)
        for kind, parts in found.items()
    }
