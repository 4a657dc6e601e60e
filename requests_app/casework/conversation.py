"""Messages between staff and the requester, on the private status page.

E-mails only say that there is news and link to the page, so no personal data travels by
e-mail beyond what the requester sent us. Status changes are ``workflow``'s business.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile

from requests_app import events, notifications, selectors
from requests_app.models import Attachment, Event, Message, Request

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
        Attachment.objects.create(
            request=request, message=message, file=upload,
            original_name=upload.name[:200], content_type=upload.content_type,
            size=upload.size,
        )
    events.record(request, Event.Kind.MESSAGE_FROM_SUBJECT, actor_label=events.SUBJECT,
                  to_value=f"{len(files)} file(s)" if files else "", message=body)
    for email, language in selectors.staff_recipients(request):
        notifications.staff_news_email(request, to=email, language=language)
    return message
