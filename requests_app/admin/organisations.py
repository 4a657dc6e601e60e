"""Organisations, their members, their systems and their reply templates."""


from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from requests_app import access
from requests_app.admin.base import (
    SUPERUSERS,
    PortalAdmin,
    ScopedInline,
    labels,
    relationship_labels,
)
from requests_app.admin.records import ProcessingRecordInline
from requests_app.admin.setup import OrganisationSetupPages
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
                  "retention", "provider_role", "in_eea", "transfer_safeguard")


class DataSystemInline(ScopedInline, admin.TabularInline):
    """The organisation's systems on its page: changed by its organisation admins only."""

    parent_path = ""  # the parent is the organisation
    add_action = change_action = delete_action = access.ADMINISTER
    model = DataSystem
    form = DataSystemForm
    extra = 0
    fields = ("name", "holds", "relationships", "request_types", "retention", "provider_role",
              "in_eea", "transfer_safeguard")


@admin.register(DataSystem)
class DataSystemAdmin(PortalAdmin):
    """The systems each request's checklist is built from (``checklist.build``): seen by the
    organisation's members, added, changed and deleted by its organisation admins."""

    add_action = change_action = delete_action = access.ADMINISTER

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
class OrganisationAdmin(OrganisationSetupPages, PortalAdmin):
    """An organisation's settings: seen by its members, changed by its organisation admins
    (retention, contact address, the clock: a wrong value here erases or misdirects); added
    and deleted by superusers, or created by an invited admin on the guided page
    (``admin.setup``). The brand is changed only on its own page, which checks the contrast
    (``onboarding.branding``)."""

    change_form_template = "admin/requests_app/organisation/change_form.html"
    exclude = ("brand_colour", "welcome_text")

    organisation_path = ""  # the object is the organisation
    add_action = delete_action = SUPERUSERS
    change_action = access.ADMINISTER
    list_display = ("name", "country", "contact_email", "default_language")
    list_filter = ("country",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [DataSystemInline, ProcessingRecordInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

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
class MembershipAdmin(PortalAdmin):
    """Who is a member of an organisation, in which role: kept by its organisation admins.
    A change takes effect at the member's next page (``access`` reads the memberships on
    every HTTP request)."""

    view_action = add_action = change_action = delete_action = access.ADMINISTER
    list_display = ("user", "organisation", "role", "language", "queue_contact")
    list_filter = ("role", ("organisation", admin.RelatedOnlyFieldListFilter),
                   "queue_contact")
    list_select_related = ("user", "organisation")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # Members of the organisations one administers, and accounts that belong to none
            # yet (to take a new colleague in); never another organisation's staff.
            kwargs["queryset"] = get_user_model().objects.filter(
                Q(memberships__organisation_id__in=access.organisation_ids(
                    request.user, access.ADMINISTER))
                | Q(memberships__isnull=True)).distinct().order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        access.forget(request.user)  # one's own role may have changed: the rest of this page

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        access.forget(request.user)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        access.forget(request.user)


# --- Reply templates -------------------------------------------------------------------------


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(PortalAdmin):
    """Members see their organisations' templates and the shared ones (no organisation).
    Whoever works on an organisation's requests adds and edits its templates; only its
    organisation admins delete them; shared templates are written by superusers
    (``organisation_id_of`` is ``None`` for them, which ``PortalAdmin`` leaves to superusers).
    """

    add_action = change_action = access.WORK
    delete_action = access.ADMINISTER
    list_display = ("name", "organisation_display", "outcome", "request_type", "language")
    list_filter = ("outcome", "language", "request_type")
    list_select_related = ("organisation",)
    search_fields = ("name",)
    fields = ("organisation", "name", "outcome", "request_type", "language", "body")
    show_full_result_count = False

    def scope(self, request, qs):
        ids = access.organisation_ids(request.user, access.VIEW)
        if ids is None:
            return qs
        return qs.filter(Q(organisation_id__in=ids) | Q(organisation__isnull=True))

    @admin.display(description=_("organisation"), ordering="organisation__name")
    def organisation_display(self, template):
        return template.organisation or gettext("Shared (all organisations)")

    def has_view_permission(self, request, obj=None):
        if obj is not None and obj.organisation_id is None:
            return self._allows(request, self.view_action)  # shared: seen by all staff
        return super().has_view_permission(request, obj)

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
