"""Django settings of the patrol portal, from the workspace and the environment.

``HAILIN_WORKSPACE`` names the workspace (``hailin serve`` sets it). The
portal's own database (accounts, sessions, audit log, alert outbox) is
``WS/web/portal.sqlite3`` in WAL mode, or PostgreSQL when ``DATABASE_URL`` is
set. Every other knob is an environment variable listed in the README
("The patrol portal"); there is no DEBUG switch: the portal never shows a
traceback.
"""

import datetime
import os
import pathlib


def _env(name, default=None):
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _flag(name):
    return _env(name, "0").lower() in ("1", "true", "yes", "on")


def _list(name, default=""):
    return [item.strip() for item in _env(name, default).split(",") if item.strip()]


WORKSPACE = pathlib.Path(_env("HAILIN_WORKSPACE", os.getcwd())).resolve()
WEB_DIR = pathlib.Path(_env("HAILIN_WEB_DIR", str(WORKSPACE / "web"))).resolve()
PACKAGE_DIR = pathlib.Path(__file__).resolve().parent
SECRET_KEY_FILE = WEB_DIR / "secret_key"


def _secret_key():
    if _env("DJANGO_SECRET_KEY"):
        return _env("DJANGO_SECRET_KEY")
    try:
        return SECRET_KEY_FILE.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        # `hailin serve` writes the key before anything else runs; a bare import
        # (the management of an unprepared workspace) gets a throwaway one.
        return "unprepared-" + os.urandom(24).hex()


SECRET_KEY = _secret_key()
DEBUG = False
ALLOWED_HOSTS = _list("HAILIN_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "hailin.web.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hailin.web.portal.middleware.UploadLimit",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hailin.web.portal.middleware.Language",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hailin.web.portal.middleware.LoginRequired",
    "hailin.web.portal.middleware.NoStore",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hailin.web.urls"
WSGI_APPLICATION = "hailin.web.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "hailin.web.portal.roles.context",
            ]
        },
    }
]

# -- the portal's own database ----------------------------------------------------------
if _env("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(_env("DATABASE_URL"), conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(WEB_DIR / "portal.sqlite3"),
            "OPTIONS": {
                # WAL: readers never wait for the writer; writers queue for 30 s.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# -- accounts, passwords, sessions, login throttling ------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Django's validators (at least 10 characters, not a common password, not like the
# user name) and zxcvbn's guess count, which refuses what those let by ("aaaaaaaaaaaa").
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(_env("HAILIN_PASSWORD_MIN_LENGTH", "10"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "django_zxcvbn_password_validator.ZxcvbnPasswordValidator"},
]
PASSWORD_MINIMAL_STRENGTH = 2
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_NAME = "hailin_session"
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "hailin_csrftoken"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "hailin.web.portal.error_pages.csrf_failure"
CSRF_TRUSTED_ORIGINS = _list("HAILIN_CSRF_TRUSTED_ORIGINS")
# django-axes: 5 failed logins for one user name from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(_env("HAILIN_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(_env("HAILIN_LOGIN_COOLOFF_MIN", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked.html"
AXES_VERBOSE = False
# Client addresses (lockout, audit log) come from X-Forwarded-For only when the
# request came from one of these proxies (addresses or networks); see addresses.py.
TRUSTED_PROXIES = _list("HAILIN_TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "hailin.web.portal.addresses.client_address"

# -- HTTPS behind a reverse proxy (see the README) --------------------------------------
if _flag("HAILIN_HTTPS"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(_env("HAILIN_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    USE_X_FORWARDED_HOST = _flag("HAILIN_USE_X_FORWARDED_HOST")

# -- security headers -------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Portal pages: nothing inline, nothing from elsewhere. Map pages widen this
# for their inline scripts and the basemap tiles (hailin.web.portal.maps).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# -- languages: Chinese first, English ----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "portal" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_COOKIE_NAME = "hailin_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# -- static files (served by whitenoise; map scripts from the npm packages) --------------
STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

# -- uploads ----------------------------------------------------------------------------
# One request carries at most this many bytes (files and fields together) ...
UPLOAD_MAX_BYTES = int(float(_env("HAILIN_UPLOAD_MAX_MB", "64")) * 1024 * 1024)
# ... and at most this many files.
UPLOAD_MAX_FILES = int(_env("HAILIN_UPLOAD_MAX_FILES", "20"))
# An account uploads at most N files in S seconds ("N/S").
UPLOAD_RATE = _env("HAILIN_UPLOAD_RATE", "60/600")
# Finished import jobs (each upload's answer page) are kept this long, then forgotten.
JOB_KEEP_DAYS = float(_env("HAILIN_JOB_KEEP_DAYS", "30"))
DATA_UPLOAD_MAX_NUMBER_FILES = UPLOAD_MAX_FILES
FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every uploaded file goes to a temporary file first
FILE_UPLOAD_TEMP_DIR = str(WEB_DIR / "tmp")
FILE_UPLOAD_PERMISSIONS = 0o600
# The field form refuses a GPS position less accurate than this (metres).
FIELD_MAX_ACCURACY_M = int(float(_env("HAILIN_FIELD_ACCURACY_M", "30")))

# -- alerts -----------------------------------------------------------------------------
PORTAL_URL = _env("HAILIN_PORTAL_URL", "http://127.0.0.1:8600").rstrip("/")
ALERT_BACKOFF_S = float(_env("HAILIN_ALERT_BACKOFF_S", "30"))
ALERT_BACKOFF_MAX_S = float(_env("HAILIN_ALERT_BACKOFF_MAX_S", "3600"))
ALERT_MAX_ATTEMPTS = int(_env("HAILIN_ALERT_MAX_ATTEMPTS", "8"))
ALERT_TIMEOUT_S = float(_env("HAILIN_ALERT_TIMEOUT_S", "10"))
# Webhooks reach no address inside the network but these (a receiver on this machine).
WEBHOOK_ALLOW = _list("HAILIN_WEBHOOK_ALLOW")
# A patrol account's maps leave out other teams' notes and observers ("0": they show them).
PATROL_MAPS_REDACTED = _env("HAILIN_PATROL_MAPS_REDACTED", "1") != "0"
MAP_INTERVAL_S = float(_env("HAILIN_MAP_INTERVAL_S", "10"))
# The languages the maps are drawn in after imports ("" draws none: tests that need no maps).
MAP_LANGS = [lang for lang in _list("HAILIN_MAP_LANGS", "zh,en") if lang in ("zh", "en")]
DEFAULT_FROM_EMAIL = _env("HAILIN_MAIL_FROM", "hailin@localhost")
if _env("HAILIN_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _env("HAILIN_SMTP_HOST")
    EMAIL_PORT = int(_env("HAILIN_SMTP_PORT", "587"))
    EMAIL_HOST_USER = _env("HAILIN_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = _env("HAILIN_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = _env("HAILIN_SMTP_SECURITY", "starttls") == "starttls"
    EMAIL_USE_SSL = _env("HAILIN_SMTP_SECURITY", "starttls") == "ssl"
    EMAIL_TIMEOUT = 20
elif _env("HAILIN_MAIL_DIR"):  # each mail written to a file (trials, tests)
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = _env("HAILIN_MAIL_DIR")
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
MAIL_CONFIGURED = EMAIL_BACKEND != "django.core.mail.backends.dummy.EmailBackend"

# -- logs: tracebacks go to the workspace's logs/, never to the client -------------------
LOG_DIR = WORKSPACE / "logs"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"}
    },
    "handlers": {
        "file": {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(LOG_DIR / "portal.log"),
            "formatter": "plain",
            "delay": True,
        }
    },
    "loggers": {
        "django": {"handlers": ["file"], "level": "WARNING"},
        "hailin.web": {"handlers": ["file"], "level": "INFO"},
        "axes": {"handlers": ["file"], "level": "WARNING"},
    },
}
