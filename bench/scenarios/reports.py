"""Reports benchmark: the reports page and its exports over 1,000,000 requests.

``make bench SCENARIO=reports`` (``python -m bench reports [--rounds 5 --requests 1000000]``).

1. Migrates the scenario's database (``harness.scratch_database``). Adds 1,000 organisations (NO in
   Oslo and DK in Copenhagen, alternating) and, with one ``INSERT ... SELECT generate_series``,
   1,000,000 confirmed requests received uniformly over the five years up to now: seven types,
   five channels, eight relationships in fixed shares; 8% extended; completed (3% of them partly
   refused), refused, withdrawn and forwarded; those closed more than three years ago purged
   (personal fields blank). Due dates are one month (three when extended) from the local date of
   receipt, moved off weekends (public holidays are not needed for timing). Then VACUUM ANALYZE.
2. Times, for the last complete calendar year, with Django's test ``Client`` (the whole
   middleware stack, a session logged in and verified by django-otp) against the real URLs:
   the page and every export, for **one organisation** (its compliance lead) and for **all**
   (a superuser), 1 warm-up and ``--rounds`` timed runs each, medians.
3. In the same run, the baselines: the page's main aggregate (requests received per local
   month, counted by type, channel and relationship) through the ORM, the same statements
   sent with psycopg, and the same figures written by hand in SQL (the zone by a join, as one
   would write it); and the page's own SQL statements (captured from one page view) replayed
   through psycopg, to show what the page adds to its SQL. Every side does the same work:
   one transaction with the reports' planner settings, the rows fetched and added up into
   the same dict per month.
4. The first pass runs without the reports' covering indexes (``COVERING_INDEXES``, as
   before migration 0011: a plain index on ``received_at``); then it creates them as the
   model declares them, ANALYZE, and runs 2 and 3 again.
5. Prints Markdown tables and the plans of the main aggregate; the database is dropped.
"""

import argparse
import dataclasses
import re
import statistics
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import psycopg
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import harness
from reports import figures, filters, querysets
from requests_app.models import (
    Channel,
    Membership,
    Organisation,
    Relationship,
    Request,
    RequestType,
)

ORGANISATIONS = 1_000
REQUESTS = 1_000_000
YEARS = 5

#: The reports' covering indexes (``Request.Meta.indexes``, migrations 0011 and 0023): the
#: first pass runs without them, with the plain index on ``received_at`` they replaced.
COVERING_INDEXES = ("req_received_cover_idx", "req_closed_cover_idx")
PLAIN_RECEIVED_INDEX = "CREATE INDEX req_received_idx ON requests_app_request (received_at)"


def drop_covering_indexes() -> None:
    with connection.cursor() as cursor:
        for name in COVERING_INDEXES:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute(PLAIN_RECEIVED_INDEX)
        cursor.execute("VACUUM (ANALYZE) requests_app_request")


def create_covering_indexes() -> None:
    """As the model declares them (the SQL of the migration)."""
    indexes = {index.name: index for index in Request._meta.indexes}
    with connection.schema_editor() as editor:
        for name in COVERING_INDEXES:
            editor.add_index(Request, indexes[name])
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX req_received_idx")
        cursor.execute("VACUUM (ANALYZE) requests_app_request")


# The columns the bench sets; every other column gets its model field's default, so a field
# added later does not break the fill. ``g`` is one generated row, ``o`` its organisation.
FILLED = {
    "reference": "'BENCH-' || g.n",
    "organisation_id": "o.id",
    "type": "g.type",
    "status": "g.status",
    "channel": "g.channel",
    "language": "o.default_language",
    "subject_name": "CASE WHEN g.purged THEN '' ELSE 'Person ' || g.n END",
    "subject_email": "CASE WHEN g.purged THEN '' ELSE 'person' || g.n || '@example.com' END",
    "relationship": "g.relationship",
    "received_at": "g.received",
    "confirmed_at": "g.received + interval '5 minutes'",
    "due_date": "g.due",
    "statutory_due_date": "g.due",
    "extended_at": "CASE WHEN g.extended THEN g.received + interval '20 days' END",
    "extension_reason": "CASE WHEN NOT g.extended THEN '' WHEN g.r_ext < 0.06 "
                        "THEN 'complexity' ELSE 'number_of_requests' END",
    "closed_at": "CASE WHEN g.closed THEN g.closing END",
    "refusal_ground": "CASE WHEN g.status = 'refused' OR g.partly THEN (ARRAY["
                      "'manifestly_unfounded', 'excessive', 'identity_not_confirmed', "
                      "'erasure_legal_obligation', 'rights_of_others'])"
                      "[1 + floor(g.r_days * 5)::int] "
                      "ELSE '' END",
    "partly_refused": "g.partly",
    "no_data_held": "g.status = 'completed' AND NOT g.partly AND g.r_days < 0.1",
    "forwarded_to_name": "CASE WHEN g.status = 'forwarded' "
                         "THEN 'Controller ' || (1 + g.n %% 40) ELSE '' END",
    "purged_at": "CASE WHEN g.purged THEN g.closing + interval '3 years' END",
    "assignee_id": "CASE WHEN NOT g.closed THEN %(assignee)s::bigint END",
    "created_at": "g.received",
    "updated_at": "g.received",
}

# Shares: type, channel, relationship by thresholds on one random number each.
FILL_FROM = """
FROM (
    SELECT s.*,
           s.closing < %(now)s AND s.r_outcome >= 0.003 AS closed,
           s.closing + interval '3 years' < %(now)s AND s.r_outcome >= 0.003 AS purged,
           CASE WHEN s.closing >= %(now)s OR s.r_outcome < 0.003 THEN
                    (ARRAY['new', 'identity_check', 'in_progress', 'waiting_for_subject'])
                    [1 + floor(s.r_days * 4)::int]
                WHEN s.r_outcome < 0.06 THEN 'refused'
                WHEN s.r_outcome < 0.11 THEN 'withdrawn'
                WHEN s.r_outcome < 0.17 THEN 'forwarded'
                ELSE 'completed' END AS status,
           s.r_outcome >= 0.17 AND s.r_outcome < 0.20 AND s.closing < %(now)s AS partly
    FROM (
        SELECT t.*,
               t.received + ((CASE WHEN t.extended THEN 20 + floor(t.r_days * 75)
                                   ELSE 1 + floor(t.r_days * 34) END)::int
                             * interval '1 day') + interval '3 hours' AS closing,
               (SELECT d + CASE extract(isodow FROM d) WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END
                FROM (SELECT ((t.received AT TIME ZONE t.zone)
                              + CASE WHEN t.extended THEN interval '3 months'
                                     ELSE interval '1 month' END)::date AS d) x) AS due
        FROM (
            SELECT r.*, r.r_ext < 0.08 AS extended,
                   CASE WHEN r.org_no %% 2 = 1 THEN 'Europe/Oslo'
                        ELSE 'Europe/Copenhagen' END AS zone,
                   CASE WHEN r.r_type < 0.40 THEN 'access' WHEN r.r_type < 0.65 THEN 'erasure'
                        WHEN r.r_type < 0.75 THEN 'rectification'
                        WHEN r.r_type < 0.83 THEN 'objection'
                        WHEN r.r_type < 0.90 THEN 'consent_withdrawal'
                        WHEN r.r_type < 0.95 THEN 'portability' ELSE 'restriction' END AS type,
                   CASE WHEN r.r_channel < 0.70 THEN 'web' WHEN r.r_channel < 0.90 THEN 'email'
                        WHEN r.r_channel < 0.94 THEN 'phone' WHEN r.r_channel < 0.98
                        THEN 'letter' ELSE 'in_person' END AS channel,
                   (ARRAY['customer', 'customer', 'customer', 'customer', 'service_user',
                          'newsletter', 'job_applicant', 'employee', 'website_visitor',
                          'visitor', 'other'])[1 + floor(r.r_rel * 11)::int] AS relationship
            FROM (
                SELECT g.n, 1 + floor(random() * %(organisations)s)::int AS org_no,
                       %(start)s::timestamptz + random() * (%(now)s::timestamptz
                                                            - %(start)s::timestamptz)
                       AS received,
                       random() AS r_type, random() AS r_channel, random() AS r_rel,
                       random() AS r_outcome, random() AS r_ext, random() AS r_days
                FROM generate_series(1, %(requests)s) AS g(n)
            ) r
        ) t
    ) s
) g
JOIN requests_app_organisation o ON o.slug = 'bench-org-' || g.org_no
ORDER BY g.received
"""


def fill_statement(now: datetime, assignee: int, requests: int) -> tuple[str, dict]:
    return harness.insert_requests_statement(FILLED, FILL_FROM, {
        "organisations": ORGANISATIONS, "requests": requests, "now": now,
        "start": now - timedelta(days=round(YEARS * 365.25)), "assignee": assignee})


def fill(now: datetime, assignee: int, requests: int) -> dict:
    harness.add_organisations(ORGANISATIONS)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with harness.bulk_load(cursor):
            cursor.execute("SELECT setseed(0.2026)")
            cursor.execute(*fill_statement(now, assignee, requests))
            inserted = cursor.rowcount
        cursor.execute("VACUUM (ANALYZE) requests_app_request")
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FILTER (WHERE closed_at IS NULL), "
                       "count(*) FILTER (WHERE purged_at IS NOT NULL) "
                       "FROM requests_app_request")
        open_count, purged = cursor.fetchone()
    heap, indexes = harness.table_sizes()
    return {"inserted": inserted, "open": open_count, "purged": purged, "heap": heap,
            "indexes": indexes, "seconds": time.perf_counter() - started}


def fetch(client: Client, path: str, query: dict) -> tuple[float, int]:
    """One GET, the body read to the end (streamed or not). Returns (seconds, bytes)."""
    start = time.perf_counter()
    response = client.get(path, query)
    if response.status_code != 200:
        raise RuntimeError(f"{path} {query}: HTTP {response.status_code}")
    if response.streaming:
        size = sum(len(chunk) for chunk in response.streaming_content)
    else:
        size = len(response.content)
    return time.perf_counter() - start, size


def endpoints() -> list[tuple[str, str]]:
    items = [("page", "/staff/reports/")]
    items += [(f"CSV {cls.slug}", f"/staff/reports/export/{cls.slug}.csv")
              for cls in figures.REPORTS]
    items += [("XLSX (all tables)", "/staff/reports/export/reports.xlsx"),
              ("PDF (annual report)", "/staff/reports/annual.pdf"),
              ("CSV register", "/staff/reports/register.csv")]
    return items


@contextmanager
def reports_transaction(conn: psycopg.Connection):
    """A transaction as ``querysets.snapshot`` opens one, with the same planner settings."""
    with conn.transaction(force_rollback=True):
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
                     + querysets.planner_settings_sql())
        yield


def raw_main_aggregate(conn: psycopg.Connection, year: int, org_id: int | None) -> float:
    """The page's main aggregate written by hand, as one would: requests received per local
    month of ``year``, counted by type, channel and relationship, the local date taken with
    a join to the organisation for its time zone. Timed as the ORM is: in the reports'
    transaction, the rows fetched and made into the same dict per month."""
    counts = ", ".join(
        [f"count(*) FILTER (WHERE r.type = '{t}')" for t in RequestType.values]
        + [f"count(*) FILTER (WHERE r.channel = '{c}')" for c in Channel.values]
        + [f"count(*) FILTER (WHERE r.relationship = '{x}')" for x in Relationship.values])
    where_org = "AND r.organisation_id = %(org)s" if org_id else ""
    sql = f"""
        SELECT date_trunc('month', r.received_at AT TIME ZONE o.time_zone)::date AS month,
               count(*), {counts}
        FROM requests_app_request r
        JOIN requests_app_organisation o ON o.id = r.organisation_id
        WHERE r.status <> 'awaiting_confirmation' {where_org}
          AND r.received_at >= %(low)s AND r.received_at < %(high)s
          AND (r.received_at AT TIME ZONE o.time_zone)::date BETWEEN %(start)s AND %(end)s
        GROUP BY 1"""
    params = {"org": org_id, "start": date(year, 1, 1), "end": date(year, 12, 31),
              "low": datetime(year, 1, 1, tzinfo=UTC) - timedelta(days=1),
              "high": datetime(year + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)}
    names = (["total"] + [f"t_{t}" for t in RequestType.values]
             + [f"c_{c}" for c in Channel.values] + [f"r_{x}" for x in Relationship.values])
    start = time.perf_counter()
    with reports_transaction(conn):
        rows = conn.execute(sql, params).fetchall()
    months = {month: dict(zip(names, counts, strict=True)) for month, *counts in rows}
    elapsed = time.perf_counter() - start
    assert len(months) <= 12, rows
    return elapsed


def orm_main_aggregate(filters: filters.Filters) -> tuple[float, list[str]]:
    """``Aggregates.received`` (what the received, channel and relationship tables read):
    its time, and its statements as sent (the aggregate; before it the organisations'
    zones when the filters do not carry them)."""
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        with querysets.snapshot():
            months = figures.Aggregates(filters).received
        elapsed = time.perf_counter() - start
    assert len(months) <= 12
    return elapsed, [q["sql"] for q in captured.captured_queries]


def replay_orm_sql(conn: psycopg.Connection, statements: list[str],
                   months: list[date]) -> float:
    """The ORM's statements through psycopg, with the same work on their rows: the zones
    read (if the ORM read them), the groups added up per month (``figures.fold_received``)."""
    *zone_statements, aggregate = [sql for sql in statements if sql.startswith("SELECT")]
    start = time.perf_counter()
    with reports_transaction(conn):
        zones = [row for sql in zone_statements for row in conn.execute(sql).fetchall()]
        groups = conn.execute(aggregate).fetchall()
    by_zone: dict[str, list[int]] = {}
    for pk, zone in zones:
        by_zone.setdefault(zone, []).append(pk)
    figures.fold_received(groups, months)
    return time.perf_counter() - start


def page_statements(client: Client, query: dict) -> list[str]:
    """The SQL the page runs, captured from one view (as sent, parameters interpolated)."""
    with CaptureQueriesContext(connection) as captured:
        fetch(client, "/staff/reports/", query)
    return [q["sql"] for q in captured.captured_queries]


def replay(conn: psycopg.Connection, statements: list[str]) -> float:
    """The page's statements through psycopg, in one transaction (as the page's snapshot)."""
    start = time.perf_counter()
    with reports_transaction(conn):
        for sql in statements:
            if sql.startswith(("BEGIN", "COMMIT", "SET TRANSACTION", "SAVEPOINT", "RELEASE",
                               "ROLLBACK", "CLOSE")):
                continue
            # ``.iterator()`` (the organisation <select>) reads through a server-side cursor.
            sql = re.sub(r"^DECLARE .*? CURSOR (WITH(OUT)? HOLD )?FOR ", "", sql, flags=re.S)
            cursor = conn.execute(sql)  # no parameters: psycopg sends the text as it is
            if cursor.description is not None:
                cursor.fetchall()
    return time.perf_counter() - start


def filters_for(user, year: int, now: datetime) -> filters.Filters:
    form = filters.ReportFilterForm({"year": str(year)}, user=user, now=now)
    assert form.is_valid(), form.errors
    return form.filters()


def measure(label: str, scenarios: dict, year: int, rounds: int, raw, now) -> dict:
    """Every endpoint for every scenario, then the baselines. Returns the timings."""
    results: dict = {}
    query = {"year": str(year)}
    for scenario, (user, client, org_id) in scenarios.items():
        for name, path in endpoints():
            times, size = [], 0
            for run in range(rounds + 1):
                seconds, size = fetch(client, path, query)
                if run:
                    times.append(seconds)
            results[(scenario, name)] = {"times": times, "bytes": size}
            print(f"  [{label}] {scenario:>4} {name:<28} median "
                  f"{statistics.median(times) * 1000:8.1f} ms  ({size:,} bytes)", flush=True)
        filters = filters_for(user, year, now)
        statements = page_statements(client, query)
        orm, orm_sql, hand, page_raw, page = [], [], [], [], []
        for run in range(rounds + 1):
            o, main_statements = orm_main_aggregate(filters)
            o_sql = replay_orm_sql(raw, main_statements, filters.months())
            h = raw_main_aggregate(raw, year, org_id)
            p_raw = replay(raw, statements)
            p, _size = fetch(client, "/staff/reports/", query)
            if run:
                orm.append(o)
                orm_sql.append(o_sql)
                hand.append(h)
                page_raw.append(p_raw)
                page.append(p)
        results[(scenario, "orm")] = orm
        results[(scenario, "orm_sql")] = orm_sql
        results[(scenario, "raw")] = hand
        results[(scenario, "page_raw")] = page_raw
        results[(scenario, "page_again")] = page
        results[(scenario, "statements")] = len(statements)
        print(f"  [{label}] {scenario:>4} main aggregate: ORM "
              f"{statistics.median(orm) * 1000:.1f} ms, its SQL via psycopg "
              f"{statistics.median(orm_sql) * 1000:.1f} ms, hand-written SQL "
              f"{statistics.median(hand) * 1000:.1f} ms; page {statistics.median(page) * 1000:.1f}"
              f" ms, its {len(statements)} statements via psycopg "
              f"{statistics.median(page_raw) * 1000:.1f} ms", flush=True)
    return results


def explain_main(year: int, org_id: int | None, *, closed: bool = False) -> str:
    """EXPLAIN ANALYZE of the main aggregate's statement (or of the closed requests' one),
    long IN lists cut short."""
    user = get_user_model().objects.get(username="bench-admin")
    filters = filters_for(user, year, datetime.now(UTC))
    if org_id:
        filters = dataclasses.replace(filters, organisation_ids=(org_id,))
    if closed:
        with CaptureQueriesContext(connection) as captured, querysets.snapshot():
            figures.Aggregates(filters).closed  # noqa: B018
        statements = [q["sql"] for q in captured.captured_queries]
    else:
        _seconds, statements = orm_main_aggregate(filters)
    statement = [sql for sql in statements if sql.startswith("SELECT")][-1]
    with querysets.snapshot(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return re.sub(r"\{(\d+),(\d+),[\d,]+\}", r"{\1,\2,...}", plan)


def ms(values) -> str:
    return f"{statistics.median(values) * 1000:.0f}"


def ms1(values) -> str:
    """To a tenth of a millisecond: one organisation's aggregate takes a few."""
    return f"{statistics.median(values) * 1000:.1f}"


def table(before: dict, after: dict, scenarios: list[str]) -> str:
    head = ("| Endpoint (year {year}) | " + " | ".join(
        f"{s}: ms, no covering index | {s}: ms, covering indexes" for s in scenarios)
        + " | size (all, with) |")
    lines = [head, "|---|" + "---:|" * (2 * len(scenarios) + 1)]
    for name, _path in endpoints():
        cells = []
        for s in scenarios:
            cells += [ms(before[(s, name)]["times"]), ms(after[(s, name)]["times"])]
        size = after[(scenarios[-1], name)]["bytes"]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {size / 1024:,.0f} KiB |")
    lines.append("")
    lines.append("| Baseline (same run) | " + " | ".join(
        f"{s}: no covering index | {s}: covering indexes" for s in scenarios) + " |")
    lines.append("|---|" + "---:|" * (2 * len(scenarios)))

    def row(label, fn):
        cells = []
        for s in scenarios:
            cells += [fn(before, s), fn(after, s)]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    def ratio(r, s, a, b):
        return f"{statistics.median(r[(s, a)]) / statistics.median(r[(s, b)]):.2f}×"

    row("Main aggregate through the ORM (`Aggregates.received`), ms",
        lambda r, s: ms1(r[(s, "orm")]))
    row("— the same statements sent with psycopg, ms", lambda r, s: ms1(r[(s, "orm_sql")]))
    row("— written by hand (zone by a join), psycopg, ms", lambda r, s: ms1(r[(s, "raw")]))
    row("**ORM ÷ its SQL via psycopg**", lambda r, s: ratio(r, s, "orm", "orm_sql"))
    row("**ORM ÷ hand-written SQL**", lambda r, s: ratio(r, s, "orm", "raw"))
    row("Page (again, interleaved with the baselines), ms",
        lambda r, s: ms(r[(s, "page_again")]))
    row("The page's own statements replayed via psycopg, ms",
        lambda r, s: f"{ms(r[(s, 'page_raw')])} ({r[(s, 'statements')]} statements)")
    row("**Page ÷ its SQL via psycopg**", lambda r, s: ratio(r, s, "page_again", "page_raw"))
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench reports",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=REQUESTS,
                        help="fewer for a quick or reduced run (10,000 to 1,000,000)")
    args = parser.parse_args(argv)
    rounds = harness.bounded(args.rounds, 1, 10)
    requests = harness.bounded(args.requests, 10_000, REQUESTS)

    run = harness.Run()
    with harness.scratch_database(flush_redis=False), harness.raw_connection() as raw:
        User = get_user_model()
        admin = User.objects.create_superuser("bench-admin", "admin@example.com",
                                              "bench-password-1")
        now = datetime.now(UTC)
        facts = fill(now, admin.pk, requests)
        print(f"Filled in {facts['seconds']:.0f} s: {facts['inserted']:,} requests "
              f"({facts['open']:,} open, {facts['purged']:,} purged); heap {facts['heap']}, "
              f"indexes {facts['indexes']}.", flush=True)
        one = Organisation.objects.get(slug="bench-org-1")
        lead = User.objects.create_user("bench-lead", "lead@example.com", "bench-password-1",
                                        is_staff=True)
        Membership.objects.create(user=lead, organisation=one,
                                  role=Membership.Role.COMPLIANCE_LEAD)
        year = now.year - 1
        counts = Request.objects.filter(received_at__year=year).order_by().values_list(
            "organisation_id").annotate(n=Count("pk"))
        in_year = sum(n for _org, n in counts)
        in_year_one = dict(counts).get(one.pk, 0)
        print(f"Year {year}: {in_year:,} requests received in all, {in_year_one:,} by "
              f"{one.slug}.", flush=True)
        scenarios = {"one": (lead, harness.verified_client(lead), one.pk),
                     "all": (admin, harness.verified_client(admin), None)}

        drop_covering_indexes()
        before = measure("no covering index", scenarios, year, rounds, raw, now)
        plan_before = explain_main(year, None)
        create_covering_indexes()
        after = measure("covering indexes", scenarios, year, rounds, raw, now)
        plan_after = explain_main(year, None)
        plan_one = explain_main(year, one.pk)
        plan_closed = explain_main(year, None, closed=True)

        print(f"\nPlan of the main aggregate, all organisations, no covering index:\n"
              f"{plan_before}")
        print(f"\nThe same with the covering indexes:\n{plan_after}")
        print(f"\nThe same for one organisation, with the covering indexes:\n{plan_one}")
        print(f"\nThe closed requests' aggregate, all organisations, with the covering "
              f"indexes:\n{plan_closed}\n")
        print(table(before, after, list(scenarios)).replace("{year}", str(year)))
        print(f"\nYear {year}: {in_year:,} requests received (all), {in_year_one:,} (one). "
              f"{run.footer()}")
