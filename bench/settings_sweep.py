"""Settings for ``bench/run_sweep.py``: ``bench.settings`` on its own database.

The sweep benchmark creates and drops ``portal_bench_sweep``, so it never touches the
``portal_bench`` database of ``run_foundation.py`` even when both run at once. The name is
fixed, not read from the environment, for the reason ``bench/settings.py`` gives: the runner
drops it.
"""

import os

from bench.settings import *  # noqa: F403
from bench.settings import DATABASES

SWEEP_DATABASE = "portal_bench_sweep"
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{SWEEP_DATABASE}"
DATABASES["default"]["NAME"] = SWEEP_DATABASE
