"""Photos as patrol evidence in the store: checked, attached to the nearest
record, archived with a thumbnail, withdrawn with a reason.

:class:`Evidence` is the service a workspace composes (``ws.evidence``); the
functions below it take the store's path and the workspace's paths (never a
Workspace). Reading a photo's EXIF is :mod:`hailin.surveys.io.photos`'s job.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
from collections.abc import Callable, Sequence

import geopandas
import pandas as pd
import shapely

from hailin.surveys.check.invariants import outside_window
from hailin.surveys.check.options import ImportOptions
from hailin.surveys.errors import SurveyFileError, UploadError
from hailin.surveys.io import photos
from hailin.surveys.io.archive import discard, sha256_of
from hailin.surveys.io.layout import PHOTO_KINDS, PHOTOS_LAYER, read_photos, read_surveys
from hailin.surveys.io.store import Store
from hailin.surveys.paths import WorkspacePaths

MAX_REASON = 500


class Evidence:
    """The photo evidence of one workspace: import, list and withdraw photos.

    Parameters
    ----------
    paths : hailin.surveys.paths.WorkspacePaths
        The workspace's files (the store, uploads/, out/photos/).
    options : hailin.surveys.check.options.ImportOptions
        The workspace's timezone, distance bound and plausible time window.
    sites : callable
        Returns the site registry (a photo far from every site is refused).
    read : callable
        Reads one layer of the store read-only, its times local.
    wait : float
        Seconds a write waits for another writer.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from hailin.surveys import Workspace
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> ws = Workspace.create(folder / "ws")
    >>> _ = (folder / "note.jpg").write_bytes(b"not a photo")
    >>> summary = ws.evidence.import_photo(folder / "note.jpg", team="前岐镇")
    >>> summary.status, summary.errors[0]["message"]
    ('rejected', 'not a JPEG or HEIC photo')
    >>> len(ws.evidence.photos())
    0
    """

    def __init__(
        self,
        paths: WorkspacePaths,
        options: ImportOptions,
        *,
        sites: Callable[[], geopandas.GeoDataFrame],
        read: Callable,
        wait: float,
    ) -> None:
        self.paths, self._sites, self._read, self.wait = paths, sites, read, wait
        self.timezone = options.timezone
        limit = options.max_distance_km
        self.max_distance_km: float = math.inf if limit is None else limit  # None: no bound
        self.window = options.time_window()
        self._site_frame: geopandas.GeoDataFrame | None = None  # read once, on first use

    def import_photo(
        self,
        path: str | os.PathLike[str],
        /,
        *,
        file: str | None = None,
        team: str | None = None,
        uploader: str | None = None,
        record: tuple | None = None,
    ) -> photos.PhotoSummary:
        """Store a geotagged JPEG/HEIC photo as evidence; returns a
        :class:`hailin.surveys.io.photos.PhotoSummary`. It is attached to the record nearest
        in time and place (within :data:`hailin.surveys.io.photos.ATTACH_DISTANCE_M` and
        :data:`~surveys.io.photos.ATTACH_GAP_S`; of ``team``'s records alone when ``team``
        is given), else kept as a record of its own; one without GPS or time, taken outside
        the plausible window or far from every site is rejected with the reason. The raw
        photo goes to uploads/, a thumbnail to out/photos/; ``record`` (record_id, lon,
        lat, observed_at): the record it was taken for."""
        return import_photo(
            path, self.paths, self._sites(), timezone=self.timezone,
            max_distance_km=self.max_distance_km, file=file, team=team, uploader=uploader,
            wait=self.wait, record=record, window=self.window,
        )  # fmt: skip

    def prepare(self, path: str | os.PathLike[str], /, *, file: str, place: tuple) -> Prepared:
        """Check a photo taken for an observation not stored yet (``place``: its lon,
        lat and UTC time stand in for what the photo lacks) and make its thumbnail,
        without the store's lock; :meth:`store_prepared` stores it later, inside
        the transaction that stores the observation. Raises
        :class:`~hailin.surveys.errors.SurveyFileError` with the reason."""
        if self._site_frame is None:
            self._site_frame = self._sites()
        return prepare(
            path, file, self._site_frame, self.timezone, self.max_distance_km, place, self.window
        )

    def store_prepared(
        self,
        store: Store,
        attached: Sequence[tuple[Prepared, str | None]],
        *,
        team: str | None,
        uploader: str | None,
    ) -> list[str]:
        """Write ``attached`` ((prepared photo, record_id) pairs) in the open
        transaction of ``store``; returns the photo ids now standing."""
        return store_prepared(store, self.paths, attached, team=team, uploader=uploader)

    def photos(self) -> pd.DataFrame:
        """The stored photos (withdrawn ones too, with status ``withdrawn``)."""
        return self._read(read_photos)

    def withdraw(self, photo_id: str, /, reason: str, *, by: str | None = None) -> None:
        """Take a photo out of the evidence with a ``reason`` (``by`` whom); the raw file stays."""
        withdraw_photo(self.paths.store, photo_id, reason, by=by, wait=self.wait)


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A photo checked and thumbnailed, waiting for the transaction that stores it."""

    photo_id: str
    file: str
    source: str  # where its bytes are now
    photo: photos.Photo
    thumbnail: bytes
    place: tuple  # (lon, lat, observed_at) of the record it was taken for


def prepare(path, file, sites, timezone, max_distance_km, place, window) -> Prepared:
    """See :meth:`Evidence.prepare`."""
    photo = _checked_photo(path, file, sites, timezone, max_distance_km, place, window)
    return Prepared(
        sha256_of(path), file, os.fspath(path), photo, photos.thumbnail(path), tuple(place)
    )


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


def _to_record(photo, place):
    """(metres, seconds) of a photo from the ``place`` (lon, lat, observed_at) of its record."""
    lon, lat, observed_at = place
    metres = float(photos.distances_m(photo.lon, photo.lat, [shapely.Point(lon, lat)])[0])
    gap = abs((photo.taken_at - pd.Timestamp(observed_at)).total_seconds())
    return metres, float(gap)


def _keep_file(target, *, source=None, data=None):
    """Write ``target`` once (atomically) from a file or bytes; True when written now."""
    if os.path.exists(target):
        return False
    os.makedirs(os.path.dirname(target), exist_ok=True)
    staged = f"{target}.{os.getpid()}.part"
    if source is not None:
        shutil.copyfile(source, staged)
    else:
        with open(staged, "wb") as handle:
            handle.write(data)
    os.replace(staged, target)
    return True


def _kept(paths, prepared, made):
    """Archive and thumbnail of ``prepared`` put in place: (archived, thumb); the
    files written now are added to ``made`` as they are written."""
    suffix = ".heic" if prepared.photo.format == "heic" else ".jpg"
    archived = os.path.join(paths.uploads, prepared.photo_id + suffix)
    thumb = os.path.join(paths.out, "photos", prepared.photo_id + ".jpg")
    for target, kept in (
        (archived, {"source": prepared.source}),
        (thumb, {"data": prepared.thumbnail}),
    ):
        if _keep_file(target, **kept):
            made.append(target)
    return archived, thumb


def _photo_frame(paths, prepared, archived, thumb, record, metres, gap, team, uploader):
    photo = prepared.photo
    row = {
        "photo_id": prepared.photo_id, "file": prepared.file, "format": photo.format,
        "taken_at": photo.taken_at, "time_source": photo.time_source,
        "width": photo.width, "height": photo.height, "team": team,
        "uploaded_by": uploader, "uploaded_at": pd.Timestamp.now(tz="UTC"),
        "record_id": record, "distance_m": metres, "gap_s": gap,
        "archived_as": os.path.relpath(archived, paths.root),
        "thumbnail": os.path.relpath(thumb, paths.root), "status": "accepted",
    }  # fmt: skip
    return geopandas.GeoDataFrame(
        pd.DataFrame([row]), geometry=[shapely.Point(photo.lon, photo.lat)], crs=4326
    )


def store_prepared(store, paths, attached, *, team, uploader) -> list[str]:
    """See :meth:`Evidence.store_prepared`. A photo standing already is not
    stored twice; the files this call put in place leave again if it fails."""
    made: list[str] = []
    stored: list[str] = []
    try:
        for prepared, record in attached:
            if prepared.photo_id in stored or _standing(store, prepared.photo_id):
                stored.append(prepared.photo_id)
                continue
            archived, thumb = _kept(paths, prepared, made)
            metres, gap = _to_record(prepared.photo, prepared.place)
            frame = _photo_frame(
                paths, prepared, archived, thumb, record, metres, gap, team, uploader
            )
            store.append(PHOTOS_LAYER, frame, kinds=PHOTO_KINDS)
            stored.append(prepared.photo_id)
    except BaseException:
        for path in made:
            discard(path)
        raise
    return list(dict.fromkeys(stored))


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
    """Store a geotagged JPEG/HEIC photo; see :meth:`Evidence.import_photo`.
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
        record_id, metres, gap = photos.nearest_record(
            photo, _nearby_records(paths, photo, wait, team)
        )
    else:
        record_id, (metres, gap) = record[0], _to_record(photo, place)
    prepared = Prepared(photo_id, file, os.fspath(path), photo, photos.thumbnail(path), ())
    archived, thumb = _kept(paths, prepared, [])
    frame = _photo_frame(paths, prepared, archived, thumb, record_id, metres, gap, team, uploader)
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
    summary.status, summary.record_id = "accepted", record_id
    summary.distance_m, summary.gap_s = metres, gap
    summary.thumbnail = os.path.relpath(thumb, paths.root)
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
