"""GEDCOM over HTTP: uploading a file to import as a background job (progress, preview,
cancel, refusals, the size limit), exporting as the reader may see the tree, downloading the
file, and GEDZIP archives both ways."""

from __future__ import annotations

import io
import threading
import time
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dzinza.services.gedcom_jobs import KEEP_FILES
from dzinza.services.jobs import JobContext
from dzinza.services.platform import Platform
from tests.conftest import Api, add_member
from tests.functional.test_gedcom_import import _shared

WAIT = 60.0

FAMILY = """0 HEAD
1 GEDC
2 VERS 7.0
1 SUBM @U1@
0 @U1@ SUBM
1 NAME Rudo Submitter
1 EMAIL rudo@example.org
0 @I1@ INDI
1 NAME Tendai /Moyo/
1 SEX M
1 BIRT
2 DATE 1 JAN 1901
1 DEAT
2 DATE 3 MAR 1980
1 FAMS @F1@
0 @I2@ INDI
1 NAME Chipo /Moyo/
1 SEX F
1 BIRT
2 DATE 12 JUN 1995
2 PLAC Harare, Zimbabwe
1 FAMC @F1@
1 SNOTE @N1@
0 @F1@ FAM
1 HUSB @I1@
1 CHIL @I2@
0 @N1@ SNOTE Chipo's mobile number is 077 123 4567
0 TRLR
"""


def _job(api: Api, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT
    while True:
        job: dict[str, Any] = api.get(f"/jobs/{job_id}")
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def _upload(
    client: TestClient, api: Api, tree_id: str, body: bytes, query: str = ""
) -> tuple[int, dict[str, Any], dict[str, str]]:
    r = client.post(
        f"/api/v1/trees/{tree_id}/imports{query}",
        content=body,
        headers={**api.headers, "Content-Type": "application/octet-stream"},
    )
    if r.status_code >= 400:
        assert r.headers["content-type"] == "application/problem+json", r.text
    return r.status_code, r.json(), dict(r.headers)


def _import(client: TestClient, api: Api, tree_id: str, body: bytes, query: str = "") -> Any:
    status, view, headers = _upload(client, api, tree_id, body, query)
    assert status == 202, view
    assert headers["location"] == f"/api/v1/jobs/{view['id']}"
    assert view["kind"] == "gedcom.import" and view["tree_id"] == tree_id
    job = _job(api, view["id"])
    assert job["status"] == "succeeded", job
    return job


def _export(client: TestClient, api: Api, tree_id: str, **body: str) -> bytes:
    view = api.post(f"/trees/{tree_id}/exports", body, expect=202)
    job = _job(api, view["id"])
    assert job["status"] == "succeeded", job
    assert job["result"]["download"] == f"/api/v1/jobs/{view['id']}/download"
    r = client.get(job["result"]["download"], headers=api.headers)
    assert r.status_code == 200, r.text
    assert job["result"]["filename"] in r.headers["content-disposition"]
    assert len(r.content) == job["result"]["bytes"]
    return r.content


def _work_files(platform: Platform) -> list[Path]:
    """Files in the work folder other than finished exports (uploads, unpacked data)."""
    root = platform.gedcom.work.root
    found = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return [p for p in found if not p.name.startswith("export.")]


def test_upload_imports_as_a_job_then_preview_finds_nothing_new(
    client: TestClient, platform: Platform, owner: Api, tree: dict[str, Any]
) -> None:
    bach = (_shared() / "D-Jeffrey-gedcom-samples/bach.ged").read_bytes()
    job = _import(client, owner, tree["id"], bach, "?filename=bach.ged")
    result = job["result"]
    assert result["counts"]["individuals"] == 33 and result["counts"]["families"] == 14
    assert result["tree_id"] == tree["id"] and result["filename"] == "bach.ged"
    assert result["records"] == {"new": 47, "changed": 0, "unchanged": 0}
    assert job["done"] == job["total"] and job["percent"] == 100.0
    people = owner.walk(f"/trees/{tree['id']}/people?limit=500")
    assert len(people) == 33
    assert not _work_files(platform), "the upload is removed once imported"

    again = _import(client, owner, tree["id"], bach, "?preview=true")["result"]
    assert again["mode"] == "preview"
    assert again["records"] == {"new": 0, "changed": 0, "unchanged": 47}
    assert len(owner.walk(f"/trees/{tree['id']}/people?limit=500")) == 33


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "HTML"),
        (b"\x00\x9f\x92\x96" * 300, "not a GEDCOM file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "binary"),
        (b"PK\x03\x04not really a zip", "ZIP"),
    ],
)
def test_what_is_not_gedcom_is_refused_at_once_and_nothing_is_kept(
    client: TestClient,
    platform: Platform,
    owner: Api,
    tree: dict[str, Any],
    body: bytes,
    says: str,
) -> None:
    status, problem, _ = _upload(client, owner, tree["id"], body)
    assert status == 422, problem
    assert says.lower() in problem["detail"].lower()
    assert owner.get("/jobs")["items"] == []
    assert not _work_files(platform)


def test_the_size_limit_is_413_before_and_while_reading(
    client: TestClient, platform: Platform, owner: Api, tree: dict[str, Any]
) -> None:
    platform.gedcom.max_bytes = 100
    status, problem, _ = _upload(client, owner, tree["id"], FAMILY.encode())
    assert status == 413 and "100 bytes" in problem["detail"]

    def chunks() -> Any:  # no Content-Length: the limit is found while reading
        for _ in range(10):
            yield b"0 HEAD\n" * 5

    r = client.post(
        f"/api/v1/trees/{tree['id']}/imports",
        content=chunks(),
        headers={**owner.headers, "Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 413, r.text
    assert not _work_files(platform)


def test_who_may_import(
    client: TestClient,
    platform: Platform,
    owner: Api,
    stranger: Api,
    anonymous: Api,
    tree: dict[str, Any],
) -> None:
    viewer = Api(client, add_member(platform, tree["id"], "viewer@example.org", "viewer"))
    editor = Api(client, add_member(platform, tree["id"], "editor@example.org", "editor"))
    body = FAMILY.encode()
    assert _upload(client, anonymous, tree["id"], body)[0] == 404  # private tree: not there
    assert _upload(client, stranger, tree["id"], body)[0] == 404
    assert _upload(client, viewer, tree["id"], body)[0] == 403
    assert _upload(client, owner, str(uuid.uuid4()), body)[0] == 404
    _import(client, editor, tree["id"], body)
    owner.patch(f"/trees/{tree['id']}", {"visibility": "public"})
    assert _upload(client, anonymous, tree["id"], body)[0] == 401
    assert not _work_files(platform)


def test_cancelling_an_import_leaves_the_tree_as_it_was(
    client: TestClient,
    platform: Platform,
    owner: Api,
    tree: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = threading.Event()
    real = JobContext.progress

    def held(self: JobContext, done: int, total: int | None = None, message: str = "") -> None:
        # The import stops at its first progress report until the cancel has reached it, so
        # the test sees a running import whatever the machine's speed.
        started.set()
        deadline = time.monotonic() + WAIT
        while self.stop_reason is None and time.monotonic() < deadline:
            time.sleep(0.01)
        real(self, done, total, message)

    monkeypatch.setattr(JobContext, "progress", held)
    bach = (_shared() / "D-Jeffrey-gedcom-samples/bach.ged").read_bytes()
    status, view, _ = _upload(client, owner, tree["id"], bach)
    assert status == 202
    assert started.wait(WAIT)
    # On SQLite the cancel's own write waits for the import to let go of the database.
    answers: list[int] = []
    asking = threading.Thread(
        target=lambda: answers.append(
            client.post(f"/api/v1/jobs/{view['id']}/cancel", headers=owner.headers).status_code
        )
    )
    asking.start()
    job = _job(owner, view["id"])
    asking.join(WAIT)
    assert answers == [202]
    assert job["status"] == "cancelled" and job["result"] is None
    assert owner.walk(f"/trees/{tree['id']}/people?limit=500") == []
    assert not _work_files(platform)


def _names(ged: bytes) -> str:
    return ged.decode("utf-8")


def test_export_follows_the_privacy_of_whoever_asks(
    client: TestClient,
    platform: Platform,
    owner: Api,
    stranger: Api,
    tree: dict[str, Any],
) -> None:
    _import(client, owner, tree["id"], FAMILY.encode())
    full = _names(_export(client, owner, tree["id"]))
    assert full.startswith("0 HEAD") and full.rstrip().endswith("0 TRLR")
    for secret in ("Chipo /Moyo/", "077 123 4567", "rudo@example.org", "Harare"):
        assert secret in full

    owner.patch(f"/trees/{tree['id']}", {"visibility": "public"})
    private = _names(_export(client, stranger, tree["id"]))
    omitted = _names(_export(client, stranger, tree["id"], living="omit", format="gedcom551"))
    for text in (private, omitted):
        assert "Tendai /Moyo/" in text  # the dead are public
        for secret in ("Chipo", "077 123 4567", "rudo@example.org", "Harare", "1995"):
            assert secret not in text, secret
    assert "Private //" in private and "Private" not in omitted
    assert "2 VERS 5.5.1" in omitted

    # The file is theirs alone: not even the owner may take it.
    job = stranger.get("/jobs")["items"][0]
    assert (
        client.get(f"/api/v1/jobs/{job['id']}/download", headers=owner.headers).status_code == 404
    )


def test_export_refusals(
    client: TestClient,
    platform: Platform,
    owner: Api,
    stranger: Api,
    anonymous: Api,
    tree: dict[str, Any],
) -> None:
    owner.post(f"/trees/{tree['id']}/exports", {"format": "pdf"}, expect=422)
    owner.post(f"/trees/{tree['id']}/exports", {"living": "all"}, expect=422)
    owner.post(f"/trees/{tree['id']}/exports", {"colour": "red"}, expect=422)
    stranger.post(f"/trees/{tree['id']}/exports", {}, expect=404)
    anonymous.post(f"/trees/{tree['id']}/exports", {}, expect=404)
    owner.patch(f"/trees/{tree['id']}", {"visibility": "public"})
    anonymous.post(f"/trees/{tree['id']}/exports", {}, expect=401)
    owner.get(f"/jobs/{uuid.uuid4()}/download", expect=404)
    done = _job(owner, owner.post(f"/trees/{tree['id']}/exports", {}, expect=202)["id"])
    assert client.get(f"/api/v1/jobs/{done['id']}/download", headers=owner.headers).is_success
    # The file waits in the shared blob store, where any replica finds it...
    assert list(platform.media.blobs.keys("gedcom/exports/"))
    assert platform.gedcom.sweep_shared() == 0
    # ...and a day later it is swept away, and the download says so.
    later = datetime.now(UTC) + timedelta(seconds=KEEP_FILES + 60)
    platform.gedcom.clock = lambda: later
    assert platform.gedcom.sweep_shared() == 1
    gone = owner.get(f"/jobs/{done['id']}/download", expect=404)
    assert "export again" in gone["detail"]
    # An import job has nothing to download.
    view = _import(client, owner, tree["id"], FAMILY.encode())
    owner.get(f"/jobs/{view['id']}/download", expect=404)


def test_gedzip_round_trip_over_http(
    client: TestClient, platform: Platform, owner: Api, tree: dict[str, Any]
) -> None:
    bach = (_shared() / "D-Jeffrey-gedcom-samples/bach.ged").read_bytes()
    _import(client, owner, tree["id"], bach)
    archive = _export(client, owner, tree["id"], format="gdz")
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        assert "gedcom.ged" in z.namelist()

    # The archive, with a photo beside the data, into a new tree.
    packed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(packed, "w") as dst:
        dst.writestr("gedcom.ged", src.read("gedcom.ged"))
        dst.writestr("photos/bach.jpg", b"\xff\xd8\xff not really a photo")
    second = owner.post("/trees", {"name": "From GEDZIP"})
    result = _import(client, owner, second["id"], packed.getvalue())["result"]
    assert result["counts"]["individuals"] == 33
    # bach.ged names no file of the archive: nothing to store, one file reported.
    assert result["media_files"]["not_referenced"] == 1
    assert result["media_files"]["stored"] == 0
    assert result["warning_count"] == 0, result["warnings"][:3]

    # A ZIP of something else is refused at once.
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hello")
    status, problem, _ = _upload(client, owner, second["id"], other.getvalue())
    assert status == 422 and "gedcom.ged" in problem["detail"]
    assert not _work_files(platform)


def test_an_export_reports_what_it_had_to_adjust_for_7_0(
    client: TestClient, owner: Api, tree: dict[str, Any]
) -> None:
    old = (
        "0 HEAD\n1 GEDC\n2 VERS 5.5.1\n1 CHAR UTF-8\n0 @I1@ INDI\n1 NAME Tendai /Moyo/\n"
        "1 SEX M\n2 SOUR @S1@\n1 BURI Harare cemetery\n1 BIRT\n2 DATE 30 FEB 1901\n"
        "0 @S1@ SOUR\n1 TITL Register\n0 TRLR\n"
    )
    _import(client, owner, tree["id"], old.encode())
    view = owner.post(f"/trees/{tree['id']}/exports", {}, expect=202)
    result = _job(owner, view["id"])["result"]
    assert result["warning_count"] == 3
    messages = " | ".join(w["message"] for w in result["warnings"])
    assert "_SOUR" in messages and "BURI" in messages and "30 FEB 1901" in messages
    text = client.get(result["download"], headers=owner.headers).text
    assert "2 _SOUR @S1@" in text and "3 PHRASE 30 FEB 1901" in text
