"""Faults: PostgreSQL restarted, then Redis stopped for 10 s, while people send the form.

``make bench SCENARIO=faults`` (``python -m bench faults [--seconds 30 --threads 6
--pg-mode fast|immediate|outage]``). Unlike the other scenarios it uses none of the
machine's servers: it starts its own PostgreSQL cluster and redis-server in a temporary
folder on free ports (``bench/servers.py``), because it stops and restarts them.

1. Creates the cluster, migrates, adds one organisation; starts Redis, gunicorn (2 sync
   workers, the production settings, Redis as broker and cache) and a Celery worker with beat.
2. ``--threads`` visitors open the access form and send it, again and again, for
   ``--seconds``; at 5 s PostgreSQL is restarted (``pg_ctl restart -m fast``; ``immediate``:
   a crash; ``outage``: stopped for 3 s, as in a fail-over), at 12 s Redis is stopped, at
   22 s started again.
3. Each visitor who got a 503 page sends the form from it once more (one click).
4. Waits until the outbox has sent every e-mail (beat drains it every 5 s here), then prints
   the answers by status and the rows: saved, saved twice (one token, two rows), saved behind
   an error page (before the resend), and e-mails sent.
"""

import argparse
import html
import os
import threading
import time
from collections import Counter
from datetime import datetime

import psycopg

from bench import servers
from bench.harness import markdown_table

FORM = "/nb/o/fault-org/access/"


def query(cluster: servers.PostgresCluster, sql: str) -> list[tuple]:
    with psycopg.connect(cluster.url().replace("postgres://", "postgresql://")) as conn:
        return conn.execute(sql).fetchall()


def faults(cluster, redis, timeline: list, pg_mode: str) -> None:
    start = time.monotonic()

    def at(second: float, what: str, action) -> None:
        time.sleep(max(0.0, start + second - time.monotonic()))
        began = time.monotonic()
        action()
        timeline.append((f"{second:.0f} s", what, f"{time.monotonic() - began:.1f} s"))

    if pg_mode == "outage":  # down for 3 s, as during a fail-over
        at(5, "PostgreSQL stopped for 3 s, then started", lambda: cluster.outage(3))
    else:
        at(5, f"PostgreSQL restart ({pg_mode})", lambda: cluster.restart(pg_mode))
    at(12, "Redis stopped", redis.stop)
    at(22, "Redis started", redis.start)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench faults",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--pg-mode", choices=["fast", "immediate", "outage"], default="fast")
    args = parser.parse_args(argv)
    if args.seconds < 25:
        parser.error("--seconds must be at least 25 (Redis comes back at 22 s)")
    missing = servers.missing_programs()
    if missing:
        raise SystemExit(f"The fault run needs: {', '.join(missing)}")

    load_at_start = os.getloadavg()[0]
    scratch = servers.Scratch("portal-bench-faults-")
    (scratch.path / "pg").mkdir()
    cluster = servers.PostgresCluster(scratch.path / "pg")
    redis = servers.RedisServer(scratch.path)
    try:
        print(f"Own PostgreSQL and Redis under {scratch.path} ...", flush=True)
        cluster.init()
        cluster.start()
        cluster.create_database()
        redis.start()
        env = servers.portal_env(database_url=cluster.url(), redis_url=redis.url(),
                                 var_dir=scratch.path / "var", OUTBOX_DRAIN_SECONDS="5")
        servers.prepare_database(env)
        with servers.Portal(env, scratch.path / "web.log") as web, \
                servers.Worker(env, scratch.path):
            print(f"gunicorn on 127.0.0.1:{web.port}; {args.threads} visitors for "
                  f"{args.seconds:.0f} s", flush=True)
            timeline: list = []
            thread = threading.Thread(target=faults,
                                      args=(cluster, redis, timeline, args.pg_mode))
            thread.start()
            sent, gets = servers.submit_under_load(web.port, FORM, threads=args.threads,
                                                   seconds=args.seconds)
            thread.join()
            saved_before = Counter(token for (token,) in query(
                cluster, "SELECT submission_token FROM requests_app_request"))
            resent = Counter()
            for form in (s for s in sent if s.answer.status not in (200, 302)):
                try:
                    again = {name: html.unescape(form.answer.hidden(name))
                             for name in ("csrfmiddlewaretoken", "rendered")}
                except ValueError:  # not the form page (a bare error): nothing to click
                    resent["no form to send again"] += 1
                    continue
                resent[form.client.request("POST", FORM, {**form.form, **again}).status] += 1
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and query(
                    cluster, "SELECT count(*) FROM requests_app_outgoingemail "
                             "WHERE state = 'pending'")[0][0]:
                time.sleep(1)
            log = (scratch.path / "web.log").read_text()
        report(args, sent, gets, resent, saved_before, cluster, timeline, log, load_at_start)
    finally:
        redis.stop()
        cluster.stop()
        scratch.remove()


def report(args, sent, gets, resent, saved_before, cluster, timeline, log,
           load_at_start) -> None:
    posts = Counter(s.answer.status for s in sent)
    saved = Counter(token for (token,) in query(
        cluster, "SELECT submission_token FROM requests_app_request"))
    errors = {s.token for s in sent if s.answer.status != 302}
    emails = dict(query(cluster, "SELECT state, count(*) FROM requests_app_outgoingemail "
                                 "GROUP BY state"))
    held = query(cluster, "SELECT count(*) FROM requests_app_outgoingemail WHERE state = "
                          "'pending' AND claimed_until > now()")[0][0]
    print("\nTimeline (seconds into the load; how long the action took):\n")
    print(markdown_table(["at", "fault", "took"], timeline, "lll"))
    print(f"\nAnswers ({args.threads} visitors, {args.seconds:.0f} s, gunicorn 2 sync "
          "workers):\n")
    statuses = sorted(set(gets) | set(posts))
    print(markdown_table(["status", "form GETs", "form POSTs"],
                         [[s, gets.get(s, 0), posts.get(s, 0)] for s in statuses]))
    print(f"\nSent again from the 503 page (one click): {dict(resent) or 'none'}\n")
    rows = [
        ["forms sent (distinct tokens)", len({s.token for s in sent})],
        ["requests saved", sum(saved.values())],
        ["tokens saved twice or more", sum(1 for c in saved.values() if c > 1)],
        ["answered with an error page, saved anyway (before the resend)",
         sum(1 for t in errors if saved_before[t])],
        ["answered 302 but not saved", sum(1 for s in sent
                                           if s.answer.status == 302 and not saved[s.token])],
        ["e-mails sent / pending / failed", f"{emails.get('sent', 0)} / "
         f"{emails.get('pending', 0)} / {emails.get('failed', 0)}"],
        ["pending, held by a worker's claim (sent when it runs out, 5 min)", held],
        ["retries of a lost connection (web log)", log.count("trying request_form once more")],
        ["503 after the retry (web log)", log.count("request_form answers 503")],
        ["'Redis cache unreachable' lines (web log)", log.count("Redis cache unreachable")],
    ]
    print(markdown_table(["rows", "count"], rows))
    print(f"\nLoad average at the start {load_at_start:.2f}, at the end "
          f"{os.getloadavg()[0]:.2f} (1 minute, {os.cpu_count()} CPUs); "
          f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}.")
