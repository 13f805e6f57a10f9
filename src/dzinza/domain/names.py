"""Personal names: their parts, how they are shown, and the keys they sort and match by."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from dzinza.domain.vocabulary import NameType


@dataclass(frozen=True)
class NameParts:
    given: str = ""
    surname: str = ""
    prefix: str = ""
    suffix: str = ""
    nickname: str = ""
    title: str = ""
    type: NameType = NameType.BIRTH

    def display(self) -> str:
        """The name as people read it: ``Dr Tendai "Tee" Moyo Jr``."""
        parts = [self.title, self.prefix, self.given]
        if self.nickname:
            parts.append(f'"{self.nickname}"')
        parts += [self.surname, self.suffix]
        shown = " ".join(p for p in parts if p)
        return shown or "(no name)"

    def is_empty(self) -> bool:
        return not any((self.given, self.surname, self.prefix, self.suffix, self.nickname))


def fold(text: str) -> str:
    """Lower-case, accents removed, spaces squeezed: what name matching and sorting compare.

    ``João`` and ``Joao`` fold to the same key, so a search for either finds both.
    """
    if text.isascii():  # nothing to decompose: the common case, and much the fastest
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


SORT_SEPARATOR = "\x1f"
"""Joins surname and given name in the sort key; sorts below every printable character."""


def sort_key(name: NameParts | None) -> str:
    """Surname first, then given name: the order of a genealogical index."""
    if name is None:
        return SORT_SEPARATOR
    return f"{fold(name.surname)}{SORT_SEPARATOR}{fold(name.given)}"
