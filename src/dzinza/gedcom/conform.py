"""Making 7.0 records valid GEDCOM 7.0 before they are written: ``conform``.

The records Dzinza exports are the file's own structures (kept in the residuals) and what the
rows generate. Files written by other programs are often not quite 7.0: a 5.5 file may put a
``SOUR`` under ``SEX``, text after ``BURI`` (``1 BURI Willis Cemetery``), a ``COMM`` in a
submitter; a 7.0 file may hold a date that no calendar has (``30 FEB``). The import keeps all
of it, so that nothing is lost; the export must still write a file that 7.0 readers accept.

``conform`` walks a record with the 7.0 structure grammar (``SUBSTRUCTURES``: which standard
tags each structure type may hold, and the type each one then is; ``PAYLOADS``: the kind of
value each type carries) and repairs what does not fit, keeping the data:

- a standard structure where 7.0 has no place for it becomes an extension structure of the
  same name with an underscore (``SEX.SOUR`` -> ``SEX._SOUR``), content and pointers kept;
- text where 7.0 allows only ``Y`` or nothing moves into a ``NOTE`` (``BURI Y`` + ``NOTE
  Willis Cemetery``), where the structure may have one; else the structure becomes an
  extension;
- text where a pointer belongs, a pointer where text belongs, and an enumeration value that is
  not one: the structure becomes an extension;
- latitude and longitude in degrees, minutes and seconds become decimal degrees;
- a personal name with more than two slashes keeps the first two (the rest become spaces);
- a date with a day its month lacks (``30 FEB``) loses its value: the words go to its
  ``PHRASE`` (when it has none), as 7.0 says a date no calendar can hold is written;
- characters 7.0 bans (C0 controls but tab, CR and LF; DEL; C1 controls; U+FFFE, U+FFFF),
  which some old files hold, become U+FFFD, anywhere in a payload, extensions included;
- ``HEAD.SCHMA``: an extension tag declared with two URIs (or a URI with two tags) is
  ambiguous, so neither declaration is written; the tag is then undocumented, as it was in
  effect (a reader could not tell which URI was meant).

Every repair is reported to ``problems`` with the record's line. Extension structures are
left alone (their content is theirs to define), as are records without a grammar here.
"""

from __future__ import annotations

import itertools
import re
from typing import Final

from dzinza.gedcom.nodes import Node, Problems

# --- the grammar --------------------------------------------------------------------------------


def _subs(spec: str) -> dict[str, str]:
    """``"TAG TAG=TYPE ..."``: a substructure's type is its tag unless named after ``=``."""
    out: dict[str, str] = {}
    for item in spec.split():
        tag, _, kind = item.partition("=")
        out[tag] = kind or tag
    return out


_EVENT: Final = (
    "ADDR AGNC ASSO CAUS DATE EMAIL FAX NOTE OBJE PHON PLAC RELI RESN SDATE SNOTE SOUR TYPE UID WWW"
)
"""What every event and attribute may hold (7.0's EVENT_DETAIL and its neighbours)."""
_PERSON_EVENT: Final = _EVENT + " AGE"
_FAMILY_EVENT: Final = _EVENT + " HUSB=PARTNER WIFE=PARTNER"
_ORDINANCE: Final = "DATE NOTE PLAC SNOTE SOUR STAT=ORD-STAT TEMP"

# Event and attribute tags, by where they are and what payload they carry.
_PERSON_Y: Final = [
    "ADOP",
    "BAPM",
    "BARM",
    "BASM",
    "BIRT",
    "BLES",
    "BURI",
    "CHR",
    "CHRA",
    "CONF",
    "CREM",
    "DEAT",
    "EMIG",
    "FCOM",
    "GRAD",
    "IMMI",
    "NATU",
    "ORDN",
    "PROB",
    "RETI",
    "WILL",
    "CENS",
]
_PERSON_TEXT: Final = [
    "CAST",
    "DSCR",
    "EDUC",
    "IDNO",
    "NATI",
    "OCCU",
    "PROP",
    "RELI",
    "RESI",
    "SSN",
    "TITL",
    "FACT",
    "EVEN",
]
_FAMILY_Y: Final = ["ANUL", "DIV", "DIVF", "ENGA", "MARB", "MARC", "MARL", "MARR", "MARS", "CENS"]
_FAMILY_TEXT: Final = ["RESI", "FACT", "EVEN"]

SUBSTRUCTURES: Final[dict[str, dict[str, str]]] = {
    "": _subs(
        "FAM=R-FAM INDI=R-INDI OBJE=R-OBJE REPO=R-REPO SNOTE=R-SNOTE SOUR=R-SOUR SUBM=R-SUBM"
        " HEAD TRLR"
    ),
    "HEAD": _subs(
        "COPR DATE=DATE-EXACT DEST GEDC LANG NOTE PLAC=HEAD-PLAC SCHMA SNOTE SOUR=HEAD-SOUR SUBM"
    ),
    "GEDC": _subs("VERS"),
    "SCHMA": _subs("TAG"),
    "HEAD-SOUR": _subs("CORP DATA=HEAD-SOUR-DATA NAME VERS"),
    "HEAD-SOUR-DATA": _subs("COPR DATE=DATE-EXACT"),
    "CORP": _subs("ADDR EMAIL FAX PHON WWW"),
    "HEAD-PLAC": _subs("FORM=PLAC-FORM"),
    "R-FAM": {
        **_subs(
            "ASSO CHAN CHIL CREA EXID HUSB=FAM-PARTNER WIFE=FAM-PARTNER NCHI=FAM-NCHI NO NOTE"
            " OBJE REFN RESN SLGS=ORDINANCE SNOTE SOUR SUBM UID"
        ),
        **dict.fromkeys(_FAMILY_Y, "FAM-Y"),
        **dict.fromkeys(_FAMILY_TEXT, "FAM-TEXT"),
    },
    "R-INDI": {
        **_subs(
            "ALIA ANCI=SUBM ASSO BAPL=ORDINANCE CHAN CONL=ORDINANCE CREA DESI=SUBM"
            " ENDL=ORDINANCE EXID FAMC=INDI-FAMC FAMS INIL=ORDINANCE NAME=INDI-NAME"
            " NCHI=INDI-NCHI NMR=INDI-NCHI NO NOTE OBJE REFN RESN SEX SLGC SNOTE SOUR SUBM UID"
        ),
        **dict.fromkeys(_PERSON_Y, "INDI-Y"),
        **dict.fromkeys(_PERSON_TEXT, "INDI-TEXT"),
        "ADOP": "INDI-ADOP",
        "BIRT": "INDI-BIRT",
        "CHR": "INDI-BIRT",
    },
    "R-OBJE": _subs("CHAN CREA EXID FILE NOTE REFN RESN SNOTE SOUR UID"),
    "R-REPO": _subs("ADDR CHAN CREA EMAIL EXID FAX NAME NOTE PHON REFN SNOTE UID WWW"),
    "R-SNOTE": _subs("CHAN CREA EXID LANG MIME REFN SOUR TRAN=NOTE-TRAN UID"),
    "R-SOUR": _subs(
        "ABBR AUTH CHAN CREA DATA=R-SOUR-DATA EXID NOTE OBJE PUBL REFN REPO SNOTE TEXT TITL UID"
    ),
    "R-SOUR-DATA": _subs("AGNC EVEN=DATA-EVEN NOTE SNOTE"),
    "DATA-EVEN": _subs("DATE=PERIOD PLAC"),
    "R-SUBM": _subs("ADDR CHAN CREA EMAIL EXID FAX LANG NAME NOTE OBJE PHON REFN SNOTE UID WWW"),
    "INDI-Y": _subs(_PERSON_EVENT),
    "INDI-TEXT": _subs(_PERSON_EVENT),
    "INDI-NCHI": _subs(_PERSON_EVENT),
    "INDI-BIRT": _subs(_PERSON_EVENT + " FAMC"),
    "INDI-ADOP": _subs(_PERSON_EVENT + " FAMC=ADOP-FAMC"),
    "FAM-Y": _subs(_FAMILY_EVENT),
    "FAM-TEXT": _subs(_FAMILY_EVENT),
    "FAM-NCHI": _subs(_FAMILY_EVENT),
    "PARTNER": _subs("AGE"),
    "ADOP-FAMC": _subs("ADOP=ENUM-PHRASE"),
    "ORDINANCE": _subs(_ORDINANCE),
    "SLGC": _subs(_ORDINANCE + " FAMC"),
    "ORD-STAT": _subs("DATE=DATE-EXACT"),
    "NO": _subs("DATE=PERIOD NOTE SNOTE SOUR"),
    "ADDR": _subs("ADR1 ADR2 ADR3 CITY CTRY POST STAE"),
    "ASSO": _subs("NOTE PHRASE ROLE=ENUM-PHRASE SNOTE SOUR"),
    "FAMS": _subs("NOTE SNOTE"),
    "INDI-FAMC": _subs("NOTE PEDI=ENUM-PHRASE SNOTE STAT=ENUM-PHRASE"),
    "ALIA": _subs("PHRASE"),
    "CHIL": _subs("PHRASE"),
    "FAM-PARTNER": _subs("PHRASE"),
    "AGE": _subs("PHRASE"),
    "DATE": _subs("PHRASE TIME"),
    "SDATE": _subs("PHRASE TIME"),
    "PERIOD": _subs("PHRASE"),
    "DATE-EXACT": _subs("TIME"),
    "ENUM-PHRASE": _subs("PHRASE"),
    "CHAN": _subs("DATE=DATE-EXACT NOTE SNOTE"),
    "CREA": _subs("DATE=DATE-EXACT"),
    "REPO": _subs("CALN NOTE SNOTE"),
    "CALN": _subs("MEDI=ENUM-PHRASE"),
    "OBJE": _subs("CROP TITL"),
    "CROP": _subs("HEIGHT=INT LEFT=INT TOP=INT WIDTH=INT"),
    "SOUR": _subs("DATA=SOUR-DATA EVEN=SOUR-EVEN NOTE OBJE PAGE QUAY=ENUM SNOTE"),
    "SOUR-DATA": _subs("DATE TEXT"),
    "SOUR-EVEN": _subs("PHRASE ROLE=ENUM-PHRASE"),
    "TEXT": _subs("LANG MIME"),
    "NOTE": _subs("LANG MIME SOUR TRAN=NOTE-TRAN"),
    "NOTE-TRAN": _subs("LANG MIME"),
    "PLAC": _subs("EXID FORM=PLAC-FORM LANG MAP NOTE SNOTE TRAN=PLAC-TRAN"),
    "PLAC-TRAN": _subs("LANG"),
    "MAP": _subs("LATI LONG"),
    "FILE": _subs("FORM TITL TRAN=FILE-TRAN"),
    "FILE-TRAN": _subs("FORM"),
    "FORM": _subs("MEDI=ENUM-PHRASE"),
    "INDI-NAME": _subs(
        "GIVN NICK NOTE NPFX NSFX SNOTE SOUR SPFX SURN TRAN=NAME-TRAN TYPE=ENUM-PHRASE"
    ),
    "NAME-TRAN": _subs("GIVN LANG NICK NPFX NSFX SPFX SURN"),
    "REFN": _subs("TYPE"),
    "EXID": _subs("TYPE"),
}
"""Structure type -> {standard tag -> the type of that substructure}. A type that is not a key
holds no standard substructure. Types are named after their usual tag, with a prefix where
the same tag means different things (``R-`` records, ``INDI-``/``FAM-`` events ...)."""

NONE, YES, POINTER, ENUM, ENUMS, INT, NAME, LAT, LONG, DATE = (
    "none",
    "Y",
    "pointer",
    "enum",
    "enums",
    "int",
    "name",
    "lat",
    "long",
    "date",
)
TEXT: Final = "text"

PAYLOADS: Final[dict[str, str]] = {
    **dict.fromkeys(
        [
            "HEAD",
            "TRLR",
            "GEDC",
            "SCHMA",
            "R-FAM",
            "R-INDI",
            "R-OBJE",
            "R-REPO",
            "R-SOUR",
            "R-SUBM",
            "R-SOUR-DATA",
            "HEAD-PLAC",
            "PARTNER",
            "ORDINANCE",
            "SLGC",
            "CHAN",
            "CREA",
            "CROP",
            "MAP",
            "SOUR-DATA",
        ],
        NONE,
    ),
    **dict.fromkeys(["INDI-Y", "INDI-BIRT", "INDI-ADOP", "FAM-Y"], YES),
    **dict.fromkeys(
        [
            "ALIA",
            "ASSO",
            "CHIL",
            "FAM-PARTNER",
            "FAMS",
            "INDI-FAMC",
            "ADOP-FAMC",
            "FAMC",
            "SUBM",
            "REPO",
            "OBJE",
            "SOUR",
            "SNOTE",
        ],
        POINTER,
    ),
    **dict.fromkeys(["ENUM", "ENUM-PHRASE", "ORD-STAT", "SOUR-EVEN", "NO", "SEX"], ENUM),
    **dict.fromkeys(["DATA-EVEN", "RESN"], ENUMS),
    **dict.fromkeys(["INT", "INDI-NCHI", "FAM-NCHI"], INT),
    **dict.fromkeys(["DATE", "SDATE", "PERIOD", "DATE-EXACT"], DATE),
    "INDI-NAME": NAME,
    "LATI": LAT,
    "LONG": LONG,
}
"""Structure type -> kind of payload; every other type carries text (``TEXT``)."""

_ENUM: Final = re.compile(r"[A-Z][A-Z0-9_]*|_[A-Z0-9_]+|[0-9]+")
_ENUMS: Final = re.compile(r"\s*,\s*")
_INT: Final = re.compile(r"[0-9]+")
_DEGREES: Final = re.compile(r"[NSEWnsew][0-9]{1,3}(\.[0-9]+)?")
_DMS: Final = re.compile(
    r"^\s*([NSEW+-]?)\s*(\d+(?:\.\d+)?)\s*°\s*(?:(\d+(?:\.\d+)?)\s*['\u2032]\s*)?"
    r"(?:(\d+(?:\.\d+)?)\s*(?:\"|\u2033|'')\s*)?([NSEW]?)\s*$",
    re.IGNORECASE,
)
_BANNED: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_OTHER_CALENDARS: Final = frozenset({"FRENCH_R", "HEBREW"})
_DAYS: Final = {
    "JAN": 31, "FEB": 29, "MAR": 31, "APR": 30, "MAY": 31, "JUN": 30,
    "JUL": 31, "AUG": 31, "SEP": 30, "OCT": 31, "NOV": 30, "DEC": 31,
}  # fmt: skip
"""The longest each month of the Gregorian and Julian years can be (February of a leap year)."""


# --- the walk ---------------------------------------------------------------------------------


def conform(record: Node, problems: Problems | None = None) -> Node:
    """Repair ``record`` in place so that it is valid 7.0 (see the module docstring)."""
    found = problems if problems is not None else Problems()
    for node in record.walk():
        if node.payload and not node.pointer and _BANNED.search(node.payload):
            node.payload = _BANNED.sub("\ufffd", node.payload)
            found.add(record.line, "seven-value", f"{node.tag} held characters 7.0 bans")
    if record.tag == "HEAD":
        _schema(record, found)
    kind = SUBSTRUCTURES[""].get(record.tag)
    if kind is None:
        if record.tag[:1] != "_":
            _to_extension(record, record, found, "is not a 7.0 record")
        return record
    _children(record, kind, record, found)
    return record


def _children(node: Node, kind: str, record: Node, problems: Problems) -> None:
    allowed = SUBSTRUCTURES.get(kind, {})
    for child in node.children:
        tag = child.tag
        if tag[:1] == "_":
            continue  # an extension: its content is its own
        sub = allowed.get(tag)
        if sub is None:
            _to_extension(child, record, problems, f"has no place under {node.tag} in 7.0")
            continue
        if _payload(child, sub, record, problems):
            _children(child, sub, record, problems)


def _payload(node: Node, kind: str, record: Node, problems: Problems) -> bool:
    """Repair the payload of ``node`` (a standard structure of type ``kind``); False when it
    became an extension structure."""
    expected = PAYLOADS.get(kind, TEXT)
    value = node.payload
    if expected == POINTER:
        if value is not None and not node.pointer:
            return _to_extension(node, record, problems, "holds text where 7.0 has a pointer")
        return True
    if node.pointer:
        return _to_extension(node, record, problems, "holds a pointer where 7.0 has none")
    if value is None or value == "":
        return True
    if expected in (NONE, YES):
        if expected == YES and value == "Y":
            return True
        if "NOTE" not in SUBSTRUCTURES.get(kind, {}):
            return _to_extension(node, record, problems, "holds text where 7.0 has none")
        # The words are kept as a note: "1 BURI Willis Cemetery" says where, not whether.
        node.children.insert(0, Node("NOTE", value, line=node.line))
        node.payload = "Y" if expected == YES else None
        problems.add(record.line, "seven-value", f"the text of {node.tag} became its NOTE")
    elif expected == ENUM:
        if not _ENUM.fullmatch(value):
            return _to_extension(node, record, problems, f"{value!r} is not an enumeration")
    elif expected == ENUMS:
        if not all(_ENUM.fullmatch(v) for v in _ENUMS.split(value.strip())):
            return _to_extension(node, record, problems, f"{value!r} is not a list of values")
    elif expected == INT:
        if not _INT.fullmatch(value):
            return _to_extension(node, record, problems, f"{value!r} is not a number")
    elif expected in (LAT, LONG):
        if not _DEGREES.fullmatch(value):
            degrees = _decimal_degrees(value, "NS" if expected == LAT else "EW")
            if degrees is None:
                return _to_extension(node, record, problems, f"{value!r} is not a coordinate")
            node.payload = degrees
            problems.add(record.line, "seven-value", f"{node.tag} {value!r} is now {degrees}")
    elif expected == NAME:
        _name(node, value, record, problems)
    elif expected == DATE:
        _date(node, value, record, problems)
    return True


def _schema(head: Node, problems: Problems) -> None:
    for schema in head.all("SCHMA"):
        uris: dict[str, set[str]] = {}
        tags: dict[str, set[str]] = {}
        for tag_def in schema.all("TAG"):
            tag, _, uri = (tag_def.payload or "").partition(" ")
            uris.setdefault(tag, set()).add(uri.strip())
            tags.setdefault(uri.strip(), set()).add(tag)
        ambiguous = {t for t, u in uris.items() if len(u) > 1}
        ambiguous |= {t for ts in tags.values() if len(ts) > 1 for t in ts}
        if not ambiguous:
            continue
        schema.children = [
            c
            for c in schema.children
            if c.tag != "TAG" or (c.payload or "").partition(" ")[0] not in ambiguous
        ]
        problems.add(head.line, "seven-schema", f"ambiguous in HEAD.SCHMA: {sorted(ambiguous)}")


def _to_extension(node: Node, record: Node, problems: Problems, why: str) -> bool:
    problems.add(record.line, "seven-extension", f"{node.tag} {why}: written as _{node.tag}")
    node.tag = "_" + node.tag
    return False


def _decimal_degrees(text: str, hemispheres: str) -> str | None:
    """``+50° 3' 1.49"`` (or ``50°3'1.49"N``) as ``N50.050414``; None if it is not that."""
    match = _DMS.match(text)
    if match is None:
        return None
    sign, degrees, minutes, seconds, letter = match.groups()
    value = float(degrees) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
    limit = 90 if hemispheres == "NS" else 180
    said = (sign or letter).upper()
    if value > limit or (said and said not in ("+", "-", *hemispheres)):
        return None
    negative = said in ("-", hemispheres[1])
    digits = f"{value:.6f}".rstrip("0").rstrip(".")
    return f"{hemispheres[1] if negative else hemispheres[0]}{digits}"


def _name(node: Node, value: str, record: Node, problems: Problems) -> None:
    if value.count("/") <= 2:
        return
    second = value.find("/", value.find("/") + 1)
    rest = value[second + 1 :].replace("/", " ")
    node.payload = re.sub(r" {2,}", " ", value[: second + 1] + rest).strip()
    problems.add(record.line, "seven-value", f"NAME {value!r} has more than two slashes")


def _date(node: Node, value: str, record: Node, problems: Problems) -> None:
    words = value.split()
    for i, (day, month) in enumerate(itertools.pairwise(words)):
        if not day.isdigit() or month not in _DAYS:
            continue
        calendar = words[i - 1] if i else ""
        if calendar in _OTHER_CALENDARS or calendar[:1] == "_":
            continue  # months of their own, which these lengths do not describe
        if not 1 <= int(day) <= _DAYS[month]:
            break
    else:
        return
    # No calendar has this day: the value goes, its words stay as the date's phrase.
    node.payload = None
    if node.first("PHRASE") is None:
        node.children.append(Node("PHRASE", value, line=node.line))
    problems.add(record.line, "seven-value", f"DATE {value!r} names a day its month lacks")
