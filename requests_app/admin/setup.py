"""The set-up pages of the staff site: invitations, the guided page that creates an
organisation, systems and records from the catalogue, branding, and the organisation's
link, privacy-policy text and test request.

Thin pages: each form is checked here for shape only, and the rule is the service it calls
(``onboarding.*``, ``intake.file_test_request``); a refusal (``ValidationError``, including
``access.NotAllowed``) becomes the form's error in the user's language.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from requests_app import access, intake
from requests_app.admin.base import PortalAdmin
from requests_app.models import (
    Country,
    Invitation,
    LegalBasis,
    Membership,
    Organisation,
    SupervisoryAuthority,
)
from requests_app.onboarding import (
    branding,
    catalogue,
    invitations,
    organisations,
    record_templates,
)


def _fail(form, error: ValidationError) -> None:
    """Put a service's refusal on the form: per field where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Invitations ---------------------------------------------------------------------------


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("e-mail"))
    role = forms.ChoiceField(label=_("role"), choices=Membership.Role.choices)
    organisation = forms.ModelChoiceField(
        label=_("organisation"), queryset=Organisation.objects.none(), required=False)
    language = forms.ChoiceField(label=_("language"), choices=settings.LANGUAGES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = access.organisations(user, access.ADMINISTER)
        if user.is_superuser:
            field.empty_label = gettext("A new organisation: the invitee sets it up")
            field.help_text = _("Empty: the invitee becomes the organisation admin of a new "
                                "organisation, which they create on a guided page.")
        else:
            field.required = True


@admin.register(Invitation)
class InvitationAdmin(PortalAdmin):
    """Invitations by e-mail: sent from the "add" page (``invitations.invite``), then read
    only; deleting one withdraws it. Organisation admins see and send those of the
    organisations they administer; invitations to set up a new organisation are the
    superusers'."""

    view_action = add_action = delete_action = access.ADMINISTER
    change_action = None
    list_display = ("email", "organisation", "role", "created_at", "expires_at",
                    "accepted_at")
    list_select_related = ("organisation",)
    fields = ("email", "organisation", "role", "language", "invited_by", "created_at",
              "expires_at", "accepted_at", "user")
    readonly_fields = fields

    def scope(self, request, qs):
        return access.scope(qs, request.user, access.ADMINISTER)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InviteForm(request.POST or None, user=request.user,
                          initial={"language": request.LANGUAGE_CODE})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                invitation, _url = invitations.invite(
                    actor=request.user, email=data["email"], role=data["role"],
                    organisation=data["organisation"], language=data["language"])
            except ValidationError as error:
                _fail(form, error)
            else:
                messages.success(request, gettext("The invitation was e-mailed to %(email)s.")
                                 % {"email": invitation.email})
                return redirect("admin:requests_app_invitation_changelist")
        return TemplateResponse(request, "admin/requests_app/setup/form_page.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": gettext("Invite a person"), "form": form, "submit": gettext("Send"),
        }, status=400 if form.errors else 200)


# --- The organisation's set-up pages -------------------------------------------------------


class OrganisationForm(forms.Form):
    """The guided page: the country fills in the rest (``organisations.COUNTRY_DEFAULTS``)."""

    name = forms.CharField(label=_("name"), max_length=200)
    country = forms.ChoiceField(label=_("country"), choices=Country.choices,
                                widget=forms.HiddenInput)
    default_language = forms.ChoiceField(label=_("default language"),
                                         choices=settings.LANGUAGES)
    time_zone = forms.CharField(label=_("time zone"), max_length=64)
    supervisory_authority = forms.ChoiceField(label=_("supervisory authority"),
                                              choices=SupervisoryAuthority.choices)
    contact_email = forms.EmailField(label=_("contact e-mail"))
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    postal_address = forms.CharField(label=_("postal address"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    privacy_policy_url = forms.URLField(label=_("privacy policy URL"), required=False,
                                        assume_scheme="https")


class CountryForm(forms.Form):
    country = forms.ChoiceField(label=_("country"), choices=Country.choices)


class CatalogueForm(forms.Form):
    systems = forms.MultipleChoiceField(label=_("systems"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    records = forms.MultipleChoiceField(label=_("records of processing"), required=False,
                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        have = set(organisation.systems.values_list("catalogue_key", flat=True))
        self.fields["systems"].choices = [
            (entry.key, _system_label(entry)) for entry in catalogue.CATALOGUE
            if entry.key not in have]
        names = set(organisation.processing_records.values_list("name", flat=True))
        self.fields["records"].choices = [
            (t.key, _record_label(t)) for t in record_templates.TEMPLATES
            if str(t.name) not in names]


def _system_label(entry) -> str:
    where = (gettext("stored in the EEA") if entry.in_eea
             else gettext("outside the EEA: %(safeguard)s") % {"safeguard": entry.safeguard})
    return f"{entry.name}: {entry.holds}. {where}. {gettext('Retention')}: {entry.retention}."


def _record_label(template) -> str:
    return f"{template.name}: {LegalBasis(template.legal_basis).label}. {template.purposes}"


class BrandingForm(forms.Form):
    brand_colour = forms.CharField(label=_("brand colour"), max_length=7, required=False,
                                   help_text=Organisation._meta.get_field(
                                       "brand_colour").help_text)
    welcome_text = forms.CharField(label=_("welcome text"), required=False, max_length=300,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    logo = forms.FileField(label=_("logo"), required=False,
                           help_text=_("PNG or JPEG, at most 512 KB."))
    remove_logo = forms.BooleanField(label=_("remove the logo"), required=False)


class OrganisationSetupPages:
    """Mixed into ``OrganisationAdmin``: its set-up pages."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("create/", view(self.create_view), name="requests_app_organisation_create"),
            path("<int:pk>/catalogue/", view(self.catalogue_view),
                 name="requests_app_organisation_catalogue"),
            path("<int:pk>/branding/", view(self.branding_view),
                 name="requests_app_organisation_branding"),
            path("<int:pk>/share/", view(self.share_view),
                 name="requests_app_organisation_share"),
            *super().get_urls(),
        ]

    def _page(self, request, template, context, *, organisation=None, status=200):
        return TemplateResponse(request, f"admin/requests_app/setup/{template}", {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "original": organisation, **context}, status=status)

    def _organisation(self, request, pk) -> Organisation:
        organisation = get_object_or_404(Organisation, pk=pk)
        if not access.may(request.user, access.VIEW, organisation):
            raise Http404
        return organisation

    def create_view(self, request):
        """The guided page: first the country, then the rest filled in from it."""
        if not organisations.may_create(request.user):
            raise PermissionDenied
        country_form = CountryForm(request.GET or None)
        form = None
        country = request.POST.get("country") or (
            country_form.cleaned_data["country"] if country_form.is_valid() else None)
        if country in Country.values:
            defaults = organisations.defaults_for(country)
            form = OrganisationForm(request.POST or None, initial={
                "country": country, "contact_email": request.user.email, **defaults})
            if request.method == "POST" and form.is_valid():
                try:
                    organisation = organisations.create_organisation(
                        actor=request.user, **form.cleaned_data)
                except ValidationError as error:
                    _fail(form, error)
                else:
                    messages.success(request, gettext(
                        "%(name)s is created. Next: choose its systems.")
                        % {"name": organisation.name})
                    return redirect("admin:requests_app_organisation_catalogue",
                                    pk=organisation.pk)
        return self._page(request, "create.html", {
            "title": gettext("Set up your organisation"), "country_form": country_form,
            "form": form}, status=400 if form is not None and form.errors else 200)

    def catalogue_view(self, request, pk):
        organisation = self._organisation(request, pk)
        if not access.may(request.user, access.ADMINISTER, organisation):
            raise PermissionDenied
        form = CatalogueForm(request.POST or None, organisation=organisation)
        if request.method == "POST" and form.is_valid():
            try:
                systems = catalogue.add_systems(actor=request.user, organisation=organisation,
                                                keys=form.cleaned_data["systems"])
                records = record_templates.add_records(
                    actor=request.user, organisation=organisation,
                    keys=form.cleaned_data["records"])
            except ValidationError as error:
                _fail(form, error)
            else:
                messages.success(request, gettext(
                    "Added %(systems)s systems and %(records)s records of processing; edit "
                    "them on the organisation's page. Next: your brand.")
                    % {"systems": len(systems), "records": len(records)})
                return redirect("admin:requests_app_organisation_branding", pk=organisation.pk)
        return self._page(request, "catalogue.html", {
            "title": gettext("Systems and records of processing"), "form": form,
            "systems": organisation.systems.all(),
            "records": organisation.processing_records.all()}, organisation=organisation)

    def branding_view(self, request, pk):
        organisation = self._organisation(request, pk)
        if not access.may(request.user, access.ADMINISTER, organisation):
            raise PermissionDenied
        form = BrandingForm(request.POST or None, request.FILES or None, initial={
            "brand_colour": organisation.brand_colour,
            "welcome_text": organisation.welcome_text})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                branding.update_branding(
                    actor=request.user, organisation=organisation,
                    colour=data["brand_colour"], welcome_text=data["welcome_text"],
                    logo=data["logo"], remove_logo=data["remove_logo"])
            except ValidationError as error:
                organisation.refresh_from_db()
                form.add_error("logo" if error.code in ("size", "type", "dimensions")
                               else "welcome_text" if error.code == "welcome_length"
                               else "brand_colour", error)
            else:
                messages.success(request, gettext("The brand is saved. Next: the link for "
                                                  "your privacy policy."))
                return redirect("admin:requests_app_organisation_share", pk=organisation.pk)
        return self._page(request, "branding.html", {
            "title": gettext("Your brand"), "form": form}, organisation=organisation,
            status=400 if form.errors else 200)

    def share_view(self, request, pk):
        """The link, the ready text and the HTML snippet for the privacy policy, and the
        button that files a test request (``intake.file_test_request``)."""
        organisation = self._organisation(request, pk)
        if request.method == "POST":
            try:
                test = intake.file_test_request(organisation=organisation, actor=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("admin:requests_app_organisation_share", pk=organisation.pk)
            messages.success(request, gettext(
                "Test request %(reference)s is filed: it is in the queue, marked as a test, "
                "and no report counts it. The receipt went to %(email)s.")
                % {"reference": test.reference, "email": test.subject_email})
            return redirect("admin:requests_app_request_change", test.pk)
        texts = [(code, name, organisations.portal_url(organisation, code),
                  organisations.policy_text(organisation, code),
                  organisations.policy_snippet(organisation, code))
                 for code, name in settings.LANGUAGES]
        return self._page(request, "share.html", {
            "title": gettext("Link it from your privacy policy"), "texts": texts,
            "may_test": access.may(request.user, access.ADMINISTER, organisation),
            "figures_url": reverse("public_figures", kwargs={"slug": organisation.slug})
            if organisation.publish_figures else ""}, organisation=organisation)
