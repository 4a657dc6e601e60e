# Requesters' attachments are encrypted at rest (issue #11), in the format of the exports
# (requests_app/crypto.py). The files stored in clear before are encrypted here, in place:
# same name, so no row changes. The reading code knows only the encrypted format, so this must
# run before the new code serves the files (``migrate`` does, at deploy).
#
# A clear attachment can never start with crypto's MAGIC (b"RPEF"): only PDF, JPEG and PNG
# files are accepted, checked by their first bytes. So a file that starts with MAGIC is
# encrypted already, and running this again (or after a crash half-way) changes nothing.
# Reversing decrypts them again, for code that expects clear files.

import os
import shutil
import tempfile

from django.core.files.storage import storages
from django.db import migrations

from requests_app import crypto


def _rewrite(path, transform):
    """Replace the file at ``path`` by ``transform(source, out)``'s output, atomically: the
    new file is written beside it (mode 0600, from mkstemp) and renamed over it."""
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as source:
            transform(source, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _encrypt(source, out):
    writer = crypto.EncryptedWriter(out, close_raw=False)
    shutil.copyfileobj(source, writer, crypto.CHUNK_SIZE)
    writer.close()


def _decrypt(source, out):
    for chunk in crypto.decrypt_stream(source):
        out.write(chunk)


def _attachment_paths(apps):
    storage = storages["private"]
    Attachment = apps.get_model("requests_app", "Attachment")
    for name in Attachment.objects.exclude(file="").values_list("file", flat=True).iterator():
        path = storage.path(name)
        if os.path.isfile(path):  # a file already gone is the purge's business, not ours
            yield path


def _is_encrypted(path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(crypto.MAGIC)) == crypto.MAGIC


def encrypt_clear_attachments(apps, schema_editor):
    for path in _attachment_paths(apps):
        if not _is_encrypted(path):
            _rewrite(path, _encrypt)


def decrypt_attachments(apps, schema_editor):
    for path in _attachment_paths(apps):
        if _is_encrypted(path):
            _rewrite(path, _decrypt)


class Migration(migrations.Migration):

    dependencies = [
        ("requests_app", "0011_report_speed"),
    ]

    operations = [
        migrations.RunPython(encrypt_clear_attachments, decrypt_attachments, elidable=False),
    ]
