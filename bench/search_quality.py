"""The search quality benchmark: a labelled set of name queries, and recall@10 and precision@10
of each search backend on it, side by side in one run.

``python -m bench.search_quality --backends sqlite,postgresql,opensearch [--people N] [--seed S]``
(``scripts/bench_search_quality.sh`` starts the servers and runs all three).

1. **The tree.** A seeded synthetic family tree of about 3,000 people (``build_tree``): lineages
   founded between 1750 and 1930, children born up to 1990, spouses marrying in, some deaths;
   names from the pools of ``bench/search_names.py`` (English, Portuguese, Dutch/Afrikaans,
   German, French, Shona, Ndebele, Russian and Greek); Russian and Greek people mostly stored in
   Cyrillic or Greek script; some Portuguese, French and German people recorded without their
   accents; some Shona people of 1925-1955 in the Doke orthography; wives with a ``married``
   name (the husband's surname); some nicknames in a name's ``nickname``.
2. **The queries** (``make_queries``): about 45 per category, made by rules from a target
   person's stored name: ``accents`` (left out, or put in; German umlauts written ue),
   ``typos`` (a letter deleted, inserted, substituted, or two neighbours swapped, in a word of
   5+ letters), ``phonetic`` (another real spelling: Smyth, Thomson, Katherine), ``transliteration``
   (Cyrillic or Greek queried in Latin letters, and the reverse), ``nicknames`` (Bill, Peggy,
   Koos, Wm, Thos), ``married`` (given name and married surname), ``particles`` (Merwe or
   Vandermerwe for van der Merwe), ``shona_ndebele`` (prefix left out, mu- written m-, Kumalo,
   Ndhlovu, Tendayi, Inkomo, Doke letters) and ``dates`` (the name and a birth year 1-2 off).
   Each query expects its target and every person of the tree who is an equally right answer:
   someone who bore the same given name and surname (any spelling of them: the name keys of
   ``search_names.NameKeys``; for a nickname, any name it is short for, or that nickname itself)
   and, for ``dates``, whose birth is within the search's tolerance of the year asked. Targets
   with more than ``MAX_EQUAL`` equally right people are passed over, so that every expected
   person fits in the first ten.
3. **The measure**, per backend (the same tree, same seed, built afresh on each): every query
   through ``SearchService.search`` as the system actor, limit 10. recall@10 is the share of
   queries whose target is in the first ten; precision@10 the mean of |expected ∩ first ten| /
   |first ten| (0 when nothing comes back); both overall and per category, with the median and
   95th percentile time of a query. Target: recall@10 >= 0.95 on every backend.

Backends: ``sqlite`` (a temporary file), ``postgresql`` (a fresh database on the server of
``DZINZA_BENCH_POSTGRES_URL``, dropped afterwards), ``opensearch`` (SQLite for the data, an index
``quality-<random>`` on the server of ``DZINZA_BENCH_OPENSEARCH_URL``, dropped afterwards).
Results: printed, and written to ``bench/results/search-quality.json``, with the worst misses.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import search_names as sn
from dzinza.services.search import DEFAULT_YEAR_TOLERANCE, SearchRequest

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "search-quality.json"
DEFAULT_PEOPLE = 3000
DEFAULT_SEED = 1926
PER_CATEGORY = 45
MAX_EQUAL = 3
"""Targets with more equally right people than this are passed over."""
K = 10
RANK_DEPTH = 100
"""How deep a miss is looked for, to tell "ranked 14th" from "not found"."""
TARGET_RECALL = 0.95
CATEGORIES = (
    "accents",
    "typos",
    "phonetic",
    "transliteration",
    "nicknames",
    "married",
    "particles",
    "shona_ndebele",
    "dates",
)
BACKENDS = ("sqlite", "postgresql", "opensearch")
FIELDED_SHARE = 0.25
"""Share of queries sent as given= and surname= rather than one q= text."""
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
FIRST_YEAR, LAST_FOUNDER, LAST_YEAR = 1750, 1930, 1990
THIS_YEAR = 2025

_KEYS = sn.NameKeys()
_BANTU = {id(n) for c in (sn.SHONA, sn.NDEBELE) for n in (*c.male, *c.female)} | {
    id(s.male) for c in (sn.SHONA, sn.NDEBELE) for s in c.surnames
}


# -- the tree -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Word:
    """A name as one person's record writes it: the pool entry, which of its spellings, and the
    text stored."""

    name: sn.Name
    spelling: int
    text: str


@dataclass(frozen=True)
class PersonName:
    type: str
    given: tuple[Word, ...]
    surname: Word

    @property
    def given_text(self) -> str:
        return " ".join(w.text for w in self.given)

    @property
    def text(self) -> str:
        return f"{self.given_text} {self.surname.text}"


@dataclass
class Person:
    id: uuid.UUID
    sex: str
    culture: str
    birth_year: int
    birth_date: str
    birth_range: tuple[int, int]
    death_year: int | None
    names: list[PersonName]
    nickname: str = ""
    native: bool = False
    """Names stored in the native script (Cyrillic, Greek)."""
    plain: bool = False
    """Names recorded without their accents."""
    doke: bool = False
    """Names recorded in the Doke orthography of Shona (1931-1955)."""

    @property
    def display(self) -> str:
        return self.names[0].text

    def body(self) -> dict[str, Any]:
        names: list[dict[str, Any]] = []
        for i, n in enumerate(self.names):
            row: dict[str, Any] = {"type": n.type, "given": n.given_text, "surname": n.surname.text}
            if i == 0 and self.nickname:
                row["nickname"] = self.nickname
            names.append(row)
        events: list[dict[str, Any]] = [{"type": "birth", "date": self.birth_date}]
        if self.death_year is not None:
            events.append({"type": "death", "date": str(self.death_year)})
        return {"id": self.id, "sex": self.sex, "names": names, "events": events}

    def given_keys(self) -> set[str]:
        keys = {_KEYS.given_name(w.name) for n in self.names for w in n.given}
        if self.nickname:
            keys.add(_KEYS.given(self.nickname))
        return keys

    def surname_keys(self) -> set[str]:
        return {_KEYS.surname_name(n.surname.name) for n in self.names}


@dataclass(frozen=True)
class Family:
    husband: uuid.UUID
    wife: uuid.UUID
    children: tuple[uuid.UUID, ...]
    union_type: str

    def body(self) -> dict[str, Any]:
        return {
            "partner1_id": self.husband,
            "partner2_id": self.wife,
            "union_type": self.union_type,
            "children": [{"child_id": c} for c in self.children],
        }


@dataclass
class Tree:
    seed: int
    people: list[Person]
    families: list[Family]

    def by_id(self) -> dict[uuid.UUID, Person]:
        return {p.id: p for p in self.people}


def _render(name: sn.Name, spelling: int, person: Person) -> str:
    if person.native and name.native:
        return name.native
    text = name.spellings[min(spelling, len(name.spellings) - 1)]
    if person.plain:
        text = sn.strip_accents(text)
    if person.doke:
        text = sn.doke(text)
    return text


class _TreeMaker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people: list[Person] = []
        self.families: list[Family] = []

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _culture(self) -> sn.Culture:
        return self.rng.choices(sn.CULTURES, weights=[c.weight for c in sn.CULTURES])[0]

    def _spelling(self, name: sn.Name) -> int:
        if len(name.spellings) > 1 and self.rng.random() < 0.2:
            return self.rng.randrange(1, len(name.spellings))
        return 0

    def _birth(self, year: int) -> tuple[str, tuple[int, int]]:
        roll = self.rng.random()
        if roll < 0.55:
            day = self.rng.randint(1, 28)
            return f"{day} {self.rng.choice(MONTHS)} {year}", (year, year)
        if roll < 0.9:
            return str(year), (year, year)
        return f"ABT {year}", (year - 5, year + 5)

    def person(
        self,
        culture: sn.Culture,
        sex: str,
        year: int,
        surname: tuple[sn.Surname, int] | None = None,
        father: Person | None = None,
        mother: Person | None = None,
    ) -> Person:
        rng = self.rng
        date, span = self._birth(year)
        death: int | None = None
        if year <= 1935 or rng.random() < 0.25:
            died = year + rng.randint(20, 95)
            death = died if died <= THIS_YEAR - 1 else None
        p = Person(self._uuid(), sex, culture.name, year, date, span, death, [])
        p.native = rng.random() < culture.native_share
        p.plain = rng.random() < culture.plain_share
        p.doke = culture is sn.SHONA and 1925 <= year <= 1955 and rng.random() < 0.5
        # Given names: mostly of the father's tradition, some of the mother's; some children are
        # named after the parent of their sex.
        pool_culture = culture
        if mother is not None and rng.random() < 0.2:
            pool_culture = sn.CULTURE[mother.culture]
        pool = pool_culture.male if sex == "male" else pool_culture.female
        parent = father if sex == "male" else mother
        if parent is not None and rng.random() < 0.12:
            first = parent.names[0].given[0]
            given = [(first.name, first.spelling)]
        else:
            n = rng.choice(pool)
            given = [(n, self._spelling(n))]
        if rng.random() < culture.second_given:
            second_culture = sn.CULTURE.get(culture.second_given_from, culture)
            pool2 = second_culture.male if sex == "male" else second_culture.female
            n2 = rng.choice(pool2)
            if n2 is not given[0][0]:
                given.append((n2, self._spelling(n2)))
        if surname is None:
            entry = rng.choice(culture.surnames)
            surname = (entry, self._spelling(entry.male))
        if rng.random() < 0.1:  # the clerk of this record spelled the family name otherwise
            entry, _ = surname
            surname = (entry, self._spelling(entry.male))
        entry, spelling = surname
        sname = entry.for_sex(sex)
        p.names.append(
            PersonName(
                "birth",
                tuple(Word(n, s, _render(n, s, p)) for n, s in given),
                Word(sname, spelling, _render(sname, spelling, p)),
            )
        )
        nicks = _spoken_nicknames(given[0][0])
        if nicks and rng.random() < 0.15:
            p.nickname = rng.choice(nicks)
        self.people.append(p)
        return p

    def marry(self, husband: Person, wife: Person, children: list[uuid.UUID]) -> None:
        culture = sn.CULTURE[wife.culture]
        if self.rng.random() < culture.married_share:
            entry = self._surname_entry(husband)
            if entry is not None:
                spelling = husband.names[0].surname.spelling
                sname = entry.female
                text = _render(sname, spelling, husband)
                wife.names.append(
                    PersonName("married", wife.names[0].given, Word(sname, spelling, text))
                )
        union = "customary" if husband.culture in ("shona", "ndebele") else "civil"
        if self.rng.random() < 0.3:
            union = "religious"
        self.families.append(Family(husband.id, wife.id, tuple(children), union))

    @staticmethod
    def _surname_entry(person: Person) -> sn.Surname | None:
        name = person.names[0].surname.name
        for c in sn.CULTURES:
            for s in c.surnames:
                if s.male is name or s.female is name:
                    return s
        return None

    def lineage(self, budget: int) -> None:
        rng = self.rng
        culture = self._culture()
        start = rng.randint(FIRST_YEAR, LAST_FOUNDER)
        husband = self.person(culture, "male", start)
        wife_year = max(FIRST_YEAR, start + rng.randint(-8, 3))
        wife = self.person(self._spouse_culture(culture), "female", wife_year)
        count = 2
        queue: list[tuple[Person, Person]] = [(husband, wife)]
        while queue and count < budget:
            father, mother = queue.pop(0)
            kids: list[uuid.UUID] = []
            n = rng.choice((0, 1, 2, 2, 3, 3, 4, 5, 6))
            years = sorted(mother.birth_year + rng.randint(19, 42) for _ in range(n))
            entry = self._surname_entry(father)
            assert entry is not None
            surname = (entry, father.names[0].surname.spelling)
            married: list[tuple[Person, Person]] = []
            for year in years:
                if year > LAST_YEAR or count >= budget:
                    break
                sex = "male" if rng.random() < 0.5 else "female"
                child = self.person(
                    sn.CULTURE[father.culture], sex, year, surname, father=father, mother=mother
                )
                kids.append(child.id)
                count += 1
                if year <= LAST_YEAR - 25 and count < budget and rng.random() < 0.7:
                    other = "female" if sex == "male" else "male"
                    spouse_year = min(LAST_YEAR, year + rng.randint(-6, 6))
                    spouse = self.person(
                        self._spouse_culture(sn.CULTURE[child.culture]), other, spouse_year
                    )
                    count += 1
                    married.append((child, spouse) if sex == "male" else (spouse, child))
            self.marry(father, mother, kids)
            queue += married
        while queue:  # couples whose children the budget left out
            father, mother = queue.pop(0)
            self.marry(father, mother, [])

    def _spouse_culture(self, culture: sn.Culture) -> sn.Culture:
        return culture if self.rng.random() < 0.85 else self._culture()


def _spoken_nicknames(name: sn.Name) -> tuple[str, ...]:
    for spelling in name.spellings:
        spoken, _ = sn.nicknames_of(spelling)
        if spoken:
            return spoken
    return ()


def _all_nicknames(name: sn.Name) -> tuple[str, ...]:
    for spelling in name.spellings:
        spoken, written = sn.nicknames_of(spelling)
        if spoken or written:
            return spoken + written
    return ()


def build_tree(people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED) -> Tree:
    """The synthetic tree: the same people, names, dates and ids for the same seed."""
    maker = _TreeMaker(seed)
    while len(maker.people) < people:
        left = people - len(maker.people)
        budget = min(left, maker.rng.randint(12, 45))
        if budget < 2:
            culture = maker._culture()
            maker.person(culture, maker.rng.choice(("male", "female")), 1900)
            continue
        maker.lineage(budget)
    return Tree(seed, maker.people, maker.families)


# -- the labelled queries -------------------------------------------------------------------------
@dataclass(frozen=True)
class LabelledQuery:
    category: str
    request: SearchRequest
    target: uuid.UUID
    expected: frozenset[uuid.UUID]
    target_name: str
    rule: str

    @property
    def text(self) -> str:
        r = self.request
        parts = [f"{k}={v!r}" for k, v in (("q", r.q), ("given", r.given), ("surname", r.surname))]
        shown = " ".join(p for p, v in zip(parts, (r.q, r.given, r.surname), strict=True) if v)
        return shown + (f" born={r.born}" if r.born is not None else "")


@dataclass(frozen=True)
class _Draft:
    """What a query maker proposes: the words to search and which people they mean."""

    given: str
    surname: str
    given_keys: frozenset[str]
    surname_key: str
    rule: str
    born: int | None = None
    kind: str = ""
    """The rule's kind (``swap``, ``abbreviation``): queries are drawn evenly over the kinds."""


class _Expected:
    """People by (given key, surname key), for finding every equally right answer."""

    def __init__(self, people: Sequence[Person]) -> None:
        self.index: dict[tuple[str, str], list[Person]] = {}
        for p in people:
            for g in p.given_keys():
                for s in p.surname_keys():
                    self.index.setdefault((g, s), []).append(p)

    def find(self, draft: _Draft) -> frozenset[uuid.UUID]:
        found: set[uuid.UUID] = set()
        tol = DEFAULT_YEAR_TOLERANCE
        for g in draft.given_keys:
            for p in self.index.get((g, draft.surname_key), ()):
                lo, hi = p.birth_range
                if draft.born is None or (hi >= draft.born - tol and lo <= draft.born + tol):
                    found.add(p.id)
        return frozenset(found)


def _draft(
    p: Person, given: str, surname: str, rule: str, kind: str = "", name: int = 0, **kw: Any
) -> _Draft:
    n = p.names[name]
    return _Draft(
        given,
        surname,
        frozenset({_KEYS.given_name(n.given[0].name)}),
        _KEYS.surname_name(n.surname.name),
        rule,
        kind=kind or rule,
        **kw,
    )


def _accents(p: Person, rng: random.Random) -> _Draft | None:
    n = p.names[0]
    given, surname = n.given[0].text, n.surname.text
    if sn.has_accents(given + surname):
        umlauts = any(ch in "äöüÄÖÜ" for ch in given + surname)
        if p.culture == "german" and umlauts and rng.random() < 0.5:
            return _draft(
                p,
                sn.umlauts_spelled_out(given),
                sn.umlauts_spelled_out(surname),
                "umlauts written ae/oe/ue",
            )
        return _draft(p, sn.strip_accents(given), sn.strip_accents(surname), "accents left out")
    if p.plain:
        g = n.given[0].name.spellings[min(n.given[0].spelling, len(n.given[0].name.spellings) - 1)]
        s_name = n.surname.name
        s = s_name.spellings[min(n.surname.spelling, len(s_name.spellings) - 1)]
        if sn.has_accents(g + s):
            return _draft(p, g, s, "accents put in (the record has none)")
    return None


def _typos(p: Person, rng: random.Random) -> _Draft | None:
    if p.native or p.doke:
        return None
    n = p.names[0]
    given, surname = sn.ascii_key(n.given[0].text), sn.ascii_key(n.surname.text)
    options = [role for role, w in (("given", given), ("surname", surname)) if _typo_word(w)]
    if not options:
        return None
    role = rng.choice(options)
    kind = rng.choice(sn.TYPO_KINDS)
    if role == "given":
        given, surname = sn.typo(given, kind, rng).capitalize(), n.surname.text
    else:
        given, surname = n.given[0].text, sn.typo(surname, kind, rng).capitalize()
    return _draft(p, given, surname, f"typo: {kind} in the {role}", kind)


def _typo_word(word: str) -> bool:
    return " " not in word and word.isalpha() and len(word) >= sn.TYPO_MIN


def _other_spelling(w: Word, rng: random.Random) -> str:
    stored = sn.ascii_key(w.text)
    others = [s for s in w.name.spellings if sn.ascii_key(s) != stored]
    return rng.choice(others) if others else ""


def _phonetic(p: Person, rng: random.Random) -> _Draft | None:
    if p.native or p.doke:
        return None
    n = p.names[0]
    options = [
        (role, other)
        for role, w in (("given", n.given[0]), ("surname", n.surname))
        if (other := _other_spelling(w, rng))
    ]
    if not options:
        return None
    role, other = rng.choice(options)
    given, surname = n.given[0].text, n.surname.text
    stored = given if role == "given" else surname
    if role == "given":
        given = other
    else:
        surname = other
    return _draft(p, given, surname, f"another spelling: {other} for {stored}", role)


def _transliteration(p: Person, rng: random.Random) -> _Draft | None:
    n = p.names[0]
    words = (n.given[0], n.surname)
    if not any(w.name.native for w in words):
        return None
    out = []
    for w in words:
        if not w.name.native:
            out.append(w.text)
        elif p.native:
            out.append(rng.choice(w.name.spellings))
        else:
            out.append(w.name.native)
    script = "Greek" if p.culture == "greek" else "Cyrillic"
    rule = f"{script} record, Latin query" if p.native else f"Latin record, {script} query"
    return _draft(p, out[0], out[1], rule)


_FORMALS_OF: dict[str, set[str]] = {}
for _formal, (_spoken, _written) in sn.NICKNAMES.items():
    for _nick in (*_spoken, *_written):
        _FORMALS_OF.setdefault(sn.ascii_key(_nick), set()).add(_formal)


def _nicknames(p: Person, rng: random.Random) -> _Draft | None:
    n = p.names[0]
    first = n.given[0]
    options = _all_nicknames(first.name)
    if not options or p.native:
        return None
    if p.nickname and rng.random() < 0.5:
        nick, rule, kind = p.nickname, f"the nickname on record ({p.nickname})", "on record"
    else:
        nick = rng.choice(options)
        _, written = sn.nicknames_of(first.name.spellings[0])
        kind = "abbreviation" if nick in written else "nickname"
        rule = f"{kind} {nick} for {first.text}"
        if nick in written and rng.random() < 0.3:
            nick += "."
    keys = {_KEYS.given_name(first.name), _KEYS.given(nick)}
    keys |= {_KEYS.given(f) for f in _FORMALS_OF.get(sn.ascii_key(nick), ())}
    d = _draft(p, nick, n.surname.text, rule, kind)
    return replace(d, given_keys=frozenset(keys))


def _married(p: Person, rng: random.Random) -> _Draft | None:
    if len(p.names) < 2 or p.names[1].type != "married":
        return None
    m = p.names[1]
    return _draft(p, m.given[0].text, m.surname.text, "given name and married surname", name=1)


def _particles(p: Person, rng: random.Random) -> _Draft | None:
    for i, n in enumerate(p.names):
        if sn.has_particle(n.surname.text):
            if rng.random() < 0.65:
                surname, rule = sn.without_particles(n.surname.text), "particles left out"
            else:
                surname, rule = sn.particles_joined(n.surname.text), "particles written joined"
            return _draft(p, n.given[0].text, surname, f"{rule} ({n.surname.text})", rule, name=i)
    return None


def _shona_ndebele(p: Person, rng: random.Random) -> _Draft | None:
    n = p.names[0]
    first, surname = n.given[0], n.surname
    if p.doke:
        modern = [
            w.name.spellings[min(w.spelling, len(w.name.spellings) - 1)] for w in (first, surname)
        ]
        if modern != [first.text, surname.text]:
            return _draft(p, modern[0], modern[1], "modern spelling of a Doke-orthography record")
        return None
    options: list[tuple[str, str, str]] = []
    for role, w in (("given", first), ("surname", surname)):
        if id(w.name) in _BANTU:
            for text, why in sn.shona_ndebele_spellings(w.text, w.name, surname=role == "surname"):
                options.append((role, text, why))
    if not options:
        return None
    rules = sorted({why for _, _, why in options})
    why = rng.choice(rules)
    role, text, _ = rng.choice([o for o in options if o[2] == why])
    given, sur = first.text, surname.text
    if role == "given":
        given = text
    else:
        sur = text
    stored = first.text if role == "given" else surname.text
    return _draft(p, given, sur, f"{why}: {text} for {stored}", why)


def _dates(p: Person, rng: random.Random) -> _Draft | None:
    lo, hi = p.birth_range
    if lo != hi:
        return None
    n = p.names[0]
    off = rng.choice((-2, -1, 1, 2))
    rule = f"birth year {off:+d} ({p.birth_year})"
    return _draft(p, n.given[0].text, n.surname.text, rule, f"{off:+d}", born=lo + off)


MAKERS: dict[str, Callable[[Person, random.Random], _Draft | None]] = {
    "accents": _accents,
    "typos": _typos,
    "phonetic": _phonetic,
    "transliteration": _transliteration,
    "nicknames": _nicknames,
    "married": _married,
    "particles": _particles,
    "shona_ndebele": _shona_ndebele,
    "dates": _dates,
}


def make_queries(
    tree: Tree, seed: int | None = None, per_category: int = PER_CATEGORY
) -> list[LabelledQuery]:
    """The labelled set: up to ``per_category`` queries per category, made by rules from the
    stored names of targets drawn at random, evenly over each category's kinds of rule (a
    letter deleted, inserted, substituted, swapped...). The same for the same tree and seed."""
    rng = random.Random(f"queries-{tree.seed if seed is None else seed}")
    expected = _Expected(tree.people)
    queries: list[LabelledQuery] = []
    for category in CATEGORIES:
        maker = MAKERS[category]
        order = list(tree.people)
        rng.shuffle(order)
        kinds: dict[str, list[tuple[Person, _Draft]]] = {}
        for p in order:
            if (draft := maker(p, rng)) is not None:
                kinds.setdefault(draft.kind, []).append((p, draft))
        queues = [deque(kinds[k]) for k in sorted(kinds)]
        seen: set[str] = set()
        made = 0
        while made < per_category and any(queues):
            for queue in queues:  # one of each kind in turn
                while queue and made < per_category:
                    p, draft = queue.popleft()
                    q = _labelled(category, p, draft, expected, rng)
                    if q is not None and q.text not in seen:
                        seen.add(q.text)
                        queries.append(q)
                        made += 1
                        break
    return queries


def _labelled(
    category: str, p: Person, draft: _Draft, expected: _Expected, rng: random.Random
) -> LabelledQuery | None:
    """The query of a draft with its expected people; None when too many are equally right."""
    want = expected.find(draft)
    if p.id not in want:
        raise AssertionError(f"{category}: the target is not among its own answers: {draft}")
    if len(want) > MAX_EQUAL:
        return None
    if rng.random() < FIELDED_SHARE:
        request = SearchRequest(given=draft.given, surname=draft.surname, born=draft.born, limit=K)
    else:
        request = SearchRequest(q=f"{draft.given} {draft.surname}", born=draft.born, limit=K)
    return LabelledQuery(category, request, p.id, want, p.display, draft.rule)


# -- the measures ---------------------------------------------------------------------------------
def recall_at(target: uuid.UUID, returned: Sequence[uuid.UUID], k: int = K) -> float:
    """1 when the target is among the first ``k`` results, else 0."""
    return 1.0 if target in returned[:k] else 0.0


def precision_at(
    expected: frozenset[uuid.UUID], returned: Sequence[uuid.UUID], k: int = K
) -> float:
    """The share of the first ``k`` results that are expected; 0 when nothing came back."""
    top = list(returned[:k])
    if not top:
        return 0.0
    return sum(1 for r in top if r in expected) / len(top)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0-100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


@dataclass
class Outcome:
    query: LabelledQuery
    returned: list[uuid.UUID]
    ms: float
    rank: int | None = None
    """1-based rank of the target within the first ``RANK_DEPTH`` results (looked up for misses)."""
    total: int = 0

    @property
    def hit(self) -> bool:
        return recall_at(self.query.target, self.returned) == 1.0


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """recall@10, precision@10 and query times, overall and per category."""

    def figures(group: Sequence[Outcome]) -> dict[str, Any]:
        n = len(group)
        return {
            "queries": n,
            "recall_at_10": round(sum(recall_at(o.query.target, o.returned) for o in group) / n, 4)
            if n
            else None,
            "precision_at_10": round(
                sum(precision_at(o.query.expected, o.returned) for o in group) / n, 4
            )
            if n
            else None,
        }

    times = [o.ms for o in outcomes]
    out = figures(outcomes)
    out["median_ms"] = round(statistics.median(times), 2) if times else None
    out["p95_ms"] = round(percentile(times, 95), 2) if times else None
    out["categories"] = {
        c: figures([o for o in outcomes if o.query.category == c]) for c in CATEGORIES
    }
    return out


def worst_misses(outcomes: Sequence[Outcome], n: int = 10) -> list[dict[str, Any]]:
    """Misses, the worst first: targets not found at all, then those ranked lowest."""
    misses = [o for o in outcomes if not o.hit]
    misses.sort(
        key=lambda o: (o.rank is not None, -(o.rank or 0), CATEGORIES.index(o.query.category))
    )
    return [
        {
            "category": o.query.category,
            "query": o.query.text,
            "expected": o.query.target_name,
            "rule": o.query.rule,
            "rank": o.rank,
            "results": o.total,
        }
        for o in misses[:n]
    ]


# -- the backends ---------------------------------------------------------------------------------
class Skipped(Exception):
    """A backend that cannot run here (its server not configured)."""


@contextmanager
def backend_platform(name: str, work: Path) -> Iterator[Any]:
    """A fresh, migrated platform on this backend; its database or index removed afterwards."""
    import sqlalchemy as sa

    from dzinza import bootstrap
    from dzinza.adapters.sql import database
    from dzinza.settings import Settings

    def migrated(url: str) -> None:
        engine = database.create_engine(url)
        database.upgrade(engine)
        engine.dispose()

    def settings(url: str, search_url: str = "sql") -> Settings:
        return Settings(
            database_url=url,
            data_dir=work,
            password_hashing="fast-for-tests-only",
            search_url=search_url,
            search_indexer=False,
        )

    sqlite_url = f"sqlite:///{work / 'quality.db'}"
    if name == "sqlite":
        migrated(sqlite_url)
        p = bootstrap.build(settings(sqlite_url))
        try:
            yield p
        finally:
            p.close()
    elif name == "postgresql":
        admin_url = os.environ.get("DZINZA_BENCH_POSTGRES_URL")
        if not admin_url:
            raise Skipped("set DZINZA_BENCH_POSTGRES_URL (scripts/bench_search_quality.sh does)")
        db = f"dzinza_quality_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{db}"')
        url = sa.make_url(admin_url).set(database=db).render_as_string(hide_password=False)
        try:
            migrated(url)
            p = bootstrap.build(settings(url))
            try:
                yield p
            finally:
                p.close()
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            admin.dispose()
    elif name == "opensearch":
        base = os.environ.get("DZINZA_BENCH_OPENSEARCH_URL")
        if not base:
            raise Skipped("set DZINZA_BENCH_OPENSEARCH_URL (scripts/bench_search_quality.sh does)")
        base = base.split("?", 1)[0].rstrip("/")
        migrated(sqlite_url)
        p = bootstrap.build(settings(sqlite_url, f"{base}/?index=quality-{uuid.uuid4().hex}"))
        try:
            yield p
        finally:
            try:
                index: Any = p.search.index  # OpenSearchIndex; drop() is not in the port
                index.drop()
            finally:
                p.close()
    else:
        raise ValueError(f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")


CHUNK = 250
"""People (or families) per write transaction while loading."""


def load(platform: Any, tree: Tree) -> tuple[uuid.UUID, float, float]:
    """The tree created through the services as the system actor, then indexed. Returns the
    tree's id, the seconds of loading and of indexing."""
    from dzinza.services.common import SYSTEM

    started = time.perf_counter()
    made = platform.trees.create(SYSTEM, {"name": "Search quality", "visibility": "private"})
    tree_id = uuid.UUID(str(made["id"]))
    for i in range(0, len(tree.people), CHUNK):
        with platform.store.write() as tx:
            for p in tree.people[i : i + CHUNK]:
                platform.people.insert(tx, tree_id, p.body())
    for i in range(0, len(tree.families), CHUNK):
        with platform.store.write() as tx:
            for f in tree.families[i : i + CHUNK]:
                platform.families.insert(tx, tree_id, f.body())
    loaded = time.perf_counter()
    platform.search.catch_up()
    return tree_id, loaded - started, time.perf_counter() - loaded


def run_queries(
    platform: Any, tree_id: uuid.UUID, queries: Sequence[LabelledQuery]
) -> list[Outcome]:
    from dzinza.services.common import SYSTEM

    search = platform.search.search
    if queries:  # a first query warms caches and connections; it is not counted
        search(SYSTEM, queries[0].request, tree_id)
    outcomes: list[Outcome] = []
    for q in queries:
        t0 = time.perf_counter()
        page = search(SYSTEM, q.request, tree_id)
        ms = (time.perf_counter() - t0) * 1000
        returned = [uuid.UUID(item["id"]) for item in page["items"]]
        outcomes.append(Outcome(q, returned, ms, total=int(page["total"])))
    for o in outcomes:
        if o.hit:
            o.rank = o.returned.index(o.query.target) + 1
            continue
        deep = search(SYSTEM, replace(o.query.request, limit=RANK_DEPTH), tree_id)
        ids = [uuid.UUID(item["id"]) for item in deep["items"]]
        o.rank = ids.index(o.query.target) + 1 if o.query.target in ids else None
    return outcomes


def run_backend(
    name: str, tree: Tree, queries: Sequence[LabelledQuery], misses: int = 10
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"dzinza-quality-{name}-") as tmp:
        try:
            with backend_platform(name, Path(tmp)) as platform:
                tree_id, load_s, index_s = load(platform, tree)
                outcomes = run_queries(platform, tree_id, queries)
        except Skipped as why:
            return {"status": "skipped", "reason": str(why)}
    result: dict[str, Any] = {"status": "ok", "load_seconds": round(load_s, 2)}
    result["index_seconds"] = round(index_s, 2)
    result |= summarize(outcomes)
    result["meets_target"] = bool(result["recall_at_10"] >= TARGET_RECALL)
    result["worst_misses"] = worst_misses(outcomes, misses)
    result["miss_count"] = sum(1 for o in outcomes if not o.hit)
    return result


# -- the report -----------------------------------------------------------------------------------
def _cell(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report(results: dict[str, Any]) -> str:
    backends = results["backends"]
    names = list(backends)
    ok = [n for n in names if backends[n]["status"] == "ok"]
    lines = [
        f"Search quality: {results['people']} people, {results['queries']} labelled queries, "
        f"seed {results['seed']} ({results['date']})",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]

    def row(label: str, get: Callable[[dict[str, Any]], str]) -> None:
        cells = [get(backends[n]) if n in ok else backends[n]["status"] for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("recall@10", lambda b: _cell(b["recall_at_10"]))
    row("precision@10", lambda b: _cell(b["precision_at_10"]))
    row(f"recall@10 >= {TARGET_RECALL}", lambda b: "yes" if b["meets_target"] else "NO")
    row("median query ms", lambda b: _cell(b["median_ms"], 1))
    row("p95 query ms", lambda b: _cell(b["p95_ms"], 1))
    row("load s / index s", lambda b: f"{b['load_seconds']:.1f} / {b['index_seconds']:.1f}")
    lines += ["", "Per category, recall@10 / precision@10:", ""]
    lines += ["| category (queries) | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for c in CATEGORIES:
        count = results["per_category"].get(c, 0)

        def cat(b: dict[str, Any], c: str = c) -> str:
            f = b["categories"][c]
            return f"{_cell(f['recall_at_10'])} / {_cell(f['precision_at_10'])}"

        row(f"{c} ({count})", cat)
    for n in names:
        b = backends[n]
        if b["status"] != "ok":
            lines += ["", f"{n}: {b['status']} ({b.get('reason', '')})"]
            continue
        lines += ["", f"{n}: {b['miss_count']} misses; the worst {len(b['worst_misses'])}:"]
        for m in b["worst_misses"]:
            where = "not in the first 100" if m["rank"] is None else f"ranked {m['rank']}"
            lines.append(
                f"  - [{m['category']}] {m['query']} -> expected {m['expected']!r}: {where} "
                f"of {m['results']} results ({m['rule']})"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--backends", default="sqlite", help="comma-separated: " + ",".join(BACKENDS)
    )
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--per-category", type=int, default=PER_CATEGORY)
    parser.add_argument("--misses", type=int, default=10, help="worst misses shown per backend")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    names = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in names if b not in BACKENDS]
    if unknown:
        parser.error(f"unknown backend(s) {', '.join(unknown)}; choose from {', '.join(BACKENDS)}")

    tree = build_tree(args.people, args.seed)
    queries = make_queries(tree, per_category=args.per_category)
    per_category = {c: sum(1 for q in queries if q.category == c) for c in CATEGORIES}
    print(
        f"tree: {len(tree.people)} people, {len(tree.families)} families; "
        f"{len(queries)} queries ({', '.join(f'{c} {n}' for c, n in per_category.items())})",
        flush=True,
    )
    results: dict[str, Any] = {
        "benchmark": "search-quality",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": args.seed,
        "people": len(tree.people),
        "families": len(tree.families),
        "queries": len(queries),
        "per_category": per_category,
        "k": K,
        "max_equally_right": MAX_EQUAL,
        "target_recall_at_10": TARGET_RECALL,
        "machine": {"python": sys.version.split()[0], "platform": host.platform()},
        "backends": {},
    }
    failed = False
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            results["backends"][name] = run_backend(name, tree, queries, args.misses)
        except Exception as exc:  # one backend down must not lose the others' figures
            failed = True
            results["backends"][name] = {
                "status": "failed",
                "reason": f"{type(exc).__name__}: {exc}",
            }
        b = results["backends"][name]
        took = time.perf_counter() - started
        if b["status"] == "ok":
            print(
                f"   recall@10 {b['recall_at_10']:.3f}, precision@10 {b['precision_at_10']:.3f} "
                f"({took:.0f} s)",
                flush=True,
            )
        else:
            print(f"   {b['status']}: {b['reason']}", flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print()
    print(report(results))
    print(f"\nwritten to {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
