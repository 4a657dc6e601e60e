"""Settings of the reference project: no middleware, no installed apps, one database.

The database is the public scenario's own (``BENCH_DATABASE``, as ``bench/settings.py`` names
it), reached the way the portal's web reaches PostgreSQL: persistent connections with health
checks (``CONN_MAX_AGE`` 60 and ``CONN_HEALTH_CHECKS``, the portal's defaults), so the two
servers differ only in what Django does per request.
"""

import os

SCENARIO = os.environ.get("BENCH_SCENARIO", "public")
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", f"portal_bench_{SCENARIO}")

DEBUG = False
SECRET_KEY = "bench-reference-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.reference.urls"
WSGI_APPLICATION = "bench.reference.wsgi.application"
TEMPLATES: list[dict] = []
USE_I18N = False
USE_TZ = True
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": BENCH_DATABASE,
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": "5432",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
