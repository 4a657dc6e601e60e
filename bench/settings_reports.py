"""Settings for ``bench/run_reports.py``: ``bench.settings`` on a database of its own.

The reports benchmark creates and drops its database, so it never touches the databases of
the other benchmarks even when they run at once. The name is fixed, not taken from
``DATABASE_URL``, for the reason ``bench/settings.py`` gives: the runner drops it. Two people
benchmarking on one server may pick another name with ``BENCH_REPORTS_DATABASE``, which must
contain ``bench_reports`` (e.g. ``h7_bench_reports``), so that it can never name a database
that holds anything else.
"""

import os

from bench.settings import *  # noqa: F403
from bench.settings import DATABASES

REPORTS_DATABASE = os.environ.get("BENCH_REPORTS_DATABASE", "portal_bench_reports")
if "bench_reports" not in REPORTS_DATABASE or not REPORTS_DATABASE.replace("_", "").isalnum():
    raise SystemExit(f"BENCH_REPORTS_DATABASE={REPORTS_DATABASE!r}: the name must contain "
                     "'bench_reports' and only letters, digits and underscores.")
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{REPORTS_DATABASE}"
DATABASES["default"]["NAME"] = REPORTS_DATABASE
DATABASES["default"]["HOST"] = "127.0.0.1"
# A runaway statement stops here instead of holding the machine.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c statement_timeout=120000"
