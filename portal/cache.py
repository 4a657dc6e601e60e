"""Django's Redis cache with fewer round trips: the backend of ``CACHES`` when ``REDIS_URL``
is set.

The cache holds the intake's rate-limit counters (django-ratelimit), so every submission pays
what one counter costs. Django's ``RedisCache`` pays more than it needs to:

- it builds a new ``redis.Redis`` client (about 170 response callbacks copied into a dict) for
  every call; here each process keeps one client per connection pool, which redis-py allows
  (a client with a pool is safe to share);
- its ``incr`` asks ``EXISTS`` and then ``INCRBY``, two round trips; here one Lua script does
  both in one, still refusing a key that is not there (Django's contract: ``incr`` of a missing
  key raises ``ValueError`` rather than create a counter without an expiry).

django-ratelimit counts with ``add`` (``SET NX`` with the window's expiry) and, when the
counter exists, ``incr``: two round trips per submission instead of three. One would need
ratelimit's own counting to change.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

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
