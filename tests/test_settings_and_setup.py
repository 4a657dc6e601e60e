"""Configuration: production refuses to start without a secret key; the demo data loads
twice without harm."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

from requests_app.models import DataSystem, Membership, Organisation

ROOT = Path(__file__).resolve().parent.parent


def run_check(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", "VAR_DIR": str(tmp_path),
             **env}, timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_check(tmp_path, DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_generates_and_keeps_a_development_key(tmp_path):
    first = run_check(tmp_path, DEBUG="true")
    key = (tmp_path / "dev-secret-key").read_text()
    second = run_check(tmp_path, DEBUG="true")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert len(key) > 40
    assert (tmp_path / "dev-secret-key").read_text() == key


def test_a_bad_boolean_setting_stops_start_up(tmp_path):
    result = run_check(tmp_path, DEBUG="maybe", SECRET_KEY="x" * 50)

    assert result.returncode != 0


def test_the_demo_data_loads_the_five_seed_organisations_twice_without_harm(db, capsys):
    call_command("load_demo", "--no-history")
    first = capsys.readouterr().out
    call_command("load_demo", "--no-history")
    second = capsys.readouterr().out

    assert Organisation.objects.count() == 5
    assert set(Organisation.objects.values_list("country", flat=True)) == {"NO", "DK"}
    assert DataSystem.objects.filter(organisation__slug="onlinepos-no",
                                     name="Freshdesk").exists()
    postrek = Organisation.objects.get(slug="postrek")
    assert postrek.acts_mostly_as_processor
    assert postrek.phone == "73 96 38 10"
    assert "admin" in first and "exist already" in second
    assert Membership.objects.filter(user__username="onlinepos-no-handler").count() == 1
