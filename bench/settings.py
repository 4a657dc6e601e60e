"""Settings for the benchmarks: the portal's settings with bench-only environment defaults.

Each scenario gets a database of its own, ``portal_bench_<scenario>`` (``BENCH_SCENARIO``,
set by ``python -m bench <scenario>`` and inherited by the gunicorn it starts), so two
scenarios never share one even when they run at once. ``BENCH_DATABASE`` picks another name
(two people on one server); it must contain ``bench`` so that it can never name a database
that holds anything else. The database and the Redis db are fixed, not taken from
``DATABASE_URL`` or ``REDIS_URL``, because the runner creates, drops and flushes them: an
inherited value must never be the one it drops. ``BENCH_REDIS_DB`` (default 15) picks the
Redis db when someone else uses 15 on the same server. ``DEBUG`` is fixed to false because
DEBUG keeps every SQL statement in memory and would distort the numbers.
"""

import os
import tempfile

SCENARIO = os.environ.get("BENCH_SCENARIO", "foundation")
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", f"portal_bench_{SCENARIO}")
if "bench" not in BENCH_DATABASE or not BENCH_DATABASE.replace("_", "").isalnum():
    raise SystemExit(f"BENCH_DATABASE={BENCH_DATABASE!r}: the name must contain 'bench' and "
                     "only letters, digits and underscores.")
BENCH_REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "15"))

os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DATABASE}"
os.environ["REDIS_URL"] = f"redis://127.0.0.1:6379/{BENCH_REDIS_DB}"  # tasks pile up here
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
from portal.settings import DATABASES, STORAGES  # noqa: E402

ROOT_URLCONF = "bench.urls"
WSGI_APPLICATION = "bench.wsgi.application"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DATABASES["default"]["HOST"] = "127.0.0.1"
# A runaway statement stops here instead of holding the machine (10 minutes: VACUUM of the
# million-row table takes minutes when other work shares the machine; the fills lift it).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c statement_timeout=600000"
# Files (the package scenario writes about 1 GB) go to a folder named after the database,
# which the scenario deletes.
PRIVATE_FILES_DIR = os.path.join(tempfile.gettempdir(), f"{BENCH_DATABASE}-files")
STORAGES["private"]["OPTIONS"] = {"location": PRIVATE_FILES_DIR}
