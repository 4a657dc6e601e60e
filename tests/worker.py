"""Start a real Celery worker process against the configured broker and the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    auth = f"{user}:{db['PASSWORD']}@" if db.get("PASSWORD") else (f"{user}@" if user else "")
    return f"postgres://{auth}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


class Worker:
    """A ``celery worker`` subprocess on the same broker and database as the test."""

    def __init__(self, env: dict):
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"test-{os.getpid()}-{time.monotonic_ns()}@%h"],
            cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def running_worker(*, extra_env: dict | None = None, start: bool = True):
    """Run a real worker for the duration of the block (``start=False``: call ``.start()``
    yourself). Tasks stop running eagerly meanwhile, so ``apply_async`` really goes through
    the broker. The worker is stopped afterwards (TERM, then KILL)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test",
           "DATABASE_URL": _database_url(), "VAR_DIR": str(settings.VAR_DIR),
           **(extra_env or {})}
    saved_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    worker = Worker(env)
    if start:
        worker.start()
    try:
        yield worker
    finally:
        celery_app.conf.task_always_eager = saved_eager
        worker.stop()


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2, process=None):
    """Poll until ``predicate()`` is true; fail with the worker's output if it never is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(f"worker exited early:\n{process.stdout.read()}")
        time.sleep(interval)
    output = ""
    if process is not None:
        process.kill()  # it may be stuck in the very thing we waited for
        output = process.communicate(timeout=15)[0]
    raise AssertionError(f"condition not met within {timeout}s; worker output:\n{output}")
