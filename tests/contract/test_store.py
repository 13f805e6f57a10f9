"""The SQL store's graph queries on both databases, including data the services would refuse
(a cycle arriving from an import must not hang a query)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from dzinza.adapters.sql import tables as t
from dzinza.services.platform import Platform


def _people(platform: Platform, tree_id: uuid.UUID, n: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(n)]
    with platform.store.write() as tx:
        tx.insert_many(
            "person",
            [{"id": i, "tree_id": tree_id, "display_name": f"P{k}"} for k, i in enumerate(ids)],
        )
    return ids


def _parent(platform: Platform, tree_id: uuid.UUID, parent: uuid.UUID, child: uuid.UUID) -> None:
    with platform.store.write() as tx:
        fid = tx.insert("family", {"tree_id": tree_id, "partner1_id": parent})
        tx.add_child(fid, tree_id, child, "birth")


def test_cyclic_data_terminates(platform: Platform) -> None:
    with platform.store.write() as tx:
        tree_id = tx.insert("tree", {"name": "cyclic"})
    a, b, c = _people(platform, tree_id, 3)
    _parent(platform, tree_id, a, b)
    _parent(platform, tree_id, b, c)
    _parent(platform, tree_id, c, a)  # written straight to the store, as a bad import might
    with platform.store.read() as tx:
        assert tx.is_descendant(a, [c]) and tx.is_descendant(c, [b])
        rows = tx.ancestors(a, 25, 1000)
        assert max(r["generation"] for r in rows) == 25  # bounded by the generation limit
        assert len(tx.descendants(a, 25, 10)) == 10  # and by the row cap


def test_ancestors_follow_both_partners(platform: Platform) -> None:
    with platform.store.write() as tx:
        tree_id = tx.insert("tree", {"name": "two parents"})
    kid, mum, dad = _people(platform, tree_id, 3)
    with platform.store.write() as tx:
        fid = tx.insert("family", {"tree_id": tree_id, "partner1_id": dad, "partner2_id": mum})
        tx.add_child(fid, tree_id, kid, "birth")
        rows = tx.ancestors(kid, 3, 100)
        found = {(r["person_id"], r["generation"]) for r in rows}
        assert found == {(str(kid), 0), (str(dad), 1), (str(mum), 1)}
        assert tx.conn.scalar(sa.select(sa.func.count()).select_from(t.family_children)) == 1
