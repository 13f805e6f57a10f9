"""The cache on Redis, shared by every replica: ``RedisCache``.

URL: ``redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?OPTIONS]``, or ``rediss://...`` for TLS
(ElastiCache's in-transit encryption). OPTIONS are redis-py's own URL options
(``socket_timeout``, ``socket_connect_timeout``, ``health_check_interval``, ``max_connections``,
``ssl_cert_reqs``, ``ssl_ca_certs``, ``client_name``...), plus ``prefix``, which goes in front
of every key so that several deployments can share one Redis (``?prefix=dzinza:``).

A cache must never be what makes a request slow: connecting and every socket operation time
out after 0.5 s unless the URL says otherwise, and a connection error is retried once (a
stale pooled socket, a server restart), without waiting. Every error of redis-py becomes
``CacheUnavailable`` with a short message, and the next call tries again: redis-py's pool
reconnects by itself once the server is back, so no restart is needed. ``health_check_interval``
(30 s) PINGs a connection idle for longer before using it, so that one silently dropped by a
load balancer or a NAT is replaced instead of failing a request.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.retry import Retry

from dzinza.adapters.cache_memory import NOT_AN_INTEGER, OVERFLOW, check_ttl
from dzinza.ports import Cache, CacheUnavailable

SCHEMES = ("redis", "rediss")
DEFAULT_OPTIONS: dict[str, Any] = {
    "socket_timeout": 0.5,
    "socket_connect_timeout": 0.5,
    "health_check_interval": 30,
}
# Options that would make redis-py hand back str instead of the bytes the port promises.
_REFUSED_OPTIONS = ("decode_responses", "encoding", "encoding_errors")
_SECRET_OPTIONS = ("password",)
_MAX_MESSAGE = 200


def _retry() -> Retry:
    # One immediate retry, on ConnectionError only: enough to replace a pooled socket the
    # server closed (it restarted), without waiting. Timeouts are not retried: the server is
    # slow or gone, and a second 0.5 s would double the cost; nor would a retried INCRBY whose
    # first attempt reached the server be harmless.
    return Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))


def public_url(url: str) -> str:
    """The URL without its password (in the authority or in the query)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}@{host}" if user else host
    query = parse_qsl(parts.query, keep_blank_values=True)
    shown = urlencode([(k, v) for k, v in query if k not in _SECRET_OPTIONS], safe=":/")
    return urlunsplit((parts.scheme, netloc, parts.path, shown, ""))


def _short(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".replace("\n", " ")
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


class RedisCache:
    """The cache on the Redis server a ``redis://`` or ``rediss://`` URL names (see the module
    docstring). Nothing connects before the first call."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise ValueError(
                f"a Redis cache URL starts with redis:// or rediss://, not {parts.scheme!r}://"
            )
        query = parse_qsl(parts.query, keep_blank_values=True)
        refused = sorted({k for k, _ in query if k in _REFUSED_OPTIONS})
        if refused:
            raise ValueError(f"the cache stores bytes: option {', '.join(refused)} is refused")
        self.prefix = next((v for k, v in reversed(query) if k == "prefix"), "")
        self.url = public_url(url)
        # redis-py does not know `prefix`: the client gets the URL without it.
        client_url = urlunsplit(
            parts._replace(query=urlencode([(k, v) for k, v in query if k != "prefix"]))
        )
        # The URL's options win over these defaults (redis-py's rule for from_url).
        self._redis = redis.Redis.from_url(client_url, retry=_retry(), **DEFAULT_OPTIONS)
        pool = self._redis.connection_pool
        try:
            # redis-py passes an unknown URL option on to the connection, which refuses it (or
            # a bad ssl_cert_reqs) only when the first call connects; making one now (no socket
            # yet) reports it here.
            pool.connection_class(**pool.connection_kwargs)
        except (TypeError, RedisError) as e:
            self._redis.close()
            raise ValueError(f"bad option in the Redis cache URL {self.url}: {e}") from None

    def _key(self, key: str) -> str:
        return self.prefix + key

    @contextmanager
    def _call(self, what: str) -> Iterator[None]:
        try:
            yield
        except ResponseError as e:
            # The one refusal that is the caller's doing, not the server's state: INCRBY on a
            # key holding something else. Reported as the memory adapter does.
            if "not an integer" in str(e):
                raise ValueError(NOT_AN_INTEGER) from None
            if "overflow" in str(e):
                raise ValueError(OVERFLOW) from None
            raise CacheUnavailable(f"Redis cache {self.url}: {what}: {_short(e)}") from e
        except (RedisError, OSError) as e:
            # OSError too: redis-py wraps socket errors, but a TLS or file error may get past.
            raise CacheUnavailable(f"Redis cache {self.url}: {what}: {_short(e)}") from e

    @staticmethod
    def _expiry(ttl: float) -> tuple[int | None, int | None]:
        """SET's (EX, PX): whole seconds as EX, else milliseconds as PX, rounded up so that a
        short ttl never becomes zero (which Redis refuses)."""
        seconds = check_ttl(ttl)
        if seconds.is_integer():
            return int(seconds), None
        return None, math.ceil(seconds * 1000)

    def get(self, key: str) -> bytes | None:
        with self._call("get"):
            value = self._redis.get(self._key(key))
        # bytes: decode_responses is refused, so redis-py never makes str.
        return cast("bytes | None", value)

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []  # MGET with no key is a syntax error
        with self._call("get_many"):
            values = self._redis.mget([self._key(k) for k in keys])
        return cast("list[bytes | None]", values)

    def set(self, key: str, value: bytes, ttl: float) -> None:
        ex, px = self._expiry(ttl)
        with self._call("set"):
            self._redis.set(self._key(key), value, ex=ex, px=px)

    def add(self, key: str, value: bytes, ttl: float) -> bool:
        ex, px = self._expiry(ttl)
        with self._call("add"):
            done = self._redis.set(self._key(key), value, ex=ex, px=px, nx=True)
        return bool(done)

    def delete(self, *keys: str) -> None:
        if not keys:
            return  # DEL with no key is a syntax error
        with self._call("delete"):
            self._redis.delete(*(self._key(k) for k in keys))

    def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        name = self._key(key)
        if ttl is None:
            with self._call("incr"):
                value: int = self._redis.incrby(name, amount)
            return value
        ex, px = self._expiry(ttl)
        # One transaction: SET NX creates the counter at 0 with its expiry only when absent,
        # then INCRBY (which keeps an expiry) adds. Exactly "the ttl applies on creation",
        # with no window where another client sees a counter without its expiry.
        with self._call("incr"):
            pipe = self._redis.pipeline(transaction=True)
            pipe.set(name, b"0", ex=ex, px=px, nx=True)
            pipe.incrby(name, amount)
            results: list[Any] = pipe.execute()
        return int(results[1])

    def ttl(self, key: str) -> float | None:
        with self._call("ttl"):
            ms: int = self._redis.pttl(self._key(key))
        # -2: no such key; -1: no expiry.
        return None if ms < 0 else ms / 1000

    def ping(self) -> None:
        with self._call("ping"):
            self._redis.ping()

    def close(self) -> None:
        """Closes the pool's connections (a later call would open new ones)."""
        with self._call("close"):
            self._redis.close()


_check: type[Cache] = RedisCache
