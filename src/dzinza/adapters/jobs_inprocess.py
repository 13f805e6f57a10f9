"""The ``JobRunner`` of the embedded default: a small pool of threads in this process.

The threads are daemons, started as jobs arrive: a process that stops does not wait for a
long import to end. A job it drops stays queued or running in the store, and the next process
resumes it (``JobService.resume_unfinished``, called by bootstrap for the server).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid

from dzinza.ports import JobExecutor

log = logging.getLogger("dzinza.jobs")


class InProcessJobRunner:
    def __init__(self, execute: JobExecutor, workers: int = 1) -> None:
        self._execute = execute
        self._workers = max(1, workers)
        self._queue: queue.Queue[uuid.UUID | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def start(self, job_id: uuid.UUID) -> None:
        with self._lock:
            if self._closed:
                log.warning("the job runner is stopped: job %s stays queued", job_id)
                return
            self._threads = [t for t in self._threads if t.is_alive()]
            if len(self._threads) < self._workers:
                thread = threading.Thread(
                    target=self._work, name=f"dzinza-job-{len(self._threads) + 1}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            self._queue.put(job_id)

    def close(self, timeout: float = 30.0) -> None:
        with self._lock:
            self._closed = True
            threads, self._threads = self._threads, []
        # Jobs not started yet stay queued in the store: the next process resumes them.
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        for _ in threads:
            self._queue.put(None)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("a job is still running after %.0f s; leaving it", timeout)

    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                return
            try:
                self._execute(job_id)
            except Exception:
                # Whatever escapes the executor, the worker lives on for the next job.
                log.exception("job %s could not be run", job_id)
