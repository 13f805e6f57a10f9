"""The encryption of backup files: what goes in comes out, for every length around the chunk
size; nothing comes out of a file that was altered, cut, reordered, renamed or read with
another key; and the local key file wraps data keys only for itself."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dzinza.adapters.keys import LocalKeyFile, create_key_file, key_provider_from_url
from dzinza.services import backup_crypto as crypto

SMALL = 64
"""A chunk size small enough for many chunks in a test (the module's is 1 MiB)."""


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "CHUNK", SMALL)


def seal(data: bytes, key: bytes, name: str = "b/database.sqlite") -> bytes:
    return crypto.encrypting(io.BytesIO(data), key, name).read()


def unseal(data: bytes, key: bytes, name: str = "b/database.sqlite") -> bytes:
    return crypto.decrypting(io.BytesIO(data), key, name).read()


@pytest.mark.parametrize("length", [0, 1, SMALL - 1, SMALL, SMALL + 1, 2 * SMALL, 5 * SMALL + 17])
def test_every_length_comes_back(small_chunks: None, length: int) -> None:
    key = crypto.new_data_key()
    data = os.urandom(length)
    sealed = seal(data, key)
    chunks = length // SMALL + 1
    assert len(sealed) == 4 + crypto.PREFIX + length + chunks * crypto.TAG
    assert data not in sealed or length < 8  # (a byte or two may turn up by chance)
    assert unseal(sealed, key) == data


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=5 * SMALL), read=st.integers(min_value=1, max_value=3 * SMALL))
def test_any_data_read_in_any_pieces(data: bytes, read: int) -> None:
    key = crypto.new_data_key()
    original = crypto.CHUNK
    crypto.CHUNK = SMALL
    try:
        sealed = seal(data, key)
        with pytest.raises(crypto.Damaged):
            unseal(sealed, key, "b/another-name")
        stream = crypto.decrypting(io.BytesIO(sealed), key, "b/database.sqlite")
        pieces = []
        while piece := stream.read(read):
            pieces.append(piece)
        assert b"".join(pieces) == data
    finally:
        crypto.CHUNK = original


def test_two_encryptions_differ(small_chunks: None) -> None:
    key = crypto.new_data_key()
    assert seal(b"Rudo Moyo", key) != seal(b"Rudo Moyo", key)


def _damaged(sealed: bytes, key: bytes, name: str = "b/database.sqlite") -> None:
    with pytest.raises(crypto.Damaged):
        unseal(sealed, key, name)


def test_any_alteration_is_refused(small_chunks: None) -> None:
    key = crypto.new_data_key()
    data = os.urandom(3 * SMALL + 10)
    sealed = seal(data, key)
    head = 4 + crypto.PREFIX
    sealed_chunk = SMALL + crypto.TAG
    chunks = [
        sealed[head + i : head + i + sealed_chunk]
        for i in range(0, len(sealed) - head, sealed_chunk)
    ]
    assert len(chunks) == 4

    flipped = bytearray(sealed)
    flipped[head + SMALL // 2] ^= 1
    _damaged(bytes(flipped), key)
    _damaged(sealed[:head] + chunks[1] + chunks[0] + chunks[2] + chunks[3], key)  # reordered
    _damaged(sealed[:head] + chunks[0] + chunks[2] + chunks[3], key)  # a chunk dropped
    _damaged(sealed[:head] + chunks[0] + chunks[1] + chunks[2], key)  # the end cut off
    _damaged(sealed[:-1], key)
    _damaged(sealed, crypto.new_data_key())  # another key
    _damaged(sealed, key, "b/media/originals/x")  # moved to another file
    _damaged(b"", key)
    _damaged(b"PK\x03\x04" + sealed[4:], key)


def test_a_file_ending_on_a_chunk_boundary_cannot_lose_its_last_chunk(small_chunks: None) -> None:
    key = crypto.new_data_key()
    sealed = seal(os.urandom(2 * SMALL), key)
    # The empty last chunk is only a tag; without it the second chunk is not the last.
    _damaged(sealed[: -crypto.TAG], key)


def test_files_decrypt_to_disk(small_chunks: None, tmp_path: Path) -> None:
    key = crypto.new_data_key()
    data = os.urandom(4 * SMALL + 3)
    (tmp_path / "sealed").write_bytes(seal(data, key, "b/db"))
    crypto.decrypt_file(tmp_path / "sealed", tmp_path / "plain", key, "b/db")
    assert (tmp_path / "plain").read_bytes() == data


def test_a_key_file_is_made_private_and_wraps_for_itself(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "backup.key"
    key_id = create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key_id.startswith("file:") and len(key_id) == 21
    with pytest.raises(FileExistsError):
        create_key_file(path)
    keys = key_provider_from_url(path.as_uri())
    assert keys.key_id == key_id
    data_key = crypto.new_data_key()
    wrapped = keys.wrap(data_key)
    assert data_key not in wrapped and keys.unwrap(wrapped) == data_key
    other = tmp_path / "other.key"
    create_key_file(other)
    with pytest.raises(ValueError, match="not wrapped by the key"):
        LocalKeyFile(other).unwrap(wrapped)
    # The id is the key's fingerprint, never the key.
    assert path.read_text().strip() not in key_id


@pytest.mark.parametrize(
    ("content", "url", "message"),
    [
        ("not base64!", None, "does not hold a key"),
        ("c2hvcnQ=", None, "does not hold a key"),
        (None, None, "cannot be read"),
        (None, "ftp://keys/backup", "unsupported key URL"),
        (None, "kms://?region=af-south-1", "names the key"),
        (None, "kms://alias/x?colour=red", "unknown KMS key URL options"),
        (None, "file://", "names the file"),
    ],
)
def test_bad_keys_are_refused_clearly(
    tmp_path: Path, content: str | None, url: str | None, message: str
) -> None:
    path = tmp_path / "backup.key"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ValueError, match=message):
        key_provider_from_url(url or path.as_uri())
