"""Public side under load: the submission, the form, home and organisation pages, with wrk.

``make bench SCENARIO=public`` (``python -m bench public [--rounds 5 --seconds 5
--connections 16]``). It needs ``wrk`` (Debian package ``wrk``; ``make bench`` installs it).
``python -m bench public --profile 300`` profiles the portal's endpoints instead (cProfile,
Django's test client with CSRF checks, in this process) and prints where the time goes.

1. Migrates the scenario's database and loads the demo data; adds the raw ``bench_row`` table
   the insert views write to.
2. Starts two gunicorns the way production starts the portal (the portal's
   ``gunicorn.conf.py``, 2 sync workers): the portal (``bench.wsgi``: the portal's URLs plus
   its middleware-stack baselines ``/bench/bare/`` and ``/bench/insert/``) and the bare
   reference project of ``bench/reference/`` (no middleware: ``/hello/``, ``/insert/``).
3. Fetches the request form once for a CSRF cookie and its token, and writes, before each
   wrk run of the submission, more bodies of erasure requests in Bokmål than it can send
   (``BODIES_PER_SECOND`` per second of the run), each with a render stamp of its own
   (``forms.render_stamp``, signed with the same key as the server's): a stamp carries the
   submission token, and the same stamp sent twice would be answered from the first request
   (idempotency), a cheaper path than filing one. The rate limit is lifted by
   ``bench/settings.py`` (``INTAKE_RATE_LIMIT=1000000/h``), and the minimum fill time is 0.
4. Runs wrk from a second process, ``--connections`` connections on 2 threads, against each
   endpoint for ``--seconds`` seconds, in ``--rounds`` rounds whose order of endpoints
   rotates, after a warm-up of every endpoint. A round whose responses are not all 2xx/3xx
   stops the run (a refused submission would be cheap and flatter the numbers).
5. Prints per endpoint the medians over the rounds of req/s, p50 and p99, and the median of
   the per-round ratio to its yardstick measured in the same round; the RSS of the portal's
   workers after the load; and checks that every answered submission wrote its request.

``--only form`` runs only the endpoints whose name contains "form" (and their yardsticks): for
a quick trial of one change.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.core.management import call_command
from django.db import connection
from django.test import Client

from bench import harness
from requests_app.forms import render_stamp
from requests_app.models import Request

ORG = "onlinepos-no"
FORM_PATH = f"/nb/o/{ORG}/erasure/"
HELLO, INSERT = "reference: hello", "reference: insert one row"
STACK_HELLO, STACK_INSERT = "portal stack: hello", "portal stack: insert one row"
SUBMIT = "POST erasure request (nb)"

#: Bodies written for each wrk run of the submission: more than it can send in its seconds
#: (``--seconds`` × this per second). A run that uses them all sends some twice, and the
#: count of saved requests at the end says so.
BODIES_PER_SECOND = 2_000

#: For an endpoint with ``bodies``: each of wrk's threads sends every ``threads``-th line of
#: the file, so no body goes out twice within a run.
WRK_BODIES = """
local bodies, thread_id, threads, next_index = {}, 0, 1, 0
function setup(thread)
  thread:set("id", __thread_count or 0)
  __thread_count = (__thread_count or 0) + 1
end
function init(args)
  thread_id = id
  threads = tonumber(args[1])
  for line in io.lines(args[2]) do bodies[#bodies + 1] = line end
  next_index = thread_id
end
function request()
  local body = bodies[(next_index % #bodies) + 1]
  next_index = next_index + threads
  return wrk.format(nil, nil, nil, body)
end
"""

#: wrk prints one line ``BENCH {json}`` at the end: the figures this scenario reads. Latency
#: is in microseconds; ``bad`` counts the responses that were not 2xx/3xx.
WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.6f, "p50": %.0f, "p99": %.0f, "bad": %d, '
    .. '"socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Endpoint:
    name: str
    server: str  # "portal" or "reference"
    path: str
    yardstick: str  # the endpoint whose rate this one is divided by, in the same round
    method: str = "GET"
    body: str = ""
    cookie: str = ""
    #: Makes a new request body; set, every request of a run sends its own (``write_bodies``).
    bodies: Callable[[], str] | None = None


def wrk_binary() -> str:
    path = shutil.which("wrk")
    if path is None:
        sys.exit("The public benchmark needs wrk: `sudo apt-get install wrk` (Debian package "
                 "`wrk`), or run it through `make bench`, which installs it.")
    return path


def wrk_script(folder: Path, endpoint: Endpoint) -> Path:
    """A Lua script that sends ``endpoint``'s request (method, body, cookie) and prints the
    summary line."""
    lines = [f"wrk.method = {json.dumps(endpoint.method)}"]
    if endpoint.body:
        lines.append(f"wrk.body = {json.dumps(endpoint.body)}")
        lines.append('wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"')
    if endpoint.cookie:
        lines.append(f'wrk.headers["Cookie"] = {json.dumps(endpoint.cookie)}')
    if endpoint.bodies is not None:
        lines.append('wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"')
        lines.append(WRK_BODIES)
    script = folder / f"{abs(hash(endpoint.name))}.lua"
    script.write_text("\n".join(lines) + "\n" + WRK_DONE)
    return script


def write_bodies(path: Path, make: Callable[[], str], count: int) -> Path:
    """``count`` request bodies, one a line, for ``WRK_BODIES``."""
    with path.open("w") as out:
        for _ in range(count):
            out.write(make() + "\n")
    return path


def run_wrk(url: str, script: Path, *, seconds: int, connections: int,
            bodies: Path | None = None) -> dict:
    """One wrk run; returns its summary (requests, seconds, p50/p99 µs, bad, socket_errors)
    and ``rate`` (requests per second). ``bodies``: the file of bodies the script sends."""
    threads = 2
    arguments = ["--", str(threads), str(bodies)] if bodies else []
    done = subprocess.run(
        [wrk_binary(), "--threads", str(threads), "--connections", str(connections),
         "--duration", f"{seconds}s", "--timeout", "10s", "--script", str(script), url,
         *arguments],
        capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed on {url}:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("BENCH "))
    result["rate"] = result["requests"] / result["seconds"]
    return result


def prepare() -> None:
    with open(os.devnull, "w") as quiet:  # load_demo prints the demo logins
        call_command("load_demo", stdout=quiet)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_row (id bigserial primary key, "
                       "payload text)")


def submission_bodies(portal: harness.Server) -> tuple[Callable[[], str], str]:
    """(a function that makes the body of one valid erasure request, the Cookie header), from
    a real GET of the form: its CSRF cookie and token. Each body gets a new signed render
    stamp, as each visitor's form does; the CSRF token stays valid for as long as its cookie,
    as for many people behind one address."""
    client = portal.client()
    status, page, _ = client.send("GET", FORM_PATH)
    if status != 200:
        raise RuntimeError(f"GET {FORM_PATH}: HTTP {status}")
    fields = {
        "csrfmiddlewaretoken": harness.hidden_value(page, "csrfmiddlewaretoken"),
        "subject_name": "Kari Nordmann", "subject_email": "kari@example.no",
        "subject_phone": "", "relationship": "customer", "erasure_scope": "everything",
        "named_data": "", "services": "", "description": "Kundenummer 1234", "website": ""}
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return lambda: urlencode({**fields, "rendered": render_stamp()}), cookie


def endpoints(make_body: Callable[[], str], cookie: str) -> list[Endpoint]:
    return [
        Endpoint(HELLO, "reference", "/hello/", HELLO),
        Endpoint(INSERT, "reference", "/insert/", INSERT, method="POST"),
        Endpoint(STACK_HELLO, "portal", "/bench/bare/", HELLO),
        Endpoint(STACK_INSERT, "portal", "/bench/insert/", INSERT, method="POST"),
        Endpoint(SUBMIT, "portal", FORM_PATH, INSERT, method="POST", cookie=cookie,
                 bodies=make_body),
        Endpoint("GET request form (erasure, nb)", "portal", FORM_PATH, HELLO),
        Endpoint("GET home page (nb)", "portal", "/nb/", HELLO),
        Endpoint("GET organisation page (nb)", "portal", f"/nb/o/{ORG}/", HELLO),
        Endpoint("GET page after sending (nb)", "portal", f"/nb/o/{ORG}/sent/", HELLO),
    ]


def measure(servers: dict[str, harness.Server], points: list[Endpoint], *, rounds: int,
            seconds: int, warmup: int, connections: int,
            warm: dict[str, int]) -> dict[str, list[dict]]:
    """Warm every endpoint up, then ``rounds`` rounds of one wrk run per endpoint, the order
    rotated every round. Returns name -> one wrk summary per round; ``warm`` gets the number
    of requests of each warm-up."""
    folder = Path(tempfile.mkdtemp(prefix="bench-public-"))
    try:
        scripts = {p.name: wrk_script(folder, p) for p in points}

        def run(point: Endpoint, duration: int) -> dict:
            url = f"http://127.0.0.1:{servers[point.server].port}{point.path}"
            bodies = None
            if point.bodies is not None:
                bodies = write_bodies(folder / "bodies.txt", point.bodies,
                                      BODIES_PER_SECOND * duration)
            result = run_wrk(url, scripts[point.name], seconds=duration,
                             connections=connections, bodies=bodies)
            if result["bad"] or result["socket_errors"]:
                raise RuntimeError(f"{point.name}: {result['bad']} responses not 2xx/3xx and "
                                   f"{result['socket_errors']} socket errors in {result}")
            return result

        for point in points:
            warm[point.name] = run(point, warmup)["requests"]
        results: dict[str, list[dict]] = {p.name: [] for p in points}
        for r in range(rounds):
            order = points[r % len(points):] + points[:r % len(points)]
            for point in order:
                results[point.name].append(run(point, seconds))
            print(f"  round {r + 1}/{rounds} done; load {os.getloadavg()[0]:.2f}", flush=True)
        return results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def table(points: list[Endpoint], results: dict[str, list[dict]]) -> str:
    rows = []
    for point in points:
        runs = results[point.name]
        base = results[point.yardstick]
        rates = [r["rate"] for r in runs]
        ratio = statistics.median(r["rate"] / b["rate"] for r, b in zip(runs, base,
                                                                          strict=True))
        rows.append([
            point.name, f"{statistics.median(rates):,.0f}", f"{min(rates):,.0f}–{max(rates):,.0f}",
            f"{statistics.median(r['p50'] for r in runs) / 1000:.1f}",
            f"{statistics.median(r['p99'] for r in runs) / 1000:.1f}",
            "" if point.name == point.yardstick
            else f"{ratio:.1%} of {point.yardstick.split(': ')[1]}",
        ])
    return harness.markdown_table(
        ["Endpoint", "req/s (median)", "req/s (rounds)", "p50 ms", "p99 ms",
         "share of the reference (median of rounds)"], rows, "lrrrrl")


def profile(count: int) -> None:
    """Profile ``count`` requests of each portal endpoint through Django's test client (the
    whole middleware stack, CSRF enforced, no server) and print the 30 functions with the
    most cumulative time, the 20 with the most time of their own, and the queries of one
    request."""
    from django.db import reset_queries
    from django.test.utils import CaptureQueriesContext

    client = Client(enforce_csrf_checks=True, SERVER_NAME="127.0.0.1")
    page = client.get(FORM_PATH).content.decode()
    form = {"csrfmiddlewaretoken": harness.hidden_value(page, "csrfmiddlewaretoken"),
            "subject_name": "Kari Nordmann", "subject_email": "kari@example.no",
            "subject_phone": "", "relationship": "customer", "erasure_scope": "everything",
            "named_data": "", "services": "", "description": "Kundenummer 1234",
            "website": ""}
    calls = {
        # Each with a stamp of its own: the same stamp again is answered from the first.
        SUBMIT: lambda: client.post(FORM_PATH, {**form, "rendered": render_stamp()}),
        "GET request form": lambda: Client(SERVER_NAME="127.0.0.1").get(FORM_PATH),
        "GET home page": lambda: client.get("/nb/"),
        "GET organisation page": lambda: client.get(f"/nb/o/{ORG}/"),
        "GET page after sending": lambda: client.get(f"/nb/o/{ORG}/sent/"),
    }
    for name, call in calls.items():
        for _ in range(10):
            call()
        with CaptureQueriesContext(connection) as queries:
            response = call()
        print(f"\n== {name}: HTTP {response.status_code}, {len(queries)} queries")
        for query in queries:
            print(f"   {query['sql'][:150]}")
        reset_queries()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            call()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        print(f"   {stats.total_tt / count * 1000:.2f} ms per request under the profiler")
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
        print("\n".join(line for line in out.getvalue().splitlines()
                        if line.strip() and "function calls" not in line))


def chosen(points: list[Endpoint], only: str) -> list[Endpoint]:
    """The endpoints whose name contains ``only`` and the yardsticks they are divided by."""
    if not only:
        return points
    names = {p.name for p in points if only.lower() in p.name.lower()}
    if not names:
        sys.exit(f"No endpoint's name contains {only!r}.")
    names |= {p.yardstick for p in points if p.name in names}
    return [p for p in points if p.name in names]


def mib(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values) + " MiB"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench public",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5, help="of each wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", default="", metavar="TEXT",
                        help="only the endpoints whose name contains TEXT, with their "
                             "yardsticks")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="profile N requests per endpoint instead of loading them")
    args = parser.parse_args(argv)
    if args.profile:
        with harness.scratch_database():
            prepare()
            profile(harness.bounded(args.profile, 1, 10_000))
        return
    rounds = harness.bounded(args.rounds, 1, 20)
    seconds = harness.bounded(args.seconds, 1, 60)
    warmup = harness.bounded(args.warmup, 1, 30)
    connections = harness.bounded(args.connections, 1, 256)
    wrk_binary()

    run = harness.Run()
    with harness.scratch_database():
        prepare()
        with harness.Server("portal-bench-public", portal_config=True) as portal, \
                harness.Server("portal-bench-reference", app="bench.reference.wsgi:application",
                               ready_path="/hello/", portal_config=True) as reference:
            print(f"portal on 127.0.0.1:{portal.port}, reference on 127.0.0.1:{reference.port}; "
                  f"{rounds} rounds × {seconds} s per endpoint, {connections} connections",
                  flush=True)
            make_body, cookie = submission_bodies(portal)
            points = chosen(endpoints(make_body, cookie), args.only)
            before = Request.objects.count()
            warm: dict[str, int] = {}
            results = measure({"portal": portal, "reference": reference}, points, warm=warm,
                              rounds=rounds, seconds=seconds, warmup=warmup,
                              connections=connections)
            rss = portal.worker_rss_mib()
            peaks = portal.worker_peak_rss_mib()
            reference_rss = reference.worker_rss_mib()
        saved = Request.objects.count() - before
        if SUBMIT in results:
            sent = warm[SUBMIT] + sum(r["requests"] for r in results[SUBMIT])
            # wrk leaves out the requests still open when a run ends: up to one a connection.
            print(f"\nSubmissions: wrk counted {sent:,} answers (warm-up included), every one "
                  f"2xx/3xx; {saved:,} requests saved (a run's last requests, still open when "
                  "it ended, are saved but not counted).")
        print(f"Portal web workers after the load: RSS {mib(rss)} (peak {mib(peaks)}); "
              f"reference workers {mib(reference_rss)}.\n")
        print(table(points, results))
        print(f"\n{run.footer()}")
        if SUBMIT in results and saved < sent:
            sys.exit("Fewer requests saved than submissions answered: the figures above "
                     "measure another path (a body sent twice, or a bot check).")
