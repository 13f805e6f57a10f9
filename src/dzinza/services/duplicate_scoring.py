"""How alike two people are, and which pairs are worth comparing at all (blocking).

People are compared through their search documents (``ports.SearchDoc``): the same name tokens
search matches on (exact, variant, phonetic, fuzzy, per given name and surname), birth and death
years, sex and places. Blocking keys pair a surname's Daitch-Mokotoff code with a given name's
first letter, so that only people who could be the same are ever compared, never all pairs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dzinza.ports import MATCH_KINDS, SearchDoc

NAME_SIMILARITY = {"exact": 1.0, "variant": 0.9, "phonetic": 0.75, "fuzzy": 0.65}
WEIGHTS = {"given": 0.3, "surname": 0.3, "birth": 0.25, "death": 0.1, "place": 0.05}
THRESHOLD = 0.7
"""Pairs scoring at least this go to the review queue."""
FULL_BLOCK = 200
"""A block up to this size is compared pair by pair; a larger one (a common surname) only
between neighbours in birth order, ``WINDOW`` either side."""
WINDOW = 40
MAX_BIRTH_GAP = 10
"""Years between births beyond which a pair cannot reach the queue (see ``date_similarity``):
such pairs are not even compared."""
SIBLING_FACTOR = 0.6
NAMES_ONLY_FACTOR = 0.8
"""Two children of one family may share a name (a child named after one who died young)."""


@dataclass
class Profile:
    """What the finder compares of one person."""

    person_id: uuid.UUID
    display_name: str
    sex: str
    given: dict[str, set[str]]
    surname: dict[str, set[str]]
    birth: tuple[int, int] | None
    death: tuple[int, int] | None
    places: set[str]
    blocks: set[str] = field(default_factory=set)
    key: int = field(init=False)
    """``person_id`` as a number: pairs are sets of these (a UUID hashes and compares in
    Python code, an int in C: a scan makes millions of such lookups)."""

    def __post_init__(self) -> None:
        self.key = self.person_id.int


def profile(doc: SearchDoc) -> Profile:
    given: dict[str, set[str]] = {k: set() for k in MATCH_KINDS}
    surname: dict[str, set[str]] = {k: set() for k in MATCH_KINDS}
    for kind in MATCH_KINDS:
        for token in getattr(doc, kind).split():
            role = token[1:2]
            (given if role == "g" else surname)[kind].add(token[2:])
    p = Profile(
        person_id=doc.person_id,
        display_name=doc.display_name,
        sex=doc.sex,
        given=given,
        surname=surname,
        birth=_span(doc.birth_from, doc.birth_to),
        death=_span(doc.death_from, doc.death_to),
        places={t for t in doc.filters.split() if t.startswith("pl")},
    )
    p.blocks = block_keys(p)
    return p


def _span(lo: int | None, hi: int | None) -> tuple[int, int] | None:
    return None if lo is None else (lo, hi if hi is not None else lo)


def block_keys(p: Profile) -> set[str]:
    """Surname sound (Daitch-Mokotoff) or Bantu stem with the given name's initial; without a
    surname, the given name's sound with the birth decade."""
    initials = {w[0] for w in p.given["exact"] if w} or {"?"}
    # Sound, and the variant keys that sound misses (Chinyoka and Nyoka share a stem).
    surname_codes = {t for t in p.surname["phonetic"] if t.startswith("d")}
    surname_codes |= {t for t in p.surname["variant"] if t.startswith("s")}
    if surname_codes:
        return {f"{code}/{i}" for code in surname_codes for i in initials}
    given_codes = {t for t in p.given["phonetic"] if t.startswith("d")}
    decade = "?" if p.birth is None else str(p.birth[0] // 10)
    return {f"g{code}/{decade}" for code in given_codes}


def name_similarity(a: dict[str, set[str]], b: dict[str, set[str]]) -> tuple[float, str] | None:
    """The strongest way two people's given names (or surnames) meet; None if one has none."""
    if not a["exact"] or not b["exact"]:
        return None
    for kind in MATCH_KINDS:
        if a[kind] & b[kind]:
            return NAME_SIMILARITY[kind], kind
    return 0.0, "different"


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Years between two year ranges (0 when they overlap)."""
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def date_similarity(a: tuple[int, int] | None, b: tuple[int, int] | None) -> float | None:
    if a is None or b is None:
        return None
    gap = _gap(a, b)
    if gap == 0:
        return 1.0
    if gap <= 2:
        return 0.8
    if gap <= 5:
        return 0.4
    if gap <= 10:
        return 0.0
    return -1.0  # too far apart to be one person


def score(a: Profile, b: Profile, siblings: bool = False) -> tuple[float, dict[str, Any]]:
    """A score in [0, 1] and the reasons, field by field."""
    reasons: dict[str, Any] = {}
    if a.sex != b.sex and "unknown" not in (a.sex, b.sex):
        return 0.0, {"sex": "different"}
    parts: dict[str, float] = {}
    for role in ("given", "surname"):
        found = name_similarity(getattr(a, role), getattr(b, role))
        if found is not None:
            parts[role], reasons[role] = found
    for event in ("birth", "death"):
        sim = date_similarity(getattr(a, event), getattr(b, event))
        if sim is not None:
            parts[event] = sim
            reasons[event] = "same" if sim == 1.0 else "conflict" if sim < 0 else "near"
    if a.places & b.places:
        parts["place"] = 1.0
        reasons["place"] = "shared"
    if "given" not in parts and "surname" not in parts:
        return 0.0, reasons
    known = sum(WEIGHTS[k] for k in parts)
    mean = sum(WEIGHTS[k] * max(v, 0.0) for k, v in parts.items()) / known
    # Little known (names only) is weaker evidence than names, dates and places that agree.
    value = mean * (0.6 + 0.4 * known / sum(WEIGHTS.values()))
    if any(v < 0 for v in parts.values()):
        value *= 0.2
    if not parts.keys() & {"birth", "death", "place"}:
        # Two people with one name and nothing else known: common, and weak evidence.
        value *= NAMES_ONLY_FACTOR
    if siblings:
        value *= SIBLING_FACTOR
        reasons["siblings"] = True
    return round(value, 4), reasons


TOTAL_WEIGHT = sum(WEIGHTS.values())
_W_GIVEN, _W_SURNAME = WEIGHTS["given"], WEIGHTS["surname"]
_W_BIRTH, _W_DEATH, _W_PLACE = WEIGHTS["birth"], WEIGHTS["death"], WEIGHTS["place"]


def score_value(a: Profile, b: Profile, siblings: bool = False) -> float:
    """``score(a, b)[0]``, without the reasons: a scan scores millions of pairs and keeps a few,
    so it asks for the reasons of those only. Same sums in the same order as ``score``: the
    same value to the last bit (tests check it)."""
    if a.sex != b.sex and a.sex != "unknown" and b.sex != "unknown":
        return 0.0
    given = name_similarity(a.given, b.given)
    surname = name_similarity(a.surname, b.surname)
    if given is None and surname is None:
        return 0.0
    known = 0.0
    total = 0.0
    conflict = False
    evidence = False
    if given is not None:
        known += _W_GIVEN
        total += _W_GIVEN * given[0]
    if surname is not None:
        known += _W_SURNAME
        total += _W_SURNAME * surname[0]
    for weight, sim in (
        (_W_BIRTH, date_similarity(a.birth, b.birth)),
        (_W_DEATH, date_similarity(a.death, b.death)),
    ):
        if sim is not None:
            known += weight
            total += weight * max(sim, 0.0)
            conflict = conflict or sim < 0
            evidence = True
    if a.places & b.places:
        known += _W_PLACE
        total += _W_PLACE
        evidence = True
    value = total / known * (0.6 + 0.4 * known / TOTAL_WEIGHT)
    if conflict:
        value *= 0.2
    if not evidence:
        value *= NAMES_ONLY_FACTOR
    if siblings:
        value *= SIBLING_FACTOR
    return round(value, 4)


def candidate_pairs(profiles: Iterable[Profile]) -> Iterator[tuple[Profile, Profile]]:
    """Each pair that shares a block, once: every pair in a small block, neighbours in birth
    order in a large one."""
    blocks: dict[str, list[Profile]] = {}
    for p in profiles:
        for key in p.blocks:
            blocks.setdefault(key, []).append(p)
    seen: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        # People without a birth first (each compared with those after it), then by birth, so
        # that a born person's later neighbours are all born later still.
        members.sort(key=lambda p: (p.birth is not None, p.birth or (0, 0), p.key))
        reach = len(members) if len(members) <= FULL_BLOCK else WINDOW
        for i, first in enumerate(members):
            for second in members[i + 1 : i + 1 + reach]:
                if (
                    first.birth is not None
                    and second.birth is not None
                    and second.birth[0] - first.birth[1] > MAX_BIRTH_GAP
                ):
                    break  # sorted by birth: everyone further on was born later still
                a, b = (first, second) if first.key < second.key else (second, first)
                pair = (a.key, b.key)
                if pair in seen:
                    continue
                seen.add(pair)
                yield a, b
