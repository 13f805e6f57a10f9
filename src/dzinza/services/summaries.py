"""The denormalised summary each person row carries (display name, sort key, birth and death),
recomputed from the person's names and events whenever either changes."""

from __future__ import annotations

import uuid
from typing import Any

from dzinza.domain.names import fold, sort_key
from dzinza.domain.vocabulary import BIRTH_LIKE, DEATH_LIKE
from dzinza.ports import Row, StoreSession
from dzinza.services import views

NO_BIRTH_SORT = 2_147_483_647
"""People with no known birth sort after everyone else."""


def name_keys(values: dict[str, Any]) -> dict[str, Any]:
    """The folded copies of a name's parts that matching and sorting use."""
    return {
        "given_key": fold(values.get("given", "")),
        "surname_key": fold(values.get("surname", "")),
    }


def sort_day(earliest: int | None, latest: int | None) -> int | None:
    """The day a date sorts by: the middle of its range, so "ABT 1911" sorts after "1908"."""
    if earliest is not None and latest is not None:
        return (earliest + latest) // 2
    return earliest if earliest is not None else latest


def _first(events: list[Row], types: tuple[str, ...]) -> Row | None:
    for wanted in types:
        for e in events:
            if e["type"] == wanted and (e["date_text"] or e["place_id"]):
                return e
    return None


def compute(names: list[Row], events: list[Row]) -> dict[str, Any]:
    primary = views.name_parts(names[0]) if names else None
    birth, death = _first(events, BIRTH_LIKE), _first(events, DEATH_LIKE)
    b_lo = birth["date_earliest"] if birth else None
    b_hi = birth["date_latest"] if birth else None
    return {
        "display_name": primary.display() if primary else "(no name)",
        "name_key": sort_key(primary),
        "birth_text": birth["date_text"] if birth else "",
        "birth_earliest": b_lo,
        "birth_latest": b_hi,
        "birth_sort": NO_BIRTH_SORT if (mid := sort_day(b_lo, b_hi)) is None else mid,
        "death_text": death["date_text"] if death else "",
        "death_earliest": death["date_earliest"] if death else None,
        "death_latest": death["date_latest"] if death else None,
    }


def search_keys(name_rows: list[Row]) -> set[str]:
    """What a name filter matches: each folded given name and surname, whole and word by word."""
    keys: set[str] = set()
    for n in name_rows:
        for whole in (n["given_key"], n["surname_key"]):
            if whole:
                keys.add(whole)
                keys.update(whole.split())
    return keys


def search_rows(
    tree_id: uuid.UUID, person_id: uuid.UUID, sex: str, summary: dict[str, Any], names: list[Row]
) -> list[dict[str, Any]]:
    """The name_search rows of one person (see tables.name_search)."""
    return [
        {
            "person_id": person_id,
            "key": key,
            "tree_id": tree_id,
            "name_key": summary["name_key"],
            "birth_sort": summary["birth_sort"],
            "birth_earliest": summary["birth_earliest"],
            "birth_latest": summary["birth_latest"],
            "sex": sex,
        }
        for key in sorted(search_keys(names))
    ]


def refresh(tx: StoreSession, person_id: uuid.UUID) -> None:
    """Recomputes a person's summary and name-search keys after any change to them."""
    names = tx.names_of([person_id])
    events = tx.events_of(person_id=person_id)
    summary = compute(names, events)
    tx.update("person", person_id, summary)
    person = tx.get("person", person_id)
    assert person is not None
    rows = search_rows(person["tree_id"], person_id, person["sex"], summary, names)
    tx.replace_search_keys(person_id, rows)
    # Their birth or death is evidence about whether they and their relatives are living.
    tx.refresh_evidence(tx.relatives_of([person_id]) | {person_id})
