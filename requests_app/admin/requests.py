"""The staff side: Django admin, scoped to the organisations a user belongs to.

Changes of status, assignee and due date go through ``workflow`` (never a plain field save),
so the event log records every one of them. The legal clock is read-only here: it is shown on
the request's page and moved only by the services (extension, waiting for the requester).

A request's parts (checklist, messages, attachments) are shown on its page with the
permissions of the request itself: whoever may view a request sees its parts, whoever may
change it may mark its checklist. The answers to the requester (ask, complete, refuse,
forward) are small pages of their own, each calling one ``workflow`` function.
"""


from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, Value
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from requests_app import (
    access,
    references,
)
from requests_app.admin import identity as admin_identity
from requests_app.admin import outcomes as admin_outcomes
from requests_app.admin import packages as admin_packages
from requests_app.admin.base import (
    PortalAdmin,
    ScopedInline,
    person_label,
)
from requests_app.admin.steps import (
    RETURN_TO_CHANGE,
    STATUS_ACTIONS,
    AssignForm,
    RequestPagesMixin,
    action_applies,
    long_date,
)
from requests_app.casework import checklist, workflow
from requests_app.clock import legal
from requests_app.delivery import cover
from requests_app.forms import RequestPartFormSet
from requests_app.models import (
    OPEN_STATUSES,
    Attachment,
    ChecklistItem,
    Event,
    Membership,
    Message,
    Organisation,
    Reminder,
    Request,
    RequestOutcome,
    RequestType,
    Status,
)
from requests_app.paginators import CappedCountPaginator

# --- A request's parts on its page -----------------------------------------------------------


class EventInline(ScopedInline, admin.TabularInline):
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


class ReminderInline(ScopedInline, admin.TabularInline):
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


class RequestPartInline(ScopedInline, admin.TabularInline):
    """A part of a request (its checklist, messages, attachments): seen by whoever may see
    the request (``access.VIEW`` in its organisation), never added or deleted here."""

    formset = RequestPartFormSet
    extra = 0
    max_num = 0
    can_delete = False


class ChecklistInline(RequestPartInline):
    """One row per system to search. State and note are edited here; saving goes through
    ``checklist.mark`` (see ``RequestAdmin.save_formset``), which logs each change."""

    change_action = access.WORK
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

    def get_formset(self, request, obj=None, **kwargs):
        # Only the grounds the request's type may leave data on (``checklist.mark`` refuses
        # the others): Art. 17(3) for an erasure, "accurate" for a rectification.
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("kept_ground")
        if field is not None and obj is not None:
            allowed = checklist.KEPT_GROUNDS_BY_TYPE.get(obj.type, frozenset())
            field.choices = [(value, label) for value, label in field.choices
                             if not value or value in allowed]
        return formset

    def has_change_permission(self, request, obj=None):
        # A closed request's checklist is a record: ``checklist.mark`` refuses to change it.
        return super().has_change_permission(request, obj) and (obj is None or obj.is_open)

    def get_readonly_fields(self, request, obj=None):
        # Keeping data on an Art. 17(3) ground is a decision (``checklist.mark``): shown, not
        # offered, to whoever may not take it.
        if obj is not None and not access.may(request.user, access.DECIDE, obj.organisation_id):
            return (*self.readonly_fields, "kept_ground", "kept_until")
        return self.readonly_fields

    @admin.display(description=_("by"))
    def updated_by_display(self, item):
        return person_label(item.updated_by) if item.updated_by_id else "–"


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
            return person_label(message.author)
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
        ids = access.organisation_ids(request.user, access.VIEW)
        limit = {} if ids is None else {"pk__in": ids}
        return field.get_choices(include_blank=False, limit_choices_to=limit,
                                 ordering=ordering)


def local_today(request) -> legal.LocalToday:
    """Today where each of the user's organisations is, read once per HTTP request (one
    small query) and shared by the queue and the due-date filters, so that they agree."""
    cached = getattr(request, "_requests_app_local_today", None)
    if cached is None:
        cached = legal.LocalToday.of(access.organisations(request.user).order_by()
                                     .values_list("pk", "time_zone"))
        request._requests_app_local_today = cached
    return cached


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
        open_ = Q(status__in=OPEN_STATUSES)
        match self._queue():
            case "open":
                return queryset.filter(open_)
            case "mine":
                return queryset.filter(assignee=request.user)
            case "unassigned":  # closed requests need nobody any more
                return queryset.filter(open_, assignee__isnull=True)
            case "week":
                return queryset.filter(local_today(request).due_soon())
            case "overdue":
                return queryset.filter(local_today(request).overdue())
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
        """The windows of open requests, by today where each organisation is
        (``legal.LocalToday``), as the queue counts them."""
        match self.value():
            case "overdue":
                return queryset.filter(local_today(request).overdue())
            case "week":
                return queryset.filter(local_today(request).due_soon())
            case "later":
                return queryset.filter(local_today(request).due_later())
            case "none":
                return queryset.filter(due_date__isnull=True)
        return queryset



@admin.register(Request)
class RequestAdmin(RequestPagesMixin, PortalAdmin):
    """Seen by the organisation's members, worked on (and registered) by whoever may work on
    its requests; never deleted by hand (closed, then purged)."""

    add_action = change_action = access.WORK  # delete: nobody (``None``)

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
                       "duplicates_display", "refusal_ground", "further_grounds_display",
                       "partly_refused",
                       "no_data_held", "forwarded_to_name", "forwarded_to_contact",
                       "forwarded_by", "forwarded_at",
                       # how a requester without an e-mail address was told
                       "extension_told_by", "extension_told_at", "answer_told_by",
                       "answer_told_at", "verified_identity")

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
                if obj.extension_told_at:
                    clock_fields += ["extension_told_by", "extension_told_at"]
            elif obj.is_open and obj.due_date is not None:
                clock_fields.append("extension_notice")
            if obj.waiting_since is not None:
                clock_fields.append("clock_waiting_since")
            if obj.paused_days:
                clock_fields.append("paused_days")
            clock_fields += ["closed_at", "due_date_steps"]
            if obj.refusal_ground:
                outcome.append("refusal_ground")
                if obj.further_grounds:
                    outcome.append("further_grounds_display")
                outcome.append("partly_refused")
            if obj.no_data_held:
                outcome.append("no_data_held")
            if obj.forwarded_to_name:
                outcome += ["forwarded_to_name", "forwarded_to_contact"]
                if obj.forwarded_by:
                    outcome += ["forwarded_by", "forwarded_at"]
            if obj.answer_told_at:
                outcome += ["answer_told_by", "answer_told_at"]
        else:
            clock_fields.append("closed_at")
        fieldsets = [
            (None, {"fields": first}),
            (_("Clock"), {"fields": clock_fields}),
            (_("Data subject"), {"fields": ("subject_name",
                                            *(("verified_identity",) if obj else ()),
                                            "subject_email", "subject_phone",
                                            "relationship", "language", "channel")}),
            (_("What is asked"), {"fields": ("description", "details")}),
        ]
        if outcome:
            fieldsets.append((_("Outcome"), {"fields": outcome}))
        return fieldsets

    #: Above this many organisations a superuser's list has no organisation filter: a list of
    #: hundreds of links is no help, and building it costs more than the page's whole budget
    #: (bench/scenarios/admin_list.py). ``?organisation__id__exact=`` still works.
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

    # --- The list -----------------------------------------------------------------------

    @admin.display(description=_("requester"))
    def subject_name_display(self, obj):
        """The name (members only), after "TEST" for a test request (``Request.is_test``)."""
        name = obj.subject_name if getattr(obj, "viewer_is_member", False) else "–"
        if not obj.is_test:
            return name
        return format_html('<strong class="test-request">{}</strong> {}', gettext("TEST"), name)

    @admin.display(description=_("days left"), ordering="due_date")
    def days_left_display(self, obj):
        days = legal.days_left(obj)  # where the organisation is
        if days is None or not obj.is_open:
            return "–"
        css = "clock-overdue" if days < 0 else "clock-soon" if days <= legal.DUE_SOON_DAYS else ""
        return format_html('<span class="{}">{}</span>', css, days)

    @admin.display(description=_("extended"), boolean=True, ordering="extended_at")
    def extended_display(self, obj):
        return obj.is_extended

    # --- The clock on the detail page -------------------------------------------------------

    @admin.display(description=_("days left"))
    def clock_days_left(self, obj):
        days = legal.days_left(obj)
        if days is None or not obj.is_open:
            return "–"
        if days < 0:
            text = ngettext("%(days)d day overdue", "%(days)d days overdue", -days) % {
                "days": -days}
            css = "clock-overdue"
        elif days == 0:
            text, css = gettext("Due today"), "clock-soon"
        else:
            text = ngettext("%(days)d day left", "%(days)d days left", days) % {"days": days}
            css = "clock-soon" if days <= legal.DUE_SOON_DAYS else ""
        # Classes of static/requests_app/admin.css: the CSP allows no style="" attributes.
        return format_html('<span class="{}">{}</span>', css, text)

    @admin.display(description=_("extension"))
    def extension_notice(self, obj):
        """Until when the requester can still be told of an extension, or why not."""
        try:
            legal.check_extension(obj)
        except ValidationError as exc:
            return " ".join(exc.messages)
        return gettext("Can be extended by two months; the requester must be told by "
                       "%(date)s (GDPR Art. 12(3)).") % {
            "date": long_date(legal.extension_notice_by(obj))}

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
        summary = legal.explain(obj)
        if summary is None:
            return "–"
        return format_html("<ol>{}</ol>",
                           format_html_join("", "<li>{}</li>", ((s,) for s in summary.steps)))

    @admin.display(description=_("verified identity"))
    def verified_identity(self, obj):
        """The eID verifications beside the typed name (``admin.identity``)."""
        return admin_identity.verifications_html(obj)

    @admin.display(description=_("further refusal grounds"))
    def further_grounds_display(self, obj):
        return "; ".join(obj.further_ground_labels)

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
            if obj.type == RequestType.ACCESS and obj.is_open:
                # Said before the build is refused for it: the cover states only what the
                # records of processing say (Art. 15(1)(a)-(h), 15(2)).
                problems = cover.missing(obj)
                if problems:
                    messages.warning(request, format_html(
                        "{}<ul>{}</ul>", gettext(
                            "Before the access package can be built, settle these in the "
                            "records of processing (Art. 15(1), 30):"),
                        format_html_join("", "<li>{}</li>", ((p,) for p in problems))))
        return super().render_change_form(request, context, add=add, change=change,
                                          form_url=form_url, obj=obj)

    def _clock_tools(self, request, obj) -> dict:
        """The extension button and the status moves offered on the detail page."""
        extend_url = None
        if (self.has_change_permission(request, obj)
                and access.may(request.user, access.DECIDE, obj.organisation)):
            try:
                legal.check_extension(obj)
            except ValidationError:
                pass  # the Clock fieldset says why not
            else:
                extend_url = reverse(f"{self.admin_site.name}:requests_app_request_extend",
                                     args=[obj.pk])
        actions = self.get_actions(request)
        status_actions = [(name, actions[name][2]) for name in STATUS_ACTIONS
                          if name in actions and action_applies(name, obj.status)]
        return {"extend_url": extend_url, "status_actions": status_actions,
                "return_to_change": RETURN_TO_CHANGE}

    def _decision_tools(self, request, obj) -> dict:
        """The buttons to the answers: ask, complete, refuse, forward (first and highlighted
        when the organisation acts mostly as a processor), and the requester's withdrawal."""
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
               and access.may(request.user, access.DECIDE, obj.organisation)))
        if not processor:
            offer("forward", gettext("Forward to the controller"),
                  workflow.can_move(obj.status, Status.FORWARDED))
        offer("withdraw", gettext("Record a withdrawal"),
              workflow.can_move(obj.status, Status.WITHDRAWN))
        return {"decision_links": links, "acts_as_processor": processor}

    # --- Editing and actions --------------------------------------------------------------

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            kwargs["queryset"] = access.members(access.organisation_ids(request.user,
                                                                        access.WORK))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "assignee" in form.base_fields:
            # Whom ``workflow.assign`` accepts (active staff members of the request's own
            # organisation), and whoever has it now.
            form.base_fields["assignee"].queryset = get_user_model().objects.filter(
                Q(pk__in=workflow.assignable(obj.organisation_id).values("pk"))
                | Q(pk=obj.assignee_id))
        return form

    def save_model(self, request, obj, form, change):
        """Only the assignee is editable here, and it changes through ``workflow.assign``.
        The field offers only whom it accepts (``get_form``); any refusal (the actor's role,
        a membership ended meanwhile) is a message, never a 500."""
        if change and "assignee" in form.changed_data:
            try:
                workflow.assign(obj, assignee=form.cleaned_data["assignee"],
                                actor=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)

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

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        done = 0
        for obj in queryset:
            try:
                workflow.assign(obj, assignee=request.user, actor=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)
        self.message_user(request, ngettext("%d request assigned to you.",
                                            "%d requests assigned to you.", done) % done)

    @admin.action(description=_("Assign to…"), permissions=["change"])
    def assign_to(self, request, queryset):
        """Choose a staff member on an intermediate page, then assign each selected request
        through ``workflow.assign`` (which e-mails the assignee, and refuses anyone who is not
        an active staff member of the request's organisation)."""
        chosen = list(queryset.select_related("organisation"))
        org_ids = {obj.organisation_id for obj in chosen}
        form = AssignForm(request.POST if "apply" in request.POST else None,
                          candidates=access.members(org_ids))
        if form.is_bound and form.is_valid():
            assignee = form.cleaned_data["assignee"]
            done = 0
            for obj in chosen:
                try:
                    workflow.assign(obj, assignee=assignee, actor=request.user)
                except ValidationError as exc:
                    self.message_user(request, f"{obj}: {' '.join(exc.messages)}",
                                      messages.ERROR)
                else:
                    done += 1
            if done:
                self.message_user(request, ngettext(
                    "%(count)d request assigned to %(person)s.",
                    "%(count)d requests assigned to %(person)s.", done) % {
                    "count": done, "person": person_label(assignee)}, messages.SUCCESS)
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

    def _run_status_action(self, request, queryset, action):
        """Run the action's own workflow function (``STATUS_ACTIONS``) on each selected
        request; the function checks the actor's role and the status, and a refusal is
        reported per request without stopping the others."""
        perform, _applies = STATUS_ACTIONS[action]
        moved: dict[str, int] = {}  # status reached → how many requests
        pks = []
        for obj in queryset.select_related("organisation"):
            pks.append(obj.pk)
            try:
                perform(obj, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                moved[obj.status] = moved.get(obj.status, 0) + 1
        for status, count in moved.items():
            self.message_user(request, ngettext(
                "%(count)d request moved to “%(status)s”.",
                "%(count)d requests moved to “%(status)s”.", count)
                % {"count": count, "status": Status(status).label}, messages.SUCCESS)
        if request.POST.get(RETURN_TO_CHANGE) and len(pks) == 1:
            return HttpResponseRedirect(reverse(
                f"{self.admin_site.name}:requests_app_request_change", args=[pks[0]]))
        return None

    @admin.action(description=_("Start work"), permissions=["change"])
    def start_work(self, request, queryset):
        return self._run_status_action(request, queryset, "start_work")

    @admin.action(description=_("Answer received from the requester"), permissions=["change"])
    def answer_received(self, request, queryset):
        return self._run_status_action(request, queryset, "answer_received")
