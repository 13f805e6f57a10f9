"""Chooses the cache from its URL: ``memory`` (``MemoryCache``, the embedded default; also
for no URL at all) or ``redis://...``/``rediss://...`` (``RedisCache``). See each adapter for
its options."""

from __future__ import annotations

from urllib.parse import urlsplit

from dzinza.adapters.cache_memory import MemoryCache
from dzinza.ports import Cache


def cache_from_url(url: str | None) -> Cache:
    """The cache a URL names; ``ValueError`` for any other kind of URL."""
    if url is None or url.strip() in ("", "memory"):
        return MemoryCache()
    scheme = urlsplit(url.strip()).scheme
    if scheme in ("redis", "rediss"):
        # Imported here: the embedded default never needs redis-py.
        from dzinza.adapters.cache_redis import RedisCache

        return RedisCache(url.strip())
    # Only the scheme is repeated: the rest of the URL may hold a password.
    raise ValueError(
        f"unsupported cache URL (scheme {scheme!r}): use memory (this process's memory, "
        "the default) or redis://[:PASSWORD@]HOST:PORT/DB (rediss:// for TLS)"
    )
