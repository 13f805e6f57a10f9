"""The forms that add, change and delete people and their events, and what the person pages
share: the words of the data model in the reader's language, the reader's standing in a tree,
reading form fields, places by name.

Every change goes through the services with the version (ETag) the form was loaded at: a
record changed by someone else since is refused (412) and the form comes back with what is
saved now beside what the user typed.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from dzinza.api.http import platform_of
from dzinza.domain.errors import (
    AuthenticationRequired,
    DzinzaError,
    Forbidden,
    PreconditionFailed,
    ValidationFailed,
)
from dzinza.domain.living import PLACEHOLDER_NAME
from dzinza.domain.vocabulary import (
    EVENT_TYPES,
    EventScope,
    Role,
)
from dzinza.services.common import Actor, encode_cursor, etag_of
from dzinza.services.events import parse_event_date
from dzinza.services.platform import Platform
from dzinza.web.forms import Form, csrf_ok, safe_next, web_actor
from dzinza.web.i18n import N_, gettext, number
from dzinza.web.labels import (
    EVENT_LABELS,
    LIVING_LABELS,
    LIVING_VALUES,
    NAME_TYPE_LABELS,
    PEDIGREE_LABELS,
    SEX_LABELS,
    UNION_LABELS,
)
from dzinza.web.rendering import error_page, expired_form, render, see_other, speak

router = APIRouter(include_in_schema=False)

# The words of the data model: labels.py (one list for every page).
DATE_HINT = N_(
    "A date as genealogists write it: 14 MAR 1931, MAR 1931, 1931, ABT 1890 (about), "
    "BEF 1900 (before), AFT 1900 (after), BET 1890 AND 1895 (between)."
)


def vocabulary() -> dict[str, Any]:
    """The labels every person template shows (translated there, with ``_()``)."""
    return {
        "sex_labels": SEX_LABELS,
        "living_labels": LIVING_LABELS,
        "name_type_labels": NAME_TYPE_LABELS,
        "union_labels": UNION_LABELS,
        "pedigree_labels": PEDIGREE_LABELS,
        "event_labels": EVENT_LABELS,
        "date_hint": DATE_HINT,
    }


def event_types(owner: str) -> list[str]:
    """The event types a person (or a family) may have, in the order of the model."""
    return [
        key
        for key, kind in EVENT_TYPES.items()
        if kind.scope in (EventScope.BOTH, EventScope(owner)) and key in EVENT_LABELS
    ]


def living_code(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


# -- the reader's standing -----------------------------------------------------------------------
READ, CONTRIBUTE, EDIT = 1, 2, 3
POWER = {role.value: rank for rank, role in enumerate(Role, start=1)}


def power_in(actor: Actor, tree: dict[str, Any]) -> int:
    """What the reader may be offered in a tree (0: a guest); the services check again."""
    if actor.is_admin:
        return len(POWER)
    return POWER.get(tree.get("my_role") or "", 0)


def require(actor: Actor, tree: dict[str, Any], need: int = CONTRIBUTE) -> None:
    """Refuses a form to a reader who may see the tree but not change it."""
    if power_in(actor, tree) >= need:
        return
    if actor.anonymous:
        raise AuthenticationRequired(gettext("Sign in to change this tree."))
    raise Forbidden(gettext("Your role in this tree does not allow this change."))


def is_placeholder(person: dict[str, Any]) -> bool:
    """A person this reader may not see, as the services show them ("Private", no details)."""
    return (
        bool(person.get("private"))
        and not person.get("names")
        and (person.get("display_name") == PLACEHOLDER_NAME)
    )


def person_and_tree(
    p: Platform, actor: Actor, person_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any]]:
    person = p.people.get(actor, person_id)
    return person, p.trees.get(actor, uuid.UUID(person["tree_id"]))


# -- reading forms -------------------------------------------------------------------------------
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LIMITS = {"name": 200, "date": 120, "place": 200, "label": 120, "text": 1000, "note": 100_000}


def text_of(form: dict[str, str], key: str, errors: dict[str, str], limit: str = "name") -> str:
    """A text field, trimmed; its error noted if it is too long or holds control characters."""
    value = form.get(key, "").replace("\r\n", "\n").strip()  # browsers send CRLF line ends
    most = LIMITS[limit]
    if len(value) > most:
        errors[key] = gettext("At most %(count)s characters.") % {"count": number(most)}
    elif CONTROL.search(value):
        errors[key] = gettext("This text contains a character that cannot be stored.")
    return value


def choice_of(form: dict[str, str], key: str, choices: dict[str, str], default: str) -> str:
    value = form.get(key, default)
    return value if value in choices else default


def check_date(value: str, field: str, errors: dict[str, str]) -> None:
    """The date parser's own message under the field, for a date that is not one."""
    if not value or field in errors:
        return
    try:
        parse_event_date(value, field)
    except ValidationFailed as exc:
        errors[field] = str(exc.errors[0]["message"]) if exc.errors else exc.detail


def field_errors(exc: DzinzaError) -> dict[str, str]:
    return {str(e.get("field")): str(e.get("message")) for e in exc.errors if e.get("field")}


def uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def place_id_for(p: Platform, actor: Actor, tree_id: uuid.UUID, name: str) -> uuid.UUID | None:
    """The tree's place of this name, made if the tree has none yet (None: no place)."""
    if not name:
        return None
    # Places are listed by name: a page starting at this name holds it if it exists.
    start = encode_cursor("name", [name, str(uuid.UUID(int=0))])
    page = p.places.list(actor, tree_id, sort="name", cursor=start, limit=5)
    for place in page.items:
        if str(place.get("name", "")).casefold() == name.casefold():
            return uuid.UUID(str(place["id"]))
    made = p.places.create(actor, tree_id, {"name": name})
    return uuid.UUID(str(made["id"]))


def shared(actor: Actor, tree: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What every template of this area gets."""
    return {**vocabulary(), "tree": tree, "power": power_in(actor, tree), **extra}


# -- adding a person -----------------------------------------------------------------------------
NEW_PERSON_FIELDS = (
    "given",
    "surname",
    "sex",
    "living",
    "birth_date",
    "birth_place",
    "death_date",
    "death_place",
)


def _new_person_page(
    request: Request,
    tree: dict[str, Any],
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    actor = web_actor(request)
    context = shared(actor, tree, values=values, errors=errors or {}, error=error)
    return render(request, "people/new.html", context, status=status)


@router.get("/trees/{tree_id}/people/new", response_class=HTMLResponse)
def new_person_page(request: Request, tree_id: uuid.UUID) -> Response:
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        tree = p.trees.get(actor, tree_id)
        require(actor, tree)
    except DzinzaError as exc:
        return error_page(request, exc)
    values = dict.fromkeys(NEW_PERSON_FIELDS, "") | {"sex": "unknown", "living": "unknown"}
    return _new_person_page(request, tree, values)


@router.post("/trees/{tree_id}/people/new", response_class=HTMLResponse)
def create_person(request: Request, tree_id: uuid.UUID, form: Form) -> Response:
    speak(request)
    if not csrf_ok(request, form.get("csrf")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        tree = p.trees.get(actor, tree_id)
        require(actor, tree)
    except DzinzaError as exc:
        return error_page(request, exc)
    errors: dict[str, str] = {}
    values = {
        "given": text_of(form, "given", errors),
        "surname": text_of(form, "surname", errors),
        "sex": choice_of(form, "sex", SEX_LABELS, "unknown"),
        "living": choice_of(form, "living", LIVING_LABELS, "unknown"),
    }
    for event in ("birth", "death"):
        values[f"{event}_date"] = text_of(form, f"{event}_date", errors, "date")
        values[f"{event}_place"] = text_of(form, f"{event}_place", errors, "place")
        check_date(values[f"{event}_date"], f"{event}_date", errors)
    if not values["given"] and not values["surname"] and "given" not in errors:
        errors["given"] = gettext("Give a given name or a surname (or both).")
    if errors:
        message = gettext("Some fields need your attention.")
        return _new_person_page(request, tree, values, errors, message, 422)
    try:
        events = []
        for event in ("birth", "death"):
            date, place = values[f"{event}_date"], values[f"{event}_place"]
            if date or place:
                place_id = place_id_for(p, actor, tree_id, place)
                events.append({"type": event, "date": date or None, "place_id": place_id})
        person = p.people.create(
            actor,
            tree_id,
            {
                "sex": values["sex"],
                "living": LIVING_VALUES[values["living"]],
                "names": [
                    {"type": "birth", "given": values["given"], "surname": values["surname"]}
                ],
                "events": events,
            },
        )
    except DzinzaError as exc:
        return _new_person_page(request, tree, values, field_errors(exc), exc.detail, exc.status)
    return see_other(f"/people/{person['id']}")


# -- editing a person ----------------------------------------------------------------------------
NAME_PARTS = ("given", "surname", "prefix", "suffix", "nickname", "title")
MAX_NAMES = 50
MAX_NOTES = 100


def _person_values(person: dict[str, Any]) -> dict[str, Any]:
    """A person as the edit form shows it."""
    return {
        "sex": person["sex"],
        "living": living_code(person["living"]),
        "names": [
            {"type": n["type"], **{k: n.get(k) or "" for k in NAME_PARTS}} for n in person["names"]
        ],
        "notes": [{"id": n["id"], "text": n["text"], "remove": False} for n in person["notes"]],
        "new_note": "",
    }


def _posted_person(
    form: dict[str, str], person: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    """The edit form's values as posted (name rows left blank or marked removed are dropped)."""
    names = []
    for i in range(MAX_NAMES):
        if f"names-{i}-type" not in form:
            continue
        row = {"type": choice_of(form, f"names-{i}-type", NAME_TYPE_LABELS, "birth")}
        row |= {k: text_of(form, f"names-{i}-{k}", errors) for k in NAME_PARTS}
        if form.get(f"names-{i}-remove") or not any(row[k] for k in NAME_PARTS):
            continue
        names.append(row)
    notes = []
    for note in person["notes"][:MAX_NOTES]:
        key = f"note-{note['id']}"
        if key in form:
            text = text_of(form, key, errors, "note")
            notes.append(
                {"id": note["id"], "text": text, "remove": bool(form.get(f"{key}-remove"))}
            )
    return {
        "sex": choice_of(form, "sex", SEX_LABELS, person["sex"]),
        "living": choice_of(form, "living", LIVING_LABELS, living_code(person["living"])),
        "names": names,
        "notes": notes,
        "new_note": text_of(form, "new_note", errors, "note"),
    }


def _edit_page(
    request: Request,
    person: dict[str, Any],
    tree: dict[str, Any],
    values: dict[str, Any],
    *,
    saved: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    """The edit form; ``person`` is the record as saved now, whose version the form carries
    (after a conflict, ``saved`` shows its values beside the user's)."""
    actor = web_actor(request)
    context = shared(
        actor,
        tree,
        person=person,
        version=etag_of(person),
        values=values,
        saved=saved,
        errors=errors or {},
        error=error,
        blank_name={"type": "aka" if values["names"] else "birth", **dict.fromkeys(NAME_PARTS, "")},
    )
    return render(request, "people/edit.html", context, status=status)


def _editable_person(
    request: Request, person_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any]]:
    p, actor = platform_of(request), web_actor(request)
    person, tree = person_and_tree(p, actor, person_id)
    require(actor, tree)
    if is_placeholder(person):
        # A placeholder: this reader may not see (so not change) the person.
        raise Forbidden(gettext("You may not change this person."))
    return person, tree


@router.get("/people/{person_id}/edit", response_class=HTMLResponse)
def edit_person_page(request: Request, person_id: uuid.UUID) -> Response:
    speak(request)
    try:
        person, tree = _editable_person(request, person_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    return _edit_page(request, person, tree, _person_values(person))


def _name_key(name: dict[str, Any]) -> tuple[str, ...]:
    return (name["type"], *(name.get(k) or "" for k in NAME_PARTS))


@router.post("/people/{person_id}/edit", response_class=HTMLResponse)
def save_person(request: Request, person_id: uuid.UUID, form: Form) -> Response:
    speak(request)
    if not csrf_ok(request, form.get("csrf")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        person, tree = _editable_person(request, person_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    errors: dict[str, str] = {}
    values = _posted_person(form, person, errors)
    version = form.get("version", "")
    if version != etag_of(person):
        return _person_conflict(request, person, tree, values)
    if errors:
        message = gettext("Some fields need your attention.")
        return _edit_page(request, person, tree, values, errors=errors, error=message, status=422)
    changes: dict[str, Any] = {}
    if values["sex"] != person["sex"]:
        changes["sex"] = values["sex"]
    if values["living"] != living_code(person["living"]):
        changes["living"] = LIVING_VALUES[values["living"]]
    if [_name_key(n) for n in values["names"]] != [_name_key(n) for n in person["names"]]:
        changes["names"] = values["names"]
    try:
        if changes:
            p.people.update(actor, person_id, changes, version)
        _save_notes(p, actor, person, values)
    except PreconditionFailed:
        fresh, tree = person_and_tree(p, actor, person_id)
        return _person_conflict(request, fresh, tree, values)
    except DzinzaError as exc:
        fresh, tree = person_and_tree(p, actor, person_id)
        return _edit_page(
            request,
            fresh,
            tree,
            values,
            errors=field_errors(exc),
            error=exc.detail,
            status=exc.status,
        )
    return see_other(f"/people/{person_id}")


def _save_notes(p: Platform, actor: Actor, person: dict[str, Any], values: dict[str, Any]) -> None:
    """Notes changed, removed from the person (ticked, or emptied: the note itself stays in
    the tree) or added."""
    before = {n["id"]: n["text"] for n in person["notes"]}
    person_id = uuid.UUID(person["id"])
    for note in values["notes"]:
        note_id = uuid.UUID(note["id"])
        if note["remove"] or not note["text"]:
            p.notes.unlink(actor, note_id, "person", person_id)
        elif note["text"] != str(before.get(note["id"]) or "").strip():
            p.notes.update(actor, note_id, {"text": note["text"]}, None)
    if values["new_note"]:
        target = {"type": "person", "id": person_id}
        p.notes.create(
            actor, uuid.UUID(person["tree_id"]), {"text": values["new_note"], "targets": [target]}
        )


def _person_conflict(
    request: Request, person: dict[str, Any], tree: dict[str, Any], values: dict[str, Any]
) -> Response:
    speak(request)
    message = gettext(
        "Someone else changed this person while you were editing. What is saved now is shown "
        "beside your changes, which are still in the form: check them and save again to "
        "replace the saved values."
    )
    saved = _person_values(person)
    return _edit_page(request, person, tree, values, saved=saved, error=message, status=412)


# -- deleting a person ---------------------------------------------------------------------------
@router.get("/people/{person_id}/delete", response_class=HTMLResponse)
def delete_person_page(request: Request, person_id: uuid.UUID) -> Response:
    speak(request)
    try:
        person, tree = _editable_person(request, person_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    return _delete_page(request, person, tree)


def _delete_page(
    request: Request,
    person: dict[str, Any],
    tree: dict[str, Any],
    error: str = "",
    status: int = 200,
) -> Response:
    actor = web_actor(request)
    families = len(person["parents"]) + len(person["families"])
    context = shared(
        actor,
        tree,
        person=person,
        version=etag_of(person),
        families=families,
        error=error,
    )
    return render(request, "people/delete.html", context, status=status)


@router.post("/people/{person_id}/delete", response_class=HTMLResponse)
def delete_person(request: Request, person_id: uuid.UUID, form: Form) -> Response:
    speak(request)
    if not csrf_ok(request, form.get("csrf")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        _person, tree = _editable_person(request, person_id)
        p.people.delete(actor, person_id, form.get("version") or "")
    except PreconditionFailed:
        fresh, tree = person_and_tree(p, actor, person_id)
        message = gettext(
            "Someone else changed this person since you opened this page. Check what is "
            "saved now below before you delete."
        )
        return _delete_page(request, fresh, tree, message, 412)
    except DzinzaError as exc:
        return error_page(request, exc)
    return see_other(f"/trees/{tree['id']}/people")


# -- events --------------------------------------------------------------------------------------
EVENT_FIELDS = ("type", "label", "date", "place", "description", "value")


def _event_values(event: dict[str, Any]) -> dict[str, str]:
    place = event.get("place") or {}
    return {
        "type": event["type"],
        "label": event.get("label") or "",
        "date": event.get("date") or "",
        "place": place.get("name") or "",
        "description": event.get("description") or "",
        "value": event.get("value") or "",
    }


def _posted_event(form: dict[str, str], owner: str, errors: dict[str, str]) -> dict[str, str]:
    types = event_types(owner)
    kind = form.get("type", "")
    values = {
        "type": kind if kind in types else "",
        "label": text_of(form, "label", errors, "label"),
        "date": text_of(form, "date", errors, "date"),
        "place": text_of(form, "place", errors, "place"),
        "description": text_of(form, "description", errors, "text"),
        "value": text_of(form, "value", errors, "text"),
    }
    if not values["type"]:
        errors["type"] = gettext("Choose what kind of event or fact this is.")
    check_date(values["date"], "date", errors)
    return values


def _event_page(
    request: Request,
    tree: dict[str, Any],
    owner: dict[str, Any],
    values: dict[str, str],
    *,
    event: dict[str, Any] | None = None,
    saved: dict[str, str] | None = None,
    back: str,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    """The event form: ``owner`` is {kind, id, name} of the person or family it belongs to;
    ``event`` the saved event when editing (its version goes with the form)."""
    actor = web_actor(request)
    context = shared(
        actor,
        tree,
        owner=owner,
        event=event,
        version=etag_of(event) if event is not None else "",
        types=event_types(owner["kind"]),
        values=values,
        saved=saved,
        back=back,
        errors=errors or {},
        error=error,
    )
    return render(request, "people/event.html", context, status=status)


def family_name(family: dict[str, Any]) -> str:
    names = [x["display_name"] for x in (family.get("partner1"), family.get("partner2")) if x]
    if not names:
        return gettext("A family with no partners recorded")
    if len(names) == 1:
        return gettext("The family of %(name)s") % {"name": names[0]}
    return gettext("%(first)s and %(second)s") % {"first": names[0], "second": names[1]}


def _owner_of(
    p: Platform, actor: Actor, kind: str, owner_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The person or family an event belongs to, as {kind, id, name}, its tree, and the page
    to go back to."""
    if kind == "person":
        person, tree = person_and_tree(p, actor, owner_id)
        owner = {"kind": "person", "id": person["id"], "name": person["display_name"]}
        return owner, tree, f"/people/{person['id']}"
    family = p.families.get(actor, owner_id)
    tree = p.trees.get(actor, uuid.UUID(family["tree_id"]))
    owner = {"kind": "family", "id": family["id"], "name": family_name(family)}
    first = family.get("partner1") or family.get("partner2")
    back = f"/people/{first['id']}" if first else f"/families/{family['id']}/edit"
    return owner, tree, back


@router.get("/people/{person_id}/events/new", response_class=HTMLResponse)
def new_person_event_page(request: Request, person_id: uuid.UUID) -> Response:
    speak(request)
    return _new_event_page(request, "person", person_id)


@router.get("/families/{family_id}/events/new", response_class=HTMLResponse)
def new_family_event_page(request: Request, family_id: uuid.UUID, next: str = "") -> Response:
    speak(request)
    return _new_event_page(request, "family", family_id, next)


def _new_event_page(request: Request, kind: str, owner_id: uuid.UUID, next: str = "") -> Response:
    p, actor = platform_of(request), web_actor(request)
    try:
        owner, tree, back = _owner_of(p, actor, kind, owner_id)
        require(actor, tree)
    except DzinzaError as exc:
        return error_page(request, exc)
    values = dict.fromkeys(EVENT_FIELDS, "")
    return _event_page(request, tree, owner, values, back=safe_next(next, back))


@router.post("/people/{person_id}/events/new", response_class=HTMLResponse)
def create_person_event(request: Request, person_id: uuid.UUID, form: Form) -> Response:
    speak(request)
    return _create_event(request, "person", person_id, form)


@router.post("/families/{family_id}/events/new", response_class=HTMLResponse)
def create_family_event(request: Request, family_id: uuid.UUID, form: Form) -> Response:
    speak(request)
    return _create_event(request, "family", family_id, form)


def _create_event(
    request: Request, kind: str, owner_id: uuid.UUID, form: dict[str, str]
) -> Response:
    if not csrf_ok(request, form.get("csrf")):
        return expired_form(request)
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        owner, tree, back = _owner_of(p, actor, kind, owner_id)
        require(actor, tree)
    except DzinzaError as exc:
        return error_page(request, exc)
    back = safe_next(form.get("next"), back)
    errors: dict[str, str] = {}
    values = _posted_event(form, kind, errors)
    if errors:
        message = gettext("Some fields need your attention.")
        return _event_page(
            request, tree, owner, values, back=back, errors=errors, error=message, status=422
        )
    tree_id = uuid.UUID(tree["id"])
    try:
        place_id = place_id_for(p, actor, tree_id, values["place"])
        data = {k: values[k] or None for k in ("type", "label", "date", "description", "value")}
        p.events.create(actor, tree_id, data | {"place_id": place_id, f"{kind}_id": owner_id})
    except DzinzaError as exc:
        return _event_page(
            request,
            tree,
            owner,
            values,
            back=back,
            errors=field_errors(exc),
            error=exc.detail,
            status=exc.status,
        )
    return see_other(back)


def _event_and_owner(
    p: Platform, actor: Actor, event_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]:
    event = p.events.get(actor, event_id)
    if event.get("person_id"):
        owner, tree, back = _owner_of(p, actor, "person", uuid.UUID(event["person_id"]))
    else:
        owner, tree, back = _owner_of(p, actor, "family", uuid.UUID(event["family_id"]))
    require(actor, tree)
    return event, owner, tree, back


@router.get("/events/{event_id}/edit", response_class=HTMLResponse)
def edit_event_page(request: Request, event_id: uuid.UUID, next: str = "") -> Response:
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        event, owner, tree, back = _event_and_owner(p, actor, event_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    values = _event_values(event)
    return _event_page(request, tree, owner, values, event=event, back=safe_next(next, back))


@router.post("/events/{event_id}/edit", response_class=HTMLResponse)
def save_event(request: Request, event_id: uuid.UUID, form: Form) -> Response:
    speak(request)
    if not csrf_ok(request, form.get("csrf")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        event, owner, tree, back = _event_and_owner(p, actor, event_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    back = safe_next(form.get("next"), back)
    errors: dict[str, str] = {}
    values = _posted_event(form, owner["kind"], errors)
    version = form.get("version", "")

    def again(fresh: dict[str, Any], status: int, message: str, **kw: Any) -> Response:
        return _event_page(
            request, tree, owner, values, event=fresh, back=back, error=message, status=status, **kw
        )

    if version != etag_of(event):
        return again(event, 412, _event_conflict(), saved=_event_values(event))
    if errors:
        return again(event, 422, gettext("Some fields need your attention."), errors=errors)
    try:
        before = _event_values(event)
        place = event.get("place") or {}
        if values["place"] == before["place"]:
            place_id = uuid_or_none(place.get("id"))
        else:
            place_id = place_id_for(p, actor, uuid.UUID(tree["id"]), values["place"])
        data = {k: values[k] or None for k in ("type", "label", "date", "description", "value")}
        p.events.update(actor, event_id, data | {"place_id": place_id}, version)
    except PreconditionFailed:
        fresh = p.events.get(actor, event_id)
        return again(fresh, 412, _event_conflict(), saved=_event_values(fresh))
    except DzinzaError as exc:
        return again(event, exc.status, exc.detail, errors=field_errors(exc))
    return see_other(back)


def _event_conflict() -> str:
    return gettext(
        "Someone else changed this event while you were editing. What is saved now is shown "
        "beside your changes, which are still in the form: check them and save again to "
        "replace the saved values."
    )


@router.get("/events/{event_id}/delete", response_class=HTMLResponse)
def delete_event_page(request: Request, event_id: uuid.UUID, next: str = "") -> Response:
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        event, owner, tree, back = _event_and_owner(p, actor, event_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    return _event_delete_page(request, event, owner, tree, safe_next(next, back))


def _event_delete_page(
    request: Request,
    event: dict[str, Any],
    owner: dict[str, Any],
    tree: dict[str, Any],
    back: str,
    error: str = "",
    status: int = 200,
) -> Response:
    actor = web_actor(request)
    context = shared(
        actor, tree, event=event, owner=owner, version=etag_of(event), back=back, error=error
    )
    return render(request, "people/event_delete.html", context, status=status)


@router.post("/events/{event_id}/delete", response_class=HTMLResponse)
def delete_event(request: Request, event_id: uuid.UUID, form: Form) -> Response:
    speak(request)
    if not csrf_ok(request, form.get("csrf")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        _event, owner, tree, back = _event_and_owner(p, actor, event_id)
        back = safe_next(form.get("next"), back)
        p.events.delete(actor, event_id, form.get("version") or "")
    except PreconditionFailed:
        fresh = p.events.get(actor, event_id)
        message = gettext(
            "Someone else changed this event since you opened this page. Check what is saved "
            "now below before you delete."
        )
        return _event_delete_page(request, fresh, owner, tree, back, message, 412)
    except DzinzaError as exc:
        return error_page(request, exc)
    return see_other(back)
