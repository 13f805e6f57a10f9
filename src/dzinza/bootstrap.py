"""The one place that reads settings and picks concrete adapters, by URL.

``sqlite:///...`` (the embedded default) and ``postgresql+psycopg://...`` both use the SQL store;
the cache, search, media and queue adapters join here as they are built.
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import cast

import sqlalchemy as sa

from dzinza import telemetry, tracing
from dzinza.adapters.blobs import blob_store_from_url
from dzinza.adapters.cache import cache_from_url
from dzinza.adapters.clock import SystemClock
from dzinza.adapters.jobs_inprocess import InProcessJobRunner
from dzinza.adapters.keys import create_key_file as create_key_file  # `dzinza backup key`
from dzinza.adapters.keys import key_provider_from_url
from dzinza.adapters.mail.files import FileMailer
from dzinza.adapters.mail.smtp import SmtpMailer
from dzinza.adapters.passwords import Argon2Hasher
from dzinza.adapters.sql import database
from dzinza.adapters.sql import pitr as pitr  # the command line's PITR tools
from dzinza.adapters.sql.search import SqlSearchIndex
from dzinza.adapters.sql.snapshots import snapshots_for
from dzinza.adapters.sql.store import SqlTreeStore
from dzinza.domain.errors import DzinzaError
from dzinza.ports import BlobStore, Cache, Mailer, SearchIndex
from dzinza.services.backups import BackupService
from dzinza.services.gdpr import Documents
from dzinza.services.jobs import RunnerFactory
from dzinza.services.media_store import MediaSettings
from dzinza.services.platform import Platform
from dzinza.settings import Settings

SQL_SCHEMES = ("sqlite", "postgresql")
log = logging.getLogger("dzinza")


def _engine(settings: Settings) -> sa.Engine:
    url = settings.resolved_database_url()
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme not in SQL_SCHEMES:
        raise DzinzaError(
            f"DZINZA_DATABASE_URL must start with sqlite:// or postgresql+psycopg:// (got {scheme}://)."
        )
    # Every way into the platform (the server, a worker, a command) opens the database first:
    # tracing is set up here, before the first span could be made.
    tracing.configure(settings)
    engine = database.create_engine(url, echo=settings.sql_echo)
    telemetry.instrument_engine(engine)
    tracing.instrument_engine(engine)
    return engine


def _mailer(settings: Settings) -> Mailer:
    """SMTP when ``DZINZA_SMTP_URL`` is set; otherwise .eml files in the data folder."""
    if settings.smtp_url:
        try:
            return SmtpMailer(settings.smtp_url, settings.mail_from)
        except ValueError as exc:
            raise DzinzaError(f"DZINZA_SMTP_URL: {exc}") from exc
    return FileMailer(settings.data_dir / "mail", settings.mail_from)


def _search_index(settings: Settings, engine: sa.Engine) -> SearchIndex:
    """``sql`` (the default: the database itself) or ``opensearch://...``."""
    url = settings.search_url.strip()
    if url in ("", "sql"):
        return SqlSearchIndex(engine)
    if url.startswith("opensearch://"):
        from dzinza.adapters.search_opensearch import OpenSearchIndex

        try:
            return OpenSearchIndex(url)
        except ValueError as exc:
            raise DzinzaError(f"DZINZA_SEARCH_URL: {exc}") from exc
    raise DzinzaError(
        f"DZINZA_SEARCH_URL must be 'sql' or start with opensearch:// (got {url.split('://')[0]}://)."
    )


def _signing_keys(settings: Settings) -> list[tuple[str, bytes]]:
    """The keys of the local folder's signed URLs: from the settings, else one random key kept
    in the data folder (created on first use, readable by this user only)."""
    if settings.media_signing_keys:
        keys = []
        for item in settings.media_signing_keys.split(","):
            kid, sep, secret = item.strip().partition(":")
            if not sep or not kid or len(secret) < 16:
                raise DzinzaError(
                    "DZINZA_MEDIA_SIGNING_KEYS must be kid:secret pairs separated by commas, "
                    "each secret at least 16 characters."
                )
            keys.append((kid, secret.encode()))
        return keys
    path = settings.data_dir / "media-signing.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return [("local", path.read_text().strip().encode())]


def _blob_store(settings: Settings) -> BlobStore:
    """``file://PATH`` (the default: ``data_dir/media``) or ``s3://BUCKET?...``."""
    url = (settings.media_url or "").strip() or (settings.data_dir / "media").resolve().as_uri()
    pem = None
    if settings.media_cdn_private_key_file is not None:
        pem = settings.media_cdn_private_key_file.read_bytes()
    cdn = f"&cdn={settings.media_cdn_url}" if settings.media_cdn_url else ""
    if cdn and not url.startswith("s3://"):
        raise DzinzaError(
            "DZINZA_MEDIA_CDN_URL needs an S3 media store (DZINZA_MEDIA_URL=s3://...)."
        )
    if cdn:
        url += cdn if "?" in url else "?" + cdn[1:]
    try:
        store = blob_store_from_url(
            url,
            base_url=settings.resolved_public_url(),
            signing_keys=_signing_keys(settings) if url.startswith("file:") else [],
            cdn_key_id=settings.media_cdn_key_id,
            cdn_private_key_pem=pem,
        )
        return cast(BlobStore, telemetry.InstrumentedBlobStore(store))
    except ValueError as exc:
        raise DzinzaError(f"DZINZA_MEDIA_URL: {exc}") from exc


def _job_runner(settings: Settings) -> RunnerFactory:
    """The server's own threads (the default), or a Redis queue that ``dzinza worker``
    processes take jobs from (``DZINZA_QUEUE_URL``)."""
    url = (settings.queue_url or "").strip()
    if not url:
        return functools.partial(InProcessJobRunner, workers=settings.job_workers)
    if not url.startswith(("redis://", "rediss://")):
        raise DzinzaError("DZINZA_QUEUE_URL must start with redis:// or rediss://.")
    from dzinza.adapters.jobs_queue import QueueJobRunner

    return functools.partial(QueueJobRunner, redis_url=url)


def _cache(settings: Settings) -> Cache:
    """This process's memory (the default) or Redis (``DZINZA_CACHE_URL=redis://...``)."""
    try:
        return cache_from_url(settings.cache_url)
    except ValueError as exc:
        raise DzinzaError(f"DZINZA_CACHE_URL: {exc}") from exc


def _media_settings(settings: Settings) -> MediaSettings:
    return MediaSettings(
        max_file_bytes=settings.media_max_file_bytes,
        form_max_bytes=settings.media_form_max_bytes,
        tree_quota_bytes=settings.media_tree_quota_bytes,
        url_ttl_seconds=settings.media_url_ttl_seconds,
        part_bytes=settings.media_part_bytes,
        orphan_grace=timedelta(hours=settings.media_orphan_grace_hours),
    )


def build(settings: Settings | None = None, *, resume_jobs: bool = False) -> Platform:
    """The platform. ``resume_jobs``: this process is the server (asgi.py), whose threads run
    the background jobs; those an earlier process left unfinished are run again. (Not for the
    command line's short-lived processes: a job resumed there would die with them.)"""
    settings = settings or Settings()
    mailer = _mailer(settings)
    engine = _engine(settings)
    store = SqlTreeStore(engine)
    platform = Platform(
        store=store,
        hasher=Argon2Hasher(fast=settings.password_hashing == "fast-for-tests-only"),  # noqa: S105
        clock=SystemClock(),
        token_ttl=timedelta(hours=settings.token_ttl_hours),
        mailer=mailer,
        base_url=settings.resolved_public_url(),
        documents=Documents(settings.terms_version, settings.privacy_version),
        job_runner=_job_runner(settings),
        work_dir=settings.data_dir / "work",
        import_max_bytes=settings.import_max_bytes,
        search_index=_search_index(settings, engine),
        blobs=_blob_store(settings),
        cache=_cache(settings),
        api_requests_per_minute=settings.api_requests_per_minute,
        media_settings=_media_settings(settings),
    )
    telemetry.watch(platform, functools.partial(_backup_age, settings))
    if resume_jobs and settings.search_indexer:
        platform.search.start_indexer()
    if resume_jobs:  # the server: it also cleans up the media store now and then
        platform.janitor.start()
    if resume_jobs and not settings.queue_url:
        # The in-process runner: this process picks up what the last one left (with a queue,
        # the workers do: `dzinza worker`).
        try:
            platform.jobs.resume_unfinished()
        except Exception:
            # A database not migrated yet, or not reachable yet: serve anyway, say why.
            log.exception("could not resume the unfinished background jobs")
    return platform


def migrate(settings: Settings | None = None, revision: str = "head") -> str | None:
    """Brings the database schema up to ``revision``; returns the revision it is at afterwards."""
    settings = settings or Settings()
    engine = _engine(settings)
    try:
        database.upgrade(engine, revision)
        return database.current_revision(engine)
    finally:
        engine.dispose()


def schema_status(settings: Settings | None = None) -> tuple[str | None, str | None]:
    """(current revision, head revision) of the configured database."""
    settings = settings or Settings()
    engine = _engine(settings)
    try:
        return database.current_revision(engine), database.head_revision()
    finally:
        engine.dispose()


def backups(settings: Settings | None = None, key_url: str | None = None) -> BackupService:
    """Backups of the configured database and media store (``dzinza backup``), encrypted with
    the key of ``key_url``, else of ``DZINZA_BACKUP_KEY_URL``, else not at all."""
    settings = settings or Settings()
    chosen = (key_url or settings.backup_key_url or "").strip()
    try:
        keys = key_provider_from_url(chosen) if chosen else None
    except ValueError as exc:
        raise DzinzaError(f"The backup key: {exc}") from exc
    return BackupService(
        snapshots_for(_engine(settings)),
        _blob_store(settings),
        SystemClock(),
        settings.data_dir / "work",
        keys,
    )


def backup_store(settings: Settings | None = None, url: str | None = None) -> BlobStore:
    """The store backups go to: ``url``, else ``DZINZA_BACKUP_URL``, else
    ``data_dir/backups``."""
    settings = settings or Settings()
    chosen = (url or settings.backup_url or "").strip()
    if not chosen:
        folder = settings.data_dir / "backups"
        folder.mkdir(parents=True, exist_ok=True)
        chosen = folder.resolve().as_uri()
    elif chosen.startswith("file://"):
        Path(chosen.removeprefix("file://").split("?", 1)[0]).mkdir(parents=True, exist_ok=True)
    try:
        # Nothing signs URLs of backups: the local folder wants a key all the same.
        keys = [("backup", secrets.token_bytes(32))]
        return blob_store_from_url(
            chosen, base_url=settings.resolved_public_url(), signing_keys=keys
        )
    except ValueError as exc:
        raise DzinzaError(f"The backup store: {exc}") from exc


def _backup_age(settings: Settings) -> float | None:
    """Seconds since the latest finished backup in the backup store (None: there is none)."""
    service = backups(settings)
    try:
        latest = service.age_of_latest(backup_store(settings))
    finally:
        service.database.close()
    return latest[1] if latest else None
