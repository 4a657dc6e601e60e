"""Messages between staff and the requester, on the private status page, and the files the
requester sends with them.

E-mails only say that there is news and link to the page, so no personal data travels by
e-mail beyond what the requester sent us. Status changes are ``workflow``'s business.

The requester's files are often identity documents: they are encrypted at rest in the
format of the exports (``crypto``), and read back only through ``open_attachment``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import ngettext

from requests_app import crypto, events, notifications, selectors
from requests_app.models import (
    Attachment,
    Event,
    Message,
    Request,
    attachment_path,
    private_storage,
)

#: What a requester may upload: common document and image types, checked by content too.
ALLOWED_TYPES = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Files in one answer.
MAX_FILES = 5
#: Files and bytes one request may hold from the requester over all its answers: room for
#: the documents an identity check or a correction needs several times over, and a bound on
#: what one status link (a secret the requester may lose) can put on our disk.
MAX_REQUEST_FILES = 20
MAX_REQUEST_BYTES = 100 * 1024 * 1024
#: Room in a request body beside the files: the text fields and the multipart framing.
BODY_MARGIN_BYTES = 1024 * 1024


def max_body_bytes() -> int:
    """The largest body a requester's page can legitimately POST: one answer with its most
    files at their largest, and the text. A longer body is refused before it is read
    (``portal.middleware.RequestBodyLimitMiddleware``)."""
    return MAX_FILES * MAX_FILE_BYTES + BODY_MARGIN_BYTES


def check_attachment_quota(request: Request, files: list[UploadedFile]) -> None:
    """Refuse ``files`` when, with the files the request already holds, they would pass
    ``MAX_REQUEST_FILES`` or ``MAX_REQUEST_BYTES``. Raises ``ValidationError`` with code
    ``attachment_quota``, in the active language."""
    if not files:
        return
    held = Attachment.objects.filter(request=request).aggregate(
        count=Count("id"), size=Sum("size"))
    count, size = held["count"] or 0, held["size"] or 0
    new_size = sum(upload.size or 0 for upload in files)
    if count + len(files) <= MAX_REQUEST_FILES and size + new_size <= MAX_REQUEST_BYTES:
        return
    raise ValidationError(
        ngettext(
            "A request can hold at most %(max_count)d file of at most %(max_size)s in all. "
            "This one holds %(count)d (%(size)s) already, and these files would go over "
            "that. Send fewer or smaller files, or describe the rest in your answer.",
            "A request can hold at most %(max_count)d files of at most %(max_size)s in all. "
            "This one holds %(count)d (%(size)s) already, and these files would go over "
            "that. Send fewer or smaller files, or describe the rest in your answer.",
            MAX_REQUEST_FILES),
        code="attachment_quota",
        params={"max_count": MAX_REQUEST_FILES, "max_size": filesizeformat(MAX_REQUEST_BYTES),
                "count": count, "size": filesizeformat(size)})


def post_to_subject(request: Request, *, body: str, purpose: str,
                    actor: AbstractBaseUser | None, now: datetime | None = None) -> Message:
    """Put a message on the status page, log its full text, and e-mail a "news" notice.
    ``now``: when (default this instant), for a caller that acts at a given moment."""
    now = now or timezone.now()
    message = Message.objects.create(request=request, direction=Message.Direction.TO_SUBJECT,
                                     purpose=purpose, body=body, author=actor, created_at=now)
    events.record(request, Event.Kind.MESSAGE_TO_SUBJECT, actor=actor, to_value=purpose,
                  message=body, at=now)
    if request.subject_email:
        notifications.news_email(request, now=now)
    return message


def receive_from_subject(request: Request, *, body: str, files: list[UploadedFile] = (),
                         notify_staff: bool = True, now: datetime | None = None) -> Message:
    """Store the requester's answer and files (each file already validated by the form), and
    tell staff that there is news (without the content; not when staff themselves file it,
    ``notify_staff=False``: an e-mail they register from the privacy mailbox).

    The files must fit the request's quota (``check_attachment_quota``). ``workflow``'s
    ``subject_replied`` holds the request's row lock while this runs, so two answers sent at
    once cannot both pass the check with the room for one.
    """
    now = now or timezone.now()
    check_attachment_quota(request, list(files))
    message = Message.objects.create(request=request,
                                     direction=Message.Direction.FROM_SUBJECT,
                                     purpose=Message.Purpose.REPLY, body=body, created_at=now)
    for upload in files:
        store_attachment(message, upload=upload)
    events.record(request, Event.Kind.MESSAGE_FROM_SUBJECT, actor_label=events.SUBJECT,
                  to_value=f"{len(files)} file(s)" if files else "", message=body, at=now)
    if notify_staff:
        for email, language in selectors.staff_recipients(request):
            notifications.staff_news_email(request, to=email, language=language, now=now)
    return message


def store_attachment(message: Message, *, upload: File) -> Attachment:
    """Encrypt one of the requester's files into the private storage and save its row.

    Identity documents are the most sensitive thing the portal holds, so they get the same
    encryption at rest as the exports (GDPR Art. 32(1)(a)): a copy of the disk or a backup
    reveals nothing, and a file altered on disk is never served. The stored name is random
    (``attachment_path``); the original name stays in the database only."""
    attachment = Attachment(
        request_id=message.request_id, message=message, original_name=(upload.name or "")[:200],
        content_type=getattr(upload, "content_type", None) or "application/octet-stream",
        size=0,
    )
    name, size = crypto.save_encrypted(private_storage(), attachment_path(attachment, ""),
                                       upload.chunks())
    attachment.file.name, attachment.size = name, size
    try:
        attachment.save()
    except BaseException:
        private_storage().delete(name)
        raise
    return attachment


def open_attachment(attachment: Attachment) -> Iterator[bytes]:
    """The plaintext of one of the requester's files, chunk by chunk. A missing file raises
    ``OSError``; one altered on disk (or not encrypted) raises ``crypto.TamperedError``, at
    once for a wrong header, otherwise when the altered chunk is reached."""
    return crypto.open_decrypted(private_storage(), attachment.file.name)
