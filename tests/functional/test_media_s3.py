"""Photos and documents on a real S3 server (SeaweedFS, started by scripts/services.sh), the
way production runs: uploads, presigned delivery with Range, direct uploads with a presigned
POST and in presigned parts, server-side encryption, and deletion on a versioned bucket."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from botocore.config import Config
from fastapi.testclient import TestClient

from dzinza import bootstrap
from dzinza.api.app import create_app
from dzinza.services.platform import Platform
from dzinza.settings import Settings
from tests.conftest import Api, make_user
from tests.functional.test_media import jpeg, noise_png, ready, upload
from tests.functional.test_people import person

pytestmark = pytest.mark.s3

KEY, SECRET = "dzinza-test", "dzinza-test-secret"


def _endpoint(s3_url: str) -> str:
    return parse_qs(urlsplit(s3_url).query)["endpoint"][0]


@pytest.fixture
def bucket(s3_url: str) -> tuple[str, Any]:
    client = boto3.client(
        "s3",
        endpoint_url=_endpoint(s3_url),
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )
    name = f"dzinza-media-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name, client


@pytest.fixture
def on_s3(
    database_url: str,
    tmp_path: Path,
    s3_url: str,
    bucket: tuple[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Platform, Api]]:
    # Credentials as production gets them: the standard AWS variables (or the pod's role).
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        password_hashing="fast-for-tests-only",
        media_url=f"s3://{bucket[0]}?endpoint={_endpoint(s3_url)}&region=us-east-1&sse=AES256",
        media_part_bytes=5 * 1024 * 1024,
    )
    p = bootstrap.build(settings)
    with TestClient(create_app(p), raise_server_exceptions=False) as c:
        yield p, Api(c, make_user(p, "s3@example.org"))
    p.close()


def _tree(api: Api) -> str:
    return str(api.post("/trees", {"name": "On S3"})["id"])


def test_upload_is_processed_and_served_by_presigned_urls(
    on_s3: tuple[Platform, Api], bucket: tuple[str, Any]
) -> None:
    _, api = on_s3
    name, s3 = bucket
    t = _tree(api)
    photo = jpeg(1200, 900)
    view = ready(api, upload(api, t, photo)["id"])
    assert view["status"] == "ready"
    assert view["variants"] == ["original", "small", "medium"]  # 1200 px: no 2048 version
    urls = api.get(f"/media/{view['id']}/urls")["urls"]
    original = httpx.get(urls["original"]["url"])
    assert original.status_code == 200 and original.content == photo
    first = httpx.get(urls["original"]["url"], headers={"Range": "bytes=0-99"})
    assert first.status_code == 206 and first.content == photo[:100]
    small = httpx.get(urls["small"]["url"])
    assert small.status_code == 200 and small.headers["content-type"] == "image/jpeg"

    # The bucket is private: the key alone, or a URL signed with a wrong secret, is refused.
    assert httpx.get(urls["original"]["url"].split("?")[0]).status_code == 403
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]]
    derivative = next(k for k in keys if k.startswith("derivatives/") and "small" in k)
    head = s3.head_object(Bucket=name, Key=derivative)
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert head.get("ServerSideEncryption") == "AES256"


def test_direct_upload_with_a_presigned_post(on_s3: tuple[Platform, Api]) -> None:
    _, api = on_s3
    t = _tree(api)
    photo = jpeg()
    body = {"filename": "aunt.jpg", "size": len(photo), "content_type": "image/jpeg"}
    started = api.post(f"/trees/{t}/media/uploads", body)
    (part,) = started["parts"]
    assert part["method"] == "POST"
    sent = httpx.post(part["url"], data=part["fields"], files={"file": ("aunt.jpg", photo)})
    assert sent.status_code in (200, 201, 204), sent.text
    made = api.post(f"/media/uploads/{started['id']}/complete", {})
    assert made["original_name"] == "aunt.jpg" and made["size"] == len(photo)


def test_direct_upload_in_presigned_parts_resumes(
    on_s3: tuple[Platform, Api], bucket: tuple[str, Any]
) -> None:
    platform, api = on_s3
    t = _tree(api)
    data = noise_png(6 * 1024 * 1024)
    body = {"filename": "scan.png", "size": len(data), "content_type": "image/png"}
    started = api.post(f"/trees/{t}/media/uploads", body)
    assert [p["number"] for p in started["parts"]] == [1, 2]

    def send(part: dict[str, Any]) -> None:
        chunk = data[part["offset"] : part["offset"] + part["size"]]
        r = httpx.put(part["url"], content=chunk, headers=part["headers"])
        assert r.status_code == 200, r.text

    send(started["parts"][0])
    resumed = api.get(f"/media/uploads/{started['id']}")
    assert [p["number"] for p in resumed["received"]] == [1]
    send(resumed["parts"][0])
    made = api.post(f"/media/uploads/{started['id']}/complete", {})
    assert made["size"] == len(data) and made["kind"] == "image"
    assert list(platform.media.blobs.keys("uploads/")) == []


def test_deleted_files_stay_recoverable_on_a_versioned_bucket(
    on_s3: tuple[Platform, Api], bucket: tuple[str, Any]
) -> None:
    platform, api = on_s3
    name, s3 = bucket
    t = _tree(api)
    dead = person(api, t, "Sekuru", living=False)
    view = ready(
        api, upload(api, t, jpeg(), targets=f'[{{"type": "person", "id": "{dead["id"]}"}}]')["id"]
    )
    api.delete(f"/media/{view['id']}")
    assert platform.media.collect_garbage(grace=timedelta(0)) == 1
    originals = s3.list_object_versions(Bucket=name, Prefix="originals/").get("Versions", [])
    assert originals, "the bucket keeps the deleted original as an earlier version"
    assert not platform.media.blobs.exists(originals[0]["Key"])
    versions = platform.media.blobs.versions(originals[0]["Key"])
    platform.media.blobs.restore(originals[0]["Key"], versions[0])
    assert platform.media.blobs.exists(originals[0]["Key"])
