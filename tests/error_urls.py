"""The portal's URLs, its error handlers, and a view that fails on purpose: the URLconf of
``tests/test_error_pages.py`` (``@pytest.mark.urls``)."""

from django.conf.urls.i18n import i18n_patterns
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.urls import path

from portal.urls import handler400, handler403, handler404, handler500, urlpatterns

FAILURES = {
    "400": SuspiciousOperation("a secret detail of the bad request"),
    "403": PermissionDenied("a secret detail of the refusal"),
    "500": RuntimeError("a secret detail of the crash"),
    "503": OperationalError("connection to server failed: a secret detail"),
}


def fail(request, kind):
    raise FAILURES[kind]


__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
urlpatterns = [*i18n_patterns(path("test-fail/<str:kind>/", fail), prefix_default_language=True),
               *urlpatterns]
