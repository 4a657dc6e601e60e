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
* **Time to registration** is the number of calendar days from the local date a request
  arrived by e-mail, phone, letter or in person to the local date staff registered it
  (``confirmed_at``), for the requests received in the period; the web form registers itself.
* **Time to close** is the number of calendar days from the local date of receipt to the
  local date of closing; its median and 90th percentile are interpolated as PostgreSQL's
  ``percentile_cont`` does, from the histogram of days the database counts (``percentile``).
* **Purged** requests keep their row with the personal data erased, so they are counted like
  any other: the ``Request`` table is the anonymised register.
"""


from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    QuerySet,
    Value,
    When,
    Window,
)
from django.urls import reverse
from django.utils import formats
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import charts
from reports.expressions import (
    ANSWERED_STATUSES,
    EXTENDED,
    ON_TIME,
    DaysBetween,
    LocalDate,
    count_rows,
    days_to_close,
    percentile,
)
from reports.filters import Filters
from reports.querysets import (
    Zones,
    closed_in,
    local_today,
    received_in,
    requests_for,
    share,
    snapshot,
    today_where_organisation_is,
)
from requests_app.models import (
    OPEN_STATUSES,
    Channel,
    ExtensionReason,
    RefusalGround,
    Relationship,
    RequestType,
    Status,
)

#: Statuses of requests that were answered: closed, and not withdrawn by the requester.
#: How many overdue requests the page lists (the exports list them all).
OVERDUE_ON_PAGE = 100

DEFINITIONS = [
    gettext_lazy("Dates are calendar dates where the organisation is, as the legal clock "
                 "counts them. The period includes both its first and its last day."),
    gettext_lazy("Requests received, their channel, the requester's relationship and the "
                 "time from arrival to registration count the requests received in the "
                 "period. On time, time to close, extensions, refusals, forwarding and "
                 "outcomes count the requests closed in the period, whenever they were "
                 "received. Open and overdue requests are as of now."),
    gettext_lazy("A request is answered on time when it was closed on or before its due date "
                 "(with any extension and paused days). Withdrawn requests were not answered "
                 "and are left out of the on-time rate and the time to close."),
    gettext_lazy("Time to close is counted in calendar days from the day of receipt to the "
                 "day of closing. Requests whose personal data has been erased are counted "
                 "like the others. Requests awaiting e-mail confirmation are not counted."),
]



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
    try:
        rows_sql, params = queryset.values(*columns).query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (no organisation at all)
        return {name: [] for name in sets}
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
    * ``registration``: requests received by e-mail, phone, letter or in person, counted per
      channel and number of days from arrival to registration (a histogram);
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
    def registration(self) -> dict[str, list[tuple[int, int]]]:
        """{channel: [(days from arrival to registration, how many requests)]} for the
        requests received in the period by a channel other than the web form, which staff
        register by hand (``intake.register_request`` sets ``confirmed_at``). The legal clock
        runs from arrival (Art. 12(3)), so these days are time lost before work begins; the
        database counts the histogram, as for ``days``."""
        zone = self.zones.expression
        groups = (received_in(self.filters, self.zones)
                  .filter(confirmed_at__isnull=False).exclude(channel=Channel.WEB)
                  .annotate(days=DaysBetween(LocalDate("confirmed_at", zone),
                                             LocalDate("received_at", zone)))
                  .values_list("channel", "days")
                  .annotate(count=count_rows()))
        histogram: dict[str, list[tuple[int, int]]] = {}
        for channel, days, count in groups:
            histogram.setdefault(channel, []).append((days, count))
        return histogram

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
            "closed": ("month", "type", "status", "partly_refused", "no_data_held",
                       "extension_reason", "refusal_ground", "further_grounds", "on_time",
                       "extended", "purged"),
            "days": ("type", "status", "days"),
            "forwarded": ("status", "forwarded_to_name"),
        })

    @cached_property
    def closed(self) -> list[dict]:
        """One dict of counts per (month, type) that has closed requests: closed, answered,
        on_time, extended_answered, extended_on_time, extended, purged, outcome_<outcome>
        (a completed request answered "we hold no data about you" is ``outcome_no_data``,
        not ``outcome_completed``),
        reason_<reason> ("reason_" when none was recorded), wholly and partly (refused on a
        ground), wholly_<ground> and partly_<ground> (a request under each of its grounds).
        """
        months = self.filters.months()
        empty = dict.fromkeys(
            ["closed", "answered", "on_time", "extended_answered", "extended_on_time",
             "extended", "purged", "reason_", "wholly", "partly"]
            + [f"outcome_{key}" for key, _label in OUTCOMES]
            + [f"reason_{r}" for r in ExtensionReason.values]
            + [f"{how}_{g}" for g in RefusalGround.values for how in ("wholly", "partly")], 0)
        cells: dict[tuple, dict] = {}
        for (index, kind, status, partly, no_data, reason, ground, further, on_time, extended,
             purged, count) in self._closed_groups["closed"]:
            month = months[index]
            into = cells.setdefault((month, kind), {"month": month, "type": kind, **empty})
            answered = status in ANSWERED_STATUSES
            partly = status == Status.COMPLETED and partly
            no_data = status == Status.COMPLETED and no_data and not partly
            outcome = "partly_refused" if partly else "no_data" if no_data else status
            keys = ["closed", f"outcome_{outcome}"]
            keys += ["answered"] if answered else []
            keys += ["on_time"] if answered and on_time else []
            keys += ["extended", f"reason_{reason}"] if extended else []
            keys += ["extended_answered"] if extended and answered else []
            keys += ["extended_on_time"] if extended and answered and on_time else []
            keys += ["purged"] if purged else []
            # A refusal counts under each of its grounds (``Request.further_grounds``).
            grounds = [ground, *further.split(",")] if further else [ground]
            if ground and status == Status.REFUSED:
                keys += ["wholly", *(f"wholly_{g}" for g in grounds)]
            elif ground and partly:
                keys += ["partly", *(f"partly_{g}" for g in grounds)]
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
#: "partly_refused" (completed, with part of it refused) and "no_data" (completed with the
#: answer "we hold no data about you", Art. 15(1): an answer, not a refusal, counted apart).
OUTCOMES = (
    ("completed", gettext_lazy("Completed")),
    ("no_data", gettext_lazy("Completed: no data held")),
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
        overdue = local_today(self.filters, self.aggregates.zones).overdue()
        found = {
            row["status"]: row for row in requests_for(self.filters)
            .filter(status__in=OPEN_STATUSES).values("status")
            .annotate(open=count_rows(), overdue=count_rows(overdue))
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
        today = local_today(self.filters, zones)
        return (requests_for(self.filters, today.overdue())
                .annotate(days_overdue=DaysBetween(
                              today_where_organisation_is(self.filters, zones, today),
                              F("due_date")),
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
                               "given, as a share of all requests closed. A request refused "
                               "on several grounds counts under each of them, and once in "
                               "the total.")
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
        # Requests, not grounds: one refused on two grounds is one refusal.
        wholly, partly = total.get("wholly", 0), total.get("partly", 0)
        rows.append({"ground": _("Refused, in all"), "wholly": wholly, "partly": partly,
                     "count": wholly + partly, "_total": True})
        # "We hold no data about you" answers the request (Art. 15(1)): shown apart, never
        # among the refusals nor in their total.
        rows.append({"ground": _("Answered: no data held (not a refusal)"),
                     "count": total.get("outcome_no_data", 0), "_total": True})
        rows.append({"ground": _("Requests closed"), "count": closed, "_total": True})
        for row in rows:
            row["share"] = share(row["count"], closed)
        return rows

    def chart(self):
        rows = self.data[:-3]
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


class TimeToRegister(Report):
    slug = "time-to-register"
    title = gettext_lazy("Time from arrival to registration, by channel")
    description = gettext_lazy("Calendar days from the day a request arrived by e-mail, phone, "
                               "letter or in person to the day it was registered: the median "
                               "and the 90th percentile. The time limit runs from arrival.")

    def columns(self):
        return [Column("channel", _("Channel"), "text"), Column("count", _("Requests")),
                Column("median", _("Median (days)"), "days"),
                Column("p90", _("90th percentile (days)"), "days")]

    def rows(self):
        histogram = self.aggregates.registration

        def row(label, counts, **extra):
            return {"channel": label, "count": sum(n for _days, n in counts),
                    "median": _round(percentile(counts, 0.5)),
                    "p90": _round(percentile(counts, 0.9)), **extra}

        channels = [c for c in Channel if c != Channel.WEB
                    and (not self.filters.channel or c == self.filters.channel)]
        rows = [row(c.label, histogram.get(c.value, [])) for c in channels]
        every = [pair for counts in histogram.values() for pair in counts]
        rows.append(row(_("All these channels"), every, _total=True))
        return rows

    def chart(self):
        return charts.bars(
            [row["channel"] for row in self.data],
            [charts.Series(_("Median"), [row["median"] for row in self.data]),
             charts.Series(_("90th percentile"), [row["p90"] for row in self.data])],
            title=str(self.title), fmt=_days,
            desc=_("Horizontal bars per channel: median and 90th percentile of the days from "
                   "arrival to registration. A dash marks a channel with no request."))


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
                               TimeToRegister, Relationships, Forwarded]
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


