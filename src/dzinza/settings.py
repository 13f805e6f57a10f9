"""Runtime settings, read from ``DZINZA_*`` environment variables (and a ``.env`` file if present).

The embedded default needs no settings at all: everything lives under ``DZINZA_DATA_DIR``.
"""

from __future__ import annotations

from pathlib import Path

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

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'dzinza.db'}"
