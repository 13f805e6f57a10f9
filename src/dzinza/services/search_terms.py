"""The tokens that search matches on, made the same way for a stored name and for a query word.

A name word becomes, per match kind (``ports.MATCH_KINDS``): its folded spelling (exact), the
keys of its name-variant groups (nicknames, particles, Shona and Ndebele spellings), its phonetic
keys (Soundex, Daitch-Mokotoff, Double Metaphone) and its one-letter deletions (typos: two words
within one edit of each other share a deletion, SymSpell's idea). Tokens carry a kind letter and
a role letter (``g`` given name, ``s`` surname) and are made of ASCII letters and digits only, so
every backend (FTS5, a PostgreSQL tsvector, OpenSearch keywords) stores them as they are and the
backends agree on what matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from anyascii import anyascii

from dzinza.domain import name_variants, phonetics
from dzinza.domain.names import fold
from dzinza.ports import QueryWord

GIVEN, SURNAME = "g", "s"
ROLES = (GIVEN, SURNAME)
FUZZY_MIN = 4
"""Shorter words get no deletions: one edit away from a three-letter name is too much else."""

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
PARTICLE_WORDS = name_variants.PARTICLES
"""Words a surname query can leave out (``van der Merwe`` is found as ``Merwe`` too)."""


_BEFORE_ASCII = {
    # Shona's 1931 letters, which letter-by-letter transliteration would make plain s and z.
    "ȿ": "sv",
    "ɀ": "zv",
    # Greek vowel and consonant pairs, as ISO 843 writes them (letter by letter, omicron-upsilon
    # would be "oy" and gamma-gamma "gg": Papadopoulou, Evangelos).
    "ου": "ou",  # noqa: RUF001 (Greek on purpose)
    "αυ": "av",  # noqa: RUF001 (Greek on purpose)
    "ευ": "ev",
    "γγ": "ng",  # noqa: RUF001 (Greek on purpose)
    "γκ": "gk",
    "γξ": "nx",
    "γχ": "nch",
}
_BEFORE_ASCII_PATTERN = re.compile("|".join(sorted(_BEFORE_ASCII, key=len, reverse=True)))
_NASAL_APOSTROPHE = re.compile(r"ng?'(?=[aeiou])")
"""Shona's n' (n'anga, ng'ombe): the velar nasal, written ng where the apostrophe is lost."""


@lru_cache(maxsize=65536)
def fold_ascii(text: str) -> str:
    """Folded (case, accents) and transliterated to ASCII letters, digits and single spaces:
    ``Zoë`` -> ``zoe``, ``Мария`` -> ``mariya``, ``O'Brien`` -> ``obrien``."""
    folded = fold(text)
    if not folded.isascii():
        folded = _BEFORE_ASCII_PATTERN.sub(lambda m: _BEFORE_ASCII[m.group(0)], folded)
        folded = anyascii(folded).lower()
    folded = _NASAL_APOSTROPHE.sub("ng", folded)
    # Apostrophes join (O'Brien); every other mark separates words.
    folded = folded.replace("'", "").replace("\u2019", "")
    return " ".join(_NOT_ALNUM.sub(" ", folded).split())


def words(text: str) -> list[str]:
    return fold_ascii(text).split()


def _clean(key: str) -> str:
    return _NOT_ALNUM.sub("", key.lower())


def deletions(word: str) -> set[str]:
    """The word and, when long enough, every spelling with one letter left out."""
    found = {word}
    if len(word) >= FUZZY_MIN:
        found.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    return found


def phonetic_keys(word: str) -> set[str]:
    keys = set()
    if code := phonetics.soundex(word):
        keys.add("s" + code.lower())
    keys.update("d" + code for code in phonetics.daitch_mokotoff(word))
    primary, alternate = phonetics.double_metaphone(word)
    keys.update("m" + k.lower() for k in (primary, alternate) if k)
    return keys


def variant_keys(word: str, role: str) -> set[str]:
    keys = name_variants.given_keys(word) if role == GIVEN else name_variants.surname_keys(word)
    return {_clean(k) for k in keys if _clean(k)}


@lru_cache(maxsize=65536)
def word_tokens(word: str, role: str) -> dict[str, frozenset[str]]:
    """The tokens of one folded name word in one role, per match kind. Cached: names repeat
    (a tree of a million people has a few thousand distinct surnames)."""
    return {
        "exact": frozenset({f"x{role}{word}"}),
        "variant": frozenset(f"v{role}{k}" for k in variant_keys(word, role)),
        "phonetic": frozenset(f"p{role}{k}" for k in phonetic_keys(word)),
        "fuzzy": frozenset(f"f{role}{d}" for d in deletions(word)),
    }


def surname_words(surname: str) -> list[str]:
    """The words a surname is found by: each word, the surname without its particles, and
    the whole written together (``van der Merwe``: van, der, merwe, vandermerwe)."""
    ws = words(surname)
    if not ws:
        return []
    found = list(ws)
    _, rest = name_variants.split_particles(" ".join(ws))
    if rest and rest not in found:
        found.append(rest.replace(" ", ""))
    if len(ws) > 1:
        found.append("".join(ws))
    return found


def name_tokens(given: Iterable[str], surnames: Iterable[str]) -> dict[str, set[str]]:
    """All tokens of a person's given-name words and surname words."""
    out: dict[str, set[str]] = {"exact": set(), "variant": set(), "phonetic": set(), "fuzzy": set()}
    for role, ws in ((GIVEN, given), (SURNAME, surnames)):
        for w in ws:
            for kind, tokens in word_tokens(w, role).items():
                out[kind] |= tokens
    # A surname's variant keys are of the whole surname (particles stripped) as well.
    return out


def query_word(word: str, roles: tuple[str, ...] = ROLES, *, prefix: bool = False) -> QueryWord:
    """The tokens a query word matches in the given roles (any role for a free-text query)."""
    merged: dict[str, set[str]] = {}
    for role in roles:
        for kind, tokens in word_tokens(word, role).items():
            merged.setdefault(kind, set()).update(tokens)
    return QueryWord(
        word=word,
        tokens={k: tuple(sorted(v)) for k, v in merged.items()},
        prefix=word if prefix else None,
    )
