"""Database expressions the reports count with: local dates and months in each organisation's
time zone, days between two local dates, and the percentile of a histogram."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from django.db import NotSupportedError
from django.db.models import (
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    Q,
)

from requests_app.models import (
    CLOSED_STATUSES,
    Status,
)

#: The roles that see the reports of an organisation (superusers see every organisation).

#: Closed requests that were answered (withdrawn ones were not).
ANSWERED_STATUSES = frozenset(CLOSED_STATUSES - {Status.WITHDRAWN})

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


