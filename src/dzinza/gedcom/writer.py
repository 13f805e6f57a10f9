"""Writing GEDCOM: records (``Node`` trees) to text, in 7.0 or 5.5.1 form.

The two versions differ in their escapes and line rules:

- 7.0: a payload line that starts with ``@`` gets one more (``@@``); any length is allowed;
  newlines become CONT.
- 5.5.1: every ``@`` in text is doubled; lines are at most 255 characters, longer text is cut
  into CONC lines (never just before or after a space, which some readers drop); newlines
  become CONT.

The writer adds ``0 TRLR``; the caller gives HEAD as the first record. A 7.0 file is written
valid: each record goes through ``conform`` first, which repairs (and reports to ``problems``)
what 7.0 does not allow, such as a 5.5 file's ``SOUR`` under ``SEX``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TextIO

from dzinza.gedcom.conform import conform
from dzinza.gedcom.nodes import Node, Problems

LINE_LIMIT_551 = 255
"""GEDCOM 5.5.1's longest line, in characters, level and tag included."""


def write_records(
    records: Iterable[Node],
    out: TextIO,
    *,
    version: str = "7.0",
    problems: Problems | None = None,
) -> int:
    """Write every record and the trailer to ``out``; returns the number of records written.
    7.0 records are made valid 7.0 on the way (``conform``), in place."""
    five = not version.startswith("7")
    count = 0
    for record in records:
        if not five:
            conform(record, problems)
        lines: list[str] = []
        _emit(record, 0, lines, five)
        out.write("".join(lines))
        count += 1
    out.write("0 TRLR\n")
    return count


def write_text(
    records: Iterable[Node], *, version: str = "7.0", problems: Problems | None = None
) -> str:
    buffer = io.StringIO()
    write_records(records, buffer, version=version, problems=problems)
    return buffer.getvalue()


def _emit(node: Node, level: int, lines: list[str], five: bool) -> None:
    head = f"{level} {node.xref} {node.tag}" if node.xref else f"{level} {node.tag}"
    payload = node.payload
    if payload is None:
        lines.append(head + "\n")
    elif node.pointer:
        lines.append(f"{head} {payload}\n")
    elif five:
        _text_551(head, level, payload, lines)
    elif "\n" not in payload:
        lines.append(f"{head} @{payload}\n" if payload[:1] == "@" else f"{head} {payload}\n")
    else:
        first, *more = payload.split("\n")
        lines.append(_line7(head, first))
        cont = f"{level + 1} CONT"
        lines.extend(_line7(cont, text) for text in more)
    for child in node.children:
        _emit(child, level + 1, lines, five)


def _line7(head: str, text: str) -> str:
    if not text:
        return head + "\n"
    if text[0] == "@":
        return f"{head} @{text}\n"
    return f"{head} {text}\n"


def _text_551(head: str, level: int, payload: str, lines: list[str]) -> None:
    cont = f"{level + 1} CONT"
    conc = f"{level + 1} CONC"
    # ``downgrade`` hands over 5.5.1 text already escaped (``@@``, ``@#DJULIAN@``).
    for index, text in enumerate(payload.split("\n")):
        tag = head if index == 0 else cont
        room = LINE_LIMIT_551 - len(tag) - 1
        while len(text) > room > 0:
            cut = _cut(text, room)
            lines.append(f"{tag} {text[:cut]}\n")
            text = text[cut:]
            tag = conc
            room = LINE_LIMIT_551 - len(tag) - 1
        lines.append(f"{tag} {text}\n" if text else f"{tag}\n")


def _cut(text: str, room: int) -> int:
    """Where to cut ``text`` to fit ``room``: not at a space, and not inside an ``@@`` pair."""
    cut = room
    while cut > room // 2 and (text[cut - 1] == " " or text[cut] == " "):
        cut -= 1
    if cut <= room // 2:
        cut = room
    # An escaped "@@" must stay on one line.
    at_run = 0
    while cut - at_run > 0 and text[cut - at_run - 1] == "@":
        at_run += 1
    if at_run % 2 == 1:
        cut -= 1
    return cut
