"""What every benchmark shares: its database, the server, the clients, timing and printing.

A scenario (``bench/scenarios/<name>.py``) is run by ``python -m bench <name>`` (or
``make bench SCENARIO=<name>``), which sets up Django on ``bench.settings`` for that scenario
before importing this module. The pieces, in the order a scenario uses them:

1. **Database** (``scratch_database``): a PostgreSQL database of the scenario's own
   (``portal_bench_<scenario>``), created and migrated, dropped again at the end, also when
   the run fails or is stopped with SIGTERM; the bench Redis db is flushed with it.
2. **Fill helpers**: the 1,000 organisations, the unique references sent with ``COPY``, and
   one ``INSERT … SELECT`` of the requests whose columns not set by the scenario get their
   model field's default (a field added later does not break the fill).
3. **Server** (``Server``): gunicorn with 2 sync workers on a free port of 127.0.0.1, started
   and stopped by the run, and its workers' peak memory.
4. **Clients**: ``HttpClient``, one HTTP/1.1 connection with its own cookies, which signs in
   through the real admin login form; ``verified_client``, Django's test client with a session
   verified by an OTP device, for work in this process.
5. **Timing** (``interleaved_rounds``, ``summarise``): warm-up, then rounds in which the order
   of the endpoints rotates so that the machine's noise hits all alike; medians, p95/p99 and
   per-round ratios to a baseline timed in the same round.
6. **Printing**: Markdown tables and a footer with the load average and the machine.
"""

import http.client
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from bench.servers import cookie_header, free_port, hidden_value, keep_cookies, stop_process
from requests_app.models import Organisation, Request
from requests_app.references import ALPHABET
from staff.auth import backup_code_hash

ROOT = Path(__file__).resolve().parent.parent

# --- 1. The database ----------------------------------------------------------------------------


def database_name() -> str:
    return settings.DATABASES["default"]["NAME"]


def admin_statement(sql: str) -> None:
    """One statement on the server's ``postgres`` database (CREATE/DROP DATABASE)."""
    db = settings.DATABASES["default"]
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(sql)


def raw_connection() -> psycopg.Connection:
    """A plain psycopg connection to the bench database (autocommit), for the baselines and
    for EXPLAIN; a runaway statement stops after 10 minutes."""
    db = settings.DATABASES["default"]
    return psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                           dbname=db["NAME"], autocommit=True,
                           options="-c statement_timeout=600000")


def bench_redis() -> redis.Redis:
    """The bench's own Redis db (``BENCH_REDIS_DB``, 15 by default): flushed at the end."""
    return redis.Redis.from_url(settings.REDIS_URL)


def drop_database() -> None:
    connections.close_all()
    admin_statement(f'DROP DATABASE IF EXISTS "{database_name()}" WITH (FORCE)')


@contextmanager
def scratch_database(*, flush_redis: bool = True) -> Iterator[str]:
    """Create and migrate the scenario's database; drop it (and flush the bench Redis db)
    when the block ends, whether it ends well, fails, or the run gets SIGTERM."""
    # SIGTERM (``timeout``, a stopped make) becomes SystemExit, so ``finally`` still runs.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    name = database_name()
    print(f"Preparing {name} ...", flush=True)
    try:
        drop_database()
        admin_statement(f'CREATE DATABASE "{name}"')
        call_command("migrate", verbosity=0)
        yield name
    finally:
        drop_database()
        if flush_redis:
            bench_redis().flushdb()


def table_sizes(table: str = "requests_app_request") -> tuple[str, str]:
    """(heap, all indexes) of ``table``, as pg_size_pretty prints them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_table_size(%s)), "
                       "pg_size_pretty(pg_indexes_size(%s))", [table, table])
        return cursor.fetchone()


# --- 2. Fill helpers ------------------------------------------------------------------------

ZONES = {"NO": "Europe/Oslo", "DK": "Europe/Copenhagen"}
LANGUAGES = {"NO": "nb", "DK": "da"}
AUTHORITIES = {"NO": "datatilsynet-no", "DK": "datatilsynet-dk"}


def add_organisations(count: int) -> None:
    """``bench-org-1`` … ``bench-org-<count>``, alternating NO (Oslo, nb) and DK (Copenhagen,
    da), with the default clock settings and no members."""
    Organisation.objects.bulk_create([
        Organisation(name=f"Bench organisation {i}", slug=f"bench-org-{i}", country=country,
                     default_language=LANGUAGES[country], time_zone=ZONES[country],
                     contact_email=f"privacy@org{i}.example.com",
                     supervisory_authority=AUTHORITIES[country])
        for i in range(1, count + 1) for country in ["NO" if i % 2 else "DK"]
    ])


def unique_references(count: int) -> list[str]:
    """``count`` distinct references in the app's format: 55 random bits as 11 characters of
    ``references.ALPHABET`` (what ``new_reference`` makes, about ten times faster)."""
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


def copy_references(cursor, count: int) -> None:
    """An unlogged ``bench_ref (n, reference)`` table of ``count`` unique references, sent
    with ``COPY`` (the fill's ``INSERT … SELECT`` reads it; drop it afterwards)."""
    cursor.execute("CREATE UNLOGGED TABLE bench_ref (n integer PRIMARY KEY, "
                   "reference varchar(16) NOT NULL)")
    references = unique_references(count)
    with cursor.connection.cursor() as copy_cursor, copy_cursor.copy(
            "COPY bench_ref (n, reference) FROM STDIN") as copy:
        for start in range(0, count, 50_000):
            chunk = references[start:start + 50_000]
            copy.write("".join(f"{start + k + 1}\t{ref}\n" for k, ref in enumerate(chunk)))


def insert_requests_statement(filled: dict[str, str], from_sql: str,
                              params: dict) -> tuple[str, dict]:
    """``INSERT INTO requests_app_request (…) SELECT … <from_sql>``: the columns in ``filled``
    get its SQL expressions, every other column its model field's default (added to
    ``params``), so a field added to the model later does not break the fill."""
    params = dict(params)
    columns, values = [], []
    for field in Request._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in filled:
            values.append(filled[field.column])
        else:
            key = f"default_{field.column}"
            params[key] = field.get_db_prep_save(field.get_default(), connection)
            values.append(f"%({key})s")
    return (f"INSERT INTO requests_app_request ({', '.join(columns)})\n"
            f"SELECT {', '.join(values)}{from_sql}"), params


@contextmanager
def bulk_load(cursor) -> Iterator[None]:
    """Session settings for a fast fill (no synchronous commit, large sort memory, no
    statement timeout: on a busy machine the one INSERT of 1,000,000 rows takes minutes),
    reset afterwards so that what is timed commits and sorts as the app does."""
    cursor.execute("SET statement_timeout = 0")
    cursor.execute("SET synchronous_commit = off")
    cursor.execute("SET maintenance_work_mem = '256MB'")
    cursor.execute("SET work_mem = '256MB'")
    try:
        yield
    finally:
        cursor.execute("RESET statement_timeout")
        cursor.execute("RESET synchronous_commit")
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("RESET work_mem")


# --- 3. The server --------------------------------------------------------------------------


class Server:
    """gunicorn with 2 sync workers serving ``bench.wsgi`` (the portal plus the bare
    baselines of ``bench/urls.py``; ``app`` another WSGI application, such as the reference
    project of ``bench/reference/``) on the scenario's settings, on a free port of 127.0.0.1.

    Use as a context manager: it waits (at most 60 s) until ``ready_path`` answers, and
    stops the master (SIGTERM, then kill after 30 s) when the block ends."""

    def __init__(self, log_name: str, *, app: str = "bench.wsgi:application",
                 ready_path: str = "/bench/bare/", portal_config: bool = False,
                 env: dict[str, str] | None = None):
        """``portal_config``: start gunicorn with the portal's own ``gunicorn.conf.py`` (its
        access log and logger), as production does, rather than gunicorn's defaults; the
        workers are 2 sync ones either way. ``env`` adds to the inherited environment."""
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"{log_name}.log"
        self.app, self.ready_path, self.portal_config = app, ready_path, portal_config
        self.env = {**os.environ, **(env or {})}
        self.port = 0
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        connections.close_all()  # the workers fork with no connection of ours
        self.port = free_port()
        with open(self.log_path, "a") as log:  # the child keeps its own copy of the handle
            config = ["--config", str(ROOT / "gunicorn.conf.py")] if self.portal_config else []
            self.proc = subprocess.Popen(
                [str(ROOT / ".venv/bin/gunicorn"), *config, self.app, "--workers", "2",
                 "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}",
                 "--chdir", str(ROOT)],
                stdout=log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", self.ready_path)
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        sys.exit(f"gunicorn did not start; its log:\n{self.log_path.read_text()[-3000:]}")

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        stop_process(self.proc)

    def worker_peak_rss_mib(self) -> list[float]:
        """Peak resident memory (VmHWM) of each gunicorn worker, in MiB."""
        pid = self.proc.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [peak_rss_mib(int(child)) for child in children]

    def worker_rss_mib(self) -> list[float]:
        """Resident memory now (VmRSS) of each gunicorn worker, in MiB."""
        pid = self.proc.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [status_mib("VmRSS", int(child)) for child in children]

    def client(self, timeout: float = 60) -> "HttpClient":
        return HttpClient(self.port, timeout=timeout)


def status_mib(field: str, pid: int | str = "self") -> float:
    """A memory figure (VmRSS, VmHWM, …) of a process from /proc, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def peak_rss_mib(pid: int | str = "self") -> float:
    return status_mib("VmHWM", pid)


# --- 4. Clients -----------------------------------------------------------------------------


class HttpClient:
    """One HTTP/1.1 connection to the bench server with a minimal cookie jar.

    gunicorn's sync workers close the connection after each response; ``http.client`` then
    reconnects by itself, so every request of every endpoint pays the same loopback connect.
    """

    def __init__(self, port: int, timeout: float = 60):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, float]:
        """One request; returns (status, body, seconds from sending to the last byte)."""
        headers = cookie_header(self.cookies)
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        elapsed = time.perf_counter() - start
        keep_cookies(self.cookies, response)
        return response.status, text, elapsed

    def timed(self, method: str, path: str, expected: int = 200,
              form: dict | None = None) -> float:
        """Send one request, stop the run if the status is not ``expected``; returns seconds."""
        status, text, elapsed = self.send(method, path, form)
        if status != expected:
            raise RuntimeError(f"{method} {path}: HTTP {status}, expected {expected}\n"
                               f"{text[:500]}")
        return elapsed

    def get(self, path: str) -> float:
        return self.timed("GET", path)

    def admin_login(self, username: str, password: str, otp_token: str) -> None:
        """The real admin login form: username, password and a second-factor token."""
        _, page, _ = self.send("GET", "/admin/login/?next=/admin/")
        self.timed("POST", "/admin/login/?next=/admin/", 302, {
            "csrfmiddlewaretoken": hidden_value(page, "csrfmiddlewaretoken"),
            "username": username, "password": password, "otp_token": otp_token,
            "next": "/admin/"})


def login_tokens(user, count: int) -> list[str]:
    """A confirmed static OTP device named "bench" for ``user`` with ``count`` known
    single-use tokens, for the real login form (and for ``verified_client``)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="bench",
                                                   defaults={"confirmed": True})
    tokens = [f"bench{user.pk}x{device.token_set.count() + i}" for i in range(count)]
    # Stored as the login compares them: hashed (``staff.auth.backup_code_hash``).
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=backup_code_hash(t, user_id=user.pk)) for t in tokens)
    return tokens


def verified_client(user) -> Client:
    """Django's test client logged in as ``user``, its session verified by an OTP device, as
    the admin login leaves it (what tests/otp_login.py does)."""
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="bench",
                                                   defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


# --- 5. Timing ------------------------------------------------------------------------------

Samples = dict[str, list[list[float]]]


def interleaved_rounds(endpoints: dict[str, Callable[[], float]], *, rounds: int,
                       per_round: int, warmup: int, report_every: int = 1) -> Samples:
    """Warm every endpoint up, then ``rounds`` rounds of ``per_round`` calls each, the order
    of the endpoints rotated every round. Each endpoint returns the seconds it measured.
    Returns name -> one list of seconds per round."""
    names = list(endpoints)
    for name in names:  # both workers: imports, templates, connections, caches
        for _ in range(warmup):
            endpoints[name]()
    samples: Samples = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            samples[name].append([endpoints[name]() for _ in range(per_round)])
        if (r + 1) % report_every == 0 or r + 1 == rounds:
            print(f"  round {r + 1}/{rounds} done; load {os.getloadavg()[0]:.2f}", flush=True)
    return samples


def percentile(values: Sequence[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def summarise(samples: Samples, baseline: str) -> dict[str, dict]:
    """Per endpoint: n, pooled median, p95 and p99 (ms), lowest and highest round median (ms),
    and the median over the rounds of (round median ÷ the baseline's round median)."""
    base = [statistics.median(r) for r in samples[baseline]]
    out = {}
    for name, rounds in samples.items():
        pooled = [s for r in rounds for s in r]
        medians = [statistics.median(r) for r in rounds]
        out[name] = {
            "n": len(pooled), "median": statistics.median(pooled) * 1000,
            "p95": percentile(pooled, 95) * 1000, "p99": percentile(pooled, 99) * 1000,
            "low": min(medians) * 1000, "high": max(medians) * 1000,
            "rate": statistics.median(len(r) / sum(r) for r in rounds),
            "ratio": statistics.median(m / b for m, b in zip(medians, base, strict=True)),
        }
    return out


def ratio_to(samples: Samples, name: str, base: str) -> float:
    """The median over the rounds of (``name``'s round median ÷ ``base``'s)."""
    return statistics.median(
        statistics.median(a) / statistics.median(b)
        for a, b in zip(samples[name], samples[base], strict=True))


def spread(values: Sequence[float]) -> tuple[float, float, float]:
    """(median, min, max)."""
    return statistics.median(values), min(values), max(values)


def bounded(value: int, low: int, high: int) -> int:
    """A command-line count kept within bounds (every loop of a bench is bounded)."""
    return max(low, min(value, high))


# --- 6. Printing ----------------------------------------------------------------------------


def markdown_table(head: Sequence[str], rows: Sequence[Sequence[object]],
                   align: str = "") -> str:
    """A Markdown table; ``align`` has one letter per column, ``l`` or ``r`` (default: the
    first column left, the others right)."""
    align = align or "l" + "r" * (len(head) - 1)
    rule = "|" + "|".join("---" if a == "l" else "---:" for a in align) + "|"
    lines = ["| " + " | ".join(head) + " |", rule]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


class Run:
    """The wall time and load of a whole run, for its footer."""

    def __init__(self):
        self.started = time.perf_counter()
        self.load_at_start = os.getloadavg()[0]

    def footer(self) -> str:
        return (f"Total run time {time.perf_counter() - self.started:.0f} s; load average "
                f"at the start {self.load_at_start:.2f}, at the end {os.getloadavg()[0]:.2f} "
                f"(1 minute, {os.cpu_count()} CPUs); {datetime.now().astimezone():%Y-%m-%d}; "
                f"{machine()}.")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    memory = status_mib_total()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    import django

    return (f"{cpu}, {memory / 1024:.0f} GiB, Python {sys.version.split()[0]}, "
            f"Django {django.get_version()}, PostgreSQL {postgres}")


def status_mib_total() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024
    return 0.0
