"""Caching what is expensive to compute (charts, tree statistics), exactly invalidated.

Every cached value of a tree sits under that tree's current *version*, a random token kept in
the cache itself (``tree:<id>:v``). The store tells this module, after each write transaction
commits, which trees it changed (``TreeStore.on_trees_changed``); their version is replaced, so
every value cached under the old one is unreachable at once, on every replica sharing the cache
(Redis), and simply expires later. Random tokens, not counters: a version lost with an evicted
key or a restarted Redis is never reused, so no old value can come back.

A reader takes the version *before* it reads the database; a write that commits meanwhile
replaces the version after its commit, so a value computed from the old state is stored under
the old version and never served.

Stampedes: on a miss, one caller computes (it holds ``lock:<key>`` for a few seconds) while the
others wait briefly for its value, then compute it themselves rather than wait long.

Degradation: when the cache cannot be reached, every read is a miss, writes are dropped, and
the requests go on; it is counted, logged once a minute, and the cache is used again as soon as
it answers.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import orjson

from dzinza.ports import Cache, CacheUnavailable, Viewer

log = logging.getLogger("dzinza.cache")

T = TypeVar("T")

VERSION_TTL = 30 * 24 * 3600.0
"""A tree's version outlives its values; losing it only costs misses."""
LOCK_TTL = 10.0
WAIT_FOR_OTHER = 2.0
"""How long a caller waits for the one computing the same value before computing it too."""
POLL = 0.02


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    errors: int = 0
    invalidations: int = 0
    waits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)

    def view(self) -> dict[str, int]:
        with self.lock:
            return {
                "hits": self.hits,
                "misses": self.misses,
                "errors": self.errors,
                "invalidations": self.invalidations,
                "waits": self.waits,
            }


def scope_key(viewer: Viewer) -> str:
    """What of a tree the reader may see, as a key part: level, branch and the day's cutoff."""
    branch = f"{viewer.branch_root}.{viewer.branch_steps}" if viewer.branch_root else "-"
    return f"{viewer.level.value}.{branch}.{viewer.living_cutoff}"


class TreeCache:
    def __init__(self, cache: Cache, ttl: float = 3600.0) -> None:
        self.cache = cache
        self.ttl = ttl
        self.stats = CacheStats()
        self._last_error_log = 0.0

    # -- versions -------------------------------------------------------------------------------
    def trees_changed(self, tree_ids: Iterable[uuid.UUID]) -> None:
        """After a commit: every value cached for these trees is stale."""
        for tree_id in tree_ids:
            try:
                self.cache.set(_version_key(tree_id), _token().encode(), VERSION_TTL)
                self.stats.count("invalidations")
            except CacheUnavailable as exc:
                # Values cached before Redis went away expire by their TTL; none is written
                # meanwhile (reads and writes fail alike), so a stale one can only be one that
                # was cached under the old version before the outage.
                self._error(exc)

    def version(self, tree_id: uuid.UUID) -> str | None:
        """The tree's current version (made on first use); None when the cache is away."""
        key = _version_key(tree_id)
        try:
            found = self.cache.get(key)
            if found is not None:
                return found.decode()
            token = _token()
            if self.cache.add(key, token.encode(), VERSION_TTL):
                return token
            again = self.cache.get(key)
            return again.decode() if again is not None else None
        except CacheUnavailable as exc:
            self._error(exc)
            return None

    # -- values ---------------------------------------------------------------------------------
    def get_or_compute(
        self, tree_id: uuid.UUID, name: str, compute: Callable[[], T], version: str | None = None
    ) -> T:
        """The value cached as ``name`` for the tree's current version, or ``compute()`` (whose
        result must be JSON: it is stored as such). Pass ``version`` when it was taken before
        the reads ``compute`` depends on started."""
        version = version if version is not None else self.version(tree_id)
        if version is None:  # the cache is away
            self.stats.count("misses")
            return compute()
        key = f"tree:{tree_id}:{version}:{name}"
        try:
            found = self.cache.get(key)
            if found is not None:
                self.stats.count("hits")
                return orjson.loads(found)  # type: ignore[no-any-return]
            self.stats.count("misses")
            if not self.cache.add(f"lock:{key}", b"1", LOCK_TTL):
                waited = self._wait_for(key)
                if waited is not None:
                    return orjson.loads(waited)  # type: ignore[no-any-return]
        except CacheUnavailable as exc:
            self._error(exc)
            return compute()
        value = compute()
        try:
            self.cache.set(key, orjson.dumps(value), self.ttl)
            self.cache.delete(f"lock:{key}")
        except CacheUnavailable as exc:
            self._error(exc)
        return value

    def _wait_for(self, key: str) -> bytes | None:
        self.stats.count("waits")
        deadline = time.monotonic() + WAIT_FOR_OTHER
        while time.monotonic() < deadline:
            time.sleep(POLL)
            found = self.cache.get(key)
            if found is not None:
                return found
        return None

    def _error(self, exc: Exception) -> None:
        self.stats.count("errors")
        now = time.monotonic()
        if now - self._last_error_log > 60:
            self._last_error_log = now
            log.warning("the cache cannot be reached, carrying on without it: %s", exc)


def _version_key(tree_id: uuid.UUID) -> str:
    return f"tree:{tree_id}:v"


def _token() -> str:
    return secrets.token_hex(8)
