"""GEDCOM use cases as the command line and the API call them: check a file, import it into a
new or existing tree, export a tree."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any, Literal

from dzinza.domain.errors import N_, NotFound, ValidationFailed
from dzinza.gedcom.nodes import Problems
from dzinza.gedcom.upgrade import upgrade
from dzinza.ports import FULL_VIEW
from dzinza.services.access import no_such
from dzinza.services.common import SYSTEM
from dzinza.services.gedcom_export import FILE_FORMATS, export_file
from dzinza.services.gedcom_files import unpack
from dzinza.services.gedcom_import import GedcomImporter, Progress, scan
from dzinza.services.media_archive import store_archive_files
from dzinza.services.platform import DEFAULT_IMPORT_MAX_BYTES, Platform
from dzinza.services.trees import TreeService


def check_file(path: Path, max_bytes: int = DEFAULT_IMPORT_MAX_BYTES) -> dict[str, Any]:
    """Reads a file (GEDCOM or GEDZIP) as an import would, storing nothing: version,
    character set, record counts, warnings (pointers to records the file lacks, duplicate
    ids, bad lines ...)."""
    from dzinza.gedcom.reader import read_gedcom

    with tempfile.TemporaryDirectory(prefix="dzinza-check-") as work:
        unpacked = unpack(path, Path(work), max_bytes)
        problems = Problems()
        found = scan(unpacked.path, problems)
        gedcom = read_gedcom(unpacked.path, problems=problems)
        for _ in upgrade(gedcom.records(), version=gedcom.version, problems=problems):
            pass
    return {
        "version": found.version,
        "encoding": found.encoding,
        "declared_charset": found.declared,
        "records": found.records,
        "counts": found.counts,
        "media_files": len(unpacked.media_files),
        "warnings": [p.as_dict() for p in problems.items],
        "warning_count": problems.total,
    }


def run_import(
    platform: Platform,
    path: Path,
    *,
    tree_id: uuid.UUID | None = None,
    tree_name: str | None = None,
    preview: bool = False,
    progress: Progress | None = None,
    user_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The operator's import (command line): into ``tree_id``, or a new tree named
    ``tree_name`` (the file's name by default), which is created in the same transaction's
    wake and removed again if the import fails. ``path`` may be a GEDZIP archive."""
    importer = GedcomImporter(platform.store)
    created = False
    if tree_id is None:
        if preview:
            raise ValidationFailed(
                N_("A preview compares a file with an existing tree: give --tree.")
            )
        with platform.store.write() as tx:
            tree_id = TreeService.insert(
                tx,
                SYSTEM,
                {"name": tree_name or path.stem, "owner_id": user_id or uuid.UUID(int=0)},
            )
        created = True
    else:
        with platform.store.read() as tx:
            if tx.get("tree", tree_id) is None:
                raise NotFound(no_such("tree", tree_id))
    try:
        unpacked = unpack(path, platform.gedcom.work.root, platform.import_max_bytes)
        try:
            start = importer.preview if preview else importer.run
            report = start(unpacked.path, tree_id, user_id=user_id, progress=progress)
        finally:
            unpacked.discard()
    except BaseException:
        if created:
            with platform.store.write() as tx:
                tx.delete("tree", tree_id)
        raise
    if unpacked.media_files and not preview:
        files = store_archive_files(platform.store, platform.media, path, tree_id, user_id)
        return report.as_dict() | {"media_files": files}
    return report.as_dict() | {"media_files_not_stored": len(unpacked.media_files)}


def run_export(
    platform: Platform,
    tree_id: uuid.UUID,
    output: Path,
    format: str,
    living: Literal["omit", "private"] | str = "private",
    problems: Problems | None = None,
) -> dict[str, int]:
    """The operator's export (command line: the whole tree). ``problems`` hears what had to
    change for the file to be valid in its version."""
    if format not in FILE_FORMATS:
        raise ValidationFailed(N_("format: gedcom7, gedcom551 or gdz."))
    shown: Literal["omit", "private"] = "omit" if living == "omit" else "private"
    with platform.store.read() as tx:
        tx.set_viewer(FULL_VIEW)
        if tx.get("tree", tree_id) is None:
            raise NotFound(no_such("tree", tree_id))
        return export_file(
            tx, tree_id, output, format, living=shown, problems=problems, blobs=platform.media.blobs
        )
