"""File storage for requesters' attachments: on disk outside the web root, with no URL."""

from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files here are never served by URL; staff open them through an admin view that checks
    the organisation and logs the access."""

    def url(self, name):
        raise ValueError("Private files have no URL; use the staff download view.")
