"""The clean-up of stored files, run by the server every ``interval``: direct uploads past their
time are abandoned, the blobs of contents no media item has held for the grace period are
deleted, and so are GEDCOM uploads and exports nobody came back for. ``dzinza media gc`` runs
the same round from the command line (or a CronJob)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from dzinza.services.media import MediaService
from dzinza.services.media_uploads import DirectUploads

log = logging.getLogger("dzinza.media")


def clean_up(
    media: MediaService,
    uploads: DirectUploads,
    grace: timedelta | None = None,
    sweeps: Sequence[Callable[[], int]] = (),
) -> dict[str, Any]:
    """One round; returns what it did."""
    expired = uploads.expire()
    deleted = media.collect_garbage(grace=grace)
    swept = sum(sweep() for sweep in sweeps)
    return {"uploads_expired": expired, "contents_deleted": deleted, "files_swept": swept}


class MediaJanitor:
    def __init__(
        self,
        media: MediaService,
        uploads: DirectUploads,
        sweeps: Sequence[Callable[[], int]] = (),
        interval: float = 3600.0,
    ) -> None:
        self.media = media
        self.uploads = uploads
        self.sweeps = sweeps
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="dzinza-media-janitor", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        # The first round waits a while: a server that starts is busy enough.
        while not self._stop.wait(self.interval):
            try:
                done = clean_up(self.media, self.uploads, sweeps=self.sweeps)
                if any(done.values()):
                    log.info("media clean-up: %s", done)
            except Exception:  # the database or the bucket away for a moment: next round
                log.exception("media clean-up round failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
