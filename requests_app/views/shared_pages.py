"""Public pages rendered once and served to every visitor, each with their own secrets put in.

The home page, an organisation's page, an empty request form and the page after sending it are
the same for every visitor in one language, except for a few values: the CSRF token, the CSP
nonce (when the page uses one) and the form's hidden per-visitor fields, such as its signed
render stamp (``forms.render_stamp``). Rendering them (the crispy form fields, the language
menu's reversed URLs) was most of their cost: 10–40 ms a request, against well under a
millisecond to copy a string (docs/benchmarks.md, "Public side under load").

Steps of ``render_shared``:

1. Only a plain visitor's page is shared: a GET with no query string and no session or
   message cookie. Staff, and a visitor with a message waiting, get the page rendered for
   them (they may see things others must not).
2. The key is the page, the language and a fingerprint of the rows the page shows, which the
   view reads on every request (one query): a changed organisation changes its key, in every
   web process at once, without any signal to miss.
3. On a miss the page is rendered for this visitor, and their values in it are replaced by
   markers; the result is kept in this process (least recently used first out, at most
   ``MAX_PAGES``).
4. Every visitor gets the kept page with the markers replaced by their own values: a fresh
   masked CSRF token (and the cookie, as ``{% csrf_token %}`` would), this response's CSP
   nonce, and a new value of each field named in ``fresh`` (the render stamp).

A setting changed at run time (tests) empties the store.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils import translation

#: About 20 KB a page: at most ~10 MB per web process.
MAX_PAGES = 500

CSRF_MARK = "\x00csrf-token\x00"
NONCE_MARK = "\x00csp-nonce\x00"
#: A value shorter than this could also occur elsewhere in the page.
MIN_FRESH_LENGTH = 16

_pages: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def fingerprint(rows: Iterable) -> str:
    """A short digest of the values a page shows (any change gives another key)."""
    return hashlib.blake2b(repr(list(rows)).encode(), digest_size=16).hexdigest()


def shareable(request) -> bool:
    return (request.method == "GET" and not request.GET
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES)


def render_shared(request, template_name: str, context: Callable[[], dict], *, key: tuple,
                  fresh: dict[str, Callable[[], str]] | None = None) -> HttpResponse:
    """The page of ``template_name`` for this visitor, rendered once per ``key`` (plus the
    path and language). ``context`` is called only when the page is rendered. ``fresh``, for
    a page with a form (``context()["form"]``), names hidden fields whose value each visitor
    gets anew: field name -> function that makes a value (the render stamp, a submission
    token). The form's own value, at least ``MIN_FRESH_LENGTH`` characters, is marked in the
    kept page."""
    fresh = fresh or {}
    if not shareable(request):
        return render(request, template_name, context())
    full_key = (template_name, request.path, translation.get_language(), key)
    with _lock:
        page = _pages.get(full_key)
        if page is not None:
            _pages.move_to_end(full_key)
    if page is None:
        page = _render_with_marks(request, template_name, context(), fresh)
        with _lock:
            _pages[full_key] = page
            while len(_pages) > MAX_PAGES:
                _pages.popitem(last=False)
    return HttpResponse(_personalise(request, page, fresh))


def _fresh_mark(name: str) -> str:
    return f"\x00fresh-{name}\x00"


def _render_with_marks(request, template_name: str, context: dict,
                       fresh: dict[str, Callable[[], str]]) -> str:
    """Render for this visitor, then put markers where their token, nonce and fresh values
    are."""
    token = get_token(request)
    html = render(request, template_name, {**context, "csrf_token": token}).content.decode()
    html = html.replace(token, CSRF_MARK)
    nonce = getattr(request, "_csp_nonce", None)  # set only if the page asked for one
    if isinstance(nonce, str):
        html = html.replace(nonce, NONCE_MARK)
    for name in fresh:
        value = str(context["form"].fields[name].initial)
        if len(value) < MIN_FRESH_LENGTH:
            raise ValueError(f"{name}={value!r} is too short to be found in the page alone")
        html = html.replace(value, _fresh_mark(name))
    return html


def _personalise(request, page: str, fresh: dict[str, Callable[[], str]]) -> str:
    if CSRF_MARK in page:
        page = page.replace(CSRF_MARK, get_token(request))
    if NONCE_MARK in page:
        # Reading the nonce makes django-csp put it in this response's header.
        page = page.replace(NONCE_MARK, str(request.csp_nonce))
    for name, make in fresh.items():
        page = page.replace(_fresh_mark(name), make())
    return page


def clear(**_kwargs) -> None:
    with _lock:
        _pages.clear()


setting_changed.connect(clear, dispatch_uid="requests_app.views.shared_pages.clear")
