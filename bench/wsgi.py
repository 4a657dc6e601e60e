"""WSGI entry point for the benchmarks' gunicorn (``bench.harness.Server``).

The scenario's database comes from ``BENCH_SCENARIO`` in the environment gunicorn inherits
(``bench/settings.py``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
application = get_wsgi_application()
