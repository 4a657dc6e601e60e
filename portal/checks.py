"""System checks of the portal's own configuration (``manage.py check``), each with an id.

The settings helpers (``portal/settings.py``) refuse a value that cannot be read at all; these
checks refuse a combination that reads fine but is wrong for where the portal runs. Most of
them hold only in production, that is with ``DEBUG`` off: a development run may use the
generated key, the file e-mail backend and ``http://127.0.0.1:8000`` on purpose.

Errors (``portal.E…``) are what would make the portal unsafe or lose data, and stop
``migrate`` and ``runserver``: a key everyone knows, a suppression list whose key would change
under it. Warnings (``portal.W…``) are what works but should not stay so in production: the
docker-compose defaults (plain http on localhost, e-mails in the worker's log) are meant for
trying the portal on one machine, so they warn instead of refusing to start.

Registered by ``portal.apps.PortalConfig.ready()``. The ids are stable: silence one with
``SILENCED_SYSTEM_CHECKS`` only with a reason written beside it.

======================  =========================================================================
id                      invariant
======================  =========================================================================
portal.E001             production: ``SECRET_KEY`` not a test, bench or development key
portal.E002             production: ``ALLOWED_HOSTS`` not empty
portal.E003             ``FILE_ENCRYPTION_KEY``, when set, is the base64 of 32 bytes
portal.E004 (database)  production: ``SUPPRESSION_HASH_KEY`` set once the suppression list has
                        entries
portal.E005             production: ``DEFAULT_FROM_EMAIL`` set
portal.E006             ``SITE_URL`` an absolute http(s) URL with a host and no path
portal.E007             ``USE_TZ`` on (the legal clock compares instants across time zones)
portal.E008 (database)  every organisation's time zone is one the zone database knows
portal.W001             production: ``FILE_ENCRYPTION_KEY`` set, not derived from ``SECRET_KEY``
portal.W002             production: ``SUPPRESSION_HASH_KEY`` set before the list has entries
portal.W003             production: e-mail delivered (not the console, file, locmem or dummy
                        backend)
portal.W004             production: ``DEFAULT_FROM_EMAIL`` not an address at localhost
portal.W005             production: ``SITE_URL`` is https
portal.W006             production: ``SITE_URL`` is not a local address
portal.W007             production: ``REDIS_URL`` set (Celery broker and shared cache)
portal.W008             ``TIME_ZONE`` is one the time zone database knows
portal.W009             ``CELERY_TIMEZONE`` equals ``TIME_ZONE``
portal.W010             production: behind a TLS proxy, ``TRUSTED_PROXY_COUNT`` is set
portal.W011 (database)  production: ``EID_SUBJECT_HASH_KEY`` set once an organisation uses eID
======================  =========================================================================
"""

import base64
import binascii
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections

#: Keys that ship with the code (tests, benchmarks) or with Django's project template: anyone
#: who has read the repository can sign sessions, status links and download links with them.
KNOWN_KEY_MARKERS = ("not-for-production", "django-insecure")

#: Backends that do not deliver: requesters never get their confirmation link, and the
#: console and file backends write every link (confirmation, status page) where logs go.
UNDELIVERED_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}


def _production() -> bool:
    return not settings.DEBUG


def _development_key() -> str | None:
    """The key a DEBUG run generated under ``var/`` (``portal/settings.py``), if any."""
    path = Path(getattr(settings, "VAR_DIR", "")) / "dev-secret-key"
    try:
        return path.read_text().strip() if path.is_file() else None
    except OSError:
        return None


@register()
def check_secret_key(app_configs, **kwargs):
    """portal.E001: a production key nobody else knows."""
    if not _production():
        return []
    # An empty key never gets here: portal/settings.py refuses to start, and Django too.
    key = settings.SECRET_KEY
    if any(marker in key for marker in KNOWN_KEY_MARKERS):
        reason = "is a key from the repository (tests, benchmarks) or Django's template"
    elif key == _development_key():
        reason = "is the development key generated under var/ by a DEBUG run"
    else:
        return []
    return [Error(
        f"SECRET_KEY {reason}: whoever knows it can forge staff sessions and the signed "
        "confirmation, status and download links.",
        hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value of this "
             "installation only, e.g. the output of `openssl rand -hex 32`.",
        id="portal.E001")]


@register()
def check_allowed_hosts(app_configs, **kwargs):
    """portal.E002: with DEBUG off and no allowed host, every request is answered 400."""
    if not _production() or settings.ALLOWED_HOSTS:
        return []
    return [Error(
        "ALLOWED_HOSTS is empty: with DEBUG off Django answers every request with 400.",
        hint="Set ALLOWED_HOSTS to the host names of SITE_URL, comma-separated.",
        id="portal.E002")]


@register()
def check_file_encryption_key(app_configs, **kwargs):
    """portal.E003 (malformed key, any mode) and portal.W001 (derived key, production)."""
    configured = settings.FILE_ENCRYPTION_KEY
    if configured:
        try:
            valid = len(base64.b64decode(configured, validate=True)) == 32
        except (binascii.Error, ValueError):
            valid = False
        if valid:
            return []
        return [Error(
            "FILE_ENCRYPTION_KEY is not the base64 of 32 bytes: every export upload, package "
            "build and download would fail.",
            hint="Generate one with `python -c \"import base64, os; "
                 "print(base64.b64encode(os.urandom(32)).decode())\"`.",
            id="portal.E003")]
    if not _production():
        return []
    return [Warning(
        "FILE_ENCRYPTION_KEY is not set, so the key of the exports and packages at rest is "
        "derived from SECRET_KEY: rotating SECRET_KEY (after a leak, say) makes every stored "
        "export and package unreadable, and a leaked SECRET_KEY also opens the files.",
        hint="Set FILE_ENCRYPTION_KEY to the base64 of 32 random bytes and keep it as safely "
             "as SECRET_KEY. Before files exist under the derived key, or after they expire.",
        id="portal.W001")]


def _has_rows(model_name: str, databases, **filters) -> bool | None:
    """Whether any of ``databases`` has a row of ``requests_app.<model_name>`` matching
    ``filters``; None if none could be read (not migrated yet: ``migrate`` runs the checks
    before it creates the table)."""
    from django.apps import apps

    model = apps.get_model("requests_app", model_name)
    found = None
    for alias in databases or ():
        try:
            if model.objects.using(alias).filter(**filters).exists():
                return True
            found = False
        except DatabaseError:
            # Close the failed connection so the command that ran the checks starts clean.
            connections[alias].close()
    return found


@register(Tags.database)
def check_suppression_hash_key(app_configs, databases=None, **kwargs):
    """portal.E004: the suppression list's key must be explicit once it has entries.

    Art. 21(3): an address on the list must keep matching for as long as the list exists.
    The entries are keyed hashes; under a key derived from SECRET_KEY a rotation of
    SECRET_KEY would silently empty the list, and marketing would reach people who objected.
    Runs only when the checks are given databases (``check --database default``, ``migrate``).
    """
    if not _production() or settings.SUPPRESSION_HASH_KEY or not databases:
        return []
    if not _has_rows("SuppressionEntry", databases):
        return []
    return [Error(
        "SUPPRESSION_HASH_KEY is not set and the suppression list has entries: they are "
        "hashed with SECRET_KEY, so rotating SECRET_KEY would make every entry stop matching "
        "and direct marketing would reach people who objected (GDPR Art. 21(3)).",
        hint="Set SUPPRESSION_HASH_KEY to the current value of SECRET_KEY (the key the "
             "existing entries were hashed with); SECRET_KEY can then be rotated on its own.",
        id="portal.E004")]


@register()
def check_suppression_hash_key_set_early(app_configs, **kwargs):
    """portal.W002: set the key before the first entry, when any value still works."""
    if not _production() or settings.SUPPRESSION_HASH_KEY:
        return []
    return [Warning(
        "SUPPRESSION_HASH_KEY is not set, so the suppression list's hashes are keyed with "
        "SECRET_KEY; once the list has entries the key can no longer change.",
        hint="Set SUPPRESSION_HASH_KEY to a long random value now, before the first "
             "objection to direct marketing is completed.",
        id="portal.W002")]


@register(Tags.database)
def check_eid_subject_hash_key(app_configs, databases=None, **kwargs):
    """portal.W011: once an organisation uses an eID broker, the key of the broker's subject
    hashes should be its own (``requests_app.identity.verification.subject_hash``). Derived
    from SECRET_KEY, a rotation of SECRET_KEY makes every later verification of a person
    stop matching their earlier ones, without any error. Runs only with databases."""
    if not _production() or settings.EID_SUBJECT_HASH_KEY or not databases:
        return []
    if not _has_rows("EidSettings", databases, enabled=True):
        return []
    return [Warning(
        "EID_SUBJECT_HASH_KEY is not set and an organisation uses an eID broker: the broker's "
        "subject identifiers are hashed with SECRET_KEY, so rotating SECRET_KEY would make "
        "later verifications of a person stop matching their earlier ones.",
        hint="Set EID_SUBJECT_HASH_KEY to the current value of SECRET_KEY (the key the "
             "existing hashes were made with); SECRET_KEY can then be rotated on its own.",
        id="portal.W011")]


@register()
def check_email(app_configs, **kwargs):
    """portal.W003-W004 and E005: e-mail that reaches requesters, from a real address."""
    if not _production():
        return []
    found = []
    if settings.EMAIL_BACKEND in UNDELIVERED_EMAIL_BACKENDS:
        found.append(Warning(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}, which delivers nothing: requesters "
            "never get their confirmation link, and the console and file backends write the "
            "confirmation and status links into logs or files.",
            hint="Set EMAIL_URL to the SMTP server, e.g. "
                 "smtp+tls://user:password@smtp.example.com:587.",
            id="portal.W003"))
    address = parseaddr(settings.DEFAULT_FROM_EMAIL or "")[1]
    if "@" not in address:
        found.append(Error(
            "DEFAULT_FROM_EMAIL is not set to an e-mail address: the confirmation e-mails "
            "have no valid sender.",
            hint='Set DEFAULT_FROM_EMAIL, e.g. "Rights portal <privacy@example.com>".',
            id="portal.E005"))
    elif address.rsplit("@", 1)[1].lower() in {"localhost", "localhost.localdomain"}:
        found.append(Warning(
            f"DEFAULT_FROM_EMAIL is {address}: mail servers reject or file as spam mail from "
            "an address at localhost, and replies cannot reach anyone.",
            hint="Set DEFAULT_FROM_EMAIL to an address of your own domain.",
            id="portal.W004"))
    return found


@register()
def check_site_url(app_configs, **kwargs):
    """portal.E006 (any mode), W005-W006 (production): the base of every e-mailed link."""
    url = settings.SITE_URL or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        return [Error(
            f"SITE_URL is {url!r}, not an absolute http(s) URL of the site's root: the links "
            "in the confirmation and status e-mails would not open the portal.",
            hint="Set SITE_URL to the public base URL, e.g. https://privacy.example.com.",
            id="portal.E006")]
    if not _production():
        return []
    found = []
    if parts.scheme != "https":
        found.append(Warning(
            f"SITE_URL is {url}, not https: the status and download links in e-mails carry "
            "their token, which would cross the network in clear.",
            hint="Serve the portal over HTTPS and set SITE_URL to its https:// address.",
            id="portal.W005"))
    if parts.hostname in LOCAL_HOSTS:
        found.append(Warning(
            f"SITE_URL is {url}: the links in e-mails point at the requester's own machine.",
            hint="Set SITE_URL to the portal's public address.",
            id="portal.W006"))
    return found


@register()
def check_trusted_proxies(app_configs, **kwargs):
    """portal.W010: behind a proxy with no trusted hop, every visitor has the proxy's address,
    so one visitor's submissions close the forms, and five wrong passwords lock a username,
    for everyone (``requests_app.client_address``)."""
    if not _production() or not getattr(settings, "BEHIND_TLS_PROXY", False):
        return []
    if getattr(settings, "TRUSTED_PROXY_COUNT", 0) > 0:
        return []
    return [Warning(
        "BEHIND_TLS_PROXY is on but TRUSTED_PROXY_COUNT is 0: the rate limits and the sign-in "
        "lockout see the proxy's address for every visitor.",
        hint="Set TRUSTED_PROXY_COUNT to the number of proxies that append to "
             "X-Forwarded-For (usually 1), and publish gunicorn's port to the proxy only.",
        id="portal.W010")]


@register()
def check_broker(app_configs, **kwargs):
    """portal.W007: without Redis, Celery and the cache work on one host only."""
    if not _production() or settings.REDIS_URL:
        return []
    return [Warning(
        "REDIS_URL is not set: Celery uses the filesystem broker under var/ and the rate "
        "limits a file cache, which work only when the web, worker and beat processes share "
        "one host and one var/ directory.",
        hint="Set REDIS_URL, e.g. redis://redis:6379/0, for the broker and the shared cache.",
        id="portal.W007")]


@register()
def check_time_zones(app_configs, **kwargs):
    """portal.E007, W008 and W009: the legal clock's instants and the beat schedule's zone."""
    found = []
    if not settings.USE_TZ:
        found.append(Error(
            "USE_TZ is off: the legal clock compares the instants of receipt and of due dates "
            "across the organisations' time zones and needs aware datetimes.",
            hint="Leave USE_TZ = True.", id="portal.E007"))
    try:
        ZoneInfo(settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        found.append(Warning(
            f"TIME_ZONE {settings.TIME_ZONE!r} is not in the time zone database.",
            hint="Use an IANA name such as Europe/Oslo.", id="portal.W008"))
        return found
    celery_zone = getattr(settings, "CELERY_TIMEZONE", settings.TIME_ZONE)
    if celery_zone != settings.TIME_ZONE:
        found.append(Warning(
            f"CELERY_TIMEZONE {celery_zone!r} differs from TIME_ZONE {settings.TIME_ZONE!r}: "
            "periodic tasks would run at other hours than the ones staff read.",
            hint="Leave CELERY_TIMEZONE = TIME_ZONE.", id="portal.W009"))
    return found


@register(Tags.database)
def check_organisation_time_zones(app_configs, databases=None, **kwargs):
    """portal.E008: an organisation's time zone decides its local dates of receipt and due
    dates (Reg. 1182/71 Art. 3 counts in local days); an unknown one makes every deadline of
    that organisation fail. The admin form refuses one; a bulk load or SQL does not."""
    from requests_app.models import Organisation

    found = []
    for alias in databases or ():
        try:
            zones = set(Organisation.objects.using(alias)
                        .values_list("time_zone", flat=True).distinct())
        except DatabaseError:
            connections[alias].close()
            continue
        for zone in sorted(zones):
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                found.append(Error(
                    f"Organisations in database {alias!r} have the time zone {zone!r}, which "
                    "the time zone database does not know: their deadlines cannot be counted.",
                    hint="Correct the organisation's time zone in the admin "
                         "(an IANA name such as Europe/Oslo).",
                    id="portal.E008"))
    return found
