"""Outgoing mail: the messages are handed to the ``Mailer`` port on a background thread.

Two reasons for the thread. The answer to "send me a reset link" must take as long whether or not
the address has an account (otherwise the timing tells), and a slow or unreachable SMTP server
must not hold a request. A message that cannot be sent is logged, never raised to the person: the
link can be asked for again.
"""

from __future__ import annotations

import logging
import queue
import threading

from dzinza.ports import Mailer

log = logging.getLogger("dzinza.mail")

_Message = tuple[str, str, str]


class NoMailer:
    """Used when no mailer is configured (a platform assembled in code): says what it drops."""

    def send(self, to: str, subject: str, text: str) -> None:
        log.warning("no mailer configured: the message %r to %s was not sent", subject, to)


class Outbox:
    """Messages queued for one worker thread, started on the first message."""

    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer
        self._queue: queue.Queue[_Message | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()

    def post(self, to: str, subject: str, text: str) -> None:
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                # A daemon: a hung SMTP server must not keep the process from exiting.
                self._worker = threading.Thread(target=self._run, name="dzinza-mail", daemon=True)
                self._worker.start()
            self._queue.put((to, subject, text))

    def flush(self) -> None:
        """Waits until every queued message was handed to the mailer (or failed)."""
        self._queue.join()

    def close(self, timeout: float = 30.0) -> None:
        """Sends what is queued, then stops the worker."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None and worker.is_alive():
            self._queue.put(None)
            worker.join(timeout)

    def _run(self) -> None:
        while True:
            message = self._queue.get()
            try:
                if message is None:
                    return
                to, subject, text = message
                try:
                    self.mailer.send(to, subject, text)
                except Exception:
                    # Whatever the mailer raises, the worker must live on for the next message.
                    log.exception("could not send the message %r to %s", subject, to)
            finally:
                self._queue.task_done()
