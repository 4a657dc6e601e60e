"""Legal-clock benchmark: the reminder sweep over 1,000,000 requests.

``make bench SCENARIO=sweep`` (``python -m bench sweep [--rounds 5 --process-sample 200
--requests 1000000]``).

1. Migrates the scenario's database (``harness.scratch_database``). Adds 1,000
   organisations (NO and DK alternating) and, with ``COPY`` and one
   ``INSERT ... SELECT``, 1,000,000 requests: 90% completed, 10% in progress with due dates
   spread evenly over today ± 60 days. The ``next_reminder_at`` of an open request is what the
   app stores when the previous beat (15 minutes before "now") has run: the first point of
   ``reminders.schedule`` after that beat. "Now" is the latest 08:05 Oslo time, so the sweep
   finds the reminders and escalations of this morning (about 10,000). Then VACUUM ANALYZE.
2. Prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the sweep's own statements (captured from a
   warm-up sweep) and of ``due_request_ids``.
3. Runs rounds (1 warm-up, 5 timed) on fresh data: ``reminders.sweep(now=...)`` in-process
   (tasks go to the bench Redis db; no worker runs), split into find+lease and publish, against
   baselines in the same round: the bare SELECT of the ids with psycopg, the same lock and
   update with psycopg (rolled back), publishing as many no-op messages through the same
   Celery app, and as many bare Redis LPUSHes of a sweep message.
4. Times ``reminders.process(pk)`` for 200 of the due requests, the work of one worker task
   (tasks not eager: the outbox e-mail is published to the bench Redis db after the commit).
5. Prints a Markdown table; the database is dropped and the bench Redis db flushed.
"""

import argparse
import os
import random
import re
import statistics
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
from celery.signals import before_task_publish
from django.db import connection, transaction

from bench import harness
from portal.celery import app as celery_app
from requests_app.clock import reminders
from requests_app.models import (
    Event,
    Organisation,
    OutgoingEmail,
    Reminder,
    Request,
)

ORGANISATIONS = 1_000
REQUESTS = 1_000_000
OPEN_EVERY = 10  # every 10th row is open: 10%, spread evenly over the whole heap
DUE_SPREAD_DAYS = 60
BEAT = timedelta(minutes=15)  # REMINDER_SWEEP_SECONDS: the previous sweep ran this long ago
SWEEP_TASK = "requests_app.tasks.process_reminders"
QUEUE = "celery"  # the Redis list of Celery's default queue
SCRATCH_KEY = "bench:lpush"


def bench_now() -> datetime:
    """The latest 08:05 in Oslo that has passed: five minutes after the morning's reminders."""
    local = datetime.now(ZoneInfo("Europe/Oslo"))
    morning = local.replace(hour=8, minute=5, second=0, microsecond=0)
    if morning > local:
        morning = (morning - timedelta(days=1)).replace(hour=8, minute=5)
    return morning


def next_points(now: datetime, organisations: dict[str, Organisation]) -> list[tuple]:
    """(due date, country, next_reminder_at) for every due date of the spread: the first point
    of the schedule after the previous beat, as ``reminders.reschedule`` would have stored."""
    today = now.astimezone(ZoneInfo("Europe/Oslo")).date()
    previous_beat = now - BEAT
    rows = []
    for country, organisation in organisations.items():
        for offset in range(-DUE_SPREAD_DAYS, DUE_SPREAD_DAYS + 1):
            due = today + timedelta(days=offset)
            points = reminders.schedule(due, organisation, until=previous_beat)
            later = [p.at for p in points if p.at > previous_beat]
            rows.append((due, country, min(later) if later else None))
    return rows


# The columns the bench sets; every other column of the table gets its model field's default
# (so a field added later does not break the fill).
FILLED = {
    "reference": "g.reference",
    "organisation_id": "o.id",
    "type": "(ARRAY['access', 'erasure', 'rectification', 'objection'])[1 + g.n %% 4]",
    "status": "CASE WHEN g.open THEN 'in_progress' ELSE 'completed' END",
    "channel": "'web'",
    "language": "o.default_language",
    "subject_name": "'Person ' || g.n",
    "subject_email": "'person' || g.n || '@example.com'",
    "relationship": "'customer'",
    "received_at": "g.received",
    "confirmed_at": "g.received + interval '5 minutes'",
    "due_date": "g.due",
    "statutory_due_date": "g.due",
    "closed_at": "CASE WHEN g.open THEN NULL ELSE g.received + g.handling END",
    "status_token_hash": "encode(sha256(convert_to(g.reference, 'UTF8')), 'hex')",
    "created_at": "g.received",
    "updated_at": "g.received",
    "next_reminder_at": "b.next_at",
}

FILL_FROM = """
FROM (
    SELECT s.*, (s.due - interval '1 month') + s.r_time * interval '1 day' AS received
    FROM (
        SELECT r.n, r.reference, r.n %% %(open_every)s = 0 AS open,
               1 + floor(random() * %(organisations)s)::int AS org_no,
               CASE WHEN r.n %% %(open_every)s = 0
                    THEN %(today)s::date + (floor(random() * (2 * %(spread)s + 1))::int
                                            - %(spread)s)
                    ELSE %(today)s::date - 60 - floor(random() * 365)::int END AS due,
               random() AS r_time,
               (1 + floor(random() * 30)::int) * interval '1 day' AS handling
        FROM bench_ref r
    ) s
) g
JOIN requests_app_organisation o ON o.slug = 'bench-org-' || g.org_no
LEFT JOIN bench_next b ON g.open AND b.due_date = g.due AND b.country = o.country
ORDER BY g.n
"""


def fill_statement(today, requests: int) -> tuple[str, dict]:
    """The one INSERT ... SELECT of all requests, with its parameters."""
    return harness.insert_requests_statement(FILLED, FILL_FROM, {
        "open_every": OPEN_EVERY, "organisations": ORGANISATIONS, "today": today,
        "spread": DUE_SPREAD_DAYS})


def fill(now: datetime, requests: int) -> dict:
    """Organisations, requests, planner statistics. Returns counts for the report."""
    harness.add_organisations(ORGANISATIONS)
    by_country = {o.country: o for o in Organisation.objects.filter(slug__in=["bench-org-1",
                                                                               "bench-org-2"])}
    today = now.astimezone(ZoneInfo("Europe/Oslo")).date()
    started = time.perf_counter()
    with connection.cursor() as cursor, harness.bulk_load(cursor):
        cursor.execute("CREATE UNLOGGED TABLE bench_next (due_date date, country varchar(2), "
                       "next_at timestamptz, PRIMARY KEY (due_date, country))")
        harness.copy_references(cursor, requests)
        cursor.executemany("INSERT INTO bench_next VALUES (%s, %s, %s)",
                           next_points(now, by_country))
        cursor.execute("SELECT setseed(0.2026)")
        cursor.execute(*fill_statement(today, requests))
        inserted = cursor.rowcount
        cursor.execute("DROP TABLE bench_ref")
    # bulk_load has reset its settings: the sweep must commit as the app does.
    with connection.cursor() as cursor:
        # This benchmark vacuums the table itself before every round; autovacuum starting in
        # the middle of a timed sweep would only add noise.
        cursor.execute("ALTER TABLE requests_app_request SET (autovacuum_enabled = false)")
        cursor.execute("VACUUM (ANALYZE) requests_app_request")
        cursor.execute("ANALYZE")
        # The state to restore before every round: the open rows' next_reminder_at.
        cursor.execute("CREATE TABLE bench_saved AS SELECT id, next_reminder_at "
                       "FROM requests_app_request WHERE next_reminder_at IS NOT NULL")
        cursor.execute("ALTER TABLE bench_saved ADD PRIMARY KEY (id)")
        cursor.execute("SELECT count(*) FILTER (WHERE status = 'in_progress'), "
                       "count(*) FILTER (WHERE next_reminder_at <= %s), "
                       "pg_size_pretty(pg_table_size('requests_app_request')), "
                       "pg_size_pretty(pg_indexes_size('requests_app_request')), "
                       "pg_size_pretty(pg_relation_size('req_next_reminder_idx')), "
                       "count(DISTINCT (ctid::text::point)[0]) FILTER "
                       "(WHERE next_reminder_at <= %s), "
                       "(SELECT count(*) FROM pg_index "
                       "WHERE indrelid = 'requests_app_request'::regclass) "
                       "FROM requests_app_request", [now, now])
        open_count, due_count, heap, indexes, partial, due_pages, index_count = (
            cursor.fetchone())
    return {"inserted": inserted, "open": open_count, "due": due_count, "heap": heap,
            "indexes": indexes, "index_count": index_count, "partial_index": partial,
            "due_pages": due_pages,
            "fill_seconds": time.perf_counter() - started}


def reset() -> None:
    """Put back every next_reminder_at the sweep or process moved, then VACUUM ANALYZE so the
    round starts on a table without dead rows or dead index entries."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE requests_app_request r SET next_reminder_at = s.next_reminder_at "
                       "FROM bench_saved s WHERE r.id = s.id "
                       "AND r.next_reminder_at IS DISTINCT FROM s.next_reminder_at")
        cursor.execute("VACUUM (ANALYZE) requests_app_request")


def due_pages(now: datetime) -> int:
    """On how many heap pages the due rows lie (each non-HOT update moves a row, so the sweep
    and the reset regroup the due rows)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT (ctid::text::point)[0]) FROM requests_app_request "
                       "WHERE next_reminder_at <= %s", [now])
        return cursor.fetchone()[0]


class SweepProbe:
    """Times one ``reminders.sweep``: its SQL statements (through a Django execute wrapper) and
    the moment the first task is published (Celery's ``before_task_publish`` signal)."""

    def __init__(self):
        self.statements: list[tuple[str, tuple, float]] = []
        self.first_publish: float | None = None

    def wrapper(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((sql, params, time.perf_counter() - start))

    def on_publish(self, sender=None, **kwargs):
        if sender == SWEEP_TASK and self.first_publish is None:
            self.first_publish = time.perf_counter()

    def run(self, now: datetime) -> dict:
        before_task_publish.connect(self.on_publish, weak=False)
        try:
            with connection.execute_wrapper(self.wrapper):
                start = time.perf_counter()
                queued = reminders.sweep(now=now)
                end = time.perf_counter()
        finally:
            before_task_publish.disconnect(self.on_publish)
        first = self.first_publish or end
        select = [s for s in self.statements if s[0].lstrip().upper().startswith("SELECT")]
        update = [s for s in self.statements if s[0].lstrip().upper().startswith("UPDATE")]
        return {"queued": queued, "total": end - start, "find_lease": first - start,
                "publish": end - first, "select": sum(s[2] for s in select),
                "update": sum(s[2] for s in update), "statements": self.statements}


def raw_select(conn: psycopg.Connection, now: datetime) -> tuple[float, int]:
    """Baseline: the sweep's SELECT, bare, with psycopg (no lock, no ORM)."""
    start = time.perf_counter()
    ids = conn.execute("SELECT id FROM requests_app_request WHERE next_reminder_at <= %s",
                       [now]).fetchall()
    return time.perf_counter() - start, len(ids)


def raw_lease(conn: psycopg.Connection, now: datetime) -> tuple[float, int]:
    """Baseline: the same lock and lease with psycopg (one array parameter), rolled back."""
    start = time.perf_counter()
    with conn.transaction(force_rollback=True):
        ids = [row[0] for row in conn.execute(
            "SELECT id FROM requests_app_request WHERE next_reminder_at <= %s LIMIT 50000 "
            "FOR UPDATE OF requests_app_request SKIP LOCKED", [now])]
        conn.execute("UPDATE requests_app_request SET next_reminder_at = %s "
                     "WHERE id = ANY(%s)", [now + reminders.LEASE, ids])
    return time.perf_counter() - start, len(ids)


def noop_publish(count: int) -> float:
    """Baseline: ``count`` trivial messages through the same Celery app (nothing consumes them:
    no worker knows ``bench.noop``, and the bench Redis db is flushed at the end)."""
    start = time.perf_counter()
    for i in range(count):
        celery_app.send_task("bench.noop", args=[i], expires=reminders.LEASE.total_seconds())
    return time.perf_counter() - start


def raw_lpush(message: bytes, count: int) -> float:
    """Baseline: ``count`` bare Redis LPUSHes of one real sweep message (one round trip each),
    to a scratch key that is deleted again: the broker's share of a publish."""
    client = harness.bench_redis()
    client.ping()
    start = time.perf_counter()
    for _ in range(count):
        client.lpush(SCRATCH_KEY, message)
    elapsed = time.perf_counter() - start
    client.delete(SCRATCH_KEY)
    client.close()
    return elapsed


def explain(sql: str, params, *, locks: bool) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement; rolled back when it locks or writes."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        if locks:
            transaction.set_rollback(True)
    return plan


def shorten(sql: str, params) -> str:
    """A statement for printing: the 10,000 placeholders of an IN list cut down."""
    if "IN (" in sql:
        head = sql.split("IN (", 1)[0]
        sql = f"{head}IN (%s, %s, ... {len(params) - 1} ids)"
    return " ".join(sql.split())


def trim(plan: str) -> str:
    """A plan for printing: the literal array of 10,000 ids cut down."""
    return re.sub(r"'\{(\d+),(\d+),[\d,]*\}'",
                  lambda m: f"'{{{m[1]},{m[2]},...}}'", plan)


def show_plans(now: datetime, statements: list) -> str:
    """The plans of ``due_request_ids`` and of the statements the warm-up sweep ran."""
    plain = Request.objects.filter(next_reminder_at__lte=now).order_by().values_list(
        "pk", flat=True)
    sql, params = plain.query.sql_with_params()
    parts = [f"-- due_request_ids(now): {plain.query}", explain(sql, params, locks=False)]
    for sql, params, _seconds in statements:
        if sql.lstrip().upper().startswith(("SELECT", "UPDATE")):
            parts += [f"-- sweep: {shorten(sql, params)}", trim(explain(sql, params, locks=True))]
    return "\n".join(parts)


def time_process(now: datetime, sample: int, warmup: int, seed: int) -> dict:
    """``reminders.process`` for ``sample`` due requests, after ``warmup`` untimed ones.

    Before, each chosen request gets the claims of every point up to the previous beat (as the
    app would have written them), so it has exactly this morning's point to send."""
    rng = random.Random(seed)
    due = list(Request.objects.filter(next_reminder_at__lte=now).values_list("pk", flat=True))
    chosen = rng.sample(sorted(due), min(len(due), sample + warmup))
    previous_beat = now - BEAT
    claims = []
    for request in Request.objects.filter(pk__in=chosen).select_related("organisation"):
        for point in reminders.schedule(request.due_date, request.organisation,
                                        until=previous_beat):
            if point.at <= previous_beat:
                claims.append(Reminder(request=request, kind=point.kind,
                                       for_due_date=request.due_date))
    Reminder.objects.bulk_create(claims)
    for pk in chosen[:warmup]:
        reminders.process(pk, now=now)
    queue = harness.bench_redis()
    before = (queue.llen(QUEUE), OutgoingEmail.objects.count(), Event.objects.count())
    timings: dict[str, list[float]] = {"reminder": [], "escalation": []}
    sent = 0
    for pk in chosen[warmup:]:
        start = time.perf_counter()
        sent += reminders.process(pk, now=now)
        elapsed = time.perf_counter() - start
        kind = Reminder.objects.filter(request_id=pk, recipients__gt="").order_by(
            "-id").values_list("kind", flat=True).first() or ""
        timings["escalation" if kind.startswith("overdue") else "reminder"].append(elapsed)
    after = (queue.llen(QUEUE), OutgoingEmail.objects.count(), Event.objects.count())
    return {"timings": timings, "sent": sent, "processed": len(chosen) - warmup,
            "messages": after[0] - before[0], "emails": after[1] - before[1],
            "events": after[2] - before[2], "claims": len(claims), "warmup": warmup}


def table(rounds: list[dict], process: dict) -> str:
    """The Markdown table of the timed rounds and of ``process``."""
    def col(key):
        return [r[key] for r in rounds]

    queued = col("queued")
    count = statistics.median(queued)

    def row(name, values, *, versus=None):
        median, low, high = harness.spread(values)
        per = f"{median / count * 1e6:.0f}"
        rel = f"{versus:.1f}×" if versus is not None else ""
        return (f"| {name} | {median:.3f} | {low:.3f} | {high:.3f} | {per} | {rel} |")

    def ratio(key, base):
        return statistics.median(r[key] / r[base] for r in rounds)

    lines = [
        "| Step (per round, fresh data) | median s | min s | max s | µs per request "
        "| × baseline |",
        "|---|---:|---:|---:|---:|---:|",
        row(f"**`reminders.sweep()`**, {min(queued):,}–{max(queued):,} queued",
            col("total")),
        row("— find + lease (transaction: SELECT … FOR UPDATE SKIP LOCKED, UPDATE, COMMIT)",
            col("find_lease"), versus=ratio("find_lease", "raw_lease")),
        row("  — of which the SELECT … FOR UPDATE", col("select"),
            versus=ratio("select", "raw_select")),
        row("  — of which the UPDATE … WHERE id IN (…)", col("update")),
        row("— publish (`apply_async` per request)", col("publish"),
            versus=ratio("publish", "noop")),
        row("Baseline: bare SELECT of the ids (psycopg)", col("raw_select")),
        row("Baseline: SELECT … FOR UPDATE SKIP LOCKED + UPDATE … = ANY (psycopg, rolled back)",
            col("raw_lease")),
        row("Baseline: as many `send_task(\"bench.noop\")`", col("noop"),
            versus=ratio("noop", "lpush")),
        row("Baseline: as many bare Redis `LPUSH` of a sweep message (redis-py)", col("lpush")),
    ]
    everything = process["timings"]["reminder"] + process["timings"]["escalation"]
    lines += ["", "| `reminders.process(pk)` (one worker task) | requests | median ms "
              "| p95 ms | min ms | max ms |", "|---|---:|---:|---:|---:|---:|"]
    for name, values in (("all", everything),
                         ("reminder (before_N, due_day)", process["timings"]["reminder"]),
                         ("escalation (overdue_N)", process["timings"]["escalation"])):
        if len(values) < 2:
            continue
        p95 = (f"{statistics.quantiles(values, n=20)[18] * 1000:.1f}"
               if len(values) >= 20 else "")
        lines.append(f"| {name} | {len(values)} | {statistics.median(values) * 1000:.1f} "
                     f"| {p95} | {min(values) * 1000:.1f} "
                     f"| {max(values) * 1000:.1f} |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench sweep",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--process-sample", type=int, default=200)
    parser.add_argument("--requests", type=int, default=REQUESTS,
                        help="fewer for a quick or reduced run (10,000 to 1,000,000)")
    args = parser.parse_args(argv)
    rounds_wanted = harness.bounded(args.rounds, 1, 10)
    sample = harness.bounded(args.process_sample, 2, 1000)
    requests = harness.bounded(args.requests, 10_000, REQUESTS)

    run = harness.Run()
    bench_redis = harness.bench_redis()
    with harness.scratch_database():
        now = bench_now()
        facts = fill(now, requests)
        print(f"Filled in {facts['fill_seconds']:.0f} s: {facts['inserted']:,} requests, "
              f"{facts['open']:,} open, {facts['due']:,} due at {now.isoformat()}; "
              f"heap {facts['heap']}, {facts['index_count']} indexes {facts['indexes']}, "
              f"req_next_reminder_idx {facts['partial_index']}; the due rows lie on "
              f"{facts['due_pages']:,} heap pages.", flush=True)
        with harness.raw_connection() as raw:
            noop_publish(10)  # open the broker connection of the producer pool before timing
            rounds, warmup, plans = timed_rounds(raw, bench_redis, now, rounds_wanted)
        reset()
        process = time_process(now, sample, warmup=10, seed=7)
        print(f"\nprocess(): {process['processed']} requests sent {process['sent']} reminders "
              f"({process['emails']} outbox e-mails, {process['events']} events, "
              f"{process['messages']} send_email messages in Redis) after "
              f"{process['claims']} pre-claims of earlier points (for these and "
              f"{process['warmup']} untimed warm-ups).")
        print(f"\nPlans ({now.isoformat()}):\n{plans}\n")
        print(table(rounds, process))
        pages = sorted({r["pages"] for r in rounds})
        loads = [r["load"] for r in rounds]
        print(f"\nTimed rounds: due rows on {', '.join(f'{p:,}' for p in pages)} heap pages; "
              f"1-minute load average after each sweep {min(loads):.2f}–{max(loads):.2f}. "
              f"Warm-up (first sweep after the load, due rows on {warmup['pages']:,} pages): "
              f"{warmup['total']:.2f} s = find+lease {warmup['find_lease']:.2f} s + publish "
              f"{warmup['publish']:.2f} s.")
        print(f"\n{run.footer()}")


def timed_rounds(raw, bench_redis, now: datetime, rounds_wanted: int):
    """One warm-up round and ``rounds_wanted`` timed ones, each on fresh data: the baselines,
    then the sweep. Returns (timed rounds, the warm-up, the plans of the warm-up's SQL)."""
    rounds = []
    for r in range(rounds_wanted + 1):  # round 0 is the warm-up
        reset()
        raw_select_s, found = raw_select(raw, now)
        raw_lease_s, leased = raw_lease(raw, now)
        reset()  # the rolled-back UPDATE left dead tuples and index entries
        noop_s = noop_publish(found)
        pages = due_pages(now)
        depth = bench_redis.llen(QUEUE)
        result = SweepProbe().run(now)
        published = bench_redis.llen(QUEUE) - depth
        lpush_s = raw_lpush(bench_redis.lindex(QUEUE, 0), found)
        if not (result["queued"] == found == leased == published):
            raise RuntimeError(f"round {r}: found {found}, leased {leased}, sweep queued "
                               f"{result['queued']}, Redis got {published}")
        result.update(raw_select=raw_select_s, raw_lease=raw_lease_s, noop=noop_s,
                      lpush=lpush_s, pages=pages, load=os.getloadavg()[0])
        label = "warm-up" if r == 0 else f"round {r}/{rounds_wanted}"
        print(f"  {label}: sweep {result['total']:.2f} s (find+lease "
              f"{result['find_lease']:.2f}, publish {result['publish']:.2f}) for "
              f"{result['queued']:,}; bare SELECT {raw_select_s:.3f} s, psycopg lease "
              f"{raw_lease_s:.3f} s, no-op publish {noop_s:.2f} s, bare LPUSH "
              f"{lpush_s:.2f} s; due rows on {pages:,} pages; load {result['load']:.2f}",
              flush=True)
        if r == 0:
            warmup = result
            reset()
            plans = show_plans(now, result["statements"])
        else:
            rounds.append(result)
    return rounds, warmup, plans


