"""The request's own pages: extend, ask, complete, refuse, forward, open an attachment, and
register a request that came by e-mail, phone, letter or in person. Each page is a form that
calls one service; the forms are here, the pages are methods of ``RequestPagesMixin``."""

import itertools
import logging
from datetime import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from requests_app import (
    access,
    crypto,
    events,
    intake,
    outcomes,
)
from requests_app.admin import outcomes as admin_outcomes
from requests_app.admin import packages as admin_packages
from requests_app.admin.base import as_outside_file, person_label
from requests_app.casework import checklist, conversation, notice, replies, workflow
from requests_app.clock import legal
from requests_app.forms import reject_control_characters
from requests_app.models import (
    NOTICE_CHANNELS,
    Attachment,
    Channel,
    Event,
    ExtensionReason,
    ForwardedBy,
    Message,
    RefusalGround,
    Relationship,
    ReplyTemplate,
    RequestType,
)

logger = logging.getLogger(__name__)

# --- Forms of the request's own pages --------------------------------------------------------


def _date_field(label):
    return forms.DateField(label=label, required=False,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _time_field(label):
    return forms.TimeField(label=label, required=False,
                           widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                           help_text=_("Local time where the organisation is."))


def _moment(day, moment):
    """A date and a time from the form as one wall-clock time, or None if either is
    missing (the service then says what is missing)."""
    return datetime.combine(day, moment) if day and moment else None


class NoticeForm(forms.Form):
    """A step that must reach the requester. Where no e-mail address is known the page asks
    how and when staff told them (``casework.notice``); elsewhere these fields are removed.
    Whether they are filled in is the service's rule (``notice.check``)."""

    told_by = forms.ChoiceField(
        label=_("How you told the requester"), required=False,
        choices=[("", "---------"), *[(c.value, c.label) for c in NOTICE_CHANNELS]])
    told_date = _date_field(_("Date you told them"))
    told_time = _time_field(_("Time you told them"))

    NOTICE_FIELDS = ("told_by", "told_date", "told_time")
    #: Where the service's errors (keyed by its argument names) are shown.
    ERROR_FIELDS = {"told_at": "told_time"}

    def __init__(self, *args, needs_notice: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_notice = needs_notice
        if needs_notice:
            self.order_fields([f for f in self.fields if f not in self.NOTICE_FIELDS])
        else:
            for name in self.NOTICE_FIELDS:
                del self.fields[name]

    def told(self) -> notice.Told | None:
        if not self.needs_notice:
            return None
        data = self.cleaned_data
        return notice.Told(by=data.get("told_by") or "",
                           at=_moment(data.get("told_date"), data.get("told_time")))

    def add_service_error(self, exc: ValidationError) -> None:
        """Show a service's refusal beside the field it concerns, else above the form."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for name, errors in exc.message_dict.items():
            field = self.ERROR_FIELDS.get(name, name)
            self.add_error(field if field in self.fields else None, errors)


class ExtensionForm(NoticeForm):
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.needs_notice:
            self.fields["explanation"].help_text = _(
                "What you told the requester: why more time is needed. It is kept on the "
                "request.")


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = candidates
        self.fields["assignee"].label_from_instance = person_label


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


class CompleteForm(NoticeForm):
    body = _reply_field()


class RefuseForm(NoticeForm):
    ground = forms.ChoiceField(label=_("Legal ground"), choices=())
    partly = forms.BooleanField(
        label=_("Refused only in part"), required=False,
        help_text=_("The rest of the request is answered and the request is completed; the "
                    "checklist must be finished."),
    )
    body = _reply_field(_("Say what is refused and why. What the ground means, the right to "
                          "complain to the supervisory authority and to go to court are added "
                          "below it, in the requester's language."))

    def __init__(self, *args, grounds, **kwargs):
        """``grounds``: those the request may be refused on (``outcomes.refusal_grounds``)."""
        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = [("", "---------"),
                                         *((ground.value, ground.label) for ground in grounds)]


class ForwardForm(NoticeForm):
    controller_name = forms.CharField(label=_("Controller"), max_length=200,
                                      validators=[reject_control_characters],
                                      help_text=_("The customer who decides about the data "
                                                  "(GDPR Art. 28)."))
    controller_contact = forms.CharField(label=_("Controller's contact"), max_length=300,
                                         validators=[reject_control_characters],
                                         help_text=_("E-mail address, phone or postal "
                                                     "address the requester can use."))
    forwarded_by = forms.ChoiceField(
        label=_("How the request reaches the controller"), widget=forms.RadioSelect,
        choices=ForwardedBy.choices, initial=ForwardedBy.PORTAL, required=False,
        help_text=_("The portal e-mails the request (what the requester asked, with the "
                    "reference) to the controller's contact, which must then be an e-mail "
                    "address. If you sent it yourself, say when."))
    forwarded_date = _date_field(_("Date you sent it"))
    forwarded_time = _time_field(_("Time you sent it"))
    body = _reply_field(_("Shown on the requester's private status page. A paragraph that "
                          "says to whom, how and when the request was sent is added below "
                          "it."))

    ERROR_FIELDS = {**NoticeForm.ERROR_FIELDS, "forwarded_at": "forwarded_time"}

    def forwarded_at(self):
        return _moment(self.cleaned_data.get("forwarded_date"),
                       self.cleaned_data.get("forwarded_time"))


class WithdrawForm(forms.Form):
    how = forms.CharField(
        label=_("How the requester withdrew the request"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}), validators=[reject_control_characters],
        help_text=_("For example: \"E-mail of 3 December: the matter is settled.\" Kept in "
                    "the request's log."))


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
    received_fold = forms.ChoiceField(
        label=_("When the clocks were put back"), required=False,
        choices=[("", "---------"),
                 ("0", _("The first time (still summer time)")),
                 ("1", _("The second time (already winter time)"))],
        help_text=_("Only for a time in the hour that happens twice, the night the clocks "
                    "are put back."))
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
    postal_address = forms.CharField(
        label=_("Postal address"), max_length=500, required=False,
        validators=[reject_control_characters],
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Optional. For a request by letter. An objection to direct marketing puts "
                    "it on the suppression list, with the e-mail address and phone number "
                    "(GDPR Art. 21(3))."))
    relationship = forms.ChoiceField(label=_("Relationship"), choices=Relationship.choices)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000,
        validators=[reject_control_characters],
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text=_("What the requester asked for, in their words where possible."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = access.organisations(user, access.WORK)
        self.fields["organisation"].queryset = organisations
        if not self.is_bound:
            only = list(organisations[:2])
            if len(only) == 1:
                self.fields["organisation"].initial = only[0].pk
                self.fields["language"].initial = only[0].default_language
                # The date of receipt is counted where the organisation is.
                self.fields["received_date"].initial = legal.organisation_today(only[0])
            else:
                self.fields["received_date"].initial = timezone.localdate()

    def clean(self):
        """Only the conversion: date and time make the wall-clock time where the
        organisation is. Whether it exists, is one moment and is not in the future is
        ``intake.receipt_time``'s rule; ``register_view`` shows its refusal here."""
        data = super().clean()
        day, moment = data.get("received_date"), data.get("received_time")
        if day and moment:
            data["received_at"] = datetime.combine(day, moment)
        fold = data.get("received_fold")
        data["received_fold"] = int(fold) if fold in ("0", "1") else None
        return data

    #: Where the service's errors (keyed by its argument names) are shown.
    ERROR_FIELDS = {"received_at": "received_time", "received_fold": "received_fold"}

    def add_service_error(self, exc: ValidationError) -> None:
        """Show a refusal of ``intake.register_request`` beside the field it concerns."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                self.add_error(self.ERROR_FIELDS.get(name), errors)
        else:
            self.add_error(None, exc.messages)


# The admin actions that move a status, each through its own workflow function, and whether
# the current status allows it (the detail page offers only those). Asking the requester and
# completing are no list actions: each needs its own text for each request, in the
# requester's language, so they are the request's own pages ("Ask the requester", "Answer and
# complete"), which the detail page links to.
STATUS_ACTIONS = {
    "start_work": (workflow.start_work, workflow.can_start_work),
    "answer_received": (workflow.answer_received, workflow.can_receive_answer),
}


def action_applies(name: str, status: str) -> bool:
    _perform, applies = STATUS_ACTIONS[name]
    return applies(status)


# Posted by the detail page's status form: go back there after the action, not to the list.
RETURN_TO_CHANGE = "_return_to_change"


def long_date(day) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def how_told(obj) -> str:
    """The end of a success message: the requester hears of it by e-mail, or staff told them
    as they recorded."""
    if obj.subject_email:
        return gettext("The requester is told by e-mail that there is news on the status "
                       "page.")
    if obj.answer_told_at is not None:
        return notice.describe(obj, notice.Told(by=obj.answer_told_by, at=obj.answer_told_at),
                               notice.ANSWER)
    return gettext("No e-mail address is known: tell the requester by phone or letter.")




class RequestPagesMixin:
    """The pages of one request beside its change form (mixed into ``RequestAdmin``)."""

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
            view(self.withdraw_view, "withdraw", "<path:object_id>/withdraw/"),
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

    def _unless_deciding(self, request, obj):
        """Extending and refusing are decisions for a compliance lead or an organisation admin
        of the request's organisation (``access.DECIDE``, checked again by ``workflow``).
        Anyone else goes back to the request's page with the reason: a message, not an
        error page."""
        try:
            access.require(request.user, access.DECIDE, obj.organisation)
        except access.NotAllowed as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(self._change_url(obj))
        return None

    def _change_url(self, obj) -> str:
        return reverse(f"{self.admin_site.name}:requests_app_request_change", args=[obj.pk])

    def extend_view(self, request, object_id):
        """Extend the time limit by two months (Art. 12(3)) through ``workflow.extend``."""
        obj = self._get_changeable(request, object_id)
        if (refused := self._unless_deciding(request, obj)) is not None:
            return refused
        change_url = self._change_url(obj)
        try:
            legal.check_extension(obj)
            refusal = None
        except ValidationError as exc:
            refusal = " ".join(exc.messages)

        needs_notice = notice.needed(obj)
        form = ExtensionForm(request.POST if request.method == "POST" else None,
                             needs_notice=needs_notice)
        if request.method == "POST" and refusal is None:
            if form.is_valid():
                try:
                    workflow.extend(obj, reason=form.cleaned_data["reason"],
                                    explanation=form.cleaned_data["explanation"],
                                    told=form.told(), actor=request.user)
                except ValidationError as exc:
                    form.add_service_error(exc)
                else:
                    values = {"reference": obj.reference, "date": long_date(obj.due_date)}
                    if needs_notice:
                        text = gettext("The time limit of %(reference)s is extended. New due "
                                       "date: %(date)s. %(told)s") % {
                            **values, "told": notice.describe(
                                obj, notice.Told(by=obj.extension_told_by,
                                                 at=obj.extension_told_at), notice.EXTENSION)}
                    else:
                        text = gettext("The time limit of %(reference)s is extended. New due "
                                       "date: %(date)s. The requester is told by e-mail.") % values
                    self.message_user(request, text, messages.SUCCESS)
                    return HttpResponseRedirect(change_url)

        new_due_date = None
        if refusal is None:
            # A preview only; ``workflow.extend`` computes and stores the date.
            new_due_date = legal.extended_due_date(obj)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Extend the time limit"),
            "subtitle": obj.reference,
            "opts": self.opts,
            "original": obj,
            "form": form,
            "refusal": refusal,
            "new_due_date": new_due_date,
            "notice_by": legal.extension_notice_by(obj),
            "needs_notice": needs_notice,
            "change_url": change_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/requests_app/request/extend.html", context)

    def _answer_view(self, request, obj, *, form_class, outcomes, title, submit_label,
                     perform, success, intro=(), extra=None, form_kwargs=None):
        """A page that answers the requester: a reply template fills the text in (GET
        ``?template=<id>``, no JavaScript), staff edit it, and POST calls ``perform``. A
        refusal by the service is shown on the form; success goes back to the request."""
        change_url = self._change_url(obj)
        templates = [t for outcome in outcomes for t in replies.templates_for(obj, outcome)]
        chosen = None
        wanted = request.GET.get("template", "")
        if wanted.isdigit():
            chosen = next((t for t in templates if t.pk == int(wanted)), None)

        # The answering forms ask how a requester without an address was told.
        form_kwargs = dict(form_kwargs or {})
        if issubclass(form_class, NoticeForm):
            form_kwargs["needs_notice"] = notice.needed(obj)
        if request.method == "POST":
            form = form_class(request.POST, **form_kwargs)
            if form.is_valid():
                try:
                    perform(obj, form)
                except ValidationError as exc:
                    if isinstance(form, NoticeForm):
                        form.add_service_error(exc)
                    else:
                        form.add_error(None, exc.messages)
                else:
                    self.message_user(request, f"{success(obj, form.cleaned_data)} "
                                               f"{how_told(obj)}", messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
        else:
            initial = {}
            if chosen is not None:
                initial["body"] = replies.render(chosen, obj)
                if chosen.outcome == ReplyTemplate.Outcome.PARTLY_REFUSED:
                    initial["partly"] = True
            form = form_class(initial=initial, **form_kwargs)

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

        def perform(obj, form):
            workflow.ask_subject(obj, body=form.cleaned_data["body"],
                                 purpose=form.cleaned_data["purpose"], actor=request.user)

        return self._answer_view(
            request, obj, form_class=AskForm,
            outcomes=[ReplyTemplate.Outcome.INFORMATION_REQUEST],
            title=_("Ask the requester"), submit_label=_("Send the question"),
            intro=[_("The request waits for the answer. Only a question about the "
                     "requester's identity pauses the clock (GDPR Art. 12(6)), where the "
                     "organisation chooses so: the days of waiting are then added to the due "
                     "date. A question that clarifies the request leaves the clock running.")],
            perform=perform,
            success=lambda obj, data: gettext(
                "The question is on the status page of %(reference)s; the request waits for "
                "the requester.") % {"reference": obj.reference})

    def complete_view(self, request, object_id):
        """Answer the request and close it; refused while a system on the checklist is
        open."""
        obj = self._get_changeable(request, object_id)

        def perform(obj, form):
            workflow.complete(obj, answer=form.cleaned_data["body"], told=form.told(),
                              actor=request.user)

        unfinished = checklist.unfinished(obj)
        intro = []
        less = outcomes.grants_less_than_asked(obj)
        if less:
            # The same rule ``workflow.complete`` applies: told here before staff write.
            intro.append(gettext(
                "As recorded, this answer grants less than was asked (%(grounds)s): it refuses "
                "the request in part. Only a compliance lead or an organisation admin may send "
                "it; what each ground means and the right to complain (GDPR Art. 12(4)) are "
                "added to the answer.") % {
                "grounds": "; ".join(str(RefusalGround(ground).label) for ground in less)})
        return self._answer_view(
            request, obj, form_class=CompleteForm,
            outcomes=[ReplyTemplate.Outcome.COMPLETED,
                      *([ReplyTemplate.Outcome.PARTLY_REFUSED] if less else [])],
            title=_("Answer and complete"), submit_label=_("Send the answer and complete"),
            intro=intro, perform=perform,
            success=lambda obj, data: gettext(
                "%(reference)s is completed and the answer is on the requester's status "
                "page.") % {"reference": obj.reference},
            extra={"unfinished": unfinished, "outcome_missing": outcomes.missing(obj)})

    def refuse_view(self, request, object_id):
        """Refuse, wholly or partly, on a legal ground: compliance leads, organisation admins
        and superusers only. The right to complain is added by ``workflow.refuse``."""
        obj = self._get_changeable(request, object_id)
        if (refused := self._unless_deciding(request, obj)) is not None:
            return refused

        def perform(obj, form):
            data = form.cleaned_data
            workflow.refuse(obj, ground=data["ground"], answer=data["body"],
                            partly=data["partly"], told=form.told(), actor=request.user)

        def success(obj, data):
            text = (gettext("%(reference)s is refused in part and completed.")
                    if data["partly"] else gettext("%(reference)s is refused."))
            return text % {"reference": obj.reference}

        authority = obj.organisation.authority_contact
        return self._answer_view(
            request, obj,
            form_class=RefuseForm, form_kwargs={"grounds": outcomes.refusal_grounds(obj)},
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

        def perform(obj, form):
            data = form.cleaned_data
            workflow.forward(obj, controller_name=data["controller_name"],
                             controller_contact=data["controller_contact"],
                             forwarded_by=data["forwarded_by"],
                             forwarded_at=form.forwarded_at(), answer=data["body"],
                             told=form.told(), actor=request.user)

        intro = [_("Use this when the request concerns data the organisation processes for a "
                   "customer (GDPR Art. 28): the customer, as controller, must answer it. "
                   "The request is closed here."),
                 _("The request must reach the controller: the portal e-mails it to the "
                   "controller's address, or you sent it yourself and say how and when. The "
                   "answer to the requester says which.")]
        return self._answer_view(
            request, obj, form_class=ForwardForm,
            outcomes=[ReplyTemplate.Outcome.FORWARDED],
            title=_("Forward to the controller"), submit_label=_("Forward the request"),
            intro=intro, perform=perform,
            success=lambda obj, data: gettext(
                "%(reference)s is forwarded to %(controller)s.") % {
                "reference": obj.reference, "controller": data["controller_name"]})

    def withdraw_view(self, request, object_id):
        """Record that the requester withdrew the request, through ``workflow.withdraw``:
        the request closes without an answer, and the log keeps how it was said."""
        obj = self._get_changeable(request, object_id)
        change_url = self._change_url(obj)
        form = WithdrawForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                workflow.withdraw(obj, how=form.cleaned_data["how"], actor=request.user)
            except ValidationError as exc:  # closed meanwhile, or the role may not
                form.add_error(None, exc.messages)
            else:
                self.message_user(request, gettext(
                    "%(reference)s is recorded as withdrawn by the requester.") % {
                    "reference": obj.reference}, messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        return TemplateResponse(request, "admin/requests_app/request/withdraw.html", {
            **self.admin_site.each_context(request),
            "title": _("Record a withdrawal"), "subtitle": obj.reference, "opts": self.opts,
            "original": obj, "form": form, "change_url": change_url,
        })

    def attachment_view(self, request, object_id, attachment_id):
        """Hand one of the requester's files to staff of the organisation, and log it. Sent
        as a download that the browser must not sniff or run (it came from outside)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404(gettext("No such request."))
        attachment = Attachment.objects.filter(request=obj, pk=attachment_id).first()
        if attachment is None:
            raise Http404(gettext("No such attachment."))
        # The file is encrypted at rest: the first chunk is decrypted before anything is
        # sent, so a file gone from the disk or altered there is a clear 404, not a 500.
        try:
            chunks = conversation.open_attachment(attachment)
            first = next(chunks, b"")
        except OSError:
            raise Http404(gettext("The file is no longer stored.")) from None
        except crypto.TamperedError:
            logger.exception("Attachment %s could not be decrypted", attachment.pk)
            raise Http404(gettext("The file cannot be read: it was altered on the disk or "
                                  "the encryption key changed.")) from None
        events.record(obj, Event.Kind.ATTACHMENT_VIEWED, actor=request.user,
                      to_value=attachment.original_name)
        response = StreamingHttpResponse(itertools.chain([first], chunks),
                                         content_type=attachment.content_type)
        response["Content-Length"] = str(attachment.size)
        return as_outside_file(response, attachment.original_name)

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
                    received_at=data["received_at"], received_fold=data["received_fold"],
                    request_type=data["request_type"],
                    language=data["language"], subject_name=data["subject_name"],
                    subject_email=data["subject_email"], subject_phone=data["subject_phone"],
                    relationship=data["relationship"], description=data["description"],
                    details=({"postal_address": data["postal_address"]}
                             if data["postal_address"].strip() else None),
                    actor=request.user)
            except ValidationError as exc:
                form.add_service_error(exc)
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
                                                   "date": long_date(obj.due_date)},
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
