"""Settings for ``bench/run_reports.py``: ``bench.settings`` on a database of its own.

The reports benchmark creates and drops ``portal_bench_reports``, so it never touches the
databases of the other benchmarks even when they run at once. The name is fixed, not read
from the environment, for the reason ``bench/settings.py`` gives: the runner drops it.
"""

import os

from bench.settings import *  # noqa: F403
from bench.settings import DATABASES

REPORTS_DATABASE = "portal_bench_reports"
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{REPORTS_DATABASE}"
DATABASES["default"]["NAME"] = REPORTS_DATABASE
DATABASES["default"]["HOST"] = "127.0.0.1"
# A runaway statement stops here instead of holding the machine.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c statement_timeout=120000"
