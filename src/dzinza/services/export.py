"""The data-protection export (GDPR art. 15 and 20): one ZIP archive of everything Dzinza keeps
about a user and of every tree they own, as JSON files a person or another program can read.

The archive is written as it is read: trees page by page (keyset pages of the store), the change
history as one streamed query, each file compressed into the archive as it grows, so memory stays
flat whatever the size. The reads share one snapshot (``begin_snapshot``), so a tree that others
are editing is exported as it was at one moment. A cap on the archive's size protects the server
from an export that would fill its disk; the command line writes to a file without the cap.
"""

from __future__ import annotations

import uuid
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

import orjson

from dzinza.domain.errors import N_, DzinzaError, NotFound, said
from dzinza.ports import Row, StoreSession
from dzinza.services.tokens import aware

PAGE = 1000
"""Rows read at a time from one table of a tree."""
ACCOUNT_FIELDS = (
    "id",
    "email",
    "is_admin",
    "created_at",
    "email_verified_at",
    "terms_version",
    "terms_accepted_at",
    "totp_enabled_at",
    "deletion_requested_at",
    "deletion_due_at",
    "deletion_plan",
)
"""What account.json shows of the user row: listed, not filtered, so that a secret column added
later (like the password hash or the TOTP secret today) is never exported by accident."""
TREE_TABLES = (
    "events",
    "places",
    "repositories",
    "sources",
    "citations",
    "notes",
    "note_links",
    "media",
    "media_links",
    "external_ids",
)
"""Written after people (with their names) and families (with their children)."""
JSON = orjson.OPT_NAIVE_UTC | orjson.OPT_NON_STR_KEYS
"""SQLite hands back naive datetimes; they were written in UTC and are exported as such."""

README = """\
Your data from Dzinza
=====================

This archive was made on {made} for the account {email} (id {user_id}).
Every file is JSON (UTF-8). Ids are UUIDs; times are ISO 8601 in UTC.

account.json      Your account: email, when it was created and confirmed, whether two-factor
                  sign-in is on, the terms you accepted, a pending deletion, and your tokens
                  (names, kinds and dates only: secrets are never exported, not even hashed).
consents.json     Every consent you gave (terms of use, privacy policy), with version and time.
memberships.json  The trees you own and the trees you are a member of, with your role.
trees/<id>.json   One file for each tree you own: the tree, its people (with their names), its
                  families (with their children), events, places, repositories, sources,
                  citations, notes, media records (metadata; the files themselves are not
                  included), the links of notes and media to records, and external ids.
history.json      The changes you made to any tree: what was done, when, and each record
                  before and after. Records of people erased on request show no content.

Dates of events are kept as written (for example "ABT 1850"), with the range of days they can
mean as Julian Day Numbers (date_earliest, date_latest).
"""


class ArchiveTooLarge(DzinzaError):
    status = 413
    title = "Too large"


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=JSON)


class _Capped:
    """Checks the archive's size as it grows: past ``cap`` bytes the export stops."""

    def __init__(self, out: IO[bytes], cap: int | None) -> None:
        self.out = out
        self.cap = cap
        self.start = out.tell() if out.seekable() else 0

    def check(self) -> None:
        if self.cap is not None and self.out.tell() - self.start > self.cap:
            raise ArchiveTooLarge(
                said(
                    "Your data is larger than the %(mib)s MiB an export over the web can be. Ask "
                    "the site's administrators for an export from the command line (`dzinza "
                    "account export`).",
                    mib=self.cap // 2**20,
                )
            )


def _json_array(member: IO[bytes], rows: Iterable[Row], capped: _Capped, every: int = PAGE) -> None:
    """Writes rows as a JSON array, one record a line, checking the size now and then."""
    member.write(b"[")
    for n, row in enumerate(rows):
        member.write(b"\n  " if n == 0 else b",\n  ")
        member.write(_dumps(row))
        if n % every == every - 1:
            capped.check()
    member.write(b"\n]")


def _pages(tx: StoreSession, table: str, tree_id: uuid.UUID) -> Iterator[list[Row]]:
    key = tx.export_key(table)
    after: tuple[Any, ...] | None = None
    while True:
        page = tx.export_page(table, tree_id, after, PAGE)
        if page:
            yield page
        if len(page) < PAGE:
            return
        after = tuple(page[-1][k] for k in key)


def _people(tx: StoreSession, tree_id: uuid.UUID) -> Iterator[Row]:
    for page in _pages(tx, "people", tree_id):
        names: dict[uuid.UUID, list[Row]] = {}
        for n in tx.names_of([p["id"] for p in page]):
            names.setdefault(n["person_id"], []).append(n)
        for p in page:
            yield p | {"names": names.get(p["id"], [])}


def _families(tx: StoreSession, tree_id: uuid.UUID) -> Iterator[Row]:
    for page in _pages(tx, "families", tree_id):
        children: dict[uuid.UUID, list[Row]] = {}
        for c in tx.children_of([f["id"] for f in page]):
            children.setdefault(c["family_id"], []).append(c)
        for f in page:
            yield f | {"children": children.get(f["id"], [])}


def _rows(tx: StoreSession, table: str, tree_id: uuid.UUID) -> Iterator[Row]:
    for page in _pages(tx, table, tree_id):
        yield from page


def _changes(rows: Iterable[Row]) -> Iterator[Row]:
    """Joined (change, item) rows in change order, folded into one change with its items."""
    current: Row | None = None
    for r in rows:
        if current is None or current["id"] != r["id"]:
            if current is not None:
                yield current
            current = {k: v for k, v in r.items() if not k.startswith("item_")}
            current["items"] = []
        if r["item_kind"] is not None:
            current["items"].append(
                {k.removeprefix("item_"): v for k, v in r.items() if k.startswith("item_")}
            )
    if current is not None:
        yield current


def consent_items(user: Row, consents: list[Row]) -> list[dict[str, Any]]:
    """Every consent of the user: the one given at registration (stored on the account, for
    both documents) and each one recorded since."""
    items: list[dict[str, Any]] = []
    recorded = {(c["document"], c["version"]) for c in consents}
    if user["terms_version"]:
        accepted = user["terms_accepted_at"]
        for document in ("terms", "privacy"):
            if (document, user["terms_version"]) in recorded:
                continue  # registrations since consents were recorded have their own rows
            items.append(
                {
                    "document": document,
                    "version": user["terms_version"],
                    "accepted_at": aware(accepted).isoformat() if accepted else None,
                    "via": "registration",
                }
            )
    for c in consents:
        items.append(
            {
                "document": c["document"],
                "version": c["version"],
                "accepted_at": aware(c["accepted_at"]).isoformat(),
                "via": c["via"],
            }
        )
    # Oldest first; at one moment, what was agreed at sign-up first, the terms before the policy.
    items.sort(
        key=lambda i: (i["accepted_at"] or "", i["via"] != "registration", i["document"] != "terms")
    )
    return items


def write_archive(
    tx: StoreSession, user_id: uuid.UUID, out: IO[bytes], now: datetime, cap: int | None
) -> dict[str, Any]:
    """Writes the user's archive to ``out``; returns what it holds (counts, no personal data).

    ``tx`` must be a fresh read transaction: the snapshot has to be its first statement.
    """
    tx.begin_snapshot()
    user = tx.user_by_id(user_id)
    if user is None:
        raise NotFound(N_("This account no longer exists."))
    capped = _Capped(out, cap)
    owned = tx.trees_owned_by(user_id)
    memberships = tx.memberships_of(user_id)
    account = {k: user[k] for k in ACCOUNT_FIELDS}
    account["two_factor"] = user["totp_enabled_at"] is not None
    account["recovery_codes_left"] = tx.recovery_codes_left(user_id)
    account["tokens"] = tx.tokens_overview(user_id)
    summary: dict[str, Any] = {"trees": len(owned), "changes": 0}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:

        def put(name: str, value: Any) -> None:
            zf.writestr(name, orjson.dumps(value, option=JSON | orjson.OPT_INDENT_2))
            capped.check()

        made = aware(now).isoformat()
        zf.writestr("README.txt", README.format(made=made, email=user["email"], user_id=user_id))
        put("account.json", account)
        put("consents.json", consent_items(user, tx.consents_of(user_id)))
        put(
            "memberships.json",
            [{"tree_id": tr["id"], "tree_name": tr["name"], "role": "owner"} for tr in owned]
            + memberships,
        )
        for tree in owned:
            tid = tree["id"]
            with zf.open(f"trees/{tid}.json", "w", force_zip64=True) as member:
                member.write(b'{"tree": ' + _dumps(tree))
                sections: list[tuple[str, Iterable[Row]]] = [
                    ("people", _people(tx, tid)),
                    ("families", _families(tx, tid)),
                    *((table, _rows(tx, table, tid)) for table in TREE_TABLES),
                ]
                for name, rows in sections:
                    member.write(b',\n"' + name.encode() + b'": ')
                    _json_array(member, rows, capped)
                member.write(b"\n}\n")
            capped.check()
        with zf.open("history.json", "w", force_zip64=True) as member:
            counted = _Counting(_changes(tx.history_of(user_id)))
            member.write(b'{"user_id": ' + _dumps(user_id) + b',\n"changes": ')
            _json_array(member, counted, capped, every=100)
            member.write(b"\n}\n")
            summary["changes"] = counted.n
        capped.check()
    return summary


class _Counting:
    """Passes rows through, counting them."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self.rows = rows
        self.n = 0

    def __iter__(self) -> Iterator[Row]:
        for r in self.rows:
            self.n += 1
            yield r
