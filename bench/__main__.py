"""Run one benchmark: ``python -m bench <scenario> [options]`` from the project root.

``make bench`` runs them all, ``make bench SCENARIO=admin_list`` one; ``--help`` after the
scenario lists its options. Each runs on a PostgreSQL database of its own on 127.0.0.1:5432,
created and dropped by the run (see docs/benchmarks.md).
"""

import importlib
import os
import sys
from pathlib import Path

SCENARIOS = ("foundation", "sweep", "admin_list", "reports", "package", "public", "faults")


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in SCENARIOS:
        sys.exit(f"usage: python -m bench {{{','.join(SCENARIOS)}}} [options]")
    scenario = sys.argv[1]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    # Before Django starts: bench/settings.py names the database after the scenario.
    os.environ["BENCH_SCENARIO"] = scenario
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    module = importlib.import_module(f"bench.scenarios.{scenario}")
    module.main(sys.argv[2:])


if __name__ == "__main__":
    main()
