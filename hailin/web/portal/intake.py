"""Files arriving through the portal: each saved to a temporary file under the
name the uploader's device gave it, then imported by exactly the code the CLI
uses (:meth:`Workspace.import_file`), or stored as photo evidence
(:meth:`Workspace.import_photo`). An import and the ledger comparison that
finds the cases it opened hold one lock, so alerts name the right import."""

import contextlib
import datetime
import fcntl
import logging
import os
import shutil
import tempfile
import time
import unicodedata

from django.conf import settings
from django.utils import timezone

from hailin.geo.errors import HailinError
from hailin.surveys.io.photos import photo_format
from hailin.web.portal import alerts
from hailin.web.portal.audit import record
from hailin.web.portal.models import PortalState, PortalUpload

logger = logging.getLogger("hailin.web")
LOCK_WAIT_S = 120
MAX_NAME = 150
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
    control characters, not hidden, at most 150 characters (extension kept).

    Examples
    --------
    >>> safe_name("../../etc/passwd"), safe_name("C:\\\\巡查\\\\记录.csv"), safe_name("\\x00.csv")
    ('passwd', '记录.csv', 'upload.csv')
    """
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    stem, suffix = os.path.splitext(name)
    if stem.startswith(".") and not suffix:  # ".csv": an extension alone
        stem, suffix = "", stem
    stem = stem.lstrip(".") or "upload"
    suffix = suffix[:16]
    return stem[: MAX_NAME - len(suffix)] + suffix


def _failed(file, message):
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


def _import_survey(ws, path, file, team, patrol_type, uploader):
    """(summary dict, cases the import opened)."""
    flags = {"team": team or None, "patrol_type": patrol_type or None, "uploader": uploader}
    try:
        with import_lock():
            before = alerts.known_cases(ws)
            try:
                summary = ws.import_file(path, **flags).to_dict()
            except HailinError as error:
                return _failed(file, str(error)), []
            cases = []
            if summary["rows_accepted"]:
                if alerts.may_open_cases(ws, summary["upload_id"]):
                    cases = alerts.opened_cases(ws, before)
                else:  # only inspections and other findings: the case ids stay
                    alerts.unchanged(ws, before)
            return summary, cases
    except Busy:
        return _failed(file, "the store is busy with other imports; try again in a minute"), []
    except Exception as error:  # a hailin bug: this file fails, the portal goes on
        logger.exception("importing %s through the portal", file)
        return _failed(
            file,
            f"internal error while importing ({type(error).__name__}); this is a hailin bug, "
            "details in the workspace's logs/portal.log",
        ), []


def _import_photo(ws, path, file, team, uploader):
    try:
        return ws.import_photo(path, file=file, team=team or None, uploader=uploader).to_dict()
    except HailinError as error:
        return {**_failed(file, str(error)), "kind": "photo"}
    except Exception as error:
        logger.exception("storing photo %s through the portal", file)
        return {
            **_failed(file, f"internal error while storing the photo ({type(error).__name__})"),
            "kind": "photo",
        }


def receive(ws, uploaded, *, user, team, patrol_type, request=None):
    """Import one uploaded file for ``user``; returns its :class:`PortalUpload`."""
    file = safe_name(uploaded.name)
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="incoming-", dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        path = os.path.join(folder, file)
        source = getattr(uploaded, "temporary_file_path", None)
        if source is not None:
            shutil.move(source(), path)
        else:
            with open(path, "wb") as out:
                for chunk in uploaded.chunks():
                    out.write(chunk)
        with open(path, "rb") as handle:
            head = handle.read(16)
        if photo_format(head):
            summary, cases = _import_photo(ws, path, file, team, user.get_username()), []
        else:
            summary, cases = _import_survey(ws, path, file, team, patrol_type, user.get_username())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report = summary.get("report")
    upload = PortalUpload.objects.create(
        user=user,
        team=team or "",
        patrol_type=patrol_type or "",
        file=file,
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
    record(
        "upload",
        user=user,
        request=request,
        file=file,
        upload_id=upload.upload_id,
        kind=upload.kind,
        status=upload.status,
        team=upload.team,
        rows_accepted=upload.rows_accepted,
        rows_rejected=upload.rows_rejected,
        new_cases=[c["case_id"] for c in cases],
    )
    if cases:
        try:
            alerts.announce(cases, upload=upload)
        except Exception:  # alerts never fail an import
            logger.exception("alerts: could not queue the messages of %s", file)
    if upload.rows_accepted:
        want_maps()
    return upload


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
    return {
        key: value
        for key, value in summary.items()
        if key not in ("report", "archived_as", "thumbnail")
    } | {"has_report": bool(summary.get("report"))}


def want_maps():
    """Ask the worker to draw the maps again (after an import stored something)."""
    PortalState.objects.update_or_create(
        key=MAPS_WANTED, defaults={"value": {"at": timezone.now().isoformat()}}
    )


def recent_uploads_of(user, seconds):
    since = timezone.now() - datetime.timedelta(seconds=seconds)
    return PortalUpload.objects.filter(user=user, received_at__gte=since).count()
