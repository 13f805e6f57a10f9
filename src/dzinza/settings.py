"""Runtime settings, read from ``DZINZA_*`` environment variables (and a ``.env`` file if present).

The embedded default needs no settings at all: everything lives under ``DZINZA_DATA_DIR``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path.cwd() / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DZINZA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    """SQLAlchemy URL; the default is a SQLite file in ``data_dir``."""
    host: str = "127.0.0.1"
    port: int = 8000
    token_ttl_hours: int = 24
    """Lifetime of the bearer tokens that ``POST /api/v1/auth/token`` hands out."""
    sql_echo: bool = False
    trusted_proxies: str = "127.0.0.1"
    """Comma-separated addresses or networks (CIDR) of the proxies in front of Dzinza whose
    X-Forwarded-For/-Proto headers are believed; "*" believes anyone (only behind a proxy that
    overwrites them)."""
    password_hashing: Literal["standard", "fast-for-tests-only"] = "standard"  # noqa: S105
    """argon2id at RFC 9106's cost; the fast profile (1 pass, 1 MiB) is for test suites only."""
    smtp_url: str | None = None
    """``smtp://user:pass@host:port?starttls=1`` (or ``smtps://``); without it, mail is written
    as .eml files under ``data_dir/mail`` and announced on the console."""
    mail_from: str = "Dzinza <dzinza@localhost>"
    public_url: str | None = None
    """The site's address as people reach it, for links in emails; default http://host:port."""
    terms_version: str = "2026-11"
    """The terms of use in force; accounts are asked to accept it (``/api/v1/account/consents``)."""
    privacy_version: str = "2026-11"
    """The privacy policy in force."""
    job_workers: int = Field(default=1, ge=1, le=32)
    """Threads that run background jobs (GEDCOM import and export) in the server process."""
    import_max_bytes: int = Field(default=512 * 1024 * 1024, ge=1)
    """The largest GEDCOM or GEDZIP file the API accepts for import (and the most a GEDZIP's
    gedcom.ged may expand to)."""
    search_url: str = "sql"
    """Where people are searched: ``sql`` (the database itself: SQLite FTS5 or PostgreSQL
    tsvector) or ``opensearch://[user:password@]host:port[/?index=NAME&tls=true]``."""
    search_indexer: bool = True
    """Whether this process keeps the search index current from the outbox (a thread)."""
    cache_url: str | None = None
    """Where charts and statistics are cached: this process's memory (the default) or
    ``redis://[:password@]host:port/db`` / ``rediss://`` (ElastiCache), shared by replicas."""
    api_requests_per_minute: int = Field(default=1200, ge=0)
    """Requests a minute one account (or one address, signed out) may make to the API; past
    it, 429 with Retry-After. Counted in the cache (Redis when ``cache_url`` is set). 0: none."""
    queue_url: str | None = None
    """Where background jobs wait: none (the default: the server's own threads run them) or
    ``redis://...``, from which ``dzinza worker`` processes take them."""
    media_url: str | None = None
    """Where photos and documents are stored: ``file://PATH`` (default: ``data_dir/media``) or
    ``s3://BUCKET?region=R[&endpoint=URL][&prefix=P][&sse=AES256|aws:kms&kms_key_id=ID]``
    (credentials from the standard AWS environment variables or the pod's IAM role)."""
    log_format: Literal["json", "text"] = "json"
    """``json``: one object a line, for the log collector; ``text`` for a person at a terminal."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    tracing: Literal["on", "console", "off"] = "on"
    """OpenTelemetry (see ``dzinza.tracing``): ``on`` gives every request and job a trace id (in
    the logs and error bodies) and exports spans over OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT``
    is set; ``console`` prints them too; ``off`` turns tracing off."""
    trace_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    """The share of new traces whose spans are kept and exported."""
    trace_service_name: str = "dzinza"
    """The service name on the spans (``dzinza-api``, ``dzinza-worker`` in the cluster)."""
    metrics_token: str | None = None
    """A secret: ``GET /metrics`` answers only ``Authorization: Bearer <it>`` (without it the
    route does not exist). Prometheus reads it from a Kubernetes secret."""
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Serve the metrics on this port too (``dzinza serve`` and ``dzinza worker``): a port the
    Service and Ingress do not expose, for Prometheus inside the cluster."""
    backup_url: str | None = None
    """Where ``dzinza backup create`` writes backups: ``file://PATH`` (default:
    ``data_dir/backups``) or an S3 bucket and prefix in the form of ``media_url``
    (``s3://BUCKET?prefix=backups/&sse=aws:kms...``). Keep it away from the media store."""
    backup_key_url: str | None = None
    """Set: backups are encrypted on this side before they are written, under a data key of
    their own wrapped by this key: ``file:///PATH`` (a key file, ``dzinza backup key PATH``) or
    ``kms://KEY?region=R`` (AWS KMS). Reading an encrypted backup needs the same key."""
    media_signing_keys: str | None = None
    """``kid:secret[,kid:secret...]``: the keys that sign the local folder's file URLs, the first
    signing and all verifying (rotation). Default: one key kept in ``data_dir/media-signing.key``
    (every replica must share the same keys: set this when there is more than one)."""
    media_max_file_bytes: int = Field(default=2 * 1024**3, ge=1)
    """The largest photo or document one may store."""
    media_form_max_bytes: int = Field(default=100 * 1024**2, ge=1)
    """The largest file sent in one multipart request; larger ones use direct uploads."""
    media_tree_quota_bytes: int = Field(default=20 * 1024**3, ge=0)
    """What the stored files of one tree may take in all."""
    media_url_ttl_seconds: int = Field(default=900, ge=10, le=7 * 24 * 3600)
    """How long a signed URL of a file stays valid."""
    media_part_bytes: int = Field(default=16 * 1024**2, ge=5 * 1024**2)
    """The part size of direct uploads (S3 needs at least 5 MiB)."""
    media_orphan_grace_hours: int = Field(default=720, ge=0)
    """How long the bytes of deleted media are kept before they are removed (undo window)."""
    media_cdn_url: str | None = None
    """A CloudFront distribution in front of the S3 bucket, for thumbnails and previews
    (``https://dxxxx.cloudfront.net``); its URLs are signed with the key pair below."""
    media_cdn_key_id: str | None = None
    media_cdn_private_key_file: Path | None = None
    """PEM file of the CloudFront key pair's private key (a mounted secret)."""

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'dzinza.db'}"

    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")
