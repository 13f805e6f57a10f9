"""Horizontal scale and caching through real servers: API throughput on one replica against two,
and pedigrees from a cold cache against a warm one, side by side in one run.

Usage:
    .venv/bin/python -m bench.scale [--people 20000] [--connections 8] [--seconds 20]
        [--warmup 5] [--pedigrees 200] [--out bench/results] [--keep]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:55439/postgres]
        [--redis-url redis://127.0.0.1:56479/0]
(scripts/bench_scale.sh starts the benchmark's own PostgreSQL and Redis first, with
scripts/services.sh under bench/work/run on their own ports, never the test servers'.)

A tree of N people is generated with ``bench.generate`` into a database of its own
(``dzinza_bench_scale``; its manifest in bench/work; ``--keep`` reuses it when the manifest
matches and the tree is still there with the current schema, else it is rebuilt). Two ``uvicorn dzinza.asgi:app`` processes then start on two free
ports of 127.0.0.1, each with its own data folder, on that database and on Redis database 1 of
the benchmark's Redis as the shared cache (search indexer off, no API request limit, fast
password hashing for the sign-in).

1. Throughput. A client of C threads, each with its own keep-alive ``httpx.Client`` per replica,
   sends requests back to back, round-robin over the replicas of the configuration: A, one
   replica; B, two. The configurations run in ABBA order (A, B, B, A), each phase after a
   FLUSHDB of the cache and W seconds of unmeasured warm-up, then D seconds measured; a
   configuration's figures pool its two phases. The read mix, signed in as the tree's owner:
   40% person GET, 20% first list page, 20% list page from a deep cursor (10-99% of the name
   order, from the manifest), 20% pedigree of 5 generations; the people are drawn from the whole
   tree, so a pedigree is seldom asked twice in a phase (mostly cache misses, computed). Reported:
   requests/s, p50/p95/p99 (all requests and per kind), the ratio two/one, and where the CPU of
   the machine went (client, replicas, PostgreSQL, Redis, the rest of the machine, idle). The
   replicas, PostgreSQL, Redis and the client share the same cores: the ratio is a floor, not
   what separate machines give.
2. Cache. On one replica, for P people of the newest generation (the manifest's samples):
   ``GET /people/{id}/pedigree?generations=10`` right after a FLUSHDB (cold: the chart is
   computed with its recursive query and stored) and at once the same request again (warm: read
   from Redis), person by person, so that noise hits both alike. Reported: p50/p95/p99 cold and
   warm and the ratio cold/warm; the run checks that the chart was cached after the cold request
   and that both answers are the same.

Results go to bench/results/scale.json with the machine, load average, commit and timestamps,
and are printed as a table. Any answer other than 200 is an error, counted, a few kept as samples.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import redis
import sqlalchemy as sa

from bench.generate import MANIFEST_VERSION, safe_url
from bench.media_speed import code_revision, machine
from bench.run import sign_in, summarise

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
WORK = Path(__file__).parent / "work"
API = "/api/v1"
DATABASE = "dzinza_bench_scale"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:55439/postgres"
REDIS_URL = "redis://127.0.0.1:56479/0"
"""The defaults are the benchmark's own servers (scripts/bench_scale.sh), never the tests'."""
REDIS_DB = 1
"""The cache's database on the benchmark's Redis: the one FLUSHDB empties."""
SIGNING_KEYS = "bench:the-same-key-on-every-replica"
MIX = (("person_get", 4), ("list_first", 2), ("list_deep", 2), ("pedigree_5", 2))
TITLES = {
    "person_get": "Person GET",
    "list_first": "List, first page",
    "list_deep": "List, deep cursor",
    "pedigree_5": "Pedigree, 5 generations",
}
CONFIGS = {"one": 1, "two": 2}
ABBA = ("one", "two", "two", "one")
ERROR_SAMPLES = 5
GENERATE_TIMEOUT = 1800
GENERATE_SEED = 20240601
"""bench.generate's default seed, passed explicitly: a kept database is known by it."""
TICK = os.sysconf("SC_CLK_TCK")
SHARED_CORES = (
    "both replicas, PostgreSQL, Redis and this client share the same {cores} cores: "
    "the ratio two/one is a floor, not what separate machines give"
)


# -- small helpers ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def local_only(url: str, what: str) -> None:
    """The run drops a database and empties a Redis database: only ever on this machine."""
    host = urlsplit(url.replace("postgresql+psycopg", "postgresql")).hostname
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"bench.scale only uses a {what} on this machine (127.0.0.1), not {host}")


def ratio(a: float | None, b: float | None, digits: int = 2) -> float | None:
    return round(a / b, digits) if a is not None and b else None


def fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.1f}" if abs(v) >= 10 else f"{v:.2f}"
    return str(v)


# -- CPU accounting -----------------------------------------------------------------------------
def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state is [0], ppid [1], utime
    [11], stime [12], cutime [13], cstime [14])."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _argv(pid: int | str) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _pids() -> list[str]:
    return [p.name for p in Path("/proc").iterdir() if p.name.isdigit()]


def find_postmaster(port: int) -> int | None:
    """The PostgreSQL server listening on ``port`` (its command line says ``-p PORT``)."""
    for pid in _pids():
        argv = _argv(pid)
        if argv and argv[0].endswith("/postgres") and "-p" in argv:
            at = argv.index("-p")
            if at + 1 < len(argv) and argv[at + 1] == str(port):
                return int(pid)
    return None


def find_redis(port: int) -> int | None:
    for pid in _pids():
        argv = _argv(pid)
        if argv and argv[0].startswith("redis-server") and argv[0].endswith(f":{port}"):
            return int(pid)
    return None


class CpuMeter:
    """CPU seconds used by this process (the client), the replicas, the PostgreSQL server (the
    postmaster, its live children and the children it has reaped), Redis, and the machine."""

    def __init__(self, replica_pids: list[int], pg_port: int, redis_port: int) -> None:
        self.cores = os.cpu_count() or 1
        self.replicas = replica_pids
        self.postmaster = find_postmaster(pg_port)
        self.redis = find_redis(redis_port)

    @staticmethod
    def _own(fields: list[str] | None, reaped: bool = False) -> float:
        if fields is None:
            return 0.0
        ticks = int(fields[11]) + int(fields[12])
        if reaped:
            ticks += int(fields[13]) + int(fields[14])
        return ticks / TICK

    def snapshot(self) -> dict[str, float]:
        postgres = 0.0
        if self.postmaster is not None:
            postgres = self._own(_stat(self.postmaster), reaped=True)
            for pid in _pids():
                fields = _stat(pid)
                if fields is not None and fields[1] == str(self.postmaster):
                    postgres += self._own(fields)
        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (ticks + [0] * 8)[:8]
        return {
            "wall": time.monotonic(),
            "client": self._own(_stat("self")),
            "replicas": sum(self._own(_stat(pid)) for pid in self.replicas),
            "postgres": postgres,
            "redis": self._own(_stat(self.redis)) if self.redis else 0.0,
            "busy": (user + nice + system + irq + softirq) / TICK,
            "steal": steal / TICK,
        }

    def shares(self, spans: list[tuple[dict[str, float], dict[str, float]]]) -> dict[str, float]:
        """Each part's share of the machine's capacity (cores x wall time) over the spans."""
        d = {k: sum(after[k] - before[k] for before, after in spans) for k in spans[0][0]}
        capacity = d["wall"] * self.cores
        ours = d["client"] + d["replicas"] + d["postgres"] + d["redis"]
        out = {k: d[k] / capacity for k in ("client", "replicas", "postgres", "redis")}
        out["other"] = max(0.0, d["busy"] - ours) / capacity
        out["steal"] = d["steal"] / capacity
        out["idle"] = max(0.0, 1 - d["busy"] / capacity - out["steal"])
        return {k: round(v, 3) for k, v in out.items()}


# -- the servers --------------------------------------------------------------------------------
class Replica:
    """One ``uvicorn dzinza.asgi:app`` process with a data folder of its own."""

    def __init__(self, name: str, database_url: str, cache_url: str, root: Path) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data = root / name
        self.log = root / f"{name}.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DZINZA_")}
        self.env.update(
            DZINZA_DATABASE_URL=database_url,
            DZINZA_CACHE_URL=cache_url,
            DZINZA_DATA_DIR=str(self.data),
            DZINZA_PASSWORD_HASHING="fast-for-tests-only",
            DZINZA_SEARCH_INDEXER="false",
            DZINZA_API_REQUESTS_PER_MINUTE="0",
            DZINZA_MEDIA_SIGNING_KEYS=SIGNING_KEYS,  # every replica must share them
            DZINZA_PUBLIC_URL=self.base,
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "dzinza.asgi:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait(self, seconds: float = 90) -> None:
        assert self.process is not None
        deadline = time.monotonic() + seconds
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"replica {self.name} stopped:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"replica {self.name} did not answer:\n{self.log_tail()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_tail(self) -> str:
        try:
            return "\n".join(self.log.read_text().splitlines()[-40:])
        except OSError:
            return "(no log)"


@contextmanager
def replicas_up(database_url: str, cache_url: str, count: int) -> Iterator[list[Replica]]:
    root = WORK / "scale"
    with ExitStack() as stack:
        made = [Replica(f"replica-{i + 1}", database_url, cache_url, root) for i in range(count)]
        for replica in made:
            stack.callback(replica.stop)
            replica.start()
        for replica in made:
            replica.wait()
            print(f"  {replica.name} on {replica.base} (log: {replica.log})", flush=True)
        yield made


# -- the dataset --------------------------------------------------------------------------------
def kept(database_url: str, manifest_path: Path, people: int) -> dict[str, Any] | None:
    """The manifest of a tree generated earlier with this N and seed, still in the database
    and of the current schema (as ``bench.generate`` decides); else None."""
    from bench.generate import schema_matches
    from dzinza.adapters.sql import tables

    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        return None
    if not (
        manifest.get("complete")
        and manifest.get("manifest_version") == MANIFEST_VERSION
        and manifest.get("people") == people
        and manifest.get("seed") == GENERATE_SEED
        and manifest.get("url") == safe_url(database_url)
    ):
        return None
    engine = sa.create_engine(database_url)
    try:
        if not schema_matches(engine):
            print("the schema differs from tables.py: rebuilding", flush=True)
            return None
        with engine.connect() as conn:
            found = conn.scalar(
                sa.select(sa.func.count())
                .select_from(tables.people)
                .where(tables.people.c.tree_id == manifest["tree_id"])
            )
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return manifest if found == people else None


def generate(database_url: str, people: int, keep: bool) -> tuple[dict[str, Any], Path, bool]:
    """The tree's manifest, where it is, and whether the database was kept from a former run."""
    path = WORK / f"postgres-{DATABASE}.manifest.json"
    if keep and (manifest := kept(database_url, path, people)) is not None:
        print(f"reusing {safe_url(database_url)}: {people:,} people ({path})", flush=True)
        return manifest, path, True
    argv = [sys.executable, "-m", "bench.generate", "--url", database_url, "--fresh"]
    argv += ["--people", str(people), "--seed", str(GENERATE_SEED), "--manifest", str(path)]
    done = subprocess.run(argv, cwd=ROOT, timeout=GENERATE_TIMEOUT)
    if done.returncode != 0:
        raise SystemExit(f"bench.generate failed ({done.returncode})")
    return json.loads(path.read_text()), path, False


def person_ids(database_url: str, tree_id: str) -> list[str]:
    """Every person of the tree, so that the load is not confined to the manifest's samples."""
    from dzinza.adapters.sql import tables

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(tables.people.c.id)
                .where(tables.people.c.tree_id == tree_id)
                .order_by(tables.people.c.id)
            )
            return [str(r[0]) for r in rows]
    finally:
        engine.dispose()


# -- the client ---------------------------------------------------------------------------------
class Auth:
    """The owner's Authorization header, shared by the client's threads; a 401 (the access
    token expired) signs in again, once for all."""

    def __init__(self, base: str, manifest: dict[str, Any]) -> None:
        self.base = base
        self.manifest = manifest
        self.lock = threading.Lock()
        self.generation = 0
        self.headers = self._sign_in()

    def _sign_in(self) -> dict[str, str]:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            return sign_in(client, self.manifest)

    def refresh(self, seen: int) -> None:
        with self.lock:
            if self.generation == seen:
                self.headers = self._sign_in()
                self.generation += 1


@dataclass
class Errors:
    count: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, sample: dict[str, Any]) -> None:
        with self.lock:
            self.count += 1
            if len(self.samples) < ERROR_SAMPLES:
                self.samples.append(sample)


class Load:
    """The read mix: the next request's kind and path."""

    def __init__(self, manifest: dict[str, Any], people: list[str]) -> None:
        self.people = people
        self.tree = f"{API}/trees/{manifest['tree_id']}/people"
        self.cursors = [c["cursor"] for c in manifest["cursors"]["name"]]
        self.kinds = [k for k, _ in MIX]
        self.weights = [w for _, w in MIX]

    def next(self, rng: random.Random) -> tuple[str, str]:
        kind = rng.choices(self.kinds, self.weights)[0]
        if kind == "person_get":
            return kind, f"{API}/people/{rng.choice(self.people)}"
        if kind == "list_first":
            return kind, f"{self.tree}?limit=50"
        if kind == "list_deep":
            return (
                kind,
                f"{self.tree}?{urlencode({'limit': 50, 'cursor': rng.choice(self.cursors)})}",
            )
        return kind, f"{API}/people/{rng.choice(self.people)}/pedigree?generations=5"


@dataclass
class Phase:
    """What one phase's threads saw: (kind, replica, milliseconds) of each measured success."""

    samples: list[tuple[str, int, float]] = field(default_factory=list)
    errors: Errors = field(default_factory=Errors)
    pedigrees: set[str] = field(default_factory=set)
    repeats: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def drive(
    bases: list[str],
    auth: Auth,
    load: Load,
    rng: random.Random,
    turn: Iterator[int],
    measure_from: float,
    until: float,
    phase: Phase,
) -> None:
    """One connection of the client: requests back to back until ``until``, round-robin over
    the replicas (one shared counter for all threads)."""
    clients = [httpx.Client(base_url=b, timeout=60) for b in bases]
    seen: list[tuple[str, int, float]] = []
    repeats = 0
    try:
        while True:
            started = time.perf_counter()
            if started >= until:
                break
            kind, path = load.next(rng)
            which = next(turn) % len(clients)
            generation = auth.generation
            try:
                resp = clients[which].get(path, headers=auth.headers)
                if resp.status_code == 401:
                    auth.refresh(generation)
                    resp = clients[which].get(path, headers=auth.headers)
            except httpx.HTTPError as exc:
                if started >= measure_from:
                    phase.errors.add({"path": path, "error": repr(exc)})
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            measured = started >= measure_from
            if kind == "pedigree_5":  # warm-up included: what it asked is in the cache too
                with phase.lock:
                    if measured and path in phase.pedigrees:
                        repeats += 1
                    phase.pedigrees.add(path)
            if not measured:
                continue
            if resp.status_code != 200:
                phase.errors.add(
                    {"path": path, "status": resp.status_code, "body": resp.text[:300]}
                )
                continue
            seen.append((kind, which, elapsed_ms))
    finally:
        for client in clients:
            client.close()
        with phase.lock:
            phase.samples.extend(seen)
            phase.repeats += repeats


def run_phase(
    replicas: list[Replica],
    auth: Auth,
    load: Load,
    cache: redis.Redis,
    connections: int,
    warmup: float,
    seconds: float,
    seed: int,
) -> Phase:
    cache.flushdb()  # every phase starts from the same, empty, cache
    phase = Phase()
    turn = itertools.count()
    measure_from = time.perf_counter() + warmup
    until = measure_from + seconds
    bases = [r.base for r in replicas]
    threads = [
        threading.Thread(
            target=drive,
            args=(bases, auth, load, random.Random(seed * 1000 + i), turn, measure_from, until),
            kwargs={"phase": phase},
            name=f"connection-{i}",
        )
        for i in range(connections)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return phase


def figures(phases: list[Phase], seconds: float, replicas: int) -> dict[str, Any]:
    """A configuration's figures, its phases pooled."""
    samples = [s for p in phases for s in p.samples]
    count = len(samples)
    pedigrees = sum(1 for s in samples if s[0] == "pedigree_5")
    repeats = sum(p.repeats for p in phases)
    errors = [e for p in phases for e in p.errors.samples][:ERROR_SAMPLES]
    return {
        "replicas": replicas,
        "requests": count,
        "measured_seconds": seconds * len(phases),
        "requests_per_second": round(count / (seconds * len(phases)), 1),
        "requests_per_second_by_phase": [round(len(p.samples) / seconds, 1) for p in phases],
        "requests_by_replica": [sum(1 for s in samples if s[1] == i) for i in range(replicas)],
        "all": summarise([s[2] for s in samples]),
        "by_kind": {
            kind: {"count": sum(1 for s in samples if s[0] == kind)}
            | summarise([s[2] for s in samples if s[0] == kind])
            for kind, _ in MIX
        },
        # A pedigree asked again within a phase is (most likely) a cache hit.
        "pedigree_repeat_share": round(repeats / pedigrees, 3) if pedigrees else None,
        "errors": sum(p.errors.count for p in phases),
        "error_samples": errors,
    }


def throughput(
    replicas: list[Replica],
    auth: Auth,
    load: Load,
    cache: redis.Redis,
    meter: CpuMeter,
    args: argparse.Namespace,
) -> dict[str, Any]:
    phases: dict[str, list[Phase]] = {name: [] for name in CONFIGS}
    spans: dict[str, list[tuple[dict[str, float], dict[str, float]]]] = {n: [] for n in CONFIGS}
    for number, name in enumerate(ABBA):
        count = CONFIGS[name]
        print(
            f"  phase {number + 1}/{len(ABBA)}: {count} replica{'s' if count > 1 else ''}, "
            f"{args.warmup:g} s warm-up + {args.seconds:g} s ...",
            end="",
            flush=True,
        )
        holder: dict[str, dict[str, float]] = {}

        def mark_start(holder: dict[str, dict[str, float]] = holder) -> None:
            holder["before"] = meter.snapshot()

        # The CPU is counted over the measured seconds only: a timer marks their start.
        timer = threading.Timer(args.warmup, mark_start)
        timer.start()
        phase = run_phase(
            replicas[:count],
            auth,
            load,
            cache,
            args.connections,
            args.warmup,
            args.seconds,
            args.seed + number,
        )
        timer.join()
        spans[name].append((holder["before"], meter.snapshot()))
        phases[name].append(phase)
        print(
            f" {len(phase.samples) / args.seconds:,.1f} requests/s, {phase.errors.count} errors",
            flush=True,
        )
    out: dict[str, Any] = {}
    for name, count in CONFIGS.items():
        out[name] = figures(phases[name], args.seconds, count)
        out[name]["cpu_share"] = meter.shares(spans[name])
    one, two = out["one"], out["two"]
    out["ratios_two_to_one"] = {
        "requests_per_second": ratio(two["requests_per_second"], one["requests_per_second"]),
        "p50": ratio(two["all"]["p50_ms"], one["all"]["p50_ms"]),
        "p95": ratio(two["all"]["p95_ms"], one["all"]["p95_ms"]),
    }
    return out


# -- 2. cold and warm pedigrees -----------------------------------------------------------------
def pedigrees(
    replica: Replica,
    auth: Auth,
    manifest: dict[str, Any],
    cache: redis.Redis,
    count: int,
    seed: int,
) -> dict[str, Any]:
    pool = list(manifest["samples"]["newest_generation"])
    random.Random(seed).shuffle(pool)
    tree = manifest["tree_id"]
    cold: list[float] = []
    warm: list[float] = []
    sizes: list[int] = []
    people: list[int] = []
    errors = Errors()
    not_cached = differ = 0
    with httpx.Client(base_url=replica.base, timeout=60) as client:

        def get(pid: str) -> tuple[float, httpx.Response | None]:
            path = f"{API}/people/{pid}/pedigree?generations=10"
            generation = auth.generation
            started = time.perf_counter()
            try:
                resp = client.get(path, headers=auth.headers)
            except httpx.HTTPError as exc:
                errors.add({"path": path, "error": repr(exc)})
                return 0.0, None
            elapsed = (time.perf_counter() - started) * 1000
            if resp.status_code == 401:  # the token expired: sign in, and this one is not timed
                auth.refresh(generation)
                return get(pid)
            if resp.status_code != 200:
                errors.add({"path": path, "status": resp.status_code, "body": resp.text[:300]})
                return 0.0, None
            return elapsed, resp

        # Unmeasured: the 10-generation query's code paths and plan, on people not measured.
        for pid in pool[-10:]:
            get(pid)
        for i in range(count):
            if i % len(pool) == 0:
                cache.flushdb()  # each person's first request below is then a miss
            pid = pool[i % len(pool)]
            cold_ms, first = get(pid)
            if first is None:
                continue
            if not any(cache.scan_iter(match=f"tree:{tree}:*:pedigree:{pid}:10:*", count=1000)):
                not_cached += 1
            warm_ms, second = get(pid)
            if second is None:
                continue
            if second.json() != first.json():
                differ += 1
            cold.append(cold_ms)
            warm.append(warm_ms)
            sizes.append(len(first.content))
            people.append(len(first.json().get("people", [])))
    c, w = summarise(cold), summarise(warm)
    return {
        "requests": len(cold),
        "cold": c,
        "warm": w,
        "ratio_cold_to_warm": {
            "p50": ratio(c["p50_ms"], w["p50_ms"], 1),
            "p95": ratio(c["p95_ms"], w["p95_ms"], 1),
            "mean": ratio(c["mean_ms"], w["mean_ms"], 1),
        },
        "mean_people_per_chart": round(sum(people) / len(people), 1) if people else None,
        "max_people_per_chart": max(people, default=None),
        "mean_bytes": round(sum(sizes) / len(sizes)) if sizes else None,
        "not_cached_after_cold": not_cached,
        "warm_differs_from_cold": differ,
        "errors": errors.count,
        "error_samples": errors.samples,
    }


# -- the table ----------------------------------------------------------------------------------
def print_table(result: dict[str, Any]) -> None:
    t = result["throughput"]
    one, two = t["one"], t["two"]
    cores = result["machine"]["cpu_count"]
    print(
        f"\nHorizontal scale: {result['people']:,} people on {result['database_version']}, "
        f"Redis {result['redis_version']} as the cache; {result['connections']} connections, "
        f"phases ABBA of {result['warmup_seconds']:g} s warm-up + {result['seconds']:g} s"
    )
    head = f"{'':36}{'one replica':>14}{'two replicas':>14}{'two/one':>10}"
    print(head)
    print("-" * len(head))

    def row(title: str, a: Any, b: Any, with_ratio: bool = True) -> None:
        r = fmt(ratio(b, a)) if with_ratio else ""
        print(f"{title:36}{fmt(a):>14}{fmt(b):>14}{r:>10}")

    row("requests/s", one["requests_per_second"], two["requests_per_second"])
    by_phase = [", ".join(f"{x:g}" for x in c["requests_per_second_by_phase"]) for c in (one, two)]
    print(f"{'  by phase (A1, A2 | B1, B2)':36}{by_phase[0]:>14}{by_phase[1]:>14}")
    by_replica = [" + ".join(str(x) for x in c["requests_by_replica"]) for c in (one, two)]
    print(f"{'  requests per replica':36}{by_replica[0]:>14}{by_replica[1]:>14}")
    for p in ("p50", "p95", "p99"):
        row(f"all requests {p} (ms)", one["all"][f"{p}_ms"], two["all"][f"{p}_ms"])
    for kind, title in TITLES.items():
        for p in ("p50", "p95"):
            a, b = one["by_kind"][kind][f"{p}_ms"], two["by_kind"][kind][f"{p}_ms"]
            row(f"{title} {p} (ms)", a, b)
    row(
        "pedigree asked again (share)",
        one["pedigree_repeat_share"],
        two["pedigree_repeat_share"],
        False,
    )
    print(f"CPU, share of {cores} cores x measured time:")
    for part in ("client", "replicas", "postgres", "redis", "other", "steal", "idle"):
        a, b = one["cpu_share"][part], two["cpu_share"][part]
        print(f"{'  ' + part:36}{f'{a:.0%}':>14}{f'{b:.0%}':>14}")
    row("errors", one["errors"], two["errors"], False)
    print(f"NOTE: {SHARED_CORES.format(cores=cores)}.")

    g = result["pedigree"]
    print(
        f"\nPedigree, 10 generations: {g['requests']} people of the newest generation, one "
        f"replica, each cold (after FLUSHDB) then warm; {fmt(g['mean_people_per_chart'])} people "
        f"and {g['mean_bytes']:,} bytes a chart on average"
    )
    head = f"{'':36}{'cold':>14}{'warm':>14}{'cold/warm':>10}"
    print(head)
    print("-" * len(head))
    for p in ("p50", "p95", "p99", "mean"):
        a, b = g["cold"][f"{p}_ms"], g["warm"][f"{p}_ms"]
        print(f"{p + ' (ms)':36}{fmt(a):>14}{fmt(b):>14}{fmt(ratio(a, b, 1)):>10}")
    print(
        f"{'errors':36}{g['errors']:>14}  (not cached after cold: {g['not_cached_after_cold']}, "
        f"warm differing from cold: {g['warm_differs_from_cold']})"
    )


# -- the run ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--people", type=int, default=20_000, help="people in the tree (N)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (C)")
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds a phase (D)")
    parser.add_argument("--warmup", type=float, default=5, help="warm-up seconds a phase (W)")
    parser.add_argument("--pedigrees", type=int, default=200, help="people, cold then warm (P)")
    parser.add_argument("--seed", type=int, default=7, help="seed for the choice of requests")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the results folder")
    parser.add_argument(
        "--keep", action="store_true", help="reuse the generated database if its manifest matches"
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("DZINZA_BENCH_POSTGRES_URL", PG_URL),
        help="the benchmark's PostgreSQL server (any database: the run uses its own)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("DZINZA_BENCH_REDIS_URL", REDIS_URL),
        help=f"the benchmark's Redis server (the run uses database {REDIS_DB}, and empties it)",
    )
    args = parser.parse_args(argv)
    if min(args.people, args.connections, args.pedigrees) < 1 or args.seconds <= 0:
        parser.error("--people, --connections, --pedigrees and --seconds must be positive")
    if args.warmup < 0:
        parser.error("--warmup cannot be negative")
    local_only(args.pg_url, "PostgreSQL server")
    local_only(args.redis_url, "Redis server")
    # A SIGTERM (timeout, a stopped wrapper) unwinds like Ctrl-C: the replicas are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    database_url = sa.make_url(args.pg_url).set(database=DATABASE).render_as_string(False)
    redis_parts = urlsplit(args.redis_url)
    cache_url = f"{redis_parts.scheme}://{redis_parts.netloc}/{REDIS_DB}"
    cache = redis.Redis.from_url(cache_url)
    try:
        redis_version = cache.info("server")["redis_version"]
    except redis.RedisError as exc:
        raise SystemExit(
            f"no Redis answers at {cache_url} ({exc}); run scripts/bench_scale.sh, or start one "
            "with scripts/services.sh redis-start"
        ) from exc

    began = datetime.now(UTC)
    host = machine()
    print(f"== data: {args.people:,} people in {DATABASE}", flush=True)
    generated_at = time.perf_counter()
    manifest, manifest_path, reused = generate(database_url, args.people, args.keep)
    data_seconds = time.perf_counter() - generated_at
    people = person_ids(database_url, manifest["tree_id"])
    if len(people) != args.people:
        raise SystemExit(f"the tree holds {len(people)} people, not {args.people}")
    load = Load(manifest, people)

    print("== replicas", flush=True)
    with replicas_up(database_url, cache_url, 2) as replicas:
        auth = Auth(replicas[0].base, manifest)
        pids = [r.process.pid for r in replicas if r.process is not None]
        pg_port = sa.make_url(database_url).port or 5432
        meter = CpuMeter(pids, pg_port, redis_parts.port or 6379)
        print(f"== throughput: {args.connections} connections, ABBA", flush=True)
        scale = throughput(replicas, auth, load, cache, meter, args)
        print(f"== pedigree cold and warm: {args.pedigrees} people", flush=True)
        chart = pedigrees(replicas[0], auth, manifest, cache, args.pedigrees, args.seed)
    cache.flushdb()
    host["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]

    result = {
        "benchmark": "scale",
        "date": began.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_seconds": round((datetime.now(UTC) - began).total_seconds(), 1),
        "machine": host,
        "code": code_revision(),
        "people": manifest["people"],
        "database_version": manifest["database_version"],
        "redis_version": redis_version,
        "connections": args.connections,
        "seconds": args.seconds,
        "warmup_seconds": args.warmup,
        "pedigrees": args.pedigrees,
        "seed": args.seed,
        "order": list(ABBA),
        "mix": {kind: weight / sum(w for _, w in MIX) for kind, weight in MIX},
        "server_setup": (
            "uvicorn dzinza.asgi:app, one process a replica (sync routes in its thread pool), "
            f"PostgreSQL database {DATABASE}, Redis database {REDIS_DB} as the shared cache "
            "(emptied before each phase), search indexer off, no API request limit"
        ),
        "client": (
            f"this process: {args.connections} threads, each an httpx {httpx.__version__} "
            "keep-alive client per replica, requests back to back, round-robin over the replicas"
        ),
        "caveat": SHARED_CORES.format(cores=host["cpu_count"]),
        "dataset": {
            "database": DATABASE,
            "manifest": str(manifest_path.relative_to(ROOT)),
            "reused": reused,
            "seconds_to_ready": round(data_seconds, 1),
            "generated_at": manifest.get("generated_at"),
            "load_seconds": manifest.get("load_seconds"),
            "rows": manifest.get("rows"),
            "generations": len(manifest.get("generations", [])),
        },
        "throughput": scale,
        "pedigree": chart,
    }
    print_table(result)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / "scale.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nresults: {out}")
    errors = scale["one"]["errors"] + scale["two"]["errors"] + chart["errors"]
    if errors or chart["not_cached_after_cold"] or chart["warm_differs_from_cold"]:
        print(f"{errors} requests failed or the cache misbehaved: see {out}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
