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
