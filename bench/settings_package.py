"""Settings for ``bench/run_package.py``: ``bench.settings`` on a database of its own.

The package benchmark creates and drops its database, so it never touches the databases of
the other benchmarks even when they run at once. The name is fixed, not taken from
``DATABASE_URL``, for the reason ``bench/settings.py`` gives: the runner drops it. Two people
benchmarking on one server may pick another name with ``BENCH_PACKAGE_DATABASE``, which must
contain ``bench_package`` (e.g. ``h7_bench_package``), so that it can never name a database
that holds anything else. The files (about 1 GB while it runs) go to a folder named after the
database in the temporary directory, which the runner deletes too.
"""

import os
import tempfile

from bench.settings import *  # noqa: F403
from bench.settings import DATABASES

PACKAGE_DATABASE = os.environ.get("BENCH_PACKAGE_DATABASE", "portal_bench_package")
if "bench_package" not in PACKAGE_DATABASE or not PACKAGE_DATABASE.replace("_", "").isalnum():
    raise SystemExit(f"BENCH_PACKAGE_DATABASE={PACKAGE_DATABASE!r}: the name must contain "
                     "'bench_package' and only letters, digits and underscores.")
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PACKAGE_DATABASE}"
DATABASES["default"]["NAME"] = PACKAGE_DATABASE
DATABASES["default"]["HOST"] = "127.0.0.1"
# A runaway statement stops here instead of holding the machine.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c statement_timeout=120000"

PRIVATE_FILES_DIR = os.path.join(tempfile.gettempdir(), f"{PACKAGE_DATABASE}-files")
STORAGES["private"]["OPTIONS"] = {"location": PRIVATE_FILES_DIR}  # noqa: F405
