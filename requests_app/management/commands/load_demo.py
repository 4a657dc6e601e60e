"""Load the demo organisations and staff logins. Safe to run any number of times.

Demo logins skip neither the second factor nor the lockout: each new one gets a password and
three single-use backup codes (a backup code is a valid second factor at the admin login),
printed once. ``manage.py staff_otp NAME`` adds an authenticator app.
"""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from requests_app.demo_data import ORGANISATIONS, RECORDS
from requests_app.identity import configuration
from requests_app.models import DataSystem, Membership, Organisation, ProcessingRecord
from staff import auth as staff_auth

DEMO_BACKUP_CODES = 3
RECORD_OPTIONAL_FIELDS = ("legitimate_interests", "recipients", "transfers", "source",
                          "automated_decisions", "note")
#: The explicit "none" of each statement (``ProcessingRecord.STATEMENTS``): not given is
#: undecided, and written so, so a "none" dropped from the demo data is cleared too.
RECORD_NONE_FIELDS = tuple(none for _text, none in ProcessingRecord.STATEMENTS)


class Command(BaseCommand):
    help = ("Create or update the demo organisations, their systems, records of processing "
            "and demo staff logins.")

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

    @transaction.atomic
    def handle(self, *args, **options):
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

        logins = [("admin", None, None)] + [
            (f"{slug}-handler", slug, Membership.Role.HANDLER) for slug in organisations
        ] + [("onlinepos-no-lead", "onlinepos-no", Membership.Role.COMPLIANCE_LEAD)]
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
