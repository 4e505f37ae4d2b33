"""Photos as patrol evidence in the store: checked, attached to the nearest
record, archived with a thumbnail, withdrawn with a reason.

Functions take the store's path and the workspace's paths (never a
Workspace); reading a photo's EXIF is :mod:`hailin.surveys.io.photos`'s job.
"""

from __future__ import annotations

import os
import shutil

import geopandas
import pandas as pd
import shapely

from hailin.surveys.check.invariants import outside_window
from hailin.surveys.errors import SurveyFileError, UploadError
from hailin.surveys.io import photos
from hailin.surveys.io.archive import sha256_of
from hailin.surveys.io.layout import PHOTO_KINDS, PHOTOS_LAYER, read_surveys
from hailin.surveys.io.store import Store
from hailin.surveys.paths import WorkspacePaths

MAX_REASON = 500


def _checked_photo(path, file, sites, timezone, max_distance_km, place=None, window=None):
    """The photo's place and time; refused far from every site, or taken
    outside the plausible ``window`` (the store's invariant for times)."""
    photo = photos.read_photo(path, file=file, timezone=timezone, place=place)
    if window is not None and _outside(photo.taken_at, window):
        raise SurveyFileError(
            f"the photo's time {photo.taken_at:%Y-%m-%d %H:%M} UTC is outside the plausible "
            f"window ({window[0]:%Y-%m-%d} to {window[1]:%Y-%m-%d}); check the camera's clock",
            file=file,
        )
    far = photos.distances_m(photo.lon, photo.lat, sites.geometry.values).min()
    if far > max_distance_km * 1000:
        raise SurveyFileError(
            f"the photo was taken {far / 1000:,.1f} km from the nearest site "
            f"(at most {max_distance_km:g} km)",
            file=file,
        )
    return photo


def _outside(taken_at, window):
    try:
        return bool(outside_window([taken_at], window)[0])
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):  # year 1000, 9999
        return True


def _nearby_records(paths, photo, wait, team=None):
    """Records observed within the attachment window of ``photo`` (of ``team``
    alone when given: a team's photo is evidence for its own records only)."""
    window = [
        (photo.taken_at + pd.Timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        for s in (-photos.ATTACH_GAP_S, photos.ATTACH_GAP_S + 1)
    ]
    where = "observed_at BETWEEN ? AND ?" + (" AND team = ?" if team else "")
    with Store.open(paths.store, write=False, wait=wait) as store:
        return read_surveys(
            store, ["record_id", "observed_at"], where, [*window, *([team] if team else [])]
        )


def _to_record(photo, record):
    """(record_id, metres, seconds) of a photo taken for ``record``."""
    record_id, lon, lat, observed_at = record
    metres = float(photos.distances_m(photo.lon, photo.lat, [shapely.Point(lon, lat)])[0])
    gap = abs((photo.taken_at - pd.Timestamp(observed_at)).total_seconds())
    return record_id, metres, float(gap)


def _keep_file(target, *, source=None, data=None):
    """Write ``target`` once (atomically) from a file or bytes."""
    if os.path.exists(target):
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    staged = f"{target}.{os.getpid()}.part"
    if source is not None:
        shutil.copyfile(source, staged)
    else:
        with open(staged, "wb") as handle:
            handle.write(data)
    os.replace(staged, target)


def import_photo(
    path,
    paths: WorkspacePaths,
    sites: geopandas.GeoDataFrame,
    *,
    timezone: str,
    max_distance_km: float,
    file: str | None = None,
    team: str | None = None,
    uploader: str | None = None,
    wait: float = 30.0,
    record=None,
    window: tuple | None = None,
) -> photos.PhotoSummary:
    """Store a geotagged JPEG/HEIC photo; see :meth:`surveys.Workspace.import_photo`.
    ``record`` (record_id, lon, lat, observed_at): the record the photo was
    taken for, whose place and time stand in for a photo without them."""
    file = file or os.path.basename(path)
    summary = photos.PhotoSummary(upload_id="", file=file, status="rejected")
    place = None if record is None else record[1:]
    try:
        photo = _checked_photo(path, file, sites, timezone, max_distance_km, place, window)
    except SurveyFileError as error:
        summary.errors.append({"row": None, "column": None, "message": error.reason})
        return summary
    summary.upload_id = photo_id = sha256_of(path)
    summary.lon, summary.lat, summary.taken_at = photo.lon, photo.lat, photo.taken_at.isoformat()
    if record is None:
        record, metres, gap = photos.nearest_record(
            photo, _nearby_records(paths, photo, wait, team)
        )
    else:
        record, metres, gap = _to_record(photo, record)
    suffix = ".heic" if photo.format == "heic" else ".jpg"
    archived = os.path.join(paths.uploads, photo_id + suffix)
    thumb = os.path.join(paths.out, "photos", photo_id + ".jpg")
    _keep_file(archived, source=path)
    _keep_file(thumb, data=photos.thumbnail(path))
    row = {
        "photo_id": photo_id, "file": file, "format": photo.format,
        "taken_at": photo.taken_at, "time_source": photo.time_source,
        "width": photo.width, "height": photo.height, "team": team,
        "uploaded_by": uploader, "uploaded_at": pd.Timestamp.now(tz="UTC"),
        "record_id": record, "distance_m": metres, "gap_s": gap,
        "archived_as": os.path.relpath(archived, paths.root),
        "thumbnail": os.path.relpath(thumb, paths.root), "status": "accepted",
    }  # fmt: skip
    frame = geopandas.GeoDataFrame(
        pd.DataFrame([row]), geometry=[shapely.Point(photo.lon, photo.lat)], crs=4326
    )
    with (
        Store.open(paths.store, wait=wait) as store,
        store.transaction(holder=f"hailin photo {file}"),
    ):
        if _standing(store, photo_id):
            summary.status = "duplicate"
            summary.warnings.append(
                {"row": None, "column": None, "message": "this photo is stored already"}
            )
            return summary
        store.append(PHOTOS_LAYER, frame, kinds=PHOTO_KINDS)
    summary.status, summary.record_id = "accepted", record
    summary.distance_m, summary.gap_s, summary.thumbnail = metres, gap, row["thumbnail"]
    return summary


def _standing(store, photo_id):
    return (
        store.has_layer(PHOTOS_LAYER)
        and store.execute(
            f"SELECT 1 FROM {PHOTOS_LAYER} WHERE photo_id = ? AND status = 'accepted'", (photo_id,)
        ).fetchone()
    )


def withdraw_photo(store_path, photo_id, reason, *, by=None, wait: float = 30.0) -> None:
    """Take a photo out of the evidence (status ``withdrawn`` with time, user
    and ``reason``); the raw file stays in uploads/."""
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise UploadError("say why the photo is withdrawn")
    with (
        Store.open(store_path, wait=wait) as store,
        store.transaction(holder="hailin photo withdraw"),
    ):
        if store.has_layer(PHOTOS_LAYER):
            store.ensure_columns(PHOTOS_LAYER, PHOTO_KINDS)  # the withdrawn_* columns
        changed = (
            store.has_layer(PHOTOS_LAYER)
            and store.execute(
                f"UPDATE {PHOTOS_LAYER} SET status = 'withdrawn', withdrawn_at = ?, "
                "withdrawn_by = ?, withdrawn_reason = ? WHERE photo_id = ? AND status = 'accepted'",
                (
                    pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    by,
                    reason[:MAX_REASON],
                    str(photo_id),
                ),
            ).rowcount
        )
    if not changed:
        raise UploadError(f"no standing photo {str(photo_id)[:16]!r}")
