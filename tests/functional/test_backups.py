"""Backups of a real database (SQLite, and PostgreSQL with pg_dump) and of the stored photos:
made while the platform runs, checked file by file and table by table, restored into an empty
database and media store with everything back, damage found and refused, old ones pruned; on a
local folder and on S3 (SeaweedFS)."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy as sa
from botocore.config import Config
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dzinza import bootstrap
from dzinza.api.app import create_app
from dzinza.cli import app as cli
from dzinza.domain.errors import DzinzaError, ValidationFailed
from dzinza.ports import BlobStore
from dzinza.services.backups import BackupService, split_location
from dzinza.services.platform import Platform
from dzinza.settings import Settings
from tests.conftest import Api, make_user
from tests.functional.test_media import jpeg, ready, upload


def _settings(database_url: str, data_dir: Path, **extra: Any) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        password_hashing="fast-for-tests-only",
        api_requests_per_minute=0,
        **extra,
    )


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second database of the same kind, with nothing in it (no schema either)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'dzinza.db'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    name = f"dzinza_restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def family(client: TestClient, platform: Platform) -> dict[str, Any]:
    """A tree with two people, a family and a photo (its original and its thumbnails)."""
    owner = Api(client, make_user(platform, "keeper@example.org"))
    tree = owner.post("/trees", {"name": "Backed up"})["id"]
    rudo = owner.post(
        f"/trees/{tree}/people",
        {
            "names": [{"given": "Rudo", "surname": "Moyo"}],
            "events": [{"type": "birth", "date": "1931"}],
        },
    )["id"]
    tendai = owner.post(
        f"/trees/{tree}/people", {"names": [{"given": "Tendai", "surname": "Moyo"}]}
    )["id"]
    owner.post(f"/trees/{tree}/families", {"partner1_id": rudo, "children": [{"child_id": tendai}]})
    photo = jpeg(900, 700)
    media = ready(owner, upload(owner, tree, photo)["id"])
    assert media["status"] == "ready"
    return {"tree": tree, "rudo": rudo, "tendai": tendai, "media": media["id"], "photo": photo}


@contextlib.contextmanager
def _service(settings: Settings) -> Iterator[BackupService]:
    service = bootstrap.backups(settings)
    try:
        yield service
    finally:
        service.database.close()


@pytest.fixture
def backups(database_url: str, tmp_path: Path) -> Iterator[BackupService]:
    with _service(_settings(database_url, tmp_path)) as service:
        yield service


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return bootstrap.backup_store(_settings("sqlite://", tmp_path), (tmp_path / "backups").as_uri())


def test_a_backup_is_checked_and_restored_whole(
    family: dict[str, Any],
    backups: BackupService,
    store: BlobStore,
    empty_url: str,
    tmp_path: Path,
) -> None:
    made = backups.create(store)
    assert made["location"] == f"{store.url}/{made['name']}"
    assert made["media"]["objects"] >= 3 and made["rows"] > 20  # the original and thumbnails
    manifest = backups.manifest(store, made["name"])
    tables = manifest["database"]["tables"]
    assert tables["people"]["rows"] == 2 and tables["families"]["rows"] == 1
    assert manifest["database"]["revision"] == backups.database.revision()

    report = backups.verify(store, made["name"])
    assert report["ok"] and report["problems"] == []
    assert report["tables"] == len(tables) and report["files"] == made["media"]["objects"] + 1

    restored = _settings(empty_url, tmp_path / "restored")
    with _service(restored) as service:
        done = service.restore(store, made["name"])
        assert done["media"]["objects"] == made["media"]["objects"]
        # The restored database is, table by table, the one that was backed up.
        assert {t: (d.rows, d.digest) for t, d in service.database.digests().items()} == {
            t: (d["rows"], d["digest"]) for t, d in tables.items()
        }
    again = bootstrap.build(restored)
    try:
        with TestClient(create_app(again), raise_server_exceptions=False) as c:
            owner = Api(c, again.users.token_for_email("keeper@example.org")["access_token"])
            person = owner.get(f"/people/{family['rudo']}")
            assert person["display_name"] == "Rudo Moyo"
            assert owner.get(f"/media/{family['media']}")["status"] == "ready"
            with again.blobs.open(next(iter(again.blobs.keys("originals/")))) as f:
                assert f.read() == family["photo"]
    finally:
        again.close()


def test_damage_is_found_and_said(
    family: dict[str, Any], backups: BackupService, store: BlobStore, tmp_path: Path
) -> None:
    made = backups.create(store)
    folder = tmp_path / "backups" / made["name"]
    photo = next((folder / "media" / "originals").rglob("*"))
    while photo.is_dir():
        photo = next(photo.iterdir())
    data = bytearray(photo.read_bytes())
    data[len(data) // 2] ^= 0xFF
    photo.write_bytes(bytes(data))
    report = backups.verify(store, made["name"])
    assert not report["ok"]
    assert any("damaged" in p and "originals/" in p for p in report["problems"]), report

    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["database"]["tables"]["people"]["digest"] = "0" * 16
    manifest_path.write_text(json.dumps(manifest))
    report = backups.verify(store, made["name"])
    assert any(
        p.startswith("table people:") and "different content" in p for p in report["problems"]
    )

    database = folder / manifest["database"]["file"]
    database.write_bytes(database.read_bytes()[:-100])
    report = backups.verify(store, made["name"])
    assert any(p.startswith(manifest["database"]["file"]) for p in report["problems"])

    manifest_path.unlink()
    with pytest.raises(ValidationFailed, match="never finished"):
        backups.verify(store, made["name"])
    assert backups.backups(store) == [{"name": made["name"], "complete": False}]
    with pytest.raises(DzinzaError, match="There is no backup"):
        backups.verify(store, "dzinza-backup-19990101T000000Z")


def test_a_restore_never_overwrites(
    family: dict[str, Any],
    backups: BackupService,
    store: BlobStore,
    database_url: str,
    empty_url: str,
    tmp_path: Path,
) -> None:
    made = backups.create(store)
    # Into the database it came from (not empty): refused before anything is written.
    before = backups.database.digests()
    with pytest.raises(ValidationFailed, match="not empty"):
        backups.restore(store, made["name"])
    assert backups.database.digests() == before

    # A media store holding files of its own: refused, the database left untouched.
    other = tmp_path / "other"
    (other / "media" / "strangers").mkdir(parents=True)
    (other / "media" / "strangers" / "a.txt").write_text("not from this backup")
    with _service(_settings(empty_url, other)) as service:
        with pytest.raises(ValidationFailed, match="1 files that are not in this backup"):
            service.restore(store, made["name"])
        assert service.database.is_empty()

    # A damaged photo: that file is named and the database is not restored.
    folder = tmp_path / "backups" / made["name"]
    victim = next(p for p in (folder / "media").rglob("*") if p.is_file())
    victim.write_bytes(b"x" + victim.read_bytes()[1:])
    with _service(_settings(empty_url, tmp_path / "third")) as service:
        with pytest.raises(ValidationFailed, match="damaged; it was not restored"):
            service.restore(store, made["name"])
        assert service.database.is_empty()


def test_the_kind_of_database_must_match(
    family: dict[str, Any], backups: BackupService, store: BlobStore, tmp_path: Path
) -> None:
    made = backups.create(store)
    path = tmp_path / "backups" / made["name"] / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["database"]["kind"] = "oracle"
    path.write_text(json.dumps(manifest))
    with pytest.raises(ValidationFailed, match="holds a oracle database"):
        backups.verify(store, made["name"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_old_backups_are_pruned_and_unfinished_ones_with_them(
    family: dict[str, Any], backups: BackupService, store: BlobStore, tmp_path: Path
) -> None:
    names = [backups.create(store)["name"] for _ in range(3)]
    assert len(set(names)) == 3  # made within one second: the names still differ
    unfinished = tmp_path / "backups" / "dzinza-backup-20000101T000000Z"
    unfinished.mkdir()
    (unfinished / "database.sqlite").write_bytes(b"half")
    listed = backups.backups(store)
    assert [b["name"] for b in listed if b["complete"]] == sorted(names, reverse=True)
    gone = backups.prune(store, keep=2)
    assert gone == sorted([min(names), unfinished.name])
    assert [b["name"] for b in backups.backups(store)] == sorted(names, reverse=True)[:2]
    with pytest.raises(ValidationFailed):
        backups.prune(store, keep=0)


def test_locations_name_the_store_and_the_backup() -> None:
    assert split_location("file:///srv/backups/dzinza-backup-20261127T020000Z") == (
        "file:///srv/backups",
        "dzinza-backup-20261127T020000Z",
    )
    assert split_location(
        "s3://vault/dzinza-backup-20261127T020000Z?prefix=dzinza&region=af-south-1"
    ) == ("s3://vault?prefix=dzinza&region=af-south-1", "dzinza-backup-20261127T020000Z")
    with pytest.raises(ValidationFailed, match="not the location of a backup"):
        split_location("file:///srv/backups")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_command_line_makes_checks_and_restores(
    family: dict[str, Any], database_url: str, tmp_path: Path, empty_url: str
) -> None:
    runner = CliRunner()
    env = {"DZINZA_DATABASE_URL": database_url, "DZINZA_DATA_DIR": str(tmp_path)}
    made = runner.invoke(cli, ["backup", "create", "--json"], env=env)
    assert made.exit_code == 0, made.output
    location = json.loads(made.stdout)["location"]
    assert location.startswith((tmp_path / "backups").resolve().as_uri())
    checked = runner.invoke(cli, ["backup", "verify", location], env=env)
    assert checked.exit_code == 0 and "The backup is sound" in checked.stdout
    listed = runner.invoke(cli, ["backup", "list", "--json"], env=env)
    assert [b["name"] for b in json.loads(listed.stdout)] == [location.rsplit("/", 1)[1]]

    restored = {"DZINZA_DATABASE_URL": empty_url, "DZINZA_DATA_DIR": str(tmp_path / "restored")}
    done = runner.invoke(cli, ["backup", "restore", location, "--json"], env=restored)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["rows"] > 0
    twice = runner.invoke(cli, ["backup", "restore", location], env=restored)
    assert twice.exit_code == 1 and "not empty" in twice.stderr

    manifest = Path(location.removeprefix("file://")) / "manifest.json"
    database = manifest.parent / "database.sqlite"
    database.write_bytes(database.read_bytes()[:-1] + b"\x00")
    damaged = runner.invoke(cli, ["backup", "verify", location], env=env)
    assert damaged.exit_code == 1 and "damaged" in damaged.stderr
    wrong = runner.invoke(cli, ["backup", "verify", "file:///nowhere"], env=env)
    assert wrong.exit_code == 1 and "not the location of a backup" in wrong.stderr
    assert "Traceback" not in wrong.output


# -- on S3 ------------------------------------------------------------------------------------------
KEY, SECRET = "dzinza-test", "dzinza-test-secret"


@pytest.mark.s3
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backups_go_to_s3_and_come_back(
    family: dict[str, Any],
    backups: BackupService,
    s3_url: str,
    empty_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    endpoint = s3_url.split("endpoint=", 1)[1].split("&", 1)[0]
    bucket = f"dzinza-backups-{uuid.uuid4().hex[:10]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    ).create_bucket(Bucket=bucket)
    url = f"s3://{bucket}?endpoint={endpoint}&region=us-east-1&prefix=nightly&sse=AES256"
    store = bootstrap.backup_store(_settings("sqlite://", tmp_path), url)
    made = backups.create(store)
    assert made["location"].startswith(f"s3://{bucket}/dzinza-backup-")
    assert backups.verify(store, made["name"])["ok"]
    store_url, name = split_location(made["location"])
    again = bootstrap.backup_store(_settings("sqlite://", tmp_path), store_url)
    with _service(_settings(empty_url, tmp_path / "restored")) as service:
        done = service.restore(again, name)
        assert done["media"]["objects"] == made["media"]["objects"]
        assert service.database.digests()["people"].rows == 2
