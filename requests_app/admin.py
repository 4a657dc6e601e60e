"""The staff side: Django admin, scoped to the organisations a user belongs to.

Changes of status, assignee and due date go through ``workflow`` (never a plain field save),
so the event log records every one of them. The legal clock is read-only here: it is shown on
the request's page and moved only by the services (extension, waiting for the requester).

A request's parts (checklist, messages, attachments) are shown on its page with the
permissions of the request itself: whoever may view a request sees its parts, whoever may
change it may mark its checklist. The answers to the requester (ask, complete, refuse,
forward) are small pages of their own, each calling one ``workflow`` function.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, Value
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from requests_app import (
    admin_outcomes,
    admin_packages,
    checklist,
    clock,
    cover,
    events,
    intake,
    outcomes,
    references,
    replies,
    roles,
    selectors,
    workflow,
)
from requests_app.forms import RequestPartFormSet, reject_control_characters
from requests_app.models import (
    OPEN_STATUSES,
    Attachment,
    Channel,
    ChecklistItem,
    DataSystem,
    Event,
    ExtensionReason,
    LegalBasis,
    Membership,
    Message,
    Organisation,
    OutgoingEmail,
    ProcessingRecord,
    RefusalGround,
    Relationship,
    Reminder,
    ReplyTemplate,
    Request,
    RequestOutcome,
    RequestType,
    Status,
)
from requests_app.paginators import CappedCountPaginator


def _member_org_ids(request) -> frozenset[int]:
    """The ids of the organisations the user is a member of, read once per HTTP request."""
    cached = getattr(request, "_requests_app_member_org_ids", None)
    if cached is None:
        cached = frozenset(Membership.objects.filter(user=request.user)
                           .values_list("organisation_id", flat=True))
        request._requests_app_member_org_ids = cached
    return cached


def _staff_members(organisation_ids):
    """Active staff users who are members of any of these organisations."""
    return (get_user_model().objects
            .filter(is_staff=True, is_active=True,
                    memberships__organisation_id__in=organisation_ids)
            .distinct().order_by("username"))


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "–"


class PortalAdmin(admin.ModelAdmin):
    """The base of every admin here: an object outside the user's scope answers 404, the
    same as one that does not exist, not Django's redirect to the index."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(gettext("No such %(name)s.") % {"name": opts.verbose_name})


class OrganisationScopedAdmin(PortalAdmin):
    """Shows only objects of the user's organisations; ``organisation_path`` leads there."""

    organisation_path = "organisation"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        # "organisation IN (the user's organisations)": no join, so the planner can use the
        # indexes that start with the organisation.
        mine = Membership.objects.filter(user=request.user).values("organisation_id")
        return qs.filter(**{f"{self.organisation_path}__in": mine})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            kwargs["queryset"] = selectors.organisations_of(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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


def _labels(codes, choices) -> str:
    labels = dict(choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or [])


def _relationships(codes) -> str:
    """Whose data a system or a processing activity concerns; none named means everyone
    (``DataSystem.applies_to``, ``ProcessingRecord.concerns``)."""
    return _labels(codes, Relationship.choices) or gettext("Everyone")


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
        return _relationships(system.relationships)

    @admin.display(description=_("request types"))
    def request_types_display(self, system):
        return _labels(system.request_types, RequestType.choices) or gettext("All")


# --- Records of processing (Art. 30(1)) ------------------------------------------------------


class ProcessingRecordForm(forms.ModelForm):
    """Whose data as checkboxes of relationships; the systems only of the record's
    organisation (checked again on save, since a new record's organisation is chosen in the
    same form)."""

    relationships = forms.MultipleChoiceField(
        label=_("whose data"), choices=Relationship.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The people whose data this activity processes. None ticked: everyone. "
                    "The access cover document lists the activities of the requester's "
                    "relationship (Art. 15(1))."),
    )

    class Meta:
        model = ProcessingRecord
        fields = ("organisation", "name", "purposes", "legal_basis", "legitimate_interests",
                  "data_categories", "relationships", "recipients", "transfers", "retention",
                  "source", "automated_decisions", "systems")
        widgets = {"systems": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        systems = self.fields.get("systems")
        if systems is not None and self.instance.organisation_id:
            systems.queryset = systems.queryset.filter(
                organisation_id=self.instance.organisation_id)
        elif systems is not None:
            # A new record: the organisation is not chosen yet, so say whose each system is.
            systems.label_from_instance = lambda system: f"{system.name} ({system.organisation})"

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation") or (
            self.instance.organisation if self.instance.organisation_id else None)
        others = [s.name for s in cleaned.get("systems") or []
                  if organisation is None or s.organisation_id != organisation.pk]
        if others:
            self.add_error("systems", gettext(
                "These systems belong to another organisation: %(systems)s.")
                % {"systems": ", ".join(others)})
        if (cleaned.get("legal_basis") == LegalBasis.LEGITIMATE_INTERESTS
                and not (cleaned.get("legitimate_interests") or "").strip()):
            # Art. 13(1)(d), 14(2)(b): the interests must be named.
            self.add_error("legitimate_interests", gettext(
                "Name the legitimate interests pursued (Art. 13(1)(d))."))
        return cleaned


class ProcessingRecordInline(admin.TabularInline):
    """The organisation's records, read-only here: each opens on its own page, where there is
    room for the long texts."""

    model = ProcessingRecord
    extra = 0
    fields = ("name", "legal_basis", "relationships_display")
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = _("records of processing (Art. 30(1))")

    @admin.display(description=_("whose data"))
    def relationships_display(self, record):
        return _relationships(record.relationships)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProcessingRecord)
class ProcessingRecordAdmin(OrganisationScopedAdmin):
    """The records of processing the access cover document is prefilled from (``cover``).
    Compliance leads and organisation admins edit their organisations' records; handlers
    read them (``roles.record_keeping_org_ids``)."""

    form = ProcessingRecordForm
    list_display = ("name", "organisation", "legal_basis", "relationships_display")
    list_filter = (("organisation", admin.RelatedOnlyFieldListFilter), "legal_basis")
    list_select_related = ("organisation",)
    search_fields = ("name", "purposes", "data_categories")
    readonly_fields = ("relationships_display", "systems_display")
    show_full_result_count = False

    @admin.display(description=_("whose data"))
    def relationships_display(self, record):
        return _relationships(record.relationships)

    @admin.display(description=_("systems"))
    def systems_display(self, record):
        return ", ".join(s.name for s in record.systems.all()) or "–"

    def _keeps_records(self, request, obj) -> bool:
        if request.user.is_superuser:
            return True
        kept = roles.record_keeping_org_ids(request.user)
        return bool(kept) if obj is None else obj.organisation_id in kept

    def get_fields(self, request, obj=None):
        fields = list(self.form.Meta.fields)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only: the labels, not the stored codes.
            fields[fields.index("relationships")] = "relationships_display"
            fields[fields.index("systems")] = "systems_display"
        return fields

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._keeps_records(request, None)

    def has_change_permission(self, request, obj=None):
        return (super().has_change_permission(request, obj)
                and self._keeps_records(request, obj))

    def has_delete_permission(self, request, obj=None):
        return (super().has_delete_permission(request, obj)
                and self._keeps_records(request, obj))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "organisation" and not request.user.is_superuser:
            field.queryset = field.queryset.filter(
                pk__in=roles.record_keeping_org_ids(request.user))
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "systems" and not request.user.is_superuser:
            kwargs["queryset"] = DataSystem.objects.filter(
                organisation_id__in=_member_org_ids(request)).select_related("organisation")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# The organisation's settings of the legal clock and its reminders, in a fieldset of their own.
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
                Q(memberships__organisation_id__in=_member_org_ids(request))
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
        return qs.filter(Q(organisation_id__in=_member_org_ids(request))
                         | Q(organisation__isnull=True))

    @admin.display(description=_("organisation"), ordering="organisation__name")
    def organisation_display(self, template):
        return template.organisation or gettext("Shared (all organisations)")

    def _may_edit(self, request, obj) -> bool:
        if request.user.is_superuser or obj is None:
            return True
        return obj.organisation_id is not None and obj.organisation_id in _member_org_ids(
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


# --- A request's parts on its page -----------------------------------------------------------


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


class ReminderInline(admin.TabularInline):
    """Who was reminded of which due date, and when: read-only, written by ``reminders``."""

    model = Reminder
    extra = 0
    can_delete = False
    fields = ("kind_display", "for_due_date", "recipients", "skipped", "created_at")
    readonly_fields = fields
    ordering = ("created_at", "id")
    verbose_name_plural = _("reminders sent")

    @admin.display(description=_("kind"))
    def kind_display(self, reminder):
        """"before_7" → "7 working days before", as ``reminders.schedule`` names them."""
        kind, _sep, number = reminder.kind.rpartition("_")
        label = reminder.kind
        if number.isdigit() and kind == "before":
            label = ngettext("%(n)d working day before", "%(n)d working days before",
                             int(number)) % {"n": int(number)}
        elif number.isdigit() and kind == "overdue":
            label = gettext("Escalation %(n)d (overdue)") % {"n": int(number) + 1}
        elif reminder.kind == "due_day":
            label = gettext("On the due date")
        return format_html('<span title="{}">{}</span>', reminder.kind, label)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RequestPartInline(admin.TabularInline):
    """A part of a request (its checklist, messages, attachments): seen with the permission
    to see the request, never added or deleted here. No codenames of its own are needed."""

    formset = RequestPartFormSet
    extra = 0
    max_num = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return roles.may_see_requests(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChecklistInline(RequestPartInline):
    """One row per system to search. State and note are edited here; saving goes through
    ``checklist.mark`` (see ``RequestAdmin.save_formset``), which logs each change."""

    model = ChecklistItem
    fields = ("system_name", "state", "note", "updated_by_display", "updated_at")
    readonly_fields = ("system_name", "updated_by_display", "updated_at")
    ordering = ("system_name", "id")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2,
                                                                               "cols": 40})}}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("updated_by")

    def get_fields(self, request, obj=None):
        # The per-system outcome of the request's type (Art. 16, 17(3), 19), before "by".
        return ("system_name", "state", "note", *admin_outcomes.checklist_fields(obj),
                "updated_by_display", "updated_at")

    def has_change_permission(self, request, obj=None):
        # A closed request's checklist is a record: ``checklist.mark`` refuses to change it.
        return roles.may_work_on_requests(request.user) and (obj is None or obj.is_open)

    @admin.display(description=_("by"))
    def updated_by_display(self, item):
        return _person(item.updated_by) if item.updated_by_id else "–"


class MessageInline(RequestPartInline):
    """The conversation with the requester, read-only: written by ``workflow``."""

    model = Message
    fields = ("created_at", "direction", "purpose", "author_display", "body")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    @admin.display(description=_("by"))
    def author_display(self, message):
        if message.author_id:
            return _person(message.author)
        if message.direction == Message.Direction.FROM_SUBJECT:
            return gettext("The requester")
        return "–"


class AttachmentInline(RequestPartInline):
    """The requester's files: never linked to storage, only to the logged download view."""

    model = Attachment
    fields = ("original_name", "content_type", "size_display", "created_at", "download")
    readonly_fields = fields
    ordering = ("created_at", "id")

    @admin.display(description=_("size"))
    def size_display(self, attachment):
        return filesizeformat(attachment.size)

    @admin.display(description=_("file"))
    def download(self, attachment):
        url = reverse(f"{self.admin_site.name}:requests_app_request_attachment",
                      args=[attachment.request_id, attachment.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))


# --- The queue -------------------------------------------------------------------------------


class OrganisationFilter(admin.RelatedFieldListFilter):
    """The user's organisations, read from the organisation table: Django's "related only"
    filter reads the organisation of every request (seconds over a million rows)."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        limit = {} if request.user.is_superuser else {"pk__in": _member_org_ids(request)}
        return field.get_choices(include_blank=False, limit_choices_to=limit,
                                 ordering=ordering)


class QueueFilter(admin.SimpleListFilter):
    """The work queues staff pick requests from; combine with organisation and type.

    The list opens on the open requests, soonest due first: closed ones (whose due dates are
    the oldest) would otherwise push the work out of sight. A search looks through all."""

    title = _("queue")
    parameter_name = "queue"

    def __init__(self, request, params, model, model_admin):
        self._searching = bool(request.GET.get("q"))
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("mine", _("My requests")),
                ("unassigned", _("Unassigned")), ("week", _("Due this week")),
                ("overdue", _("Overdue")), ("waiting", _("Waiting for the requester")),
                ("all", _("All"))]

    def _queue(self) -> str:
        if self.value() is not None:
            return self.value()
        return "all" if self._searching else "open"

    def choices(self, changelist):
        # No "All" of Django's own: "open" is what no choice means, "all" is a queue.
        current = self._queue()
        for lookup, title in self.lookup_choices:
            yield {"selected": current == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request, queryset):
        today = timezone.localdate()
        open_ = Q(status__in=OPEN_STATUSES)
        match self._queue():
            case "open":
                return queryset.filter(open_)
            case "mine":
                return queryset.filter(assignee=request.user)
            case "unassigned":  # closed requests need nobody any more
                return queryset.filter(open_, assignee__isnull=True)
            case "week":
                return queryset.filter(open_, due_date__gte=today,
                                       due_date__lte=today + timedelta(days=7))
            case "overdue":
                return queryset.filter(open_, due_date__lt=today)
            case "waiting":
                return queryset.filter(status=Status.WAITING_FOR_SUBJECT)
        return queryset


class DueWindowFilter(admin.SimpleListFilter):
    title = _("due date")
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


# --- Forms of the request's own pages --------------------------------------------------------


class ExtensionForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "---------"), *ExtensionReason.choices],
        help_text=_("GDPR Art. 12(3) accepts only these two reasons."),
    )
    explanation = forms.CharField(
        label=_("Explanation to the requester"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text=_("Sent to the requester in the e-mail that tells them of the extension. "
                    "Say why more time is needed."),
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = candidates
        self.fields["assignee"].label_from_instance = _person


def _reply_field(help_text=""):
    return forms.CharField(
        label=_("Text to the requester"), max_length=10000,
        validators=[reject_control_characters],
        widget=forms.Textarea(attrs={"rows": 14, "cols": 80}),
        help_text=help_text or _("Shown on the requester's private status page; the e-mail "
                                 "only says that there is news."),
    )


class AskForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("Why you ask"), widget=forms.RadioSelect,
        choices=[(Message.Purpose.IDENTITY, _("To confirm the requester's identity "
                                              "(GDPR Art. 12(6))")),
                 (Message.Purpose.CLARIFICATION, _("To clarify the request"))],
    )
    body = _reply_field()


class CompleteForm(forms.Form):
    body = _reply_field()


class RefuseForm(forms.Form):
    ground = forms.ChoiceField(label=_("Legal ground"),
                               choices=[("", "---------"), *RefusalGround.choices])
    partly = forms.BooleanField(
        label=_("Refused only in part"), required=False,
        help_text=_("The rest of the request is answered and the request is completed; the "
                    "checklist must be finished."),
    )
    body = _reply_field(_("Say what is refused and why. The right to complain to the "
                          "supervisory authority and to go to court is added below it."))


class ForwardForm(forms.Form):
    controller_name = forms.CharField(label=_("Controller"), max_length=200,
                                      validators=[reject_control_characters],
                                      help_text=_("The customer who decides about the data "
                                                  "(GDPR Art. 28)."))
    controller_contact = forms.CharField(label=_("Controller's contact"), max_length=300,
                                         validators=[reject_control_characters],
                                         help_text=_("E-mail address, phone or postal "
                                                     "address the requester can use."))
    body = _reply_field()


class RegisterRequestForm(forms.Form):
    """A request that came by e-mail, phone, letter or in person, typed in by staff."""

    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    channel = forms.ChoiceField(label=_("Came by"),
                                choices=[c for c in Channel.choices if c[0] != Channel.WEB])
    received_date = forms.DateField(
        label=_("Date received"), widget=forms.DateInput(attrs={"type": "date"},
                                                       format="%Y-%m-%d"))
    received_time = forms.TimeField(
        label=_("Time received"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Local time where the organisation is. The one-month time limit runs "
                    "from this moment, not from today."))
    request_type = forms.ChoiceField(label=_("Type"), choices=RequestType.choices)
    language = forms.ChoiceField(label=_("Language of the requester"),
                                 choices=settings.LANGUAGES)
    subject_name = forms.CharField(label=_("Name"), max_length=200,
                                   validators=[reject_control_characters])
    subject_email = forms.EmailField(
        label=_("E-mail"), max_length=254, required=False,
        help_text=_("Optional. With an address the requester gets the receipt and a link to "
                    "the status page."))
    subject_phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                                    validators=[reject_control_characters])
    relationship = forms.ChoiceField(label=_("Relationship"), choices=Relationship.choices)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000,
        validators=[reject_control_characters],
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text=_("What the requester asked for, in their words where possible."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = selectors.organisations_of(user)
        self.fields["organisation"].queryset = organisations
        if not self.is_bound:
            only = list(organisations[:2])
            if len(only) == 1:
                self.fields["organisation"].initial = only[0].pk
                self.fields["language"].initial = only[0].default_language
            self.fields["received_date"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        organisation, day, moment = (data.get("organisation"), data.get("received_date"),
                                     data.get("received_time"))
        if organisation and day and moment:
            zone = ZoneInfo(organisation.time_zone)
            wall = datetime.combine(day, moment)
            received = wall.replace(tzinfo=zone)
            if received.astimezone(UTC).astimezone(zone).replace(
                    tzinfo=None) != wall:
                self.add_error("received_time", _("This time does not exist there (the "
                                                  "clocks were put forward)."))
            elif received > timezone.now():
                self.add_error("received_date", _("The time of receipt cannot be in the "
                                                  "future."))
            else:
                data["received_at"] = received
        return data


# Admin actions that move the status: the status each moves to, and the statuses it is meant
# for (None: whatever ``workflow.TRANSITIONS`` allows). "Answer received" and "Start work" both
# lead to "In progress", but each only from where its name makes sense. The detail page offers
# those the current status allows.
STATUS_ACTIONS = {
    "start_work": (Status.IN_PROGRESS, {Status.NEW, Status.IDENTITY_CHECK}),
    "ask_requester_for_information": (Status.WAITING_FOR_SUBJECT, None),
    "answer_received": (Status.IN_PROGRESS, {Status.WAITING_FOR_SUBJECT}),
    "mark_completed": (Status.COMPLETED, None),
}


def _action_applies(name: str, status: str) -> bool:
    target, only_from = STATUS_ACTIONS[name]
    return (only_from is None or status in only_from) and workflow.can_move(status, target)


# Posted by the detail page's status form: go back there after the action, not to the list.
RETURN_TO_CHANGE = "_return_to_change"


def _long_date(day) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _how_told(obj) -> str:
    """The end of a success message: whether the requester hears of it by e-mail."""
    if obj.subject_email:
        return gettext("The requester is told by e-mail that there is news on the status "
                       "page.")
    return gettext("No e-mail address is known: tell the requester by phone or letter.")


@admin.register(Request)
class RequestAdmin(OrganisationScopedAdmin):
    change_form_template = "admin/requests_app/request/change_form.html"
    # No e-mail address or description in the list: those are on the request's page. The name
    # only for members of the request's organisation (``subject_name_display``).
    list_display = ("reference", "organisation", "type", "status", "subject_name_display",
                    "due_date", "days_left_display", "extended_display", "assignee")
    list_filter = (QueueFilter, ("organisation", OrganisationFilter), "type",
                   "status", DueWindowFilter, "channel")
    list_select_related = ("organisation", "assignee")
    search_fields = ("subject_name", "subject_email")
    # No date_hierarchy: its MIN/MAX and DISTINCT month queries read the whole table on every
    # page; the due-date and queue filters do that job here.
    ordering = ("due_date", "received_at", "-id")  # served by req_queue_order_idx
    show_full_result_count = False
    paginator = CappedCountPaginator

    def get_search_results(self, request, queryset, search_term):
        """A reference, typed as people type it (lower case, no dashes, O for 0), is found
        through its unique index, not by scanning every name and address; a term that only
        looks like one and matches none is searched as a name or address too."""
        reference = references.parse_reference(search_term)
        if reference is not None:
            found = queryset.filter(reference=reference)
            if found.exists():
                return found, False
        return super().get_search_results(request, queryset, search_term)
    list_per_page = 50
    inlines = [EventInline, ChecklistInline, admin_outcomes.RequestOutcomeInline, MessageInline,
               AttachmentInline, ReminderInline]
    actions = ["assign_to_me", "assign_to", *STATUS_ACTIONS]
    readonly_fields = ("reference", "organisation", "type", "status", "channel", "language",
                       "received_at", "confirmed_at", "due_date", "closed_at", "subject_name",
                       "subject_email", "subject_phone", "relationship", "description",
                       "details",
                       # the clock
                       "statutory_due_date", "clock_days_left", "extended_at",
                       "extension_reason", "extension_explanation", "extension_notice",
                       "clock_waiting_since", "paused_days", "due_date_steps",
                       # duplicates and the outcome
                       "duplicates_display", "refusal_ground", "partly_refused",
                       "forwarded_to_name", "forwarded_to_contact")

    def get_fieldsets(self, request, obj=None):
        clock_fields = ["received_at", "confirmed_at", "due_date"]
        first = ["reference", "organisation", "type", "status", "assignee"]
        outcome = []
        if obj is not None:
            first.append("duplicates_display")
            if obj.statutory_due_date and obj.statutory_due_date != obj.due_date:
                clock_fields.append("statutory_due_date")
            clock_fields.append("clock_days_left")
            if obj.is_extended:
                clock_fields += ["extended_at", "extension_reason", "extension_explanation"]
            elif obj.is_open and obj.due_date is not None:
                clock_fields.append("extension_notice")
            if obj.waiting_since is not None:
                clock_fields.append("clock_waiting_since")
            if obj.paused_days:
                clock_fields.append("paused_days")
            clock_fields += ["closed_at", "due_date_steps"]
            if obj.refusal_ground:
                outcome += ["refusal_ground", "partly_refused"]
            if obj.forwarded_to_name:
                outcome += ["forwarded_to_name", "forwarded_to_contact"]
        else:
            clock_fields.append("closed_at")
        fieldsets = [
            (None, {"fields": first}),
            (_("Clock"), {"fields": clock_fields}),
            (_("Data subject"), {"fields": ("subject_name", "subject_email", "subject_phone",
                                            "relationship", "language", "channel")}),
            (_("What is asked"), {"fields": ("description", "details")}),
        ]
        if outcome:
            fieldsets.append((_("Outcome"), {"fields": outcome}))
        return fieldsets

    #: Above this many organisations a superuser's list has no organisation filter: a list of
    #: hundreds of links is no help, and building it costs more than the page's whole budget
    #: (bench/run_admin_list.py). ``?organisation__id__exact=`` still works.
    ORGANISATION_FILTER_LIMIT = 50

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if (request.user.is_superuser
                and Organisation.objects.count() > self.ORGANISATION_FILTER_LIMIT):
            return [f for f in filters
                    if not (isinstance(f, tuple) and f[0] == "organisation")]
        return filters

    def get_queryset(self, request):
        # Requests that wait for e-mail confirmation are not in the staff queue yet.
        qs = super().get_queryset(request).exclude(status=Status.AWAITING_CONFIRMATION)
        # Whether the viewer is a member of the request's organisation: only members see the
        # requester's name in the list. Without a membership only a superuser sees anything.
        if request.user.is_superuser:
            return qs.annotate(viewer_is_member=Exists(Membership.objects.filter(
                organisation_id=OuterRef("organisation_id"), user_id=request.user.pk)))
        return qs.annotate(viewer_is_member=Value(True))

    def has_add_permission(self, request):
        # "Add" registers a request that came by e-mail, phone, letter or in person
        # (``register_view``), for whoever may work on requests.
        return self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # requests are closed or purged, never deleted by hand

    # --- The list -----------------------------------------------------------------------

    @admin.display(description=_("requester"))
    def subject_name_display(self, obj):
        return obj.subject_name if getattr(obj, "viewer_is_member", False) else "–"

    @admin.display(description=_("days left"), ordering="due_date")
    def days_left_display(self, obj):
        days = obj.days_left()  # where the organisation is
        if days is None or not obj.is_open:
            return "–"
        css = "red" if days < 0 else "darkorange" if days <= 7 else "inherit"
        return format_html('<span style="color:{}">{}</span>', css, days)

    @admin.display(description=_("extended"), boolean=True, ordering="extended_at")
    def extended_display(self, obj):
        return obj.is_extended

    # --- The clock on the detail page -------------------------------------------------------

    @admin.display(description=_("days left"))
    def clock_days_left(self, obj):
        days = obj.days_left()
        if days is None or not obj.is_open:
            return "–"
        if days < 0:
            text = ngettext("%(days)d day overdue", "%(days)d days overdue", -days) % {
                "days": -days}
            css = "red"
        elif days == 0:
            text, css = gettext("Due today"), "darkorange"
        else:
            text = ngettext("%(days)d day left", "%(days)d days left", days) % {"days": days}
            css = "darkorange" if days <= 7 else "inherit"
        return format_html('<span style="color:{}">{}</span>', css, text)

    @admin.display(description=_("extension"))
    def extension_notice(self, obj):
        """Until when the requester can still be told of an extension, or why not."""
        try:
            clock.check_extension(obj)
        except ValidationError as exc:
            return " ".join(exc.messages)
        return gettext("Can be extended by two months; the requester must be told by "
                       "%(date)s (GDPR Art. 12(3)).") % {
            "date": _long_date(clock.extension_notice_by(obj))}

    @admin.display(description=_("waiting for the requester since"))
    def clock_waiting_since(self, obj):
        if obj.waiting_since is None:
            return "–"
        paused = obj.organisation.pause_clock_while_waiting
        return format_html(
            "{} ({})", formats.date_format(timezone.localtime(obj.waiting_since),
                                           "DATETIME_FORMAT"),
            gettext("the clock is paused") if paused else gettext("the clock keeps running"))

    @admin.display(description=_("how the due date was reached"))
    def due_date_steps(self, obj):
        summary = clock.explain(obj)
        if summary is None:
            return "–"
        return format_html("<ol>{}</ol>",
                           format_html_join("", "<li>{}</li>", ((s,) for s in summary.steps)))

    @admin.display(description=_("duplicates"))
    def duplicates_display(self, obj):
        """The request this one duplicates, and the requests that duplicate this one."""
        parts = []
        if obj.duplicate_of_id:
            first = Request.objects.filter(pk=obj.duplicate_of_id).only("reference").first()
            if first is not None:
                parts.append(format_html("{} {}", gettext("Duplicate of"),
                                         self._request_link(first)))
        later = list(obj.duplicates.only("reference").order_by("received_at", "id"))
        if later:
            parts.append(format_html(
                "{} {}", gettext("Duplicated by"),
                format_html_join(", ", "{}", ((self._request_link(r),) for r in later))))
        if not parts:
            return "–"
        return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in parts))

    def _request_link(self, other):
        url = reverse(f"{self.admin_site.name}:requests_app_request_change", args=[other.pk])
        return format_html('<a href="{}">{}</a>', url, other.reference)

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        if obj is not None:
            context.update(self._clock_tools(request, obj))
            context.update(self._decision_tools(request, obj))
            context.update(admin_packages.tools(self, request, obj))
            context.update(admin_outcomes.tools(self, request, obj))
            if (obj.type == RequestType.ACCESS and obj.is_open
                    and not cover.has_records(obj)):
                # The cover would say so to the requester: Art. 15(1)(a)-(h) need the records.
                messages.warning(request, gettext(
                    "No record of processing concerns this requester's relationship: the "
                    "access cover document will say that the organisation has not described "
                    "its processing. Add the records of processing first (Art. 15(1), 30)."))
        return super().render_change_form(request, context, add=add, change=change,
                                          form_url=form_url, obj=obj)

    def _clock_tools(self, request, obj) -> dict:
        """The extension button and the status moves offered on the detail page."""
        extend_url = None
        if self.has_change_permission(request, obj) and roles.may_decide(request.user,
                                                                   obj.organisation):
            try:
                clock.check_extension(obj)
            except ValidationError:
                pass  # the Clock fieldset says why not
            else:
                extend_url = reverse(f"{self.admin_site.name}:requests_app_request_extend",
                                     args=[obj.pk])
        actions = self.get_actions(request)
        status_actions = [(name, actions[name][2]) for name in STATUS_ACTIONS
                          if name in actions and _action_applies(name, obj.status)]
        return {"extend_url": extend_url, "status_actions": status_actions,
                "return_to_change": RETURN_TO_CHANGE}

    def _decision_tools(self, request, obj) -> dict:
        """The buttons to the answers: ask, complete, refuse, forward (the last first and
        highlighted when the organisation acts mostly as a processor)."""
        if not obj.is_open or not self.has_change_permission(request, obj):
            return {"decision_links": []}
        processor = obj.organisation.acts_mostly_as_processor
        links = []

        def offer(name, label, applies=True, prominent=False):
            if applies:
                url = reverse(f"{self.admin_site.name}:requests_app_request_{name}",
                              args=[obj.pk])
                links.append({"url": url, "label": label, "name": name,
                              "prominent": prominent})

        if processor:
            offer("forward", gettext("Forward to the controller"),
                  workflow.can_move(obj.status, Status.FORWARDED), prominent=True)
        offer("ask", gettext("Ask the requester"))
        offer("complete", gettext("Answer and complete"),
              workflow.can_move(obj.status, Status.COMPLETED))
        offer("refuse", gettext("Refuse"),
              (workflow.can_move(obj.status, Status.REFUSED)
               and roles.may_decide(request.user, obj.organisation)))
        if not processor:
            offer("forward", gettext("Forward to the controller"),
                  workflow.can_move(obj.status, Status.FORWARDED))
        return {"decision_links": links, "acts_as_processor": processor}

    # --- The request's own pages --------------------------------------------------------

    def get_urls(self):
        def view(func, suffix, route):
            return path(route, self.admin_site.admin_view(func),
                        name=f"requests_app_request_{suffix}")

        return [
            view(self.extend_view, "extend", "<path:object_id>/extend/"),
            view(self.ask_view, "ask", "<path:object_id>/ask/"),
            view(self.complete_view, "complete", "<path:object_id>/complete/"),
            view(self.refuse_view, "refuse", "<path:object_id>/refuse/"),
            view(self.forward_view, "forward", "<path:object_id>/forward/"),
            view(self.attachment_view, "attachment",
                 "<path:object_id>/attachment/<int:attachment_id>/"),
            *admin_packages.urls(self),
            *admin_outcomes.urls(self),
            *super().get_urls(),
        ]

    def _get_changeable(self, request, object_id):
        """The request, if the user may see it (else 404) and change it (else 403)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(gettext("No such request."))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _change_url(self, obj) -> str:
        return reverse(f"{self.admin_site.name}:requests_app_request_change", args=[obj.pk])

    def extend_view(self, request, object_id):
        """Extend the time limit by two months (Art. 12(3)) through ``workflow.extend``."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(gettext("No such request."))
        if not self.has_change_permission(request, obj) or not roles.may_decide(request.user,
                                                                         obj.organisation):
            raise PermissionDenied(gettext("Only a compliance lead or an organisation admin "
                                           "may extend the time limit."))
        change_url = self._change_url(obj)
        try:
            clock.check_extension(obj)
            refusal = None
        except ValidationError as exc:
            refusal = " ".join(exc.messages)

        form = ExtensionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and refusal is None:
            if form.is_valid():
                try:
                    workflow.extend(obj, reason=form.cleaned_data["reason"],
                                    explanation=form.cleaned_data["explanation"],
                                    actor=request.user)
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    self.message_user(request, gettext(
                        "The time limit of %(reference)s is extended. New due date: %(date)s. "
                        "The requester is told by e-mail.") % {
                        "reference": obj.reference, "date": _long_date(obj.due_date)},
                        messages.SUCCESS)
                    return HttpResponseRedirect(change_url)

        new_due_date = None
        if refusal is None:
            # A preview only; ``workflow.extend`` computes and stores the date.
            new_due_date = clock.extended_due_date(obj)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Extend the time limit"),
            "subtitle": obj.reference,
            "opts": self.opts,
            "original": obj,
            "form": form,
            "refusal": refusal,
            "new_due_date": new_due_date,
            "notice_by": clock.extension_notice_by(obj),
            "change_url": change_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/requests_app/request/extend.html", context)

    def _answer_view(self, request, obj, *, form_class, outcomes, title, submit_label,
                     perform, success, intro=(), extra=None):
        """A page that answers the requester: a reply template fills the text in (GET
        ``?template=<id>``, no JavaScript), staff edit it, and POST calls ``perform``. A
        refusal by the service is shown on the form; success goes back to the request."""
        change_url = self._change_url(obj)
        templates = [t for outcome in outcomes for t in replies.templates_for(obj, outcome)]
        chosen = None
        wanted = request.GET.get("template", "")
        if wanted.isdigit():
            chosen = next((t for t in templates if t.pk == int(wanted)), None)

        if request.method == "POST":
            form = form_class(request.POST)
            if form.is_valid():
                try:
                    perform(obj, form.cleaned_data)
                except ValidationError as exc:
                    form.add_error(None, exc.messages)
                else:
                    self.message_user(request, f"{success(obj, form.cleaned_data)} "
                                               f"{_how_told(obj)}", messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
        else:
            initial = {}
            if chosen is not None:
                initial["body"] = replies.render(chosen, obj)
                if chosen.outcome == ReplyTemplate.Outcome.PARTLY_REFUSED:
                    initial["partly"] = True
            form = form_class(initial=initial)

        several_outcomes = len(outcomes) > 1
        choices = [(t.pk, " – ".join(str(part) for part in (
            t.name, t.organisation_id and obj.organisation.name or gettext("shared"),
            several_outcomes and t.get_outcome_display() or "") if part)) for t in templates]
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": obj.reference,
            "opts": self.opts,
            "original": obj,
            "form": form,
            "intro": intro,
            "template_choices": choices,
            "chosen_template": chosen,
            "submit_label": submit_label,
            "change_url": change_url,
            "media": self.media + form.media,
            **(extra or {}),
        }
        return TemplateResponse(request, "admin/requests_app/request/answer.html", context)

    def ask_view(self, request, object_id):
        """Ask the requester for information; the request then waits for the answer."""
        obj = self._get_changeable(request, object_id)

        def perform(obj, data):
            workflow.ask_subject(obj, body=data["body"], purpose=data["purpose"],
                                 actor=request.user)

        return self._answer_view(
            request, obj, form_class=AskForm,
            outcomes=[ReplyTemplate.Outcome.INFORMATION_REQUEST],
            title=_("Ask the requester"), submit_label=_("Send the question"),
            intro=[_("The request waits for the answer. When the organisation pauses the "
                     "clock while waiting, the days of waiting are added to the due date.")],
            perform=perform,
            success=lambda obj, data: gettext(
                "The question is on the status page of %(reference)s; the request waits for "
                "the requester.") % {"reference": obj.reference})

    def complete_view(self, request, object_id):
        """Answer the request and close it; refused while a system on the checklist is
        open."""
        obj = self._get_changeable(request, object_id)

        def perform(obj, data):
            workflow.complete(obj, answer=data["body"], actor=request.user)

        unfinished = checklist.unfinished(obj)
        return self._answer_view(
            request, obj, form_class=CompleteForm,
            outcomes=[ReplyTemplate.Outcome.COMPLETED],
            title=_("Answer and complete"), submit_label=_("Send the answer and complete"),
            perform=perform,
            success=lambda obj, data: gettext(
                "%(reference)s is completed and the answer is on the requester's status "
                "page.") % {"reference": obj.reference},
            extra={"unfinished": unfinished, "outcome_missing": outcomes.missing(obj)})

    def refuse_view(self, request, object_id):
        """Refuse, wholly or partly, on a legal ground: compliance leads, organisation admins
        and superusers only. The right to complain is added by ``workflow.refuse``."""
        obj = self._get_changeable(request, object_id)
        if not roles.may_decide(request.user, obj.organisation):
            raise PermissionDenied(gettext("Only a compliance lead or an organisation admin "
                                           "may refuse a request."))

        def perform(obj, data):
            workflow.refuse(obj, ground=data["ground"], answer=data["body"],
                            partly=data["partly"], actor=request.user)

        def success(obj, data):
            text = (gettext("%(reference)s is refused in part and completed.")
                    if data["partly"] else gettext("%(reference)s is refused."))
            return text % {"reference": obj.reference}

        authority = obj.organisation.authority_contact
        return self._answer_view(
            request, obj, form_class=RefuseForm,
            outcomes=[ReplyTemplate.Outcome.REFUSED, ReplyTemplate.Outcome.PARTLY_REFUSED],
            title=_("Refuse the request"), submit_label=_("Send the refusal"),
            intro=[gettext("The answer ends with the requester's right to complain to "
                           "%(authority)s (%(address)s) and to seek a judicial remedy "
                           "(GDPR Art. 12(4)).") % {
                "authority": obj.organisation.get_supervisory_authority_display(),
                "address": authority.get("address", "")}],
            perform=perform, success=success)

    def forward_view(self, request, object_id):
        """A processor passes the request to the controller and tells the requester."""
        obj = self._get_changeable(request, object_id)

        def perform(obj, data):
            workflow.forward(obj, controller_name=data["controller_name"],
                             controller_contact=data["controller_contact"],
                             answer=data["body"], actor=request.user)

        intro = [_("Use this when the request concerns data the organisation processes for a "
                   "customer (GDPR Art. 28): the customer, as controller, must answer it. "
                   "The request is closed here.")]
        return self._answer_view(
            request, obj, form_class=ForwardForm,
            outcomes=[ReplyTemplate.Outcome.FORWARDED],
            title=_("Forward to the controller"), submit_label=_("Forward the request"),
            intro=intro, perform=perform,
            success=lambda obj, data: gettext(
                "%(reference)s is forwarded to %(controller)s.") % {
                "reference": obj.reference, "controller": data["controller_name"]})

    def attachment_view(self, request, object_id, attachment_id):
        """Hand one of the requester's files to staff of the organisation, and log it. Sent
        as a download that the browser must not sniff or run (it came from outside)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404(gettext("No such request."))
        attachment = Attachment.objects.filter(request=obj, pk=attachment_id).first()
        if attachment is None:
            raise Http404(gettext("No such attachment."))
        try:
            handle = attachment.file.open("rb")
        except OSError:
            raise Http404(gettext("The file is no longer stored.")) from None
        events.record(obj, Event.Kind.ATTACHMENT_VIEWED, actor=request.user,
                      to_value=attachment.original_name)
        response = FileResponse(handle, as_attachment=True,
                                filename=attachment.original_name,
                                content_type=attachment.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        return response

    # --- Registering a request that came by e-mail, phone, letter or in person -----------

    def add_view(self, request, form_url="", extra_context=None):
        return self.register_view(request)

    def register_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RegisterRequestForm(request.POST if request.method == "POST" else None,
                                   user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                obj, _token = intake.register_request(
                    organisation=data["organisation"], channel=data["channel"],
                    received_at=data["received_at"], request_type=data["request_type"],
                    language=data["language"], subject_name=data["subject_name"],
                    subject_email=data["subject_email"], subject_phone=data["subject_phone"],
                    relationship=data["relationship"], description=data["description"],
                    actor=request.user)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                if obj.subject_email:
                    text = gettext("%(reference)s is registered, due %(date)s. The receipt "
                                   "with the due date and a link to the status page went to "
                                   "the requester.")
                else:
                    text = gettext("%(reference)s is registered, due %(date)s. No e-mail "
                                   "address was given, so no receipt was sent: tell the "
                                   "requester the reference and the due date.")
                self.message_user(request, text % {"reference": obj.reference,
                                                   "date": _long_date(obj.due_date)},
                                  messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(obj))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Register a request"),
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/requests_app/request/register.html", context)

    # --- Editing and actions --------------------------------------------------------------

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            orgs = selectors.organisations_of(request.user)
            kwargs["queryset"] = get_user_model().objects.filter(
                is_staff=True, memberships__organisation__in=orgs
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "assignee" in form.base_fields:
            # Only staff of the request's own organisation (and whoever has it now).
            form.base_fields["assignee"].queryset = get_user_model().objects.filter(
                Q(is_staff=True, is_active=True,
                  memberships__organisation_id=obj.organisation_id)
                | Q(pk=obj.assignee_id)).distinct()
        return form

    def save_model(self, request, obj, form, change):
        """Only the assignee is editable here, and it changes through ``workflow.assign``."""
        if change and "assignee" in form.changed_data:
            workflow.assign(obj, form.cleaned_data["assignee"], actor=request.user)

    def save_formset(self, request, form, formset, change):
        """The checklist changes through ``checklist.mark``, one logged event per changed
        item; the other inlines are read-only."""
        if formset.model is RequestOutcome:
            admin_outcomes.save_formset(self, request, form, formset)
            return
        if formset.model is not ChecklistItem:
            formset.save()
            return
        changed = {f.instance.pk: f for f in formset.initial_forms
                   if f.instance.pk is not None and f.has_changed()}
        # ``construct_change_message`` reads these, as after ``formset.save()``.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not changed:
            return
        items = (ChecklistItem.objects.select_related("request")
                 .filter(request_id=form.instance.pk, pk__in=changed))
        for item in items:
            data = changed[item.pk].cleaned_data
            try:
                checklist.mark(item, state=data["state"], note=data.get("note", ""),
                               actor=request.user,
                               **{name: data[name] for name in checklist.OUTCOME_FIELDS
                                  if name in data})
            except ValidationError as exc:
                self.message_user(request, f"{item.system_name}: {' '.join(exc.messages)}",
                                  messages.ERROR)
            else:
                formset.changed_objects.append((item, changed[item.pk].changed_data))

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

    @admin.action(description=_("Assign to…"), permissions=["change"])
    def assign_to(self, request, queryset):
        """Choose a staff member on an intermediate page, then assign each selected request
        through ``workflow.assign`` (which e-mails the assignee). Only members of a request's
        organisation can be given it."""
        chosen = list(queryset.select_related("organisation"))
        org_ids = {obj.organisation_id for obj in chosen}
        form = AssignForm(request.POST if "apply" in request.POST else None,
                          candidates=_staff_members(org_ids))
        if form.is_bound and form.is_valid():
            assignee = form.cleaned_data["assignee"]
            member_of = set(Membership.objects.filter(user=assignee, organisation_id__in=org_ids)
                            .values_list("organisation_id", flat=True))
            done = 0
            for obj in chosen:
                try:
                    if obj.organisation_id not in member_of:
                        raise ValidationError(gettext(
                            "%(person)s is not a member of %(organisation)s.") % {
                            "person": _person(assignee), "organisation": obj.organisation})
                    workflow.assign(obj, assignee, actor=request.user)
                except ValidationError as exc:
                    self.message_user(request, f"{obj}: {' '.join(exc.messages)}",
                                      messages.ERROR)
                else:
                    done += 1
            if done:
                self.message_user(request, ngettext(
                    "%(count)d request assigned to %(person)s.",
                    "%(count)d requests assigned to %(person)s.", done) % {
                    "count": done, "person": _person(assignee)}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Assign to…"),
            "opts": self.opts,
            "form": form,
            "chosen": chosen,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "form_action": request.get_full_path(),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/requests_app/request/assign_to.html", context)

    def _move(self, request, queryset, action, *, message=""):
        """Move each selected request through ``workflow.change_status``; a refusal is reported
        per request and does not stop the others."""
        target, only_from = STATUS_ACTIONS[action]
        done, pks = 0, []
        for obj in queryset.select_related("organisation"):
            pks.append(obj.pk)
            try:
                if only_from is not None and obj.status not in only_from:
                    raise ValidationError(gettext(
                        "“%(action)s” is only for requests with the status %(statuses)s.") % {
                        "action": getattr(self, action).short_description,
                        "statuses": ", ".join(f"“{Status(s).label}”" for s in
                                              sorted(only_from))})
                workflow.change_status(obj, target, actor=request.user, message=message)
            except ValidationError as exc:
                self.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, ngettext(
                "%(count)d request moved to “%(status)s”.",
                "%(count)d requests moved to “%(status)s”.", done)
                % {"count": done, "status": Status(target).label}, messages.SUCCESS)
        if request.POST.get(RETURN_TO_CHANGE) and len(pks) == 1:
            return HttpResponseRedirect(reverse(
                f"{self.admin_site.name}:requests_app_request_change", args=[pks[0]]))
        return None

    @admin.action(description=_("Start work"), permissions=["change"])
    def start_work(self, request, queryset):
        return self._move(request, queryset, "start_work")

    @admin.action(description=_("Ask the requester for more information (identity)"),
                  permissions=["change"])
    def ask_requester_for_information(self, request, queryset):
        return self._move(request, queryset, "ask_requester_for_information",
                          message=gettext("Asked the requester for more information to "
                                          "confirm their identity (GDPR Art. 12(6))."))

    @admin.action(description=_("Answer received from the requester"), permissions=["change"])
    def answer_received(self, request, queryset):
        return self._move(request, queryset, "answer_received")

    @admin.action(description=_("Mark completed"), permissions=["change"])
    def mark_completed(self, request, queryset):
        return self._move(request, queryset, "mark_completed")


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


# The suppression list (Art. 21(3)) has its admin in a module of its own, which reuses the
# scoping above; importing it here registers it.
from requests_app import admin_suppression  # noqa: E402, F401
