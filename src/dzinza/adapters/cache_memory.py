"""The cache in this process's memory: ``MemoryCache``, the embedded default (``memory``).

A least-recently-used map with a bound on its number of entries (10,000 unless told), each
entry with an optional expiry on the monotonic clock (wall-clock jumps never expire or revive
anything). One lock guards every operation, so that a counter's increments from many threads
add up. Nothing here can be unreachable: no method raises ``CacheUnavailable``.

``check_ttl`` is shared with the Redis adapter, so that both refuse the same ttls; a counter
that holds no integer, or would overflow 64 bits, is a ``ValueError`` in both, as Redis refuses
them.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from dzinza.ports import Cache

DEFAULT_MAX_ENTRIES = 10_000
_COUNTER = re.compile(rb"0|-?[1-9][0-9]{0,18}")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
NOT_AN_INTEGER = "the cache key holds a value that is not an integer"
OVERFLOW = "the cache counter would overflow 64 bits"


def check_ttl(ttl: float) -> float:
    """The ttl if it is a positive, finite number of seconds; ``ValueError`` otherwise (Redis
    refuses a zero or negative expiry, and "forever" is not what a cache entry should be)."""
    if isinstance(ttl, bool) or not isinstance(ttl, int | float):
        raise TypeError(f"a cache ttl is a number of seconds, not {type(ttl).__name__}")
    if not (math.isfinite(ttl) and ttl > 0):
        raise ValueError(f"a cache ttl must be a positive number of seconds, not {ttl!r}")
    return float(ttl)


def add_to_counter(value: bytes, amount: int) -> int:
    """The counter's new value: its bytes (decimal, as Redis keeps them) plus ``amount``.
    ``ValueError``, as Redis answers, for a key that holds something else or a result beyond
    64 bits."""
    # Not int(): it would accept " 5", "+5" and "1_000", which Redis refuses.
    if not _COUNTER.fullmatch(value):
        raise ValueError(NOT_AN_INTEGER)
    result = int(value) + amount
    if not _INT64_MIN <= result <= _INT64_MAX:
        raise ValueError(OVERFLOW)
    return result


class MemoryCache:
    """Bytes by key in a bounded LRU map; ``clock`` (seconds, monotonic) is for tests."""

    url = "memory"

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (value, expiry on the clock or None); the order is the order of last use,
        # least recent first.
        self._entries: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()

    def __len__(self) -> int:
        """Entries held, the expired ones not yet dropped included."""
        with self._lock:
            return len(self._entries)

    # -- helpers; the caller holds the lock -----------------------------------------------------

    def _live(self, key: str, now: float) -> tuple[bytes, float | None] | None:
        """The entry if present and unexpired (an expired one is dropped on the way)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires = entry[1]
        if expires is not None and expires <= now:
            del self._entries[key]
            return None
        return entry

    def _put(self, key: str, value: bytes, expires: float | None) -> None:
        self._entries[key] = (value, expires)
        self._entries.move_to_end(key)
        # Expired entries are not swept: they leave when read or when they become the least
        # recently used, which keeps every operation O(1).
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    # -- the port -------------------------------------------------------------------------------

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._live(key, self._clock())
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        with self._lock:
            now = self._clock()
            values: list[bytes | None] = []
            for key in keys:
                entry = self._live(key, now)
                if entry is not None:
                    self._entries.move_to_end(key)
                values.append(None if entry is None else entry[0])
            return values

    def set(self, key: str, value: bytes, ttl: float) -> None:
        seconds = check_ttl(ttl)
        # A copy: a caller's bytearray changed later must not change the cached value.
        data = bytes(value)
        with self._lock:
            self._put(key, data, self._clock() + seconds)

    def add(self, key: str, value: bytes, ttl: float) -> bool:
        seconds = check_ttl(ttl)
        data = bytes(value)
        with self._lock:
            now = self._clock()
            if self._live(key, now) is not None:
                return False
            self._put(key, data, now + seconds)
            return True

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)

    def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        seconds = None if ttl is None else check_ttl(ttl)
        with self._lock:
            now = self._clock()
            entry = self._live(key, now)
            if entry is None:
                # A new counter: the ttl starts its window.
                value = amount
                expires = None if seconds is None else now + seconds
            else:
                # An existing counter keeps its expiry, as INCRBY does in Redis.
                value = add_to_counter(entry[0], amount)
                expires = entry[1]
            self._put(key, str(value).encode("ascii"), expires)
            return value

    def ttl(self, key: str) -> float | None:
        with self._lock:
            now = self._clock()
            entry = self._live(key, now)
            if entry is None or entry[1] is None:
                return None
            return entry[1] - now

    def ping(self) -> None:
        return None

    def close(self) -> None:
        """Drops every entry (the memory is this process's; nothing else to release)."""
        with self._lock:
            self._entries.clear()


_check: type[Cache] = MemoryCache
