"""The requester's eID pages: start a verification from the status page, and the broker's
callback. Thin: the flow is ``identity.broker``'s, what a success does is
``identity.verification``'s.

The start URL is under the status URL (the token is the key, as there); a GET link,
because the page's Content-Security-Policy lets forms post only to the portal itself and
the start answers with a redirect to the broker. Every answer carries
``Referrer-Policy: same-origin``, so the broker never sees the status link in a Referer.
The callback is outside the language prefix (one redirect URI to register with the
broker); its pages speak the request's language. Any failure is a page that says what
happened and offers another try, never a 500.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from requests_app import links, references
from requests_app.identity import broker, configuration, verification
from requests_app.identity import methods as eid_methods
from requests_app.models import IdentityVerification, Request

logger = logging.getLogger(__name__)


def redirect_uri() -> str:
    """The one callback URL to register with the broker (``SITE_URL`` + /eid/callback/)."""
    return links.absolute_url(reverse("eid_callback"))


def for_status_page(subject_request: Request, token: str) -> dict | None:
    """What the status page shows about eID: the verification made, or the buttons to make
    one when the organisation offers it and it is wanted now (``configuration.wanted``)."""
    eid = configuration.active(subject_request.organisation)
    if eid is None:
        return None
    verified = subject_request.verifications.filter(
        role=IdentityVerification.Role.REQUESTER).first()
    if verified is not None:
        method = eid_methods.METHODS.get(verified.method)
        return {"verified": verified, "verified_method": method.label if method else ""}
    if not configuration.wanted(subject_request):
        return None
    return {"methods": [
        {"method": method,
         "url": reverse("public:eid_start", kwargs={"token": token, "method": method.code})}
        for method in configuration.offered_methods(eid)]}


@require_GET
def start(request, token, method):
    subject_request = links.request_for_status_token(token)
    if subject_request is None:
        raise Http404
    eid = configuration.active(subject_request.organisation)
    if eid is None or not subject_request.is_open:
        return _failed(request, broker.Refused(broker.NOT_OFFERED, request=subject_request,
                                               method=method), token=token)
    try:
        url = broker.start(request, subject_request=subject_request, eid=eid, method=method,
                           redirect_uri=redirect_uri())
    except broker.Refused as refused:
        return _failed(request, refused, token=token)
    return _private(redirect(url))


@require_GET
def callback(request):
    try:
        subject_request, identity = broker.finish(request)
    except broker.Refused as refused:
        logger.info("eID verification refused: %s", refused.reason)
        return _failed(request, refused)
    eid = configuration.active(subject_request.organisation)
    try:
        verification.record(subject_request, identity, eid=eid)
    except ValidationError as error:  # closed meanwhile
        return _failed(request, broker.Refused(broker.NOT_OFFERED, request=subject_request),
                       reasons=error.messages)
    with translation.override(subject_request.language):
        messages.success(request, _("Thank you: your identity is confirmed."))
    return _private(redirect(links.status_url(subject_request)))


#: HTTP status per reason: the person's own choice is not an error.
_STATUS = {broker.CANCELLED: 200, broker.BROKER_DOWN: 503}


def _failed(request, refused: broker.Refused, *, token: str | None = None,
            reasons: list[str] | None = None):
    """The page for a verification that did not succeed, in the request's language (when
    the flow's request is known), with another try and the way back to the status page."""
    subject_request = refused.request
    language = subject_request.language if subject_request else translation.get_language()
    status_url = retry_url = None
    if subject_request is not None and subject_request.status_token_hash:
        if token is None:
            status_url = links.status_url(subject_request)
            token = references.status_token(subject_request.reference,
                                             subject_request.status_token_salt)
        else:
            status_url = links.status_path(subject_request, token)
        if refused.method and subject_request.is_open:
            with translation.override(subject_request.language):
                retry_url = reverse("public:eid_start",
                                    kwargs={"token": token, "method": refused.method})
    with translation.override(language):
        response = render(request, "requests_app/identity_failed.html", {
            "reason": refused.reason, "reasons": reasons or [], "status_url": status_url,
            "retry_url": retry_url, "organisation": getattr(subject_request, "organisation",
                                                           None),
        }, status=_STATUS.get(refused.reason, 400))
    return _private(response)


def _private(response):
    # The status link is in the start URL: keep it out of the broker's Referer and caches.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response
