"""What Dzinza's model does not hold of a GEDCOM structure, kept so that export loses nothing.

On import each structure is mapped into rows; the rows are then written back into a structure
(``generated``) exactly as export would write them, and ``diff(original, generated)`` is what
export must change to give the original again. It is stored with the row. On export,
``apply(generated, residual)`` rebuilds the original. Lossless by construction: whatever the
mapping forgets, the residual remembers.

A residual is a JSON-ready list of entries:

- ``["v", payload, pointer]``: the payload differs;
- ``["t", tag]``: the tag differs (a vendor tag mapped onto a standard one, like ``_MARNM``);
- ``["=", tag, i, entries]``: the i-th substructure with this tag differs, as ``entries`` say;
- ``["+", node]``: a substructure the model does not hold (``Node.to_list`` form);
- ``["-", tag, i]``: the i-th generated substructure with this tag was not in the original.

When the row has been edited since the import (its version moved on), the residual is
``stale``: only the additions (``+``) still apply, because a stored payload or deletion could
undo what the user changed.

Pointers inside the residual are stored through ``to_key`` (the record's id, not the file's
xref) and turned back through ``to_xref`` on export, so that they survive renamed xrefs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dzinza.gedcom.nodes import Node

Entry = list[Any]


def diff(original: Node, generated: Node, to_key: Callable[[str], str]) -> list[Entry]:
    """The entries that turn ``generated`` into ``original`` ([] when they are equal)."""
    entries: list[Entry] = []
    if original.tag != generated.tag:
        entries.append(["t", original.tag])
    if original.payload != generated.payload or original.pointer != generated.pointer:
        payload = original.payload
        if original.pointer and payload is not None:
            payload = to_key(payload)
        entries.append(["v", payload, original.pointer])
    if not original.children and not generated.children:
        return entries
    made: dict[str, list[Node]] = {}
    for child in generated.children:
        made.setdefault(child.tag, []).append(child)
    seen: dict[str, int] = {}
    for child in original.children:
        index = seen.get(child.tag, 0)
        seen[child.tag] = index + 1
        twins = made.get(child.tag)
        if twins is not None and index < len(twins):
            inner = diff(child, twins[index], to_key)
            if inner:
                entries.append(["=", child.tag, index, inner])
        else:
            entries.append(["+", _keyed(child, to_key)])
    for tag, twins in made.items():
        entries.extend(["-", tag, index] for index in range(seen.get(tag, 0), len(twins)))
    return entries


def _keyed(node: Node, to_key: Callable[[str], str]) -> list[object]:
    out = node.copy()
    for each in out.walk():
        if each.pointer and each.payload is not None:
            each.payload = to_key(each.payload)
    return out.to_list()


def apply(
    generated: Node, entries: list[Entry], to_xref: Callable[[str], str], *, stale: bool = False
) -> Node:
    """Rebuild the original from what the rows generate and the stored residual (in place)."""
    drop: list[tuple[str, int]] = []
    for entry in entries:
        kind = entry[0]
        if kind == "+":
            added = Node.from_list(entry[1])
            for each in added.walk():
                if each.pointer and each.payload is not None:
                    each.payload = to_xref(each.payload)
            generated.children.append(added)
        elif kind == "=":
            twin = _nth(generated, entry[1], entry[2])
            if twin is not None:
                apply(twin, entry[3], to_xref, stale=stale)
        elif stale:
            continue
        elif kind == "v":
            payload, pointer = entry[1], bool(entry[2])
            generated.payload = to_xref(payload) if pointer and payload is not None else payload
            generated.pointer = pointer
        elif kind == "t":
            generated.tag = entry[1]
        elif kind == "-":
            drop.append((entry[1], entry[2]))
    if drop:
        doomed = {id(n) for n in (_nth(generated, tag, i) for tag, i in drop) if n is not None}
        generated.children = [c for c in generated.children if id(c) not in doomed]
    return generated


def _nth(node: Node, tag: str, index: int) -> Node | None:
    count = 0
    for child in node.children:
        if child.tag == tag:
            if count == index:
                return child
            count += 1
    return None
