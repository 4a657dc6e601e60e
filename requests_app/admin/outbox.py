"""The outbox: what was sent, when, and what failed."""


from django.contrib import admin

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
    readonly_fields = ("request", "kind", "to", "language", "subject", "body_text", "state",
                       "attempts", "last_error", "created_at", "sent_at")
    exclude = ("body_html", "secret_url", "claimed_until")
    show_full_result_count = False
    # Seen by the organisation's members (``access.VIEW``); nobody adds, changes or deletes.
