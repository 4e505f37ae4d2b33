"""The portal's pages. Every page but the login page needs a logged-in account
(hailin.web.portal.middleware); each checks its role against roles.CAN."""

import logging
import os
import urllib.parse

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hailin.surveys.errors import StoreError, UploadError
from hailin.surveys.schema import codes, word
from hailin.translate import translate
from hailin.web.portal import data, errorcsv, intake, jobs
from hailin.web.portal.audit import record
from hailin.web.portal.models import AuditEvent, ImportJob, PortalUpload
from hailin.web.portal.roles import account_of, allowed, require, role_of, visible_teams

logger = logging.getLogger("hailin.web")
MAX_ERRORS_SHOWN = 200


def lang():
    return "en" if (get_language() or "").startswith("en") else "zh"


def patrol_choices():
    return [(code, word("patrol_type", code, lang())) for code in codes("patrol_type")]


def words(vocabulary, code):
    """A code in the reader's language (codes the vocabulary lacks as they are)."""
    return word(vocabulary, code, lang())


# -- home ---------------------------------------------------------------------------------
def home(request):
    role = role_of(request.user)
    if role == "patrol":
        return HttpResponseRedirect(reverse("upload"))
    if role is None:
        raise PermissionDenied("no role")
    ws = data.workspace()
    uploads = data.uploads_for(ws, request.user)[:8]
    return render(request, "portal/home.html", {"uploads": _labelled(uploads)})


# -- uploads ------------------------------------------------------------------------------
def _labelled(uploads):
    for row in uploads:
        row["patrol_label"] = words("patrol_type", row.get("patrol_type"))
        row["url"] = reverse("upload_detail", args=[row["upload_id"]])
    return uploads


def _rate_limit():
    count, seconds = (int(x) for x in settings.UPLOAD_RATE.split("/"))
    return count, seconds


@require_http_methods(["GET", "POST"])
def upload(request):
    require(request, "upload")
    account = account_of(request.user)
    teams = account.team_list()
    is_admin = role_of(request.user) == "admin"
    context = {
        "teams": teams,
        "free_team": is_admin,
        "patrol_types": patrol_choices(),
        "team": teams[0] if teams else "",
        "patrol_type": account.patrol_type,
        "results": [],
        "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
    }
    if request.method == "GET":
        done = request.GET.get("done", "").split(",")[: settings.UPLOAD_MAX_FILES]
        finished = PortalUpload.objects.filter(
            user=request.user, pk__in=[d for d in done if d.isdigit()]
        )
        context["results"] = [_result(u) for u in finished.order_by("id")]
        return render(request, "portal/upload.html", context)
    files = request.FILES.getlist("files")
    team = (request.POST.get("team") or "").strip()[:200]
    patrol_type = (request.POST.get("patrol_type") or "").strip()
    context.update(team=team, patrol_type=patrol_type)
    problem = None
    if not files:
        problem = _("Choose one or more files.")
    elif len(files) > settings.UPLOAD_MAX_FILES:
        problem = _("At most %(n)d files at a time.") % {"n": settings.UPLOAD_MAX_FILES}
    elif patrol_type and patrol_type not in codes("patrol_type"):
        problem = _("Unknown patrol type.")
    elif not is_admin and team not in teams:
        problem = _("Choose one of your teams.")
    if problem:
        context["problem"] = problem
        return render(request, "portal/upload.html", context, status=400)
    count, seconds = _rate_limit()
    if jobs.files_queued_by(request.user, seconds) + len(files) > count:
        context["problem"] = _(
            "Too many uploads: at most %(count)d files in %(minutes)d minutes. Try again later."
        ) % {"count": count, "minutes": max(1, seconds // 60)}
        return render(request, "portal/upload.html", context, status=429)
    job = jobs.submit(files, user=request.user, team=team, patrol_type=patrol_type, request=request)
    return HttpResponseRedirect(reverse("upload_job", args=[job.key]))


@require_http_methods(["GET"])
def upload_job(request, key):
    """The upload page with the results of one queued upload; it reloads itself
    until the importer has done every file."""
    require(request, "upload")
    job = ImportJob.objects.filter(key=key, user=request.user).first()
    if job is None:
        raise Http404("no such upload")
    done = {u.id: u for u in PortalUpload.objects.filter(id__in=jobs.upload_ids(job))}
    account = account_of(request.user)
    context = {
        "teams": account.team_list(),
        "free_team": role_of(request.user) == "admin",
        "patrol_types": patrol_choices(),
        "team": job.team,
        "patrol_type": job.patrol_type,
        "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "job": job.key,
        "results": [_result(done[f["upload"]]) for f in job.files if f.get("upload") in done],
        "waiting": [f["file"] for f in job.files if f.get("upload") not in done],
    }
    return render(request, "portal/upload.html", context)


def _in_words(notes):
    """Import notes (errors, warnings) with their messages in the reader's language."""
    return [{**n, "message": translate(n.get("message") or "", get_language())} for n in notes]


def _result(done):
    summary = done.summary
    errors = _in_words(summary.get("errors") or [])
    return {
        "upload": done,
        "file": done.file,
        "status": done.status,
        "kind": done.kind,
        "summary": summary,
        "errors": errors[:MAX_ERRORS_SHOWN],
        "more_errors": max(0, len(errors) - MAX_ERRORS_SHOWN),
        "warnings": _in_words(summary.get("warnings") or []),
        "detail_url": reverse("upload_detail", args=[done.upload_id])
        if done.upload_id and done.kind != "photo"
        else "",
        "report_url": reverse("upload_errors", args=[done.upload_id]) if done.report else "",
        "thumb_url": reverse("photo_thumb", args=[done.upload_id])
        if done.kind == "photo" and done.status in ("accepted", "duplicate")
        else "",
        "new_cases": done.new_cases,
    }


def uploads(request):
    require(request, "uploads")
    ws = data.workspace()
    table = _labelled(data.uploads_for(ws, request.user))
    return render(request, "portal/uploads.html", {"uploads": table[:500], "total": len(table)})


def _visible_upload(request, upload_id):
    require(request, "uploads")
    ws = data.workspace()
    found = data.upload_for(ws, request.user, upload_id)
    if not found:
        raise Http404("no such upload")
    return ws, found


def upload_detail(request, upload_id):
    ws, found = _visible_upload(request, upload_id)
    rejects, total = data.rejects_of(ws, upload_id, MAX_ERRORS_SHOWN)
    rejects = [{**r, "reason": translate(r["reason"] or "", get_language())} for r in rejects]
    report = data.error_report(ws, upload_id, found[-1]["file"])
    standing = [u for u in found if u["status"] != "withdrawn"]
    return render(
        request,
        "portal/upload_detail.html",
        {
            "rows": _labelled(found),
            "upload_id": upload_id,
            "rejects": rejects,
            "rejects_total": total,
            "report_url": reverse("upload_errors", args=[upload_id]) if report else "",
            "can_withdraw": allowed(request.user, "withdraw") and bool(standing),
        },
    )


def upload_errors(request, upload_id):
    """The import's own error report of an upload, as it wrote it (CSV)."""
    ws, found = _visible_upload(request, upload_id)
    portal = PortalUpload.objects.filter(upload_id=upload_id).exclude(report="").first()
    path = os.path.join(ws.root, portal.report) if portal else None
    if not path or not os.path.isfile(path):
        path = data.error_report(ws, upload_id, found[-1]["file"])
    if not path:
        raise Http404("no error report")
    name = os.path.basename(path)
    if lang() == "zh":
        rows = errorcsv.in_words(path)
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    else:
        response = FileResponse(open(path, "rb"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + urllib.parse.quote(name)
    return response


@require_POST
def upload_withdraw(request, upload_id):
    require(request, "withdraw")
    ws, _found = _visible_upload(request, upload_id)
    reason = " ".join((request.POST.get("reason") or "").split())
    if not reason:
        messages.error(request, _("Say why the upload is withdrawn."))
        return HttpResponseRedirect(reverse("upload_detail", args=[upload_id]))
    try:
        withdrawal = intake.withdraw(ws, request, upload_id, reason)
    except UploadError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("upload_detail", args=[upload_id]))
    except StoreError:  # its text names the store's path and the lock holder
        messages.error(request, intake.STORE_BUSY)
        return HttpResponseRedirect(reverse("upload_detail", args=[upload_id]))
    messages.success(
        request,
        _("Withdrawn: %(n)d record(s) taken out; the raw file is kept.")
        % {"n": withdrawal.records_removed},
    )
    return HttpResponseRedirect(reverse("upload_detail", args=[upload_id]))


# -- photos -------------------------------------------------------------------------------
def photo_thumb(request, photo_id):
    require(request, "photos")
    ws = data.workspace()
    photos = ws.evidence.photos()
    match = photos[(photos["photo_id"] == photo_id) & (photos["status"] == "accepted")]
    teams = visible_teams(request.user)
    if teams is not None:
        match = match[match["team"].isin(teams)]
    if len(match) == 0:
        raise Http404("no such photo")
    path = os.path.join(ws.root, match["thumbnail"].iloc[0])
    if not os.path.isfile(path):
        raise Http404("no thumbnail")
    response = FileResponse(open(path, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# -- audit log ----------------------------------------------------------------------------
def audit(request):
    require(request, "manage")
    events = AuditEvent.objects.all()[:500]
    return render(request, "portal/audit.html", {"events": events})


@login_not_required
def admin_login(request):
    target = request.GET.get("next") or "/admin/"
    if not target.startswith("/") or target.startswith("//"):
        target = "/admin/"
    return HttpResponseRedirect(reverse("login") + "?" + urllib.parse.urlencode({"next": target}))


# -- an account's own password (Django's view, form and validators) ------------------------
class PasswordChange(auth_views.PasswordChangeView):
    """Every account changes its own password; its other sessions end; audited."""

    template_name = "portal/password_change.html"

    def get_success_url(self):
        return reverse("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        record("password_changed", user=self.request.user, request=self.request)
        return response


class PasswordChangeDone(auth_views.PasswordChangeDoneView):
    template_name = "portal/password_change.html"
    extra_context = {"done": True}
