"""Staff-queue benchmark: the admin request list over 1,000,000 requests.

``make bench SCENARIO=admin_list`` (``python -m bench admin_list [--rounds 25 --per-round 10
--warmup 5 --requests 1000000]``).

1. Migrates the scenario's database (``harness.scratch_database``). Adds 1,000 organisations
   (NO and DK alternating), 20 staff users (a superuser, a handler who is a member of
   ``bench-org-1`` only, 18 more assignees) and, with ``COPY`` of the references and one
   ``INSERT ... SELECT``, 1,000,000 requests in order of receipt: 3% awaiting e-mail
   confirmation (no due date), 10% open (new, identity check, in progress, waiting) with due
   dates spread evenly over today ± 60 days, 87% closed, received over the last three years
   and due a month later. Then VACUUM ANALYZE.
2. For each list URL, captures the SQL of one page view in this process
   (``harness.verified_client``, ``CaptureQueriesContext``) and prints ``EXPLAIN (ANALYZE,
   BUFFERS)`` of the page query (the ``ORDER BY …``) and of every statement that took 10 ms
   or more, with the indexes each plan reads.
3. Starts gunicorn (``harness.Server``), signs the two users in through the real admin login
   form (password and a static OTP token), and times every URL and the bare view, one request
   at a time, in interleaved rounds (``harness.interleaved_rounds``).
4. Repeats 2 and 3 for each of ``PASSES``: the code and indexes as shipped, then with
   ``PROPOSED_INDEXES`` (trigram indexes for the name and e-mail search) created by raw SQL.
5. Prints Markdown tables; the database is dropped.

The first version of this benchmark also measured the open-queue index, an organisation filter
read from the organisation table and no organisation filter for superusers as proposals; all
three are now in the app (``Request.Meta.indexes``, ``admin.requests.OrganisationFilter``,
``RequestAdmin.get_list_filter``), so pass 1 measures them as shipped. (Creating the open-queue
index again is what stopped the old script after its first pass with "relation
req_open_queue_order_idx already exists".)
"""

import argparse
import re
import time
from urllib.parse import urlencode

import psycopg
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import harness
from requests_app.models import Membership, Organisation, Request

ORGANISATIONS = 1_000
REQUESTS = 1_000_000
AWAITING_SHARE = 0.03
OPEN_SHARE = 0.10
DUE_SPREAD_DAYS = 60
STAFF = 20
LIST = "/admin/requests_app/request/"
PASSWORD = "bench-admin-list-password-0123456789"
SUPERUSER, HANDLER = "bench-admin", "bench-handler"
NAME_SEARCHED = "Person 424242"  # one requester (and any Person 4242420…)
ORDER_INDEXES = ("req_queue_order_idx", "req_org_queue_order_idx", "req_open_queue_order_idx")

#: What the bench still proposes for ``Request.Meta.indexes`` (see docs/benchmarks.md),
#: created by raw SQL before the second pass: the admin search compares
#: ``UPPER(subject_name) LIKE %…%`` and the same of ``subject_email`` (a reference is found
#: through its unique index already, ``RequestAdmin.get_search_results``), so without them a
#: name search reads the whole table. PostgreSQL only (``pg_trgm``).
PROPOSED_INDEXES = {
    "pg_trgm": "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "req_name_trgm_idx": "CREATE INDEX IF NOT EXISTS req_name_trgm_idx "
                         "ON requests_app_request USING gin "
                         "(UPPER(subject_name::text) gin_trgm_ops)",
    "req_email_trgm_idx": "CREATE INDEX IF NOT EXISTS req_email_trgm_idx "
                          "ON requests_app_request USING gin "
                          "(UPPER(subject_email::text) gin_trgm_ops)",
}

#: The runs: label, and whether ``PROPOSED_INDEXES`` exist.
PASSES = [
    ("as shipped", False),
    ("+ trigram indexes for the name and e-mail search", True),
]

# The columns the bench sets; every other column gets its model field's default, so a field
# added later does not break the fill. ``g`` is one generated row, ``o`` its organisation.
FILLED = {
    "reference": "g.reference",
    "organisation_id": "o.id",
    "type": "(ARRAY['access', 'erasure', 'rectification', 'objection', 'restriction', "
            "'portability', 'consent_withdrawal'])[1 + g.n %% 7]",
    "status": "g.status",
    "channel": "CASE WHEN g.n %% 10 < 7 THEN 'web' ELSE 'email' END",
    "language": "o.default_language",
    "subject_name": "'Person ' || g.n",
    "subject_email": "'person' || g.n || '@example.com'",
    "relationship": "'customer'",
    "received_at": "g.received",
    "confirmed_at": "CASE WHEN g.kind <> 'awaiting' THEN g.received + interval '5 minutes' END",
    "due_date": "g.due",
    "statutory_due_date": "g.due",
    "extended_at": "CASE WHEN g.extended THEN g.received + interval '20 days' END",
    "extension_reason": "CASE WHEN g.extended THEN 'complexity' ELSE '' END",
    "closed_at": "CASE WHEN g.kind = 'closed' "
                 "THEN least(g.received + g.handling, %(now)s::timestamptz) END",
    "assignee_id": "CASE WHEN g.kind = 'awaiting' OR g.r_assign >= 0.8 THEN NULL "
                   "WHEN g.org_no = 1 THEN %(handler)s::bigint "
                   "ELSE (%(staff)s::bigint[])[1 + g.org_no %% %(staff_count)s] END",
    "status_token_hash": "CASE WHEN g.kind <> 'awaiting' "
                         "THEN encode(sha256(convert_to(g.reference, 'UTF8')), 'hex') END",
    "created_at": "g.received",
    "updated_at": "g.received",
}

# ``r``: random draws per reference; ``s``: kind, open due date, extension; ``t``: status
# and time of receipt; ``g``: the due date of closed rows (a month after the local date of
# receipt). Open rows due more than 30 days ahead were extended (received 3 months before).
FILL_FROM = """
FROM (
    SELECT t.*,
           CASE t.kind WHEN 'open' THEN t.open_due
                       WHEN 'closed' THEN ((t.received AT TIME ZONE t.zone)
                                           + interval '1 month')::date END AS due
    FROM (
        SELECT s.*,
               CASE s.kind
                   WHEN 'awaiting' THEN 'awaiting_confirmation'
                   WHEN 'open' THEN CASE WHEN s.r_status < 0.2 THEN 'new'
                                         WHEN s.r_status < 0.3 THEN 'identity_check'
                                         WHEN s.r_status < 0.8 THEN 'in_progress'
                                         ELSE 'waiting_for_subject' END
                   ELSE CASE WHEN s.r_status < 0.80 THEN 'completed'
                             WHEN s.r_status < 0.88 THEN 'refused'
                             WHEN s.r_status < 0.95 THEN 'withdrawn'
                             ELSE 'forwarded' END END AS status,
               CASE s.kind
                   WHEN 'awaiting' THEN %(now)s::timestamptz - s.r_time * interval '7 days'
                   WHEN 'open' THEN least(
                       %(now)s::timestamptz - interval '1 minute',
                       ((s.open_due - CASE WHEN s.extended THEN interval '3 months'
                                           ELSE interval '1 month' END)
                        + s.r_time * interval '1 day') AT TIME ZONE s.zone)
                   ELSE %(now)s::timestamptz - s.r_time * interval '1095 days' END AS received
        FROM (
            SELECT r.*,
                   CASE WHEN r.r_kind < %(awaiting)s THEN 'awaiting'
                        WHEN r.r_kind < %(awaiting)s + %(open)s THEN 'open'
                        ELSE 'closed' END AS kind,
                   r.open_due > %(today)s::date + 30 AS extended,
                   CASE WHEN r.org_no %% 2 = 1 THEN 'Europe/Oslo'
                        ELSE 'Europe/Copenhagen' END AS zone
            FROM (
                SELECT b.n, b.reference, random() AS r_kind, random() AS r_time,
                       random() AS r_status, random() AS r_assign,
                       1 + floor(random() * %(organisations)s)::int AS org_no,
                       %(today)s::date + (floor(random() * (2 * %(spread)s + 1))::int
                                          - %(spread)s) AS open_due,
                       (1 + floor(random() * 30)::int) * interval '1 day' AS handling
                FROM bench_ref b
            ) r
        ) s
    ) t
) g
JOIN requests_app_organisation o ON o.slug = 'bench-org-' || g.org_no
ORDER BY g.received
"""


# --- The data ----------------------------------------------------------------------------------


def make_users() -> tuple:
    """The superuser, the handler (member of ``bench-org-1``) and 18 more staff users."""
    User = get_user_model()
    admin = User.objects.create_superuser(SUPERUSER, "admin@example.com", PASSWORD)
    handler = User.objects.create_user(HANDLER, "handler@example.com", PASSWORD,
                                       is_staff=True)
    Membership.objects.create(user=handler, organisation=Organisation.objects.get(
        slug="bench-org-1"), role=Membership.Role.HANDLER)
    others = [User.objects.create_user(f"bench-staff-{i}", f"staff{i}@example.com", PASSWORD,
                                       is_staff=True) for i in range(STAFF - 2)]
    return admin, handler, [admin.pk, *(u.pk for u in others)]


def fill(requests: int) -> dict:
    harness.add_organisations(ORGANISATIONS)
    _admin, handler, staff = make_users()
    now = timezone.now()
    params = {"now": now, "today": timezone.localdate(), "awaiting": AWAITING_SHARE,
              "open": OPEN_SHARE, "spread": DUE_SPREAD_DAYS, "organisations": ORGANISATIONS,
              "handler": handler.pk, "staff": staff, "staff_count": len(staff)}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with harness.bulk_load(cursor):
            harness.copy_references(cursor, requests)
            cursor.execute("SELECT setseed(0.2026)")
            cursor.execute(*harness.insert_requests_statement(FILLED, FILL_FROM, params))
            inserted = cursor.rowcount
            cursor.execute("DROP TABLE bench_ref")
        cursor.execute("VACUUM (ANALYZE) requests_app_request")
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT count(*) FILTER (WHERE status = 'awaiting_confirmation'), "
            "count(*) FILTER (WHERE status IN ('new', 'identity_check', 'in_progress', "
            "'waiting_for_subject')), "
            "count(*) FILTER (WHERE status = 'in_progress'), "
            "count(*) FILTER (WHERE status IN ('new', 'identity_check', 'in_progress', "
            "'waiting_for_subject') AND due_date < %s), "
            "count(*) FILTER (WHERE organisation_id = %s "
            "AND status <> 'awaiting_confirmation') "
            "FROM requests_app_request",
            [params["today"], Organisation.objects.get(slug="bench-org-1").pk])
        facts = dict(zip(("awaiting", "open", "in_progress", "overdue", "org1"),
                         cursor.fetchone(), strict=True))
    facts["heap"], facts["indexes"] = harness.table_sizes()
    facts.update(inserted=inserted, seconds=time.perf_counter() - started)
    return facts


# --- The URLs ---------------------------------------------------------------------------------


def list_urls(reference: str, open_requests: int) -> list[tuple[str, str, str]]:
    """(name, user, path) of every timed list URL. The list opens on the open queue; page 50
    of it (or its last page, in a quick trial with fewer than 2,500 open requests)."""
    page = max(1, min(50, open_requests // 50))
    return [
        ("default page 1", SUPERUSER, LIST),
        (f"page {page}", SUPERUSER, f"{LIST}?p={page}"),
        ("status in progress", SUPERUSER, f"{LIST}?status__exact=in_progress"),
        ("queue overdue", SUPERUSER, f"{LIST}?queue=overdue"),
        ("search exact reference", SUPERUSER, f"{LIST}?{urlencode({'q': reference})}"),
        ("search name", SUPERUSER, f"{LIST}?{urlencode({'q': NAME_SEARCHED})}"),
        ("handler: default page 1", HANDLER, LIST),
        ("handler: queue overdue", HANDLER, f"{LIST}?queue=overdue"),
    ]


def rows_on_page(html: str) -> int:
    return len(re.findall(r'name="_selected_action"', html))


# --- SQL, captured in this process ------------------------------------------------------------


def capture(client: Client, path: str) -> tuple[list[dict], str]:
    """The statements of one GET of ``path`` (after one untimed GET), and the page."""
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code} "
                           f"{response.headers.get('Location', '')}")
    return list(captured.captured_queries), response.content.decode()


def is_page_query(sql: str) -> bool:
    """The query of the page's rows (``LIMIT 50``, or no limit when all fit on one page)."""
    return (sql.startswith('SELECT "requests_app_request"."id"')
            and 'ORDER BY "requests_app_request"."due_date"' in sql)


def explain(raw: psycopg.Connection, sql: str) -> str:
    rows = raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()
    return "\n".join(row[0] for row in rows)


def indexes_in(plan: str) -> list[str]:
    found = re.findall(r"Index (?:Only )?Scan (?:Backward )?using (\w+)|Bitmap Index Scan on (\w+)",
                       plan)
    return sorted({a or b for a, b in found})


def shorten(sql: str, limit: int = 400) -> str:
    sql = " ".join(sql.split())
    sql = re.sub(r'SELECT "requests_app_request"\."id", .*? FROM "requests_app_request"',
                 'SELECT "requests_app_request"."id", … FROM "requests_app_request"', sql)
    sql = re.sub(r'SELECT "requests_app_organisation"\."id", .*? FROM',
                 'SELECT "requests_app_organisation"."id", … FROM', sql)
    return sql if len(sql) <= limit else sql[:limit] + " …"


def sql_report(raw, clients: dict, urls) -> dict:
    """Per URL: the captured statements and their total time, and the plans of the page
    query and of every statement that took 10 ms or more."""
    report = {}
    for name, user, path in urls:
        queries, html = capture(clients[user], path)
        timed = [(float(q["time"]), q["sql"]) for q in queries]
        page = next((s for _t, s in timed if is_page_query(s)), "")
        plans = {}
        for seconds, sql in timed:
            if sql == page or seconds >= 0.010:
                kind = "page query" if sql == page else f"{seconds * 1000:.0f} ms statement"
                plans[kind] = (sql, explain(raw, sql))
        page_plan = plans.get("page query", ("", ""))[1]
        report[name] = {
            "statements": len(queries), "sql_ms": sum(t for t, _ in timed) * 1000,
            "slowest_ms": max(t for t, _ in timed) * 1000, "rows": rows_on_page(html),
            "order_index": [i for i in indexes_in(page_plan) if i in ORDER_INDEXES],
            "page_indexes": indexes_in(page_plan), "plans": plans,
            "queries": [(t * 1000, shorten(s)) for t, s in timed],
        }
    return report


def print_sql_report(label: str, report: dict) -> None:
    for name, item in report.items():
        print(f"\n### [{label}] {name}: {item['statements']} statements, "
              f"{item['sql_ms']:.0f} ms of SQL, {item['rows']} rows on the page")
        for ms, sql in item["queries"]:
            print(f"  {ms:6.0f} ms  {sql}")
        for kind, (sql, plan) in item["plans"].items():
            print(f"-- {kind}: {shorten(sql, 1200)}\n{plan}")


# --- HTTP against gunicorn --------------------------------------------------------------------


def measure(server: harness.Server, urls, tokens: dict, rounds: int, per_round: int,
            warmup: int) -> harness.Samples:
    """name -> one list of seconds per round; the bare view first."""
    users = {}
    for user, queue in tokens.items():
        users[user] = server.client()
        users[user].admin_login(user, PASSWORD, queue.pop())
    bare = server.client()
    endpoints = {"bare view": lambda: bare.get("/bench/bare/")}
    for name, user, path in urls:
        endpoints[name] = (lambda c, p: lambda: c.get(p))(users[user], path)
        _, html, _ = users[user].send("GET", path)
        this_page = re.search(r'class="this-page">(\d+)<', html)
        print(f"  {name}: {rows_on_page(html)} rows, page "
              f"{this_page.group(1) if this_page else 1}", flush=True)
    return harness.interleaved_rounds(endpoints, rounds=rounds, per_round=per_round,
                                      warmup=warmup, report_every=5)


def table(urls, outcome: dict, goal_ms: float) -> str:
    """One row per URL: for every pass median / p95 / p99, and the ratio to the bare view."""
    labels = list(outcome)
    head = ["URL (`/admin/requests_app/request/` + …)", "user", "rows"]
    for i, _label in enumerate(labels, 1):
        head += [f"({i}) median / p95 / p99 ms", f"({i}) × bare"]
    lines = ["| " + " | ".join(head) + " |", "|---|---|---:|" + "---:|---:|" * len(labels)]
    names = ["bare view", *(name for name, _user, _path in urls)]
    paths = {name: (user, path) for name, user, path in urls}
    for name in names:
        if name in paths:
            user, path = paths[name]
            cells = [f"{name}: `{path[len(LIST):] or '(nothing)'}`",
                     "superuser" if user == SUPERUSER else "handler (1 org)",
                     str(outcome[labels[0]][1][name]["rows"])]
        else:
            cells = ["bare view `/bench/bare/`", "", ""]
        for label in labels:
            r = outcome[label][0][name]
            p95 = f"**{r['p95']:.0f}**" if r["p95"] >= goal_ms else f"{r['p95']:.0f}"
            cells += [f"{r['median']:.0f} / {p95} / {r['p99']:.0f}"
                      if name in paths else
                      f"{r['median']:.2f} / {r['p95']:.2f} / {r['p99']:.2f}",
                      f"{r['ratio']:.0f}×"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| URL | " + " | ".join(
        f"({i}) SQL: statements, ms; slowest ms | ({i}) order index in the page query"
        for i, _label in enumerate(labels, 1)) + " |",
        "|---|" + "---|---|" * len(labels)]
    for name in names[1:]:
        cells = [name]
        for label in labels:
            s = outcome[label][1][name]
            idx = ", ".join(s["order_index"]) or "none (" + (
                ", ".join(s["page_indexes"]) or "seq scan") + ")"
            cells += [f"{s['statements']}, {s['sql_ms']:.0f}; {s['slowest_ms']:.0f}", idx]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Passes (n = requests per URL per pass):"]
    lines += [f"({i}) {label}, n = {outcome[label][0]['bare view']['n']}"
              for i, label in enumerate(labels, 1)]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench admin_list",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--per-round", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--requests", type=int, default=REQUESTS,
                        help="fewer for a quick or reduced run (10,000 to 1,000,000)")
    args = parser.parse_args(argv)
    rounds = harness.bounded(args.rounds, 1, 100)
    per_round = harness.bounded(args.per_round, 1, 100)
    warmup = harness.bounded(args.warmup, 1, 50)
    requests = harness.bounded(args.requests, 10_000, REQUESTS)

    run = harness.Run()
    with harness.scratch_database(flush_redis=False), harness.raw_connection() as raw:
        facts = fill(requests)
        print(f"Filled in {facts['seconds']:.0f} s: {facts['inserted']:,} requests, "
              f"{facts['awaiting']:,} awaiting confirmation, {facts['open']:,} open "
              f"({facts['in_progress']:,} in progress, {facts['overdue']:,} overdue), "
              f"{facts['org1']:,} in the handler's organisation; heap {facts['heap']}, "
              f"indexes {facts['indexes']}.", flush=True)
        User = get_user_model()
        superuser = User.objects.get(username=SUPERUSER)
        handler = User.objects.get(username=HANDLER)
        tokens = {SUPERUSER: harness.login_tokens(superuser, len(PASSES)),
                  HANDLER: harness.login_tokens(handler, len(PASSES))}
        reference = (Request.objects.filter(status="in_progress").order_by("id")
                     .values_list("reference", flat=True)[facts["in_progress"] // 4])
        urls = list_urls(reference, facts["open"])
        clients = {SUPERUSER: harness.verified_client(superuser),
                   HANDLER: harness.verified_client(handler)}
        outcome: dict = {}
        index_sizes: list = []
        for label, with_indexes in PASSES:
            if with_indexes and not index_sizes:
                index_sizes = create_proposed_indexes(raw)
            sql = sql_report(raw, clients, urls)
            print_sql_report(label, sql)
            with harness.Server("portal-bench-admin-list") as server:
                print(f"\nTiming [{label}]: gunicorn on 127.0.0.1:{server.port}; {rounds} "
                      f"rounds × {per_round} requests per URL", flush=True)
                samples = measure(server, urls, tokens, rounds, per_round, warmup)
            outcome[label] = (harness.summarise(samples, "bare view"), sql)
        print(f"\nSearched reference: {reference}; name: {NAME_SEARCHED}. Proposed indexes: "
              f"{', '.join(f'{n} {size}' for n, size in index_sizes)}\n")
        print(table(urls, outcome, 150.0))
        print(f"\n{run.footer()}")


def create_proposed_indexes(raw: psycopg.Connection) -> list[tuple[str, str]]:
    """``PROPOSED_INDEXES``, then ANALYZE; returns (name, size) of each index."""
    started = time.perf_counter()
    for sql in PROPOSED_INDEXES.values():
        raw.execute(sql)
    raw.execute("ANALYZE requests_app_request")
    sizes = raw.execute(
        "SELECT relname, pg_size_pretty(pg_relation_size(oid)) FROM pg_class "
        "WHERE relname = ANY(%s) ORDER BY relname", [list(PROPOSED_INDEXES)]).fetchall()
    print(f"\nCreated the proposed indexes in {time.perf_counter() - started:.1f} s: "
          f"{', '.join(f'{n} {size}' for n, size in sizes)}", flush=True)
    return sizes
