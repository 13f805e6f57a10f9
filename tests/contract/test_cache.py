"""The two caches against one contract: this process's memory (``MemoryCache``, on a fake
clock) and Redis (``RedisCache``, on the test server), plus what only one of them does (the
LRU bound; URL options, key prefixes, a password kept out of sight, and degradation when the
server is gone and back).

The Redis server comes from ``DZINZA_TEST_REDIS_URL`` (``scripts/services.sh redis-start``
prints it; ``make test`` sets it). Without it the Redis half skips, except under ``CI=true``,
where that is a failure. Each test gets key prefixes of its own (``?prefix=``) and deletes its
keys at the end, so tests never collide, in parallel workers either. Expiry on Redis is real
time, so its ttls are short (0.2 s). The restart test runs a redis-server of its own on a free
port (the binary must be installed: a failure under CI, else a skip).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import redis

from dzinza.adapters.cache import cache_from_url
from dzinza.adapters.cache_memory import MemoryCache
from dzinza.adapters.cache_redis import RedisCache
from dzinza.ports import Cache, CacheUnavailable
from tests.conftest import in_ci

KINDS = ["memory", pytest.param("redis", marks=pytest.mark.redis)]
SHORT = 0.2
"""A ttl that real time goes past quickly (Redis expires to the millisecond)."""
PAST_SHORT = SHORT + 0.15
EPSILON = 1e-6
"""Room for the fake clock's float arithmetic (1000.2 - 1000 is not quite 0.2)."""
MiB = 1024 * 1024


def as_port(cache: MemoryCache | RedisCache) -> Cache:
    """Both adapters are Caches (checked by mypy, structurally)."""
    return cache


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def with_query(url: str, **options: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *options.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def free_port() -> int:
    """A port nothing listens on (the kernel's choice; closed again at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the caches ---------------------------------------------------------------------------------


class RedisCaches:
    """Makes RedisCaches on the test server, each with a prefix of its own, and deletes every
    key under those prefixes at the end (never anything else on the server)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefixes: list[str] = []
        self.caches: list[RedisCache] = []

    def new(self, **options: str) -> RedisCache:
        prefix = f"dzinza-test:{uuid.uuid4().hex}:"
        self.prefixes.append(prefix)
        cache = RedisCache(with_query(self.url, prefix=prefix, **options))
        self.caches.append(cache)
        return cache

    def raw(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def clean(self) -> None:
        raw = self.raw()
        try:
            for prefix in self.prefixes:
                keys = list(raw.scan_iter(match=f"{prefix}*", count=1000))
                if keys:
                    raw.delete(*keys)
        finally:
            raw.close()
            for cache in self.caches:
                cache.close()


@pytest.fixture
def redis_caches(redis_url: str) -> Iterator[RedisCaches]:
    caches = RedisCaches(redis_url)
    yield caches
    caches.clean()


@dataclass
class Subject:
    """A cache, and how to let time pass for it (the fake clock, or real time for Redis)."""

    cache: Cache
    elapse: Callable[[float], None]
    kind: str


@pytest.fixture(params=KINDS)
def subject(request: pytest.FixtureRequest) -> Subject:
    if request.param == "memory":
        clock = FakeClock()
        return Subject(as_port(MemoryCache(clock=clock)), clock.advance, "memory")
    caches: RedisCaches = request.getfixturevalue("redis_caches")
    return Subject(as_port(caches.new()), time.sleep, "redis")


# -- the contract -------------------------------------------------------------------------------


def test_get_set_and_expiry(subject: Subject) -> None:
    cache = subject.cache
    assert cache.get("absent") is None
    cache.set("k", b"value", SHORT)
    assert cache.get("k") == b"value"
    left = cache.ttl("k")
    assert left is not None
    assert 0 < left <= SHORT + EPSILON
    subject.elapse(PAST_SHORT)
    assert cache.get("k") is None
    assert cache.ttl("k") is None


def test_set_replaces_the_value_and_the_ttl(subject: Subject) -> None:
    cache = subject.cache
    cache.set("k", b"old", 3600)
    cache.set("k", b"new", SHORT)
    assert cache.get("k") == b"new"
    subject.elapse(PAST_SHORT)
    assert cache.get("k") is None


def test_ttl_of_whole_and_fractional_seconds(subject: Subject) -> None:
    cache = subject.cache
    assert cache.ttl("absent") is None
    cache.set("whole", b"v", 3600)
    cache.set("fraction", b"v", 90.5)
    whole, fraction = cache.ttl("whole"), cache.ttl("fraction")
    assert whole is not None
    assert 3590 < whole <= 3600
    assert fraction is not None
    assert 90 < fraction <= 90.5


def test_ttl_counts_down(subject: Subject) -> None:
    cache = subject.cache
    cache.set("k", b"v", 10)
    subject.elapse(0.1)
    left = cache.ttl("k")
    assert left is not None
    assert 9 < left <= 9.9 + EPSILON


@pytest.mark.parametrize("ttl", [0, -1, float("inf"), float("nan")])
def test_a_ttl_must_be_positive_and_finite(subject: Subject, ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        subject.cache.set("k", b"v", ttl)
    with pytest.raises(ValueError, match="ttl"):
        subject.cache.add("k", b"v", ttl)
    with pytest.raises(ValueError, match="ttl"):
        subject.cache.incr("k", 1, ttl)
    assert subject.cache.get("k") is None


def test_a_ttl_is_a_number(subject: Subject) -> None:
    with pytest.raises(TypeError, match="ttl"):
        subject.cache.set("k", b"v", "60")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ttl"):
        subject.cache.incr("k", 1, True)


def test_get_many(subject: Subject) -> None:
    cache = subject.cache
    cache.set("a", b"1", 3600)
    cache.set("c", b"3", 3600)
    assert cache.get_many(["a", "b", "c", "a"]) == [b"1", None, b"3", b"1"]
    assert cache.get_many([]) == []
    cache.set("short", b"s", SHORT)
    subject.elapse(PAST_SHORT)
    assert cache.get_many(["short", "a"]) == [None, b"1"]


def test_add_only_once_then_again_after_expiry(subject: Subject) -> None:
    cache = subject.cache
    assert cache.add("lock", b"first", SHORT) is True
    assert cache.add("lock", b"second", SHORT) is False
    assert cache.get("lock") == b"first"
    subject.elapse(PAST_SHORT)
    assert cache.add("lock", b"third", 3600) is True
    assert cache.get("lock") == b"third"
    cache.delete("lock")
    assert cache.add("lock", b"fourth", 3600) is True


def test_delete(subject: Subject) -> None:
    cache = subject.cache
    for key in ("a", "b", "c"):
        cache.set(key, key.encode(), 3600)
    cache.delete("a", "c", "never-there")
    assert cache.get_many(["a", "b", "c"]) == [None, b"b", None]
    cache.delete()  # no key: nothing to do
    cache.delete("b")
    assert cache.get("b") is None


def test_incr_creates_at_zero_and_ttl_applies_on_creation_only(subject: Subject) -> None:
    cache = subject.cache
    assert cache.incr("hits", ttl=SHORT) == 1
    assert cache.incr("hits", 4, ttl=3600) == 5
    left = cache.ttl("hits")
    assert left is not None
    assert left <= SHORT + EPSILON  # the second ttl did not extend the window
    assert cache.get("hits") == b"5"  # kept as decimal bytes, as Redis does
    subject.elapse(PAST_SHORT)
    assert cache.get("hits") is None
    assert cache.incr("hits", ttl=SHORT) == 1  # a new window


def test_incr_without_ttl(subject: Subject) -> None:
    cache = subject.cache
    assert cache.incr("n") == 1
    assert cache.incr("n", -3) == -2
    assert cache.incr("n", 0) == -2
    assert cache.ttl("n") is None
    cache.set("counter", b"41", SHORT)
    assert cache.incr("counter") == 42  # a value set as decimal bytes counts on ...
    left = cache.ttl("counter")
    assert left is not None
    assert left <= SHORT + EPSILON  # ... and keeps its expiry


def test_incr_of_a_value_that_is_no_integer(subject: Subject) -> None:
    cache = subject.cache
    for value in (b"abc", b"1.5", b" 5", b"+5", b"1_000", b"\xff", b""):
        cache.set("k", value, 3600)
        with pytest.raises(ValueError, match="not an integer"):
            cache.incr("k")
        with pytest.raises(ValueError, match="not an integer"):
            cache.incr("k", 2, ttl=60)
        assert cache.get("k") == value
    cache.set("big", str(2**63 - 1).encode(), 3600)
    with pytest.raises(ValueError, match="overflow"):
        cache.incr("big")
    assert cache.incr("big", -1) == 2**63 - 2


def test_concurrent_increments_add_up(subject: Subject) -> None:
    cache = subject.cache
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(100):
                cache.incr("shared", ttl=3600)
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert cache.get("shared") == b"800"


@pytest.mark.parametrize(
    "value",
    [b"", bytes(range(256)), b"\x00\r\n\x00", "Ĉiuĵaŭde 🌳".encode(), b"-1", b"*3\r\n$3\r\nSET"],
    ids=["empty", "all-bytes", "nul-crlf", "utf8", "number", "resp"],
)
def test_bytes_values(subject: Subject, value: bytes) -> None:
    cache = subject.cache
    cache.set("k", value, 3600)
    assert cache.get("k") == value
    assert cache.get_many(["k"]) == [value]
    assert cache.add("k2", value, 3600) is True
    assert cache.get("k2") == value


def test_keys_are_any_text(subject: Subject) -> None:
    cache = subject.cache
    keys = ["with space", "ünïcödé:🌳", "a*b?[c]", "x" * 500]
    for i, key in enumerate(keys):
        cache.set(key, str(i).encode(), 3600)
    assert cache.get_many(keys) == [b"0", b"1", b"2", b"3"]


def test_large_values(subject: Subject) -> None:
    cache = subject.cache
    value = os.urandom(MiB)
    cache.set("big", value, 3600)
    assert cache.get("big") == value
    assert cache.get_many(["big", "none"]) == [value, None]


def test_ping_and_close(subject: Subject) -> None:
    subject.cache.ping()
    subject.cache.close()
    subject.cache.close()  # twice is fine


# -- memory only --------------------------------------------------------------------------------


def test_memory_keeps_the_most_recently_used_entries() -> None:
    cache = MemoryCache(max_entries=3, clock=FakeClock())
    for key in ("a", "b", "c"):
        cache.set(key, key.encode(), 3600)
    assert cache.get("a") == b"a"  # a is now the most recent: b is the least
    cache.set("d", b"d", 3600)
    assert len(cache) == 3
    assert cache.get_many(["a", "b", "c", "d"]) == [b"a", None, b"c", b"d"]
    cache.incr("e")  # counters count as entries too; c is the least recent now
    cache.add("f", b"f", 3600)
    assert cache.get_many(["a", "c", "d", "e", "f"]) == [None, None, b"d", b"1", b"f"]
    assert len(cache) == 3


def test_memory_bound_defaults_and_checks() -> None:
    cache = MemoryCache()
    assert cache.max_entries == 10_000
    assert cache.url == "memory"
    for i in range(10_050):
        cache.set(str(i), b"", 3600)
    assert len(cache) == 10_000
    assert cache.get("49") is None
    assert cache.get("50") == b""
    with pytest.raises(ValueError, match="max_entries"):
        MemoryCache(max_entries=0)


def test_memory_expiry_follows_the_injected_clock() -> None:
    clock = FakeClock()
    cache = MemoryCache(clock=clock)
    cache.set("k", b"v", 10)
    clock.advance(4)
    assert cache.ttl("k") == 6
    clock.advance(5.999)
    assert cache.get("k") == b"v"
    clock.advance(0.001)
    assert cache.get("k") is None
    assert len(cache) == 0  # dropped when found expired


def test_memory_stores_a_copy() -> None:
    cache = MemoryCache()
    value = bytearray(b"abc")
    cache.set("k", value, 3600)  # type: ignore[arg-type]  # a caller's bytearray
    value[0] = ord("X")
    assert cache.get("k") == b"abc"


def test_memory_close_empties_it() -> None:
    cache = MemoryCache()
    cache.set("k", b"v", 3600)
    cache.close()
    assert cache.get("k") is None


# -- cache_from_url -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [None, "", "memory", " memory "])
def test_cache_from_url_memory(url: str | None) -> None:
    cache = cache_from_url(url)
    assert isinstance(cache, MemoryCache)
    assert cache.url == "memory"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://:s3cret@cache.internal:6380/2", "redis://cache.internal:6380/2"),
        ("rediss://default:s3cret@master.x.cache.amazonaws.com:6379/0",
         "rediss://default@master.x.cache.amazonaws.com:6379/0"),
        ("redis://[::1]:6379/0?prefix=dz:&password=s3cret", "redis://[::1]:6379/0?prefix=dz:"),
    ],
)  # fmt: skip
def test_cache_from_url_redis_without_connecting(url: str, shown: str) -> None:
    started = time.monotonic()
    cache = cache_from_url(url)  # nothing listens there: constructing must not connect
    assert isinstance(cache, RedisCache)
    assert cache.url == shown
    assert "s3cret" not in cache.url
    assert "s3cret" not in repr(cache.url)
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize(
    "url", ["memcached://localhost:11211", "unix:///run/redis.sock", "localhost:6379", "mem"]
)
def test_cache_from_url_refuses_other_urls(url: str) -> None:
    with pytest.raises(ValueError, match="memory") as info:
        cache_from_url(url)
    assert "redis://" in str(info.value)
    assert "rediss://" in str(info.value)


def test_cache_from_url_never_repeats_a_password() -> None:
    with pytest.raises(ValueError) as info:
        cache_from_url("memcached://user:s3cret@localhost:11211")
    assert "s3cret" not in str(info.value)


# -- Redis: URL options, prefixes ---------------------------------------------------------------


def test_redis_url_options_and_defaults() -> None:
    kwargs = RedisCache("redis://127.0.0.1:1/3")._redis.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == 0.5
    assert kwargs["socket_connect_timeout"] == 0.5
    assert kwargs["health_check_interval"] == 30
    assert kwargs["db"] == 3
    url = "rediss://127.0.0.1:1/0?socket_timeout=2&health_check_interval=5&ssl_cert_reqs=none"
    cache = RedisCache(url)
    kwargs = cache._redis.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == 2  # the URL wins over the defaults
    assert kwargs["health_check_interval"] == 5
    assert kwargs["ssl_cert_reqs"] == "none"
    assert cache._redis.connection_pool.connection_class is redis.SSLConnection
    assert RedisCache("redis://127.0.0.1:1/0?prefix=dzinza:").prefix == "dzinza:"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://127.0.0.1:1/0?no_such_option=1", "bad option.*no_such_option"),
        ("rediss://127.0.0.1:1/0?ssl_cert_reqs=sometimes", "bad option.*sometimes"),
        ("redis://127.0.0.1:1/0?socket_timeout=soon", "socket_timeout"),
        ("redis://127.0.0.1:1/0?decode_responses=true", "bytes"),
        ("http://127.0.0.1:1/0", "redis://"),
    ],
)
def test_redis_url_errors(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RedisCache(url)


@pytest.mark.redis
def test_redis_prefix_keeps_deployments_apart(redis_caches: RedisCaches) -> None:
    one, two = redis_caches.new(), redis_caches.new()
    one.set("shared-name", b"one", 3600)
    two.set("shared-name", b"two", 3600)
    one.incr("count")
    assert one.get("shared-name") == b"one"
    assert two.get("shared-name") == b"two"
    assert two.get("count") is None
    two.delete("shared-name")
    assert one.get("shared-name") == b"one"
    raw = redis_caches.raw()
    try:
        assert raw.get(f"{one.prefix}shared-name") == b"one"
        assert raw.get(f"{one.prefix}count") == b"1"
        assert raw.get("shared-name") is None
    finally:
        raw.close()


@pytest.mark.redis
def test_redis_expiry_is_set_on_the_server(redis_caches: RedisCaches) -> None:
    cache = redis_caches.new()
    cache.set("px", b"v", 1.5)
    cache.add("ex", b"v", 60)
    cache.incr("counter", ttl=0.0001)  # rounded up to 1 ms, never 0 (which Redis refuses)
    raw = redis_caches.raw()
    try:
        assert 1400 < raw.pttl(f"{cache.prefix}px") <= 1500
        assert 59_000 < raw.pttl(f"{cache.prefix}ex") <= 60_000
        time.sleep(0.01)
        assert raw.exists(f"{cache.prefix}counter") == 0
    finally:
        raw.close()


# -- Redis: degradation -------------------------------------------------------------------------


def calls(cache: Cache) -> dict[str, Callable[[], object]]:
    """Every method of the port that talks to the server."""
    return {
        "get": lambda: cache.get("k"),
        "get_many": lambda: cache.get_many(["k", "l"]),
        "set": lambda: cache.set("k", b"v", 60),
        "add": lambda: cache.add("k", b"v", 60),
        "delete": lambda: cache.delete("k"),
        "incr": lambda: cache.incr("k"),
        "incr-ttl": lambda: cache.incr("k", 2, ttl=60),
        "ttl": lambda: cache.ttl("k"),
        "ping": cache.ping,
    }


def assert_unavailable(cache: Cache, within: float) -> None:
    for name, call in calls(cache).items():
        started = time.monotonic()
        with pytest.raises(CacheUnavailable) as info:
            call()
        took = time.monotonic() - started
        assert took < within, f"{name} took {took:.2f} s"
        message = str(info.value)
        assert len(message) < 400, message
        assert "s3cret" not in message


def test_redis_on_a_closed_port_is_unavailable_quickly() -> None:
    cache = RedisCache(f"redis://:s3cret@127.0.0.1:{free_port()}/0")
    assert_unavailable(cache, within=1.0)
    cache.close()  # nothing to close: no error either


def test_redis_that_never_answers_times_out_quickly() -> None:
    """A port that accepts connections but never answers (a hung server): the default socket
    timeout (0.5 s) bounds every call."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        cache = RedisCache(f"redis://127.0.0.1:{port}/0")
        for name in ("get", "incr-ttl"):
            started = time.monotonic()
            with pytest.raises(CacheUnavailable, match="Timeout"):
                calls(cache)[name]()
            assert time.monotonic() - started < 1.0
        cache.close()


def redis_server_binary() -> str:
    path = shutil.which("redis-server")
    if path:
        return path
    message = "redis-server is not installed (scripts/services.sh redis-start installs it)"
    if in_ci():
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_redis_server(binary: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    """A redis-server of the test's own, in memory only, ready for commands."""
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--logfile", str(folder / "redis.log")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            log = folder / "redis.log"
            pytest.fail(f"redis-server did not start: {log.read_text() if log.exists() else ''}")
        time.sleep(0.02)
    return process


@pytest.mark.redis
def test_redis_killed_then_back_works_without_a_restart(tmp_path: Path) -> None:
    binary = redis_server_binary()
    port = free_port()
    server = start_redis_server(binary, port, tmp_path)
    try:
        cache = RedisCache(f"redis://127.0.0.1:{port}/0?prefix=restart:")
        cache.set("k", b"before", 3600)
        assert cache.incr("n", ttl=3600) == 1
        assert cache.get("k") == b"before"  # the pool now holds an open connection

        server.kill()  # SIGKILL: no goodbye on the pooled connection
        server.wait()
        assert_unavailable(cache, within=1.0)

        server = start_redis_server(binary, port, tmp_path)
        # The same object: the next call works (the data is gone with the killed server).
        assert cache.get("k") is None
        cache.set("k", b"after", 3600)
        assert cache.get("k") == b"after"
        assert cache.incr("n", ttl=3600) == 1
        cache.ping()
        cache.close()
    finally:
        server.kill()
        server.wait()
