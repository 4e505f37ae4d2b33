"""The JSON API (django-ninja; the OpenAPI schema at /api/openapi.json).

Authentication is the portal's session (log in at /accounts/login/); unsafe
methods need the CSRF token in ``X-CSRFToken``. Roles as on the pages.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import File, Form, NinjaAPI
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.security import django_auth

from hailin.surveys.errors import StoreError, UploadError
from hailin.surveys.schema import codes
from hailin.web.portal import data, intake, jobs
from hailin.web.portal.audit import record
from hailin.web.portal.map_pages import map_ready
from hailin.web.portal.mapfiles import MAP_NAMES
from hailin.web.portal.models import (
    AlertEvent,
    AuditEvent,
    ImportJob,
    PortalState,
    PortalUpload,
    Webhook,
)
from hailin.web.portal.roles import account_of, allowed, role_of
from hailin.web.portal.schemas import (
    Alert,
    Audit,
    Case,
    CaseDetail,
    Detail,
    Job,
    MapInfo,
    Me,
    Photo,
    Summary,
    Upload,
    UploadDetail,
    WebhookIn,
    WebhookOut,
    WithdrawIn,
    WithdrawOut,
)
from hailin.web.portal.webhooks import deactivate, validate_url

logger = logging.getLogger("hailin.web")

api = NinjaAPI(
    title="hailin patrol portal",
    version="1",
    description="Uploads, the recurrence ledger, progress, maps and alerts of a hailin workspace.",
    auth=django_auth,
    docs_url=None,  # the interactive docs load scripts from a CDN; the schema is enough
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": "not allowed for this account"}, status=403)


@api.exception_handler(Http404)
def _missing(request, exc):
    return api.create_response(request, {"detail": str(exc) or "not found"}, status=404)


@api.exception_handler(Exception)
def _internal(request, exc):
    logger.exception("API %s %s", request.method, request.path)
    return api.create_response(
        request,
        {"detail": "internal error; details in the workspace's logs/portal.log"},
        status=500,
    )


def need(request, what):
    if not allowed(request.user, what):
        raise HttpError(403, "not allowed for this account")


@api.get("/me", response=Me)
def me(request):
    account = account_of(request.user)
    return {
        "username": request.user.get_username(),
        "role": role_of(request.user),
        "teams": account.team_list(),
        "patrol_type": account.patrol_type,
    }


@api.get("/uploads", response={200: list[Upload], 403: Detail})
def list_uploads(request):
    need(request, "uploads")
    return data.uploads_for(data.workspace(), request.user)


@api.post("/uploads", response={202: Job, 400: Detail, 403: Detail, 429: Detail})
def post_uploads(
    request,
    files: list[UploadedFile] = File(...),
    team: str = Form(""),
    patrol_type: str = Form(""),
):
    """Upload one or more survey files or photos: they are queued for import and
    the answer (202) comes at once with the job's ``status_url``; follow it until
    its ``state`` is ``done`` for each file's import summary."""
    need(request, "upload")
    account = account_of(request.user)
    is_admin = role_of(request.user) == "admin"
    team = team.strip()[:200] or (account.team_list() or [""])[0]
    patrol_type = patrol_type.strip() or account.patrol_type
    if len(files) > settings.UPLOAD_MAX_FILES:
        return 400, {"detail": f"at most {settings.UPLOAD_MAX_FILES} files at a time"}
    if patrol_type and patrol_type not in codes("patrol_type"):
        return 400, {"detail": f"unknown patrol type {patrol_type!r}"}
    if not is_admin and team not in account.team_list():
        return 400, {"detail": "choose one of your teams"}
    count, seconds = (int(x) for x in settings.UPLOAD_RATE.split("/"))
    if jobs.files_queued_by(request.user, seconds) + len(files) > count:
        return 429, {"detail": f"too many uploads: at most {count} files in {seconds} s"}
    job = jobs.submit(files, user=request.user, team=team, patrol_type=patrol_type, request=request)
    return 202, _job(job)


def _job(job):
    done = {u.id: u for u in PortalUpload.objects.filter(id__in=jobs.upload_ids(job))}
    return {
        "job": job.key,
        "state": job.state,
        "status_url": f"/api/jobs/{job.key}",
        "files": [
            _file_result(done[f["upload"]])
            if f.get("upload") in done
            else {"file": f["file"], "status": "queued"}
            for f in job.files
        ],
    }


def _file_result(done):
    summary = done.summary
    return {
        **{k: summary.get(k) for k in Summary.model_fields if k in summary},
        "upload_id": done.upload_id,
        "file": done.file,
        "kind": done.kind,
        "status": done.status,
        "rows_read": done.rows_read,
        "rows_accepted": done.rows_accepted,
        "rows_rejected": done.rows_rejected,
        "rows_duplicate": done.rows_duplicate,
        "errors": (summary.get("errors") or [])[:1000],
        "warnings": summary.get("warnings") or [],
        "errors_csv": f"/uploads/{done.upload_id}/errors.csv" if done.report else None,
        "new_cases": [c["case_id"] for c in done.new_cases],
    }


@api.get("/jobs/{key}", response={200: Job, 403: Detail, 404: Detail})
def get_job(request, key: str):
    """An upload's import: ``queued``, ``running`` or ``done``, with each file's summary."""
    need(request, "upload")
    job = ImportJob.objects.filter(key=key, user=request.user).first()
    if job is None:
        return 404, {"detail": "no such upload"}
    return _job(job)


@api.get("/uploads/{upload_id}", response={200: UploadDetail, 403: Detail, 404: Detail})
def get_upload(request, upload_id: str):
    need(request, "uploads")
    ws = data.workspace()
    found = data.upload_for(ws, request.user, upload_id)
    if not found:
        return 404, {"detail": "no such upload"}
    rejects, total = data.rejects_of(ws, upload_id)
    return {"uploads": found, "rejects": rejects, "rejects_total": total}


@api.post(
    "/uploads/{upload_id}/withdraw",
    response={200: WithdrawOut, 400: Detail, 403: Detail, 404: Detail, 409: Detail},
)
def withdraw(request, upload_id: str, body: WithdrawIn):
    """Take an upload out of the store (Workspace.withdraw_upload); nothing is deleted."""
    need(request, "withdraw")
    ws = data.workspace()
    if not data.upload_for(ws, request.user, upload_id):
        return 404, {"detail": "no such upload"}
    reason = " ".join(body.reason.split())
    if not reason:
        return 400, {"detail": "say why the upload is withdrawn"}
    try:
        done = intake.withdraw(ws, request, upload_id, reason)
    except UploadError as error:
        return 400, {"detail": str(error)}
    except StoreError:  # its text names the store's path and the lock holder
        return 409, {"detail": intake.STORE_BUSY}
    return {
        "upload_id": done.upload_id,
        "files": done.files,
        "records_removed": done.records_removed,
        "rejects_removed": done.rejects_removed,
        "plots_removed": done.plots_removed,
        "withdrawn_at": done.withdrawn_at.isoformat(),
        "reason": reason,
    }


@api.get("/ledger", response={200: list[Case], 403: Detail})
def ledger(request, status: str = "", kind: str = "", site: str = ""):
    need(request, "ledger")
    table = data.ledger_rows(data.workspace())
    for key, value in (("status", status), ("kind", kind), ("site", site)):
        if value:
            table = [r for r in table if r[key] == value]
    return table


@api.get("/ledger/{case_id}", response={200: CaseDetail, 403: Detail, 404: Detail})
def case(request, case_id: str):
    need(request, "ledger")
    ws = data.workspace()
    found = data.case_detail(ws, case_id)
    if found is None:
        return 404, {"detail": "no such case"}
    row, records, _area = found
    photos = data.photos_for(ws, request.user, [r["record_id"] for r in records])
    return {"case": row, "records": records, "photos": photos}


@api.get("/progress", response={200: dict[str, Any], 403: Detail})
def progress(request):
    need(request, "progress")
    clearance, restoration = data.workspace().progress()
    return {"clearance": clearance.to_dict(), "restoration": restoration.to_dict()}


@api.get("/photos", response={200: list[Photo], 403: Detail})
def photos(request):
    need(request, "photos")
    return data.photos_for(data.workspace(), request.user)


@api.get("/maps", response={200: list[MapInfo], 403: Detail})
def maps(request):
    need(request, "maps")
    built = PortalState.objects.filter(key="maps_built").first()
    folder = settings.WEB_DIR / "maps"
    return [
        {
            "name": name,
            "url": f"/maps/{name}/",
            "ready": map_ready(folder, name, request.user),
            "built_at": built.value.get("at") if built else None,
        }
        for name in MAP_NAMES
    ]


@api.get("/webhooks", response={200: list[WebhookOut], 403: Detail})
def webhooks(request):
    need(request, "manage")
    return list(Webhook.objects.order_by("id"))


@api.post("/webhooks", response={201: WebhookOut, 400: Detail, 403: Detail})
def add_webhook(request, body: WebhookIn):
    """Tell a WeCom or DingTalk group robot, or a JSON endpoint, about new cases."""
    need(request, "manage")
    try:
        validate_url(body.url)
    except ValidationError as error:
        return 400, {"detail": " ".join(error.messages)}
    hook = Webhook.objects.create(name=body.name, kind=body.kind, url=body.url, secret=body.secret)
    record("webhook_added", user=request.user, request=request, name=hook.name, kind=hook.kind)
    return 201, hook


@api.post("/webhooks/{hook_id}/deactivate", response={200: WebhookOut, 403: Detail, 404: Detail})
def deactivate_webhook(request, hook_id: int):
    """Stop a webhook (it can always be stopped, whatever its URL holds)."""
    need(request, "manage")
    hook = Webhook.objects.filter(pk=hook_id).first()
    if hook is None:
        return 404, {"detail": "no such webhook"}
    deactivate(hook, request)
    hook.refresh_from_db()
    return hook


@api.get("/alerts", response={200: list[Alert], 403: Detail})
def alerts(request, limit: int = 100):
    need(request, "manage")
    limit = max(1, min(limit, 1000))
    return [
        {
            "id": event.id,
            "created_at": event.created_at.isoformat(),
            "upload_id": event.upload_id,
            "file": event.file,
            "team": event.team,
            "uploaded_by": event.uploaded_by,
            "cases": event.cases,
            "messages": [
                {
                    "channel": m.channel,
                    "state": m.state,
                    "attempts": m.attempts,
                    "last_error": m.last_error,
                }
                for m in event.messages.order_by("id")
            ],
        }
        for event in AlertEvent.objects.prefetch_related("messages")[:limit]
    ]


@api.get("/audit", response={200: list[Audit], 403: Detail})
def audit(request, limit: int = 200):
    need(request, "manage")
    limit = max(1, min(limit, 5000))
    return [
        {
            "at": e.at.isoformat(),
            "username": e.username,
            "action": e.action,
            "address": e.address,
            "detail": e.detail,
        }
        for e in AuditEvent.objects.all()[:limit]
    ]
