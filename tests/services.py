"""Tests that need PostgreSQL or Redis run wherever those are configured, and fail in CI if
they are not: CI always has both."""

import os

import pytest
from django.conf import settings
from django.db import connection


def require_postgres_and_redis():
    missing = []
    if connection.vendor != "postgresql":
        missing.append("PostgreSQL (DATABASE_URL)")
    if not settings.REDIS_URL:
        missing.append("Redis (REDIS_URL)")
    if missing:
        message = "needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
