"""GEDCOM 5.5 / 5.5.1 / 5.5.5 records to GEDCOM 7.0 records ("upgrade"), streaming.

``upgrade(records, version=..., problems=...)`` takes the reader's records (HEAD first) and
yields 7.0 records, one record at a time: memory holds one record, a counter and HEAD.SOUR,
whatever the size of the file. 7.0 and 7.1 input passes through untouched.

What changes (value conversions live in ``legacy_values`` and ``legacy_dates``):

- HEAD: ``CHAR``, ``FILE``, ``SUBN`` and ``GEDC.FORM`` go; ``GEDC.VERS`` is 7.0 (and ``GEDC``
  is added when the file had none). ``HEAD.SOUR`` stays. The ``SUBN`` record goes.
- text: ``@@`` and ``@#D...@`` escapes are undone in every line value.
- cross-reference ids: ids 7.0 does not allow are renamed by a fixed rule, the same for a
  pointer met before its record (see ``legacy_values.seven_xref``).
- ``NOTE`` records become ``SNOTE`` records, and pointers to them ``SNOTE`` pointers; a note
  written in place stays a ``NOTE``.
- a ``SOUR`` citation with a description instead of a pointer becomes a pointer to a new
  ``SOUR`` record holding the description as its ``NOTE``; the citation's ``TEXT`` moves into
  its ``DATA`` (where 7.0 keeps it).
- an ``OBJE`` link with its files written in place becomes a pointer to a new ``OBJE`` record
  with those files and notes; ``TITL`` stays on the link, where 7.0 allows it.
- new records get the ids ``@X1@``, ``@X2@``... (a name space no kept or renamed id can take)
  and are yielded right after the record they came from.
- ``FILE``: file names become URIs. ``FORM``: formats become media types, ``FORM.TYPE``
  becomes ``FORM.MEDI``. 5.5's ``FORM``/``TITL`` directly under ``OBJE`` move into the file.
- enumerations (``PEDI``, ``MEDI``, ``NAME.TYPE``, ``SEX``, ``RESN``, ``STAT``, ``ADOP``,
  ``ROLE``) take 7.0's upper-case values; free text becomes ``OTHER`` plus a ``PHRASE``.
  ``ASSO.RELA`` becomes ``ASSO.ROLE``.
- ``DATE``, ``AGE`` (with ``PHRASE`` for what 7.0 cannot say) and ``LANG`` (BCP 47; a name
  with no tag becomes ``und`` with an ``_PHRASE``) are converted wherever they are.
- ``FONE`` / ``ROMN`` become ``TRAN`` with a ``LANG``; ``AFN``, ``RFN``, ``RIN`` and
  FamilySearch ids become ``EXID`` with a ``TYPE``; text ``ALIA`` becomes a ``NAME`` of type
  ``AKA``; ``REPO`` without a pointer points to ``@VOID@``.
- extension tags that name a 7.0 structure become it: ``_UID``, ``_EMAIL`` (and 5.5's
  ``EMAI``), ``_ASSO``, ``_CREA``, and the ones ``downgrade`` writes for the 7.0 structures
  5.5.1 lacks (``_EXID``, ``_MIME``, ``_TRAN``, ``_CROP``, ``_NO``, ``_INIL``, ``_SDATE``,
  ``_SCHMA``, and ``_PHRASE`` / ``_TIME`` where 7.0 allows a ``PHRASE`` / ``TIME``).
- other extension structures keep their content: only the line-level changes above (text
  escapes, ids, ``DATE``/``AGE``/``LANG`` values, ``NOTE`` pointers) reach inside them.

Two things need the whole file, and HEAD comes first: declaring in ``HEAD.SCHMA`` the known
extension tags the file uses, and pointing dangling pointers at ``@VOID@``. Both are done
when the caller read the file once before and passes ``survey(records)`` (its ids and
extension tags; the ids of a million-person file are a set of some 1.5 million strings).
Without a survey, dangling pointers keep their (converted) ids and no ``SCHMA`` is added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import quote

from dzinza.gedcom.legacy_dates import to_seven_age, to_seven_date
from dzinza.gedcom.legacy_values import (
    ENUMS,
    new_xref,
    seven_xref,
    to_seven_file,
    to_seven_lang,
    to_seven_media_type,
    to_seven_resn,
    transliteration_lang,
    unescape_text,
)
from dzinza.gedcom.nodes import VOID, Node, Problems

SEVEN: Final = "7.0"

EXID_AFN: Final = "https://gedcom.io/terms/v7/AFN"
EXID_RFN: Final = "https://gedcom.io/terms/v7/RFN"
EXID_RIN: Final = "https://gedcom.io/terms/v7/RIN"
EXID_FAMILYSEARCH: Final = "https://gedcom.io/exid-type/FamilySearch-PersonId"

ORDINANCES: Final = frozenset({"BAPL", "CONL", "ENDL", "INIL", "SLGC", "SLGS"})
# fmt: off
PHRASE_PARENTS: Final = frozenset({
    "DATE", "SDATE", "AGE", "ASSO", "ALIA", "HUSB", "WIFE", "CHIL", "ROLE", "PEDI", "STAT",
    "ADOP", "MEDI", "TYPE", "EVEN",
})
# fmt: on
"""Structures under which 7.0 allows a ``PHRASE`` (where an ``_PHRASE`` becomes one)."""

# Extension tags that name a 7.0 structure, and the 7.0 tag (see the module docstring).
RENAMES: Final[dict[str, str]] = {
    "_UID": "UID",
    "_EMAIL": "EMAIL",
    "_ASSO": "ASSO",
    "_CREA": "CREA",
    "_EXID": "EXID",
    "_MIME": "MIME",
    "_TRAN": "TRAN",
    "_CROP": "CROP",
    "_NO": "NO",
    "_INIL": "INIL",
    "_SDATE": "SDATE",
}
# Extension tags with a published definition, declared in HEAD.SCHMA when a survey finds them.
KNOWN_EXTENSIONS: Final[dict[str, str]] = {
    "_LOC": "http://genealogy.net/GEDCOM#_LOC",  # GEDCOM-L's place records
}
PHRASE_URI: Final = "https://gedcom.io/terms/v7/PHRASE"
"""What ``_PHRASE`` means where ``upgrade`` writes it (under ``LANG``, which has no PHRASE)."""
_FAMILYSEARCH_IDS: Final = frozenset({"_FSFTID", "_FID"})
_RAW: Final = frozenset({"DATE", "SDATE"})
"""Values whose escapes the date reader handles itself (``@#DJULIAN@`` is a calendar there)."""


@dataclass(frozen=True)
class Survey:
    """What a first reading of a 5.x file tells the conversion (see the module docstring)."""

    defined: frozenset[str] = frozenset()
    """The record ids, as written (with ``@``s)."""
    schema: dict[str, str] = field(default_factory=dict)
    """Extension tag to URI, for ``HEAD.SCHMA``."""


def survey(records: Iterable[Node]) -> Survey:
    """Read 5.x records (as the reader gives them) for their ids and known extension tags."""
    defined: set[str] = set()
    schema: dict[str, str] = {}
    for record in records:
        if record.xref:
            defined.add(record.xref)
        for node in record.walk():
            tag = node.tag
            if tag[0] == "_":
                uri = KNOWN_EXTENSIONS.get(tag)
                if uri is not None:
                    schema[tag] = uri
            elif tag == "LANG" and node.payload and to_seven_lang(node.payload)[1] is not None:
                schema["_PHRASE"] = PHRASE_URI
    return Survey(frozenset(defined), schema)


def upgrade(
    records: Iterable[Node],
    *,
    version: str,
    problems: Problems,
    survey: Survey | None = None,
) -> Iterator[Node]:
    """5.5 / 5.5.1 / 5.5.5 records (HEAD first) as GEDCOM 7.0 records; 7.0 and 7.1 pass
    through. The records are changed in place. ``survey`` (optional): see the module
    docstring."""
    if version.startswith("7"):
        yield from records
        return
    converter = _Upgrade(problems, survey)
    for record in records:
        yield from converter.record(record)


class _Upgrade:
    """The state of one file's conversion: the count of new records and HEAD.SOUR."""

    def __init__(self, problems: Problems, survey: Survey | None) -> None:
        self.problems = problems
        self.defined = survey.defined if survey is not None else None
        self.schema = survey.schema if survey is not None else {}
        self.made = 0
        self.new: list[Node] = []
        self.source: str | None = None

    def record(self, record: Node) -> list[Node]:
        self.new = []
        tag = record.tag
        if record.xref:
            record.xref = seven_xref(record.xref)
        if record.payload and "@" in record.payload:
            record.payload = unescape_text(record.payload)
        if tag == "HEAD":
            self._head(record)
        elif tag == "SUBN":
            self.problems.add(record.line, "obsolete", "the SUBN record is not part of GEDCOM 7.0")
            return []
        elif tag == "TRLR":
            return [record]
        elif tag[0] == "_":
            self._children(record, extension=True)
        else:
            if tag == "NOTE":
                record.tag = "SNOTE"
            elif tag == "OBJE":
                self._media_record(record)
            self._children(record)
        return [record, *self.new] if self.new else [record]

    # --- the walk ----------------------------------------------------------------------

    def _children(self, node: Node, *, extension: bool = False) -> None:
        """Convert the substructures of ``node`` and all below them (one loop per level, as
        this runs for every line of the file)."""
        kids = node.children
        kept: list[Node] | None = None
        for i, child in enumerate(kids):
            tag = child.tag
            inside = extension
            if tag[0] == "_" and not inside:
                tag = self._rename(child, node)
                inside = tag[0] == "_"
            payload = child.payload
            if payload is not None:
                if child.pointer:
                    self._point(child)
                elif "@" in payload and tag not in _RAW:
                    child.payload = unescape_text(payload)
            handler = (_LINE_LEVEL if inside else _HANDLERS).get(tag)
            if handler is not None and handler(self, child, node) is False:
                if kept is None:
                    kept = kids[:i]
                continue
            if child.children:
                self._children(child, extension=inside)
            if kept is not None:
                kept.append(child)
        if kept is not None:
            node.children = kept

    def _point(self, node: Node) -> None:
        target = node.payload or ""
        defined = self.defined
        if defined is None and target[1:2] != "X" and _plain_id(target):
            return  # the common case: a valid id, kept as it is
        if defined is not None and target not in defined:
            if target != VOID:
                self.problems.add(
                    node.line, "dangling-pointer", f"{target} is not a record in this file"
                )
            node.payload = VOID
        elif target != VOID or defined is not None:
            node.payload = seven_xref(target)

    def _rename(self, node: Node, parent: Node) -> str:
        tag = node.tag
        seven = RENAMES.get(tag)
        if seven is None:
            if tag == "_PHRASE" and parent.tag in PHRASE_PARENTS:
                seven = "PHRASE"
            elif tag == "_TIME" and parent.tag in ("DATE", "SDATE"):
                seven = "TIME"
            elif tag == "_SCHMA" and parent.tag == "HEAD":
                seven = "SCHMA"
            elif tag in _FAMILYSEARCH_IDS:
                self._exid(node, EXID_FAMILYSEARCH)
                return "EXID"
            else:
                return tag
        node.tag = seven
        return seven

    def _new_record(self, tag: str, line: int) -> Node:
        self.made += 1
        record = Node(tag, xref=new_xref(self.made), line=line)
        self.new.append(record)
        return record

    # --- records ---------------------------------------------------------------------------

    def _head(self, head: Node) -> None:
        kids: list[Node] = []
        gedc = None
        for child in head.children:
            tag = child.tag
            if tag in ("CHAR", "FILE", "SUBN"):
                continue
            if tag == "GEDC":
                gedc = child
                child.children = [Node("VERS", SEVEN, line=child.line)] + [
                    c for c in child.children if c.tag not in ("VERS", "FORM")
                ]
            elif tag == "SOUR" and child.payload:
                self.source = unescape_text(child.payload)  # names the RIN ids' system
            kids.append(child)
        if gedc is None:
            kids.insert(0, Node("GEDC", children=[Node("VERS", SEVEN)], line=head.line))
        if self.schema:
            schma = next((c for c in kids if c.tag in ("SCHMA", "_SCHMA")), None)
            if schma is None:
                schma = Node("SCHMA", line=head.line)
                kids.append(schma)
            declared = {(t.payload or "").split(" ", 1)[0] for t in schma.children}
            for tag in sorted(self.schema.keys() - declared):
                schma.children.append(Node("TAG", f"{tag} {self.schema[tag]}", line=head.line))
        head.children = kids
        self._children(head)

    def _media_record(self, record: Node) -> None:
        """5.5 wrote a media record's format and title beside its files, not inside them."""
        kids = record.children
        if not any(c.tag in ("FORM", "TITL", "BLOB") for c in kids):
            return
        files = [c for c in kids if c.tag == "FILE"]
        form = next((c for c in kids if c.tag == "FORM"), None)
        title = next((c for c in kids if c.tag == "TITL"), None)
        if any(c.tag == "BLOB" for c in kids):
            self.problems.add(
                record.line, "obsolete", "embedded media (BLOB) is not part of GEDCOM 7.0"
            )
        if not files:
            record.children = [c for c in kids if c.tag != "BLOB"]
            return
        for file in files:
            if form is not None and file.first("FORM") is None:
                file.children.append(form.copy())
        moved = {"FORM", "BLOB"}
        if title is not None and files[0].first("TITL") is None:
            files[0].children.append(title)
            moved.add("TITL")
        record.children = [c for c in kids if c.tag not in moved]

    # --- structures --------------------------------------------------------------------------

    def _inline_source(self, node: Node, parent: Node) -> None:
        if node.pointer or parent.tag == "HEAD":
            return
        record = self._new_record("SOUR", node.line)
        if node.payload:
            record.children.append(Node("NOTE", node.payload, line=node.line))
        kids: list[Node] = []
        data: Node | None = None
        for child in node.children:
            if child.tag == "TEXT":
                if data is None:
                    data = next((c for c in node.children if c.tag == "DATA"), None)
                    if data is None:
                        data = Node("DATA", line=child.line)
                        kids.append(data)
                data.children.append(child)
            else:
                kids.append(child)
        node.children = kids
        node.payload = record.xref
        node.pointer = True

    def _inline_media(self, node: Node, parent: Node) -> None:
        if node.pointer:
            return
        record = self._new_record("OBJE", node.line)
        link: list[Node] = []
        for child in node.children:
            # TITL and CROP describe the link in 7.0; the rest describes the media.
            (link if child.tag in ("TITL", "CROP") else record.children).append(child)
        self._media_record(record)
        self._children(record)
        node.children = link
        node.payload = record.xref
        node.pointer = True

    def _exid(self, node: Node, kind: str) -> None:
        value = node.payload or ""
        if kind == EXID_RFN and ":" in value:
            prefix, value = value.split(":", 1)
            kind = f"{kind}#{quote(prefix, safe='')}"
        elif kind == EXID_RIN and self.source:
            kind = f"{kind}#{quote(self.source, safe='')}"
        node.tag = "EXID"
        node.payload = value
        node.children.append(Node("TYPE", kind, line=node.line))

    def _enum(self, node: Node, kind: str) -> None:
        if node.payload is None:
            return
        value, phrase = ENUMS[kind].to_seven(node.payload)
        node.payload = value or None
        if phrase is not None:
            node.children.append(Node("PHRASE", phrase, line=node.line))


def _plain_id(xref: str) -> bool:
    """A cheap test for ids like ``@I123@`` that 7.0 keeps as they are."""
    body = xref[1:-1]
    return (
        body.isascii() and body.isalnum() and (body.isupper() or body.isdigit()) and body != "VOID"
    )


def _phrase_under(node: Node, phrase: str | None, tag: str = "PHRASE") -> None:
    if phrase is not None:
        node.children.append(Node(tag, phrase, line=node.line))


def _date(up: _Upgrade, node: Node, parent: Node) -> None:
    if node.payload is not None:
        value, phrase = to_seven_date(node.payload)
        node.payload = value or None  # "2 DATE" with only a PHRASE below it
        _phrase_under(node, phrase)


def _age(up: _Upgrade, node: Node, parent: Node) -> None:
    if node.payload is not None:
        value, phrase = to_seven_age(node.payload)
        node.payload = value or None
        _phrase_under(node, phrase)


def _lang(up: _Upgrade, node: Node, parent: Node) -> None:
    if node.payload is not None:
        # LANG has no PHRASE in 7.0: the words go in an extension structure of that name.
        node.payload, phrase = to_seven_lang(node.payload)
        _phrase_under(node, phrase, "_PHRASE")


def _note(up: _Upgrade, node: Node, parent: Node) -> None:
    if node.pointer:
        node.tag = "SNOTE"


def _sour(up: _Upgrade, node: Node, parent: Node) -> None:
    up._inline_source(node, parent)


def _obje(up: _Upgrade, node: Node, parent: Node) -> None:
    up._inline_media(node, parent)


def _file(up: _Upgrade, node: Node, parent: Node) -> bool:
    if parent.tag == "OBJE" and node.payload:
        node.payload = to_seven_file(node.payload)
    return parent.tag != "HEAD"


def _form(up: _Upgrade, node: Node, parent: Node) -> None:
    if parent.tag != "FILE":
        return
    if node.payload:
        node.payload = to_seven_media_type(node.payload)
    for child in node.children:
        if child.tag == "TYPE":  # 5.5.1 records wrote FORM.TYPE for what links called MEDI
            child.tag = "MEDI"


def _medi(up: _Upgrade, node: Node, parent: Node) -> None:
    if parent.tag in ("FORM", "CALN"):
        up._enum(node, "MEDI")


def _name(up: _Upgrade, node: Node, parent: Node) -> None:
    if parent.tag == "INDI":
        for child in node.children:
            if child.tag == "TYPE":
                up._enum(child, "NAME-TYPE")


def _transliteration(up: _Upgrade, node: Node, parent: Node) -> None:
    if parent.tag not in ("NAME", "PLAC"):
        return
    kind = next((c.payload for c in node.children if c.tag == "TYPE"), None)
    lang = transliteration_lang(node.tag, kind)
    node.tag = "TRAN"
    node.children = [c for c in node.children if c.tag != "TYPE"]
    node.children.append(Node("LANG", lang, line=node.line))


def _asso(up: _Upgrade, node: Node, parent: Node) -> None:
    kids = [c for c in node.children if c.tag != "TYPE"]  # 5.5's record type: implied now
    if not any(c.tag in ("RELA", "ROLE") for c in kids):
        kids.append(Node("ROLE", "OTHER", line=node.line))
    node.children = kids


def _rela(up: _Upgrade, node: Node, parent: Node) -> None:
    if parent.tag == "ASSO":
        node.tag = "ROLE"
        up._enum(node, "RELA")


def _role(up: _Upgrade, node: Node, parent: Node) -> None:
    up._enum(node, "ROLE")


def _stat(up: _Upgrade, node: Node, parent: Node) -> None:
    if parent.tag == "FAMC":
        up._enum(node, "FAMC-STAT")
    elif parent.tag in ORDINANCES:
        up._enum(node, "ord-STAT")


def _adop(up: _Upgrade, node: Node, parent: Node) -> None:
    if parent.tag == "FAMC":
        up._enum(node, "ADOP")


def _sex(up: _Upgrade, node: Node, parent: Node) -> None:
    if not node.payload:
        return
    said = node.payload.split("\n", 1)[0]
    if said != node.payload:
        up.problems.add(node.line, "enumeration", f"SEX is one word: only {said!r} was kept")
    value, _ = ENUMS["SEX"].to_seven(said)
    if value not in ENUMS["SEX"].values:
        up.problems.add(node.line, "enumeration", f"SEX {said!r} is read as U (unknown)")
        value = "U"
    node.payload = value


def _resn(up: _Upgrade, node: Node, parent: Node) -> None:
    if node.payload:
        node.payload = to_seven_resn(node.payload)


def _alia(up: _Upgrade, node: Node, parent: Node) -> None:
    if parent.tag == "INDI" and not node.pointer and node.payload:
        node.tag = "NAME"
        node.children.append(Node("TYPE", "AKA", line=node.line))


def _repo(up: _Upgrade, node: Node, parent: Node) -> None:
    if not node.pointer and not node.payload:
        node.payload = VOID
        node.pointer = True


def _emai(up: _Upgrade, node: Node, parent: Node) -> None:
    node.tag = "EMAIL"  # 5.5's spelling


def _enum_of(kind: str) -> Callable[[_Upgrade, Node, Node], None]:
    def convert(up: _Upgrade, node: Node, parent: Node) -> None:
        up._enum(node, kind)

    return convert


def _exid_of(kind: str) -> Callable[[_Upgrade, Node, Node], None]:
    def convert(up: _Upgrade, node: Node, parent: Node) -> None:
        up._exid(node, kind)

    return convert


_Handler = Callable[[_Upgrade, Node, Node], bool | None]

# Conversions that depend on the tag alone, so they reach inside extension structures too.
_LINE_LEVEL: Final[dict[str, _Handler]] = {
    "DATE": _date,
    "SDATE": _date,
    "AGE": _age,
    "LANG": _lang,
    "NOTE": _note,
}
_HANDLERS: Final[dict[str, _Handler]] = {
    **_LINE_LEVEL,
    "SOUR": _sour,
    "OBJE": _obje,
    "FILE": _file,
    "FORM": _form,
    "MEDI": _medi,
    "NAME": _name,
    "FONE": _transliteration,
    "ROMN": _transliteration,
    "ASSO": _asso,
    "RELA": _rela,
    "ROLE": _role,
    "PEDI": _enum_of("PEDI"),
    "QUAY": _enum_of("QUAY"),
    "STAT": _stat,
    "ADOP": _adop,
    "SEX": _sex,
    "RESN": _resn,
    "ALIA": _alia,
    "REPO": _repo,
    "AFN": _exid_of(EXID_AFN),
    "RFN": _exid_of(EXID_RFN),
    "RIN": _exid_of(EXID_RIN),
    "FSID": _exid_of(EXID_FAMILYSEARCH),
    "FSFTID": _exid_of(EXID_FAMILYSEARCH),
    "EMAI": _emai,
}
