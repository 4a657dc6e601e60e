"""The cache: Redis with fewer round trips, and while Redis cannot be reached, a cache in this
process. The backend of ``CACHES`` when ``REDIS_URL`` is set.

The cache holds the submission rate limits (django-ratelimit counts with ``add`` and
``incr``), so every submission pays what one counter costs, and Redis is also the Celery
broker: in production and in ``docker-compose.yml`` one server.

``RedisCache`` pays less than Django's:

- Django's builds a new ``redis.Redis`` client (about 170 response callbacks copied into a
  dict) for every call; here each process keeps one client per connection pool, which
  redis-py allows (a client with a pool is safe to share);
- its ``incr`` asks ``EXISTS`` and then ``INCRBY``, two round trips; here one Lua script does
  both in one, still refusing a key that is not there (Django's contract: ``incr`` of a
  missing key raises ``ValueError`` rather than create a counter without an expiry).
  django-ratelimit's ``add`` then ``incr`` is two round trips per submission instead of three.

``FallbackRedisCache`` (the one settings use) answers from a ``LocMemCache`` of this process
while Redis is unreachable: Django's raises ``redis.ConnectionError``, which used to turn every
submission into a 500 page while Redis restarted. The rate limit degrades to a per-process
counter: it still limits (each web process counts on its own, so a client may get up to the
number of processes times the limit), and it needs neither Redis nor the database, which may
be what is struggling. It logs one line when Redis becomes unreachable and one when it answers
again, not one per request. While it is down, Redis is tried again every ``RETRY_SECONDS``,
so a request does not wait for a connection attempt each time (``OPTIONS``
``socket_connect_timeout`` bounds the attempt that does). Counts made in the process are not
carried over to Redis when it is back: a client gets a fresh window then, which is the cost
of not failing.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

_INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""


class _Client(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._incr_scripts = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        script = self._incr_scripts.get(id(client))
        if script is None:  # EVALSHA, loading the script once if the server lacks it
            script = self._incr_scripts[id(client)] = client.register_script(_INCR_EXISTING)
        value = script(keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client


logger = logging.getLogger("portal.cache")

#: While Redis is unreachable, how long the process uses its own cache before trying again.
RETRY_SECONDS = 5.0
#: What an unreachable (stopped, restarting, failed-over) Redis raises; other errors (a bad
#: command, a value that cannot be unpickled) are bugs and still raise.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class FallbackRedisCache(RedisCache):
    """Django's ``RedisCache`` that falls back to a per-process cache while Redis is down."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self.local = LocMemCache(f"portal-fallback-{id(self)}", {
            "TIMEOUT": params.get("TIMEOUT", 300),
            "OPTIONS": {"MAX_ENTRIES": 10_000},
            "KEY_PREFIX": params.get("KEY_PREFIX", ""),
        })
        #: ``time.monotonic()`` until which Redis is not tried; 0 while it answers.
        self.down_until = 0.0

    @property
    def redis_down(self) -> bool:
        return self.down_until > 0

    def _call(self, name: str, *args, **kwargs):
        if time.monotonic() >= self.down_until:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                if not self.redis_down:
                    logger.warning("Redis cache unreachable (%s): rate limits count in each "
                                   "web process until it answers again.", error)
                self.down_until = time.monotonic() + RETRY_SECONDS
            else:
                if self.redis_down:
                    logger.warning("Redis cache reachable again.")
                    self.down_until = 0.0
                return result
        return getattr(self.local, name)(*args, **kwargs)

    # Every public operation of BaseCache that RedisCache implements itself; the others
    # (get_or_set, decr, incr_version, ...) are built on these.
    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        self.local.clear()
        return self._call("clear")
