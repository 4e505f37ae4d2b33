"""Patrol photos as evidence: where and when a JPEG or HEIC photo was taken.

A phone writes the place (GPS latitude, longitude) and the time into the
photo's EXIF. :func:`read_photo` reads them, bounded (file size, pixel count,
Pillow's decompression-bomb guard) and refuses a photo without a position or a
time, saying which. :func:`nearest_record` finds the survey record a photo
belongs to: the nearest in time and place within :data:`ATTACH_DISTANCE_M`
and :data:`ATTACH_GAP_S`; a photo near none is kept as evidence of its own.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import math
import warnings
import zoneinfo

import numpy as np
import pandas as pd
import pyproj
import shapely

from hailin.surveys.errors import SurveyFileError
from hailin.surveys.localtime import DEFAULT_TIMEZONE

# A photo is attached to a record at most this far away ...
ATTACH_DISTANCE_M = 50.0
# ... and taken at most this long before or after it.
ATTACH_GAP_S = 2 * 3600
# Bounds of what is read: phones write 2-15 MB photos of 12-50 megapixels.
MAX_PHOTO_BYTES = 40 * 1024 * 1024
MAX_PIXELS = 64_000_000
MAX_SIDE = 16_384
THUMBNAIL_PX = 320

_JPEG_MAGIC = b"\xff\xd8\xff"
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
# EXIF tags (numbers from the EXIF 2.32 standard).
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME, _DATETIME_ORIGINAL, _OFFSET_ORIGINAL = 0x0132, 0x9003, 0x9011
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4
_GPS_TIME, _GPS_DATE = 7, 29


@dataclasses.dataclass(frozen=True)
class Photo:
    """What a photo says about itself: format, size, place and time (UTC)."""

    format: str  # "jpeg" or "heic"
    width: int
    height: int
    lon: float
    lat: float
    taken_at: pd.Timestamp  # timezone-aware, UTC
    time_source: str  # which EXIF field gave the time


def photo_format(head: bytes) -> str | None:
    """ "jpeg" or "heic" from a file's first bytes, else None.

    Examples
    --------
    >>> photo_format(b"\\xff\\xd8\\xff\\xe1"), photo_format(b"\\0\\0\\0\\x18ftypheic"), photo_format(b"x")
    ('jpeg', 'heic', None)
    """
    if head.startswith(_JPEG_MAGIC):
        return "jpeg"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    return None


def _image_module():
    try:
        from PIL import Image
    except ImportError as error:  # pragma: no cover - the web extra installs it
        raise SurveyFileError("reading photos needs Pillow: pip install 'hailin[web]'") from error
    return Image


def _open(data: bytes, kind: str, file: str):
    Image = _image_module()
    if kind == "heic":
        try:
            import pillow_heif
        except ImportError as error:
            raise SurveyFileError(
                "HEIC photos need pillow-heif: pip install 'hailin[web]'", file=file
            ) from error
        pillow_heif.register_heif_opener()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise SurveyFileError(f"the photo is too large to open ({error})", file=file) from error
    except Exception as error:  # Pillow raises many kinds for a damaged file
        raise SurveyFileError(
            f"not a readable {kind.upper()} photo ({error})", file=file
        ) from error
    width, height = image.size
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise SurveyFileError(
            f"the photo is {width}×{height} pixels; at most {MAX_PIXELS:,} pixels and "
            f"{MAX_SIDE} on a side",
            file=file,
        )
    return image


def _ratio(value) -> float:
    """An EXIF rational (Pillow's IFDRational, or a (num, den) pair) as a float."""
    if isinstance(value, tuple) and len(value) == 2:
        numerator, denominator = value
        return float(numerator) / float(denominator)
    return float(value)


def _degrees(parts, ref, positive, negative) -> float | None:
    try:
        degrees, minutes, seconds = (_ratio(p) for p in parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60.0 + seconds / 3600.0
    if not math.isfinite(value):
        return None
    ref = (ref.decode("ascii", "replace") if isinstance(ref, bytes) else str(ref or "")).strip()
    if ref.upper() == negative:
        return -value
    return value if ref.upper() in (positive, "") else None


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip().strip("\x00")


def _taken_at(exif, gps, timezone) -> tuple[pd.Timestamp | None, str]:
    """The time the photo was taken, in UTC, and the EXIF field it came from.

    DateTimeOriginal with its OffsetTimeOriginal first; then the GPS time stamp
    (UTC by definition); then DateTimeOriginal or DateTime read as ``timezone``
    (cameras write local time without an offset)."""
    original = _text(exif.get(_DATETIME_ORIGINAL))
    offset = _text(exif.get(_OFFSET_ORIGINAL))
    if original and offset:
        stamp = _parse(original, offset)
        if stamp is not None:
            return stamp, "DateTimeOriginal+OffsetTimeOriginal"
    date, time = _text(gps.get(_GPS_DATE)), gps.get(_GPS_TIME)
    if date and time:
        try:
            hours, minutes, seconds = (_ratio(p) for p in time)
            day = datetime.datetime.strptime(date, "%Y:%m:%d")
            stamp = pd.Timestamp(day, tz="UTC") + pd.Timedelta(
                hours=hours, minutes=minutes, seconds=seconds
            )
            return stamp, "GPSDateStamp+GPSTimeStamp"
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            pass
    for tag, name in ((_DATETIME_ORIGINAL, "DateTimeOriginal"), (_DATETIME, "DateTime")):
        value = _text(exif.get(tag))
        stamp = _parse(value, None, timezone) if value else None
        if stamp is not None:
            return stamp, name
    return None, ""


def _parse(value, offset, timezone="UTC"):
    try:
        naive = datetime.datetime.strptime(value[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if offset:
        try:
            sign = -1 if offset.startswith("-") else 1
            hours, minutes = offset.lstrip("+-").split(":")
            zone = datetime.timezone(
                sign * datetime.timedelta(hours=int(hours), minutes=int(minutes))
            )
        except ValueError:
            return None
        return pd.Timestamp(naive.replace(tzinfo=zone)).tz_convert("UTC")
    return pd.Timestamp(naive).tz_localize(zoneinfo.ZoneInfo(timezone)).tz_convert("UTC")


def read_photo(
    path, /, *, file: str | None = None, timezone: str = DEFAULT_TIMEZONE, place=None
) -> Photo:
    """Read a JPEG or HEIC photo's place and time from its EXIF.

    ``place`` (lon, lat, UTC time) is where and when a photo taken for one
    record was taken (the field form's): it stands in for an EXIF without them
    (phone browsers strip the position from photos they hand to a page).

    Refuses (:class:`SurveyFileError`) a file over :data:`MAX_PHOTO_BYTES`, an
    image over :data:`MAX_PIXELS`, anything not a JPEG or HEIC photo, and a
    photo without a GPS position or a time, naming what is missing. A time
    without an offset is read in ``timezone``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.jpg")
    >>> from PIL import Image
    >>> Image.new("RGB", (8, 8)).save(path)
    >>> read_photo(path)
    Traceback (most recent call last):
    ...
    hailin.surveys.errors.SurveyFileError: a.jpg: the photo has no GPS position in its EXIF (location was off when it was taken); it cannot be placed
    """
    file = file or str(path).replace("\\", "/").rsplit("/", 1)[-1]
    with open(path, "rb") as handle:
        data = handle.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise SurveyFileError(
            f"the photo is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MiB", file=file
        )
    kind = photo_format(data[:16])
    if kind is None:
        raise SurveyFileError("not a JPEG or HEIC photo", file=file)
    image = _open(data, kind, file)
    try:
        exif = image.getexif()
        gps = exif.get_ifd(_GPS_IFD)
        details = exif.get_ifd(_EXIF_IFD)
    except Exception as error:  # a damaged EXIF block
        raise SurveyFileError(f"the photo's EXIF cannot be read ({error})", file=file) from error
    merged = {**dict(exif), **dict(details)}
    lat = lon = None
    if gps:
        lat = _degrees(gps.get(_GPS_LAT, ()), gps.get(_GPS_LAT_REF), "N", "S")
        lon = _degrees(gps.get(_GPS_LON, ()), gps.get(_GPS_LON_REF), "E", "W")
    if (lat is None or lon is None) and place is not None:
        lon, lat = place[0], place[1]
    if lat is None or lon is None:
        raise SurveyFileError(
            "the photo has no GPS position in its EXIF (location was off when it was "
            "taken); it cannot be placed",
            file=file,
        )
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise SurveyFileError(f"the photo's GPS position {lat}, {lon} is out of range", file=file)
    if lat == 0 and lon == 0:
        raise SurveyFileError("the photo's GPS position is 0, 0 (the phone had no fix)", file=file)
    taken_at, source = _taken_at(merged, gps, timezone)
    if taken_at is None and place is not None:
        taken_at, source = pd.Timestamp(place[2]).tz_convert("UTC"), "field form observation"
    if taken_at is None:
        raise SurveyFileError(
            "the photo has no time in its EXIF (DateTimeOriginal or GPS time)", file=file
        )
    width, height = image.size
    return Photo(kind, int(width), int(height), float(lon), float(lat), taken_at, source)


def thumbnail(path, /, size: int = THUMBNAIL_PX) -> bytes:
    """A JPEG thumbnail (longest side ``size`` px, upright, no EXIF) of a photo
    :func:`read_photo` accepted."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_PHOTO_BYTES + 1)
    kind = photo_format(data[:16]) or "jpeg"
    image = _open(data, kind, "photo")
    from PIL import ImageOps

    if kind == "jpeg":
        image.draft("RGB", (size * 2, size * 2))  # decode at a fraction of full size
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((size, size))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _local_metres(lon, lat):
    """A transformer to metres on a plane centred on the photo (exact enough for 50 m)."""
    crs = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    return pyproj.Transformer.from_crs(4326, crs, always_xy=True)


def distances_m(lon: float, lat: float, geometries) -> np.ndarray:
    """Metres from (lon, lat) to each of ``geometries`` (EPSG:4326).

    Examples
    --------
    >>> import shapely
    >>> distances_m(120.0, 27.0, [shapely.Point(120.0, 27.001)]).round(0).tolist()
    [111.0]
    """
    geometries = np.asarray(geometries, dtype=object)
    if len(geometries) == 0:
        return np.zeros(0)
    transformer = _local_metres(lon, lat)
    projected = shapely.transform(
        geometries, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )
    return shapely.distance(shapely.Point(0.0, 0.0), projected)


def nearest_record(
    photo: Photo,
    records,
    *,
    max_distance_m: float = ATTACH_DISTANCE_M,
    max_gap_s: float = ATTACH_GAP_S,
) -> tuple[str | None, float | None, float | None]:
    """(record_id, metres, seconds) of the record ``photo`` belongs to, or
    (None, None, None) when no record is within ``max_distance_m`` and
    ``max_gap_s``. ``records`` has record_id, observed_at and geometry; of
    those within both bounds the one with the smallest sum of distance and
    time gap, each as a share of its bound, wins (ties: the first).

    Examples
    --------
    >>> import geopandas, shapely
    >>> photo = Photo("jpeg", 8, 8, 120.0, 27.0, pd.Timestamp("2024-05-01T02:00Z"), "")
    >>> records = geopandas.GeoDataFrame({"record_id": ["a", "b"],
    ...     "observed_at": pd.to_datetime(["2024-05-01T02:30Z", "2024-05-01T02:05Z"])},
    ...     geometry=[shapely.Point(120.0, 27.0), shapely.Point(120.0, 27.00005)], crs=4326)
    >>> record, metres, seconds = nearest_record(photo, records)
    >>> record, round(metres, 1), seconds
    ('b', 5.5, 300.0)
    """
    if len(records) == 0:
        return None, None, None
    times = pd.to_datetime(records["observed_at"], utc=True)
    gaps = np.abs((times - photo.taken_at).dt.total_seconds().to_numpy(dtype=float))
    metres = distances_m(photo.lon, photo.lat, records.geometry.values)
    close = (gaps <= max_gap_s) & (metres <= max_distance_m)
    if not close.any():
        return None, None, None
    score = np.where(close, metres / max_distance_m + gaps / max_gap_s, np.inf)
    best = int(np.argmin(score))
    return str(records["record_id"].iloc[best]), float(metres[best]), float(gaps[best])


@dataclasses.dataclass
class PhotoSummary:
    """What happened to one photo (shaped like an import summary)."""

    upload_id: str
    file: str
    status: str  # accepted | rejected | duplicate
    errors: list = dataclasses.field(default_factory=list)
    warnings: list = dataclasses.field(default_factory=list)
    record_id: str | None = None
    distance_m: float | None = None
    gap_s: float | None = None
    taken_at: str | None = None
    lon: float | None = None
    lat: float | None = None
    thumbnail: str | None = None
    kind: str = "photo"

    def to_dict(self):
        payload = dataclasses.asdict(self)
        stored = self.status == "accepted"
        payload.update(
            rows_read=1,
            rows_accepted=int(stored),
            rows_rejected=int(self.status == "rejected"),
            rows_duplicate=int(self.status == "duplicate"),
        )
        return payload
