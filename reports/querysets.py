"""The querysets every report starts from: requests received, closed or answered in the
period, with period bounds computed once per time zone as UTC instants."""

from __future__ import annotations

import functools
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    CharField,
    Expression,
    IntegerField,
    Q,
    QuerySet,
    Value,
)

from reports.expressions import ANSWERED_STATUSES, LocalDate, MonthIndex, PerOrganisation
from reports.filters import Filters
from requests_app.clock import legal
from requests_app.models import (
    CLOSED_STATUSES,
    Organisation,
    Request,
    Status,
)

#: The roles that see the reports of an organisation (superusers see every organisation).

# --- The querysets every report starts from ------------------------------------------------


def requests_for(f: Filters, *conditions: Q, **lookups) -> QuerySet[Request]:
    """Confirmed requests of the chosen organisations, type, channel and relationship (and
    ``conditions`` and ``lookups``, in the same ``filter`` call: each call clones the query,
    and building the query is most of what the ORM adds to one organisation's figures).
    Never a test request (``Request.is_test``): every figure, export and the register
    start here."""
    for name in ("type", "channel", "relationship"):
        if getattr(f, name):
            lookups[name] = getattr(f, name)
    if f.organisation_ids is not None:
        lookups["organisation_id__in"] = f.organisation_ids
    return Request.objects.filter(~Q(status=Status.AWAITING_CONFIRMATION), *conditions,
                                  is_test=False, **lookups).order_by()


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


def local_today(f: Filters, zones: Zones) -> legal.LocalToday:
    """Today where each organisation counted is, at the page's instant: the legal clock's
    one definition of today, overdue and due soon (``legal.LocalToday``), which the admin
    queue and the reminders also use."""
    return legal.LocalToday.of(
        ((pk, zone) for zone, ids in zones.by_zone.items() for pk in ids), f.now)


def today_where_organisation_is(f: Filters, zones: Zones,
                                today: legal.LocalToday | None = None) -> Expression:
    """Each request's today (of ``today``, else of ``local_today``) as a constant date per
    group of organisations, spelled with ``PerOrganisation``: no time-zone conversion per
    row, and the same dates as the ``Q`` objects of ``LocalToday``."""
    today = today or local_today(f, zones)
    return today.expression(per_organisation=PerOrganisation)


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


