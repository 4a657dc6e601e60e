"""The suppression list in the admin (Art. 21(3)): read-only, scoped to the staff member's
organisations, with a form that answers "is this address on the list?".

The check hashes the typed address (``outcomes.is_suppressed``) and shows only yes or no: the
address is not stored, not put in a message (messages live in the session), not logged, and
kept out of error reports (``sensitive_post_parameters``). Whoever may see an organisation's
requests may check its list (``access.VIEW``).
"""

from __future__ import annotations

import csv
import io
import itertools

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from requests_app import access, csvfiles, outcomes
from requests_app.admin.base import PortalAdmin
from requests_app.admin.requests import OrganisationFilter
from requests_app.csvfiles import escape_cell
from requests_app.models import SuppressionEntry


class SuppressionCheckForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    email = forms.CharField(label=_("E-mail address"), max_length=254,
                            widget=forms.EmailInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = access.organisations(user, access.VIEW)
        self.fields["organisation"].queryset = organisations
        only = list(organisations[:2])
        if len(only) == 1:
            self.fields["organisation"].initial = only[0].pk


class SuppressionListCheckForm(forms.Form):
    """A marketing list to check before a mailing: a CSV file with an address per row."""

    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    file = forms.FileField(label=_("Marketing list (CSV)"),
                           help_text=_("One row per person; the column with the e-mail "
                                       "address is found by itself."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = access.organisations(user, access.VIEW)


#: Rows read from one marketing list; larger lists are checked in parts.
MAX_LIST_ROWS = 200_000


def _rows(upload) -> list[list[str]]:
    """The CSV's rows, whatever its separator and encoding (``csvfiles.sniff``)."""
    raw = upload.read(MAX_LIST_ROWS * 200)
    encoding, dialect = csvfiles.sniff(raw[:65536])
    text = raw.decode(encoding, errors="replace")
    return list(itertools.islice(csv.reader(io.StringIO(text), dialect), MAX_LIST_ROWS))


def _address(row: list[str]) -> str:
    return next((cell.strip() for cell in row if "@" in cell), "")


@admin.register(SuppressionEntry)
class SuppressionEntryAdmin(PortalAdmin):
    """Written only by ``outcomes.suppress``: nobody adds, edits or deletes entries here."""

    change_list_template = "admin/requests_app/suppressionentry/change_list.html"
    list_display = ("hash_display", "organisation", "request_display", "added_at")
    list_filter = (("organisation", OrganisationFilter),)
    list_select_related = ("organisation", "request")
    fields = ("organisation", "email_hash", "request_display", "added_at")
    readonly_fields = fields
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("address (keyed hash)"))
    def hash_display(self, entry):
        return format_html('<span title="{}">{}…</span>', entry.email_hash, entry.email_hash[:16])

    @admin.display(description=_("request"))
    def request_display(self, entry):
        if entry.request_id is None:
            return "–"
        url = reverse(f"{self.admin_site.name}:requests_app_request_change",
                      args=[entry.request_id])
        return format_html('<a href="{}">{}</a>', url, entry.request.reference)

    def get_urls(self):
        return [
            path("check/", self.admin_site.admin_view(self.check_view),
                 name="requests_app_suppressionentry_check"),
            path("check-list/", self.admin_site.admin_view(self.check_list_view),
                 name="requests_app_suppressionentry_check_list"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}),
                         "check_form": SuppressionCheckForm(user=request.user),
                         "list_form": SuppressionListCheckForm(user=request.user)}
        return super().changelist_view(request, extra_context)

    @method_decorator(sensitive_post_parameters("email"))
    def check_view(self, request):
        """POST an organisation and an address; the answer is yes or no, nothing else."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        result = None
        form = SuppressionCheckForm(request.POST if request.method == "POST" else None,
                                    user=request.user)
        if request.method == "POST" and form.is_valid():
            organisation = form.cleaned_data["organisation"]
            listed = outcomes.is_suppressed(organisation, form.cleaned_data["email"],
                                            actor=request.user)
            result = {"listed": listed, "organisation": organisation}
            # A fresh form: the address is not written back into the page either.
            form = SuppressionCheckForm(user=request.user,
                                        initial={"organisation": organisation.pk})
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Is this address on the suppression list?"),
            "opts": self.opts,
            "form": form,
            "result": result,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/requests_app/suppressionentry/check.html",
                                context)

    def check_list_view(self, request):
        """POST a marketing list (CSV): the same rows come back with a last column saying
        whether each address is on the organisation's list. Nothing of it is stored or
        logged; the file only passes through this request."""
        if not self.has_view_permission(request) or request.method != "POST":
            raise PermissionDenied
        form = SuppressionListCheckForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            self.message_user(request, " ".join(
                str(error) for errors in form.errors.values() for error in errors),
                messages.ERROR)
            return HttpResponseRedirect(reverse(
                f"{self.admin_site.name}:requests_app_suppressionentry_changelist"))
        organisation = form.cleaned_data["organisation"]
        rows = _rows(form.cleaned_data["file"])
        listed = outcomes.suppressed_among(organisation, (_address(row) for row in rows),
                                           actor=request.user)
        yes, no = gettext("yes"), gettext("no")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="checked-list.csv"'
        response["Cache-Control"] = "no-store"
        writer = csv.writer(response)
        for number, row in enumerate(rows):
            address = _address(row)
            if number == 0 and not address:  # a header row
                verdict = gettext("On the suppression list")
            else:
                verdict = yes if address and address in listed else no
            writer.writerow([escape_cell(cell) for cell in row] + [verdict])
        return response
