"""Patrol photos: place and time from EXIF (JPEG and HEIC), the bounds, the
nearest record within 50 m and 2 h, and the photos layer of the store."""

import io

import geopandas
import pandas as pd
import pytest
import shapely
from PIL import Image

from hailin.surveys.errors import SurveyFileError, UploadError
from hailin.surveys.io.photos import Photo, nearest_record, read_photo, thumbnail
from tests.portal import csv_bytes, geotagged_jpeg


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_place_and_time_from_a_jpeg(tmp_path):
    path = _write(
        tmp_path, "a.jpg", geotagged_jpeg(120.3305, 27.2605, "2024:05:01 10:00:00", "+08:00")
    )
    photo = read_photo(path)
    assert (photo.format, photo.width, photo.height) == ("jpeg", 640, 480)
    assert (round(photo.lon, 6), round(photo.lat, 6)) == (120.3305, 27.2605)
    assert photo.taken_at == pd.Timestamp("2024-05-01T02:00:00Z")
    assert photo.time_source == "DateTimeOriginal+OffsetTimeOriginal"


def test_a_time_without_offset_is_fuding_time(tmp_path):
    path = _write(
        tmp_path, "b.jpg", geotagged_jpeg(120.33, 27.26, "2024:05:01 10:00:00", offset="")
    )
    photo = read_photo(path)
    assert photo.taken_at == pd.Timestamp("2024-05-01T02:00:00Z")
    assert photo.time_source == "DateTimeOriginal"
    assert read_photo(path, timezone="UTC").taken_at == pd.Timestamp("2024-05-01T10:00:00Z")


def test_southern_and_western_positions(tmp_path):
    photo = read_photo(_write(tmp_path, "c.jpg", geotagged_jpeg(-43.2, -22.9)))
    assert (round(photo.lon, 6), round(photo.lat, 6)) == (-43.2, -22.9)


def test_heic(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    image = Image.new("RGB", (64, 48), "red")
    exif = image.getexif()
    exif.get_ifd(0x8825).update({1: "N", 2: (27.0, 15.0, 0.0), 3: "E", 4: (120.0, 20.0, 0.0)})
    exif.get_ifd(0x8769).update({0x9003: "2024:05:01 10:00:00"})
    out = io.BytesIO()
    image.save(out, "HEIF", exif=exif.tobytes())
    photo = read_photo(_write(tmp_path, "IMG_0001.HEIC", out.getvalue()))
    assert (photo.format, round(photo.lon, 6), photo.lat) == ("heic", 120.333333, 27.25)
    assert photo.taken_at == pd.Timestamp("2024-05-01T02:00:00Z")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (geotagged_jpeg(None, None), "the photo has no GPS position in its EXIF"),
        (geotagged_jpeg(0.0, 0.0), "the photo's GPS position is 0, 0 (the phone had no fix)"),
        (b"PK\x03\x04 not a photo", "not a JPEG or HEIC photo"),
        (b"\xff\xd8\xff\xe0 truncated", "not a readable JPEG photo"),
    ],
)
def test_photos_refused_with_the_reason(tmp_path, data, message):
    with pytest.raises(SurveyFileError) as refused:
        read_photo(_write(tmp_path, "x.jpg", data))
    assert message in str(refused.value)
    assert str(refused.value).startswith("x.jpg: ")


def test_a_photo_without_time(tmp_path):
    image = Image.new("RGB", (8, 8))
    exif = image.getexif()
    exif.get_ifd(0x8825).update({1: "N", 2: (27.0, 15.0, 0.0), 3: "E", 4: (120.0, 20.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    with pytest.raises(SurveyFileError, match="no time in its EXIF"):
        read_photo(_write(tmp_path, "t.jpg", out.getvalue()))


def test_an_image_too_wide_is_refused_before_decoding(tmp_path):
    out = io.BytesIO()
    Image.new("L", (16_385, 8)).save(out, "JPEG")
    with pytest.raises(SurveyFileError, match=r"16385×8 pixels; at most 64,000,000 pixels"):
        read_photo(_write(tmp_path, "wide.jpg", out.getvalue()))


def test_thumbnail_is_small_upright_and_without_exif(tmp_path):
    path = _write(tmp_path, "a.jpg", geotagged_jpeg(120.33, 27.26, size=(1200, 900)))
    small = Image.open(io.BytesIO(thumbnail(path)))
    assert small.size == (320, 240)
    assert dict(small.getexif()) == {}


def _records():
    return geopandas.GeoDataFrame(
        {
            "record_id": ["near-late", "near-soon", "far"],
            "observed_at": pd.to_datetime(
                ["2024-05-01T03:59:00Z", "2024-05-01T02:10:00Z", "2024-05-01T02:00:00Z"]
            ),
        },
        geometry=[
            shapely.Point(120.0, 27.0),
            shapely.Point(120.0004, 27.0),  # about 40 m east
            shapely.Point(120.0006, 27.0),  # about 59 m east
        ],
        crs=4326,
    )


def test_nearest_record_in_time_and_place():
    photo = Photo("jpeg", 8, 8, 120.0, 27.0, pd.Timestamp("2024-05-01T02:00Z"), "")
    record, metres, seconds = nearest_record(photo, _records())
    # 40 m and 10 minutes beats 0 m and 1 h 59 min; 59 m is past the 50 m bound.
    assert (record, round(metres), seconds) == ("near-soon", 40, 600.0)
    later = Photo("jpeg", 8, 8, 120.0, 27.0, pd.Timestamp("2024-05-01T06:00Z"), "")
    assert nearest_record(later, _records()) == (None, None, None)  # 2 h 1 min: past 2 h
    edge = Photo("jpeg", 8, 8, 120.0, 27.0, pd.Timestamp("2024-05-01T05:59Z"), "")
    assert nearest_record(edge, _records()) == ("near-late", 0.0, 7200.0)  # 2 h exactly


def test_workspace_keeps_photos_as_evidence(workspace, tmp_path):
    csv = tmp_path / "p.csv"
    csv.write_bytes(csv_bytes([("2024-05-01 10:05", 120.3305, 27.2605, "复萌", "乡镇巡查", "")]))
    workspace.import_file(csv, team="前岐镇")  # a team photo attaches to its own records
    (record_id,) = workspace.surveys(["record_id"])["record_id"]
    near = _write(tmp_path, "near.jpg", geotagged_jpeg(120.3305, 27.2606, "2024:05:01 10:00:00"))
    summary = workspace.evidence.import_photo(near, team="前岐镇", uploader="qianqi")
    assert (summary.status, summary.record_id, round(summary.distance_m), summary.gap_s) == (
        "accepted",
        record_id,
        11,
        300.0,
    )
    assert (tmp_path / "ws" / summary.thumbnail).is_file()
    alone = _write(tmp_path, "alone.jpg", geotagged_jpeg(120.3405, 27.2605, "2024:05:01 10:00:00"))
    # 1 km away: a record of its own
    assert workspace.evidence.import_photo(alone).record_id is None
    assert workspace.evidence.import_photo(near).status == "duplicate"
    far = _write(tmp_path, "far.jpg", geotagged_jpeg(116.4, 39.9))
    refused = workspace.evidence.import_photo(far)
    assert refused.status == "rejected"
    assert "km from the nearest site (at most 30 km)" in refused.errors[0]["message"]
    stored = workspace.evidence.photos()
    assert stored["file"].tolist() == ["near.jpg", "alone.jpg"]
    assert stored["status"].tolist() == ["accepted", "accepted"]
    workspace.evidence.withdraw(summary.upload_id, reason="wrong plot", by="admin")
    stored = workspace.evidence.photos()
    assert stored["status"].tolist() == ["withdrawn", "accepted"]
    assert stored["withdrawn_reason"].iloc[0] == "wrong plot"
    with pytest.raises(UploadError, match="no standing photo"):
        workspace.evidence.withdraw(summary.upload_id, reason="again")
    # Withdrawn, the same photo can come again.
    assert workspace.evidence.import_photo(near).status == "accepted"
    # The notebook's workspace shows the same evidence as ws.photos.
    import hailin

    notebook = hailin.open_workspace(workspace.root)
    assert notebook.photos["status"].tolist() == ["withdrawn", "accepted", "accepted"]
    assert notebook.photos["file"].tolist() == ["near.jpg", "alone.jpg", "near.jpg"]
