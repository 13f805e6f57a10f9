"""The interfaces between the services and the outside world (typing.Protocol).

Services depend on these; ``bootstrap.py`` chooses the concrete adapters. Later ports (search
index, blob store, cache, job queue, mailer, key provider) join this module as they are built.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, Protocol

Row = dict[str, Any]
"""A record as a plain mapping of column name to value."""


@dataclass(frozen=True)
class SortSpec:
    columns: tuple[str, ...]
    """Sort columns, the last one unique (the id) so that every row has one place in the order."""
    descending: bool = False
    after: tuple[Any, ...] | None = None
    """The sort values of the last row of the previous page (keyset pagination)."""


@dataclass(frozen=True)
class PeopleFilter:
    name: str | None = None
    """A folded prefix matched against any surname or given name of the person."""
    sex: str | None = None
    born_from: int | None = None
    """Julian Day Number; people whose birth could be on or after it."""
    born_to: int | None = None
    place_id: uuid.UUID | None = None
    """People with an event at this place or at any place within it."""


class ViewerLevel(StrEnum):
    FULL = "full"
    """Owners, managers, editors and site admins: everything, confidential records included."""
    MEMBER = "member"
    """Contributors and viewers: the living too, but not records marked confidential."""
    GUEST = "guest"
    """Anyone else who may read the tree: the living, and people marked private or restricted,
    are "Private" placeholders."""


@dataclass(frozen=True)
class Viewer:
    """The privacy scope of a read session, applied by the store inside its queries."""

    level: ViewerLevel
    living_cutoff: int
    """Julian Day Number 110 years ago: people surely born before it are not presumed living."""
    branch_root: uuid.UUID | None = None
    branch_steps: int | None = None
    """A member limited to a branch sees, beyond ``branch_steps`` family links from
    ``branch_root``, what a guest sees."""


FULL_VIEW = Viewer(ViewerLevel.FULL, 0)


class StoreSession(Protocol):
    """One transaction against the tree store."""

    def insert(self, kind: str, values: Mapping[str, Any]) -> uuid.UUID: ...
    def insert_many(self, kind: str, rows: Sequence[Mapping[str, Any]]) -> None: ...
    def get(self, kind: str, record_id: uuid.UUID, *, lock: bool = False) -> Row | None: ...
    def get_many(self, kind: str, record_ids: Sequence[uuid.UUID]) -> list[Row]: ...
    def ids_where(self, kind: str, field: str, value: Any) -> list[uuid.UUID]: ...
    def update(self, kind: str, record_id: uuid.UUID, values: Mapping[str, Any]) -> None: ...
    def touch(self, kind: str, record_id: uuid.UUID) -> None: ...
    def delete(self, kind: str, record_id: uuid.UUID) -> None: ...
    def list_records(
        self,
        kind: str,
        tree_id: uuid.UUID,
        sort: SortSpec,
        limit: int,
        where: Mapping[str, Any] | None = None,
    ) -> list[Row]: ...
    def list_trees(
        self, user_id: uuid.UUID | None, is_admin: bool, sort: SortSpec, limit: int
    ) -> list[Row]: ...
    def user_by_email(self, email: str) -> Row | None: ...
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
    ) -> uuid.UUID: ...
    def token_family(self, token_hash: str) -> uuid.UUID | None: ...
    def insert_refresh(
        self, user_id: uuid.UUID, family_id: uuid.UUID, token_hash: str, expires_at: datetime
    ) -> None: ...
    def refresh_by_hash(self, token_hash: str) -> Row | None: ...
    def mark_refresh_used(self, refresh_id: uuid.UUID, now: datetime) -> None: ...
    def revoke_family(self, family_id: uuid.UUID, now: datetime) -> None: ...
    def revoke_user_tokens(
        self,
        user_id: uuid.UUID,
        now: datetime,
        *,
        keep_hash: str | None = None,
        personal: bool = True,
    ) -> None: ...
    def counter(self, key: str) -> Row | None: ...
    def put_counter(
        self, key: str, window_start: datetime, count: int, blocked_until: datetime | None
    ) -> None: ...
    def clear_counter(self, key: str) -> None: ...
    def user_by_token(self, token_hash: str, now: datetime) -> Row | None: ...
    def user_by_id(self, user_id: uuid.UUID, *, lock: bool = False) -> Row | None: ...
    def update_user(self, user_id: uuid.UUID, values: Mapping[str, Any]) -> None: ...
    def token_by_hash(self, token_hash: str, now: datetime) -> Row | None: ...
    def touch_token(self, token_id: uuid.UUID, now: datetime) -> None: ...
    def tokens_of(self, user_id: uuid.UUID, kind: str) -> list[Row]: ...
    def delete_token(self, user_id: uuid.UUID, token_id: uuid.UUID, kind: str) -> bool: ...
    def delete_token_by_hash(self, token_hash: str) -> None: ...
    def insert_one_time(
        self,
        user_id: uuid.UUID,
        purpose: str,
        token_hash: str,
        now: datetime,
        expires_at: datetime,
        new_email: str | None = None,
    ) -> None: ...
    def one_time_by_hash(self, token_hash: str) -> Row | None: ...
    def use_one_time(self, token_id: uuid.UUID, now: datetime) -> bool: ...
    def drop_one_time(self, user_id: uuid.UUID, purposes: Sequence[str], now: datetime) -> None: ...
    def replace_recovery_codes(self, user_id: uuid.UUID, code_hashes: Sequence[str]) -> None: ...
    def use_recovery_code(self, user_id: uuid.UUID, code_hash: str, now: datetime) -> bool: ...
    def recovery_codes_left(self, user_id: uuid.UUID) -> int: ...
    def names_of(self, person_ids: Sequence[uuid.UUID]) -> list[Row]: ...
    def replace_names(
        self, person_id: uuid.UUID, tree_id: uuid.UUID, names: Sequence[Mapping[str, Any]]
    ) -> None: ...
    def events_of(
        self, *, person_id: uuid.UUID | None = None, family_ids: Sequence[uuid.UUID] = ()
    ) -> list[Row]: ...
    def summaries(self, person_ids: Sequence[uuid.UUID]) -> list[Row]: ...
    def list_people(
        self, tree_id: uuid.UUID, flt: PeopleFilter, sort: SortSpec, limit: int
    ) -> list[Row]: ...
    def delete_links_to(self, targets: Sequence[tuple[str, uuid.UUID]]) -> None: ...
    def event_ids(
        self, *, person_id: uuid.UUID | None = None, family_id: uuid.UUID | None = None
    ) -> list[uuid.UUID]: ...
    def families_as_partner(self, person_id: uuid.UUID) -> list[Row]: ...
    def families_as_child(self, person_id: uuid.UUID) -> list[Row]: ...
    def children_of(self, family_ids: Sequence[uuid.UUID]) -> list[Row]: ...
    def family_members(
        self, tree_id: uuid.UUID, person_ids: Sequence[uuid.UUID], *, children: bool = True
    ) -> list[Row]: ...
    def add_child(
        self, family_id: uuid.UUID, tree_id: uuid.UUID, child_id: uuid.UUID, pedigree: str
    ) -> None: ...
    def set_child_pedigree(
        self, family_id: uuid.UUID, child_id: uuid.UUID, pedigree: str
    ) -> bool: ...
    def remove_child(self, family_id: uuid.UUID, child_id: uuid.UUID) -> bool: ...
    def delete_empty_families(self, family_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]: ...
    def ancestors(self, person_id: uuid.UUID, generations: int, max_rows: int) -> list[Row]: ...
    def descendants(self, person_id: uuid.UUID, generations: int, max_rows: int) -> list[Row]: ...
    def is_descendant(self, ancestor_id: uuid.UUID, candidates: Sequence[uuid.UUID]) -> bool: ...
    def links_to(self, kind: str, target_id: uuid.UUID) -> dict[str, list[Row]]: ...
    def replace_search_keys(
        self, person_id: uuid.UUID, rows: Sequence[Mapping[str, Any]]
    ) -> None: ...
    def get_in_tree(
        self, kind: str, record_id: uuid.UUID, *, lock: bool = False
    ) -> tuple[Row, Row] | None: ...

    viewer: Viewer
    """Whose privacy scope the session's reads apply (``set_viewer``)."""

    def set_viewer(self, viewer: Viewer) -> None: ...
    def set_author(self, user_id: uuid.UUID | None) -> None: ...
    def visible(self, kind: str, record_id: uuid.UUID) -> bool: ...
    def relatives_of(self, person_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]: ...
    def family_people(self, family_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]: ...
    def refresh_evidence(self, person_ids: Sequence[uuid.UUID] | set[uuid.UUID]) -> None: ...
    def refresh_evidence_of_tree(self, tree_id: uuid.UUID) -> None: ...
    def families_around(self, person_id: uuid.UUID) -> list[Row]: ...
    def children_as_partner(self, person_id: uuid.UUID) -> list[Row]: ...
    def events_around(self, person_id: uuid.UUID) -> list[Row]: ...
    def link(
        self, table: str, own_id: uuid.UUID, kind: str, target_id: uuid.UUID, tree_id: uuid.UUID
    ) -> None: ...
    def unlink(self, table: str, own_id: uuid.UUID, kind: str, target_id: uuid.UUID) -> bool: ...
    def replace_external_ids(
        self, tree_id: uuid.UUID, kind: str, target_id: uuid.UUID, ids: Sequence[tuple[str, str]]
    ) -> None: ...
    def add_external_id(
        self, tree_id: uuid.UUID, kind: str, target_id: uuid.UUID, id_kind: str, value: str
    ) -> None: ...
    # -- history and audit
    def note_change(
        self, action: str, *, reason: str | None = None, undo_of: uuid.UUID | None = None
    ) -> uuid.UUID: ...
    def get_change(self, change_id: uuid.UUID, *, lock: bool = False) -> Row | None: ...
    def list_changes(
        self, tree_id: uuid.UUID, sort: SortSpec, limit: int, *, about: uuid.UUID | None = None
    ) -> list[Row]: ...
    def items_of_changes(
        self, change_ids: Sequence[uuid.UUID], *, about: uuid.UUID | None = None
    ) -> list[Row]: ...
    def tree_of_record(self, record_id: uuid.UUID) -> uuid.UUID | None: ...
    def revert_items(self, items: Sequence[Row]) -> set[uuid.UUID]: ...
    def audit_tail(self) -> Row | None: ...
    def append_audit(self, values: Mapping[str, Any]) -> None: ...
    def audit_entries(
        self,
        *,
        after_seq: int | None = None,
        before_seq: int | None = None,
        limit: int,
        action: str | None = None,
        tree_id: uuid.UUID | None = None,
    ) -> list[Row]: ...
    # -- members and invitations (adapters/sql/store_members.py) ----------------------------------
    def membership(
        self, tree_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False
    ) -> Row | None: ...
    def members_of(self, tree_id: uuid.UUID, sort: SortSpec, limit: int) -> list[Row]: ...
    def roles_in(
        self, user_id: uuid.UUID, tree_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, str]: ...
    def add_member(
        self,
        tree_id: uuid.UUID,
        user_id: uuid.UUID,
        role: str,
        now: datetime,
        *,
        person_id: uuid.UUID | None = None,
        branch_steps: int | None = None,
    ) -> None: ...
    def update_member(
        self, tree_id: uuid.UUID, user_id: uuid.UUID, values: Mapping[str, Any]
    ) -> None: ...
    def delete_member(self, tree_id: uuid.UUID, user_id: uuid.UUID) -> bool: ...
    def insert_invitation(self, values: Mapping[str, Any]) -> None: ...
    def invitation(self, invitation_id: uuid.UUID, *, lock: bool = False) -> Row | None: ...
    def invitation_by_hash(self, token_hash: str, *, lock: bool = False) -> Row | None: ...
    def pending_invitations(
        self, tree_id: uuid.UUID, now: datetime, sort: SortSpec, limit: int
    ) -> list[Row]: ...
    def answer_invitation(
        self, invitation_id: uuid.UUID, status: str, user_id: uuid.UUID | None, now: datetime
    ) -> bool: ...
    def invitations_for_email(self, email: str, now: datetime, limit: int) -> list[Row]: ...
    # -- data protection (adapters/sql/store_gdpr.py) --------------------------------------------
    def begin_snapshot(self) -> None: ...
    def export_page(
        self, table: str, tree_id: uuid.UUID, after: tuple[Any, ...] | None, limit: int
    ) -> list[Row]: ...
    def export_key(self, table: str) -> tuple[str, ...]: ...
    def history_of(self, user_id: uuid.UUID) -> Iterator[Row]: ...
    def tokens_overview(self, user_id: uuid.UUID) -> list[Row]: ...
    def memberships_of(self, user_id: uuid.UUID) -> list[Row]: ...
    def trees_owned_by(self, user_id: uuid.UUID) -> list[Row]: ...
    def remove_membership(self, tree_id: uuid.UUID, user_id: uuid.UUID) -> bool: ...
    def consents_of(self, user_id: uuid.UUID) -> list[Row]: ...
    def add_consent(
        self, user_id: uuid.UUID, document: str, version: str, now: datetime, via: str = "consent"
    ) -> Row: ...
    def deletions_due(self, now: datetime) -> list[uuid.UUID]: ...
    def erase_user(self, user_id: uuid.UUID, email: str) -> None: ...
    def attached_to(
        self, targets: Sequence[tuple[str, uuid.UUID]]
    ) -> dict[str, set[uuid.UUID]]: ...
    def delete_unattached(self, kind: str, ids: Sequence[uuid.UUID]) -> list[uuid.UUID]: ...
    def delete_citations(self, ids: Sequence[uuid.UUID]) -> None: ...
    def scrub_history(self, person_id: uuid.UUID, record_ids: Sequence[uuid.UUID]) -> int: ...
    # -- background jobs (adapters/sql/store_jobs.py) --------------------------------------------
    def create_job(
        self,
        job_id: uuid.UUID,
        kind: str,
        params: Mapping[str, Any],
        *,
        user_id: uuid.UUID | None,
        tree_id: uuid.UUID | None,
        now: datetime,
        trace_parent: str | None = None,
    ) -> None: ...
    def get_job(self, job_id: uuid.UUID) -> Row | None: ...
    def claim_job(
        self, job_id: uuid.UUID, now: datetime, stale_before: datetime | None = None
    ) -> Row | None: ...
    def update_job_progress(
        self,
        job_id: uuid.UUID,
        attempt: int,
        done: int,
        total: int | None,
        message: str,
        now: datetime,
    ) -> bool: ...
    def finish_job(
        self,
        job_id: uuid.UUID,
        attempt: int,
        status: str,
        now: datetime,
        *,
        progress: tuple[int, int | None, str] | None = None,
        result: Any = None,
        error: Mapping[str, Any] | None = None,
    ) -> bool: ...
    def requeue_job(self, job_id: uuid.UUID, attempt: int, now: datetime) -> bool: ...
    def request_cancel(self, job_id: uuid.UUID, now: datetime) -> Row | None: ...
    def unfinished_jobs(self) -> list[Row]: ...
    def jobs_of(self, user_id: uuid.UUID, sort: SortSpec, limit: int) -> list[Row]: ...
    # search: the outbox and what documents are built from (adapters/sql/store_search.py)
    def queue_search(self, entries: Iterable[tuple[uuid.UUID, str, uuid.UUID]]) -> None: ...
    def lease_outbox(self, limit: int, now: datetime, until: datetime) -> list[Row]: ...
    def drop_outbox(self, ids: Sequence[int]) -> None: ...
    def delay_outbox(
        self, ids: Sequence[int], attempts: int, available_at: datetime, error: str
    ) -> None: ...
    def outbox_stats(self, tree_id: uuid.UUID | None = None) -> dict[str, Any]: ...
    def count_people(self, tree_id: uuid.UUID) -> int: ...
    def people_reached(self, kind: str, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]: ...
    def tree_people_page(
        self, tree_id: uuid.UUID, after: uuid.UUID | None, limit: int
    ) -> list[uuid.UUID]: ...
    def tree_ids(self) -> list[uuid.UUID]: ...
    def branch_ids(self, root: uuid.UUID, steps: int) -> frozenset[uuid.UUID]: ...
    def search_material(self, person_ids: Sequence[uuid.UUID]) -> dict[str, Any]: ...

    # duplicates (adapters/sql/store_duplicates.py)
    def close_relatives(
        self, tree_id: uuid.UUID
    ) -> tuple[set[tuple[uuid.UUID, uuid.UUID]], set[tuple[uuid.UUID, uuid.UUID]]]: ...
    def dismissed_pairs(self, tree_id: uuid.UUID) -> set[tuple[uuid.UUID, uuid.UUID]]: ...
    def replace_open_pairs(
        self,
        tree_id: uuid.UUID,
        rows: Sequence[dict[str, Any]],
        focus: Sequence[uuid.UUID] | None = None,
    ) -> None: ...
    def duplicate_queue(
        self, tree_id: uuid.UUID, status: str, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]: ...
    def duplicate_pair(self, pair_id: uuid.UUID, *, lock: bool = False) -> Row | None: ...
    def decide_pair(
        self, pair_id: uuid.UUID, status: str, user_id: uuid.UUID | None, now: datetime
    ) -> None: ...
    def merge_people(self, keep: uuid.UUID, other: uuid.UUID) -> None: ...

    # statistics (adapters/sql/store_stats.py)
    def tree_statistics(self, tree_id: uuid.UUID, surnames: int = 10) -> Row: ...

    # media files (adapters/sql/store_media.py)
    def media_with_sha(self, tree_id: uuid.UUID, sha256: str) -> Row | None: ...
    def media_bytes_of_tree(self, tree_id: uuid.UUID) -> int: ...
    def media_files_of_tree(self, tree_id: uuid.UUID) -> list[Row]: ...
    def sha_in_use(self, sha256: str) -> bool: ...
    def shas_of_tree(self, tree_id: uuid.UUID) -> list[str]: ...
    def orphan_unused(self, shas: Sequence[str], now: datetime) -> None: ...
    def adopt_contents(self, shas: Sequence[str]) -> None: ...
    def orphans_due(self, before: datetime, limit: int) -> list[str]: ...
    def tags_of(self, media_id: uuid.UUID) -> list[Row]: ...
    def tag_of(self, media_id: uuid.UUID, person_id: uuid.UUID) -> Row | None: ...
    def set_primary_media(self, person_id: uuid.UUID, media_id: uuid.UUID | None) -> bool: ...
    def primary_media_of(self, person_id: uuid.UUID) -> uuid.UUID | None: ...
    def uploads_expired(self, now: datetime, limit: int) -> list[Row]: ...
    def people_added_between(
        self, tree_id: uuid.UUID, start: datetime, end: datetime
    ) -> set[uuid.UUID]: ...

    # GEDCOM import and export (adapters/sql/store_gedcom.py)
    def bulk_insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None: ...
    def set_place_coords(self, rows: Sequence[Mapping[str, Any]]) -> None: ...
    def start_famc(self) -> None: ...
    def finish_famc(self, tree_id: uuid.UUID) -> int: ...
    def identified_records(
        self, tree_id: uuid.UUID, values: Sequence[str]
    ) -> list[dict[str, Any]]: ...
    def existing_ids(self, table: str, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]: ...
    def clear_owned(self, table: str, ids: Sequence[uuid.UUID], kind: str) -> None: ...
    def update_records(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None: ...
    def drop_gedcom_records(self, ids: Sequence[uuid.UUID]) -> None: ...
    def place_ids(self, tree_id: uuid.UUID) -> set[uuid.UUID]: ...
    def count_records(self, tree_id: uuid.UUID) -> dict[str, int]: ...
    def export_people(
        self, tree_id: uuid.UUID, after: uuid.UUID | None, limit: int
    ) -> list[dict[str, Any]]: ...
    def export_records(
        self, table: str, tree_id: uuid.UUID, after: uuid.UUID | None, limit: int
    ) -> list[dict[str, Any]]: ...
    def export_children(
        self, table: str, column: str, ids: Sequence[uuid.UUID]
    ) -> list[dict[str, Any]]: ...
    def export_links(
        self, table: str, kind: str, ids: Sequence[uuid.UUID]
    ) -> list[dict[str, Any]]: ...
    def export_families_of(self, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]: ...
    def xrefs_of(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]: ...
    def duplicate_xrefs(self, tree_id: uuid.UUID) -> set[str]: ...
    def gedcom_records_of(self, tree_id: uuid.UUID) -> Iterator[dict[str, Any]]: ...
    def place_paths(
        self, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[str, float | None, float | None]]: ...


# -- history and audit
@dataclass
class RequestNote:
    """What the API knows about the request behind a write: the store files the reason with the
    change it records and reports the change's id back; the audit log takes the address."""

    reason: str = ""
    ip: str = ""
    change_ids: list[uuid.UUID] = field(default_factory=list)


REQUEST_NOTE: ContextVar[RequestNote | None] = ContextVar("dzinza_request_note", default=None)
"""Set per request by the API (None elsewhere: the CLI, tests calling services directly)."""


class TreeStore(Protocol):
    """Where trees live: SQLite in the embedded default, PostgreSQL at scale."""

    def read(self) -> AbstractContextManager[StoreSession]: ...
    def write(self) -> AbstractContextManager[StoreSession]: ...
    def on_search_queued(self, callback: Callable[[], None]) -> None:
        """Calls ``callback`` (quick, never raising) after a write transaction that queued
        work for the search indexer commits."""
        ...

    def on_trees_changed(self, callback: Callable[[frozenset[uuid.UUID]], None]) -> None:
        """Calls ``callback`` with the trees a write transaction changed, after it commits (the
        caches of those trees are stale from then on)."""
        ...

    def dispose(self) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class Mailer(Protocol):
    """Sends one plain-text email: verification and reset links, security notices.

    Raises ``OSError`` (``smtplib.SMTPException`` is one) when the message cannot be handed on.
    """

    def send(self, to: str, subject: str, text: str) -> None: ...


# -- background jobs
JobExecutor = Callable[[uuid.UUID], None]
"""Runs one stored job to its end, on the caller's thread (``JobService.execute``)."""


class JobRunner(Protocol):
    """Where background jobs run: threads of this process in the embedded default, worker
    processes fed by a queue at scale. Built by bootstrap around a ``JobExecutor``."""

    def start(self, job_id: uuid.UUID) -> None:
        """Hands over a job already stored as queued; returns at once. Whoever runs it calls
        the executor with its id (a job cancelled or claimed meanwhile is skipped there)."""
        ...

    def close(self, timeout: float = 30.0) -> None:
        """Stops taking jobs and waits up to ``timeout`` seconds for those running to stop."""
        ...


# -- search (services/search.py builds documents and queries; adapters index and query them)
MATCH_KINDS = ("exact", "variant", "phonetic", "fuzzy")
"""The ways a query word can meet a name word, strongest first; each is a field of the document
holding tokens (letters and digits only, so that every backend stores them as they are)."""
MATCH_WEIGHTS: dict[str, float] = {"exact": 10.0, "variant": 6.0, "phonetic": 4.0, "fuzzy": 2.0}
"""Every backend's score: per query word the weight of the strongest kind it matched, summed."""


@dataclass(frozen=True)
class SearchDoc:
    """One person as the search index holds them. Built from the database by
    ``services/search_docs.py``; the privacy inputs travel with it so that an index outside the
    database can apply the privacy rule inside its own query."""

    person_id: uuid.UUID
    tree_id: uuid.UUID
    display_name: str
    name_key: str
    sex: str
    names: str
    """The person's folded name words, space-separated (suggestions and highlights)."""
    exact: str
    variant: str
    phonetic: str
    fuzzy: str
    filters: str
    """Tokens for the filters: ``pl<place id hex>`` for every place of their events and every
    place those lie within, ``ev<event type>`` for every event type."""
    text: str
    """Folded free text: notes, facts, event descriptions, titles of cited sources."""
    surname: str
    """The primary surname, folded (the surname facet)."""
    region: str
    """The outermost place of the birth place's hierarchy (the place facet)."""
    birth_from: int | None
    birth_to: int | None
    death_from: int | None
    death_to: int | None
    """Years: the earliest and latest a recorded birth or death can have been."""
    century: int | None
    """The century of birth, as its first year (1800 for 1800-1899): the century facet."""
    living: bool | None
    private: bool
    restriction: str
    has_death: bool
    evidence_day: int | None


@dataclass(frozen=True)
class QueryWord:
    """One word of a query: the tokens that it matches, per match kind (``MATCH_KINDS``).
    A document matches the word when any of these tokens is in the field of its kind."""

    word: str
    tokens: dict[str, tuple[str, ...]]
    prefix: str | None = None
    """A folded word prefix (``mo``): also matches a document with a name word (``names``)
    that starts with it, as an exact match. Suggestions and search-as-you-type use it."""


@dataclass(frozen=True)
class TreeScope:
    """One tree to search and the reader's privacy scope in it."""

    tree_id: uuid.UUID
    viewer: Viewer
    branch_ids: frozenset[uuid.UUID] = frozenset()
    """For a member limited to a branch: the people of their branch."""


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[QueryWord, ...] = ()
    """Every word must match (a name word, by any kind)."""
    text: tuple[str, ...] = ()
    """Folded words that must all occur in the free text."""
    sex: str | None = None
    born_from: int | None = None
    born_to: int | None = None
    died_from: int | None = None
    died_to: int | None = None
    filters: tuple[str, ...] = ()
    """Filter tokens that must all be present (places, event types)."""
    limit: int = 20
    offset: int = 0
    facets: bool = False


@dataclass(frozen=True)
class SearchHit:
    person_id: uuid.UUID
    tree_id: uuid.UUID
    score: float
    display_name: str
    names: str
    text: str
    birth_from: int | None
    birth_to: int | None
    death_from: int | None
    death_to: int | None
    sex: str


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]
    facets: dict[str, list[tuple[str | int, int]]] = field(default_factory=dict)


class SearchIndex(Protocol):
    """Where people are found: SQL (FTS5 on SQLite, tsvector on PostgreSQL) in the same
    database, or OpenSearch. Every query applies the privacy rule for each ``TreeScope``."""

    def put(self, docs: Sequence[SearchDoc]) -> None: ...
    def ping(self) -> None:
        """Raises if the index cannot be reached (readiness checks)."""
        ...

    def remove(self, person_ids: Sequence[uuid.UUID]) -> None: ...
    def remove_tree(self, tree_id: uuid.UUID) -> None: ...
    def search(self, query: SearchQuery, scopes: Sequence[TreeScope]) -> SearchResult: ...
    def suggest(
        self, word: QueryWord, scopes: Sequence[TreeScope], limit: int
    ) -> list[tuple[str, int]]:
        """Name words starting with ``word.prefix``, with how many visible people bear them."""
        ...

    def person_ids(self, tree_id: uuid.UUID) -> set[uuid.UUID]:
        """Who the index holds for a tree (reindex removes those no longer in the database)."""
        ...

    def documents(
        self, tree_id: uuid.UUID, after: uuid.UUID | None, limit: int
    ) -> list[SearchDoc] | None:
        """A page of the tree's documents in person-id order, as stored; None from an index
        that cannot hand them back cheaply (the caller builds them from the database)."""
        ...

    def begin_rebuild(self) -> None:
        """A full rebuild starts: writes go to a fresh index until ``end_rebuild``."""
        ...

    def end_rebuild(self, ok: bool) -> None: ...
    def close(self) -> None: ...


# -- blob store (photos and documents: services/media.py decides keys; adapters hold the bytes)
@dataclass(frozen=True)
class BlobInfo:
    key: str
    size: int
    content_type: str
    etag: str = ""


@dataclass(frozen=True)
class SignedRequest:
    """A request a client may make without credentials until ``expires_at``: a presigned S3 URL,
    or on the local folder an app URL carrying an HMAC signature."""

    url: str
    method: str
    """GET, PUT or POST (a form whose ``fields`` go before the file)."""
    expires_at: datetime
    fields: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    """Headers the client must send with the request (for example the signed Content-Type)."""


@dataclass(frozen=True)
class UploadedPart:
    number: int
    size: int
    etag: str


@dataclass(frozen=True)
class SignedGrant:
    """What a verified local signature allows (only the local folder serves its own URLs)."""

    method: str
    key: str
    content_type: str | None
    filename: str | None
    inline: bool
    max_bytes: int | None
    upload_id: str | None
    part_number: int | None


class BlobStore(Protocol):
    """Where the bytes of photos and documents live, by key (``originals/ab/<sha256>``).
    Two adapters: a local folder (``file://PATH``) and S3 (``s3://BUCKET?endpoint=URL``)."""

    url: str
    """The store's address without secrets, for logs and status pages."""
    serves_itself: bool
    """True when its signed URLs point back at Dzinza (``/api/v1/blobs/...``), which must then
    check them with ``check_signature`` and serve or receive the bytes itself."""

    def put(
        self,
        key: str,
        source: bytes | Path | BinaryIO,
        *,
        content_type: str,
        cache_control: str | None = None,
    ) -> None:
        """Writes the whole object (atomically: a reader sees the old bytes or all the new)."""
        ...

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """Reads the object as a stream; ``KeyError`` if there is none."""
        ...

    def download(self, key: str, path: Path) -> None:
        """Copies the object into a local file; ``KeyError`` if there is none."""
        ...

    def head(self, key: str) -> BlobInfo | None: ...

    def exists(self, key: str) -> bool: ...

    def copy(
        self, source_key: str, key: str, *, content_type: str, cache_control: str | None = None
    ) -> None: ...

    def delete(self, key: str) -> None:
        """Removes the key; where the store keeps versions, the bytes stay recoverable."""
        ...

    def keys(self, prefix: str) -> Iterator[str]: ...

    def versions(self, key: str) -> list[str]:
        """Ids of the earlier versions of the key that the store still keeps, newest first."""
        ...

    def restore(self, key: str, version_id: str) -> None:
        """Makes an earlier version the current one again."""
        ...

    def signed_get(
        self,
        key: str,
        *,
        expires_in: int,
        content_type: str | None = None,
        filename: str | None = None,
        inline: bool = True,
        cdn: bool = False,
    ) -> str:
        """A URL that reads the object until it expires; ``cdn`` asks for the CDN's address where
        one is configured (content-addressed derivatives, cached for long)."""
        ...

    def signed_put(
        self, key: str, *, expires_in: int, content_type: str, max_bytes: int
    ) -> SignedRequest:
        """A request that uploads the whole object directly, refused above ``max_bytes``."""
        ...

    def start_multipart(self, key: str, *, content_type: str) -> str:
        """Begins an upload in parts; returns its upload id."""
        ...

    def signed_part(
        self, key: str, upload_id: str, number: int, *, expires_in: int, max_bytes: int
    ) -> SignedRequest: ...

    def parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        """The parts received so far, by number (what a resumed upload need not send again)."""
        ...

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[UploadedPart]
    ) -> None: ...

    def abort_multipart(self, key: str, upload_id: str) -> None: ...

    def check_signature(self, method: str, key: str, query: Mapping[str, str]) -> SignedGrant:
        """Local folder only: the grant a signed URL carries; ``PermissionError`` if the
        signature is wrong or expired."""
        ...

    def path_of(self, key: str) -> Path:
        """Local folder only: the file holding the key (served with Range support)."""
        ...

    def receive(
        self,
        key: str,
        chunks: Iterable[bytes],
        *,
        max_bytes: int | None,
        upload_id: str | None = None,
        part_number: int | None = None,
    ) -> UploadedPart:
        """Local folder only: stores a body sent to a signed PUT URL (a whole object, or a part
        of a multipart upload); ``ValueError`` above ``max_bytes``, and nothing is kept."""
        ...


@dataclass(frozen=True)
class TableDigest:
    """A table's rows counted and hashed (a sum of the hashes of the rows, so their order does
    not matter): equal on a database and on its restored copy, different after any change."""

    rows: int
    digest: str


class DatabaseSnapshots(Protocol):
    """Whole-database copies for backups: SQLite's online backup or PostgreSQL's custom-format
    dump, restored into an empty database of the same kind."""

    kind: str
    """``sqlite`` or ``postgresql``: a backup is restored into a database of its own kind."""
    file_name: str
    """The snapshot's name in a backup (``database.sqlite``, ``database.pgdump``)."""

    def snapshot(self, path: Path) -> dict[str, TableDigest]:
        """Writes a consistent copy of the database to ``path``; returns the digests of the
        tables as that copy holds them."""
        ...

    def digests(self) -> dict[str, TableDigest]: ...

    def revision(self) -> str | None:
        """The schema's migration revision."""
        ...

    def is_empty(self) -> bool:
        """No tables at all: a database a backup may be restored into."""
        ...

    def restore(self, path: Path) -> None:
        """Loads a snapshot of this kind into this (empty) database."""
        ...

    def scratch(self) -> AbstractContextManager[DatabaseSnapshots]:
        """A new empty database of the same kind, dropped afterwards (to verify a backup)."""
        ...

    def close(self) -> None: ...


class KeyProvider(Protocol):
    """Envelope encryption's outer key: wraps the random data keys that encrypt backups, so the
    key itself never leaves its keeper (a local key file; AWS KMS in production)."""

    key_id: str
    """Names the key (a key file's fingerprint, a KMS key's ARN or alias), kept beside each
    wrapped key so a reader knows which key it needs."""

    def wrap(self, data_key: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes) -> bytes:
        """The data key; ValueError when ``wrapped`` was not wrapped by this key."""
        ...


class VirusScanner(Protocol):
    """Scans an upload before it becomes visible. The embedded default accepts everything."""

    name: str

    def scan(self, path: Path) -> str | None:
        """The name of what was found, or None when the file is clean."""
        ...


# -- cache (services/cache.py decides keys and versions; adapters hold the bytes) ----------------
class CacheUnavailable(Exception):
    """The cache's server cannot be reached: callers carry on without it."""


class Cache(Protocol):
    """Bytes by key with a time to live: memory of this process (the embedded default) or Redis
    (``DZINZA_CACHE_URL=redis://...``), shared by every replica. Every method raises
    ``CacheUnavailable`` (and nothing else) when the server cannot be reached."""

    url: str
    """The cache's address without secrets."""

    def get(self, key: str) -> bytes | None: ...

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    def set(self, key: str, value: bytes, ttl: float) -> None:
        """Stores the value for ``ttl`` seconds."""
        ...

    def add(self, key: str, value: bytes, ttl: float) -> bool:
        """Stores the value only if the key is absent; True if it did (a lock, a first write)."""
        ...

    def delete(self, *keys: str) -> None: ...

    def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """Adds to a counter (created at 0) and returns the new value; ``ttl`` applies when the
        counter is created (a rate-limit window)."""
        ...

    def ttl(self, key: str) -> float | None:
        """Seconds the key has left; None if it is absent or never expires."""
        ...

    def ping(self) -> None: ...

    def close(self) -> None: ...
