"""The portal's map pages: the list, each map in the reader's language, its assets."""

import os

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse

from hailin.web.portal import intake
from hailin.web.portal.mapfiles import LANGS, MAP_NAMES, asset_path, map_file, team_variant
from hailin.web.portal.models import PortalState
from hailin.web.portal.roles import map_teams, require
from hailin.web.portal.views import lang


# -- maps ---------------------------------------------------------------------------------
def variant_of(user):
    """Which drawing of the maps ``user`` reads ("" all of it; see mapfiles.redacted)."""
    teams = map_teams(user)
    return "" if teams is None else team_variant(teams)


def map_ready(folder, name, user):
    """Whether map ``name`` is drawn, in some language, as ``user`` reads it."""
    variant = variant_of(user)
    return any(os.path.isfile(map_file(folder, name, code, variant)) for code in LANGS)


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
            "ready": map_ready(folder, name, request.user),
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


# Map pages run folium's inline scripts and load the basemap tiles; nothing on them
# evaluates text as code (hailin's own measure tool), so no 'unsafe-eval'.
MAP_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
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
    variant = variant_of(request.user)
    # The reader's language, else whichever language was drawn.
    paths = [map_file(folder, name, code, variant) for code in dict.fromkeys([lang(), *LANGS])]
    path = next((p for p in paths if os.path.isfile(p)), None)
    if path is None:
        if variant:  # a new patrol team's maps: the worker draws them next
            intake.want_maps()
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
