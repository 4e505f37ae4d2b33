"""The field form's sync and uploads in pieces over a real server (the form's
page itself: tests/test_field_browser.py).

Sync: each observation answered by its phone-made id, refusals in Chinese, a
repeat stores nothing, the batch an upload of its own kind that an admin
withdraws; an observation and its staged photos stored in one transaction
(a dropped connection: one record with all its photos; a failure while
storing the photos: no record). Pieces: a large photo whose connection drops twice in the middle
of a piece goes on from the offset the server kept and is stored once; a
piece at the wrong offset is refused with the offset; a file whose bytes do
not match its sha256 starts again. (bench/bench_field.py measures the 40 MB
case.)"""

import hashlib
import io
import json
import os
import socket
import uuid

import pytest

from hailin.surveys import Workspace
from tests.portal import geotagged_jpeg, plan_this_week, running

PIECE = 1024 * 1024

pytestmark = pytest.mark.slow  # a portal started for the module: about a minute


@pytest.fixture(scope="module")
def portal(portal_template, tmp_path_factory):
    env = {"HAILIN_MAP_LANGS": ""}
    with running(portal_template, tmp_path_factory.mktemp("pieces") / "ws", env=env) as portal:
        portal.password = portal.add_user("xuncha", "patrol", "前岐镇")
        portal.other = portal.add_user("other", "patrol", "店下镇")
        yield portal


@pytest.fixture(scope="module")
def patrol(portal):
    return portal.login("xuncha", portal.password)


def observation(**values):
    return {
        "id": str(uuid.uuid4()),
        "observed_at": "2024-06-12T01:00:00.000Z",
        "lon": 120.3302,
        "lat": 27.2601,
        "accuracy_m": 8,
        "team": "前岐镇",
        "patrol_type": "township_patrol",
        "finding": "spartina_regrowth",
        "action": "removed",
        "cover_pct": 20,
        **values,
    }


def sync(portal, session, *observations):
    answer = session.post(portal.base + "/field/sync", json={"observations": observations})
    assert answer.status_code == 200, answer.text
    return {a["id"]: (a["status"], a["reason"]) for a in answer.json()["answers"]}


def test_each_observation_is_answered_once_by_its_id(portal, patrol):
    good = observation()
    coarse = observation(accuracy_m=80, lon=120.3305)
    elsewhere = observation(team="店下镇", lon=120.3308)
    not_a_photo = patrol.post(f"{portal.base}/field/photos", files={"photo": b"x"})
    assert not_a_photo.status_code == 400
    assert not_a_photo.json()["detail"] == "这不是 JPEG 或 HEIC 照片。"
    first = sync(portal, patrol, good, coarse, elsewhere, {"id": "../x"})
    assert first == {
        good["id"]: ("accepted", ""),
        coarse["id"]: ("rejected", "GPS 定位精度仅 80 米，要求不超过 30 米。"),
        elsewhere["id"]: ("rejected", "请选择您所在的队伍。"),
    }
    assert sync(portal, patrol, good, coarse, elsewhere) == first
    other = portal.login("other", portal.other)
    assert sync(portal, other, good)[good["id"]][0] == "rejected"

    records = Workspace(portal.workspace).surveys(["record_id", "upload_id", "extra"])
    mine = records[records["extra"].fillna("").str.contains(good["id"])]
    assert len(mine) == 1
    uploads = patrol.get(portal.base + "/uploads/").text
    assert uploads.count("外业表单") == 1
    admin = portal.login("admin", portal.admin_password)
    done = admin.post(
        f"{portal.base}/api/uploads/{mine['upload_id'].iloc[0]}/withdraw",
        json={"reason": "试用"},
    )
    assert done.json()["records_removed"] == 1
    audit = admin.get(portal.base + "/api/audit").json()
    assert any(e["action"] == "field_sync" for e in audit)


def plain_jpeg(colour):
    """A JPEG with no EXIF, as a phone's browser hands a camera photo."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG")
    return out.getvalue()


def stage(portal, session, body):
    answer = session.post(f"{portal.base}/field/photos", files={"photo": ("p.jpg", body)})
    assert answer.status_code == 200, answer.text
    assert answer.json()["photo_id"] == hashlib.sha256(body).hexdigest()
    return answer.json()["photo_id"]


def stored_with_photos(portal, field_id):
    """(record ids of ``field_id``, {record_id: accepted photo ids})."""
    ws = Workspace(portal.workspace)
    records = ws.surveys(["record_id", "extra"])
    mine = records[records["extra"].fillna("").str.contains(field_id)]["record_id"].tolist()
    photos = ws.evidence.photos()
    photos = photos[(photos["status"] == "accepted") & photos["record_id"].isin(mine)]
    return mine, photos.groupby("record_id")["photo_id"].apply(sorted).to_dict()


def send_and_drop(portal, session, line, headers, body):
    """Send ``line`` (e.g. "POST /field/sync") with the session's cookies and CSRF
    token, ``headers`` and ``body``, then close the connection unanswered."""
    cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    head = f"{line} HTTP/1.1\r\nHost: 127.0.0.1:{portal.port}\r\nCookie: {cookies}\r\n"
    head += f"X-CSRFToken: {session.headers['X-CSRFToken']}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", portal.port), timeout=30) as connection:
        connection.sendall(head.encode("utf-8") + body)


def dropped_sync(portal, session, observation):
    """POST one observation to /field/sync and close the connection unanswered."""
    body = json.dumps({"observations": [observation]}).encode("utf-8")
    headers = {"Content-Type": "application/json", "Content-Length": len(body)}
    send_and_drop(portal, session, "POST /field/sync", headers, body)


def test_a_dropped_sync_stores_one_record_with_all_its_photos(portal, patrol):
    shas = [
        stage(portal, patrol, plain_jpeg((30, 90, 40))),
        stage(portal, patrol, plain_jpeg((9, 9, 90))),
    ]
    assert stage(portal, patrol, plain_jpeg((30, 90, 40))) == shas[0]  # sent again: kept once
    o = observation(lon=120.3312, photos=shas)
    waiting = observation(lon=120.3314, photos=["0" * 64])  # its photo has not arrived
    answer = patrol.post(portal.base + "/field/sync", json={"observations": [waiting]}).json()
    assert answer["answers"][0]["status"] == "retry"
    assert answer["answers"][0]["missing"] == ["0" * 64]
    assert stored_with_photos(portal, waiting["id"]) == ([], {})

    dropped_sync(portal, patrol, o)  # the server stores; the phone hears nothing
    records, photos = portal.wait_for(
        lambda: stored_with_photos(portal, o["id"])[0] and stored_with_photos(portal, o["id"]),
        what="the observation stored",
    )
    assert len(records) == 1 and photos == {records[0]: sorted(shas)}  # together, at once

    again = patrol.post(portal.base + "/field/sync", json={"observations": [o]}).json()
    assert again["answers"][0]["status"] == "accepted"
    assert again["answers"][0]["record_id"] == records[0]
    assert sorted(again["answers"][0]["photos"]) == sorted(shas)
    assert patrol.post(portal.base + "/field/sync", json={"observations": [o]}).json() == again
    assert stored_with_photos(portal, o["id"]) == (records, photos)
    staged = portal.workspace / "web" / "field-photos"
    assert not any((staged / sha).exists() for sha in shas)  # evidence now, not staged


def test_a_failure_while_storing_photos_leaves_no_record(portal, patrol):
    sha = stage(portal, patrol, plain_jpeg((120, 60, 20)))
    o = observation(lon=120.3316, photos=[sha])
    thumbnails = portal.workspace / "out" / "photos"
    kept = thumbnails.with_name("photos.kept")
    thumbnails.mkdir(parents=True, exist_ok=True)
    thumbnails.rename(kept)
    thumbnails.write_text("a file where the thumbnails' folder should be")
    try:  # the thumbnail cannot be written inside the transaction: all of it rolls back
        answer = patrol.post(portal.base + "/field/sync", json={"observations": [o]}).json()
    finally:
        thumbnails.unlink()
        kept.rename(thumbnails)
    assert answer["answers"][0]["status"] == "retry"
    assert stored_with_photos(portal, o["id"]) == ([], {})
    assert not (portal.workspace / "uploads" / f"{sha}.jpg").exists()

    answer = patrol.post(portal.base + "/field/sync", json={"observations": [o]}).json()
    assert answer["answers"][0]["status"] == "accepted"
    records, photos = stored_with_photos(portal, o["id"])
    assert len(records) == 1 and photos == {records[0]: [sha]}


def large_photo(lon=120.3302, lat=27.2601):
    """A geotagged JPEG of a few MB (noise does not compress)."""
    from PIL import Image

    small = geotagged_jpeg(lon, lat, size=(8, 8))
    exif = Image.open(io.BytesIO(small)).getexif()
    image = Image.frombytes("RGB", (1600, 1200), os.urandom(1600 * 1200 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, subsampling=0, exif=exif)
    return out.getvalue()


def start(portal, session, body, name="big.jpg"):
    meta = {"name": name, "size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    answer = session.post(portal.base + "/upload/resumable/", json={**meta, "team": "前岐镇"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def dropped_piece(portal, session, token, offset, piece, sent):
    """PATCH ``piece`` at ``offset`` but close the connection after ``sent`` bytes."""
    headers = {"Upload-Offset": offset, "Content-Type": "application/offset+octet-stream"}
    headers["Content-Length"] = len(piece)
    send_and_drop(portal, session, f"PATCH /upload/resumable/{token}", headers, piece[:sent])
    # The server keeps what arrived once its worker has read to the end of the stream.
    return portal.wait_for(
        lambda: state(portal, session, token)["offset"] > offset and state(portal, session, token),
        what="the bytes before the drop kept",
    )["offset"]


def state(portal, session, token):
    return session.get(f"{portal.base}/upload/resumable/{token}").json()


def send_pieces(portal, session, token, body, answer, until=None):
    """PATCH the pieces from ``answer``'s offset until done (or past ``until`` bytes)."""
    until = len(body) if until is None else until
    while not answer.get("done") and (answer["offset"] < until or until == len(body)):
        offset = answer["offset"]
        answer = session.patch(
            f"{portal.base}/upload/resumable/{token}",
            data=body[offset : offset + PIECE],
            headers={"Upload-Offset": str(offset)},
        ).json()
    return answer


def test_a_large_photo_survives_two_dropped_connections_and_lands_once(portal, patrol):
    body = large_photo()
    assert len(body) > 3 * PIECE
    token = start(portal, patrol, body)["token"]
    offsets = []
    for cut in (300_000, 700_000):
        offset = state(portal, patrol, token)["offset"]
        offsets.append(dropped_piece(portal, patrol, token, offset, body[offset:][:PIECE], cut))
    assert 0 < offsets[0] <= 300_000 < offsets[1] <= offsets[0] + 700_000

    wrong = patrol.patch(
        f"{portal.base}/upload/resumable/{token}", data=b"x", headers={"Upload-Offset": "0"}
    )
    assert wrong.status_code == 409 and wrong.json()["offset"] == offsets[1]

    answer = send_pieces(portal, patrol, token, body, {"offset": offsets[1]})
    assert answer["status"] == "accepted"
    again = patrol.patch(
        f"{portal.base}/upload/resumable/{token}", data=b"", headers={"Upload-Offset": "0"}
    ).json()
    assert again == answer
    page = patrol.get(portal.base + answer["result_url"]).text
    assert page.index('id="results"') < page.index('id="upload-form"')
    photos = Workspace(portal.workspace).evidence.photos()
    assert (photos["photo_id"] == hashlib.sha256(body).hexdigest()).sum() == 1


def test_bytes_that_do_not_match_their_sha256_start_again(portal, patrol):
    body = large_photo(lon=120.3310)
    token = start(portal, patrol, body, name="other.jpg")["token"]
    damaged = body[:-1] + bytes([body[-1] ^ 1])
    offset = 0
    while offset < len(body):
        answer = patrol.patch(
            f"{portal.base}/upload/resumable/{token}",
            data=damaged[offset : offset + PIECE],
            headers={"Upload-Offset": str(offset)},
        ).json()
        assert not answer.get("done")
        offset = answer["offset"] or len(body)
    assert state(portal, patrol, token)["offset"] == 0


def test_the_form_lists_this_weeks_stops_of_the_accounts_team(portal, patrol):
    week, day = plan_this_week(
        portal.workspace,
        [
            ("前岐镇", 2, "KW-7", "risk", "割除仅 40 天", 0.61234),
            ("店下镇", 1, "DX-1", "risk", "<b>近邻复萌</b>", 0.5),
            ("前岐镇", 1, "KW-3", "open_case", "2024-05-01 起复萌", None),
        ],
    )
    config = patrol.get(portal.base + "/field/config.json").json()
    assert config["plan"] == {
        "week": week,
        "stops": [
            {"team": "前岐镇", "day": day, "order": 1, "stop_id": "KW-3", "kind": "open_case",
             "reason": "2024-05-01 起复萌", "risk": None},
            {"team": "前岐镇", "day": day, "order": 2, "stop_id": "KW-7", "kind": "risk",
             "reason": "割除仅 40 天", "risk": 0.61},
        ],
    }  # fmt: skip
    assert ["risk", "高风险图斑", "high-risk plot"] in config["vocabulary"]["plan_stop"]
    other = portal.login("other", portal.other).get(portal.base + "/field/config.json").json()
    assert [s["stop_id"] for s in other["plan"]["stops"]] == ["DX-1"]
    assert other["plan"]["stops"][0]["reason"] == "<b>近邻复萌</b>"  # text, escaped where shown
