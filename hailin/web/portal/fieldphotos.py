"""The field form's photos: staged on the portal before their observation is
sent (kept under their sha256, so sending one again keeps nothing new; not
evidence yet), then checked and written by :func:`attach` inside the store
transaction that stores their observation. A record never stands without
its photos, and photos never without their record."""

import contextlib
import os
import re
import time

import pandas as pd
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.layout import PHOTOS_LAYER, SURVEYS_LAYER
from hailin.surveys.io.photos import photo_format
from hailin.translate import translate

MAX_PHOTOS = 10  # of one observation
KEEP_DAYS = 14  # a staged photo no observation named by then leaves the disk
_SHA = re.compile(r"[0-9a-f]{64}")


def _folder():
    folder = os.path.join(settings.WEB_DIR, "field-photos")
    os.makedirs(folder, exist_ok=True)
    return folder


def stage(uploaded):
    """Keep an uploaded photo under its sha256 and return that (None: not a
    JPEG or HEIC photo). Staging the same bytes again only refreshes them."""
    import hashlib

    head = uploaded.read(16)
    uploaded.seek(0)
    if not photo_format(head):
        return None
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    sha = digest.hexdigest()
    target = os.path.join(_folder(), sha)
    if os.path.exists(target):
        os.utime(target)
        return sha
    part = f"{target}.{os.getpid()}.part"
    uploaded.seek(0)
    with open(part, "wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    os.replace(part, target)  # whole or not at all
    _forget_stale()
    return sha


def _forget_stale():
    since = time.time() - KEEP_DAYS * 86400
    for entry in os.scandir(_folder()):
        if entry.stat().st_mtime < since:
            with contextlib.suppress(FileNotFoundError):
                os.remove(entry.path)


def photo_ids(observation):
    """The sha256 of the photos an observation names, or None when they are
    not a list of at most MAX_PHOTOS of them.

    Examples
    --------
    >>> photo_ids({"photos": ["a" * 64]}), photo_ids({}), photo_ids({"photos": ["../x"]})
    (['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'], [], None)
    """
    value = observation.get("photos") or []
    if not isinstance(value, list) or len(value) > MAX_PHOTOS:
        return None
    if not all(isinstance(sha, str) and _SHA.fullmatch(sha) for sha in value):
        return None
    return list(dict.fromkeys(value))


def prepare(ws, observations):
    """Check and thumbnail the photos of ``observations`` before the store is
    locked: ({id: [Prepared]}, {id: answer}) where the answers hold back an
    observation whose photos have not all arrived ("retry", naming them) or
    whose photo is refused ("rejected", with the reason)."""
    evidence = ws.evidence
    prepared, held = {}, {}
    for o in observations:
        shas = photo_ids(o) or []
        missing = [sha for sha in shas if not os.path.exists(os.path.join(_folder(), sha))]
        if missing:
            reason = _("Some photos have not reached the portal yet; they will be sent again.")
            held[o["id"]] = {"id": o["id"], "status": "retry", "reason": reason, "missing": missing}
            continue
        items, reason = _prepared(evidence, o, shas)
        if reason is None:
            prepared[o["id"]] = items
        else:
            held[o["id"]] = {"id": o["id"], "status": "rejected", "reason": reason}
    return prepared, held


def _prepared(evidence, observation, shas):
    """([Prepared], None), or (None, why a photo is refused in the reader's language)."""
    if not shas:
        return [], None
    try:
        observed_at = pd.Timestamp(str(observation.get("observed_at")))
        if observed_at.tzinfo is None:  # a local time, as the row checks read it
            observed_at = observed_at.tz_localize(evidence.timezone)
        observed_at = observed_at.tz_convert("UTC")
        place = (float(observation["lon"]), float(observation["lat"]), observed_at)
    except (ValueError, TypeError, KeyError):  # the row checks say why
        return None, _("The observation's time or position is not valid.")
    items = []
    for n, sha in enumerate(shas, start=1):
        file = f"field-{observation['id'][:8]}-{n}.jpg"
        try:
            items.append(evidence.prepare(os.path.join(_folder(), sha), file=file, place=place))
        except SurveyFileError as error:
            reason = translate(error.reason, get_language())
            return None, _("Photo %(n)s: %(reason)s") % {"n": n, "reason": reason}
    return items, None


def attach(ws, prepared, observations, uploader):
    """(write, stored): ``write(store, upload_id)`` stores the prepared photos
    of each observation the upload holds a record of, in the import's
    transaction; ``stored`` then maps the observation's id to its photo ids."""
    teams = {o["id"]: o.get("team") or None for o in observations}
    stored: dict[str, list[str]] = {}

    def write(store, upload_id):
        records = _records(store, upload_id, [i for i in prepared if prepared[i]])
        for field_id, record_id in records.items():
            pairs = [(p, record_id) for p in prepared[field_id]]
            stored[field_id] = ws.evidence.store_prepared(
                store, pairs, team=teams[field_id], uploader=uploader
            )

    return write, stored


def _records(store, upload_id, field_ids):
    """{phone id: record_id} of the records ``upload_id`` stored for ``field_ids``."""
    if not field_ids:
        return {}
    rows = store.execute(
        f"SELECT json_extract(extra, '$.field_id'), record_id FROM {SURVEYS_LAYER} "
        f"WHERE upload_id = ? AND json_extract(extra, '$.field_id') IN "
        f"({', '.join('?' * len(field_ids))})",
        (upload_id, *field_ids),
    ).fetchall()
    return dict(rows)


def standing(ws, record_ids):
    """{record_id: [photo_id]} of the accepted photos of ``record_ids`` (for the
    answer to an observation stored before its first answer was kept)."""
    found: dict[str, list[str]] = {}
    with ws.store(write=False) as store:
        if not record_ids or not store.has_layer(PHOTOS_LAYER):
            return found
        rows = store.execute(
            f"SELECT record_id, photo_id FROM {PHOTOS_LAYER} WHERE status = 'accepted' "
            f"AND record_id IN ({', '.join('?' * len(record_ids))})",
            tuple(record_ids),
        ).fetchall()
    for record_id, photo_id in rows:
        found.setdefault(record_id, []).append(photo_id)
    return found


def forget(shas):
    """Staged photos now stored as evidence leave the staging folder."""
    for sha in shas:
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(_folder(), sha))
