"""Duplicates: the finder (a background job over a tree), the review queue, "not a match", and
the merge of two people with a field-by-field preview. A merge keeps every name, event, family
link, citation, note and media link of both people, and is one change in the history: undone
with the history's undo like any other."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from dzinza.domain.errors import N_, Conflict, NotFound, ValidationFailed, said
from dzinza.ports import Row, SearchDoc, StoreSession, TreeStore
from dzinza.services import search_docs, summaries
from dzinza.services.access import Need, tree_access
from dzinza.services.common import Actor
from dzinza.services.duplicate_scoring import (
    THRESHOLD,
    candidate_pairs,
    profile,
    score,
    score_value,
)
from dzinza.services.jobs import JobContext, JobService
from dzinza.services.people import PeopleService
from dzinza.services.search import SearchService

SCAN = "duplicates.scan"
PAGE = 1000
STATUSES = ("open", "dismissed")


class DuplicateService:
    def __init__(
        self, store: TreeStore, jobs: JobService, people: PeopleService, search: SearchService
    ) -> None:
        self.store = store
        self.jobs = jobs
        self.people = people
        self.search = search
        jobs.register(SCAN, self._run_scan)

    # -- the finder --------------------------------------------------------------------------
    def start_scan(
        self, actor: Actor, tree_id: uuid.UUID, import_job: uuid.UUID | None = None
    ) -> dict[str, Any]:
        """Queues a scan of the whole tree, or (``import_job``) of the people that import added
        against everyone else: the duplicates an import into an existing tree brought in."""
        with self.store.read() as tx:
            tree_access(tx, tree_id, actor, Need.EDIT)
            if import_job is not None:
                self._import_window(tx, tree_id, import_job)
        params = {"import_job": str(import_job) if import_job else None}
        return self.jobs.submit(SCAN, params, user_id=actor.user_id, tree_id=tree_id)

    @staticmethod
    def _import_window(
        tx: StoreSession, tree_id: uuid.UUID, job_id: uuid.UUID
    ) -> tuple[datetime, datetime]:
        job = tx.get_job(job_id)
        if job is None or job["tree_id"] != tree_id or job["kind"] != "gedcom.import":
            raise ValidationFailed(
                said("import_job %(job_id)s is not an import into this tree.", job_id=job_id)
            )
        if job["status"] != "succeeded" or job["started_at"] is None or job["finished_at"] is None:
            raise ValidationFailed(
                said("The import %(job_id)s has not finished successfully.", job_id=job_id)
            )
        return job["started_at"], job["finished_at"]

    def _run_scan(self, ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        if ctx.tree_id is None:
            raise NotFound(N_("The tree of this job no longer exists."))
        focus = None
        if params.get("import_job"):
            with self.store.read() as tx:
                start, end = self._import_window(tx, ctx.tree_id, uuid.UUID(params["import_job"]))
                # The database's clock may keep whole seconds only (SQLite's CURRENT_TIMESTAMP).
                margin = timedelta(seconds=1)
                focus = tx.people_added_between(ctx.tree_id, start - margin, end + margin)
        return self.scan(ctx.tree_id, focus=focus, progress=ctx.progress)

    def scan(
        self,
        tree_id: uuid.UUID,
        *,
        focus: set[uuid.UUID] | None = None,
        progress: Callable[[int, int | None, str], None] | None = None,
    ) -> dict[str, Any]:
        """Finds the suspected duplicates of a tree (with ``focus``: only pairs with one of
        these people, such as the people an import just added) and refreshes the queue."""
        started = time.monotonic()
        profiles = [profile(d) for d in self._documents(tree_id, progress)]
        with self.store.read() as tx:
            close_ids, sibling_ids = tx.close_relatives(tree_id)
            dismissed_ids = tx.dismissed_pairs(tree_id)
        # Pairs as numbers, as candidate_pairs makes them (ordered as UUIDs order: by .int).
        close = {(a.int, b.int) for a, b in close_ids | dismissed_ids}
        siblings = {(a.int, b.int) for a, b in sibling_ids}
        found: list[dict[str, Any]] = []
        compared = 0
        for a, b in candidate_pairs(profiles):
            key = (a.key, b.key)
            if key in close:
                continue
            if focus is not None and a.person_id not in focus and b.person_id not in focus:
                continue
            compared += 1
            sibling = key in siblings
            if score_value(a, b, sibling) >= THRESHOLD:
                value, reasons = score(a, b, siblings=sibling)
                found.append(
                    {
                        "id": uuid.uuid4(),
                        "tree_id": tree_id,
                        "person_a": a.person_id,
                        "person_b": b.person_id,
                        "score": value,
                        "reasons": reasons,
                    }
                )
        with self.store.write() as tx:
            if tx.get("tree", tree_id) is None:
                raise NotFound(N_("The tree of this scan no longer exists."))
            tx.replace_open_pairs(tree_id, found, sorted(focus) if focus is not None else None)
        if progress:
            progress(len(profiles), len(profiles), "done")
        return {
            "people": len(profiles),
            "compared": compared,
            "found": len(found),
            "seconds": round(time.monotonic() - started, 3),
        }

    def _documents(
        self, tree_id: uuid.UUID, progress: Callable[[int, int | None, str], None] | None
    ) -> list[SearchDoc]:
        """The tree's people as search documents: read back from the search index when it can
        (once it has caught up with every change), else built from the database."""
        stored = self.search.documents_of(tree_id)
        if stored is not None:
            return stored
        docs: list[SearchDoc] = []
        after: uuid.UUID | None = None
        while True:
            with self.store.read() as tx:
                ids = tx.tree_people_page(tree_id, after, PAGE)
                if not ids:
                    return docs
                docs += search_docs.build(tx, ids)
            after = ids[-1]
            if progress:
                progress(len(docs), None, "reading people")

    # -- the review queue ------------------------------------------------------------------------
    def queue(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        status: str = "open",
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        if status not in STATUSES:
            raise ValidationFailed(
                said("status must be one of %(choices)s.", choices=", ".join(STATUSES))
            )
        with self.store.read() as tx:
            tree_access(tx, tree_id, actor, Need.EDIT)
            total, rows = tx.duplicate_queue(tree_id, status, limit, offset)
        return {"total": total, "items": [_pair_view(r) for r in rows]}

    def _pair(self, tx: StoreSession, actor: Actor, pair_id: uuid.UUID, lock: bool = False) -> Row:
        pair = tx.duplicate_pair(pair_id, lock=lock)
        if pair is None:
            raise NotFound(said("There is no suspected duplicate with id %(id)s.", id=str(pair_id)))
        try:
            tree_access(tx, pair["tree_id"], actor, Need.EDIT)
        except NotFound:
            raise NotFound(
                said("There is no suspected duplicate with id %(id)s.", id=str(pair_id))
            ) from None
        return pair

    def dismiss(self, actor: Actor, pair_id: uuid.UUID) -> dict[str, Any]:
        """ "Not a match": the pair leaves the queue and is never suggested again."""
        with self.store.write() as tx:
            pair = self._pair(tx, actor, pair_id, lock=True)
            tx.decide_pair(pair_id, "dismissed", actor.user_id, datetime.now(UTC))
            pair = tx.duplicate_pair(pair_id) or pair
        return _pair_view(pair)

    def reopen(self, actor: Actor, pair_id: uuid.UUID) -> dict[str, Any]:
        with self.store.write() as tx:
            pair = self._pair(tx, actor, pair_id, lock=True)
            tx.decide_pair(pair_id, "open", None, datetime.now(UTC))
            pair = tx.duplicate_pair(pair_id) or pair
        return _pair_view(pair)

    # -- merging ---------------------------------------------------------------------------------
    @staticmethod
    def _sides(pair: Row, keep: str) -> tuple[uuid.UUID, uuid.UUID]:
        if keep not in ("a", "b"):
            raise ValidationFailed(N_("keep must be 'a' or 'b': the person whose record stays."))
        a, b = pair["person_a"], pair["person_b"]
        return (a, b) if keep == "a" else (b, a)

    def preview(self, actor: Actor, pair_id: uuid.UUID, keep: str = "a") -> dict[str, Any]:
        """Both people as they are and the one person a merge would leave, field by field."""
        with self.store.read() as tx:
            pair = self._pair(tx, actor, pair_id)
            keep_id, other_id = self._sides(pair, keep)
            kept = self._view(tx, keep_id)
            other = self._view(tx, other_id)
        return {
            "pair": _pair_view(pair),
            "keep": kept,
            "merge": other,
            "result": _merged(kept, other),
        }

    def _view(self, tx: StoreSession, person_id: uuid.UUID) -> dict[str, Any]:
        person = tx.get("person", person_id)
        if person is None:
            raise Conflict(N_("One of these people has been deleted since the pair was found."))
        return self.people.view(tx, person)

    def merge(self, actor: Actor, pair_id: uuid.UUID, keep: str = "a") -> dict[str, Any]:
        with self.store.write() as tx:
            pair = self._pair(tx, actor, pair_id, lock=True)
            if pair["status"] != "open":
                raise Conflict(N_("This pair was said not to match: reopen it before merging."))
            keep_id, other_id = self._sides(pair, keep)
            kept = tx.get("person", keep_id, lock=True)
            other = tx.get("person", other_id, lock=True)
            if kept is None or other is None:
                raise Conflict(N_("One of these people has been deleted since the pair was found."))
            change_id = tx.note_change("person.merge")
            relatives = tx.relatives_of([keep_id, other_id])
            tx.merge_people(keep_id, other_id)
            updates: dict[str, Any] = {}
            if kept["sex"] == "unknown" and other["sex"] != "unknown":
                updates["sex"] = other["sex"]
            if updates:
                tx.update("person", keep_id, updates)
            tx.delete("person", other_id)
            summaries.refresh(tx, keep_id)
            tx.refresh_evidence(relatives - {other_id})
            view = self.people.view(tx, tx.get("person", keep_id) or kept)
        return {"person": view, "merged_id": str(other_id), "change_id": str(change_id)}


def _pair_view(row: Row) -> dict[str, Any]:
    out = {
        "id": str(row["id"]),
        "tree_id": str(row["tree_id"]),
        "score": row["score"],
        "reasons": row["reasons"] or {},
        "status": row["status"],
        "a": {"id": str(row["person_a"])},
        "b": {"id": str(row["person_b"])},
    }
    if "a_name" in row:
        out["a"].update(display_name=row["a_name"], birth=row["a_birth"])
        out["b"].update(display_name=row["b_name"], birth=row["b_birth"])
    return out


def _merged(kept: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """What the merged person will hold: everything of both, with what differs pointed out."""
    conflicts = [
        field
        for field in ("sex", "living", "private", "restriction")
        if kept.get(field) != other.get(field)
        and other.get(field) not in (None, "", "unknown", False)
        and kept.get(field) not in (None, "", "unknown", False)
    ]
    sex = kept.get("sex")
    if sex in (None, "unknown"):
        sex = other.get("sex")
    return {
        "display_name": kept.get("display_name"),
        "sex": sex,
        "names": kept.get("names", []) + other.get("names", []),
        "events": kept.get("events", []) + other.get("events", []),
        "parents": kept.get("parents", []) + other.get("parents", []),
        "families": kept.get("families", []) + other.get("families", []),
        "citations": kept.get("citations", []) + other.get("citations", []),
        "notes": _union(kept.get("notes", []), other.get("notes", [])),
        "media": _union(kept.get("media", []), other.get("media", [])),
        "conflicts": conflicts,
        "kept_as_is": ["living", "private", "restriction"],
    }


def _union(a: list[Any], b: list[Any]) -> list[Any]:
    seen = {x.get("id") if isinstance(x, dict) else x for x in a}
    return a + [x for x in b if (x.get("id") if isinstance(x, dict) else x) not in seen]
