"""``dzinza doctor``: the troubleshooting checklist of the brief as one command. Each check
says what it found and, when something is wrong, what to do about it.

It checks, in order: the configuration, the data folder, the database (reachable, schema at
the code's revision, its clock against ours), then through the assembled platform the cache,
the search index (reachable, how far behind), the object store (a write, read and delete of a
probe), the job queue (reachable, jobs left waiting), the free disk space, and the age of the
latest backup. A failure makes the command exit 1; a warning does not.

Like ``bootstrap``, this module assembles the platform from the settings, so it may use the
adapters; the services know nothing of it.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from dzinza import bootstrap
from dzinza.adapters.sql import database
from dzinza.domain.errors import DzinzaError
from dzinza.services.platform import Platform
from dzinza.settings import Settings

OK, WARN, FAIL = "ok", "warn", "fail"
CLOCK_SKEW_S = 5.0
QUEUE_WAIT_S = 600.0
"""A job waiting longer than this means nothing is taking jobs."""
INDEX_LAG_S = 300.0
DISK_WARN = 1 << 30
DISK_FAIL = 200 << 20
BACKUP_AGE_H = 26.0
"""Backups are daily: a day and a little more."""


@dataclass(frozen=True)
class Finding:
    check: str
    status: str
    detail: str
    advice: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def examine(make_settings: Callable[[], Settings] = Settings) -> list[Finding]:
    found: list[Finding] = []
    try:
        settings = make_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return [
            Finding(
                "configuration",
                FAIL,
                f"the DZINZA_* settings do not load: {problems}",
                "Fix the variables named (in the environment or the .env file).",
            )
        ]
    found.append(Finding("configuration", OK, "the DZINZA_* settings load"))
    found.append(_data_folder(settings.data_dir))
    url = settings.resolved_database_url()
    reached = _database(url, found)
    if not reached:
        return found
    try:
        platform = bootstrap.build(settings)
    except DzinzaError as exc:
        found.append(Finding("platform", FAIL, exc.detail, "Fix the setting it names."))
        return found
    try:
        found.append(_cache(platform, settings))
        found.extend(_search(platform))
        found.append(_storage(platform))
        found.extend(_queue(platform, settings))
    finally:
        platform.close()
    found.append(_disk(settings.data_dir))
    found.append(_backups(settings))
    return found


def failed(findings: list[Finding]) -> bool:
    return any(f.status == FAIL for f in findings)


def _attempt(check: str, action: Callable[[], Finding], advice: str) -> Finding:
    try:
        return action()
    except Exception as exc:
        return Finding(check, FAIL, _short(exc), advice)


def _short(exc: BaseException) -> str:
    text = exc.detail if isinstance(exc, DzinzaError) else str(exc)
    first = text.strip().splitlines()[0] if text.strip() else ""
    return f"{type(exc).__name__}: {first[:300]}" if first else type(exc).__name__


# -- the checks --------------------------------------------------------------------------------
def _data_folder(folder: Path) -> Finding:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".doctor-{uuid.uuid4().hex}"
        probe.write_bytes(b"probe")
        probe.unlink()
    except OSError as exc:
        return Finding(
            "data folder",
            FAIL,
            f"{folder} cannot be written: {exc.strerror}",
            "Make DZINZA_DATA_DIR a folder this user can write.",
        )
    return Finding("data folder", OK, f"{folder} is writable")


def _database(url: str, found: list[Finding]) -> bool:
    shown = sa.make_url(url).render_as_string(hide_password=True)
    engine = database.create_engine(url)
    try:
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
                server_now = (
                    conn.execute(sa.text("SELECT now()")).scalar()
                    if engine.dialect.name == "postgresql"
                    else None
                )
            current = database.current_revision(engine)
        except Exception as exc:
            found.append(
                Finding(
                    "database",
                    FAIL,
                    f"{shown} cannot be reached: {_short(exc)}",
                    "Check DZINZA_DATABASE_URL, that the server runs and accepts this "
                    "host, and the credentials.",
                )
            )
            return False
        head = database.head_revision()
        if current is None:
            found.append(
                Finding(
                    "database",
                    FAIL,
                    f"{shown} has no Dzinza schema",
                    "Run `dzinza db upgrade`.",
                )
            )
            return False
        if current != head:
            found.append(
                Finding(
                    "database",
                    FAIL,
                    f"the schema is at revision {current}, the code at {head}",
                    "Run `dzinza db upgrade` (or, if the database is newer than this Dzinza, "
                    "deploy the newer version).",
                )
            )
            return False
        found.append(Finding("database", OK, f"{shown} answers; schema at {head}"))
        if server_now is not None:
            found.append(_clock(server_now))
        return True
    finally:
        engine.dispose()


def _clock(server_now: datetime) -> Finding:
    skew = abs((datetime.now(UTC) - server_now).total_seconds())
    if skew > CLOCK_SKEW_S:
        return Finding(
            "clock",
            WARN,
            f"this machine's clock and the database's differ by {skew:.1f} s",
            "Keep the clocks synchronised (NTP, chrony): tokens, signed URLs and "
            "time-ordered history depend on them.",
        )
    return Finding("clock", OK, f"within {CLOCK_SKEW_S:g} s of the database's ({skew:.2f} s)")


def _cache(platform: Platform, settings: Settings) -> Finding:
    cache = platform.cache
    if not settings.cache_url or cache is None:
        return Finding("cache", OK, "this process's memory (the embedded default)")

    def ping() -> Finding:
        cache.ping()
        return Finding("cache", OK, f"{cache.url} answers")

    return _attempt(
        "cache",
        ping,
        "Check DZINZA_CACHE_URL and that Redis runs; meanwhile every request misses the cache "
        "and sign-ins fall back to the database.",
    )


def _search(platform: Platform) -> list[Finding]:
    index = platform.search_index
    if index is None:
        return [
            Finding(
                "search",
                WARN,
                "no search index",
                "Set DZINZA_SEARCH_URL (or leave it empty: the database).",
            )
        ]

    def ping() -> Finding:
        index.ping()
        return Finding("search", OK, f"{getattr(index, 'url', 'the index')} answers")

    reached = _attempt(
        "search",
        ping,
        "Check DZINZA_SEARCH_URL and that the search server runs; then "
        "`dzinza search reindex` if the index was lost.",
    )
    if reached.status != OK:
        return [reached]
    lag = platform.search.lag()
    if lag["pending"] and lag["oldest_seconds"] > INDEX_LAG_S:
        behind = Finding(
            "search index lag",
            WARN,
            f"{lag['pending']} changes wait, the oldest {lag['oldest_seconds']:.0f} s",
            "Is a `dzinza serve` or `dzinza worker` running with DZINZA_SEARCH_INDEXER=true? "
            "Its log says why entries fail.",
        )
    elif lag["failing"]:
        behind = Finding(
            "search index lag",
            WARN,
            f"{lag['failing']} changes failed to index at least once",
            "See the indexer's log lines; they are retried with back-off.",
        )
    else:
        behind = Finding("search index lag", OK, f"{lag['pending']} changes waiting")
    return [reached, behind]


def _storage(platform: Platform) -> Finding:
    blobs = platform.blobs

    def probe() -> Finding:
        if blobs is None:
            return Finding("storage", WARN, "no media store", "Set DZINZA_MEDIA_URL.")
        key = f"doctor/probe-{uuid.uuid4().hex}"
        payload = uuid.uuid4().bytes
        blobs.put(key, payload, content_type="application/octet-stream")
        try:
            with blobs.open(key) as source:
                if source.read() != payload:
                    return Finding(
                        "storage",
                        FAIL,
                        f"{blobs.url} gave back other bytes than were written",
                        "The store is not consistent: contact its operators.",
                    )
        finally:
            blobs.delete(key)
        return Finding("storage", OK, f"{blobs.url}: a write, a read and a delete worked")

    return _attempt(
        "storage",
        probe,
        "Check DZINZA_MEDIA_URL, the bucket or folder, the credentials (the pod's IAM role) "
        "and the permissions to put, get and delete objects.",
    )


def _queue(platform: Platform, settings: Settings) -> list[Finding]:
    runner = platform.jobs.runner
    out: list[Finding] = []
    ping = getattr(runner, "ping", None)
    if ping is not None:

        def reach() -> Finding:
            ping()
            return Finding("queue", OK, f"{getattr(runner, 'url', 'the queue')} answers")

        out.append(
            _attempt(
                "queue",
                reach,
                "Check DZINZA_QUEUE_URL and that Redis runs; new imports and exports are "
                "refused (503) meanwhile.",
            )
        )
    else:
        out.append(
            Finding("queue", OK, "jobs run in the server's own threads (the embedded default)")
        )
    with platform.store.read() as tx:
        waiting = [j for j in tx.unfinished_jobs() if j["status"] == "queued"]
    if waiting:
        oldest = waiting[0]["created_at"]
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        age = (datetime.now(UTC) - oldest).total_seconds()
        if age > QUEUE_WAIT_S:
            who = (
                "Start `dzinza worker` processes (DZINZA_QUEUE_URL is set: the server does "
                "not run jobs itself)."
                if settings.queue_url
                else "Start `dzinza serve`: it runs the jobs, and picks up those left waiting."
            )
            out.append(
                Finding(
                    "workers",
                    WARN,
                    f"{len(waiting)} jobs wait, the oldest for {age / 60:.0f} minutes",
                    who,
                )
            )
            return out
    out.append(Finding("workers", OK, f"{len(waiting)} jobs waiting"))
    return out


def _disk(folder: Path) -> Finding:
    free = shutil.disk_usage(folder).free
    shown = f"{free / (1 << 30):.1f} GiB free under {folder}"
    if free < DISK_FAIL:
        return Finding("disk", FAIL, shown, "Free space now: imports, uploads and SQLite need it.")
    if free < DISK_WARN:
        return Finding("disk", WARN, shown, "Free some space soon, or grow the volume.")
    return Finding("disk", OK, shown)


def _backups(settings: Settings) -> Finding:
    def latest() -> Finding:
        service = bootstrap.backups(settings)
        try:
            store = bootstrap.backup_store(settings)
            found = service.age_of_latest(store)
        finally:
            service.database.close()
        if found is None:
            return Finding(
                "backups",
                WARN,
                f"no finished backup in {store.url}",
                "Run `dzinza backup create`, and schedule it daily (docs/operations/backups.md).",
            )
        name, seconds = found
        hours = seconds / 3600
        if hours > BACKUP_AGE_H:
            return Finding(
                "backups",
                WARN,
                f"the latest backup, {name}, is {hours:.0f} hours old",
                "Check the daily backup job (its log, its schedule) and run one now.",
            )
        return Finding("backups", OK, f"the latest, {name}, is {hours:.1f} hours old")

    return _attempt(
        "backups", latest, "Check DZINZA_BACKUP_URL and the credentials of the backup store."
    )


def checkup(make_settings: Callable[[], Settings] = Settings) -> dict[str, Any]:
    """Every check, as ``dzinza doctor --json`` prints it."""
    started = time.monotonic()
    found = examine(make_settings)
    return {
        "ok": not failed(found),
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "took_ms": round((time.monotonic() - started) * 1000),
        "findings": [f.as_dict() for f in found],
    }
