"""Account queries of the SQL store: users, tokens (access, refresh, personal, session),
rate counters. Mixed into ``SqlSession``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from dzinza.adapters.sql import tables as t
from dzinza.ports import Row


def _row(r: sa.Row[Any] | None) -> Row | None:
    return dict(r._mapping) if r is not None else None


class AccountQueries:
    conn: sa.Connection
    is_postgres: bool

    def user_by_email(self, email: str) -> Row | None:
        return _row(self.conn.execute(sa.select(t.users).where(t.users.c.email == email)).first())

    def insert_token(
        self,
        user_id: uuid.UUID,
        token_hash: str,
        expires_at: datetime,
        family_id: uuid.UUID | None = None,
        *,
        kind: str = "access",
        name: str = "",
        scopes: str = "",
        created_at: datetime | None = None,
    ) -> uuid.UUID:
        token_id = uuid.uuid4()
        self.conn.execute(
            t.api_tokens.insert().values(
                id=token_id,
                user_id=user_id,
                token_hash=token_hash,
                created_at=created_at or datetime.now(UTC),
                expires_at=expires_at,
                family_id=family_id,
                kind=kind,
                name=name,
                scopes=scopes,
            )
        )
        return token_id

    def token_family(self, token_hash: str) -> uuid.UUID | None:
        a = t.api_tokens
        found: uuid.UUID | None = self.conn.scalar(
            sa.select(a.c.family_id).where(a.c.token_hash == token_hash)
        )
        return found

    # -- refresh tokens and counters (accounts) ------------------------------------------------
    def insert_refresh(
        self, user_id: uuid.UUID, family_id: uuid.UUID, token_hash: str, expires_at: datetime
    ) -> None:
        self.conn.execute(
            t.refresh_tokens.insert().values(
                id=uuid.uuid4(),
                user_id=user_id,
                family_id=family_id,
                token_hash=token_hash,
                created_at=datetime.now(UTC),
                expires_at=expires_at,
            )
        )

    def refresh_by_hash(self, token_hash: str) -> Row | None:
        r = t.refresh_tokens
        stmt = sa.select(r).where(r.c.token_hash == token_hash)
        if self.is_postgres:
            stmt = stmt.with_for_update()
        return _row(self.conn.execute(stmt).first())

    def mark_refresh_used(self, refresh_id: uuid.UUID, now: datetime) -> None:
        r = t.refresh_tokens
        self.conn.execute(r.update().where(r.c.id == refresh_id).values(used_at=now))

    def revoke_family(self, family_id: uuid.UUID, now: datetime) -> None:
        """Ends one sign-in: its refresh tokens are revoked and its access tokens deleted."""
        r, a = t.refresh_tokens, t.api_tokens
        self.conn.execute(
            r.update()
            .where(r.c.family_id == family_id, r.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        self.conn.execute(a.delete().where(a.c.family_id == family_id))

    def revoke_user_tokens(
        self,
        user_id: uuid.UUID,
        now: datetime,
        *,
        keep_hash: str | None = None,
        personal: bool = True,
    ) -> None:
        """Ends every sign-in of a user (API, web, command line) but the one of the token
        ``keep_hash``; personal access tokens too unless ``personal`` is False."""
        r, a = t.refresh_tokens, t.api_tokens
        keep_family = self.token_family(keep_hash) if keep_hash else None
        refresh = r.update().where(r.c.user_id == user_id, r.c.revoked_at.is_(None))
        if keep_family is not None:
            refresh = refresh.where(r.c.family_id != keep_family)
        self.conn.execute(refresh.values(revoked_at=now))
        tokens = a.delete().where(a.c.user_id == user_id)
        if keep_hash is not None:
            tokens = tokens.where(a.c.token_hash != keep_hash)
        if keep_family is not None:
            # NULL family ids compare as unknown: keep them in the delete explicitly.
            tokens = tokens.where(sa.or_(a.c.family_id.is_(None), a.c.family_id != keep_family))
        if not personal:
            tokens = tokens.where(a.c.kind != "personal")
        self.conn.execute(tokens)

    def counter(self, key: str) -> Row | None:
        rc = t.rate_counters
        stmt = sa.select(rc).where(rc.c.key == key)
        if self.is_postgres:
            stmt = stmt.with_for_update()
        return _row(self.conn.execute(stmt).first())

    def put_counter(
        self, key: str, window_start: datetime, count: int, blocked_until: datetime | None
    ) -> None:
        rc = t.rate_counters
        values = {"window_start": window_start, "count": count, "blocked_until": blocked_until}
        done = self.conn.execute(rc.update().where(rc.c.key == key).values(**values))
        if done.rowcount == 0:
            self.conn.execute(rc.insert().values(key=key, **values))

    def clear_counter(self, key: str) -> None:
        self.conn.execute(t.rate_counters.delete().where(t.rate_counters.c.key == key))

    def user_by_token(self, token_hash: str, now: datetime) -> Row | None:
        stmt = (
            sa.select(t.users)
            .join(t.api_tokens, t.api_tokens.c.user_id == t.users.c.id)
            .where(t.api_tokens.c.token_hash == token_hash, t.api_tokens.c.expires_at > now)
        )
        return _row(self.conn.execute(stmt).first())

    # -- account security: users by id, tokens by kind, one-time links, recovery codes ----------
    def user_by_id(self, user_id: uuid.UUID, *, lock: bool = False) -> Row | None:
        stmt = sa.select(t.users).where(t.users.c.id == user_id)
        if lock and self.is_postgres:
            stmt = stmt.with_for_update()
        return _row(self.conn.execute(stmt).first())

    def update_user(self, user_id: uuid.UUID, values: Mapping[str, Any]) -> None:
        self.conn.execute(t.users.update().where(t.users.c.id == user_id).values(**values))

    def token_by_hash(self, token_hash: str, now: datetime) -> Row | None:
        """The user behind an unexpired token, with the token's own columns as ``token_*``."""
        a = t.api_tokens
        stmt = (
            sa.select(
                t.users,
                a.c.id.label("token_id"),
                a.c.kind.label("token_kind"),
                a.c.scopes.label("token_scopes"),
                a.c.family_id.label("token_family_id"),
                a.c.last_used_at.label("token_last_used_at"),
            )
            .join(a, a.c.user_id == t.users.c.id)
            .where(a.c.token_hash == token_hash, a.c.expires_at > now)
        )
        return _row(self.conn.execute(stmt).first())

    def touch_token(self, token_id: uuid.UUID, now: datetime) -> None:
        a = t.api_tokens
        self.conn.execute(a.update().where(a.c.id == token_id).values(last_used_at=now))

    def tokens_of(self, user_id: uuid.UUID, kind: str) -> list[Row]:
        a = t.api_tokens
        stmt = (
            sa.select(
                a.c.id, a.c.name, a.c.scopes, a.c.created_at, a.c.expires_at, a.c.last_used_at
            )
            .where(a.c.user_id == user_id, a.c.kind == kind)
            .order_by(a.c.created_at, a.c.id)
        )
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def delete_token(self, user_id: uuid.UUID, token_id: uuid.UUID, kind: str) -> bool:
        a = t.api_tokens
        done = self.conn.execute(
            a.delete().where(a.c.id == token_id, a.c.user_id == user_id, a.c.kind == kind)
        )
        return done.rowcount > 0

    def delete_token_by_hash(self, token_hash: str) -> None:
        self.conn.execute(t.api_tokens.delete().where(t.api_tokens.c.token_hash == token_hash))

    def insert_one_time(
        self,
        user_id: uuid.UUID,
        purpose: str,
        token_hash: str,
        now: datetime,
        expires_at: datetime,
        new_email: str | None = None,
    ) -> None:
        self.conn.execute(
            t.one_time_tokens.insert().values(
                id=uuid.uuid4(),
                user_id=user_id,
                purpose=purpose,
                token_hash=token_hash,
                new_email=new_email,
                created_at=now,
                expires_at=expires_at,
            )
        )

    def one_time_by_hash(self, token_hash: str) -> Row | None:
        o = t.one_time_tokens
        stmt = sa.select(o).where(o.c.token_hash == token_hash)
        if self.is_postgres:
            stmt = stmt.with_for_update()
        return _row(self.conn.execute(stmt).first())

    def use_one_time(self, token_id: uuid.UUID, now: datetime) -> bool:
        """Marks a one-time token used; False if it already was (a concurrent use won)."""
        o = t.one_time_tokens
        done = self.conn.execute(
            o.update().where(o.c.id == token_id, o.c.used_at.is_(None)).values(used_at=now)
        )
        return done.rowcount > 0

    def drop_one_time(self, user_id: uuid.UUID, purposes: Sequence[str], now: datetime) -> None:
        """Forgets a user's unused tokens of these purposes, and every expired one of theirs (a
        used one stays until it expires, so that its reuse is told apart from a wrong link)."""
        o = t.one_time_tokens
        outstanding = sa.and_(o.c.purpose.in_(list(purposes)), o.c.used_at.is_(None))
        self.conn.execute(
            o.delete().where(o.c.user_id == user_id, sa.or_(outstanding, o.c.expires_at <= now))
        )

    def replace_recovery_codes(self, user_id: uuid.UUID, code_hashes: Sequence[str]) -> None:
        rc = t.recovery_codes
        self.conn.execute(rc.delete().where(rc.c.user_id == user_id))
        if code_hashes:
            self.conn.execute(
                rc.insert(),
                [{"id": uuid.uuid4(), "user_id": user_id, "code_hash": h} for h in code_hashes],
            )

    def use_recovery_code(self, user_id: uuid.UUID, code_hash: str, now: datetime) -> bool:
        rc = t.recovery_codes
        done = self.conn.execute(
            rc.update()
            .where(rc.c.user_id == user_id, rc.c.code_hash == code_hash, rc.c.used_at.is_(None))
            .values(used_at=now)
        )
        return done.rowcount > 0

    def recovery_codes_left(self, user_id: uuid.UUID) -> int:
        rc = t.recovery_codes
        stmt = sa.select(sa.func.count()).where(rc.c.user_id == user_id, rc.c.used_at.is_(None))
        return int(self.conn.scalar(stmt) or 0)
