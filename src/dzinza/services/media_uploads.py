"""Direct uploads: the client sends a file's bytes straight to signed URLs (S3 itself in
production, the local folder's own URLs in the embedded default), in parts of
``MediaSettings.part_bytes`` when it is larger than one part, and then asks Dzinza to complete
the upload. Dzinza never holds a large file in a request.

Resuming: ``status`` lists the parts the store holds and gives fresh URLs for the others, so a
client that lost its connection sends only what is missing. An upload not completed within
``upload_ttl`` is abandoned by ``expire`` (its parts deleted).

Completing checks what arrived (size, then the same content checks as any upload), moves it
under its content key and creates the media item, exactly as a one-request upload does.
"""

from __future__ import annotations

import hashlib
import logging
import math
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from dzinza.domain.errors import N_, Conflict, NotFound, PayloadTooLarge, ValidationFailed, said
from dzinza.ports import BlobStore, Row, SignedRequest, StoreSession, TreeStore, UploadedPart
from dzinza.services.access import tree_for
from dzinza.services.common import Actor
from dzinza.services.media import MediaService
from dzinza.services.media_files import safe_filename
from dzinza.services.media_store import MediaIntake, too_large, upload_key

log = logging.getLogger("dzinza.media")

MAX_PARTS = 10_000
"""S3's limit on the parts of one upload."""
OPEN, COMPLETED, ABORTED, EXPIRED = "open", "completed", "aborted", "expired"


class DirectUploads:
    def __init__(
        self, store: TreeStore, blobs: BlobStore, intake: MediaIntake, media: MediaService
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.intake = intake
        self.media = media
        self.settings = intake.settings

    def start(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        filename: str,
        size: int,
        content_type: str,
        details: Mapping[str, Any],
    ) -> dict[str, Any]:
        if size <= 0:
            raise ValidationFailed(N_("size must be the file's size in bytes (more than 0)."))
        if size > self.settings.max_file_bytes:
            raise PayloadTooLarge(too_large(self.settings.max_file_bytes))
        part_bytes = max(self.settings.part_bytes, math.ceil(size / MAX_PARTS))
        upload_id = uuid.uuid4()
        key = upload_key(upload_id)
        with self.store.read() as tx:
            tree_for(tx, tree_id, actor, write=True)
            self.intake.within_quota(tx, tree_id, size)
        multipart_id = None
        if size > part_bytes:
            multipart_id = self.blobs.start_multipart(key, content_type=content_type)
        now = self.intake.clock.now()
        with self.store.write() as tx:
            tree_for(tx, tree_id, actor, write=True)
            tx.insert(
                "media_upload",
                {
                    "id": upload_id,
                    "tree_id": tree_id,
                    "user_id": actor.user_id,
                    "filename": safe_filename(filename),
                    "content_type": content_type,
                    "size": size,
                    "blob_key": key,
                    "multipart_id": multipart_id,
                    "part_bytes": part_bytes,
                    "details": dict(details),
                    "status": OPEN,
                    "created_at": now,
                    "expires_at": now + self.settings.upload_ttl,
                },
            )
            row = tx.get("media_upload", upload_id)
        assert row is not None
        return self._view(row)

    def status(self, actor: Actor, upload_id: uuid.UUID) -> dict[str, Any]:
        """The upload with the parts received so far and fresh URLs for the others."""
        with self.store.read() as tx:
            row = self._own(tx, actor, upload_id)
        return self._view(row)

    def complete(self, actor: Actor, upload_id: uuid.UUID) -> tuple[dict[str, Any], bool]:
        """Checks the bytes that arrived and creates the media item. Completing twice returns
        the same item."""
        with self.store.read() as tx:
            row = self._own(tx, actor, upload_id, finished_ok=True)
        if row["status"] == COMPLETED:
            return self.media.get(actor, row["media_id"]), False
        key = row["blob_key"]
        if row["multipart_id"] is not None:
            received = self.blobs.parts(key, row["multipart_id"])
            expected = self._part_count(row)
            numbers = [p.number for p in received]
            if numbers != list(range(1, expected + 1)):
                missing = sorted(set(range(1, expected + 1)) - set(numbers))
                raise Conflict(
                    said(
                        "Parts %(ranges)s have not arrived yet; send them, then complete.",
                        ranges=_ranges(missing),
                    )
                )
            self.blobs.complete_multipart(key, row["multipart_id"], received)
        info = self.blobs.head(key)
        if info is None:
            raise Conflict(N_("The file has not arrived yet; send it to the upload URL first."))
        if info.size != row["size"]:
            self._discard(row)
            raise ValidationFailed(
                said(
                    "%(size)s bytes arrived where the upload announced %(size2)s; start again.",
                    size=info.size,
                    size2=row["size"],
                )
            )
        with self.intake.scratch() as folder:
            path = folder / "upload"
            self.blobs.download(key, path)
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                while chunk := fh.read(1024 * 1024):
                    digest.update(chunk)
            try:
                got = self.intake.check(path, digest.hexdigest(), info.size)
                view, created = self.media.create_with_file(
                    actor, row["tree_id"], got, row["filename"], row["details"]
                )
            except Exception:
                self._discard(row)
                raise
        self.blobs.delete(key)
        with self.store.write() as tx:
            tx.update(
                "media_upload", upload_id, {"status": COMPLETED, "media_id": uuid.UUID(view["id"])}
            )
        return view, created

    def abort(self, actor: Actor, upload_id: uuid.UUID) -> None:
        with self.store.read() as tx:
            row = self._own(tx, actor, upload_id)
        self._discard(row, ABORTED)

    def expire(self, limit: int = 100) -> int:
        """Abandons the uploads past their time; returns how many."""
        with self.store.read() as tx:
            rows = tx.uploads_expired(self.intake.clock.now(), limit)
        for row in rows:
            self._discard(row, EXPIRED)
        return len(rows)

    # -- helpers -------------------------------------------------------------------------------
    def _own(
        self, tx: StoreSession, actor: Actor, upload_id: uuid.UUID, *, finished_ok: bool = False
    ) -> Row:
        row = tx.get("media_upload", upload_id)
        if row is None or row["user_id"] != actor.user_id:
            raise NotFound(said("There is no upload with id %(upload_id)s.", upload_id=upload_id))
        tree_for(tx, row["tree_id"], actor, write=True)
        if row["status"] == OPEN and _aware(row["expires_at"]) <= self.intake.clock.now():
            raise Conflict(N_("This upload has expired; start a new one."))
        if row["status"] != OPEN and not (finished_ok and row["status"] == COMPLETED):
            raise Conflict(said("This upload is %(status)s.", status=row["status"]))
        return row

    def _discard(self, row: Row, status: str = ABORTED) -> None:
        try:
            if row["multipart_id"] is not None:
                self.blobs.abort_multipart(row["blob_key"], row["multipart_id"])
            self.blobs.delete(row["blob_key"])
        except Exception:
            log.exception("could not remove the parts of upload %s", row["id"])
        with self.store.write() as tx:
            tx.update("media_upload", row["id"], {"status": status})

    def _part_count(self, row: Row) -> int:
        return max(1, math.ceil(int(row["size"]) / int(row["part_bytes"])))

    def _view(self, row: Row) -> dict[str, Any]:
        ttl = self.settings.url_ttl_seconds * 4
        out: dict[str, Any] = {
            "id": str(row["id"]),
            "tree_id": str(row["tree_id"]),
            "filename": row["filename"],
            "size": row["size"],
            "status": row["status"],
            "expires_at": _aware(row["expires_at"]).isoformat(),
            "part_size": row["part_bytes"],
        }
        if row["multipart_id"] is None:
            got = self.blobs.head(row["blob_key"])
            received = [UploadedPart(1, got.size, got.etag)] if got is not None else []
            missing = [] if received else [1]
        else:
            received = self.blobs.parts(row["blob_key"], row["multipart_id"])
            have = {p.number for p in received}
            missing = [n for n in range(1, self._part_count(row) + 1) if n not in have]
        out["received"] = [{"number": p.number, "size": p.size} for p in received]
        out["parts"] = [self._part(row, n, ttl) for n in missing]
        return out

    def _part(self, row: Row, number: int, ttl: int) -> dict[str, Any]:
        size, part = row["size"], row["part_bytes"]
        length = min(part, size - (number - 1) * part)
        if row["multipart_id"] is None:
            req = self.blobs.signed_put(
                row["blob_key"], expires_in=ttl, content_type=row["content_type"], max_bytes=size
            )
        else:
            req = self.blobs.signed_part(
                row["blob_key"], row["multipart_id"], number, expires_in=ttl, max_bytes=length
            )
        return {"number": number, "offset": (number - 1) * part, "size": length} | _request(req)


def _request(req: SignedRequest) -> dict[str, Any]:
    return {
        "method": req.method,
        "url": req.url,
        "fields": dict(req.fields),
        "headers": dict(req.headers),
        "expires_at": req.expires_at.isoformat(),
    }


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes (stored in UTC).
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _ranges(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")
