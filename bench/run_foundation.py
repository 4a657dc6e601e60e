"""Foundation benchmark: public pages, submission and staff queue against bare Django baselines.

Run from the project root:  .venv/bin/python bench/run_foundation.py

1. Creates the ``portal_bench`` PostgreSQL database, migrates it, loads the demo data and adds
   10,000 confirmed requests, one request with a status link and a superuser.
2. Starts gunicorn (2 sync workers, ``bench.wsgi``) on a free port of 127.0.0.1.
3. Times every endpoint with one ``http.client`` connection per endpoint, one request at a
   time, in interleaved rounds (the order rotates each round) so that noise hits all alike.
4. Prints a Markdown table, then stops gunicorn, drops the database and flushes Redis db 15.
"""

import argparse
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
django.setup()

import psycopg  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from requests_app import intake  # noqa: E402
from requests_app.models import Event, Organisation, OutgoingEmail, Request  # noqa: E402
from requests_app.references import new_reference  # noqa: E402
from staff.auth import new_backup_codes  # noqa: E402

ORG = "onlinepos-no"
QUEUE_SIZE = 10_000
ADMIN_USER = "bench-admin"
ADMIN_PASSWORD = "bench-admin-password-0123456789"


def admin_database(sql: str) -> None:
    """Run one statement on the server's ``postgres`` database (for CREATE/DROP DATABASE)."""
    db = settings.DATABASES["default"]
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(sql)


def prepare_database() -> str:
    """Create, migrate and fill the bench database; returns a working status-page token."""
    name = settings.DATABASES["default"]["NAME"]
    admin_database(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_database(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:  # load_demo prints the demo logins
        call_command("load_demo", stdout=quiet)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_row (id bigserial primary key, "
                       "payload text)")
    get_user_model().objects.create_superuser(ADMIN_USER, "bench@example.com", ADMIN_PASSWORD)
    add_confirmed_requests(QUEUE_SIZE)
    org = Organisation.objects.get(slug=ORG)
    request = intake.submit_request(
        organisation=org, request_type="erasure", language="nb", subject_name="Status Side",
        subject_email="status@example.com", relationship="customer",
    )
    return intake.confirm_request(request)


def add_confirmed_requests(count: int) -> None:
    """Bulk-create ``count`` requests in status "new", received over 60 days, due dates spread."""
    rng = random.Random(1)
    organisations = list(Organisation.objects.all())
    references = set()
    while len(references) < count:
        references.add(new_reference())
    now = timezone.now()
    rows = []
    for i, reference in enumerate(references):
        received = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
        rows.append(Request(
            reference=reference, organisation=rng.choice(organisations),
            type=rng.choice(["access", "erasure", "rectification", "objection"]),
            status="new", language="nb", subject_name=f"Person {i}",
            subject_email=f"person{i}@example.com", relationship="customer",
            received_at=received, confirmed_at=received + timedelta(minutes=5),
            due_date=(received + timedelta(days=rng.randrange(20, 40))).date(),
        ))
    Request.objects.bulk_create(rows, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics as autovacuum would leave them


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, log_path: str) -> subprocess.Popen:
    """Start gunicorn with 2 sync workers and wait (at most 60 s) until it answers."""
    with open(log_path, "w") as log:  # the child keeps its own copy of the file handle
        proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "bench.wsgi:application", "--workers", "2",
             "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT)],
            stdout=log, stderr=subprocess.STDOUT,
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


def worker_peak_rss_mib(master_pid: int) -> list[float]:
    """Peak resident memory (VmHWM) of each gunicorn worker, in MiB."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return peaks


def stop_gunicorn(proc: subprocess.Popen) -> None:
    """Ask the gunicorn master (our own child) to stop; kill it after 30 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Client:
    """One HTTP/1.1 connection to the bench server with a minimal cookie jar.

    gunicorn's sync workers close the connection after each response; ``http.client`` then
    reconnects by itself, so every request of every endpoint pays the same loopback connect.
    """

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, float]:
        """One request; returns (status, body, seconds from sending to the last byte)."""
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

    def timed(self, method: str, path: str, expected: int, form: dict | None = None) -> float:
        """Send one request, stop the run if the status is not ``expected``; returns seconds."""
        status, text, elapsed = self.send(method, path, form)
        if status != expected:
            raise RuntimeError(f"{method} {path}: HTTP {status}, expected {expected}\n"
                               f"{text[:500]}")
        return elapsed


def hidden_value(html: str, name: str) -> str:
    """The value of the hidden input ``name`` in a rendered form."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    if not match:
        raise RuntimeError(f"no hidden field {name!r} in the page")
    return match.group(1)


def make_endpoints(port: int, status_token: str) -> dict:
    """Endpoint name -> function that sends one timed request and returns its seconds.

    Each endpoint has its own client (own cookies); the admin client logs in first."""
    form_path = f"/nb/o/{ORG}/erasure/"
    clients = {name: Client(port) for name in ("bare", "insert", "org", "form", "submit",
                                                "status", "admin")}
    admin = clients["admin"]
    # Staff sign in with a second factor: a backup code, minted by the portal's own helper.
    code = new_backup_codes(get_user_model().objects.get(username=ADMIN_USER), n=1)[0]
    _, page, _ = admin.send("GET", "/admin/login/")
    admin.timed("POST", "/admin/login/", 302, {
        "username": ADMIN_USER, "password": ADMIN_PASSWORD, "otp_token": code,
        "next": "/admin/",
        "csrfmiddlewaretoken": hidden_value(page, "csrfmiddlewaretoken")})

    def submit() -> float:
        # An untimed GET first: a fresh CSRF token and ``rendered`` value, like a browser.
        _, page, _ = clients["submit"].send("GET", form_path)
        return clients["submit"].timed("POST", form_path, 302, {
            "csrfmiddlewaretoken": hidden_value(page, "csrfmiddlewaretoken"),
            "rendered": hidden_value(page, "rendered"),
            "subject_name": "Kari Nordmann", "subject_email": "kari@example.com",
            "subject_phone": "", "relationship": "customer", "erasure_scope": "everything",
            "named_data": "", "services": "", "description": "Bench", "website": ""})

    return {
        "GET bare view": lambda: clients["bare"].timed("GET", "/bench/bare/", 200),
        "POST insert view": lambda: clients["insert"].timed("POST", "/bench/insert/", 200, {}),
        "GET organisation page": lambda: clients["org"].timed("GET", f"/nb/o/{ORG}/", 200),
        "GET request form": lambda: clients["form"].timed("GET", form_path, 200),
        "POST erasure request": submit,
        "GET status page": lambda: clients["status"].timed(
            "GET", f"/nb/status/{status_token}/", 200),
        f"GET admin request list ({QUEUE_SIZE:,} requests)": lambda: admin.timed(
            "GET", "/admin/requests_app/request/", 200),
    }


def measure(endpoints: dict, rounds: int, per_round: int, warmup: int) -> dict:
    """Run the rounds; returns name -> list (one per round) of lists of seconds."""
    names = list(endpoints)
    for name in names:  # warm both workers: imports, templates, DB connections
        for _ in range(warmup):
            endpoints[name]()
    samples = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            samples[name].append([endpoints[name]() for _ in range(per_round)])
        print(f"  round {r + 1}/{rounds} done", flush=True)
    return samples


def summarise(samples: dict) -> str:
    """A Markdown table: pooled median and p95, req/s, and per-round ratios of medians."""
    bare, insert = "GET bare view", "POST insert view"
    round_medians = {name: [statistics.median(r) for r in rounds]
                     for name, rounds in samples.items()}

    def ratio(name: str, base: str) -> str:
        ratios = [m / b for m, b in zip(round_medians[name], round_medians[base], strict=True)]
        return f"{statistics.median(ratios):.1f}×"

    lines = ["| Endpoint | median ms | p95 ms | req/s (1 client) | round medians ms | × bare "
             "| × insert |", "|---|---:|---:|---:|---|---:|---:|"]
    for name, rounds in samples.items():
        pooled = [s for r in rounds for s in r]
        p95 = statistics.quantiles(pooled, n=100)[94]
        rate = statistics.median(len(r) / sum(r) for r in rounds)
        spread = f"{min(round_medians[name]) * 1000:.2f}–{max(round_medians[name]) * 1000:.2f}"
        vs_insert = ratio(name, insert) if name in (insert, "POST erasure request") else ""
        lines.append(f"| {name} | {statistics.median(pooled) * 1000:.2f} | {p95 * 1000:.2f} "
                     f"| {rate:.0f} | {spread} | {ratio(name, bare)} | {vs_insert} |")
    return "\n".join(lines)


def submission_rows() -> tuple[int, int, int]:
    """Counts of the rows a submission writes: unconfirmed requests, events, outbox rows."""
    return (Request.objects.filter(status="awaiting_confirmation").count(),
            Event.objects.count(), OutgoingEmail.objects.count())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    rounds, per_round = min(args.rounds, 50), min(args.per_round, 2000)  # bounded loops

    bench_redis = redis.Redis.from_url(settings.REDIS_URL)
    bench_redis.flushdb()
    proc = None
    try:
        print(f"Preparing {settings.DATABASES['default']['NAME']} ...", flush=True)
        status_token = prepare_database()
        connections.close_all()
        port = free_port()
        proc = start_gunicorn(port, os.path.join(tempfile.gettempdir(), "portal-bench.log"))
        print(f"gunicorn on 127.0.0.1:{port}; {rounds} rounds × {per_round} requests",
              flush=True)
        before = submission_rows()
        samples = measure(make_endpoints(port, status_token), rounds, per_round, args.warmup)
        peaks = worker_peak_rss_mib(proc.pid)
        rows = [after - b for after, b in zip(submission_rows(), before, strict=True)]
        print(f"\nSubmissions: {args.warmup + rounds * per_round} POSTs wrote {rows[0]} "
              f"requests, {rows[1]} events and {rows[2]} outbox rows; "
              f"{bench_redis.llen('celery')} tasks queued in Redis db 15.")
        print(f"Peak RSS of the gunicorn workers (VmHWM): "
              f"{', '.join(f'{p:.1f} MiB' for p in peaks)}\n")
        print(summarise(samples))
    finally:
        if proc is not None:
            stop_gunicorn(proc)
        connections.close_all()
        admin_database(f'DROP DATABASE IF EXISTS "{settings.DATABASES["default"]["NAME"]}" '
                       "WITH (FORCE)")
        bench_redis.flushdb()


if __name__ == "__main__":
    main()
