"""The rate-limit counters in Redis (``portal/cache.py``): a submission that is counted costs
two round trips (django-ratelimit's ``add``, then ``incr``), and ``incr`` still refuses a
counter that is not there instead of making one that never expires."""

import pytest
import redis
from django.core.cache import caches

from portal.cache import RedisCache
from tests.services import require_postgres_and_redis


@pytest.fixture
def counters(settings):
    require_postgres_and_redis()
    # The test Redis db, which tests/conftest.py empties after each test.
    return RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "rate-limit-counter-test"})


@pytest.fixture
def round_trips(monkeypatch):
    sent = []
    original = redis.connection.Connection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counting)
    return sent


def test_a_counted_submission_costs_two_round_trips(counters, round_trips):
    assert counters.add("ip:192.0.2.1", 1, 60)  # the first in its window: one trip
    round_trips.clear()

    added = counters.add("ip:192.0.2.1", 1, 60)
    count = counters.incr("ip:192.0.2.1")

    assert (added, count) == (False, 2)
    assert len(round_trips) == 2


def test_a_missing_counter_is_refused_and_not_created(counters):
    with pytest.raises(ValueError):
        counters.incr("ip:192.0.2.99")

    assert counters.get("ip:192.0.2.99") is None


def test_the_portal_uses_this_cache_when_redis_is_configured(settings):
    require_postgres_and_redis()
    assert isinstance(caches["default"], RedisCache)
