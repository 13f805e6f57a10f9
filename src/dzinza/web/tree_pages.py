"""A tree's pages: its home (statistics, recent changes, where to go next), its people, creating
a tree, its settings and deletion; and what the dashboard shows (``home_context``, used by the
landing page in pages.py). The members and invitations are in member_pages.py.

The services decide who may do what; these pages only choose what to offer from the reader's
role (``my_role`` in every tree view) and show the services' refusals as pages.

The home person (the person a tree opens on) is chosen on the settings page by name, as a
relative is on the add-relative form (family_pages.py): people.js offers the matching people as
one types; without it, the name posted is looked up and, if several people match, the form
comes back with the choice.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from dzinza.api.http import platform_of
from dzinza.domain.errors import (
    AuthenticationRequired,
    DzinzaError,
    Forbidden,
    PreconditionFailed,
)
from dzinza.domain.vocabulary import Role, Visibility
from dzinza.services.common import Actor, etag_of
from dzinza.services.platform import Platform
from dzinza.web.family_pages import people_named
from dzinza.web.forms import Form, csrf_ok, web_actor
from dzinza.web.i18n import N_, gettext, ngettext
from dzinza.web.person_forms import is_placeholder, text_of, uuid_or_none
from dzinza.web.rendering import error_page, expired_form, render, see_other, speak

router = APIRouter(include_in_schema=False)

Cursor = Annotated[str | None, Query(max_length=2000)]
PEOPLE_PAGE = 50
TREES_PAGE = 50
RECENT = 10
ACTIVITY_TREES = 20
"""The dashboard reads the recent changes of at most this many of the reader's trees."""
MAX_NAME = 200
MAX_DESCRIPTION = 4000

ROLE_NAMES = {
    Role.OWNER.value: N_("Owner"),
    Role.MANAGER.value: N_("Manager"),
    Role.EDITOR.value: N_("Editor"),
    Role.CONTRIBUTOR.value: N_("Contributor"),
    Role.VIEWER.value: N_("Viewer"),
}
POWER = {role.value: rank for rank, role in enumerate(Role, start=1)}
"""What the reader may be offered, weakest first (the services check again)."""
READ, CONTRIBUTE, EDIT, MANAGE, OWN = 1, 2, 3, 4, 5
LEVELS = {"read": READ, "contribute": CONTRIBUTE, "edit": EDIT, "manage": MANAGE, "own": OWN}

VISIBILITY_NAMES = {
    Visibility.PRIVATE.value: N_("Private"),
    Visibility.MEMBERS.value: N_("Anyone signed in"),
    Visibility.PUBLIC.value: N_("Public"),
}
VISIBILITY_HINTS = {
    Visibility.PRIVATE.value: N_("Only the tree's owner and members see it."),
    Visibility.MEMBERS.value: N_(
        "Anyone signed in to Dzinza sees it as a guest: living people stay hidden."
    ),
    Visibility.PUBLIC.value: N_(
        "Anyone, signed in or not, sees it as a guest: living people stay hidden."
    ),
}

PEOPLE_SORTS = {
    "name": N_("Name"),
    "birth": N_("Birth, oldest first"),
    "-birth": N_("Birth, youngest first"),
}

ACTIONS = {
    "person.create": N_("Added a person"),
    "person.update": N_("Changed a person"),
    "person.delete": N_("Deleted a person"),
    "person.merge": N_("Merged two people"),
    "person.redact": N_("Redacted a person"),
    "person.erase": N_("Erased a person"),
    "name.create": N_("Added a name"),
    "name.update": N_("Changed a name"),
    "name.delete": N_("Deleted a name"),
    "family.create": N_("Added a family"),
    "family.update": N_("Changed a family"),
    "family.delete": N_("Deleted a family"),
    "family_child.create": N_("Added a child to a family"),
    "family_child.update": N_("Changed a child's place in a family"),
    "family_child.delete": N_("Removed a child from a family"),
    "event.create": N_("Added an event"),
    "event.update": N_("Changed an event"),
    "event.delete": N_("Deleted an event"),
    "place.create": N_("Added a place"),
    "place.update": N_("Changed a place"),
    "place.delete": N_("Deleted a place"),
    "source.create": N_("Added a source"),
    "source.update": N_("Changed a source"),
    "source.delete": N_("Deleted a source"),
    "repository.create": N_("Added a repository"),
    "repository.update": N_("Changed a repository"),
    "repository.delete": N_("Deleted a repository"),
    "citation.create": N_("Added a citation"),
    "citation.update": N_("Changed a citation"),
    "citation.delete": N_("Deleted a citation"),
    "note.create": N_("Added a note"),
    "note.update": N_("Changed a note"),
    "note.delete": N_("Deleted a note"),
    "media.create": N_("Added a photo or document"),
    "media.update": N_("Changed a photo or document"),
    "media.delete": N_("Deleted a photo or document"),
    "undo": N_("Undid a change"),
}
LABEL_FIELDS = {
    "name": ("given", "surname"),
    "place": ("name",),
    "repository": ("name",),
    "source": ("title",),
    "media": ("title",),
    "citation": ("page",),
}


# -- what every page of a tree shares -----------------------------------------------------------
def power_in(actor: Actor, tree: dict[str, Any]) -> int:
    """The reader's standing in a tree, to choose what to offer (0: a guest)."""
    if actor.is_admin:
        return OWN
    return POWER.get(tree.get("my_role") or "", 0)


def tree_context(actor: Actor, tree: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "role_names": ROLE_NAMES,
        "visibility_names": VISIBILITY_NAMES,
        "visibility_hints": VISIBILITY_HINTS,
        "power": power_in(actor, tree) if tree is not None else 0,
        "levels": LEVELS,
        "tree": tree,
    }


def refusal(actor: Actor, message: str) -> DzinzaError:
    """A page the reader may see the tree of, but not use (the services' kind of refusal)."""
    if actor.anonymous:
        return AuthenticationRequired(gettext("Sign in to change this tree."))
    return Forbidden(message)


# -- recent changes -------------------------------------------------------------------------------
def _subject(change: dict[str, Any]) -> tuple[str, str | None]:
    """A few words naming what a change touched, and the person page it is about (if any)."""
    kind = str(change["action"]).partition(".")[0]
    items = change.get("items") or []
    chosen = next((i for i in items if i["kind"] == kind), None)
    if chosen is None:
        chosen = next((i for i in items if i["kind"] == "person"), None)
    if chosen is None:
        chosen = next((i for i in items if i.get("person_id")), None)
    if chosen is None:
        return "", None
    snap = chosen["after"] if chosen["after"] is not None else chosen["before"]
    snap = snap or {}
    if chosen["kind"] == "person":
        label = str(snap.get("display_name") or "")
        person = chosen["record_id"] if chosen["op"] != "delete" else None
    else:
        fields = LABEL_FIELDS.get(chosen["kind"], ())
        label = " ".join(str(snap[f]) for f in fields if snap.get(f))
        person = chosen.get("person_id")
    return label, f"/people/{person}" if person else None


def change_lines(
    changes: list[dict[str, Any]], tree: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Changes (from ``history.of_tree``) as the lines the pages show, in the page's language
    (``speak`` was called)."""
    lines = []
    for change in changes:
        message = ACTIONS.get(str(change["action"]))
        label, href = _subject(change)
        more = max(0, int(change.get("records") or 0) - 1)
        user = change.get("user") or {}
        lines.append(
            {
                "id": change["id"],
                "when": change["created_at"],
                "who": user.get("email"),
                # A kind of change these pages do not know: the history's own words.
                "what": gettext(message) if message else change["summary"],
                "label": label,
                "href": href,
                "more": ngettext("and %(num)d more record", "and %(num)d more records", more)
                % {"num": more}
                if more
                else "",
                "reason": change.get("reason") or "",
                "undone": bool(change.get("undone_by")),
                "tree": tree,
            }
        )
    return lines


def _recent(p: Platform, actor: Actor, tree: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The last changes of a tree, for those who may read its history (editors and up)."""
    if power_in(actor, tree) < EDIT:
        return None
    try:
        page = p.history.of_tree(actor, uuid.UUID(tree["id"]), limit=RECENT)
    except DzinzaError:
        return None
    return change_lines(page.items, tree)


def _people_count(p: Platform, actor: Actor, tree_id: str) -> int | None:
    try:
        return int(p.statistics.of_tree(actor, uuid.UUID(tree_id))["people"])
    except (DzinzaError, KeyError, TypeError, ValueError):
        return None


# -- the landing page and the dashboard ---------------------------------------------------------
def home_context(request: Request, cursor: str | None) -> dict[str, Any]:
    """The trees a visitor may see (theirs apart, with their role), how many people each shows
    them, and, signed in, the latest changes across the trees they edit."""
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    page = p.trees.list(actor, cursor=cursor, limit=TREES_PAGE)
    trees = [t | {"people": _people_count(p, actor, t["id"])} for t in page.items]
    mine = [t for t in trees if t["my_role"]]
    others = [t for t in trees if not t["my_role"]]
    activity: list[dict[str, Any]] = []
    if not actor.anonymous:
        editable = [t for t in mine if POWER.get(t["my_role"], 0) >= EDIT][:ACTIVITY_TREES]
        for tree in editable:
            activity += _recent(p, actor, tree) or []
        activity.sort(key=lambda line: str(line["when"]), reverse=True)
    return {
        **tree_context(actor),
        "mine": mine,
        "others": others,
        "activity": activity[:RECENT],
        "next": f"/?{urlencode({'cursor': page.next_cursor})}" if page.next_cursor else None,
        "paged": bool(cursor),
    }


# -- creating a tree ----------------------------------------------------------------------------
def _tree_values(form: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """A tree form's values and the errors of their shape (the API's schema checks the same)."""
    values = {
        "name": form.get("name", "").strip(),
        "description": form.get("description", "").strip(),
        "visibility": form.get("visibility", ""),
    }
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = gettext("Give the tree a name.")
    elif len(values["name"]) > MAX_NAME:
        errors["name"] = gettext("The name can be at most 200 characters long.")
    if len(values["description"]) > MAX_DESCRIPTION:
        errors["description"] = gettext("The description can be at most 4,000 characters long.")
    if values["visibility"] not in VISIBILITY_NAMES:
        errors["visibility"] = gettext("Choose who may see the tree.")
    return values, errors


def field_errors(exc: DzinzaError) -> dict[str, str]:
    return {str(e.get("field")): str(e.get("message")) for e in exc.errors if e.get("field")}


def _new_page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    actor = web_actor(request)
    context = tree_context(actor) | {"values": values, "errors": errors or {}, "error": error}
    return render(request, "trees/new.html", context, status=status)


@router.get("/trees/new", response_class=HTMLResponse)
def new_tree_page(request: Request) -> Response:
    if web_actor(request).anonymous:
        return see_other("/signin?next=%2Ftrees%2Fnew")
    return _new_page(request, {"name": "", "description": "", "visibility": "private"})


@router.post("/trees/new", response_class=HTMLResponse)
def create_tree(request: Request, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    speak(request)
    values, errors = _tree_values(form)
    if errors:
        message = gettext("Check the fields marked below.")
        return _new_page(request, values, errors, message, 422)
    try:
        made = platform_of(request).trees.create(web_actor(request), values)
    except DzinzaError as exc:
        return _new_page(request, values, field_errors(exc), exc.detail, exc.status)
    return see_other(f"/trees/{made['id']}")


# -- the tree's home ------------------------------------------------------------------------------
def _own_person(p: Platform, actor: Actor, tree: dict[str, Any]) -> dict[str, Any] | None:
    """The reader's own person in the tree, as their membership names it (owners have none)."""
    if actor.user_id is None or tree["my_role"] in (None, Role.OWNER.value):
        return None
    try:
        member = p.members.get(actor, uuid.UUID(tree["id"]), actor.user_id)
        if not member.get("person_id"):
            return None
        person = p.people.get(actor, uuid.UUID(member["person_id"]))
    except DzinzaError:
        return None
    return {"id": person["id"], "display_name": person["display_name"]}


@router.get("/trees/{tree_id}", response_class=HTMLResponse)
def tree_home(request: Request, tree_id: uuid.UUID) -> Response:
    p, actor = platform_of(request), web_actor(request)
    speak(request)
    try:
        tree = p.trees.get(actor, tree_id)
        stats = p.statistics.of_tree(actor, tree_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    home = tree.get("home_person")
    context = tree_context(actor, tree) | {
        "stats": stats,
        "recent": _recent(p, actor, tree),
        "me": _own_person(p, actor, tree),
        "home": home,
        # Someone the reader may not see: the service's "Private" placeholder, shown as such.
        "home_hidden": home is not None and is_placeholder(home),
    }
    return render(request, "trees/home.html", context)


# -- the tree's people ----------------------------------------------------------------------------
@router.get("/trees/{tree_id}/people", response_class=HTMLResponse)
def tree_people(
    request: Request,
    tree_id: uuid.UUID,
    name: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str | None, Query(max_length=10)] = None,
    cursor: Cursor = None,
) -> Response:
    p, actor = platform_of(request), web_actor(request)
    order = sort if sort in PEOPLE_SORTS else "name"
    wanted = (name or "").strip()
    try:
        tree = p.trees.get(actor, tree_id)
        page = p.people.list(
            actor, tree_id, name=wanted or None, sort=order, cursor=cursor, limit=PEOPLE_PAGE
        )
    except DzinzaError as exc:
        return error_page(request, exc)
    query = {k: v for k, v in (("name", wanted), ("sort", order if order != "name" else "")) if v}
    base = f"/trees/{tree_id}/people"
    following = None
    if page.next_cursor:
        following = f"{base}?{urlencode({**query, 'cursor': page.next_cursor})}"
    first = f"{base}?{urlencode(query)}" if query else base
    context = tree_context(actor, tree) | {
        "people": page.items,
        "name": wanted,
        "sort": order,
        "sorts": PEOPLE_SORTS,
        "next": following,
        "first": first if cursor else None,
    }
    return render(request, "trees/people.html", context)


# -- settings and deletion ------------------------------------------------------------------------
def _settings_page(
    request: Request,
    tree: dict[str, Any],
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    saved: dict[str, Any] | None = None,
    matches: list[dict[str, Any]] | None = None,
    version: str | None = None,
    status: int = 200,
) -> Response:
    """The settings form; ``matches``: the people a home person's name may mean, to choose
    from; ``version``: the one the form was loaded at (default: the tree's current one)."""
    actor = web_actor(request)
    context = tree_context(actor, tree) | {
        "values": values,
        "errors": errors or {},
        "error": error,
        "version": version or etag_of(tree),
        "saved": saved,
        "matches": matches,
        "done": request.query_params.get("saved") == "1" and status == 200,
    }
    return render(request, "trees/settings.html", context, status=status)


LIFE_IN_LABEL = re.compile(r"\s*\([^()]*\)\s*$")
"""The life dates, in brackets, that people.js's suggestions add after a name."""


def person_choice(
    p: Platform,
    actor: Actor,
    tree_id: uuid.UUID,
    form: dict[str, str],
    values: dict[str, str],
    errors: dict[str, str],
    field: str,
    both: str,
) -> tuple[dict[str, uuid.UUID | None], list[dict[str, Any]] | None]:
    """A person chosen by name on a form (``field``: the prefix of its inputs, as the
    ``person_search`` macro names them, with a "nobody" checkbox ``{field}_none``; ``both``:
    the message when the name is given and the box ticked):
    ({"person": id or None}, or {} to leave it as it is) and the people to choose from when the
    name typed fits several."""
    query_key, none_key = f"{field}_query", f"{field}_none"
    values[query_key] = text_of(form, query_key, errors)
    values[none_key] = "1" if form.get(none_key) else ""
    chosen = uuid_or_none(form.get(f"{field}_id"))
    query = LIFE_IN_LABEL.sub("", values[query_key])
    if values[none_key]:
        if chosen is not None or query:
            errors[query_key] = both
            return {}, None
        return {"person": None}, None
    if chosen is not None:
        return {"person": chosen}, None
    if not query or query_key in errors:
        return {}, None
    found = people_named(p, actor, tree_id, query)
    if len(found) == 1:
        return {"person": uuid.UUID(str(found[0]["id"]))}, None
    if found:
        return {}, found
    errors[query_key] = gettext("Nobody in this tree has a name like this.")
    return {}, None


def _managed_tree(request: Request, tree_id: uuid.UUID, need: int) -> dict[str, Any]:
    """The tree, if the reader may manage it (``need``: MANAGE or OWN); else the refusal."""
    actor = web_actor(request)
    tree = platform_of(request).trees.get(actor, tree_id)
    if power_in(actor, tree) < need:
        if need >= OWN:
            raise refusal(actor, gettext("Only the tree's owner may delete it."))
        raise refusal(actor, gettext("Only the tree's owner and managers may change its settings."))
    return tree


@router.get("/trees/{tree_id}/settings", response_class=HTMLResponse)
def settings_page(request: Request, tree_id: uuid.UUID) -> Response:
    speak(request)
    try:
        tree = _managed_tree(request, tree_id, MANAGE)
    except DzinzaError as exc:
        return error_page(request, exc)
    values = {k: str(tree.get(k) or "") for k in ("name", "description", "visibility")}
    return _settings_page(request, tree, values | {"home_query": "", "home_none": ""})


@router.post("/trees/{tree_id}/settings", response_class=HTMLResponse)
def save_settings(request: Request, tree_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        tree = _managed_tree(request, tree_id, MANAGE)
    except DzinzaError as exc:
        return error_page(request, exc)
    values, errors = _tree_values(form)
    version = form.get("version") or None
    both = gettext('Either give the name of a person or tick "No home person", not both.')
    choice, matches = person_choice(p, actor, tree_id, form, values, errors, "home", both)
    home = {"home_person_id": choice["person"]} if choice else {}
    if errors:
        message = gettext("Check the fields marked below.")
        return _settings_page(
            request,
            tree,
            values,
            errors=errors,
            error=message,
            matches=matches,
            version=version,
            status=422,
        )
    if matches:
        # A name typed without the page's script fits several people: nothing is saved yet.
        return _settings_page(request, tree, values, matches=matches, version=version)
    changes = {k: values[k] for k in ("name", "description", "visibility")} | home
    try:
        p.trees.update(actor, tree_id, changes, version)
    except PreconditionFailed:
        # Someone saved in between: show what is saved now beside what this reader typed.
        try:
            current = p.trees.get(actor, tree_id)
        except DzinzaError as exc:
            return error_page(request, exc)
        message = gettext(
            "Someone else changed these settings while you were editing them. What is saved "
            "now is shown under each field; your own values are still in the form. Save again "
            "to keep yours."
        )
        return _settings_page(request, current, values, error=message, saved=current, status=412)
    except DzinzaError as exc:
        if exc.status in (401, 403, 404):
            return error_page(request, exc)
        found = field_errors(exc)
        if found.pop("home_person_id", None) is not None:
            found["home_query"] = gettext("Choose someone who is in this tree.")
        return _settings_page(
            request,
            tree,
            values,
            errors=found,
            error=exc.detail,
            version=version,
            status=exc.status,
        )
    return see_other(f"/trees/{tree_id}/settings?saved=1")


@router.get("/trees/{tree_id}/delete", response_class=HTMLResponse)
def delete_page(request: Request, tree_id: uuid.UUID) -> Response:
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        tree = _managed_tree(request, tree_id, OWN)
        stats = p.statistics.of_tree(actor, tree_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    context = tree_context(actor, tree) | {"stats": stats, "version": etag_of(tree), "error": ""}
    return render(request, "trees/delete.html", context)


@router.post("/trees/{tree_id}/delete", response_class=HTMLResponse)
def delete_tree(request: Request, tree_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        p.trees.delete(actor, tree_id, form.get("version") or None)
    except PreconditionFailed:
        try:
            tree = p.trees.get(actor, tree_id)
            stats = p.statistics.of_tree(actor, tree_id)
        except DzinzaError as exc:
            return error_page(request, exc)
        message = gettext(
            "The tree changed while you were deciding. Check that this is still the tree you "
            "mean to delete, then confirm again."
        )
        context = tree_context(actor, tree) | {
            "stats": stats,
            "version": etag_of(tree),
            "error": message,
        }
        return render(request, "trees/delete.html", context, status=412)
    except DzinzaError as exc:
        return error_page(request, exc)
    return see_other("/")
