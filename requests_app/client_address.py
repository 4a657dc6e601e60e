"""The client's address: the one answer the rate limits and the staff lockout share.

Behind a reverse proxy every request comes from the proxy (``REMOTE_ADDR``), so keyed on
``REMOTE_ADDR`` one visitor's twenty submissions close the forms for everyone and five wrong
passwords lock a username for everyone. The proxy says who its client was in
``X-Forwarded-For``, but a client can send that header too, so only the entries our own
proxies appended can be believed. ``TRUSTED_PROXY_COUNT`` (settings) says how many proxies
stand in front of the portal:

- ``0`` (the default): no proxy; ``X-Forwarded-For`` is ignored and ``REMOTE_ADDR`` is the
  client.
- ``N``: each of the N proxies appends the address it received the request from, so the
  N-th entry from the right is the one the outermost proxy wrote: the client's. Everything
  to its left came from the client and is not looked at.

A header that is missing, shorter than N entries or malformed where we read it means the
request did not come through the proxies as configured: the answer is then ``REMOTE_ADDR``,
the one address nobody can forge. The function never raises (django-ratelimit turns an
exception in its key into a 500), and always returns a valid IP address.

A leaf module: it imports nothing of ours, so the staff app and the views can both use it.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

# Where nothing usable is known (an empty REMOTE_ADDR, as with a Unix socket and no proxy
# configured): all such requests share one rate-limit bucket rather than fail.
UNKNOWN = "0.0.0.0"  # nosec B104: an answer, not an address to bind to


def client_ip(request) -> str:
    """The address of the client that sent ``request``, as the configured proxies saw it."""
    meta = request.META
    remote = _parse(meta.get("REMOTE_ADDR", ""))
    trusted = _trusted_proxy_count()
    if trusted:
        forwarded = _nth_from_right(meta.get("HTTP_X_FORWARDED_FOR", ""), trusted)
        if forwarded is not None:
            return forwarded
    return remote or UNKNOWN


def _trusted_proxy_count() -> int:
    try:
        count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    except (TypeError, ValueError):
        return 0
    return max(count, 0)


def _nth_from_right(header: str, n: int) -> str | None:
    """The ``n``-th comma-separated entry from the right of ``header`` as an address, or None
    when there are fewer than ``n`` entries or that entry is not an address.

    ``rsplit`` with a limit reads only the last ``n`` entries, however long the header is.
    """
    if not isinstance(header, str) or not header.strip():
        return None
    parts = header.rsplit(",", n)
    if len(parts) < n:
        return None
    return _parse(parts[-n])


def _parse(value: str) -> str | None:
    """``value`` as a normalised IP address, or None. Accepts what proxies write: a bare
    address, ``1.2.3.4:port``, ``[v6]`` and ``[v6]:port``."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > 64:
        return None
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # IPv4 with a port; an IPv6 address has at least two colons
        value = value.split(":", 1)[0]
    value = value.split("%", 1)[0]  # an IPv6 zone (fe80::1%eth0) says nothing of the client
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
