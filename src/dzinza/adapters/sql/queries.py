"""Statements built once at import and run with bound parameters.

Building a SQLAlchemy statement costs far more than running a cached one on an indexed lookup,
and a person's page runs about a dozen of them: the hot read paths are prebuilt here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from dzinza.adapters.sql import tables as t
from dzinza.adapters.sql.privacy import (
    Scope,
    family_hidden,
    linked_hidden,
    masked_summary,
    media_hidden,
)


def _text(col: sa.ColumnElement[Any], name: str) -> sa.Label[str]:
    """An id as text in the database (PostgreSQL: dashed; SQLite: its stored 32 hex digits), so
    chart rows can be read raw, without building a uuid.UUID per id (see SqlSession._chart)."""
    return sa.cast(col, sa.String(36)).label(name)


_CHART_COLUMNS = ("display_name", "sex", "birth_text", "death_text", "living", "hidden")


def _chart_people(scope: Scope) -> list[sa.ColumnElement[object]]:
    by_name = {c.name: c for c in masked_summary(t.people, scope)}
    return [by_name[n] for n in _CHART_COLUMNS]


TABLES: dict[str, sa.Table] = {
    "tree": t.trees,
    "person": t.people,
    "name": t.names,
    "family": t.families,
    "event": t.events,
    "place": t.places,
    "repository": t.repositories,
    "source": t.sources,
    "citation": t.citations,
    "note": t.notes,
    "media": t.media,
    "media_tag": t.media_tags,
    "media_upload": t.media_uploads,
    "user": t.users,
}

BULK_TABLES: dict[str, sa.Table] = TABLES | {
    "name_search": t.name_search,
    "family_child": t.family_children,
}
"""What ``insert_many`` can fill: the record kinds and the tables that only index them."""

SUMMARY_COLUMNS = (
    t.people.c.id,
    t.people.c.tree_id,
    t.people.c.sex,
    t.people.c.living,
    t.people.c.private,
    t.people.c.display_name,
    t.people.c.birth_text,
    t.people.c.birth_earliest,
    t.people.c.birth_latest,
    t.people.c.death_text,
    t.people.c.death_earliest,
    t.people.c.death_latest,
)


def _ids() -> sa.BindParameter[object]:
    return sa.bindparam("ids", expanding=True)


GET = {kind: sa.select(tbl).where(tbl.c.id == sa.bindparam("id")) for kind, tbl in TABLES.items()}
GET_MANY = {kind: sa.select(tbl).where(tbl.c.id.in_(_ids())) for kind, tbl in TABLES.items()}

NAMES_OF = (
    sa.select(t.names)
    .where(t.names.c.person_id.in_(_ids()))
    .order_by(t.names.c.person_id, t.names.c.position)
)

_fam = t.families.alias("fam")
_day = sa.func.coalesce(t.events.c.date_earliest, t.events.c.date_latest)
# Dated events in date order, then the undated ones (a clan, a description) after them.
_event_order = (_day.is_(None), _day, t.events.c.created_at, t.events.c.id)
EVENTS_OF_PERSON = (
    sa.select(t.events).where(t.events.c.person_id == sa.bindparam("id")).order_by(*_event_order)
)
EVENTS_OF_FAMILIES = {
    scope: sa.select(t.events)
    .join(_fam, _fam.c.id == t.events.c.family_id)
    .where(t.events.c.family_id.in_(_ids()), sa.not_(family_hidden(_fam, scope)))
    .order_by(*_event_order)
    for scope in Scope
}
"""Events of families, except those of a family with a partner the reader may not see."""

SUMMARIES = {
    scope: sa.select(*masked_summary(t.people, scope)).where(t.people.c.id.in_(_ids()))
    for scope in Scope
}
"""People in one line each, a "Private" placeholder for those the reader may not see."""

_f, _fc = t.families, t.family_children
FAMILIES_AS_PARTNER = (
    sa.select(_f)
    .where(sa.or_(_f.c.partner1_id == sa.bindparam("id"), _f.c.partner2_id == sa.bindparam("id")))
    .order_by(_f.c.created_at, _f.c.id)
)
FAMILIES_AS_CHILD = (
    sa.select(_f, _fc.c.pedigree)
    .join(_fc, _fc.c.family_id == _f.c.id)
    .where(_fc.c.child_id == sa.bindparam("id"))
    .order_by(_f.c.created_at, _f.c.id)
)
CHILDREN_OF = (
    sa.select(_fc)
    .where(_fc.c.family_id.in_(_ids()))
    .order_by(_fc.c.family_id, _fc.c.position, _fc.c.child_id)
)

_c, _src, _n, _nl, _m, _ml, _x = (
    t.citations,
    t.sources,
    t.notes,
    t.note_links,
    t.media,
    t.media_links,
    t.external_ids,
)
_kind: sa.BindParameter[str] = sa.bindparam("kind")
_target: sa.BindParameter[object] = sa.bindparam("target")
CITATIONS_OF = (
    sa.select(_c, _src.c.title.label("source_title"))
    .join(_src, _src.c.id == _c.c.source_id)
    .where(_c.c.target_type == _kind, _c.c.target_id == _target)
    .order_by(_c.c.created_at, _c.c.id)
)
NOTES_OF = (
    sa.select(_n)
    .join(_nl, _nl.c.note_id == _n.c.id)
    .where(_nl.c.target_type == _kind, _nl.c.target_id == _target)
    .order_by(_n.c.created_at, _n.c.id)
)
MEDIA_OF = (
    sa.select(_m)
    .join(_ml, _ml.c.media_id == _m.c.id)
    .where(_ml.c.target_type == _kind, _ml.c.target_id == _target)
    .order_by(_m.c.created_at, _m.c.id)
)
EXTERNAL_IDS_OF = (
    sa.select(_x.c.kind, _x.c.value)
    .where(_x.c.target_type == _kind, _x.c.target_id == _target)
    .order_by(_x.c.kind, _x.c.value)
)


def _partner_side() -> sa.Subquery:
    """Two rows (1, 2): joining a family to it yields one row per partner column."""
    return sa.union_all(sa.select(sa.literal(1).label("k")), sa.select(sa.literal(2))).subquery(
        "side"
    )


def _walk_start(name: str, via: str) -> sa.CTE:
    """Generation 0 of a walk: the person themself, reached through nobody."""
    return sa.select(
        sa.bindparam("id", type_=sa.Uuid()).label("person_id"),
        sa.literal(0).label("generation"),
        sa.null().cast(sa.Uuid()).label(via),
        sa.null().cast(sa.Uuid()).label("family_id"),
        sa.null().cast(sa.String(16)).label("pedigree"),
    ).cte(name, recursive=True)


def _chart_rows(walk: sa.CTE, via: str, scope: Scope) -> sa.Select[tuple[object, ...]]:
    """A finished walk as chart rows: ids as text, the person's summary, nearest first."""
    return (
        sa.select(
            _text(walk.c.person_id, "person_id"),
            walk.c.generation,
            _text(walk.c[via], via),
            _text(walk.c.family_id, "family_id"),
            walk.c.pedigree,
            *_chart_people(scope),
        )
        .join(t.people, t.people.c.id == walk.c.person_id)
        .order_by(walk.c.generation)
        .limit(sa.bindparam("max_rows"))
    )


def _ancestors(scope: Scope) -> sa.Select[tuple[object, ...]]:
    """One row per parent link walked: (person_id, generation, child_id, family_id, pedigree)
    as text, with the person's summary columns.

    UNION, not UNION ALL: an ancestor reached along two lines (pedigree collapse) is walked once
    per generation, not once per path, which would grow as 2^generations.
    """
    side = _partner_side()
    base = _walk_start("anc", "child_id")
    parent = sa.case((side.c.k == 1, _f.c.partner1_id), else_=_f.c.partner2_id)
    step = (
        sa.select(parent, base.c.generation + 1, base.c.person_id, _f.c.id, _fc.c.pedigree)
        .select_from(base)
        .join(_fc, _fc.c.child_id == base.c.person_id)
        .join(_f, _f.c.id == _fc.c.family_id)
        .join(side, sa.true())
        .where(base.c.generation < sa.bindparam("generations"), parent.is_not(None))
    )
    return _chart_rows(base.union(step), "child_id", scope)


def _descendants(scope: Scope) -> sa.Select[tuple[object, ...]]:
    """One row per child link walked: (person_id, generation, parent_id, family_id, pedigree)
    as text, with the person's summary columns."""
    base = _walk_start("desc", "parent_id")
    step = (
        sa.select(_fc.c.child_id, base.c.generation + 1, base.c.person_id, _f.c.id, _fc.c.pedigree)
        .select_from(base)
        .join(
            _f, sa.or_(_f.c.partner1_id == base.c.person_id, _f.c.partner2_id == base.c.person_id)
        )
        .join(_fc, _fc.c.family_id == _f.c.id)
        .where(base.c.generation < sa.bindparam("generations"))
    )
    return _chart_rows(base.union(step), "parent_id", scope)


ANCESTORS = {scope: _ancestors(scope) for scope in Scope}
DESCENDANTS = {scope: _descendants(scope) for scope in Scope}


# -- a person's page in few round trips ---------------------------------------------------------
_trees = t.trees
TREE_PREFIX = "tree__"
GET_IN_TREE = {
    kind: sa.select(tbl, *[c.label(TREE_PREFIX + c.name) for c in _trees.c])
    .join(_trees, _trees.c.id == tbl.c.tree_id)
    .where(tbl.c.id == sa.bindparam("id"))
    for kind, tbl in TABLES.items()
    if "tree_id" in tbl.c
}

_as_partner = sa.or_(_f.c.partner1_id == sa.bindparam("id"), _f.c.partner2_id == sa.bindparam("id"))
_families_around = sa.union_all(
    sa.select(
        _f, sa.null().cast(sa.String(16)).label("pedigree"), sa.literal("partner").label("role")
    ).where(_as_partner),
    sa.select(_f, _fc.c.pedigree, sa.literal("child").label("role"))
    .join(_fc, _fc.c.family_id == _f.c.id)
    .where(_fc.c.child_id == sa.bindparam("id")),
).subquery("around")
FAMILIES_AROUND = sa.select(_families_around).order_by(
    _families_around.c.created_at, _families_around.c.id
)
"""Families a person is a partner in (role 'partner') or a child of (role 'child', with pedigree)."""

CHILDREN_AS_PARTNER = (
    sa.select(_fc)
    .join(_f, _f.c.id == _fc.c.family_id)
    .where(_as_partner)
    .order_by(_fc.c.family_id, _fc.c.position, _fc.c.child_id)
)

_pl = t.places


def _events_around(scope: Scope) -> sa.Select[Any]:
    around = sa.union_all(
        sa.select(t.events, _pl.c.name.label("place_name"))
        .outerjoin(_pl, _pl.c.id == t.events.c.place_id)
        .where(t.events.c.person_id == sa.bindparam("id")),
        # A second branch, not an OR: PostgreSQL cannot use the indexes for "person_id = x OR
        # family_id IN (...)" and scanned every event of every tree (250 ms at a million people).
        sa.select(t.events, _pl.c.name.label("place_name"))
        .join(_f, _f.c.id == t.events.c.family_id)
        .outerjoin(_pl, _pl.c.id == t.events.c.place_id)
        .where(_as_partner, sa.not_(family_hidden(_f, scope))),
    ).subquery("events_around")
    day = sa.func.coalesce(around.c.date_earliest, around.c.date_latest)
    return sa.select(around).order_by(day.is_(None), day, around.c.created_at, around.c.id)


EVENTS_AROUND = {scope: _events_around(scope) for scope in Scope}
"""A person's own events and those of the families they are a partner in, with place names."""

_link_cols = ("link", "id", "title", "body", "file", "mime_type", "created_at")


def _notes_media_ids_of(scope: Scope) -> sa.CompoundSelect[Any]:
    return sa.union_all(
        sa.select(
            sa.literal("note").label("link"),
            _n.c.id,
            sa.literal("").label("title"),
            _n.c.text.label("body"),
            sa.literal("").label("file"),
            sa.literal("").label("mime_type"),
            _n.c.created_at,
        )
        .join(_nl, _nl.c.note_id == _n.c.id)
        .where(
            _nl.c.target_type == _kind,
            _nl.c.target_id == _target,
            sa.not_(linked_hidden(t.note_links.alias("nl2"), _n.c.id, scope)),
        ),
        sa.select(
            sa.literal("media"),
            _m.c.id,
            _m.c.title,
            _m.c.description,
            _m.c.file,
            _m.c.mime_type,
            _m.c.created_at,
        )
        .join(_ml, _ml.c.media_id == _m.c.id)
        .where(
            _ml.c.target_type == _kind,
            _ml.c.target_id == _target,
            sa.not_(media_hidden(t.media_links.alias("ml2"), _m.c.id, scope)),
        ),
        sa.select(
            sa.literal("external_id"),
            sa.null().cast(sa.Uuid()),
            _x.c.kind,
            _x.c.value,
            sa.literal(""),
            sa.literal(""),
            sa.null().cast(sa.DateTime(timezone=True)),
        ).where(_x.c.target_type == _kind, _x.c.target_id == _target),
    )


NOTES_MEDIA_IDS_OF = {scope: _notes_media_ids_of(scope) for scope in Scope}
"""Notes, media and external ids of one record in one statement (one round trip, not three);
a note or media item also attached to someone the reader may not see is left out."""
