"""The public forms' answer to a database that is restarting or failing over.

``retried_once`` runs a view again, once, when its database connection was lost or refused;
if that fails too, the visitor gets the form back (HTTP 503 with ``Retry-After``) with what
they typed, so sending again is one click. ``unavailable_without_retry`` does the same at
once, for the answer on the status page, which is not idempotent.

Running the submission again is safe only because it is idempotent: the form carries a
signed random token (``forms.render_stamp``) that the saved request keeps under a unique
constraint, and ``intake.submit_request`` returns the earlier request for a token it has
seen. That covers the ambiguous case too: a connection lost during COMMIT, when the row may
or may not be saved. Nothing is retried inside an outer transaction (the connection's state
there is not ours to reset).
"""

from __future__ import annotations

import functools
import logging
import time

from django.conf import settings
from django.db import connection
from django.middleware.csrf import get_token

from portal.errors import DATABASE_UNAVAILABLE, render_error, service_unavailable
from requests_app.forms import FORMS, ReplyForm

logger = logging.getLogger(__name__)


def retried_once(on_failure):
    """Decorate a view whose work is idempotent: on a lost database connection, reconnect
    after ``DATABASE_RETRY_WAIT_SECONDS`` and run it once more; if that fails as well, answer
    ``on_failure(request, *args, **kwargs)``."""
    return functools.partial(_guard, on_failure=on_failure, retry=True)


def unavailable_without_retry(on_failure):
    """Decorate a view whose work is not idempotent (running it twice could save twice): on a
    lost database connection, answer ``on_failure(request, *args, **kwargs)`` at once."""
    return functools.partial(_guard, on_failure=on_failure, retry=False)


def _guard(view, *, on_failure, retry: bool):
    """The one wrapper of both decorators: a lost connection outside an outer transaction is
    dropped, then the view is run once more (``retry``) or ``on_failure`` answers."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DATABASE_UNAVAILABLE as error:
            if connection.in_atomic_block:
                raise
            logger.warning("Database connection lost (%s); trying %s once more." if retry
                           else "Database connection lost (%s): %s answers 503.",
                           _first_line(error), view.__name__)
        _drop_connection()
        if not retry:
            return on_failure(request, *args, **kwargs)
        time.sleep(settings.DATABASE_RETRY_WAIT_SECONDS)
        try:
            return view(request, *args, **kwargs)
        except DATABASE_UNAVAILABLE as error:
            logger.warning("Database still unavailable (%s): %s answers 503.",
                           _first_line(error), view.__name__)
            _drop_connection()
            return on_failure(request, *args, **kwargs)

    return wrapper


def _drop_connection() -> None:
    """Forget the broken connection; the next query opens a new one."""
    try:
        connection.close()
    except DATABASE_UNAVAILABLE:
        connection.connection = None


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def unavailable(request, *args, **kwargs):
    """The plain 503 page, for a view with nothing typed to give back."""
    return service_unavailable(request)


def request_form_unavailable(request, slug, request_type):
    """The form again, bound to what was sent (its submission token included), with HTTP 503.

    Nothing here reads the database: the organisation's name is not known, so the page names
    none. Files cannot be given back to a browser: the page says so if any were sent."""
    form_class = FORMS.get(request_type)
    if form_class is None or request.method != "POST":  # nothing typed to keep
        return service_unavailable(request)
    return _given_back(request, "requests_app/request_form_unavailable.html",
                       form_class(request.POST), slug=slug)


def reply_unavailable(request, token):
    """The requester's answer on the status page, given back with HTTP 503 when the database
    did not answer. Not retried: if the first attempt did commit, a second would post the
    answer twice, so the page asks the requester to check before sending again. The status
    page itself needs the database, so this page shows only the answer form."""
    if request.method != "POST":
        return service_unavailable(request)
    return _given_back(request, "requests_app/reply_unavailable.html", ReplyForm(request.POST))


def _given_back(request, template_name: str, form, **context):
    """What was sent, in ``form``, on the 503 page ``template_name``: with a CSRF token (the
    page renders without context processors) and whether files were lost (a browser cannot
    be given them back)."""
    return render_error(request, template_name, 503, {
        "form": form, "csrf_token": get_token(request), "files_lost": bool(request.FILES),
        **context})
