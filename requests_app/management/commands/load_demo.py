"""Load the demo organisations, staff logins and a year of requests. Safe to run any number
of times: nothing is loaded twice.

Demo logins skip neither the second factor nor the lockout: each new one gets a password and
three single-use backup codes (a backup code is a valid second factor at the admin login),
printed once. ``manage.py staff_otp NAME`` adds an authenticator app.

The year of requests (``management/demo_history.py``) is loaded into each demo organisation
that has no request yet, through the services at the moments of the story; ``--no-history``
leaves it out.
"""

import logging
import os
import secrets
import time
from urllib.parse import unquote, urlsplit

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from requests_app import jobs
from requests_app.demo_data import ORGANISATIONS, RECORDS
from requests_app.identity import configuration
from requests_app.mailbox import fetch
from requests_app.management import demo_history
from requests_app.models import (
    DataSystem,
    Mailbox,
    Membership,
    Organisation,
    ProcessingRecord,
)
from staff import auth as staff_auth

DEMO_BACKUP_CODES = 3
RECORD_OPTIONAL_FIELDS = ("legitimate_interests", "recipients", "transfers", "source",
                          "automated_decisions", "note")
#: The explicit "none" of each statement (``ProcessingRecord.STATEMENTS``): not given is
#: undecided, and written so, so a "none" dropped from the demo data is cleared too.
RECORD_NONE_FIELDS = tuple(none for _text, none in ProcessingRecord.STATEMENTS)


class Command(BaseCommand):
    help = ("Create or update the demo organisations, their systems, records of processing "
            "and demo staff logins, and load a year of requests into each demo organisation "
            "that has none.")

    def add_arguments(self, parser):
        parser.add_argument("--no-history", dest="history", action="store_false",
                            help="Leave out the year of requests.")

    @staticmethod
    def _load_records(org, records) -> None:
        """Each record by (organisation, name), like the systems: a second run updates in
        place and creates nothing. Records staff added themselves are left alone."""
        systems = {system.name: system for system in org.systems.all()}
        for data in records:
            data = dict(data)
            names = data.pop("systems")
            # Fields the policy is silent on are written empty, so a field dropped from the
            # demo data is cleared too.
            defaults = (dict.fromkeys(RECORD_OPTIONAL_FIELDS, "")
                        | dict.fromkeys(RECORD_NONE_FIELDS, False) | data)
            record, _ = ProcessingRecord.objects.update_or_create(
                organisation=org, name=defaults.pop("name"), defaults=defaults)
            record.systems.set([systems[name] for name in names])

    def _connect_eid(self, organisations) -> None:
        """With ``DEMO_EID_ISSUER`` set (``make eid-provider`` runs the tests' OpenID provider
        at http://127.0.0.1:9000), the Norwegian and Danish OnlinePOS verify identities with
        BankID and MitID there."""
        issuer = os.environ.get("DEMO_EID_ISSUER", "")
        if not issuer:
            return
        for slug in ("onlinepos-no", "onlinepos-dk"):
            configuration.configure(organisations[slug], actor=None, issuer=issuer,
                                    client_id="portal-demo", client_secret="demo-secret",
                                    methods=["no_bankid", "dk_mitid"], level="substantial",
                                    discover=False)
        self.stdout.write(f"eID (BankID, MitID) through {issuer} for the OnlinePOS demos")
    def _connect_mailbox(self, organisations) -> None:
        """With ``DEMO_MAILBOX`` set to ``imap://USER:PASSWORD@HOST:PORT`` (``make
        demo-mailbox`` runs a throwaway dovecot there and prints it; ``imaps://`` for TLS),
        the Norwegian OnlinePOS reads its privacy mailbox there: the worker's beat fetches it
        and its e-mails wait under "Incoming e-mail" in the staff site."""
        address = os.environ.get("DEMO_MAILBOX", "")
        if not address:
            return
        url = urlsplit(address)
        try:
            port = url.port
        except ValueError:
            port = None
        if url.scheme not in ("imap", "imaps") or not url.hostname or not url.username \
                or not url.password:
            raise CommandError("DEMO_MAILBOX must look like "
                               "imap://USER:PASSWORD@HOST:PORT (or imaps://...)")
        organisation = organisations["onlinepos-no"]
        box = Mailbox.objects.filter(organisation=organisation).first() \
            or Mailbox(organisation=organisation)
        box.enabled, box.host, box.auth = True, url.hostname, Mailbox.Auth.PASSWORD
        box.security = Mailbox.Security.TLS if url.scheme == "imaps" else Mailbox.Security.NONE
        box.port = port or (993 if url.scheme == "imaps" else 143)
        box.username = unquote(url.username)
        fetch.set_secret(box, "password", unquote(url.password))
        box.save()
        self.stdout.write(f"Privacy mailbox of onlinepos-no: {url.scheme}://{box.username}@"
                          f"{box.host}:{box.port}")

    def handle(self, *args, history: bool = True, **options):
        self._organisations_and_logins()
        if history:
            self._history()

    def _history(self) -> None:
        """The year of requests, for the demo organisations that have none yet.

        One transaction: all or nothing (a second run starts again from an empty history),
        and SQLite writes the year in one commit instead of thousands. Its e-mails are
        delivered as they are written (``demo_history``), so nothing is queued for them
        (``jobs.held``), and the confirmation links of a year of web requests are not printed
        (nobody opens them)."""
        organisations = demo_history.without_requests([data["slug"] for data in ORGANISATIONS])
        if not organisations:
            self.stdout.write("Demo history exists already: nothing loaded.")
            return
        started = time.monotonic()
        notices = logging.getLogger("requests_app.notifications")
        level = notices.level
        notices.setLevel(logging.WARNING)
        try:
            # Held outside the transaction, so its commit hooks queue nothing either.
            with jobs.held(), transaction.atomic():
                totals = demo_history.load(organisations)
        except Exception as exc:  # any refusal of a step: the portal still starts
            # The story depends on the day it is loaded; should a step of it be refused on
            # some day, the portal starts without the history rather than not at all, and
            # says why (tests/test_demo_history.py loads it every time the suite runs).
            self.stderr.write(f"The demo's history was not loaded: {exc!r}. The organisations "
                              "and logins are there; `make run` tries the history again.")
            return
        finally:
            notices.setLevel(level)
        per_org = ", ".join(f"{slug} {count}" for slug, count in sorted(totals.requests.items()))
        self.stdout.write(
            f"Demo history: {sum(totals.requests.values())} requests over a year ({per_org}), "
            f"{totals.purged} of them purged, {totals.emails} e-mails, "
            f"in {time.monotonic() - started:.1f} s.")
        self.stdout.write("Status pages of some demo requests, as their requesters see them:")
        for organisation, status, url in totals.status_pages:
            self.stdout.write(f"  {organisation}, {status}: {url}")

    @transaction.atomic
    def _organisations_and_logins(self) -> None:
        organisations = {}
        for data in ORGANISATIONS:
            data = dict(data)
            systems = data.pop("systems")
            org, _ = Organisation.objects.update_or_create(slug=data["slug"], defaults=data)
            organisations[org.slug] = org
            for name, holds, relationships, retention in systems:
                DataSystem.objects.update_or_create(
                    organisation=org, name=name,
                    defaults={"holds": holds, "relationships": relationships,
                              "retention": retention},
                )
            self._load_records(org, RECORDS.get(org.slug, []))
        self.stdout.write(f"Demo organisations: {len(organisations)}")
        self._connect_eid(organisations)
        self._connect_mailbox(organisations)

        # A handler and a compliance lead per organisation: the lead decides (extensions,
        # refusals) and gets the escalations, and sees the organisation's reports.
        logins = [("admin", None, None)] + [
            (f"{slug}-handler", slug, Membership.Role.HANDLER) for slug in organisations
        ] + [(f"{slug}-lead", slug, Membership.Role.COMPLIANCE_LEAD) for slug in organisations]
        created = []
        User = get_user_model()
        for username, slug, role in logins:
            user, is_new = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "is_superuser": slug is None,
                                             "email": f"{username}@demo.invalid"},
            )
            if is_new:
                password = secrets.token_urlsafe(12)
                user.set_password(password)
                user.save()
                codes = staff_auth.new_backup_codes(user, n=DEMO_BACKUP_CODES)
                created.append((username, password, codes))
            if slug:
                Membership.objects.get_or_create(
                    user=user, organisation=organisations[slug],
                    defaults={"role": role, "language": organisations[slug].default_language,
                              "queue_contact": role == Membership.Role.HANDLER},
                )
        if created:
            self.stdout.write(self.style.WARNING(
                "Demo staff logins (shown once; reset with `manage.py changepassword NAME`), each "
                "with single-use backup codes for the second factor (`manage.py staff_otp "
                "NAME` adds an authenticator app and new codes):"))
            for username, password, codes in created:
                self.stdout.write(f"  {username:24} {password}   codes: {' '.join(codes)}")
        else:
            self.stdout.write("Demo staff logins exist already (their passwords were shown "
                              "when they were created; reset with `manage.py changepassword`).")
