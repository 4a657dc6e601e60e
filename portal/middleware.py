"""Response headers Django's SecurityMiddleware does not set."""

from __future__ import annotations

from django.conf import settings


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
