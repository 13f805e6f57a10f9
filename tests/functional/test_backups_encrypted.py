"""Encrypted backups, on SQLite and PostgreSQL: nothing readable leaves the process (no name,
no photo), the backup still verifies and restores whole with its key, and without it, with
another key, or after tampering it is refused clearly. The key from a local key file, or from
AWS KMS, played here by moto's KMS emulator (a real HTTP server on 127.0.0.1; the real KMS cannot
be reached from these machines)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from typer.testing import CliRunner

from dzinza import bootstrap
from dzinza.cli import app as cli
from dzinza.domain.errors import Unavailable, ValidationFailed
from dzinza.ports import BlobStore
from dzinza.services.backups import BackupService

# With the fixtures of the plain backup tests: a tree with a photo, an empty database to restore
# into.
from tests.functional.test_backups import _service, _settings, empty_url, family  # noqa: F401

REGION = "af-south-1"


@pytest.fixture
def key_url(tmp_path: Path) -> str:
    path = tmp_path / "keys" / "backup.key"
    bootstrap.create_key_file(path)
    return path.as_uri()


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return bootstrap.backup_store(_settings("sqlite://", tmp_path), (tmp_path / "backups").as_uri())


@pytest.fixture
def sealed(database_url: str, tmp_path: Path, key_url: str) -> Iterator[BackupService]:
    with _service(_settings(database_url, tmp_path, backup_key_url=key_url)) as service:
        yield service


def _files(tmp_path: Path, name: str) -> list[Path]:
    return [p for p in (tmp_path / "backups" / name).rglob("*") if p.is_file()]


def test_an_encrypted_backup_hides_everything_and_restores_whole(
    family: dict[str, Any],  # noqa: F811
    sealed: BackupService,
    store: BlobStore,
    empty_url: str,  # noqa: F811
    tmp_path: Path,
    key_url: str,
) -> None:
    made = sealed.create(store)
    assert sealed.keys is not None and made["encrypted_with"] == sealed.keys.key_id
    manifest = sealed.manifest(store, made["name"])
    encryption = manifest["encryption"]
    assert encryption["algorithm"] == "AES-256-GCM-STREAM-1MiB"
    assert encryption["key_id"] == made["encrypted_with"]
    key_file = Path(key_url.removeprefix("file://")).read_text().strip()
    assert key_file not in json.dumps(manifest)

    # Nothing of the family is readable in any stored file but the manifest.
    for path in _files(tmp_path, made["name"]):
        if path.name == "manifest.json":
            continue
        data = path.read_bytes()
        assert data.startswith(b"DZE1"), path
        for secret in (b"Rudo", b"Moyo", b"Backed up", b"keeper@example.org", b"SQLite format 3"):
            assert secret not in data, (path, secret)
        assert family["photo"][100:164] not in data
        relative = str(path.relative_to(tmp_path / "backups" / made["name"]))
        entry = manifest["files"][relative]
        assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["content_size"] < entry["size"]
    assert [b["encrypted_with"] for b in sealed.backups(store)] == [made["encrypted_with"]]

    report = sealed.verify(store, made["name"])
    assert report["ok"], report

    restored = _settings(empty_url, tmp_path / "restored", backup_key_url=key_url)
    with _service(restored) as service:
        done = service.restore(store, made["name"])
        assert done["media"]["objects"] == made["media"]["objects"]
        assert {t: (d.rows, d.digest) for t, d in service.database.digests().items()} == {
            t: (d["rows"], d["digest"]) for t, d in manifest["database"]["tables"].items()
        }
        originals = list(service.media.keys("originals/"))
        with service.media.open(originals[0]) as f:
            assert f.read() == family["photo"]


def test_without_the_key_or_with_another_nothing_is_read(
    family: dict[str, Any],  # noqa: F811
    sealed: BackupService,
    store: BlobStore,
    empty_url: str,  # noqa: F811
    tmp_path: Path,
    database_url: str,
) -> None:
    made = sealed.create(store)
    key_id = made["encrypted_with"]
    with (
        _service(_settings(database_url, tmp_path / "nokey")) as keyless,
        pytest.raises(
            ValidationFailed, match=f"encrypted with the key {key_id}: set DZINZA_BACKUP_KEY_URL"
        ),
    ):
        keyless.verify(store, made["name"])
    other = tmp_path / "other.key"
    bootstrap.create_key_file(other)
    wrong = _settings(empty_url, tmp_path / "wrong", backup_key_url=other.as_uri())
    with _service(wrong) as service:
        with pytest.raises(ValidationFailed, match="cannot unwrap"):
            service.restore(store, made["name"])
        assert service.database.is_empty()


def test_tampering_is_found_even_with_the_checksums_rewritten(
    family: dict[str, Any],  # noqa: F811
    sealed: BackupService,
    store: BlobStore,
    empty_url: str,  # noqa: F811
    tmp_path: Path,
    key_url: str,
) -> None:
    made = sealed.create(store)
    folder = tmp_path / "backups" / made["name"]
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    database = folder / manifest["database"]["file"]
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0x01
    database.write_bytes(bytes(data))
    report = sealed.verify(store, made["name"])
    assert not report["ok"] and any("damaged" in p for p in report["problems"]), report

    # Someone who can write the store rewrites the manifest to match: the data key's
    # authentication still refuses the file.
    entry = manifest["files"][database.name]
    entry["size"], entry["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    manifest_path.write_text(json.dumps(manifest))
    report = sealed.verify(store, made["name"])
    assert report["problems"] == [f"{database.name}: it does not decrypt (damaged)"]
    with _service(_settings(empty_url, tmp_path / "restored", backup_key_url=key_url)) as service:
        with pytest.raises(ValidationFailed, match="damaged; nothing was restored"):
            service.restore(store, made["name"])
        assert service.database.is_empty()


def test_the_command_line_makes_a_key_and_uses_it(
    family: dict[str, Any],  # noqa: F811
    database_url: str,
    tmp_path: Path,
    empty_url: str,  # noqa: F811
) -> None:
    runner = CliRunner()
    env = {"DZINZA_DATABASE_URL": database_url, "DZINZA_DATA_DIR": str(tmp_path)}
    path = tmp_path / "backup.key"
    made_key = runner.invoke(cli, ["backup", "key", str(path)], env=env)
    assert made_key.exit_code == 0, made_key.output
    assert "DZINZA_BACKUP_KEY_URL=" + path.resolve().as_uri() in made_key.stdout.replace("\n", "")
    again = runner.invoke(cli, ["backup", "key", str(path)], env=env)
    assert again.exit_code == 1 and "never overwritten" in again.stderr

    made = runner.invoke(cli, ["backup", "create", "--key", path.as_uri(), "--json"], env=env)
    assert made.exit_code == 0, made.output
    location = json.loads(made.stdout)["location"]
    listed = runner.invoke(cli, ["backup", "list"], env=env)
    assert "encrypted (file:" in " ".join(listed.stdout.split())
    keyless = runner.invoke(cli, ["backup", "verify", location], env=env)
    assert keyless.exit_code == 1 and "DZINZA_BACKUP_KEY_URL" in keyless.stderr
    assert "Traceback" not in keyless.output
    keyed = {**env, "DZINZA_BACKUP_KEY_URL": path.as_uri()}
    checked = runner.invoke(cli, ["backup", "verify", location], env=keyed)
    assert checked.exit_code == 0 and "The backup is sound" in checked.stdout
    # What the monthly restore test runs: the newest backup of the configured store.
    newest = runner.invoke(cli, ["backup", "verify", "latest", "--json"], env=keyed)
    assert newest.exit_code == 0, newest.output
    assert json.loads(newest.stdout)["location"] == location
    nothing = runner.invoke(
        cli, ["backup", "verify", "latest", "--to", (tmp_path / "none").as_uri()], env=keyed
    )
    assert nothing.exit_code == 1 and "no finished backup" in nothing.stderr
    restored = {
        "DZINZA_DATABASE_URL": empty_url,
        "DZINZA_DATA_DIR": str(tmp_path / "restored"),
        "DZINZA_BACKUP_KEY_URL": path.as_uri(),
    }
    done = runner.invoke(cli, ["backup", "restore", location, "--json"], env=restored)
    assert done.exit_code == 0, done.output
    bad = runner.invoke(cli, ["backup", "create", "--key", "file:///nowhere/key"], env=env)
    assert bad.exit_code == 1 and "cannot be read" in bad.stderr


# -- AWS KMS, through its emulator ---------------------------------------------------------------
@pytest.fixture(scope="module")
def kms_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def kms(kms_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "kms-emulator")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "kms-emulator-secret")
    return boto3.client("kms", endpoint_url=kms_endpoint, region_name=REGION)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_kms_key_wraps_the_data_key(
    family: dict[str, Any],  # noqa: F811
    database_url: str,
    store: BlobStore,
    empty_url: str,  # noqa: F811
    tmp_path: Path,
    kms: Any,
    kms_endpoint: str,
) -> None:
    key = kms.create_key(Description="Dzinza backups")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=f"alias/dzinza-backups-{key[:8]}", TargetKeyId=key)
    url = f"kms://alias/dzinza-backups-{key[:8]}?region={REGION}&endpoint={kms_endpoint}"
    with _service(_settings(database_url, tmp_path, backup_key_url=url)) as service:
        made = service.create(store)
        assert made["encrypted_with"] == f"alias/dzinza-backups-{key[:8]}"
        wrapped = base64.b64decode(
            service.manifest(store, made["name"])["encryption"]["wrapped_key"]
        )
        # KMS holds the key: what the manifest keeps decrypts only through KMS, bound to Dzinza's
        # context.
        assert kms.decrypt(
            CiphertextBlob=wrapped,
            EncryptionContext={"application": "dzinza", "purpose": "data-key"},
        )["KeyId"].endswith(key)
        assert service.verify(store, made["name"])["ok"]
    with _service(_settings(empty_url, tmp_path / "restored", backup_key_url=url)) as service:
        assert service.restore(store, made["name"])["rows"] == made["rows"]

    other = kms.create_key()["KeyMetadata"]["KeyId"]
    wrong = f"kms://{other}?region={REGION}&endpoint={kms_endpoint}"
    with (
        _service(_settings(database_url, tmp_path / "wrong", backup_key_url=wrong)) as service,
        pytest.raises(ValidationFailed, match="cannot unwrap"),
    ):
        service.verify(store, made["name"])
    away = f"kms://{key}?region={REGION}&endpoint=http://127.0.0.1:9"
    with (
        _service(_settings(database_url, tmp_path / "away", backup_key_url=away)) as service,
        pytest.raises(Unavailable, match="AWS KMS cannot be reached"),
    ):
        service.create(store)
