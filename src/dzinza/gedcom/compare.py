"""Comparing GEDCOM records by meaning rather than by spelling: ``semantic_form``.

Two record sets have equal semantic forms when they differ only in

- the order of the records;
- the order of substructures with different tags (the order of substructures with the same
  tag is kept: two ``NAME``s or two ``CONT`` lines in another order mean something else);
- the names of cross-reference ids, under a consistent renaming;
- the case of percent-escapes in ``FILE`` URIs (``%3a`` is ``%3A``, RFC 3986 6.2.2.1).

Everything else, payloads included, is compared exactly.

The form of a record is its text, GEDCOM-like: one line per structure, substructures grouped
by tag in tag order, no xref, and each pointer written as ``@<colour>@``, where the colour is a
digest of the record it points to. Colours come from colour refinement: in each of ``ROUNDS``
rounds a record's colour is the digest of its text with the previous round's colours in it,
so the final colour holds the shape of the records around it, up to ``ROUNDS`` pointers away,
and no id at all. ``@VOID@`` stays itself; a pointer to an id no record has is ``@?@``. The
blind spot is two pointer graphs that differ only further away than ``ROUNDS`` steps from
every record, which no converter bug is likely to produce.
"""

from __future__ import annotations

import difflib
import hashlib
from collections import Counter
from collections.abc import Iterable
from typing import Final

from dzinza.gedcom.legacy_values import normal_uri
from dzinza.gedcom.nodes import VOID, Node

ROUNDS: Final = 4

Form = str
"""One record's canonical text (see the module docstring)."""


def semantic_form(records: Iterable[Node]) -> tuple[Form, ...]:
    """A hashable, comparable form of the records, equal for records equal in meaning."""
    recs = list(records)
    index = {r.xref: i for i, r in enumerate(recs) if r.xref}
    skeletons = []
    for record in recs:
        parts: list[str] = []
        slots: list[tuple[int, int]] = []
        _lines(record, 0, index, parts, slots)
        skeletons.append((parts, slots))
    colours = ["*"] * len(recs)
    for _ in range(ROUNDS):
        colours = [_digest(_fill(parts, slots, colours)) for parts, slots in skeletons]
    return tuple(sorted(_fill(parts, slots, colours) for parts, slots in skeletons))


def _lines(
    node: Node, level: int, index: dict[str, int], parts: list[str], slots: list[tuple[int, int]]
) -> None:
    """Append the node's lines to ``parts``; a pointer's colour goes in a slot of its own."""
    payload = node.payload
    if payload is None:
        parts.append(f"{level} {node.tag}\n")
    elif node.pointer:
        parts.append(f"{level} {node.tag} @")
        at = index.get(payload) if payload != VOID else None
        if at is None:
            parts.append("VOID" if payload == VOID else "?")
        else:
            slots.append((len(parts), at))
            parts.append("")
        parts.append("@\n")
    else:
        if node.tag == "FILE":
            payload = normal_uri(payload)
        if "\\" in payload or "\n" in payload or "\r" in payload:
            payload = payload.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
        if payload[:1] == "@":
            payload = "@" + payload  # as GEDCOM 7 escapes it: never mistaken for a pointer
        parts.append(f"{level} {node.tag} {payload}\n")
    kids = node.children
    if len(kids) > 1:
        kids = sorted(kids, key=_tag)  # stable: each tag keeps its own order
    for child in kids:
        _lines(child, level + 1, index, parts, slots)


def _tag(node: Node) -> str:
    return node.tag


def _fill(parts: list[str], slots: list[tuple[int, int]], colours: list[str]) -> str:
    for position, target in slots:
        parts[position] = colours[target]
    return "".join(parts)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def render(form: Form) -> list[str]:
    """A form as lines, for messages."""
    return form.splitlines()


def difference(expected: Iterable[Form], actual: Iterable[Form]) -> str:
    """What one side has and the other lacks, as a unified diff of the rendered records
    that differ; '' when the two are equal."""
    want, got = Counter(expected), Counter(actual)
    missing = [line for f in sorted((want - got).elements()) for line in render(f)]
    unexpected = [line for f in sorted((got - want).elements()) for line in render(f)]
    if not missing and not unexpected:
        return ""
    diff = difflib.unified_diff(missing, unexpected, "expected", "actual", n=2, lineterm="")
    return "\n".join(diff)
