"""The requester's download of an access package or portability archive (Art. 15(3), 20(1)).

Two steps, so that no lasting secret travels in a file URL: the status page (reached with the
status token) POSTs a form for one package; that view checks the package belongs to that
request and is still available, and redirects to a short-lived signed link carrying only the
package's ``public_id`` (never the status token, never a row id). The signed link works for
``PACKAGE_LINK_MINUTES`` minutes and only while the package is ready and within its
``expires_at``; each download is logged (``packages.record_download``).

Thin views: what a package is and how it is read is in ``packages``.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from requests_app import crypto, links
from requests_app.delivery import packages
from requests_app.models import Package, Request

logger = logging.getLogger(__name__)

#: The signer's salt: a signature made for anything else (confirmation links, sessions) is
#: never a valid download link, and the reverse.
LINK_SALT = "requests_app.package-download"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=LINK_SALT)


def signed_link(package: Package) -> str:
    """The path of a fresh download link for ``package``, valid PACKAGE_LINK_MINUTES."""
    value = _signer().sign(str(package.public_id))
    return reverse("public:package_download", kwargs={"signed": value})


def for_status_page(subject_request: Request) -> list[dict]:
    """The rows of the status page's "Your files" (``packages.for_requester``)."""
    now = timezone.now()
    return [{"package": package, "available": packages.is_available(package, now)}
            for package in packages.for_requester(subject_request)]


def _unavailable(request, *, status: int, reason: str):
    """A plain page in the reader's language instead of a bare 404/410 (or a 500)."""
    response = render(request, "requests_app/package_unavailable.html",
                      {"reason": reason}, status=status)
    return _private(response)


def _private(response):
    # As the status page: no caching anywhere, no referrer to other sites.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _gone(request):
    return _unavailable(request, status=410, reason=_(
        "This file is no longer available. Files can be downloaded for a limited time after "
        "they are ready; then they are deleted. Contact the organisation if you still need "
        "them."))


def _not_found(request):
    return _unavailable(request, status=404, reason=_(
        "There is no file at this address. Open your request's status page and use the "
        "download button there."))


def _parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError):
        return None


@require_POST
def package_link(request, token, public_id):
    """From the status page's Download button (a POST, with CSRF): a fresh signed link."""
    subject_request = links.request_for_status_token(token)
    if subject_request is None:
        raise Http404
    package = Package.objects.filter(request=subject_request, public_id=public_id).first()
    if package is None:
        return _not_found(request)
    if not packages.is_available(package):
        return _gone(request)
    return _private(redirect(signed_link(package)))


@require_GET
def package_download(request, signed):
    """Stream the decrypted package, if the link is genuine, young enough and the package is
    still available. Logged on every download."""
    try:
        value = _signer().unsign(signed, max_age=timedelta(minutes=settings.PACKAGE_LINK_MINUTES))
    except signing.SignatureExpired:
        return _unavailable(request, status=410, reason=_(
            "This download link has expired. Go back to your request's status page and press "
            "Download again."))
    except signing.BadSignature:
        return _not_found(request)
    public_id = _parse_uuid(value)
    package = (Package.objects.select_related("request", "request__organisation")
               .filter(public_id=public_id).first() if public_id else None)
    if package is None:
        return _not_found(request)
    if not packages.is_available(package):
        return _gone(request)
    # The first chunk is read before anything is sent, so a file that is gone from the disk
    # or fails authentication gives the clear page, not a broken download (or a 500).
    try:
        chunks = packages.stream(package)
        first = next(chunks, b"")
    except (OSError, crypto.TamperedError):
        logger.exception("Package %s could not be read", package.public_id)
        return _gone(request)
    packages.record_download(package)
    response = StreamingHttpResponse(itertools.chain([first], chunks),
                                     content_type="application/zip")
    if package.size:
        response["Content-Length"] = str(package.size)
    response["Content-Disposition"] = content_disposition_header(
        True, packages.download_name(package))
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response)
