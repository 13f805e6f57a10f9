"""The geometry of the charts (dzinza.web.chart_layout): pedigree positions and collapse, the
tidy tree (no two boxes overlap, a parent centred over its children), the descendant chart's
plural marriages, and the fan chart's angles."""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from typing import Any

import pytest

from dzinza.web import chart_layout as cl


# -- chart data as the graph service gives it ------------------------------------------------------
def _person(pid: str, sex: str = "unknown", birth: str | None = None) -> dict[str, Any]:
    return {
        "id": pid,
        "display_name": pid.title(),
        "sex": sex,
        "birth": birth,
        "death": None,
        "living": False,
        "private": False,
    }


def full_pedigree(levels: int) -> dict[str, Any]:
    """Everyone distinct: 2^levels - 1 ancestors, named by Ahnentafel number."""
    people = [_person("p1")]
    links = []
    for n in range(1, 2 ** (levels - 1)):
        for side, sex in ((0, "male"), (1, "female")):
            parent = 2 * n + side
            people.append(_person(f"p{parent}", sex))
            links.append(
                {
                    "person_id": f"p{parent}",
                    "child_id": f"p{n}",
                    "family_id": f"f{n}",
                    "pedigree": "birth",
                }
            )
    return {"root_id": "p1", "people": people, "links": links}


def _overlaps(boxes: list[cl.Box], axis: str) -> list[tuple[int, int]]:
    """Pairs of boxes on the same row (axis "x": same x) or column that overlap."""
    groups: dict[float, list[cl.Box]] = defaultdict(list)
    for b in boxes:
        groups[round(b.x if axis == "x" else b.y, 3)].append(b)
    bad = []
    for group in groups.values():
        key = (lambda b: b.y) if axis == "x" else (lambda b: b.x)
        size = (lambda b: b.h) if axis == "x" else (lambda b: b.w)
        ordered = sorted(group, key=key)
        for a, b in itertools.pairwise(ordered):
            if key(a) + size(a) > key(b) + 1e-6:
                bad.append((a.slot, b.slot))
    return bad


# -- the tidy tree ---------------------------------------------------------------------------------
def _random_tree(rng: random.Random, n: int) -> list[list[int]]:
    children: list[list[int]] = [[] for _ in range(n)]
    depth = [0]
    for v in range(1, n):
        parent = rng.randrange(v)
        while depth[parent] >= 6:
            parent = rng.randrange(v)
        children[parent].append(v)
        depth.append(depth[parent] + 1)
    return children


@pytest.mark.parametrize("seed", range(8))
def test_tidy_never_overlaps_and_centres_parents(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randrange(2, 300)
    children = _random_tree(rng, n)
    sizes = [rng.choice((20.0, 40.0, 90.0)) for _ in range(n)]
    pos = cl.tidy(sizes, children, 0, lambda _d: 5.0)
    depth = [0] * n
    for v in range(n):
        for c in children[v]:
            depth[c] = depth[v] + 1
    levels: dict[int, list[int]] = defaultdict(list)
    for v in range(n):
        levels[depth[v]].append(v)
    for nodes in levels.values():
        spans = sorted((pos[v] - sizes[v] / 2, pos[v] + sizes[v] / 2) for v in nodes)
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end + 5.0 - 1e-6
    for v in range(n):
        if children[v]:
            first, last = pos[children[v][0]], pos[children[v][-1]]
            assert pos[v] == pytest.approx((first + last) / 2)
            # children keep their order
            assert [pos[c] for c in children[v]] == sorted(pos[c] for c in children[v])
    assert min(pos[v] - sizes[v] / 2 for v in range(n)) == pytest.approx(0)


def test_tidy_tucks_a_shallow_subtree_beside_a_deep_one() -> None:
    # 0 has children 1 and 2; 1 has a wide row of grandchildren, 2 has none: 2 sits next to 1,
    # not beyond 1's grandchildren (the contour is per level).
    children = [[1, 2], [3, 4, 5, 6], [], [], [], [], []]
    pos = cl.tidy([10.0] * 7, children, 0, lambda _d: 2.0)
    assert pos[2] - pos[1] == pytest.approx(12.0)


# -- pedigree ---------------------------------------------------------------------------------------
def test_ten_generations_fill_1023_positions_without_overlap() -> None:
    chart = full_pedigree(10)
    slots = cl.ancestor_slots(chart, 10)
    assert len(slots) == 1023
    assert sorted(s.number for s in slots) == list(range(1, 1024))
    layout = cl.pedigree_layout(slots)
    assert len(layout.boxes) == 1023
    assert _overlaps(layout.boxes, "x") == []
    # a column per generation, left to right, each a little smaller
    xs = {s.generation: layout.boxes[i].x for i, s in enumerate(slots)}
    assert [xs[g] for g in range(10)] == sorted(xs.values())
    for i, s in enumerate(slots):
        assert layout.boxes[i].x == xs[s.generation]
    assert cl.tier(9).height < cl.tier(0).height and cl.tier(9).font >= 8
    assert layout.width > xs[9] and layout.height >= max(b.y + b.h for b in layout.boxes)


def test_a_child_sits_between_their_father_above_and_mother_below() -> None:
    slots = cl.ancestor_slots(full_pedigree(4), 4)
    layout = cl.pedigree_layout(slots)
    by_number = {s.number: i for i, s in enumerate(slots)}

    def middle(n: int) -> float:
        b = layout.boxes[by_number[n]]
        return b.y + b.h / 2

    for n in range(1, 8):
        father, mother = middle(2 * n), middle(2 * n + 1)
        assert father < mother
        assert middle(n) == pytest.approx((father + mother) / 2)
        assert slots[by_number[2 * n]].person == f"p{2 * n}"
    # each line runs from the child's right edge to a parent's left edge
    for line in layout.lines:
        (x0, _), (x1, _) = line.points[0], line.points[-1]
        assert x1 > x0
    assert len(layout.lines) == 14


def test_the_root_opens_the_chart() -> None:
    layout = cl.pedigree_layout(cl.ancestor_slots(full_pedigree(3), 3))
    root = layout.boxes[0]
    assert layout.focus == (root.x + root.w / 2, root.y + root.h / 2)


def test_pedigree_collapse_fills_each_position_and_counts_them() -> None:
    # Cousins married: the child's two grandfathers are brothers with the same parents.
    people = [
        _person("kid"),
        _person("dad", "male"),
        _person("mum", "female"),
        _person("gf1", "male"),
        _person("gm1", "female"),
        _person("gf2", "male"),
        _person("gm2", "female"),
        _person("ggf", "male"),
        _person("ggm", "female"),
    ]

    def link(parent: str, child: str, family: str) -> dict[str, Any]:
        return {"person_id": parent, "child_id": child, "family_id": family, "pedigree": "birth"}

    links = [
        link("dad", "kid", "f0"),
        link("mum", "kid", "f0"),
        link("gf1", "dad", "f1"),
        link("gm1", "dad", "f1"),
        link("gf2", "mum", "f2"),
        link("gm2", "mum", "f2"),
        link("ggf", "gf1", "f3"),
        link("ggm", "gf1", "f3"),
        link("ggf", "gf2", "f3"),
        link("ggm", "gf2", "f3"),
    ]
    slots = cl.ancestor_slots({"root_id": "kid", "people": people, "links": links}, 4)
    where = {s.number: s for s in slots}
    assert where[8].person == where[12].person == "ggf"
    assert where[9].person == where[13].person == "ggm"
    assert where[8].repeat == 2 and where[4].repeat == 1
    assert _overlaps(cl.pedigree_layout(slots).boxes, "x") == []


def test_birth_parents_come_first_and_unknown_sex_takes_the_free_position() -> None:
    people = [_person("kid"), _person("adopter", "male"), _person("mum", "female"), _person("x")]
    links = [
        {"person_id": "adopter", "child_id": "kid", "family_id": "fa", "pedigree": "adopted"},
        {"person_id": "x", "child_id": "kid", "family_id": "fb", "pedigree": "birth"},
        {"person_id": "mum", "child_id": "kid", "family_id": "fb", "pedigree": "birth"},
    ]
    slots = cl.ancestor_slots({"root_id": "kid", "people": people, "links": links}, 3)
    assert {s.number: s.person for s in slots} == {1: "kid", 2: "x", 3: "mum"}
    only_mum = [links[2]]
    slots = cl.ancestor_slots({"root_id": "kid", "people": people, "links": only_mum}, 3)
    assert {s.number: s.person for s in slots} == {1: "kid", 3: "mum"}
    adopted = [links[0]]
    slots = cl.ancestor_slots({"root_id": "kid", "people": people, "links": adopted}, 3)
    assert slots[1].pedigree == "adopted"


def test_generations_limit_the_positions() -> None:
    assert len(cl.ancestor_slots(full_pedigree(6), 3)) == 7


# -- descendants --------------------------------------------------------------------------------------
def descendants_chart() -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Root with two wives (plural marriage): two children with the first, one with the
    second; the first child has a wife and a son."""
    people = [
        _person("root", "male", "1900"),
        _person("a2", "female", "1932"),
        _person("a1", "male", "1930"),
        _person("b1", "male", "1935"),
        _person("gs", "male", "1960"),
    ]

    def link(child: str, parent: str, family: str) -> dict[str, Any]:
        return {"person_id": child, "parent_id": parent, "family_id": family, "pedigree": "birth"}

    links = [link("a2", "root", "fa"), link("a1", "root", "fa"), link("b1", "root", "fb")]
    links.append(link("gs", "a1", "fc"))
    unions = {
        "root": [
            {"family_id": "fa", "partner": _person("wife1", "female")},
            {"family_id": "fb", "partner": _person("wife2", "female")},
        ],
        "a1": [{"family_id": "fc", "partner": _person("dil", "female")}],
    }
    return {"root_id": "root", "people": people, "links": links}, unions


def test_plural_marriages_sit_side_by_side_with_their_children_below() -> None:
    chart, unions = descendants_chart()
    found = cl.descendant_units(chart, unions, 4)
    assert not found.truncated
    root = found.units[0]
    assert [f.family_id for f in root.families] == ["fa", "fb"]
    # children by year of birth within a family
    assert [found.units[c].person for c in root.families[0].children] == ["a1", "a2"]
    layout = cl.descendant_layout(found.units)
    boxes = {(b.person, b.kind): b for b in layout.boxes}
    me, w1, w2 = boxes["root", "person"], boxes["wife1", "partner"], boxes["wife2", "partner"]
    assert me.y == w1.y == w2.y and me.x < w1.x < w2.x
    assert _overlaps(layout.boxes, "y") == []
    kids = [boxes[k, "person"] for k in ("a1", "a2", "b1")]
    assert all(k.y > me.y + me.h for k in kids)
    assert kids[0].x < kids[1].x < kids[2].x  # the first family's children, then the second's
    gs = boxes["gs", "person"]
    assert gs.y > kids[0].y
    # the children's units are centred under the root's (the root and both wives)
    w, gap = cl.DESCENDANT_BOX[0], cl.PARTNER_GAP
    root_centre = me.x + (3 * w + 2 * gap) / 2
    first_child_centre = kids[0].x + (2 * w + gap) / 2  # a1 and his wife
    last_child_centre = kids[2].x + w / 2
    assert root_centre == pytest.approx((first_child_centre + last_child_centre) / 2)
    unions_lines = [line for line in layout.lines if line.kind == "union"]
    assert len(unions_lines) == 3


def test_descendants_stop_at_the_generations_asked() -> None:
    chart, unions = descendants_chart()
    found = cl.descendant_units(chart, unions, 2)
    assert {u.person for u in found.units} == {"root", "a1", "a2", "b1"}


def test_a_person_met_twice_is_drawn_again_without_their_families() -> None:
    # Two cousins marry: their child descends from the root along both lines.
    people = [_person(x) for x in ("root", "s1", "s2", "c1", "c2", "kid")]

    def link(child: str, parent: str, family: str) -> dict[str, Any]:
        return {"person_id": child, "parent_id": parent, "family_id": family, "pedigree": "birth"}

    links = [
        link("s1", "root", "f0"),
        link("s2", "root", "f0"),
        link("c1", "s1", "f1"),
        link("c2", "s2", "f2"),
        link("kid", "c1", "f3"),
        link("kid", "c2", "f3"),
    ]
    unions = {
        "c1": [{"family_id": "f3", "partner": _person("c2")}],
        "c2": [{"family_id": "f3", "partner": _person("c1")}],
    }
    found = cl.descendant_units({"root_id": "root", "people": people, "links": links}, unions, 5)
    kids = [u for u in found.units if u.person == "kid"]
    assert len(kids) == 1  # the family is shown with its children once
    layout = cl.descendant_layout(found.units)
    assert _overlaps(layout.boxes, "y") == []


def test_a_huge_chart_keeps_the_generations_that_fit() -> None:
    people = [_person("root")] + [_person(f"c{i}") for i in range(50)]
    people += [_person(f"g{i}") for i in range(50)]
    links = [
        {"person_id": f"c{i}", "parent_id": "root", "family_id": "f", "pedigree": "birth"}
        for i in range(50)
    ]
    links += [
        {"person_id": f"g{i}", "parent_id": f"c{i}", "family_id": f"f{i}", "pedigree": "birth"}
        for i in range(50)
    ]
    chart = {"root_id": "root", "people": people, "links": links}
    found = cl.descendant_units(chart, {}, 3, 120)
    assert not found.truncated and found.levels == 3 and len(found.units) == 101
    found = cl.descendant_units(chart, {}, 3, 60)
    assert found.truncated and found.levels == 2 and len(found.units) == 51
    found = cl.descendant_units(chart, {}, 3, 20)
    assert found.truncated and found.levels == 1 and len(found.units) == 1


# -- fan chart ----------------------------------------------------------------------------------------
def test_fan_rings_share_the_half_circle() -> None:
    levels = 8
    slots = cl.ancestor_slots(full_pedigree(levels), levels)
    fan = cl.fan_layout(slots, levels)
    assert len(fan.segments) == 255
    by_ring: dict[int, float] = defaultdict(float)
    for s in fan.segments:
        assert 0 <= s.a1 < s.a0 <= math.pi + 1e-9
        by_ring[s.generation] += s.a0 - s.a1
    assert all(total == pytest.approx(math.pi) for total in by_ring.values())
    by_number = {slots[s.slot].number: s for s in fan.segments}
    for n, s in by_number.items():
        if 2 * n in by_number:
            father, mother = by_number[2 * n], by_number[2 * n + 1]
            assert father.a0 == pytest.approx(s.a0) and mother.a1 == pytest.approx(s.a1)
            assert father.a1 == pytest.approx(mother.a0)  # the father on the left
            assert father.r0 == pytest.approx(s.r1)
    # names run along the arc near the centre and along the radius further out, never upside down
    for s in fan.segments:
        if 1 <= s.generation <= cl.TANGENTIAL_RINGS:
            assert s.rotate == pytest.approx(90 - math.degrees((s.a0 + s.a1) / 2))
        if s.generation > cl.TANGENTIAL_RINGS:
            assert -90 - 1e-9 <= s.rotate <= 90 + 1e-9
        assert s.font >= 5
    assert fan.width == pytest.approx(2 * fan.centre[0])


def test_span_of_a_position() -> None:
    assert cl.span(1) == (math.pi, 0)
    assert cl.span(2) == (math.pi, math.pi / 2)
    assert cl.span(3) == (math.pi / 2, 0)
    a0, a1 = cl.span(13)  # generation 3, the sixth of eight
    assert (a0, a1) == (pytest.approx(math.pi * 3 / 8), pytest.approx(math.pi * 2 / 8))


# -- text ---------------------------------------------------------------------------------------------
def test_years_and_fitting_text() -> None:
    assert cl.year_of("ABT 1890") == "1890"
    assert cl.year_of("12 MAR 1890/91") == "1890"
    assert cl.year_of(None) == ""
    assert cl.years({"birth": "1890", "death": "BEF 1950"}) == "1890 \u2013 1950"
    assert cl.years({"birth": "1990", "death": None}) == "1990 \u2013"
    assert cl.years({"birth": None, "death": "1950"}) == "\u2013 1950"
    assert cl.years({}) == ""
    assert cl.fit("Short", 100, 10) == "Short"
    cut = cl.fit("A rather long name indeed", 60, 10)
    assert cut.endswith("\u2026") and len(cut) <= 10
