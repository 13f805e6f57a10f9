"""The audit log: security events (sign-ins, role changes, exports, deletions, undo, admin
actions), append-only and hash-chained.

Each entry's ``hash`` is the SHA-256 of a canonical JSON of its fields and ``prev_hash``, the
hash of the entry before it (64 zeros for the first). Changing or removing an entry in the
database breaks the chain at that entry or the next, which ``verify`` finds. Removing the last
entries leaves a shorter chain that is still whole: keep the head hash ``verify`` reports
somewhere else to detect that too.

``record`` writes in the caller's transaction, so an entry exists exactly when what it records
was committed. Call it inside ``store.write()``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dzinza.domain.errors import N_, AuthenticationRequired, DzinzaError, Forbidden
from dzinza.ports import REQUEST_NOTE, Row, StoreSession, TreeStore
from dzinza.services.common import Actor, Page, decode_cursor, encode_cursor, jsonable, page_limit

GENESIS = "0" * 64
"""The prev_hash of the first entry."""

FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "action",
    "tree_id",
    "target_type",
    "target_id",
    "ip",
    "detail",
    "prev_hash",
)
"""What an entry's hash covers (everything but the hash itself)."""


class Action:
    """The actions recorded, by the services that record them (a reference, not a limit)."""

    TREE_DELETE = "tree.delete"
    TREE_VISIBILITY = "tree.visibility"
    TREE_SETTINGS = "tree.settings"
    """A tree's name or description changed (trees are not in their own change history)."""
    CHANGE_UNDO = "change.undo"
    MEMBER_ROLE = "member.role"
    EXPORT = "account.export"
    ADMIN = "admin"
    """Prefix of site-admin actions: 'admin.<what>'."""


def _time(value: datetime) -> str:
    """One text for an instant whatever the database returns (SQLite: naive UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry: Mapping[str, Any]) -> bytes:
    fields: dict[str, Any] = {}
    for name in FIELDS:
        value = entry.get(name)
        if isinstance(value, datetime):
            value = _time(value)
        fields[name] = jsonable(value)
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def record(
    tx: StoreSession,
    actor_id: uuid.UUID | None,
    action: str,
    *,
    tree_id: uuid.UUID | None = None,
    target_type: str = "",
    target_id: uuid.UUID | None = None,
    detail: Mapping[str, Any] | None = None,
    ip: str = "",
) -> int:
    """Appends one entry in this transaction; returns its sequence number. ``ip`` defaults to
    the address of the request being served, if any."""
    if not action or len(action) > 60 or len(target_type) > 16:
        raise ValueError("an audit action is 1-60 characters and a target type at most 16")
    request = REQUEST_NOTE.get()
    tail = tx.audit_tail()
    entry: dict[str, Any] = {
        "seq": int(tail["seq"]) + 1 if tail else 1,
        "created_at": datetime.now(UTC),
        "actor_id": actor_id,
        "action": action,
        "tree_id": tree_id,
        "target_type": target_type,
        "target_id": target_id,
        "ip": (ip or (request.ip if request else ""))[:64],
        # Stored as the JSON it is hashed as, so that reading it back gives the same value.
        "detail": json.loads(json.dumps(jsonable(dict(detail)))) if detail is not None else None,
        "prev_hash": tail["hash"] if tail else GENESIS,
    }
    entry["hash"] = entry_hash(entry)
    tx.append_audit(entry)
    return int(entry["seq"])


def tree_action(
    tx: StoreSession,
    actor_id: uuid.UUID | None,
    action: str,
    tree_id: uuid.UUID,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """An entry about a whole tree (its deletion, its visibility)."""
    return record(
        tx, actor_id, action, tree_id=tree_id, target_type="tree", target_id=tree_id, detail=detail
    )


@dataclass(frozen=True)
class Verdict:
    entries: int
    """How many entries were checked (up to the first bad one)."""
    bad_seq: int | None
    problem: str
    head: str
    """The hash of the last good entry: keep it elsewhere to detect a cut tail later."""

    @property
    def intact(self) -> bool:
        return self.bad_seq is None


def verify(store: TreeStore, batch: int = 1000) -> Verdict:
    """Walks the whole chain in order and reports the first entry that does not hold."""
    checked, expected, last_seq = 0, GENESIS, 0
    with store.read() as tx:
        while True:
            rows = tx.audit_entries(after_seq=last_seq, limit=batch)
            for row in rows:
                seq = int(row["seq"])
                problem = ""
                if seq != last_seq + 1:
                    problem = (
                        f"comes after entry {last_seq}: the entries between were removed"
                        if last_seq
                        else "is the first one left: the entries before it were removed"
                    )
                elif row["prev_hash"] != expected:
                    problem = "does not follow the entry before it: that one was altered or removed"
                elif entry_hash(row) != row["hash"]:
                    problem = "was altered: its content does not match its hash"
                if problem:
                    return Verdict(checked, seq, f"entry {seq} {problem}", expected)
                checked, expected, last_seq = checked + 1, row["hash"], seq
            if len(rows) < batch:
                return Verdict(checked, None, "", expected)


def entry_view(row: Row) -> dict[str, Any]:
    return {k: jsonable(row[k]) for k in (*FIELDS, "hash")} | {
        "created_at": _time(row["created_at"])
    }


class AuditService:
    """Reading the log: site admins only."""

    def __init__(self, store: TreeStore) -> None:
        self.store = store

    def page(
        self,
        actor: Actor,
        *,
        action: str | None = None,
        tree_id: uuid.UUID | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page:
        """Newest first."""
        if actor.anonymous:
            raise AuthenticationRequired(N_("Sign in as a site admin to read the audit log."))
        if not actor.is_admin:
            raise Forbidden(N_("Only site admins may read the audit log."))
        n = page_limit(limit)
        after = decode_cursor(cursor, "seq")
        before_seq = _seq(after) if after is not None else None
        with self.store.read() as tx:
            rows = tx.audit_entries(
                before_seq=before_seq, limit=n + 1, action=action, tree_id=tree_id
            )
        items = [entry_view(r) for r in rows[:n]]
        more = encode_cursor("seq", [rows[n - 1]["seq"]]) if len(rows) > n else None
        return Page(items, more)


def _seq(values: tuple[Any, ...]) -> int:
    if len(values) != 1 or not isinstance(values[0], int) or isinstance(values[0], bool):
        raise DzinzaError(N_("The cursor is not one that Dzinza gave out."))
    return values[0]
