"""Who sees which organisations' reports, and the filters of the reports page (period,
organisations, types), as a form and as a plain value the queries take."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import (
    QuerySet,
)
from django.forms.utils import flatatt
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from requests_app import access
from requests_app.models import (
    Channel,
    Organisation,
    Relationship,
    RequestType,
)

#: The longest custom period, to keep one request from scanning the whole history many times.
MAX_PERIOD_DAYS = 10 * 366

# --- Who sees what, and the filters ---------------------------------------------------------


def report_organisations(user) -> QuerySet[Organisation]:
    """The organisations whose reports ``user`` may see (``access.REPORTS``): every one for
    a superuser, else the ones they are a compliance lead of."""
    if not user.is_staff:
        return Organisation.objects.none()
    return access.organisations(user, access.REPORTS)


def may_see_reports(user) -> bool:
    return user.is_staff and access.may_anywhere(user, access.REPORTS)


@dataclass(frozen=True)
class Filters:
    """What the reports count: validated, from ``ReportFilterForm.filters()``."""

    start: date
    end: date
    #: ``None``: every organisation (a superuser who chose none).
    organisation_ids: tuple[int, ...] | None
    organisation: Organisation | None = None
    #: The names of the organisations counted, when the user chose none and is not a superuser.
    organisation_names: tuple[str, ...] = ()
    #: (pk, time zone) of each organisation counted, when the form has read them anyway (the
    #: chosen organisation, a lead's organisations): ``Zones.of`` then reads none again.
    #: ``None``: not known.
    organisation_zones: tuple[tuple[int, str], ...] | None = None
    type: str = ""
    channel: str = ""
    relationship: str = ""
    period: str = "year"
    now: datetime = field(default_factory=timezone.now)

    @property
    def period_label(self) -> str:
        if self.period == "year":
            return str(self.start.year)
        if self.period == "quarter":
            return _("Q%(quarter)d %(year)d") % {"quarter": (self.start.month - 1) // 3 + 1,
                                                 "year": self.start.year}
        if self.period == "month":
            return formats.date_format(self.start, "YEAR_MONTH_FORMAT")
        return f"{formats.date_format(self.start)} – {formats.date_format(self.end)}"

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) of every filter, for the page, the exports and the PDF."""
        every = _("All")
        return [
            (_("Organisation"), self.organisations_label),
            (_("Period"), self.period_label),
            (_("From"), self.start.isoformat()),
            (_("To"), self.end.isoformat()),
            (_("Type"), RequestType(self.type).label if self.type else every),
            (_("Channel"), Channel(self.channel).label if self.channel else every),
            (_("Relationship"), Relationship(self.relationship).label
             if self.relationship else every),
        ]

    @property
    def organisations_label(self) -> str:
        if self.organisation is not None:
            return str(self.organisation)
        if self.organisation_ids is None:
            return _("All organisations")
        if 0 < len(self.organisation_names) <= 5:
            return ", ".join(self.organisation_names)
        return _("All my organisations (%(count)d)") % {"count": len(self.organisation_ids)}

    def months(self) -> list[date]:
        """The first day of every month the period touches."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months

    def file_stem(self) -> str:
        who = self.organisation.slug if self.organisation else "all"
        return f"{who}_{self.start.isoformat()}_{self.end.isoformat()}"


PERIODS = [("month", gettext_lazy("Month")), ("quarter", gettext_lazy("Quarter")),
           ("year", gettext_lazy("Year")), ("custom", gettext_lazy("From–to dates"))]


def _blank(choices):
    return [("", gettext_lazy("All"))] + list(choices)


class _OrganisationChoices(forms.models.ModelChoiceIterator):
    """(pk, name) pairs read as tuples, without making a model instance of each."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class _OrganisationField(forms.ModelChoiceField):
    iterator = _OrganisationChoices


class _PlainSelect(forms.Select):
    """A ``<select>`` written in one pass. Django renders each option through a template;
    a superuser's organisation filter offers every organisation (1,000 in the benchmark),
    and those option templates were about a tenth of the page's time."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        selected = mark_safe(" selected")  # noqa: S308 - a constant
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((key, selected if str(key) in chosen else "", label) for key, label in self.choices))
        return format_html("<select name=\"{}\"{}>{}</select>", name,
                           flatatt(self.build_attrs(self.attrs, attrs)), options)


class ReportFilterForm(forms.Form):
    """The filters, from the query string. Always bound: missing fields take defaults (this
    year), so a plain visit shows the current year and bad input shows the form's errors."""

    organisation = _OrganisationField(queryset=Organisation.objects.none(), required=False,
                                      label=gettext_lazy("Organisation"), widget=_PlainSelect)
    period = forms.ChoiceField(choices=PERIODS, label=gettext_lazy("Period"))
    year = forms.IntegerField(min_value=2000, max_value=2100, label=gettext_lazy("Year"))
    quarter = forms.TypedChoiceField(choices=[(q, f"Q{q}") for q in range(1, 5)], coerce=int,
                                     required=False, label=gettext_lazy("Quarter"))
    month = forms.TypedChoiceField(choices=[(m, f"{m:02d}") for m in range(1, 13)], coerce=int,
                                   required=False, label=gettext_lazy("Month"))
    date_from = forms.DateField(required=False, label=gettext_lazy("From"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label=gettext_lazy("To"),
                              widget=forms.DateInput(attrs={"type": "date"}))
    type = forms.ChoiceField(choices=_blank(RequestType.choices), required=False,
                             label=gettext_lazy("Type"))
    channel = forms.ChoiceField(choices=_blank(Channel.choices), required=False,
                                label=gettext_lazy("Channel"))
    relationship = forms.ChoiceField(choices=_blank(Relationship.choices), required=False,
                                     label=gettext_lazy("Relationship"))

    def __init__(self, query, *, user, now: datetime | None = None, **kwargs):
        self.user = user
        self.now = now or timezone.now()
        today = timezone.localtime(self.now, ZoneInfo(settings.TIME_ZONE)).date()
        defaults = {"period": "year", "year": str(today.year),
                    "quarter": str((today.month - 1) // 3 + 1), "month": str(today.month)}
        data = {**defaults, **{k: v for k, v in query.items() if v != "" or k not in defaults}}
        super().__init__(data, **kwargs)
        self.fields["organisation"].queryset = report_organisations(user)
        self.fields["organisation"].empty_label = (
            _("All organisations") if user.is_superuser else _("All my organisations"))

    def clean(self):
        data = super().clean()
        period, year = data.get("period"), data.get("year")
        if not period or not year:
            return data
        if period == "year":
            data["start"], data["end"] = date(year, 1, 1), date(year, 12, 31)
        elif period == "quarter":
            quarter = data.get("quarter") or 1
            data["start"] = date(year, 3 * quarter - 2, 1)
            data["end"] = (date(year, 3 * quarter, 28) + timedelta(days=4)).replace(
                day=1) - timedelta(days=1)
        elif period == "month":
            month = data.get("month") or 1
            data["start"] = date(year, month, 1)
            data["end"] = (data["start"] + timedelta(days=32)).replace(day=1) - timedelta(
                days=1)
        else:
            start, end = data.get("date_from"), data.get("date_to")
            if not start or not end:
                raise forms.ValidationError(_("Give both dates of the period."))
            if start > end:
                raise forms.ValidationError(_("The period must start before it ends."))
            if (end - start).days > MAX_PERIOD_DAYS:
                raise forms.ValidationError(_("The period can be at most ten years long."))
            data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        """The validated filters; call after ``is_valid()``."""
        data = self.cleaned_data
        organisation = data.get("organisation")
        names: tuple[str, ...] = ()
        zones: tuple[tuple[int, str], ...] | None = None
        if organisation is not None:
            ids, zones = (organisation.pk,), ((organisation.pk, organisation.time_zone),)
        elif self.user.is_superuser:
            ids = None
        else:
            led = list(self.fields["organisation"].queryset.values_list("pk", "name",
                                                                        "time_zone"))
            ids, names = tuple(pk for pk, _n, _z in led), tuple(name for _p, name, _z in led)
            zones = tuple((pk, zone) for pk, _name, zone in led)
        return Filters(start=data["start"], end=data["end"], organisation_ids=ids,
                       organisation=organisation, organisation_names=names,
                       organisation_zones=zones,
                       type=data.get("type") or "",
                       channel=data.get("channel") or "",
                       relationship=data.get("relationship") or "",
                       period=data["period"], now=self.now)

    def querystring(self) -> str:
        """The filters as a query string, for the export links."""
        keys = ["organisation", "period", "year", "quarter", "month", "date_from", "date_to",
                "type", "channel", "relationship"]
        pairs = [(key, self.data.get(key)) for key in keys if self.data.get(key)]
        return urlencode(pairs)


