"""The outcome of a request on its admin page: the checklist's per-system outcome fields, the
``RequestOutcome`` inline (restriction, objection, consent withdrawal), and the two steps that
end a restriction (tell the requester, then lift it: Art. 18(3)).

Every change goes through ``checklist.mark`` or ``outcomes.record`` / ``notify_lift`` /
``lift_restriction``, so it is logged; nothing here saves a model directly. ``RequestAdmin``
calls ``save_formset``, ``urls`` and ``tools`` (as it does ``admin_packages``); this module
imports nothing from ``admin.py``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from requests_app import access, outcomes
from requests_app.admin.base import ScopedInline
from requests_app.forms import RequestPartFormSet
from requests_app.models import RequestOutcome, RequestType

#: The checklist's outcome columns per type: Art. 16 (what was wrong, what it says now),
#: Art. 17(3) (kept on which ground, until when), and Art. 19 (recipients told). A
#: rectification's ``kept_ground`` is "the data is accurate": left unchanged (Art. 16).
CHECKLIST_FIELDS = {
    RequestType.RECTIFICATION: ("value_before", "value_after", "kept_ground",
                                "recipients_told"),
    RequestType.ERASURE: ("kept_ground", "kept_until", "recipients_told"),
    RequestType.RESTRICTION: ("recipients_told",),
}


def checklist_fields(obj) -> tuple[str, ...]:
    """The outcome fields the checklist shows for the request ``obj`` (None: none)."""
    return CHECKLIST_FIELDS.get(getattr(obj, "type", None), ())


class RequestOutcomeInline(ScopedInline, admin.StackedInline):
    """The outcome of a restriction, objection or consent withdrawal: only the fields of the
    request's type, editable while the request is open; saved through ``outcomes.record``
    (see ``OutcomeAdminMixin.save_outcome_formset``)."""

    model = RequestOutcome
    formset = RequestPartFormSet  # a POST that leaves the outcome out changes nothing
    change_action = access.WORK  # seen with ``access.VIEW``, the request's organisation's
    can_delete = False
    max_num = 1
    verbose_name_plural = _("outcome")
    readonly_fields = ("lift_notice_sent_at", "lift_not_before", "lifted_at",
                       "updated_by_display", "updated_at")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3,
                                                                               "cols": 60})}}

    def _applies(self, obj) -> bool:
        return obj is not None and obj.type in outcomes.TYPE_FIELDS

    def has_view_permission(self, request, obj=None):
        return self._applies(obj) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return (self._applies(obj) and obj.is_open
                and super().has_change_permission(request, obj))

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None or RequestOutcome.objects.filter(request=obj).exists():
            return 0
        return 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None and obj.type == RequestType.OBJECTION:
            # As ``outcomes.outcome_of`` reads it until staff record otherwise.
            field = formset.form.base_fields.get("direct_marketing")
            if field is not None:
                field.initial = outcomes.asked_for_direct_marketing(obj)
        return formset

    def get_fieldsets(self, request, obj=None):
        if not self._applies(obj):
            return []
        fields = list(outcomes.TYPE_FIELDS[obj.type])
        if obj.type == RequestType.RESTRICTION:
            fields += ["lift_notice_sent_at", "lift_not_before", "lifted_at"]
        fields += ["updated_by_display", "updated_at"]
        return [(None, {"fields": fields, "description": self._asked(obj)})]

    def _asked(self, obj) -> str:
        """What the requester wrote in the form, beside the fields staff fill in."""
        words = {
            "restricted_processing": gettext("Processing the requester wants restricted"),
            "restriction_ground": gettext("Ground the requester gave"),
            "processing": gettext("Processing objected to"),
            "grounds": gettext("The requester's grounds"),
            "consent_withdrawn": gettext("Consent the requester withdraws"),
        }
        rows = [(words[name], value) for name, value in outcomes.requested(obj).items()
                if value]
        if obj.type == RequestType.OBJECTION and outcomes.asked_for_direct_marketing(obj):
            rows.insert(0, (gettext("The requester objects to"),
                            gettext("direct marketing: it always succeeds, with no "
                                    "assessment (GDPR Art. 21(2)-(3))")))
        if not rows:
            return ""
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{}: {}</li>", rows))

    @admin.display(description=_("by"))
    def updated_by_display(self, outcome):
        user = outcome.updated_by
        return (user.get_full_name() or user.get_username()) if user else "–"


def save_formset(model_admin, request, form, formset) -> None:
    """For ``RequestAdmin.save_formset``: each changed outcome form becomes one
    ``outcomes.record`` call (one logged event); a refusal is shown, not raised."""
    # ``construct_change_message`` reads these, as after ``formset.save()``.
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    obj = form.instance
    names = outcomes.TYPE_FIELDS.get(obj.type, ())
    for outcome_form in formset.forms:
        if not outcome_form.has_changed():
            continue
        data = {name: outcome_form.cleaned_data.get(name) for name in names
                if name in outcome_form.cleaned_data}
        try:
            saved = outcomes.record(obj, actor=request.user, **data)
        except ValidationError as exc:
            model_admin.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            formset.changed_objects.append((saved, outcome_form.changed_data))


def urls(model_admin) -> list:
    """The routes of the restriction's two steps, for ``RequestAdmin.get_urls``."""

    def view(func, suffix, route):
        def bound(request, object_id):
            return func(model_admin, request, object_id)

        return path(route, model_admin.admin_site.admin_view(bound),
                    name=f"requests_app_request_{suffix}")

    return [
        view(restriction_notice_view, "restriction_notice",
             "<path:object_id>/restriction/notice/"),
        view(restriction_lift_view, "restriction_lift", "<path:object_id>/restriction/lift/"),
    ]


def tools(model_admin, request, obj) -> dict:
    """The restriction's next step, offered on the request's page (also once the request is
    completed: a restriction usually outlasts its request) until it is lifted, to whoever may
    decide to end it (``outcomes.notify_lift``)."""
    links = []
    if (obj.type == RequestType.RESTRICTION and model_admin.has_change_permission(request, obj)
            and access.may(request.user, access.DECIDE, obj.organisation_id)):
        outcome = RequestOutcome.objects.filter(request=obj).first()
        if outcome is not None and outcome.restricted_processing and not outcome.lifted_at:
            if outcome.lift_notice_sent_at is None:
                name, label = ("restriction_notice",
                               gettext("Tell the requester the restriction will be lifted"))
            else:
                name, label = "restriction_lift", gettext("Lift the restriction")
            links.append({"name": name, "label": label, "url": reverse(
                f"{model_admin.admin_site.name}:requests_app_request_{name}", args=[obj.pk])})
    return {"outcome_links": links}


def restriction_notice_view(model_admin, request, object_id):
    """Tell the requester, by e-mail, that the restriction will be lifted (Art. 18(3))."""
    return _restriction_step(
        model_admin, request, object_id, perform=outcomes.notify_lift,
        title=_("Tell the requester the restriction will be lifted"),
        intro=_("The requester gets an e-mail, in their language, saying that the restriction "
                "will be lifted, with a link to their status page. The law requires this "
                "before the restriction is lifted (GDPR Art. 18(3)). The e-mail states the "
                "first day it may be lifted: today plus the organisation's notice period; "
                "until it is lifted, the requester can answer on their status page."),
        success=_("The requester of %(reference)s is told the restriction will be lifted."))


def restriction_lift_view(model_admin, request, object_id):
    """Lift the restriction; refused until the requester was told (Art. 18(3))."""
    return _restriction_step(
        model_admin, request, object_id, perform=outcomes.lift_restriction,
        title=_("Lift the restriction"),
        intro=_("From now on the data may be processed again as before the restriction."),
        success=_("The restriction of %(reference)s is lifted."))


def _restriction_step(model_admin, request, object_id, *, perform, title, intro, success):
    """GET: what is restricted, and a button; POST: the step, then back to the request."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    obj = model_admin._get_changeable(request, object_id)
    change_url = model_admin._change_url(obj)
    error = None
    if request.method == "POST":
        try:
            perform(obj, actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            model_admin.message_user(request, success % {"reference": obj.reference},
                                     messages.SUCCESS)
            return HttpResponseRedirect(change_url)
    outcome = RequestOutcome.objects.filter(request=obj).first()
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": obj.reference,
        "opts": model_admin.opts,
        "original": obj,
        "outcome": outcome,
        "intro": intro,
        "error": error,
        "told_at": (formats.date_format(timezone.localtime(outcome.lift_notice_sent_at),
                                        "DATETIME_FORMAT")
                    if outcome and outcome.lift_notice_sent_at else None),
        "lift_from": outcomes.lift_from(outcome, obj.organisation) if outcome else None,
        "change_url": change_url,
    }
    return TemplateResponse(request, "admin/requests_app/request/restriction_step.html",
                            context)
