"""The blob store of the embedded default: a local folder, ``LocalBlobStore``.

URL: ``file:///abs/path[?versions=keep]``; ``file://relative/path`` (and ``file:relative/path``)
name a folder relative to the current directory. ``versions=keep`` moves the bytes of a deleted
key to ``.versions/`` instead of removing them (``versions`` lists them, ``restore`` puts one
back); an overwrite still replaces the bytes.

Layout under the root (every name Dzinza makes starts with a dot, which no key segment may):

- ``<key>``: the object's bytes;
- ``.meta/<key>.json``: its content type, cache control and ETag;
- ``.versions/<key>/@<version id>/{blob,meta.json}``: deleted objects kept by ``versions=keep``;
- ``.uploads/<upload id>/``: a multipart upload (``upload.json``, ``<number>.<md5>`` per part);
- ``.tmp-*`` beside their target: files being written, renamed into place when complete.

As in any folder, a key cannot also be a folder of other keys (``a`` and ``a/b``), which S3
allows; Dzinza's keys (``originals/ab/<sha256>``...) never need that.

Its signed URLs point back at Dzinza (``{base_url}/api/v1/blobs/<key>?exp=..&kid=..&sig=..``):
the API checks them with ``check_signature`` and serves ``path_of`` or stores through
``receive``. The signature is an HMAC-SHA256 over every field the URL grants, made with the
first of ``signing_keys`` and checked against all of them, so a key can be rotated without
breaking URLs already handed out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from dzinza.ports import BlobInfo, SignedGrant, SignedRequest, UploadedPart

if TYPE_CHECKING:
    from dzinza.ports import BlobStore

KEY_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
"""A key: segments of ``[A-Za-z0-9._-]`` joined by ``/``, none empty or starting with a dot (so
no ``..``, no hidden names, nothing that collides with the store's own dot folders)."""
MAX_KEY_LENGTH = 1024
"""S3's limit, in bytes (a key is ASCII)."""
MAX_PARTS = 10_000
"""S3's limit; parts are numbered 1..10000."""
CHUNK = 1024 * 1024
BLOB_PATH = "/api/v1/blobs/"
"""Where the API serves and receives the local store's signed URLs."""

_UPLOAD_ID_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_VERSION_ID_RE = re.compile(r"[0-9]{8}T[0-9]{6}\.[0-9]{6}Z(?:-[0-9]{4})?")
_PART_RE = re.compile(r"([0-9]{5})\.([0-9a-f]{32})")
_DIGITS_RE = re.compile(r"[0-9]{1,18}")
_PREFIX_CHARS_RE = re.compile(r"[A-Za-z0-9._/-]*")
_KID_RE = re.compile(r"[A-Za-z0-9._~-]{1,64}")
_SIGNED_PARAMS = ("exp", "kid", "ct", "fn", "inline", "max", "upload", "part")
_METHODS = ("GET", "PUT")


def check_key(key: str) -> str:
    """The key itself when it is valid; ``ValueError`` otherwise (both stores use these rules)."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not KEY_RE.fullmatch(key):
        raise ValueError(
            f"invalid blob key {key!r}: use segments of letters, digits, '.', '_' and '-' "
            "joined by '/', none empty or starting with '.'"
        )
    return key


def check_prefix(prefix: str) -> str:
    """A prefix of keys (empty, a folder ending with ``/``, or the start of a key)."""
    segments = prefix.split("/")
    if prefix and (
        len(prefix) > MAX_KEY_LENGTH
        or not _PREFIX_CHARS_RE.fullmatch(prefix)
        or any(s == "" for s in segments[:-1])
        or any(s.startswith(".") for s in segments)
    ):
        raise ValueError(f"invalid blob key prefix {prefix!r}")
    return prefix


def check_part_number(number: int) -> int:
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_PARTS:
        raise ValueError(f"part number {number!r} is not between 1 and {MAX_PARTS}")
    return number


def quoted_etag(md5_hex: str) -> str:
    return f'"{md5_hex}"'


def unquoted_etag(etag: str) -> str:
    return etag.strip().removeprefix("W/").strip('"')


@dataclass(frozen=True)
class _Fields:
    """What a signed URL grants: everything the signature covers."""

    method: str
    key: str
    expires: int
    content_type: str | None = None
    filename: str | None = None
    inline: bool = True
    max_bytes: int | None = None
    upload_id: str | None = None
    part_number: int | None = None

    def canonical(self) -> bytes:
        # A JSON array: unambiguous whatever the fields hold (a filename may contain any
        # character), and a version tag so a later format can never be confused with this one.
        return json.dumps(
            [
                "dzinza-blob-v1",
                self.method,
                self.key,
                self.expires,
                self.content_type,
                self.filename,
                self.inline,
                self.max_bytes,
                self.upload_id,
                self.part_number,
            ],
            ensure_ascii=True,
            separators=(",", ":"),
        ).encode()

    def query(self) -> dict[str, str]:
        q = {"exp": str(self.expires)}
        if self.content_type is not None:
            q["ct"] = self.content_type
        if self.filename is not None:
            q["fn"] = self.filename
        if not self.inline:
            q["inline"] = "0"
        if self.max_bytes is not None:
            q["max"] = str(self.max_bytes)
        if self.upload_id is not None:
            q["upload"] = self.upload_id
        if self.part_number is not None:
            q["part"] = str(self.part_number)
        return q


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _fsync_dir(path: Path) -> None:
    # The rename itself is durable only once the directory is synced (not on every OS: best effort).
    with suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextmanager
def _temp_file(directory: Path) -> Iterator[tuple[BinaryIO, Path]]:
    """A new file beside its target, removed unless the caller renamed it away."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f, path
    finally:
        with suppress(FileNotFoundError):
            path.unlink()


def _stream_into(
    f: BinaryIO, chunks: Iterable[bytes], max_bytes: int | None, what: str
) -> tuple[str, int]:
    """Writes the chunks to a temp file and syncs it; returns (MD5 hex, size). ``ValueError``
    past ``max_bytes`` (the caller's temp file then goes)."""
    digest = hashlib.md5(usedforsecurity=False)
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise ValueError(f"the {what} is larger than {max_bytes} bytes")
        digest.update(chunk)
        f.write(chunk)
    f.flush()
    os.fsync(f.fileno())
    f.close()
    return digest.hexdigest(), size


def _write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    with _temp_file(path.parent) as (f, tmp):
        f.write(json.dumps(data, ensure_ascii=False, sort_keys=True).encode())
        f.flush()
        os.fsync(f.fileno())
        f.close()
        os.replace(tmp, path)


class LocalBlobStore:
    """Blobs as files under one folder. See the module docstring for the layout and the URLs."""

    serves_itself = True

    def __init__(
        self,
        root: Path,
        *,
        base_url: str,
        signing_keys: Sequence[tuple[str, bytes]],
        keep_versions: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not signing_keys:
            raise ValueError("the local blob store needs at least one signing key")
        for kid, secret in signing_keys:
            if not _KID_RE.fullmatch(kid):
                raise ValueError(f"invalid signing key id {kid!r}")
            if len(secret) < 16:
                raise ValueError(f"signing key {kid!r} is too short (16 bytes at least)")
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.base_url = base_url.rstrip("/")
        self._keys = [(kid, bytes(secret)) for kid, secret in signing_keys]
        self.keep_versions = keep_versions
        self._clock = clock or (lambda: datetime.now(UTC))
        self.url = f"file://{self.root}" + ("?versions=keep" if keep_versions else "")

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        base_url: str,
        signing_keys: Sequence[tuple[str, bytes]],
        clock: Callable[[], datetime] | None = None,
    ) -> LocalBlobStore:
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise ValueError(f"not a file:// URL: {url!r}")
        raw = unquote(parts.netloc + parts.path)
        if not raw:
            raise ValueError(f"the blob store URL {url!r} names no folder")
        options = parse_qs(parts.query, keep_blank_values=True)
        unknown = set(options) - {"versions"}
        if unknown:
            raise ValueError(f"unknown option(s) {sorted(unknown)} in {url!r}: only versions=keep")
        keep = False
        if "versions" in options:
            if options["versions"] != ["keep"]:
                raise ValueError(f"versions={options['versions'][-1]!r} in {url!r}: only keep")
            keep = True
        return cls(
            Path(raw).resolve(),
            base_url=base_url,
            signing_keys=signing_keys,
            keep_versions=keep,
            clock=clock,
        )

    # -- paths ----------------------------------------------------------------------------------
    def _inside(self, path: Path) -> Path:
        # The key's characters already forbid "..": this catches symlinks pointing elsewhere.
        resolved = path.resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise ValueError(f"blob path {path} leads outside the store")
        return path

    def _path(self, key: str) -> Path:
        return self._inside(self.root / check_key(key))

    def _meta_path(self, key: str) -> Path:
        return self._inside(self.root / ".meta" / f"{check_key(key)}.json")

    def _versions_dir(self, key: str) -> Path:
        return self._inside(self.root / ".versions" / check_key(key))

    def _upload_dir(self, upload_id: str) -> Path:
        if not isinstance(upload_id, str) or not _UPLOAD_ID_RE.fullmatch(upload_id):
            raise ValueError(f"invalid upload id {upload_id!r}")
        return self._inside(self.root / ".uploads" / upload_id)

    def _meta(self, key: str) -> dict[str, Any]:
        try:
            data = json.loads(self._meta_path(key).read_text())
        except (FileNotFoundError, NotADirectoryError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _install(
        self, tmp: Path, key: str, *, content_type: str, cache_control: str | None, etag: str
    ) -> None:
        """Moves a complete, synced temp file into place with its metadata."""
        meta = {"content_type": content_type, "cache_control": cache_control, "etag": etag}
        _write_json_atomic(self._meta_path(key), meta)
        path = self._path(key)
        os.replace(tmp, path)
        _fsync_dir(path.parent)

    def _write(
        self,
        key: str,
        chunks: Iterable[bytes],
        *,
        content_type: str,
        cache_control: str | None,
        max_bytes: int | None = None,
    ) -> UploadedPart:
        path = self._path(key)
        with _temp_file(path.parent) as (f, tmp):
            md5, size = _stream_into(f, chunks, max_bytes, "body")
            etag = quoted_etag(md5)
            self._install(
                tmp, key, content_type=content_type, cache_control=cache_control, etag=etag
            )
        return UploadedPart(number=1, size=size, etag=etag)

    # -- objects --------------------------------------------------------------------------------
    def put(
        self,
        key: str,
        source: bytes | Path | BinaryIO,
        *,
        content_type: str,
        cache_control: str | None = None,
    ) -> None:
        if isinstance(source, bytes | bytearray | memoryview):
            self._write(
                key, [bytes(source)], content_type=content_type, cache_control=cache_control
            )
        elif isinstance(source, Path):
            with source.open("rb") as f:
                self._write(
                    key, _read_chunks(f), content_type=content_type, cache_control=cache_control
                )
        else:
            self._write(
                key, _read_chunks(source), content_type=content_type, cache_control=cache_control
            )

    def path_of(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise KeyError(key)
        return path

    @contextmanager
    def _open(self, key: str) -> Iterator[BinaryIO]:
        try:
            f = self._path(key).open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise KeyError(key) from None
        with f:
            yield f

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        return self._open(key)

    def download(self, key: str, path: Path) -> None:
        with self._open(key) as src, _temp_file(path.parent) as (dst, tmp):
            shutil.copyfileobj(src, dst, CHUNK)
            dst.close()
            os.replace(tmp, path)

    def head(self, key: str) -> BlobInfo | None:
        try:
            st = self._path(key).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        meta = self._meta(key)
        return BlobInfo(
            key=key,
            size=st.st_size,
            content_type=str(meta.get("content_type") or "application/octet-stream"),
            etag=str(meta.get("etag") or ""),
        )

    def cache_control(self, key: str) -> str | None:
        """The Cache-Control the object was stored with (the API serves it with the bytes)."""
        self.path_of(key)
        value = self._meta(key).get("cache_control")
        return str(value) if value is not None else None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def copy(
        self, source_key: str, key: str, *, content_type: str, cache_control: str | None = None
    ) -> None:
        etag = self._meta(source_key).get("etag")
        path = self._path(key)
        with self._open(source_key) as src, _temp_file(path.parent) as (dst, tmp):
            if etag is None:
                digest = hashlib.md5(usedforsecurity=False)
                for chunk in _read_chunks(src):
                    digest.update(chunk)
                    dst.write(chunk)
                etag = quoted_etag(digest.hexdigest())
            else:
                shutil.copyfileobj(src, dst, CHUNK)
            dst.flush()
            os.fsync(dst.fileno())
            dst.close()
            self._install(
                tmp, key, content_type=content_type, cache_control=cache_control, etag=str(etag)
            )

    def delete(self, key: str) -> None:
        path = self._path(key)
        meta_path = self._meta_path(key)
        if not path.is_file():
            return
        if self.keep_versions:
            target = self._new_version_dir(key)
            if meta_path.is_file():
                shutil.copyfile(meta_path, target / "meta.json")
            # A rename within the folder: the bytes are neither copied nor ever half-kept.
            os.replace(path, target / "blob")
        else:
            with suppress(FileNotFoundError):
                path.unlink()
        with suppress(FileNotFoundError):
            meta_path.unlink()
        # Empty folders stay: removing them would race with a put into the same folder.

    def keys(self, prefix: str) -> Iterator[str]:
        check_prefix(prefix)
        # Walk only the deepest folder the prefix names, not the whole store.
        base = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self._inside(self.root / base) if base else self.root
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                if name.startswith("."):
                    continue
                key = name if rel == "." else f"{rel}/{name}"
                if key.startswith(prefix):
                    found.append(key)
        return iter(sorted(found))

    # -- versions -------------------------------------------------------------------------------
    def _new_version_dir(self, key: str) -> Path:
        base = self._versions_dir(key)
        stamp = self._clock().astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        for n in range(10_000):
            version_id = stamp if n == 0 else f"{stamp}-{n:04d}"
            target = base / f"@{version_id}"
            try:
                target.mkdir(parents=True)
            except FileExistsError:
                continue
            return target
        raise RuntimeError(f"too many versions of {key!r} at {stamp}")

    def versions(self, key: str) -> list[str]:
        base = self._versions_dir(key)
        try:
            names = [e.name for e in base.iterdir() if e.name.startswith("@")]
        except (FileNotFoundError, NotADirectoryError):
            return []
        ids = [n[1:] for n in names if _VERSION_ID_RE.fullmatch(n[1:])]
        # The ids sort as their times; a suffix (versions in the same microsecond) sorts later.
        return sorted(ids, reverse=True)

    def restore(self, key: str, version_id: str) -> None:
        if not isinstance(version_id, str) or not _VERSION_ID_RE.fullmatch(version_id):
            raise KeyError(version_id)
        source = self._versions_dir(key) / f"@{version_id}"
        if not (source / "blob").is_file():
            raise KeyError(version_id)
        try:
            meta = json.loads((source / "meta.json").read_text())
        except (FileNotFoundError, ValueError):
            meta = {}
        # A copy: the version stays listed, as an S3 version stays after it is copied back.
        path = self._path(key)
        with (source / "blob").open("rb") as src, _temp_file(path.parent) as (dst, tmp):
            shutil.copyfileobj(src, dst, CHUNK)
            dst.flush()
            os.fsync(dst.fileno())
            dst.close()
            self._install(
                tmp,
                key,
                content_type=str(meta.get("content_type") or "application/octet-stream"),
                cache_control=meta.get("cache_control"),
                etag=str(meta.get("etag") or ""),
            )

    # -- signed URLs ----------------------------------------------------------------------------
    def _sign(self, fields: _Fields) -> str:
        kid, secret = self._keys[0]
        sig = hmac.new(secret, fields.canonical(), hashlib.sha256).digest()
        query = {**fields.query(), "kid": kid, "sig": _b64(sig)}
        return f"{self.base_url}{BLOB_PATH}{quote(fields.key, safe='/')}?{urlencode(query)}"

    def _expiry(self, expires_in: int) -> int:
        if expires_in <= 0:
            raise ValueError("expires_in must be positive")
        return int(self._clock().timestamp()) + int(expires_in)

    def signed_get(
        self,
        key: str,
        *,
        expires_in: int,
        content_type: str | None = None,
        filename: str | None = None,
        inline: bool = True,
        cdn: bool = False,
    ) -> str:
        # ``cdn`` has no meaning here: the app serves the folder itself.
        fields = _Fields(
            method="GET",
            key=check_key(key),
            expires=self._expiry(expires_in),
            content_type=content_type,
            filename=filename,
            inline=inline,
        )
        return self._sign(fields)

    def signed_put(
        self, key: str, *, expires_in: int, content_type: str, max_bytes: int
    ) -> SignedRequest:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        fields = _Fields(
            method="PUT",
            key=check_key(key),
            expires=self._expiry(expires_in),
            content_type=content_type,
            max_bytes=max_bytes,
        )
        return SignedRequest(
            url=self._sign(fields),
            method="PUT",
            expires_at=datetime.fromtimestamp(fields.expires, UTC),
            headers={"Content-Type": content_type},
        )

    def check_signature(self, method: str, key: str, query: Mapping[str, str]) -> SignedGrant:
        method = method.upper()
        if method == "HEAD":
            method = "GET"
        unknown = set(query) - {*_SIGNED_PARAMS, "sig"}
        if unknown:
            raise PermissionError(f"unexpected parameter(s): {', '.join(sorted(unknown))}")
        kid = query.get("kid")
        sig = query.get("sig")
        if not kid or not sig:
            raise PermissionError("not a signed URL")
        secret = next((s for k, s in self._keys if k == kid), None)
        if secret is None:
            raise PermissionError("unknown key id")
        try:
            check_key(key)
            fields = _Fields(
                method=method,
                key=key,
                expires=_opt_int(query["exp"]) or 0,
                content_type=query.get("ct"),
                filename=query.get("fn"),
                inline=_parse_inline(query.get("inline")),
                max_bytes=_opt_int(query.get("max")),
                upload_id=query.get("upload"),
                part_number=_opt_int(query.get("part")),
            )
        except (KeyError, ValueError):
            raise PermissionError("malformed signed URL") from None
        if not _verify(secret, fields, sig):
            others = (m for m in _METHODS if m != method)
            if any(_verify(secret, _replace_method(fields, m), sig) for m in others):
                raise PermissionError("wrong method")
            raise PermissionError("bad signature")
        if self._clock().timestamp() > fields.expires:
            raise PermissionError("expired")
        return SignedGrant(
            method=method,
            key=key,
            content_type=fields.content_type,
            filename=fields.filename,
            inline=fields.inline,
            max_bytes=fields.max_bytes,
            upload_id=fields.upload_id,
            part_number=fields.part_number,
        )

    # -- uploads --------------------------------------------------------------------------------
    def receive(
        self,
        key: str,
        chunks: Iterable[bytes],
        *,
        max_bytes: int | None,
        upload_id: str | None = None,
        part_number: int | None = None,
        content_type: str | None = None,
    ) -> UploadedPart:
        """Stores a body sent to a signed PUT URL. ``content_type`` (the signed one, from the
        grant) is what a whole object is stored with; parts take the upload's."""
        if upload_id is None:
            if part_number is not None:
                raise ValueError("a part number needs an upload id")
            return self._write(
                key,
                chunks,
                content_type=content_type or "application/octet-stream",
                cache_control=None,
                max_bytes=max_bytes,
            )
        if part_number is None:
            raise ValueError("a part of a multipart upload needs its number")
        check_part_number(part_number)
        directory = self._upload_of(key, upload_id)
        with _temp_file(directory) as (f, tmp):
            md5, size = _stream_into(f, chunks, max_bytes, "part")
            target = directory / f"{part_number:05d}.{md5}"
            os.replace(tmp, target)
        # A part sent again replaces the earlier one: older files of the same number go (not
        # newer ones, which a concurrent request may just have written).
        mtime = target.stat().st_mtime_ns
        for other in directory.glob(f"{part_number:05d}.*"):
            with suppress(FileNotFoundError):
                if other != target and other.stat().st_mtime_ns < mtime:
                    other.unlink()
        return UploadedPart(number=part_number, size=size, etag=quoted_etag(md5))

    def _upload_of(self, key: str, upload_id: str) -> Path:
        """The folder of an upload of this key; ``KeyError`` if there is none."""
        check_key(key)
        directory = self._upload_dir(upload_id)
        try:
            info = json.loads((directory / "upload.json").read_text())
        except (FileNotFoundError, NotADirectoryError, ValueError):
            raise KeyError(upload_id) from None
        if info.get("key") != key:
            raise KeyError(upload_id)
        return directory

    def start_multipart(self, key: str, *, content_type: str) -> str:
        check_key(key)
        upload_id = secrets.token_urlsafe(24)
        directory = self._upload_dir(upload_id)
        directory.mkdir(parents=True)
        _write_json_atomic(
            directory / "upload.json",
            {
                "key": key,
                "content_type": content_type,
                "started": self._clock().astimezone(UTC).isoformat(),
            },
        )
        return upload_id

    def signed_part(
        self, key: str, upload_id: str, number: int, *, expires_in: int, max_bytes: int
    ) -> SignedRequest:
        self._upload_dir(upload_id)
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        fields = _Fields(
            method="PUT",
            key=check_key(key),
            expires=self._expiry(expires_in),
            max_bytes=max_bytes,
            upload_id=upload_id,
            part_number=check_part_number(number),
        )
        return SignedRequest(
            url=self._sign(fields),
            method="PUT",
            expires_at=datetime.fromtimestamp(fields.expires, UTC),
        )

    def _current_parts(self, directory: Path) -> dict[int, Path]:
        best: dict[int, tuple[int, str, Path]] = {}
        for entry in directory.iterdir():
            m = _PART_RE.fullmatch(entry.name)
            if not m:
                continue
            try:
                mtime = entry.stat().st_mtime_ns
            except FileNotFoundError:
                continue
            number = int(m.group(1))
            candidate = (mtime, entry.name, entry)
            if number not in best or candidate[:2] > best[number][:2]:
                best[number] = candidate
        return {n: c[2] for n, c in sorted(best.items())}

    def parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        directory = self._upload_of(key, upload_id)
        return [
            UploadedPart(number=n, size=p.stat().st_size, etag=quoted_etag(p.name.split(".", 1)[1]))
            for n, p in self._current_parts(directory).items()
        ]

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[UploadedPart]) -> None:
        directory = self._upload_of(key, upload_id)
        if not parts:
            raise ValueError("a multipart upload needs at least one part")
        numbers = [p.number for p in parts]
        if numbers != sorted(set(numbers)):
            raise ValueError("the parts must be in ascending order of number, each once")
        info = json.loads((directory / "upload.json").read_text())
        current = self._current_parts(directory)
        files: list[Path] = []
        for part in parts:
            found = current.get(part.number)
            if found is None:
                raise ValueError(f"part {part.number} was not uploaded")
            if found.name.split(".", 1)[1] != unquoted_etag(part.etag):
                raise ValueError(f"part {part.number} has another ETag than {part.etag}")
            files.append(found)
        path = self._path(key)
        digests = b""
        with _temp_file(path.parent) as (dst, tmp):
            for file in files:
                digests += bytes.fromhex(file.name.split(".", 1)[1])
                with file.open("rb") as src:
                    shutil.copyfileobj(src, dst, CHUNK)
            dst.flush()
            os.fsync(dst.fileno())
            dst.close()
            # S3's ETag of a multipart object: the MD5 of the parts' MD5s, and their count.
            etag = f'"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-{len(files)}"'
            self._install(
                tmp,
                key,
                content_type=str(info.get("content_type") or "application/octet-stream"),
                cache_control=None,
                etag=etag,
            )
        shutil.rmtree(directory, ignore_errors=True)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            directory = self._upload_of(key, upload_id)
        except KeyError:
            return
        shutil.rmtree(directory, ignore_errors=True)


def _read_chunks(f: BinaryIO) -> Iterator[bytes]:
    while chunk := f.read(CHUNK):
        yield chunk


def _opt_int(value: str | None) -> int | None:
    if value is None:
        return None
    # Digits only: int() would also take signs, spaces, underscores and other scripts' digits.
    if not _DIGITS_RE.fullmatch(value):
        raise ValueError(value)
    return int(value)


def _parse_inline(value: str | None) -> bool:
    if value is None:
        return True
    if value == "0":
        return False
    raise ValueError(value)


def _replace_method(fields: _Fields, method: str) -> _Fields:
    return _Fields(**{**fields.__dict__, "method": method})


def _verify(secret: bytes, fields: _Fields, sig: str) -> bool:
    expected = _b64(hmac.new(secret, fields.canonical(), hashlib.sha256).digest())
    return hmac.compare_digest(expected.encode(), sig.encode())


if TYPE_CHECKING:
    _protocol_check: type[BlobStore] = LocalBlobStore
