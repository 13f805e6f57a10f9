"""Walking the family graph: pedigrees (ancestors) and descendants, each one SQL query."""

from __future__ import annotations

import uuid
from typing import Any

from dzinza.domain.errors import ValidationFailed, said
from dzinza.ports import TreeStore
from dzinza.services import views
from dzinza.services.access import record_for
from dzinza.services.cache import TreeCache, scope_key
from dzinza.services.common import Actor

MAX_GENERATIONS = 25
MAX_ROWS = 20_000
"""Pedigree collapse can make the same ancestor appear along many paths: cap the rows walked."""


def _generations(generations: int) -> int:
    if not 1 <= generations <= MAX_GENERATIONS:
        raise ValidationFailed(
            said(
                "generations must be between 1 and %(max_generations)s.",
                max_generations=MAX_GENERATIONS,
            )
        )
    return generations


class GraphService:
    def __init__(self, store: TreeStore, cache: TreeCache | None = None) -> None:
        self.store = store
        self.cache = cache

    def pedigree(self, actor: Actor, person_id: uuid.UUID, generations: int) -> dict[str, Any]:
        return self._cached(actor, person_id, _generations(generations), "pedigree")

    def descendants(self, actor: Actor, person_id: uuid.UUID, generations: int) -> dict[str, Any]:
        return self._cached(actor, person_id, _generations(generations), "descendants")

    def _cached(self, actor: Actor, person_id: uuid.UUID, gens: int, kind: str) -> dict[str, Any]:
        """The chart from the tree's cache, else computed. Access is checked on every call; the
        chart is cached per privacy scope (a guest's chart has the living as "Private")."""
        with self.store.read() as tx:
            _, tree = record_for(tx, "person", person_id, actor)
            scope = scope_key(tx.viewer)

        def compute() -> dict[str, Any]:
            # A transaction of its own, begun after the cache's version was read (see
            # services/cache.py: a snapshot older than the version could be cached under it).
            with self.store.read() as tx:
                record_for(tx, "person", person_id, actor)
                if kind == "pedigree":
                    return self._chart(
                        person_id, gens, tx.ancestors(person_id, gens, MAX_ROWS), "child_id"
                    )
                rows = tx.descendants(person_id, gens, MAX_ROWS)
                return self._chart(person_id, gens, rows, "parent_id")

        if self.cache is None:
            return compute()
        name = f"{kind}:{person_id}:{gens}:{scope}"
        return self.cache.get_or_compute(tree["id"], name, compute)

    @staticmethod
    def _chart(root: uuid.UUID, gens: int, rows: list[dict[str, Any]], via: str) -> dict[str, Any]:
        """People once each (at their nearest generation) and every link walked, for drawing.

        Rows carry ids as text and the person's summary columns (see the store's graph queries).
        """
        people: dict[str, dict[str, Any]] = {}
        links: dict[tuple[str, str, str], dict[str, Any]] = {}
        for r in rows:  # ordered by generation: the first sighting is the nearest
            pid = r["person_id"]
            if pid not in people:
                people[pid] = views.summary(r | {"id": pid}) | {"generation": r["generation"]}
            if r[via] is not None and (key := (pid, r[via], r["family_id"])) not in links:
                links[key] = {
                    "person_id": pid,
                    via: r[via],
                    "family_id": r["family_id"],
                    "pedigree": r["pedigree"],
                    "generation": r["generation"],
                }
        return {
            "root_id": str(root),
            "generations": gens,
            "people": list(people.values()),
            "links": list(links.values()),
            "truncated": len(rows) >= MAX_ROWS,
        }
