"""Organisations, their members, their systems and their reply templates."""


from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from requests_app import (
    selectors,
)
from requests_app.admin.base import (
    OrganisationScopedAdmin,
    PortalAdmin,
    labels,
    member_org_ids,
    relationship_labels,
)
from requests_app.admin.records import ProcessingRecordInline
from requests_app.models import (
    DataSystem,
    Membership,
    Organisation,
    Relationship,
    ReplyTemplate,
    RequestType,
)

# --- Systems (records of processing) ---------------------------------------------------------


class DataSystemForm(forms.ModelForm):
    """Relationships and request types as checkboxes rather than raw JSON lists."""

    relationships = forms.MultipleChoiceField(
        label=_("relationships"), choices=Relationship.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Whose data this system holds. None ticked (or “Other”): searched for "
                    "every requester."),
    )
    request_types = forms.MultipleChoiceField(
        label=_("request types"), choices=RequestType.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The requests this system must be checked for. None ticked: all."),
    )

    class Meta:
        model = DataSystem
        fields = ("organisation", "name", "holds", "relationships", "request_types",
                  "retention")


class DataSystemInline(admin.TabularInline):
    model = DataSystem
    form = DataSystemForm
    extra = 0
    fields = ("name", "holds", "relationships", "request_types", "retention")






@admin.register(DataSystem)
class DataSystemAdmin(OrganisationScopedAdmin):
    """The systems each request's checklist is built from (``checklist.build``)."""

    form = DataSystemForm
    list_display = ("name", "organisation", "relationships_display", "request_types_display",
                    "retention")
    list_filter = (("organisation", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("organisation",)
    search_fields = ("name", "holds")
    show_full_result_count = False

    @admin.display(description=_("relationships"))
    def relationships_display(self, system):
        return relationship_labels(system.relationships)

    @admin.display(description=_("request types"))
    def request_types_display(self, system):
        return labels(system.request_types, RequestType.choices) or gettext("All")



CLOCK_SETTINGS = ("pause_clock_while_waiting", "reminder_days_before", "remind_on_due_date",
                  "escalate_when_overdue", "reminder_hour")


@admin.register(Organisation)
class OrganisationAdmin(PortalAdmin):
    list_display = ("name", "country", "contact_email", "default_language")
    list_filter = ("country",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [DataSystemInline, ProcessingRecordInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return selectors.organisations_of(request.user)

    def get_fieldsets(self, request, obj=None):
        # Every other field stays in the first fieldset, so a field added to the model later
        # shows up without an edit here.
        others = [f for f in self.get_fields(request, obj) if f not in CLOCK_SETTINGS]
        return [
            (None, {"fields": others}),
            (_("Deadlines and reminders"), {
                "fields": CLOCK_SETTINGS,
                "description": _("How the one-month time limit (GDPR Art. 12(3)) is kept: "
                                 "pausing while waiting for the requester, and who is "
                                 "reminded when."),
            }),
        ]


@admin.register(Membership)
class MembershipAdmin(OrganisationScopedAdmin):
    list_display = ("user", "organisation", "role", "language", "queue_contact")
    list_filter = ("role", ("organisation", admin.RelatedOnlyFieldListFilter),
                   "queue_contact")
    list_select_related = ("user", "organisation")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # Members of one's own organisations, and accounts that belong to none yet (to
            # take a new colleague in); never another organisation's staff.
            kwargs["queryset"] = get_user_model().objects.filter(
                Q(memberships__organisation_id__in=member_org_ids(request))
                | Q(memberships__isnull=True)).distinct().order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- Reply templates -------------------------------------------------------------------------


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(PortalAdmin):
    """Members see their organisations' templates and the shared ones (no organisation), and
    edit only their organisations' own; shared templates are edited by superusers."""

    list_display = ("name", "organisation_display", "outcome", "request_type", "language")
    list_filter = ("outcome", "language", "request_type")
    list_select_related = ("organisation",)
    search_fields = ("name",)
    fields = ("organisation", "name", "outcome", "request_type", "language", "body")
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(Q(organisation_id__in=member_org_ids(request))
                         | Q(organisation__isnull=True))

    @admin.display(description=_("organisation"), ordering="organisation__name")
    def organisation_display(self, template):
        return template.organisation or gettext("Shared (all organisations)")

    def _may_edit(self, request, obj) -> bool:
        if request.user.is_superuser or obj is None:
            return True
        return obj.organisation_id is not None and obj.organisation_id in member_org_ids(
            request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            kwargs["queryset"] = selectors.organisations_of(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "organisation" in form.base_fields:
            field = form.base_fields["organisation"]
            if request.user.is_superuser:
                field.help_text = _("Empty: a shared template, offered to every "
                                    "organisation.")
            else:
                field.required = True  # only superusers write shared templates
        if "body" in form.base_fields:
            form.base_fields["body"].help_text = _(
                "Placeholders: {reference}, {name}, {organisation}, {type}, {due_date}, "
                "{received_date}.")
        return form
