"""Member and invitation queries of the SQL store: who belongs to a tree and in which role, and
the invitations that bring people in. Mixed into ``SqlSession``.

The owner of a tree is ``trees.owner_id``, not a row here; the services put the two together.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dzinza.adapters.sql import tables as t
from dzinza.ports import Row, SortSpec


def _row(r: sa.Row[Any] | None) -> Row | None:
    return dict(r._mapping) if r is not None else None


class MemberQueries:
    conn: sa.Connection
    is_postgres: bool

    if TYPE_CHECKING:
        # Keyset pagination lives on SqlSession, which this class is mixed into.
        def _page(
            self,
            stmt: sa.Select[Any],
            cols: tuple[sa.ColumnElement[Any], ...],
            sort: SortSpec,
            limit: int,
        ) -> list[Row]: ...

    # -- members -------------------------------------------------------------------------------
    def membership(
        self, tree_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False
    ) -> Row | None:
        m = t.tree_members
        stmt = sa.select(m).where(m.c.tree_id == tree_id, m.c.user_id == user_id)
        if lock and self.is_postgres:
            stmt = stmt.with_for_update()
        return _row(self.conn.execute(stmt).first())

    def members_of(self, tree_id: uuid.UUID, sort: SortSpec, limit: int) -> list[Row]:
        """A page of a tree's members with their email; sort columns come from ``email``,
        ``created_at`` and ``user_id``."""
        m, u = t.tree_members, t.users
        stmt = sa.select(m, u.c.email).join(u, u.c.id == m.c.user_id).where(m.c.tree_id == tree_id)
        cols = {"email": u.c.email, "created_at": m.c.created_at, "user_id": m.c.user_id}
        return self._page(stmt, tuple(cols[c] for c in sort.columns), sort, limit)

    def roles_in(self, user_id: uuid.UUID, tree_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The user's role in each of these trees where they are a member (one query for a page
        of trees)."""
        if not tree_ids:
            return {}
        m = t.tree_members
        stmt = sa.select(m.c.tree_id, m.c.role).where(
            m.c.user_id == user_id, m.c.tree_id.in_(list(tree_ids))
        )
        return {row.tree_id: row.role for row in self.conn.execute(stmt)}

    def add_member(
        self,
        tree_id: uuid.UUID,
        user_id: uuid.UUID,
        role: str,
        now: datetime,
        *,
        person_id: uuid.UUID | None = None,
        branch_steps: int | None = None,
    ) -> None:
        self.conn.execute(
            t.tree_members.insert().values(
                tree_id=tree_id,
                user_id=user_id,
                role=role,
                person_id=person_id,
                branch_steps=branch_steps,
                created_at=now,
            )
        )

    def update_member(
        self, tree_id: uuid.UUID, user_id: uuid.UUID, values: Mapping[str, Any]
    ) -> None:
        m = t.tree_members
        self.conn.execute(
            m.update()
            .where(m.c.tree_id == tree_id, m.c.user_id == user_id)
            .values(**dict(values), version=m.c.version + 1)
        )

    def delete_member(self, tree_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        m = t.tree_members
        res = self.conn.execute(m.delete().where(m.c.tree_id == tree_id, m.c.user_id == user_id))
        return res.rowcount > 0

    # -- invitations ---------------------------------------------------------------------------
    def insert_invitation(self, values: Mapping[str, Any]) -> None:
        self.conn.execute(t.invitations.insert().values(**dict(values)))

    def invitation(self, invitation_id: uuid.UUID, *, lock: bool = False) -> Row | None:
        i = t.invitations
        stmt = sa.select(i).where(i.c.id == invitation_id)
        if lock and self.is_postgres:
            stmt = stmt.with_for_update()
        return _row(self.conn.execute(stmt).first())

    def invitation_by_hash(self, token_hash: str, *, lock: bool = False) -> Row | None:
        i = t.invitations
        stmt = sa.select(i).where(i.c.token_hash == token_hash)
        if lock and self.is_postgres:
            stmt = stmt.with_for_update()
        return _row(self.conn.execute(stmt).first())

    def pending_invitations(
        self, tree_id: uuid.UUID, now: datetime, sort: SortSpec, limit: int
    ) -> list[Row]:
        """A page of the invitations of a tree that can still be answered."""
        i = t.invitations
        stmt = sa.select(i).where(
            i.c.tree_id == tree_id, i.c.status == "pending", i.c.expires_at > now
        )
        return self._page(stmt, tuple(i.c[c] for c in sort.columns), sort, limit)

    def invitations_for_email(self, email: str, now: datetime, limit: int) -> list[Row]:
        """The invitations sent to ``email`` (normalised: lower case) that can still be answered,
        oldest first; each with its tree's name (``tree_name``) and the email address of who
        sent it (``inviter_email``, None once that account is gone)."""
        i, tr, u = t.invitations, t.trees, t.users
        stmt = (
            sa.select(i, tr.c.name.label("tree_name"), u.c.email.label("inviter_email"))
            .join(tr, tr.c.id == i.c.tree_id)
            .outerjoin(u, u.c.id == i.c.invited_by)
            .where(i.c.email == email, i.c.status == "pending", i.c.expires_at > now)
            .order_by(i.c.created_at, i.c.id)
            .limit(limit)
        )
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def answer_invitation(
        self, invitation_id: uuid.UUID, status: str, user_id: uuid.UUID | None, now: datetime
    ) -> bool:
        """Moves a pending invitation to ``status``; False if it was no longer pending. The
        condition is in the statement, so two concurrent answers cannot both succeed."""
        i = t.invitations
        res = self.conn.execute(
            i.update()
            .where(i.c.id == invitation_id, i.c.status == "pending")
            .values(status=status, answered_by=user_id, answered_at=now)
        )
        return res.rowcount > 0
