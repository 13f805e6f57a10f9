"""Tests for dzinza.gedcom.downgrade (GEDCOM 7.0 to 5.5.1).

The main property: ``upgrade(downgrade(x))`` is ``x`` again, compared with
``compare.semantic_form`` (see test_gedcom_upgrade for what that ignores), for every 7.0 file
we have: gedcom7code's expected 7.0 files and FamilySearch's GEDCOM 7.0 test files
(maximal70*.ged included). There are no exceptions. The GEDCOM 7.1 files are not part of it:
downgrade reads 7.0, and upgrade writes 7.0 (a 7.1 header would come back as 7.0).

Downgrade yields payloads in the raw 5.5.1 form the reader gives for 5.x files (``@``
doubled, ``@#DJULIAN@`` escapes), so its output feeds ``upgrade`` directly.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dzinza.gedcom.compare import difference, semantic_form
from dzinza.gedcom.downgrade import downgrade
from dzinza.gedcom.legacy_dates import to_legacy_age, to_legacy_date, to_seven_date
from dzinza.gedcom.legacy_values import ENUMS, to_legacy_file, to_legacy_format, to_seven_file
from dzinza.gedcom.nodes import Node, Problems
from dzinza.gedcom.reader import parse_text
from dzinza.gedcom.upgrade import upgrade
from tests.unit.test_gedcom_upgrade import (
    SHARED,
    lines,
    read,
    real_files_upgraded,
    shared_gedcom,
)

# fmt: off
SEVEN_ONLY = frozenset({
    "SNOTE", "UID", "EXID", "CREA", "MIME", "TRAN", "CROP", "NO", "INIL", "SDATE", "PHRASE",
    "SCHMA",
})
# fmt: on


def round_trip(records: list[Node]) -> list[Node]:
    copies = [r.copy() for r in records]
    down = downgrade(copies, problems=Problems())
    return list(upgrade(down, version="5.5.1", problems=Problems()))


def _seven_files() -> list[str]:
    names = [
        f"gedcom7code-test-files/7/{p.name}"
        for p in sorted((SHARED / "gedcom7code-test-files" / "7").glob("*.ged"))
    ]
    names += [
        f"FamilySearch-GEDCOM.io/testfiles/gedcom70/{p.name}"
        for p in sorted(
            (SHARED / "FamilySearch-GEDCOM.io" / "testfiles" / "gedcom70").glob("*.ged")
        )
    ]
    return names or ["(missing)"]


@pytest.mark.parametrize("name", _seven_files())
def test_upgrade_undoes_downgrade(name: str) -> None:
    folder, _, file = name.rpartition("/")
    path = shared_gedcom(*folder.split("/")) / file
    original = list(read(path).records())
    diff = difference(semantic_form(original), semantic_form(round_trip(original)))
    assert not diff, f"{name}:\n{diff}"


def test_the_maximal_files_are_among_them() -> None:
    shared_gedcom()
    assert sum("maximal70" in n for n in _seven_files()) == 6


def test_real_files_come_back_from_a_trip_through_551() -> None:
    shared_gedcom()
    for path, seven in real_files_upgraded():
        diff = difference(semantic_form(seven), semantic_form(round_trip(seven)))
        assert not diff, f"{path}:\n{diff}"


def test_nothing_seven_only_is_left_in_standard_structures() -> None:
    path = shared_gedcom("FamilySearch-GEDCOM.io", "testfiles", "gedcom70") / "maximal70.ged"
    records = list(downgrade(read(path).records(), problems=Problems()))

    def check(node: Node) -> None:
        assert node.tag not in SEVEN_ONLY, lines(node)
        if node.tag == "ASSO":
            assert node.first("ROLE") is None and node.first("RELA") is not None
        for child in node.children:
            if child.tag[0] != "_":
                check(child)

    for record in records:
        if record.tag[0] != "_":
            check(record)


# --- records ----------------------------------------------------------------------------------

SEVEN_HEAD = "0 HEAD\n1 GEDC\n2 VERS 7.0\n1 SCHMA\n2 TAG _X http://x\n"


def down(body: str) -> list[Node]:
    return list(
        downgrade(parse_text(SEVEN_HEAD + body + "0 TRLR\n").records(), problems=Problems())
    )


def test_header() -> None:
    head = down("")[0]
    assert lines(head) == [
        "0 HEAD",
        "1 GEDC",
        "2 VERS 5.5.1",
        "2 FORM LINEAGE-LINKED",
        "1 CHAR UTF-8",
        "1 _SCHMA",
        "2 TAG _X http://x",
    ]


def test_notes_and_text() -> None:
    records = down(
        "0 @N1@ SNOTE Shared @ text\n1 MIME text/plain\n0 @I1@ INDI\n1 SNOTE @N1@\n"
        "1 NOTE me@example.com\n2 CONT @@me\n2 LANG en\n"
    )
    assert lines(records[1]) == ["0 @N1@ NOTE Shared @@ text", "1 _MIME text/plain"]
    assert lines(records[2]) == [
        "0 @I1@ INDI",
        "1 NOTE @N1@",
        "1 NOTE me@@example.com\n@@me",
        "2 LANG English",
    ]


def test_dates_ages_and_phrases() -> None:
    person = down(
        "0 @I1@ INDI\n1 BIRT\n2 DATE JULIAN 1 JAN 1700\n3 TIME 10:00\n3 PHRASE New Year\n"
        "2 AGE < 8y\n3 PHRASE Child\n1 DEAT\n2 DATE\n3 PHRASE unknown\n2 AGE 25y\n3 PHRASE Adult\n"
        "2 SDATE 1900\n1 BURI\n2 DATE BET 44 BCE AND 30 BCE\n3 PHRASE hmm\n1 CHAN\n2 DATE 1 JAN 2000\n3 TIME 1:00\n"
    )[1]
    assert lines(person) == [
        "0 @I1@ INDI",
        "1 BIRT",
        "2 DATE INT @#DJULIAN@ 1 JAN 1700 (New Year)",
        "3 _TIME 10:00",
        "2 AGE Child",
        "1 DEAT",
        "2 DATE (unknown)",
        "2 AGE 25y",
        "3 _PHRASE Adult",
        "2 _SDATE 1900",
        "1 BURI",
        "2 DATE BET 44 B.C. AND 30 B.C.",
        "3 _PHRASE hmm",
        "1 CHAN",
        "2 DATE 1 JAN 2000",
        "3 TIME 1:00",
    ]


def test_enumerations_and_associations() -> None:
    records = down(
        "0 @I1@ INDI\n1 NAME A /B/\n2 TYPE PROFESSIONAL\n1 NAME C /D/\n2 TYPE OTHER\n3 PHRASE Stage\n"
        "1 FAMC @F1@\n2 PEDI OTHER\n3 PHRASE Birth\n2 STAT PROVEN\n1 ASSO @I2@\n2 ROLE NGHBR\n"
        "3 PHRASE neighbour\n1 BAPL\n2 STAT DNS_CAN\n3 DATE 1 JAN 2000\n1 BIRT\n2 ASSO @I2@\n"
        "3 ROLE OTHER\n4 PHRASE midwife\n2 SOUR @S1@\n3 EVEN BIRT\n4 ROLE OTHER\n5 PHRASE Best man\n"
    )
    assert lines(records[1]) == [
        "0 @I1@ INDI",
        "1 NAME A /B/",
        "2 TYPE professional",
        "1 NAME C /D/",
        "2 TYPE Stage",
        "1 FAMC @F1@",
        "2 PEDI other",
        "3 _PHRASE Birth",  # "Birth" alone would read back as BIRTH
        "2 STAT proven",
        "1 ASSO @I2@",
        "2 RELA neighbour",
        "1 BAPL",
        "2 STAT DNS/CAN",
        "3 DATE 1 JAN 2000",
        "1 BIRT",
        "2 _ASSO @I2@",
        "3 RELA midwife",
        "2 SOUR @S1@",
        "3 EVEN BIRT",
        "4 ROLE (Best man)",
    ]


def test_media_identifiers_and_transliterations() -> None:
    records = down(
        "0 @O1@ OBJE\n1 FILE file:///C:/My%20Pictures/a.jpg\n2 FORM image/jpeg\n3 MEDI PHOTO\n"
        "1 FILE media/x.ogg\n2 FORM audio/ogg\n1 UID 1234\n1 EXID 9\n2 TYPE https://gedcom.io/terms/v7/AFN\n"
        "1 EXID 5\n2 TYPE https://gedcom.io/terms/v7/RFN#Ancestry\n1 EXID 7\n2 TYPE http://x\n"
        "0 @I1@ INDI\n1 NAME 逸勢 /橘/\n2 TRAN Hayanari /Tachibana/\n3 LANG ja-Latn\n"
        "2 TRAN Itsusei\n3 LANG en\n1 OBJE @O1@\n2 CROP\n3 TOP 1\n2 TITL t\n"
    )
    assert lines(records[1]) == [
        "0 @O1@ OBJE",
        "1 FILE C:/My Pictures/a.jpg",
        "2 FORM jpg",
        "3 TYPE photo",
        "1 FILE media/x.ogg",
        "2 FORM audio/ogg",
        "1 _UID 1234",
        "1 AFN 9",
        "1 RFN Ancestry:5",
        "1 _EXID 7",
        "2 TYPE http://x",
    ]
    assert lines(records[2]) == [
        "0 @I1@ INDI",
        "1 NAME 逸勢 /橘/",
        "2 ROMN Hayanari /Tachibana/",
        "3 TYPE romaji",
        "2 _TRAN Itsusei",
        "3 LANG English",
        "1 OBJE @O1@",
        "2 _CROP",
        "3 TOP 1",
        "2 TITL t",
    ]


def test_extension_structures_only_get_their_values_converted() -> None:
    person = down("0 @I1@ INDI\n1 _MILT x\n2 DATE ABT 1850 BCE\n2 PHRASE p\n2 LANG en\n2 UID 5\n")[
        1
    ]
    assert lines(person) == [
        "0 @I1@ INDI",
        "1 _MILT x",
        "2 DATE ABT 1850 B.C.",
        "2 PHRASE p",
        "2 LANG English",
        "2 UID 5",
    ]


def test_downgrade_streams() -> None:
    def records() -> Iterator[Node]:
        yield Node("HEAD", children=[Node("GEDC", children=[Node("VERS", "7.0")])])
        raise AssertionError("read past what was asked for")

    assert next(downgrade(records(), problems=Problems())).tag == "HEAD"


# --- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "phrase", "raw", "left"),
    [
        ("1 JAN 1700", None, "1 JAN 1700", None),
        ("FRENCH_R 1 VEND 2", None, "@#DFRENCH R@ 1 VEND 2", None),
        ("_ROMAN 753", None, "@#DROMAN@ 753", None),
        ("BET _CAL 1 AND _CAL 2", None, "BET @#D_CAL@ 1 AND @#D_CAL@ 2", None),
        ("", "me@home", "(me@@home)", None),
        ("1850", "from (his) age", "INT 1850 (from (his) age)", None),
        ("ABT 1850", "circa", "ABT 1850", "circa"),
        ("1850", "two\nlines", "1850", "two\nlines"),
    ],
)
def test_dates(value: str, phrase: str | None, raw: str, left: str | None) -> None:
    assert to_legacy_date(value, phrase) == (raw, left)
    if left is None:
        assert to_seven_date(raw) == (value, phrase)


def test_ages() -> None:
    assert to_legacy_age("> 12y 3m", None) == (">12y 3m", None)
    assert to_legacy_age("0y", "stillborn") == ("stillborn", None)
    assert to_legacy_age("", "about twenty") == ("about twenty", None)
    assert to_legacy_age("20y", "about twenty") == ("20y", "about twenty")


def test_files_and_formats() -> None:
    for uri in [
        "a/b.jpg",
        "file:///C:/x/y.jpg",
        "file:///home/x",
        "file://server/share/x",
        "M%C3%BCller.png",
        "https%3A//x/y",
        "http://a/b",
    ]:
        assert to_seven_file(to_legacy_file(uri)) == uri
    assert to_legacy_file("https%3A//x/y") == "https:\\\\x\\y"
    assert to_legacy_format("image/jpeg") == "jpg"
    assert to_legacy_format("application/x-other") == "other"
    assert to_legacy_format("application/x-mp3") == "application/x-mp3"  # "mp3" reads as audio/mpeg
    assert to_legacy_format("audio/ogg") == "audio/ogg"


def test_enumeration_words() -> None:
    assert ENUMS["RELA"].to_legacy("OTHER", "land-lord") == ("land-lord", None)
    assert ENUMS["RELA"].to_legacy("FRIEND", None) == ("FRIEND", None)
    assert ENUMS["MEDI"].to_legacy("BOOK", "Booklet") == ("book", "Booklet")
    assert ENUMS["ord-STAT"].to_legacy("PRE_1970", None) == ("PRE-1970", None)
    assert ENUMS["FAMC-STAT"].to_legacy("_DOUBTFUL", None) == ("_DOUBTFUL", None)
