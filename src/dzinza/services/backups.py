"""Backups: a consistent copy of the database and every stored photo and document, checked by
a manifest, restorable into an empty database and store (decision 13).

A backup is a folder named ``dzinza-backup-<UTC time>`` in a backup store (any ``BlobStore``: a
local folder or an S3 bucket and prefix):

- ``database.sqlite`` or ``database.pgdump``: the database snapshot;
- ``media/<key>``: a copy of every object of the media store;
- ``manifest.json``, written last: the size and SHA-256 of every file above, the database's
  kind and migration revision, and each table's row count and digest as the snapshot holds it.
  A folder without a manifest is an unfinished backup: never verified, restored or kept.

Encrypted backups (a ``KeyProvider`` given: ``DZINZA_BACKUP_KEY_URL``): every file but the
manifest is encrypted on this side before it leaves (``backup_crypto``) with a data key of the
backup's own, which the manifest keeps only wrapped by the provider's key. The manifest's sizes
and checksums are then those of the stored (encrypted) files, so any damage is found without the
key, plus the size and checksum of each file's content.

The database is copied first, then the media: photos are stored once under the hash of their
content and never changed, and the media janitor deletes only objects that nothing has
referenced for days, so every object the snapshot refers to is still there to be copied.

``verify`` reads every file back and checks its checksum, then restores the snapshot into a
scratch database and compares every table with the manifest. ``restore`` checks each file as it
goes and refuses a database or media store that is not empty.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from dzinza import __version__
from dzinza.domain.errors import N_, NotFound, ValidationFailed, said
from dzinza.ports import BlobStore, Clock, DatabaseSnapshots, KeyProvider, TableDigest
from dzinza.services import backup_crypto as crypto

FORMAT = 1
PREFIX = "dzinza-backup-"
MANIFEST = "manifest.json"
MEDIA = "media/"
OCTETS = "application/octet-stream"
CHUNK = 1 << 20
SPOOL = 8 << 20
"""Objects up to this size are held in memory on their way from one store to the other."""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Checked:
    size: int
    sha256: str


def split_location(location: str) -> tuple[str, str]:
    """``<backup store URL>/<backup name>`` (an S3 URL keeps its ``?options`` after the
    name) -> (the store's URL, the name)."""
    base, _, query = location.partition("?")
    store, _, name = base.rstrip("/").rpartition("/")
    if not name.startswith(PREFIX) or not store:
        raise ValidationFailed(
            said(
                "%(location)s is not the location of a backup: it ends with the backup's "
                "name, dzinza-backup-<time>.",
                location=base,
            )
        )
    return (f"{store}?{query}" if query else store), name


def location_of(store_url: str, name: str) -> str:
    base, _, query = store_url.partition("?")
    return f"{base.rstrip('/')}/{name}" + (f"?{query}" if query else "")


def _copy(
    source: BinaryIO,
    put: Callable[[BinaryIO], None],
    check: Callable[[Checked], None] | None = None,
) -> Checked:
    """Streams ``source`` into a spooled file while hashing it, then hands that file on
    (``check`` sees the size and hash first, and may refuse by raising)."""
    digest = hashlib.sha256()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            spool.write(chunk)
        checked = Checked(size, digest.hexdigest())
        if check is not None:
            check(checked)
        spool.seek(0)
        put(spool)  # type: ignore[arg-type]
    return checked


class _Hashing:
    """A stream that hashes what is read through it (the content, before it is encrypted)."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk

    def checked(self) -> Checked:
        return Checked(self.size, self.digest.hexdigest())


def _checksum(store: BlobStore, key: str) -> Checked | None:
    digest = hashlib.sha256()
    size = 0
    try:
        with store.open(key) as source:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except KeyError:
        return None
    return Checked(size, digest.hexdigest())


class BackupService:
    def __init__(
        self,
        database: DatabaseSnapshots,
        media: BlobStore,
        clock: Clock,
        work_dir: Path,
        keys: KeyProvider | None = None,
    ) -> None:
        self.database = database
        self.media = media
        self.clock = clock
        self.work_dir = work_dir
        self.keys = keys
        """Set: new backups are encrypted, and encrypted ones can be read."""

    def _store_file(
        self,
        target: BlobStore,
        name: str,
        path: str,
        source: BinaryIO,
        key: bytes | None,
        kind: str = OCTETS,
    ) -> dict[str, Any]:
        """Copies one file into the backup (encrypted with ``key`` if given); its manifest
        entry."""
        put = functools.partial(self._put, target, f"{name}/{path}", kind=kind)
        if key is None:
            checked = _copy(source, put)
            return {"size": checked.size, "sha256": checked.sha256}
        content = _Hashing(source)
        stored = _copy(crypto.encrypting(content, key, f"{name}/{path}"), put)  # type: ignore[arg-type]
        plain = content.checked()
        return {
            "size": stored.size,
            "sha256": stored.sha256,
            "content_size": plain.size,
            "content_sha256": plain.sha256,
        }

    def _encryption(self) -> tuple[bytes | None, dict[str, Any] | None]:
        if self.keys is None:
            return None, None
        data_key = crypto.new_data_key()
        return data_key, {
            "algorithm": crypto.ALGORITHM,
            "key_id": self.keys.key_id,
            "wrapped_key": base64.b64encode(self.keys.wrap(data_key)).decode(),
        }

    def _data_key(self, manifest: dict[str, Any]) -> bytes | None:
        """The data key of an encrypted backup (None: it is not encrypted)."""
        encryption = manifest.get("encryption")
        if not encryption:
            return None
        if encryption.get("algorithm") != crypto.ALGORITHM:
            raise ValidationFailed(
                said(
                    "The backup is encrypted with %(algorithm)s, which this Dzinza does not read.",
                    algorithm=str(encryption.get("algorithm")),
                )
            )
        if self.keys is None:
            raise ValidationFailed(
                said(
                    "The backup is encrypted with the key %(key)s: set DZINZA_BACKUP_KEY_URL "
                    "(or --key) to that key to read it.",
                    key=str(encryption.get("key_id")),
                )
            )
        try:
            return self.keys.unwrap(base64.b64decode(encryption["wrapped_key"]))
        except ValueError:
            raise ValidationFailed(
                said(
                    "The backup is encrypted with the key %(key)s, which the key given "
                    "(%(given)s) cannot unwrap: give the key it was made with, and make sure "
                    "this process may use it.",
                    key=str(encryption.get("key_id")),
                    given=self.keys.key_id,
                )
            ) from None

    # -- making one ------------------------------------------------------------------------------
    def create(self, target: BlobStore, progress: Progress | None = None) -> dict[str, Any]:
        say = progress or (lambda _message: None)
        started = time.monotonic()
        now = self.clock.now().astimezone(UTC)
        name = self._free_name(target, now)
        files: dict[str, dict[str, Any]] = {}
        data_key, encryption = self._encryption()
        self.work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.work_dir, prefix="backup-") as folder:
            snapshot = Path(folder) / self.database.file_name
            say("copying the database")
            tables = self.database.snapshot(snapshot)
            revision = self.database.revision()
            with snapshot.open("rb") as source:
                files[snapshot.name] = self._store_file(
                    target, name, snapshot.name, source, data_key
                )
        say("copying the photos and documents")
        media_bytes = 0
        keys = list(self.media.keys(""))
        for index, key in enumerate(keys, start=1):
            info = self.media.head(key)
            kind = info.content_type if info is not None and info.content_type else OCTETS
            with self.media.open(key) as source:
                entry = self._store_file(target, name, MEDIA + key, source, data_key, kind)
            files[MEDIA + key] = {**entry, "type": kind}
            media_bytes += entry.get("content_size", entry["size"])
            if index % 500 == 0:
                say(f"{index} of {len(keys)} files copied")
        manifest = {
            "format": FORMAT,
            "name": name,
            "created_at": now.isoformat(),
            "dzinza_version": __version__,
            "database": {
                "kind": self.database.kind,
                "file": self.database.file_name,
                "revision": revision,
                "tables": {t: {"rows": d.rows, "digest": d.digest} for t, d in tables.items()},
            },
            "media": {"objects": len(keys), "bytes": media_bytes},
            "files": files,
        }
        if encryption is not None:
            manifest["encryption"] = encryption
        body = json.dumps(manifest, indent=1, sort_keys=True).encode()
        target.put(f"{name}/{MANIFEST}", body, content_type="application/json")
        return {
            "location": location_of(target.url, name),
            "name": name,
            "database": {"kind": self.database.kind, "revision": revision},
            "rows": sum(d.rows for d in tables.values()),
            "media": manifest["media"],
            "bytes": sum(f["size"] for f in files.values()),
            "encrypted_with": encryption["key_id"] if encryption else None,
            "seconds": round(time.monotonic() - started, 3),
        }

    @staticmethod
    def _put(target: BlobStore, key: str, source: BinaryIO, kind: str = OCTETS) -> None:
        target.put(key, source, content_type=kind)

    @staticmethod
    def _free_name(target: BlobStore, now: datetime) -> str:
        base = PREFIX + now.strftime("%Y%m%dT%H%M%SZ")
        name, n = base, 1
        while next(iter(target.keys(f"{name}/")), None) is not None:
            n += 1
            name = f"{base}-{n}"
        return name

    # -- reading one -----------------------------------------------------------------------------
    @staticmethod
    def manifest(target: BlobStore, name: str) -> dict[str, Any]:
        try:
            with target.open(f"{name}/{MANIFEST}") as source:
                found = json.loads(source.read())
        except KeyError:
            if next(iter(target.keys(f"{name}/")), None) is None:
                raise NotFound(said("There is no backup %(name)s here.", name=name)) from None
            raise ValidationFailed(
                said(
                    "The backup %(name)s has no manifest: it was never finished. Make a new one.",
                    name=name,
                )
            ) from None
        except ValueError:
            raise ValidationFailed(
                said("The manifest of the backup %(name)s is damaged.", name=name)
            ) from None
        if not isinstance(found, dict) or found.get("format") != FORMAT:
            raise ValidationFailed(
                said("The backup %(name)s is in a format this Dzinza does not read.", name=name)
            )
        return found

    def backups(self, target: BlobStore) -> list[dict[str, Any]]:
        """The backups in a store, newest first, finished or not."""
        names = sorted({k.split("/", 1)[0] for k in target.keys(PREFIX)}, reverse=True)
        found = []
        for name in names:
            try:
                manifest = self.manifest(target, name)
            except (ValidationFailed, NotFound):
                found.append({"name": name, "complete": False})
                continue
            found.append(
                {
                    "name": name,
                    "complete": True,
                    "created_at": manifest["created_at"],
                    "database": manifest["database"]["kind"],
                    "media_objects": manifest["media"]["objects"],
                    "bytes": sum(f["size"] for f in manifest["files"].values()),
                    "encrypted_with": (manifest.get("encryption") or {}).get("key_id"),
                }
            )
        return found

    def latest(self, target: BlobStore) -> str:
        """The newest finished backup's name."""
        done = [b for b in self.backups(target) if b["complete"]]
        if not done:
            raise NotFound(N_("There is no finished backup in the backup store."))
        return str(done[0]["name"])

    def age_of_latest(self, target: BlobStore) -> tuple[str, float] | None:
        """The newest finished backup's name and age in seconds (None: there is none)."""
        done = [b for b in self.backups(target) if b["complete"]]
        if not done:
            return None
        made = datetime.fromisoformat(done[0]["created_at"])
        return done[0]["name"], (self.clock.now() - made).total_seconds()

    def prune(self, target: BlobStore, keep: int) -> list[str]:
        """Deletes all but the ``keep`` newest finished backups, and unfinished ones older
        than the newest finished one (an unfinished newer one may still be being written)."""
        if keep < 1:
            raise ValidationFailed(N_("Keep at least one backup."))
        found = self.backups(target)
        complete = [b["name"] for b in found if b["complete"]]
        doomed = complete[keep:]
        if complete:
            doomed += [b["name"] for b in found if not b["complete"] and b["name"] < complete[0]]
        for name in doomed:
            for key in list(target.keys(f"{name}/")):
                target.delete(key)
        return sorted(doomed)

    # -- checking one ----------------------------------------------------------------------------
    def verify(
        self, target: BlobStore, name: str, progress: Progress | None = None
    ) -> dict[str, Any]:
        """Every file's checksum, then the snapshot restored into a scratch database and each
        table compared with the manifest. ``ok`` is False with the ``problems`` found."""
        say = progress or (lambda _message: None)
        started = time.monotonic()
        manifest = self.manifest(target, name)
        self._same_kind(manifest)
        data_key = self._data_key(manifest)
        problems: list[str] = []
        say("checking the files")
        for path, expected in sorted(manifest["files"].items()):
            found = _checksum(target, f"{name}/{path}")
            if found is None:
                problems.append(f"{path}: missing")
            elif (found.size, found.sha256) != (expected["size"], expected["sha256"]):
                problems.append(f"{path}: its content differs from the manifest (damaged)")
        database = manifest["database"]
        if not any(p.startswith(database["file"] + ":") for p in problems):
            say("restoring the database into a scratch database")
            problems += self._compare_tables(target, name, database, data_key)
        return {
            "location": location_of(target.url, name),
            "ok": not problems,
            "problems": problems,
            "files": len(manifest["files"]),
            "tables": len(database["tables"]),
            "rows": sum(t["rows"] for t in database["tables"].values()),
            "seconds": round(time.monotonic() - started, 3),
        }

    def _compare_tables(
        self, target: BlobStore, name: str, database: dict[str, Any], data_key: bytes | None
    ) -> list[str]:
        problems = []
        with tempfile.TemporaryDirectory(dir=self._work(), prefix="verify-") as folder:
            snapshot = Path(folder) / database["file"]
            try:
                self._fetch_database(target, name, database["file"], snapshot, data_key)
            except crypto.Damaged:
                return [f"{database['file']}: it does not decrypt (damaged)"]
            with self.database.scratch() as scratch:
                scratch.restore(snapshot)
                restored = scratch.digests()
        expected = {t: TableDigest(d["rows"], d["digest"]) for t, d in database["tables"].items()}
        for table in sorted(expected.keys() | restored.keys()):
            want, got = expected.get(table), restored.get(table)
            if want != got:
                problems.append(
                    f"table {table}: {want.rows if want else 'none'} rows in the manifest, "
                    f"{got.rows if got else 'none'} restored"
                    + (
                        " (same count, different content)"
                        if want and got and want.rows == got.rows
                        else ""
                    )
                )
        return problems

    @staticmethod
    def _fetch_database(
        target: BlobStore, name: str, file: str, into: Path, data_key: bytes | None
    ) -> Checked:
        """The database's snapshot, decrypted, at ``into``; the checksum of the stored file."""
        if data_key is None:
            target.download(f"{name}/{file}", into)
            return _file_checksum(into)
        sealed = into.with_name(into.name + ".sealed")
        target.download(f"{name}/{file}", sealed)
        try:
            found = _file_checksum(sealed)
            crypto.decrypt_file(sealed, into, data_key, f"{name}/{file}")
        finally:
            sealed.unlink(missing_ok=True)
        return found

    def _same_kind(self, manifest: dict[str, Any]) -> None:
        kind = manifest["database"]["kind"]
        if kind != self.database.kind:
            raise ValidationFailed(
                said(
                    "This backup holds a %(kind)s database; this Dzinza is configured with "
                    "%(mine)s (DZINZA_DATABASE_URL). Restore it with a configuration of its kind.",
                    kind=kind,
                    mine=self.database.kind,
                )
            )

    def _work(self) -> Path:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return self.work_dir

    # -- restoring one ---------------------------------------------------------------------------
    def restore(
        self, target: BlobStore, name: str, progress: Progress | None = None
    ) -> dict[str, Any]:
        """Into the configured database (empty) and media store (empty, or holding only
        objects of this backup, as after an interrupted restore)."""
        say = progress or (lambda _message: None)
        started = time.monotonic()
        manifest = self.manifest(target, name)
        self._same_kind(manifest)
        data_key = self._data_key(manifest)
        if not self.database.is_empty():
            raise ValidationFailed(
                N_(
                    "The database to restore into is not empty: restore into a new, empty "
                    "database (DZINZA_DATABASE_URL), so that nothing in it is overwritten."
                )
            )
        media = {p[len(MEDIA) :]: f for p, f in manifest["files"].items() if p.startswith(MEDIA)}
        strangers = [k for k in self.media.keys("") if k not in media]
        if strangers:
            raise ValidationFailed(
                said(
                    "The media store (DZINZA_MEDIA_URL) holds %(count)s files that are not in "
                    "this backup: restore into an empty one.",
                    count=len(strangers),
                )
            )
        say("copying the photos and documents back")
        for index, (key, expected) in enumerate(sorted(media.items()), start=1):
            self._restore_object(target, name, key, expected, data_key)
            if index % 500 == 0:
                say(f"{index} of {len(media)} files copied")
        database = manifest["database"]
        say("restoring the database")
        with tempfile.TemporaryDirectory(dir=self._work(), prefix="restore-") as folder:
            snapshot = Path(folder) / database["file"]
            try:
                found = self._fetch_database(target, name, database["file"], snapshot, data_key)
            except crypto.Damaged:
                found = Checked(-1, "")
            expected = manifest["files"][database["file"]]
            if (found.size, found.sha256) != (expected["size"], expected["sha256"]):
                raise ValidationFailed(
                    said(
                        "The database copy in the backup %(name)s is damaged; nothing was "
                        "restored into the database.",
                        name=name,
                    )
                )
            self.database.restore(snapshot)
        return {
            "location": location_of(target.url, name),
            "database": {"kind": database["kind"], "revision": database["revision"]},
            "rows": sum(t["rows"] for t in database["tables"].values()),
            "media": {"objects": len(media)},
            "seconds": round(time.monotonic() - started, 3),
        }

    def _restore_object(
        self,
        target: BlobStore,
        name: str,
        key: str,
        expected: dict[str, Any],
        data_key: bytes | None,
    ) -> None:
        content = (
            expected.get("content_size", expected["size"]),
            expected.get("content_sha256", expected["sha256"]),
        )
        have = self.media.head(key)
        if have is not None and have.size == content[0]:
            again = _checksum(self.media, key)
            if again is not None and again.sha256 == content[1]:
                return  # copied by an earlier, interrupted restore

        def intact(found: Checked) -> None:
            if (found.size, found.sha256) != (expected["size"], expected["sha256"]):
                raise ValidationFailed(
                    said(
                        "The file %(key)s in the backup is damaged; it was not restored.",
                        key=key,
                    )
                )

        kind = expected.get("type") or OCTETS

        def put(stored: BinaryIO) -> None:
            if data_key is not None:
                stored = crypto.decrypting(stored, data_key, f"{name}/{MEDIA}{key}")
            self.media.put(key, stored, content_type=kind)

        try:
            with target.open(f"{name}/{MEDIA}{key}") as source:
                _copy(source, put, intact)
        except crypto.Damaged:
            raise ValidationFailed(
                said(
                    "The file %(key)s in the backup does not decrypt; it was not restored.", key=key
                )
            ) from None
        except KeyError:
            raise ValidationFailed(
                said("The file %(key)s is missing from the backup.", key=key)
            ) from None


def _file_checksum(path: Path) -> Checked:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
    return Checked(path.stat().st_size, digest.hexdigest())
