"""The WSGI application gunicorn serves (``hailin.web.wsgi:application``)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hailin.web.settings")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
