"""Read the privacy mailboxes now, without waiting for beat (the same service as the
periodic task: each message is saved once, however often this runs)."""

from django.core.management.base import BaseCommand

from requests_app.mailbox import fetch, triage
from requests_app.models import Mailbox


class Command(BaseCommand):
    help = "Read the privacy mailboxes now (all enabled ones, or one organisation's)."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", help="the organisation's slug")

    def handle(self, *args, organisation=None, **options):
        mailboxes = Mailbox.objects.filter(enabled=True).select_related("organisation")
        if organisation:
            mailboxes = mailboxes.filter(organisation__slug=organisation)
        for mailbox in mailboxes:
            saved = fetch.fetch(mailbox.pk)
            attached = triage.attach_replies(mailbox_id=mailbox.pk)
            mailbox.refresh_from_db()
            status = f"error: {mailbox.last_error}" if mailbox.last_error else "ok"
            self.stdout.write(f"{mailbox.organisation.slug}: {saved} new, {attached} "
                              f"attached to their request ({status})")
