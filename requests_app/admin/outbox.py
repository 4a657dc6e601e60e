"""The outbox: what was sent, when, and what failed."""


from django.contrib import admin

from requests_app.admin.base import OrganisationScopedAdmin
from requests_app.models import (
    OutgoingEmail,
)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(OrganisationScopedAdmin):
    """What was sent, when, and what failed: read-only."""

    organisation_path = "request__organisation"
    list_display = ("created_at", "kind", "to", "state", "attempts", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("=request__reference", "=to")
    readonly_fields = ("request", "kind", "to", "language", "subject", "body_text", "state",
                       "attempts", "last_error", "created_at", "sent_at")
    exclude = ("body_html", "secret_url", "claimed_until")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
