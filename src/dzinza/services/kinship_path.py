"""How two people of a tree are linked: the shortest chain of parent, child, partner and sibling
steps between them, found by a bidirectional breadth-first search; and the small reads the chart
pages need beside the graph service's charts (who a chart is about, the partners of the people
of a descendant chart).

The search walks the family links of one tree, a level at a time from both ends, always on the
side with the smaller frontier, loading the families of a whole frontier in batches
(``StoreSession.family_members``). A step goes from a person to another member of one of their
families: a partner to the other partner (partner), a partner to a child (parent), a child to a
partner (child) and a child to another child (sibling). It is bounded: it gives up when no chain
of at most ``max_steps`` steps exists, or when it has visited ``node_budget`` people.

Privacy: both ends must be people the reader may see (a hidden end is "not found", like a
person that does not exist). The search goes through the hidden too, since charts keep the
shape of a tree around them, but they come out as the "Private" placeholder of the reader's
privacy scope: no name, no dates, their sex unknown (so their steps are named neutrally).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from dzinza.domain.errors import N_, NotFound, ValidationFailed, said
from dzinza.ports import Row, StoreSession, TreeStore
from dzinza.services import views
from dzinza.services.access import no_such, record_for
from dzinza.services.cache import TreeCache, scope_key
from dzinza.services.common import Actor

DEFAULT_MAX_STEPS = 30
MAX_STEPS_LIMIT = 60
DEFAULT_NODE_BUDGET = 200_000
BATCH = 2_000
"""People whose families are read in one statement (three lists of ids: within SQLite's limit
of bound parameters)."""

PARENT, CHILD, PARTNER, SIBLING = "parent", "child", "partner", "sibling"
INVERSE = {PARENT: CHILD, CHILD: PARENT, PARTNER: PARTNER, SIBLING: SIBLING}
BIRTH = "birth"


@dataclass(frozen=True)
class Step:
    """``person`` reached from ``previous``: ``previous`` is the ``relation`` of ``person``
    (e.g. CHILD: previous is a child of person) through ``family_id``."""

    previous: uuid.UUID
    relation: str
    family_id: uuid.UUID
    pedigree: str | None
    """The child link's pedigree (for a sibling step: "birth" if both are, else the other)."""


def neighbours(rows: Sequence[Row], batch: set[uuid.UUID]) -> Iterator[tuple[uuid.UUID, Step]]:
    """The steps out of the people of ``batch``, from their families' rows
    (``family_members``): (the person reached, how)."""
    families: dict[uuid.UUID, tuple[list[uuid.UUID], list[tuple[uuid.UUID, str]]]] = {}
    for r in rows:
        fam = families.get(r["family_id"])
        if fam is None:
            partners = [p for p in (r["partner1_id"], r["partner2_id"]) if p is not None]
            fam = families[r["family_id"]] = (partners, [])
        if r["child_id"] is not None:
            fam[1].append((r["child_id"], r["pedigree"] or BIRTH))
    for family_id, (partners, children) in families.items():
        for p in partners:
            if p not in batch:
                continue
            for other in partners:
                if other != p:
                    yield other, Step(p, PARTNER, family_id, None)
            for c, ped in children:
                if c != p:
                    yield c, Step(p, PARENT, family_id, ped)
        for c, ped in children:
            if c not in batch:
                continue
            for p in partners:
                if p != c:
                    yield p, Step(c, CHILD, family_id, ped)
            for other, other_ped in children:
                if other != c:
                    both = ped if ped != BIRTH else other_ped
                    yield other, Step(c, SIBLING, family_id, both)


@dataclass
class Side:
    """One end of the bidirectional search: whom it reached, how, and its newest level."""

    depth: dict[uuid.UUID, int]
    came_by: dict[uuid.UUID, Step | None]
    frontier: list[uuid.UUID]
    level: int = 0

    @classmethod
    def start(cls, person: uuid.UUID) -> Side:
        return cls({person: 0}, {person: None}, [person])


@dataclass
class Found:
    people: list[uuid.UUID]
    steps: list[dict[str, Any]]


def search(
    tx: StoreSession,
    tree_id: uuid.UUID,
    start: uuid.UUID,
    goal: uuid.UUID,
    max_steps: int,
    node_budget: int,
) -> tuple[Found | None, str | None, int]:
    """The shortest chain from ``start`` to ``goal`` (or None), why none was found ("none": the
    two are not linked at all; "steps" or "budget": the search gave up), and how many people
    it visited."""
    if start == goal:
        return Found([start], []), None, 1
    ahead, behind = Side.start(start), Side.start(goal)
    while ahead.frontier and behind.frontier:
        if ahead.level + behind.level >= max_steps:
            return None, "steps", len(ahead.depth) + len(behind.depth)
        grow, other = (
            (ahead, behind) if len(ahead.frontier) <= len(behind.frontier) else (behind, ahead)
        )
        meeting: uuid.UUID | None = None
        best = 0
        reached: list[uuid.UUID] = []
        for i in range(0, len(grow.frontier), BATCH):
            chunk = grow.frontier[i : i + BATCH]
            rows = tx.family_members(tree_id, chunk)
            for person, step in neighbours(rows, set(chunk)):
                if person in grow.depth:
                    continue
                grow.depth[person] = grow.level + 1
                grow.came_by[person] = step
                reached.append(person)
                if person in other.depth:
                    total = grow.level + 1 + other.depth[person]
                    if meeting is None or total < best:
                        meeting, best = person, total
            if meeting is None and len(ahead.depth) + len(behind.depth) > node_budget:
                return None, "budget", len(ahead.depth) + len(behind.depth)
        grow.level += 1
        grow.frontier = reached
        visited = len(ahead.depth) + len(behind.depth)
        if meeting is not None:
            return _joined(ahead, behind, meeting), None, visited
        if visited > node_budget:
            return None, "budget", visited
    return None, "none", len(ahead.depth) + len(behind.depth)


def _joined(ahead: Side, behind: Side, meeting: uuid.UUID) -> Found:
    """The chain start .. meeting .. goal, each step read from its first person's side."""
    people = [meeting]
    steps: list[dict[str, Any]] = []
    here = meeting
    while (step := ahead.came_by[here]) is not None:
        people.append(step.previous)
        steps.append(_step(step.relation, step))
        here = step.previous
    people.reverse()
    steps.reverse()
    here = meeting
    while (step := behind.came_by[here]) is not None:
        # ``step.previous`` is nearer the goal: from ``here`` the relation is the inverse.
        people.append(step.previous)
        steps.append(_step(INVERSE[step.relation], step))
        here = step.previous
    return Found(people, steps)


def _step(relation: str, step: Step) -> dict[str, Any]:
    return {"relation": relation, "family_id": step.family_id, "pedigree": step.pedigree}


def blood_line(steps: Sequence[dict[str, Any]]) -> tuple[int, int, int | None] | None:
    """For a chain that is a blood line through a common ancestor (up by birth, at most one
    sibling step, then down by birth): (generations up from the first person, generations down
    to the last, the index of the sibling step or None). None for any other chain."""
    if not steps or any(s["pedigree"] != BIRTH for s in steps):
        return None
    relations = [s["relation"] for s in steps]
    up = 0
    while up < len(relations) and relations[up] == CHILD:
        up += 1
    sibling = None
    rest = up
    if rest < len(relations) and relations[rest] == SIBLING:
        sibling = rest
        rest += 1
    down = len(relations) - rest
    if any(r != PARENT for r in relations[rest:]):
        return None
    if sibling is not None:
        return up + 1, down + 1, sibling
    return up, down, None


def turning_points(steps: Sequence[dict[str, Any]]) -> list[tuple[str, Any]]:
    """Where a chain goes up and comes down again: ("person", index in the chain) for a person
    reached as a parent and left as a parent, ("family", family id) for a sibling step (its
    partners are the common ancestors)."""
    found: list[tuple[str, Any]] = []
    for i, s in enumerate(steps):
        if s["relation"] == SIBLING:
            found.append(("family", s["family_id"]))
        elif s["relation"] == PARENT and i > 0 and steps[i - 1]["relation"] == CHILD:
            found.append(("person", i))
    return found


class KinshipPathService:
    def __init__(self, store: TreeStore, cache: TreeCache | None = None) -> None:
        self.store = store
        self.cache = cache

    # -- who a chart is about -------------------------------------------------------------------
    def anchor(self, actor: Actor, person_id: uuid.UUID) -> dict[str, Any]:
        """The person (as the reader may see them: a placeholder if hidden) and their tree."""
        with self.store.read() as tx:
            _, tree = record_for(tx, "person", person_id, actor)
            rows = tx.summaries([person_id])
            return {
                "person": views.summary(rows[0]),
                "tree": {
                    "id": str(tree["id"]),
                    "name": tree["name"],
                    "visibility": tree["visibility"],
                },
            }

    # -- partners beside the people of a descendant chart ---------------------------------------
    def unions(
        self, actor: Actor, person_id: uuid.UUID, person_ids: Sequence[str]
    ) -> dict[str, list[dict[str, Any]]]:
        """For each of ``person_ids`` (people of the tree of ``person_id``), the families they
        are a partner in, in the order they were recorded: ``{"family_id", "partner"}`` (the
        other partner as the reader may see them, or None)."""
        wanted = sorted({uuid.UUID(str(i)) for i in person_ids})
        with self.store.read() as tx:
            _, tree = record_for(tx, "person", person_id, actor)
            scope = scope_key(tx.viewer)

        def compute() -> dict[str, list[dict[str, Any]]]:
            with self.store.read() as tx:
                record_for(tx, "person", person_id, actor)
                return self._unions(tx, tree["id"], wanted)

        if self.cache is None:
            return compute()
        digest = hashlib.sha256(",".join(map(str, wanted)).encode()).hexdigest()[:32]
        return self.cache.get_or_compute(tree["id"], f"unions:{digest}:{scope}", compute)

    @staticmethod
    def _unions(
        tx: StoreSession, tree_id: uuid.UUID, wanted: list[uuid.UUID]
    ) -> dict[str, list[dict[str, Any]]]:
        mine = set(wanted)
        found: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID | None]]] = {}
        seen: set[tuple[uuid.UUID, uuid.UUID]] = set()
        for i in range(0, len(wanted), BATCH):
            for r in tx.family_members(tree_id, wanted[i : i + BATCH], children=False):
                pair = (r["partner1_id"], r["partner2_id"])
                for me, other in (pair, pair[::-1]):
                    if me in mine and (me, r["family_id"]) not in seen:
                        seen.add((me, r["family_id"]))
                        found.setdefault(me, []).append((r["family_id"], other))
        partner_ids = {o for fams in found.values() for _, o in fams if o is not None}
        people = {r["id"]: views.summary(r) for r in tx.summaries(list(partner_ids))}
        return {
            str(me): [
                {"family_id": str(f), "partner": people.get(o) if o is not None else None}
                for f, o in fams
            ]
            for me, fams in found.items()
        }

    # -- the relationship path ------------------------------------------------------------------
    def path(
        self,
        actor: Actor,
        person_id: uuid.UUID,
        other_id: uuid.UUID,
        max_steps: int = DEFAULT_MAX_STEPS,
        node_budget: int = DEFAULT_NODE_BUDGET,
    ) -> dict[str, Any]:
        """The shortest chain of family links from ``person_id`` to ``other_id``.

        ``people`` are the chain's people in order (summaries, the hidden as placeholders) and
        ``steps[i]`` says how ``people[i]`` is linked to ``people[i + 1]``: ``relation`` is what
        ``people[i]`` is to ``people[i + 1]`` (parent, child, partner, sibling), with the family
        and the child link's pedigree. ``common_ancestors`` are the people the chain goes up
        to and down from; ``generations`` ({up, down}) is set when the chain is a blood line
        through a common ancestor. ``found`` False comes with ``reason``: "none" (not linked at
        all), "steps" or "budget" (no chain within ``max_steps``, or the search gave up).
        """
        if not 1 <= max_steps <= MAX_STEPS_LIMIT:
            raise ValidationFailed(
                said(
                    "max_steps must be between 1 and %(max_steps_limit)s.",
                    max_steps_limit=MAX_STEPS_LIMIT,
                )
            )
        if node_budget < 2:
            raise ValidationFailed(N_("node_budget must be at least 2."))
        with self.store.read() as tx:
            _, tree = record_for(tx, "person", person_id, actor)
            found = tx.get_in_tree("person", other_id)
            if found is None or found[1]["id"] != tree["id"]:
                raise NotFound(no_such("person", other_id))
            ends = {r["id"]: r for r in tx.summaries([person_id, other_id])}
            for end in (person_id, other_id):
                if ends[end]["hidden"]:
                    raise NotFound(no_such("person", end))
            chain, reason, visited = search(
                tx, tree["id"], person_id, other_id, max_steps, node_budget
            )
            result: dict[str, Any] = {
                "from": views.summary(ends[person_id]),
                "to": views.summary(ends[other_id]),
                "found": chain is not None,
                "reason": reason,
                "max_steps": max_steps,
                "visited": visited,
                "people": [],
                "steps": [],
                "common_ancestors": [],
                "generations": None,
            }
            if chain is None:
                return result
            return result | self._described(tx, chain)

    @staticmethod
    def _described(tx: StoreSession, chain: Found) -> dict[str, Any]:
        turns = turning_points(chain.steps)
        families = [f for kind, f in turns if kind == "family"]
        partners: dict[uuid.UUID, list[uuid.UUID]] = {}
        for fam in tx.get_many("family", families):
            partners[fam["id"]] = [
                p for p in (fam["partner1_id"], fam["partner2_id"]) if p is not None
            ]
        ancestors: list[uuid.UUID] = []
        for kind, value in turns:
            for p in partners.get(value, []) if kind == "family" else [chain.people[value]]:
                if p not in ancestors:
                    ancestors.append(p)
        people = {r["id"]: views.summary(r) for r in tx.summaries(chain.people + ancestors)}
        line = blood_line(chain.steps)
        return {
            "people": [people[p] for p in chain.people],
            "steps": [s | {"family_id": str(s["family_id"])} for s in chain.steps],
            "common_ancestors": [people[p] for p in ancestors if p in people],
            "generations": {"up": line[0], "down": line[1]} if line else None,
        }
