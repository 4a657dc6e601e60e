"""Exports and packages are encrypted at rest in authenticated chunks (requests_app/crypto.py):
what goes in comes out, and any change to the file on disk is detected."""

import io
import os
import zipfile

import pytest
from django.core.files.storage import FileSystemStorage
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from requests_app import crypto
from requests_app.crypto import CHUNK_SIZE, HEADER_SIZE, TAG_SIZE, TamperedError

SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 17]


@pytest.fixture
def storage(tmp_path):
    return FileSystemStorage(location=str(tmp_path))


def pieces(data: bytes, size: int = 10_000):
    for start in range(0, len(data), size):
        yield data[start:start + size]


def encrypt(data: bytes) -> bytes:
    raw = io.BytesIO()
    writer = crypto.EncryptedWriter(raw, close_raw=False)
    for piece in pieces(data):
        writer.write(piece)
    writer.close()
    return raw.getvalue()


def decrypt(blob: bytes) -> bytes:
    return b"".join(crypto.decrypt_stream(io.BytesIO(blob)))


@pytest.mark.parametrize("size", SIZES)
def test_a_saved_file_decrypts_to_exactly_what_was_saved(storage, size):
    data = os.urandom(size)
    name, plain_size = crypto.save_encrypted(storage, "exports/1/a.enc", pieces(data))
    assert plain_size == size
    assert b"".join(crypto.open_decrypted(storage, name)) == data
    # The header, then one sealed chunk (with its tag) per started chunk; an empty file is
    # one empty last chunk.
    chunks = max(1, -(-size // CHUNK_SIZE))
    assert storage.size(name) == HEADER_SIZE + size + chunks * TAG_SIZE


def test_the_file_on_disk_never_contains_the_plaintext(storage, tmp_path):
    secret = b"Kari Nordmann, kari@example.no, Storgata 1. " * 5000
    name, _ = crypto.save_encrypted(storage, "exports/1/b.enc", [secret])
    on_disk = (tmp_path / name).read_bytes()
    assert b"Kari Nordmann" not in on_disk
    assert b"kari@example.no" not in on_disk
    # Nothing is left behind in the temporary directory either.
    assert list((tmp_path / "tmp").iterdir()) == []


def test_two_encryptions_of_the_same_data_differ():
    data = b"same data" * 100
    assert encrypt(data) != encrypt(data)


def test_a_changed_byte_anywhere_is_detected():
    blob = bytearray(encrypt(os.urandom(2 * CHUNK_SIZE + 5)))
    for position in (0, 4, 5, HEADER_SIZE - 1, HEADER_SIZE + 10, HEADER_SIZE + CHUNK_SIZE + 20,
                     len(blob) - 1):
        altered = bytearray(blob)
        altered[position] ^= 0x01
        with pytest.raises(TamperedError):
            decrypt(bytes(altered))


def test_a_truncated_file_is_detected():
    blob = encrypt(os.urandom(3 * CHUNK_SIZE + 100))
    sealed = CHUNK_SIZE + TAG_SIZE
    # At a chunk boundary (the last chunk dropped), inside a chunk, inside the header.
    for length in (HEADER_SIZE + 2 * sealed, HEADER_SIZE + 3 * sealed, HEADER_SIZE + 7,
                   len(blob) - 1, 10, 0):
        with pytest.raises(TamperedError):
            decrypt(blob[:length])


def test_swapped_chunks_are_detected():
    blob = encrypt(os.urandom(3 * CHUNK_SIZE + 100))
    sealed = CHUNK_SIZE + TAG_SIZE
    header, body = blob[:HEADER_SIZE], blob[HEADER_SIZE:]
    first, second, rest = body[:sealed], body[sealed:2 * sealed], body[2 * sealed:]
    with pytest.raises(TamperedError):
        decrypt(header + second + first + rest)


def test_appended_data_is_detected():
    blob = encrypt(os.urandom(CHUNK_SIZE + 3))
    with pytest.raises(TamperedError):
        decrypt(blob + b"\x00" * 20)
    # Even a whole chunk sealed by the same file's key cannot be appended: the last flag.
    with pytest.raises(TamperedError):
        decrypt(blob + blob[HEADER_SIZE:HEADER_SIZE + CHUNK_SIZE + TAG_SIZE])


def test_a_chunk_from_another_file_is_detected():
    one, two = encrypt(os.urandom(CHUNK_SIZE + 3)), encrypt(os.urandom(CHUNK_SIZE + 3))
    with pytest.raises(TamperedError):
        decrypt(one[:HEADER_SIZE] + two[HEADER_SIZE:])


def test_an_unknown_format_version_is_refused():
    blob = bytearray(encrypt(b"data"))
    blob[len(crypto.MAGIC)] = 2
    with pytest.raises(TamperedError, match="version"):
        decrypt(bytes(blob))


def test_a_file_encrypted_under_another_key_is_refused(storage):
    name, _ = crypto.save_encrypted(storage, "x.enc", [b"data"])
    with override_settings(FILE_ENCRYPTION_KEY="QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="):
        with pytest.raises(TamperedError):
            b"".join(crypto.open_decrypted(storage, name))


def test_a_configured_key_is_used_instead_of_the_secret_key(storage):
    key = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
    with override_settings(FILE_ENCRYPTION_KEY=key):
        name, _ = crypto.save_encrypted(storage, "x.enc", [b"data"])
        assert b"".join(crypto.open_decrypted(storage, name)) == b"data"
    with pytest.raises(TamperedError):
        b"".join(crypto.open_decrypted(storage, name))


def test_a_failed_write_leaves_no_file(storage, tmp_path):
    def failing():
        yield b"first part"
        raise RuntimeError("export broke off")

    with pytest.raises(RuntimeError):
        crypto.save_encrypted(storage, "exports/1/c.enc", failing())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_zipfile_can_write_into_the_encrypted_writer(storage):
    member = os.urandom(CHUNK_SIZE * 2 + 1)
    with crypto.storing(storage, "packages/1/p.enc") as writer:
        with zipfile.ZipFile(writer, "w") as archive:
            archive.writestr("cover.txt", "hello")
            with archive.open("system/data.bin", "w") as target:
                for piece in pieces(member, 5000):
                    target.write(piece)
    plain = b"".join(crypto.open_decrypted(storage, writer.stored_name))
    assert writer.size == len(plain)
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        assert archive.testzip() is None
        assert archive.read("cover.txt") == b"hello"
        assert archive.read("system/data.bin") == member


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3 * CHUNK_SIZE + 10), piece=st.integers(1, 3 * CHUNK_SIZE))
def test_any_data_written_in_any_pieces_round_trips(data, piece):
    raw = io.BytesIO()
    with crypto.EncryptedWriter(raw, close_raw=False) as writer:
        for chunk in pieces(data, piece):
            writer.write(chunk)
    assert decrypt(raw.getvalue()) == data


@settings(max_examples=25, deadline=None)
@given(size=st.integers(0, 2 * CHUNK_SIZE + 10), position=st.integers(0, 10**9),
       flip=st.integers(1, 255))
def test_any_changed_byte_is_detected(size, position, flip):
    blob = bytearray(encrypt(bytes(size)))
    blob[position % len(blob)] ^= flip
    with pytest.raises(TamperedError):
        decrypt(bytes(blob))
