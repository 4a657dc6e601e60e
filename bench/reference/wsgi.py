"""WSGI entry point of the reference project, served by gunicorn with the portal's
``gunicorn.conf.py`` (``bench/scenarios/public.py``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.reference.settings"
application = get_wsgi_application()
