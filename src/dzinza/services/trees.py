"""Trees: the unit of ownership and visibility. Everything else lives inside one.

Reading a tree needs read access; changing its name, description or visibility needs a manager;
deleting it, its owner (members and the hand-over are in ``services/members.py``). Every view
of a tree carries the caller's role in it (``my_role``: null for a guest or a site admin who is
not a member), so a client knows what to offer without asking again.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from dzinza.domain.errors import AuthenticationRequired, ValidationFailed
from dzinza.domain.vocabulary import Role
from dzinza.ports import Row, StoreSession, TreeStore
from dzinza.services import audit, views
from dzinza.services.access import Need, tree_access
from dzinza.services.common import (
    Actor,
    Page,
    check_if_match,
    make_page,
    page_limit,
    sort_spec,
)

TREE_SORTS = {"name": ("name", "id"), "created": ("created_at", "id")}


def tree_view(row: Row, my_role: str | None) -> dict[str, Any]:
    return views.plain(row) | {"my_role": my_role}


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
            roles: dict[uuid.UUID, str] = {}
            if actor.user_id is not None:
                roles = tx.roles_in(actor.user_id, [r["id"] for r in rows])
        items = [tree_view(r, _role_in(r, actor, roles)) for r in rows]
        return make_page(rows, n, sort, spec, items)

    def get(self, actor: Actor, tree_id: uuid.UUID) -> dict[str, Any]:
        with self.store.read() as tx:
            access = tree_access(tx, tree_id, actor)
            return tree_view(access.tree, _my_role(access.role))

    def create(self, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
        if actor.anonymous:
            raise AuthenticationRequired("Sign in to create a tree.")
        with self.store.write() as tx:
            tree_id = self.insert(tx, actor, data)
            row = tx.get("tree", tree_id)
            assert row is not None
            return tree_view(row, "owner" if row["owner_id"] == actor.user_id else None)

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
            access = tree_access(tx, tree_id, actor, Need.MANAGE)
            role = _my_role(access.role)
            check_if_match(if_match, tree_view(access.tree, role))
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
                was, now = access.tree["visibility"], values["visibility"]
                if now != was:
                    detail = {"from": was, "to": now}
                    audit.tree_action(
                        tx, actor.user_id, audit.Action.TREE_VISIBILITY, tree_id, detail
                    )
            renamed: dict[str, Any] = {
                k: {"from": access.tree[k], "to": values[k]}
                for k in ("name", "description")
                if k in values and values[k] != access.tree[k]
            }
            if renamed:
                audit.tree_action(tx, actor.user_id, audit.Action.TREE_SETTINGS, tree_id, renamed)
            tx.update("tree", tree_id, values)
            row = tx.get("tree", tree_id)
            assert row is not None
            return tree_view(row, role)

    def delete(self, actor: Actor, tree_id: uuid.UUID, if_match: str | None) -> None:
        with self.store.write() as tx:
            access = tree_access(tx, tree_id, actor, Need.OWN)
            check_if_match(if_match, tree_view(access.tree, _my_role(access.role)))
            detail = {"name": access.tree["name"]}
            audit.tree_action(tx, actor.user_id, audit.Action.TREE_DELETE, tree_id, detail)
            tx.delete("tree", tree_id)  # every record of the tree cascades with it


def _my_role(role: Role | None) -> str | None:
    return role.value if role is not None else None


def _role_in(tree: Row, actor: Actor, member_roles: Mapping[uuid.UUID, str]) -> str | None:
    if actor.user_id is not None and tree["owner_id"] == actor.user_id:
        return Role.OWNER.value
    return member_roles.get(tree["id"])
