"""The portal's error pages: never a traceback, JSON under /api/."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _


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
