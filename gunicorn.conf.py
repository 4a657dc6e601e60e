"""gunicorn's settings for the portal. gunicorn reads ``./gunicorn.conf.py`` by itself, so the
Dockerfile's and the compose file's ``gunicorn portal.wsgi:application`` both use this file.

The access log keeps what operations need (client, time, method, status, size, duration,
browser) and never a private link: the status, confirmation and package tokens in paths are
replaced, query strings and Referer paths are dropped, and no request header is logged
(``portal.redact.RedactingGunicornLogger``).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from portal.redact import RedactingGunicornLogger  # noqa: E402

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))

logger_class = RedactingGunicornLogger
accesslog = "-"
# Apache's combined format, with the path (tokens redacted) in place of the full request line
# and without the Referer.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s "%(a)s" %(L)ss'
