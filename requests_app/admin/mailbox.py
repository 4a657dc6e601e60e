"""The privacy mailbox on the staff side: its settings (organisation admins) with a "test
connection" button, and the triage queue of incoming e-mail (everyone who works on the
organisation's requests), where each message is made a request, attached to one, or marked
not a request with one click (``mailbox.triage``)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from requests_app import access
from requests_app.admin.base import PortalAdmin, as_outside_file
from requests_app.clock import legal
from requests_app.mailbox import fetch, triage
from requests_app.models import IncomingMessage, Mailbox, Relationship, RequestType

#: Hosts where a connection without TLS is acceptable: the traffic never leaves the machine.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class MailboxForm(forms.ModelForm):
    """The secrets are write-only: blank keeps the stored one (never shown back)."""

    password = forms.CharField(label=_("password"), required=False,
                               widget=forms.PasswordInput(render_value=False),
                               help_text=_("Leave blank to keep the stored password."))
    oauth_client_secret = forms.CharField(
        label=_("OAuth2 client secret"), required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave blank to keep the stored secret."))
    oauth_refresh_token = forms.CharField(
        label=_("OAuth2 refresh token"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("From the provider's consent for this mailbox (offline access). Leave "
                    "blank to keep the stored token."))

    class Meta:
        model = Mailbox
        fields = ("organisation", "enabled", "host", "port", "security", "username", "folder",
                  "auth", "password", "oauth_client_id", "oauth_tenant",
                  "oauth_client_secret", "oauth_refresh_token", "move_to_folder",
                  "not_request_days", "triage_reminder_hours")

    def clean(self):
        data = super().clean()
        if data.get("security") == Mailbox.Security.NONE and \
                (data.get("host") or "").strip().lower() not in LOCAL_HOSTS:
            self.add_error("security", gettext(
                "A connection without TLS would send the password and the messages in the "
                "clear: use TLS or STARTTLS for a server on another machine."))
        auth = data.get("auth")
        if auth == Mailbox.Auth.PASSWORD and not data.get("password") and \
                not (self.instance.pk and self.instance.password_encrypted):
            self.add_error("password", gettext("Enter the mailbox's password."))
        if auth in (Mailbox.Auth.MICROSOFT, Mailbox.Auth.GOOGLE):
            if not data.get("oauth_client_id"):
                self.add_error("oauth_client_id", gettext("Enter the OAuth2 client id."))
            if not data.get("oauth_refresh_token") and not (
                    self.instance.pk and self.instance.oauth_refresh_token_encrypted):
                self.add_error("oauth_refresh_token",
                               gettext("Enter the OAuth2 refresh token."))
        return data

    def save(self, commit=True):
        mailbox = super().save(commit=False)
        for field in ("password", "oauth_client_secret", "oauth_refresh_token"):
            if self.cleaned_data.get(field):
                fetch.set_secret(mailbox, field, self.cleaned_data[field].strip())
        if commit:
            mailbox.save()
        return mailbox


@admin.register(Mailbox)
class MailboxAdmin(PortalAdmin):
    """Set up and changed by the organisation's admin. Never deleted here: that would delete
    the e-mails saved from it, some perhaps still waiting in triage; a mailbox no longer
    read is switched off (``enabled``)."""

    view_action = add_action = change_action = access.ADMINISTER
    delete_action = None
    form = MailboxForm
    list_display = ("organisation", "__str__", "enabled", "last_success_at", "status")
    # A fixed order, so pages of the list and of its autocomplete neither repeat nor skip one.
    ordering = ("organisation__name", "pk")
    search_fields = ("organisation__name", "host", "username")
    readonly_fields = ("last_success_at", "last_error", "last_error_at", "failures",
                       "next_fetch_at")
    change_form_template = "admin/requests_app/mailbox/change_form.html"

    @admin.display(description=_("status"))
    def status(self, obj):
        if obj.last_error:
            return format_html('<span class="errornote">{}</span>', obj.last_error)
        return gettext("working") if obj.last_success_at else gettext("not read yet")

    def get_urls(self):
        return [path("<int:pk>/test-connection/",
                     self.admin_site.admin_view(self.test_connection_view),
                     name="requests_app_mailbox_test"), *super().get_urls()]

    def test_connection_view(self, request, pk):
        """The "test connection" button: each step's result as a message. Nothing changes on
        the server or in the portal."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        mailbox = self.get_object(request, str(pk))
        if mailbox is None or not self.has_change_permission(request, mailbox):
            raise Http404
        for step in fetch.test_connection(mailbox):
            if step.ok:
                messages.success(request, f"{step.name}: {gettext('OK')} {step.detail}".strip())
            else:
                messages.error(request, f"{step.name}: {step.detail}")
        return HttpResponseRedirect(reverse("admin:requests_app_mailbox_change", args=[pk]))


class RegisterForm(forms.Form):
    request_type = forms.ChoiceField(label=_("type"), choices=RequestType.choices)
    subject_name = forms.CharField(label=_("name"), max_length=200)
    subject_email = forms.EmailField(label=_("e-mail"), required=False)
    language = forms.ChoiceField(label=_("language"), choices=(("nb", "Norsk bokmål"),
                                                               ("da", "Dansk"),
                                                               ("en", "English")))
    relationship = forms.ChoiceField(label=_("relationship"), choices=Relationship.choices,
                                     initial=Relationship.OTHER)


class AttachForm(forms.Form):
    reference = forms.CharField(label=_("reference"), max_length=20)


class StateFilter(admin.SimpleListFilter):
    """Opens on the messages waiting in triage."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [*IncomingMessage.State.choices, ("all", gettext("All"))]

    def choices(self, changelist):
        value = self.value() or IncomingMessage.State.NEW
        for lookup, title in self.lookup_choices:
            yield {"selected": value == str(lookup), "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request, queryset):
        value = self.value() or IncomingMessage.State.NEW
        return queryset if value == "all" else queryset.filter(state=value)


@admin.register(IncomingMessage)
class IncomingMessageAdmin(PortalAdmin):
    """The triage queue: oldest first, since the oldest has the least time left."""

    view_action = access.VIEW
    list_display = ("received_at", "sender", "subject", "days_gone", "suggested_type",
                    "automatic_label", "state", "organisation")
    list_filter = (StateFilter, "organisation")
    list_select_related = ("organisation",)
    search_fields = ("sender_email", "sender_name", "subject")
    ordering = ("received_at", "id")
    change_form_template = "admin/requests_app/incomingmessage/change_form.html"

    @admin.display(description=_("from"))
    def sender(self, obj):
        return obj.sender_email or obj.sender_name or "–"

    @admin.display(description=_("days of the clock gone"))
    def days_gone(self, obj):
        """Days since the arrival, where the organisation is: the clock of Art. 12(3) runs
        from then, registered or not."""
        zone = obj.organisation.time_zone
        return (legal.today_in(zone) - legal.today_in(zone, obj.received_at)).days

    @admin.display(description=_("automatic"))
    def automatic_label(self, obj):
        return obj.automatic or ""

    def get_queryset(self, request):
        # The content is decrypted only on a message's own page.
        return super().get_queryset(request).defer("raw_encrypted")

    def get_urls(self):
        def route(name, view):
            return path(f"<int:pk>/{name}/", self.admin_site.admin_view(view),
                        name=f"requests_app_incomingmessage_{name}")

        return [route("register", self.register_view), route("attach", self.attach_view),
                route("dismiss", self.dismiss_view),
                path("<int:pk>/file/<int:index>/", self.admin_site.admin_view(self.file_view),
                     name="requests_app_incomingmessage_file"),
                *super().get_urls()]

    def _message(self, request, pk) -> IncomingMessage:
        message = self.get_object(request, str(pk))
        if message is None:
            raise Http404
        if not access.may(request.user, access.WORK, message.organisation_id):
            raise PermissionDenied
        return message

    def change_view(self, request, object_id, form_url="", extra_context=None):
        message = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if message is not None:
            shown = triage.show(message)
            context.update(
                shown=shown, message=message,
                may_work=access.may(request.user, access.WORK, message.organisation_id),
                register_form=RegisterForm(initial={
                    "request_type": message.suggested_type, "language": shown.language,
                    "subject_name": message.sender_name or message.sender_email,
                    "subject_email": message.sender_email}),
                attach_form=AttachForm(initial={"reference": (shown.parsed.references
                                                              or [""])[0]}),
            )
        return super().change_view(request, object_id, form_url, context)

    def file_view(self, request, pk, index):
        """One attachment that would be kept with the request (``triage.kept_file``), as a
        download the browser must not sniff or run: it came from outside."""
        message = self._message(request, pk)
        try:
            part = triage.kept_file(message, index, actor=request.user)
        except LookupError:
            raise Http404(gettext("No such attachment.")) from None
        response = as_outside_file(HttpResponse(part.content, content_type=part.content_type),
                                   part.filename or f"attachment-{index}")
        response["Cache-Control"] = "no-store"
        return response

    def _back(self, pk):
        return HttpResponseRedirect(reverse("admin:requests_app_incomingmessage_change",
                                            args=[pk]))

    def register_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        message = self._message(request, pk)
        form = RegisterForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{form.fields[field].label}: {' '.join(errors)}")
            return self._back(pk)
        try:
            created = triage.register(message, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self._back(pk)
        text = gettext("%(reference)s is registered, received %(received)s, due %(date)s.") % {
            "reference": created.reference, "date": created.due_date,
            "received": created.received_at.astimezone(
                ZoneInfo(created.organisation.time_zone)).strftime("%Y-%m-%d %H:%M")}
        if created.subject_email and not message.automatic:
            text += " " + gettext("The receipt with the status link goes to %(email)s.") % {
                "email": created.subject_email}
        messages.success(request, text)
        return HttpResponseRedirect(reverse("admin:requests_app_request_change",
                                            args=[created.pk]))

    def attach_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        message = self._message(request, pk)
        form = AttachForm(request.POST)
        target = triage.find_request(message, form.data.get("reference", ""))
        if target is None:
            messages.error(request, gettext("No request of this organisation has that "
                                            "reference."))
            return self._back(pk)
        try:
            triage.attach(message, request=target, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self._back(pk)
        messages.success(request, gettext("Attached to %(reference)s.") % {
            "reference": target.reference})
        return HttpResponseRedirect(reverse("admin:requests_app_request_change",
                                            args=[target.pk]))

    def dismiss_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        message = self._message(request, pk)
        try:
            triage.dismiss(message, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self._back(pk)
        days = message.mailbox.not_request_days
        messages.success(request, ngettext(
            "Marked as not a request; it is deleted in %(days)d day.",
            "Marked as not a request; it is deleted in %(days)d days.", days) % {"days": days})
        return HttpResponseRedirect(reverse("admin:requests_app_incomingmessage_changelist"))


