"""The two yardsticks: the cheapest response, and the cheapest write."""

from django.db import connection
from django.http import HttpResponse


def hello(request):
    """A plain response: no middleware ran before it, no template, no database."""
    return HttpResponse("hello")


def insert(request):
    """Exactly one INSERT in autocommit into the scenario's ``bench_row`` table (any method:
    with no middleware there is no CSRF check to exempt it from)."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_row (payload) VALUES (%s)", ["bench"])
    return HttpResponse("ok")
