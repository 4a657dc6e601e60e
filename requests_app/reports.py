"""Reports for compliance leads: what came in, what was answered on time, what is overdue.

Each report is a small class in the manner of django-oscar's report generators: a ``slug``, a
``title``, a ``description``, its ``columns`` and ``rows()`` that return dicts. The reports of
a page share a few grouped queries (``Aggregates``: one per population of requests, instead of
one scan per table), and every figure is counted by the database (``GROUP BY`` on local
months and the fields reported, a days-to-close histogram, a window ``COUNT(*) OVER ()``).
Python only adds up and divides the aggregated rows that come back (a few thousand at most for
a year of 1,000 organisations), so the work in Python and the number of queries do not grow
with the number of requests (docs/benchmarks.md has the measurements).

How the figures are counted (the page shows the same text, see ``DEFINITIONS``):

* **Dates are local.** A request's dates are the calendar dates where its organisation is
  (``Organisation.time_zone``), as the legal clock counts them (``deadlines``): a request
  received at 00:30 in Oslo on 1 March is a March request even though it is still February
  in UTC. The period is a range of such local dates, both ends included.
* **Two populations.** The workload figures (received per month and type, channel,
  relationship) count the requests *received* in the period. The outcome figures (on time,
  time to close, extensions, refusals, forwarding, outcomes per type) count the requests
  *closed* in the period, whenever they were received. "Open by status" and "Overdue now"
  are as of now and ignore the period. Requests still awaiting e-mail confirmation are not
  requests yet and count nowhere.
* **Answered on time** means closed on or before the due date, both as local dates: a
  request closed at 23:59 Oslo time on its due date is on time, one closed at 00:01 the next
  day is late. The due date is ``Request.due_date``: the statutory date (one month, or three
  when extended, moved past weekends and the country's public holidays under Regulation
  1182/71) plus any days the clock was paused. Withdrawn requests were not answered, so the
  on-time rate and the time to close leave them out (they are counted under outcomes).
* **Time to close** is the number of calendar days from the local date of receipt to the
  local date of closing; its median and 90th percentile are interpolated as PostgreSQL's
  ``percentile_cont`` does, from the histogram of days the database counts (``percentile``).
* **Purged** requests keep their row with the personal data erased, so they are counted like
  any other: the ``Request`` table is the anonymised register.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db import NotSupportedError, connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from requests_app import charts
from requests_app.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Channel,
    ExtensionReason,
    Membership,
    Organisation,
    RefusalGround,
    Relationship,
    Request,
    RequestType,
    Status,
)

#: The roles that see the reports of an organisation (superusers see every organisation).
REPORT_ROLES = (Membership.Role.COMPLIANCE_LEAD,)
#: Statuses of requests that were answered: closed, and not withdrawn by the requester.
ANSWERED_STATUSES = frozenset(CLOSED_STATUSES - {Status.WITHDRAWN})
#: How many overdue requests the page lists (the exports list them all).
OVERDUE_ON_PAGE = 100
#: The longest custom period, to keep one request from scanning the whole history many times.
MAX_PERIOD_DAYS = 10 * 366

DEFINITIONS = [
    gettext_lazy("Dates are calendar dates where the organisation is, as the legal clock "
                 "counts them. The period includes both its first and its last day."),
    gettext_lazy("Requests received, their channel and the requester's relationship count "
                 "the requests received in the period. On time, time to close, extensions, "
                 "refusals, forwarding and outcomes count the requests closed in the period, "
                 "whenever they were received. Open and overdue requests are as of now."),
    gettext_lazy("A request is answered on time when it was closed on or before its due date "
                 "(with any extension and paused days). Withdrawn requests were not answered "
                 "and are left out of the on-time rate and the time to close."),
    gettext_lazy("Time to close is counted in calendar days from the day of receipt to the "
                 "day of closing. Requests whose personal data has been erased are counted "
                 "like the others. Requests awaiting e-mail confirmation are not counted."),
]


# --- Database expressions ------------------------------------------------------------------


class LocalDate(Func):
    """The calendar date of a timestamp in a time zone given per row (by default the
    request's organisation's), computed by the database."""

    output_field = DateField()

    def __init__(self, expression, zone="organisation__time_zone", **extra):
        zone = F(zone) if isinstance(zone, str) else zone
        super().__init__(expression, zone, **extra)

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError("Reports run on PostgreSQL or SQLite.")

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="(%(expressions)s)::date",
                              arg_joiner=" AT TIME ZONE ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Django's own SQLite function, which converts with zoneinfo in Python.
        return super().as_sql(compiler, connection,
                              template="django_datetime_cast_date(%(expressions)s, 'UTC')",
                              **extra)


class LocalMonth(LocalDate):
    """The first day of the local month of a timestamp (see ``LocalDate``)."""

    def as_postgresql(self, compiler, connection, **extra):
        return Func.as_sql(self, compiler, connection,
                           template="date_trunc('month', %(expressions)s)::date",
                           arg_joiner=" AT TIME ZONE ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return Func.as_sql(self, compiler, connection,
                           template="django_date_trunc('month', %(expressions)s, 'UTC')",
                           **extra)


class DaysBetween(Func):
    """``later - earlier`` in whole days, for two date expressions."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError("Reports run on PostgreSQL or SQLite.")

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="(%(expressions)s)",
                              arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(", **extra)


class MonthIndex(Func):
    """The position of a timestamp among months that begin at the given UTC instants: 0
    before the first instant, 1 from it to the second, and so on (``Zones.month_index``).

    ``width_bucket`` on PostgreSQL (a binary search), a ``CASE`` elsewhere. Comparing with
    instants made the year's received requests' statement a third quicker than
    ``date_trunc('month', … AT TIME ZONE …)`` per row, and as one expression with the
    instants as its parameters it is also quicker for Django to build than a ``Case`` of
    ``When`` lookups (docs/benchmarks.md)."""

    output_field = IntegerField()

    def __init__(self, expression, instants: tuple[datetime, ...]):
        super().__init__(expression)
        self.instants = instants

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        bounds = [connection.ops.adapt_datetimefield_value(instant) for instant in self.instants]
        if not bounds:
            return "0", []
        if connection.vendor == "postgresql":
            marks = ", ".join(["%s"] * len(bounds))
            return f"width_bucket({column}, ARRAY[{marks}]::timestamptz[])", [*params, *bounds]
        whens = " ".join(f"WHEN {column} < %s THEN {number}" for number in range(len(bounds)))
        return (f"CASE {whens} ELSE {len(bounds)} END",
                [value for bound in bounds for value in (*params, bound)])


class PerOrganisation(Func):
    """``CASE WHEN organisation_id IN (…) THEN … ELSE … END`` for constant lists of
    organisations (their time zone, their months). ``When(organisation_id__in=…)`` would do,
    but Django prepares such a list value by value whenever it builds a query, which for
    1,000 organisations took longer than some of the queries; here a list is one array
    parameter on PostgreSQL."""

    def __init__(self, branches: tuple[tuple[tuple[int, ...], object], ...], default,
                 output_field):
        super().__init__(F("organisation_id"), *[then for _ids, then in branches], default,
                         output_field=output_field)
        self.ids = tuple(ids for ids, _then in branches)

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        sql, out = ["CASE"], []
        for ids, then in zip(self.ids, self.source_expressions[1:-1], strict=True):
            then_sql, then_params = compiler.compile(then)
            if connection.vendor == "postgresql":
                sql.append(f"WHEN {column} = ANY(%s::bigint[]) THEN {then_sql}")
                out += [*params, list(ids), *then_params]
            else:
                sql.append(f"WHEN {column} IN ({', '.join(['%s'] * len(ids))}) THEN {then_sql}")
                out += [*params, *ids, *then_params]
        default_sql, default_params = compiler.compile(self.source_expressions[-1])
        sql.append(f"ELSE {default_sql} END")
        return " ".join(sql), [*out, *default_params]


def percentile(counts: Sequence[tuple[float, int]], fraction: float) -> float | None:
    """PostgreSQL's ``percentile_cont(fraction)`` of a multiset given as (value, how many)
    pairs: the value at position ``fraction × (n − 1)`` of the sorted values, interpolated
    linearly between its two neighbours. The database counts the pairs (``Aggregates.days``),
    so one grouped scan gives every type's percentiles and the overall ones, on PostgreSQL
    and SQLite alike; tests check it against ``percentile_cont`` itself."""
    ordered = sorted((value, count) for value, count in counts if count)
    total = sum(count for _value, count in ordered)
    if not total:
        return None
    position = fraction * (total - 1)
    low, high = math.floor(position), math.ceil(position)

    def at(index: int) -> float:
        seen = 0
        for value, count in ordered:
            seen += count
            if index < seen:
                return value
        raise AssertionError("index beyond the counts")  # pragma: no cover

    below, above = at(low), at(high)
    return below + (above - below) * (position - low)


#: The time zone of a request's organisation, through a join. ``Zones.expression`` gives the
#: same without the join, which is what the reports use.
ORGANISATION_ZONE = F("organisation__time_zone")


def days_to_close(zone=ORGANISATION_ZONE) -> DaysBetween:
    return DaysBetween(LocalDate("closed_at", zone), LocalDate("received_at", zone))


def count_rows(condition: Q | None = None) -> Count:
    """``COUNT`` of the rows (that match ``condition``). It counts ``organisation_id``, which
    is never NULL, rather than the primary key: the key is in no index the reports read, so
    counting it would fetch every row from the table instead of scanning an index only."""
    return Count("organisation_id", filter=condition)


#: Closed on or before the due date, both local dates (needs the ``closed_on`` alias of
#: ``closed_in``).
ON_TIME = Q(closed_on__lte=F("due_date"))
EXTENDED = Q(extended_at__isnull=False)


# --- Who sees what, and the filters ---------------------------------------------------------


def report_organisations(user) -> QuerySet[Organisation]:
    """The organisations whose reports ``user`` may see: every one for a superuser, else the
    ones they are a compliance lead of."""
    if not (user.is_active and user.is_staff):
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(
        pk__in=Membership.objects.filter(user=user, role__in=REPORT_ROLES)
        .values("organisation_id"))


def may_see_reports(user) -> bool:
    return user.is_active and user.is_staff and (
        user.is_superuser
        or Membership.objects.filter(user=user, role__in=REPORT_ROLES).exists())


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


# --- The querysets every report starts from ------------------------------------------------


def requests_for(f: Filters, *conditions: Q, **lookups) -> QuerySet[Request]:
    """Confirmed requests of the chosen organisations, type, channel and relationship (and
    ``conditions`` and ``lookups``, in the same ``filter`` call: each call clones the query,
    and building the query is most of what the ORM adds to one organisation's figures)."""
    for name in ("type", "channel", "relationship"):
        if getattr(f, name):
            lookups[name] = getattr(f, name)
    if f.organisation_ids is not None:
        lookups["organisation_id__in"] = f.organisation_ids
    return Request.objects.filter(~Q(status=Status.AWAITING_CONFIRMATION), *conditions,
                                  **lookups).order_by()


@dataclass(frozen=True)
class Zones:
    """The organisations counted, by time zone: as the form read them (``Filters``), else
    read once per page, inside its snapshot.

    The local dates of the reports depend on each organisation's zone. Joining the
    organisation for it made every scan of a year's requests about half again as slow, so
    the zone is written into the query instead (``expression``), and the period becomes
    exact UTC instants per zone (``period``), which the planner can estimate and an index
    can serve.
    """

    by_zone: dict[str, tuple[int, ...]]

    @classmethod
    def of(cls, f: Filters) -> Zones:
        """From the zones the form read with the organisations (``Filters.organisation_zones``)
        when they are the ones counted, else read here."""
        pairs = f.organisation_zones
        if (pairs is None or f.organisation_ids is None
                or {pk for pk, _zone in pairs} != set(f.organisation_ids)):
            organisations = Organisation.objects.order_by()
            if f.organisation_ids is not None:
                organisations = organisations.filter(pk__in=f.organisation_ids)
            pairs = organisations.values_list("pk", "time_zone")
        by_zone: dict[str, list[int]] = {}
        for pk, zone in pairs:
            by_zone.setdefault(zone, []).append(pk)
        # Fewest organisations first: the last group is the one left implicit below.
        order = sorted(by_zone, key=lambda zone: (len(by_zone[zone]), zone))
        return cls({zone: tuple(by_zone[zone]) for zone in order})

    @cached_property
    def expression(self):
        """Each request's zone: the zone itself when there is one, else ``CASE WHEN
        organisation_id IN (...) THEN 'Europe/Oslo' ... END`` (as cheap as a constant)."""
        zones = list(self.by_zone)
        if not zones:
            return Value(settings.TIME_ZONE)
        if len(zones) == 1:
            return Value(zones[0])
        return PerOrganisation(tuple((self.by_zone[zone], Value(zone)) for zone in zones[:-1]),
                               Value(zones[-1]), output_field=CharField())

    def period(self, field: str, f: Filters) -> Q:
        """``field`` falls on a local date in the period: from the first instant of its
        first day to the first instant after its last day, where each organisation is.
        Zones that agree on these instants (Oslo and Copenhagen do) share one range."""
        groups: dict[tuple[datetime, datetime], list[int]] = {}
        for zone, ids in self.by_zone.items():
            groups.setdefault(_local_midnights(zone, f.start, f.end), []).extend(ids)
        if not groups:
            return Q(pk__in=[])
        ranges = sorted(groups.items(), key=lambda item: len(item[1]))
        if len(ranges) == 1:
            (low, high), _ids = ranges[0]
            return Q(**{f"{field}__gte": low, f"{field}__lt": high})
        condition, others = Q(pk__in=[]), []
        for (low, high), ids in ranges[:-1]:
            condition |= Q(organisation_id__in=ids, **{f"{field}__gte": low,
                                                     f"{field}__lt": high})
            others.extend(ids)
        (low, high), _ids = ranges[-1]
        return condition | (~Q(organisation_id__in=others)
                            & Q(**{f"{field}__gte": low, f"{field}__lt": high}))

    def month_index(self, field: str, f: Filters) -> MonthIndex | PerOrganisation:
        """The position in ``f.months()`` of the local month ``field`` falls in, for a row
        already filtered to the period (``MonthIndex`` of the instants the months after the
        first begin, where each organisation is). Zones whose months begin at the same
        instants (Oslo and Copenhagen) share one expression."""
        starts = f.months()[1:]
        groups: dict[tuple[datetime, ...], list[int]] = {}
        for zone, ids in self.by_zone.items():
            instants = tuple(_local_midnight(zone, month) for month in starts)
            groups.setdefault(instants, []).extend(ids)
        ranked = sorted(groups.items(), key=lambda item: len(item[1]))
        if len(ranked) <= 1:
            return MonthIndex(field, ranked[0][0] if ranked else ())
        return PerOrganisation(
            tuple((tuple(ids), MonthIndex(field, instants)) for instants, ids in ranked[:-1]),
            MonthIndex(field, ranked[-1][0]), output_field=IntegerField())


@functools.lru_cache(maxsize=4096)
def _local_midnight(zone: str, day: date) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone``."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone)).astimezone(UTC)


@functools.lru_cache(maxsize=256)
def _local_midnights(zone: str, start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants at which ``start`` begins and the day after ``end`` begins in
    ``zone`` (a midnight skipped by a clock change maps to the first instant of the day)."""
    tz = ZoneInfo(zone)
    first = datetime.combine(start, time.min, tzinfo=tz).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return first, after


def received_in(f: Filters, zones: Zones | None = None) -> QuerySet[Request]:
    zones = zones or Zones.of(f)
    return requests_for(f, zones.period("received_at", f))


def closed_in(f: Filters, zones: Zones | None = None) -> QuerySet[Request]:
    """Closed in the period, with ``closed_on`` (the local date) for ``ON_TIME``."""
    zones = zones or Zones.of(f)
    return (requests_for(f, zones.period("closed_at", f), status__in=CLOSED_STATUSES)
            .alias(closed_on=LocalDate("closed_at", zones.expression)))


def answered_in(f: Filters, zones: Zones | None = None) -> QuerySet[Request]:
    return closed_in(f, zones).filter(status__in=ANSWERED_STATUSES)


def today_where_organisation_is(f: Filters, zones: Zones) -> LocalDate:
    return LocalDate(Value(f.now, output_field=DateTimeField()), zones.expression)


@contextmanager
def snapshot():
    """Run the reports of one page or file in one read-only transaction, so that they all
    see the same data (on PostgreSQL: REPEATABLE READ, with ``PLANNER_SETTINGS``)."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
                               + planner_settings_sql())
        yield


#: Planner settings for the reports' own transaction (``SET LOCAL``: they end with it).
#:
#: * ``work_mem``: the aggregates hash a few thousand groups, but PostgreSQL cannot estimate
#:   the groups of an expression (a local month, days to close) and expects one per row, so
#:   at the default 4 MB it sorted a year's rows on disk instead; 64 MB lets it hash them
#:   (the hash tables take about 15 MB, and spill to disk rather than grow past the limit).
#: * ``parallel_tuple_cost``: the planner prices a time-zone conversion like an addition, so
#:   it saw no gain in having parallel workers compute the local dates and sent every row
#:   through one process. Priced at zero, the workers scan and compute, and the leader only
#:   counts: the closed requests' scan takes about 160 ms instead of 260 ms for a year of
#:   1,000 organisations. ``parallel_setup_cost`` stays, so small queries (one
#:   organisation) still run in one process.
PLANNER_SETTINGS = {"work_mem": "64MB", "parallel_tuple_cost": "0"}


def planner_settings_sql() -> str:
    return " ".join(f"SET LOCAL {name} = '{value}';" for name, value in PLANNER_SETTINGS.items())


def share(part: int | None, whole: int | None) -> float | None:
    """``part`` as a percentage of ``whole``, to one decimal; None when there is no whole."""
    if not whole:
        return None
    return round(100 * (part or 0) / whole, 1)


# --- Reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: text, int, pct, days, month, date or link (a text with ``<key>_url`` beside it).
    kind: str = "int"

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "pct", "days")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{formats.number_format(value, 1)}\u00a0%"


def _days(value: float | None) -> str:
    return "–" if value is None else formats.number_format(value, 1)


def _short_month(month: date) -> str:
    return formats.date_format(month, "M y") if month else ""


class Report:
    """One table of the page (and a sheet of the XLSX, a section of the PDF)."""

    slug = ""
    title = ""
    description = ""
    #: Which requests are counted: "received", "closed" (in the period) or "now".
    basis = "received"

    def __init__(self, filters: Filters, aggregates: Aggregates | None = None):
        self.filters = filters
        self.aggregates = aggregates or Aggregates(filters)

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def rows(self) -> list[dict]:
        raise NotImplementedError

    @cached_property
    def data(self) -> list[dict]:
        return self.rows()

    def chart(self):
        return None

    def basis_text(self) -> str:
        return {"received": _("Requests received in the period."),
                "closed": _("Requests closed in the period."),
                "now": _("As of now, whatever the period.")}[self.basis]

    def html_rows(self) -> list[tuple[bool, SafeString]]:
        """(is a total, the row's cells as HTML) for the templates. Built here rather than
        cell by cell in the template: a year's tables have a few hundred cells."""
        columns = self.columns()
        out = []
        for row in self.data:
            cells = []
            for index, column in enumerate(columns):
                text = display(row.get(column.key), column.kind)
                url = row.get(f"{column.key}_url") if column.kind == "link" else None
                inner = format_html('<a href="{}">{}</a>', url, text) if url else escape(text)
                if index == 0:
                    cells.append(format_html('<th scope="row">{}</th>', inner))
                elif column.numeric:
                    cells.append(format_html('<td class="num">{}</td>', inner))
                else:
                    cells.append(format_html("<td>{}</td>", inner))
            out.append((bool(row.get("_total")), mark_safe("".join(cells))))  # noqa: S308
        return out


def display(value, kind: str) -> str:
    if value is None:
        return "–"
    if kind in ("month", "date") and not isinstance(value, date):
        return str(value)  # the label of a total row
    if kind == "pct":
        return _pct(value)
    if kind == "days":
        return _days(value)
    if kind == "month":
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    if kind == "date":
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if kind == "int":
        return formats.number_format(value, force_grouping=True)
    return str(value)


def _types(f: Filters) -> list[RequestType]:
    return [RequestType(f.type)] if f.type else list(RequestType)


def _total_row(rows: list[dict], label_key: str, label: str, keys: Sequence[str]) -> dict:
    total = {label_key: label, "_total": True}
    for key in keys:
        total[key] = sum(row.get(key) or 0 for row in rows)
    return total


def grouped_counts(queryset: QuerySet, sets: dict[str, Sequence[str]]) -> dict[str, list[tuple]]:
    """How many rows of ``queryset`` there are per combination of the values named in each
    set: ``{name: [(value, …, count), …]}``, the values in the order of ``sets[name]``.

    On PostgreSQL this is one statement, ``GROUP BY GROUPING SETS``: one scan of the rows
    (and one computation of their local dates) feeds every set, where one ``GROUP BY``
    per set read the same rows again for each. Django's ORM has no grouping sets, so the
    ORM builds the rows (filters, local dates: the same expressions as everywhere else) and
    the statement only wraps them. Elsewhere (SQLite) each set is its own ``GROUP BY``;
    the tests run both and compare them with figures known in advance.
    """
    if connection.vendor != "postgresql":
        return {name: list(queryset.values_list(*keys).annotate(count=count_rows()).order_by())
                for name, keys in sets.items()}
    columns = list(dict.fromkeys(key for keys in sets.values() for key in keys))
    quote = connection.ops.quote_name
    rows_sql, params = queryset.values(*columns).query.sql_with_params()
    # GROUPING(a, b, …) has a bit set for each column a set does not group by.
    masks = {sum(1 << (len(columns) - 1 - columns.index(column))
                 for column in columns if column not in keys): name
             for name, keys in sets.items()}
    sql = (f"SELECT GROUPING({', '.join(map(quote, columns))}), "
           f"{', '.join(map(quote, columns))}, COUNT(*) FROM ({rows_sql}) AS rows "
           f"GROUP BY GROUPING SETS ("
           + ", ".join(f"({', '.join(map(quote, keys))})" for keys in sets.values()) + ")")
    found: dict[str, list[tuple]] = {name: [] for name in sets}
    positions = {name: [columns.index(key) for key in keys] for name, keys in sets.items()}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for mask, *values, count in cursor.fetchall():
            name = masks[mask]
            found[name].append((*(values[i] for i in positions[name]), count))
    return found


def fold_received(groups, months: list[date]) -> dict[date, dict]:
    """``Aggregates.received`` from its groups, (month index, type, channel, relationship,
    count): the sums per month. (A function, so that the benchmark can give raw SQL the same
    work.)"""
    found: dict[date, dict] = {}
    for index, kind, channel, relationship, count in groups:
        into = found.setdefault(months[index], {"total": 0})
        into["total"] += count
        for key in (f"t_{kind}", f"c_{channel}", f"r_{relationship}"):
            into[key] = into.get(key, 0) + count
    for into in found.values():
        for key in ([f"t_{t}" for t in RequestType.values]
                    + [f"c_{c}" for c in Channel.values]
                    + [f"r_{r}" for r in Relationship.values]):
            into.setdefault(key, 0)
    return found


class Aggregates:
    """The grouped queries the reports read, each run at most once per page or file.

    Rather than one scan of the period's requests per table, the tables share one grouped
    query per population, and add up its groups:

    * ``received``: requests received, counted per local month, type, channel and
      relationship;
    * the closed requests, in one scan grouped three ways (``grouped_counts``):

      - ``closed``: counted per local month, type, status, partial refusal, extension (and
        its reason), refusal ground, on time or not, erased or not;
      - ``days``: answered requests counted per type and number of days to close (a
        histogram, from which the median and 90th percentile are interpolated exactly as
        ``percentile_cont`` does, see ``percentile``);
      - ``forwarded``: forwarded requests counted per controller.

    The database does the counting; Python adds up the groups, whose number depends on the
    combinations that occur (a few thousand for a year of 1,000 organisations), never on the
    number of requests. A plain ``GROUP BY`` measured faster than one ``COUNT(*) FILTER``
    per figure (docs/benchmarks.md): hashing a few columns costs less per row than thirty
    conditions.
    """

    def __init__(self, filters: Filters):
        self.filters = filters

    @cached_property
    def zones(self) -> Zones:
        """Known from the form (the organisations it read), else read once, inside the
        snapshot, with the requests."""
        return Zones.of(self.filters)

    @cached_property
    def received(self) -> dict[date, dict]:
        """{month: {"total", "t_<type>", "c_<channel>", "r_<relationship>": count}}."""
        groups = (received_in(self.filters, self.zones)
                  .annotate(month=self.zones.month_index("received_at", self.filters))
                  .values_list("month", "type", "channel", "relationship")
                  .annotate(count=count_rows()))
        return fold_received(groups, self.filters.months())

    @cached_property
    def _closed_groups(self) -> dict[str, list[tuple]]:
        """The requests closed in the period, read once and counted three ways."""
        zone = self.zones.expression
        flag = {"output_field": BooleanField(), "default": Value(False)}
        rows = closed_in(self.filters, self.zones).annotate(
            month=self.zones.month_index("closed_at", self.filters),
            on_time=Case(When(ON_TIME, then=Value(True)), **flag),
            extended=Case(When(EXTENDED, then=Value(True)), **flag),
            purged=Case(When(purged_at__isnull=False, then=Value(True)), **flag),
            days=days_to_close(zone))
        return grouped_counts(rows, {
            "closed": ("month", "type", "status", "partly_refused", "extension_reason",
                       "refusal_ground", "on_time", "extended", "purged"),
            "days": ("type", "status", "days"),
            "forwarded": ("status", "forwarded_to_name"),
        })

    @cached_property
    def closed(self) -> list[dict]:
        """One dict of counts per (month, type) that has closed requests: closed, answered,
        on_time, extended_answered, extended_on_time, extended, purged, outcome_<outcome>,
        reason_<reason> ("reason_" when none was recorded), wholly_<ground>, partly_<ground>.
        """
        months = self.filters.months()
        empty = dict.fromkeys(
            ["closed", "answered", "on_time", "extended_answered", "extended_on_time",
             "extended", "purged", "reason_"]
            + [f"outcome_{key}" for key, _label in OUTCOMES]
            + [f"reason_{r}" for r in ExtensionReason.values]
            + [f"{how}_{g}" for g in RefusalGround.values for how in ("wholly", "partly")], 0)
        cells: dict[tuple, dict] = {}
        for (index, kind, status, partly, reason, ground, on_time, extended, purged,
             count) in self._closed_groups["closed"]:
            month = months[index]
            into = cells.setdefault((month, kind), {"month": month, "type": kind, **empty})
            answered = status in ANSWERED_STATUSES
            partly = status == Status.COMPLETED and partly
            outcome = "partly_refused" if partly else status
            keys = ["closed", f"outcome_{outcome}"]
            keys += ["answered"] if answered else []
            keys += ["on_time"] if answered and on_time else []
            keys += ["extended", f"reason_{reason}"] if extended else []
            keys += ["extended_answered"] if extended and answered else []
            keys += ["extended_on_time"] if extended and answered and on_time else []
            keys += ["purged"] if purged else []
            if ground and status == Status.REFUSED:
                keys.append(f"wholly_{ground}")
            elif ground and partly:
                keys.append(f"partly_{ground}")
            for key in keys:
                into[key] = into.get(key, 0) + count
        return list(cells.values())

    @cached_property
    def days(self) -> dict[str, list[tuple[int, int]]]:
        """{type: [(days to close, how many answered requests took that long)]}."""
        histogram: dict[str, list[tuple[int, int]]] = {}
        for kind, status, days, count in self._closed_groups["days"]:
            if status in ANSWERED_STATUSES:
                histogram.setdefault(kind, []).append((days, count))
        return histogram

    @cached_property
    def forwarded(self) -> list[tuple[str, int]]:
        """[(controller's name, how many requests were forwarded to it)], the most first."""
        counts = [(name, count) for status, name, count in self._closed_groups["forwarded"]
                  if status == Status.FORWARDED]
        return sorted(counts, key=lambda pair: (-pair[1], pair[0]))

    def closed_by(self, key: str) -> dict:
        """The ``closed`` counts added up per type or per month."""
        totals: dict = {}
        for row in self.closed:
            into = totals.setdefault(row[key], {})
            for name, value in row.items():
                if name not in ("month", "type"):
                    into[name] = into.get(name, 0) + value
        return totals

    def closed_total(self) -> dict:
        totals: dict = {}
        for row in self.closed:
            for name, value in row.items():
                if name not in ("month", "type"):
                    totals[name] = totals.get(name, 0) + value
        return totals


#: (key, label) of each way a closed request ended; the key is the status, but for
#: "partly_refused" (completed, with part of it refused).
OUTCOMES = (
    ("completed", gettext_lazy("Completed")),
    ("partly_refused", gettext_lazy("Partly refused")),
    ("refused", gettext_lazy("Refused")),
    ("forwarded", gettext_lazy("Forwarded to the controller")),
    ("withdrawn", gettext_lazy("Withdrawn")),
)


class ReceivedByMonth(Report):
    slug = "received"
    title = gettext_lazy("Requests received per month, by type")
    description = gettext_lazy("How many requests came in each month, by the right exercised.")

    def columns(self):
        return ([Column("month", _("Month"), "month")]
                + [Column(t.value, t.label) for t in _types(self.filters)]
                + [Column("total", _("All types"))])

    def rows(self):
        types = _types(self.filters)
        counts = self.aggregates.received
        rows = []
        for month in self.filters.months():
            found = counts.get(month, {})
            row = {"month": month, "total": found.get("total", 0)}
            row.update({t.value: found.get(f"t_{t.value}", 0) for t in types})
            rows.append(row)
        rows.append(_total_row(rows, "month", _("Total"),
                               [t.value for t in types] + ["total"]))
        return rows

    def chart(self):
        months = [row for row in self.data if not row.get("_total")]
        types = _types(self.filters)
        return charts.stacked_bars(
            [_short_month(row["month"]) for row in months],
            [charts.Series(t.label, [row[t.value] for row in months]) for t in types],
            title=str(self.title),
            desc=_("Stacked bars, one per month; each segment is a type of request, with its "
                   "pattern and its number. The table beside the chart has every figure."))


class OpenByStatus(Report):
    slug = "open"
    title = gettext_lazy("Open requests by status")
    description = gettext_lazy("Requests not yet closed, and how many of them are past their "
                               "due date.")
    basis = "now"

    def columns(self):
        return [Column("status", _("Status"), "text"), Column("open", _("Open")),
                Column("overdue", _("Of which overdue"))]

    def rows(self):
        today = today_where_organisation_is(self.filters, self.aggregates.zones)
        found = {
            row["status"]: row for row in requests_for(self.filters)
            .filter(status__in=OPEN_STATUSES).alias(today=today).values("status")
            .annotate(open=count_rows(), overdue=count_rows(Q(due_date__lt=F("today"))))
        }
        rows = [{"status": s.label, "open": found.get(s.value, {}).get("open", 0),
                 "overdue": found.get(s.value, {}).get("overdue", 0)}
                for s in Status if s in OPEN_STATUSES]
        rows.append(_total_row(rows, "status", _("Total"), ["open", "overdue"]))
        return rows

    def chart(self):
        rows = [row for row in self.data if not row.get("_total")]
        return charts.bars(
            [row["status"] for row in rows],
            [charts.Series(_("Open"), [row["open"] for row in rows]),
             charts.Series(_("Of which overdue"), [row["overdue"] for row in rows])],
            title=str(self.title),
            desc=_("Horizontal bars per status: open requests, and those overdue."))


def _with_rates(row: dict) -> dict:
    row["plain_answered"] = row["answered"] - row["extended_answered"]
    row["plain_on_time"] = row["on_time"] - row["extended_on_time"]
    for prefix in ("", "plain_", "extended_"):
        row[f"{prefix}rate"] = share(row[f"{prefix}on_time"], row[f"{prefix}answered"])
    return row


class OnTimeByType(Report):
    slug = "on-time"
    title = gettext_lazy("Answered on time, by type")
    description = gettext_lazy("The share of answered requests closed by their due date, "
                               "with and without an extension of the time limit.")
    basis = "closed"
    KEYS = ("answered", "on_time", "extended_answered", "extended_on_time")

    def columns(self):
        return [Column("type", _("Type"), "text"),
                Column("answered", _("Answered")), Column("on_time", _("On time")),
                Column("rate", _("On time (%)"), "pct"),
                Column("plain_answered", _("Answered without extension")),
                Column("plain_on_time", _("On time without extension")),
                Column("plain_rate", _("On time without extension (%)"), "pct"),
                Column("extended_answered", _("Answered after extension")),
                Column("extended_on_time", _("On time after extension")),
                Column("extended_rate", _("On time after extension (%)"), "pct")]

    def rows(self):
        found = self.aggregates.closed_by("type")
        rows = [{"type": t.label, **{k: found.get(t.value, {}).get(k, 0) for k in self.KEYS}}
                for t in _types(self.filters)]
        rows.append(_total_row(rows, "type", _("All types"), self.KEYS))
        return [_with_rates(row) for row in rows]

    def chart(self):
        return charts.bars(
            [row["type"] for row in self.data],
            [charts.Series(_("All"), [row["rate"] for row in self.data]),
             charts.Series(_("Without extension"), [row["plain_rate"] for row in self.data]),
             charts.Series(_("After extension"), [row["extended_rate"] for row in self.data])],
            title=str(self.title), fmt=_pct, maximum=100,
            desc=_("Horizontal bars per type: the percentage answered on time in all, without "
                   "and after an extension. A dash marks a type with no answered request."))


class OnTimeTrend(Report):
    slug = "on-time-trend"
    title = gettext_lazy("Answered on time, per month")
    description = gettext_lazy("The trend: requests answered in each month and the share "
                               "answered by the due date.")
    basis = "closed"

    def columns(self):
        return [Column("month", _("Month closed"), "month"), Column("answered", _("Answered")),
                Column("on_time", _("On time")), Column("late", _("Late")),
                Column("rate", _("On time (%)"), "pct")]

    def rows(self):
        found = self.aggregates.closed_by("month")
        rows = []
        for month in self.filters.months():
            answered = found.get(month, {}).get("answered", 0)
            on_time = found.get(month, {}).get("on_time", 0)
            rows.append({"month": month, "answered": answered, "on_time": on_time,
                         "late": answered - on_time, "rate": share(on_time, answered)})
        total = _total_row(rows, "month", _("Total"), ["answered", "on_time", "late"])
        total["rate"] = share(total["on_time"], total["answered"])
        rows.append(total)
        return rows

    def chart(self):
        rows = [row for row in self.data if not row.get("_total")]
        return charts.bars(
            [formats.date_format(row["month"], "YEAR_MONTH_FORMAT") for row in rows],
            [charts.Series(_("On time (%)"), [row["rate"] for row in rows])],
            title=str(self.title), fmt=_pct, maximum=100,
            desc=_("One horizontal bar per month: the percentage of the requests answered "
                   "that month that were on time. A dash marks a month with none."))


class TimeToClose(Report):
    slug = "time-to-close"
    title = gettext_lazy("Time to close, by type")
    description = gettext_lazy("Calendar days from receipt to closing of answered requests: "
                               "the median and the 90th percentile.")
    basis = "closed"

    def columns(self):
        return [Column("type", _("Type"), "text"), Column("answered", _("Answered")),
                Column("median", _("Median (days)"), "days"),
                Column("p90", _("90th percentile (days)"), "days")]

    def rows(self):
        histogram = self.aggregates.days

        def row(label, counts, **extra):
            return {"type": label, "answered": sum(n for _days, n in counts),
                    "median": _round(percentile(counts, 0.5)),
                    "p90": _round(percentile(counts, 0.9)), **extra}

        rows = [row(t.label, histogram.get(t.value, [])) for t in _types(self.filters)]
        every = [pair for counts in histogram.values() for pair in counts]
        rows.append(row(_("All types"), every, _total=True))
        return rows

    def chart(self):
        return charts.bars(
            [row["type"] for row in self.data],
            [charts.Series(_("Median"), [row["median"] for row in self.data]),
             charts.Series(_("90th percentile"), [row["p90"] for row in self.data])],
            title=str(self.title), fmt=_days,
            desc=_("Horizontal bars per type: median and 90th percentile of the days to "
                   "close. A dash marks a type with no answered request."))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


class Overdue(Report):
    slug = "overdue"
    title = gettext_lazy("Overdue now")
    description = gettext_lazy("Open requests past their due date, the longest overdue "
                               "first.")
    basis = "now"
    limit: int | None = OVERDUE_ON_PAGE
    #: How many requests are overdue in all (set by ``rows``).
    count = 0

    def columns(self):
        return [Column("reference", _("Reference"), "link"),
                Column("organisation", _("Organisation"), "text"),
                Column("type", _("Type"), "text"), Column("status", _("Status"), "text"),
                Column("received", _("Received"), "date"), Column("due", _("Due"), "date"),
                Column("days_overdue", _("Days overdue")),
                Column("assignee", _("Assignee"), "text")]

    def queryset(self):
        zones = self.aggregates.zones
        today = today_where_organisation_is(self.filters, zones)
        return (requests_for(self.filters).filter(status__in=OPEN_STATUSES)
                .alias(today=today).filter(due_date__lt=F("today"))
                .annotate(days_overdue=DaysBetween(F("today"), F("due_date")),
                          received=LocalDate("received_at", zones.expression),
                          count=Window(Count("*")))
                .values("pk", "reference", "organisation__name", "type", "status",
                        "received", "due_date", "days_overdue", "count",
                        "assignee__username", "assignee__first_name", "assignee__last_name")
                # By the days overdue, not the due date: the queue's index on the due date
                # (req_queue_order_idx) would have the database walk every request's entry,
                # and this list needs all the overdue ones for its window count anyway.
                .order_by(F("days_overdue").desc(), "received_at", "pk"))

    def rows(self):
        qs = self.queryset()
        if self.limit is not None:
            qs = qs[:self.limit]
        change = reverse("admin:requests_app_request_change", args=[0])
        types, statuses, nobody = dict(RequestType.choices), dict(Status.choices), _("Nobody")
        rows = []
        for row in qs:
            self.count = row["count"]
            name = " ".join(filter(None, [row["assignee__first_name"],
                                          row["assignee__last_name"]]))
            rows.append({
                "reference": row["reference"],
                "reference_url": change.replace("/0/", f"/{row['pk']}/"),
                "organisation": row["organisation__name"],
                "type": types[row["type"]], "status": statuses[row["status"]],
                "received": row["received"], "due": row["due_date"],
                "days_overdue": row["days_overdue"],
                "assignee": name or row["assignee__username"] or nobody,
            })
        return rows

    @property
    def more(self) -> int:
        """How many overdue requests the page does not list."""
        return max(0, self.count - len(self.data))


class Extensions(Report):
    slug = "extensions"
    title = gettext_lazy("Extensions of the time limit")
    description = gettext_lazy("Closed requests whose time limit was extended (Art. 12(3)), "
                               "by reason, as a share of all requests closed.")
    basis = "closed"

    def columns(self):
        return [Column("reason", _("Reason"), "text"), Column("count", _("Requests")),
                Column("share", _("Share of closed requests (%)"), "pct")]

    def rows(self):
        total = self.aggregates.closed_total()
        closed = total.get("closed", 0)
        rows = [{"reason": reason.label, "count": total.get(f"reason_{reason.value}", 0)}
                for reason in ExtensionReason]
        if total.get("reason_"):
            rows.append({"reason": _("No reason recorded"), "count": total["reason_"]})
        rows.append(_total_row(rows, "reason", _("Extended, in all"), ["count"]))
        rows.append({"reason": _("Requests closed"), "count": closed, "_total": True})
        for row in rows:
            row["share"] = share(row["count"], closed)
        return rows

    def chart(self):
        rows = self.data[:-1]
        return charts.bars(
            [row["reason"] for row in rows],
            [charts.Series(_("Share of closed requests (%)"), [row["share"] for row in rows])],
            title=str(self.title), fmt=_pct, maximum=100,
            desc=_("Horizontal bars per reason: the percentage of closed requests extended "
                   "for that reason."))


class Refusals(Report):
    slug = "refusals"
    title = gettext_lazy("Refusals, by legal ground")
    description = gettext_lazy("Closed requests refused in whole or in part, by the ground "
                               "given, as a share of all requests closed.")
    basis = "closed"

    def columns(self):
        return [Column("ground", _("Ground"), "text"), Column("wholly", _("Refused")),
                Column("partly", _("Partly refused")), Column("count", _("Together")),
                Column("share", _("Share of closed requests (%)"), "pct")]

    def rows(self):
        total = self.aggregates.closed_total()
        closed = total.get("closed", 0)
        rows = []
        for ground in RefusalGround:
            wholly = total.get(f"wholly_{ground.value}", 0)
            partly = total.get(f"partly_{ground.value}", 0)
            if wholly or partly:
                rows.append({"ground": ground.label, "wholly": wholly, "partly": partly,
                             "count": wholly + partly})
        rows.append(_total_row(rows, "ground", _("Refused, in all"),
                               ["wholly", "partly", "count"]))
        rows.append({"ground": _("Requests closed"), "count": closed, "_total": True})
        for row in rows:
            row["share"] = share(row["count"], closed)
        return rows

    def chart(self):
        rows = self.data[:-2]
        if not rows:
            return None
        return charts.bars(
            [row["ground"] for row in rows],
            [charts.Series(_("Refused"), [row["wholly"] for row in rows]),
             charts.Series(_("Partly refused"), [row["partly"] for row in rows])],
            title=str(self.title),
            desc=_("Horizontal bars per legal ground: requests refused in whole and in part."))


class Outcomes(Report):
    slug = "outcomes"
    title = gettext_lazy("Outcomes, by type")
    description = gettext_lazy("How the requests closed in the period ended, per type.")
    basis = "closed"
    KEYS = ["closed"] + [f"outcome_{key}" for key, _label in OUTCOMES] + [
        "extended", "purged"]

    def columns(self):
        return ([Column("type", _("Type"), "text"), Column("closed", _("Closed"))]
                + [Column(f"outcome_{key}", str(label)) for key, label in OUTCOMES]
                + [Column("extended", _("Extended")),
                   Column("purged", _("Personal data erased"))])

    def rows(self):
        found = self.aggregates.closed_by("type")
        rows = [{"type": t.label, **{k: found.get(t.value, {}).get(k, 0) for k in self.KEYS}}
                for t in _types(self.filters)]
        rows.append(_total_row(rows, "type", _("All types"), self.KEYS))
        return rows

    def chart(self):
        rows = [row for row in self.data if not row.get("_total")]
        return charts.stacked_bars(
            [row["type"] for row in rows],
            [charts.Series(str(label), [row[f"outcome_{key}"] for row in rows])
             for key, label in OUTCOMES],
            title=str(self.title),
            desc=_("Stacked bars, one per type; each segment is an outcome, with its pattern "
                   "and its number."))


class _Breakdown(Report):
    """Requests received, by the value of one field with choices."""

    prefix = ""
    choices: type = Channel
    label = ""

    def columns(self):
        return [Column("value", str(self.label), "text"), Column("count", _("Requests")),
                Column("share", _("Share (%)"), "pct")]

    def rows(self):
        months = self.aggregates.received.values()
        total = sum(row["total"] for row in months)
        rows = []
        for choice in self.choices:
            count = sum(row[f"{self.prefix}{choice.value}"] for row in months)
            rows.append({"value": choice.label, "count": count, "share": share(count, total)})
        rows.append({"value": _("Total"), "count": total, "share": share(total, total),
                     "_total": True})
        return rows

    def chart(self):
        rows = self.data[:-1]
        return charts.bars(
            [row["value"] for row in rows],
            [charts.Series(_("Requests"), [row["count"] for row in rows])],
            title=str(self.title),
            desc=_("One horizontal bar per value, with its number of requests."))


class Channels(_Breakdown):
    slug = "channels"
    title = gettext_lazy("Channel")
    description = gettext_lazy("How the requests reached the organisation.")
    prefix = "c_"
    choices = Channel
    label = gettext_lazy("Channel")


class Relationships(_Breakdown):
    slug = "relationships"
    title = gettext_lazy("Relationship of the requester")
    description = gettext_lazy("How the requesters relate to the organisation.")
    prefix = "r_"
    choices = Relationship
    label = gettext_lazy("Relationship")


class Forwarded(Report):
    slug = "forwarded"
    title = gettext_lazy("Forwarded to a controller")
    description = gettext_lazy("Requests a processor passed on to the controller responsible "
                               "(Art. 28(3)(e)), by controller, as a share of all requests "
                               "closed.")
    basis = "closed"

    def columns(self):
        return [Column("controller", _("Controller"), "text"), Column("count", _("Requests")),
                Column("share", _("Share of closed requests (%)"), "pct")]

    def rows(self):
        closed = self.aggregates.closed_total().get("closed", 0)
        rows = [{"controller": name or _("(no name given)"), "count": count}
                for name, count in self.aggregates.forwarded]
        rows.append(_total_row(rows, "controller", _("Forwarded, in all"), ["count"]))
        rows.append({"controller": _("Requests closed"), "count": closed, "_total": True})
        for row in rows:
            row["share"] = share(row["count"], closed)
        return rows


REPORTS: list[type[Report]] = [ReceivedByMonth, OpenByStatus, OnTimeByType, OnTimeTrend,
                               TimeToClose, Overdue, Outcomes, Extensions, Refusals, Channels,
                               Relationships, Forwarded]
BY_SLUG = {report.slug: report for report in REPORTS}


def build(filters: Filters, *, full: bool = False) -> list[Report]:
    """Every report, computed in one snapshot from shared ``Aggregates``. ``full`` lists every
    overdue request."""
    aggregates = Aggregates(filters)
    reports = [report(filters, aggregates) for report in REPORTS]
    for report in reports:
        if full and isinstance(report, Overdue):
            report.limit = None
    with snapshot():
        for report in reports:
            report.data  # noqa: B018 - evaluated here, inside the snapshot
    return reports


# --- Exports -------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading
    apostrophe; numbers and dates pass as they are. Requesters and staff type these texts."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_value(value, kind: str):
    """A cell for CSV or XLSX: numbers stay numbers, months are YYYY-MM, dates ISO."""
    if value is None:
        return ""
    if kind == "month" and isinstance(value, date):
        return value.strftime("%Y-%m")
    if isinstance(value, date):
        return value.isoformat()
    return escape_cell(str(value)) if not isinstance(value, int | float) else value


def table(report: Report) -> Iterator[list]:
    """The header and the rows of a report, ready for a writer."""
    columns = report.columns()
    yield [escape_cell(str(column.label)) for column in columns]
    for row in report.data:
        yield [export_value(row.get(column.key), column.kind) for column in columns]


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(table(report))
    return out.getvalue()


def _sheet_title(title: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:28] or "Sheet"
    candidate, number = name, 2
    while candidate.lower() in taken:
        candidate, number = f"{name[:26]} {number}", number + 1
    taken.add(candidate.lower())
    return candidate


def reports_xlsx(filters: Filters, reports: list[Report]) -> bytes:
    """Every table in one workbook (openpyxl's write-only mode): an "About" sheet with the
    filters, then one sheet per report."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    taken: set[str] = set()
    about = workbook.create_sheet(_sheet_title(_("About"), taken))
    about.append([escape_cell(_("Reports on data-subject requests"))])
    about.append([escape_cell(_("Generated")), timezone.localtime(filters.now).strftime(
        "%Y-%m-%d %H:%M")])
    for label, value in filters.describe():
        about.append([escape_cell(label), escape_cell(value)])
    for report in reports:
        sheet = workbook.create_sheet(_sheet_title(str(report.title), taken))
        rows = table(report)
        header = []
        for label in next(rows):
            cell = WriteOnlyCell(sheet, value=label)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# The register: one row per request, never a personal field (name, address, phone,
# description, details, status link, assignee).
REGISTER_COLUMNS = [
    ("reference", gettext_lazy("Reference")),
    ("organisation__slug", gettext_lazy("Organisation")),
    ("organisation__country", gettext_lazy("Country")),
    ("type", gettext_lazy("Type")),
    ("channel", gettext_lazy("Channel")),
    ("relationship", gettext_lazy("Relationship")),
    ("received_at", gettext_lazy("Received (UTC)")),
    ("received_on", gettext_lazy("Received (local date)")),
    ("statutory_due_date", gettext_lazy("Statutory due date")),
    ("due_date", gettext_lazy("Due date")),
    ("extended_on", gettext_lazy("Extended (local date)")),
    ("extension_reason", gettext_lazy("Reason for extension")),
    ("status", gettext_lazy("Status")),
    ("closed_on", gettext_lazy("Closed (local date)")),
    ("on_time", gettext_lazy("Answered on time")),
    ("refusal_ground", gettext_lazy("Refusal ground")),
    ("partly_refused", gettext_lazy("Partly refused")),
    ("forwarded_to_name", gettext_lazy("Forwarded to (controller)")),
    ("purged_on", gettext_lazy("Personal data erased (date)")),
]
_LABELS = {"type": RequestType, "channel": Channel, "relationship": Relationship,
           "status": Status, "extension_reason": ExtensionReason,
           "refusal_ground": RefusalGround}


def register_queryset(f: Filters):
    """The requests received in the period, oldest first, as tuples of REGISTER_COLUMNS."""
    on_time = Case(
        When(~Q(status__in=ANSWERED_STATUSES), then=Value("")),
        When(ON_TIME, then=Value("yes")),
        default=Value("no"), output_field=CharField(),
    )
    zones = Zones.of(f)
    zone = zones.expression
    return (received_in(f, zones)
            .annotate(received_on=LocalDate("received_at", zone),
                      closed_on=LocalDate("closed_at", zone),
                      extended_on=LocalDate("extended_at", zone),
                      purged_on=LocalDate("purged_at", zone), on_time=on_time)
            .order_by("received_at", "pk")
            .values_list(*[key for key, _label in REGISTER_COLUMNS]))


def register_lines(f: Filters, chunk_size: int = 5000) -> Iterator[str]:
    """The register as CSV lines, streamed in blocks of about 1,000 rows.

    Only the cells that need it are converted (the csv module writes NULL as an empty cell
    and dates as ISO dates): codes become labels, yes/no, the UTC time, and the texts anyone
    could have typed (the slug, the controller's name) are escaped against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([escape_cell(str(label)) for _key, label in REGISTER_COLUMNS])
    yield flush()
    yes, no = _("yes"), _("no")
    convert = {key: functools.partial(_label, {code: escape_cell(str(label))
                                               for code, label in choices.choices})
               for key, choices in _LABELS.items()}
    convert.update({
        "organisation__slug": escape_cell, "forwarded_to_name": escape_cell,
        "on_time": {"yes": yes, "no": no, "": ""}.get,
        "partly_refused": lambda value: yes if value else "",
        "received_at": lambda value: value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    converters = [(index, convert[key]) for index, (key, _label) in enumerate(REGISTER_COLUMNS)
                  if key in convert]
    for count, values in enumerate(register_queryset(f).iterator(chunk_size=chunk_size), 1):
        row = list(values)
        for index, function in converters:
            row[index] = function(row[index])
        writer.writerow(row)
        if count % 1000 == 0:
            yield flush()
    yield flush()


def _label(labels: dict, code: str) -> str:
    return labels.get(code, code)


def annual_pdf(filters: Filters, reports: list[Report], *, base_url: str | None = None) -> bytes:
    """The annual report for the accountability file (Art. 5(2)): every table, per type, with
    its chart, rendered by WeasyPrint from ``staff/reports_annual.html``."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string("staff/reports_annual.html", {
        "filters": filters, "reports": reports, "definitions": DEFINITIONS,
        "generated": timezone.localtime(filters.now)})
    return HTML(string=html, base_url=base_url).write_pdf()
