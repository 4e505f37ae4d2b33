"""Files over a poor network: an upload in pieces that resumes where the
server stopped (the shape of the tus protocol: create with the size and
sha256, ask the offset, send the next piece at that offset).

``POST /upload/resumable/`` (JSON name, size, sha256, team, patrol_type)
gives a token and the offset already received (the same file of the same
account resumes); ``GET …/TOKEN`` the offset; ``PATCH …/TOKEN`` with
``Upload-Offset`` appends one piece. When the last byte is in and the sha256
matches, the file is imported by :func:`hailin.web.portal.intake.receive`,
once: a repeated last piece answers the same result.
"""

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import re
import secrets

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hailin.surveys.schema import codes
from hailin.web.portal import data, intake
from hailin.web.portal.models import ResumableUpload
from hailin.web.portal.roles import account_of, allowed, role_of

MAX_PIECE = 8 * 1024 * 1024
KEEP_DAYS = 7  # an unfinished file waits this long for its next piece
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _refused(message, status, **extra):
    return JsonResponse({"detail": message, **extra}, status=status)


def _folder():
    folder = os.path.join(settings.WEB_DIR, "resumable")
    os.makedirs(folder, exist_ok=True)
    return folder


def _part(upload):
    return os.path.join(_folder(), upload.token + ".part")


def _state(upload):
    body = {"token": upload.token, "offset": upload.offset, "size": upload.size}
    if upload.portal_upload_id:
        done = upload.portal_upload
        body |= {"done": True, "status": done.status, "result_url": reverse("upload") + "?done="}
        body["result_url"] += str(done.pk)
    return body


def _problem(request, meta):
    """Why this file may not start, or None."""
    teams = account_of(request.user).team_list()
    if not isinstance(meta.get("size"), int) or not 0 < meta["size"] <= settings.UPLOAD_MAX_BYTES:
        mb = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
        return _("A file is at most %(mb)d MiB.") % {"mb": mb}
    if not _SHA256.fullmatch(str(meta.get("sha256") or "")):
        return _("The request does not name the file's sha256.")
    if meta.get("patrol_type") and meta["patrol_type"] not in codes("patrol_type"):
        return _("Unknown patrol type.")
    if role_of(request.user) != "admin" and meta.get("team") not in teams:
        return _("Choose one of your teams.")
    return None


@require_POST
def start(request):
    """Start (or find again) the upload of one file."""
    if not allowed(request.user, "upload"):
        return _refused(_("This account may not upload."), 403)
    try:
        meta = json.loads(request.body.decode("utf-8"))
        meta = meta if isinstance(meta, dict) else {}
    except (ValueError, UnicodeDecodeError):
        meta = {}
    problem = _problem(request, meta)
    if problem:
        return _refused(problem, 400)
    count, seconds = (int(x) for x in settings.UPLOAD_RATE.split("/"))
    if intake.recent_uploads_of(request.user, seconds) >= count:
        why = _(
            "Too many uploads: at most %(count)d files in %(minutes)d minutes. Try again later."
        )
        return _refused(why % {"count": count, "minutes": max(1, seconds // 60)}, 429)
    _forget_stale()
    name = intake.safe_name(meta.get("name"))
    same = dict(user=request.user, sha256=meta["sha256"], size=meta["size"], name=name)
    team, patrol_type = str(meta.get("team") or "")[:200], meta.get("patrol_type") or ""
    with transaction.atomic():
        upload = (
            ResumableUpload.objects.filter(**same, portal_upload=None).order_by("-created_at")
        ).first() or ResumableUpload.objects.create(
            token=secrets.token_hex(16), team=team, patrol_type=patrol_type, **same
        )
    return JsonResponse(_state(upload))


def _forget_stale():
    """Pieces of files nobody finished within KEEP_DAYS leave the disk."""
    since = timezone.now() - datetime.timedelta(days=KEEP_DAYS)
    for upload in ResumableUpload.objects.filter(portal_upload=None, created_at__lt=since):
        with contextlib.suppress(FileNotFoundError):
            os.remove(_part(upload))
        with contextlib.suppress(FileNotFoundError):
            os.remove(_part(upload) + ".lock")
        upload.delete()


def _mine(request, token):
    return ResumableUpload.objects.filter(token=token, user=request.user).first()


@contextlib.contextmanager
def _locked(upload):
    """One writer per upload across the server's workers."""
    with open(_part(upload) + ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@require_http_methods(["GET", "HEAD", "PATCH"])
def piece(request, token):
    """The offset (GET, HEAD), or one more piece at ``Upload-Offset`` (PATCH)."""
    if not allowed(request.user, "upload"):
        return _refused(_("This account may not upload."), 403)
    upload = _mine(request, token)
    if upload is None:
        return _refused(_("No such upload."), 404)
    if request.method != "PATCH":
        response = JsonResponse(_state(upload))
        response["Upload-Offset"] = str(upload.offset)
        return response
    with _locked(upload):
        upload.refresh_from_db()
        if upload.portal_upload_id:
            return JsonResponse(_state(upload))
        if upload.offset < upload.size:
            if request.headers.get("Upload-Offset", "") != str(upload.offset):
                why = _("The piece does not start where the file stands.")
                return _refused(why, 409, **_state(upload))
            _append(request, upload)
        if upload.offset == upload.size:  # also a file whose import was cut short
            _finish(request, upload)
    return JsonResponse(_state(upload))


def _append(request, upload):
    """Write what the request carries (at most the rest of the file, and
    MAX_PIECE) at the offset; a dropped connection keeps what arrived whole."""
    want = min(upload.size - upload.offset, MAX_PIECE)
    with open(_part(upload), "ab") as out:
        out.truncate(upload.offset)  # bytes past the offset never counted
        with contextlib.suppress(OSError):  # the connection dropped: keep what came
            while want > 0:
                block = request.read(min(want, 256 * 1024))
                if not block:
                    break
                out.write(block)
                want -= len(block)
        out.flush()
        os.fsync(out.fileno())
        upload.offset = out.tell()
    upload.save(update_fields=["offset"])


class _Assembled(UploadedFile):
    """The assembled file as Django's uploads look (what intake.receive takes)."""

    def __init__(self, path, name, size):
        super().__init__(open(path, "rb"), name=name, size=size)

    def chunks(self, chunk_size=None):
        self.file.seek(0)
        while block := self.file.read(1024 * 1024):
            yield block


def _finish(request, upload):
    """Check the sha256 and import the file; a mismatch starts the file again."""
    path = _part(upload)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    if digest.hexdigest() != upload.sha256:
        os.remove(path)
        upload.offset = 0
        upload.save(update_fields=["offset"])
        return
    uploaded = _Assembled(path, upload.name, upload.size)
    try:
        done = intake.receive(
            data.workspace(),
            uploaded,
            user=request.user,
            team=upload.team,
            patrol_type=upload.patrol_type,
            request=request,
        )
    finally:
        uploaded.close()
    upload.portal_upload = done
    upload.save(update_fields=["portal_upload"])
    os.remove(path)
    os.remove(path + ".lock")  # a request still waiting for it finds the upload done
