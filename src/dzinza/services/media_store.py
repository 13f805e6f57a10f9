"""Where a media file's bytes go and how they come in: the key layout of the blob store, the
settings of media storage, and taking a file in (hash, check, quota, de-duplication, store).

Keys (prefixes made for lifecycle rules):

- ``originals/ab/<sha256>``: the file as uploaded, named by its content, stored once however
  many items and trees hold it;
- ``derivatives/ab/<sha256>/<name>.jpg``: thumbnails and a PDF's preview, content-addressed
  too, so they are cached for a year;
- ``uploads/<upload id>``: direct uploads in progress (a lifecycle rule may expire them);
- a key no item names any more goes on the ``blob_orphans`` list and is deleted after a grace
  period, so an undo of the deletion finds its file (and a concurrent upload of the same
  content, which takes the key off the list, never loses it).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from dzinza.domain.errors import (
    N_,
    PayloadTooLarge,
    Unavailable,
    UnsupportedMediaType,
    ValidationFailed,
    said,
)
from dzinza.ports import BlobStore, Clock, StoreSession, VirusScanner
from dzinza.services.media_files import Inspection, Limits, MediaRefused, inspect

GiB = 1024**3
MiB = 1024**2

IMMUTABLE = "public, max-age=31536000, immutable"
"""Cache-Control of content-addressed objects: their bytes never change under their key."""


@dataclass(frozen=True)
class MediaSettings:
    max_file_bytes: int = 2 * GiB
    """The largest file one may store."""
    form_max_bytes: int = 100 * MiB
    """The largest file sent in one multipart form; larger ones use a direct upload in parts."""
    tree_quota_bytes: int = 20 * GiB
    """What one tree's stored files may take in all (each distinct content counted once)."""
    url_ttl_seconds: int = 900
    """How long a signed URL of a file stays valid."""
    upload_ttl: timedelta = timedelta(hours=24)
    """How long a direct upload may take before it is abandoned."""
    part_bytes: int = 16 * MiB
    """The size of each part of a direct upload (S3's minimum is 5 MiB)."""
    orphan_grace: timedelta = timedelta(days=30)
    """How long the bytes of a deleted item are kept (an undo brings the item back)."""
    limits: Limits = field(default_factory=Limits)


class NoScanner:
    """The embedded default: no antivirus engine; every file is taken as clean."""

    name = "none"

    def scan(self, path: Path) -> str | None:
        return None


class NoBlobStore:
    """Stands in when no blob store was configured (a platform assembled in code): every use
    says so with a 503 instead of failing obscurely."""

    url = "none"
    serves_itself = False

    def __getattr__(self, name: str) -> Any:
        raise Unavailable(N_("No store for photos and documents is configured (DZINZA_MEDIA_URL)."))


def original_key(sha256: str) -> str:
    return f"originals/{sha256[:2]}/{sha256}"


def derivative_key(sha256: str, name: str) -> str:
    return f"derivatives/{sha256[:2]}/{sha256}/{name}.jpg"


def upload_key(upload_id: uuid.UUID) -> str:
    return f"uploads/{upload_id}"


@dataclass(frozen=True)
class Received:
    """A file taken in: its content hash, size and what its content is."""

    path: Path
    sha256: str
    size: int
    inspection: Inspection


def refusal(exc: MediaRefused) -> UnsupportedMediaType | ValidationFailed:
    """The user-facing error of a refused file: 415 for what Dzinza does not keep, 422 for a
    damaged or oversized one."""
    problem: list[dict[str, object]] = [{"field": "file", "message": exc.code}]
    if exc.code in ("unsupported-type", "active-content"):
        return UnsupportedMediaType(exc.reason, errors=problem)
    return ValidationFailed(exc.reason, errors=problem)


class MediaIntake:
    """Takes files in: into a private temporary folder first, checked, then into the store."""

    def __init__(
        self,
        blobs: BlobStore,
        scanner: VirusScanner,
        clock: Clock,
        settings: MediaSettings,
        work_dir: Path | None = None,
    ) -> None:
        self.blobs = blobs
        self.scanner = scanner
        self.clock = clock
        self.settings = settings
        self.work_dir = work_dir

    @contextmanager
    def spooled(self, source: BinaryIO, limit: int) -> Iterator[tuple[Path, str, int]]:
        """Copies a stream to a temporary file, hashing it; refuses it past ``limit`` bytes."""
        with self.scratch() as folder:
            path = folder / "file"
            digest = hashlib.sha256()
            size = 0
            with path.open("wb") as out:
                while chunk := source.read(1024 * 1024):
                    size += len(chunk)
                    if size > limit:
                        raise PayloadTooLarge(too_large(limit))
                    digest.update(chunk)
                    out.write(chunk)
            yield path, digest.hexdigest(), size

    @contextmanager
    def scratch(self) -> Iterator[Path]:
        if self.work_dir is not None:
            self.work_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="dzinza-media-", dir=self.work_dir))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def check(self, path: Path, sha256: str, size: int) -> Received:
        if size == 0:
            raise ValidationFailed(
                N_("The file is empty."), errors=[{"field": "file", "message": "empty"}]
            )
        if size > self.settings.max_file_bytes:
            raise PayloadTooLarge(too_large(self.settings.max_file_bytes))
        try:
            found = inspect(path, self.settings.limits)
        except MediaRefused as exc:
            raise refusal(exc) from exc
        return Received(path, sha256, size, found)

    def within_quota(self, tx: StoreSession, tree_id: uuid.UUID, size: int) -> None:
        used = tx.media_bytes_of_tree(tree_id)
        quota = self.settings.tree_quota_bytes
        if used + size > quota:
            raise PayloadTooLarge(
                said(
                    "This tree's files would take %(total)s, over its quota of %(quota)s. Delete "
                    "files it no longer needs, or ask the site's operators for more room.",
                    total=_size(used + size),
                    quota=_size(quota),
                )
            )

    def store_original(self, got: Received) -> str:
        """Puts the file under its content key, unless the store holds that content already."""
        key = original_key(got.sha256)
        if not self.blobs.exists(key):
            self.blobs.put(
                key,
                got.path,
                content_type=got.inspection.detected.mime,
                cache_control="private, max-age=31536000, immutable",
            )
        return key

    def file_columns(self, got: Received, original_name: str) -> dict[str, Any]:
        """The media row's columns for a file taken in (processing until scanned and derived)."""
        found = got.inspection
        return {
            "sha256": got.sha256,
            "size": got.size,
            "kind": found.detected.kind,
            "mime_type": found.detected.mime,
            "original_name": original_name,
            "status": "processing",
            "problem": "",
            "width": found.width,
            "height": found.height,
            "pages": found.pages,
            "taken_at": found.taken_at,
            "latitude": found.latitude,
            "longitude": found.longitude,
            "camera": found.camera,
            "derivatives": None,
        }


def too_large(limit: int) -> str:
    return f"The file is larger than the {_size(limit)} a file may have."


def _size(n: int) -> str:
    for unit, scale in (("GiB", GiB), ("MiB", MiB), ("KiB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"
