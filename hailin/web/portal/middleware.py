"""Nothing but the login page without logging in; the API answers 401 in JSON."""

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import JsonResponse
from django.shortcuts import render


class LoginRequired(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware; API paths get a 401 instead of a redirect,
    and an account that was disabled is logged out by Django on its next request."""

    def handle_no_permission(self, request, view_func):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "log in first"}, status=401)
        return super().handle_no_permission(request, view_func)


class UploadLimit:
    """Refuse a request body over UPLOAD_MAX_BYTES before anything reads it
    (the CSRF check reads form bodies), with 413."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_BYTES:
            mb = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
            message = f"the upload is larger than {mb} MiB"
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return render(
                request,
                "portal/error.html",
                {"status": 413, "title": "413", "message": message},
                status=413,
            )
        return self.get_response(request)


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
