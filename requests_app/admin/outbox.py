"""The outbox: what was sent, when, and what failed."""


from django.contrib import admin
from django.template.defaultfilters import linebreaksbr
from django.utils.translation import gettext_lazy as _

from requests_app import notifications
from requests_app.admin.base import PortalAdmin
from requests_app.models import (
    OutgoingEmail,
)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(PortalAdmin):
    """What was sent, when, and what failed: read-only."""

    organisation_path = "request__organisation"
    list_display = ("created_at", "kind", "to", "state", "attempts", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("=request__reference", "=to")
    readonly_fields = ("request", "kind", "to", "language", "subject", "body", "state",
                       "attempts", "last_error", "created_at", "sent_at")
    fields = readonly_fields
    show_full_result_count = False
    # Seen by the organisation's members (``access.VIEW``); nobody adds, changes or deletes.

    @admin.display(description=_("text"))
    def body(self, obj):
        """The text without its private link: an e-mail not sent yet (or failed) still holds
        a working confirmation or status link, which would let any handler confirm a request
        or read its status page as the requester."""
        return linebreaksbr(notifications.redacted(obj, obj.body_text))

