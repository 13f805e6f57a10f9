"""Tree statistics in the SQL store: counts and the commonest surnames, of what the session's
reader may see (the privacy engine inside each statement). Mixed into ``SqlSession``."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from dzinza.adapters.sql import privacy
from dzinza.adapters.sql import tables as t
from dzinza.ports import Row


class StatisticsQueries:
    conn: sa.Connection
    scope: privacy.Scope
    scope_params: dict[str, Any]

    def tree_statistics(self, tree_id: uuid.UUID, surnames: int = 10) -> Row:
        p = t.people
        seen = sa.and_(p.c.tree_id == tree_id, sa.not_(privacy.hidden(p, self.scope)))
        row = self.conn.execute(
            sa.select(
                sa.func.count().label("people"),
                sa.func.count().filter(p.c.sex == "male").label("male"),
                sa.func.count().filter(p.c.sex == "female").label("female"),
                sa.func.count().filter(p.c.has_death.is_(True)).label("with_death"),
                sa.func.min(p.c.birth_earliest).label("first_birth"),
                sa.func.max(p.c.birth_latest).label("last_birth"),
            ).where(seen),
            self.scope_params,
        ).one()
        n = t.names
        common = self.conn.execute(
            sa.select(n.c.surname, sa.func.count(sa.distinct(n.c.person_id)).label("people"))
            .join(p, p.c.id == n.c.person_id)
            .where(seen, n.c.surname != "")
            .group_by(n.c.surname)
            .order_by(sa.desc("people"), n.c.surname)
            .limit(surnames),
            self.scope_params,
        )
        m = t.media
        media = self.conn.scalar(
            sa.select(sa.func.count())
            .select_from(m)
            .where(m.c.tree_id == tree_id, sa.not_(privacy.record_hidden("media", m, self.scope))),
            self.scope_params,
        )

        def count(table: sa.Table) -> int:
            return int(
                self.conn.scalar(
                    sa.select(sa.func.count()).select_from(table).where(table.c.tree_id == tree_id)
                )
                or 0
            )

        return {
            **row._asdict(),
            "families": count(t.families),
            "sources": count(t.sources),
            "places": count(t.places),
            "media": int(media or 0),
            "surnames": [{"surname": r.surname, "people": r.people} for r in common],
        }
