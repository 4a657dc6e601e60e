"""Root conftest: Playwright drives Django's live server from a thread of its own."""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
