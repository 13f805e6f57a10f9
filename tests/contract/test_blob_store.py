"""The two blob stores against one contract: the local folder (on tmp_path) and S3 (on the
SeaweedFS test server), plus what only one of them does (HMAC-signed app URLs; presigned S3
URLs, server-side encryption, CloudFront URLs).

The S3 server comes from ``DZINZA_TEST_S3_URL`` (``scripts/services.sh s3-start`` prints it;
``make test`` sets it). Without it the S3 half skips, except under ``CI=true``, where that is a
failure. The module makes two buckets of its own (one with versioning), gives each test a prefix
of its own in them, and removes them at the end. The server's keys default to the ones
services.sh configures; ``DZINZA_TEST_S3_ACCESS_KEY``/``DZINZA_TEST_S3_SECRET_KEY`` override
them for a server started by other means.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

import boto3
import httpx
import pytest
from botocore.config import Config

from dzinza.adapters.blobs import blob_store_from_url
from dzinza.adapters.blobs_local import BLOB_PATH, LocalBlobStore
from dzinza.adapters.blobs_s3 import S3BlobStore, content_disposition
from dzinza.ports import BlobStore, SignedRequest, UploadedPart
from tests.conftest import in_ci

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

Store: TypeAlias = LocalBlobStore | S3BlobStore

ACCESS_KEY = os.environ.get("DZINZA_TEST_S3_ACCESS_KEY", "dzinza-test")
SECRET_KEY = os.environ.get("DZINZA_TEST_S3_SECRET_KEY", "dzinza-test-secret")
BASE_URL = "http://dzinza.test:8000"
KEYS = [("k1", b"first secret of the tests, 32 b.")]
MiB = 1024 * 1024
KINDS = ["local", pytest.param("s3", marks=pytest.mark.s3)]


def as_port(store: Store) -> BlobStore:
    """Both adapters are BlobStores (checked by mypy, structurally)."""
    return store


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# -- the stores ---------------------------------------------------------------------------------


def endpoint_of(s3_url: str) -> str:
    endpoint = parse_qs(urlsplit(s3_url).query).get("endpoint", [""])[0]
    assert endpoint, f"DZINZA_TEST_S3_URL has no endpoint: {s3_url}"
    return endpoint


def raw_client(endpoint: str, secret: str = SECRET_KEY) -> S3Client:
    return boto3.session.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=secret, region_name="us-east-1"
    ).client(
        "s3",
        endpoint_url=endpoint,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def empty_bucket(client: S3Client, bucket: str) -> None:
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        items = [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
        items += [(m["Key"], m["VersionId"]) for m in page.get("DeleteMarkers", [])]
        if items:
            client.delete_objects(
                Bucket=bucket,
                Delete={"Objects": [{"Key": k, "VersionId": v} for k, v in items]},
            )
    for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])


@pytest.fixture(scope="module")
def s3_endpoint(s3_url: str) -> str:
    return endpoint_of(s3_url)


@pytest.fixture(scope="module")
def s3_admin(s3_endpoint: str) -> S3Client:
    """A plain client, to look behind the adapter."""
    return raw_client(s3_endpoint)


@pytest.fixture(scope="module")
def buckets(s3_admin: S3Client) -> Iterator[dict[str, str]]:
    """A plain bucket and a versioned one (DNS-valid names: SeaweedFS insists)."""
    tag = uuid.uuid4().hex[:10]
    names = {"plain": f"dzinza-test-{tag}", "versioned": f"dzinza-test-{tag}-v"}
    for name in names.values():
        s3_admin.create_bucket(Bucket=name)
    s3_admin.put_bucket_versioning(
        Bucket=names["versioned"], VersioningConfiguration={"Status": "Enabled"}
    )
    yield names
    for name in names.values():
        empty_bucket(s3_admin, name)
        s3_admin.delete_bucket(Bucket=name)


def s3_store(
    request: pytest.FixtureRequest, *, versioned: bool = False, query: str = ""
) -> S3BlobStore:
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("buckets")["versioned" if versioned else "plain"]
    url = f"s3://{bucket}?endpoint={endpoint}&prefix=t-{uuid.uuid4().hex[:12]}{query}"
    return S3BlobStore.from_url(url, access_key=ACCESS_KEY, secret_key=SECRET_KEY)


def local_store(root: Path, *, versioned: bool = False, **kw: Any) -> LocalBlobStore:
    return LocalBlobStore(
        root,
        base_url=BASE_URL,
        signing_keys=kw.pop("signing_keys", KEYS),
        keep_versions=versioned,
        **kw,
    )


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "local":
        return local_store(tmp_path / "blobs")
    return s3_store(request)


@pytest.fixture(params=KINDS)
def versioned_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """Local with versions=keep; S3 on a bucket with versioning enabled."""
    if request.param == "local":
        return local_store(tmp_path / "blobs", versioned=True)
    return s3_store(request, versioned=True)


@pytest.fixture
def s3(request: pytest.FixtureRequest) -> S3BlobStore:
    return s3_store(request)


# -- clients: what a browser does with a signed request -----------------------------------------


def local_target(url: str) -> tuple[str, dict[str, str]]:
    """The key and the query of a local signed URL, as the API route would see them."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE_URL
    assert parts.path.startswith(BLOB_PATH), url
    return unquote(parts.path[len(BLOB_PATH) :]), dict(parse_qsl(parts.query))


def fetch(store: Store, url: str) -> httpx.Response:
    """GETs a signed URL: over HTTP from S3; the local store's as the API serves it."""
    if isinstance(store, S3BlobStore):
        return httpx.get(url)
    key, query = local_target(url)
    try:
        grant = store.check_signature("GET", key, query)
    except PermissionError as e:
        return httpx.Response(403, text=str(e))
    info = store.head(key)
    assert info is not None
    out = {"content-type": grant.content_type or info.content_type}
    if grant.filename or not grant.inline:
        out["content-disposition"] = content_disposition(grant.filename, grant.inline)
    return httpx.Response(200, content=store.path_of(key).read_bytes(), headers=out)


def send(store: Store, req: SignedRequest, body: bytes) -> UploadedPart | None:
    """Uploads a body with a signed request; what was stored, or None when it was refused."""
    if isinstance(store, LocalBlobStore):
        key, query = local_target(req.url)
        grant = store.check_signature(req.method, key, query)
        chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
        try:
            return store.receive(
                key,
                chunks,
                max_bytes=grant.max_bytes,
                upload_id=grant.upload_id,
                part_number=grant.part_number,
                content_type=grant.content_type,
            )
        except ValueError:
            return None
    if req.method == "POST":
        ct = req.fields["Content-Type"]
        r = httpx.post(req.url, data=dict(req.fields), files={"file": ("f", body, ct)})
        if r.status_code >= 400:
            assert r.status_code in (400, 403), r.text
            return None
        assert r.status_code == 204, r.text
        return UploadedPart(number=1, size=len(body), etag=r.headers.get("etag", ""))
    assert req.method == "PUT"
    r = httpx.put(req.url, content=body, headers=dict(req.headers))
    if r.status_code >= 400:
        return None
    number = int(dict(parse_qsl(urlsplit(req.url).query))["partNumber"])
    return UploadedPart(number=number, size=len(body), etag=r.headers["etag"])


def leftovers(store: Store) -> list[Path]:
    """Temporary files the local store left behind (S3 has none to see)."""
    if isinstance(store, S3BlobStore):
        return []
    return list(store.root.rglob(".tmp-*"))


# -- objects --------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["bytes", "path", "stream"])
def test_put_then_read_back(store: Store, tmp_path: Path, source: str) -> None:
    data = os.urandom(200_000)
    file = tmp_path / "src.bin"
    file.write_bytes(data)
    body: dict[str, bytes | Path | io.BytesIO] = {
        "bytes": data,
        "path": file,
        "stream": io.BytesIO(data),
    }
    as_port(store).put(
        "originals/ab/one", body[source], content_type="image/jpeg", cache_control="max-age=60"
    )
    info = store.head("originals/ab/one")
    assert info is not None
    assert (info.key, info.size, info.content_type) == ("originals/ab/one", len(data), "image/jpeg")
    assert info.etag.strip('"') == hashlib.md5(data).hexdigest()
    assert store.cache_control("originals/ab/one") == "max-age=60"
    assert store.exists("originals/ab/one")
    with store.open("originals/ab/one") as f:
        assert f.read() == data
    store.download("originals/ab/one", tmp_path / "out.bin")
    assert (tmp_path / "out.bin").read_bytes() == data
    store.put("plain", b"x", content_type="text/plain")
    assert store.cache_control("plain") is None
    assert leftovers(store) == []


def test_missing_key(store: Store, tmp_path: Path) -> None:
    assert store.head("nothing/here") is None
    assert not store.exists("nothing/here")
    with pytest.raises(KeyError), store.open("nothing/here"):
        pass
    with pytest.raises(KeyError):
        store.download("nothing/here", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(KeyError):
        store.copy("nothing/here", "b", content_type="text/plain")
    with pytest.raises(KeyError):
        store.cache_control("nothing/here")
    store.delete("nothing/here")  # deleting what is not there is no error


def test_copy_sets_new_metadata_and_delete(store: Store) -> None:
    store.put("a/src", b"payload", content_type="text/plain", cache_control="no-store")
    store.copy("a/src", "b/dst", content_type="image/png", cache_control="max-age=31536000")
    info = store.head("b/dst")
    assert info is not None
    assert (info.size, info.content_type) == (7, "image/png")
    assert store.cache_control("b/dst") == "max-age=31536000"
    assert store.cache_control("a/src") == "no-store"
    with store.open("b/dst") as f:
        assert f.read() == b"payload"
    store.delete("a/src")
    assert not store.exists("a/src") and store.exists("b/dst")
    assert store.versions("a/src") == []  # nothing kept without versioning


def test_keys_by_prefix(store: Store) -> None:
    for key in ["a/1", "a/2", "a/b/3", "ab/4", "b/5", "a.x"]:
        store.put(key, key.encode(), content_type="text/plain")
    if isinstance(store, LocalBlobStore):
        store.start_multipart("a/9", content_type="text/plain")  # its folder is no key
    # AWS lists keys in binary order, SeaweedFS folder by folder: the contract is the set.
    keys = sorted if isinstance(store, S3BlobStore) else list
    assert keys(store.keys("a/")) == ["a/1", "a/2", "a/b/3"]
    assert keys(store.keys("a")) == ["a.x", "a/1", "a/2", "a/b/3", "ab/4"]
    assert keys(store.keys("a/b")) == ["a/b/3"]
    assert keys(store.keys("")) == ["a.x", "a/1", "a/2", "a/b/3", "ab/4", "b/5"]
    assert keys(store.keys("zzz/")) == []
    store.delete("a/2")
    assert keys(store.keys("a/")) == ["a/1", "a/b/3"]


class Boom(OSError):
    pass


class FailingStream(io.RawIOBase):
    """A source that breaks after its first bytes (a client gone mid-upload)."""

    def __init__(self) -> None:
        self.sent = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.sent:
            raise Boom("the client went away")
        self.sent = True
        return b"partial"

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


def test_overwrite_is_atomic(store: Store) -> None:
    """A reader sees all the old bytes or all the new, never a mix or a short file; a write that
    fails leaves the old bytes."""
    size = 256 * 1024
    versions = [bytes([65 + i]) * size for i in range(4)]
    store.put("k", versions[0], content_type="application/octet-stream")
    seen: list[bytes] = []
    done = threading.Event()

    def read() -> None:
        while True:  # at least once, however late the thread starts
            with store.open("k") as f:
                seen.append(f.read())
            if done.is_set():
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for n in range(12):
            store.put("k", versions[n % 4], content_type="application/octet-stream")
    finally:
        done.set()
        reader.join(30)
    assert seen and all(s in versions for s in seen)

    store.put("k", versions[1], content_type="text/plain")
    with pytest.raises(OSError, match="went away"):
        store.put("k", FailingStream(), content_type="text/plain")  # type: ignore[arg-type]
    with store.open("k") as f:
        assert f.read() == versions[1]
    assert leftovers(store) == []


# -- versions -------------------------------------------------------------------------------------


def test_versions_and_restore(versioned_store: Store) -> None:
    store = versioned_store
    store.put("originals/ab/v", b"first", content_type="text/plain")
    store.put("originals/ab/v", b"second", content_type="text/markdown", cache_control="c=1")
    store.delete("originals/ab/v")
    assert not store.exists("originals/ab/v")
    ids = store.versions("originals/ab/v")
    assert ids  # S3 keeps both writes; the local folder keeps what was deleted
    assert store.versions("originals/ab/other") == []
    store.put("originals/ab/vv", b"a longer key, same prefix", content_type="text/plain")
    store.delete("originals/ab/vv")
    assert store.versions("originals/ab/v") == ids

    store.restore("originals/ab/v", ids[0])  # the newest: what was there before the delete
    with store.open("originals/ab/v") as f:
        assert f.read() == b"second"
    info = store.head("originals/ab/v")
    assert info is not None and info.content_type == "text/markdown"
    assert store.cache_control("originals/ab/v") == "c=1"
    assert store.versions("originals/ab/v") == ids  # restoring keeps the version
    with pytest.raises(KeyError):
        store.restore("originals/ab/v", "20200101T000000.000000Z")


def test_local_version_ids_are_time_ordered(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2025, 3, 1, 12, 0, tzinfo=UTC))
    store = local_store(tmp_path / "blobs", versioned=True, clock=clock)
    for n in range(3):
        store.put("k", f"v{n}".encode(), content_type="text/plain")
        store.delete("k")
        clock.now += timedelta(seconds=1) if n == 0 else timedelta(0)  # the last two collide
    ids = store.versions("k")
    assert len(ids) == 3 and ids[-1] == "20250301T120000.000000Z"
    assert ids[0] > ids[1]  # the later of two same-instant versions is listed first
    store.restore("k", ids[0])
    assert store.path_of("k").read_bytes() == b"v2"
    assert list(store.keys("")) == ["k"]  # .versions and .meta are no keys
    with pytest.raises(KeyError):
        store.restore("k", "../../etc")


# -- signed GET -----------------------------------------------------------------------------------


def test_signed_get(store: Store) -> None:
    data = b"\x89PNG" + os.urandom(1000)
    store.put("derivatives/ab/x/thumb.png", data, content_type="image/png")
    r = fetch(store, store.signed_get("derivatives/ab/x/thumb.png", expires_in=60))
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == "image/png"

    url = store.signed_get(
        "derivatives/ab/x/thumb.png",
        expires_in=60,
        content_type="application/octet-stream",
        filename="Ñandú photo.png",
        inline=False,
    )
    r = fetch(store, url)
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"] == (
        "attachment; filename=\"_and_ photo.png\"; filename*=UTF-8''%C3%91and%C3%BA%20photo.png"
    )
    # cdn=True without a CDN configured: still a signed URL of the store itself
    r = fetch(store, store.signed_get("derivatives/ab/x/thumb.png", expires_in=60, cdn=True))
    assert r.status_code == 200 and r.content == data


@pytest.mark.s3
def test_s3_range_request(s3: S3BlobStore) -> None:
    s3.put("r", b"0123456789", content_type="text/plain")
    r = httpx.get(s3.signed_get("r", expires_in=60), headers={"Range": "bytes=2-5"})
    assert r.status_code == 206 and r.content == b"2345"
    assert r.headers["content-range"] == "bytes 2-5/10"


@pytest.mark.s3
def test_s3_wrong_secret_is_refused(s3: S3BlobStore, s3_endpoint: str) -> None:
    s3.put("secret", b"s", content_type="text/plain")
    wrong = S3BlobStore.from_url(s3.url, access_key=ACCESS_KEY, secret_key="not-the-secret")
    with pytest.raises(PermissionError):
        wrong.head("secret")
    with pytest.raises(PermissionError):
        wrong.put("other", b"o", content_type="text/plain")
    assert httpx.get(wrong.signed_get("secret", expires_in=60)).status_code == 403
    assert httpx.get(s3.signed_get("secret", expires_in=60)).status_code == 200
    # and a URL of the right signer, tampered with
    tampered = s3.signed_get("secret", expires_in=60).replace(
        "response-content-disposition=inline", "response-content-disposition=attachment"
    )
    assert httpx.get(tampered).status_code == 403


def test_local_signature_from_another_secret_fails(tmp_path: Path) -> None:
    store = local_store(tmp_path / "a")
    store.put("k", b"k", content_type="text/plain")
    forger = local_store(tmp_path / "b", signing_keys=[("k1", b"another secret, as long as it.")])
    key, query = local_target(forger.signed_get("k", expires_in=60))
    with pytest.raises(PermissionError, match="bad signature"):
        store.check_signature("GET", key, query)
    stranger = local_store(tmp_path / "c", signing_keys=[("k9", b"another secret, as long as it.")])
    key, query = local_target(stranger.signed_get("k", expires_in=60))
    with pytest.raises(PermissionError, match="unknown key id"):
        store.check_signature("GET", key, query)


def test_local_rotation_keeps_old_urls(tmp_path: Path) -> None:
    old = local_store(tmp_path / "s", signing_keys=[("k1", KEYS[0][1])])
    rotated = local_store(
        tmp_path / "s", signing_keys=[("k2", b"the new secret, long enough."), *KEYS]
    )
    retired = local_store(tmp_path / "s", signing_keys=[("k2", b"the new secret, long enough.")])
    key, query = local_target(old.signed_get("k", expires_in=60))
    assert rotated.check_signature("GET", key, query).key == "k"
    with pytest.raises(PermissionError, match="unknown key id"):
        retired.check_signature("GET", key, query)
    key, query = local_target(rotated.signed_get("k", expires_in=60))
    assert query["kid"] == "k2"  # the first key signs
    assert retired.check_signature("GET", key, query).key == "k"


def test_local_tampering_fails(tmp_path: Path) -> None:
    store = local_store(tmp_path / "s")
    upload = store.start_multipart("up/key", content_type="video/mp4")
    urls = {
        "GET": store.signed_get(
            "a/b-c", expires_in=60, content_type="image/png", filename="x.png", inline=False
        ),
        "PUT": store.signed_part("up/key", upload, 3, expires_in=60, max_bytes=100).url,
    }
    for method, url in urls.items():
        key, query = local_target(url)
        grant = store.check_signature(method, key, query)
        assert grant.key == key and grant.method == method
        for name in query:
            if name in ("kid",):
                continue
            for value in ("1", query[name] + "0", ""):
                with pytest.raises(PermissionError):
                    store.check_signature(method, key, {**query, name: value})
            without = {k: v for k, v in query.items() if k != name}
            with pytest.raises(PermissionError):
                store.check_signature(method, key, without)
        for extra in ("ct", "fn", "inline", "max", "upload", "part", "other"):
            if extra not in query:
                with pytest.raises(PermissionError):
                    store.check_signature(method, key, {**query, extra: "0"})
        with pytest.raises(PermissionError, match="bad signature"):
            store.check_signature(method, key + "x", query)
        with pytest.raises(PermissionError, match="wrong method"):
            store.check_signature("PUT" if method == "GET" else "GET", key, query)
    grant = store.check_signature("PUT", *local_target(urls["PUT"]))
    assert (grant.upload_id, grant.part_number, grant.max_bytes) == (upload, 3, 100)
    grant = store.check_signature("HEAD", *local_target(urls["GET"]))
    assert (grant.content_type, grant.filename, grant.inline) == ("image/png", "x.png", False)


def test_local_expiry(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2025, 1, 1, tzinfo=UTC))
    store = local_store(tmp_path / "s", clock=clock)
    key, query = local_target(store.signed_get("k", expires_in=60))
    clock.now += timedelta(seconds=60)
    store.check_signature("GET", key, query)  # valid up to its expiry second
    clock.now += timedelta(seconds=1)
    with pytest.raises(PermissionError, match="expired"):
        store.check_signature("GET", key, query)
    req = store.signed_put("k", expires_in=30, content_type="text/plain", max_bytes=5)
    assert req.expires_at == clock.now + timedelta(seconds=30)
    clock.now += timedelta(seconds=31)
    with pytest.raises(PermissionError, match="expired"):
        store.check_signature("PUT", *local_target(req.url))


def test_local_url_format(tmp_path: Path) -> None:
    store = local_store(tmp_path / "s")
    url = store.signed_get("originals/ab/Z_9-.x", expires_in=60, filename="é x.pdf")
    assert url.startswith(f"{BASE_URL}/api/v1/blobs/originals/ab/Z_9-.x?")
    query = dict(parse_qsl(urlsplit(url).query))
    assert set(query) == {"exp", "kid", "fn", "sig"}
    assert query["fn"] == "é x.pdf"
    assert "&fn=%C3%A9+x.pdf&" in url


# -- uploads --------------------------------------------------------------------------------------


def test_signed_upload_within_and_above_the_limit(store: Store) -> None:
    req = store.signed_put("uploads/u1", expires_in=60, content_type="image/jpeg", max_bytes=1000)
    assert req.expires_at > datetime.now(UTC)
    if isinstance(store, S3BlobStore):
        assert req.method == "POST" and req.fields["Content-Type"] == "image/jpeg"
    else:
        assert req.method == "PUT" and req.headers == {"Content-Type": "image/jpeg"}
    assert send(store, req, b"j" * 1000) is not None
    info = store.head("uploads/u1")
    assert info is not None and (info.size, info.content_type) == (1000, "image/jpeg")

    req = store.signed_put("uploads/u2", expires_in=60, content_type="image/jpeg", max_bytes=1000)
    assert send(store, req, b"j" * 1001) is None
    assert not store.exists("uploads/u2")
    assert leftovers(store) == []


@pytest.mark.s3
def test_s3_presigned_post_binds_the_content_type(s3: S3BlobStore) -> None:
    req = s3.signed_put("uploads/ct", expires_in=60, content_type="image/jpeg", max_bytes=1000)
    fields = {**req.fields, "Content-Type": "text/html"}
    r = httpx.post(req.url, data=fields, files={"file": ("f", b"<script>", "text/html")})
    assert r.status_code == 403
    assert not s3.exists("uploads/ct")


def test_multipart_upload(store: Store) -> None:
    first, second = os.urandom(5 * MiB + 17), b"the last part"
    upload = store.start_multipart("originals/mp/big", content_type="video/mp4")

    def part(n: int, body: bytes) -> UploadedPart:
        req = store.signed_part("originals/mp/big", upload, n, expires_in=60, max_bytes=6 * MiB)
        assert req.method == "PUT"
        sent = send(store, req, body)
        assert sent is not None
        return sent

    p1 = part(1, first)
    assert store.parts("originals/mp/big", upload) == [p1]  # what a resumed upload skips
    p2 = part(2, second)
    listed = store.parts("originals/mp/big", upload)
    assert listed == [p1, p2]
    assert [(p.number, p.size) for p in listed] == [(1, len(first)), (2, len(second))]
    assert listed[0].etag.strip('"') == hashlib.md5(first).hexdigest()
    assert not store.exists("originals/mp/big")

    with pytest.raises(ValueError):
        store.complete_multipart(
            "originals/mp/big", upload, [p1, UploadedPart(2, len(second), '"' + "0" * 32 + '"')]
        )
    store.complete_multipart("originals/mp/big", upload, listed)
    with store.open("originals/mp/big") as f:
        assert f.read() == first + second
    info = store.head("originals/mp/big")
    assert info is not None and (info.size, info.content_type) == (
        len(first) + len(second),
        "video/mp4",
    )
    with pytest.raises(KeyError):
        store.parts("originals/mp/big", upload)

    other = store.start_multipart("originals/mp/dropped", content_type="video/mp4")
    req = store.signed_part("originals/mp/dropped", other, 1, expires_in=60, max_bytes=MiB)
    assert send(store, req, b"abandoned") is not None
    store.abort_multipart("originals/mp/dropped", other)
    with pytest.raises(KeyError):
        store.parts("originals/mp/dropped", other)
    assert not store.exists("originals/mp/dropped")
    store.abort_multipart("originals/mp/dropped", other)  # twice is no error
    assert leftovers(store) == []


def test_local_part_limits(tmp_path: Path) -> None:
    store = local_store(tmp_path / "s")
    upload = store.start_multipart("k", content_type="text/plain")
    req = store.signed_part("k", upload, 1, expires_in=60, max_bytes=10)
    assert send(store, req, b"x" * 11) is None
    assert store.parts("k", upload) == []
    p1 = store.receive("k", [b"a", b"b"], max_bytes=10, upload_id=upload, part_number=1)
    p1b = store.receive("k", [b"c"], max_bytes=10, upload_id=upload, part_number=1)  # sent again
    assert store.parts("k", upload) == [p1b] != [p1]
    for bad in (0, 10_001):
        with pytest.raises(ValueError):
            store.signed_part("k", upload, bad, expires_in=60, max_bytes=10)
        with pytest.raises(ValueError):
            store.receive("k", [b"x"], max_bytes=10, upload_id=upload, part_number=bad)
    with pytest.raises(KeyError):
        store.receive("another", [b"x"], max_bytes=10, upload_id=upload, part_number=2)
    with pytest.raises(ValueError):
        store.complete_multipart("k", upload, [p1b, UploadedPart(2, 1, '"x"')])  # never sent
    with pytest.raises(ValueError):
        store.complete_multipart("k", upload, [])
    with pytest.raises(ValueError):
        store.receive("k", [b"x"], max_bytes=10, upload_id="../../etc", part_number=1)
    store.complete_multipart("k", upload, [p1b])
    assert store.path_of("k").read_bytes() == b"c"
    assert not (store.root / ".uploads" / upload).exists()


# -- S3: encryption, CloudFront --------------------------------------------------------------------


@pytest.mark.s3
def test_s3_sse_s3(request: pytest.FixtureRequest, s3_admin: S3Client) -> None:
    store = s3_store(request, query="&sse=AES256")
    store.put("enc/put", b"secret", content_type="text/plain")
    store.copy("enc/put", "enc/copy", content_type="text/plain")
    upload = store.start_multipart("enc/multi", content_type="text/plain")
    part = send(store, store.signed_part("enc/multi", upload, 1, expires_in=60, max_bytes=99), b"p")
    assert part is not None
    store.complete_multipart("enc/multi", upload, [part])
    req = store.signed_put("enc/post", expires_in=60, content_type="text/plain", max_bytes=99)
    assert req.fields["x-amz-server-side-encryption"] == "AES256"
    assert send(store, req, b"posted") is not None
    for key in ("enc/put", "enc/copy", "enc/multi", "enc/post"):
        head = s3_admin.head_object(Bucket=store.bucket, Key=store.prefix + key)
        assert head.get("ServerSideEncryption") == "AES256", key


class Captured(Exception):
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers


def test_s3_sse_kms_parameters_are_sent() -> None:
    """AWS KMS cannot run here (SeaweedFS has no KMS): this checks the request headers the
    adapter sends, caught by a botocore ``before-send`` hook that stops each request there."""
    store = S3BlobStore.from_url(
        "s3://dzinza-kms?endpoint=http://127.0.0.1:9&sse=aws:kms&kms_key_id=alias/dzinza",
        access_key="a",
        secret_key="b",
    )

    def stop(request: Any, **_: Any) -> None:
        raise Captured(
            {
                k.lower(): v.decode() if isinstance(v, bytes) else v
                for k, v in request.headers.items()
            }
        )

    store.client.meta.events.register("before-send.s3.*", stop)
    calls: list[Callable[[], object]] = [
        lambda: store.put("k", b"x", content_type="text/plain"),
        lambda: store.copy("k", "k2", content_type="text/plain"),
        lambda: store.start_multipart("k3", content_type="text/plain"),
        lambda: store.restore("k", "v1"),
    ]
    for call in calls:
        with pytest.raises(Captured) as caught:
            call()
        headers = caught.value.headers
        assert headers["x-amz-server-side-encryption"] == "aws:kms"
        assert headers["x-amz-server-side-encryption-aws-kms-key-id"] == "alias/dzinza"
    fields = store.signed_put("k", expires_in=60, content_type="text/plain", max_bytes=9).fields
    assert fields["x-amz-server-side-encryption"] == "aws:kms"
    assert fields["x-amz-server-side-encryption-aws-kms-key-id"] == "alias/dzinza"
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert {"x-amz-server-side-encryption-aws-kms-key-id": "alias/dzinza"} in policy["conditions"]
    assert ["content-length-range", 1, 9] in policy["conditions"]


CDN = "https://d111111abcdef8.cloudfront.net"


def cdn_store(**kw: Any) -> S3BlobStore:
    return S3BlobStore.from_url(
        f"s3://media-bucket?region=eu-west-1&prefix=media&cdn={CDN}",
        access_key="a",
        secret_key="b",
        cdn_key_id="K2JCJMDEHXQW5F",
        **kw,
    )


def check_cloudfront_url(url: str, key: str, verify: Callable[[bytes, bytes], bool]) -> None:
    """The URL is CloudFront's canned-policy form, and its signature verifies over the policy."""
    resource, _, query = url.partition("?")
    assert resource == f"{CDN}/media/{key}"
    params = dict(parse_qsl(query))
    assert set(params) == {"Expires", "Signature", "Key-Pair-Id"}
    assert params["Key-Pair-Id"] == "K2JCJMDEHXQW5F"
    expires = int(params["Expires"])
    assert 0 < expires - datetime.now(UTC).timestamp() <= 600
    policy = json.dumps(
        {
            "Statement": [
                {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
            ]
        },
        separators=(",", ":"),
    ).encode()
    raw = params["Signature"].replace("-", "+").replace("_", "=").replace("~", "/")
    signature = base64.b64decode(raw)
    assert verify(policy, signature)
    assert not verify(policy.replace(b"media", b"other"), signature)


def test_cloudfront_url_with_cryptography() -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    store = cdn_store(cdn_private_key_pem=pem)

    def verify(message: bytes, signature: bytes) -> bool:
        try:
            private.public_key().verify(signature, message, padding.PKCS1v15(), hashes.SHA1())
        except InvalidSignature:
            return False
        return True

    check_cloudfront_url(
        store.signed_get("derivatives/ab/t.jpg", expires_in=300, cdn=True),
        "derivatives/ab/t.jpg",
        verify,
    )


@pytest.fixture
def openssl_key(tmp_path: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        if in_ci():
            pytest.fail("CI=true and the openssl command is not installed", pytrace=False)
        pytest.skip("the openssl command is not installed")
    key, pub = tmp_path / "cf.pem", tmp_path / "cf.pub"
    subprocess.run(
        [openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [openssl, "pkey", "-in", key, "-pubout", "-out", pub], check=True, capture_output=True
    )
    return key, pub


def test_cloudfront_url_with_an_rsa_signer(openssl_key: tuple[Path, Path], tmp_path: Path) -> None:
    """The same URL with the signer given as a function (here OpenSSL's command line), which
    needs no ``cryptography`` package."""
    key, pub = openssl_key

    def sign(message: bytes) -> bytes:
        out = subprocess.run(
            ["openssl", "dgst", "-sha1", "-sign", key],
            input=message,
            check=True,
            capture_output=True,
        )
        return out.stdout

    def verify(message: bytes, signature: bytes) -> bool:
        (tmp_path / "sig").write_bytes(signature)
        r = subprocess.run(
            ["openssl", "dgst", "-sha1", "-verify", pub, "-signature", tmp_path / "sig"],
            input=message,
            capture_output=True,
        )
        return r.returncode == 0

    store = cdn_store(rsa_signer=sign)
    url = store.signed_get("derivatives/ab/t.jpg", expires_in=300, cdn=True)
    check_cloudfront_url(url, "derivatives/ab/t.jpg", verify)
    # without cdn, or asking for a download name, the URL is S3's own, presigned
    for kw in ({}, {"cdn": True, "filename": "t.jpg"}, {"cdn": True, "inline": False}):
        url = store.signed_get("derivatives/ab/t.jpg", expires_in=300, **kw)
        assert "X-Amz-Signature=" in url and not url.startswith(CDN)


def test_cdn_without_a_signer_falls_back_to_s3() -> None:
    store = cdn_store()  # a CDN address but no key pair: never an unsigned CDN URL
    url = store.signed_get("derivatives/ab/t.jpg", expires_in=60, cdn=True)
    assert (
        not url.startswith(CDN)
        and "X-Amz-Signature=" in url
        and "/media/derivatives/ab/t.jpg" in url
    )


def test_cdn_private_key_without_cryptography() -> None:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match="cryptography"):
            cdn_store(cdn_private_key_pem=b"-----BEGIN PRIVATE KEY-----")
    else:
        with pytest.raises(ValueError):
            cdn_store(cdn_private_key_pem=b"not a key")


# -- keys, URLs -----------------------------------------------------------------------------------

BAD_KEYS = [
    "../x",
    "/abs",
    "a//b",
    ".hidden/x",
    "a/../b",
    "a/./b",
    "a/",
    "",
    "a\\b",
    "a\x00b",
    "é",
    "a b",
    "a/.b",
]


def test_keys_are_validated(store: Store) -> None:
    for key in BAD_KEYS:
        with pytest.raises(ValueError):
            store.put(key, b"x", content_type="text/plain")
        with pytest.raises(ValueError):
            store.head(key)
        with pytest.raises(ValueError):
            store.signed_get(key, expires_in=60)
        with pytest.raises(ValueError):
            store.signed_put(key, expires_in=60, content_type="text/plain", max_bytes=9)
    for prefix in ["../", "/", "a//", ".meta/", "a/.v"]:
        with pytest.raises(ValueError):
            list(store.keys(prefix))
    assert list(store.keys("")) == []


def test_local_store_stays_in_its_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    store = local_store(tmp_path / "root")
    (store.root / "link").symlink_to(outside)
    with pytest.raises(ValueError):
        store.put("link/x", b"x", content_type="text/plain")
    with pytest.raises(ValueError):
        store.exists("link/x")
    assert list(outside.iterdir()) == []
    _, query = local_target(store.signed_get("k", expires_in=60))
    with pytest.raises(PermissionError):
        store.check_signature("GET", "../k", query)


def test_s3_only_serves_through_s3() -> None:
    store = cdn_store()
    assert store.serves_itself is False
    with pytest.raises(NotImplementedError):
        store.check_signature("GET", "k", {})
    with pytest.raises(NotImplementedError):
        store.path_of("k")
    with pytest.raises(NotImplementedError):
        store.receive("k", [b"x"], max_bytes=None)


def test_blob_store_from_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The S3 store takes its credentials from the AWS chain: here, the environment.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "from-the-environment")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-from-the-environment")
    local = blob_store_from_url(
        f"file://{tmp_path}/abs?versions=keep", base_url=BASE_URL, signing_keys=KEYS
    )
    assert isinstance(local, LocalBlobStore) and local.serves_itself
    assert local.root == tmp_path / "abs" and local.keep_versions
    assert local.url == f"file://{tmp_path}/abs?versions=keep"
    monkeypatch.chdir(tmp_path)
    for url in ("file://rel/dir", "file:rel/dir"):
        local = blob_store_from_url(url, base_url=BASE_URL, signing_keys=KEYS)
        assert isinstance(local, LocalBlobStore)
        assert local.root == tmp_path / "rel" / "dir" and not local.keep_versions

    s3 = blob_store_from_url(
        "s3://media-bucket?endpoint=http://127.0.0.1:9&region=eu-west-1&prefix=/media/&sse=aws:kms"
        f"&kms_key_id=key-1&addressing=virtual&cdn={CDN}/",
        base_url=BASE_URL,
        signing_keys=KEYS,
    )
    assert isinstance(s3, S3BlobStore) and not s3.serves_itself
    assert (s3.bucket, s3.prefix) == ("media-bucket", "media/")
    assert (s3.options.sse, s3.options.kms_key_id, s3.options.cdn_url) == ("aws:kms", "key-1", CDN)
    assert s3.client.meta.region_name == "eu-west-1"
    assert s3.client.meta.config.s3["addressing_style"] == "virtual"  # type: ignore[attr-defined]
    assert s3.url == (
        "s3://media-bucket?endpoint=http://127.0.0.1:9&region=eu-west-1&prefix=media&sse=aws:kms"
        f"&kms_key_id=key-1&addressing=virtual&cdn={CDN}"
    )
    path_style = blob_store_from_url(
        "s3://b-1?endpoint=http://127.0.0.1:9", base_url=BASE_URL, signing_keys=KEYS
    )
    assert isinstance(path_style, S3BlobStore)
    assert path_style.client.meta.config.s3["addressing_style"] == "path"  # type: ignore[attr-defined]
    assert path_style.signed_get("k", expires_in=60).startswith("http://127.0.0.1:9/b-1/k?")
    assert "Credential=from-the-environment" in unquote(path_style.signed_get("k", expires_in=60))

    for bad, message in [
        ("ftp://host/x", "unsupported blob store URL"),
        ("/just/a/path", "unsupported blob store URL"),
        ("file://", "names no folder"),
        ("file:///x?versions=maybe", "versions"),
        ("file:///x?colour=blue", "unknown option"),
        ("s3://?endpoint=http://127.0.0.1:9", "names no bucket"),
        ("s3://b?sse=rot13", "sse"),
        ("s3://b?kms_key_id=k", "kms_key_id needs sse=aws:kms"),
        ("s3://b?addressing=sideways", "addressing"),
        ("s3://b?colour=blue", "unknown option"),
        ("s3://key:secret@b", "no credentials"),
        ("s3://b?cdn=dxxx.cloudfront.net", "cdn"),
    ]:
        with pytest.raises(ValueError, match=message):
            blob_store_from_url(bad, base_url=BASE_URL, signing_keys=KEYS)
    with pytest.raises(ValueError, match="signing key"):
        blob_store_from_url(f"file://{tmp_path}/x", base_url=BASE_URL, signing_keys=[])
