"""The field form: a page a patrol member's phone keeps (a progressive web app
with its service worker under /field/), its settings and vocabulary as JSON,
and the sync of what the phone recorded (observations, track pieces, photos).
The checking and storing is :mod:`hailin.web.portal.fieldsync`'s, the photos'
staging :mod:`hailin.web.portal.fieldphotos`'s."""

import datetime
import json
import logging
import os
import zoneinfo

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hailin.surveys.io.photos import MAX_PHOTO_BYTES
from hailin.surveys.schema import codes, word
from hailin.web.portal import data, fieldphotos, fieldsync
from hailin.web.portal.audit import record
from hailin.web.portal.roles import account_of, allowed, role_of

logger = logging.getLogger("hailin.web")
STATIC_FILES = ("portal/portal.css", "portal/field.css", "portal/field.js", "portal/fieldstore.js")
VOCABULARIES = ("finding", "action", "patrol_type", "plan_stop")


def _refused(message, status):
    return JsonResponse({"detail": message}, status=status)


def _may_upload(request):
    return allowed(request.user, "upload")


@require_GET
def page(request):
    """The form itself (the service worker keeps a copy for offline use)."""
    if not _may_upload(request):
        return render(request, "portal/error.html", {"status": 403, "title": "403"}, status=403)
    return render(request, "portal/field.html", {"words": words()})


def words():
    """The words the form's script shows, in the page's language."""
    return {
        "waiting": _("%(n)s waiting to upload"),
        "online": _("online"),
        "offline": _("offline"),
        "position": _("Position %(lat)s, %(lon)s, accurate to %(acc)s m"),
        "too_coarse": _("accurate to %(acc)s m only; at most %(limit)s m: wait for a better fix"),
        "no_position": _("No GPS position yet: allow location and wait for a fix."),
        "no_gps": _("This phone gives no position: allow location for this page."),
        "saved": _("Saved on the phone."),
        "queued": _("waiting"),
        "rejected": _("rejected"),
        "edit": _("Correct"),
        "remove": _("Remove"),
        "photos": _("%(n)s photo(s)"),
        "track": _("Track: %(n)s points kept on the phone, %(km)s km"),
        "track_piece": _("track"),
        "login": _("Log in again to upload (what is saved stays on the phone)."),
        "need_setup": _("Open this page once with a network to load the form."),
        "server": _("The portal did not take the upload now; it will try again."),
        "uploading": _("Uploading…"),
        "risk": _("risk %(risk)s"),
    }


@login_not_required  # browsers fetch a manifest without cookies; it names no one
@require_GET
def manifest(request):
    icon = static("portal/field-icon.svg")
    body = {
        "name": _("hailin field form"),
        "short_name": _("Field form"),
        "lang": "zh-CN",
        "start_url": "/field/",
        "scope": "/field/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f6f4a",
        "icons": [{"src": icon, "sizes": "any", "type": "image/svg+xml"}],
    }
    return JsonResponse(body, content_type="application/manifest+json")


@require_GET
def worker(request):
    """The service worker, served from /field/ so that it may keep the form's pages."""
    path = os.path.join(os.path.dirname(__file__), "static", "portal", "field-sw.js")
    with open(path, encoding="utf-8") as handle:
        script = handle.read()
    shell = ["/field/", "/field/manifest.webmanifest"]
    shell += [static(name) for name in (*STATIC_FILES, "portal/field-icon.svg")]
    script = script.replace("[/*SHELL*/]", json.dumps(shell))
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@never_cache
@require_GET
def config(request):
    """The account's presets, the vocabulary's words and a fresh CSRF token."""
    if not _may_upload(request):
        return _refused(_("This account may not upload."), 403)
    account = account_of(request.user)
    teams = account.team_list()
    free = role_of(request.user) == "admin"
    return JsonResponse(
        {
            "user": request.user.get_username(),
            "csrf": get_token(request),
            "teams": teams,
            "free_team": free,
            "team": teams[0] if teams else "",
            "patrol_type": account.patrol_type or "",
            "max_accuracy_m": settings.FIELD_MAX_ACCURACY_M,
            "vocabulary": {
                name: [[c, word(name, c, "zh"), word(name, c, "en")] for c in codes(name)]
                for name in VOCABULARIES
            },
            "plan": _plan(None if free else teams),
        }
    )


def _plan(teams):
    """This week's planned stops of ``teams`` (None: all), from `hailin plan`'s file."""
    from hailin.surveys.errors import PlanError
    from hailin.surveys.plan.phone import week_stops

    ws = data.workspace()
    today = datetime.datetime.now(zoneinfo.ZoneInfo(ws.settings.timezone)).date()
    try:
        return week_stops(ws.paths.out, teams, today)
    except PlanError:
        logger.warning("field form: this week's plan cannot be read", exc_info=True)
        return {"week": "", "stops": []}


@require_POST
def sync(request):
    """Answer each observation sent (JSON ``{"observations": [...]}``)."""
    if not _may_upload(request):
        return _refused(_("This account may not upload."), 403)
    try:
        observations = json.loads(request.body.decode("utf-8"))["observations"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        observations = None
    if not isinstance(observations, list):
        return _refused(_("The request is not a list of observations."), 400)
    if len(observations) > fieldsync.MAX_OBSERVATIONS:
        return _refused(
            _("At most %(n)d observations at a time.") % {"n": fieldsync.MAX_OBSERVATIONS}, 400
        )
    free = role_of(request.user) == "admin"
    answers = fieldsync.sync(
        data.workspace(),
        observations,
        request=request,
        teams=None if free else account_of(request.user).team_list(),
        max_accuracy_m=settings.FIELD_MAX_ACCURACY_M,
    )
    return JsonResponse({"answers": answers})


@require_POST
def photo(request):
    """Stage one photo before the observation naming it is sent; answers its sha256.
    It becomes evidence only with its observation (:mod:`hailin.web.portal.fieldphotos`)."""
    if not _may_upload(request):
        return _refused(_("This account may not upload."), 403)
    uploaded = request.FILES.get("photo")
    if uploaded is None:
        return _refused(_("No photo in the request."), 400)
    if uploaded.size > MAX_PHOTO_BYTES:  # the bound the photo's reader keeps
        limit = MAX_PHOTO_BYTES // (1024 * 1024)
        return _refused(_("The photo is larger than %(n)d MiB.") % {"n": limit}, 400)
    sha = fieldphotos.stage(uploaded)
    if sha is None:
        return _refused(_("This is not a JPEG or HEIC photo."), 400)
    record("field_photo", user=request.user, request=request, photo_id=sha, status="staged")
    return JsonResponse({"status": "staged", "photo_id": sha})
