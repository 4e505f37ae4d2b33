"""The portal's pages. Every page but the login page needs a logged-in account
(hailin.web.portal.middleware); each checks its role against roles.CAN."""

import logging
import os
import tempfile
import urllib.parse

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hailin.web.portal import data, intake
from hailin.web.portal.audit import record
from hailin.web.portal.mapfiles import LANGS, MAP_NAMES, asset_path, map_file
from hailin.web.portal.models import AuditEvent, PortalState, PortalUpload
from hailin.web.portal.roles import account_of, allowed, require, role_of, visible_teams
from surveys.errors import UploadError
from surveys.schema import codes, word

logger = logging.getLogger("hailin.web")
LEDGER_SORTS = (
    "case_id",
    "kind",
    "plot_id",
    "site",
    "first_detected",
    "last_detected",
    "detections",
    "status",
    "days_open",
)
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
    if intake.recent_uploads_of(request.user, seconds) + len(files) > count:
        context["problem"] = _(
            "Too many uploads: at most %(count)d files in %(minutes)d minutes. Try again later."
        ) % {"count": count, "minutes": max(1, seconds // 60)}
        return render(request, "portal/upload.html", context, status=429)
    ws = data.workspace()
    for uploaded in files:
        done = intake.receive(
            ws, uploaded, user=request.user, team=team, patrol_type=patrol_type, request=request
        )
        context["results"].append(_result(done))
    return render(request, "portal/upload.html", context)


def _result(done):
    summary = done.summary
    errors = summary.get("errors") or []
    return {
        "upload": done,
        "file": done.file,
        "status": done.status,
        "kind": done.kind,
        "summary": summary,
        "errors": errors[:MAX_ERRORS_SHOWN],
        "more_errors": max(0, len(errors) - MAX_ERRORS_SHOWN),
        "warnings": summary.get("warnings") or [],
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
    stored_reason = f"{reason} [{request.user.get_username()}, portal]"
    try:
        withdrawal = ws.withdraw_upload(upload_id, reason=stored_reason)
    except UploadError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("upload_detail", args=[upload_id]))
    record(
        "withdraw",
        user=request.user,
        request=request,
        upload_id=withdrawal.upload_id,
        files=withdrawal.files,
        reason=reason,
        records_removed=withdrawal.records_removed,
    )
    intake.want_maps()
    messages.success(
        request,
        _("Withdrawn: %(n)d record(s) taken out; the raw file is kept.")
        % {"n": withdrawal.records_removed},
    )
    return HttpResponseRedirect(reverse("upload_detail", args=[upload_id]))


# -- maps ---------------------------------------------------------------------------------
def maps(request):
    require(request, "maps")
    states = {
        s.key: s.value
        for s in PortalState.objects.filter(key__in=[intake.MAPS_WANTED, "maps_built"])
    }
    built = states.get("maps_built") or {}
    wanted = (states.get(intake.MAPS_WANTED) or {}).get("at")
    folder = settings.WEB_DIR / "maps"
    entries = [
        {
            "name": name,
            "url": reverse("map_page", args=[name]),
            "ready": any(os.path.isfile(map_file(folder, name, code)) for code in LANGS),
        }
        for name in MAP_NAMES
    ]
    return render(
        request,
        "portal/maps.html",
        {
            "maps": entries,
            "built_at": built.get("at"),
            "updating": bool(wanted and wanted > built.get("from", "")) or not built,
            "error": built.get("error"),
        },
    )


# Map pages run folium's inline scripts and load the basemap tiles; leaflet-measure
# builds its templates with `new Function` (lodash), hence 'unsafe-eval' there alone.
MAP_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https://*.tile.openstreetmap.org https://tile.openstreetmap.org "
    "https://server.arcgisonline.com https://*.is.autonavi.com https://*.tianditu.gov.cn; "
    "connect-src 'self'; font-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def map_page(request, name):
    require(request, "maps")
    if name not in MAP_NAMES:
        raise Http404("no such map")
    folder = settings.WEB_DIR / "maps"
    # The reader's language, else whichever language was drawn.
    paths = [map_file(folder, name, code) for code in dict.fromkeys([lang(), *LANGS])]
    path = next((p for p in paths if os.path.isfile(p)), None)
    if path is None:
        return render(request, "portal/map_missing.html", {"name": name}, status=503)
    response = FileResponse(open(path, "rb"), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = MAP_CSP
    response._csp_exempt = True  # django-csp: this page carries its own policy
    response["Cache-Control"] = "private, no-cache"
    return response


def map_asset(request, name, asset):
    """A script, stylesheet, icon or tile a map loads, from the copy beside the maps."""
    require(request, "maps")
    if name not in MAP_NAMES:
        raise Http404("no such map")
    path = asset_path(settings.WEB_DIR / "maps", asset)
    if path is None:
        raise Http404("no such map asset")
    response = FileResponse(open(path, "rb"))
    response["Cache-Control"] = "private, max-age=86400"
    return response


# -- ledger, cases, progress --------------------------------------------------------------
def _filtered_ledger(request, table):
    status = request.GET.get("status") or ""
    kind = request.GET.get("kind") or ""
    site = request.GET.get("site") or ""
    query = (request.GET.get("q") or "").strip().lower()
    if status:
        table = [r for r in table if r["status"] == status]
    if kind:
        table = [r for r in table if r["kind"] == kind]
    if site:
        table = [r for r in table if r["site"] == site]
    if query:
        table = [
            r
            for r in table
            if query in (r["case_id"] or "").lower()
            or query in (r["township"] or "").lower()
            or query in str(r["site_name"] or "").lower()
        ]
    sort = request.GET.get("sort") if request.GET.get("sort") in LEDGER_SORTS else "first_detected"
    descending = request.GET.get("dir", "desc") == "desc"
    present = [r for r in table if r[sort] is not None]
    missing = [r for r in table if r[sort] is None]
    present.sort(key=lambda r: r[sort], reverse=descending)
    return present + missing, {
        "status": status,
        "kind": kind,
        "site": site,
        "q": request.GET.get("q") or "",
        "sort": sort,
        "dir": "desc" if descending else "asc",
    }


def ledger(request):
    require(request, "ledger")
    ws = data.workspace()
    table = data.ledger_rows(ws)
    for row in table:
        row["status_label"] = words("status", row["status"])
    shown, chosen = _filtered_ledger(request, table)
    columns = []
    for key, label in (
        ("case_id", _("case")),
        ("kind", _("kind")),
        ("site", _("site")),
        ("first_detected", _("first found")),
        ("last_detected", _("last found")),
        ("detections", _("findings")),
        ("status", _("status")),
        ("days_open", _("days open")),
    ):
        flip = "asc" if chosen["sort"] == key and chosen["dir"] == "desc" else "desc"
        query = {k: v for k, v in chosen.items() if v and k not in ("sort", "dir")}
        query.update(sort=key, dir=flip)
        columns.append(
            {
                "key": key,
                "label": label,
                "url": "?" + urllib.parse.urlencode(query),
                "sorted": chosen["dir"] if chosen["sort"] == key else "",
            }
        )
    return render(
        request,
        "portal/ledger.html",
        {
            "rows": shown,
            "total": len(table),
            "chosen": chosen,
            "columns": columns,
            "statuses": [(s, words("status", s)) for s in ("open", "re_cleared", "verified_clear")],
            "sites": sorted(data.site_names(ws, lang()).items()),
        },
    )


def ledger_xlsx(request):
    require(request, "ledger")
    ws = data.workspace()
    folder = tempfile.mkdtemp(prefix="ledger-", dir=settings.FILE_UPLOAD_TEMP_DIR)
    path = os.path.join(folder, "ledger.xlsx")
    ws.export_ledger(path, lang())
    with open(path, "rb") as handle:
        body = handle.read()
    os.remove(path)
    os.rmdir(folder)
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = "台账.xlsx" if lang() == "zh" else "ledger.xlsx"
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + urllib.parse.quote(name)
    return response


def case(request, case_id):
    require(request, "ledger")
    ws = data.workspace()
    found = data.case_detail(ws, case_id)
    if found is None:
        raise Http404("no such case")
    row, records, _area = found
    row["status_label"] = words("status", row["status"])
    row["site_name"] = data.site_names(ws, lang()).get(row["site"], row["site"])
    photos = data.photos_for(ws, request.user, [r["record_id"] for r in records])
    by_record = {}
    for photo in photos:
        by_record.setdefault(photo["record_id"], []).append(photo)
    for record_row in records:
        record_row["finding_label"] = words("finding", record_row["finding"])
        record_row["patrol_label"] = words("patrol_type", record_row["patrol_type"])
        record_row["photos"] = by_record.get(record_row["record_id"], [])
    history = [(row["first_detected"], _("case opened: Spartina found"))]
    if row["re_cleared_at"]:
        history.append((row["re_cleared_at"], words("status", "re_cleared")))
    if row["verified_at"]:
        history.append((row["verified_at"], words("status", "verified_clear")))
    return render(
        request,
        "portal/case.html",
        {"case": row, "records": records, "photos": photos, "history": history},
    )


def progress(request):
    require(request, "progress")
    ws = data.workspace()
    clearance, restoration = ws.progress()
    return render(
        request,
        "portal/progress.html",
        {"clearance": clearance.to_dict(), "restoration": restoration.to_dict()},
    )


# -- photos -------------------------------------------------------------------------------
def photo_thumb(request, photo_id):
    require(request, "photos")
    ws = data.workspace()
    photos = ws.photos()
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


# -- errors: never a traceback ------------------------------------------------------------
def _error(request, status, title, message):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(
        request,
        "portal/error.html",
        {"status": status, "title": title, "message": message},
        status=status,
    )


@login_not_required
def bad_request(request, exception=None):
    return _error(request, 400, _("Bad request"), _("The request could not be understood."))


@login_not_required
def forbidden(request, exception=None):
    return _error(request, 403, _("Not allowed"), _("Your account may not open this page."))


@login_not_required
def not_found(request, exception=None):
    return _error(request, 404, _("Not found"), _("There is nothing here."))


@login_not_required
def server_error(request):
    # No request context: whatever failed (the database too) must not fail this page.
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "internal error; details in the workspace's logs/portal.log"}, status=500
        )
    return HttpResponse(loader.get_template("500.html").render(), status=500)


@login_not_required
def csrf_failure(request, reason=""):
    return _error(
        request,
        403,
        _("Not allowed"),
        _("The form was out of date or sent from elsewhere (CSRF check). Reload and try again."),
    )
