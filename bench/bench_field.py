"""The field form's sync and the resumable upload (`python -m bench.bench_field`).

`hailin serve` on a copy of the demo workspace, on 127.0.0.1. A phone's queue of
200 observations, 50 of them with a photo, is synced as the form does it
(one request per photo, staged first, then batches of 50 observations naming
them, stored with their photos) and then synced again whole (a
phone that never heard the answers): seconds, and the store checked for
duplicates. Baseline in the same run: the same 200 rows as one CSV through
the upload API, in one request. Then a 40 MB photo through the resumable
upload in 1 MiB pieces, two connections dropped on the way, against one POST
of the same bytes. And the form's offline bundle (what the service worker
keeps) in bytes.
"""

import hashlib
import io
import json
import os
import pathlib
import shutil
import sys
import time
import uuid

from hailin.demo import build_demo
from hailin.surveys import Workspace
from tests.portal import csv_bytes, geotagged_jpeg, running
from tests.test_portal_field import PIECE, dropped_piece, send_pieces, state

OUT = pathlib.Path(__file__).resolve().parent / "out" / "field"


def observations(n, photos_every=4, day=11):
    rows = []
    for i in range(n):
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "observed_at": f"2024-06-{day:02d}T{1 + i // 60:02d}:{i % 60:02d}:00Z",
                "lon": round(120.3302 + i * 2e-5, 6),
                "lat": 27.2601,
                "accuracy_m": 5,
                "team": "前岐镇",
                "patrol_type": "township_patrol",
                "finding": "spartina_regrowth" if i % 10 == 0 else "clear",
                "notes": f"第{i}条",
                "observer": "林、陈",
                "photo": noise_jpeg(1600, 1200, None) if i % photos_every == 0 else None,
            }
        )
    return rows


def sync(portal, session, queue):
    """Seconds of the whole sync, and of the observations' requests alone."""
    started = time.perf_counter()
    named = {}
    for o in queue:  # as the form sends them: the photos staged first
        if o["photo"] is not None:
            answer = session.post(
                f"{portal.base}/field/photos", files={"photo": ("p.jpg", o["photo"])}
            ).json()
            assert answer["status"] == "staged", answer
            named[o["id"]] = [answer["photo_id"]]
    staged = time.perf_counter()
    for start in range(0, len(queue), 50):  # then the observations naming them
        batch = [
            {**{k: v for k, v in o.items() if k != "photo"}, "photos": named.get(o["id"], [])}
            for o in queue[start : start + 50]
        ]
        answers = session.post(portal.base + "/field/sync", json={"observations": batch}).json()
        assert all(a["status"] == "accepted" for a in answers["answers"]), answers
    return time.perf_counter() - started, time.perf_counter() - staged


def field_ids(workspace):
    extra = Workspace(workspace).surveys(["extra"])["extra"].dropna()
    return [json.loads(e)["field_id"] for e in extra if "field_id" in e]


def bundle_bytes(session, base):
    worker = session.get(base + "/field/sw.js").text
    shell = json.loads(worker.split("var SHELL = ", 1)[1].split(";", 1)[0])
    return {url: len(session.get(base + url).content) for url in shell}, len(worker)


def resumable(portal, session, body):
    meta = {"name": "big.jpg", "size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    started = time.perf_counter()
    token = session.post(portal.base + "/upload/resumable/", json={**meta, "team": "前岐镇"})
    token = token.json()["token"]
    for n, cut in enumerate((300_000, 700_000)):
        answer = state(portal, session, token)
        if n == 1:  # the second drop comes later in the file
            answer = send_pieces(portal, session, token, body, answer, until=len(body) // 2)
        offset = answer["offset"]
        dropped_piece(portal, session, token, offset, body[offset : offset + PIECE], cut)
    answer = send_pieces(portal, session, token, body, state(portal, session, token))
    return time.perf_counter() - started, answer["status"]


def noise_jpeg(width, height, place=(120.3302, 27.2601)):
    """A JPEG of noise (it does not compress: a phone photo's size), geotagged at
    ``place`` or without a position (as phone browsers hand photos to a page)."""
    from PIL import Image

    exif = Image.open(io.BytesIO(geotagged_jpeg(*(place or (None, None)), size=(8, 8))))
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, subsampling=0, exif=exif.getexif())
    return out.getvalue()


def big_photo(megabytes=40):
    side = int((megabytes * 1e6 / 2.5) ** 0.5)  # noise at quality 95: ~2.45 bytes a pixel
    return noise_jpeg(side, side)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    template = OUT / "demo"
    if not (template / "hailin.gpkg").exists():
        build_demo(template)
    shutil.rmtree(OUT / "ws", ignore_errors=True)
    env = {"HAILIN_MAP_LANGS": "", "HAILIN_UPLOAD_RATE": "1000/60"}
    with running(template, OUT / "ws", env=env) as portal:
        session = portal.login("xuncha", portal.add_user("xuncha", "patrol", "前岐镇"))
        base_rows = [
            (f"2024-06-12 {9 + i // 60:02d}:{i % 60:02d}", round(120.3302 + i * 2e-5, 6))
            for i in range(200)
        ]
        body = csv_bytes([(t, x, 27.2601, "未见异常", "乡镇巡查", "") for t, x in base_rows])
        started = time.perf_counter()
        assert portal.upload(session, ("baseline.csv", body), team="前岐镇").status_code == 200
        baseline = time.perf_counter() - started

        queue = observations(200)
        first, observed = sync(portal, session, queue)
        again, _observed = sync(portal, session, queue)
        ids = field_ids(portal.workspace)
        photos = Workspace(portal.workspace).evidence.photos()
        print(f"sync of 200 observations with 50 photos: {first:.2f} s ({observed:.2f} s after")
        print(f"the photos were staged); the same queue again: {again:.2f} s")
        print(f"one CSV of 200 rows through /api/uploads: {baseline:.2f} s")
        print(f"ratio of the observations' sync to one CSV: {observed / baseline:.1f}")
        print(f"field ids stored: {len(ids)}, distinct {len(set(ids))}; photos {len(photos)}")

        sizes, worker = bundle_bytes(session, portal.base)
        print(f"offline bundle: {sum(sizes.values()) + worker:,} bytes", sizes, worker)

        photo = big_photo()
        seconds, status = resumable(portal, session, photo)
        print(f"{len(photo) / 1e6:.1f} MB photo in pieces, two drops: {seconds:.2f} s, {status}")
        started = time.perf_counter()
        one = portal.upload(session, ("big2.jpg", big_photo()), team="前岐镇")
        print(
            f"the same size in one POST: {time.perf_counter() - started:.2f} s, {one.status_code}"
        )
        count = (
            Workspace(portal.workspace).evidence.photos()["photo_id"]
            == hashlib.sha256(photo).hexdigest()
        ).sum()
        print(f"stored {count} time(s)")
    print(os.getloadavg(), file=sys.stderr)


if __name__ == "__main__":
    main()
