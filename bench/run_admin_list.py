"""Staff-queue benchmark: the admin request list over 1,000,000 requests.

Run from the project root:  .venv/bin/python bench/run_admin_list.py

1. Creates the ``portal_bench_admin`` PostgreSQL database (``bench/settings_admin_list.py``)
   and migrates it. Adds 1,000 organisations (NO and DK alternating), 20 staff users (a
   superuser, a handler who is a member of ``bench-org-1`` only, 18 more assignees) and, with
   ``COPY`` of the references and one ``INSERT ... SELECT``, 1,000,000 requests in order of
   receipt: 3% awaiting e-mail confirmation (no due date), 10% open (new, identity check, in
   progress, waiting) with due dates spread evenly over today ± 60 days, 87% closed, received
   over the last three years and due a month later. Then VACUUM ANALYZE.
2. For each list URL, captures the SQL of one page view in this process
   (``django.test.Client``, a session verified by an OTP device, ``CaptureQueriesContext``)
   and prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the page query (the ``ORDER BY …``) and of
   every statement that took 10 ms or more, with the indexes each plan reads.
3. Starts gunicorn (2 sync workers, ``application()`` below, on these settings) on a free
   port of 127.0.0.1, logs the two users in through the real admin login form (password and
   a static OTP token), and times every URL and the bare view with ``http.client``, one
   request at a time, in interleaved rounds (the order rotates each round).
4. Repeats 2 and 3 for each of ``PASSES``: with ``PROPOSED_INDEXES`` created by raw SQL, then
   also with the proposed organisation filter, which gunicorn's workers (and this process)
   patch into ``RequestAdmin`` at start; no file of the app changes.
5. Prints Markdown tables, stops gunicorn and drops the database.
"""

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SETTINGS = "bench.settings_admin_list"
os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib import admin  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken  # noqa: E402

from requests_app import access  # noqa: E402
from requests_app.admin.requests import RequestAdmin  # noqa: E402
from requests_app.models import Membership, Organisation, Request  # noqa: E402
from requests_app.references import ALPHABET  # noqa: E402
from staff.auth import backup_code_hash  # noqa: E402

ORGANISATIONS = 1_000
REQUESTS = 1_000_000
AWAITING_SHARE = 0.03
OPEN_SHARE = 0.10
DUE_SPREAD_DAYS = 60
STAFF = 20
LIST = "/admin/requests_app/request/"
PASSWORD = "bench-admin-list-password-0123456789"
SUPERUSER, HANDLER = "bench-admin", "bench-handler"
ZONES = {"NO": "Europe/Oslo", "DK": "Europe/Copenhagen"}
LANGUAGES = {"NO": "nb", "DK": "da"}
AUTHORITIES = {"NO": "datatilsynet-no", "DK": "datatilsynet-dk"}
ORDER_INDEXES = ("req_queue_order_idx", "req_org_queue_order_idx", "req_open_queue_order_idx")
OPEN = "('new', 'identity_check', 'in_progress', 'waiting_for_subject')"

#: What the bench proposes for ``Request.Meta.indexes`` (see docs/benchmarks.md), created by
#: raw SQL before the second pass. The queue order over the open requests only (the status
#: filter and the queues "overdue", "week", "unassigned" read it in order instead of walking
#: past every closed request), and the three expressions the admin search compares
#: (``=reference`` is ``UPPER(reference) = UPPER(%s)``, the others ``UPPER(…) LIKE %…%``), so
#: the OR of the three becomes a BitmapOr of index scans instead of a scan of the table.
PROPOSED_INDEXES = {
    "req_open_queue_order_idx": "CREATE INDEX req_open_queue_order_idx ON requests_app_request "
                                f"(due_date, received_at, id DESC) WHERE status IN {OPEN}",
    "pg_trgm": "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "req_reference_upper_idx": "CREATE INDEX req_reference_upper_idx ON requests_app_request "
                               "(UPPER(reference::text))",
    "req_name_trgm_idx": "CREATE INDEX req_name_trgm_idx ON requests_app_request USING gin "
                         "(UPPER(subject_name::text) gin_trgm_ops)",
    "req_email_trgm_idx": "CREATE INDEX req_email_trgm_idx ON requests_app_request USING gin "
                          "(UPPER(subject_email::text) gin_trgm_ops)",
}

#: The runs: label, whether ``PROPOSED_INDEXES`` exist, which organisation filter the list uses.
PASSES = [
    ("shipped", False, "shipped"),
    ("+ proposed indexes", True, "shipped"),
    ("+ proposed indexes + proposed organisation filter", True, "proposed"),
    ("+ proposed indexes + proposed organisation filter, none for superusers", True,
     "proposed, none for superusers"),
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


# --- The database ---------------------------------------------------------------------------


def admin_database(sql: str) -> None:
    """Run one statement on the server's ``postgres`` database (CREATE/DROP DATABASE)."""
    db = settings.DATABASES["default"]
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(sql)


def raw_connection() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                           dbname=db["NAME"], autocommit=True,
                           options="-c statement_timeout=120000")


def unique_references(count: int) -> list[str]:
    """``count`` distinct references in the app's format (as ``bench/run_sweep.py`` makes
    them): 55 random bits as 11 characters of ``references.ALPHABET``."""
    references: set[str] = set()
    while len(references) < count:
        need = count - len(references)
        raw = os.urandom(7 * need)
        for k in range(need):
            bits = int.from_bytes(raw[7 * k:7 * k + 7]) >> 1
            chars = []
            for _ in range(11):
                chars.append(ALPHABET[bits & 31])
                bits >>= 5
            text = "".join(chars)
            references.add(f"{text[:3]}-{text[3:7]}-{text[7:]}")
    return list(references)


def fill_statement(params: dict) -> str:
    columns, values = [], []
    for field in Request._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in FILLED:
            values.append(FILLED[field.column])
        else:
            key = f"default_{field.column}"
            params[key] = field.get_db_prep_save(field.get_default(), connection)
            values.append(f"%({key})s")
    return (f"INSERT INTO requests_app_request ({', '.join(columns)})\n"
            f"SELECT {', '.join(values)}{FILL_FROM}")


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
    Organisation.objects.bulk_create([
        Organisation(name=f"Bench organisation {i}", slug=f"bench-org-{i}", country=country,
                     default_language=LANGUAGES[country], time_zone=ZONES[country],
                     contact_email=f"privacy@org{i}.example.com",
                     supervisory_authority=AUTHORITIES[country])
        for i in range(1, ORGANISATIONS + 1) for country in ["NO" if i % 2 else "DK"]
    ])
    admin, handler, staff = make_users()
    now = timezone.now()
    params = {"now": now, "today": timezone.localdate(), "awaiting": AWAITING_SHARE,
              "open": OPEN_SHARE, "spread": DUE_SPREAD_DAYS, "organisations": ORGANISATIONS,
              "handler": handler.pk, "staff": staff, "staff_count": len(staff)}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.connection  # Django's psycopg 3 connection, for COPY
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("CREATE UNLOGGED TABLE bench_ref (n integer PRIMARY KEY, "
                       "reference varchar(16) NOT NULL)")
        references = unique_references(requests)
        with raw.cursor() as copy_cursor, copy_cursor.copy(
                "COPY bench_ref (n, reference) FROM STDIN") as copy:
            for start in range(0, requests, 50_000):
                chunk = references[start:start + 50_000]
                copy.write("".join(f"{start + k + 1}\t{ref}\n" for k, ref in enumerate(chunk)))
        cursor.execute("SELECT setseed(0.2026)")
        cursor.execute(fill_statement(params), params)
        inserted = cursor.rowcount
        cursor.execute("DROP TABLE bench_ref")
        cursor.execute("RESET synchronous_commit")
        cursor.execute("RESET work_mem")
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
            "AND status <> 'awaiting_confirmation'), "
            "pg_size_pretty(pg_table_size('requests_app_request')), "
            "pg_size_pretty(pg_indexes_size('requests_app_request')) "
            "FROM requests_app_request",
            [params["today"], Organisation.objects.get(slug="bench-org-1").pk])
        facts = dict(zip(("awaiting", "open", "in_progress", "overdue", "org1", "heap",
                          "indexes"), cursor.fetchone(), strict=True))
    facts.update(inserted=inserted, seconds=time.perf_counter() - started)
    return facts


def add_login_tokens(user, count: int) -> list[str]:
    """A confirmed static OTP device for ``user`` with ``count`` known single-use tokens, for
    the real login form, plus the device the in-process client's session names."""
    device = StaticDevice.objects.create(user=user, name="bench", confirmed=True)
    tokens = [f"bench{user.pk}x{i}" for i in range(count)]
    StaticToken.objects.bulk_create(  # stored as the login compares them: hashed
        StaticToken(device=device, token=backup_code_hash(t, user_id=user.pk)) for t in tokens)
    return tokens


# --- The URLs ---------------------------------------------------------------------------------


def list_urls(reference: str) -> list[tuple[str, str, str]]:
    """(name, user, path) of every timed list URL."""
    return [
        ("default page 1", SUPERUSER, LIST),
        ("page 50", SUPERUSER, f"{LIST}?p=50"),
        ("status in progress", SUPERUSER, f"{LIST}?status__exact=in_progress"),
        ("queue overdue", SUPERUSER, f"{LIST}?queue=overdue"),
        ("search exact reference", SUPERUSER, f"{LIST}?{urlencode({'q': reference})}"),
        ("handler: default page 1", HANDLER, LIST),
        ("handler: queue overdue", HANDLER, f"{LIST}?queue=overdue"),
    ]


def rows_on_page(html: str) -> int:
    return len(re.findall(r'name="_selected_action"', html))


# --- The proposed organisation filter ------------------------------------------------------


class ProposedOrganisationFilter(admin.RelatedFieldListFilter):
    """The change proposed for ``RequestAdmin.list_filter`` (docs/benchmarks.md): the
    organisations the user may see, read from the organisations (and the user's memberships),
    not from the requests. Django's ``RelatedOnlyFieldListFilter`` lists the organisations
    that have requests, with ``SELECT DISTINCT organisation_id`` over the whole request table
    on every page of the list."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        ids = access.organisation_ids(request.user, access.VIEW)
        limit = {} if ids is None else {"pk__in": ids}
        return field.get_choices(include_blank=False, limit_choices_to=limit,
                                 ordering=ordering)


def _without_organisations_for_superusers(self, request):
    """``RequestAdmin.get_list_filter`` of the last pass: no organisation list for superusers
    (1,000 links nobody scrolls; ``?organisation__id__exact=`` still filters)."""
    if not request.user.is_superuser:
        return self.list_filter
    return tuple(item for item in self.list_filter
                 if not (isinstance(item, tuple) and item[0] == "organisation"))


def use_organisation_filter(which: str) -> None:
    """Put a proposed organisation filter into ``RequestAdmin``, in this process only:
    "proposed" is ``ProposedOrganisationFilter``, "proposed, none for superusers" that and
    no organisation filter at all for superusers."""
    if which == "shipped":
        return
    RequestAdmin.list_filter = tuple(
        ("organisation", ProposedOrganisationFilter)
        if isinstance(item, tuple) and item[0] == "organisation" else item
        for item in RequestAdmin.list_filter)
    if which == "proposed, none for superusers":
        RequestAdmin.get_list_filter = _without_organisations_for_superusers


def application(organisation_filter: str = "shipped"):
    """The WSGI app gunicorn serves (``bench/wsgi.py`` fixes ``bench.settings``, so gunicorn
    imports this module, which sets up Django with ``bench.settings_admin_list``). With
    ``organisation_filter="proposed"`` the workers use ``ProposedOrganisationFilter``."""
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    use_organisation_filter(organisation_filter)
    return app


# --- SQL, captured in this process ------------------------------------------------------------


def verified_client(user) -> Client:
    """A test client logged in as ``user``, its session verified by an OTP device, as the
    admin login leaves it (what tests/otp_login.py does)."""
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    device = StaticDevice.objects.get(user=user, name="bench")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def capture(client: Client, path: str) -> tuple[list[dict], str]:
    """The statements of one GET of ``path`` (after one untimed GET), and the page."""
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}")
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, organisation_filter: str, log_path: str) -> subprocess.Popen:
    """gunicorn with 2 sync workers serving ``application(organisation_filter)`` of this
    module; waits (at most 60 s) until it answers."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS}
    with open(log_path, "a") as log:
        proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"),
             f"bench.run_admin_list:application(organisation_filter={organisation_filter!r})",
             "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
             "--chdir", str(ROOT)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/bare/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop_gunicorn(proc)
    sys.exit(f"gunicorn did not start; its log:\n{Path(log_path).read_text()[-3000:]}")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    """Ask the gunicorn master (our own child) to stop; kill it after 30 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class HttpClient:
    """One HTTP/1.1 connection to the bench server with a minimal cookie jar (gunicorn's sync
    workers close the connection after each response; ``http.client`` reconnects, so every
    request of every URL pays the same loopback connect)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, float]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        elapsed = time.perf_counter() - start
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, text, elapsed

    def timed(self, path: str) -> float:
        status, text, elapsed = self.send("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}\n{text[:500]}")
        return elapsed

    def login(self, username: str, token: str) -> None:
        """The admin login form: username, password and an OTP token in one POST."""
        _, page, _ = self.send("GET", "/admin/login/?next=/admin/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not match:
            raise RuntimeError("no CSRF token on the login page")
        status, text, _ = self.send("POST", "/admin/login/?next=/admin/", {
            "csrfmiddlewaretoken": match.group(1), "username": username,
            "password": PASSWORD, "otp_token": token, "next": "/admin/"})
        if status != 302:
            raise RuntimeError(f"login of {username}: HTTP {status}\n{text[:2000]}")


def measure(port: int, urls, tokens: dict, rounds: int, per_round: int,
            warmup: int) -> dict:
    """name -> list (one per round) of lists of seconds; the bare view first."""
    users = {}
    for user, queue in tokens.items():
        users[user] = HttpClient(port)
        users[user].login(user, queue.pop())
    bare = HttpClient(port)
    endpoints = {"bare view": lambda: bare.timed("/bench/bare/")}
    for name, user, path in urls:
        endpoints[name] = (lambda c, p: lambda: c.timed(p))(users[user], path)
        _, html, _ = users[user].send("GET", path)
        this_page = re.search(r'class="this-page">(\d+)<', html)
        print(f"  {name}: {rows_on_page(html)} rows, page "
              f"{this_page.group(1) if this_page else 1}", flush=True)
    names = list(endpoints)
    for name in names:  # both workers: imports, templates, DB connections, caches
        for _ in range(warmup):
            endpoints[name]()
    samples = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            samples[name].append([endpoints[name]() for _ in range(per_round)])
        if (r + 1) % 5 == 0 or r + 1 == rounds:
            print(f"  round {r + 1}/{rounds} done; load {os.getloadavg()[0]:.2f}", flush=True)
    return samples


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def summarise(samples: dict) -> dict:
    """Pooled median, p95, p99 (ms); the median over the rounds of the ratio of the round's
    median to the bare view's median in the same round."""
    bare_medians = [statistics.median(r) for r in samples["bare view"]]
    out = {}
    for name, rounds in samples.items():
        pooled = [s for r in rounds for s in r]
        ratios = [statistics.median(r) / b for r, b in zip(rounds, bare_medians, strict=True)]
        out[name] = {"n": len(pooled), "median": statistics.median(pooled) * 1000,
                     "p95": percentile(pooled, 95) * 1000, "p99": percentile(pooled, 99) * 1000,
                     "ratio": statistics.median(ratios)}
    return out


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--per-round", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--requests", type=int, default=REQUESTS,
                        help="fewer for a quick trial (at most 1,000,000)")
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 100))  # bounded loops
    per_round = max(1, min(args.per_round, 100))
    warmup = max(1, min(args.warmup, 50))
    requests = max(10_000, min(args.requests, REQUESTS))

    name = settings.DATABASES["default"]["NAME"]
    log_path = os.path.join(tempfile.gettempdir(), "portal-bench-admin-list.log")
    raw = proc = None
    started = time.perf_counter()
    load_at_start = os.getloadavg()
    try:
        print(f"Preparing {name} ...", flush=True)
        admin_database(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin_database(f'CREATE DATABASE "{name}"')
        call_command("migrate", verbosity=0)
        facts = fill(requests)
        print(f"Filled in {facts['seconds']:.0f} s: {facts['inserted']:,} requests, "
              f"{facts['awaiting']:,} awaiting confirmation, {facts['open']:,} open "
              f"({facts['in_progress']:,} in progress, {facts['overdue']:,} overdue), "
              f"{facts['org1']:,} in the handler's organisation; heap {facts['heap']}, "
              f"indexes {facts['indexes']}.", flush=True)
        User = get_user_model()
        superuser = User.objects.get(username=SUPERUSER)
        handler = User.objects.get(username=HANDLER)
        tokens = {SUPERUSER: add_login_tokens(superuser, len(PASSES)),
                  HANDLER: add_login_tokens(handler, len(PASSES))}
        reference = (Request.objects.filter(status="in_progress").order_by("id")
                     .values_list("reference", flat=True)[requests // 40])
        urls = list_urls(reference)
        clients = {SUPERUSER: verified_client(superuser), HANDLER: verified_client(handler)}
        raw = raw_connection()
        outcome: dict = {}
        index_sizes: list = []
        Path(log_path).write_text("")
        for label, with_indexes, organisation_filter in PASSES:
            if with_indexes and not index_sizes:
                index_started = time.perf_counter()
                for sql in PROPOSED_INDEXES.values():
                    raw.execute(sql)
                raw.execute("ANALYZE requests_app_request")
                index_sizes = raw.execute(
                    "SELECT relname, pg_size_pretty(pg_relation_size(oid)) FROM pg_class "
                    "WHERE relname = ANY(%s) ORDER BY relname",
                    [list(PROPOSED_INDEXES)]).fetchall()
                print(f"\nCreated the proposed indexes in "
                      f"{time.perf_counter() - index_started:.1f} s: "
                      f"{', '.join(f'{n} {size}' for n, size in index_sizes)}", flush=True)
            use_organisation_filter(organisation_filter)
            sql = sql_report(raw, clients, urls)
            print_sql_report(label, sql)
            connections.close_all()
            port = free_port()
            proc = start_gunicorn(port, organisation_filter, log_path)
            print(f"\nTiming [{label}]: gunicorn on 127.0.0.1:{port}; {rounds} rounds × "
                  f"{per_round} requests per URL", flush=True)
            samples = measure(port, urls, tokens, rounds, per_round, warmup)
            stop_gunicorn(proc)
            proc = None
            outcome[label] = (summarise(samples), sql)
        print(f"\nSearched reference: {reference}. Proposed indexes: "
              f"{', '.join(f'{n} {size}' for n, size in index_sizes)}\n")
        print(table(urls, outcome, 150.0))
        print(f"\nTotal run time {time.perf_counter() - started:.0f} s; load average at the "
              f"start {load_at_start[0]:.2f}, at the end {os.getloadavg()[0]:.2f} "
              f"(1 minute, {os.cpu_count()} CPUs); {datetime.now().astimezone():%Y-%m-%d}.")
    finally:
        if proc is not None:
            stop_gunicorn(proc)
        if raw is not None:
            raw.close()
        connections.close_all()
        admin_database(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
