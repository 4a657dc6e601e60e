"""The requester's files (often identity documents) are encrypted at rest like the exports,
readable by the portal's own system user only, and decrypted only when staff of the
organisation open one in the admin. Files stored in clear before are encrypted by migration
0012."""

import importlib
import os
import stat
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from requests_app import crypto
from requests_app.casework import workflow
from requests_app.models import Attachment, Message, Status, private_storage
from tests.factories import make_request

SECRET = b"%PDF-1.4 Passport of Kari Nordmann, no. 12345678"
migration = importlib.import_module("requests_app.migrations.0012_encrypt_attachments")


def download_url(attachment):
    return f"/admin/requests_app/request/{attachment.request_id}/attachment/{attachment.pk}/"


@pytest.fixture(autouse=True)
def _remove_stored_files(db):
    yield
    for attachment in Attachment.objects.all():
        attachment.file.delete(save=False)


@pytest.fixture
def sent(org_no):
    """A file the requester sent with their answer, through the workflow."""
    subject_request = make_request(org_no, status=Status.WAITING_FOR_SUBJECT)
    workflow.subject_replied(subject_request, body="Here it is.", files=[
        SimpleUploadedFile("passport.pdf", SECRET, content_type="application/pdf")])
    return Attachment.objects.get(request=subject_request)


def test_the_file_on_disk_is_encrypted_not_the_plaintext(sent):
    on_disk = Path(sent.file.path).read_bytes()

    assert on_disk.startswith(crypto.MAGIC)
    assert SECRET not in on_disk and b"Kari" not in on_disk
    assert sent.size == len(SECRET)  # the size of what the requester sent
    assert "passport" not in sent.file.name  # the original name stays in the database only


def test_the_file_is_readable_by_the_portals_user_only(sent):
    mode = stat.S_IMODE(os.stat(sent.file.path).st_mode)

    assert mode == 0o600


def test_staff_of_the_organisation_download_the_plaintext(client, handler, sent):
    client.force_login(handler)

    response = client.get(download_url(sent))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SECRET
    assert response["Content-Length"] == str(len(SECRET))
    assert response["Content-Disposition"] == 'attachment; filename="passport.pdf"'
    assert response["Content-Type"] == "application/pdf"


def test_a_file_altered_on_disk_is_a_clear_404_not_a_500(client, handler, sent):
    path = Path(sent.file.path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    client.force_login(handler)

    response = client.get(download_url(sent))

    assert response.status_code == 404


def _clear_attachment(org_no) -> Attachment:
    """An attachment as the portal stored them before 0012: the plaintext on disk."""
    subject_request = make_request(org_no, status=Status.IDENTITY_CHECK)
    message = Message.objects.create(request=subject_request, body="Old answer.",
                                     direction=Message.Direction.FROM_SUBJECT,
                                     purpose=Message.Purpose.REPLY)
    attachment = Attachment(request=subject_request, message=message,
                            original_name="old-passport.pdf",
                            content_type="application/pdf", size=len(SECRET))
    attachment.file.save("old", ContentFile(SECRET), save=True)
    return attachment


def test_the_migration_encrypts_files_stored_in_clear_in_place_once(client, handler, org_no):
    old = _clear_attachment(org_no)
    path = Path(old.file.path)
    assert path.read_bytes() == SECRET

    migration.encrypt_clear_attachments(apps, None)
    encrypted = path.read_bytes()
    migration.encrypt_clear_attachments(apps, None)  # again: nothing changes

    assert encrypted.startswith(crypto.MAGIC) and SECRET not in encrypted
    assert path.read_bytes() == encrypted
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(os.listdir(path.parent)) == [path.name]  # no temporary file left
    client.force_login(handler)
    response = client.get(download_url(old))
    assert b"".join(response.streaming_content) == SECRET


def test_reversing_the_migration_gives_the_clear_files_back(org_no):
    old = _clear_attachment(org_no)
    migration.encrypt_clear_attachments(apps, None)

    migration.decrypt_attachments(apps, None)

    assert Path(old.file.path).read_bytes() == SECRET


def test_a_file_gone_from_the_disk_is_skipped_by_the_migration_and_a_404(client, handler,
                                                                          org_no):
    old = _clear_attachment(org_no)
    private_storage().delete(old.file.name)

    migration.encrypt_clear_attachments(apps, None)

    client.force_login(handler)
    assert client.get(download_url(old)).status_code == 404
