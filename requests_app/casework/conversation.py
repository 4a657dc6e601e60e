"""Messages between staff and the requester, on the private status page, and the files the
requester sends with them.

E-mails only say that there is news and link to the page, so no personal data travels by
e-mail beyond what the requester sent us. Status changes are ``workflow``'s business.

The requester's files are often identity documents: they are encrypted at rest in the
format of the exports (``crypto``), and read back only through ``open_attachment``.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile

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
MAX_FILES = 5


def post_to_subject(request: Request, *, body: str, purpose: str,
                    actor: AbstractBaseUser | None) -> Message:
    """Put a message on the status page, log its full text, and e-mail a "news" notice."""
    message = Message.objects.create(request=request, direction=Message.Direction.TO_SUBJECT,
                                     purpose=purpose, body=body, author=actor)
    events.record(request, Event.Kind.MESSAGE_TO_SUBJECT, actor=actor, to_value=purpose,
                  message=body)
    if request.subject_email:
        notifications.news_email(request)
    return message


def receive_from_subject(request: Request, *, body: str,
                         files: list[UploadedFile] = ()) -> Message:
    """Store the requester's answer and files (already validated by the form), and tell staff
    that there is news (without the content)."""
    message = Message.objects.create(request=request,
                                     direction=Message.Direction.FROM_SUBJECT,
                                     purpose=Message.Purpose.REPLY, body=body)
    for upload in files:
        store_attachment(message, upload=upload)
    events.record(request, Event.Kind.MESSAGE_FROM_SUBJECT, actor_label=events.SUBJECT,
                  to_value=f"{len(files)} file(s)" if files else "", message=body)
    for email, language in selectors.staff_recipients(request):
        notifications.staff_news_email(request, to=email, language=language)
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
