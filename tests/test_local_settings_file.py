"""The local settings file (``var/local.env``, written by ``make run``): every command run in
the checkout reads it, and a variable set in the environment wins over it, so a deployment
that sets its own is not affected."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(var_dir: Path, **env) -> subprocess.CompletedProcess:
    """``manage.py check`` with nothing of the test run's configuration in its environment."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("SECRET_KEY", "DEBUG", "SITE_URL", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
        env={**clean, "VAR_DIR": str(var_dir), **env}, timeout=120)


def write_local_env(var_dir: Path) -> None:
    (var_dir / "local.env").write_text("# as make run writes it\nDEBUG=true\n"
                                       "SITE_URL=http://127.0.0.1:8000\n")


def test_a_command_reads_debug_from_the_local_settings_file(tmp_path):
    write_local_env(tmp_path)

    result = run_check(tmp_path)

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "dev-secret-key").exists()


def test_without_the_file_a_command_needs_a_secret_key_as_before(tmp_path):
    result = run_check(tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_the_environment_wins_over_the_local_settings_file(tmp_path):
    write_local_env(tmp_path)

    result = run_check(tmp_path, DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "dev-secret-key").exists()


def test_the_file_gives_site_url_unless_the_environment_does(tmp_path):
    (tmp_path / "local.env").write_text("DEBUG=true\nSITE_URL=http://127.0.0.1:8123\n")
    code = "from django.conf import settings; print(settings.SITE_URL)"
    clean = {k: v for k, v in os.environ.items()
             if k not in ("SECRET_KEY", "DEBUG", "SITE_URL", "DJANGO_SETTINGS_MODULE")}

    def site_url(**env):
        return subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, capture_output=True,
            text=True, env={**clean, "VAR_DIR": str(tmp_path), **env}, timeout=120,
        ).stdout.strip().splitlines()[-1]

    assert site_url() == "http://127.0.0.1:8123"
    assert site_url(SITE_URL="https://portal.example.com") == "https://portal.example.com"
