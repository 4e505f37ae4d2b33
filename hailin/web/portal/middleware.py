"""Nothing but the login page without logging in; the API answers 401 in JSON.
Bodies past the limits or malformed are refused with a 4xx before any view;
a logged-in account's pages are never stored by a browser or a proxy."""

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import TooManyFilesSent
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _


class LoginRequired(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware; API paths get a 401 instead of a redirect,
    and an account that was disabled is logged out by Django on its next request."""

    def handle_no_permission(self, request, view_func):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "log in first"}, status=401)
        return super().handle_no_permission(request, view_func)


def refuse(request, status, message, **values):
    """``message % values`` as JSON under /api/, else on the error page in the
    reader's language."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message % values}, status=status)
    message = _(message) % values
    return render(
        request,
        "portal/error.html",
        {"status": status, "title": str(status), "message": message},
        status=status,
    )


class UploadLimit:
    """Refuse a request body over UPLOAD_MAX_BYTES before anything reads it
    (the CSRF check reads form bodies), with 413; a form body that cannot be
    parsed (no boundary, an empty one, broken parts) with 400 and one with
    too many files with 413, before any view or the CSRF check meets it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_BYTES:
            mb = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
            return refuse(request, 413, "the upload is larger than %(mb)d MiB", mb=mb)
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.FILES  # noqa: B018 (parsed here, once, so its errors are ours)
            except TooManyFilesSent:
                return refuse(
                    request, 413, "at most %(n)d files at a time", n=settings.UPLOAD_MAX_FILES
                )
            except MultiPartParserError:
                return refuse(request, 400, "the form data could not be read (multipart)")
        return self.get_response(request)


class NoStore:
    """``Cache-Control: no-store`` on every answer to a logged-in account."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response


class Language:
    """Chinese unless the reader chose English (the language cookie set by the
    switch in the header): a browser's Accept-Language does not decide, since
    patrol phones and office machines often say English while their users read
    Chinese."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.known = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        from django.utils import translation
        from django.utils.cache import patch_vary_headers

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.known else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
