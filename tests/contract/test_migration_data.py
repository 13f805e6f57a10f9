"""Migrations carry existing data forward: 0003 fills the inputs of the living rule for people
stored before it (a tree migrated from 0002 must not show its dead as living, or worse)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from dzinza.adapters.sql import database


def test_0003_fills_death_and_birth_evidence(database_url: str) -> None:
    engine = database.create_engine(database_url)
    database.downgrade(engine, "0002")
    tree, dad, kid, lone, orphan = (uuid.uuid4() for _ in range(5))
    fam = uuid.uuid4()
    u = sa.Uuid()
    trees = sa.table("trees", sa.column("id", u), sa.column("name"))
    people = sa.table(
        "people", sa.column("id", u), sa.column("tree_id", u), sa.column("birth_latest")
    )
    families = sa.table(
        "families", sa.column("id", u), sa.column("tree_id", u), sa.column("partner1_id", u)
    )
    children = sa.table(
        "family_children",
        sa.column("family_id", u),
        sa.column("child_id", u),
        sa.column("tree_id", u),
    )
    events = sa.table(
        "events",
        sa.column("id", u),
        sa.column("tree_id", u),
        sa.column("person_id", u),
        sa.column("type"),
    )
    with engine.begin() as conn:
        conn.execute(trees.insert().values(id=tree, name="Old"))
        for pid, born in ((dad, 2_400_000), (kid, 2_430_000), (lone, None), (orphan, None)):
            conn.execute(people.insert().values(id=pid, tree_id=tree, birth_latest=born))
        conn.execute(families.insert().values(id=fam, tree_id=tree, partner1_id=dad))
        conn.execute(children.insert().values(family_id=fam, child_id=kid, tree_id=tree))
        conn.execute(children.insert().values(family_id=fam, child_id=orphan, tree_id=tree))
        conn.execute(
            events.insert().values(id=uuid.uuid4(), tree_id=tree, person_id=lone, type="burial")
        )
    database.upgrade(engine)
    with engine.connect() as conn:
        rows = {
            r.id: (bool(r.has_death), r.evidence_day)
            for r in conn.execute(
                sa.select(
                    sa.column("id", u), sa.column("has_death"), sa.column("evidence_day")
                ).select_from(sa.table("people"))
            )
        }
    engine.dispose()
    # Their own births; the child's, had it none, would be bounded by the father's + 20 years.
    assert rows[dad] == (False, 2_400_000)
    assert rows[kid] == (False, 2_430_000)
    assert rows[orphan] == (False, 2_400_000 + 7305)
    assert rows[lone] == (True, None)
