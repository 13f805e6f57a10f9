"""The files inside a GEDZIP archive, stored once its GEDCOM data is imported: each media item
whose FILE names a file of the archive gets that file, checked like any upload (type from the
content, active content refused, size and quota limits) and processed like one (scan and
derivatives by a job). What cannot be stored is reported, not fatal: the tree is imported.
"""

from __future__ import annotations

import hashlib
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from dzinza.domain.errors import DzinzaError, said
from dzinza.ports import Row, TreeStore
from dzinza.services.media import PROCESS, MediaService
from dzinza.services.media_store import too_large

GEDZIP_DATA = "gedcom.ged"
MAX_REPORTED = 100


def store_archive_files(
    store: TreeStore,
    media: MediaService,
    archive_path: Path,
    tree_id: uuid.UUID,
    user_id: uuid.UUID | None,
) -> dict[str, Any]:
    """Stores the archive's files for the tree's media items that name them and have no file
    yet. Returns {"stored", "already_stored", "not_referenced", "refused": [{file, reason}]}."""
    with zipfile.ZipFile(archive_path) as archive:
        entries = {
            info.filename: info
            for info in archive.infolist()
            if not info.is_dir() and info.filename != GEDZIP_DATA
        }
        with store.read() as tx:
            rows = tx.media_files_of_tree(tree_id)
        stored, already = 0, 0
        refused: list[dict[str, str]] = []
        used: set[str] = set()
        for row in rows:
            name = _entry_for(str(row["file"] or ""), entries)
            if name is None:
                continue
            used.add(name)
            if row["sha256"] is not None:
                already += 1
                continue
            try:
                _store_one(store, media, archive, entries[name], row, user_id)
                stored += 1
            except DzinzaError as exc:
                if len(refused) < MAX_REPORTED:
                    refused.append({"file": name, "reason": exc.detail})
        not_referenced = len(set(entries) - used)
    return {
        "stored": stored,
        "already_stored": already,
        "not_referenced": not_referenced,
        "refused": refused,
    }


def _entry_for(file: str, entries: dict[str, zipfile.ZipInfo]) -> str | None:
    """The archive entry a FILE value names: as written, percent-decoded (7.0 writes file
    paths as URLs), or without a leading ./ ."""
    decoded = unquote(file)
    for candidate in (file, decoded, file.removeprefix("./"), decoded.removeprefix("./")):
        if candidate in entries:
            return candidate
    return None


def _store_one(
    store: TreeStore,
    media: MediaService,
    archive: zipfile.ZipFile,
    entry: zipfile.ZipInfo,
    row: Row,
    user_id: uuid.UUID | None,
) -> None:
    intake = media.intake
    limit = intake.settings.max_file_bytes
    if entry.file_size > limit:
        raise DzinzaError(too_large(limit))
    with intake.scratch() as folder:
        path = folder / "entry"
        digest, size = hashlib.sha256(), 0
        try:
            with archive.open(entry) as src, path.open("wb") as dst:
                # file_size is what the archive claims: count what really comes out.
                while chunk := src.read(1024 * 1024):
                    size += len(chunk)
                    if size > limit:
                        raise DzinzaError(too_large(limit))
                    digest.update(chunk)
                    dst.write(chunk)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise DzinzaError(
                said("The file is damaged in the archive (%(reason)s).", reason=str(exc))
            ) from exc
        got = intake.check(path, digest.hexdigest(), size)
        with store.read() as tx:
            intake.within_quota(tx, row["tree_id"], size)
        intake.store_original(got)
        name = entry.filename.rsplit("/", 1)[-1]
        columns = intake.file_columns(got, name)
        with store.write() as tx:
            tx.update("media", row["id"], columns)
            tx.adopt_contents([got.sha256])
    media.jobs.submit(
        PROCESS, {"media_id": str(row["id"])}, user_id=user_id, tree_id=row["tree_id"]
    )
