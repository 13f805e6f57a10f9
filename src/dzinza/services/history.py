"""The change history of a tree, read under the access rules, and undo.

The store files every write as it commits (``adapters/sql/store_history.py``): one change per
transaction and tree, one item per record with its state before and after. This service shows
them and undoes them.

Reading the history needs the EDIT role (editors, managers, the owner, site admins): items hold
whole records before and after, living and confidential people included, which is exactly what
those roles see anyway. Contributors and viewers are refused (403), whatever the record; they
learn the id of each change they make from the ``X-Change-Id`` response header, and may undo
their own changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from dzinza.domain.errors import N_, Conflict, Forbidden, NotFound, said
from dzinza.ports import Row, StoreSession, TreeStore
from dzinza.services import audit, summaries
from dzinza.services.access import Access, Need, no_such, refuse, standing
from dzinza.services.common import Actor, Page, jsonable, make_page, page_limit, sort_spec

HISTORY_SORTS = {"created": ("created_at", "id")}
NEWEST_FIRST = "-created"
VERBS = {"create": "Added", "update": "Changed", "delete": "Deleted"}
OWNERS = {"name": "person", "family_child": "family", "note_link": "note", "media_link": "media"}
SUBJECTS = (
    "person",
    "family",
    "source",
    "repository",
    "place",
    "event",
    "note",
    "media",
    "citation",
)
"""Record kinds by importance: a change is described by its first record of the first kind."""


def _label(kind: str, snap: Mapping[str, Any] | None) -> str:
    """A few words naming a record from its snapshot."""
    if snap is None:
        return ""
    if kind == "person":
        return str(snap.get("display_name") or "")
    if kind == "note":
        return str(snap.get("text") or "")[:60]
    parts = {
        "name": ("given", "surname"),
        "event": ("type", "date_text"),
        "place": ("name",),
        "repository": ("name",),
        "source": ("title",),
        "citation": ("page",),
        "media": ("title",),
    }.get(kind, ())
    return " ".join(str(snap[p]) for p in parts if snap.get(p))


def _owner(item: Row) -> str:
    snap = item["after"] if item["after"] is not None else item["before"]
    if item["kind"] == "external_id" and snap is not None:
        return str(snap.get("target_type") or "record")
    kind = str(item["kind"])
    return OWNERS.get(kind, kind)


def summary(change: Row, items: list[Row]) -> str:
    """One line: what was done to what ("Changed person Rudo Moyo and 2 more records")."""
    kind, _, verb = str(change["action"]).partition(".")
    if kind == "undo":
        # Named after what it restored: the most important record among its items.
        main = sorted(
            (i for i in items if i["kind"] in SUBJECTS), key=lambda i: SUBJECTS.index(i["kind"])
        )
        kind = main[0]["kind"] if main else _owner(items[0]) if items else "record"
        head = f"Undid a change to {kind.replace('_', ' ')}"
    else:
        head = f"{VERBS.get(verb, verb.capitalize() or 'Changed')} {kind.replace('_', ' ')}"
    subject = next((i for i in items if i["kind"] == kind), None) or next(
        (i for i in items if _owner(i) == kind), None
    )
    if subject is not None:
        snap = subject["after"] if subject["after"] is not None else subject["before"]
        label = _label(subject["kind"], snap)
        head += f" {label}" if label else ""
    more = len(items) - 1
    if more > 0:
        head += f" and {more} more record{'s' if more > 1 else ''}"
    return head


def _who(change: Row) -> dict[str, Any] | None:
    if change["user_id"] is None:
        return None
    return {"id": str(change["user_id"]), "email": change.get("user_email")}


def change_line(change: Row, items: list[Row]) -> dict[str, Any]:
    """A change as one line of the activity feed."""
    return {
        "id": str(change["id"]),
        "tree_id": str(change["tree_id"]),
        "created_at": jsonable(change["created_at"]),
        "user": _who(change),
        "action": change["action"],
        "reason": change["reason"],
        "summary": summary(change, items),
        "records": len(items),
        "undo_of": jsonable(change["undo_of"]),
        "undone_by": jsonable(change["undone_by"]),
    }


def item_view(item: Row) -> dict[str, Any]:
    return {
        "kind": item["kind"],
        "record_id": str(item["record_id"]),
        "person_id": jsonable(item["person_id"]),
        "op": item["op"],
        "before": item["before"],
        "after": item["after"],
    }


def change_view(change: Row, items: list[Row]) -> dict[str, Any]:
    return change_line(change, items) | {"items": [item_view(i) for i in items]}


def _by_change(items: list[Row]) -> dict[uuid.UUID, list[Row]]:
    out: dict[uuid.UUID, list[Row]] = {}
    for item in items:
        out.setdefault(item["change_id"], []).append(item)
    return out


def _editor(tx: StoreSession, tree_id: uuid.UUID, actor: Actor, missing: str) -> Access:
    """Read access to the history: the EDIT role; a reader who may not see the tree is told
    that what they asked for does not exist."""
    tree = tx.get("tree", tree_id)
    if tree is None:
        raise NotFound(missing)
    access = standing(tx, tree, actor)
    if not access.allows(Need.EDIT):
        refuse(access, Need.EDIT, missing)
    tx.set_viewer(access.viewer())
    return access


class HistoryService:
    def __init__(self, store: TreeStore) -> None:
        self.store = store

    def _page(
        self,
        actor: Actor,
        tree_id: uuid.UUID | None,
        about: uuid.UUID | None,
        missing: str,
        cursor: str | None,
        limit: int | None,
        *,
        lines: bool = False,
    ) -> Page:
        n = page_limit(limit)
        spec = sort_spec(NEWEST_FIRST, HISTORY_SORTS, cursor)
        with self.store.read() as tx:
            if tree_id is None:
                assert about is not None
                found = tx.get_in_tree("person", about)
                tree_id = found[1]["id"] if found else tx.tree_of_record(about)
                if tree_id is None:
                    raise NotFound(missing)
            _editor(tx, tree_id, actor, missing)
            rows = tx.list_changes(tree_id, spec, n + 1, about=about)
            ids = [r["id"] for r in rows[:n]]
            items = _by_change(tx.items_of_changes(ids, about=None if lines else about))
        show = change_line if lines else change_view
        views = [show(r, items.get(r["id"], [])) for r in rows[:n]]
        return make_page(rows, n, NEWEST_FIRST, spec, views)

    def of_tree(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        *,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page:
        """Every change of a tree with its items, newest first."""
        missing = no_such("tree", tree_id)
        return self._page(actor, tree_id, None, missing, cursor, limit)

    def of_person(
        self,
        actor: Actor,
        person_id: uuid.UUID,
        *,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page:
        """The changes that touched a person (their record, names, events, links to them), with
        only those items, newest first; a deleted person's history stays readable."""
        missing = no_such("person", person_id)
        return self._page(actor, None, person_id, missing, cursor, limit)

    def activity(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        *,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page:
        """One line per change: who, when, what, why."""
        missing = no_such("tree", tree_id)
        return self._page(actor, tree_id, None, missing, cursor, limit, lines=True)

    def get(self, actor: Actor, change_id: uuid.UUID) -> dict[str, Any]:
        missing = f"There is no change with id {change_id}."
        with self.store.read() as tx:
            change = tx.get_change(change_id)
            if change is None:
                raise NotFound(missing)
            _editor(tx, change["tree_id"], actor, missing)
            return change_view(change, tx.items_of_changes([change_id]))

    def undo(self, actor: Actor, change_id: uuid.UUID) -> dict[str, Any]:
        """Applies the inverse of a change as a new change ('undo'). Editors undo anything,
        contributors their own changes. Refused (409) if it was undone already or if a record
        it touched has changed since."""
        missing = f"There is no change with id {change_id}."
        with self.store.write() as tx:
            change = tx.get_change(change_id, lock=True)
            tree = tx.get("tree", change["tree_id"], lock=True) if change else None
            if change is None or tree is None:
                raise NotFound(missing)
            access = standing(tx, tree, actor)
            if not access.allows(Need.CONTRIBUTE):
                refuse(access, Need.CONTRIBUTE, missing)
            own = actor.user_id is not None and change["user_id"] == actor.user_id
            if not (own or access.allows(Need.EDIT)):
                raise Forbidden(N_("Only an editor may undo someone else's change."))
            if change["undone_by"] is not None:
                raise Conflict(
                    said(
                        "This change was already undone (by change %(id)s).",
                        id=str(change["undone_by"]),
                    )
                )
            items = tx.items_of_changes([change_id])
            if not access.allows(Need.MANAGE) and any(
                i["kind"] == "person"
                and any((s or {}).get("restriction") == "locked" for s in (i["before"], i["after"]))
                for i in items
            ):
                raise Forbidden(
                    N_("This change touched a locked person: only a manager may undo it.")
                )
            tx.set_viewer(access.viewer())
            tx.set_author(actor.user_id)
            people = tx.revert_items(items)
            new_id = tx.note_change("undo", undo_of=change_id)
            for person_id in sorted(people):
                if tx.get("person", person_id) is not None:
                    summaries.refresh(tx, person_id)
            audit.record(
                tx,
                actor.user_id,
                audit.Action.CHANGE_UNDO,
                tree_id=tree["id"],
                target_type="change",
                target_id=change_id,
                detail={"action": change["action"], "undo": str(new_id)},
            )
        with self.store.read() as tx:
            done = tx.get_change(new_id)
            assert done is not None
            done_items = tx.items_of_changes([new_id])
        view = change_line(done, done_items)
        # The items hold whole records: shown to those who may read the history only.
        return view | (
            {"items": [item_view(i) for i in done_items]} if access.allows(Need.EDIT) else {}
        )
