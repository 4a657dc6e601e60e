"""The configuration's system checks (portal/checks.py): each fires when its invariant is
broken and is silent when it holds; a production-like configuration passes
``manage.py check --deploy`` with no issue at all."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error, Warning, run_checks
from django.test import override_settings

from requests_app.models import Organisation, SuppressionEntry

ROOT = Path(__file__).resolve().parent.parent

#: A configuration that holds every invariant: what production should look like.
PRODUCTION = {
    "DEBUG": False,
    "SECRET_KEY": "k8Vd2vWq0-production-key-of-this-installation-only-5fJ1xZ3pL9rT7yU",
    "ALLOWED_HOSTS": ["privacy.example.com"],
    "SITE_URL": "https://privacy.example.com",
    "DEFAULT_FROM_EMAIL": "Rights portal <privacy@example.com>",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "FILE_ENCRYPTION_KEY": base64.b64encode(bytes(range(32))).decode(),
    "SUPPRESSION_HASH_KEY": "a-suppression-key-of-its-own",
    "USE_TZ": True,
    "TIME_ZONE": "Europe/Oslo",
    "CELERY_TIMEZONE": "Europe/Oslo",
}


def portal_messages(databases=None, **changes):
    """The portal's own check messages under the production configuration with ``changes``."""
    with override_settings(**{**PRODUCTION, **changes}):
        return {m.id: m for m in run_checks(databases=databases)
                if m.id and m.id.startswith("portal.")}


def test_a_production_configuration_raises_no_portal_check():
    assert portal_messages() == {}


def test_a_production_configuration_with_a_suppression_list_raises_no_database_check(db, org_no):
    SuppressionEntry.objects.create(organisation=org_no, email_hash="0" * 64)

    assert portal_messages(databases=["default"]) == {}


def test_a_tls_proxy_without_a_trusted_hop_warns_that_everyone_shares_its_address():
    assert "portal.W010" in portal_messages(BEHIND_TLS_PROXY=True, TRUSTED_PROXY_COUNT=0)
    assert "portal.W010" not in portal_messages(BEHIND_TLS_PROXY=True, TRUSTED_PROXY_COUNT=1)
    assert "portal.W010" not in portal_messages(BEHIND_TLS_PROXY=False, TRUSTED_PROXY_COUNT=0)


def test_development_mode_silences_the_production_checks():
    found = portal_messages(
        DEBUG=True, SECRET_KEY="test-only-secret-key-not-for-production-0123456789abcdef",
        ALLOWED_HOSTS=[], SITE_URL="http://127.0.0.1:8000", DEFAULT_FROM_EMAIL="",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", REDIS_URL="",
        FILE_ENCRYPTION_KEY="", SUPPRESSION_HASH_KEY="")

    assert found == {}


@pytest.mark.parametrize("key", [
    "test-only-secret-key-not-for-production-0123456789abcdef",
    "bench-only-secret-key-not-for-production-0123456789abcdef",
    "django-insecure-0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdef",
])
def test_a_secret_key_published_in_the_repository_is_an_error_in_production(key):
    found = portal_messages(SECRET_KEY=key)

    assert isinstance(found["portal.E001"], Error)
    assert found["portal.E001"].hint


def test_the_generated_development_key_is_an_error_in_production(tmp_path):
    (tmp_path / "dev-secret-key").write_text("a-generated-development-key-0123456789abcdefghij\n")

    found = portal_messages(VAR_DIR=tmp_path,
                            SECRET_KEY="a-generated-development-key-0123456789abcdefghij")

    assert "portal.E001" in found


def test_empty_allowed_hosts_is_an_error_in_production():
    assert isinstance(portal_messages(ALLOWED_HOSTS=[])["portal.E002"], Error)


@pytest.mark.parametrize("key", [
    "not base64!", base64.b64encode(b"too short").decode(),
    base64.b64encode(bytes(33)).decode()])
def test_a_malformed_file_encryption_key_is_an_error_even_in_development(key):
    assert isinstance(portal_messages(DEBUG=True, FILE_ENCRYPTION_KEY=key)["portal.E003"], Error)


def test_a_file_encryption_key_derived_from_the_secret_key_warns_in_production():
    found = portal_messages(FILE_ENCRYPTION_KEY="")

    assert isinstance(found["portal.W001"], Warning)
    assert "SECRET_KEY" in found["portal.W001"].msg


def test_a_suppression_list_with_entries_and_no_key_of_its_own_is_a_database_error(db, org_no):
    SuppressionEntry.objects.create(organisation=org_no, email_hash="0" * 64)

    found = portal_messages(databases=["default"], SUPPRESSION_HASH_KEY="")

    assert isinstance(found["portal.E004"], Error)
    assert "Art. 21(3)" in found["portal.E004"].msg


def test_an_empty_suppression_list_without_its_key_only_warns(db):
    found = portal_messages(databases=["default"], SUPPRESSION_HASH_KEY="")

    assert "portal.E004" not in found
    assert isinstance(found["portal.W002"], Warning)


def test_the_suppression_database_check_needs_a_database(db, org_no):
    SuppressionEntry.objects.create(organisation=org_no, email_hash="0" * 64)

    assert "portal.E004" not in portal_messages(databases=None, SUPPRESSION_HASH_KEY="")


@pytest.mark.parametrize("backend", ["console", "filebased", "locmem", "dummy"])
def test_an_email_backend_that_delivers_nothing_warns_in_production(backend):
    found = portal_messages(EMAIL_BACKEND=f"django.core.mail.backends.{backend}.EmailBackend")

    assert isinstance(found["portal.W003"], Warning)


@pytest.mark.parametrize("sender", ["", "Rights portal", "Rights portal <>"])
def test_a_sender_without_an_address_is_an_error_in_production(sender):
    assert isinstance(portal_messages(DEFAULT_FROM_EMAIL=sender)["portal.E005"], Error)


def test_a_sender_at_localhost_warns_in_production():
    found = portal_messages(DEFAULT_FROM_EMAIL="Rights portal <no-reply@localhost>")

    assert isinstance(found["portal.W004"], Warning)


@pytest.mark.parametrize("url", ["", "privacy.example.com", "ftp://privacy.example.com",
                                 "https://", "https://privacy.example.com/portal"])
def test_a_site_url_that_is_not_the_root_of_a_site_is_an_error_even_in_development(url):
    assert isinstance(portal_messages(DEBUG=True, SITE_URL=url)["portal.E006"], Error)


def test_a_plain_http_site_url_warns_in_production():
    found = portal_messages(SITE_URL="http://privacy.example.com")

    assert isinstance(found["portal.W005"], Warning)
    assert "portal.W006" not in found


def test_a_local_site_url_warns_in_production():
    found = portal_messages(SITE_URL="https://localhost:8443")

    assert isinstance(found["portal.W006"], Warning)
    assert "portal.W005" not in found


def test_no_redis_warns_in_production():
    assert isinstance(portal_messages(REDIS_URL="")["portal.W007"], Warning)


def test_naive_datetimes_are_an_error():
    assert isinstance(portal_messages(DEBUG=True, USE_TZ=False)["portal.E007"], Error)


def test_an_unknown_time_zone_warns():
    found = portal_messages(DEBUG=True, TIME_ZONE="Europe/Atlantis",
                            CELERY_TIMEZONE="Europe/Atlantis")

    assert isinstance(found["portal.W008"], Warning)


def test_a_beat_schedule_in_another_zone_warns():
    assert isinstance(portal_messages(CELERY_TIMEZONE="UTC")["portal.W009"], Warning)


def test_an_organisation_with_an_unknown_time_zone_is_a_database_error(db, org_no):
    Organisation.objects.filter(pk=org_no.pk).update(time_zone="Europe/Atlantis")

    found = portal_messages(databases=["default"])

    assert isinstance(found["portal.E008"], Error)
    assert "Europe/Atlantis" in found["portal.E008"].msg


def manage(*args, **env):
    """``manage.py`` in a fresh process on ``portal.settings`` with only ``env`` configured."""
    keep = ("PATH", "HOME", "LANG", "DATABASE_URL")
    clean = {k: v for k, v in os.environ.items() if k in keep}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env}, timeout=120)


def test_check_deploy_is_clean_with_a_production_environment(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        VAR_DIR=str(tmp_path), DEBUG="false", SECRET_KEY=PRODUCTION["SECRET_KEY"],
        ALLOWED_HOSTS="privacy.example.com", SITE_URL="https://privacy.example.com",
        DEFAULT_FROM_EMAIL="Rights portal <privacy@example.com>",
        EMAIL_URL="smtp+tls://user:password@smtp.example.com:587",
        REDIS_URL="redis://127.0.0.1:6379/0", FILE_ENCRYPTION_KEY=PRODUCTION["FILE_ENCRYPTION_KEY"],
        SUPPRESSION_HASH_KEY="a-suppression-key-of-its-own", BEHIND_TLS_PROXY="true",
        TRUSTED_PROXY_COUNT="1",
        SECURE_COOKIES="true", SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true", SECURE_HSTS_PRELOAD="true")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_the_compose_file_defaults_warn_but_do_not_stop_start_up(tmp_path):
    # docker-compose.yml's defaults: DEBUG off, plain http on localhost, e-mails on the console.
    result = manage(
        "check", VAR_DIR=str(tmp_path), DEBUG="false", SECRET_KEY=PRODUCTION["SECRET_KEY"],
        ALLOWED_HOSTS="localhost,127.0.0.1", SITE_URL="http://localhost:8000",
        EMAIL_URL="consolemail://", REDIS_URL="redis://127.0.0.1:6379/0")

    assert result.returncode == 0, result.stderr
    for check_id in ("portal.W001", "portal.W002", "portal.W003", "portal.W004",
                     "portal.W005", "portal.W006"):
        assert check_id in result.stderr


def test_an_eid_broker_in_use_without_a_key_of_its_own_warns(db, org_no):
    """The broker's subject hashes are keyed with SECRET_KEY unless EID_SUBJECT_HASH_KEY is
    set: a rotation would make a person's later verifications stop matching."""
    from requests_app.models import EidSettings

    assert "portal.W011" not in portal_messages(databases=["default"], EID_SUBJECT_HASH_KEY="")
    settings_row = EidSettings.objects.create(organisation=org_no, issuer="https://eid.example",
                                              client_id="portal")

    found = portal_messages(databases=["default"], EID_SUBJECT_HASH_KEY="")

    assert isinstance(found["portal.W011"], Warning)
    assert "SECRET_KEY" in found["portal.W011"].msg
    assert "portal.W011" not in portal_messages(databases=["default"],
                                                EID_SUBJECT_HASH_KEY="an-eid-key-of-its-own")
    assert "portal.W011" not in portal_messages(databases=None, EID_SUBJECT_HASH_KEY="")
    settings_row.enabled = False
    settings_row.save()
    assert "portal.W011" not in portal_messages(databases=["default"], EID_SUBJECT_HASH_KEY="")
