"""The portal's own middleware: the Permissions-Policy header (Django's SecurityMiddleware
sets the other security headers, django-csp the Content-Security-Policy) and the cap on a
request's body."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

from requests_app.casework import conversation


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy`` (settings ``PERMISSIONS_POLICY``: feature -> allowed origins)
    to every response that has none yet.

    The portal never needs a camera, a microphone, the location or payment APIs; denying them
    (``feature=()``) means a script that got in anyway, or a page that frames ours, cannot ask
    the visitor for them either.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in getattr(settings, "PERMISSIONS_POLICY", {}).items())

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class RequestBodyLimitMiddleware:
    """Refuses a request whose body is larger than anything the page could legitimately send,
    before a byte of it is read: ``413 Content Too Large`` with a page in the visitor's
    language (``templates/413.html``).

    Django streams uploaded files to temporary files without a total limit (its
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` counts only the non-file fields), so without this a
    single POST could fill the disk before the form's per-file checks ever ran. The limit:

    - staff signed in with both factors: the largest export they may upload
      (``EXPORT_MAX_BYTES``) plus room for the form;
    - everyone else: one answer on the status page with its most files at their largest
      (``conversation.max_body_bytes``).

    It reads ``Content-Length`` only: Django reads no further than it, and a body without
    one (chunked) is read as empty. Place it after the authentication and locale middleware
    (it asks who the user is and answers in their language) and before anything that reads
    ``request.POST`` in a view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = _content_length(request.META)
        if length is not None:
            limit = self.limit_for(request)
            if length > limit:
                return _too_large(request, limit)
        return self.get_response(request)

    @staticmethod
    def limit_for(request) -> int:
        public = conversation.max_body_bytes()
        user = getattr(request, "user", None)
        # Staff past both factors (django-otp's is_verified): a password alone does not
        # open the larger limit.
        if (user is not None and user.is_authenticated and user.is_staff
                and getattr(user, "is_verified", lambda: False)()):
            return max(public, settings.EXPORT_MAX_BYTES + conversation.BODY_MARGIN_BYTES)
        return public


def _content_length(meta) -> int | None:
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return None
    return length if length > 0 else None


def _too_large(request, limit: int):
    return render(request, "413.html", {
        "limit": limit,
        "max_files": conversation.MAX_FILES,
        "max_file_bytes": conversation.MAX_FILE_BYTES,
    }, status=413)
