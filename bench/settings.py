"""Settings for the benchmarks: the portal's settings with bench-only environment defaults.

The database and the Redis db are fixed, not defaults, because the runner creates, drops and
flushes them: an inherited ``DATABASE_URL`` or ``REDIS_URL`` must never be the one it drops.
``DEBUG`` is fixed to false because DEBUG keeps every SQL query in memory and would distort
the numbers.
"""

import os
import tempfile

os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/portal_bench"
# Queued e-mail tasks pile up here and the runner flushes it: BENCH_REDIS_DB picks another db
# when someone else uses 15 on the same server.
os.environ["REDIS_URL"] = f"redis://127.0.0.1:6379/{int(os.environ.get('BENCH_REDIS_DB', '15'))}"
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("STATICFILES_BACKEND",
                      "django.contrib.staticfiles.storage.StaticFilesStorage")
os.environ.setdefault("INTAKE_RATE_LIMIT", "1000000/h")
os.environ.setdefault("INTAKE_MIN_FILL_SECONDS", "0")
os.environ.setdefault("PRINT_CONFIRMATION_LINKS", "false")
os.environ.setdefault("VAR_DIR", os.path.join(tempfile.gettempdir(), "portal-bench-var"))

from portal.settings import *  # noqa: E402,F403

ROOT_URLCONF = "bench.urls"
WSGI_APPLICATION = "bench.wsgi.application"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
