"""Uploads are bounded twice: a request body larger than the page could need is refused (413,
in the visitor's language) before it is read, and a request (a case) holds at most
``MAX_REQUEST_FILES`` files and ``MAX_REQUEST_BYTES`` from its requester, over all answers."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.utils import translation

from requests_app.casework import conversation
from requests_app.models import Attachment, Message

PDF_HEAD = b"%PDF-1.4\n"


def _pdf(size: int, name="scan.pdf"):
    return SimpleUploadedFile(name, PDF_HEAD + b"0" * (size - len(PDF_HEAD)),
                              content_type="application/pdf")


@pytest.fixture(autouse=True)
def _remove_stored_files(db):
    yield
    for attachment in Attachment.objects.all():
        attachment.file.delete(save=False)


@pytest.fixture
def small_limits(monkeypatch):
    """Limits small enough to test with small files (the code reads them at each request)."""
    monkeypatch.setattr(conversation, "MAX_FILE_BYTES", 4000)
    monkeypatch.setattr(conversation, "BODY_MARGIN_BYTES", 4000)
    monkeypatch.setattr(conversation, "MAX_REQUEST_FILES", 3)
    monkeypatch.setattr(conversation, "MAX_REQUEST_BYTES", 10_000)


def _in(language: str, singular: str, plural: str | None = None, n: int = 1, **params) -> str:
    with translation.override(language):
        text = (translation.ngettext(singular, plural, n) if plural
                else translation.gettext(singular))
    return text % params if params else text


# --- The body cap ------------------------------------------------------------------------------


def test_the_public_limit_is_one_full_answer_and_its_text():
    assert conversation.max_body_bytes() == (
        conversation.MAX_FILES * conversation.MAX_FILE_BYTES + conversation.BODY_MARGIN_BYTES)


@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_an_oversized_body_is_refused_before_it_is_read(client, confirmed, language):
    subject_request, status_path = confirmed(language=language)
    limit = conversation.max_body_bytes()

    # The body claims to be one byte too long and is not there: reading it would fail the
    # test client ("Cannot read more than the available bytes").
    response = client.generic("POST", status_path, b"x" * 10,
                              content_type="multipart/form-data; boundary=x",
                              CONTENT_LENGTH=str(limit + 1))

    assert response.status_code == 413
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    with translation.override(language):
        shown = filesizeformat(limit)
    assert _in(language, "What you sent is too large") in html
    assert shown in html
    assert not Message.objects.filter(request=subject_request,
                                      direction=Message.Direction.FROM_SUBJECT).exists()


def test_a_real_upload_over_the_cap_is_refused_and_one_under_it_is_taken(
        client, confirmed, small_limits):
    subject_request, status_path = confirmed()

    too_big = client.post(status_path, {"body": "Here", "files": [_pdf(30_000)]})  # > 24,000
    fits = client.post(status_path, {"body": "Here", "files": [_pdf(3_000)]})

    assert too_big.status_code == 413
    assert fits.status_code == 302
    assert subject_request.attachments.count() == 1


def test_the_intake_form_is_capped_too(client, org_no):
    response = client.generic("POST", f"/da/o/{org_no.slug}/access/", b"x",
                              content_type="application/x-www-form-urlencoded",
                              CONTENT_LENGTH=str(conversation.max_body_bytes() + 1))

    assert response.status_code == 413
    assert '<html lang="da">' in response.content.decode()


def test_staff_may_send_an_export_larger_than_the_public_cap(client, handler, small_limits):
    body = {"q": "x" * 40_000}  # over the public cap (5 × 4000 + 4000), under a staff's

    anonymous = Client().post("/admin/login/", body)
    client.force_login(handler)
    staff = client.post("/admin/requests_app/request/", body)

    assert anonymous.status_code == 413
    assert staff.status_code != 413


def test_an_unreadable_content_length_is_left_to_django(client, org_no):
    response = client.generic("POST", f"/en/o/{org_no.slug}/access/", b"",
                              content_type="application/x-www-form-urlencoded",
                              CONTENT_LENGTH="not-a-number")

    assert response.status_code in (400, 403)  # the form or CSRF refuses it, not a 500


# --- The quota of a request --------------------------------------------------------------------


def test_the_files_of_one_request_are_limited_in_number(client, confirmed, small_limits):
    subject_request, status_path = confirmed()
    assert client.post(status_path, {"body": "1", "files": [_pdf(1000), _pdf(1000)]}
                       ).status_code == 302

    response = client.post(status_path, {"body": "2", "files": [_pdf(1000), _pdf(1000)]})

    assert response.status_code == 400
    form = response.context["form"]
    assert form.has_error("files", "attachment_quota")
    html = response.content.decode()
    assert _in("nb", "Please choose your files again.") in html
    assert subject_request.attachments.count() == 2
    assert subject_request.messages.filter(direction=Message.Direction.FROM_SUBJECT).count() == 1


def test_the_files_of_one_request_are_limited_in_bytes(client, confirmed, small_limits):
    subject_request, status_path = confirmed(language="da")
    assert client.post(status_path, {"body": "1", "files": [_pdf(3_900), _pdf(3_900)]}
                       ).status_code == 302

    response = client.post(status_path, {"body": "2", "files": [_pdf(3_000)]})

    assert response.status_code == 400
    assert response.context["form"].has_error("files", "attachment_quota")
    html = response.content.decode()
    with translation.override("da"):
        expected = _in("da", *_QUOTA_MESSAGE, n=3, max_count=3,
                       max_size=filesizeformat(10_000), count=2, size=filesizeformat(7_800))
    assert expected in html.replace("&quot;", '"')
    assert subject_request.attachments.count() == 2


def test_an_answer_without_files_is_taken_when_the_quota_is_full(client, confirmed,
                                                                 small_limits):
    subject_request, status_path = confirmed()
    client.post(status_path, {"body": "1", "files": [_pdf(1000), _pdf(1000), _pdf(1000)]})

    response = client.post(status_path, {"body": "Only text now"})

    assert response.status_code == 302
    assert subject_request.messages.filter(body="Only text now").exists()


def test_the_service_itself_refuses_files_over_the_quota(confirmed, small_limits):
    """Every path goes through ``receive_from_subject``: the check is there, not in the form."""
    from django.core.exceptions import ValidationError

    from requests_app.casework import workflow

    subject_request, _path = confirmed()
    workflow.subject_replied(subject_request, body="1", files=[_pdf(1000) for _ in range(3)])

    with pytest.raises(ValidationError) as refused:
        workflow.subject_replied(subject_request, body="2", files=[_pdf(1000)])

    assert refused.value.code == "attachment_quota"
    assert subject_request.attachments.count() == 3


_QUOTA_MESSAGE = (
    "A request can hold at most %(max_count)d file of at most %(max_size)s in all. "
    "This one holds %(count)d (%(size)s) already, and these files would go over "
    "that. Send fewer or smaller files, or describe the rest in your answer.",
    "A request can hold at most %(max_count)d files of at most %(max_size)s in all. "
    "This one holds %(count)d (%(size)s) already, and these files would go over "
    "that. Send fewer or smaller files, or describe the rest in your answer.",
)


@pytest.mark.otp_unverified
def test_a_staff_password_without_the_second_factor_keeps_the_public_cap(client, handler,
                                                                         small_limits):
    client.force_login(handler)  # Django's plain force_login: no second factor

    response = client.post("/admin/requests_app/request/", {"q": "x" * 40_000})

    assert response.status_code == 413
