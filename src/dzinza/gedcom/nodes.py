"""The shape a GEDCOM file is read into: one ``Node`` per structure, and the warnings found.

A ``Node`` is one line and its substructures. ``payload`` is the line value with CONC/CONT
joined (newlines for CONT) and ``@@`` escapes undone; a pointer such as ``@I1@`` is kept as
written, with ``pointer`` set, so it can never be mistaken for text that starts with ``@``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

VOID = "@VOID@"
"""GEDCOM 7.0's null pointer."""


class Node:
    """One GEDCOM structure: ``level`` is implied by nesting; ``line`` is where it started."""

    __slots__ = ("children", "line", "payload", "pointer", "tag", "xref")

    def __init__(
        self,
        tag: str,
        payload: str | None = None,
        xref: str | None = None,
        pointer: bool = False,
        children: list[Node] | None = None,
        line: int = 0,
    ) -> None:
        self.tag = tag
        self.payload = payload
        self.xref = xref
        self.pointer = pointer
        self.children: list[Node] = children if children is not None else []
        self.line = line

    def first(self, tag: str) -> Node | None:
        """The first substructure with this tag, if any."""
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def all(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    def text(self, tag: str) -> str:
        """The payload of the first substructure with this tag, or ''."""
        child = self.first(tag)
        return child.payload or "" if child is not None else ""

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, depth first."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def copy(self) -> Node:
        return Node(
            self.tag,
            self.payload,
            xref=self.xref,
            pointer=self.pointer,
            children=[c.copy() for c in self.children],
            line=self.line,
        )

    def to_list(self) -> list[object]:
        """A JSON-ready form (used to keep structures Dzinza's model does not hold)."""
        out: list[object] = [self.tag, self.payload, self.xref, self.pointer]
        if self.children:
            out.append([c.to_list() for c in self.children])
        return out

    @classmethod
    def from_list(cls, data: list[object]) -> Node:
        tag, payload, xref, pointer = data[0], data[1], data[2], data[3]
        kids = data[4] if len(data) > 4 else []
        return cls(
            str(tag),
            None if payload is None else str(payload),
            xref=None if xref is None else str(xref),
            pointer=bool(pointer),
            children=[cls.from_list(k) for k in kids],  # type: ignore[attr-defined]
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return (
            self.tag == other.tag
            and self.payload == other.payload
            and self.xref == other.xref
            and self.pointer == other.pointer
            and self.children == other.children
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        head = f"{self.xref} " if self.xref else ""
        val = f" {self.payload!r}" if self.payload is not None else ""
        kids = f" +{len(self.children)}" if self.children else ""
        return f"<Node {head}{self.tag}{val}{kids} line {self.line}>"


class Problem(NamedTuple):
    """Something wrong in a file that the reader worked around: a warning with its line."""

    line: int
    code: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "code": self.code, "message": self.message}


class Problems:
    """Warnings found while reading, capped so that a broken file cannot fill memory.

    (Plain classes rather than dataclasses in the reader's modules: ``dataclasses`` brings
    ``inspect`` and 2.7 MB with it into a process that may only want to check a file.)"""

    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit
        self.items: list[Problem] = []
        self.total = 0

    def add(self, line: int, code: str, message: str) -> None:
        self.total += 1
        if len(self.items) < self.limit:
            self.items.append(Problem(line, code, message))
