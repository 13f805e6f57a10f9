"""The one place that reads settings and picks concrete adapters, by URL.

``sqlite:///...`` (the embedded default) and ``postgresql+psycopg://...`` both use the SQL store;
the cache, search, media and queue adapters join here as they are built.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

import sqlalchemy as sa

from dzinza.adapters.clock import SystemClock
from dzinza.adapters.jobs_inprocess import InProcessJobRunner
from dzinza.adapters.mail.files import FileMailer
from dzinza.adapters.mail.smtp import SmtpMailer
from dzinza.adapters.passwords import Argon2Hasher
from dzinza.adapters.sql import database
from dzinza.adapters.sql.search import SqlSearchIndex
from dzinza.adapters.sql.store import SqlTreeStore
from dzinza.domain.errors import DzinzaError
from dzinza.ports import Mailer, SearchIndex
from dzinza.services.gdpr import Documents
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
    return database.create_engine(url, echo=settings.sql_echo)


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
        job_runner=functools.partial(InProcessJobRunner, workers=settings.job_workers),
        work_dir=settings.data_dir / "work",
        import_max_bytes=settings.import_max_bytes,
        search_index=_search_index(settings, engine),
    )
    if resume_jobs and settings.search_indexer:
        platform.search.start_indexer()
    if resume_jobs:  # the in-process runner: this process picks up what the last one left
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
