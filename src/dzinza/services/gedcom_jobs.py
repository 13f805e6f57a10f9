"""GEDCOM import and export as background jobs, as the API starts them.

An import is uploaded first (the route streams the body into the local work folder, refusing it
as soon as it passes the size limit), checked for being GEDCOM at all, then put in the shared
blob store (``gedcom/uploads/...``) and handed to a job, which may run on another machine (a
``dzinza worker``): the job fetches the file, and deletes it when it ends. An export runs as a
job too (a large tree takes minutes) and leaves its file in the blob store
(``gedcom/exports/<job>/...``), for ``download`` by the person who asked for it: a path on the
local folder, a signed URL on S3. Files nobody came back for go after ``KEEP_FILES``.

Rights are checked when the job is submitted and again when it runs, since a member may lose
their role in between. An export sees the tree as the person who asked for it does: the privacy
engine applies to them, not to the server.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from dzinza.domain.errors import (
    N_,
    AuthenticationRequired,
    Conflict,
    NotFound,
    ValidationFailed,
    said,
)
from dzinza.gedcom.nodes import Problems
from dzinza.gedcom.reader import NotGedcom, read_gedcom
from dzinza.ports import BlobStore, StoreSession, TreeStore, ViewerLevel
from dzinza.services.access import Need, tree_access
from dzinza.services.common import Actor
from dzinza.services.gedcom_export import FILE_FORMATS, export_file
from dzinza.services.gedcom_files import WorkFolder, is_zip, open_gedzip, unpack
from dzinza.services.gedcom_import import GedcomImporter
from dzinza.services.jobs import SHUTDOWN, JobCancelled, JobContext, JobService
from dzinza.services.media import MediaService
from dzinza.services.media_archive import store_archive_files

log = logging.getLogger("dzinza.gedcom")

IMPORT = "gedcom.import"
EXPORT = "gedcom.export"
UPLOAD_NAME = "upload"
KEEP_FILES = 24 * 3600
"""Seconds an export waits for its download (and a stray upload for a job) before it is
removed; the sweep runs whenever an import or export starts."""


class PayloadTooLarge(ValidationFailed):
    status = 413


@dataclass(frozen=True)
class Download:
    path: Path | None
    """The file, where the blob store is a local folder."""
    filename: str
    media_type: str
    url: str | None = None
    """Else a signed URL of the file, to redirect to."""


class GedcomJobs:
    def __init__(
        self,
        store: TreeStore,
        jobs: JobService,
        work: WorkFolder,
        max_bytes: int,
        media: MediaService | None = None,
    ) -> None:
        self.store = store
        self.jobs = jobs
        self.work = work
        """Local scratch space: uploads as they arrive, files while a job works on them."""
        self.max_bytes = max_bytes
        self.media = media
        """Where a GEDZIP's files are stored (None: they are counted, not stored)."""
        self.blobs: BlobStore | None = media.blobs if media is not None else None
        """Where uploads wait for their job and exports for their download, shared by every
        replica and worker (None: the local work folder, one machine only)."""
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        jobs.register(IMPORT, self._run_import)
        jobs.register(EXPORT, self._run_export)

    # -- import ---------------------------------------------------------------------------
    def may_import(self, actor: Actor, tree_id: uuid.UUID) -> None:
        """Raises unless the actor may import into the tree (editors and above): checked
        before the upload, so a refused request does not send its whole file first."""
        with self.store.read() as tx:
            tree_access(tx, tree_id, actor, Need.EDIT)

    def upload_path(self) -> tuple[str, Path]:
        """A fresh place for an upload: (key, file path)."""
        self.work.sweep(KEEP_FILES)
        key = uuid.uuid4().hex
        return key, self.work.of(key) / UPLOAD_NAME

    def too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            said(
                "The file is larger than the import limit of %(max_bytes)s bytes (DZINZA_IMPORT_MAX_BYTES).",
                max_bytes=self.max_bytes,
            )
        )

    def start_import(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        key: str,
        *,
        preview: bool = False,
        filename: str | None = None,
    ) -> dict[str, Any]:
        """Checks the uploaded file and queues its import; the upload is removed if refused."""
        shared = None
        try:
            self.may_import(actor, tree_id)
            local = self.work.of(key) / UPLOAD_NAME
            self._check_upload(local)
            if self.blobs is not None:
                shared = _upload_key(key, self.clock())
                self.blobs.put(shared, local, content_type="application/octet-stream")
                self.work.remove(key)
            params = {"upload": key, "shared": shared, "preview": preview, "filename": filename}
            return self.jobs.submit(IMPORT, params, user_id=actor.user_id, tree_id=tree_id)
        except BaseException:
            self.work.remove(key)
            if shared is not None:
                self._forget(shared)
            raise

    def check_upload(self, key: str) -> None:
        """Raises (and removes the upload) unless the uploaded file looks importable: for
        callers that must know before they create anything (a new tree for the file)."""
        try:
            self._check_upload(self.work.of(key) / UPLOAD_NAME)
        except BaseException:
            self.work.remove(key)
            raise

    # -- a preview, then its apply (the web pages) -----------------------------------------
    def hold(self, key: str) -> None:
        """Keeps a copy of an upload before its preview starts, so that the preview can be
        applied without sending the file again (``apply_preview``). The copy waits where any
        replica finds it and goes with the other stray uploads after ``KEEP_FILES``."""
        local = self.work.of(key) / UPLOAD_NAME
        if self.blobs is not None:
            shared = f"{SHARED_PREFIX}uploads/{int(self.clock().timestamp())}{HELD}{key}"
            self.blobs.put(shared, local, content_type="application/octet-stream")
            return
        shutil.copyfile(local, self.work.of(f"held-{key}") / UPLOAD_NAME)

    def _held(self, key: str) -> str | Path | None:
        """Where the held copy of upload ``key`` is, if it is still kept."""
        if self.blobs is not None:
            for shared in self.blobs.keys(f"{SHARED_PREFIX}uploads/"):
                if shared.endswith(f"{HELD}{key}"):
                    return shared
            return None
        local = self.work.root / f"held-{key}" / UPLOAD_NAME
        return local if local.is_file() else None

    def _preview_upload(self, actor: Actor, job_id: uuid.UUID) -> tuple[dict[str, Any], str]:
        """A finished preview the actor may see, and the key of its upload."""
        job = self.jobs.get(actor, job_id)
        result = job["result"] or {}
        if job["kind"] != IMPORT or job["status"] != "succeeded" or result.get("mode") != "preview":
            raise Conflict(N_("Only a finished preview of an import can be applied."))
        with self.store.read() as tx:
            row = tx.get_job(job_id)
        if row is None or job["tree_id"] is None:
            raise NotFound(N_("The tree of this job no longer exists."))
        return job, str((row["params"] or {}).get("upload", ""))

    def can_apply(self, actor: Actor, job_id: uuid.UUID) -> bool:
        """Whether the preview's file is still kept for ``apply_preview``."""
        try:
            _, key = self._preview_upload(actor, job_id)
        except (Conflict, NotFound):
            return False
        return bool(key) and self._held(key) is not None

    def apply_preview(self, actor: Actor, job_id: uuid.UUID) -> dict[str, Any]:
        """Imports, for real, the file a preview job looked at (kept by ``hold``); returns the
        new job. The copy is used once."""
        job, upload = self._preview_upload(actor, job_id)
        held = self._held(upload) if upload else None
        if held is None:
            raise NotFound(
                said(
                    "The file of this preview is no longer kept (files wait %(hours)s hours): "
                    "import it again.",
                    hours=KEEP_FILES // 3600,
                )
            )
        tree_id = uuid.UUID(str(job["tree_id"]))
        self.may_import(actor, tree_id)
        key, path = self.upload_path()
        try:
            if isinstance(held, Path):
                shutil.copyfile(held, path)
            else:
                assert self.blobs is not None
                self.blobs.download(held, path)
        except (KeyError, OSError) as exc:  # applied meanwhile by another request
            self.work.remove(key)
            raise NotFound(
                N_("The file of this preview is no longer kept: import it again.")
            ) from exc
        view = self.start_import(
            actor, tree_id, key, preview=False, filename=(job["result"] or {}).get("filename")
        )
        if isinstance(held, Path):
            self.work.remove(held.parent.name)
        else:
            self._forget(held)
        return view

    def _forget(self, key: str) -> None:
        assert self.blobs is not None
        try:
            self.blobs.delete(key)
        except Exception:
            log.warning("could not delete %s from the blob store", key, exc_info=True)

    def _check_upload(self, path: Path) -> None:
        if path.stat().st_size == 0:
            raise ValidationFailed(N_("This file cannot be imported: the file is empty."))
        if is_zip(path):
            open_gedzip(path).close()  # its gedcom.ged is read when the job unpacks it
            return
        try:
            read_gedcom(path).close()
        except NotGedcom as exc:
            raise ValidationFailed(
                said("This file cannot be imported: %(reason)s.", reason=str(exc))
            ) from exc

    def _run_import(self, ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        key = str(params["upload"])
        keep = False
        try:
            tree_id = self._tree_of(ctx)
            with self.store.read() as tx:
                tree_access(tx, tree_id, _actor(tx, ctx.user_id), Need.EDIT)
            upload = self.work.root / key / UPLOAD_NAME
            shared = params.get("shared")
            if shared and self.blobs is not None and not upload.is_file():
                with suppress(KeyError):  # the upload came in on another machine
                    self.blobs.download(str(shared), self.work.of(key) / UPLOAD_NAME)
            if not upload.is_file():
                raise ValidationFailed(N_("The uploaded file is no longer there: upload it again."))
            unpacked = unpack(upload, self.work.of(key), self.max_bytes)
            importer = GedcomImporter(self.store)
            start = importer.preview if params.get("preview") else importer.run
            try:
                report = start(unpacked.path, tree_id, user_id=ctx.user_id, progress=ctx.progress)
            finally:
                unpacked.discard()
            result = report.as_dict()
            if unpacked.media_files and self.media is not None and not params.get("preview"):
                ctx.progress(0, None, "storing the archive's files")
                result["media_files"] = store_archive_files(
                    self.store, self.media, upload, tree_id, ctx.user_id
                )
            else:
                result["media_files_not_stored"] = len(unpacked.media_files)
            result["filename"] = params.get("filename")
            return result
        except JobCancelled as exc:
            # Stopping with the server: the job runs again after the restart, and needs its file.
            keep = exc.reason == SHUTDOWN
            raise
        finally:
            # The local copy goes either way (a job resumed elsewhere fetches the file again).
            self.work.remove(key)
            shared = params.get("shared")
            if not keep and shared and self.blobs is not None:
                self._forget(str(shared))

    # -- export ---------------------------------------------------------------------------
    def start_export(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        format: str = "gedcom7",
        living: Literal["omit", "private"] | str = "private",
    ) -> dict[str, Any]:
        """Queues an export of the tree as the actor may see it (any reader who is signed in)."""
        if format not in FILE_FORMATS:
            raise ValidationFailed(
                N_("format must be gedcom7, gedcom551 or gdz."),
                errors=[{"field": "format", "message": "gedcom7, gedcom551 or gdz"}],
            )
        if living not in ("omit", "private"):
            raise ValidationFailed(
                N_("living must be omit or private."),
                errors=[{"field": "living", "message": "omit or private"}],
            )
        with self.store.read() as tx:
            tree_access(tx, tree_id, actor, Need.READ)  # a hidden tree is 404, even to guests
        if actor.anonymous:
            raise AuthenticationRequired(N_("Sign in to export a tree."))
        self.work.sweep(KEEP_FILES)
        params = {"format": format, "living": living}
        return self.jobs.submit(EXPORT, params, user_id=actor.user_id, tree_id=tree_id)

    def _run_export(self, ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        tree_id = self._tree_of(ctx)
        format = str(params["format"])
        extension, _ = FILE_FORMATS[format]
        living: Literal["omit", "private"] = "omit" if params.get("living") == "omit" else "private"
        key = ctx.job_id.hex
        self.work.remove(key)  # a run before a restart may have left half a file
        target = self.work.of(key) / f"export.{extension}"
        problems = Problems()
        try:
            with self.store.read() as tx:
                access = tree_access(tx, tree_id, _actor(tx, ctx.user_id), Need.READ)
                full = access.viewer().level is ViewerLevel.FULL
                ctx.progress(0, None, "exporting")
                # Originals may carry where a photo was taken: only members' archives hold them.
                blobs = self.media.blobs if self.media and access.power is not None else None
                counts = export_file(
                    tx,
                    tree_id,
                    target,
                    format,
                    living=living,
                    full=full,
                    problems=problems,
                    blobs=blobs,
                )
                name = str(access.tree["name"])
        except BaseException:
            self.work.remove(key)
            raise
        size = target.stat().st_size
        if self.blobs is not None:
            try:  # where any replica can hand it out
                self.blobs.put(
                    _export_key(ctx.job_id, extension),
                    target,
                    content_type=FILE_FORMATS[format][1],
                )
            finally:
                self.work.remove(key)
        total = sum(counts.values())
        ctx.progress(total, total, "exported")
        return {
            "format": params["format"],
            "living": living,
            "counts": counts,
            "bytes": size,
            "filename": _file_name(name, extension),
            "download": f"/api/v1/jobs/{ctx.job_id}/download",
            # What had to change for the file to be valid (the first hundred, and how many).
            "warnings": [p.as_dict() for p in problems.items[:100]],
            "warning_count": problems.total,
        }

    def download(self, actor: Actor, job_id: uuid.UUID) -> Download:
        """The file of a finished export, for the person who asked for it."""
        job = self.jobs.get(actor, job_id)
        missing = NotFound(said("Job %(job_id)s has no file to download.", job_id=job_id))
        if job["kind"] != EXPORT or job["status"] != "succeeded" or actor.user_id is None:
            raise missing
        with self.store.read() as tx:
            row = tx.get_job(job_id)
        if row is None or row["user_id"] != actor.user_id:
            raise missing  # a manager may watch a member's export, not take its file
        result = job["result"] or {}
        extension, media_type = FILE_FORMATS[str(result.get("format", "gedcom7"))]
        filename = str(result.get("filename") or f"tree.{extension}")
        gone = NotFound(
            said(
                "The file of job %(job_id)s is no longer kept (exports wait %(number)s hours for their download): export again.",
                job_id=job_id,
                number=KEEP_FILES // 3600,
            )
        )
        if self.blobs is None:
            path = self.work.root / job_id.hex / f"export.{extension}"
            if not path.is_file():
                raise gone
            return Download(path, filename, media_type)
        key = _export_key(job_id, extension)
        if not self.blobs.exists(key):
            raise gone
        if self.blobs.serves_itself:
            return Download(self.blobs.path_of(key), filename, media_type)
        url = self.blobs.signed_get(
            key, expires_in=900, content_type=media_type, filename=filename, inline=False
        )
        return Download(None, filename, media_type, url)

    def sweep_shared(self) -> int:
        """Deletes the uploads and exports in the blob store older than ``KEEP_FILES`` (an
        upload's key starts with its time; an export is as old as the end of its job);
        returns how many."""
        if self.blobs is None:
            return 0
        cutoff = self.clock().timestamp() - KEEP_FILES
        gone = 0
        for key in list(self.blobs.keys(SHARED_PREFIX)):
            made = self._made_at(key)
            if made is not None and made < cutoff:
                self._forget(key)
                gone += 1
        return gone

    def _made_at(self, key: str) -> float | None:
        name = key.removeprefix(SHARED_PREFIX)
        kind, _, rest = name.partition("/")
        if kind == "uploads":
            stamp = rest.split("-", 1)[0]
            return float(stamp) if stamp.isdigit() else None
        if kind == "exports":
            try:
                job_id = uuid.UUID(hex=rest.split("/", 1)[0])
            except ValueError:
                return None
            with self.store.read() as tx:
                job = tx.get_job(job_id)
            if job is None:
                return 0.0  # its job is gone (with its tree): so is the need for its file
            ended = job["finished_at"]
            if ended is None:
                return None
            return float(ended.replace(tzinfo=ended.tzinfo or UTC).timestamp())
        return None

    @staticmethod
    def _tree_of(ctx: JobContext) -> uuid.UUID:
        if ctx.tree_id is None:
            raise NotFound(N_("The tree of this job no longer exists."))
        return ctx.tree_id


SHARED_PREFIX = "gedcom/"
HELD = "-held-"
"""Marks the copy of an upload kept for applying its preview (``GedcomJobs.hold``)."""


def _upload_key(key: str, now: datetime) -> str:
    return f"{SHARED_PREFIX}uploads/{int(now.timestamp())}-{key}"


def _export_key(job_id: uuid.UUID, extension: str) -> str:
    return f"{SHARED_PREFIX}exports/{job_id.hex}/export.{extension}"


def _actor(tx: StoreSession, user_id: uuid.UUID | None) -> Actor:
    """The person who started a job, as they stand now (an admin may have been demoted)."""
    row = tx.user_by_id(user_id) if user_id is not None else None
    if row is None:
        raise NotFound(N_("The account that started this job no longer exists."))
    return Actor(user_id=row["id"], is_admin=bool(row["is_admin"]), email=row["email"])


def _file_name(tree_name: str, extension: str) -> str:
    """A safe download name from the tree's name: letters, digits, dashes; never empty."""
    cleaned = "".join(c if c.isalnum() else "-" for c in tree_name).strip("-")
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    return f"{cleaned[:80] or 'tree'}.{extension}"
