"""The import contract (``[tool.importlinter]`` in pyproject.toml) holds: the domain's modules
import only downwards, and nothing in the domain imports the reports, the staff sign-in or the
project. Run here so that CI, which runs the suite, enforces it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_imports_flow_one_way():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_test_module_imports_another_or_conftest():
    """Shared helpers live in ``tests/support.py`` (and fixtures in conftest, which pytest
    injects): a test module that imports another runs that module's tests' set-up twice and
    couples files that should each stand alone."""
    offenders = []
    for path in sorted((ROOT / "tests").glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith(("from tests.test_", "import tests.test_",
                                    "from tests.conftest", "import tests.conftest")):
                offenders.append(f"{path.name}:{number}: {stripped}")
    assert offenders == []
