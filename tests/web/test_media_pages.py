"""The photo and document pages: uploading through the form (and as media.js does, one file a
request answered in JSON), the gallery, one item's page with its edit form, tags, the primary
photo and deletion; refusals; what a guest of a public tree may see; every language."""

from __future__ import annotations

import io
import time
from typing import Any

import httpx
from fastapi.testclient import TestClient
from PIL import Image

from dzinza.services.platform import Platform
from tests.conftest import Api, add_member
from tests.web.conftest import LANGUAGES, csrf_of, in_language, sign_in_web
from tests.web.test_accessibility import check_page

HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"


def png(color: str = "teal", size: tuple[int, int] = (300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def ready(owner: Api, media_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """The item once its processing job has finished."""
    deadline = time.monotonic() + timeout
    while True:
        view: dict[str, Any] = owner.get(f"/media/{media_id}")
        if view["status"] != "processing" or time.monotonic() > deadline:
            return view
        time.sleep(0.05)


def person(owner: Api, tree_id: str, given: str, *, living: bool) -> dict[str, Any]:
    body = {"names": [{"given": given, "surname": "Moyo"}], "living": living}
    return dict(owner.post(f"/trees/{tree_id}/people", body))


def send(
    web: TestClient, tree_id: str, files: list[tuple[str, bytes]], **kw: Any
) -> httpx.Response:
    token = csrf_of(web.get(f"/trees/{tree_id}/media"))
    return web.post(
        f"/trees/{tree_id}/media/upload",
        data={"csrf": token},
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
        follow_redirects=False,
        **kw,
    )


def uploaded(owner: Api, tree_id: str) -> list[dict[str, Any]]:
    return list(owner.get(f"/trees/{tree_id}/media")["items"])


def clean(page: httpx.Response) -> None:
    """No inline script or style, and what assistive technology relies on."""
    assert "<script>" not in page.text and " style=" not in page.text
    assert check_page(page.text) == []


def test_upload_through_the_form_then_the_gallery_and_the_item(
    owner_web: TestClient, owner: Api, tree: dict[str, Any]
) -> None:
    t = tree["id"]
    empty = owner_web.get(f"/trees/{t}/media")
    assert empty.status_code == 200 and "No photos or documents yet" in empty.text
    assert 'type="file" name="files" multiple' in empty.text
    assert f'action="/trees/{t}/media/upload"' in empty.text and "100 MB" in empty.text
    clean(empty)

    done = send(owner_web, t, [("Gogo Chipo.png", png())])
    assert done.status_code == 303 and done.headers["location"] == f"/trees/{t}/media"
    [item] = uploaded(owner, t)
    assert item["title"] == "Gogo Chipo"
    assert ready(owner, item["id"])["status"] == "ready"

    gallery = owner_web.get(f"/trees/{t}/media")
    clean(gallery)
    assert f'href="/media/{item["id"]}"' in gallery.text and "Gogo Chipo" in gallery.text
    assert "/small.jpg?" in gallery.text  # the signed link of the 200-pixel thumbnail
    assert "data-lightbox=" in gallery.text and "data-lightbox-dialog" in gallery.text

    page = owner_web.get(f"/media/{item['id']}")
    assert page.status_code == 200
    clean(page)
    assert "<h1>Gogo Chipo</h1>" in page.text
    assert f'href="/media/{item["id"]}/download"' in page.text
    assert 'name="version"' in page.text and "Tag a person" in page.text
    original = owner_web.get(f"/media/{item['id']}/download", follow_redirects=False)
    assert (
        original.status_code == 302 and "/api/v1/blobs/originals/" in original.headers["location"]
    )


def test_uploads_as_the_script_sends_them(
    owner_web: TestClient, owner: Api, tree: dict[str, Any]
) -> None:
    t = tree["id"]
    token = csrf_of(owner_web.get(f"/trees/{t}/media"))
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}

    def one(name: str, data: bytes, **extra: str) -> httpx.Response:
        return owner_web.post(
            f"/trees/{t}/media/upload",
            files={"files": (name, data, "application/octet-stream")},
            headers={**headers, **extra},
        )

    sent = one("a.png", png("red"))
    assert sent.status_code == 200
    [result] = sent.json()["files"]
    assert result["ok"] and result["created"] and result["url"] == f"/media/{result['id']}"
    again = one("copy.png", png("red")).json()["files"][0]
    assert again["ok"] and not again["created"] and again["id"] == result["id"]

    refused = one("photo.jpg", HTML)
    assert refused.status_code == 415
    [problem] = refused.json()["files"]
    assert not problem["ok"] and "could run code in a browser" in problem["message"]
    assert one("b.png", png("blue"), **{"X-CSRF-Token": "x" * 64}).status_code == 403
    assert len(uploaded(owner, t)) == 1


def test_refused_files_are_explained_and_nothing_is_kept(
    owner_web: TestClient, owner: Api, tree: dict[str, Any]
) -> None:
    t = tree["id"]
    page = send(owner_web, t, [("photo.jpg", HTML), ("good.png", png())])
    assert page.status_code == 415
    clean(page)
    assert 'role="alert"' in page.text and "photo.jpg" in page.text
    assert "could run code in a browser" in page.text
    titles = [m["title"] for m in uploaded(owner, t)]
    assert titles == ["good"], "the good file of the same form is kept"

    empty = send(owner_web, t, [("empty.png", b"")])
    assert empty.status_code == 422 and "The file is empty." in empty.text
    nothing = owner_web.post(
        f"/trees/{t}/media/upload",
        data={"csrf": csrf_of(owner_web.get(f"/trees/{t}/media"))},
        files={"files": ("", b"", "application/octet-stream")},
    )
    assert nothing.status_code == 422 and "Choose one or more files" in nothing.text
    forged = owner_web.post(
        f"/trees/{t}/media/upload",
        data={"csrf": "x" * 64},
        files={"files": ("c.png", png("green"), "application/octet-stream")},
    )
    assert forged.status_code == 403
    assert len(uploaded(owner, t)) == 1


def test_edit_the_details_with_versions(
    owner_web: TestClient, owner: Api, tree: dict[str, Any]
) -> None:
    t = tree["id"]
    send(owner_web, t, [("river.png", png())])
    media_id = ready(owner, uploaded(owner, t)[0]["id"])["id"]
    page = owner_web.get(f"/media/{media_id}")
    token = csrf_of(page)
    version = page.text.split('name="version" value="')[1].split('"')[0]
    fields = {"csrf": token, "version": version, "description": "At the river"}

    assert (
        owner_web.post(f"/media/{media_id}/edit", data={**fields, "csrf": "x" * 64}).status_code
        == 403
    )
    done = owner_web.post(
        f"/media/{media_id}/edit",
        data={**fields, "title": "Gogo at the river", "date": "ABT 1962"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/media/{media_id}"
    saved = owner.get(f"/media/{media_id}")
    assert saved["title"] == "Gogo at the river" and saved["date_text"] == "ABT 1962"
    assert saved["description"] == "At the river"
    assert "Gogo at the river" in owner_web.get(f"/media/{media_id}").text

    # The version read before that change is stale: refused, both versions shown, nothing lost.
    stale = owner_web.post(
        f"/media/{media_id}/edit", data={**fields, "title": "My own title", "date": ""}
    )
    assert stale.status_code == 412
    assert 'value="My own title"' in stale.text and "Gogo at the river" in stale.text
    assert owner.get(f"/media/{media_id}")["title"] == "Gogo at the river"
    bad = owner_web.post(
        f"/media/{media_id}/edit",
        data={**fields, "version": "", "title": "T", "date": "30 FEB 1901"},
    )
    assert bad.status_code == 422 and 'value="30 FEB 1901"' in bad.text
    assert 'aria-describedby="media-date-hint media-date-error" aria-invalid="true"' in bad.text
    error = bad.text.split('id="media-date-error">')[1].split("</span>")[0]
    assert "FEB 1901 has only 28 days" in error


def test_tags_and_the_primary_photo(
    owner_web: TestClient, owner: Api, tree: dict[str, Any]
) -> None:
    t = tree["id"]
    chipo = person(owner, t, "Chipo", living=False)
    person(owner, t, "Rudo", living=False)
    person(owner, t, "Rufaro", living=False)
    send(owner_web, t, [("family.png", png())])
    media_id = ready(owner, uploaded(owner, t)[0]["id"])["id"]
    page = owner_web.get(f"/media/{media_id}")
    token = csrf_of(page)
    assert f'data-suggest="/trees/{t}/media-people/suggest"' in page.text

    suggested = owner_web.get(f"/trees/{t}/media-people/suggest?q=chi").json()
    assert [p["name"] for p in suggested] == ["Chipo Moyo"]
    assert owner_web.get(f"/trees/{t}/media-people/suggest?q=c").json() == []

    # Without the script: a name that is ambiguous asks which person; one that is not tags.
    several = owner_web.post(f"/media/{media_id}/tags", data={"csrf": token, "person_name": "Moyo"})
    assert several.status_code == 422 and "Several people have that name" in several.text
    assert 'type="radio"' in several.text and 'value="Moyo"' in several.text
    nobody = owner_web.post(
        f"/media/{media_id}/tags", data={"csrf": token, "person_name": "Nobody"}
    )
    assert nobody.status_code == 422 and "Nobody in this tree has that name" in nobody.text
    tagged = owner_web.post(
        f"/media/{media_id}/tags",
        data={
            "csrf": token,
            "person_name": "Chipo",
            "x": "0.25",
            "y": "0.1",
            "w": "0.5",
            "h": "0.4",
        },
        follow_redirects=False,
    )
    assert tagged.status_code == 303
    tags = owner.get(f"/media/{media_id}")["tags"]
    assert tags == [
        {
            "person_id": chipo["id"],
            "display_name": "Chipo Moyo",
            "region": {"x": 0.25, "y": 0.1, "w": 0.5, "h": 0.4},
        }
    ]
    page = owner_web.get(f"/media/{media_id}")
    assert f'href="/people/{chipo["id"]}">Chipo Moyo</a>' in page.text
    assert '<rect class="tag-region" x="25.0" y="10.0" width="50.0" height="40.0"' in page.text
    # As the script sends it: the id chosen among the suggestions, no rectangle.
    rudo = owner_web.get(f"/trees/{t}/media-people/suggest?q=rudo").json()[0]
    owner_web.post(
        f"/media/{media_id}/tags",
        data={"csrf": token, "person_id": rudo["id"], "person_name": rudo["name"]},
    )
    regions = {
        tag["display_name"]: tag["region"] for tag in owner.get(f"/media/{media_id}")["tags"]
    }
    assert regions["Rudo Moyo"] == {"x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0}

    primary = owner_web.post(
        f"/media/{media_id}/primary/{chipo['id']}", data={"csrf": token}, follow_redirects=False
    )
    assert primary.status_code == 303
    assert owner.get(f"/people/{chipo['id']}/primary-media")["media"]["id"] == media_id
    assert "Primary photo" in owner_web.get(f"/media/{media_id}").text

    removed = owner_web.post(
        f"/media/{media_id}/tags/{rudo['id']}/remove", data={"csrf": token}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert [tag["display_name"] for tag in owner.get(f"/media/{media_id}")["tags"]] == [
        "Chipo Moyo"
    ]
    forged = owner_web.post(f"/media/{media_id}/tags/{chipo['id']}/remove", data={"csrf": "x" * 64})
    assert forged.status_code == 403


def test_primary_photo_is_all_or_nothing(
    owner: Api, platform: Platform, client: TestClient, tree: dict[str, Any]
) -> None:
    """A contributor may tag someone on their own photo, but not make it the primary photo of
    a person they may not change: then the photo is not linked to that person either."""
    t = tree["id"]
    chipo = person(owner, t, "Chipo", living=False)
    add_member(platform, t, "contributor@example.org", "contributor")
    with TestClient(client.app) as contributor:
        sign_in_web(contributor, "contributor@example.org")
        send(contributor, t, [("mine.png", png())])
        media_id = uploaded(owner, t)[0]["id"]
        token = csrf_of(contributor.get(f"/media/{media_id}"))
        tagged = contributor.post(
            f"/media/{media_id}/tags",
            data={"csrf": token, "person_id": chipo["id"], "person_name": ""},
            follow_redirects=False,
        )
        assert tagged.status_code == 303
        refused = contributor.post(f"/media/{media_id}/primary/{chipo['id']}", data={"csrf": token})
        assert refused.status_code == 403 and 'role="alert"' in refused.text
    assert owner.get(f"/people/{chipo['id']}")["media"] == []
    assert owner.get(f"/people/{chipo['id']}/primary-media")["media"] is None


def test_delete_asks_first(owner_web: TestClient, owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    send(owner_web, t, [("old.png", png())])
    media_id = uploaded(owner, t)[0]["id"]
    confirm = owner_web.get(f"/media/{media_id}/delete")
    assert confirm.status_code == 200 and "data-confirm=" in confirm.text
    clean(confirm)
    assert owner_web.post(f"/media/{media_id}/delete", data={"csrf": "x" * 64}).status_code == 403
    done = owner_web.post(
        f"/media/{media_id}/delete", data={"csrf": csrf_of(confirm)}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == f"/trees/{t}/media"
    owner.get(f"/media/{media_id}", expect=404)
    assert owner_web.get(f"/media/{media_id}").status_code == 404


def test_a_guest_sees_only_what_the_service_allows(
    owner_web: TestClient,
    site: TestClient,
    owner: Api,
    platform: Platform,
    client: TestClient,
    tree: dict[str, Any],
) -> None:
    t = tree["id"]
    owner.patch(f"/trees/{t}", {"visibility": "public"})
    alive = person(owner, t, "Tendai", living=True)
    person(owner, t, "Sekuru", living=False)
    send(owner_web, t, [("living.png", png("red")), ("sekuru.png", png("blue"))])
    items = {m["title"]: m["id"] for m in uploaded(owner, t)}
    for media_id in items.values():
        ready(owner, media_id)
    owner.call(
        "PUT",
        f"/media/{items['living']}/tags/{alive['id']}",
        200,
        json={"x": 0.1, "y": 0.1, "w": 0.3, "h": 0.3},
    )

    gallery = site.get(f"/trees/{t}/media")
    assert gallery.status_code == 200
    clean(gallery)
    assert f"/media/{items['sekuru']}" in gallery.text
    assert f"/media/{items['living']}" not in gallery.text and "living" not in gallery.text
    assert "Add photos and documents" not in gallery.text
    assert site.get(f"/media/{items['living']}").status_code == 404
    seen = site.get(f"/media/{items['sekuru']}")
    assert seen.status_code == 200 and "Download the original" not in seen.text
    assert "/originals/" not in seen.text and 'name="version"' not in seen.text
    assert site.get(f"/media/{items['sekuru']}/download").status_code == 403
    assert [p["name"] for p in site.get(f"/trees/{t}/media-people/suggest?q=moyo").json()] == [
        "Sekuru Moyo"
    ]
    # Guests may not upload: the service refuses, the page says so.
    refused = site.post(
        f"/trees/{t}/media/upload",
        data={"csrf": csrf_of(site.get(f"/trees/{t}/media"))},
        files={"files": ("x.png", png("green"), "application/octet-stream")},
    )
    assert refused.status_code == 401
    # A viewer sees the gallery without the upload form; a stranger of a private tree nothing.
    add_member(platform, t, "viewer@example.org", "viewer")
    with TestClient(client.app) as viewer:
        sign_in_web(viewer, "viewer@example.org")
        page = viewer.get(f"/trees/{t}/media")
        assert page.status_code == 200 and "Add photos and documents" not in page.text
        assert f"/media/{items['living']}" in page.text
    owner.patch(f"/trees/{t}", {"visibility": "private"})
    assert site.get(f"/trees/{t}/media").status_code == 404
    assert site.get(f"/trees/{t}/media-people/suggest?q=moyo").status_code == 404


def test_pages_in_every_language(owner_web: TestClient, owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    send(owner_web, t, [("a.png", png())])
    media_id = uploaded(owner, t)[0]["id"]
    for language in LANGUAGES:
        in_language(owner_web, language)
        for url in (f"/trees/{t}/media", f"/media/{media_id}", f"/media/{media_id}/delete"):
            page = owner_web.get(url)
            assert page.status_code == 200, (language, url)
            assert f'<html lang="{language}">' in page.text
            clean(page)
        refused = send(owner_web, t, [("photo.jpg", HTML)])
        assert refused.status_code == 415 and f'<html lang="{language}">' in refused.text
        clean(refused)
