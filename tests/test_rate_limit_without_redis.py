"""While Redis (the cache of the rate limits) is down, the rate limit counts in each web
process and still limits, no form fails, and one line is logged; once Redis answers again
the counts go back to it (``portal/cache.py``)."""

from __future__ import annotations

import pytest
import redis as redis_client

from bench.servers import RedisServer, Scratch
from portal import cache as fallback
from portal.cache import FallbackRedisCache
from tests.support import TYPE_DETAILS, VALID, require_programs

NOBODY_LISTENS = "redis://127.0.0.1:1/0"


def test_with_redis_down_the_rate_limit_counts_in_the_process_and_still_limits(
        client, org_no, settings, caplog):
    settings.CACHES = {"default": {"BACKEND": "portal.cache.FallbackRedisCache",
                                   "LOCATION": NOBODY_LISTENS}}
    settings.INTAKE_RATE_LIMIT = "2/h"
    path = f"/nb/o/{org_no.slug}/access/"

    answers = [client.post(path, {**VALID, **TYPE_DETAILS["access"]}).status_code
               for _ in range(3)]

    assert answers == [302, 302, 429]
    assert caplog.text.count("Redis cache unreachable") == 1


@pytest.fixture
def redis_server():
    require_programs("redis")
    scratch = Scratch("portal-cache-fault-")
    server = RedisServer(scratch.path)
    server.start()
    yield server
    server.stop()
    scratch.remove()


def test_the_counts_go_back_to_redis_once_it_answers_again(redis_server, monkeypatch,
                                                            caplog):
    monkeypatch.setattr(fallback, "RETRY_SECONDS", 0)
    cache = FallbackRedisCache(redis_server.url(), {})
    raw = redis_client.Redis.from_url(redis_server.url())
    assert cache.add("before", 1) and raw.exists(cache.make_key("before"))

    redis_server.stop()
    assert cache.add("during", 1)
    assert cache.incr("during") == 2
    assert cache.redis_down

    redis_server.start()
    assert cache.add("after", 1)
    assert not cache.redis_down
    assert raw.exists(cache.make_key("after"))
    assert caplog.text.count("Redis cache unreachable") == 1
    assert "Redis cache reachable again" in caplog.text
