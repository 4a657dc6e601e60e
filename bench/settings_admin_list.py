"""Settings for ``bench/run_admin_list.py``: ``bench.settings`` on a database of its own.

The admin-list benchmark creates and drops ``portal_bench_admin``, so it never touches the
databases of the other benchmarks even when they run at once. The name is fixed, not read
from the environment, for the reason ``bench/settings.py`` gives: the runner drops it.

gunicorn loads these settings too (``DJANGO_SETTINGS_MODULE`` in its environment, with
``django.core.wsgi:get_wsgi_application()`` as the app, because ``bench/wsgi.py`` fixes
``bench.settings``).
"""

import os

from bench.settings import *  # noqa: F403
from bench.settings import DATABASES

ADMIN_LIST_DATABASE = "portal_bench_admin"
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{ADMIN_LIST_DATABASE}"
DATABASES["default"]["NAME"] = ADMIN_LIST_DATABASE
DATABASES["default"]["HOST"] = "127.0.0.1"
# A runaway statement stops here instead of holding the machine.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c statement_timeout=120000"
