"""GEDCOM input that is broken, lying or hostile: cut-short files, wrong declared character
sets, binary noise, pointer cycles, absurd sizes, and fuzzed bytes.

Every case ends in one of two ways: a report whose warnings say the line, or a clear refusal
(``ValidationFailed`` from the import, ``NotGedcom`` from the reader) that leaves the database
as it was. Never another exception, never half a tree, and never a hang (each case must finish;
the time bound is loose on purpose, for slow CI machines).
"""

from __future__ import annotations

import random
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dzinza.adapters.sql import tables as t
from dzinza.domain.errors import ValidationFailed
from dzinza.gedcom.reader import NotGedcom, read_gedcom
from dzinza.services.gedcom import run_export, run_import
from dzinza.services.platform import Platform
from tests.conftest import in_ci
from tests.functional.test_gedcom_import import SHARED, _shared

SLOW = 120.0
"""Seconds any one case may take: far above what it needs, far below a hang."""
HEAD55 = b"0 HEAD\n1 GEDC\n2 VERS 5.5.1\n2 FORM LINEAGE-LINKED\n1 CHAR UTF-8\n"
HEAD7 = b"0 HEAD\n1 GEDC\n2 VERS 7.0\n"
BACH = "D-Jeffrey-gedcom-samples/bach.ged"


def _totals(platform: Platform) -> tuple[int, int, int, int]:
    with platform.store.read() as tx:
        conn: sa.Connection = tx.conn  # type: ignore[attr-defined]
        return tuple(  # type: ignore[return-value]
            int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)
            for table in (t.trees, t.people, t.families, t.notes)
        )


def _outcome(platform: Platform, path: Path) -> dict[str, Any] | None:
    """Imports ``path``: the report, or None for a refusal that changed nothing. Anything else
    (another exception, a refusal that left rows) fails the test."""
    before = _totals(platform)
    started = time.monotonic()
    report: dict[str, Any] | None = None
    why = ""
    try:
        report = run_import(platform, path)
    except ValidationFailed as refused:
        why = str(refused)
    assert time.monotonic() - started < SLOW
    if report is None:
        assert why, "a refusal says why"
        assert _totals(platform) == before, "a refused file left rows behind"
        return None
    for warning in report["warnings"]:
        assert isinstance(warning["line"], int) and warning["line"] >= 0, warning
    return report


def _warned(report: dict[str, Any] | None, *codes: str) -> dict[str, tuple[int, ...]]:
    """The report's warnings as code -> lines, after checking it has each of ``codes`` with a
    line number (a warning about one place in the file says which line)."""
    assert report is not None, "expected a report, not a refusal"
    lines: dict[str, tuple[int, ...]] = {}
    for warning in report["warnings"]:
        lines[warning["code"]] = (*lines.get(warning["code"], ()), warning["line"])
    for code in codes:
        assert code in lines, (code, report["warnings"][:10])
        assert any(line > 0 for line in lines[code]), (code, lines[code])
    return lines


def _people(platform: Platform, tree_id: str) -> list[str]:
    with platform.store.read() as tx:
        conn: sa.Connection = tx.conn  # type: ignore[attr-defined]
        query = sa.select(t.people.c.display_name).where(t.people.c.tree_id == uuid.UUID(tree_id))
        return sorted(str(name) for name in conn.execute(query).scalars())


def _write(tmp_path: Path, content: bytes, name: str = "bad.ged") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _bach() -> bytes:
    return (_shared() / BACH).read_bytes()


# -- truncated files ---------------------------------------------------------------------------


def _cuts() -> list[Any]:
    """Byte positions to cut bach.ged at: in the first line, mid-file, inside the two bytes of
    an 'ä', and just before the end."""
    path = SHARED / BACH
    if not path.is_file():
        return [pytest.param(0, id="shared-files-missing")]
    data = path.read_bytes()
    umlaut = data.index("ä".encode())
    return [
        pytest.param(1, id="first-byte"),
        pytest.param(4, id="inside-HEAD"),
        pytest.param(100, id="inside-header"),
        pytest.param(umlaut + 1, id="inside-a-UTF-8-character"),
        pytest.param(len(data) // 2, id="middle"),
        pytest.param(len(data) - 3, id="inside-TRLR"),
    ]


@pytest.mark.parametrize("cut", _cuts())
def test_a_cut_utf8_file_imports_what_it_has_or_is_refused(
    platform: Platform, tmp_path: Path, cut: int
) -> None:
    data = _bach()
    report = _outcome(platform, _write(tmp_path, data[:cut]))
    if cut <= 1:
        assert report is None  # a lone "0" is not GEDCOM
        return
    codes = _warned(report, "no-trailer")
    if data[cut - 1] >= 0x80 and data[cut - 1 : cut + 1].decode("utf-8", "replace") != "ä":
        assert "charset" in codes  # the half character is replaced, and said so


@pytest.mark.parametrize("odd", [3, 101, 4001, -1])
def test_a_cut_utf16_file_imports_what_it_has_or_is_refused(
    platform: Platform, tmp_path: Path, odd: int
) -> None:
    """UTF-16 cut at an odd byte: half a code unit is left at the end."""
    data = _bach().decode("utf-8").encode("utf-16")  # with a byte-order mark
    cut = data[:odd]
    assert len(cut) % 2 == 1
    report = _outcome(platform, _write(tmp_path, cut))
    if odd == 3:
        assert report is None  # the mark and half a "0"
        return
    _warned(report, "no-trailer", "charset")


def test_a_real_utf16_file_cut_short_is_read_as_far_as_it_goes(
    platform: Platform, tmp_path: Path
) -> None:
    data = (_shared() / "gedcom4j/sample/utf16le.ged").read_bytes()
    for cut in (len(data) // 2 + 1, len(data) - 1):
        _warned(_outcome(platform, _write(tmp_path, data[:cut])), "no-trailer")


# -- character sets that are not what the file says ---------------------------------------------


def _with_char(data: bytes, char: bytes) -> bytes:
    assert b"1 CHAR UTF-8" in data
    return data.replace(b"1 CHAR UTF-8", b"1 CHAR " + char, 1)


@pytest.mark.parametrize(
    ("why", "make", "warns"),
    [
        ("ANSEL declared, UTF-8 bytes", lambda d: _with_char(d, b"ANSEL"), True),
        ("UTF-8 declared, CP1252 bytes", lambda d: d.decode("utf-8").encode("cp1252"), True),
        ("ASCII declared, UTF-8 bytes", lambda d: _with_char(d, b"ASCII"), True),
        ("UTF-16LE without a BOM", lambda d: d.decode("utf-8").encode("utf-16-le"), False),
        ("UTF-16BE without a BOM", lambda d: d.decode("utf-8").encode("utf-16-be"), False),
    ],
)
def test_a_wrong_declared_charset_is_overruled_by_the_bytes(
    platform: Platform, tmp_path: Path, why: str, make: Any, warns: bool
) -> None:
    report = _outcome(platform, _write(tmp_path, make(_bach())))
    if warns:
        assert _warned(report, "charset")["charset"] == (1,), why
    assert report is not None
    assert report["counts"]["individuals"] == 33
    names = _people(platform, report["tree_id"])
    assert "Maria Elisabetha Lämmerhirt" in names, why


# -- binary noise ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("why", "content"),
    [
        ("noise", random.Random(1).randbytes(5000)),
        ("noise after a good header", HEAD55 + random.Random(2).randbytes(5000)),
        ("noise without zero bytes", bytes(b or 1 for b in random.Random(3).randbytes(5000))),
        ("NUL bytes", b"\x00" * 4096),
        ("a JPEG", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random.Random(4).randbytes(500)),
    ],
)
def test_binary_noise_is_refused(
    platform: Platform, tmp_path: Path, why: str, content: bytes
) -> None:
    assert _outcome(platform, _write(tmp_path, content)) is None, why


def test_nul_bytes_past_the_first_look_are_replaced_with_a_warning(
    platform: Platform, tmp_path: Path
) -> None:
    """The refusal of binary data looks at the first 64 KiB; a NUL after that would reach the
    database, where PostgreSQL cannot store it."""
    filler = b"0 @N1@ NOTE " + b"padding " * 10_000 + b"\n"
    text = HEAD55 + filler + b"0 @I1@ INDI\n1 NAME Nul\x00Byte /Ncube/\n0 TRLR\n"
    report = _outcome(platform, _write(tmp_path, text))
    assert _warned(report, "charset")["charset"] == (8,)
    assert report is not None and _people(platform, report["tree_id"]) == ["Nul\ufffdByte Ncube"]


def test_text_noise_after_a_header_is_warned_about_line_by_line(
    platform: Platform, tmp_path: Path
) -> None:
    rng = random.Random(5)
    noise = "".join(rng.choice("abc xyz@#/\t\n0123456789") for _ in range(20_000))
    report = _outcome(platform, _write(tmp_path, HEAD55 + noise.encode() + b"\n0 TRLR\n"))
    assert report is not None and report["warning_count"] > 0


# -- pointer cycles ----------------------------------------------------------------------------


def test_a_person_who_is_their_own_ancestor_is_imported_with_a_warning(
    platform: Platform, tmp_path: Path
) -> None:
    """@I1@ is the child of @F1@, whose partner @I2@ is the child of @F2@, whose partner is
    @I1@: each is the other's grandparent."""
    text = (
        HEAD7 + b"0 @I1@ INDI\n1 NAME Tendai /Moyo/\n1 FAMC @F1@\n1 FAMS @F2@\n"
        b"0 @I2@ INDI\n1 NAME Chipo /Moyo/\n1 FAMC @F2@\n1 FAMS @F1@\n"
        b"0 @F1@ FAM\n1 WIFE @I2@\n1 CHIL @I1@\n"
        b"0 @F2@ FAM\n1 HUSB @I1@\n1 CHIL @I2@\n0 TRLR\n"
    )
    report = _outcome(platform, _write(tmp_path, text))
    assert _warned(report, "own-ancestor")["own-ancestor"] in ((12,), (15,))
    assert report is not None and _people(platform, report["tree_id"]) == [
        "Chipo Moyo",
        "Tendai Moyo",
    ]


def test_a_person_who_is_partner_and_child_of_one_family_is_warned_about(
    platform: Platform, tmp_path: Path
) -> None:
    text = (
        HEAD55 + b"0 @I1@ INDI\n1 NAME Sipho /Dube/\n1 FAMS @F1@\n1 FAMC @F1@\n"
        b"0 @F1@ FAM\n1 HUSB @I1@\n1 CHIL @I1@\n0 TRLR\n"
    )
    report = _outcome(platform, _write(tmp_path, text))
    assert _warned(report, "own-ancestor")["own-ancestor"] == (10,)


def test_a_person_only_their_own_famc_makes_their_own_parent_is_warned_about(
    platform: Platform, tmp_path: Path
) -> None:
    text = (
        HEAD55 + b"0 @I1@ INDI\n1 NAME Sipho /Dube/\n1 FAMS @F1@\n1 FAMC @F1@\n"
        b"0 @F1@ FAM\n1 HUSB @I1@\n0 TRLR\n"
    )
    _warned(_outcome(platform, _write(tmp_path, text)), "own-ancestor")


def test_a_family_that_lists_a_child_twice_links_them_once(
    platform: Platform, tmp_path: Path
) -> None:
    text = (
        HEAD55 + b"0 @I1@ INDI\n1 NAME Zanele /Ncube/\n1 FAMC @F1@\n1 FAMC @F1@\n"
        b"0 @F1@ FAM\n1 CHIL @I1@\n1 CHIL @I1@\n0 TRLR\n"
    )
    report = _outcome(platform, _write(tmp_path, text))
    assert _warned(report, "duplicate-child")["duplicate-child"] == (12,)
    assert report is not None
    with platform.store.read() as tx:
        conn: sa.Connection = tx.conn  # type: ignore[attr-defined]
        links = conn.execute(
            sa.select(sa.func.count())
            .select_from(t.family_children)
            .where(t.family_children.c.tree_id == uuid.UUID(report["tree_id"]))
        ).scalar()
    assert links == 1


@pytest.mark.parametrize(
    "text",
    [
        HEAD55 + b"0 @N1@ NOTE see the source\n1 SOUR @S1@\n"
        b"0 @S1@ SOUR\n1 TITL Register\n1 NOTE @N1@\n1 SOUR @S1@\n"
        b"0 @N2@ NOTE and the other note\n1 NOTE @N1@\n0 TRLR\n",
        HEAD7 + b"0 @N1@ SNOTE see the source\n1 SOUR @S1@\n"
        b"0 @S1@ SOUR\n1 TITL Register\n1 SNOTE @N1@\n1 SNOTE @N1@\n1 SOUR @S1@\n"
        b"0 @I1@ INDI\n1 SNOTE @N1@\n1 SNOTE @N1@\n1 SOUR @S1@\n2 SOUR @S1@\n0 TRLR\n",
    ],
    ids=["5.5.1", "7.0"],
)
def test_notes_and_sources_that_point_at_each_other_import_and_export(
    platform: Platform, tmp_path: Path, text: bytes
) -> None:
    """Legal, if odd: nothing follows these pointers, so they loop nowhere."""
    report = _outcome(platform, _write(tmp_path, text))
    assert report is not None and report["counts"]["sources"] == 1
    out = tmp_path / "out.ged"
    for version in ("gedcom7", "gedcom551"):
        run_export(platform, uuid.UUID(report["tree_id"]), out, version)
        again = _outcome(platform, out)
        assert again is not None and again["counts"] == report["counts"]
        assert again["warning_count"] == 0, again["warnings"]
        assert out.read_text(encoding="utf-8").count("@S1@ SOUR") == 1


# -- absurd sizes ------------------------------------------------------------------------------


def _note_text(platform: Platform, tree_id: str) -> str:
    with platform.store.read() as tx:
        conn: sa.Connection = tx.conn  # type: ignore[attr-defined]
        query = sa.select(t.notes.c.text).where(t.notes.c.tree_id == uuid.UUID(tree_id))
        return str(conn.execute(query).scalar_one())


def test_a_5_mb_line_is_read_whole(platform: Platform, tmp_path: Path) -> None:
    text = HEAD7 + b"0 @I1@ INDI\n1 NOTE " + b"x" * (5 << 20) + b"\n0 TRLR\n"
    report = _outcome(platform, _write(tmp_path, text))
    assert report is not None and report["warning_count"] == 0
    assert len(_note_text(platform, report["tree_id"])) == 5 << 20


def test_a_line_longer_than_the_reader_takes_is_refused_whole(
    platform: Platform, tmp_path: Path
) -> None:
    text = HEAD7 + b"0 @I1@ INDI\n1 NAME A /B/\n1 NOTE " + b"x" * (33 << 20) + b"\n0 TRLR\n"
    assert _outcome(platform, _write(tmp_path, text)) is None


@pytest.mark.parametrize("depth", [100, 1000])
def test_absurd_nesting_is_read_at_a_bounded_depth(
    platform: Platform, tmp_path: Path, depth: int
) -> None:
    lines = b"".join(b"%d _DEEP level %d\n" % (n, n) for n in range(1, depth + 1))
    text = HEAD7 + b"0 @I1@ INDI\n1 NAME Deep /Nest/\n" + lines + b"0 TRLR\n"
    report = _outcome(platform, _write(tmp_path, text))
    first = 5 + 100  # after HEAD (3 lines), INDI and NAME come levels 1 to 99, then 100
    assert _warned(report, "too-deep")["too-deep"][0] == first
    assert report is not None
    out = tmp_path / "out.ged"
    run_export(platform, uuid.UUID(report["tree_id"]), out, "gedcom7")
    again = _outcome(platform, out)
    assert again is not None and again["warning_count"] == 0


@pytest.mark.parametrize("level", [b"99999999", b"9" * 5000, b"0000000000001"])
def test_absurd_level_numbers_are_warned_about(
    platform: Platform, tmp_path: Path, level: bytes
) -> None:
    text = HEAD7 + b"0 @I1@ INDI\n" + level + b" NAME Big /Level/\n1 SEX F\n0 TRLR\n"
    report = _outcome(platform, _write(tmp_path, text))
    if level.lstrip(b"0") == b"1":
        assert report is not None and report["warning_count"] == 0  # a level 1 after all
    else:
        assert _warned(report, "bad-level")["bad-level"] == (5,)
    assert report is not None and _people(platform, report["tree_id"]) == ["Big Level"]


def test_a_10000_character_xref_works_and_is_shortened_on_export(
    platform: Platform, tmp_path: Path
) -> None:
    xref = b"@" + b"I" * 9998 + b"@"
    text = (
        HEAD7 + b"0 " + xref + b" INDI\n1 NAME Long /Id/\n1 FAMS @F1@\n"
        b"0 @F1@ FAM\n1 HUSB " + xref + b"\n0 TRLR\n"
    )
    report = _outcome(platform, _write(tmp_path, text))
    assert _warned(report, "long-xref")["long-xref"] == (4,)
    assert report is not None
    out = tmp_path / "out.ged"
    run_export(platform, uuid.UUID(report["tree_id"]), out, "gedcom7")
    again = _outcome(platform, out)
    assert again is not None and again["warning_count"] == 0
    assert again["counts"]["individuals"] == 1 and again["counts"]["families"] == 1
    with platform.store.read() as tx:
        conn: sa.Connection = tx.conn  # type: ignore[attr-defined]
        partner = conn.execute(
            sa.select(t.families.c.partner1_id).where(
                t.families.c.tree_id == uuid.UUID(again["tree_id"])
            )
        ).scalar_one()
    assert partner is not None


def test_a_conc_chain_makes_a_2_mb_note(platform: Platform, tmp_path: Path) -> None:
    piece = b"abcdefghij" * 20
    chain = (b"1 CONC " + piece + b"\n") * 10_000
    text = HEAD55 + b"0 @N1@ NOTE start\n" + chain + b"0 TRLR\n"
    report = _outcome(platform, _write(tmp_path, text))
    assert report is not None and report["warning_count"] == 0
    assert len(_note_text(platform, report["tree_id"])) == 5 + 2_000_000


def test_100000_cont_lines_make_one_note(platform: Platform, tmp_path: Path) -> None:
    text = HEAD7 + b"0 @N1@ SNOTE first\n" + b"1 CONT line\n" * 100_000 + b"0 TRLR\n"
    report = _outcome(platform, _write(tmp_path, text))
    assert report is not None and report["warning_count"] == 0
    assert _note_text(platform, report["tree_id"]).count("\n") == 100_000


@pytest.mark.parametrize(
    "date", [b"1 JAN " + b"9" * 50, b"BET 1 AND " + b"1" * 50, b"ABT " + b"9" * 5000]
)
def test_a_date_with_an_absurd_year_is_kept_as_text(
    platform: Platform, tmp_path: Path, date: bytes
) -> None:
    text = HEAD7 + b"0 @I1@ INDI\n1 NAME A /B/\n1 BIRT\n2 DATE " + date + b"\n0 TRLR\n"
    report = _outcome(platform, _write(tmp_path, text))
    assert report is not None
    with platform.store.read() as tx:
        conn: sa.Connection = tx.conn  # type: ignore[attr-defined]
        row = conn.execute(
            sa.select(t.events.c.date_earliest, t.events.c.date_latest).where(
                t.events.c.tree_id == uuid.UUID(report["tree_id"])
            )
        ).one()
    assert tuple(row) == (None, None)


# -- the reader on any bytes -------------------------------------------------------------------

SEEDS = [
    BACH,
    "gedcom4j/sample/utf16le.ged",
    "gedcom4j/sample/ANSEL.GED",
    "gedcom4j/sample/TGC551LF.ged",
    "FamilySearch-GEDCOM.io/testfiles/gedcom70/maximal70.ged",
]


def _seeds() -> list[bytes]:
    if not SHARED.is_dir():
        return [HEAD55 + b"0 @I1@ INDI\n1 NAME A /B/\n0 TRLR\n"]
    return [(SHARED / name).read_bytes()[:4000] for name in SEEDS]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """Real GEDCOM bytes, flipped, cut, spliced and stretched."""
    data = bytearray(draw(st.sampled_from(_seeds())))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        match draw(st.sampled_from(["flip", "insert", "delete", "cut", "repeat"])):
            case "flip" if data:
                data[at] = draw(st.integers(0, 255))
            case "insert":
                data[at:at] = draw(st.binary(max_size=16))
            case "delete":
                del data[at : at + draw(st.integers(1, 64))]
            case "cut":
                del data[at:]
            case "repeat":
                data[at:at] = data[at : at + 40] * draw(st.integers(2, 50))
    return bytes(data)


FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=in_ci(),
    database=None if in_ci() else settings.default.database,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _read_all(data: bytes) -> None:
    try:
        gedcom = read_gedcom(data)
    except NotGedcom as refused:
        why = str(refused)
        assert why, "a refusal says why"
        return
    for record in gedcom.records():
        for node in record.walk():
            assert isinstance(node.tag, str) and node.tag
            assert node.payload is None or not {"\udcff", "\x00"} & set(node.payload)
    for problem in gedcom.problems.items:
        assert problem.line >= 0


@FUZZ
@given(data=st.one_of(st.binary(max_size=3000), mutated()))
def test_the_reader_reads_any_bytes_or_says_they_are_not_gedcom(data: bytes) -> None:
    _read_all(data)


@FUZZ
@given(text=st.text(max_size=2000))
def test_the_reader_reads_any_text_after_a_header(text: str) -> None:
    _read_all(HEAD55 + text.encode("utf-8", "surrogatepass"))


@settings(FUZZ, max_examples=30)
@given(data=mutated())
def test_mangled_files_import_or_are_refused(
    platform: Platform, tmp_path: Path, data: bytes
) -> None:
    _outcome(platform, _write(tmp_path, data))
