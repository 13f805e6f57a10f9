"""Members of a tree and the invitations that bring them in; handing a tree over.

The rules (see ``services/access.py`` for the roles and what each may do):

- Members see who the other members are; guests and strangers do not.
- Managers change members' roles, their own person in the tree and branch limits, remove
  members and invite people. A manager cannot make anyone a manager, nor change or remove
  another manager: only the owner (or a site admin) can. Nobody changes the owner here.
- Anyone may leave a tree, except its owner, who hands it over first (``transfer``, owner only:
  the new owner must already be a member, and the old one stays on as a manager).
- An invitation is a one-time secret (only its SHA-256 is stored) with an expiry. One sent to an
  email address can only be answered by the account with that address, once confirmed: anyone
  can sign up with any address, so an unconfirmed one proves nothing.
- A branch limit (``branch_steps``) needs the member's own person in the same tree, and only
  means something for viewers and contributors: editors and managers see the whole tree.

Role changes, removals, transfers and invitations go to the audit log.
"""

from __future__ import annotations

import builtins
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from dzinza.domain.errors import (
    N_,
    AuthenticationRequired,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    ValidationFailed,
    said,
)
from dzinza.domain.vocabulary import Role
from dzinza.ports import Clock, Row, StoreSession, TreeStore
from dzinza.services import audit
from dzinza.services.access import Access, Need, check_role_value, same_tree, tree_access
from dzinza.services.account import normalise_email
from dzinza.services.common import (
    Actor,
    Page,
    check_if_match,
    make_page,
    page_limit,
    sort_spec,
)
from dzinza.services.limits import Limit, RateLimiter
from dzinza.services.mail import Outbox
from dzinza.services.tokens import aware, hash_token
from dzinza.services.trees import TreeService, tree_view

MEMBER_SORTS = {"email": ("email", "user_id"), "joined": ("created_at", "user_id")}
INVITATION_SORTS = {"created": ("created_at", "id")}
MAX_BRANCH_STEPS = 10
DEFAULT_INVITATION_DAYS = 7
MAX_INVITATION_DAYS = 30
INVITATIONS_PER_USER = Limit(30, 3600)
"""Invitations one account may create: each may send an email to any address."""
MINE_LIMIT = 100
"""The most invitations ``pending_for`` lists (each is a manager's deliberate act)."""
BRANCH_ROLES = (Role.VIEWER, Role.CONTRIBUTOR)
"""Roles a branch limit applies to (editors and above see the whole tree, see ``Access``)."""


ROLE_WORDS = {
    Role.MANAGER.value: N_("manager"),
    Role.EDITOR.value: N_("editor"),
    Role.CONTRIBUTOR.value: N_("contributor"),
    Role.VIEWER.value: N_("viewer"),
}
"""A member's role inside a sentence (the pages name roles with capitals, as titles)."""
ALREADY_ANSWERED = {
    "accepted": N_("This invitation was already accepted: remove the member instead."),
    "declined": N_("This invitation was already declined."),
    "revoked": N_("This invitation was already revoked."),
}
"""Withdrawing an invitation that is not pending any more."""
USED = {
    "accepted": N_("This invitation was already accepted: an invitation is used once."),
    "declined": N_("This invitation was already declined: an invitation is used once."),
}
SIGN_IN_TO = {
    "accept": N_("Sign in (or create an account) to accept an invitation."),
    "decline": N_("Sign in (or create an account) to decline an invitation."),
    "see": N_("Sign in (or create an account) to see an invitation."),
}


def _time(moment: datetime | None) -> str | None:
    # SQLite hands back naive UTC datetimes, PostgreSQL aware ones in the session's zone: one
    # form for both, so that views (and their ETags) are the same on either.
    return aware(moment).astimezone(UTC).isoformat() if moment is not None else None


def _id(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def member_view(row: Row, email: str | None) -> dict[str, Any]:
    return {
        "user_id": str(row["user_id"]),
        "email": email,
        "role": row["role"],
        "person_id": _id(row["person_id"]),
        "branch_steps": row["branch_steps"],
        "joined_at": _time(row["created_at"]),
        "version": row["version"],
    }


def owner_view(tree: Row, email: str | None) -> dict[str, Any]:
    """The owner in the list of members (not a member row: ``trees.owner_id``)."""
    return {
        "user_id": str(tree["owner_id"]),
        "email": email,
        "role": Role.OWNER.value,
        "person_id": None,
        "branch_steps": None,
        "joined_at": None,
        "version": None,
    }


def invitation_view(row: Row) -> dict[str, Any]:
    """An invitation without its secret (only the hash is stored; the token is shown once)."""
    return {
        "id": str(row["id"]),
        "tree_id": str(row["tree_id"]),
        "role": row["role"],
        "email": row["email"],
        "person_id": _id(row["person_id"]),
        "branch_steps": row["branch_steps"],
        "invited_by": _id(row["invited_by"]),
        "status": row["status"],
        "created_at": _time(row["created_at"]),
        "expires_at": _time(row["expires_at"]),
    }


def my_invitation_view(row: Row) -> dict[str, Any]:
    """An invitation as its addressee sees it: the tree it is for and who sent it (their email
    address, as the invitation's email showed it; None once that account is gone)."""
    return invitation_view(row) | {
        "tree": {"id": str(row["tree_id"]), "name": row["tree_name"]},
        "invited_by_email": row["inviter_email"],
    }


def role_of(access: Access) -> str | None:
    return access.role.value if access.role is not None else None


def _owner_power(access: Access) -> bool:
    """The owner, or a site admin: the only ones above managers."""
    power = access.power
    return power is not None and power >= Need.OWN


def _check_placement(
    tx: StoreSession,
    tree_id: uuid.UUID,
    role: Role,
    person_id: uuid.UUID | None,
    branch_steps: int | None,
) -> None:
    """The member's own person must be in this tree; a branch limit needs that person and a role
    it applies to."""
    if person_id is not None:
        same_tree(tx, "person", person_id, tree_id, "person_id")
    if branch_steps is None:
        return
    if not 1 <= branch_steps <= MAX_BRANCH_STEPS:
        raise ValidationFailed(
            said(
                "branch_steps must be between 1 and %(max_branch_steps)s (or null for no limit).",
                max_branch_steps=MAX_BRANCH_STEPS,
            ),
            errors=[{"field": "branch_steps", "message": "out of range"}],
        )
    if person_id is None:
        raise ValidationFailed(
            N_(
                "branch_steps: a branch limit is counted from the member's own person: "
                "give person_id too."
            ),
            errors=[{"field": "person_id", "message": "required with branch_steps"}],
        )
    if role not in BRANCH_ROLES:
        raise ValidationFailed(
            said(
                "branch_steps: %(value)ss see the whole tree, so a branch limit means nothing for them: send branch_steps null with this role, or choose viewer or contributor.",
                value=role.value,
            ),
            errors=[{"field": "branch_steps", "message": f"not for {role.value}s"}],
        )


class MemberService:
    def __init__(
        self,
        store: TreeStore,
        clock: Clock,
        outbox: Outbox,
        limits: RateLimiter,
        base_url: str,
    ) -> None:
        self.store = store
        self.clock = clock
        self.outbox = outbox
        self.limits = limits
        self.base_url = base_url.rstrip("/")

    # -- members -------------------------------------------------------------------------------
    def list(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        *,
        sort: str = "email",
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page:
        """The owner first (on the first page), then the members."""
        n = page_limit(limit)
        spec = sort_spec(sort, MEMBER_SORTS, cursor)
        with self.store.read() as tx:
            access = self._as_member(tx, tree_id, actor)
            rows = tx.members_of(tree_id, spec, n + 1)
            items = [member_view(r, r["email"]) for r in rows]
            page = make_page(rows, n, sort, spec, items)
            tree = access.tree
            if spec.after is None and tree["owner_id"] is not None:
                owner = tx.user_by_id(tree["owner_id"])
                first = owner_view(tree, owner["email"] if owner else None)
                page = Page([first, *page.items], page.next_cursor)
        return page

    def get(self, actor: Actor, tree_id: uuid.UUID, user_id: uuid.UUID) -> dict[str, Any]:
        with self.store.read() as tx:
            access = self._as_member(tx, tree_id, actor)
            return self._view_of(tx, access.tree, user_id)

    def add(
        self, actor: Actor, tree_id: uuid.UUID, email: str, role: str, *, ip: str = ""
    ) -> dict[str, Any]:
        """Makes an existing account a member straight away (the command line, for admins)."""
        chosen = check_role_value(role)
        address = normalise_email(email)
        with self.store.write() as tx:
            access = tree_access(tx, tree_id, actor, Need.MANAGE)
            if chosen is Role.MANAGER and not _owner_power(access):
                raise Forbidden(N_("Only the owner can make someone a manager."))
            user = tx.user_by_email(address)
            if user is None:
                raise NotFound(said("There is no account with the email %(email)s.", email=address))
            self._refuse_if_member(tx, access.tree, user["id"], address)
            tx.add_member(tree_id, user["id"], chosen.value, self.clock.now())
            audit.record(
                tx,
                actor.user_id,
                "member.add",
                tree_id=tree_id,
                target_type="user",
                target_id=user["id"],
                detail={"role": chosen.value},
                ip=ip,
            )
            return self._view_of(tx, access.tree, user["id"])

    def update(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        user_id: uuid.UUID,
        data: Mapping[str, Any],
        if_match: str | None,
        *,
        ip: str = "",
    ) -> dict[str, Any]:
        with self.store.write() as tx:
            access = tree_access(tx, tree_id, actor, Need.MANAGE)
            tree = access.tree
            if user_id == tree["owner_id"]:
                raise Forbidden(
                    said(
                        "The owner's role is not changed here: the owner hands the tree over with POST /api/v1/trees/%(tree_id)s/transfer.",
                        tree_id=tree_id,
                    )
                )
            row = self._member_row(tx, tree_id, user_id)
            check_if_match(if_match, self._view_of(tx, tree, user_id))
            before = Role(row["role"])
            after = before
            if data.get("role") is not None:
                after = check_role_value(str(data["role"]))
            if not _owner_power(access):
                if before is Role.MANAGER and user_id != actor.user_id:
                    raise Forbidden(N_("Only the owner can change another manager."))
                if after is Role.MANAGER and before is not Role.MANAGER:
                    raise Forbidden(N_("Only the owner can make someone a manager."))
            person_id = data["person_id"] if "person_id" in data else row["person_id"]
            steps = data["branch_steps"] if "branch_steps" in data else row["branch_steps"]
            _check_placement(tx, tree_id, after, person_id, steps)
            values = {
                k: v
                for k, v in (
                    ("role", after.value),
                    ("person_id", person_id),
                    ("branch_steps", steps),
                )
                if v != row[k]
            }
            if values:
                tx.update_member(tree_id, user_id, values)
                audit.record(
                    tx,
                    actor.user_id,
                    audit.Action.MEMBER_ROLE if "role" in values else "member.branch",
                    tree_id=tree_id,
                    target_type="user",
                    target_id=user_id,
                    detail={k: [_plain(row[k]), _plain(v)] for k, v in values.items()},
                    ip=ip,
                )
            return self._view_of(tx, tree, user_id)

    def remove(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        user_id: uuid.UUID,
        if_match: str | None,
        *,
        ip: str = "",
    ) -> None:
        """Removes a member (managers), or the actor themselves (leaving the tree)."""
        leaving = actor.user_id == user_id
        with self.store.write() as tx:
            access = tree_access(tx, tree_id, actor, Need.READ if leaving else Need.MANAGE)
            tree = access.tree
            if user_id == tree["owner_id"]:
                if leaving:
                    raise Conflict(
                        said(
                            "You own this tree: hand it over to another member first (POST /api/v1/trees/%(tree_id)s/transfer), or delete it.",
                            tree_id=tree_id,
                        )
                    )
                raise Forbidden(
                    N_("The owner cannot be removed from their tree; only they can hand it over.")
                )
            if leaving and access.role is None:
                raise NotFound(N_("You are not a member of this tree."))
            row = self._member_row(tx, tree_id, user_id)
            if not leaving and row["role"] == Role.MANAGER and not _owner_power(access):
                raise Forbidden(N_("Only the owner can remove a manager."))
            check_if_match(if_match, self._view_of(tx, tree, user_id))
            tx.delete_member(tree_id, user_id)
            audit.record(
                tx,
                actor.user_id,
                "member.leave" if leaving else "member.remove",
                tree_id=tree_id,
                target_type="user",
                target_id=user_id,
                detail={"role": row["role"]},
                ip=ip,
            )

    def transfer(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        user_id: uuid.UUID,
        if_match: str | None,
        *,
        ip: str = "",
    ) -> dict[str, Any]:
        """Hands the tree to a member; the old owner stays on as a manager."""
        with self.store.write() as tx:
            access = tree_access(tx, tree_id, actor, Need.OWN)
            tree = access.tree
            # The same view GET /trees/{id} gives (with the home person), so its ETag matches.
            check_if_match(if_match, TreeService.view(tx, tree, role_of(access)))
            old_owner = tree["owner_id"]
            if user_id == old_owner:
                raise Conflict(N_("This account already owns the tree."))
            if tx.membership(tree_id, user_id, lock=True) is None:
                raise ValidationFailed(
                    said(
                        "user_id: %(user_id)s is not a member of this tree: invite them first; a tree is handed over only to someone already in it.",
                        user_id=user_id,
                    ),
                    errors=[{"field": "user_id", "message": "not a member"}],
                )
            tx.delete_member(tree_id, user_id)
            tx.update("tree", tree_id, {"owner_id": user_id})
            if old_owner is not None:
                tx.add_member(tree_id, old_owner, Role.MANAGER.value, self.clock.now())
            audit.record(
                tx,
                actor.user_id,
                "tree.transfer",
                tree_id=tree_id,
                target_type="user",
                target_id=user_id,
                detail={"from": _id(old_owner), "to": str(user_id)},
                ip=ip,
            )
            row = tx.get("tree", tree_id)
            assert row is not None
            mine = tx.membership(tree_id, actor.user_id) if actor.user_id else None
            return TreeService.view(tx, row, mine["role"] if mine else None)

    # -- invitations ---------------------------------------------------------------------------
    def invite(
        self, actor: Actor, tree_id: uuid.UUID, data: Mapping[str, Any], *, ip: str = ""
    ) -> dict[str, Any]:
        """A new invitation: its token is in this answer and (for an email invitation) in the
        mail, and nowhere else."""
        role = check_role_value(str(data.get("role") or ""))
        email = normalise_email(str(data["email"])) if data.get("email") else None
        days = data.get("expires_in_days") or DEFAULT_INVITATION_DAYS
        if not 1 <= days <= MAX_INVITATION_DAYS:
            raise ValidationFailed(
                said(
                    "expires_in_days must be between 1 and %(max_invitation_days)s.",
                    max_invitation_days=MAX_INVITATION_DAYS,
                ),
                errors=[{"field": "expires_in_days", "message": "out of range"}],
            )
        if actor.user_id is not None:
            # Counted before the transaction: the limiter writes in one of its own. Anonymous
            # callers are refused (or told the tree does not exist) by the access check.
            self.limits.hit(f"invite:user:{actor.user_id}", INVITATIONS_PER_USER, "invitations")
        now = self.clock.now()
        token = secrets.token_urlsafe(32)
        with self.store.write() as tx:
            access = tree_access(tx, tree_id, actor, Need.MANAGE)
            tree = access.tree
            if role is Role.MANAGER and not _owner_power(access):
                raise Forbidden(N_("Only the owner can invite a manager."))
            person_id = data.get("person_id")
            steps = data.get("branch_steps")
            _check_placement(tx, tree_id, role, person_id, steps)
            if email is not None:
                user = tx.user_by_email(email)
                if user is not None:
                    self._refuse_if_member(tx, tree, user["id"], email)
            row: Row = {
                "id": uuid.uuid4(),
                "tree_id": tree_id,
                "role": role.value,
                "email": email,
                "token_hash": hash_token(token),
                "person_id": person_id,
                "branch_steps": steps,
                "invited_by": actor.user_id if not actor.anonymous else None,
                "created_at": now,
                "expires_at": now + timedelta(days=days),
                "status": "pending",
            }
            tx.insert_invitation(row)
            audit.record(
                tx,
                actor.user_id,
                "invitation.create",
                tree_id=tree_id,
                target_type="invitation",
                target_id=row["id"],
                detail={"role": role.value, "email": email},
                ip=ip,
            )
        link = f"{self.base_url}/invitations/accept?token={token}"
        if email is not None:
            self._mail_invitation(email, tree, actor, role, link, row["expires_at"])
        return invitation_view(row) | {
            "token": token,
            "accept_url": link,
            "email_sent": email is not None,
        }

    def invitations(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        *,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page:
        """The invitations that can still be answered, oldest first; without their secrets."""
        n = page_limit(limit)
        spec = sort_spec("created", INVITATION_SORTS, cursor)
        with self.store.read() as tx:
            tree_access(tx, tree_id, actor, Need.MANAGE)
            rows = tx.pending_invitations(tree_id, self.clock.now(), spec, n + 1)
        return make_page(rows, n, "created", spec, [invitation_view(r) for r in rows])

    def revoke(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        invitation_id: uuid.UUID,
        if_match: str | None,
        *,
        ip: str = "",
    ) -> None:
        with self.store.write() as tx:
            tree_access(tx, tree_id, actor, Need.MANAGE)
            row = tx.invitation(invitation_id, lock=True)
            if row is None or row["tree_id"] != tree_id:
                raise NotFound(
                    said(
                        "There is no invitation with id %(id)s in this tree.", id=str(invitation_id)
                    )
                )
            check_if_match(if_match, invitation_view(row))
            if row["status"] != "pending":
                raise Conflict(ALREADY_ANSWERED.get(row["status"], ALREADY_ANSWERED["revoked"]))
            tx.answer_invitation(invitation_id, "revoked", actor.user_id, self.clock.now())
            audit.record(
                tx,
                actor.user_id,
                "invitation.revoke",
                tree_id=tree_id,
                target_type="invitation",
                target_id=invitation_id,
                ip=ip,
            )

    def accept(self, actor: Actor, token: str, *, ip: str = "") -> dict[str, Any]:
        """The signed-in user joins the tree with the invitation's role."""
        user_id = self._signed_in(actor, "accept")
        now = self.clock.now()
        with self.store.write() as tx:
            invitation = self._answerable(tx, token, user_id, now)
            return self._join(tx, invitation, user_id, now, ip)

    def decline(self, actor: Actor, token: str, *, ip: str = "") -> None:
        user_id = self._signed_in(actor, "decline")
        now = self.clock.now()
        with self.store.write() as tx:
            invitation = self._answerable(tx, token, user_id, now)
            self._turn_down(tx, invitation, user_id, now, ip)

    # -- the signed-in user's own invitations ----------------------------------------------------
    def pending_for(self, actor: Actor) -> builtins.list[dict[str, Any]]:
        """The invitations waiting for the actor: sent to their email address, still pending and
        unexpired, oldest first (at most ``MINE_LIMIT``). Empty until that address is confirmed:
        anyone can sign up with any address, and the list would show which trees invited it."""
        user_id = self._signed_in(actor, "see")
        with self.store.read() as tx:
            user = tx.user_by_id(user_id)
            if user is None or user["email_verified_at"] is None:
                return []
            rows = tx.invitations_for_email(user["email"].lower(), self.clock.now(), MINE_LIMIT)
        return [my_invitation_view(r) for r in rows]

    def accept_by_id(
        self, actor: Actor, invitation_id: uuid.UUID, *, ip: str = ""
    ) -> dict[str, Any]:
        """``accept`` for an invitation of ``pending_for``: named by its id instead of its
        token, which only the addressee (with the address confirmed) may do."""
        user_id = self._signed_in(actor, "accept")
        now = self.clock.now()
        with self.store.write() as tx:
            invitation = self._addressed(tx, invitation_id, user_id, now)
            return self._join(tx, invitation, user_id, now, ip)

    def decline_by_id(self, actor: Actor, invitation_id: uuid.UUID, *, ip: str = "") -> None:
        """``decline`` for an invitation of ``pending_for`` (see ``accept_by_id``)."""
        user_id = self._signed_in(actor, "decline")
        now = self.clock.now()
        with self.store.write() as tx:
            invitation = self._addressed(tx, invitation_id, user_id, now)
            self._turn_down(tx, invitation, user_id, now, ip)

    # -- answering, by token or by id --------------------------------------------------------------
    def _join(
        self, tx: StoreSession, invitation: Row, user_id: uuid.UUID, now: datetime, ip: str
    ) -> dict[str, Any]:
        """The user, allowed to answer ``invitation`` (locked), joins its tree."""
        tree_id = invitation["tree_id"]
        tree = tx.get("tree", tree_id, lock=True)
        assert tree is not None  # invitations go with their tree (ON DELETE CASCADE)
        self._refuse_if_member(tx, tree, user_id, None)
        if invitation["branch_steps"] is not None and invitation["person_id"] is None:
            # The person was deleted since: joining without the limit would show more than
            # the managers meant to, so the invitation cannot be used any more.
            raise Gone(
                N_(
                    "The person this invitation's branch limit was counted from has been "
                    "deleted: ask the tree's managers for a new invitation."
                )
            )
        if not tx.answer_invitation(invitation["id"], "accepted", user_id, now):
            raise Gone(N_("This invitation has just been used."))
        tx.add_member(
            tree_id,
            user_id,
            invitation["role"],
            now,
            person_id=invitation["person_id"],
            branch_steps=invitation["branch_steps"],
        )
        audit.record(
            tx,
            user_id,
            "invitation.accept",
            tree_id=tree_id,
            target_type="invitation",
            target_id=invitation["id"],
            detail={"role": invitation["role"], "invited_by": _id(invitation["invited_by"])},
            ip=ip,
        )
        return {
            "tree": tree_view(tree, invitation["role"]),
            "member": self._view_of(tx, tree, user_id),
        }

    @staticmethod
    def _turn_down(
        tx: StoreSession, invitation: Row, user_id: uuid.UUID, now: datetime, ip: str
    ) -> None:
        """The user, allowed to answer ``invitation`` (locked), declines it."""
        if not tx.answer_invitation(invitation["id"], "declined", user_id, now):
            raise Gone(N_("This invitation has just been used."))
        audit.record(
            tx,
            user_id,
            "invitation.decline",
            tree_id=invitation["tree_id"],
            target_type="invitation",
            target_id=invitation["id"],
            ip=ip,
        )

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _as_member(tx: StoreSession, tree_id: uuid.UUID, actor: Actor) -> Access:
        """Read access for members (and site admins) only: who belongs to a tree is not for
        guests of a public or members-only tree."""
        access = tree_access(tx, tree_id, actor)
        if access.role is None and not actor.is_admin:
            if actor.anonymous:
                raise AuthenticationRequired(
                    N_("Sign in as a member of this tree to see its members.")
                )
            raise Forbidden(N_("Only the members of this tree can see who its members are."))
        return access

    @staticmethod
    def _member_row(tx: StoreSession, tree_id: uuid.UUID, user_id: uuid.UUID) -> Row:
        row = tx.membership(tree_id, user_id, lock=True)
        if row is None:
            raise NotFound(said("There is no member %(id)s in this tree.", id=str(user_id)))
        return row

    @staticmethod
    def _view_of(tx: StoreSession, tree: Row, user_id: uuid.UUID) -> dict[str, Any]:
        user = tx.user_by_id(user_id)
        email = user["email"] if user else None
        if user_id == tree["owner_id"]:
            return owner_view(tree, email)
        row = tx.membership(tree["id"], user_id)
        if row is None:
            raise NotFound(said("There is no member %(id)s in this tree.", id=str(user_id)))
        return member_view(row, email)

    @staticmethod
    def _refuse_if_member(
        tx: StoreSession, tree: Row, user_id: uuid.UUID, email: str | None
    ) -> None:
        """Refuses to add the owner or a member again (``email``: theirs, None: the caller)."""
        if user_id == tree["owner_id"]:
            if email is None:
                raise Conflict(N_("You are already the owner of this tree."))
            raise Conflict(said("%(email)s is already the owner of this tree.", email=email))
        row = tx.membership(tree["id"], user_id)
        if row is not None:
            role = said(ROLE_WORDS[row["role"]])
            if email is None:
                raise Conflict(
                    said("You are already a member of this tree (as %(role)s).", role=role)
                )
            raise Conflict(
                said(
                    "%(email)s is already a member of this tree (as %(role)s).",
                    email=email,
                    role=role,
                )
            )

    @staticmethod
    def _signed_in(actor: Actor, verb: str) -> uuid.UUID:
        if actor.user_id is None:
            raise AuthenticationRequired(SIGN_IN_TO[verb])
        return actor.user_id

    @staticmethod
    def _answerable(tx: StoreSession, token: str, user_id: uuid.UUID, now: datetime) -> Row:
        """The pending, unexpired invitation of this token, if this user may answer it."""
        row = tx.invitation_by_hash(hash_token(token), lock=True)
        if row is None:
            raise NotFound(
                N_(
                    "This invitation link is not valid: check that it was copied whole, or ask the "
                    "tree's managers for a new one."
                )
            )
        MemberService._check_open(tx, row, user_id, now)
        return row

    @staticmethod
    def _addressed(
        tx: StoreSession, invitation_id: uuid.UUID, user_id: uuid.UUID, now: datetime
    ) -> Row:
        """The pending, unexpired invitation with this id, sent to this user's confirmed
        address. Any other is "not found": without its token, an invitation by link, or one
        for another address, is not the user's to answer, nor to learn anything about."""
        row = tx.invitation(invitation_id, lock=True)
        user = tx.user_by_id(user_id)
        if (
            row is None
            or row["email"] is None
            or user is None
            or user["email_verified_at"] is None
            or user["email"].lower() != row["email"].lower()
        ):
            raise NotFound(said("There is no invitation %(id)s for you.", id=str(invitation_id)))
        MemberService._check_open(tx, row, user_id, now)
        return row

    @staticmethod
    def _check_open(tx: StoreSession, row: Row, user_id: uuid.UUID, now: datetime) -> None:
        """Refuses an invitation that is no longer pending or has expired, or that was sent to
        an address other than this user's (confirmed) one."""
        status = row["status"]
        if status == "revoked":
            raise Gone(N_("This invitation was withdrawn: ask the tree's managers for a new one."))
        if status != "pending":
            raise Gone(USED.get(status, USED["accepted"]))
        if aware(row["expires_at"]) <= now:
            day = aware(row["expires_at"]).astimezone(UTC).date()
            raise Gone(
                said(
                    "This invitation expired on %(day)s: ask the tree's managers for a new one.",
                    day=day,
                )
            )
        if row["email"] is not None:
            user = tx.user_by_id(user_id)
            if user is None or user["email"].lower() != row["email"].lower():
                raise Forbidden(
                    N_(
                        "This invitation was sent to another email address: sign in with the "
                        "account of that address to answer it."
                    )
                )
            if user["email_verified_at"] is None:
                raise Forbidden(
                    N_(
                        "Confirm your email address first (follow the link in the message we sent "
                        "when you signed up, or ask for a new one), then answer the invitation."
                    )
                )

    def _mail_invitation(
        self,
        email: str,
        tree: Row,
        actor: Actor,
        role: Role,
        link: str,
        expires_at: datetime,
    ) -> None:
        # A tree's name is the user's text and may hold line breaks: one line for the subject.
        name = " ".join(str(tree["name"]).split())
        inviter = actor.email or "A manager of the tree"
        self.outbox.post(
            email,
            f"You are invited to the family tree {name} on Dzinza",
            f"{inviter} invites you to join the family tree \u201c{name}\u201d on Dzinza "
            f"as a {role.value}.\n\n"
            "Open this link to accept (sign in, or create an account with this email address, "
            "first):\n\n"
            f"{link}\n\n"
            f"The invitation can be used once, until {_time(expires_at)}. "
            "If you do not know the sender, ignore this message.\n",
        )


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value
