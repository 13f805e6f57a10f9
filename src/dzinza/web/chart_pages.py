"""Charts: pedigree, descendants, fan chart and the relationship path between two people.

The charts are SVG drawn here, on the server, from the graph service's (cached) chart data and
the positions ``chart_layout`` computes; static/js/charts.js only adds panning and zooming (the
page works without it, as a scrollable picture). The SVG is built as a list of strings joined
once, every text escaped, with classes for the looks (static/css/charts.css): no inline style,
no script.

The relationship page shows the shortest chain of family links between two people
(``KinshipPathService.path``), and picks the other person by name: a plain GET form, improved
by suggestions from ``/trees/{tree_id}/chart-people/suggest``.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup, escape

from dzinza.api.http import platform_of
from dzinza.domain.errors import DzinzaError, NotFound, ValidationFailed
from dzinza.domain.living import PLACEHOLDER_NAME
from dzinza.domain.names import fold
from dzinza.web import chart_layout as cl
from dzinza.web.forms import web_actor
from dzinza.web.i18n import N_, gettext, ngettext
from dzinza.web.rendering import error_page, refusal_json, render, speak

router = APIRouter(include_in_schema=False)

MIN_GENERATIONS = 2
GENERATIONS = {"pedigree": (5, 10), "descendants": (4, 8), "fan": (5, 8)}
"""Per chart: the default and the most generations (the root's counted)."""
MAX_DESCENDANT_BOXES = 1500
"""About as many boxes as a 10-generation pedigree: past it, fewer generations are drawn."""
SUGGESTIONS = 10
MATCHES = 20
MAX_QUERY = 100

CHART_NAMES = {
    "pedigree": N_("Ancestors"),
    "fan": N_("Fan chart"),
    "descendants": N_("Descendants"),
    "relationship": N_("Relationship"),
}
STEP_SENTENCES = {
    ("parent", "male"): N_("%(a)s is the father of %(b)s."),
    ("parent", "female"): N_("%(a)s is the mother of %(b)s."),
    ("parent", ""): N_("%(a)s is a parent of %(b)s."),
    ("child", "male"): N_("%(a)s is a son of %(b)s."),
    ("child", "female"): N_("%(a)s is a daughter of %(b)s."),
    ("child", ""): N_("%(a)s is a child of %(b)s."),
    ("partner", "male"): N_("%(a)s is the husband of %(b)s."),
    ("partner", "female"): N_("%(a)s is the wife of %(b)s."),
    ("partner", ""): N_("%(a)s is a partner of %(b)s."),
    ("sibling", "male"): N_("%(a)s is a brother of %(b)s."),
    ("sibling", "female"): N_("%(a)s is a sister of %(b)s."),
    ("sibling", ""): N_("%(a)s is a sibling of %(b)s."),
}
PEDIGREE_NAMES = {
    "adopted": N_("adopted"),
    "foster": N_("foster"),
    "step": N_("step"),
    "unknown": N_("link not known"),
}
SEXES = ("male", "female", "intersex")
CORNERS = {"male": 1, "female": 12, "intersex": 6}
TIMES = "\u00d7"
"""The multiplication sign, before how many times a person appears in a chart."""


# -- what every chart page shares -------------------------------------------------------------------
def placeholder(person: Mapping[str, Any]) -> bool:
    """A person the reader may not see (the services' "Private" stand-in)."""
    return bool(person.get("private")) and person.get("display_name") == PLACEHOLDER_NAME


def shown_name(person: Mapping[str, Any] | None) -> str:
    """A person's name in the page's language (the placeholder's "Private" translated)."""
    if person is None:
        return gettext("Unknown")
    if placeholder(person):
        return gettext("Private")
    return str(person.get("display_name") or gettext("Unknown"))


def sex_of(person: Mapping[str, Any]) -> str:
    sex = person.get("sex")
    return sex if sex in SEXES else "unknown"


def _levels(kind: str, raw: str | None) -> int:
    default, most = GENERATIONS[kind]
    if raw is None or raw == "":
        return default
    text = raw.strip()
    wanted = int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else 0
    if not MIN_GENERATIONS <= wanted <= most:
        message = gettext("Choose between %(low)d and %(high)d generations.") % {
            "low": MIN_GENERATIONS,
            "high": most,
        }
        raise ValidationFailed(message, errors=[{"field": "generations", "message": message}])
    return wanted


@dataclass
class Words:
    """The chart's words in the page's language, translated once per page (or per count)."""

    person_page: str
    appears: dict[int, str]

    @classmethod
    def now(cls) -> Words:
        return cls(gettext("Person page of %(name)s"), {})

    def repeat(self, name: str, count: int) -> str:
        sentence = self.appears.get(count)
        if sentence is None:
            sentence = self.appears[count] = ngettext(
                "%(name)s appears %(count)d time in this chart.",
                "%(name)s appears %(count)d times in this chart.",
                count,
            )
        return sentence % {"name": name, "count": count}


def _num(value: float) -> str:
    """A coordinate of a box chart: whole pixels (crisp lines, short pages)."""
    return str(round(value))


def _dec(value: float) -> str:
    """A size or a coordinate of the fan chart, to a tenth."""
    return f"{value:.1f}".removesuffix(".0")


def _path(points: Sequence[cl.Point]) -> str:
    """Lines as an SVG path, horizontal and vertical runs written as H and V."""
    (x0, y0), *rest = points
    parts = [f"M{_num(x0)} {_num(y0)}"]
    for x, y in rest:
        if round(y) == round(y0):
            parts.append(f"H{_num(x)}")
        elif round(x) == round(x0):
            parts.append(f"V{_num(y)}")
        else:
            parts.append(f"L{_num(x)} {_num(y)}")
        x0, y0 = x, y
    return "".join(parts)


def _svg_open(out: list[str], width: float, height: float, title: str, kind: str) -> None:
    w, h = _num(width), _num(height)
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-{kind}" '
        f'viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-labelledby="chart-title">'
        f'<title id="chart-title">{escape(title)}</title>'
    )


@dataclass(frozen=True)
class Shape:
    """The parts of a box that depend only on its size, sex and mark: drawn relative to the
    box's corner (each box is a group moved into place), so they are written once per page."""

    rect: str
    name: str
    years: str
    mark: str
    icon: str
    room: float


@functools.lru_cache(maxsize=512)
def _shape(w: float, h: float, font: float, two_lines: bool, sex: str, marked: bool) -> Shape:
    pad = 7.0
    icon = min(7.0, h / 2 - 2)
    cx, cy = w - icon - 3, icon + 3
    room = w - pad * 2 - icon * 2 - (16 if marked else 0)
    size = _dec(font)
    rect = f'<rect width="{_dec(w)}" height="{_dec(h)}" rx="{CORNERS.get(sex, 3)}"/>'
    if two_lines:
        name = f'<text class="name" x="{_dec(pad)}" y="{_dec(h * 0.44)}" font-size="{size}">'
        years = (
            f'<text class="years" x="{_dec(pad)}" y="{_dec(h * 0.44 + font * 1.25)}" '
            f'font-size="{_dec(font * 0.9)}">'
        )
    else:
        name = (
            f'<text class="name" x="{_dec(pad)}" y="{_dec(h / 2 + font * 0.35)}" '
            f'font-size="{size}">'
        )
        years = ""
    mark = (
        f'<text class="mark" x="{_dec(cx - icon - 4)}" y="{_dec(cy + 3)}" '
        f'font-size="{_dec(min(10.0, font))}" text-anchor="end" aria-hidden="true">'
    )
    circle = (
        f'<circle cx="{_dec(cx)}" cy="{_dec(cy)}" r="{_dec(icon)}"/>'
        f'<text x="{_dec(cx)}" y="{_dec(cy + icon * 0.45)}" font-size="{_dec(icon * 1.3)}" '
        f'text-anchor="middle" aria-hidden="true">i</text>'
    )
    return Shape(rect, name, years, mark, circle, room)


def _box(
    out: list[str],
    b: cl.Box,
    person: Mapping[str, Any],
    href: str,
    words: Words,
    *,
    count: int = 1,
    extra: str = "",
) -> None:
    """One person's box: a link (to their chart) around the box and their name and years, a
    small separate link to their page, and a mark when they appear more than once."""
    name = shown_name(person)
    sex = sex_of(person)
    classes = f"box sex-{sex}"
    if placeholder(person):
        classes += " private"
    if count > 1:
        classes += " repeat"
    if extra:
        classes += f" {extra}"
    lived = cl.years(person)
    full = name
    birth, death = person.get("birth"), person.get("death")
    if birth or death:
        full = f"{name}, {birth or ''} {cl.DASH} {death or ''}".rstrip()
    if count > 1:
        full = f"{full}. {words.repeat(name, count)}"
    shape = _shape(b.w, b.h, b.font, b.two_lines, sex, count > 1)
    if b.two_lines:
        text = f"{escape(cl.fit(name, shape.room, b.font))}</text>"
        if lived:
            text += f"{shape.years}{escape(lived)}</text>"
    else:
        shown = f"{name} ({lived})" if lived else name
        text = f"{escape(cl.fit(shown, shape.room, b.font))}</text>"
    mark = f"{shape.mark}{TIMES}{count}</text>" if count > 1 else ""
    page = escape(words.person_page % {"name": name})
    out.append(
        f'<g class="{classes}" transform="translate({_num(b.x)} {_num(b.y)})">'
        f'<a href="{href}" class="move"><title>{escape(full)}</title>{shape.rect}{shape.name}'
        f'{text}</a>{mark}<a href="/people/{escape(person["id"])}" class="page">'
        f"<title>{page}</title>{shape.icon}</a></g>"
    )


def _line_class(line: cl.Line) -> str:
    ped = line.pedigree if line.pedigree and line.pedigree != "birth" else ""
    return f"line {line.kind}" + (f" pedigree-{ped}" if ped else "")


def _lines(out: list[str], lines: Sequence[cl.Line]) -> None:
    out.append('<g class="lines" aria-hidden="true">')
    for line in lines:
        out.append(f'<path class="{_line_class(line)}" d="{_path(line.points)}"/>')
    out.append("</g>")


def _chart_href(kind: str, person_id: str, levels: int) -> str:
    return f"/people/{escape(person_id)}/{kind}?generations={levels}"


# -- the three charts as SVG ------------------------------------------------------------------------
def pedigree_svg(
    chart: Mapping[str, Any], levels: int, title: str, words: Words
) -> tuple[Markup, cl.Layout, list[cl.Slot]]:
    people = {p["id"]: p for p in chart["people"]}
    slots = cl.ancestor_slots(chart, levels)
    layout = cl.pedigree_layout(slots)
    out: list[str] = []
    _svg_open(out, layout.width, layout.height, title, "pedigree")
    _lines(out, layout.lines)
    out.append('<g class="boxes">')
    for b in layout.boxes:
        slot = slots[b.slot]
        person = people.get(b.person) or {"id": b.person, "display_name": ""}
        href = _chart_href("pedigree", b.person, levels)
        _box(out, b, person, href, words, count=slot.repeat, extra="root" if b.slot == 0 else "")
    out.append("</g></svg>")
    return Markup("".join(out)), layout, slots  # noqa: S704 (every text in it was escaped)


def descendants_svg(
    chart: Mapping[str, Any],
    unions: Mapping[str, Sequence[Mapping[str, Any]]],
    levels: int,
    title: str,
    words: Words,
) -> tuple[Markup, cl.Layout, cl.Descendants]:
    people = {p["id"]: p for p in chart["people"]}
    found = cl.descendant_units(chart, unions, levels, MAX_DESCENDANT_BOXES)
    layout = cl.descendant_layout(found.units)
    partners: dict[str, Mapping[str, Any]] = {}
    for u in found.units:
        for f in u.families:
            if f.partner is not None:
                partners[str(f.partner["id"])] = f.partner
    count: dict[str, int] = {}
    for b in layout.boxes:
        count[b.person] = count.get(b.person, 0) + 1
    out: list[str] = []
    _svg_open(out, layout.width, layout.height, title, "descendants")
    _lines(out, layout.lines)
    out.append('<g class="boxes">')
    for b in layout.boxes:
        person = people.get(b.person) or partners.get(b.person) or {"id": b.person}
        extra = "partner" if b.kind == "partner" else ("root" if b.slot == 0 else "")
        href = _chart_href("descendants", b.person, levels)
        _box(out, b, person, href, words, count=count[b.person], extra=extra)
    out.append("</g></svg>")
    return Markup("".join(out)), layout, found  # noqa: S704 (every text in it was escaped)


def _segment_path(centre: cl.Point, s: cl.Segment) -> str:
    if s.r0 == 0:
        left, right = cl.polar(centre, s.r1, s.a0), cl.polar(centre, s.r1, s.a1)
        r = _dec(s.r1)
        return f"M{_dec(left[0])} {_dec(left[1])}A{r} {r} 0 0 1 {_dec(right[0])} {_dec(right[1])}Z"
    p1, p2 = cl.polar(centre, s.r1, s.a0), cl.polar(centre, s.r1, s.a1)
    p3, p4 = cl.polar(centre, s.r0, s.a1), cl.polar(centre, s.r0, s.a0)
    big = 1 if s.a0 - s.a1 > 3.1416 else 0
    r1, r0 = _dec(s.r1), _dec(s.r0)
    return (
        f"M{_dec(p1[0])} {_dec(p1[1])}A{r1} {r1} 0 {big} 1 {_dec(p2[0])} {_dec(p2[1])}"
        f"L{_dec(p3[0])} {_dec(p3[1])}A{r0} {r0} 0 {big} 0 {_dec(p4[0])} {_dec(p4[1])}Z"
    )


def fan_svg(
    chart: Mapping[str, Any], levels: int, title: str, words: Words
) -> tuple[Markup, cl.Fan, list[cl.Slot]]:
    people = {p["id"]: p for p in chart["people"]}
    slots = cl.ancestor_slots(chart, levels)
    fan = cl.fan_layout(slots, levels)
    out: list[str] = []
    _svg_open(out, fan.width, fan.height, title, "fan")
    out.append('<g class="segments">')
    for s in fan.segments:
        slot = slots[s.slot]
        person = people.get(s.person) or {"id": s.person}
        name = shown_name(person)
        sex = sex_of(person)
        classes = f"segment sex-{sex}" + (" private" if placeholder(person) else "")
        if slot.repeat > 1:
            classes += " repeat"
        dates = f" {cl.DASH} ".join(x for x in (person.get("birth"), person.get("death")) if x)
        full = f"{name}, {dates}" if dates else name
        if slot.repeat > 1:
            full = f"{full}. {words.repeat(name, slot.repeat)}"
        if s.generation == 0:
            href = f"/people/{escape(s.person)}"
            full = f"{full}. {words.person_page % {'name': name}}"
        else:
            href = _chart_href("fan", s.person, levels)
        x, y = s.text_at
        label = cl.fit(name, s.length, s.font)
        if slot.repeat > 1:
            label = cl.fit(f"{name} {TIMES}{slot.repeat}", s.length, s.font)
        out.append(
            f'<g class="{classes}"><a href="{href}"><title>{escape(full)}</title>'
            f'<path d="{_segment_path(fan.centre, s)}"/>'
            f'<text transform="translate({_dec(x)} {_dec(y)}) rotate({_dec(s.rotate)})" '
            f'font-size="{_dec(s.font)}" text-anchor="middle">'
        )
        lived = cl.years(person)
        if s.two_lines and lived:
            out.append(
                f'<tspan class="name" x="0" dy="-0.2em">{escape(label)}</tspan>'
                f'<tspan class="years" x="0" dy="1.2em">{escape(lived)}</tspan>'
            )
        else:
            out.append(f'<tspan class="name" x="0" dy="0.35em">{escape(label)}</tspan>')
        out.append("</text></a></g>")
    out.append("</g></svg>")
    return Markup("".join(out)), fan, slots  # noqa: S704 (every text in it was escaped)


# -- the chart pages --------------------------------------------------------------------------------
def _chart_context(
    kind: str, anchor: Mapping[str, Any], levels: int, chart: Mapping[str, Any]
) -> dict[str, Any]:
    person = anchor["person"]
    _, most = GENERATIONS[kind]
    return {
        "kind": kind,
        "person": person,
        "name": shown_name(person),
        "hidden": placeholder(person),
        "tree": anchor["tree"],
        "levels": levels,
        "choices": list(range(MIN_GENERATIONS, most + 1)),
        "chart_names": CHART_NAMES,
        "truncated": bool(chart.get("truncated")),
    }


def _drawable(chart: Mapping[str, Any], levels: int) -> list[str]:
    """The people of a descendant chart in the generations that can be drawn: those whose
    count stays within the boxes a chart may have (their partners are counted later)."""
    per_generation: dict[int, list[str]] = {}
    for person in chart["people"]:
        per_generation.setdefault(int(person["generation"]), []).append(person["id"])
    chosen: list[str] = []
    for generation in range(levels):
        more = per_generation.get(generation, [])
        if chosen and len(chosen) + len(more) > MAX_DESCENDANT_BOXES:
            break
        chosen += more
    return chosen


def _chart_page(request: Request, kind: str, person_id: uuid.UUID, raw: str | None) -> Response:
    p, actor = platform_of(request), web_actor(request)
    speak(request)
    try:
        levels = _levels(kind, raw)
        anchor = p.kinship.anchor(actor, person_id)
        if kind == "descendants":
            chart = p.graph.descendants(actor, person_id, levels - 1)
            unions = p.kinship.unions(actor, person_id, _drawable(chart, levels))
        else:
            chart = p.graph.pedigree(actor, person_id, levels - 1)
    except DzinzaError as exc:
        return error_page(request, exc)
    words = Words.now()
    context = _chart_context(kind, anchor, levels, chart)
    name = context["name"]
    if kind == "pedigree":
        title = gettext("Ancestors of %(name)s") % {"name": name}
        svg, layout, slots = pedigree_svg(chart, levels, title, words)
        context |= {
            "svg": svg,
            "focus": layout.focus,
            "anchor": "left",
            "shown": len(slots),
            "collapse": any(s.repeat > 1 for s in slots),
        }
    elif kind == "fan":
        title = gettext("Fan chart of %(name)s") % {"name": name}
        svg, fan, slots = fan_svg(chart, levels, title, words)
        context |= {
            "svg": svg,
            "focus": fan.centre,
            "anchor": "fit",
            "shown": len(slots),
            "collapse": any(s.repeat > 1 for s in slots),
        }
    else:
        title = gettext("Descendants of %(name)s") % {"name": name}
        svg, layout, found = descendants_svg(chart, unions, levels, title, words)
        context |= {
            "svg": svg,
            "focus": layout.focus,
            "anchor": "top",
            "shown": len(layout.boxes),
            "collapse": any(u.again for u in found.units),
            "truncated": context["truncated"],
            "fewer": found.levels if found.truncated else None,
        }
    context["title"] = title
    return render(request, f"charts/{kind}.html", context)


@router.get("/people/{person_id}/pedigree", response_class=HTMLResponse)
def pedigree_page(
    request: Request, person_id: uuid.UUID, generations: str | None = None
) -> Response:
    return _chart_page(request, "pedigree", person_id, generations)


@router.get("/people/{person_id}/descendants", response_class=HTMLResponse)
def descendants_page(
    request: Request, person_id: uuid.UUID, generations: str | None = None
) -> Response:
    return _chart_page(request, "descendants", person_id, generations)


@router.get("/people/{person_id}/fan", response_class=HTMLResponse)
def fan_page(request: Request, person_id: uuid.UUID, generations: str | None = None) -> Response:
    return _chart_page(request, "fan", person_id, generations)


# -- the relationship path --------------------------------------------------------------------------
def _link(person: Mapping[str, Any]) -> Markup:
    name = escape(shown_name(person))
    if placeholder(person):
        return Markup('<a class="private" href="/people/{}">{}</a>').format(person["id"], name)
    return Markup('<a href="/people/{}">{}</a>').format(person["id"], name)


def describe_steps(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each step of a path as a sentence in the page's language ("A is the father of B."),
    by the first person's sex when known, else neutral."""
    people = result["people"]
    described = []
    for i, step in enumerate(result["steps"]):
        a, b = people[i], people[i + 1]
        sex = sex_of(a) if sex_of(a) in ("male", "female") else ""
        sentence = escape(gettext(STEP_SENTENCES[(step["relation"], sex)])) % {
            "a": _link(a),
            "b": _link(b),
        }
        ped = step.get("pedigree")
        note = PEDIGREE_NAMES.get(ped) if step["relation"] != "partner" and ped else None
        described.append({"sentence": sentence, "note": note, "relation": step["relation"]})
    return described


def _label(person: Mapping[str, Any]) -> str:
    lived = cl.years(person)
    return f"{shown_name(person)} ({lived})" if lived else shown_name(person)


_LIFESPAN = re.compile(r"\s*\([^()]*\)\s*$")


def _clean_query(raw: str | None) -> str:
    text = "".join(ch for ch in (raw or "") if ch.isprintable())
    return " ".join(text.split())[:MAX_QUERY]


def _matches(request: Request, tree_id: uuid.UUID, query: str, limit: int) -> list[dict[str, Any]]:
    """People of the tree whose names start with the words of ``query`` (the people service's
    name filter reads one word: the longest; the others filter what it found)."""
    # A suggestion's label ("Rudo Moyo (1910 - 1980)") sent without its id: the name part.
    words = [w for w in fold(_LIFESPAN.sub("", query)).split() if any(c.isalpha() for c in w)]
    if not words:
        return []
    p, actor = platform_of(request), web_actor(request)
    longest = max(words, key=len)
    found = p.people.list(actor, tree_id, name=longest, limit=max(limit * 3, 30)).items
    if len(words) > 1:
        others = [w for w in words if w != longest]
        narrowed = [
            item
            for item in found
            if all(
                any(n.startswith(w) for n in fold(str(item["display_name"])).split())
                for w in others
            )
        ]
        found = narrowed or found
    return found[:limit]


@router.get("/trees/{tree_id}/chart-people/suggest")
def suggest(request: Request, tree_id: uuid.UUID, q: str | None = None) -> Response:
    """People of a tree by name for the relationship form: ``[{id, label}]``."""
    speak(request)
    query = _clean_query(q)
    if len(query) < 2:
        return JSONResponse([])
    try:
        found = _matches(request, tree_id, query, SUGGESTIONS)
    except DzinzaError as exc:
        return refusal_json(request, exc)
    return JSONResponse(
        [{"id": item["id"], "label": _label(item)} for item in found],
        headers={"Cache-Control": "no-store"},
    )


@router.get("/people/{person_id}/relationship", response_class=HTMLResponse)
def relationship_page(
    request: Request, person_id: uuid.UUID, other: str | None = None, q: str | None = None
) -> Response:
    p, actor = platform_of(request), web_actor(request)
    speak(request)
    query = _clean_query(q)
    result: dict[str, Any] | None = None
    matches: list[dict[str, Any]] | None = None
    try:
        anchor = p.kinship.anchor(actor, person_id)
        if placeholder(anchor["person"]):
            raise NotFound(gettext("There is no such person, or you may not see them."))
        tree_id = uuid.UUID(anchor["tree"]["id"])
        if other:
            try:
                other_id = uuid.UUID(other.strip())
            except ValueError:
                message = gettext("Choose the other person from the list.")
                raise ValidationFailed(message) from None
            result = p.kinship.path(actor, person_id, other_id)
            query = query or shown_name(result["to"])
        elif query:
            found = _matches(request, tree_id, query, MATCHES + 1)
            matches = [m for m in found if m["id"] != str(person_id)][:MATCHES]
    except DzinzaError as exc:
        return error_page(request, exc)
    person = anchor["person"]
    context: dict[str, Any] = {
        "kind": "relationship",
        "chart_names": CHART_NAMES,
        "person": person,
        "name": shown_name(person),
        "tree": anchor["tree"],
        "levels": None,
        "query": query,
        "matches": [
            m
            | {
                "label": _label(m),
                "href": f"/people/{person_id}/relationship?{urlencode({'other': m['id']})}",
            }
            for m in matches or []
        ],
        "searched": matches is not None,
        "result": result,
        "suggest_url": f"/trees/{anchor['tree']['id']}/chart-people/suggest",
    }
    if result is not None:
        context |= {
            "other_name": shown_name(result["to"]),
            "steps": describe_steps(result) if result["found"] else [],
            "path_people": [
                p_ | {"shown": shown_name(p_), "hidden": placeholder(p_), "years": cl.years(p_)}
                for p_ in result["people"]
            ],
            "ancestors": [_link(a) for a in result["common_ancestors"]],
        }
    return render(request, "charts/relationship.html", context)
