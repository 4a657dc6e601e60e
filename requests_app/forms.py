"""Public request forms: input validation only.

One form class per request type; each shows the common fields plus the questions its right
needs. The type-specific answers are saved as the request's ``details``. At the end, the
formset the staff request page's inlines share.
"""

from __future__ import annotations

import re
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms.formsets import TOTAL_FORM_COUNT
from django.forms.models import BaseInlineFormSet
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from requests_app import outcomes
from requests_app.casework import conversation
from requests_app.models import Relationship, RequestType

# C0/C1 control characters except tab, line feed and carriage return (which text areas need).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TIMESTAMP_SALT = "requests_app.forms.rendered"
MAX_TEXT = 5000


def reject_control_characters(value: str) -> None:
    if value and _CONTROL_CHARS.search(value):
        raise ValidationError(_("Please remove invisible control characters from this field."),
                              code="control_characters")


def render_stamp() -> str:
    """The form's signed render time (the hidden ``rendered`` field): ``clean`` refuses a form
    sent back sooner than a person could fill it in. A shared page gets a fresh one per
    visitor (``views.shared_pages``)."""
    return signing.TimestampSigner(salt=_TIMESTAMP_SALT).sign(str(int(time.time())))


def _text(label, *, required=True, max_length=MAX_TEXT, help_text="", rows=3):
    return forms.CharField(
        label=label, required=required, max_length=max_length, help_text=help_text,
        validators=[reject_control_characters],
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _line(label, *, required=True, max_length=200, help_text="", **attrs):
    return forms.CharField(
        label=label, required=required, max_length=max_length, help_text=help_text,
        validators=[reject_control_characters], widget=forms.TextInput(attrs=attrs),
    )


class RequestForm(forms.Form):
    """The fields every request has, plus a honeypot and a signed render time against bots."""

    request_type: str = ""
    detail_fields: tuple[str, ...] = ()

    subject_name = _line(_("Your full name"), autocomplete="name")
    subject_email = forms.EmailField(
        label=_("Your e-mail address"), max_length=254,
        help_text=_("We send a link to this address; the request goes ahead once you open it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    subject_phone = _line(_("Phone (optional)"), required=False, max_length=40,
                          autocomplete="tel")
    relationship = forms.ChoiceField(label=_("How are you connected to the organisation?"),
                                     choices=Relationship.choices)
    description = _text(
        _("Anything else we should know (optional)"), required=False,
        help_text=_("For example customer number, user name or the period concerned: it helps "
                    "the organisation find your data."),
    )
    # A field people never see; bots fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "tabindex": "-1"}))
    rendered = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, country: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        #: The organisation's country: a phone number without its country code is one of it.
        self.country = country
        self.fields["rendered"].initial = render_stamp()
        # The common fields first, then the questions of this right, then the honeypot.
        order = ["subject_name", "subject_email", "subject_phone", "relationship",
                 *self.detail_fields, "description", "website", "rendered"]
        self.order_fields(order)

    @property
    def is_bot(self) -> bool:
        """True when the hidden field was filled in: the submission is dropped silently."""
        return bool(self.cleaned_data.get("website"))

    def clean(self):
        """Refuse a form sent back faster than a person can fill it in (a missing or forged
        render time counts as "just now"). The user keeps what they typed and can simply
        send it again."""
        data = super().clean()
        try:
            rendered_at = int(signing.TimestampSigner(salt=_TIMESTAMP_SALT).unsign(
                data.get("rendered", "")))
        except (signing.BadSignature, ValueError):
            rendered_at = time.time()
        if time.time() - rendered_at < settings.INTAKE_MIN_FILL_SECONDS:
            raise ValidationError(
                _("That was very quick. Please check your answers and send the form again."),
                code="too_fast",
            )
        return data

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.detail_fields
                if self.cleaned_data.get(name) not in (None, "", [])}


class AccessForm(RequestForm):
    """GDPR Art. 15."""

    request_type = RequestType.ACCESS
    detail_fields = ("scope",)
    scope = _text(_("Is there anything in particular you want? (optional)"), required=False,
                  help_text=_("Leave empty to ask for everything the organisation holds "
                              "about you."))


class RectificationForm(RequestForm):
    """GDPR Art. 16."""

    request_type = RequestType.RECTIFICATION
    detail_fields = ("what_is_wrong", "correct_value")
    what_is_wrong = _text(_("What is wrong?"))
    correct_value = _text(_("What should it say?"))


class ErasureForm(RequestForm):
    """GDPR Art. 17."""

    request_type = RequestType.ERASURE
    detail_fields = ("erasure_scope", "named_data", "services")
    erasure_scope = forms.ChoiceField(
        label=_("What should be erased?"), widget=forms.RadioSelect, initial="everything",
        choices=[("everything", _("Everything you hold about me")),
                 ("named", _("Only the data I name below"))],
    )
    named_data = _text(_("Which data?"), required=False,
                       help_text=_("Needed if you chose “Only the data I name below”."))
    services = _line(_("Which services or accounts? (optional)"), required=False,
                     max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("erasure_scope") == "named" and not data.get("named_data"):
            self.add_error("named_data", _("Please say which data should be erased."))
        return data


class RestrictionForm(RequestForm):
    """GDPR Art. 18(1)(a)–(d): the four grounds for restriction."""

    request_type = RequestType.RESTRICTION
    detail_fields = ("processing", "restriction_ground")
    processing = _text(_("Which processing should be restricted?"))
    restriction_ground = forms.ChoiceField(
        label=_("Why?"), widget=forms.RadioSelect,
        choices=[
            ("accuracy_contested", _("I contest that the data are accurate")),
            ("unlawful", _("The processing is unlawful, but I do not want the data erased")),
            ("legal_claim", _("I need the data for a legal claim")),
            ("objection_pending", _("I have objected and await the assessment")),
        ],
    )


class PortabilityForm(RequestForm):
    """GDPR Art. 20."""

    request_type = RequestType.PORTABILITY
    detail_fields = ("data_wanted", "preferred_format")
    data_wanted = _text(_("Which data do you want to receive?"))
    preferred_format = forms.ChoiceField(
        label=_("Preferred format"),
        choices=[("json", "JSON"), ("csv", "CSV"), ("any", _("No preference"))],
        initial="any",
    )


class ObjectionForm(RequestForm):
    """GDPR Art. 21: an objection to direct marketing (21(2)) needs no grounds; any other
    objection (21(1)) rests on the subject's particular situation.

    Marketing also comes by post and by phone (Art. 21(3) stops every channel): the requester
    says how it reaches them, and gives the postal address or phone number it is sent to, which
    then go on the suppression list beside the e-mail address (``outcomes.suppression_values``).
    """

    request_type = RequestType.OBJECTION
    detail_fields = ("objection_kind", "marketing_channels", "postal_address", "processing",
                     "grounds")
    objection_kind = forms.ChoiceField(
        label=_("What do you object to?"), widget=forms.RadioSelect,
        choices=[("direct_marketing", _("Direct marketing (including newsletters and profiling "
                                        "for marketing)")),
                 ("other", _("Other processing"))],
    )
    marketing_channels = forms.MultipleChoiceField(
        label=_("How does the marketing reach you?"), required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[("email", _("By e-mail")), ("post", _("By post")),
                 ("phone", _("By phone or text message"))],
        help_text=_("For direct marketing. Your objection stops marketing by every channel; "
                    "tell us where it reaches you, so that we can put that on our list of "
                    "what must not receive marketing."))
    postal_address = _text(
        _("Postal address the marketing is sent to"), required=False, max_length=500, rows=3,
        help_text=_("Needed if the marketing comes by post: write it as it appears on the "
                    "letters."))
    processing = _text(_("Which processing?"), required=False,
                       help_text=_("Needed if you object to other processing."))
    grounds = _text(_("Your grounds"), required=False,
                    help_text=_("Needed if you object to other processing: what in your "
                                "situation speaks against it? Direct marketing needs no "
                                "reason."))

    def clean(self):
        data = super().clean()
        if data.get("objection_kind") == "other":
            for name in ("processing", "grounds"):
                if not data.get(name):
                    self.add_error(name, _("This field is required for this kind of "
                                           "objection."))
            # Not needed for this objection, so not kept (Art. 5(1)(c)).
            data["marketing_channels"], data["postal_address"] = [], ""
        elif data.get("objection_kind") == "direct_marketing":
            channels = data.get("marketing_channels") or []
            if "post" in channels and not outcomes.normalise_postal_address(
                    data.get("postal_address", "")):
                self.add_error("postal_address", _("Please give the postal address the "
                                                   "marketing is sent to."))
            if "phone" in channels and not outcomes.normalise_phone(
                    data.get("subject_phone", ""), country=self.country):
                self.add_error("subject_phone", _(
                    "Please give the phone number the marketing calls or texts, with its "
                    "country code if it is not a number of this organisation's country "
                    "(for example +47 912 34 567)."))
        return data


class ConsentWithdrawalForm(RequestForm):
    """GDPR Art. 7(3)."""

    request_type = RequestType.CONSENT_WITHDRAWAL
    detail_fields = ("consent",)
    consent = _text(_("Which consent do you withdraw?"),
                    help_text=_("For example the newsletter, or keeping your job application "
                                "longer than three months."))


FORMS: dict[str, type[RequestForm]] = {
    form.request_type: form
    for form in (AccessForm, RectificationForm, ErasureForm, RestrictionForm, PortabilityForm,
                 ObjectionForm, ConsentWithdrawalForm)
}


# --- The requester's answer on the status page ------------------------------------------------

#: How a detected type is named to people, and what the file picker offers.
_TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
_TYPE_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg,.jpeg", "image/png": ".png"}


def detect_type(upload: UploadedFile) -> str | None:
    """The allowed type whose magic bytes the file starts with, or None. The browser's
    content type and the file name are the sender's claims and are not looked at."""
    longest = max(len(magic) for magic in conversation.ALLOWED_TYPES.values())
    upload.seek(0)
    head = upload.read(longest)
    upload.seek(0)
    for content_type, magic in conversation.ALLOWED_TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


def allowed_type_names() -> str:
    return get_text_list([_TYPE_NAMES.get(t, t) for t in conversation.ALLOWED_TYPES])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's "Uploading multiple files"). Cleans to a list,
    checking the number, each file's size, and its type by its first bytes; the detected type
    replaces the browser's ``content_type``. Limits are read from ``conversation`` when the
    form is cleaned."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = [d for d in (data if isinstance(data, list | tuple) else [data]) if d]
        if not uploads:
            return super().clean(None, initial) or []  # "required" is checked here
        if len(uploads) > conversation.MAX_FILES:
            raise ValidationError(
                ngettext("You can attach at most %(max)d file.",
                         "You can attach at most %(max)d files.", conversation.MAX_FILES),
                code="too_many_files", params={"max": conversation.MAX_FILES})
        cleaned, errors = [], []
        for upload in uploads:
            try:
                upload = super().clean(upload, initial)
            except ValidationError as error:
                errors.append(error)
                continue
            if upload.size > conversation.MAX_FILE_BYTES:
                errors.append(ValidationError(
                    _("“%(name)s” is too large: a file may be at most %(max)s."),
                    code="file_too_large",
                    params={"name": upload.name[:100],
                            "max": filesizeformat(conversation.MAX_FILE_BYTES)}))
                continue
            detected = detect_type(upload)
            if detected is None:
                errors.append(ValidationError(
                    _("“%(name)s” is not a %(types)s file. Only these types can be sent."),
                    code="file_type", params={"name": upload.name[:100],
                                              "types": allowed_type_names()}))
                continue
            upload.content_type = detected
            cleaned.append(upload)
        if errors:
            raise ValidationError(errors)
        return cleaned


class ReplyForm(forms.Form):
    """The requester's answer to the organisation, with optional documents (for example a
    copy of an ID card when asked to confirm their identity)."""

    body = forms.CharField(
        label=_("Your answer"), max_length=MAX_TEXT, validators=[reject_control_characters],
        error_messages={"required": _("Please write your answer.")},
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    files = MultipleFileField(label=_("Documents (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read the limits now, not at import, so that they follow ``conversation``.
        field = self.fields["files"]
        field.help_text = ngettext(
            "Up to %(count)d file of at most %(size)s: %(types)s.",
            "Up to %(count)d files of at most %(size)s each: %(types)s.",
            conversation.MAX_FILES,
        ) % {"count": conversation.MAX_FILES,
             "size": filesizeformat(conversation.MAX_FILE_BYTES),
             "types": allowed_type_names()}
        field.widget.attrs["accept"] = ",".join(
            [*conversation.ALLOWED_TYPES,
             *(_TYPE_EXTENSIONS[t] for t in conversation.ALLOWED_TYPES if t in _TYPE_EXTENSIONS)])
        # The same limits for static/requests_app/upload_limits.js, which stops the browser
        # from sending files the server would refuse (a body over the cap is refused before it
        # is read, which some browsers show as a broken connection). The server checks anyway.
        field.widget.attrs.update({
            "data-max-files": conversation.MAX_FILES,
            "data-max-file-bytes": conversation.MAX_FILE_BYTES,
            "data-too-many": ngettext("You can attach at most %(max)d file.",
                                     "You can attach at most %(max)d files.",
                                     conversation.MAX_FILES) % {"max": conversation.MAX_FILES},
            # %(name)s is filled in by the script.
            "data-too-large": _("“%(name)s” is too large: a file may be at most %(max)s.")
            % {"name": "%(name)s", "max": filesizeformat(conversation.MAX_FILE_BYTES)},
        })


# --- Staff (admin) ---------------------------------------------------------------------------


class RequestPartFormSet(BaseInlineFormSet):
    """A formset a POST may leave out entirely: then nothing of it changes.

    The request's page is also posted by forms that know only some of its inlines (an older
    page, a script that changes the assignee); without this, the missing management form of
    a newer inline would make the whole page invalid.
    """

    def full_clean(self):
        if self.is_bound and self.add_prefix(TOTAL_FORM_COUNT) not in self.data:
            self._errors = []
            self._non_form_errors = self.error_class(error_class="nonform",
                                                     renderer=self.renderer)
            return
        super().full_clean()
