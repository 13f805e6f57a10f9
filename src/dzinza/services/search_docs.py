"""People as search documents (``ports.SearchDoc``): built from what the store holds about them
(names, events and their places, notes, cited sources) and the privacy inputs the store keeps."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from dzinza.domain.dates import jdn_to_gregorian
from dzinza.domain.vocabulary import BIRTH_LIKE
from dzinza.ports import SearchDoc, StoreSession
from dzinza.services import search_terms as terms

OPEN_RANGE_YEARS = 20
"""A birth known only as "after 1900" (or "before") is searched as 1900-1920 (or 1880-1900)."""
TEXT_LIMIT = 20_000
"""Characters of free text kept per person: notes can be whole transcriptions."""


def year_of(jdn: int | None) -> int | None:
    return None if jdn is None else jdn_to_gregorian(jdn)[0]


def year_range(earliest: int | None, latest: int | None) -> tuple[int | None, int | None]:
    lo, hi = year_of(earliest), year_of(latest)
    if lo is None and hi is not None:
        lo = hi - OPEN_RANGE_YEARS
    if hi is None and lo is not None:
        hi = lo + OPEN_RANGE_YEARS
    return lo, hi


def place_token(place_id: uuid.UUID) -> str:
    return "pl" + place_id.hex


def event_token(event_type: str) -> str:
    return "ev" + "".join(ch for ch in event_type.lower() if ch.isalnum())


def build(tx: StoreSession, person_ids: Sequence[uuid.UUID]) -> list[SearchDoc]:
    """The documents of these people (those that still exist)."""
    material = tx.search_material(person_ids)
    names: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for n in material["names"]:
        names.setdefault(n["person_id"], []).append(n)
    events: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for e in material["events"]:
        events.setdefault(e["person_id"], []).append(e)
    return [
        _doc(
            p,
            names.get(p["id"], []),
            events.get(p["id"], []),
            material["places"],
            material["notes"].get(p["id"], []),
            material["sources"].get(p["id"], []),
        )
        for p in material["people"]
    ]


def _doc(
    person: dict[str, Any],
    names: list[dict[str, Any]],
    events: list[dict[str, Any]],
    places: dict[uuid.UUID, tuple[str, uuid.UUID | None]],
    notes: list[str],
    sources: list[str],
) -> SearchDoc:
    given: list[str] = []
    surnames: list[str] = []
    plain: list[str] = []
    for n in names:
        gw = terms.words(n["given"]) + terms.words(n["nickname"])
        sw = terms.surname_words(n["surname"])
        given += gw
        surnames += sw
        plain += gw + terms.words(n["surname"])
    tokens = terms.name_tokens(dict.fromkeys(given), dict.fromkeys(surnames))
    filters: set[str] = set()
    text: list[str] = []
    region = ""
    for e in events:
        filters.add(event_token(e["type"]))
        text += [e["label"], e["description"], e["value"]]
        pid = e["place_id"]
        outermost = ""
        seen: set[uuid.UUID] = set()
        while pid is not None and pid in places and pid not in seen:
            seen.add(pid)
            filters.add(place_token(pid))
            outermost, pid = places[pid]
            text.append(outermost)
        if not region and outermost and e["type"] in BIRTH_LIKE:
            region = outermost
    text += notes + sources
    birth_from, birth_to = year_range(person["birth_earliest"], person["birth_latest"])
    death_from, death_to = year_range(person["death_earliest"], person["death_latest"])
    century = None if birth_from is None else (birth_from // 100) * 100
    surname = " ".join(terms.words(names[0]["surname"])) if names else ""
    return SearchDoc(
        person_id=person["id"],
        tree_id=person["tree_id"],
        display_name=person["display_name"],
        name_key=person["name_key"],
        sex=person["sex"],
        names=" ".join(dict.fromkeys(plain)),
        exact=" ".join(sorted(tokens["exact"])),
        variant=" ".join(sorted(tokens["variant"])),
        phonetic=" ".join(sorted(tokens["phonetic"])),
        fuzzy=" ".join(sorted(tokens["fuzzy"])),
        filters=" ".join(sorted(filters)),
        text=terms.fold_ascii(" ".join(x for x in text if x))[:TEXT_LIMIT],
        surname=surname,
        region=region[:300],
        birth_from=birth_from,
        birth_to=birth_to,
        death_from=death_from,
        death_to=death_to,
        century=century,
        living=person["living"],
        private=person["private"],
        restriction=person["restriction"],
        has_death=person["has_death"],
        evidence_day=person["evidence_day"],
    )
