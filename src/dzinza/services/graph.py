"""Walking the family graph: pedigrees (ancestors) and descendants, each one SQL query."""

from __future__ import annotations

import uuid
from typing import Any

from dzinza.domain.errors import ValidationFailed
from dzinza.ports import TreeStore
from dzinza.services import views
from dzinza.services.common import Actor, record_for

MAX_GENERATIONS = 25
MAX_ROWS = 20_000
"""Pedigree collapse can make the same ancestor appear along many paths: cap the rows walked."""


def _generations(generations: int) -> int:
    if not 1 <= generations <= MAX_GENERATIONS:
        raise ValidationFailed(f"generations must be between 1 and {MAX_GENERATIONS}.")
    return generations


class GraphService:
    def __init__(self, store: TreeStore) -> None:
        self.store = store

    def pedigree(self, actor: Actor, person_id: uuid.UUID, generations: int) -> dict[str, Any]:
        gens = _generations(generations)
        with self.store.read() as tx:
            record_for(tx, "person", person_id, actor)
            rows = tx.ancestors(person_id, gens, MAX_ROWS)
            people = {r["id"]: r for r in tx.summaries([r["person_id"] for r in rows])}
        return self._chart(person_id, gens, rows, people, "child_id")

    def descendants(self, actor: Actor, person_id: uuid.UUID, generations: int) -> dict[str, Any]:
        gens = _generations(generations)
        with self.store.read() as tx:
            record_for(tx, "person", person_id, actor)
            rows = tx.descendants(person_id, gens, MAX_ROWS)
            people = {r["id"]: r for r in tx.summaries([r["person_id"] for r in rows])}
        return self._chart(person_id, gens, rows, people, "parent_id")

    @staticmethod
    def _chart(
        root: uuid.UUID,
        gens: int,
        rows: list[dict[str, Any]],
        people: dict[Any, dict[str, Any]],
        via: str,
    ) -> dict[str, Any]:
        """People once each (at their nearest generation) and every link walked, for drawing."""
        seen: dict[Any, int] = {}
        for r in rows:
            seen.setdefault(r["person_id"], r["generation"])
        links = [
            {
                "person_id": str(r["person_id"]),
                via: str(r[via]),
                "family_id": str(r["family_id"]),
                "pedigree": r["pedigree"],
                "generation": r["generation"],
            }
            for r in rows
            if r[via] is not None
        ]
        return {
            "root_id": str(root),
            "generations": gens,
            "people": [
                views.summary(people[pid]) | {"generation": g}
                for pid, g in seen.items()
                if pid in people
            ],
            "links": links,
            "truncated": len(rows) >= MAX_ROWS,
        }
