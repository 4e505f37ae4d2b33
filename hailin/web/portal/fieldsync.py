"""Sync of the field form: observations made on a phone, each with an id the
phone made, checked by exactly the row checks of `hailin import` and answered
one by one.

The observations not answered before are written as one CSV and imported for
the account by :func:`hailin.web.portal.intake.receive` (the one function the
portal imports a file through); the phone's id goes with each row into the
record's ``extra``, so the store itself says which ids it holds. The photos
an observation names (staged before, :mod:`hailin.web.portal.fieldphotos`)
are written in that import's transaction: a record is stored with all its
photos or not at all. A repeated sync of an id answers what the first said
and stores nothing again, whether the first answer reached the phone or not.
"""

import csv
import hashlib
import io
import json
import math
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hailin.errors import ObservationError
from hailin.surveys.schema import codes
from hailin.translate import translate
from hailin.web.portal import fieldphotos, intake
from hailin.web.portal.audit import record
from hailin.web.portal.models import FieldObservation

MAX_OBSERVATIONS = 100  # one sync request
MAX_TRACK_POINTS = 5000  # one piece of a track
MAX_TEXT = 2000
FIELD_KIND = "field"
_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
# The CSV the batch becomes: headers hailin import reads (surveys/data/headers.toml);
# the phone's id and the position's accuracy go to the record's extra.
HEADER = [
    "观测时间", "几何", "巡查类型", "队伍", "巡查人", "发现", "盖度", "斑块面积", "成活率", "处理",
    "备注", "field_id", "accuracy_m",
]  # fmt: skip


def digest(observation):
    """sha256 of an observation as sent (key order does not matter).

    Examples
    --------
    >>> digest({"a": 1, "b": "林"}) == digest({"b": "林", "a": 1})
    True
    """
    text = json.dumps(observation, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _number(value):
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ObservationError(value)
    if not math.isfinite(value):
        raise ObservationError(value)
    return value


def _text(value, limit=MAX_TEXT):
    """One line of text (line breaks and tabs become spaces), at most ``limit`` characters."""
    return " ".join(str(value or "").split())[:limit]


def geometry_wkt(observation):
    """The WKT of an observation: its point, or the line of a track piece.

    Examples
    --------
    >>> geometry_wkt({"lon": 120.33, "lat": 27.26})
    'POINT (120.33 27.26)'
    >>> geometry_wkt({"kind": "track", "points": [[120.3, 27.2, 0], [120.31, 27.21, 5]]})
    'LINESTRING (120.3 27.2, 120.31 27.21)'
    """
    if observation.get("kind") == "track":
        points = observation.get("points")
        if not isinstance(points, list) or not 2 <= len(points) <= MAX_TRACK_POINTS:
            raise ObservationError("points")
        pairs = [f"{_number(p[0])!r} {_number(p[1])!r}" for p in points]
        return "LINESTRING (" + ", ".join(pairs) + ")"
    lon, lat = _number(observation.get("lon")), _number(observation.get("lat"))
    if lon is None or lat is None:
        raise ObservationError("position")
    return f"POINT ({lon!r} {lat!r})"


def problem(observation, *, teams, max_accuracy_m):
    """Why the portal refuses ``observation`` before the row checks (in the
    reader's language), or None. ``teams`` None: any team (admins)."""
    try:
        geometry_wkt(observation)
        accuracy = _number(observation.get("accuracy_m"))
        for key in ("cover_pct", "patch_area_m2", "survival_pct"):
            _number(observation.get(key))
    except (ValueError, TypeError, IndexError):
        return _("The position or a measurement is not a number.")
    if accuracy is not None and accuracy > max_accuracy_m:
        return _("The GPS position is only accurate to %(got)d m; at most %(limit)d m.") % {
            "got": round(accuracy),
            "limit": max_accuracy_m,
        }
    if teams is not None and observation.get("team") not in teams:
        return _("Choose one of your teams.")
    if observation.get("patrol_type") not in codes("patrol_type"):
        return _("Unknown patrol type.")
    if fieldphotos.photo_ids(observation) is None:
        return _("The observation's photos are not as the form sends them.")
    return None


def batch_csv(observations):
    """The CSV `hailin import` reads for ``observations`` (checked by :func:`problem`).

    Examples
    --------
    >>> text = batch_csv([{"id": "a1b2c3d4", "lon": 120.33, "lat": 27.26,
    ...     "observed_at": "2024-06-10T01:00:00Z", "patrol_type": "township_patrol",
    ...     "team": "前岐镇", "finding": "clear", "notes": "堤外\\n退潮"}]).decode()
    >>> text.splitlines()[1]
    '2024-06-10T01:00:00Z,POINT (120.33 27.26),township_patrol,前岐镇,,clear,,,,,堤外 退潮,a1b2c3d4,'
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for o in observations:
        writer.writerow(
            [
                _text(o.get("observed_at"), 40),
                geometry_wkt(o),
                o.get("patrol_type"),
                _text(o.get("team"), 200),
                _text(o.get("observer"), 200),
                _text(o.get("finding"), 80),
                *(_number(o.get(k)) for k in ("cover_pct", "patch_area_m2", "survival_pct")),
                _text(o.get("action"), 80),
                _text(o.get("notes")),
                o["id"],
                _number(o.get("accuracy_m")),
            ]
        )
    return out.getvalue().encode("utf-8")


def stored_ids(ws, field_ids):
    """{phone id: (record_id, upload_id)} of the ids the store holds."""
    field_ids = list(field_ids)
    if not field_ids:
        return {}
    found = ws.surveys(
        ["record_id", "upload_id", "extra"],
        f"json_extract(extra, '$.field_id') IN ({', '.join('?' * len(field_ids))})",
        field_ids,
    )
    return {
        json.loads(extra)["field_id"]: (record_id, upload_id)
        for record_id, upload_id, extra in zip(
            found["record_id"], found["upload_id"], found["extra"], strict=True
        )
    }


def answer_of(row):
    return {
        "id": row.field_id,
        "status": row.status,
        "reason": row.reason,
        "record_id": row.record_id,
        "photos": row.photos,
    }


def sync(ws, observations, *, request, teams, max_accuracy_m):
    """Answer each of ``observations`` (dicts as the form sends them) for the
    request's account: accepted (stored now or before) or rejected with the
    reason; "retry" when the store could not take them now."""
    user = request.user
    observations = _one_per_id(observations)
    digests = {o["id"]: digest(o) for o in observations}
    known = {row.field_id: row for row in FieldObservation.objects.filter(field_id__in=digests)}
    answers, fresh = {}, []
    for o in observations:
        row, sha = known.get(o["id"]), digests[o["id"]]
        why = problem(o, teams=teams, max_accuracy_m=max_accuracy_m)
        if row is not None and row.user_id != user.pk:
            answers[o["id"]] = {
                "id": o["id"],
                "status": "rejected",
                "reason": _("This id belongs to another account's observation."),
            }
        elif row is not None and (row.status == "accepted" or row.digest == sha):
            answers[o["id"]] = answer_of(row)
        elif why is not None:
            answers[o["id"]] = _keep(user, o, sha, "rejected", reason=why)
        else:
            fresh.append(o)
    before = stored_ids(ws, [o["id"] for o in fresh])  # stored, the answer not kept
    photos = fieldphotos.standing(ws, [record_id for record_id, _u in before.values()])
    for o in fresh:
        if o["id"] in before:
            record_id, upload_id = before[o["id"]]
            answers[o["id"]] = _keep(
                user, o, digests[o["id"]], "accepted", upload_id=upload_id, record_id=record_id,
                photos=photos.get(record_id, []),
            )  # fmt: skip
            # Its first sync may not have reached its own clean-up yet (or never will).
            fieldphotos.forget(photos.get(record_id, []))
    fresh = [o for o in fresh if o["id"] not in before]
    prepared, held = fieldphotos.prepare(ws, fresh)
    for field_id, answer in held.items():  # photos missing (retry) or refused
        if answer["status"] == "rejected":
            o = next(o for o in fresh if o["id"] == field_id)
            answer = _keep(user, o, digests[field_id], "rejected", reason=answer["reason"])
        answers[field_id] = answer
    fresh = [o for o in fresh if o["id"] not in held]
    if fresh:
        answers.update(_import(ws, fresh, digests, request, prepared))
    return [answers[o["id"]] for o in observations]


def _one_per_id(observations):
    """The observations that carry a valid id, each id once (the first)."""
    seen: dict[str, dict] = {}
    for o in observations:
        if isinstance(o, dict) and _ID.fullmatch(str(o.get("id") or "")):
            seen.setdefault(o["id"], o)
    return list(seen.values())


def _import(ws, fresh, digests, request, prepared):
    """Import the observations no answer covers yet as one upload of kind
    "field", their ``prepared`` photos in the same store transaction."""
    body = batch_csv(fresh)
    write, photos = fieldphotos.attach(ws, prepared, fresh, request.user.get_username())
    name = f"field-{request.user.get_username()}-{hashlib.sha256(body).hexdigest()[:8]}.csv"
    upload = intake.receive(
        ws,
        SimpleUploadedFile(name, body, content_type="text/csv"),
        user=request.user,
        team=fresh[0].get("team") or "",
        patrol_type="",
        request=request,
        attach=write,
    )
    upload.kind = FIELD_KIND
    upload.save(update_fields=["kind"])
    record(
        "field_sync",
        user=request.user,
        request=request,
        upload_id=upload.upload_id,
        status=upload.status,
        observations=[o["id"] for o in fresh],
    )
    errors = _row_errors(ws, upload)
    if None in errors:  # the batch as a whole failed (a busy store): the phone tries again
        reason = translate(errors[None], get_language())
        return {o["id"]: {"id": o["id"], "status": "retry", "reason": reason} for o in fresh}
    stored = stored_ids(ws, [o["id"] for o in fresh])
    answers = {}
    for row, o in enumerate(fresh, start=2):  # row 1 is the header
        if o["id"] in stored:
            record_id, upload_id = stored[o["id"]]
            answers[o["id"]] = _keep(
                request.user, o, digests[o["id"]], "accepted", upload_id, record_id,
                photos=photos.get(o["id"], []),
            )  # fmt: skip
            fieldphotos.forget(photos.get(o["id"], []))
        elif row in errors:
            answers[o["id"]] = _keep(
                request.user, o, digests[o["id"]], "rejected", upload.upload_id,
                reason=translate(errors[row], get_language()),
            )  # fmt: skip
        else:  # the same observation stored already (an equal record key)
            answers[o["id"]] = _keep(
                request.user, o, digests[o["id"]], "accepted", upload.upload_id
            )
    return answers


def _row_errors(ws, upload):
    """{row: reason} of the upload (the stored rejects when it was a duplicate);
    {None: reason} when the file as a whole failed."""
    from hailin.web.portal.data import rejects_of

    if upload.status == "duplicate":
        rows, _total = rejects_of(ws, upload.upload_id, MAX_OBSERVATIONS * 4)
        pairs = [(r["source_row"], r["column"], r["reason"]) for r in rows]
    else:
        pairs = [(e["row"], e["column"], e["message"]) for e in upload.summary["errors"]]
    errors: dict[int | None, str] = {}
    for row, column, message in pairs:
        text = f"{column}: {message}" if column else message
        errors[row] = f"{errors[row]}; {text}" if row in errors else text
    return errors


@transaction.atomic
def _keep(user, observation, sha, status, upload_id="", record_id="", reason="", photos=()):
    row, _created = FieldObservation.objects.update_or_create(
        field_id=observation["id"],
        defaults={
            "user": user,
            "digest": sha,
            "status": status,
            "reason": reason,
            "upload_id": upload_id or "",
            "record_id": record_id or "",
            "photos": list(photos),
        },
    )
    return answer_of(row)
