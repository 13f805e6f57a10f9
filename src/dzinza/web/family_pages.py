"""Relatives and families: adding a parent, child, partner or sibling to a person in a few
clicks (a new person, or one already in the tree), and the family form (union type, partners,
children with their pedigrees) with its delete confirmation.

Which family a relative joins is the service's work (``FamilyService.add_relative``, one
transaction); these pages offer the person's families to choose from and find people by name.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from dzinza.api.http import platform_of
from dzinza.domain.errors import DzinzaError, NotFound, PreconditionFailed
from dzinza.domain.names import fold
from dzinza.services.common import Actor, etag_of
from dzinza.services.platform import Platform
from dzinza.web.forms import Form, csrf_ok, safe_next, web_actor
from dzinza.web.i18n import N_, gettext
from dzinza.web.labels import PEDIGREE_LABELS, SEX_LABELS, UNION_LABELS
from dzinza.web.person_forms import (
    check_date,
    choice_of,
    family_name,
    field_errors,
    person_and_tree,
    require,
    shared,
    text_of,
    uuid_or_none,
)
from dzinza.web.rendering import error_page, expired_form, render, see_other, speak

router = APIRouter(include_in_schema=False)

RELATIONS = {
    "parent": N_("Add a parent of %(name)s"),
    "child": N_("Add a child of %(name)s"),
    "partner": N_("Add a partner of %(name)s"),
    "sibling": N_("Add a brother or sister of %(name)s"),
}
MATCHES = 20
SUGGESTIONS = 10


# -- finding people by name ----------------------------------------------------------------------
def people_named(
    p: Platform,
    actor: Actor,
    tree_id: uuid.UUID,
    query: str,
    *,
    limit: int = MATCHES,
    exclude: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """The people of a tree the reader may see whose names start with the words typed (the
    people service filters by the first word; the others must begin a word of the name)."""
    words = [fold(w) for w in query.split() if fold(w)]
    if not words:
        return []
    page = p.people.list(actor, tree_id, name=words[0], limit=min(5 * limit, 200))
    found = []
    for person in page.items:
        if person["id"] in exclude:
            continue
        have = [fold(w) for w in str(person["display_name"]).split()]
        if all(any(h.startswith(w) for h in have) for w in words[1:]):
            found.append(person)
    return found[:limit]


def life_of(person: dict[str, Any]) -> str:
    """A person's dates in a few characters ("1905 \u2013 1980"), for lists of names."""
    birth, death = person.get("birth") or "", person.get("death") or ""
    return f"{birth} \u2013 {death}" if birth or death else ""


# -- adding a relative ---------------------------------------------------------------------------
def _families_for(person: dict[str, Any], relation: str) -> list[dict[str, Any]]:
    """The person's families a relative may join: {id, parents, partner, free}."""
    if relation in ("parent", "sibling"):
        return [
            {
                "id": f["family_id"],
                "parents": f["parents"],
                "union_type": f["union_type"],
                # A parent joins a family with a free place only.
                "free": relation == "sibling" or len(f["parents"]) < 2,
            }
            for f in person["parents"]
        ]
    if relation == "child":
        return [
            {
                "id": f["family_id"],
                "partner": f["partner"],
                "union_type": f["union_type"],
                "free": True,
            }
            for f in person["families"]
        ]
    return []


def _relative_defaults(person: dict[str, Any], relation: str) -> dict[str, str]:
    choices = [f for f in _families_for(person, relation) if f["free"]]
    return {
        "mode": "new",
        "given": "",
        "surname": "",
        "sex": "unknown",
        "birth": "",
        "existing_query": "",
        "existing_id": "",
        "family": choices[0]["id"] if choices else "new",
        "pedigree": "birth",
        "union_type": "unknown",
    }


def _relative_page(
    request: Request,
    person: dict[str, Any],
    tree: dict[str, Any],
    relation: str,
    values: dict[str, str],
    *,
    matches: list[dict[str, Any]] | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    speak(request)
    actor = web_actor(request)
    context = shared(
        actor,
        tree,
        person=person,
        relation=relation,
        heading=gettext(RELATIONS[relation]) % {"name": person["display_name"]},
        families=_families_for(person, relation),
        values=values,
        matches=matches,
        errors=errors or {},
        error=error,
    )
    return render(request, "people/relative.html", context, status=status)


def _relative_context(
    request: Request, person_id: uuid.UUID, relation: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    if relation not in RELATIONS:
        raise NotFound(gettext("There is nothing at this address."))
    p, actor = platform_of(request), web_actor(request)
    person, tree = person_and_tree(p, actor, person_id)
    require(actor, tree)
    return person, tree


@router.get("/people/{person_id}/add/{relation}", response_class=HTMLResponse)
def add_relative_page(request: Request, person_id: uuid.UUID, relation: str) -> Response:
    speak(request)
    try:
        person, tree = _relative_context(request, person_id, relation)
    except DzinzaError as exc:
        return error_page(request, exc)
    return _relative_page(request, person, tree, relation, _relative_defaults(person, relation))


@router.post("/people/{person_id}/add/{relation}", response_class=HTMLResponse)
def add_relative(request: Request, person_id: uuid.UUID, relation: str, form: Form) -> Response:
    speak(request)
    if not csrf_ok(request, form.get("csrf")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        person, tree = _relative_context(request, person_id, relation)
    except DzinzaError as exc:
        return error_page(request, exc)
    errors: dict[str, str] = {}
    values = {
        "mode": "existing" if form.get("mode") == "existing" else "new",
        "given": text_of(form, "given", errors),
        "surname": text_of(form, "surname", errors),
        "sex": choice_of(form, "sex", SEX_LABELS, "unknown"),
        "birth": text_of(form, "birth", errors, "date"),
        "existing_query": text_of(form, "existing_query", errors),
        "existing_id": form.get("existing_id", ""),
        "family": form.get("family", "new"),
        "pedigree": choice_of(form, "pedigree", PEDIGREE_LABELS, "birth"),
        "union_type": choice_of(form, "union_type", UNION_LABELS, "unknown"),
    }
    tree_id = uuid.UUID(tree["id"])
    relative_id = uuid_or_none(values["existing_id"])
    new_person: dict[str, Any] | None = None
    if values["mode"] == "new":
        check_date(values["birth"], "birth", errors)
        if not values["given"] and not values["surname"] and "given" not in errors:
            errors["given"] = gettext("Give a given name or a surname (or both).")
        relative_id = None
        new_person = {
            "sex": values["sex"],
            "names": [{"type": "birth", "given": values["given"], "surname": values["surname"]}],
            "events": [{"type": "birth", "date": values["birth"]}] if values["birth"] else [],
        }
    elif relative_id is None and not errors:
        query = values["existing_query"]
        if not query:
            errors["existing_query"] = gettext("Type a name to look for.")
        else:
            matches = people_named(p, actor, tree_id, query, exclude=frozenset({person["id"]}))
            if matches:
                # Without the page's script, the name typed is looked up here: pick one.
                return _relative_page(request, person, tree, relation, values, matches=matches)
            errors["existing_query"] = gettext("Nobody in this tree has a name like this.")
    if errors:
        message = gettext("Some fields need your attention.")
        return _relative_page(
            request, person, tree, relation, values, errors=errors, error=message, status=422
        )
    try:
        p.families.add_relative(
            actor,
            person_id,
            relation,
            relative_id=relative_id,
            new_person=new_person,
            family_id=None if relation == "partner" else uuid_or_none(values["family"]),
            pedigree=values["pedigree"],
            union_type=values["union_type"],
        )
    except DzinzaError as exc:
        found = field_errors(exc)
        return _relative_page(
            request,
            person,
            tree,
            relation,
            values,
            errors=found,
            error=exc.detail,
            status=exc.status,
        )
    return see_other(f"/people/{person_id}")


# -- the family form -----------------------------------------------------------------------------
SLOTS = ("partner1", "partner2")


def _family_values(family: dict[str, Any]) -> dict[str, Any]:
    return {
        "union_type": family["union_type"],
        "partners": {
            slot: {"query": "", "id": "", "remove": False, "current": family.get(slot)}
            for slot in SLOTS
        },
        "children": [
            {
                "id": c["id"],
                "display_name": c["display_name"],
                "private": c.get("private"),
                "pedigree": c["pedigree"],
                "remove": False,
            }
            for c in family["children"]
        ],
    }


def _family_page(
    request: Request,
    family: dict[str, Any],
    tree: dict[str, Any],
    values: dict[str, Any],
    back: str,
    *,
    saved: dict[str, Any] | None = None,
    matches: dict[str, list[dict[str, Any]]] | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    actor = web_actor(request)
    context = shared(
        actor,
        tree,
        family=family,
        family_name=family_name(family),
        version=etag_of(family),
        values=values,
        saved=saved,
        matches=matches or {},
        back=back,
        errors=errors or {},
        error=error,
    )
    return render(request, "families/edit.html", context, status=status)


def _family_and_tree(
    request: Request, family_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any], str]:
    p, actor = platform_of(request), web_actor(request)
    family = p.families.get(actor, family_id)
    tree = p.trees.get(actor, uuid.UUID(family["tree_id"]))
    require(actor, tree)
    first = family.get("partner1") or family.get("partner2")
    back = f"/people/{first['id']}" if first else f"/trees/{tree['id']}"
    return family, tree, back


@router.get("/families/{family_id}/edit", response_class=HTMLResponse)
def edit_family_page(request: Request, family_id: uuid.UUID, next: str = "") -> Response:
    speak(request)
    try:
        family, tree, back = _family_and_tree(request, family_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    return _family_page(request, family, tree, _family_values(family), safe_next(next, back))


@router.post("/families/{family_id}/edit", response_class=HTMLResponse)
def save_family(request: Request, family_id: uuid.UUID, form: Form) -> Response:
    speak(request)
    if not csrf_ok(request, form.get("csrf")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        family, tree, back = _family_and_tree(request, family_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    back = safe_next(form.get("next"), back)
    errors: dict[str, str] = {}
    values = _family_values(family)
    values["union_type"] = choice_of(form, "union_type", UNION_LABELS, family["union_type"])
    for slot, partner in values["partners"].items():
        partner["remove"] = bool(form.get(f"{slot}_remove"))
        partner["query"] = text_of(form, f"{slot}_query", errors)
        partner["id"] = form.get(f"{slot}_id", "")
    for child in values["children"]:
        key = f"child-{child['id']}"
        child["pedigree"] = choice_of(form, f"{key}-pedigree", PEDIGREE_LABELS, child["pedigree"])
        child["remove"] = bool(form.get(f"{key}-remove"))
    version = form.get("version", "")
    if version != etag_of(family):
        return _family_conflict(request, family, tree, values, back)
    changes: dict[str, Any] = {}
    matches: dict[str, list[dict[str, Any]]] = {}
    others = frozenset(x["id"] for x in (family.get("partner1"), family.get("partner2")) if x)
    for slot, partner in values["partners"].items():
        if partner["current"] is not None:
            if partner["remove"]:
                changes[f"{slot}_id"] = None
            continue
        chosen = uuid_or_none(partner["id"])
        if chosen is not None:
            changes[f"{slot}_id"] = chosen
        elif partner["query"] and f"{slot}_query" not in errors:
            found = people_named(p, actor, uuid.UUID(tree["id"]), partner["query"], exclude=others)
            if found:
                matches[slot] = found
            else:
                errors[f"{slot}_query"] = gettext("Nobody in this tree has a name like this.")
    if errors:
        message = gettext("Some fields need your attention.")
        return _family_page(
            request, family, tree, values, back, errors=errors, error=message, status=422
        )
    if matches:
        return _family_page(request, family, tree, values, back, matches=matches)
    if values["union_type"] != family["union_type"]:
        changes["union_type"] = values["union_type"]
    try:
        current = family
        if changes:
            current = p.families.update(actor, family_id, changes, version)
        for child, before in zip(values["children"], family["children"], strict=True):
            child_id = uuid.UUID(child["id"])
            if child["remove"]:
                current = p.families.remove_child(actor, family_id, child_id, etag_of(current))
            elif child["pedigree"] != before["pedigree"]:
                current = p.families.set_pedigree(
                    actor, family_id, child_id, child["pedigree"], etag_of(current)
                )
    except PreconditionFailed:
        fresh = p.families.get(actor, family_id)
        return _family_conflict(request, fresh, tree, values, back)
    except DzinzaError as exc:
        fresh = p.families.get(actor, family_id)
        return _family_page(
            request,
            fresh,
            tree,
            values,
            back,
            errors=field_errors(exc),
            error=exc.detail,
            status=exc.status,
        )
    return see_other(back)


def _family_conflict(
    request: Request,
    family: dict[str, Any],
    tree: dict[str, Any],
    values: dict[str, Any],
    back: str,
) -> Response:
    speak(request)
    message = gettext(
        "Someone else changed this family while you were editing. What is saved now is shown "
        "beside your changes, which are still in the form: check them and save again to "
        "replace the saved values."
    )
    return _family_page(
        request, family, tree, values, back, saved=_family_values(family), error=message, status=412
    )


# -- deleting a family ---------------------------------------------------------------------------
def _family_delete_page(
    request: Request,
    family: dict[str, Any],
    tree: dict[str, Any],
    back: str,
    error: str = "",
    status: int = 200,
) -> Response:
    actor = web_actor(request)
    context = shared(
        actor,
        tree,
        family=family,
        family_name=family_name(family),
        version=etag_of(family),
        back=back,
        error=error,
    )
    return render(request, "families/delete.html", context, status=status)


@router.get("/families/{family_id}/delete", response_class=HTMLResponse)
def delete_family_page(request: Request, family_id: uuid.UUID, next: str = "") -> Response:
    speak(request)
    try:
        family, tree, back = _family_and_tree(request, family_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    return _family_delete_page(request, family, tree, safe_next(next, back))


@router.post("/families/{family_id}/delete", response_class=HTMLResponse)
def delete_family(request: Request, family_id: uuid.UUID, form: Form) -> Response:
    speak(request)
    if not csrf_ok(request, form.get("csrf")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        _family, tree, back = _family_and_tree(request, family_id)
        back = safe_next(form.get("next"), back)
        p.families.delete(actor, family_id, form.get("version") or "")
    except PreconditionFailed:
        fresh = p.families.get(actor, family_id)
        message = gettext(
            "Someone else changed this family since you opened this page. Check what is saved "
            "now below before you delete."
        )
        return _family_delete_page(request, fresh, tree, back, message, 412)
    except DzinzaError as exc:
        return error_page(request, exc)
    return see_other(back)
