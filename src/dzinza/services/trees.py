"""Trees: the unit of ownership and visibility. Everything else lives inside one."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from dzinza.domain.errors import AuthenticationRequired, ValidationFailed
from dzinza.ports import Row, StoreSession, TreeStore
from dzinza.services import views
from dzinza.services.access import tree_for
from dzinza.services.common import (
    Actor,
    Page,
    check_if_match,
    make_page,
    page_limit,
    sort_spec,
)

TREE_SORTS = {"name": ("name", "id"), "created": ("created_at", "id")}


def tree_view(row: Row) -> dict[str, Any]:
    return views.plain(row)


class TreeService:
    def __init__(self, store: TreeStore) -> None:
        self.store = store

    def list(
        self,
        actor: Actor,
        *,
        sort: str = "name",
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page:
        n = page_limit(limit)
        spec = sort_spec(sort, TREE_SORTS, cursor)
        with self.store.read() as tx:
            rows = tx.list_trees(actor.user_id, actor.is_admin, spec, n + 1)
        return make_page(rows, n, sort, spec, [tree_view(r) for r in rows])

    def get(self, actor: Actor, tree_id: uuid.UUID) -> dict[str, Any]:
        with self.store.read() as tx:
            return tree_view(tree_for(tx, tree_id, actor))

    def create(self, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
        if actor.anonymous:
            raise AuthenticationRequired("Sign in to create a tree.")
        with self.store.write() as tx:
            tree_id = self.insert(tx, actor, data)
            row = tx.get("tree", tree_id)
            assert row is not None
            return tree_view(row)

    @staticmethod
    def insert(tx: StoreSession, actor: Actor, data: Mapping[str, Any]) -> uuid.UUID:
        name = str(data.get("name") or "").strip()
        if not name:
            raise ValidationFailed("name: a tree needs a name.")
        owner = data.get("owner_id", actor.user_id if not actor.anonymous else None)
        return tx.insert(
            "tree",
            {
                "id": data.get("id") or uuid.uuid4(),
                "name": name,
                "description": data.get("description") or "",
                "visibility": str(data.get("visibility") or "private"),
                "owner_id": owner if owner != uuid.UUID(int=0) else None,
            },
        )

    def update(
        self, actor: Actor, tree_id: uuid.UUID, data: Mapping[str, Any], if_match: str | None
    ) -> dict[str, Any]:
        with self.store.write() as tx:
            tree = tree_for(tx, tree_id, actor, write=True)
            check_if_match(if_match, tree_view(tree))
            values: dict[str, Any] = {}
            if "name" in data:
                name = str(data["name"] or "").strip()
                if not name:
                    raise ValidationFailed("name: a tree needs a name.")
                values["name"] = name
            if "description" in data:
                values["description"] = data["description"] or ""
            if "visibility" in data and data["visibility"] is not None:
                values["visibility"] = str(data["visibility"])
            tx.update("tree", tree_id, values)
            row = tx.get("tree", tree_id)
            assert row is not None
            return tree_view(row)

    def delete(self, actor: Actor, tree_id: uuid.UUID, if_match: str | None) -> None:
        with self.store.write() as tx:
            tree = tree_for(tx, tree_id, actor, write=True)
            check_if_match(if_match, tree_view(tree))
            tx.delete("tree", tree_id)  # every record of the tree cascades with it
