"""gunicorn settings module of ``hailin serve`` (``--config python:…``): its
responses name no server software (gunicorn writes ``Server: gunicorn`` from
this module-level name; workers are forked after this runs)."""

import gunicorn.http.wsgi

gunicorn.http.wsgi.SERVER = "hailin"
