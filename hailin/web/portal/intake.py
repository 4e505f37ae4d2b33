"""Files arriving through the portal: each kept under the name the uploader's
device gave it (hailin.web.portal.jobs queues them), then imported by exactly
the code the CLI uses (:meth:`Workspace.import_file`), or stored as photo
evidence (:meth:`Evidence.import_photo`, ``ws.evidence``). An import and the ledger comparison
that finds the cases it opened hold one lock, so alerts name the right import.
What an uploader reads never holds a server path, pid or host name."""

import contextlib
import datetime
import fcntl
import logging
import os
import re
import shutil
import tempfile
import time
import unicodedata

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hailin.geo.errors import HailinError
from hailin.surveys.errors import StoreError
from hailin.surveys.io.photos import photo_format
from hailin.web.portal import alerts
from hailin.web.portal.audit import record
from hailin.web.portal.models import PortalState, PortalUpload

logger = logging.getLogger("hailin.web")
LOCK_WAIT_S = 120
MAX_NAME = 150
MAX_NAME_BYTES = 200
STORE_BUSY = "the store is busy with other work; try again in a few minutes"
# An absolute path's folders ("/srv/ws/web/jobs/…/"): never shown to an uploader.
_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/'\"]+/)+")
MAPS_WANTED = "maps_wanted"


class Busy(Exception):
    """Another import held the lock for longer than LOCK_WAIT_S."""


@contextlib.contextmanager
def import_lock(wait_s=LOCK_WAIT_S):
    """One portal import (with its ledger comparison) at a time, across workers."""
    os.makedirs(settings.WEB_DIR, exist_ok=True)
    with open(settings.WEB_DIR / "import.lock", "a+") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Busy() from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def safe_name(name):
    """The uploader's file name, fit to be a file name here: no folders, no
    control characters, not hidden, at most 150 characters and 200 bytes of
    UTF-8 (a file system takes 255), the extension kept.

    Examples
    --------
    >>> safe_name("../../etc/passwd"), safe_name("C:\\\\巡查\\\\记录.csv"), safe_name("\\x00.csv")
    ('passwd', '记录.csv', 'upload.csv')
    >>> name = safe_name("柯湾" * 60 + ".csv")
    >>> len(name.encode()), name[-6:]
    (199, '湾柯.csv')
    """
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    stem, suffix = os.path.splitext(name)
    if stem.startswith(".") and not suffix:  # ".csv": an extension alone
        stem, suffix = "", stem
    stem = stem.lstrip(".") or "upload"
    suffix = suffix[:16]
    stem = stem[: MAX_NAME - len(suffix)]
    room = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    return stem.encode("utf-8")[:room].decode("utf-8", "ignore") + suffix


def shown(text, folder=None):
    """``text`` fit for an uploader: the job's folder becomes the file's name and
    any other absolute path loses its folders (the log keeps the whole text).

    Examples
    --------
    >>> shown("cannot read /srv/ws/web/jobs/ab/0/巡查.geojson: bad JSON", "/srv/ws/web/jobs/ab/0")
    'cannot read 巡查.geojson: bad JSON'
    >>> shown("see /tmp/x/y/z.csv and C:/a")
    'see z.csv and C:/a'
    """
    text = str(text)
    if folder:
        text = text.replace(os.path.join(str(folder), ""), "")
    return _PATH.sub("", text)


def failed_summary(file, message):
    return {
        "upload_id": "",
        "file": file,
        "status": "rejected",
        "kind": "surveys",
        "rows_read": 0,
        "rows_accepted": 0,
        "rows_rejected": 0,
        "rows_duplicate": 0,
        "errors": [{"row": None, "column": None, "message": message}],
        "warnings": [],
    }


def refusal(error, path):
    """What the uploader of the file at ``path`` reads of ``error`` (a HailinError
    the workspace raised): the store's own errors name its path and the lock
    holder's pid and host, so they read as one fixed sentence (logged whole).

    Examples
    --------
    >>> from hailin.surveys.errors import StoreError, SurveyFileError
    >>> refusal(StoreError("/srv/ws/hailin.gpkg: locked by hailin import (pid 42 on gis)"), "a")
    'the store is busy with other work; try again in a few minutes'
    >>> refusal(SurveyFileError("bad JSON in /srv/ws/web/jobs/k/0/巡查.geojson"), "/x/巡查.geojson")
    'bad JSON in 巡查.geojson'
    """
    if isinstance(error, StoreError):
        logger.warning("importing %s through the portal: %s", os.path.basename(path), error)
        return STORE_BUSY
    return shown(error, os.path.dirname(path))


def _refused(error, path, file):
    return failed_summary(file, refusal(error, path))


def _import_survey(ws, path, file, team, patrol_type, uploader, attach=None):
    """(summary dict, cases the import opened); ``attach``: see :meth:`Workspace.import_file`."""
    flags = {"team": team or None, "patrol_type": patrol_type or None, "uploader": uploader}
    flags["attach"] = attach
    try:
        with import_lock():
            before = alerts.known_cases(ws)
            try:
                summary = ws.import_file(path, **flags).to_dict()
            except HailinError as error:
                return _refused(error, path, file), []
            cases = []
            if summary["rows_accepted"]:
                if alerts.may_open_cases(ws, summary["upload_id"]):
                    cases = alerts.opened_cases(ws, before)
                else:  # only inspections and other findings: the case ids stay
                    alerts.unchanged(ws, before)
            return summary, cases
    except Busy:
        return failed_summary(file, STORE_BUSY), []
    except Exception as error:  # a hailin bug: this file fails, the portal goes on
        logger.exception("importing %s through the portal", file)
        return failed_summary(
            file,
            f"internal error while importing ({type(error).__name__}); this is a hailin bug, "
            "details in the workspace's logs/portal.log",
        ), []


def _import_photo(ws, path, file, team, uploader):
    try:
        summary = ws.evidence.import_photo(path, file=file, team=team or None, uploader=uploader)
        return summary.to_dict()
    except HailinError as error:
        return {**_refused(error, path, file), "kind": "photo"}
    except Exception as error:
        logger.exception("storing photo %s through the portal", file)
        return {
            **failed_summary(
                file, f"internal error while storing the photo ({type(error).__name__})"
            ),
            "kind": "photo",
        }


def import_path(ws, path, *, user, team, patrol_type, attach=None):
    """Import the file at ``path`` (named as its uploader named it) for ``user``:
    a photo as evidence, anything else as a patrol file (``attach``: more
    written in its transaction). (summary, cases opened)."""
    file = os.path.basename(path)
    with open(path, "rb") as handle:
        head = handle.read(16)
    if photo_format(head):
        return _import_photo(ws, path, file, team, user.get_username()), []
    return _import_survey(ws, path, file, team, patrol_type, user.get_username(), attach)


def receive(ws, uploaded, *, user, team, patrol_type, request=None, attach=None):
    """Import one uploaded file now, for ``user``, and record it; returns its
    :class:`PortalUpload`. For what a phone waits to hear about (the field form's
    batches, a resumable file once whole); the upload form's files go through
    the queue (:func:`hailin.web.portal.jobs.submit`) instead. ``attach(store,
    upload_id)`` writes more in the import's transaction (the form's photos)."""
    from hailin.web.portal.addresses import client_address

    file = safe_name(uploaded.name)
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="incoming-", dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        path = os.path.join(folder, file)
        with open(path, "wb") as out:
            for chunk in uploaded.chunks():
                out.write(chunk)
        summary, cases = import_path(
            ws, path, user=user, team=team, patrol_type=patrol_type, attach=attach
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    address = client_address(request) if request is not None else ""
    upload = record_upload(
        ws, summary, cases, user=user, team=team, patrol_type=patrol_type, address=address
    )
    after_upload(upload)
    return upload


def recent_uploads_of(user, seconds):
    """How many files ``user`` sent in the last ``seconds`` (the upload limit)."""
    since = timezone.now() - datetime.timedelta(seconds=seconds)
    return PortalUpload.objects.filter(user=user, received_at__gte=since).count()


@transaction.atomic
def record_upload(ws, summary, cases, *, user, team, patrol_type, address="", recovered=False):
    """The :class:`PortalUpload` of one imported file and its audit record, in one
    transaction of the portal's database; returns the PortalUpload."""
    report = summary.get("report")
    upload = PortalUpload.objects.create(
        user=user,
        team=team or "",
        patrol_type=patrol_type or "",
        file=summary["file"],
        kind=summary.get("kind") or "surveys",
        upload_id=summary.get("upload_id") or "",
        status=summary["status"],
        rows_read=summary.get("rows_read") or 0,
        rows_accepted=summary.get("rows_accepted") or 0,
        rows_rejected=summary.get("rows_rejected") or 0,
        rows_duplicate=summary.get("rows_duplicate") or 0,
        report=os.path.relpath(report, ws.root) if report else "",
        summary=public_summary(summary),
        new_cases=cases,
    )
    extra = {"recovered": True} if recovered else {}
    record(
        "upload",
        user=user,
        address=address,
        file=upload.file,
        upload_id=upload.upload_id,
        kind=upload.kind,
        status=upload.status,
        team=upload.team,
        rows_accepted=upload.rows_accepted,
        rows_rejected=upload.rows_rejected,
        new_cases=[c["case_id"] for c in cases],
        **extra,
    )
    return upload


def after_upload(upload):
    """What follows a stored upload: its alerts, and the maps drawn again."""
    if upload.new_cases:
        try:
            alerts.announce(upload.new_cases, upload=upload)
        except Exception:  # alerts never fail an import
            logger.exception("alerts: could not queue the messages of %s", upload.file)
    if upload.rows_accepted:
        want_maps()


def withdraw(ws, request, upload_id, reason):
    """Withdraw ``upload_id`` for the request's account through the workspace
    (exactly what `hailin uploads withdraw` does), audited; the maps follow.
    Returns the :class:`hailin.surveys.io.uploads.Withdrawal`; UploadError as the store says."""
    name = request.user.get_username()
    done = ws.withdraw_upload(upload_id, reason=f"{reason} [{name}, portal]", by=name)
    record(
        "withdraw",
        user=request.user,
        request=request,
        upload_id=done.upload_id,
        files=done.files,
        reason=reason,
        records_removed=done.records_removed,
    )
    want_maps()
    return done


def public_summary(summary):
    """The import summary without server paths (the report is offered as a download)."""
    public = {
        key: value
        for key, value in summary.items()
        if key not in ("report", "archived_as", "thumbnail")
    } | {"has_report": bool(summary.get("report"))}
    for key in ("errors", "warnings"):
        public[key] = [
            {**item, "message": shown(item.get("message", ""))} for item in summary.get(key) or []
        ]
    return public


def want_maps():
    """Ask the worker to draw the maps again (after an import stored something)."""
    PortalState.objects.update_or_create(
        key=MAPS_WANTED, defaults={"value": {"at": timezone.now().isoformat()}}
    )
