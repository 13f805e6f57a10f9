"""Photos and documents over HTTP, on the local folder (the embedded default): uploads, the
processing job, signed URLs, privacy, refusals, direct uploads in parts, tags, primary photos,
deletion and the clean-up of the bytes. The same flows on S3 are in test_media_s3.py."""

from __future__ import annotations

import io
import struct
import time
import uuid
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from dzinza import bootstrap
from dzinza.api.app import create_app
from dzinza.services.platform import Platform
from dzinza.settings import Settings
from tests.conftest import Api, add_member, make_user
from tests.functional.test_people import person


# -- files made for the tests -------------------------------------------------------------------
def jpeg(width: int = 640, height: int = 480, *, gps: bool = True, color: str = "teal") -> bytes:
    """A photo with EXIF: orientation 6 (shown rotated), a date, a camera and a GPS position."""
    img = Image.new("RGB", (width, height), color)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Dzinza Camera Co"
    exif[0x0110] = "Model 7"
    exif.get_ifd(0x8769)[0x9003] = "1962:04:18 10:30:00"
    if gps:
        exif.get_ifd(0x8825).update({1: "S", 2: (17.0, 49.0, 48.0), 3: "E", 4: (31.0, 2.0, 24.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def noise_png(nbytes: int) -> bytes:
    """A valid PNG of at least ``nbytes`` (random pixels do not compress)."""
    side = int((nbytes / 3) ** 0.5) + 16
    img = Image.frombytes("RGB", (side, side), uuid.uuid4().bytes * (side * side * 3 // 16 + 1))
    out = io.BytesIO()
    img.save(out, "PNG", compress_level=0)
    return out.getvalue()


def bomb_png(side: int = 50_000) -> bytes:
    """A tiny PNG whose header claims side x side pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def upload(
    api: Api,
    tree_id: str,
    data: bytes,
    name: str = "grandmother.jpg",
    expect: int = 201,
    **form: Any,
) -> Any:
    return api.call(
        "POST",
        f"/trees/{tree_id}/media/files",
        expect,
        files={"file": (name, data, "application/octet-stream")},
        data=form,
    )


def ready(api: Api, media_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """The item once its processing job has finished."""
    deadline = time.monotonic() + timeout
    while True:
        view: dict[str, Any] = api.get(f"/media/{media_id}")
        if view["status"] != "processing" or time.monotonic() > deadline:
            return view
        time.sleep(0.05)


def fetch(client: TestClient, url: str, **headers: str) -> Any:
    """GET a signed URL of the local folder (an absolute URL naming the app)."""
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}", headers=headers)


def originals(platform: Platform) -> list[str]:
    return list(platform.media.blobs.keys("originals/"))


# -- uploading and serving ----------------------------------------------------------------------
def test_upload_processes_and_serves_signed_derivatives(
    owner: Api, client: TestClient, tree: dict[str, Any], platform: Platform
) -> None:
    t = tree["id"]
    grandma = person(owner, t, "Chipo", living=False)
    targets = f'[{{"type": "person", "id": "{grandma["id"]}"}}]'
    made = upload(owner, t, jpeg(), "../../etc/Gogo Chipo.jpg", title="", targets=targets)
    assert made["status"] == "processing"
    assert made["original_name"] == "Gogo Chipo.jpg"
    assert made["title"] == "Gogo Chipo"
    assert made["mime_type"] == "image/jpeg" and made["kind"] == "image"
    view = ready(owner, made["id"])
    assert view["status"] == "ready", view
    # Orientation 6: stored 640x480, shown 480x640.
    assert (view["width"], view["height"]) == (480, 640)
    assert view["taken_at"] == "1962-04-18T10:30:00"
    assert view["camera"] == "Dzinza Camera Co Model 7"
    assert view["latitude"] == pytest.approx(-17.83, abs=0.01)
    assert view["longitude"] == pytest.approx(31.04, abs=0.01)
    # Derivatives are never enlarged: a 640-pixel photo has no 800-pixel "medium" version.
    assert view["variants"] == ["original", "small"]
    assert view["dimensions"]["small"] == {"width": 150, "height": 200}
    assert [m["id"] for m in owner.get(f"/people/{grandma['id']}")["media"]] == [made["id"]]

    urls = owner.get(f"/media/{made['id']}/urls")["urls"]
    small = fetch(client, urls["small"]["url"])
    assert small.status_code == 200 and small.headers["content-type"] == "image/jpeg"
    assert small.headers["content-security-policy"] == "default-src 'none'; sandbox"
    thumb = Image.open(io.BytesIO(small.content))
    assert thumb.size == (150, 200)
    assert not thumb.getexif() and "exif" not in thumb.info
    original = fetch(client, urls["original"]["url"])
    assert original.content == jpeg()
    part = fetch(client, urls["original"]["url"], Range="bytes=0-9")
    assert part.status_code == 206 and part.content == jpeg()[:10]

    redirect = client.get(
        f"/api/v1/media/{made['id']}/file?variant=medium",
        headers=owner.headers,
        follow_redirects=False,
    )
    assert redirect.status_code == 302
    assert redirect.headers["cache-control"] == "private, no-store"
    assert fetch(client, redirect.headers["location"]).status_code == 200


def test_same_file_twice_is_one_item_and_one_blob(
    owner: Api, tree: dict[str, Any], platform: Platform
) -> None:
    first = upload(owner, tree["id"], jpeg())
    again = upload(owner, tree["id"], jpeg(), "copy.jpeg", expect=200)
    assert again["id"] == first["id"]
    other = owner.post("/trees", {"name": "Other tree"})
    elsewhere = upload(owner, other["id"], jpeg())
    assert elsewhere["id"] != first["id"]
    assert len(originals(platform)) == 1


def test_pdf_gets_a_preview_and_audio_is_kept_as_is(owner: Api, tree: dict[str, Any]) -> None:
    pdf = io.BytesIO()
    Image.new("RGB", (300, 400), "white").save(pdf, "PDF")
    doc = ready(owner, upload(owner, tree["id"], pdf.getvalue(), "certificate.pdf")["id"])
    assert doc["kind"] == "document" and doc["pages"] == 1
    assert "preview" in doc["variants"] and "small" in doc["variants"]
    wav = b"RIFF" + (36).to_bytes(4, "little") + b"WAVEfmt " + bytes(24) + b"data" + bytes(4)
    song = ready(owner, upload(owner, tree["id"], wav, "song.wav")["id"])
    assert song["kind"] == "audio" and song["status"] == "ready"
    assert song["variants"] == ["original"]


# -- refusals -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        (
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "photo.jpg",
            415,
            "active-content",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>',
            "logo.svg",
            415,
            "active-content",
        ),
        (b"MZ" + bytes(200), "setup.jpg", 415, "active-content"),
        (b"PK\x03\x04" + bytes(100), "album.zip", 415, "unsupported-type"),
        (jpeg()[:2000], "cut.jpg", 422, "corrupt"),
        (bomb_png(), "huge.png", 422, "too-many-pixels"),
        (b"", "empty.jpg", 422, "empty"),
    ],
)
def test_refused_files_store_nothing(
    owner: Api,
    tree: dict[str, Any],
    platform: Platform,
    data: bytes,
    name: str,
    status: int,
    code: str,
) -> None:
    problem = upload(owner, tree["id"], data, name, expect=status)
    assert problem["detail"]
    assert problem["errors"] == [{"field": "file", "message": code}]
    assert owner.get(f"/trees/{tree['id']}/media")["items"] == []
    assert originals(platform) == []


@pytest.fixture
def tight(database_url: str, tmp_path: Path) -> Iterator[tuple[Api, Platform]]:
    """The app with small limits: 200 KB a form upload, 300 KB a tree."""
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path / "tight",
        password_hashing="fast-for-tests-only",
        media_form_max_bytes=200_000,
        media_tree_quota_bytes=300_000,
    )
    p = bootstrap.build(settings)
    with TestClient(create_app(p), raise_server_exceptions=False) as c:
        yield Api(c, make_user(p, "tight@example.org")), p
    p.close()


def test_size_limit_and_quota(tight: tuple[Api, Platform]) -> None:
    tight_api, platform = tight
    t = tight_api.post("/trees", {"name": "Small"})["id"]
    assert (
        "larger than" in upload(tight_api, t, noise_png(250_000), "big.png", expect=413)["detail"]
    )
    upload(tight_api, t, noise_png(150_000), "one.png")
    assert "quota" in upload(tight_api, t, noise_png(160_000), "two.png", expect=413)["detail"]
    big = {"filename": "video.mp4", "size": 10**12, "content_type": "video/mp4"}
    assert tight_api.post(f"/trees/{t}/media/uploads", big, expect=413)
    assert len(originals(platform)) == 1, "nothing of the refused files was kept"


# -- privacy ------------------------------------------------------------------------------------
def test_guest_never_reaches_media_of_the_living(
    owner: Api, anonymous: Api, client: TestClient, tree: dict[str, Any]
) -> None:
    t = tree["id"]
    owner.patch(f"/trees/{t}", {"visibility": "public"})
    alive = person(owner, t, "Tendai", living=True)
    dead = person(owner, t, "Sekuru", living=False)
    of_living = upload(
        owner, t, jpeg(color="red"), targets=f'[{{"type": "person", "id": "{alive["id"]}"}}]'
    )
    of_dead = upload(
        owner, t, jpeg(color="blue"), targets=f'[{{"type": "person", "id": "{dead["id"]}"}}]'
    )
    ready(owner, of_living["id"])
    ready(owner, of_dead["id"])
    owner_urls = owner.get(f"/media/{of_living['id']}/urls")["urls"]

    for path in ("", "/urls", "/file?variant=small"):
        anonymous.get(f"/media/{of_living['id']}{path}", expect=404)
    listed = [m["id"] for m in anonymous.get(f"/trees/{t}/media")["items"]]
    assert listed == [of_dead["id"]]

    seen = anonymous.get(f"/media/{of_dead['id']}")
    assert "latitude" not in seen and "camera" not in seen and "original" not in seen["variants"]
    anonymous.get(f"/media/{of_dead['id']}/file?variant=original", expect=403)
    assert set(anonymous.get(f"/media/{of_dead['id']}/urls")["urls"]) == {"small"}

    # Tagging the living on the dead man's photo hides it too.
    owner.call(
        "PUT",
        f"/media/{of_dead['id']}/tags/{alive['id']}",
        200,
        json={"x": 0.1, "y": 0.1, "w": 0.3, "h": 0.3},
    )
    anonymous.get(f"/media/{of_dead['id']}", expect=404)

    # A key alone, or a signature of something else, opens nothing.
    signed = urlsplit(owner_urls["original"]["url"])
    assert client.get(signed.path).status_code == 403
    other_key = signed.path.replace("originals/", "derivatives/")
    assert client.get(f"{other_key}?{signed.query}").status_code == 403
    tampered = signed.query.replace("sig=", "sig=A")
    assert client.get(f"{signed.path}?{tampered}").status_code == 403


# -- direct uploads in parts --------------------------------------------------------------------
def test_direct_upload_in_parts_resumes_and_completes(
    owner: Api, client: TestClient, tree: dict[str, Any], platform: Platform
) -> None:
    data = noise_png(17 * 1024 * 1024)
    body = {"filename": "scan.png", "size": len(data), "content_type": "image/png", "title": "Scan"}
    started = owner.post(f"/trees/{tree['id']}/media/uploads", body)
    parts = started["parts"]
    assert [p["number"] for p in parts] == [1, 2] and started["received"] == []

    def send(part: dict[str, Any]) -> None:
        url = urlsplit(part["url"])
        chunk = data[part["offset"] : part["offset"] + part["size"]]
        r = client.put(f"{url.path}?{url.query}", content=chunk, headers=part["headers"])
        assert r.status_code == 200, r.text

    send(parts[0])
    owner.post(f"/media/uploads/{started['id']}/complete", {}, expect=409)
    resumed = owner.get(f"/media/uploads/{started['id']}")
    assert [p["number"] for p in resumed["received"]] == [1]
    assert [p["number"] for p in resumed["parts"]] == [2]
    send(resumed["parts"][0])
    made = owner.post(f"/media/uploads/{started['id']}/complete", {})
    assert made["title"] == "Scan" and made["size"] == len(data)
    again = owner.post(f"/media/uploads/{started['id']}/complete", {}, expect=200)
    assert again["id"] == made["id"]
    assert list(platform.media.blobs.keys("uploads/")) == []


def test_direct_upload_too_big_for_its_url_is_refused(
    owner: Api, client: TestClient, tree: dict[str, Any]
) -> None:
    body = {"filename": "a.jpg", "size": 1000, "content_type": "image/jpeg"}
    part = owner.post(f"/trees/{tree['id']}/media/uploads", body)["parts"][0]
    url = urlsplit(part["url"])
    r = client.put(f"{url.path}?{url.query}", content=bytes(5000))
    assert r.status_code == 413
    assert client.put(url.path, content=b"x").status_code == 403


def test_an_abandoned_upload_can_no_longer_be_completed(owner: Api, tree: dict[str, Any]) -> None:
    body = {"filename": "a.jpg", "size": 1000, "content_type": "image/jpeg"}
    started = owner.post(f"/trees/{tree['id']}/media/uploads", body)
    owner.delete(f"/media/uploads/{started['id']}")
    owner.post(f"/media/uploads/{started['id']}/complete", {}, expect=409)


def test_someone_elses_upload_is_not_found(owner: Api, stranger: Api, tree: dict[str, Any]) -> None:
    body = {"filename": "a.jpg", "size": 1000, "content_type": "image/jpeg"}
    started = owner.post(f"/trees/{tree['id']}/media/uploads", body)
    stranger.get(f"/media/uploads/{started['id']}", expect=404)


# -- tags and the primary photo -----------------------------------------------------------------
def test_tags_and_primary_photo(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    chipo = person(owner, t, "Chipo", living=False)
    photo = upload(owner, t, jpeg())
    region = {"x": 0.25, "y": 0.1, "w": 0.5, "h": 0.4}
    tagged = owner.call("PUT", f"/media/{photo['id']}/tags/{chipo['id']}", 200, json=region)
    assert tagged["tags"] == [
        {"person_id": chipo["id"], "display_name": "Chipo Moyo", "region": region}
    ]
    outside = {"x": 0.8, "y": 0.1, "w": 0.5, "h": 0.4}
    owner.call("PUT", f"/media/{photo['id']}/tags/{chipo['id']}", 422, json=outside)

    primary = {"media_id": photo["id"]}
    owner.call("PUT", f"/people/{chipo['id']}/primary-media", 422, json=primary)
    owner.post(f"/media/{photo['id']}/links", {"type": "person", "id": chipo["id"]})
    owner.call("PUT", f"/people/{chipo['id']}/primary-media", 200, json=primary)
    assert owner.get(f"/people/{chipo['id']}/primary-media")["media"]["id"] == photo["id"]
    owner.call("PUT", f"/people/{chipo['id']}/primary-media", 200, json={"media_id": None})
    assert owner.get(f"/people/{chipo['id']}/primary-media")["media"] is None

    owner.delete(f"/media/{photo['id']}/tags/{chipo['id']}")
    assert owner.get(f"/media/{photo['id']}")["tags"] == []


# -- deleting and cleaning up -------------------------------------------------------------------
def test_deleted_files_are_kept_for_undo_then_cleaned_up(
    owner: Api, tree: dict[str, Any], platform: Platform
) -> None:
    photo = ready(owner, upload(owner, tree["id"], jpeg())["id"])
    blobs = platform.media.blobs
    assert originals(platform)
    owner.delete(f"/media/{photo['id']}")
    # Within the grace period nothing goes; an undo finds the file.
    assert platform.media.collect_garbage() == 0
    assert originals(platform)

    change = owner.get(f"/trees/{tree['id']}/history")["items"][0]
    owner.post(f"/changes/{change['id']}/undo", {}, expect=201)
    assert owner.get(f"/media/{photo['id']}")["status"] == "ready"

    owner.delete(f"/media/{photo['id']}")
    assert platform.media.collect_garbage(grace=timedelta(0)) == 1
    assert originals(platform) == [] and list(blobs.keys("derivatives/")) == []


def test_deleting_a_tree_cleans_up_its_files(owner: Api, platform: Platform) -> None:
    t = owner.post("/trees", {"name": "Temporary"})["id"]
    ready(owner, upload(owner, t, jpeg())["id"])
    owner.delete(f"/trees/{t}")
    with platform.store.read() as tx:
        assert tx.orphans_due(platform.clock.now(), 10) != []


# -- the antivirus port -------------------------------------------------------------------------
class FindsEverything:
    name = "test-scanner"

    def scan(self, path: Path) -> str | None:
        return "Test.Signature"


def test_a_file_the_scanner_flags_is_never_served(database_url: str, tmp_path: Path) -> None:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path / "scan",
        password_hashing="fast-for-tests-only",
    )
    p = bootstrap.build(settings)
    p.media.intake.scanner = FindsEverything()
    with TestClient(create_app(p), raise_server_exceptions=False) as c:
        api = Api(c, make_user(p, "scan@example.org"))
        t = api.post("/trees", {"name": "Scanned"})["id"]
        view = ready(api, upload(api, t, jpeg())["id"])
        assert view["status"] == "rejected" and "Test.Signature" in view["problem"]
        api.get(f"/media/{view['id']}/file?variant=small", expect=404)
        with p.store.read() as tx:
            assert tx.orphans_due(p.clock.now(), 10) != []
    p.close()


def test_a_file_still_processing_is_not_served(
    owner: Api, tree: dict[str, Any], platform: Platform
) -> None:
    made = ready(owner, upload(owner, tree["id"], jpeg())["id"])
    with platform.store.write() as tx:
        tx.update("media", uuid.UUID(made["id"]), {"status": "processing"})
    owner.get(f"/media/{made['id']}/file?variant=original", expect=409)
    assert owner.get(f"/media/{made['id']}/urls")["urls"] == {}


def test_who_may_upload(
    owner: Api, stranger: Api, anonymous: Api, client: TestClient, platform: Platform
) -> None:
    private = owner.post("/trees", {"name": "Private"})["id"]
    public = owner.post("/trees", {"name": "Public", "visibility": "public"})["id"]
    upload(stranger, private, jpeg(), expect=404)
    upload(anonymous, public, jpeg(), expect=401)
    upload(stranger, public, jpeg(), expect=403)
    for role, expect in (("viewer", 403), ("contributor", 201)):
        token = add_member(platform, private, f"{role}@example.org", role)
        upload(Api(client, token), private, jpeg(), expect=expect)
    assert len(originals(platform)) == 1


def test_a_stored_files_type_cannot_be_changed(owner: Api, tree: dict[str, Any]) -> None:
    photo = upload(owner, tree["id"], jpeg())
    owner.patch(f"/media/{photo['id']}", {"mime_type": "text/html"}, expect=422)
    owner.patch(f"/media/{photo['id']}", {"title": "Gogo at the river"})
    assert owner.get(f"/media/{photo['id']}")["mime_type"] == "image/jpeg"
