"""Files around a GEDCOM import or export: what a GEDZIP archive holds, and the work folder
where an upload waits for its import job and a finished export waits for its download.

A GEDZIP (``.gdz``) is a ZIP archive with the GEDCOM data in ``gedcom.ged`` and the media files
it points to beside it. Dzinza does not store photos and documents yet (object storage is a
later feature), so an import takes ``gedcom.ged`` and reports the media files it left behind.
"""

from __future__ import annotations

import shutil
import time
import uuid
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from dzinza.domain.errors import N_, ValidationFailed, said

GEDZIP_DATA = "gedcom.ged"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Unpacked:
    """The GEDCOM file to read, and what else an archive held."""

    path: Path
    media_files: list[str] = field(default_factory=list)
    temporary: bool = False
    """``path`` was extracted here and is the caller's to delete."""

    def discard(self) -> None:
        if self.temporary:
            self.path.unlink(missing_ok=True)


def is_zip(path: Path) -> bool:
    with open(path, "rb") as raw:
        return raw.read(4) == ZIP_MAGIC


def open_gedzip(path: Path) -> zipfile.ZipFile:
    """The archive, if it is a GEDZIP (a readable ZIP with ``gedcom.ged`` at the top)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValidationFailed(
            said(
                "This file cannot be imported: this is a damaged ZIP archive (%(reason)s).",
                reason=str(exc),
            )
        ) from exc
    if GEDZIP_DATA not in archive.namelist():
        archive.close()
        raise ValidationFailed(
            N_(
                "This file cannot be imported: it is a ZIP archive without gedcom.ged, so not "
                "a GEDZIP (a GEDZIP holds its GEDCOM data in gedcom.ged at the top)."
            )
        )
    return archive


def unpack(path: Path, work_dir: Path, max_bytes: int) -> Unpacked:
    """The GEDCOM data of ``path``: the file itself, or a GEDZIP's ``gedcom.ged`` extracted
    into ``work_dir`` (at most ``max_bytes``: a small archive may expand enormously)."""
    if not is_zip(path):
        return Unpacked(path)
    with open_gedzip(path) as archive:
        names = archive.namelist()
        info = archive.getinfo(GEDZIP_DATA)
        if info.file_size > max_bytes:
            raise ValidationFailed(
                said(
                    "This file cannot be imported: its gedcom.ged is %(size)s bytes, more than "
                    "the limit of %(most)s.",
                    size=info.file_size,
                    most=max_bytes,
                )
            )
        work_dir.mkdir(parents=True, exist_ok=True)
        target = work_dir / f"{uuid.uuid4().hex}.ged"
        try:
            with archive.open(info) as src, open(target, "wb") as dst:
                # file_size is what the archive claims: count what really comes out.
                copied = 0
                while chunk := src.read(1 << 20):
                    copied += len(chunk)
                    if copied > max_bytes:
                        raise ValidationFailed(
                            said(
                                "This file cannot be imported: its gedcom.ged expands beyond "
                                "the limit of %(most)s bytes.",
                                most=max_bytes,
                            )
                        )
                    dst.write(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            target.unlink(missing_ok=True)
            raise ValidationFailed(
                said(
                    "This file cannot be imported: gedcom.ged in the archive is damaged "
                    "(%(reason)s).",
                    reason=str(exc),
                )
            ) from exc
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    media = sorted(n for n in names if n != GEDZIP_DATA and not n.endswith("/"))
    return Unpacked(target, media, temporary=True)


class WorkFolder:
    """Uploads waiting for their import, exports waiting for their download: one folder per
    job under ``root``. On one machine (the embedded default) the server's own threads run the
    jobs; replicas that hand jobs to separate workers need this folder on shared storage."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def of(self, job_key: str) -> Path:
        folder = self.root / job_key
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def remove(self, job_key: str) -> None:
        shutil.rmtree(self.root / job_key, ignore_errors=True)

    def sweep(self, max_age: float) -> int:
        """Removes the folders untouched for ``max_age`` seconds (exports nobody fetched,
        uploads a crash left behind); returns how many."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - max_age
        removed = 0
        for folder in self.root.iterdir():
            try:
                stale = folder.is_dir() and folder.stat().st_mtime < cutoff
            except OSError:
                continue  # removed by another thread meanwhile
            if stale:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed
