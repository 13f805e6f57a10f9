"""A tree's statistics: how many people (by sex, with a death recorded), families, sources,
places and media, the span of births and the commonest surnames, of what the reader may see.
Counted in the database, cached per tree version and privacy scope (services/cache.py)."""

from __future__ import annotations

import uuid
from typing import Any

from dzinza.domain.dates import jdn_to_gregorian
from dzinza.ports import TreeStore
from dzinza.services.access import tree_for
from dzinza.services.cache import TreeCache, scope_key
from dzinza.services.common import Actor


class StatisticsService:
    def __init__(self, store: TreeStore, cache: TreeCache | None = None) -> None:
        self.store = store
        self.cache = cache

    def of_tree(self, actor: Actor, tree_id: uuid.UUID) -> dict[str, Any]:
        with self.store.read() as tx:
            tree_for(tx, tree_id, actor)
            scope = scope_key(tx.viewer)

        def compute() -> dict[str, Any]:
            with self.store.read() as tx:  # begun after the cache's version was read
                tree_for(tx, tree_id, actor)
                found = dict(tx.tree_statistics(tree_id))
            first, last = found.pop("first_birth"), found.pop("last_birth")
            found["births"] = {
                "from": jdn_to_gregorian(first)[0] if first is not None else None,
                "to": jdn_to_gregorian(last)[0] if last is not None else None,
            }
            return {"tree_id": str(tree_id), **found}

        if self.cache is None:
            return compute()
        return self.cache.get_or_compute(tree_id, f"statistics:{scope}", compute)
