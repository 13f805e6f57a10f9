"""A person's page and their change history, and the small JSON routes the person forms' script
uses (people by name for autocompletion, a genealogical date checked as it is typed).

The forms that change people, events and families are in person_forms.py and
family_pages.py (each with its own router, listed in routes.py).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from dzinza.api.http import platform_of
from dzinza.domain.dates import InvalidDate, format_date, parse_date
from dzinza.domain.errors import DzinzaError
from dzinza.services.common import Actor
from dzinza.services.platform import Platform
from dzinza.web.family_pages import SUGGESTIONS, life_of, people_named
from dzinza.web.forms import web_actor
from dzinza.web.i18n import N_, gettext
from dzinza.web.labels import (
    EVENT_LABELS,
    LIVING_LABELS,
    NAME_TYPE_LABELS,
    PEDIGREE_LABELS,
    SEX_LABELS,
    UNION_LABELS,
)
from dzinza.web.person_forms import (
    CONTRIBUTE,
    EDIT,
    is_placeholder,
    living_code,
    power_in,
    shared,
)
from dzinza.web.rendering import error_page, refusal_json, render, speak

router = APIRouter(include_in_schema=False)

HISTORY_PAGE = 25
Cursor = Annotated[str | None, Query(max_length=2000)]


# -- the person page -----------------------------------------------------------------------------
def _day(event: dict[str, Any]) -> tuple[int, int]:
    """Where an event goes on a timeline: by its earliest possible day, undated ones last."""
    span = event.get("date_range") or {}
    day = span.get("earliest") if span.get("earliest") is not None else span.get("latest")
    return (1, 0) if day is None else (0, int(day))


def timeline(person: dict[str, Any]) -> list[dict[str, Any]]:
    """The person's own events and facts and those of their families, in date order."""
    found = [e | {"family": None} for e in person["events"]]
    for family in person["families"]:
        found += [e | {"family": family} for e in family.get("events") or []]
    return sorted(found, key=_day)  # sorted() is stable: undated keep their recorded order


def siblings(p: Platform, actor: Actor, person: dict[str, Any]) -> list[dict[str, Any]]:
    """Brothers and sisters: the other children of the person's parent families, and (marked
    half) the children of their parents' other families. Each parent is read through the
    people service, so that whoever the reader may not see comes as the service's placeholder."""
    me = person["id"]
    mine = {f["family_id"] for f in person["parents"]}
    found: dict[str, dict[str, Any]] = {}

    def add(child: dict[str, Any], half: bool, via: dict[str, Any] | None) -> None:
        if child["id"] == me:
            return
        known = found.get(child["id"])
        if known is None or (known["half"] and not half):
            found[child["id"]] = child | {"half": half, "via": via}

    read: dict[str, dict[str, Any] | None] = {}
    for family in person["parents"]:
        if not family["parents"]:
            try:
                view = p.families.get(actor, uuid.UUID(family["family_id"]))
            except DzinzaError:
                continue
            for child in view["children"]:
                add(child, False, None)
            continue
        for parent in family["parents"]:
            if parent["id"] not in read:
                try:
                    read[parent["id"]] = p.people.get(actor, uuid.UUID(parent["id"]))
                except DzinzaError:
                    read[parent["id"]] = None
            seen = read[parent["id"]]
            for theirs in (seen or {}).get("families", []):
                shared_family = theirs["family_id"] in mine
                for child in theirs["children"]:
                    add(child, not shared_family, None if shared_family else parent)
    return list(found.values())


def media_of(p: Platform, actor: Actor, person: dict[str, Any]) -> list[dict[str, Any]]:
    """The person's photos and documents, each with a signed thumbnail link when its file is
    ready (the media service decides who may have which)."""
    items = []
    for item in person["media"]:
        thumb = None
        try:
            urls = p.media.file_links(actor, uuid.UUID(item["id"]))["urls"]
            chosen = urls.get("small") or urls.get("preview") or urls.get("medium")
            thumb = chosen["url"] if chosen else None
        except DzinzaError:
            pass
        items.append(item | {"thumb": thumb})
    return items


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, person_id: uuid.UUID) -> Response:
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        person = p.people.get(actor, person_id)
        tree = p.trees.get(actor, uuid.UUID(person["tree_id"]))
    except DzinzaError as exc:
        return error_page(request, exc)
    hidden = is_placeholder(person)
    power = power_in(actor, tree)
    context = shared(
        actor,
        tree,
        person=person,
        hidden=hidden,
        living=living_code(person["living"]),
        events=timeline(person),
        siblings=siblings(p, actor, person),
        media=[] if hidden else media_of(p, actor, person),
        can_change=power >= CONTRIBUTE and not hidden,
        can_read_history=power >= EDIT,
    )
    return render(request, "people/person.html", context)


# -- the change history --------------------------------------------------------------------------
KIND_NAMES = {
    "person": N_("the person"),
    "name": N_("a name"),
    "event": N_("an event"),
    "family": N_("a family"),
    "family_child": N_("a child's place in a family"),
    "note": N_("a note"),
    "note_link": N_("a note's link"),
    "media": N_("a photo or document"),
    "media_link": N_("a photo's or document's link"),
    "media_tag": N_("a tag on a photo"),
    "citation": N_("a citation"),
    "external_id": N_("an identifier from another program"),
}
ITEM_MESSAGES = {
    "insert": N_("Added %(record)s"),
    "update": N_("Changed %(record)s"),
    "delete": N_("Removed %(record)s"),
}
FIELD_NAMES = {
    "sex": N_("Sex"),
    "living": N_("Living"),
    "private": N_("Marked private"),
    "restriction": N_("Restriction"),
    "type": N_("Type"),
    "given": N_("Given names"),
    "surname": N_("Surname"),
    "prefix": N_("Prefix"),
    "suffix": N_("Suffix"),
    "nickname": N_("Nickname"),
    "title": N_("Title (of rank or respect)"),
    "label": N_("Label"),
    "date_text": N_("Date"),
    "description": N_("Description"),
    "value": N_("Value"),
    "union_type": N_("Union"),
    "pedigree": N_("Pedigree"),
    "text": N_("Text"),
    "page": N_("Page"),
}
LABEL_FIELDS = {
    "person": ("display_name",),
    "name": ("given", "surname"),
    "event": ("type", "date_text"),
    "note": ("text",),
    "media": ("title",),
    "citation": ("page",),
}
SHOWN_VALUES = {
    "sex": SEX_LABELS,
    "type": {**NAME_TYPE_LABELS, **EVENT_LABELS},
    "union_type": UNION_LABELS,
    "pedigree": PEDIGREE_LABELS,
}


def _shown(field: str, value: Any) -> str:
    """A value of a record's snapshot in the page's language."""
    if field == "living":
        return gettext(LIVING_LABELS[living_code(None if value is None else bool(value))])
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    labels = SHOWN_VALUES.get(field, {})
    if isinstance(value, str) and value in labels:
        return gettext(labels[value])
    text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def item_lines(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What one change did to the records of a person: a line per record, with the fields it
    changed (before and after)."""
    lines = []
    for item in items:
        kind = str(item["kind"])
        before, after = item.get("before") or {}, item.get("after") or {}
        snap = after or before
        label = " ".join(
            _shown(f, snap.get(f)) if f == "type" else str(snap.get(f))
            for f in LABEL_FIELDS.get(kind, ())
            if snap.get(f)
        )
        record = gettext(KIND_NAMES.get(kind, N_("a record")))
        message = gettext(ITEM_MESSAGES.get(str(item["op"]), ITEM_MESSAGES["update"]))
        fields = []
        if item["op"] == "update":
            for field, name in FIELD_NAMES.items():
                if field in before and before.get(field) != after.get(field):
                    fields.append(
                        {
                            "name": gettext(name),
                            "before": _shown(field, before.get(field)),
                            "after": _shown(field, after.get(field)),
                        }
                    )
        lines.append({"what": message % {"record": record}, "label": label, "fields": fields})
    return lines


@router.get("/people/{person_id}/history", response_class=HTMLResponse)
def person_history(request: Request, person_id: uuid.UUID, cursor: Cursor = None) -> Response:
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        person = p.people.get(actor, person_id)
        tree = p.trees.get(actor, uuid.UUID(person["tree_id"]))
        page = p.history.of_person(actor, person_id, cursor=cursor, limit=HISTORY_PAGE)
    except DzinzaError as exc:
        return error_page(request, exc)
    changes = [
        {
            "id": change["id"],
            "when": change["created_at"],
            "who": (change.get("user") or {}).get("email"),
            "reason": change.get("reason") or "",
            "undone": bool(change.get("undone_by")),
            "lines": item_lines(change.get("items") or []),
        }
        for change in page.items
    ]
    context = shared(
        actor,
        tree,
        person=person,
        changes=changes,
        next_cursor=page.next_cursor,
        paged=bool(cursor),
    )
    return render(request, "people/history.html", context)


# -- JSON for the page scripts -------------------------------------------------------------------
@router.get("/trees/{tree_id}/people/suggest")
def suggest_people(
    request: Request,
    tree_id: uuid.UUID,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    speak(request)
    """People of a tree whose names start with the words typed: [{id, label}] (the living
    only for readers who may see them, as every list)."""
    p, actor = platform_of(request), web_actor(request)
    try:
        found = people_named(p, actor, tree_id, q, limit=SUGGESTIONS)
    except DzinzaError as exc:
        return refusal_json(request, exc)
    answer = [
        {
            "id": person["id"],
            "label": f"{person['display_name']} ({life})"
            if (life := life_of(person))
            else person["display_name"],
        }
        for person in found
    ]
    return JSONResponse(answer, headers={"Cache-Control": "private, no-store"})


@router.get("/dates/check")
def check_date(value: Annotated[str, Query(max_length=120)] = "") -> Response:
    """Whether a genealogical date can be read, how it is stored, or what is wrong with it
    (the date parser's own message)."""
    if not value.strip():
        return JSONResponse({"valid": True, "date": "", "message": ""})
    try:
        parsed = parse_date(value)
    except InvalidDate as exc:
        return JSONResponse({"valid": False, "date": "", "message": str(exc)})
    return JSONResponse({"valid": True, "date": format_date(parsed), "message": ""})
