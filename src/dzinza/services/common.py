"""Helpers every service shares: the actor, access checks, paging cursors, ETags, JSON views."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

from dzinza.domain.errors import (
    N_,
    DzinzaError,
    PreconditionFailed,
    ValidationFailed,
    said,
)
from dzinza.ports import Row, SortSpec, StoreSession

MAX_PAGE = 500
DEFAULT_PAGE = 50


@dataclass(frozen=True)
class Actor:
    """Who is asking. Anonymous visitors have no user id."""

    user_id: uuid.UUID | None = None
    is_admin: bool = False
    email: str | None = None
    scopes: frozenset[str] | None = None
    """What a personal access token allows ('read', 'write', 'admin'); None is unrestricted."""
    language: str | None = None
    """The account's chosen language for pages (None: the browser's)."""

    @property
    def anonymous(self) -> bool:
        return self.user_id is None


ANONYMOUS = Actor()
SYSTEM = Actor(user_id=uuid.UUID(int=0), is_admin=True, email="system")
"""The command line acting with full rights (it already holds the database)."""


def jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def canonical_json(view: Any) -> bytes:
    """The bytes a view is sent as, and hashed as: one serialisation for both.

    orjson writes UUIDs and datetimes itself and sorts keys, so the ETag of equal views is equal.
    """
    return orjson.dumps(view, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def etag_for(body: bytes) -> str:
    """A strong ETag: the hash of the representation itself, so it changes exactly when it does."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_of(view: Any) -> str:
    return etag_for(canonical_json(view))


def check_if_match(if_match: str | None, view: Any) -> None:
    if if_match is None or if_match.strip() == "*":
        return
    current = etag_of(view)
    offered = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if current not in offered:
        raise PreconditionFailed(
            N_(
                "This record has changed since you read it. Fetch it again, re-apply your change "
                "and send it with the new ETag."
            )
        )


def set_external_ids(
    tx: StoreSession, tree_id: uuid.UUID, kind: str, record_id: uuid.UUID, data: Mapping[str, Any]
) -> None:
    """Replaces a record's external ids (GEDCOM xref, _UID, REFN...) if the data carries them."""
    if data.get("external_ids") is not None:
        pairs = [(str(x["kind"]), str(x["value"])) for x in data["external_ids"]]
        tx.replace_external_ids(tree_id, kind, record_id, pairs)


# -- paging ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None

    def view(self) -> dict[str, Any]:
        return {"items": self.items, "next_cursor": self.next_cursor}


def encode_cursor(sort_name: str, values: list[Any]) -> str:
    raw = json.dumps([sort_name, jsonable(values)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, sort_name: str) -> tuple[Any, ...] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, values = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise DzinzaError(N_("The cursor is not one that Dzinza gave out.")) from exc
    if name != sort_name or not isinstance(values, list):
        raise DzinzaError(N_("This cursor belongs to another sort order; start again without it."))
    return tuple(values)


def page_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_PAGE
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed(said("limit must be between 1 and %(max_page)s.", max_page=MAX_PAGE))
    return limit


def sort_spec(sort: str, options: Mapping[str, tuple[str, ...]], cursor: str | None) -> SortSpec:
    descending = sort.startswith("-")
    name = sort.removeprefix("-")
    if name not in options:
        choices = ", ".join(sorted(options) + sorted("-" + o for o in options))
        raise ValidationFailed(said("sort must be one of: %(choices)s.", choices=choices))
    return SortSpec(options[name], descending, decode_cursor(cursor, sort))


def make_page(
    rows: list[Row], limit: int, sort: str, spec: SortSpec, items: list[dict[str, Any]]
) -> Page:
    """``rows`` were fetched with limit+1 so that a next page is known to exist."""
    if len(rows) <= limit:
        return Page(items, None)
    last = rows[limit - 1]
    return Page(items[:limit], encode_cursor(sort, [last[c] for c in spec.columns]))
