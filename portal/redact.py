"""Keep the requesters' private links out of the logs.

A confirmation link (``/<lang>/confirm/<token>/``), a status page (``/<lang>/status/<token>/``)
and a package download (``/<lang>/package/<signed>/``) are opened by whoever has the URL: a
log line with one is a key to that person's request. Query strings can hold what staff search
for (names, e-mail addresses), and a Referer repeats the page a request came from. So every
log line that names a path goes through ``redact_path`` / ``redact_uri``:

- gunicorn's access log (``gunicorn.conf.py``: ``RedactingGunicornLogger``);
- Django's own log lines ("Not Found: /nb/status/…", "Bad Request: …", "Forbidden (CSRF …)",
  runserver's request lines), through ``RedactTokensFilter`` on the console handler
  (settings ``LOGGING``).

The standard library and gunicorn only (no Django), so the gunicorn master can load it before
Django is set up.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

# The URL segments that carry a secret (requests_app/urls.py): what follows them, up to the
# next slash, is replaced.
_SECRET_SEGMENT = re.compile(r"/(confirm|status|package)/[^/?#\s\"']+")
REDACTED = "[redacted]"


def redact_path(path: str) -> str:
    """``path`` with every confirmation, status and package token replaced, and any query
    string dropped (``?…`` says there was one)."""
    if not path:
        return path
    text = str(path)
    path_part, sep, _query = text.partition("?")
    return _SECRET_SEGMENT.sub(rf"/\1/{REDACTED}", path_part) + ("?…" if sep else "")


def redact_text(text: str) -> str:
    """Every token in free text (a log message) replaced; query strings are kept there, since
    a message can hold several URLs and a '?' in prose."""
    return _SECRET_SEGMENT.sub(rf"/\1/{REDACTED}", str(text))


class RedactTokensFilter(logging.Filter):
    """A logging filter that rewrites a record's message with ``redact_text``. It never drops
    a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logging's to report, not ours
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class RedactingGunicornLogger(Logger):
    """gunicorn's logger whose access-log atoms hold no token, query string or Referer path,
    and no request or response headers (a Cookie header is a staff session).

    ``gunicorn.conf.py`` installs it, so even an ``access_log_format`` changed on the command
    line cannot print a status token.
    """

    _KEPT = ("h", "l", "u", "t", "s", "m", "H", "b", "B", "a", "T", "D", "M", "L", "p")

    def atoms(self, resp, req, environ, request_time):
        full = super().atoms(resp, req, environ, request_time)
        atoms = {key: full[key] for key in self._KEPT if key in full}
        atoms["U"] = redact_path(environ.get("PATH_INFO", ""))
        atoms["q"] = "-"
        atoms["r"] = "{} {} {}".format(environ.get("REQUEST_METHOD", "-"),
                                       redact_path(environ.get("RAW_URI", "")),
                                       environ.get("SERVER_PROTOCOL", "-"))
        referer = environ.get("HTTP_REFERER")
        atoms["f"] = redact_path(referer) if referer else "-"
        return atoms
