"""The privacy engine, as SQL: which people a reader may not see, and the "Private" placeholder
that stands in for them, computed inside the queries, never by filtering loaded rows.

A person is presumed living unless the user says otherwise (``people.living``), a death, burial
or cremation is recorded (``has_death``), or the latest day they can have been born
(``evidence_day``, kept from their own and their relatives' births by ``EVIDENCE``) is more than
110 years ago (the ``cutoff`` parameter, so the answer moves with the calendar).

Statements come in one variant per reader scope (``Scope``), built once; the scope's parameters
(cutoff, branch root and steps) are bound at execution.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from dzinza.adapters.sql import tables as t
from dzinza.domain.living import PLACEHOLDER_NAME as PLACEHOLDER
from dzinza.domain.vocabulary import BIRTH_LIKE, DEATH_LIKE
from dzinza.ports import Viewer, ViewerLevel

PARENT_GAP_DAYS = 7305
"""A parent born more than 130 years ago: the child was born at most 110 years ago + 20 years."""
PARTNER_GAP_DAYS = 3652
"""A partner born more than 120 years ago: allow ten years between partners."""


class Scope(StrEnum):
    FULL = "full"
    MEMBER = "member"
    BRANCH = "branch"
    """A member limited to a branch: a guest outside it."""
    GUEST = "guest"


def scope_of(viewer: Viewer) -> Scope:
    if viewer.level is ViewerLevel.FULL:
        return Scope.FULL
    if viewer.level is ViewerLevel.GUEST:
        return Scope.GUEST
    return Scope.MEMBER if viewer.branch_root is None else Scope.BRANCH


def params_of(viewer: Viewer) -> dict[str, Any]:
    return {
        "cutoff": viewer.living_cutoff,
        "branch_root": viewer.branch_root,
        "branch_steps": viewer.branch_steps or 0,
    }


def living(p: sa.FromClause) -> sa.ColumnElement[bool]:
    presumed = sa.and_(
        sa.not_(p.c.has_death),
        sa.or_(p.c.evidence_day.is_(None), p.c.evidence_day >= sa.bindparam("cutoff")),
    )
    return sa.func.coalesce(p.c.living, presumed)


def guest_hidden(p: sa.FromClause) -> sa.ColumnElement[bool]:
    return sa.or_(
        p.c.private.is_(True),
        p.c.restriction.in_(("confidential", "privacy")),
        living(p).is_(True),
    )


def family_links() -> sa.Subquery:
    """Every family link as a pair of people (a, b), in both directions: partner to partner,
    parent to child and child to parent."""
    f, fc = t.families, t.family_children
    pairs: list[sa.Select[Any]] = []
    for mine, other in (("partner1_id", "partner2_id"), ("partner2_id", "partner1_id")):
        pairs.append(sa.select(f.c[mine].label("a"), f.c[other].label("b")))
        with_child = sa.select(f.c[mine], fc.c.child_id).join(fc, fc.c.family_id == f.c.id)
        pairs.append(with_child)
        pairs.append(sa.select(fc.c.child_id, f.c[mine]).join(f, f.c.id == fc.c.family_id))
    return sa.union_all(*pairs).subquery("links")


FAMILY_LINKS = family_links()
"""Built once, like the statements on it, which SQLAlchemy then compiles once."""

RELATIVES = sa.select(FAMILY_LINKS.c.b).where(
    FAMILY_LINKS.c.a.in_(sa.bindparam("ids", expanding=True)), FAMILY_LINKS.c.b.is_not(None)
)
"""Partners, parents and children of the people ``ids``."""


def branch_people() -> sa.Select[Any]:
    """Everyone within ``branch_steps`` family links (parent, child, partner) of
    ``branch_root``: one recursive walk, each link one step."""
    walk = sa.select(
        sa.bindparam("branch_root", type_=sa.Uuid()).label("pid"), sa.literal(0).label("steps")
    ).cte("branch", recursive=True)
    links = FAMILY_LINKS
    step = (
        sa.select(links.c.b, walk.c.steps + 1)
        .select_from(walk)
        .join(links, links.c.a == walk.c.pid)
        .where(walk.c.steps < sa.bindparam("branch_steps"), links.c.b.is_not(None))
    )
    walked = walk.union(step)
    return sa.select(walked.c.pid)


_BRANCH = branch_people()
"""One object, so that a statement that tests several people names the walk once."""


def hidden(p: sa.FromClause, scope: Scope) -> sa.ColumnElement[bool]:
    """True where the reader may not see person ``p``."""
    if scope is Scope.FULL:
        return sa.false()
    if scope is Scope.GUEST:
        return guest_hidden(p)
    confidential = p.c.restriction == "confidential"
    if scope is Scope.MEMBER:
        return confidential
    return sa.or_(confidential, sa.and_(p.c.id.not_in(_BRANCH), guest_hidden(p)))


def masked_summary(p: sa.FromClause, scope: Scope) -> list[sa.ColumnElement[Any]]:
    """The summary columns, with a placeholder's values where the person is hidden."""
    h = hidden(p, scope)

    def mask(col: str, blank: Any) -> sa.ColumnElement[Any]:
        if scope is Scope.FULL:
            return p.c[col]
        return sa.case((h, sa.literal(blank, p.c[col].type)), else_=p.c[col]).label(col)

    return [
        p.c.id,
        p.c.tree_id,
        mask("sex", "unknown"),
        mask("living", None),
        (sa.or_(p.c.private, h) if scope is not Scope.FULL else p.c.private).label("private"),
        mask("display_name", PLACEHOLDER),
        mask("birth_text", ""),
        mask("birth_earliest", None),
        mask("birth_latest", None),
        mask("death_text", ""),
        mask("death_earliest", None),
        mask("death_latest", None),
        (h if scope is not Scope.FULL else sa.false()).label("hidden"),
    ]


def family_hidden(f: sa.FromClause, scope: Scope) -> sa.ColumnElement[bool]:
    """A family's own details (its events, notes) are hidden if either partner is."""
    if scope is Scope.FULL:
        return sa.false()
    partners = t.people.alias("fp")
    return sa.exists(
        sa.select(partners.c.id).where(
            partners.c.id.in_((f.c.partner1_id, f.c.partner2_id)), hidden(partners, scope)
        )
    )


def event_hidden(e: sa.FromClause, scope: Scope) -> sa.ColumnElement[bool]:
    if scope is Scope.FULL:
        return sa.false()
    owner = t.people.alias("ep")
    fam = t.families.alias("ef")
    return sa.or_(
        sa.exists(sa.select(owner.c.id).where(owner.c.id == e.c.person_id, hidden(owner, scope))),
        sa.exists(sa.select(fam.c.id).where(fam.c.id == e.c.family_id, family_hidden(fam, scope))),
    )


def target_hidden(
    target_type: sa.ColumnElement[Any], target_id: sa.ColumnElement[Any], scope: Scope
) -> sa.ColumnElement[bool]:
    """Whether a link's target (person, family or event) is hidden from the reader."""
    if scope is Scope.FULL:
        return sa.false()
    person, fam, ev = t.people.alias("tp"), t.families.alias("tf"), t.events.alias("te")
    return sa.or_(
        sa.and_(
            target_type == "person",
            sa.exists(
                sa.select(person.c.id).where(person.c.id == target_id, hidden(person, scope))
            ),
        ),
        sa.and_(
            target_type == "family",
            sa.exists(sa.select(fam.c.id).where(fam.c.id == target_id, family_hidden(fam, scope))),
        ),
        sa.and_(
            target_type == "event",
            sa.exists(sa.select(ev.c.id).where(ev.c.id == target_id, event_hidden(ev, scope))),
        ),
    )


def linked_hidden(
    links: sa.FromClause, own: sa.ColumnElement[Any], scope: Scope
) -> sa.ColumnElement[bool]:
    """A note or media item is hidden if any record it is attached to is."""
    if scope is Scope.FULL:
        return sa.false()
    own_col = links.c.note_id if "note_id" in links.c else links.c.media_id
    return sa.exists(
        sa.select(own_col).where(
            own_col == own, target_hidden(links.c.target_type, links.c.target_id, scope)
        )
    )


def media_hidden(
    links: sa.FromClause, own: sa.ColumnElement[Any], scope: Scope
) -> sa.ColumnElement[bool]:
    """A photo or document is hidden if any record it is attached to is, or if it shows (is
    tagged with) anyone the reader may not see."""
    if scope is Scope.FULL:
        return sa.false()
    tags, person = t.media_tags.alias("mt_hidden"), t.people.alias("mt_person")
    tagged_hidden = sa.exists(
        sa.select(tags.c.id)
        .join(person, person.c.id == tags.c.person_id)
        .where(tags.c.media_id == own, hidden(person, scope))
    )
    return sa.or_(linked_hidden(links, own, scope), tagged_hidden)


def record_hidden(kind: str, table: sa.FromClause, scope: Scope) -> sa.ColumnElement[bool]:
    """Whether a record of ``kind`` is hidden from the reader (people: see ``hidden``)."""
    if scope is Scope.FULL:
        return sa.false()
    if kind == "person":
        return hidden(table, scope)
    if kind == "event":
        return event_hidden(table, scope)
    if kind == "citation":
        return target_hidden(table.c.target_type, table.c.target_id, scope)
    if kind == "note":
        return linked_hidden(t.note_links, table.c.id, scope)
    if kind == "media":
        return media_hidden(t.media_links, table.c.id, scope)
    return sa.false()  # trees, families (their partners are masked), places, sources...


def _evidence_day(p: sa.FromClause) -> sa.ColumnElement[Any]:
    """The latest day by which ``p`` was surely born: their own birth if one is recorded, else
    the earliest evidence from the births of their parents, children and partners (each
    shifted by the gap that makes it evidence)."""
    kin = t.people.alias("kin")
    f, fc = t.families.alias("ef"), t.family_children.alias("efc")
    side = sa.union_all(sa.select(sa.literal(1).label("k")), sa.select(sa.literal(2))).subquery()
    other = sa.case((side.c.k == 1, f.c.partner1_id), else_=f.c.partner2_id)
    as_partner = sa.or_(f.c.partner1_id == p.c.id, f.c.partner2_id == p.c.id)
    days = sa.union_all(
        sa.select((kin.c.birth_latest + PARENT_GAP_DAYS).label("d"))
        .select_from(fc)
        .join(f, f.c.id == fc.c.family_id)
        .join(side, sa.true())
        .join(kin, kin.c.id == other)
        .where(fc.c.child_id == p.c.id)
        .correlate(p),
        sa.select(kin.c.birth_latest)
        .select_from(f)
        .join(fc, fc.c.family_id == f.c.id)
        .join(kin, kin.c.id == fc.c.child_id)
        .where(as_partner)
        .correlate(p),
        sa.select(kin.c.birth_latest + PARTNER_GAP_DAYS)
        .select_from(f)
        .join(side, sa.true())
        .join(kin, kin.c.id == other)
        .where(as_partner, other != p.c.id)
        .correlate(p),
    ).subquery("days")
    from_relatives = sa.select(sa.func.min(days.c.d)).correlate(p).scalar_subquery()
    # A person's own birth, even an open-ended one ("AFT 1950"), outweighs their relatives'.
    own_birth = sa.or_(p.c.birth_earliest.is_not(None), p.c.birth_latest.is_not(None))
    return sa.case((own_birth, p.c.birth_latest), else_=from_relatives)


def _has_death(p: sa.FromClause) -> sa.Exists:
    e = t.events.alias("de")
    return sa.exists(
        sa.select(e.c.id).where(e.c.person_id == p.c.id, e.c.type.in_(DEATH_LIKE)).correlate(p)
    )


_p = t.people
EVIDENCE = (
    _p.update()
    .where(_p.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(has_death=_has_death(_p), evidence_day=_evidence_day(_p))
)
"""Recomputes the privacy inputs of the given people (after their or a relative's change)."""

EVIDENCE_OF_TREE = (
    _p.update()
    .where(_p.c.tree_id == sa.bindparam("of_tree"))
    .values(has_death=_has_death(_p), evidence_day=_evidence_day(_p))
)
"""The same for a whole tree (after a bulk import)."""

__all__ = ["BIRTH_LIKE", "EVIDENCE", "EVIDENCE_OF_TREE", "Scope", "hidden", "masked_summary"]
