"""GEDCOM 7.0 records to GEDCOM 5.5.1 (UTF-8) records ("downgrade"), streaming.

The mirror of ``upgrade``: ``upgrade(downgrade(records))`` gives the records back (up to the
semantic equality of ``compare``). Payloads come out in the raw 5.5.1 form the reader gives
for 5.x files: ``@`` doubled, calendar escapes (``@#DJULIAN@``) in dates. A writer must write
them as they are.

What 5.5.1 can say is said the 5.5.1 way:

- HEAD: ``GEDC.VERS 5.5.1``, ``GEDC.FORM LINEAGE-LINKED``, ``CHAR UTF-8``.
- ``SNOTE`` records and pointers become ``NOTE`` records and pointers.
- dates get calendar escapes and ``B.C.``; a date phrase becomes ``INT date (phrase)`` or
  ``(phrase)``; ages lose the space after ``<``/``>``; ``CHILD``, ``INFANT``, ``STILLBORN``
  come back from their phrases.
- enumerations take 5.5.1's spelling (``birth``, ``DNS/CAN``...); ``ASSO.ROLE`` becomes
  ``ASSO.RELA``, with the phrase as its words when reading them back gives the same role.
- media types become 5.5.1 formats (``jpg``) where one exists, ``FORM.MEDI`` becomes
  ``FORM.TYPE``, file URIs become file names; ``LANG`` tags become 5.5.1 language names.
- ``TRAN`` of a name or place becomes ``FONE``/``ROMN`` when its language is one of theirs;
  ``EXID`` becomes ``AFN``, ``RFN``, ``RIN`` or ``_FSFTID`` when its type says so.

What 5.5.1 cannot say is kept in an extension structure named after the 7.0 one, which
``upgrade`` turns back: ``_PHRASE``, ``_TIME`` (a time on a date other than a change or
header date), ``_SDATE``, ``_UID``, ``_EXID``, ``_CREA``, ``_MIME``, ``_TRAN``, ``_CROP``,
``_NO``, ``_INIL``, ``_SCHMA``, and ``_ASSO`` for an association outside an individual.
``@VOID@`` pointers stay as they are (a 5.5.1 reader sees a pointer to nothing). Extension
structures pass with only their dates, ages and languages converted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Final
from urllib.parse import quote, unquote

from dzinza.gedcom.legacy_dates import to_legacy_age, to_legacy_date
from dzinza.gedcom.legacy_values import (
    ENUMS,
    escape_text,
    legacy_transliteration,
    to_legacy_file,
    to_legacy_format,
    to_legacy_lang,
    to_legacy_resn,
)
from dzinza.gedcom.nodes import Node, Problems
from dzinza.gedcom.upgrade import EXID_AFN, EXID_FAMILYSEARCH, EXID_RFN, EXID_RIN, ORDINANCES

LEGACY: Final = "5.5.1"

# 7.0 structures with no 5.5.1 form, kept as extension structures of the same name.
_SEVEN_ONLY: Final = frozenset(
    {"UID", "EXID", "CREA", "MIME", "TRAN", "CROP", "NO", "INIL", "SDATE", "PHRASE", "SCHMA"}
)
_TIMED: Final = frozenset({"CHAN", "HEAD", "CREA", "_CREA"})
"""Where 5.5.1 allows ``DATE.TIME``."""
_RAW: Final = frozenset({"DATE", "SDATE", "_SDATE"})
"""Values that come out of the date conversion already in raw 5.5.1 form."""


def downgrade(records: Iterable[Node], *, problems: Problems) -> Iterator[Node]:
    """GEDCOM 7.0 records (HEAD first) as 5.5.1 records; the records are changed in place."""
    converter = _Downgrade(problems)
    for record in records:
        yield converter.record(record)


class _Downgrade:
    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.source: str | None = None

    def record(self, record: Node) -> Node:
        tag = record.tag
        if tag == "HEAD":
            self._head(record)
        elif tag == "TRLR":
            return record
        elif tag[0] == "_":
            self._children(record, extension=True)
        else:
            if tag == "SNOTE":
                record.tag = "NOTE"
            self._children(record)
        if record.payload and not record.pointer:
            record.payload = escape_text(record.payload)
        return record

    def _head(self, head: Node) -> None:
        kids: list[Node] = []
        for child in head.children:
            if child.tag == "GEDC":
                child.children = [
                    Node("VERS", LEGACY, line=child.line),
                    Node("FORM", "LINEAGE-LINKED", line=child.line),
                ] + [c for c in child.children if c.tag not in ("VERS", "FORM")]
                kids.append(child)
                kids.append(Node("CHAR", "UTF-8", line=child.line))
                continue
            if child.tag == "SOUR":
                self.source = child.payload
            kids.append(child)
        head.children = kids
        self._children(head)

    def _children(self, node: Node, *, extension: bool = False) -> None:
        for child in node.children:
            tag = child.tag
            if extension or tag[0] == "_":
                line_level = _LINE_LEVEL.get(tag)
                if line_level is not None:
                    line_level(self, child, node, True)
                if child.children:
                    self._children(child, extension=True)
            else:
                handler = _HANDLERS.get(tag)
                if handler is not None:
                    handler(self, child, node, False)
                if child.tag in _SEVEN_ONLY:
                    child.tag = "_" + child.tag
                if child.children:
                    self._children(child)
            payload = child.payload
            if payload and not child.pointer and "@" in payload and child.tag not in _RAW:
                child.payload = escape_text(payload)

    def _fold_phrase(
        self, node: Node, fold: Callable[[str, str | None], tuple[str, str | None]]
    ) -> None:
        """Convert the value with its PHRASE; a phrase 5.5.1 cannot hold stays, as _PHRASE."""
        phrase_node = next((c for c in node.children if c.tag == "PHRASE"), None)
        phrase = phrase_node.payload if phrase_node is not None else None
        value, left = fold(node.payload or "", phrase)
        node.payload = value or None
        if phrase_node is not None and left is None:
            node.children = [c for c in node.children if c is not phrase_node]

    def _enum(self, node: Node, kind: str) -> None:
        if node.payload:
            self._fold_phrase(node, ENUMS[kind].to_legacy)


_Handler = Callable[[_Downgrade, Node, Node, bool], None]


def _date(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    if extension:
        if node.payload:
            node.payload = to_legacy_date(node.payload, None)[0]
        return
    down._fold_phrase(node, to_legacy_date)
    if parent.tag not in _TIMED:
        for child in node.children:
            if child.tag == "TIME":
                child.tag = "_TIME"


def _age(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    if extension:
        if node.payload:
            node.payload = to_legacy_age(node.payload, None)[0]
    else:
        down._fold_phrase(node, to_legacy_age)


def _lang(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    if node.payload:
        node.payload = to_legacy_lang(node.payload)


def _snote(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    node.tag = "NOTE"


def _file(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    if parent.tag == "OBJE" and node.payload:
        node.payload = to_legacy_file(node.payload)


def _form(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    if parent.tag != "FILE":
        return
    if node.payload:
        node.payload = to_legacy_format(node.payload)
    for child in node.children:
        if child.tag == "MEDI":  # a 5.5.1 media record says FORM.TYPE
            down._enum(child, "MEDI")
            child.tag = "TYPE"


def _medi(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    if parent.tag == "CALN":
        down._enum(node, "MEDI")


def _name(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    if parent.tag == "INDI":
        for child in node.children:
            if child.tag == "TYPE":
                down._enum(child, "NAME-TYPE")


def _tran(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    if parent.tag not in ("NAME", "PLAC"):
        return
    langs = [c for c in node.children if c.tag == "LANG"]
    legacy = legacy_transliteration(langs[0].payload or "") if len(langs) == 1 else None
    if legacy is None:
        return
    node.tag, kind = legacy
    node.children = [c for c in node.children if c.tag != "LANG"]
    node.children.append(Node("TYPE", kind, line=node.line))


def _asso(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    for child in node.children:
        if child.tag == "ROLE":
            child.tag = "RELA"
            down._enum(child, "RELA")
    if parent.tag != "INDI":  # 5.5.1 has associations on individuals only
        node.tag = "_ASSO"


def _role(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    down._enum(node, "ROLE")


def _stat(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    if parent.tag == "FAMC":
        down._enum(node, "FAMC-STAT")
    elif parent.tag in ORDINANCES:
        down._enum(node, "ord-STAT")


def _adop(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    if parent.tag == "FAMC":
        down._enum(node, "ADOP")


def _resn(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    if node.payload:
        node.payload = to_legacy_resn(node.payload)


def _exid(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
    types = [c for c in node.children if c.tag == "TYPE"]
    if len(types) != 1 or len(node.children) != 1:
        return
    kind = types[0].payload or ""
    value = node.payload or ""
    base, _, fragment = kind.partition("#")
    source = quote(down.source, safe="") if down.source else ""
    if kind == EXID_AFN:
        node.tag = "AFN"
    elif kind == EXID_FAMILYSEARCH:
        node.tag = "_FSFTID"
    elif base == EXID_RFN and _rfn_prefix(fragment, value) is not None:
        node.tag = "RFN"
        node.payload = f"{_rfn_prefix(fragment, value)}{value}"
    elif base == EXID_RIN and fragment == source:
        node.tag = "RIN"
    else:
        return
    node.children = []


def _rfn_prefix(fragment: str, value: str) -> str | None:
    """What goes before an RFN's value ("prefix:"), or None if reading it back would differ."""
    if not fragment:
        return None if ":" in value else ""
    prefix = unquote(fragment)
    if ":" in prefix or quote(prefix, safe="") != fragment:
        return None
    return prefix + ":"


def _enum_of(kind: str) -> _Handler:
    def convert(down: _Downgrade, node: Node, parent: Node, extension: bool) -> None:
        down._enum(node, kind)

    return convert


_LINE_LEVEL: Final[dict[str, _Handler]] = {
    "DATE": _date,
    "SDATE": _date,
    "AGE": _age,
    "LANG": _lang,
    "SNOTE": _snote,
}
_HANDLERS: Final[dict[str, _Handler]] = {
    **_LINE_LEVEL,
    "FILE": _file,
    "FORM": _form,
    "MEDI": _medi,
    "NAME": _name,
    "TRAN": _tran,
    "ASSO": _asso,
    "ROLE": _role,
    "PEDI": _enum_of("PEDI"),
    "STAT": _stat,
    "ADOP": _adop,
    "RESN": _resn,
    "EXID": _exid,
}
