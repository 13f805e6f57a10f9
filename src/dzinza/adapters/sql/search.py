"""The SQL search index (``ports.SearchIndex``) in the platform's own database: documents in
``search_docs``, matched by SQLite's FTS5 table ``search_fts`` or PostgreSQL's generated tsvector
columns (migration 0006), and ranked by the same score as every backend: per query word, the
weight of the strongest way it matched (exact over variant over phonetic over fuzzy).

Privacy is part of every statement: the documents are joined to ``people`` and filtered by the
same rule as every other read (``privacy.guest_hidden``), with the reader's scope per tree, so
totals, facets and suggestions never count someone the reader may not see.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from dzinza.adapters.sql import privacy
from dzinza.adapters.sql import tables as t
from dzinza.ports import (
    MATCH_KINDS,
    MATCH_WEIGHTS,
    QueryWord,
    SearchDoc,
    SearchHit,
    SearchQuery,
    SearchResult,
    TreeScope,
    ViewerLevel,
)

WEIGHTS = MATCH_WEIGHTS
FACET_SIZE = 10
SUGGEST_SAMPLE = 500
"""Suggestions count name words over at most this many matching people (the best ranked)."""

_DOC_COLUMNS = [c.name for c in t.search_docs.c if c.name not in ("doc_id", "indexed_at")]


def _quoted(token: str) -> str:
    return '"' + token.replace('"', "") + '"'


MAINTAIN_EVERY = 5000
"""Documents written between two rounds of index upkeep (see ``_maintain``)."""
GIN_INDEXES = ("ix_search_docs_tsv", "ix_search_docs_names_tsv", "ix_search_docs_text_tsv")


class SqlSearchIndex:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._written = 0

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def _maintain(self) -> None:
        """After many writes: PostgreSQL's GIN indexes take new entries into a pending list
        that every search reads through until a vacuum folds it in (searches were 2-4 times
        slower after a reindex of 20,000 people), so fold it in now; and refresh the planner's
        statistics, on both databases."""
        self._written = 0
        with self._write() as conn, conn.begin():
            if self.postgres:
                for index in GIN_INDEXES:
                    conn.execute(
                        sa.text("SELECT gin_clean_pending_list(CAST(:ix AS regclass))"),
                        {"ix": index},
                    )
            conn.execute(sa.text("ANALYZE search_docs"))

    # -- writing ---------------------------------------------------------------------------------
    def _write(self) -> Any:
        return self.engine.connect().execution_options(sqlite_begin="BEGIN IMMEDIATE")

    def put(self, docs: Sequence[SearchDoc]) -> None:
        if not docs:
            return
        d = t.search_docs
        now = datetime.now(UTC)
        rows = [{k: getattr(doc, k) for k in _DOC_COLUMNS} | {"indexed_at": now} for doc in docs]
        insert = (postgresql.insert if self.postgres else sqlite.insert)(d)
        stmt = insert.on_conflict_do_update(
            index_elements=[d.c.person_id],
            set_={c: insert.excluded[c] for c in [*_DOC_COLUMNS, "indexed_at"] if c != "person_id"},
        )
        with self._write() as conn, conn.begin():
            # Someone deleted since their document was built is left out (the outbox entry of
            # the delete removes any document they had).
            alive = set(
                conn.scalars(
                    sa.select(t.people.c.id).where(
                        t.people.c.id.in_([r["person_id"] for r in rows])
                    )
                )
            )
            rows = [r for r in rows if r["person_id"] in alive]
            if rows:
                conn.execute(stmt, rows)
        self._written += len(rows)
        if self._written >= MAINTAIN_EVERY:
            self._maintain()

    def remove(self, person_ids: Sequence[uuid.UUID]) -> None:
        if person_ids:
            d = t.search_docs
            with self._write() as conn, conn.begin():
                conn.execute(d.delete().where(d.c.person_id.in_(list(person_ids))))

    def remove_tree(self, tree_id: uuid.UUID) -> None:
        d = t.search_docs
        with self._write() as conn, conn.begin():
            conn.execute(d.delete().where(d.c.tree_id == tree_id))

    def person_ids(self, tree_id: uuid.UUID) -> set[uuid.UUID]:
        d = t.search_docs
        with self.engine.connect() as conn:
            return set(conn.scalars(sa.select(d.c.person_id).where(d.c.tree_id == tree_id)))

    def documents(
        self, tree_id: uuid.UUID, after: uuid.UUID | None, limit: int
    ) -> list[SearchDoc] | None:
        d, p = t.search_docs, t.people
        privacy_inputs = [
            p.c[c] for c in ("living", "private", "restriction", "has_death", "evidence_day")
        ]
        stmt = (
            sa.select(*(d.c[c] for c in _DOC_COLUMNS), *privacy_inputs)
            .join(p, p.c.id == d.c.person_id)
            .where(d.c.tree_id == tree_id)
            .order_by(d.c.person_id)
            .limit(limit)
        )
        if after is not None:
            stmt = stmt.where(d.c.person_id > after)
        with self.engine.connect() as conn:
            return [SearchDoc(**r._mapping) for r in conn.execute(stmt)]

    def begin_rebuild(self) -> None:
        """Nothing to prepare: documents are replaced in place, row by row."""

    def end_rebuild(self, ok: bool) -> None:
        """Nothing to swap (see ``begin_rebuild``); the indexes get their upkeep."""
        if ok:
            self._maintain()

    def close(self) -> None:
        """The engine belongs to the store, which disposes of it."""

    # -- reading ---------------------------------------------------------------------------------
    def search(self, query: SearchQuery, scopes: Sequence[TreeScope]) -> SearchResult:
        if not scopes:
            return SearchResult(0, [], {})
        d = t.search_docs
        where, score, source, params = self._where(query, scopes)
        ranked = (
            sa.select(
                d.c.person_id,
                d.c.tree_id,
                score.label("score"),
                d.c.display_name,
                d.c.names,
                d.c.text,
                d.c.birth_from,
                d.c.birth_to,
                d.c.death_from,
                d.c.death_to,
                d.c.sex,
            )
            .select_from(source)
            .where(*where)
            .order_by(sa.desc("score"), d.c.name_key, d.c.person_id)
            .limit(query.limit)
            .offset(query.offset)
        )
        counted = sa.select(sa.func.count()).select_from(source).where(*where)
        facets: dict[str, list[tuple[str | int, int]]] = {}
        with self.engine.connect() as conn:
            hits = [
                SearchHit(**{**r._mapping, "score": float(r.score or 0)})
                for r in conn.execute(ranked, params)
            ]
            total = int(conn.scalar(counted, params) or 0)
            if query.facets:
                for name in ("surname", "century", "region"):
                    col = d.c[name]
                    stmt = (
                        sa.select(col, sa.func.count().label("n"))
                        .select_from(source)
                        .where(*where, col.is_not(None), col.cast(sa.String) != "")
                        .group_by(col)
                        .order_by(sa.desc("n"), col)
                        .limit(FACET_SIZE)
                    )
                    facets[name] = [(v, int(n)) for v, n in conn.execute(stmt, params)]
        return SearchResult(total, hits, facets)

    def suggest(
        self, word: QueryWord, scopes: Sequence[TreeScope], limit: int
    ) -> list[tuple[str, int]]:
        prefix = word.prefix or word.word
        if not scopes or not prefix:
            return []
        d = t.search_docs
        query = SearchQuery(words=(QueryWord(prefix, {}, prefix),), limit=SUGGEST_SAMPLE)
        where, _score, source, params = self._where(query, scopes)
        stmt = (
            sa.select(d.c.names)
            .select_from(source)
            .where(*where)
            .order_by(d.c.name_key, d.c.person_id)
            .limit(SUGGEST_SAMPLE)
        )
        counts: Counter[str] = Counter()
        with self.engine.connect() as conn:
            for (names,) in conn.execute(stmt, params):
                counts.update({w for w in names.split() if w.startswith(prefix)})
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    # -- the statement -----------------------------------------------------------------------------
    def _where(
        self, query: SearchQuery, scopes: Sequence[TreeScope]
    ) -> tuple[list[sa.ColumnElement[bool]], sa.ColumnElement[Any], sa.FromClause, dict[str, Any]]:
        d, p = t.search_docs, t.people
        params: dict[str, Any] = {"cutoff": scopes[0].viewer.living_cutoff}
        # On SQLite, a query with words is driven from the full-text match (a few rows) rather
        # than from the tree's people (all of them): the tree test must not use its index.
        drive_from_match = not self.postgres and bool(query.words or query.text or query.filters)
        where: list[sa.ColumnElement[bool]] = [_visible(p, scopes, drive_from_match)]
        source: sa.FromClause = d.join(p, p.c.id == d.c.person_id)
        if query.sex:
            where.append(d.c.sex == query.sex)
        for lo, hi, first, last in (
            (query.born_from, query.born_to, d.c.birth_from, d.c.birth_to),
            (query.died_from, query.died_to, d.c.death_from, d.c.death_to),
        ):
            if lo is not None or hi is not None:
                where.append(first.is_not(None))
                if lo is not None:
                    where.append(last >= lo)
                if hi is not None:
                    where.append(first <= hi)
        if self.postgres:
            kind_match = self._postgres_match(query, where, params)
        else:
            match = _fts_expression(query)
            if match:
                where.append(d.c.doc_id.in_(_fts_rows("fts_match")))
                params["fts_match"] = match
            kind_match = _fts_kind_match(params)
        return where, _score(query, kind_match), source, params

    def _postgres_match(
        self, query: SearchQuery, where: list[sa.ColumnElement[bool]], params: dict[str, Any]
    ) -> KindMatch:
        tsv: sa.ColumnClause[Any] = sa.column("tsv")
        names_tsv: sa.ColumnClause[Any] = sa.column("names_tsv")
        text_tsv: sa.ColumnClause[Any] = sa.column("text_tsv")

        def matches(column: sa.ColumnClause[Any], name: str, text: str) -> sa.ColumnElement[bool]:
            params[name] = text
            return column.op("@@")(sa.func.to_tsquery("simple", sa.bindparam(name)))

        for i, w in enumerate(query.words):
            tokens = [tok for kind in MATCH_KINDS for tok in w.tokens.get(kind, ())]
            alternatives: list[sa.ColumnElement[bool]] = []
            if tokens:
                alternatives.append(matches(tsv, f"w{i}", " | ".join(tokens)))
            if w.prefix:
                alternatives.append(matches(names_tsv, f"p{i}", w.prefix + ":*"))
            where.append(sa.or_(*alternatives) if alternatives else sa.false())
        if query.text:
            where.append(matches(text_tsv, "text_q", " & ".join(query.text)))
        if query.filters:
            where.append(matches(tsv, "filter_q", " & ".join(query.filters)))

        def kind_match(i: int, w: QueryWord, kind: str) -> sa.ColumnElement[bool] | None:
            found: list[sa.ColumnElement[bool]] = []
            if tokens := w.tokens.get(kind):
                found.append(matches(tsv, f"w{i}_{kind}", " | ".join(tokens)))
            if kind == "exact" and w.prefix:
                found.append(matches(names_tsv, f"w{i}_prefix", w.prefix + ":*"))
            return sa.or_(*found) if found else None

        return kind_match


def _fts_options(w: QueryWord, kind: str) -> list[str]:
    """FTS5 clauses by which word ``w`` matches by ``kind`` (a prefix counts as exact)."""
    options = []
    if tokens := w.tokens.get(kind):
        options.append(f"{kind} : ({' OR '.join(_quoted(tok) for tok in tokens)})")
    if kind == "exact" and w.prefix:
        options.append(f"names : {_quoted(w.prefix)}*")
    return options


def _fts_expression(query: SearchQuery) -> str:
    """The FTS5 MATCH text: every word by any kind (in that kind's column), every text word,
    every filter."""
    parts: list[str] = []
    for w in query.words:
        options = [opt for kind in MATCH_KINDS for opt in _fts_options(w, kind)]
        if not options:
            options.append('exact : "-"')  # a word that yields no token matches nobody
        parts.append("(" + " OR ".join(options) + ")")
    parts += [f"text : {_quoted(word)}" for word in query.text]
    parts += [f"filters : {_quoted(token)}" for token in query.filters]
    return " AND ".join(parts)


KindMatch = Callable[[int, QueryWord, str], "sa.ColumnElement[bool] | None"]
"""Whether the document matches query word ``i`` by ``kind`` (None: the word has no such
tokens)."""


def _score(query: SearchQuery, kind_match: KindMatch) -> sa.ColumnElement[Any]:
    """The same score on every backend: per query word the weight of the strongest kind it
    matched by (exact 10, variant 6, phonetic 4, fuzzy 2), summed; 1 for a query without words."""
    if not query.words:
        return sa.literal(1.0)
    total: sa.ColumnElement[Any] | None = None
    for i, w in enumerate(query.words):
        whens = [
            (cond, sa.literal(WEIGHTS[kind]))
            for kind in MATCH_KINDS
            if (cond := kind_match(i, w, kind)) is not None
        ]
        term = sa.case(*whens, else_=sa.literal(0.0)) if whens else sa.literal(0.0)
        total = term if total is None else total + term
    assert total is not None
    return total


def _fts_rows(name: str) -> sa.Select[Any]:
    fts = sa.table("search_fts", sa.column("rowid"))
    return sa.select(fts.c.rowid).where(
        sa.literal_column("search_fts").op("MATCH")(sa.bindparam(name))
    )


def _fts_kind_match(params: dict[str, Any]) -> KindMatch:
    d = t.search_docs

    def kind_match(i: int, w: QueryWord, kind: str) -> sa.ColumnElement[bool] | None:
        options = _fts_options(w, kind)
        if not options:
            return None
        name = f"w{i}_{kind}"
        params[name] = " OR ".join(options)
        return d.c.doc_id.in_(_fts_rows(name))

    return kind_match


def _visible(
    p: sa.FromClause, scopes: Sequence[TreeScope], unindexed: bool = False
) -> sa.ColumnElement[bool]:
    """Each tree with its reader's scope: the same rule as ``privacy.hidden``, with a branch
    given by its members' ids."""
    full, member, guest = [], [], []
    tree = sa.func.coalesce(p.c.tree_id, p.c.tree_id) if unindexed else p.c.tree_id
    clauses: list[sa.ColumnElement[bool]] = []
    confidential = p.c.restriction == "confidential"
    for s in scopes:
        level = s.viewer.level
        if level is ViewerLevel.FULL:
            full.append(s.tree_id)
        elif level is ViewerLevel.GUEST:
            guest.append(s.tree_id)
        elif s.viewer.branch_root is None:
            member.append(s.tree_id)
        else:
            clauses.append(
                sa.and_(
                    tree == s.tree_id,
                    sa.not_(confidential),
                    sa.or_(p.c.id.in_(list(s.branch_ids)), sa.not_(privacy.guest_hidden(p))),
                )
            )
    if full:
        clauses.append(tree.in_(full))
    if member:
        clauses.append(sa.and_(tree.in_(member), sa.not_(confidential)))
    if guest:
        clauses.append(sa.and_(tree.in_(guest), sa.not_(privacy.guest_hidden(p))))
    return sa.or_(*clauses) if clauses else sa.false()
