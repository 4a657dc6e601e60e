"""The staff side: Django admin, scoped to the organisations a user belongs to.

Changes of status and assignee go through ``workflow`` (never a plain field save), so the
event log records every one of them.
"""

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from requests_app import selectors, workflow
from requests_app.models import (
    DataSystem,
    Event,
    Membership,
    Organisation,
    OutgoingEmail,
    Request,
    Status,
)


class OrganisationScopedAdmin(admin.ModelAdmin):
    """Shows only objects of the user's organisations; ``organisation_path`` leads there."""

    organisation_path = "organisation"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.organisation_path}__memberships__user": request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            kwargs["queryset"] = selectors.organisations_of(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class DataSystemInline(admin.TabularInline):
    model = DataSystem
    extra = 0
    fields = ("name", "holds", "relationships", "retention")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "contact_email", "default_language")
    list_filter = ("country",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [DataSystemInline]

    def get_queryset(self, request):
        return selectors.organisations_of(request.user)


@admin.register(Membership)
class MembershipAdmin(OrganisationScopedAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("role", "organisation")
    list_select_related = ("user", "organisation")


class EventInline(admin.TabularInline):
    """The event log, read-only: rows are added by the services, never here."""

    model = Event
    extra = 0
    can_delete = False
    fields = ("at", "who", "kind", "from_value", "to_value", "message")
    readonly_fields = fields
    ordering = ("at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("by"))
    def who(self, event):
        return event.who


class DueWindowFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("week", _("Due within 7 days")),
                ("later", _("Due later")), ("none", _("No due date"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        match self.value():
            case "overdue":
                return queryset.filter(due_date__lt=today, closed_at__isnull=True)
            case "week":
                return queryset.filter(due_date__gte=today,
                                       due_date__lte=today + timedelta(days=7))
            case "later":
                return queryset.filter(due_date__gt=today + timedelta(days=7))
            case "none":
                return queryset.filter(due_date__isnull=True)
        return queryset


@admin.register(Request)
class RequestAdmin(OrganisationScopedAdmin):
    list_display = ("reference", "organisation", "type", "status", "received_at", "due_date",
                    "days_left_display", "assignee")
    list_filter = ("organisation", "type", "status", DueWindowFilter, "channel")
    list_select_related = ("organisation", "assignee")
    search_fields = ("=reference", "subject_name", "subject_email")
    date_hierarchy = "received_at"
    ordering = ("due_date", "received_at")
    show_full_result_count = False
    list_per_page = 50
    inlines = [EventInline]
    actions = ["assign_to_me"]
    readonly_fields = ("reference", "organisation", "type", "status", "channel", "language",
                       "received_at", "confirmed_at", "due_date", "closed_at", "subject_name",
                       "subject_email", "subject_phone", "relationship", "description",
                       "details")
    fieldsets = (
        (None, {"fields": ("reference", "organisation", "type", "status", "assignee")}),
        (_("Clock"), {"fields": ("received_at", "confirmed_at", "due_date", "closed_at")}),
        (_("Data subject"), {"fields": ("subject_name", "subject_email", "subject_phone",
                                        "relationship", "language", "channel")}),
        (_("What is asked"), {"fields": ("description", "details")}),
    )

    def get_queryset(self, request):
        # Requests that wait for e-mail confirmation are not in the staff queue yet.
        return super().get_queryset(request).exclude(status=Status.AWAITING_CONFIRMATION)

    def has_add_permission(self, request):
        return False  # staff registration of e-mail/phone/letter requests comes with workflow

    def has_delete_permission(self, request, obj=None):
        return False  # requests are closed or purged, never deleted by hand

    @admin.display(description=_("days left"), ordering="due_date")
    def days_left_display(self, obj):
        days = obj.days_left()
        if days is None or not obj.is_open:
            return "–"
        css = "red" if days < 0 else "darkorange" if days <= 7 else "inherit"
        return format_html('<span style="color:{}">{}</span>', css, days)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            from django.contrib.auth import get_user_model

            orgs = selectors.organisations_of(request.user)
            kwargs["queryset"] = get_user_model().objects.filter(
                is_staff=True, memberships__organisation__in=orgs
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Only the assignee is editable here, and it changes through ``workflow.assign``."""
        if change and "assignee" in form.changed_data:
            workflow.assign(obj, form.cleaned_data["assignee"], actor=request.user)

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request, queryset):
        done = 0
        for obj in queryset:
            try:
                workflow.assign(obj, request.user, actor=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)
        self.message_user(request, ngettext("%d request assigned to you.",
                                            "%d requests assigned to you.", done) % done)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(OrganisationScopedAdmin):
    """What was sent, when, and what failed: read-only."""

    organisation_path = "request__organisation"
    list_display = ("created_at", "kind", "to", "state", "attempts", "sent_at")
    list_filter = ("state", "kind")
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
