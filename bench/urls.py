"""The portal's URLs plus two bare Django baselines, served by the same server and stack.

``portal.urls`` uses ``i18n_patterns``, which cannot sit inside ``include()``, so its patterns
are appended as they are.
"""

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal import urls as portal_urls


def bare(request):
    """The cheapest Django response: the full middleware stack, no database, no template."""
    return HttpResponse("ok")


@csrf_exempt
@require_POST
def insert(request):
    """Exactly one INSERT (autocommit) into the runner's ``bench_row`` table."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_row (payload) VALUES (%s)", ["bench"])
    return HttpResponse("ok")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/insert/", insert),
    *portal_urls.urlpatterns,
]
