"""The one door from the domain to Celery: queue a task by its name.

The domain never imports ``tasks`` (the entry points sit above it and import the domain);
it names the task instead, as ``send_task`` would, so the import order stays one way.
``apply_async`` on the registered task still honours ``CELERY_TASK_ALWAYS_EAGER`` in tests.

A broker that is down is not an error for the caller: every job queued here has a row in the
database that a periodic sweep picks up again (the outbox, the reminder lease, a package left
queued), so ``publish`` logs and returns False instead of raising into a request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

_held = threading.local()


def _task(name: str):
    app = current_app
    if name not in app.tasks:
        # Celery's autodiscovery: imports each installed app's ``tasks`` module once.
        app.loader.import_default_modules()
    return app.tasks[name]


def publish(name: str, *args, **options) -> bool:
    """Hand the task to the broker now. Returns whether it was queued (never inside
    ``held``)."""
    if getattr(_held, "depth", 0):
        return False
    try:
        _task(name).apply_async(args=args, retry=False, **options)
    except Exception:  # any transport error: kombu raises several kinds
        logger.warning("Broker unavailable; task %s%r not queued now.", name, args,
                       exc_info=True)
        return False
    return True


def queue_on_commit(name: str, *args, **options) -> None:
    """Queue the task once the caller's transaction commits, so that nothing runs for a
    change that rolled back (and the worker never reads a row that is not there yet)."""
    transaction.on_commit(lambda: publish(name, *args, **options))


@contextmanager
def held() -> Iterator[None]:
    """Queue nothing inside this block (this thread only), commit hooks included: for a
    caller that does the work itself as it writes it, such as the demo's history, which
    delivers each e-mail at the moment it replays. Anything it leaves undone keeps its row,
    which the periodic sweeps find."""
    _held.depth = getattr(_held, "depth", 0) + 1
    try:
        yield
    finally:
        _held.depth -= 1
