"""Where the boxes and lines of the charts go: pure geometry on the graph service's chart data
(``{"people": [...], "links": [...]}``), no HTML and no I/O, so that it can be tested alone.

- ``ancestor_slots`` turns a pedigree into positions (Ahnentafel numbers: the root 1, the
  parents of n at 2n and 2n + 1); an ancestor reached along two lines (pedigree collapse) fills
  each of their positions, and each such slot knows how many times its person appears.
- ``tidy`` is the tree layout of both box charts: subtrees are laid out bottom-up, each one's
  outline (its extent on every level below) kept as a contour; a subtree is pushed against its
  left sibling just far enough that no level overlaps, and a parent is centred over its first
  and last child. Each node costs its subtree's depth, so a chart costs O(n * generations).
- ``pedigree_layout`` draws the ancestors horizontally (the root on the left, a column per
  generation, boxes shrinking with the generation), ``descendant_layout`` draws descendants
  downwards (each person with their partners beside them, a family's children under the
  couple, several families side by side), ``fan_layout`` draws ancestors as rings of a half
  circle.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Person = Mapping[str, Any]
Point = tuple[float, float]

MARGIN = 16.0
DASH = "\u2013"
"""The en dash between two years."""


# -- the tidy tree --------------------------------------------------------------------------------
def tidy(
    sizes: Sequence[float],
    children: Sequence[Sequence[int]],
    root: int = 0,
    gap: Callable[[int], float] = lambda _depth: 10.0,
) -> list[float]:
    """The centre of each node along the breadth axis (nodes 0..n-1, ``sizes`` their breadth,
    ``children`` in order), the outermost edge at 0; ``gap(depth)``: the least space between
    two boxes on a level."""
    n = len(sizes)
    offset = [0.0] * n  # a node's centre relative to its parent's

    def place(v: int, depth: int) -> tuple[list[float], list[float]]:
        """v's subtree laid out around v's centre: its contour (lowest and highest edge on each
        level, v's own level first)."""
        half = sizes[v] / 2
        kids = children[v]
        if not kids:
            return [-half], [half]
        lo, hi = place(kids[0], depth + 1)
        at = [0.0]
        for c in kids[1:]:
            c_lo, c_hi = place(c, depth + 1)
            shared = min(len(hi), len(c_lo))
            shift = max(hi[k] + gap(depth + 1 + k) - c_lo[k] for k in range(shared))
            at.append(shift)
            for k in range(len(c_lo)):
                if k < len(lo):
                    lo[k] = min(lo[k], c_lo[k] + shift)
                    hi[k] = max(hi[k], c_hi[k] + shift)
                else:
                    lo.append(c_lo[k] + shift)
                    hi.append(c_hi[k] + shift)
        centre = (at[0] + at[-1]) / 2
        for c, a in zip(kids, at, strict=True):
            offset[c] = a - centre
        return [-half, *(x - centre for x in lo)], [half, *(x - centre for x in hi)]

    lo, _ = place(root, 0)
    pos = [0.0] * n
    pos[root] = -min(lo)
    order = [root]
    for v in order:
        for c in children[v]:
            pos[c] = pos[v] + offset[c]
            order.append(c)
    return pos


# -- text helpers ---------------------------------------------------------------------------------
_YEAR = re.compile(r"\b(\d{3,4})\b")


def year_of(date_text: str | None) -> str:
    """The year of a genealogical date as written ("ABT 1890" -> "1890"; dual years keep the
    first), or ''."""
    found = _YEAR.search(date_text or "")
    return found.group(1) if found else ""


def years(person: Person) -> str:
    """ "1890 - 1950" (with an en dash), "1890 -" for the living, "- 1950", or '' when
    nothing is known."""
    born, died = year_of(person.get("birth")), year_of(person.get("death"))
    if born and died:
        return f"{born} {DASH} {died}"
    if born:
        return f"{born} {DASH}"
    if died:
        return f"{DASH} {died}"
    return ""


def fit(text: str, length: float, font: float) -> str:
    """``text`` cut (with an ellipsis) to what fits in ``length`` at ``font`` size (an average
    glyph of the bold sans-serif names are written in is about 0.6 em wide)."""
    room = max(1, int(length / (font * 0.6)))
    return text if len(text) <= room else text[: max(1, room - 1)].rstrip() + "…"


def _birth_key(person: Person | None) -> tuple[int, str]:
    if person is None:
        return (99999, "")
    year = year_of(person.get("birth"))
    return (int(year) if year else 99999, str(person.get("display_name") or ""))


# -- pedigree: positions ----------------------------------------------------------------------------
@dataclass
class Slot:
    """One position of an ancestor chart."""

    number: int
    """Ahnentafel number: 1 the root, 2n and 2n + 1 the parents of n."""
    person: str
    generation: int
    parents: list[int] = field(default_factory=list)
    """Indices of this slot's parents' slots (father's side first)."""
    pedigree: str | None = None
    """The pedigree of the link to the child (None for the root)."""
    repeat: int = 1
    """How many slots this person fills (pedigree collapse when more than one)."""


def parent_families(chart: Mapping[str, Any]) -> dict[str, list[tuple[str, str, list[str]]]]:
    """For each child of a pedigree: its families (family id, pedigree, parent ids in the order
    of the links), in the order the links come."""
    found: dict[str, dict[str, tuple[str, list[str]]]] = {}
    for link in chart["links"]:
        child = link.get("child_id")
        if child is None:
            continue
        fams = found.setdefault(child, {})
        entry = fams.get(link["family_id"])
        if entry is None:
            entry = fams[link["family_id"]] = (link.get("pedigree") or "birth", [])
        if link["person_id"] not in entry[1]:
            entry[1].append(link["person_id"])
    return {
        child: [(fam, ped, parents) for fam, (ped, parents) in fams.items()]
        for child, fams in found.items()
    }


def _ordered_parents(parents: list[str], people: Mapping[str, Person]) -> list[tuple[int, str]]:
    """(0 for the father's position, 1 for the mother's, parent id): a man above, a woman
    below; people whose sex is not known (the hidden among them) fill the free position in the
    order they come, so a position says nothing the reader may not see."""
    rank = {"male": 0, "female": 2}
    ordered = sorted(parents[:2], key=lambda p: rank.get(people.get(p, {}).get("sex", ""), 1))
    if len(ordered) == 2:
        return [(0, ordered[0]), (1, ordered[1])]
    if not ordered:
        return []
    only = ordered[0]
    return [(1 if people.get(only, {}).get("sex") == "female" else 0, only)]


def ancestor_slots(chart: Mapping[str, Any], levels: int) -> list[Slot]:
    """The positions of an ancestor chart of ``levels`` generations (the root's counted),
    breadth first. A child with several families of parents (birth and adoptive, say) is drawn
    with one: the first by birth, else the first."""
    people = {p["id"]: p for p in chart["people"]}
    families = parent_families(chart)
    chosen: dict[str, tuple[str, list[tuple[int, str]]]] = {}
    slots = [Slot(1, chart["root_id"], 0)]
    for slot in slots:  # grows as it goes
        if slot.generation + 1 >= levels:
            continue
        known = chosen.get(slot.person)
        if known is None:  # once per person, however often they appear
            options = families.get(slot.person)
            if not options:
                continue
            _, pedigree, parents = next((f for f in options if f[1] == "birth"), options[0])
            known = chosen[slot.person] = (pedigree, _ordered_parents(parents, people))
        pedigree, ordered = known
        for side, parent in ordered:
            slot.parents.append(len(slots))
            slots.append(
                Slot(2 * slot.number + side, parent, slot.generation + 1, pedigree=pedigree)
            )
    count: dict[str, int] = {}
    for s in slots:
        count[s.person] = count.get(s.person, 0) + 1
    for s in slots:
        s.repeat = count[s.person]
    return slots


# -- pedigree: boxes and lines ----------------------------------------------------------------------
@dataclass(frozen=True)
class Tier:
    """How the boxes of a generation are drawn."""

    width: float
    height: float
    font: float
    gap: float
    two_lines: bool


PEDIGREE_TIERS = (
    Tier(200, 46, 13, 10, True),  # generations 0-3: a name and the years on two lines
    Tier(200, 46, 13, 10, True),
    Tier(190, 44, 12.5, 10, True),
    Tier(185, 42, 12, 8, True),
    Tier(175, 36, 11, 6, True),  # 4-5
    Tier(175, 36, 11, 6, True),
    Tier(165, 28, 9.5, 4, True),  # 6-7: smaller, still two lines
    Tier(165, 28, 9.5, 4, True),
    Tier(175, 18, 8.5, 3, False),  # 8-9: one line, the name then the years
    Tier(175, 18, 8.5, 3, False),
)
COLUMN_GAP = 44.0


def tier(generation: int) -> Tier:
    return PEDIGREE_TIERS[min(generation, len(PEDIGREE_TIERS) - 1)]


@dataclass
class Box:
    """A person's box: the top-left corner, size and font; ``slot`` indexes the chart's slots
    (or units)."""

    x: float
    y: float
    w: float
    h: float
    font: float
    two_lines: bool
    slot: int
    person: str
    kind: str = "person"
    """"person", or "partner" (a descendant's partner)."""


@dataclass
class Line:
    points: list[Point]
    kind: str = "link"
    """"link" (child to parents), "union" (between partners)."""
    pedigree: str | None = None


@dataclass
class Layout:
    boxes: list[Box]
    lines: list[Line]
    width: float
    height: float
    focus: Point
    """The centre of the root's box (where the chart opens)."""


def pedigree_layout(slots: Sequence[Slot]) -> Layout:
    """Ancestors from left to right: the root in the first column, each generation a column,
    a child centred between their parents, no two boxes overlapping."""
    if not slots:
        return Layout([], [], 0, 0, (0, 0))
    depth = max(s.generation for s in slots)
    xs = [MARGIN]
    for g in range(depth):
        xs.append(xs[-1] + tier(g).width + COLUMN_GAP)
    centres = tidy(
        [tier(s.generation).height for s in slots],
        [s.parents for s in slots],
        0,
        lambda g: tier(g).gap,
    )
    boxes: list[Box] = []
    for i, s in enumerate(slots):
        t = tier(s.generation)
        boxes.append(
            Box(
                xs[s.generation],
                MARGIN + centres[i] - t.height / 2,
                t.width,
                t.height,
                t.font,
                t.two_lines,
                i,
                s.person,
            )
        )
    lines: list[Line] = []
    for i, s in enumerate(slots):
        if not s.parents:
            continue
        b = boxes[i]
        start = (b.x + b.w, b.y + b.h / 2)
        bus = b.x + b.w + COLUMN_GAP / 2
        for p in s.parents:
            parent = boxes[p]
            end_y = parent.y + parent.h / 2
            lines.append(
                Line(
                    [start, (bus, start[1]), (bus, end_y), (parent.x, end_y)],
                    pedigree=slots[p].pedigree,
                )
            )
    width = xs[-1] + tier(depth).width + MARGIN
    height = max(b.y + b.h for b in boxes) + MARGIN
    root = boxes[0]
    return Layout(boxes, lines, width, height, (root.x + root.w / 2, root.y + root.h / 2))


# -- descendants --------------------------------------------------------------------------------------
@dataclass
class Family:
    family_id: str
    partner: Person | None
    children: list[int] = field(default_factory=list)
    """Indices of the children's units."""


@dataclass
class Unit:
    """A descendant with the partners of their families beside them."""

    person: str
    generation: int
    families: list[Family] = field(default_factory=list)
    pedigree: str | None = None
    """The pedigree of the link to the parent (None for the root)."""
    again: bool = False
    """Drawn again where they appear once more (a child of cousins): their families are shown
    at their first place only."""


@dataclass
class Descendants:
    units: list[Unit]
    levels: int
    """The generations drawn (the root's counted)."""
    truncated: bool
    """Fewer generations than asked: all of them had more than ``max_boxes`` boxes."""


class _TooMany(Exception):
    pass


def descendant_units(
    chart: Mapping[str, Any],
    unions: Mapping[str, Sequence[Mapping[str, Any]]],
    levels: int,
    max_boxes: int = 1500,
) -> Descendants:
    """The units of a descendant chart, depth first from the root: each person's families in
    the order of ``unions`` (``{person id: [{"family_id", "partner"}]}``; families with children
    in the chart but not in ``unions`` come last), each family's children by year of birth.
    A person met again (descendants married to each other) is drawn again without their
    families, and a family is shown with its children once. When the generations asked for
    need more than ``max_boxes`` boxes, as many whole generations as fit are drawn."""
    people = {p["id"]: p for p in chart["people"]}
    kids: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for link in chart["links"]:
        parent = link.get("parent_id")
        if parent is None:
            continue
        by_family = kids.setdefault(parent, {}).setdefault(link["family_id"], [])
        if all(c != link["person_id"] for c, _ in by_family):
            by_family.append((link["person_id"], link.get("pedigree") or "birth"))
    for family in (f for by_family in kids.values() for f in by_family.values()):
        family.sort(key=lambda c: _birth_key(people.get(c[0])))
    for shown in range(levels, 0, -1):
        try:
            units = _descendant_units(chart["root_id"], kids, unions, shown, max_boxes)
        except _TooMany:
            continue
        return Descendants(units, shown, shown < levels)
    return Descendants([Unit(chart["root_id"], 0, again=False)], 1, True)


def _descendant_units(
    root: str,
    kids: Mapping[str, Mapping[str, list[tuple[str, str]]]],
    unions: Mapping[str, Sequence[Mapping[str, Any]]],
    levels: int,
    max_boxes: int,
) -> list[Unit]:
    units: list[Unit] = []
    placed: set[str] = set()
    shown_families: set[str] = set()
    boxes = 0

    def unit(person: str, generation: int, pedigree: str | None) -> int:
        nonlocal boxes
        index = len(units)
        u = Unit(person, generation, pedigree=pedigree)
        units.append(u)
        boxes += 1
        if person in placed:
            u.again = True
            return index
        placed.add(person)
        families = [(f["family_id"], f.get("partner")) for f in unions.get(person, ())]
        known = {f for f, _ in families}
        families += [(f, None) for f in kids.get(person, {}) if f not in known]
        for family_id, partner in families:
            fam = Family(family_id, partner)
            u.families.append(fam)
            boxes += partner is not None
            if boxes > max_boxes:
                raise _TooMany
            if family_id in shown_families or generation + 1 >= levels:
                continue
            shown_families.add(family_id)
            for child, ped in kids.get(person, {}).get(family_id, []):
                fam.children.append(unit(child, generation + 1, ped))
        return index

    unit(root, 0, None)
    return units


DESCENDANT_BOX = (170.0, 50.0)
DESCENDANT_FONT = 12.0
PARTNER_GAP = 12.0
UNIT_GAP = 22.0
ROW_GAP = 64.0


def descendant_layout(units: Sequence[Unit]) -> Layout:
    """Descendants downwards: a row per generation, each person with the partners of their
    families to their right, the children of all their families centred below them, a family's
    children hanging from a line that joins the two partners."""
    if not units:
        return Layout([], [], 0, 0, (0, 0))
    w, h = DESCENDANT_BOX
    partners = [sum(f.partner is not None for f in u.families) for u in units]
    sizes = [w * (1 + k) + PARTNER_GAP * k for k in partners]
    children = [[c for f in u.families for c in f.children] for u in units]
    centres = tidy(sizes, children, 0, lambda _g: UNIT_GAP)
    boxes: list[Box] = []
    lines: list[Line] = []
    tops: list[Point] = []  # the top centre of each unit's own box
    own: list[Box] = []
    for i, u in enumerate(units):
        left = MARGIN + centres[i] - sizes[i] / 2
        y = MARGIN + u.generation * (h + ROW_GAP)
        me = Box(left, y, w, h, DESCENDANT_FONT, True, i, u.person)
        boxes.append(me)
        own.append(me)
        tops.append((left + w / 2, y))
        x = left + w + PARTNER_GAP
        for f in u.families:
            if f.partner is not None:
                boxes.append(
                    Box(x, y, w, h, DESCENDANT_FONT, True, i, str(f.partner["id"]), "partner")
                )
                x += w + PARTNER_GAP
    for i, u in enumerate(units):
        me = own[i]
        bottom = me.y + me.h
        my_x = me.x + me.w / 2
        partner_at = me.x + me.w + PARTNER_GAP
        with_kids = [f for f in u.families if f.children]
        for k, f in enumerate(u.families):
            drop_x = my_x
            bracket = bottom + 8 + 6 * min(k, 4)
            if f.partner is not None:
                other_x = partner_at + w / 2
                partner_at += w + PARTNER_GAP
                lines.append(
                    Line(
                        [(my_x, bottom), (my_x, bracket), (other_x, bracket), (other_x, bottom)],
                        "union",
                    )
                )
                # In the gap just before the partner, on this union's own line: under the
                # couple for the first family, never under another partner for the next ones.
                drop_x = other_x - w / 2 - PARTNER_GAP / 2
            if not f.children:
                continue
            rank = with_kids.index(f)
            bus = bottom + ROW_GAP - 14 - 6 * min(rank, 4)
            start = bracket if f.partner is not None else bottom
            lines.append(Line([(drop_x, start), (drop_x, bus)]))
            xs = [tops[c][0] for c in f.children]
            lines.append(Line([(min(drop_x, *xs), bus), (max(drop_x, *xs), bus)]))
            for c in f.children:
                cx, cy = tops[c]
                lines.append(Line([(cx, bus), (cx, cy)], pedigree=units[c].pedigree))
    width = max(b.x + b.w for b in boxes) + MARGIN
    height = max(b.y + b.h for b in boxes) + MARGIN
    root = own[0]
    return Layout(boxes, lines, width, height, (root.x + root.w / 2, root.y + root.h / 2))


# -- fan chart ----------------------------------------------------------------------------------------
ROOT_RADIUS = 84.0
INNER_RING = 74.0
"""The width of rings 1-3, whose names run along the arc."""
OUTER_RING = 124.0
"""The width of the outer rings, whose names run along the radius."""
TANGENTIAL_RINGS = 3


@dataclass
class Segment:
    """One ancestor's piece of the fan: between radii ``r0`` and ``r1`` and angles ``a0`` >
    ``a1`` (radians, counter-clockwise from the right; the father's side on the left), with
    where and how to write the name."""

    slot: int
    person: str
    generation: int
    r0: float
    r1: float
    a0: float
    a1: float
    text_at: Point
    rotate: float
    """Degrees, clockwise (SVG)."""
    length: float
    """Room for a line of text."""
    font: float
    two_lines: bool


@dataclass
class Fan:
    segments: list[Segment]
    width: float
    height: float
    centre: Point


def ring_radii(levels: int) -> list[float]:
    """The outer radius of each generation's ring (the root's half disc first)."""
    radii = [ROOT_RADIUS]
    for g in range(1, levels):
        radii.append(radii[-1] + (INNER_RING if g <= TANGENTIAL_RINGS else OUTER_RING))
    return radii


def span(number: int) -> tuple[float, float]:
    """The angles (a0, a1) of Ahnentafel position ``number``: generation g shares the half
    circle in 2^g equal parts, the father's side first (from the left)."""
    g = number.bit_length() - 1
    i = number - (1 << g)
    part = math.pi / (1 << g)
    return math.pi - i * part, math.pi - (i + 1) * part


def fan_layout(slots: Sequence[Slot], levels: int) -> Fan:
    """Ancestors as rings of a half circle around the root: each generation's ring shares the
    half circle among its 2^g positions, so a person's parents share exactly their arc."""
    radii = ring_radii(levels)
    outer = radii[-1]
    cx, cy = MARGIN + outer, MARGIN + outer
    segments: list[Segment] = []
    for i, s in enumerate(slots):
        g = s.generation
        if g >= levels:
            continue
        a0, a1 = span(s.number)
        r0 = 0.0 if g == 0 else radii[g - 1]
        r1 = radii[g]
        mid = (a0 + a1) / 2
        if g == 0:
            font = 13.0
            segments.append(
                Segment(
                    i, s.person, g, r0, r1, a0, a1, (cx, cy - r1 * 0.5), 0.0, r1 * 1.6, font, True
                )
            )
            continue
        rm = (r0 + r1) / 2
        arc = rm * (a0 - a1)
        depth = r1 - r0
        if g <= TANGENTIAL_RINGS:
            length, thickness = arc * 0.9, depth
            rotate = 90 - math.degrees(mid)
        else:
            length, thickness = depth * 0.9, arc
            deg = math.degrees(mid)
            rotate = -deg if deg <= 90 else 180 - deg
        font = max(5.0, min(13.0, thickness * 0.42))
        two = thickness >= font * 2.5
        if not two:
            font = max(5.0, min(font, thickness * 0.7))
        at = (cx + rm * math.cos(mid), cy - rm * math.sin(mid))
        segments.append(Segment(i, s.person, g, r0, r1, a0, a1, at, rotate, length, font, two))
    return Fan(segments, 2 * (outer + MARGIN), outer + 2 * MARGIN + 8, (cx, cy))


def polar(centre: Point, r: float, a: float) -> Point:
    """A point at radius r and angle a (counter-clockwise from the right) in SVG coordinates."""
    return centre[0] + r * math.cos(a), centre[1] - r * math.sin(a)
