"""Foundation: public pages, submission and staff queue against bare Django baselines.

``make bench SCENARIO=foundation`` (``python -m bench foundation [--rounds 5 --per-round 200
--warmup 20]``).

1. Migrates the scenario's database, loads the demo data and adds 10,000 confirmed requests,
   one request with a status link and a superuser.
2. Starts gunicorn (``harness.Server``) and times every endpoint with one ``HttpClient`` per
   endpoint, one request at a time, in interleaved rounds.
3. Prints a Markdown table; the database is dropped and the bench Redis db flushed.
"""

import argparse
import os
import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bench import harness
from requests_app import intake
from requests_app.models import Event, Organisation, OutgoingEmail, Request
from requests_app.references import new_reference
from staff.auth import new_backup_codes

ORG = "onlinepos-no"
QUEUE_SIZE = 10_000
ADMIN_USER = "bench-admin"
ADMIN_PASSWORD = "bench-admin-password-0123456789"
BARE, INSERT, SUBMIT = "GET bare view", "POST insert view", "POST erasure request"


def prepare() -> str:
    """Fill the migrated database; returns a working status-page token."""
    # The organisations and logins only: the queue below is the benchmark's own.
    with open(os.devnull, "w") as quiet:  # load_demo prints the demo logins
        call_command("load_demo", "--no-history", stdout=quiet)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_row (id bigserial primary key, "
                       "payload text)")
    get_user_model().objects.create_superuser(ADMIN_USER, "bench@example.com", ADMIN_PASSWORD)
    add_confirmed_requests(QUEUE_SIZE)
    request = intake.submit_request(
        organisation=Organisation.objects.get(slug=ORG), request_type="erasure", language="nb",
        subject_name="Status Side", subject_email="status@example.com",
        relationship="customer")
    return intake.confirm_request(request)


def add_confirmed_requests(count: int) -> None:
    """``count`` requests in status "new", received over 60 days, due 20-40 days later."""
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


def endpoints(server: harness.Server, status_token: str) -> dict:
    """Endpoint name -> function that sends one timed request and returns its seconds.

    Each endpoint has its own client (own cookies); the admin client signs in first, with a
    backup code minted by the portal's own helper."""
    form_path = f"/nb/o/{ORG}/erasure/"
    clients = {name: server.client(timeout=30)
               for name in ("bare", "insert", "org", "form", "submit", "status", "admin")}
    admin = clients["admin"]
    code = new_backup_codes(get_user_model().objects.get(username=ADMIN_USER), n=1)[0]
    admin.admin_login(ADMIN_USER, ADMIN_PASSWORD, code)

    def submit() -> float:
        # An untimed GET first: a fresh CSRF token and ``rendered`` value, like a browser.
        _, page, _ = clients["submit"].send("GET", form_path)
        return clients["submit"].timed("POST", form_path, 302, {
            "csrfmiddlewaretoken": harness.hidden_value(page, "csrfmiddlewaretoken"),
            "rendered": harness.hidden_value(page, "rendered"),
            "subject_name": "Kari Nordmann", "subject_email": "kari@example.com",
            "subject_phone": "", "relationship": "customer", "erasure_scope": "everything",
            "named_data": "", "services": "", "description": "Bench", "website": ""})

    return {
        BARE: lambda: clients["bare"].get("/bench/bare/"),
        INSERT: lambda: clients["insert"].timed("POST", "/bench/insert/", 200, {}),
        "GET organisation page": lambda: clients["org"].get(f"/nb/o/{ORG}/"),
        "GET request form": lambda: clients["form"].get(form_path),
        SUBMIT: submit,
        "GET status page": lambda: clients["status"].get(f"/nb/status/{status_token}/"),
        f"GET admin request list ({QUEUE_SIZE:,} requests)": lambda: admin.get(
            "/admin/requests_app/request/"),
    }


def table(samples: harness.Samples) -> str:
    summary = harness.summarise(samples, BARE)
    rows = []
    for name, s in summary.items():
        vs_insert = (f"{harness.ratio_to(samples, name, INSERT):.1f}×"
                     if name in (INSERT, SUBMIT) else "")
        rows.append([name, f"{s['median']:.2f}", f"{s['p95']:.2f}", f"{s['rate']:.0f}",
                     f"{s['low']:.2f}–{s['high']:.2f}", f"{s['ratio']:.1f}×", vs_insert])
    return harness.markdown_table(
        ["Endpoint", "median ms", "p95 ms", "req/s (1 client)", "round medians ms", "× bare",
         "× insert"], rows, "lrrrlrr")


def submission_rows() -> tuple[int, int, int]:
    """Counts of the rows a submission writes: unconfirmed requests, events, outbox rows."""
    return (Request.objects.filter(status="awaiting_confirmation").count(),
            Event.objects.count(), OutgoingEmail.objects.count())


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench foundation",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args(argv)
    rounds = harness.bounded(args.rounds, 1, 50)
    per_round = harness.bounded(args.per_round, 1, 2000)
    warmup = harness.bounded(args.warmup, 1, 200)

    run = harness.Run()
    queue = harness.bench_redis()
    with harness.scratch_database():
        queue.flushdb()
        status_token = prepare()
        with harness.Server("portal-bench-foundation") as server:
            print(f"gunicorn on 127.0.0.1:{server.port}; {rounds} rounds × {per_round} "
                  "requests", flush=True)
            before = submission_rows()
            samples = harness.interleaved_rounds(endpoints(server, status_token),
                                                 rounds=rounds, per_round=per_round,
                                                 warmup=warmup)
            peaks = server.worker_peak_rss_mib()
        rows = [after - b for after, b in zip(submission_rows(), before, strict=True)]
        print(f"\nSubmissions: {warmup + rounds * per_round} POSTs wrote {rows[0]} requests, "
              f"{rows[1]} events and {rows[2]} outbox rows; {queue.llen('celery')} tasks "
              "queued in the bench Redis db.")
        print("Peak RSS of the gunicorn workers (VmHWM): "
              f"{', '.join(f'{p:.1f} MiB' for p in peaks)}\n")
        print(table(samples))
        print(f"\n{run.footer()}")
