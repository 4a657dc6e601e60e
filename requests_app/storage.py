"""File storage for requesters' attachments, exports and packages: on disk outside the web
root, with no URL, readable by the portal's own system user only."""

from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files here are never served by URL; staff open them through an admin view that checks
    the organisation and logs the access.

    Files are written with mode 0600 and folders with 0700 (unless the settings give other
    modes), whatever the process's umask: they hold identity documents and everything an
    organisation knows about a person, so no other account on the machine may read them
    (GDPR Art. 32(1))."""

    def __init__(self, *args, file_permissions_mode=0o600, directory_permissions_mode=0o700,
                 **kwargs):
        super().__init__(*args, file_permissions_mode=file_permissions_mode,
                         directory_permissions_mode=directory_permissions_mode, **kwargs)

    def url(self, name):
        raise ValueError("Private files have no URL; use the staff download view.")
