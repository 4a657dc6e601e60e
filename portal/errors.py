"""The error pages: 400, 403 (and a refused CSRF check), 404, 500 and 503, in the visitor's
language (the URL prefix, as on every public page) and in the site's layout, never with a
stack trace.

Every page here is rendered without context processors and without touching the database or
the cache: a 500 or 503 is often the database or Redis being down, and an error page that
needs them would fail in turn. The request's path is passed by hand for the language links.

``server_error`` answers 503 with ``Retry-After`` instead of 500 when the exception is the
database being unreachable (``DATABASE_UNAVAILABLE``): it is Django's handler for any
exception, also one raised in a middleware, before a view could catch it.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

#: What a lost or refused database connection raises (Django's wrappers of the driver's
#: errors; a connection already closed under us is an ``InterfaceError``).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
#: Seconds after which a 503 says to try again: a PostgreSQL restart or fail-over takes a
#: few; the page says "a few seconds" too.
RETRY_AFTER_SECONDS = 10


class _PathOnly:
    """The request as the page's language links see it: the path without the query string,
    which holds what the visitor typed or searched for and an error page must not echo
    (an admin autocomplete refused with 403 would otherwise show its search term)."""

    def __init__(self, request):
        self.path = getattr(request, "path", "/")

    def get_full_path(self) -> str:
        return self.path


def render_error(request, template_name: str, status: int, context: dict | None = None
                 ) -> HttpResponse:
    """Render ``template_name`` with no context processor (no database, no cache)."""
    body = loader.get_template(template_name).render(
        {"request": _PathOnly(request), **(context or {})})
    response = HttpResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def bad_request(request, exception=None):
    return render_error(request, "400.html", 400)


def permission_denied(request, exception=None):
    return render_error(request, "403.html", 403)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: usually a form left open for long, or cookies blocked."""
    return render_error(request, "403_csrf.html", 403)


def page_not_found(request, exception=None):
    return render_error(request, "404.html", 404)


def server_error(request):
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return service_unavailable(request)
    return render_error(request, "500.html", 500)


def service_unavailable(request, context: dict | None = None):
    return render_error(request, "503.html", 503, context)
