"""GEDZIP archives from the command line's side: imported and checked like a GEDCOM file,
their media files stored and exported again; damaged archives, archives without gedcom.ged and
archives that expand past the limit are refused whole."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path

import pytest

from dzinza.domain.errors import ValidationFailed
from dzinza.services.gedcom import check_file, run_export, run_import
from dzinza.services.gedcom_files import unpack
from dzinza.services.platform import Platform
from tests.functional.test_gedcom_import import _shared


def _archive(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_a_gedzip_imports_and_checks_like_its_gedcom(platform: Platform, tmp_path: Path) -> None:
    bach = (_shared() / "D-Jeffrey-gedcom-samples/bach.ged").read_bytes()
    gdz = _archive(
        tmp_path / "bach.gdz",
        {"gedcom.ged": bach, "photos/a.jpg": b"\xff\xd8", "photos/b.jpg": b"\xff\xd8", "x/": b""},
    )
    checked = check_file(gdz)
    assert checked["counts"]["individuals"] == 33 and checked["media_files"] == 2
    report = run_import(platform, gdz)
    assert report["counts"]["individuals"] == 33
    # bach.ged names none of them: nothing to store, both reported.
    assert report["media_files"] == {
        "stored": 0,
        "already_stored": 0,
        "not_referenced": 2,
        "refused": [],
    }
    leftovers = list(platform.gedcom.work.root.rglob("*.ged"))
    assert leftovers == [], "the extracted gedcom.ged is removed after the import"


@pytest.mark.parametrize(
    ("members", "says"),
    [
        ({"readme.txt": b"hello"}, "without gedcom.ged"),
        (None, "damaged"),
        ({"gedcom.ged": b"0 HEAD\n" + b"1 NOTE " + b"x" * 5000 + b"\n0 TRLR\n"}, "limit"),
    ],
)
def test_bad_archives_are_refused_and_nothing_is_written(
    platform: Platform, tmp_path: Path, members: dict[str, bytes] | None, says: str
) -> None:
    path = tmp_path / "bad.gdz"
    if members is None:
        good = _archive(tmp_path / "good.gdz", {"gedcom.ged": b"0 HEAD\n0 TRLR\n" * 100})
        path.write_bytes(good.read_bytes()[:-30])  # the central directory cut off
    else:
        _archive(path, members)
    platform.import_max_bytes = 1000  # the archive is small; what it expands to is not
    with pytest.raises(ValidationFailed, match=says):
        run_import(platform, path)
    with platform.store.read() as tx:
        assert tx.conn.exec_driver_sql("SELECT COUNT(*) FROM trees").scalar() == 0  # type: ignore[attr-defined]
    assert not list(platform.gedcom.work.root.rglob("*.ged"))


def test_an_archive_that_lies_about_its_size_is_cut_off(tmp_path: Path) -> None:
    """A member whose header claims less than it holds is refused, not trusted."""
    path = _archive(tmp_path / "a.gdz", {"gedcom.ged": b"0 HEAD\n" + b"1 NOTE x\n" * 2000})
    with zipfile.ZipFile(path) as z:
        claimed = z.getinfo("gedcom.ged").file_size
    raw = bytearray(path.read_bytes())
    # Rewrite the uncompressed size in the central directory entry to a small number.
    at = raw.rfind(b"PK\x01\x02")
    raw[at + 24 : at + 28] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(ValidationFailed):
        unpack(path, tmp_path / "work", 1000)
    assert claimed > 1000
    assert not list((tmp_path / "work").glob("*.ged"))


GEDCOM_WITH_MEDIA = b"""0 HEAD
1 GEDC
2 VERS 7.0
0 @I1@ INDI
1 NAME Rudo /Moyo/
1 DEAT Y
1 OBJE @M1@
1 OBJE @M2@
0 @M1@ OBJE
1 FILE photos/rudo%20wedding.jpg
2 FORM image/jpeg
0 @M2@ OBJE
1 FILE media/letter.html
2 FORM text/html
0 TRLR
"""


def _photo() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "olive").save(out, "JPEG")
    return out.getvalue()


def _wait_ready(platform: Platform, tree_id: object) -> list[dict[str, object]]:
    import time

    deadline = time.monotonic() + 30
    while True:
        with platform.store.read() as tx:
            rows = [r for r in tx.media_files_of_tree(tree_id) if r["sha256"]]  # type: ignore[arg-type]
            full = [tx.get("media", r["id"]) for r in rows]
        if all(r and r["status"] != "processing" for r in full) or time.monotonic() > deadline:
            return [r for r in full if r]
        time.sleep(0.05)


def test_gedzip_media_files_are_stored_and_exported_again(
    platform: Platform, tmp_path: Path
) -> None:
    photo = _photo()
    gdz = _archive(
        tmp_path / "rudo.gdz",
        {
            "gedcom.ged": GEDCOM_WITH_MEDIA,
            "photos/rudo wedding.jpg": photo,
            "media/letter.html": b"<html><script>alert(1)</script></html>",
            "unused.txt": b"hello",
        },
    )
    report = run_import(platform, gdz)
    files = report["media_files"]
    assert files["stored"] == 1 and files["not_referenced"] == 1
    assert files["refused"][0]["file"] == "media/letter.html"
    assert "HTML" in files["refused"][0]["reason"]
    tree_id = uuid.UUID(str(report["tree_id"]))
    stored = _wait_ready(platform, tree_id)
    assert [(r["status"], r["kind"], r["original_name"]) for r in stored] == [
        ("ready", "image", "rudo wedding.jpg")
    ]

    out = tmp_path / "again.gdz"
    run_export(platform, tree_id, out, "gdz")
    with zipfile.ZipFile(out) as z:
        assert z.read("photos/rudo wedding.jpg") == photo
        ged = z.read("gedcom.ged").decode()
    assert "1 FILE photos/rudo%20wedding.jpg" in ged

    again = run_import(platform, out)
    assert again["media_files"]["stored"] == 1
    assert len(list(platform.media.blobs.keys("originals/"))) == 1  # one content, stored once
