"""Search: finding people by name (exact, variant, phonetic, fuzzy), dates, places, events and
free text, in one tree or every tree the reader may see, with facets, highlights and
suggestions; and the indexer that keeps the search index current from the outbox.

The reader's privacy scope in each tree goes into the index's query (``ports.TreeScope``), so
what a reader may not see is never counted, faceted, highlighted or suggested.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dzinza import telemetry
from dzinza.domain.errors import N_, NotFound, Unavailable, ValidationFailed, said
from dzinza.ports import (
    MATCH_KINDS,
    QueryWord,
    SearchDoc,
    SearchHit,
    SearchIndex,
    SearchQuery,
    SortSpec,
    StoreSession,
    TreeScope,
    TreeStore,
    ViewerLevel,
)
from dzinza.services import search_docs
from dzinza.services import search_terms as terms
from dzinza.services.access import Access, no_such, standings, tree_access
from dzinza.services.common import Actor

log = logging.getLogger("dzinza.search")

MAX_TREES = 500
"""Searching every tree the reader may see covers at most this many (their own first)."""
MAX_WORDS = 8
MAX_LIMIT = 100
MAX_OFFSET = 1000
DEFAULT_YEAR_TOLERANCE = 2
BATCH = 200
"""Outbox entries the indexer takes at a time."""
LEASE = timedelta(minutes=5)
"""How long an indexer holds the entries it took; a crashed indexer's return after this."""
MAX_BACKOFF = timedelta(minutes=30)
PAGE = 500
"""People per document batch when a whole tree is indexed."""
_YEAR = re.compile(r"^\d{3,4}$")


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    given: str = ""
    surname: str = ""
    text: str = ""
    place: str = ""
    """Words of a place name, matched in the free text (place names are part of it)."""
    place_id: uuid.UUID | None = None
    """People with an event at this place or anywhere within it."""
    event: str = ""
    sex: str | None = None
    born: int | None = None
    died: int | None = None
    tolerance: int = DEFAULT_YEAR_TOLERANCE
    """Years either side of ``born`` and ``died``."""
    limit: int = 20
    offset: int = 0
    facets: bool = False
    broad: bool = False
    """Always include sound-alike and typo matches (else only when the strong ones fall
    short of the page: see ``SearchService.search``)."""


STRONG_KINDS = ("exact", "variant")


def strong_only(query: SearchQuery) -> SearchQuery:
    """The query with each word matched by spelling and name variants only."""
    words = tuple(
        QueryWord(w.word, {k: v for k, v in w.tokens.items() if k in STRONG_KINDS}, w.prefix)
        for w in query.words
    )
    return replace(query, words=words)


def compile_query(req: SearchRequest) -> SearchQuery:
    """The index's query for a request; a clear error for one that cannot match sensibly."""
    if not 1 <= req.limit <= MAX_LIMIT:
        raise ValidationFailed(
            said("limit must be between 1 and %(max_limit)s.", max_limit=MAX_LIMIT)
        )
    if not 0 <= req.offset <= MAX_OFFSET:
        raise ValidationFailed(
            said(
                "offset must be between 0 and %(max_offset)s; narrow the search.",
                max_offset=MAX_OFFSET,
            )
        )
    if not 0 <= req.tolerance <= 50:
        raise ValidationFailed(N_("tolerance must be between 0 and 50 years."))
    born = req.born
    words: list[QueryWord] = []
    q_words = terms.words(req.q)
    if any(w not in terms.PARTICLE_WORDS for w in q_words):
        q_words = [w for w in q_words if w not in terms.PARTICLE_WORDS]
    for w in dict.fromkeys(q_words):
        if _YEAR.match(w) and born is None:
            born = int(w)  # "tendai moyo 1932": a year in the query is a birth year
        else:
            words.append(terms.query_word(w))
    words += [terms.query_word(w, (terms.GIVEN,)) for w in terms.words(req.given)]
    words += [
        terms.query_word(w, (terms.SURNAME,))
        for w in dict.fromkeys(terms.words(req.surname))
        if w not in terms.PARTICLE_WORDS
    ]
    if len(words) > MAX_WORDS:
        raise ValidationFailed(
            said("A search takes at most %(max_words)s name words.", max_words=MAX_WORDS)
        )
    text = tuple(dict.fromkeys(terms.words(req.text) + terms.words(req.place)))
    filters = []
    if req.place_id is not None:
        filters.append(search_docs.place_token(req.place_id))
    if req.event:
        filters.append(search_docs.event_token(req.event))
    if not (words or text or filters or req.sex or born is not None or req.died is not None):
        raise ValidationFailed(
            N_("Say what to search for: q, given, surname, text, place or event.")
        )
    tol = req.tolerance
    return SearchQuery(
        words=tuple(words),
        text=text[:MAX_WORDS],
        sex=req.sex,
        born_from=None if born is None else born - tol,
        born_to=None if born is None else born + tol,
        died_from=None if req.died is None else req.died - tol,
        died_to=None if req.died is None else req.died + tol,
        filters=tuple(filters),
        limit=req.limit,
        offset=req.offset,
        facets=req.facets,
    )


class SearchService:
    def __init__(self, store: TreeStore, index: SearchIndex | None) -> None:
        self.store = store
        self._index = index
        self._drain_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            raise Unavailable(N_("Search is not configured on this server."))
        return self._index

    # -- the indexer thread ----------------------------------------------------------------------
    def start_indexer(self, interval: float = 2.0) -> None:
        """Keeps the index current from this process: after every commit (``nudge``) and every
        ``interval`` seconds (entries of other replicas, retries that are due)."""
        if self._thread is not None:
            return
        self.store.on_search_queued(self._wake.set)
        self._thread = threading.Thread(
            target=self._run, args=(interval,), name="dzinza-search-indexer", daemon=True
        )
        self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            self._wake.wait(interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.catch_up()
            except Exception:  # the database away for a moment: the next round tries again
                log.exception("search indexer round failed")

    def stop_indexer(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def close(self) -> None:
        self.stop_indexer()
        if self._index is not None:
            self._index.close()

    # -- who may see what ------------------------------------------------------------------------
    @staticmethod
    def _scope(tx: StoreSession, access: Access) -> TreeScope:
        viewer = access.viewer()
        branch: frozenset[uuid.UUID] = frozenset()
        if viewer.level is ViewerLevel.MEMBER and viewer.branch_root is not None:
            branch = tx.branch_ids(viewer.branch_root, viewer.branch_steps or 0)
        return TreeScope(access.tree["id"], viewer, branch)

    def scopes(self, actor: Actor, tree_id: uuid.UUID | None) -> list[TreeScope]:
        with self.store.read() as tx:
            if tree_id is not None:
                return [self._scope(tx, tree_access(tx, tree_id, actor))]
            trees = tx.list_trees(
                actor.user_id, actor.is_admin, SortSpec(("name", "id")), MAX_TREES
            )
            return [self._scope(tx, access) for access in standings(tx, trees, actor)]

    # -- searching -------------------------------------------------------------------------------
    def search(
        self, actor: Actor, req: SearchRequest, tree_id: uuid.UUID | None = None
    ) -> dict[str, Any]:
        with telemetry.timed(telemetry.SEARCH_SECONDS):
            return self._search(actor, req, tree_id)

    def _search(
        self, actor: Actor, req: SearchRequest, tree_id: uuid.UUID | None
    ) -> dict[str, Any]:
        query = compile_query(req)
        scopes = self.scopes(actor, tree_id)
        try:
            # Sound-alikes and typos are many and costly to match (a Soundex code names a good
            # share of a tree): asked for only when spelling and variants do not fill the page.
            broadened = req.broad or not query.words
            result = self.index.search(query if broadened else strong_only(query), scopes)
            if not broadened and result.total < query.offset + query.limit:
                broadened = True
                result = self.index.search(query, scopes)
        except ConnectionError as exc:
            raise Unavailable(
                said(
                    "Search is unavailable just now (%(reason)s); try again shortly.",
                    reason=str(exc),
                )
            ) from exc
        return {
            "total": result.total,
            "broadened": broadened,
            "limit": query.limit,
            "offset": query.offset,
            "items": [_item(hit, query) for hit in result.hits],
            "facets": {
                k: [{"value": v, "count": n} for v, n in vs] for k, vs in result.facets.items()
            }
            if query.facets
            else None,
        }

    def suggest(
        self, actor: Actor, prefix: str, tree_id: uuid.UUID | None = None, limit: int = 10
    ) -> list[dict[str, Any]]:
        words = terms.words(prefix)
        if not words:
            raise ValidationFailed(N_("Give the first letters of a name."))
        if not 1 <= limit <= 50:
            raise ValidationFailed(N_("limit must be between 1 and 50."))
        word = words[-1]
        scopes = self.scopes(actor, tree_id)
        try:
            found = self.index.suggest(QueryWord(word, {}, word), scopes, limit)
        except ConnectionError as exc:
            raise Unavailable(
                said(
                    "Search is unavailable just now (%(reason)s); try again shortly.",
                    reason=str(exc),
                )
            ) from exc
        return [{"name": w, "count": n} for w, n in found]

    # -- indexing --------------------------------------------------------------------------------
    def catch_up(self, max_batches: int | None = None) -> int:
        """Applies the outbox to the index; returns how many entries were done. Entries that
        fail wait with back-off and are tried again; the rest go on."""
        done = 0
        batches = 0
        with self._drain_lock:
            while max_batches is None or batches < max_batches:
                now = datetime.now(UTC)
                with self.store.write() as tx:
                    entries = tx.lease_outbox(BATCH, now, now + LEASE)
                if not entries:
                    break
                batches += 1
                done += self._apply(entries)
        return done

    def _apply(self, entries: list[dict[str, Any]]) -> int:
        ok: list[int] = []
        for tree_id, group in _by_tree(entries).items():
            try:
                self._apply_tree(tree_id, group)
                ok += [e["id"] for e in group]
            except Exception as exc:  # an index down or a bad document: retry later, go on
                log.warning("search indexing of tree %s failed: %s", tree_id, exc)
                self._delay(group, exc)
        with self.store.write() as tx:
            tx.drop_outbox(ok)
        return len(ok)

    def _delay(self, group: list[dict[str, Any]], exc: Exception) -> None:
        attempts = max(e["attempts"] for e in group) + 1
        wait = min(timedelta(seconds=2**attempts), MAX_BACKOFF)
        with self.store.write() as tx:
            tx.delay_outbox([e["id"] for e in group], attempts, datetime.now(UTC) + wait, repr(exc))

    def _apply_tree(self, tree_id: uuid.UUID, entries: list[dict[str, Any]]) -> None:
        if any(e["kind"] == "tree" for e in entries):
            self.reindex_tree(tree_id)
            return
        with self.store.read() as tx:
            wanted: set[uuid.UUID] = set()
            for kind in {e["kind"] for e in entries}:
                ids = [e["record_id"] for e in entries if e["kind"] == kind]
                if kind == "person":
                    # Their relatives too: a birth is evidence about whether they are living.
                    wanted.update(ids)
                    wanted |= tx.relatives_of(ids)
                else:
                    reached = tx.people_reached(kind, ids)
                    wanted |= reached | tx.relatives_of(list(reached))
            docs = search_docs.build(tx, sorted(wanted))
        gone = wanted - {d.person_id for d in docs}
        self.index.put(docs)
        self.index.remove(sorted(gone))

    def reindex_tree(
        self, tree_id: uuid.UUID, progress: Callable[[int], None] | None = None
    ) -> int:
        """Every person of the tree indexed again, and documents of people no longer there
        removed; a tree that is gone has its documents removed. Returns the people indexed."""
        with self.store.read() as tx:
            exists = tx.get("tree", tree_id) is not None
        if not exists:
            self.index.remove_tree(tree_id)
            return 0
        before = self.index.person_ids(tree_id)
        seen: set[uuid.UUID] = set()
        after: uuid.UUID | None = None
        while True:
            with self.store.read() as tx:
                ids = tx.tree_people_page(tree_id, after, PAGE)
                docs = search_docs.build(tx, ids) if ids else []
            if not ids:
                break
            self.index.put(docs)
            seen.update(ids)
            after = ids[-1]
            if progress:
                progress(len(seen))
        self.index.remove(sorted(before - seen))
        return len(seen)

    def reindex(
        self, tree_id: uuid.UUID | None = None, progress: Callable[[int], None] | None = None
    ) -> int:
        """``dzinza search reindex``: one tree, or every tree as one rebuild (on OpenSearch a
        new index behind the alias, swapped in when complete)."""
        if tree_id is not None:
            with self.store.read() as tx:
                if tx.get("tree", tree_id) is None:
                    raise NotFound(no_such("tree", tree_id))
            return self.reindex_tree(tree_id, progress)
        with self.store.read() as tx:
            trees = tx.tree_ids()
        total = 0
        self.index.begin_rebuild()
        ok = False
        try:
            for tid in trees:
                base = total

                def step(n: int, base: int = base) -> None:
                    if progress is not None:
                        progress(base + n)

                total += self.reindex_tree(tid, step)
            ok = True
        finally:
            self.index.end_rebuild(ok)
        return total

    def documents_of(self, tree_id: uuid.UUID) -> list[SearchDoc] | None:
        """Every document of a tree as the index holds it, once the index has caught up with
        every change; None if the index cannot hand documents back, or does not hold everyone
        (a person whose document failed to build)."""
        if self._index is None:
            return None
        self.catch_up()
        with self.store.read() as tx:
            pending = tx.outbox_stats(tree_id)["pending"]
        if pending:  # entries failing or held by another indexer: build instead
            return None
        docs: list[SearchDoc] = []
        after: uuid.UUID | None = None
        while True:
            page = self.index.documents(tree_id, after, PAGE)
            if page is None:
                return None
            if not page:
                break
            docs += page
            after = page[-1].person_id
        with self.store.read() as tx:
            people = tx.count_people(tree_id)
        return docs if len(docs) == people else None

    def lag(self) -> dict[str, Any]:
        """How far the index is behind the database: entries waiting, the oldest one's age in
        seconds, and how many have failed at least once."""
        with self.store.read() as tx:
            stats = tx.outbox_stats()
        oldest = stats["oldest"]
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        return {
            "pending": stats["pending"],
            "oldest_seconds": round(age, 3),
            "failing": stats["failing"],
        }


def _by_tree(entries: Sequence[dict[str, Any]]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    out: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for e in entries:
        out.setdefault(e["tree_id"], []).append(e)
    return out


# -- the result as the API shows it ----------------------------------------------------------------
def _matches(word: str, query: SearchQuery) -> str | None:
    """The strongest kind by which a shown name word meets any query word, if any."""
    best: str | None = None
    for role in terms.ROLES:
        mine = terms.word_tokens(word, role)
        for q in query.words:
            if q.prefix and word.startswith(q.prefix):
                return "exact"
            for kind in MATCH_KINDS:
                stronger = best is None or MATCH_KINDS.index(kind) < MATCH_KINDS.index(best)
                if stronger and mine[kind] & set(q.tokens.get(kind, ())):
                    best = kind
    return best


def highlight_name(display_name: str, query: SearchQuery) -> tuple[str, list[str]]:
    """The display name, HTML-escaped, with the words that matched in ``<mark>``; and how
    they matched."""
    out: list[str] = []
    kinds: list[str] = []
    for part in display_name.split(" "):
        folded = terms.words(part)
        kind = next((k for w in folded if (k := _matches(w, query))), None) if folded else None
        if kind:
            kinds.append(kind)
            out.append(f"<mark>{html.escape(part)}</mark>")
        else:
            out.append(html.escape(part))
    return " ".join(out), sorted(set(kinds), key=MATCH_KINDS.index)


def snippet(text: str, words: Sequence[str], width: int = 60) -> str | None:
    """A piece of the free text around the first query word found in it, marked."""
    for w in words:
        m = re.search(rf"\b{re.escape(w)}\b", text)
        if m:
            start, end = max(0, m.start() - width), min(len(text), m.end() + width)
            before, after = html.escape(text[start : m.start()]), html.escape(text[m.end() : end])
            lead = "…" if start else ""
            tail = "…" if end < len(text) else ""
            return f"{lead}{before}<mark>{html.escape(m.group(0))}</mark>{after}{tail}"
    return None


def _item(hit: SearchHit, query: SearchQuery) -> dict[str, Any]:
    name, kinds = highlight_name(hit.display_name, query)
    return {
        "id": str(hit.person_id),
        "tree_id": str(hit.tree_id),
        "display_name": hit.display_name,
        "sex": hit.sex,
        "birth": _years(hit.birth_from, hit.birth_to),
        "death": _years(hit.death_from, hit.death_to),
        "score": round(hit.score, 4),
        "matched_by": kinds,
        "highlights": {"name": name, "text": snippet(hit.text, query.text)},
    }


def _years(lo: int | None, hi: int | None) -> dict[str, int] | None:
    return None if lo is None else {"from": lo, "to": hi if hi is not None else lo}
