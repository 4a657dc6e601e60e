"""The staff side: Django admin, scoped to the organisations a user belongs to.

Changes of status, assignee and due date go through ``workflow`` (never a plain field save),
so the event log records every one of them. The legal clock is read-only here: it is shown on
the request's page and moved only by the services (extension, waiting for the requester).
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from requests_app import clock, roles, selectors, workflow
from requests_app.models import (
    DataSystem,
    Event,
    ExtensionReason,
    Membership,
    Organisation,
    OutgoingEmail,
    Reminder,
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


# The organisation's settings of the legal clock and its reminders, in a fieldset of their own.
CLOCK_SETTINGS = ("pause_clock_while_waiting", "reminder_days_before", "remind_on_due_date",
                  "escalate_when_overdue", "reminder_hour")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "contact_email", "default_language")
    list_filter = ("country",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [DataSystemInline]
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
    list_filter = ("role", "organisation", "queue_contact")
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


@admin.register(Request)
class RequestAdmin(OrganisationScopedAdmin):
    change_form_template = "admin/requests_app/request/change_form.html"
    list_display = ("reference", "organisation", "type", "status", "received_at", "due_date",
                    "days_left_display", "extended_display", "assignee")
    list_filter = ("organisation", "type", "status", DueWindowFilter, "channel")
    list_select_related = ("organisation", "assignee")
    search_fields = ("=reference", "subject_name", "subject_email")
    date_hierarchy = "received_at"
    ordering = ("due_date", "received_at")
    show_full_result_count = False
    list_per_page = 50
    inlines = [EventInline, ReminderInline]
    actions = ["assign_to_me", *STATUS_ACTIONS]
    readonly_fields = ("reference", "organisation", "type", "status", "channel", "language",
                       "received_at", "confirmed_at", "due_date", "closed_at", "subject_name",
                       "subject_email", "subject_phone", "relationship", "description",
                       "details",
                       # the clock
                       "statutory_due_date", "clock_days_left", "extended_at",
                       "extension_reason", "extension_explanation", "extension_notice",
                       "clock_waiting_since", "paused_days", "due_date_steps")

    def get_fieldsets(self, request, obj=None):
        clock_fields = ["received_at", "confirmed_at", "due_date"]
        if obj is not None:
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
        else:
            clock_fields.append("closed_at")
        return (
            (None, {"fields": ("reference", "organisation", "type", "status", "assignee")}),
            (_("Clock"), {"fields": clock_fields}),
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

    # --- The list -----------------------------------------------------------------------

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

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        if obj is not None:
            context.update(self._clock_tools(request, obj))
        return super().render_change_form(request, context, add=add, change=change,
                                          form_url=form_url, obj=obj)

    def _clock_tools(self, request, obj) -> dict:
        """The extension button and the status moves offered on the detail page."""
        extend_url = None
        if self.has_change_permission(request, obj) and roles.may_extend(request.user,
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

    # --- Extending the time limit -------------------------------------------------------

    def get_urls(self):
        return [
            path("<path:object_id>/extend/", self.admin_site.admin_view(self.extend_view),
                 name="requests_app_request_extend"),
            *super().get_urls(),
        ]

    def extend_view(self, request, object_id):
        """Extend the time limit by two months (Art. 12(3)) through ``workflow.extend``."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(gettext("No such request."))
        if not self.has_change_permission(request, obj) or not roles.may_extend(request.user,
                                                                         obj.organisation):
            raise PermissionDenied(gettext("Only a compliance lead or an organisation admin "
                                           "may extend the time limit."))
        change_url = reverse(f"{self.admin_site.name}:requests_app_request_change",
                             args=[obj.pk])
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

    # --- Editing and actions --------------------------------------------------------------

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
