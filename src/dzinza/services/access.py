"""Who may do what in a tree: visibility, roles, record ownership, and the privacy scope a
reader gets (see ``ports.Viewer``).

Every service reaches a tree or a record through ``tree_for`` / ``record_for`` here, so the
rules live in one place. A reader who may not see a tree is told it does not exist (404), the
same answer as for an id that is really unknown or that belongs to another tree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from dzinza.domain.errors import (
    N_,
    AuthenticationRequired,
    Forbidden,
    NotFound,
    ValidationFailed,
    said,
)
from dzinza.domain.living import living_cutoff
from dzinza.domain.vocabulary import Role
from dzinza.ports import Row, StoreSession, Viewer, ViewerLevel
from dzinza.services.common import Actor


class Need(IntEnum):
    """What the caller wants to do; each level includes the ones below it."""

    READ = 1
    CONTRIBUTE = 2
    """Add records (and change the ones one added)."""
    EDIT = 3
    """Change anyone's records."""
    MANAGE = 4
    """Members, invitations and the tree's settings."""
    OWN = 5
    """Delete or hand over the tree."""


ROLE_POWER: dict[Role, Need] = {
    Role.VIEWER: Need.READ,
    Role.CONTRIBUTOR: Need.CONTRIBUTE,
    Role.EDITOR: Need.EDIT,
    Role.MANAGER: Need.MANAGE,
    Role.OWNER: Need.OWN,
}


@dataclass(frozen=True)
class Access:
    """The actor's standing in one tree."""

    tree: Row
    actor: Actor
    role: Role | None
    """None: not a member (a guest on a public or members-only tree, or a site admin)."""
    member: Row | None = None

    @property
    def power(self) -> Need | None:
        if self.actor.is_admin:
            return Need.OWN
        return ROLE_POWER[self.role] if self.role is not None else None

    def allows(self, need: Need) -> bool:
        power = self.power
        if need is Need.READ:
            return power is not None or _open_to(self.tree, self.actor)
        return power is not None and power >= need

    def viewer(self, today: date | None = None) -> Viewer:
        """What of the living this reader sees (applied inside the store's queries)."""
        power = self.power
        if power is not None and power >= Need.EDIT:
            level = ViewerLevel.FULL
        elif power is not None:
            level = ViewerLevel.MEMBER
        else:
            level = ViewerLevel.GUEST
        branch_root = branch_steps = None
        if level is ViewerLevel.MEMBER and self.member and self.member["branch_steps"] is not None:
            branch_root, branch_steps = self.member["person_id"], self.member["branch_steps"]
            if branch_root is None:
                # Their person was deleted: with no branch left to see, they see what a guest
                # sees, never the whole tree.
                level, branch_steps = ViewerLevel.GUEST, None
        return Viewer(level, living_cutoff(today), branch_root, branch_steps)

    def may_change(self, row: Row, kind: str) -> bool:
        """Editors change anything; contributors what they added; locked people need a manager."""
        power = self.power
        if power is None:
            return False
        if kind == "person" and row.get("restriction") == "locked":
            return power >= Need.MANAGE
        if power >= Need.EDIT:
            return True
        return power >= Need.CONTRIBUTE and row.get("created_by") == self.actor.user_id


def _open_to(tree: Row, actor: Actor) -> bool:
    visibility = tree["visibility"]
    return visibility == "public" or (visibility == "members" and not actor.anonymous)


def standing(tx: StoreSession, tree: Row, actor: Actor) -> Access:
    if actor.user_id is not None and tree["owner_id"] == actor.user_id:
        return Access(tree, actor, Role.OWNER)
    member = tx.membership(tree["id"], actor.user_id) if actor.user_id is not None else None
    return Access(tree, actor, Role(member["role"]) if member else None, member)


def standings(tx: StoreSession, trees: list[Row], actor: Actor) -> list[Access]:
    """``standing`` in many trees at once, with one query for the actor's memberships."""
    members = (
        {m["tree_id"]: m for m in tx.memberships_of(actor.user_id)}
        if actor.user_id is not None
        else {}
    )
    found = []
    for tree in trees:
        if actor.user_id is not None and tree["owner_id"] == actor.user_id:
            found.append(Access(tree, actor, Role.OWNER))
        elif (member := members.get(tree["id"])) is not None:
            found.append(Access(tree, actor, Role(member["role"]), member))
        else:
            found.append(Access(tree, actor, None))
    return found


NO_SUCH = {
    "tree": N_("There is no tree with id %(id)s."),
    "person": N_("There is no person with id %(id)s."),
    "family": N_("There is no family with id %(id)s."),
    "event": N_("There is no event with id %(id)s."),
    "place": N_("There is no place with id %(id)s."),
    "repository": N_("There is no repository with id %(id)s."),
    "source": N_("There is no source with id %(id)s."),
    "citation": N_("There is no citation with id %(id)s."),
    "note": N_("There is no note with id %(id)s."),
    "media": N_("There is no media with id %(id)s."),
}
"""A record that is not there (or that the reader may not see), one sentence for each kind."""
NOT_IN_TREE = {
    "person": N_("%(field)s: there is no person with id %(id)s in this tree."),
    "family": N_("%(field)s: there is no family with id %(id)s in this tree."),
    "event": N_("%(field)s: there is no event with id %(id)s in this tree."),
    "place": N_("%(field)s: there is no place with id %(id)s in this tree."),
    "repository": N_("%(field)s: there is no repository with id %(id)s in this tree."),
    "source": N_("%(field)s: there is no source with id %(id)s in this tree."),
    "citation": N_("%(field)s: there is no citation with id %(id)s in this tree."),
    "note": N_("%(field)s: there is no note with id %(id)s in this tree."),
    "media": N_("%(field)s: there is no media with id %(id)s in this tree."),
}
NEEDS = {
    "read": N_("Your role in this tree does not allow this."),
    "contribute": N_(
        "Your role in this tree does not allow this: it is for contributors, editors and managers."
    ),
    "edit": N_("Your role in this tree does not allow this: it is for editors and managers."),
    "manage": N_("Your role in this tree does not allow this: it is for its managers and owner."),
    "own": N_("Your role in this tree does not allow this: it is for its owner."),
}
LOCKED = N_("Your role in this tree does not allow changing this person (it is locked).")
NOT_YOURS = {
    "person": N_("Your role in this tree does not allow changing this person."),
    "family": N_("Your role in this tree does not allow changing this family."),
    "event": N_("Your role in this tree does not allow changing this event."),
    "place": N_("Your role in this tree does not allow changing this place."),
    "repository": N_("Your role in this tree does not allow changing this repository."),
    "source": N_("Your role in this tree does not allow changing this source."),
    "citation": N_("Your role in this tree does not allow changing this citation."),
    "note": N_("Your role in this tree does not allow changing this note."),
    "media": N_("Your role in this tree does not allow changing this media."),
}


def no_such(kind: str, record_id: object) -> str:
    """ "There is no <kind> with id <id>.", marked for translation where the kind has its own."""
    template = NO_SUCH.get(kind)
    if template is None:
        return f"There is no {kind} with id {record_id}."
    return said(template, id=str(record_id))


def refuse(access: Access, need: Need, hidden_as: str | None = None) -> None:
    """Raises the right refusal: 404 if the tree is hidden from the actor (naming what was
    asked for, ``hidden_as``, never the tree), else 401 or 403."""
    if not access.allows(Need.READ):
        raise NotFound(hidden_as or no_such("tree", access.tree["id"]))
    if access.actor.anonymous:
        raise AuthenticationRequired(
            N_("Sign in to change this tree. Send 'Authorization: Bearer <token>'.")
        )
    raise Forbidden(NEEDS[need.name.lower()])


def tree_access(
    tx: StoreSession, tree_id: uuid.UUID, actor: Actor, need: Need = Need.READ
) -> Access:
    """The tree and the actor's standing in it, if they may do ``need``; the privacy scope of
    the session is set for reads."""
    tree = tx.get("tree", tree_id, lock=need > Need.READ)
    if tree is None:
        raise NotFound(no_such("tree", tree_id))
    return _checked(tx, standing(tx, tree, actor), need)


def _checked(tx: StoreSession, access: Access, need: Need, hidden_as: str | None = None) -> Access:
    if not access.allows(need):
        refuse(access, need, hidden_as)
    tx.set_viewer(access.viewer())
    if need > Need.READ:
        tx.set_author(access.actor.user_id)
    return access


def tree_for(tx: StoreSession, tree_id: uuid.UUID, actor: Actor, *, write: bool = False) -> Row:
    """The tree, to read or (``write``) to add records to."""
    return tree_access(tx, tree_id, actor, Need.CONTRIBUTE if write else Need.READ).tree


def record_for(
    tx: StoreSession, kind: str, record_id: uuid.UUID, actor: Actor, *, write: bool = False
) -> tuple[Row, Row]:
    """A record and its tree. Reading needs read access and a record the reader may see (a
    hidden one is 404); writing needs the right to change this record."""
    found = tx.get_in_tree(kind, record_id, lock=write)
    if found is None:
        raise NotFound(no_such(kind, record_id))
    row, tree = found
    missing = no_such(kind, record_id)
    access = _checked(
        tx, standing(tx, tree, actor), Need.CONTRIBUTE if write else Need.READ, missing
    )
    if write and not access.may_change(row, kind):
        if row.get("restriction") == "locked":
            raise Forbidden(LOCKED)
        raise Forbidden(
            NOT_YOURS.get(kind, f"Your role in this tree does not allow changing this {kind}.")
        )
    if not write and kind != "person" and not tx.visible(kind, record_id):
        # People are shown as a "Private" placeholder instead (see services/people.py).
        raise NotFound(missing)
    return row, tree


def same_tree(
    tx: StoreSession, kind: str, record_id: uuid.UUID, tree_id: uuid.UUID, field: str
) -> Row:
    """A record that another one refers to: it must exist in the same tree, or it is not found."""
    row = tx.get(kind, record_id)
    if row is None or row["tree_id"] != tree_id:
        template = NOT_IN_TREE.get(kind)
        message = (
            said(template, field=field, id=str(record_id))
            if template
            else f"{field}: there is no {kind} with id {record_id} in this tree."
        )
        raise NotFound(message, errors=[{"field": field, "message": f"unknown {kind}"}])
    return row


def check_role_value(value: str) -> Role:
    try:
        role = Role(value)
    except ValueError:
        choices = ", ".join(r.value for r in Role if r is not Role.OWNER)
        raise ValidationFailed(said("role must be one of: %(choices)s.", choices=choices)) from None
    if role is Role.OWNER:
        raise ValidationFailed(N_("A tree has one owner: use the transfer action to hand it over."))
    return role
