"""Client-side encryption of backup files: AES-256-GCM over 1 MiB chunks, so that files of any
size stream through in bounded memory, and no chunk can be altered, dropped, reordered, moved to
another file or cut off the end without decryption failing.

Each backup has its own random data key, kept in its manifest only as wrapped by a key provider
(``KeyProvider``: a local key file, or AWS KMS), so reading a backup needs the provider's key and
rotating that key never rewrites old backups.

A stored file is ``MAGIC`` (4 bytes), a random nonce prefix (7 bytes), then the chunks. Chunk
``i`` is the GCM encryption of up to ``CHUNK`` bytes under the nonce ``prefix | i (4 bytes) |
last (1 byte)``, with the file's name in the backup as associated data (the STREAM
construction: the counter orders the chunks, the last-chunk flag detects a cut). Every chunk but
the last holds exactly ``CHUNK`` bytes; the last holds fewer (maybe none).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"DZE1"
CHUNK = 1 << 20
TAG = 16
PREFIX = 7
ALGORITHM = "AES-256-GCM-STREAM-1MiB"
KEY_BYTES = 32


class Damaged(ValueError):
    """The file is not what was encrypted under this key and name."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    if index >= 1 << 32:
        raise ValueError("a backup file of more than 4 PiB")
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _read_full(source: BinaryIO, size: int) -> bytes:
    """``size`` bytes, fewer only at the end (a stream may return short reads)."""
    parts = []
    wanted = size
    while wanted:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def encrypted_chunks(source: BinaryIO, key: bytes, name: str) -> Iterator[bytes]:
    cipher = AESGCM(key)
    prefix = os.urandom(PREFIX)
    aad = name.encode()
    yield MAGIC + prefix
    index = 0
    pending = _read_full(source, CHUNK)
    while len(pending) == CHUNK:
        following = _read_full(source, CHUNK)
        yield cipher.encrypt(_nonce(prefix, index, False), pending, aad)
        index += 1
        pending = following
    # Shorter than a chunk, maybe empty (the data ended on a chunk boundary): the end.
    yield cipher.encrypt(_nonce(prefix, index, True), pending, aad)


def decrypted_chunks(source: BinaryIO, key: bytes, name: str) -> Iterator[bytes]:
    cipher = AESGCM(key)
    head = _read_full(source, len(MAGIC) + PREFIX)
    if len(head) != len(MAGIC) + PREFIX or not head.startswith(MAGIC):
        raise Damaged(f"{name}: not an encrypted backup file")
    prefix = head[len(MAGIC) :]
    aad = name.encode()
    index = 0
    while True:
        sealed = _read_full(source, CHUNK + TAG)
        last = len(sealed) < CHUNK + TAG
        try:
            yield cipher.decrypt(_nonce(prefix, index, last), sealed, aad)
        except InvalidTag:
            raise Damaged(
                f"{name}: chunk {index} does not decrypt (damaged, cut short, or another key)"
            ) from None
        if last:
            return
        index += 1


class _ChunkReader(io.RawIOBase):
    """A read-only stream over an iterator of byte strings."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = memoryview(chunk)
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def encrypting(source: BinaryIO, key: bytes, name: str) -> BinaryIO:
    """``source`` encrypted, as a stream read once."""
    return io.BufferedReader(_ChunkReader(encrypted_chunks(source, key, name)), CHUNK)


def decrypting(source: BinaryIO, key: bytes, name: str) -> BinaryIO:
    """``source`` decrypted, as a stream read once; ``Damaged`` as soon as a chunk fails."""
    return io.BufferedReader(_ChunkReader(decrypted_chunks(source, key, name)), CHUNK)


def decrypt_file(path: Path, into: Path, key: bytes, name: str) -> None:
    with path.open("rb") as source, into.open("wb") as out:
        for chunk in decrypted_chunks(source, key, name):
            out.write(chunk)
