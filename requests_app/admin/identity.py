"""eID on the staff side: an organisation's broker (its organisation admins connect it), and
what a request's page shows of the verifications: the verified name beside the typed one,
with a match hint. Staff decide; the hint only says where to look closer."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import formats, timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from requests_app import access
from requests_app.admin.base import PortalAdmin
from requests_app.identity import configuration, names
from requests_app.identity import methods as eid_methods
from requests_app.models import EidSettings, Request

MATCH_LABELS = {
    names.Match.EXACT: _("same name"),
    names.Match.LIKELY: _("matches (middle names or spelling aside)"),
    names.Match.PARTIAL: _("partly matches: check"),
    names.Match.NONE: _("does not match: check"),
}


class EidSettingsForm(forms.ModelForm):
    issuer = forms.URLField(
        label=_("issuer URL"), max_length=300, assume_scheme="https",
        help_text=EidSettings._meta.get_field("issuer").help_text)
    client_secret = forms.CharField(
        label=_("client secret"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted. Leave empty to keep the one stored."))
    methods = forms.MultipleChoiceField(
        label=_("accepted methods"), choices=eid_methods.CHOICES,
        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = EidSettings
        fields = ("organisation", "enabled", "issuer", "client_id", "client_secret",
                  "methods", "level", "offer_after_confirmation", "advance_when_verified")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["methods"] = self.instance.method_codes

    def clean(self):
        """The service's checks (``configuration.check``: the discovery document too), so a
        refusal is shown beside its field rather than after the save."""
        data = super().clean()
        organisation = data.get("organisation") or getattr(self.instance, "organisation", None)
        if organisation is None or self.errors:
            return data
        try:
            configuration.check(
                organisation, issuer=data.get("issuer") or "",
                client_id=data.get("client_id") or "",
                client_secret=data.get("client_secret") or None,
                methods=list(data.get("methods") or []), level=data.get("level") or "")
        except ValidationError as error:
            for field, texts in error.message_dict.items():
                self.add_error(field if field in self.fields else None, texts)
        return data


@admin.register(EidSettings)
class EidSettingsAdmin(PortalAdmin):
    """One broker per organisation, kept by its organisation admins
    (``configuration.configure``: the secret sealed, the discovery document checked)."""

    view_action = add_action = change_action = delete_action = access.ADMINISTER
    form = EidSettingsForm
    list_display = ("organisation", "enabled", "issuer", "level")
    list_select_related = ("organisation",)

    def save_model(self, request, obj, form, change):
        if not self._allows(request, self.change_action if change else self.add_action, obj):
            raise PermissionDenied
        data = form.cleaned_data
        saved = configuration.configure(
            data["organisation"], actor=request.user, issuer=data["issuer"],
            client_id=data["client_id"], client_secret=data.get("client_secret") or None,
            methods=list(data["methods"]), level=data["level"], enabled=data["enabled"],
            offer_after_confirmation=data["offer_after_confirmation"],
            advance_when_verified=data["advance_when_verified"])
        obj.pk, obj.updated_at = saved.pk, saved.updated_at


def verifications_html(subject_request: Request):
    """The verified parties of a request for its staff page: the verified name beside the
    typed one with the match hint, the method, the level and when."""
    rows = list(subject_request.verifications.all())
    if not rows:
        return "–"

    def row(verification):
        method = eid_methods.METHODS.get(verification.method)
        hint = names.match(subject_request.subject_name, verification.verified_name)
        return (verification.get_role_display(), verification.verified_name,
                subject_request.subject_name, MATCH_LABELS[hint], hint.value,
                method.label if method else verification.method,
                verification.get_level_display(),
                formats.date_format(timezone.localtime(verification.verified_at),
                                    "DATETIME_FORMAT"))

    return format_html_join(
        "", '<div data-testid="eid-verification">{}: <strong data-testid="eid-name">{}</strong>'
        ' ({} {}: <span data-testid="eid-match" data-match="{}">{}</span>) – '
        '<span data-testid="eid-method">{}</span>, {} {}, {}</div>',
        ((role, name, gettext("typed"), typed, value, label, method, gettext("level"), level,
          when) for role, name, typed, label, value, method, level, when in map(row, rows)))


