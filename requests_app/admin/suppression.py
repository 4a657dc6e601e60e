"""The suppression list in the admin (Art. 21(3)): read-only, scoped to the staff member's
organisations, with a form that answers "is this e-mail address, postal address or phone number
on the list?", and one that checks a whole marketing list (CSV) before a mailing.

The check hashes the typed value (``outcomes.is_suppressed``) and shows only yes or no: the
value is not stored, not put in a message (messages live in the session), not logged, and
kept out of error reports (``sensitive_post_parameters``). Whoever may see an organisation's
requests may check its list (``access.VIEW``).
"""

from __future__ import annotations

import csv
import io
import itertools
import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
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
from requests_app.models import SuppressionEntry, SuppressionKind


class SuppressionCheckForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    # Not required: a check that names no kind is of an e-mail address, as before the kinds.
    kind = forms.TypedChoiceField(label=_("Kind"), choices=SuppressionKind.choices,
                                  initial=SuppressionKind.EMAIL, required=False,
                                  empty_value=SuppressionKind.EMAIL)
    value = forms.CharField(label=_("E-mail address, postal address or phone number"),
                            max_length=500,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "size": 60}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = access.organisations(user, access.VIEW)
        self.fields["organisation"].queryset = organisations
        only = list(organisations[:2])
        if len(only) == 1:
            self.fields["organisation"].initial = only[0].pk


class SuppressionListCheckForm(forms.Form):
    """A marketing list to check before a mailing: a CSV file with a person per row."""

    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    kind = forms.TypedChoiceField(label=_("Check by"), choices=SuppressionKind.choices,
                                  initial=SuppressionKind.EMAIL, required=False,
                                  empty_value=SuppressionKind.EMAIL)
    file = forms.FileField(label=_("Marketing list (CSV)"),
                           help_text=_("One row per person; the column with the e-mail "
                                       "address is found by itself."))
    columns = forms.CharField(
        label=_("Columns"), required=False, max_length=200,
        help_text=_("Optional. The columns that hold the value, by heading or number, "
                    "separated by commas (for example “Adresse, Postnr, Sted” or “3, 4, 5”). "
                    "Left empty, the e-mail address is found by itself, and the postal address "
                    "or phone number by the headings of the first row."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = access.organisations(user, access.VIEW)


#: Rows read from one marketing list; larger lists are checked in parts.
MAX_LIST_ROWS = 200_000

#: Headings (lower case, letters and digits only) of the columns that hold a phone number
#: or part of a postal address, in the languages of the portal.
PHONE_HEADINGS = frozenset({
    "phone", "phonenumber", "telephone", "tel", "tlf", "tlfnr", "telefon", "telefonnummer",
    "telefonnr", "mobil", "mobile", "mobilnummer", "mobilnr", "mobiltelefon", "mobilephone",
    "cellphone", "sms"})
POSTAL_HEADINGS = frozenset({
    "address", "adresse", "adr", "postaladdress", "postadresse", "gateadresse", "street",
    "streetaddress", "gade", "vej", "vei", "postnummer", "postnr", "postcode", "postalcode",
    "zip", "zipcode", "poststed", "postdistrikt", "by", "city", "town", "sted"})


def _rows(upload) -> list[list[str]]:
    """The CSV's rows, whatever its separator and encoding (``csvfiles.sniff``)."""
    raw = upload.read(MAX_LIST_ROWS * 200)
    encoding, dialect = csvfiles.sniff(raw[:65536])
    text = raw.decode(encoding, errors="replace")
    return list(itertools.islice(csv.reader(io.StringIO(text), dialect), MAX_LIST_ROWS))


def _address(row: list[str]) -> str:
    return next((cell.strip() for cell in row if "@" in cell), "")


def _heading(cell: str) -> str:
    return re.sub(r"[\W_]+", "", cell.casefold())


def _is_heading(kind: str, heading: str) -> bool:
    if kind == SuppressionKind.PHONE:
        return heading in PHONE_HEADINGS
    return heading in POSTAL_HEADINGS or heading.startswith(("adresse", "address"))


def value_columns(rows: list[list[str]], kind: str, named: str) -> tuple[list[int], bool]:
    """The columns (0-based) whose cells make the value to check, and whether the first row
    is a heading row. ``named``: headings or 1-based numbers, separated by commas.

    Never a guess from the cells alone: a customer number can look like a phone number, and
    a value read from the wrong column would be checked, and answered "no", as if it were
    the person's. So without named columns a postal address or phone number is found only by
    the headings of the first row; refused (``ValidationError``) where none is found."""
    first = rows[0] if rows else []
    headings = [_heading(cell) for cell in first]
    if named.strip():
        columns, by_heading = [], False
        for token in (part.strip() for part in named.split(",")):
            if not token:
                continue
            if token.isdigit() and 1 <= int(token) <= max(len(first), 1_000):
                columns.append(int(token) - 1)
            elif _heading(token) in headings:
                columns.append(headings.index(_heading(token)))
                by_heading = True
            else:
                raise ValidationError(_("The list has no column “%(column)s”.")
                                      % {"column": token[:50]})
        if by_heading:
            return columns, True
        # By number: a first row without an "@" (e-mail) or a digit (every postal address
        # and phone number has one) in those columns is a heading row.
        cells = " ".join(first[i] for i in columns if i < len(first))
        if kind == SuppressionKind.EMAIL:
            return columns, "@" not in cells
        return columns, not any(ch.isdigit() for ch in cells)
    columns = [i for i, heading in enumerate(headings) if _is_heading(kind, heading)]
    if kind == SuppressionKind.PHONE:
        columns = columns[:1]
    if not columns:
        raise ValidationError(_("The list has no column headed as holding the %(kind)s: "
                                "name the columns that hold it, by heading or number.")
                              % {"kind": SuppressionKind(kind).label.lower()})
    return columns, True


def _value(row: list[str], columns: list[int]) -> str:
    return ", ".join(row[i].strip() for i in columns if i < len(row) and row[i].strip())
@admin.register(SuppressionEntry)
class SuppressionEntryAdmin(PortalAdmin):
    """Written only by ``outcomes.suppress``: nobody adds, edits or deletes entries here."""

    change_list_template = "admin/requests_app/suppressionentry/change_list.html"
    list_display = ("hash_display", "kind", "organisation", "request_display", "added_at")
    list_filter = (("organisation", OrganisationFilter), "kind")
    list_select_related = ("organisation", "request")
    fields = ("organisation", "kind", "email_hash", "request_display", "added_at")
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

    @method_decorator(sensitive_post_parameters("value"))
    def check_view(self, request):
        """POST an organisation, a kind and a value; the answer is yes or no, nothing else."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        result = None
        form = SuppressionCheckForm(request.POST if request.method == "POST" else None,
                                    user=request.user)
        if request.method == "POST" and form.is_valid():
            organisation = form.cleaned_data["organisation"]
            kind = form.cleaned_data["kind"]
            listed = outcomes.is_suppressed(organisation, form.cleaned_data["value"],
                                            kind=kind, actor=request.user)
            result = {"listed": listed, "organisation": organisation}
            # A fresh form: the value is not written back into the page either.
            form = SuppressionCheckForm(user=request.user,
                                        initial={"organisation": organisation.pk,
                                                 "kind": kind})
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Is this on the suppression list?"),
            "opts": self.opts,
            "form": form,
            "result": result,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/requests_app/suppressionentry/check.html",
                                context)

    def check_list_view(self, request):
        """POST a marketing list (CSV) and the kind to check it by: the same rows come back
        with a last column saying whether each row's e-mail address, postal address or phone
        number is on the organisation's list. Nothing of it is stored or logged; the file
        only passes through this request."""
        if not self.has_view_permission(request) or request.method != "POST":
            raise PermissionDenied
        form = SuppressionListCheckForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self._list_refused(request, " ".join(
                str(error) for errors in form.errors.values() for error in errors))
        organisation = form.cleaned_data["organisation"]
        kind = form.cleaned_data["kind"]
        rows = _rows(form.cleaned_data["file"])
        if kind == SuppressionKind.EMAIL and not form.cleaned_data["columns"].strip():
            values = [_address(row) for row in rows]
            header = bool(rows) and not values[0]
        else:
            try:
                columns, header = value_columns(rows, kind, form.cleaned_data["columns"])
            except ValidationError as exc:
                return self._list_refused(request, " ".join(exc.messages))
            values = [_value(row, columns) for row in rows]
        listed = outcomes.suppressed_among(organisation, values, kind=kind, actor=request.user)
        yes, no = gettext("yes"), gettext("no")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="checked-list.csv"'
        response["Cache-Control"] = "no-store"
        writer = csv.writer(response)
        for number, (row, value) in enumerate(zip(rows, values, strict=True)):
            if number == 0 and header:
                verdict = gettext("On the suppression list")
            else:
                verdict = yes if value and value in listed else no
            writer.writerow([escape_cell(cell) for cell in row] + [verdict])
        return response

    def _list_refused(self, request, text: str):
        self.message_user(request, text, messages.ERROR)
        return HttpResponseRedirect(reverse(
            f"{self.admin_site.name}:requests_app_suppressionentry_changelist"))
