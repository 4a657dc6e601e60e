"""Celery tasks: thin entry points that take ids, re-read the rows and call the services."""

from celery import shared_task

from requests_app import intake, notifications, outcomes, retention
from requests_app.clock import reminders
from requests_app.mailbox import fetch, triage


@shared_task(
    autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=3600, retry_jitter=True,
    max_retries=notifications.MAX_ATTEMPTS,
)
def send_email(email_id: int) -> None:
    """Send one outbox row; a row already sent or held by another worker is left alone."""
    notifications.deliver(email_id)


@shared_task
def drain_outbox() -> int:
    return notifications.drain_outbox()


@shared_task
def delete_expired_unconfirmed() -> int:
    return intake.delete_expired_unconfirmed()


@shared_task
def sweep_reminders() -> int:
    """Beat, every 15 minutes: queue one task per request with a reminder due."""
    return reminders.sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def process_reminders(request_id: int) -> int:
    """Claim and send the due reminders of one request (idempotent: see ``reminders``)."""
    return reminders.process(request_id)


@shared_task
def remind_restrictions_ending() -> int:
    """Beat, hourly: remind staff once before a restriction ends, so the requester is told
    before it is lifted (Art. 18(3)); exactly once per end date (see ``outcomes``)."""
    return outcomes.remind_restrictions_ending()


@shared_task
def purge_personal_data() -> dict:
    """Daily: erase the personal data of requests past their organisation's retention."""
    return retention.run()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def build_package(package_id: int) -> str:
    """Build an access package or portability archive (``packages.build``). A worker that dies
    mid-build gives the task back to the queue and the build starts again; a package already
    READY is left alone."""
    from requests_app.delivery import packages

    return packages.build(package_id).state


@shared_task
def expire_packages() -> int:
    """Hourly: delete the packages whose download period has run out."""
    from requests_app.delivery import packages

    return packages.expire()


@shared_task
def sweep_mailboxes() -> int:
    """Beat, every ``MAILBOX_FETCH_SECONDS``: queue a fetch of each mailbox whose time has come
    (a failing one waits out its backoff, see ``mailbox.fetch``)."""
    return fetch.sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def fetch_mailbox(mailbox_id: int) -> int:
    """Read one mailbox's new messages (each saved exactly once: see ``mailbox.fetch``), then
    attach the replies that carry a reference (``mailbox.triage``). A worker that dies here
    gives the task back; the redone fetch starts after the last message saved."""
    saved = fetch.fetch(mailbox_id)
    triage.attach_replies(mailbox_id=mailbox_id)
    return saved


@shared_task
def mailbox_housekeeping() -> dict:
    """Hourly: remind of e-mail untouched in triage (once each) and delete the messages marked
    "not a request" whose period has passed."""
    return {"reminded": triage.remind_untouched(), "purged": triage.purge()}
