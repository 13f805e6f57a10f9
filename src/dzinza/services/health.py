"""Liveness and readiness. Liveness (``/healthz``) asks nothing of anyone: the process answers.
Readiness (``/readyz``) checks each service a request may need (the database, the cache, the
search index, the object store and the job queue), all at once, each within a short timeout,
and names what failed: a load balancer then sends no traffic to a replica that cannot serve it,
and an operator reads why."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

Check = Callable[[], object]

TIMEOUT = 2.0
"""Seconds each check may take (a hung dependency must not hang the probe)."""


class Readiness:
    def __init__(self, checks: dict[str, Check], timeout: float = TIMEOUT) -> None:
        self.checks = checks
        self.timeout = timeout
        # Threads of their own: a check stuck past its timeout keeps its thread, not a request's.
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, len(checks)), thread_name_prefix="readyz"
        )

    def report(self) -> tuple[bool, dict[str, Any]]:
        """(ready, body): per check ``ok`` with its time in ms, or the error in a few words."""
        started = {name: time.monotonic() for name in self.checks}
        futures = {name: self._pool.submit(check) for name, check in self.checks.items()}
        wait(list(futures.values()), timeout=self.timeout)
        results: dict[str, Any] = {}
        for name, future in futures.items():
            if not future.done():
                results[name] = {"ok": False, "error": f"no answer within {self.timeout:g} s"}
                continue
            exc = future.exception()
            ms = round((time.monotonic() - started[name]) * 1000, 1)
            if exc is None:
                results[name] = {"ok": True, "ms": ms}
            else:
                results[name] = {"ok": False, "error": _short(exc)}
        ready = all(r["ok"] for r in results.values())
        failed = sorted(name for name, r in results.items() if not r["ok"])
        return ready, {
            "status": "ready" if ready else "not ready",
            "failed": failed,
            "checks": results,
        }

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__
