"""Encryption at rest of export files and download packages: streaming authenticated
encryption, one chunk in memory at a time.

Exports and packages hold everything an organisation knows about a person, so a copy of the
disk (a backup, a stolen volume) must reveal nothing, and a file altered on disk must never be
served as if it were genuine (GDPR Art. 5(1)(f), 32(1)(a)).

The format (all integers big-endian)::

    header  = MAGIC (4 bytes, b"RPEF") | VERSION (1 byte, 1) | salt (16 bytes)
              | nonce prefix (7 bytes)
    chunk_i = AES-256-GCM(key, nonce_i, plaintext_i, aad=header)   (ciphertext + 16-byte tag)
    nonce_i = nonce prefix (7) | i (4 bytes, from 0) | last flag (1 byte: 1 on the last chunk)

Every plaintext chunk is ``CHUNK_SIZE`` bytes except the last, which holds 0 to
``CHUNK_SIZE`` bytes (an empty file is one empty last chunk). This is the STREAM construction
(Hoang, Reyhanitabar, Rogaway and Vizár, "Online authenticated-encryption and its
nonce-reuse misuse-resistance", 2015): the counter in the nonce means chunks cannot be
reordered, dropped or duplicated, and the last-chunk flag means the file cannot be truncated
at a chunk boundary or extended, without the authentication of some chunk failing. The header
is the associated data of every chunk, so it cannot be altered either.

Keys: the master key is ``settings.FILE_ENCRYPTION_KEY`` (base64 of 32 bytes) or, when that is
empty, derived from ``SECRET_KEY`` with HKDF-SHA256. Each file has its own key, derived with
HKDF-SHA256 from the master key with the file's random salt, so no two files share a key and
the 2^32 chunk limit of one key (256 TiB at 64 KiB) is per file.

Any failure to authenticate, a truncated file or a wrong header raises ``TamperedError``.
"""

from __future__ import annotations

import base64
import io
import os
import struct
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File

MAGIC = b"RPEF"
VERSION = 1
SALT_SIZE = 16
PREFIX_SIZE = 7
HEADER_SIZE = len(MAGIC) + 1 + SALT_SIZE + PREFIX_SIZE
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
MAX_CHUNKS = 2**32


class TamperedError(Exception):
    """The file was altered, truncated or extended, or is not one of ours (or the key
    changed): nothing of it may be trusted."""


def _hkdf(key_material: bytes, *, salt: bytes | None, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(
        key_material)


@lru_cache(maxsize=4)
def _master_key(configured: str, secret_key: str) -> bytes:
    if configured:
        try:
            key = base64.b64decode(configured, validate=True)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ImproperlyConfigured("FILE_ENCRYPTION_KEY must be the base64 of 32 bytes.")
        return key
    return _hkdf(secret_key.encode(), salt=None, info=b"rights-portal file encryption key")


def master_key() -> bytes:
    return _master_key(settings.FILE_ENCRYPTION_KEY, settings.SECRET_KEY)


def _file_key(master: bytes, salt: bytes) -> bytes:
    return _hkdf(master, salt=salt, info=b"rights-portal file v1")


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter >= MAX_CHUNKS:
        raise ValueError("File too large for one key.")
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


class EncryptedWriter(io.RawIOBase):
    """A writable, unseekable binary file over ``raw`` that encrypts what is written to it.

    ``zipfile.ZipFile(EncryptedWriter(raw), "w")`` works: zipfile sees a file that tells its
    position but cannot seek, and writes data descriptors. At most one chunk (plus what the
    last ``write`` brought) is held in memory. ``close`` writes the last chunk and closes
    ``raw`` unless ``close_raw=False``; a file that was never closed fails to decrypt."""

    def __init__(self, raw, *, key: bytes | None = None, close_raw: bool = True):
        super().__init__()
        self._raw = raw
        self._close_raw = close_raw
        salt, self._prefix = os.urandom(SALT_SIZE), os.urandom(PREFIX_SIZE)
        self._header = MAGIC + bytes([VERSION]) + salt + self._prefix
        self._aead = AESGCM(_file_key(key or master_key(), salt))
        self._buffer = bytearray()
        self._counter = 0
        self._position = 0
        raw.write(self._header)

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        """Plaintext bytes written so far."""
        return self._position

    def _seal(self, data: bytes, *, last: bool) -> None:
        nonce = _nonce(self._prefix, self._counter, last)
        self._raw.write(self._aead.encrypt(nonce, data, self._header))
        self._counter += 1

    def write(self, data) -> int:
        if self.closed:
            raise ValueError("write to closed file")
        size = len(data)
        self._buffer += data
        self._position += size
        # Keep the last (possibly full) chunk back: only close() knows it is the last one.
        if len(self._buffer) > CHUNK_SIZE:
            view = memoryview(self._buffer)
            start = 0
            while len(self._buffer) - start > CHUNK_SIZE:
                self._seal(bytes(view[start:start + CHUNK_SIZE]), last=False)
                start += CHUNK_SIZE
            view.release()
            del self._buffer[:start]
        return size

    def flush(self) -> None:
        if not self.closed:
            self._raw.flush()

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._seal(bytes(self._buffer), last=True)
            self._buffer = bytearray()
            self._raw.flush()
        finally:
            super().close()
            if self._close_raw:
                self._raw.close()


def decrypt_stream(raw, *, key: bytes | None = None) -> Iterator[bytes]:
    """The plaintext chunks of the encrypted file object ``raw``. The header is checked at
    once (``TamperedError`` before the first chunk); each chunk is authenticated before it is
    yielded, so a caller never sees bytes that were altered."""
    header = raw.read(HEADER_SIZE)
    if len(header) != HEADER_SIZE or not header.startswith(MAGIC):
        raise TamperedError("Not an encrypted file of this portal.")
    if header[len(MAGIC)] != VERSION:
        raise TamperedError(f"Unknown format version {header[len(MAGIC)]}.")
    salt = header[len(MAGIC) + 1:len(MAGIC) + 1 + SALT_SIZE]
    prefix = header[-PREFIX_SIZE:]
    aead = AESGCM(_file_key(key or master_key(), salt))
    return _chunks(raw, aead, header, prefix)


def _chunks(raw, aead: AESGCM, header: bytes, prefix: bytes) -> Iterator[bytes]:
    size = CHUNK_SIZE + TAG_SIZE
    counter = 0
    current = raw.read(size)
    while True:
        following = raw.read(size) if len(current) == size else b""
        last = not following
        if len(current) < TAG_SIZE:
            raise TamperedError("The file is truncated.")
        try:
            plaintext = aead.decrypt(_nonce(prefix, counter, last), current, header)
        except InvalidTag:
            raise TamperedError(f"Chunk {counter} failed authentication.") from None
        yield plaintext
        if last:
            return
        counter += 1
        current = following


class _TemporaryFile(File):
    """A finished encrypted file on local disk: ``FileSystemStorage.save`` moves it into place
    (a rename on the same file system) instead of copying it."""

    def temporary_file_path(self) -> str:
        return self.file.name


def _temporary_dir(storage) -> str | None:
    """A directory on the storage's own file system, so the final move is a rename."""
    location = getattr(storage, "location", None)
    if not location:
        return None
    path = os.path.join(location, "tmp")
    os.makedirs(path, exist_ok=True)
    return path


@contextmanager
def storing(storage, name: str) -> Iterator[EncryptedWriter]:
    """Write a new encrypted file into ``storage`` through the writer this yields.

    Only a complete file reaches the storage: the ciphertext goes to a temporary file that is
    moved into place when the block ends without error, and is deleted otherwise. After the
    block, ``writer.stored_name`` is the name the storage chose and ``writer.size`` the
    plaintext size."""
    handle = tempfile.NamedTemporaryFile(dir=_temporary_dir(storage), suffix=".part",
                                         delete=False)
    writer = EncryptedWriter(handle, close_raw=False)
    try:
        yield writer
        writer.size = writer.tell()
        writer.close()
        handle.close()
        with open(handle.name, "rb") as done:
            writer.stored_name = storage.save(name, _TemporaryFile(done, name=name))
    finally:
        if not writer.closed:
            super(EncryptedWriter, writer).close()  # drop the buffer without sealing it
        handle.close()
        if os.path.exists(handle.name):
            os.unlink(handle.name)


def save_encrypted(storage, name: str, chunks: Iterable[bytes]) -> tuple[str, int]:
    """Encrypt ``chunks`` into a new file of ``storage``. Returns (stored name, plaintext
    size). Memory stays at about one chunk whatever the size."""
    with storing(storage, name) as writer:
        for chunk in chunks:
            writer.write(chunk)
    return writer.stored_name, writer.size


def open_decrypted(storage, name: str) -> Iterator[bytes]:
    """The plaintext of an encrypted file of ``storage``, chunk by chunk. A wrong header
    raises ``TamperedError`` here; an altered chunk raises it when that chunk is reached."""
    raw = storage.open(name, "rb")
    try:
        chunks = decrypt_stream(raw)
    except BaseException:
        raw.close()
        raise
    return _closing(chunks, raw)


def _closing(chunks: Iterator[bytes], raw) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        raw.close()


# --- Short secrets in the database --------------------------------------------------------
#
# A broker's client secret (``EidSettings``) must not sit in clear in the database or its
# backups: with it, anyone could act as the organisation towards the broker. One AES-256-GCM
# message under a key derived from the master key for this purpose only, with a random
# 12-byte nonce: base64 of nonce | ciphertext + tag.

_TEXT_INFO = b"rights-portal sealed database text"


def seal_text(plaintext: str, *, purpose: str) -> str:
    """``plaintext`` encrypted and authenticated for storage; ``purpose`` (e.g. the field's
    name) is the associated data, so a value cannot be moved to another field."""
    nonce = os.urandom(12)
    key = _hkdf(master_key(), salt=None, info=_TEXT_INFO)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), purpose.encode())
    return base64.b64encode(nonce + sealed).decode()


def open_text(sealed: str, *, purpose: str) -> str:
    """The plaintext of ``seal_text``; ``TamperedError`` if it was altered, sealed for another
    purpose, or under another key."""
    try:
        raw = base64.b64decode(sealed, validate=True)
        key = _hkdf(master_key(), salt=None, info=_TEXT_INFO)
        return AESGCM(key).decrypt(raw[:12], raw[12:], purpose.encode()).decode()
    except (ValueError, InvalidTag) as error:
        raise TamperedError("The sealed text cannot be opened.") from error


def encrypt_bytes(data: bytes) -> bytes:
    """``data`` in the file format above, in memory: for small secrets and messages kept in a
    database column (a mailbox password, a raw e-mail), so a copy of the database reveals
    them no more than a copy of the disk reveals a file."""
    buffer = io.BytesIO()
    writer = EncryptedWriter(buffer, close_raw=False)
    writer.write(data)
    writer.close()
    return buffer.getvalue()


def decrypt_bytes(data: bytes) -> bytes:
    """The plaintext of ``encrypt_bytes``' output; ``TamperedError`` if it was altered."""
    return b"".join(decrypt_stream(io.BytesIO(bytes(data))))
