"""Trees: the unit of ownership and visibility. Everything else lives inside one.

Reading a tree needs read access; changing its name, description, visibility or home person
needs a manager; deleting it, its owner (members and the hand-over are in
``services/members.py``). Every view of a tree carries the caller's role in it (``my_role``:
null for a guest or a site admin who is not a member), so a client knows what to offer without
asking again, and its home person (``home_person``: the person the tree opens on, as the
caller may see them: someone hidden from them comes as the "Private" placeholder, as everywhere
else; null when none is chosen).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from dzinza.domain.errors import N_, AuthenticationRequired, ValidationFailed, said
from dzinza.domain.vocabulary import Role
from dzinza.ports import Row, StoreSession, TreeStore, Viewer
from dzinza.services import audit, views
from dzinza.services.access import Need, standings, tree_access
from dzinza.services.common import (
    Actor,
    Page,
    check_if_match,
    make_page,
    page_limit,
    sort_spec,
)

TREE_SORTS = {"name": ("name", "id"), "created": ("created_at", "id")}


def tree_view(row: Row, my_role: str | None, home_person: Row | None = None) -> dict[str, Any]:
    """A tree as every surface shows it. ``home_person``: the store's summary of the home person
    as the reader may see them (``home_person_of``); without it the view says none."""
    home = views.summary(home_person) if home_person is not None else None
    return views.plain(row) | {"my_role": my_role, "home_person": home}


def home_person_of(tx: StoreSession, tree: Row) -> Row | None:
    """The tree's home person through the session's privacy scope (set it for the reader
    first: ``tree_access`` does): the "Private" placeholder for someone hidden from them."""
    person_id = tree.get("home_person_id")
    if person_id is None:
        return None
    found = tx.summaries([person_id])
    return found[0] if found else None


def _home_person_id(tx: StoreSession, tree_id: uuid.UUID, value: Any) -> uuid.UUID | None:
    """The home person asked for: null clears it; anyone else must be a person of this tree."""
    if value is None:
        return None
    try:
        person_id = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        person_id = None
    person = tx.get("person", person_id) if person_id is not None else None
    if person is None or person["tree_id"] != tree_id:
        raise ValidationFailed(
            said("home_person_id: there is no person with id %(value)s in this tree.", value=value),
            errors=[{"field": "home_person_id", "message": "no such person in this tree"}],
        )
    return person_id


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
            homes = _home_people(tx, actor, rows[:n])
        items = [tree_view(r, _role_in(r, actor, roles), homes.get(r["id"])) for r in rows]
        return make_page(rows, n, sort, spec, items)

    def get(self, actor: Actor, tree_id: uuid.UUID) -> dict[str, Any]:
        with self.store.read() as tx:
            access = tree_access(tx, tree_id, actor)
            return self.view(tx, access.tree, _my_role(access.role))

    @staticmethod
    def view(tx: StoreSession, tree: Row, my_role: str | None) -> dict[str, Any]:
        """The tree's view for the reader whose privacy scope the session has."""
        return tree_view(tree, my_role, home_person_of(tx, tree))

    def create(self, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
        if actor.anonymous:
            raise AuthenticationRequired(N_("Sign in to create a tree."))
        with self.store.write() as tx:
            tree_id = self.insert(tx, actor, data)
            row = tx.get("tree", tree_id)
            assert row is not None
            return tree_view(row, "owner" if row["owner_id"] == actor.user_id else None)

    @staticmethod
    def insert(tx: StoreSession, actor: Actor, data: Mapping[str, Any]) -> uuid.UUID:
        name = str(data.get("name") or "").strip()
        if not name:
            raise ValidationFailed(N_("name: a tree needs a name."))
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
            check_if_match(if_match, self.view(tx, access.tree, role))
            values: dict[str, Any] = {}
            if "name" in data:
                name = str(data["name"] or "").strip()
                if not name:
                    raise ValidationFailed(N_("name: a tree needs a name."))
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
            if "home_person_id" in data:
                values["home_person_id"] = _home_person_id(tx, tree_id, data["home_person_id"])
            renamed: dict[str, Any] = {
                k: {"from": access.tree[k], "to": values[k]}
                for k in ("name", "description", "home_person_id")
                if k in values and values[k] != access.tree[k]
            }
            if renamed:
                audit.tree_action(tx, actor.user_id, audit.Action.TREE_SETTINGS, tree_id, renamed)
            tx.update("tree", tree_id, values)
            row = tx.get("tree", tree_id)
            assert row is not None
            return self.view(tx, row, role)

    def delete(self, actor: Actor, tree_id: uuid.UUID, if_match: str | None) -> None:
        with self.store.write() as tx:
            access = tree_access(tx, tree_id, actor, Need.OWN)
            check_if_match(if_match, self.view(tx, access.tree, _my_role(access.role)))
            detail = {"name": access.tree["name"]}
            audit.tree_action(tx, actor.user_id, audit.Action.TREE_DELETE, tree_id, detail)
            tx.delete("tree", tree_id)  # every record of the tree cascades with it


def _home_people(tx: StoreSession, actor: Actor, trees: list[Row]) -> dict[uuid.UUID, Row]:
    """The home person of each tree of a list, each through the reader's privacy scope in
    that tree: one query per distinct scope (a guest's, a member's...), not one per tree."""
    chosen = [tree for tree in trees if tree.get("home_person_id") is not None]
    if not chosen:
        return {}
    by_viewer: dict[Viewer, list[Row]] = {}
    for access in standings(tx, chosen, actor):
        by_viewer.setdefault(access.viewer(), []).append(access.tree)
    found: dict[uuid.UUID, Row] = {}
    for viewer, group in by_viewer.items():
        tx.set_viewer(viewer)
        people = {p["id"]: p for p in tx.summaries([tree["home_person_id"] for tree in group])}
        for tree in group:
            if (person := people.get(tree["home_person_id"])) is not None:
                found[tree["id"]] = person
    return found


def _my_role(role: Role | None) -> str | None:
    return role.value if role is not None else None


def _role_in(tree: Row, actor: Actor, member_roles: Mapping[uuid.UUID, str]) -> str | None:
    if actor.user_id is not None and tree["owner_id"] == actor.user_id:
        return Role.OWNER.value
    return member_roles.get(tree["id"])
