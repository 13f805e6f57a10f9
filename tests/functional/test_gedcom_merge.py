"""Importing into a tree that has the file's records already: a file that went through another
program (which renumbered every xref) is matched by UID/_UID, then by REFN, so that nothing is
duplicated; what cannot be matched safely is added as new."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from dzinza.ports import FULL_VIEW
from dzinza.services.gedcom import run_import
from dzinza.services.platform import Platform

FILE = """0 HEAD
1 GEDC
2 VERS 5.5.1
1 CHAR UTF-8
0 @I1@ INDI
1 NAME Tendai /Moyo/
1 _UID 2E5A1C4B8F0D4E6A9B7C1D2E3F405162
1 BIRT
2 DATE 1901
1 FAMS @F1@
0 @I2@ INDI
1 NAME Rudo /Ncube/
1 REFN R-002
1 FAMS @F1@
0 @I3@ INDI
1 NAME Chipo /Moyo/
1 UID 7b1e2a9c-3d4f-4a5b-8c6d-7e8f9a0b1c2d
1 FAMC @F1@
0 @I4@ INDI
1 NAME Nameless /Stranger/
0 @F1@ FAM
1 HUSB @I1@
1 WIFE @I2@
1 CHIL @I3@
1 _UID F00DF00DF00DF00DF00DF00DF00DF00D
0 @S1@ SOUR
1 TITL Baptisms of Harare
1 REFN S-1
0 TRLR
"""


def _renumbered(text: str) -> str:
    """The file as another program writes it back: every xref renumbered."""
    return re.sub(r"@([A-Z])(\d+)@", lambda m: f"@{m.group(1)}{int(m.group(2)) + 500}@", text)


def _people(platform: Platform, tree_id: str) -> dict[str, Any]:
    with platform.store.read() as tx:
        tx.set_viewer(FULL_VIEW)
        rows = tx.export_people(uuid.UUID(tree_id), None, 100)  # type: ignore[attr-defined]
    return {r["display_name"]: r["id"] for r in rows}


def test_renumbered_file_matches_by_uid_and_refn(platform: Platform, tmp_path: Path) -> None:
    first = tmp_path / "first.ged"
    first.write_text(FILE, encoding="utf-8")
    report = run_import(platform, first)
    tree = report["tree_id"]
    before = _people(platform, tree)
    assert len(before) == 4

    again = tmp_path / "again.ged"
    again.write_text(
        _renumbered(FILE).replace("Chipo /Moyo/", "Chipo Rutendo /Moyo/"), encoding="utf-8"
    )
    preview = run_import(platform, again, tree_id=uuid.UUID(tree), preview=True)
    # I1 (_UID), I2 (REFN), I3 (UID), F1 (_UID) and S1 (REFN) are found again under their new
    # xrefs; I4 has nothing to be matched by, so it comes back as someone new.
    assert preview["records"]["new"] == 1
    assert _people(platform, tree) == before

    applied = run_import(platform, again, tree_id=uuid.UUID(tree))
    assert applied["records"] == preview["records"]
    after = _people(platform, tree)
    assert _count(platform, tree) == 5  # two Nameless Strangers now
    assert after["Tendai Moyo"] == before["Tendai Moyo"]
    assert after["Rudo Ncube"] == before["Rudo Ncube"]
    assert after["Chipo Rutendo Moyo"] == before["Chipo Moyo"]
    assert "Chipo Moyo" not in after
    with platform.store.read() as tx:
        conn = tx.conn  # type: ignore[attr-defined]
        families = conn.execute(
            sa.text("SELECT COUNT(*) FROM families WHERE tree_id = :t"),
            {"t": _db_id(tx, tree)},
        ).scalar()
        sources = conn.execute(
            sa.text("SELECT COUNT(*) FROM sources WHERE tree_id = :t"),
            {"t": _db_id(tx, tree)},
        ).scalar()
    assert (families, sources) == (1, 1)

    # And once more: now nothing at all is new.
    third = run_import(platform, again, tree_id=uuid.UUID(tree), preview=True)
    assert third["records"]["new"] == 0 and third["records"]["changed"] == 0


def test_an_identifier_shared_by_two_records_matches_nothing(
    platform: Platform, tmp_path: Path
) -> None:
    first = tmp_path / "first.ged"
    first.write_text(FILE, encoding="utf-8")
    tree = run_import(platform, first)["tree_id"]
    # Two people of the new file claim Rudo's REFN: neither is taken for her.
    doubled = _renumbered(FILE).replace(
        "1 NAME Nameless /Stranger/", "1 NAME Nameless /Stranger/\n1 REFN R-002"
    )
    again = tmp_path / "again.ged"
    again.write_text(doubled, encoding="utf-8")
    preview = run_import(platform, again, tree_id=uuid.UUID(tree), preview=True)
    assert preview["records"]["new"] == 2


def _count(platform: Platform, tree_id: str) -> int:
    with platform.store.read() as tx:
        tx.set_viewer(FULL_VIEW)
        return len(tx.export_people(uuid.UUID(tree_id), None, 100))  # type: ignore[attr-defined]


def _db_id(tx: object, tree_id: str) -> str:
    value = uuid.UUID(tree_id)
    return str(value) if getattr(tx, "is_postgres", False) else value.hex
