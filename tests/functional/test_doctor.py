"""``dzinza doctor``: everything fine on the embedded default and at scale (PostgreSQL, Redis,
S3), and each kind of trouble found, named, and given its remedy, with exit 1 on a failure and
never a traceback."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy as sa
from botocore.config import Config
from typer.testing import CliRunner

from dzinza import bootstrap, doctor
from dzinza.adapters.sql import tables
from dzinza.cli import app as cli
from dzinza.settings import Settings


def _by_check(findings: list[doctor.Finding]) -> dict[str, doctor.Finding]:
    return {f.check: f for f in findings}


@pytest.fixture
def data_dir(tmp_path: Path, sqlite_template: Path) -> Path:
    """The embedded default, migrated."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(sqlite_template, folder / "dzinza.db")
    return folder


def _settings(data_dir: Path, **extra: Any) -> Settings:
    return Settings(data_dir=data_dir, **extra)


def test_the_embedded_default_is_healthy(data_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["doctor", "--json"], env={"DZINZA_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    statuses = {f["check"]: f["status"] for f in found["findings"]}
    assert found["ok"] is True
    assert statuses == {
        "configuration": "ok",
        "data folder": "ok",
        "database": "ok",
        "cache": "ok",
        "search": "ok",
        "search index lag": "ok",
        "storage": "ok",
        "queue": "ok",
        "workers": "ok",
        "disk": "ok",
        # Nobody has made a backup yet: said, but not a failure.
        "backups": "warn",
    }
    backups = next(f for f in found["findings"] if f["check"] == "backups")
    assert "dzinza backup create" in backups["advice"]
    # The probe of the media store leaves nothing behind.
    assert not list((data_dir / "media").rglob("probe-*"))
    text = CliRunner().invoke(cli, ["doctor"], env={"DZINZA_DATA_DIR": str(data_dir)})
    assert text.exit_code == 0 and "warn backups" in text.stdout


def test_a_database_without_the_schema_or_behind_it(tmp_path: Path, data_dir: Path) -> None:
    empty = tmp_path / "empty"
    result = CliRunner().invoke(cli, ["doctor"], env={"DZINZA_DATA_DIR": str(empty)})
    assert result.exit_code == 1
    assert "FAIL database" in result.stdout and "dzinza db upgrade" in result.stdout
    assert "Traceback" not in result.output

    engine = sa.create_engine(f"sqlite:///{data_dir / 'dzinza.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0009'")
    engine.dispose()
    found = _by_check(doctor.examine(lambda: _settings(data_dir)))
    assert found["database"].status == "fail"
    assert "revision 0009" in found["database"].detail


def test_an_unreachable_database_and_a_bad_setting(tmp_path: Path) -> None:
    env = {
        "DZINZA_DATA_DIR": str(tmp_path),
        "DZINZA_DATABASE_URL": "postgresql+psycopg://dzinza:secret@127.0.0.1:1/dzinza",
    }
    result = CliRunner().invoke(cli, ["doctor", "--json"], env=env)
    assert result.exit_code == 1
    found = {f["check"]: f for f in json.loads(result.stdout)["findings"]}
    assert found["database"]["status"] == "fail"
    assert "cannot be reached" in found["database"]["detail"]
    assert "secret" not in result.stdout  # the password is never printed
    assert "DZINZA_DATABASE_URL" in found["database"]["advice"]

    bad = CliRunner().invoke(
        cli, ["doctor"], env={"DZINZA_DATA_DIR": str(tmp_path), "DZINZA_PORT": "eighty"}
    )
    assert bad.exit_code == 1 and "FAIL configuration" in bad.stdout and "port" in bad.stdout


def test_an_unreachable_cache_and_jobs_nobody_takes(data_dir: Path) -> None:
    settings = _settings(data_dir, cache_url="redis://127.0.0.1:1/0")
    found = _by_check(doctor.examine(lambda: settings))
    assert found["cache"].status == "fail" and "Redis" in found["cache"].advice

    engine = sa.create_engine(f"sqlite:///{data_dir / 'dzinza.db'}")
    with engine.begin() as conn:
        conn.execute(
            tables.jobs.insert().values(
                id=uuid.uuid4(),
                kind="gedcom.import",
                status="queued",
                params={},
                created_at=datetime.now(UTC) - timedelta(hours=2),
            )
        )
    engine.dispose()
    found = _by_check(doctor.examine(lambda: _settings(data_dir)))
    assert found["workers"].status == "warn"
    assert "1 jobs wait" in found["workers"].detail and "dzinza serve" in found["workers"].advice


def test_little_disk_an_old_backup_and_an_unwritable_store(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = bootstrap.backups(_settings(data_dir))
    try:
        service.create(bootstrap.backup_store(_settings(data_dir)))
    finally:
        service.database.close()
    assert _by_check(doctor.examine(lambda: _settings(data_dir)))["backups"].status == "ok"
    monkeypatch.setattr(doctor, "BACKUP_AGE_H", -1.0)
    monkeypatch.setattr(doctor, "DISK_FAIL", 1 << 62)
    found = _by_check(doctor.examine(lambda: _settings(data_dir)))
    assert found["backups"].status == "warn" and "hours old" in found["backups"].detail
    assert found["disk"].status == "fail" and "Free space" in found["disk"].advice

    monkeypatch.undo()
    media = data_dir / "media"
    media.mkdir(exist_ok=True)
    shutil.rmtree(media / "doctor", ignore_errors=True)
    (media / "doctor").write_text("a file where the probe wants a folder")
    found = _by_check(doctor.examine(lambda: _settings(data_dir)))
    assert found["storage"].status == "fail" and "DZINZA_MEDIA_URL" in found["storage"].advice


KEY, SECRET = "dzinza-test", "dzinza-test-secret"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.s3
def test_at_scale_everything_is_checked(
    postgres_db: str,
    redis_url: str,
    s3_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    endpoint = s3_url.split("endpoint=", 1)[1].split("&", 1)[0]
    bucket = f"dzinza-doctor-{uuid.uuid4().hex[:10]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    ).create_bucket(Bucket=bucket)
    settings = Settings(
        data_dir=tmp_path,
        database_url=postgres_db,
        cache_url=redis_url,
        queue_url=redis_url,
        media_url=f"s3://{bucket}?endpoint={endpoint}&region=us-east-1",
    )
    found = _by_check(doctor.examine(lambda: settings))
    statuses = {name: f.status for name, f in found.items()}
    assert statuses.pop("backups") == "warn"
    assert set(statuses.values()) == {"ok"}, found
    assert "clock" in statuses  # PostgreSQL's clock is compared with ours
    assert found["queue"].detail.endswith("answers") and found["cache"].detail.endswith("answers")
