"""Builds ONE public synthetic tree of N people for the benchmarks, straight through the storage
layer: ``python -m bench.generate --url URL --people N [--seed S] [--manifest PATH]``.

The shape is that of a deep genealogy, not of a random graph:

* up to 14 generations (fewer for small N); the first born 1600-1625, every later one some 25-30
  years after its parents; the population grows about 1.8 times per generation;
* people marry within their generation (couples of similar age, drawn across lineages, so that
  lineages merge and pedigrees collapse as they do in a real population); about 6% marry a second
  time; a family has two partners and 0-8 children; about 8% of each generation marry in from
  outside the tree (new lineages, with no parents);
* children take their father's surname; about 30% of wives also carry a married name;
* everyone has a birth event (mostly exact dates, some ABT/BEF/BET, month or year only), older
  people a death event, most at one of a small hierarchy of places; 60% of families a marriage.

Rows go in with ``SqlSession.insert_many`` in batches of ``BATCH_ROWS``, one transaction per chunk
of ``CHUNK_PEOPLE`` people, never one row at a time and never over HTTP. The person summary columns
come from ``summaries.compute`` and the dates from ``events.parse_event_date``: exactly what the
services store. Ids are derived from the seed, so the same seed and N give the same tree. Memory is
bounded: a generation is held as a few compact arrays of numbers, never as rows.

At the end it runs ANALYZE (``VACUUM (ANALYZE)`` on PostgreSQL), finds cursors deep into the
sorted people list, and writes the JSON manifest that ``bench.run`` reads.
"""

from __future__ import annotations

import argparse
import calendar
import hashlib
import json
import math
import os
import platform
import random
import re
import resource
import sqlite3
import sys
import time
import uuid
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from dzinza.adapters.passwords import Argon2Hasher
from dzinza.adapters.sql import tables
from dzinza.adapters.sql.database import OUTSIDE_METADATA, create_engine, upgrade
from dzinza.adapters.sql.store import SqlSession, SqlTreeStore
from dzinza.domain.names import fold
from dzinza.services import summaries
from dzinza.services.common import encode_cursor
from dzinza.services.events import parse_event_date

OWNER_EMAIL = "owner@bench.invalid"
OWNER_PASSWORD = "benchmark owner passphrase 7"
"""A local, throwaway account on a generated database: the benchmark signs in with it."""
MANIFEST_VERSION = 2  # 2: privacy inputs and an owner account
BATCH_ROWS = 5_000
"""Rows per ``insert_many`` call (one executemany)."""
CHUNK_PEOPLE = 10_000
"""People (with their names, events and child links) per transaction."""
GROWTH = 1.8
MAX_GENERATIONS = 14
MARRY_IN = 0.08
MARRIAGE_RATE = 0.9
REMARRIAGE_RATE = 0.06
MARRIED_NAME_RATE = 0.3
MARRIAGE_EVENT_RATE = 0.6
MAX_CHILDREN = 8
FIRST_BIRTH = 1600
FOUNDERS_BORN_BY = 1625
LAST_BIRTH = 2020
LAST_DEATH = 2024
SAMPLE_PEOPLE = 500
SAMPLE_NEWEST = 200
SAMPLE_OLDEST = 100
CURSOR_DEPTHS = (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
MALE, FEMALE = 0, 1

MALE_GIVEN = (
    # Shona
    "Tendai", "Tafadzwa", "Tinashe", "Kudakwashe", "Tapiwa", "Takudzwa", "Munyaradzi",
    "Tonderai", "Simbarashe", "Tawanda", "Farai", "Tatenda", "Fungai", "Chenjerai", "Tichaona",
    "Tafirenyika", "Kudzai", "Nyasha",
    # Ndebele
    "Sipho", "Themba", "Mandla", "Sibusiso", "Bongani", "Nkosana", "Lwazi", "Sizwe",
    "Mthokozisi", "Dumisani", "Thulani", "Mduduzi",
    # English
    "John", "William", "Thomas", "George", "James", "Charles", "Robert", "Edward", "Henry",
    "Joseph", "Samuel", "Peter", "Blessing", "Innocent", "Godfrey", "André",
)  # fmt: skip
FEMALE_GIVEN = (
    # Shona
    "Chipo", "Rudo", "Rufaro", "Tsitsi", "Nyarai", "Chiedza", "Vimbai", "Ruvimbo", "Shamiso",
    "Tariro", "Fadzai", "Rumbidzai", "Tendai", "Nyasha", "Farai", "Kudzai",
    # Ndebele
    "Nomvula", "Sibongile", "Thandiwe", "Nokuthula", "Zanele", "Lindiwe", "Nomsa", "Sithembile",
    "Busisiwe", "Nkosazana", "Sinikiwe",
    # English
    "Mary", "Elizabeth", "Sarah", "Margaret", "Anne", "Grace", "Ruth", "Esther", "Alice",
    "Catherine", "Charlotte", "Jane", "Precious", "Patience", "Renée",
)  # fmt: skip
SURNAMES = (
    # Shona
    "Moyo", "Chikore", "Mutasa", "Mupfumi", "Chinembiri", "Makoni", "Mushonga", "Gumbo",
    "Shumba", "Marufu", "Chigumba", "Zhou", "Mazarura", "Hove", "Madzima", "Mapfumo", "Nyamande",
    "Chiwenga", "Murambiwa", "Chitepo", "Dziva", "Soko",
    # Ndebele
    "Ncube", "Sibanda", "Dube", "Nyathi", "Ndlovu", "Mpofu", "Khumalo", "Mlambo", "Tshuma",
    "Mhlanga", "Nkomo", "Mathe",
    # English (and a few that test folding: an apostrophe, a particle, an umlaut)
    "Smith", "Taylor", "Brown", "Wilson", "Clarke", "Walker", "Hughes", "Edwards", "Wright",
    "Green", "Hall", "Wood", "O'Brien", "van der Merwe", "Müller",
)  # fmt: skip
NICKNAMES = ("Tee", "Baba", "Sisi", "Gogo", "Bra", "Mai")
UNION_TYPES = ("customary", "customary", "civil", "religious", "unknown")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

# (key, name, type, parent key): a small hierarchy; only the leaves are used by events.
PLACES: tuple[tuple[str, str, str, str | None], ...] = (
    ("zw", "Zimbabwe", "country", None),
    ("masvingo_p", "Masvingo Province", "province", "zw"),
    ("masvingo", "Masvingo", "town", "masvingo_p"),
    ("gutu", "Gutu", "district", "masvingo_p"),
    ("chivi", "Chivi", "district", "masvingo_p"),
    ("mash_east", "Mashonaland East", "province", "zw"),
    ("murewa", "Murewa", "district", "mash_east"),
    ("marondera", "Marondera", "town", "mash_east"),
    ("mat_north", "Matabeleland North", "province", "zw"),
    ("lupane", "Lupane", "district", "mat_north"),
    ("hwange", "Hwange", "town", "mat_north"),
    ("bulawayo", "Bulawayo", "city", "zw"),
    ("harare", "Harare", "city", "zw"),
    ("manicaland", "Manicaland", "province", "zw"),
    ("mutare", "Mutare", "city", "manicaland"),
    ("nyanga", "Nyanga", "district", "manicaland"),
    ("za", "South Africa", "country", None),
    ("johannesburg", "Johannesburg", "city", "za"),
    ("england", "England", "country", None),
    ("yorkshire", "Yorkshire", "county", "england"),
    ("leeds", "Leeds", "city", "yorkshire"),
)
FILTER_PLACE = "masvingo_p"
"""The place (with sub-places) the manifest offers for place filters."""


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def backend_of(url: str) -> str:
    return sa.make_url(url).get_backend_name()


def safe_url(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def default_manifest(url: str) -> Path:
    """Next to the SQLite file, or ``bench/work/<database>.manifest.json`` for a server."""
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        return Path(u.database).with_suffix(".manifest.json")
    return Path("bench/work") / f"{u.database or 'bench'}.manifest.json"


class IdMaker:
    """Deterministic UUIDs: a keyed hash of (kind, index), the key drawn from the seed."""

    def __init__(self, seed: int) -> None:
        self._key = random.Random(f"dzinza-bench-ids:{seed}").randbytes(32)

    def __call__(self, kind: bytes, index: int) -> uuid.UUID:
        digest = hashlib.blake2b(
            kind + index.to_bytes(8, "little"), key=self._key, digest_size=16
        ).digest()
        return uuid.UUID(bytes=digest, version=4)


@lru_cache(maxsize=1 << 17)
def stored_date(text: str) -> tuple[str, int | None, int | None]:
    """(canonical text, earliest JDN, latest JDN), as ``events.parse_event_date`` stores them."""
    parsed = parse_event_date(text)
    return parsed["date_text"], parsed["date_earliest"], parsed["date_latest"]


def plan_generations(people: int) -> list[int]:
    """How many people each generation has, oldest first; they add up to ``people``."""
    if people < 1:
        raise SystemExit("--people must be at least 1")
    count = int(math.log(max(people / 60, 1.0)) / math.log(GROWTH)) + 1
    count = max(1, min(MAX_GENERATIONS, count))
    weights = [GROWTH**g for g in range(count)]
    total = sum(weights)
    sizes = [max(2, round(people * w / total)) for w in weights]
    sizes[-1] += people - sum(sizes)
    if sizes[-1] < 1:
        return [people]
    return sizes


@dataclass
class Generation:
    """The people of one generation, as parallel arrays indexed by their place in it."""

    number: int
    base: int
    """Global index of its first person (person ids are derived from global indices)."""
    size: int
    n_children: int
    """The first ``n_children`` people are children of families of the previous generation."""
    sex: bytearray
    birth: array[int]
    surname: array[int]
    child_family: array[int]
    """For each child: the index of its family among the previous generation's families."""
    child_position: bytearray
    husband: array[int] = field(default_factory=lambda: array("i"))
    """For each woman: her first husband's index in this generation, or -1."""


@dataclass
class Families:
    """The families formed by one generation: partner indices and how many children each has."""

    base: int
    """Global index of its first family."""
    partner1: array[int]
    partner2: array[int]
    children: bytearray


@dataclass
class Stats:
    rows: Counter[str] = field(default_factory=Counter)
    people: int = 0
    started: float = field(default_factory=time.perf_counter)
    last_print: float = 0.0

    def total_rows(self) -> int:
        return sum(self.rows.values())

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


class Generator:
    """Builds the tree generation by generation, oldest first."""

    def __init__(self, store: SqlTreeStore, people: int, seed: int) -> None:
        self.store = store
        self.people = people
        self.seed = seed
        self.rng = random.Random(seed)
        self.ids = IdMaker(seed)
        self.tree_id = self.ids(b"T", 0)
        self.place_ids = {key: self.ids(b"L", i) for i, (key, *_) in enumerate(PLACES)}
        self.leaf_places = [
            self.place_ids[key]
            for key, _, _, _ in PLACES
            if not any(parent == key for _, _, _, parent in PLACES)
        ]
        self.stats = Stats()
        self.name_counter = 0
        self.event_counter = 0
        self.family_count = 0
        self.surname_counts: Counter[int] = Counter()
        self.sizes = plan_generations(people)
        self.summary: list[dict[str, Any]] = []
        self.oldest_partners: list[int] = []
        self.newest: Generation | None = None

    # -- helpers ------------------------------------------------------------------------------
    def insert(self, tx: SqlSession, kind: str, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), BATCH_ROWS):
            batch = rows[start : start + BATCH_ROWS]
            if kind == "family_children":
                tx.conn.execute(tables.family_children.insert(), batch)
            else:
                tx.insert_many(kind, batch)
        self.stats.rows[kind] += len(rows)

    def progress(self, what: str, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.stats.last_print < 5:
            return
        self.stats.last_print = now
        elapsed = self.stats.elapsed()
        rows = self.stats.total_rows()
        print(
            f"[{elapsed:7.1f}s] {what}: people {self.stats.people:,}/{self.people:,}, "
            f"rows {rows:,} ({rows / max(elapsed, 1e-9):,.0f} rows/s), "
            f"peak RSS {rss_mb():.0f} MiB",
            flush=True,
        )

    def event_id(self) -> uuid.UUID:
        self.event_counter += 1
        return self.ids(b"E", self.event_counter)

    def date_text(self, year: int, death: bool = False) -> str:
        r = self.rng.random()
        month = self.rng.randrange(12)
        if r < (0.75 if death else 0.72):
            day = self.rng.randint(1, calendar.monthrange(year, month + 1)[1])
            return f"{day} {MONTHS[month]} {year}"
        if r < 0.80:
            return f"{MONTHS[month]} {year}"
        if r < 0.87:
            return str(year)
        if r < 0.94:
            return f"ABT {year}"
        if r < 0.97:
            return f"AFT {year}" if death else f"BEF {year + 1}"
        return f"BET {year - 1} AND {year + 1}"

    def place(self, rate: float = 0.8) -> uuid.UUID | None:
        return self.rng.choice(self.leaf_places) if self.rng.random() < rate else None

    # -- the plan -----------------------------------------------------------------------------
    def run(self) -> None:
        with self.store.write() as tx:
            tx.record_history = False  # a bulk load, like an import: no per-row history
            tx.insert_many(
                "tree",
                [
                    {
                        "id": self.tree_id,
                        "name": f"Synthetic benchmark tree ({self.people:,} people)",
                        "description": "Generated by bench/generate.py (seed "
                        f"{self.seed}); see docs/performance.md.",
                        "visibility": "public",
                    }
                ],
            )
            self.stats.rows["tree"] += 1
            places = [
                {
                    "id": self.place_ids[key],
                    "tree_id": self.tree_id,
                    "name": name,
                    "type": kind,
                    "parent_id": self.place_ids[parent] if parent else None,
                }
                for key, name, kind, parent in PLACES
            ]
            self.insert(tx, "place", places)
        print(
            f"plan: {len(self.sizes)} generations of "
            + ", ".join(f"{s:,}" for s in self.sizes)
            + f" people (seed {self.seed})",
            flush=True,
        )
        previous: tuple[Generation, Families] | None = None
        base = 0
        for number, size in enumerate(self.sizes):
            gen = self.build_generation(number, base, size, previous)
            fams = self.pair(gen)
            self.insert_people(gen, fams)
            if previous is not None:
                self.insert_child_links(gen, previous[1])
            self.insert_families(gen, fams)
            if number + 1 < len(self.sizes):
                self.assign_children(fams, self.sizes[number + 1])
            if number == 0:
                self.oldest_partners = sorted(
                    {
                        p
                        for f in range(len(fams.partner1))
                        if fams.children[f]
                        for p in (fams.partner1[f], fams.partner2[f])
                    }
                )
            born = (min(gen.birth), max(gen.birth)) if size else (0, 0)
            self.summary.append(
                {
                    "number": number,
                    "people": size,
                    "with_parents": gen.n_children,
                    "families": len(fams.partner1),
                    "born": list(born),
                }
            )
            self.progress(f"generation {number + 1}/{len(self.sizes)} done", force=True)
            previous = (gen, fams)
            base += size
            self.newest = gen

    def build_generation(
        self, number: int, base: int, size: int, previous: tuple[Generation, Families] | None
    ) -> Generation:
        rng = self.rng
        sex = bytearray(size)
        birth = array("H", bytes(2 * size))
        surname = array("H", bytes(2 * size))
        child_family = array("i")
        child_position = bytearray()
        k = 0
        if previous is not None:
            parents, fams = previous
            for f, count in enumerate(fams.children):
                if not count:
                    continue
                father, mother = fams.partner1[f], fams.partner2[f]
                fb, mb = parents.birth[father], parents.birth[mother]
                lo = max(fb, mb) + 16
                hi = max(lo, min(mb + 40, lo + 18))
                years = sorted(min(LAST_BIRTH, rng.randint(lo, hi)) for _ in range(count))
                for position, year in enumerate(years):
                    sex[k] = rng.getrandbits(1)
                    birth[k] = year
                    surname[k] = parents.surname[father]
                    child_family.append(f)
                    child_position.append(position)
                    k += 1
        n_children = k
        for i in range(n_children, size):
            sex[i] = rng.getrandbits(1)
            if n_children:
                year = birth[rng.randrange(n_children)] + rng.randint(-4, 4)
            else:
                year = rng.randint(FIRST_BIRTH, FOUNDERS_BORN_BY) + 28 * number
            birth[i] = max(FIRST_BIRTH, min(LAST_BIRTH, year))
            surname[i] = rng.randrange(len(SURNAMES))
        return Generation(number, base, size, n_children, sex, birth, surname, child_family,
                          child_position)  # fmt: skip

    def pair(self, gen: Generation) -> Families:
        """Couples of similar age across lineages, then a few second marriages."""
        rng = self.rng
        males = [i for i in range(gen.size) if gen.sex[i] == MALE]
        females = [i for i in range(gen.size) if gen.sex[i] == FEMALE]
        rng.shuffle(males)
        rng.shuffle(females)
        married = int(min(len(males), len(females)) * MARRIAGE_RATE)
        if min(len(males), len(females)) >= 1 and married == 0:
            married = 1
        single_m, single_f = males[married:], females[married:]

        def by_age(people: list[int]) -> list[int]:
            return sorted(people, key=lambda i: gen.birth[i] + rng.uniform(-6, 6))

        husbands, wives = by_age(males[:married]), by_age(females[:married])
        del males, females
        gen.husband = array("i", [-1]) * gen.size
        for h, w in zip(husbands, wives, strict=True):
            gen.husband[w] = h
        partner1, partner2 = array("i", husbands), array("i", wives)
        for _ in range(int(married * REMARRIAGE_RATE)):
            f = rng.randrange(married)
            if single_f and (rng.random() < 0.5 or not single_m):
                partner1.append(partner1[f])
                partner2.append(single_f.pop())
            elif single_m:
                partner1.append(single_m.pop())
                partner2.append(partner2[f])
        base = self.family_count
        self.family_count += len(partner1)
        return Families(base, partner1, partner2, bytearray(len(partner1)))

    def assign_children(self, fams: Families, next_size: int) -> None:
        """0-8 children a family (Poisson-like), adding up to the next generation minus marry-ins."""
        rng = self.rng
        count = len(fams.partner1)
        if not count:
            return
        wanted = min(round(next_size * (1 - MARRY_IN)), MAX_CHILDREN * count, next_size)
        mean = wanted / count
        weights = [math.exp(-mean) * mean**k / math.factorial(k) for k in range(MAX_CHILDREN + 1)]
        drawn = rng.choices(range(MAX_CHILDREN + 1), weights=weights, k=count)
        children = fams.children
        for f, c in enumerate(drawn):
            children[f] = c
        diff = wanted - sum(drawn)
        while diff > 0:
            f = rng.randrange(count)
            if children[f] < MAX_CHILDREN:
                children[f] += 1
                diff -= 1
        while diff < 0:
            f = rng.randrange(count)
            if children[f] > 0:
                children[f] -= 1
                diff += 1

    # -- rows ---------------------------------------------------------------------------------
    def insert_people(self, gen: Generation, fams: Families) -> None:
        rng, ids, tree_id = self.rng, self.ids, self.tree_id
        for lo in range(0, gen.size, CHUNK_PEOPLE):
            hi = min(gen.size, lo + CHUNK_PEOPLE)
            people: list[dict[str, Any]] = []
            names: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            search: list[dict[str, Any]] = []
            for i in range(lo, hi):
                person_id = ids(b"P", gen.base + i)
                female = gen.sex[i] == FEMALE
                given = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
                if rng.random() < 0.15:
                    given += " " + rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
                surname_index = gen.surname[i]
                self.surname_counts[surname_index] += 1
                own = [self.name_row(person_id, 0, "birth", given, SURNAMES[surname_index])]
                husband = gen.husband[i] if female else -1
                if husband >= 0 and rng.random() < MARRIED_NAME_RATE:
                    married = SURNAMES[gen.surname[husband]]
                    if married != own[0]["surname"]:
                        own.append(self.name_row(person_id, 1, "married", given, married))
                year = gen.birth[i]
                text, lo_day, hi_day = stored_date(self.date_text(year))
                life = [self.event_row(person_id, "birth", text, lo_day, hi_day, self.place())]
                death_year = self.death_year(year)
                if death_year is not None:
                    text, lo_day, hi_day = stored_date(self.date_text(death_year, death=True))
                    life.append(
                        self.event_row(person_id, "death", text, lo_day, hi_day, self.place(0.7))
                    )
                summary = summaries.compute(own, life)
                sex = "female" if female else "male"
                people.append(
                    {
                        "id": person_id,
                        "tree_id": tree_id,
                        "sex": sex,
                        # Living is inferred from the dates (adapters/sql/privacy.py), as
                        # for an imported tree.
                        "living": None,
                        **summary,
                    }
                )
                search += summaries.search_rows(tree_id, person_id, sex, summary, own)
                names += own
                events += life
            with self.store.write() as tx:
                tx.record_history = False  # a bulk load, like an import: no per-row history
                self.insert(tx, "person", people)
                self.insert(tx, "name", names)
                self.insert(tx, "name_search", search)
                self.insert(tx, "event", events)
            self.stats.people += hi - lo
            self.progress(f"generation {gen.number + 1}/{len(self.sizes)}")

    def name_row(
        self, person_id: uuid.UUID, position: int, kind: str, given: str, surname: str
    ) -> dict[str, Any]:
        self.name_counter += 1
        nickname = self.rng.choice(NICKNAMES) if position == 0 and self.rng.random() < 0.02 else ""
        row = {
            "id": self.ids(b"N", self.name_counter),
            "person_id": person_id,
            "tree_id": self.tree_id,
            "position": position,
            "type": kind,
            "given": given,
            "surname": surname,
            "prefix": "",
            "suffix": "",
            "nickname": nickname,
            "title": "",
        }
        return row | summaries.name_keys(row)

    def event_row(
        self,
        person_id: uuid.UUID | None,
        kind: str,
        text: str,
        earliest: int | None,
        latest: int | None,
        place_id: uuid.UUID | None,
        family_id: uuid.UUID | None = None,
    ) -> dict[str, Any]:
        return {
            "id": self.event_id(),
            "tree_id": self.tree_id,
            "person_id": person_id,
            "family_id": family_id,
            "type": kind,
            "date_text": text,
            "date_earliest": earliest,
            "date_latest": latest,
            "place_id": place_id,
        }

    def death_year(self, birth: int) -> int | None:
        rng = self.rng
        if birth >= 1965:
            chance = 0.04
        elif birth >= 1935:
            chance = 0.35
        else:
            chance = 1.0
        if rng.random() >= chance:
            return None
        age = rng.randint(0, 4) if rng.random() < 0.08 else rng.randint(20, 95)
        return min(LAST_DEATH, birth + age)

    def insert_child_links(self, gen: Generation, parent_fams: Families) -> None:
        ids, tree_id = self.ids, self.tree_id
        for lo in range(0, gen.n_children, CHUNK_PEOPLE):
            hi = min(gen.n_children, lo + CHUNK_PEOPLE)
            rows = [
                {
                    "family_id": ids(b"F", parent_fams.base + gen.child_family[k]),
                    "child_id": ids(b"P", gen.base + k),
                    "tree_id": tree_id,
                    "pedigree": "adopted" if self.rng.random() < 0.02 else "birth",
                    "position": gen.child_position[k],
                }
                for k in range(lo, hi)
            ]
            with self.store.write() as tx:
                tx.record_history = False  # a bulk load, like an import: no per-row history
                self.insert(tx, "family_children", rows)
            self.progress(f"generation {gen.number + 1}/{len(self.sizes)}: child links")

    def insert_families(self, gen: Generation, fams: Families) -> None:
        rng, ids, tree_id = self.rng, self.ids, self.tree_id
        count = len(fams.partner1)
        for lo in range(0, count, CHUNK_PEOPLE):
            hi = min(count, lo + CHUNK_PEOPLE)
            rows: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            for f in range(lo, hi):
                family_id = ids(b"F", fams.base + f)
                p1, p2 = fams.partner1[f], fams.partner2[f]
                rows.append(
                    {
                        "id": family_id,
                        "tree_id": tree_id,
                        "partner1_id": ids(b"P", gen.base + p1),
                        "partner2_id": ids(b"P", gen.base + p2),
                        "union_type": rng.choice(UNION_TYPES),
                    }
                )
                if rng.random() < MARRIAGE_EVENT_RATE:
                    year = min(LAST_BIRTH, max(gen.birth[p1], gen.birth[p2]) + rng.randint(18, 28))
                    text, lo_day, hi_day = stored_date(self.date_text(year))
                    events.append(
                        self.event_row(
                            None, "marriage", text, lo_day, hi_day, self.place(), family_id
                        )
                    )
            with self.store.write() as tx:
                tx.record_history = False  # a bulk load, like an import: no per-row history
                self.insert(tx, "family", rows)
                self.insert(tx, "event", events)
            self.progress(f"generation {gen.number + 1}/{len(self.sizes)}: families")


# -- database preparation, reuse, finishing ------------------------------------------------------
def prepare_database(url: str, fresh: bool) -> None:
    """Creates (or, with ``fresh``, drops and re-creates) the database the URL names."""
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        if fresh and u.database and u.database != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(u.database + suffix).unlink(missing_ok=True)
        return
    name = u.database or ""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SystemExit(f"refusing to manage a database named {name!r}")
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if exists and fresh:
                print(f"dropping database {name}", flush=True)
                conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            if fresh or not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()


def reusable(url: str, manifest_path: Path, people: int, seed: int) -> bool:
    """True if the manifest describes a finished tree of this size and seed that is still there."""
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        return False
    if not (
        manifest.get("complete")
        and manifest.get("manifest_version") == MANIFEST_VERSION
        and manifest.get("people") == people
        and manifest.get("seed") == seed
        and manifest.get("url") == safe_url(url)
    ):
        return False
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite" and not Path(u.database or "").is_file():
        return False
    engine = sa.create_engine(url)
    try:
        if not schema_matches(engine):
            print("the database's schema differs from tables.py: rebuilding it", flush=True)
            return False
        with engine.connect() as conn:
            found = conn.scalar(
                sa.select(sa.func.count())
                .select_from(tables.people)
                .where(tables.people.c.tree_id == uuid.UUID(manifest["tree_id"]))
            )
        return found == people
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def schema_matches(engine: sa.Engine) -> bool:
    """True if every table of ``tables.py`` is there with the same columns and indexes (a schema
    changed in place, with no new migration, would otherwise go unnoticed by a reused database)."""
    inspector = sa.inspect(engine)
    for table in tables.metadata.sorted_tables:
        if not inspector.has_table(table.name):
            return False
        # Columns the migrations add outside tables.py (PostgreSQL's generated tsvectors of the
        # search index) do not make the schema different.
        columns = {c["name"] for c in inspector.get_columns(table.name)} - OUTSIDE_METADATA
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        if columns != set(table.c.keys()) or not {i.name for i in table.indexes} <= indexes:
            return False
    return True


def analyze(engine: sa.Engine) -> None:
    if engine.dialect.name == "postgresql":
        # VACUUM also sets the visibility map, so index-only scans work as in a settled database.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
        return
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("ANALYZE")
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cur.close()
    finally:
        raw.close()


def database_version(engine: sa.Engine) -> str:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return f"PostgreSQL {conn.scalar(sa.text('SHOW server_version'))}"
    return f"SQLite {sqlite3.sqlite_version}"


def deep_cursors(store: SqlTreeStore, tree_id: uuid.UUID, people: int) -> dict[str, Any]:
    """Cursors that start a page at given depths of the name and birth orders (for ``bench.run``)."""
    p = tables.people
    out: dict[str, list[dict[str, Any]]] = {"name": [], "birth": []}
    with store.read() as tx:
        for sort, column in (("name", p.c.name_key), ("birth", p.c.birth_sort)):
            for depth in CURSOR_DEPTHS:
                offset = min(people - 1, int(people * depth))
                row = tx.conn.execute(
                    sa.select(column, p.c.id)
                    .where(p.c.tree_id == tree_id)
                    .order_by(column, p.c.id)
                    .offset(offset)
                    .limit(1)
                ).first()
                if row is not None:
                    cursor = encode_cursor(sort, [row[0], row[1]])
                    out[sort].append({"depth": depth, "offset": offset, "cursor": cursor})
    return out


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
    }


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)


def sample(rng: random.Random, items: Sequence[int], k: int) -> list[int]:
    return sorted(rng.sample(items, min(k, len(items))))


def build(url: str, people: int, seed: int, manifest_path: Path) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        upgrade(engine)
        store = SqlTreeStore(engine)
        with store.read() as tx:
            if tx.conn.scalar(sa.select(sa.func.count()).select_from(tables.trees)):
                raise SystemExit(
                    "the database already holds trees: give --fresh to rebuild it from scratch"
                )
        gen = Generator(store, people, seed)
        gen.run()
        owner_id = uuid.uuid5(gen.tree_id, "owner")
        with store.write() as tx:
            tx.record_history = False  # a bulk load, like an import: no per-row history
            # The inputs of the living rule, for the whole tree in one statement, as after an
            # import; and an owner, so that the benchmark can compare a guest with the owner.
            tx.refresh_evidence_of_tree(gen.tree_id)
            tx.insert(
                "user",
                {
                    "id": owner_id,
                    "email": OWNER_EMAIL,
                    "password_hash": Argon2Hasher().hash(OWNER_PASSWORD),
                    "email_verified_at": datetime.now(UTC),
                },
            )
            tx.update("tree", gen.tree_id, {"owner_id": owner_id})
        load_seconds = gen.stats.elapsed()
        rows = gen.stats.total_rows()
        print(
            f"loaded {rows:,} rows in {load_seconds:.1f}s ({rows / load_seconds:,.0f} rows/s); "
            "running ANALYZE",
            flush=True,
        )
        t0 = time.perf_counter()
        analyze(engine)
        analyze_seconds = time.perf_counter() - t0
        cursors = deep_cursors(store, gen.tree_id, people)
        newest = gen.newest
        assert newest is not None
        pick = random.Random(seed + 1)
        newest_pool = range(newest.n_children) if newest.n_children else range(newest.size)
        top = [i for i, _ in gen.surname_counts.most_common(8)]
        manifest = {
            "manifest_version": MANIFEST_VERSION,
            "complete": True,
            "people": people,
            "seed": seed,
            "url": safe_url(url),
            "backend": engine.dialect.name,
            "database_version": database_version(engine),
            "tree_id": str(gen.tree_id),
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "load_seconds": round(load_seconds, 1),
            "analyze_seconds": round(analyze_seconds, 1),
            "rows": dict(gen.stats.rows),
            "rows_per_second": round(rows / load_seconds),
            "peak_rss_mb": round(rss_mb(), 1),
            "generations": gen.summary,
            "samples": {
                "people": [
                    str(gen.ids(b"P", i)) for i in sample(pick, range(people), SAMPLE_PEOPLE)
                ],
                "newest_generation": [
                    str(gen.ids(b"P", newest.base + i))
                    for i in sample(pick, newest_pool, SAMPLE_NEWEST)
                ],
                "oldest_generation": [
                    str(gen.ids(b"P", i)) for i in sample(pick, gen.oldest_partners, SAMPLE_OLDEST)
                ],
            },
            "surnames": [SURNAMES[i] for i in top],
            "name_prefixes": sorted({fold(SURNAMES[i])[:3] for i in top}),
            "birth_years": [
                min(g["born"][0] for g in gen.summary),
                max(g["born"][1] for g in gen.summary),
            ],
            "place": {"id": str(gen.place_ids[FILTER_PLACE]), "name": "Masvingo Province"},
            "owner": {"email": OWNER_EMAIL, "password": OWNER_PASSWORD},
            "cursors": cursors,
        }
        write_manifest(manifest_path, manifest)
        return manifest
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the database to fill")
    parser.add_argument("--people", type=int, required=True, help="how many people (N)")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed (ids, data)")
    parser.add_argument("--manifest", type=Path, help="where to write the JSON manifest")
    parser.add_argument(
        "--fresh", action="store_true", help="drop and re-create the database first"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database if its manifest says it holds this N and seed; else rebuild it",
    )
    args = parser.parse_args(argv)
    manifest_path: Path = args.manifest or default_manifest(args.url)
    if args.reuse and not args.fresh and reusable(args.url, manifest_path, args.people, args.seed):
        print(f"reusing {safe_url(args.url)}: {args.people:,} people ({manifest_path})")
        return 0
    prepare_database(args.url, fresh=args.fresh or args.reuse)
    manifest_path.unlink(missing_ok=True)
    manifest = build(args.url, args.people, args.seed, manifest_path)
    print(
        f"tree {manifest['tree_id']}: {args.people:,} people, {sum(manifest['rows'].values()):,} "
        f"rows in {manifest['load_seconds']}s (+{manifest['analyze_seconds']}s ANALYZE), "
        f"{manifest['rows_per_second']:,} rows/s, peak RSS {manifest['peak_rss_mb']} MiB"
    )
    print(f"manifest: {manifest_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
