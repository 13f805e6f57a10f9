"""Photos and documents: media items with their stored files. Uploading in one request,
processing (scan, derivatives) as a background job, signed URLs for delivery, people tagged on
photos and a person's primary photo, and deleting the bytes no item needs any more.

The metadata of an item (title, date, description, links) is handled like any simple record
(``RecordService``); this service adds the file. Who may see an item is the privacy engine's
decision (``adapters/sql/privacy.media_hidden``): an item attached to, or showing, someone the
reader may not see is not found. Beyond that, the original file and where and with what camera a
photo was taken are for the tree's members only: anyone else gets the derivatives, which carry
no metadata at all.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from dzinza.domain.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed, said
from dzinza.ports import BlobStore, Row, StoreSession, TreeStore, ViewerLevel
from dzinza.services import views
from dzinza.services.access import record_for, same_tree, tree_for
from dzinza.services.common import Actor, check_if_match, jsonable
from dzinza.services.jobs import JobContext, JobService
from dzinza.services.media_files import DERIVATIVE_SIZES, derivatives, safe_filename, sniff
from dzinza.services.media_store import (
    IMMUTABLE,
    MediaIntake,
    Received,
    derivative_key,
    original_key,
)
from dzinza.services.records import RecordService

log = logging.getLogger("dzinza.media")

PROCESS = "media.process"
"""The job that scans a stored file and makes its derivatives."""
VARIANTS = ("original", *DERIVATIVE_SIZES, "preview")
FILE_COLUMNS = ("sha256", "size", "kind", "original_name", "status", "problem")
MEMBERS_ONLY = ("latitude", "longitude", "camera")


@dataclass(frozen=True)
class FileLink:
    url: str
    expires_at: datetime
    variant: str


class MediaService(RecordService):
    def __init__(
        self, store: TreeStore, jobs: JobService, blobs: BlobStore, intake: MediaIntake
    ) -> None:
        super().__init__(store, "media")
        self.jobs = jobs
        self.blobs = blobs
        self.intake = intake
        self.clock = intake.clock
        jobs.register(PROCESS, self._process)

    # -- views ---------------------------------------------------------------------------------
    def row_view(self, row: Row) -> dict[str, Any]:
        return media_view(row, members=False)

    def view(self, tx: StoreSession, row: Row) -> dict[str, Any]:
        members = tx.viewer.level is not ViewerLevel.GUEST
        out = media_view(row, members=members) | views.links(tx.links_to("media", row["id"]))
        out["tags"] = [tag_view(tag) for tag in tx.tags_of(row["id"])]
        return out

    def update(
        self, actor: Actor, record_id: uuid.UUID, data: Mapping[str, Any], if_match: str | None
    ) -> dict[str, Any]:
        if {"file", "mime_type"} & set(data):
            with self.store.read() as tx:
                row, _ = record_for(tx, "media", record_id, actor)
            if row["sha256"] is not None:
                # The type of a stored file is what its content is: it decides how the file is
                # served, so it is never taken from anyone's word.
                raise ValidationFailed(
                    N_(
                        "The file and type of a stored file cannot be changed; upload another file."
                    ),
                    errors=[{"field": "mime_type", "message": "read from the content"}],
                )
        return super().update(actor, record_id, data, if_match)

    # -- uploading -----------------------------------------------------------------------------
    def upload(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        source: BinaryIO,
        filename: str,
        details: Mapping[str, Any],
    ) -> tuple[dict[str, Any], bool]:
        """Stores a file sent in one request and creates its media item (or, for content the
        tree holds already, returns that item). Returns (view, created)."""
        with self.store.read() as tx:
            tree_for(tx, tree_id, actor, write=True)
        limit = min(self.intake.settings.form_max_bytes, self.intake.settings.max_file_bytes)
        with self.intake.spooled(source, limit) as (path, sha256, size):
            got = self.intake.check(path, sha256, size)
            return self.create_with_file(actor, tree_id, got, filename, details)

    def create_with_file(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        got: Received,
        filename: str,
        details: Mapping[str, Any],
    ) -> tuple[dict[str, Any], bool]:
        """The second half of every upload: quota, de-duplication, the blob, the item, the job."""
        name = safe_filename(filename or f"file{got.inspection.detected.extension}")
        with self.store.read() as tx:
            tree_for(tx, tree_id, actor, write=True)
            existing = tx.media_with_sha(tree_id, got.sha256)
            if existing is not None:
                return self.view(tx, existing), False
            self.intake.within_quota(tx, tree_id, got.size)
        key = self.intake.store_original(got)
        try:
            with self.store.write() as tx:
                tree_for(tx, tree_id, actor, write=True)
                existing = tx.media_with_sha(tree_id, got.sha256)
                if existing is not None:  # the same file, uploaded twice at once
                    return self.view(tx, existing), False
                self.intake.within_quota(tx, tree_id, got.size)
                data = {"title": details.get("title") or _stem(name), **_metadata(details)}
                media_id = self.insert(tx, tree_id, {**data, "file": name})
                tx.update("media", media_id, self.intake.file_columns(got, name))
                tx.adopt_contents([got.sha256])
                # A clean-up may have deleted the bytes between the check above and the
                # adoption (the content had been orphaned); the adoption now keeps them.
                if not self.blobs.exists(key):
                    self.intake.store_original(got)
                row = tx.get("media", media_id)
                assert row is not None
                view = self.view(tx, row)
        except BaseException:
            self._forget_if_unused(got.sha256)
            raise
        self.jobs.submit(
            PROCESS, {"media_id": str(media_id)}, user_id=actor.user_id, tree_id=tree_id
        )
        return view, True

    def _forget_if_unused(self, sha256: str) -> None:
        """After a failed upload: its blob goes on the deletion list unless an item uses it."""
        try:
            with self.store.write() as tx:
                tx.orphan_unused([sha256], self.clock.now())
        except Exception:
            log.exception("could not list the blob of a failed upload for deletion")

    # -- processing (a job) --------------------------------------------------------------------
    def _process(self, ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        media_id = uuid.UUID(params["media_id"])
        with self.store.read() as tx:
            row = tx.get("media", media_id)
        if row is None or row["sha256"] is None:
            return {"media_id": str(media_id), "status": "gone"}
        sha256 = row["sha256"]
        with self.intake.scratch() as folder:
            path = folder / "original"
            try:
                self.blobs.download(original_key(sha256), path)
            except KeyError:
                return self._finish(media_id, sha256, "rejected", "The stored file is missing.")
            ctx.progress(1, 3, "scanning")
            found = self.intake.scanner.scan(path)
            if found is not None:
                log.warning(
                    "media %s refused by the %s scanner: %s",
                    media_id,
                    self.intake.scanner.name,
                    found,
                )
                return self._finish(
                    media_id,
                    sha256,
                    "rejected",
                    f"The virus scanner found {found}; the file was removed.",
                )
            ctx.progress(2, 3, "making thumbnails")
            made = self._derive(path, sha256)
        return self._finish(media_id, sha256, "ready", "", made)

    def _derive(self, path: Path, sha256: str) -> dict[str, Any]:
        with path.open("rb") as fh:
            detected = sniff(fh.read(8192))
        made: dict[str, Any] = {}
        for item in derivatives(path, detected, self.intake.settings.limits):
            key = derivative_key(sha256, item.name)
            if not self.blobs.exists(key):
                self.blobs.put(key, item.data, content_type=item.mime, cache_control=IMMUTABLE)
            made[item.name] = {
                "key": key,
                "width": item.width,
                "height": item.height,
                "mime": item.mime,
            }
        return made

    def _finish(
        self,
        media_id: uuid.UUID,
        sha256: str,
        status: str,
        problem: str,
        made: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        with self.store.write() as tx:
            row = tx.get("media", media_id)
            if row is None or row["sha256"] != sha256:
                return {"media_id": str(media_id), "status": "gone"}
            tx.update(
                "media", media_id, {"status": status, "problem": problem, "derivatives": made}
            )
            if status == "rejected":
                # Never served: the item stays so that its owner sees why, the bytes go.
                tx.update("media", media_id, {"sha256": None, "size": None})
                tx.orphan_unused([sha256], self.clock.now())
        return {"media_id": str(media_id), "status": status, "variants": sorted(made or {})}

    # -- delivery ------------------------------------------------------------------------------
    def file_link(
        self, actor: Actor, media_id: uuid.UUID, variant: str, *, download: bool = False
    ) -> FileLink:
        """A signed, expiring URL of one variant of the item's file."""
        if variant not in VARIANTS:
            raise ValidationFailed(
                said("variant must be one of %(choices)s.", choices=", ".join(VARIANTS))
            )
        row, members = self._readable(actor, media_id)
        if row["sha256"] is None:
            raise NotFound(N_("This media item has no stored file."))
        if row["status"] != "ready":
            raise Conflict(
                "The file is still being processed; try again in a moment."
                if row["status"] == "processing"
                else f"The file was refused: {row['problem']}"
            )
        if variant == "original" and not members:
            raise Forbidden(
                N_(
                    "The original file is for the tree's members; others see its thumbnails, "
                    "which carry no location or camera details."
                )
            )
        link = self._sign(row, variant, download)
        if link is None:
            raise NotFound(said("This file has no %(variant)s version.", variant=variant))
        return link

    def file_links(self, actor: Actor, media_id: uuid.UUID) -> dict[str, Any]:
        """Every variant the reader may have, each a signed URL (for pages and galleries)."""
        row, members = self._readable(actor, media_id)
        names = [v for v in VARIANTS if v != "original" and v in (row["derivatives"] or {})]
        if members and row["sha256"] is not None:
            names.insert(0, "original")
        links: dict[str, Any] = {}
        if row["status"] == "ready":
            for name in names:
                link = self._sign(row, name, download=False)
                if link is not None:
                    links[name] = {"url": link.url, "expires_at": link.expires_at.isoformat()}
        return {"id": str(media_id), "status": row["status"], "urls": links}

    def _readable(self, actor: Actor, media_id: uuid.UUID) -> tuple[Row, bool]:
        """The item if the reader may see it (else 404), and whether they are a member."""
        with self.store.read() as tx:
            row, _ = record_for(tx, "media", media_id, actor)
            return row, tx.viewer.level is not ViewerLevel.GUEST

    def _sign(self, row: Row, variant: str, download: bool) -> FileLink | None:
        """A signed URL of a variant of a ready file (None: it has no such variant). Who may
        have it is the caller's to check."""
        ttl = self.intake.settings.url_ttl_seconds
        now = self.clock.now()
        name = row["original_name"] or "file"
        if variant == "original":
            url = self.blobs.signed_get(
                original_key(row["sha256"]),
                expires_in=ttl,
                content_type=row["mime_type"] or None,
                filename=name,
                inline=not download,
            )
        else:
            made = _nearest(row["derivatives"] or {}, variant)
            if made is None:
                return None
            url = self.blobs.signed_get(
                made["key"],
                expires_in=ttl,
                content_type=made["mime"],
                # Shown inline, a thumbnail needs no name, and may then come from the CDN.
                filename=f"{_stem(name)}-{variant}.jpg" if download else None,
                inline=not download,
                cdn=True,
            )
        return FileLink(url, now + timedelta(seconds=ttl), variant)

    # -- tags and the primary photo ------------------------------------------------------------
    def tag(
        self,
        actor: Actor,
        media_id: uuid.UUID,
        person_id: uuid.UUID,
        region: Mapping[str, float],
        if_match: str | None = None,
    ) -> dict[str, Any]:
        with self.store.write() as tx:
            row, tree = record_for(tx, "media", media_id, actor, write=True)
            check_if_match(if_match, self.view(tx, row))
            if row["kind"] not in ("image", ""):
                raise ValidationFailed(N_("People can be tagged on photos only."))
            same_tree(tx, "person", person_id, tree["id"], "person_id")
            x, y, w, h = (float(region[k]) for k in ("x", "y", "w", "h"))
            if x + w > 1.0 + 1e-9 or y + h > 1.0 + 1e-9:
                raise ValidationFailed(
                    N_("The region must lie within the photo (x + w and y + h at most 1).")
                )
            values = {"x": x, "y": y, "w": w, "h": h}
            existing = tx.tag_of(media_id, person_id)
            if existing is not None:
                tx.update("media_tag", existing["id"], values)
            else:
                tx.insert(
                    "media_tag",
                    {"tree_id": tree["id"], "media_id": media_id, "person_id": person_id, **values},
                )
            tx.touch("media", media_id)
            fresh = tx.get("media", media_id)
            assert fresh is not None
            return self.view(tx, fresh)

    def untag(
        self, actor: Actor, media_id: uuid.UUID, person_id: uuid.UUID, if_match: str | None = None
    ) -> None:
        with self.store.write() as tx:
            row, _ = record_for(tx, "media", media_id, actor, write=True)
            check_if_match(if_match, self.view(tx, row))
            existing = tx.tag_of(media_id, person_id)
            if existing is None:
                raise NotFound(N_("That person is not tagged on this photo."))
            tx.delete("media_tag", existing["id"])
            tx.touch("media", media_id)

    def set_primary(
        self, actor: Actor, person_id: uuid.UUID, media_id: uuid.UUID | None
    ) -> dict[str, Any]:
        """Makes a photo linked to the person their primary photo (None: no primary photo)."""
        with self.store.write() as tx:
            record_for(tx, "person", person_id, actor, write=True)
            if media_id is not None:
                media, _ = record_for(tx, "media", media_id, actor)
                if media["kind"] not in ("image", ""):
                    raise ValidationFailed(N_("A primary photo must be a photo."))
            if not tx.set_primary_media(person_id, media_id):
                raise ValidationFailed(
                    N_("Link the media item to the person first (POST /api/v1/media/{id}/links).")
                )
            tx.touch("person", person_id)
            return {"person_id": str(person_id), "media_id": str(media_id) if media_id else None}

    def link_as_primary(
        self, actor: Actor, person_id: uuid.UUID, media_id: uuid.UUID
    ) -> dict[str, Any]:
        """Links a photo to the person (unless it is already) and makes it their primary photo,
        in one transaction: both happen, or neither (the web page's "make primary photo")."""
        with self.store.write() as tx:
            record_for(tx, "person", person_id, actor, write=True)
            media, tree = record_for(tx, "media", media_id, actor, write=True)
            if media["kind"] not in ("image", ""):
                raise ValidationFailed(N_("A primary photo must be a photo."))
            same_tree(tx, "person", person_id, tree["id"], "person_id")
            tx.link("media", media_id, "person", person_id, tree["id"])
            tx.touch("media", media_id)
            tx.set_primary_media(person_id, media_id)
            tx.touch("person", person_id)
            return {"person_id": str(person_id), "media_id": str(media_id)}

    def primary_of(self, actor: Actor, person_id: uuid.UUID) -> dict[str, Any]:
        with self.store.read() as tx:
            record_for(tx, "person", person_id, actor)
            media_id = tx.primary_media_of(person_id)
            if media_id is not None and not tx.visible("media", media_id):
                media_id = None
            row = tx.get("media", media_id) if media_id is not None else None
            return {
                "person_id": str(person_id),
                "media": self.view(tx, row) if row is not None else None,
            }

    # -- clean-up ------------------------------------------------------------------------------
    def collect_garbage(self, limit: int = 1000, *, grace: timedelta | None = None) -> int:
        """Deletes the blobs of contents no item has held for the grace period; returns how many
        contents went. Each is re-checked in the transaction that takes it off the list, so an
        upload or an undo that took it back meanwhile keeps it."""
        before = self.clock.now() - (self.intake.settings.orphan_grace if grace is None else grace)
        with self.store.read() as tx:
            due = tx.orphans_due(before, limit)
        gone = 0
        for sha256 in due:
            with self.store.write() as tx:
                tx.adopt_contents([sha256])  # locks the entry until this transaction ends
                if tx.sha_in_use(sha256):
                    continue
                for key in content_keys(sha256):
                    self.blobs.delete(key)
            gone += 1
        if gone:
            log.info("deleted the files of %d content(s) no media item holds", gone)
        return gone


def _nearest(made: Mapping[str, Any], variant: str) -> Any:
    """The variant asked for, else the next smaller one (a small photo has no large version:
    derivatives are never enlarged)."""
    order = [*DERIVATIVE_SIZES, "preview"]
    if variant in made:
        return made[variant]
    if variant not in DERIVATIVE_SIZES:
        return None
    smaller = [made[n] for n in order[: order.index(variant)] if n in made]
    return smaller[-1] if smaller else None


def content_keys(sha256: str) -> list[str]:
    """Every blob a content may occupy: the original and each derivative."""
    return [
        original_key(sha256),
        *(derivative_key(sha256, n) for n in (*DERIVATIVE_SIZES, "preview")),
    ]


def media_view(row: Row, *, members: bool) -> dict[str, Any]:
    out = {
        k: jsonable(v) for k, v in row.items() if k not in ("derivatives", *MEMBERS_ONLY, "sha256")
    }
    if row.get("sha256") is not None or row.get("status"):
        made = row.get("derivatives") or {}
        out["variants"] = (["original"] if members else []) + [v for v in VARIANTS if v in made]
        out["dimensions"] = {
            name: {"width": d["width"], "height": d["height"]} for name, d in made.items()
        }
    if members:
        out.update({k: row.get(k) for k in MEMBERS_ONLY})
    return out


def tag_view(tag: Row) -> dict[str, Any]:
    return {
        "person_id": str(tag["person_id"]),
        "display_name": tag["display_name"],
        "region": {k: tag[k] for k in ("x", "y", "w", "h")},
    }


def _metadata(details: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: details[k]
        for k in ("description", "date", "targets")
        if details.get(k) not in (None, "", [])
    }


def _stem(name: str) -> str:
    stem, dot, _ = name.rpartition(".")
    return stem if dot and stem else name
