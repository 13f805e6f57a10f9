"""Issue 4, "Output validates" and "Fidelity": checked by an independent GEDCOM 7.0 reader.

Every shared .ged file (SOURCES.md's list) is imported into a SQLite tree and exported as 7.0;
the output must load with ``gedcom7`` (a strict parser: it raises on any line 7.0 forbids)
and ``gedcom7.validate`` must find nothing. The GEDZIP export's ``gedcom.ged`` is checked the
same way. Then fidelity: an unedited 7.0 file exports with the same meaning
(``compare.semantic_form``) as it went in, the header aside (it names the program that wrote
the file).

Two repairs are applied to the original before comparing, because the export makes them so
that its output validates, and each is asserted to matter for the listed files only
(``REPAIRED``): a pointer to a record the file lacks is written ``@VOID@``; what ``conform``
changes (here: dates with a day their month lacks).

One finding of ``gedcom7`` is not counted (``_checker_false_positive``): it checks the
standard-tagged substructures of a *documented* extension structure (``_LOC`` declared in
HEAD.SCHMA) against an empty table and reports each one. 7.0 leaves the substructures of an
extension to the extension's definition ("extension-defined substructures"), and the same
report comes from the oracle file ``gedcom7code-test-files/7/enum-ext.ged`` itself.
"""

from __future__ import annotations

import io
import shutil
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import gedcom7
import pytest

from dzinza import bootstrap
from dzinza.gedcom.compare import difference, semantic_form
from dzinza.gedcom.conform import conform
from dzinza.gedcom.nodes import VOID, Node
from dzinza.gedcom.reader import read_gedcom
from dzinza.services.gedcom import run_export, run_import
from dzinza.services.platform import Platform
from dzinza.settings import Settings
from tests.functional.test_gedcom_import import _listed, _shared

REPAIRED = {
    "FamilySearch-GEDCOM.io/testfiles/gedcom70/extensions.ged": "_IN @B1@ names no record",
    "gedcom7code-test-files/7/date-all.ged": "dates such as TO 31 NOV 1042 (a phrase now)",
}
"""7.0 files the export must repair to be valid, and what it repairs."""


def _names() -> list[str]:
    return [name for name, _, _ in _listed()]


def _sevens() -> list[str]:
    return [n for n in _names() if "/gedcom70/" in n or "gedcom7code-test-files/7/" in n]


class Exports:
    """Each shared file imported once into a tree of its own, and its 7.0 export, kept for
    every test of the module (an import of the largest files takes seconds)."""

    def __init__(self, platform: Platform, folder: Path) -> None:
        self.platform = platform
        self.folder = folder
        self.done: dict[str, tuple[uuid.UUID, Path]] = {}

    def of(self, name: str) -> tuple[uuid.UUID, Path]:
        if name not in self.done:
            path = _shared() / name
            if not path.exists():
                pytest.skip("listed but absent")
            tree = uuid.UUID(run_import(self.platform, path)["tree_id"])
            out = self.folder / f"{len(self.done)}.ged"
            run_export(self.platform, tree, out, "gedcom7")
            self.done[name] = (tree, out)
        return self.done[name]


@pytest.fixture(scope="module")
def exports(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exports]:
    # SQLite only: what is checked here is the text the export writes, not the database.
    folder = tmp_path_factory.mktemp("valid7")
    database = folder / "dzinza.db"
    shutil.copy(sqlite_template, database)
    settings = Settings(
        database_url=f"sqlite:///{database}",
        data_dir=folder,
        password_hashing="fast-for-tests-only",
    )
    platform = bootstrap.build(settings)
    yield Exports(platform, folder)
    platform.close()


def _checker_false_positive(error: gedcom7.Error) -> bool:
    """See the module docstring: a standard tag under a documented extension structure."""
    parent = error.structure.parent if error.structure is not None else None
    return (
        error.category == "unknown-substructure"
        and parent is not None
        and "://" in parent.tag
        and "gedcom.io/terms/" not in parent.tag
    )


def _errors(text: str) -> list[str]:
    try:
        records = gedcom7.loads(text)
    except gedcom7.GedcomParseError as exc:
        return [f"line {exc.line_number}: {exc}"]
    return [
        f"{e.category}: {e.path}: {e.message}"
        for e in gedcom7.validate(records)
        if not _checker_false_positive(e)
    ]


@pytest.mark.parametrize("name", _names())
def test_every_export_is_valid_gedcom_7(exports: Exports, name: str) -> None:
    _, exported = exports.of(name)
    errors = _errors(exported.read_text(encoding="utf-8"))
    assert not errors, f"{name}: {len(errors)} errors, first: {errors[:5]}"


@pytest.mark.parametrize(
    "name",
    [
        "gedcom4j/sample/TGC551LF.ged",
        "FamilySearch-GEDCOM.io/testfiles/gedcom70/maximal70.ged",
        "D-Jeffrey-gedcom-samples/washington/washington.ged",
    ],
)
def test_the_gedzip_export_holds_the_same_valid_file(
    exports: Exports, tmp_path: Path, name: str
) -> None:
    tree, exported = exports.of(name)
    gdz = tmp_path / "tree.gdz"
    run_export(exports.platform, tree, gdz, "gdz")
    with zipfile.ZipFile(gdz) as archive:
        text = io.TextIOWrapper(archive.open("gedcom.ged"), encoding="utf-8").read()
    assert not _errors(text)
    assert text == exported.read_text(encoding="utf-8")


def _body(path: Path) -> list[Node]:
    return [r for r in read_gedcom(path.read_bytes()).records() if r.tag not in ("HEAD", "TRLR")]


def _repaired(records: list[Node]) -> list[Node]:
    """The original as the export must write it to be valid (see the module docstring)."""
    defined = {r.xref for r in records if r.xref}
    out = [r.copy() for r in records]
    for record in out:
        for node in record.walk():
            if node.pointer and node.payload not in defined:
                node.payload = VOID
        conform(record)
    return out


@pytest.mark.parametrize("name", _sevens())
def test_an_unedited_7_0_file_exports_with_the_same_meaning(exports: Exports, name: str) -> None:
    _, exported = exports.of(name)
    original = _body(_shared() / name)
    expected = _repaired(original)
    changed = semantic_form(expected) != semantic_form(original)
    assert changed == (name in REPAIRED), f"{name}: review REPAIRED"
    diff = difference(semantic_form(expected), semantic_form(_body(exported)))
    assert not diff, f"{name}:\n{diff}"
