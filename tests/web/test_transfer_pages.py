"""The GEDCOM pages: importing through the form (into a tree, with a preview then its apply, or
into a new tree), the job page with its progress JSON and cancel, refusals (not GEDCOM, too
large, a forged form), and exporting then downloading the file."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from dzinza.services.jobs import JobContext
from dzinza.services.platform import Platform
from tests.conftest import Api, add_member
from tests.web.conftest import LANGUAGES, csrf_of, in_language, sign_in_web
from tests.web.test_accessibility import check_page

WAIT = 30.0

FAMILY = """0 HEAD
1 GEDC
2 VERS 7.0
0 @I1@ INDI
1 NAME Tendai /Moyo/
1 SEX M
1 BIRT
2 DATE 1 JAN 1901
1 DEAT
2 DATE 3 MAR 1980
1 FAMS @F1@
1 NOTE Born at the mission,
this line has no level
0 @I2@ INDI
1 NAME Rudo /Moyo/
1 SEX F
1 DEAT
2 DATE 1990
1 FAMC @F1@
0 @F1@ FAM
1 HUSB @I1@
1 CHIL @I2@
0 TRLR
"""


def _job_id(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text[:3000]
    location = response.headers["location"]
    assert location.startswith("/jobs/"), location
    return location.removeprefix("/jobs/")


def _upload(
    web: TestClient,
    page: str,
    action: str,
    body: bytes,
    filename: str = "family.ged",
    **fields: str,
) -> httpx.Response:
    token = csrf_of(web.get(page))
    return web.post(
        action,
        data={"csrf": token, **fields},
        files={"file": (filename, body, "application/octet-stream")},
        follow_redirects=False,
    )


def _finished(platform: Platform, job_id: str) -> dict[str, Any]:
    return platform.jobs.wait(uuid.UUID(job_id), WAIT)


def _names(owner: Api, tree_id: str) -> list[str]:
    return sorted(p["display_name"] for p in owner.walk(f"/trees/{tree_id}/people?limit=500"))


def _clean(page: httpx.Response) -> None:
    """No inline script or style, and what assistive technology relies on."""
    assert "<script>" not in page.text and " style=" not in page.text
    assert check_page(page.text) == []


def test_import_into_a_tree_shows_progress_then_the_report(
    owner_web: TestClient, owner: Api, tree: dict[str, Any], platform: Platform
) -> None:
    t = tree["id"]
    form = owner_web.get(f"/trees/{t}/import")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert "512 MB" in form.text  # the configured limit
    _clean(form)
    job_id = _job_id(
        _upload(
            owner_web, f"/trees/{t}/import", f"/trees/{t}/import", FAMILY.encode(), mode="apply"
        )
    )
    job = _finished(platform, job_id)
    assert job["status"] == "succeeded", job
    assert _names(owner, t) == ["Rudo Moyo", "Tendai Moyo"]

    page = owner_web.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    _clean(page)
    assert "What the import did" in page.text and "family.ged" in page.text
    assert "<tr><td>People</td><td>2</td></tr><tr><td>Families</td><td>1</td></tr>" in page.text
    assert "<td>Sources</td>" not in page.text  # none in the file
    # The warning with its line number.
    assert "<td>13</td><td>a line without a level was joined to the text above it" in page.text
    assert "Cancel the job" not in page.text and "data-job-progress" not in page.text
    assert f'href="/trees/{t}"' in page.text

    progress = owner_web.get(f"/jobs/{job_id}/progress")
    assert progress.status_code == 200 and progress.headers["cache-control"] == "no-store"
    body = progress.json()
    assert body["finished"] is True and body["status"] == "succeeded"
    assert body["done"] == body["total"] and body["percent"] == 100.0
    assert "records done (100%)" in body["text"]


def test_only_the_owner_and_managers_see_a_job(
    owner_web: TestClient,
    site: TestClient,
    platform: Platform,
    client: TestClient,
    tree: dict[str, Any],
) -> None:
    t = tree["id"]
    job_id = _job_id(
        _upload(owner_web, f"/trees/{t}/import", f"/trees/{t}/import", FAMILY.encode())
    )
    _finished(platform, job_id)
    add_member(platform, t, "manager@example.org", "manager")
    add_member(platform, t, "editor@example.org", "editor")
    assert site.get(f"/jobs/{job_id}/progress").status_code == 404
    assert site.get(f"/jobs/{job_id}").status_code == 404
    assert site.get(f"/jobs/{uuid.uuid4()}").status_code == 404
    with TestClient(client.app) as other:
        sign_in_web(other, "editor@example.org")
        assert other.get(f"/jobs/{job_id}/progress").status_code == 404
        assert other.get(f"/jobs/{job_id}").status_code == 404
    with TestClient(client.app) as manager:
        sign_in_web(manager, "manager@example.org")
        assert manager.get(f"/jobs/{job_id}/progress").status_code == 200
        assert manager.get(f"/jobs/{job_id}").status_code == 200


def test_a_preview_changes_nothing_until_it_is_applied(
    owner_web: TestClient, owner: Api, tree: dict[str, Any], platform: Platform
) -> None:
    t = tree["id"]
    page_url = f"/trees/{t}/import"
    preview = _job_id(
        _upload(owner_web, page_url, page_url, FAMILY.encode(), "f.ged", mode="preview")
    )
    assert _finished(platform, preview)["result"]["records"]["new"] == 3
    assert _names(owner, t) == []
    page = owner_web.get(f"/jobs/{preview}")
    assert "This was a preview" in page.text and "new records to add" in page.text
    assert f'action="/jobs/{preview}/apply"' in page.text

    forged = owner_web.post(f"/jobs/{preview}/apply", data={"csrf": "x" * 64})
    assert forged.status_code == 403
    token = csrf_of(page)
    applied = owner_web.post(f"/jobs/{preview}/apply", data={"csrf": token}, follow_redirects=False)
    job = _finished(platform, _job_id(applied))
    assert job["status"] == "succeeded" and job["result"]["mode"] == "apply"
    assert job["result"]["filename"] == "f.ged"
    assert _names(owner, t) == ["Rudo Moyo", "Tendai Moyo"]
    # The kept copy is used once.
    again = owner_web.post(f"/jobs/{preview}/apply", data={"csrf": token})
    assert again.status_code == 404 and "import it again" in again.text
    assert f'action="/jobs/{preview}/apply"' not in owner_web.get(f"/jobs/{preview}").text


@pytest.mark.parametrize(
    ("body", "name", "says"),
    [
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "page.ged", "HTML"),
        (b"", "empty.ged", "empty"),
    ],
)
def test_what_is_not_gedcom_is_refused_and_changes_nothing(
    owner_web: TestClient,
    owner: Api,
    tree: dict[str, Any],
    platform: Platform,
    body: bytes,
    name: str,
    says: str,
) -> None:
    t = tree["id"]
    refused = _upload(owner_web, f"/trees/{t}/import", f"/trees/{t}/import", body, name)
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text and says in refused.text
    assert "This file cannot be imported" in refused.text
    assert owner.get("/jobs")["items"] == []
    assert _names(owner, t) == []
    # Into a new tree: no tree is made for it.
    before = len(owner.get("/trees")["items"])
    refused = _upload(owner_web, "/trees/new/import", "/trees/new/import", body, name, name="X")
    assert refused.status_code == 422 and says in refused.text
    assert len(owner.get("/trees")["items"]) == before


def test_no_file_too_large_and_forged_forms(
    owner_web: TestClient, owner: Api, tree: dict[str, Any], platform: Platform
) -> None:
    t = tree["id"]
    token = csrf_of(owner_web.get(f"/trees/{t}/import"))
    missing = owner_web.post(
        f"/trees/{t}/import",
        data={"csrf": token, "mode": "apply"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert missing.status_code == 422 and 'aria-invalid="true"' in missing.text
    assert "Choose a GEDCOM file" in missing.text

    forged = owner_web.post(
        f"/trees/{t}/import",
        data={"csrf": "x" * 64},
        files={"file": ("family.ged", FAMILY.encode(), "application/octet-stream")},
    )
    assert forged.status_code == 403
    bare = owner_web.post(
        f"/trees/{t}/import",
        files={"file": ("family.ged", FAMILY.encode(), "application/octet-stream")},
    )
    assert bare.status_code == 403

    platform.gedcom.max_bytes = 100
    large = _upload(owner_web, f"/trees/{t}/import", f"/trees/{t}/import", FAMILY.encode())
    assert large.status_code == 413 and "100 bytes" in large.text
    assert owner.get("/jobs")["items"] == []


def test_who_may_import(
    owner_web: TestClient,
    site: TestClient,
    client: TestClient,
    platform: Platform,
    tree: dict[str, Any],
) -> None:
    t = tree["id"]
    assert site.get(f"/trees/{t}/import").status_code == 404
    add_member(platform, t, "viewer@example.org", "viewer")
    with TestClient(client.app) as viewer:
        sign_in_web(viewer, "viewer@example.org")
        assert viewer.get(f"/trees/{t}/import").status_code == 403
        refused = _upload(viewer, "/", f"/trees/{t}/import", FAMILY.encode())
        assert refused.status_code == 403
    assert site.get("/trees/new/import", follow_redirects=False).status_code == 303


def test_a_new_tree_from_a_file(owner_web: TestClient, owner: Api, platform: Platform) -> None:
    page = owner_web.get("/trees/new/import")
    assert page.status_code == 200 and "Name of the new tree" in page.text
    _clean(page)
    job_id = _job_id(
        _upload(
            owner_web, "/trees/new/import", "/trees/new/import", FAMILY.encode(), name="Moyo family"
        )
    )
    job = _finished(platform, job_id)
    assert job["status"] == "succeeded"
    made = [tr for tr in owner.get("/trees")["items"] if tr["name"] == "Moyo family"]
    assert len(made) == 1 and made[0]["id"] == job["tree_id"]
    assert _names(owner, made[0]["id"]) == ["Rudo Moyo", "Tendai Moyo"]
    # Unnamed: the file's name.
    job_id = _job_id(
        _upload(owner_web, "/trees/new/import", "/trees/new/import", FAMILY.encode(), "Dube.ged")
    )
    _finished(platform, job_id)
    assert any(tr["name"] == "Dube" for tr in owner.get("/trees")["items"])


def test_cancelling_a_running_import(
    owner_web: TestClient,
    owner: Api,
    tree: dict[str, Any],
    platform: Platform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = threading.Event()
    real = JobContext.progress

    def held(self: JobContext, done: int, total: int | None = None, message: str = "") -> None:
        # The job waits at its first report until the cancel reaches it.
        started.set()
        deadline = time.monotonic() + WAIT
        while self.stop_reason is None and time.monotonic() < deadline:
            time.sleep(0.01)
        real(self, done, total, message)

    monkeypatch.setattr(JobContext, "progress", held)
    t = tree["id"]
    job_id = _job_id(
        _upload(owner_web, f"/trees/{t}/import", f"/trees/{t}/import", FAMILY.encode())
    )
    assert started.wait(WAIT)
    page = owner_web.get(f"/jobs/{job_id}")
    assert page.status_code == 200 and "Cancel the job" in page.text
    assert "<progress" in page.text and 'aria-live="polite"' in page.text
    assert f'data-job-progress="/jobs/{job_id}/progress"' in page.text
    assert f'href="/jobs/{job_id}"' in page.text  # the refresh link
    running = owner_web.get(f"/jobs/{job_id}/progress").json()
    assert running["finished"] is False and running["status"] == "running"
    assert owner_web.post(f"/jobs/{job_id}/cancel", data={"csrf": "x" * 64}).status_code == 403
    done = owner_web.post(
        f"/jobs/{job_id}/cancel", data={"csrf": csrf_of(page)}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == f"/jobs/{job_id}"
    assert _finished(platform, job_id)["status"] == "cancelled"
    assert "was cancelled" in owner_web.get(f"/jobs/{job_id}").text
    assert _names(owner, t) == []


def test_export_then_download(
    owner_web: TestClient,
    owner: Api,
    tree: dict[str, Any],
    platform: Platform,
    client: TestClient,
) -> None:
    t = tree["id"]
    _finished(
        platform,
        _job_id(_upload(owner_web, f"/trees/{t}/import", f"/trees/{t}/import", FAMILY.encode())),
    )
    form = owner_web.get(f"/trees/{t}/export")
    assert form.status_code == 200 and "GEDCOM 5.5.1" in form.text and "GEDZIP" in form.text
    _clean(form)
    token = csrf_of(form)
    assert owner_web.post(f"/trees/{t}/export", data={"csrf": "x" * 64}).status_code == 403
    wrong = owner_web.post(
        f"/trees/{t}/export", data={"csrf": token, "format": "pdf", "living": "private"}
    )
    assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.text

    started = owner_web.post(
        f"/trees/{t}/export",
        data={"csrf": token, "format": "gedcom551", "living": "omit"},
        follow_redirects=False,
    )
    job_id = _job_id(started)
    assert _finished(platform, job_id)["status"] == "succeeded"
    page = owner_web.get(f"/jobs/{job_id}")
    assert f'href="/jobs/{job_id}/download"' in page.text and "GEDCOM 5.5.1" in page.text
    _clean(page)
    got = owner_web.get(f"/jobs/{job_id}/download")
    assert got.status_code == 200
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment;") and 'filename="Test-family.ged"' in disposition
    assert "Tendai /Moyo/" in got.text and "2 VERS 5.5.1" in got.text
    # The file is theirs alone, and an import has none.
    with TestClient(client.app) as manager:
        add_member(platform, t, "manager@example.org", "manager")
        sign_in_web(manager, "manager@example.org")
        assert manager.get(f"/jobs/{job_id}/download").status_code == 404
    imports = [j for j in owner.get("/jobs")["items"] if j["kind"] == "gedcom.import"]
    assert owner_web.get(f"/jobs/{imports[0]['id']}/download").status_code == 404


def test_pages_in_every_language(
    owner_web: TestClient, tree: dict[str, Any], platform: Platform
) -> None:
    t = tree["id"]
    # Sixty more lines without a level: 61 warnings, fifty of them shown at first.
    noisy = FAMILY.replace("1 FAMS @F1@\n", "1 FAMS @F1@\n1 NOTE x\n" + "no level\n" * 60)
    job_id = _job_id(_upload(owner_web, f"/trees/{t}/import", f"/trees/{t}/import", noisy.encode()))
    _finished(platform, job_id)
    page = owner_web.get(f"/jobs/{job_id}")
    assert '<h2 id="warnings-heading">61 warnings</h2>' in page.text
    assert page.text.count("was joined to the text above it") == 50
    assert f'href="/jobs/{job_id}?warnings=all#warnings"' in page.text
    every = owner_web.get(f"/jobs/{job_id}?warnings=all")
    assert every.text.count("was joined to the text above it") == 61
    for language in LANGUAGES:
        in_language(owner_web, language)
        for url in (
            f"/trees/{t}/import",
            "/trees/new/import",
            f"/trees/{t}/export",
            f"/jobs/{job_id}",
        ):
            page = owner_web.get(url)
            assert page.status_code == 200, (language, url)
            assert f'<html lang="{language}">' in page.text
            _clean(page)
        assert owner_web.get(f"/jobs/{job_id}/progress").json()["text"]


def test_a_held_preview_on_one_machine_without_a_blob_store(
    owner: Api, tree: dict[str, Any], platform: Platform
) -> None:
    """The service's side of preview-then-apply where uploads stay in the local work folder."""
    service = platform.gedcom
    service.blobs = None
    actor = platform.users.actor_for_token(owner.headers["Authorization"].split()[1])
    t = uuid.UUID(tree["id"])
    key, path = service.upload_path()
    path.write_text(FAMILY)
    service.check_upload(key)
    service.hold(key)
    preview = service.start_import(actor, t, key, preview=True, filename="f.ged")
    assert _finished(platform, preview["id"])["result"]["mode"] == "preview"
    assert service.can_apply(actor, uuid.UUID(preview["id"]))
    applied = service.apply_preview(actor, uuid.UUID(preview["id"]))
    assert _finished(platform, applied["id"])["status"] == "succeeded"
    assert _names(owner, tree["id"]) == ["Rudo Moyo", "Tendai Moyo"]
    assert not service.can_apply(actor, uuid.UUID(preview["id"]))
    assert not service.can_apply(actor, uuid.UUID(applied["id"]))  # not a preview
    assert not [p for p in service.work.root.rglob("*") if p.is_file() and "held" in str(p)]
