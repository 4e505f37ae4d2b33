"""The import queue: files are accepted into a durable job (the portal's
database, the bytes under web/jobs/) and answered at once; the importer process
(hailin.web.importer) imports them one job at a time, so no request thread
waits for an import and readers are answered while uploads queue.

:func:`submit` is the one way in for every kind of upload (the upload page, the
API, and whatever else hands the portal files); :func:`reconcile` runs when the
importer starts and settles what a killed importer left: a file the store took
but the portal did not record gets its record and audit entry (``recovered``).
"""

import datetime
import logging
import os
import secrets
import shutil

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hailin.surveys.io.archive import sha256_of
from hailin.web.portal import intake
from hailin.web.portal.addresses import client_address
from hailin.web.portal.models import ImportJob, PortalUpload

logger = logging.getLogger("hailin.web")
RECOVERED = "recovered after the importer stopped: the store had taken this file"


def jobs_dir():
    return settings.WEB_DIR / "jobs"


def _keep(source, target):
    """Put one received file at ``target``: moved when it is a temporary file."""
    temporary = getattr(source, "temporary_file_path", None)
    if isinstance(source, (str, os.PathLike)):
        shutil.copyfile(source, target)
    elif temporary is not None:
        shutil.move(temporary(), target)
    else:
        with open(target, "wb") as out:
            for chunk in source.chunks():
                out.write(chunk)


def submit(files, *, user, team, patrol_type, request=None):
    """Queue ``files`` (Django uploaded files, or (name, path) pairs) for ``user``;
    returns the :class:`ImportJob`, whose ``key`` its status pages take.

    Examples
    --------
    >>> job = submit([("巡查.csv", "patrol.csv")], user=user, team="前岐镇",
    ...              patrol_type="township_patrol")  # doctest: +SKIP
    >>> job.state  # doctest: +SKIP
    'queued'
    """
    key = secrets.token_hex(16)
    base = jobs_dir() / key
    entries = []
    try:
        for number, item in enumerate(files):
            name, source = item if isinstance(item, tuple) else (item.name, item)
            folder = base / str(number)
            os.makedirs(folder)
            file = intake.safe_name(name)
            _keep(source, folder / file)
            entries.append({"file": file, "folder": f"{key}/{number}", "upload": None})
        return ImportJob.objects.create(
            key=key,
            user=user,
            team=team or "",
            patrol_type=patrol_type or "",
            address=client_address(request),
            files=entries,
        )
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise


def files_queued_by(user, seconds):
    """How many files ``user`` handed in during the last ``seconds`` (the rate limit)."""
    since = timezone.now() - datetime.timedelta(seconds=seconds)
    return sum(len(job.files) for job in ImportJob.objects.filter(user=user, created_at__gte=since))


def upload_ids(job):
    """The PortalUpload ids of the files of ``job`` imported so far."""
    return [entry["upload"] for entry in job.files if entry.get("upload")]


def _path(entry):
    return jobs_dir() / entry["folder"] / entry["file"]


def claim():
    """The oldest queued job, now running (None when nothing waits)."""
    with transaction.atomic():
        job = ImportJob.objects.filter(state="queued").order_by("id").first()
        if job is None:
            return None
        job.state, job.started_at = "running", timezone.now()
        job.save(update_fields=["state", "started_at"])
        return job


def _finish(job):
    job.state, job.finished_at = "done", timezone.now()
    job.save(update_fields=["state", "finished_at", "files"])
    shutil.rmtree(jobs_dir() / job.key, ignore_errors=True)


def run(ws, job):
    """Import every file of ``job`` not imported yet, each recorded as it is done."""
    for entry in job.files:
        if entry.get("upload"):
            continue
        path = _path(entry)
        if path.is_file():
            summary, cases = intake.import_path(
                ws, str(path), user=job.user, team=job.team, patrol_type=job.patrol_type
            )
        else:  # its folder is gone (removed by hand): say so rather than stall
            summary, cases = (
                intake.failed_summary(entry["file"], "the file was lost before import"),
                [],
            )
        _settle(ws, job, entry, summary, cases)
    _finish(job)


def _settle(ws, job, entry, summary, cases, recovered=False):
    with transaction.atomic():
        upload = intake.record_upload(
            ws,
            summary,
            cases,
            user=job.user,
            team=job.team,
            patrol_type=job.patrol_type,
            address=job.address,
            recovered=recovered,
        )
        entry["upload"] = upload.id
        job.save(update_fields=["files"])
    intake.after_upload(upload)


def _stored_summary(ws, job, entry):
    """The summary of a job's file the store took after the job started, else None."""
    path = _path(entry)
    if not path.is_file():
        return None
    digest = sha256_of(path)
    if PortalUpload.objects.filter(upload_id=digest).exists():
        return None  # recorded before: importing it again says "duplicate"
    since = job.started_at or job.created_at
    name = job.user.get_username()
    uploads = ws.uploads()
    row = uploads[(uploads["upload_id"] == digest) & (uploads["uploaded_by"] == name)]
    base = {"upload_id": digest, "file": entry["file"], "errors": []}
    warnings = [{"row": None, "column": None, "message": RECOVERED}]
    if len(row) and row["uploaded_at"].iloc[-1] >= since:
        counts = row.iloc[-1]
        return base | {
            "kind": "surveys",
            "status": str(counts["status"]),
            "warnings": warnings,
            **{k: int(counts[k]) for k in ("rows_read", "rows_accepted", "rows_rejected")},
            "rows_duplicate": int(counts.get("rows_duplicate") or 0),
        }
    photos = ws.evidence.photos()
    if len(photos) and "photo_id" in photos:
        photo = photos[(photos["photo_id"] == digest) & (photos["uploaded_by"] == name)]
        if len(photo) and photo["uploaded_at"].iloc[-1] >= since:
            return base | {"kind": "photo", "status": "accepted", "warnings": warnings}
    return None


def reconcile(ws):
    """Settle the jobs a stopped importer left running: files the store took are
    recorded and audited (``recovered``), the rest wait to be imported again.
    Returns how many files were recovered. Run by the importer before its first job."""
    from hailin.web.portal import alerts

    recovered = 0
    with intake.import_lock():
        for job in ImportJob.objects.filter(state="running").select_related("user"):
            for entry in job.files:
                if entry.get("upload"):
                    continue
                summary = _stored_summary(ws, job, entry)
                if summary is None:
                    continue
                state = alerts.remembered()
                before = set(state.get("ids", [])) if state else None
                cases = alerts.opened_cases(ws, before) if summary["kind"] == "surveys" else []
                _settle(ws, job, entry, summary, cases, recovered=True)
                recovered += 1
                logger.warning("importer: %s of job %s recovered", entry["file"], job.key)
            job.state = "queued"
            job.save(update_fields=["state"])
    return recovered


def forget_finished(now=None):
    """Delete the jobs finished more than ``JOB_KEEP_DAYS`` ago (never one queued or
    running, nor one the upload rate limit still counts); returns how many. Their
    files are imported and recorded (PortalUpload, audit log): only the job's own
    answer page goes. The importer runs it at start and after each job.

    Examples
    --------
    >>> forget_finished()  # doctest: +SKIP
    0
    """
    _count, rate_s = (int(x) for x in settings.UPLOAD_RATE.split("/"))
    kept = max(datetime.timedelta(days=settings.JOB_KEEP_DAYS), datetime.timedelta(seconds=rate_s))
    before = (now or timezone.now()) - kept
    old = ImportJob.objects.filter(state="done", finished_at__lt=before, created_at__lt=before)
    return old.delete()[0]


def sweep():
    """Remove folders under web/jobs/ that no waiting job names (left by a killed request)."""
    waiting = set(ImportJob.objects.exclude(state="done").values_list("key", flat=True))
    for entry in os.scandir(jobs_dir()) if jobs_dir().is_dir() else ():
        if entry.name not in waiting:
            shutil.rmtree(entry.path, ignore_errors=True)
