"""A tree's members and invitations: the list of members with their roles, changing a role,
a member's own person and branch limit (their settings page), removing a member or leaving,
and sending and withdrawing invitations (which may carry a person and a branch limit too).

A branch limit lets a viewer or contributor see the living only within so many family links of
their own person, and beyond it what a guest sees (``Access`` in the services): a family sharing
its tree with a distant cousin shows them their own side of it in full. The services check every rule again; these pages
check the common mistakes first so that the reader sees them in their language, at the field.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from dzinza.api.http import platform_of
from dzinza.domain.errors import DzinzaError, PreconditionFailed
from dzinza.domain.vocabulary import Role
from dzinza.services.common import Actor, etag_of
from dzinza.services.members import BRANCH_ROLES, MAX_BRANCH_STEPS
from dzinza.services.platform import Platform
from dzinza.web.forms import Form, client_address, csrf_ok, web_actor
from dzinza.web.i18n import N_, gettext, ngettext
from dzinza.web.rendering import error_page, expired_form, render, see_other, speak
from dzinza.web.tree_pages import (
    MANAGE,
    OWN,
    ROLE_NAMES,
    field_errors,
    person_choice,
    power_in,
    refusal,
    tree_context,
)

router = APIRouter(include_in_schema=False)

Cursor = Annotated[str | None, Query(max_length=2000)]
MEMBERS_PAGE = 100
MAX_EMAIL = 320
ROLE_HINTS = {
    Role.VIEWER.value: N_("Sees the tree, living people included."),
    Role.CONTRIBUTOR.value: N_("Adds people and records, and changes the ones they added."),
    Role.EDITOR.value: N_("Changes anyone's records, imports and merges."),
    Role.MANAGER.value: N_("Also invites people and changes the tree's settings."),
}
GRANTABLE = (Role.VIEWER, Role.CONTRIBUTOR, Role.EDITOR, Role.MANAGER)
BRANCH_ROLE_NAMES = frozenset(r.value for r in BRANCH_ROLES)


def branch_choices() -> list[tuple[str, str]]:
    """The branch limits to choose from, in the reader's language ("": the whole tree)."""
    whole = [("", gettext("The whole tree"))]
    return whole + [
        (
            str(n),
            ngettext(
                "%(num)d family link around their own person",
                "%(num)d family links around their own person",
                n,
            ),
        )
        for n in range(1, MAX_BRANCH_STEPS + 1)
    ]


def _branch_of(form: dict[str, str], errors: dict[str, str]) -> int | None:
    raw = form.get("branch_steps", "").strip()
    if not raw:
        return None
    if raw.isdigit() and 1 <= int(raw) <= MAX_BRANCH_STEPS:
        return int(raw)
    errors["branch_steps"] = gettext("Choose a branch from the list.")
    return None


def _check_branch(
    role: str, steps: int | None, has_person: bool, errors: dict[str, str], person_field: str
) -> None:
    """The rules of ``_check_placement`` in the services, said at the fields they concern."""
    if steps is None or "branch_steps" in errors:
        return
    if role and role not in BRANCH_ROLE_NAMES:
        errors["branch_steps"] = gettext(
            "Editors and managers see the whole tree: a branch limit is only for viewers and "
            "contributors."
        )
    elif not has_person:
        errors[person_field] = gettext(
            "A branch is counted from the member's own person: choose that person too."
        )


def _changeable(actor: Actor, tree: dict[str, Any], member: dict[str, Any]) -> bool:
    """Whether the reader may change this member (the services decide again)."""
    power = power_in(actor, tree)
    role = member["role"]
    return (
        power >= MANAGE
        and role != Role.OWNER.value
        and (power >= OWN or role != Role.MANAGER.value)
    )


def _person_named(p: Platform, actor: Actor, person_id: str | None) -> dict[str, Any] | None:
    """A member's own person as the reader may see them (None: none, or gone)."""
    if not person_id:
        return None
    try:
        person = p.people.get(actor, uuid.UUID(person_id))
    except DzinzaError:
        return None
    return {"id": person["id"], "display_name": person["display_name"]}


# -- the members page ----------------------------------------------------------------------------
def _members_page(
    request: Request,
    tree_id: uuid.UUID,
    *,
    cursor: str | None = None,
    invite: dict[str, str] | None = None,
    matches: list[dict[str, Any]] | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    p, actor = platform_of(request), web_actor(request)
    speak(request)
    try:
        tree = p.trees.get(actor, tree_id)
        members = p.members.list(actor, tree_id, cursor=cursor, limit=MEMBERS_PAGE)
    except DzinzaError as exc:
        return error_page(request, exc)
    power = power_in(actor, tree)
    invitations: list[dict[str, Any]] = []
    if power >= MANAGE:
        try:
            invitations = p.members.invitations(actor, tree_id, limit=MEMBERS_PAGE).items
        except DzinzaError:
            invitations = []
    rows = [
        member
        | {
            "version_tag": etag_of(member),
            "changeable": _changeable(actor, tree, member),
            "me": member["user_id"] == str(actor.user_id),
        }
        for member in members.items
    ]
    grantable = [r.value for r in GRANTABLE if power >= OWN or r is not Role.MANAGER]
    following = None
    if members.next_cursor:
        following = f"/trees/{tree_id}/members?{urlencode({'cursor': members.next_cursor})}"
    context = tree_context(actor, tree) | {
        "members": rows,
        "invitations": invitations,
        "grantable": grantable,
        "role_hints": ROLE_HINTS,
        "branches": any(m.get("branch_steps") or m.get("person_id") for m in rows),
        "invite": invite or _blank_invitation(),
        "branch_choices": branch_choices(),
        "matches": matches,
        "errors": errors or {},
        "error": error,
        "notice": _notice(request) if status == 200 else "",
        "next": following,
    }
    return render(request, "trees/members.html", context, status=status)


def _blank_invitation() -> dict[str, str]:
    return {
        "email": "",
        "role": Role.VIEWER.value,
        "invite_person_query": "",
        "invite_person_none": "",
        "branch_steps": "",
    }


NOTICES = {
    "invited": N_("The invitation was sent."),
    "role": N_("The role was changed."),
    "member": N_("The member's person and branch were saved."),
    "removed": N_("The member was removed from the tree."),
    "revoked": N_("The invitation was withdrawn."),
}


def _notice(request: Request) -> str:
    message = NOTICES.get(request.query_params.get("done", ""))
    return gettext(message) if message else ""


@router.get("/trees/{tree_id}/members", response_class=HTMLResponse)
def members_page(request: Request, tree_id: uuid.UUID, cursor: Cursor = None) -> Response:
    return _members_page(request, tree_id, cursor=cursor)


@router.post("/trees/{tree_id}/members/{user_id}/role", response_class=HTMLResponse)
def change_role(request: Request, tree_id: uuid.UUID, user_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    role = form.get("role", "")
    if role not in ROLE_NAMES or role == Role.OWNER.value:
        message = gettext("Choose a role from the list.")
        return _members_page(request, tree_id, error=message, status=422)
    try:
        p.members.update(
            actor,
            tree_id,
            user_id,
            # Editors and managers see the whole tree: a branch limit goes with the old role.
            {"role": role} if role in BRANCH_ROLE_NAMES else {"role": role, "branch_steps": None},
            form.get("version") or None,
            ip=client_address(request),
        )
    except PreconditionFailed:
        message = gettext(
            "This member's role or place in the tree was changed by someone else in the "
            "meantime: the list shows it as it is now. Choose the role again if you still want "
            "to change it."
        )
        return _members_page(request, tree_id, error=message, status=412)
    except DzinzaError as exc:
        return _member_refusal(request, tree_id, exc)
    return see_other(f"/trees/{tree_id}/members?done=role")


def _member_refusal(request: Request, tree_id: uuid.UUID, exc: DzinzaError) -> Response:
    if exc.status in (401, 404):
        return error_page(request, exc)
    return _members_page(request, tree_id, error=exc.detail, status=exc.status)


def _member_to_remove(
    request: Request, tree_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any]]:
    p, actor = platform_of(request), web_actor(request)
    tree = p.trees.get(actor, tree_id)
    member = p.members.get(actor, tree_id, user_id)
    leaving = member["user_id"] == str(actor.user_id)
    if not leaving and power_in(actor, tree) < MANAGE:
        raise refusal(actor, gettext("Only the tree's owner and managers may remove members."))
    return tree, member


def _remove_page(
    request: Request, tree: dict[str, Any], member: dict[str, Any], error: str, status: int
) -> Response:
    actor = web_actor(request)
    context = tree_context(actor, tree) | {
        "member": member,
        "leaving": member["user_id"] == str(actor.user_id),
        "version": etag_of(member),
        "error": error,
    }
    return render(request, "trees/remove_member.html", context, status=status)


@router.get("/trees/{tree_id}/members/{user_id}/remove", response_class=HTMLResponse)
def remove_page(request: Request, tree_id: uuid.UUID, user_id: uuid.UUID) -> Response:
    speak(request)
    try:
        tree, member = _member_to_remove(request, tree_id, user_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    return _remove_page(request, tree, member, "", 200)


@router.post("/trees/{tree_id}/members/{user_id}/remove", response_class=HTMLResponse)
def remove_member(request: Request, tree_id: uuid.UUID, user_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        p.members.remove(
            actor, tree_id, user_id, form.get("version") or None, ip=client_address(request)
        )
    except DzinzaError as exc:
        try:
            tree, member = _member_to_remove(request, tree_id, user_id)
        except DzinzaError:
            return error_page(request, exc)
        if isinstance(exc, PreconditionFailed):
            message = gettext(
                "This member's role or place in the tree was changed by someone else in the "
                "meantime. Check that you still want to remove them, then confirm again."
            )
            return _remove_page(request, tree, member, message, 412)
        return _remove_page(request, tree, member, exc.detail, exc.status)
    if user_id == actor.user_id:
        return see_other("/")
    return see_other(f"/trees/{tree_id}/members?done=removed")


@router.post("/trees/{tree_id}/invitations", response_class=HTMLResponse)
def invite(request: Request, tree_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    values = _blank_invitation() | {
        "email": form.get("email", "").strip(),
        "role": form.get("role", ""),
        "branch_steps": form.get("branch_steps", "").strip(),
    }
    errors: dict[str, str] = {}
    if not values["email"]:
        errors["email"] = gettext("Give the email address to send the invitation to.")
    elif len(values["email"]) > MAX_EMAIL or "@" not in values["email"]:
        errors["email"] = gettext("This is not an email address.")
    if values["role"] not in ROLE_NAMES or values["role"] == Role.OWNER.value:
        errors["role"] = gettext("Choose a role from the list.")
    steps = _branch_of(form, errors)
    both = gettext('Either give the name of a person or tick "No own person", not both.')
    choice, matches = person_choice(p, actor, tree_id, form, values, errors, "invite_person", both)
    person = choice.get("person")
    # Several people fit the name: one is chosen next, and the branch is counted from them.
    chosen = person is not None or bool(matches)
    _check_branch(values["role"], steps, chosen, errors, "invite_person_query")
    if errors:
        message = gettext("Check the fields marked below.")
        return _members_page(
            request, tree_id, invite=values, errors=errors, error=message, status=422
        )
    if matches:
        return _members_page(request, tree_id, invite=values, matches=matches)
    data: dict[str, Any] = {
        "email": values["email"],
        "role": values["role"],
        "person_id": person,
        "branch_steps": steps,
    }
    try:
        p.members.invite(actor, tree_id, data, ip=client_address(request))
    except DzinzaError as exc:
        if exc.status in (401, 404):
            return error_page(request, exc)
        found = field_errors(exc)
        if found.pop("person_id", None) is not None:
            found["invite_person_query"] = gettext("Choose someone who is in this tree.")
        return _members_page(
            request,
            tree_id,
            invite=values,
            errors=found,
            error=exc.detail,
            status=exc.status,
        )
    return see_other(f"/trees/{tree_id}/members?done=invited")


@router.post("/trees/{tree_id}/invitations/{invitation_id}/revoke", response_class=HTMLResponse)
def revoke(request: Request, tree_id: uuid.UUID, invitation_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    speak(request)
    try:
        platform_of(request).members.revoke(
            web_actor(request), tree_id, invitation_id, None, ip=client_address(request)
        )
    except DzinzaError as exc:
        return _member_refusal(request, tree_id, exc)
    return see_other(f"/trees/{tree_id}/members?done=revoked")


# -- one member's own person and branch ---------------------------------------------------------
def _member_page(
    request: Request,
    tree: dict[str, Any],
    member: dict[str, Any],
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    saved: dict[str, Any] | None = None,
    matches: list[dict[str, Any]] | None = None,
    version: str | None = None,
    status: int = 200,
) -> Response:
    """A member's settings; ``saved``: the member as saved now, after a conflict (412)."""
    p, actor = platform_of(request), web_actor(request)
    power = power_in(actor, tree)
    grantable = [r.value for r in GRANTABLE if power >= OWN or r is not Role.MANAGER]
    context = tree_context(actor, tree) | {
        "member": member,
        "person": _person_named(p, actor, member.get("person_id")),
        "values": values,
        "errors": errors or {},
        "error": error,
        "saved": saved,
        "saved_person": _person_named(p, actor, saved.get("person_id")) if saved else None,
        "matches": matches,
        "version": version or etag_of(member),
        "grantable": grantable,
        "role_hints": ROLE_HINTS,
        "branch_choices": branch_choices(),
        "branch_roles": sorted(BRANCH_ROLE_NAMES),
    }
    return render(request, "trees/member.html", context, status=status)


def _member_of(
    request: Request, tree_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The tree and the member, if the reader may change that member; else the refusal."""
    p, actor = platform_of(request), web_actor(request)
    tree = p.trees.get(actor, tree_id)
    member = p.members.get(actor, tree_id, user_id)
    if not _changeable(actor, tree, member):
        if member["role"] == Role.OWNER.value:
            message = gettext("The owner's place in the tree is not changed here.")
        elif power_in(actor, tree) >= MANAGE:
            message = gettext("Only the tree's owner may change a manager.")
        else:
            message = gettext("Only the tree's owner and managers may change members.")
        raise refusal(actor, message)
    return tree, member


def _member_values(member: dict[str, Any]) -> dict[str, str]:
    steps = member.get("branch_steps")
    return {
        "role": str(member["role"]),
        "own_query": "",
        "own_none": "",
        "branch_steps": str(steps) if steps else "",
    }


@router.get("/trees/{tree_id}/members/{user_id}/edit", response_class=HTMLResponse)
def member_page(request: Request, tree_id: uuid.UUID, user_id: uuid.UUID) -> Response:
    speak(request)
    try:
        tree, member = _member_of(request, tree_id, user_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    return _member_page(request, tree, member, _member_values(member))


@router.post("/trees/{tree_id}/members/{user_id}/edit", response_class=HTMLResponse)
def save_member(request: Request, tree_id: uuid.UUID, user_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    speak(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        tree, member = _member_of(request, tree_id, user_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    version = form.get("version") or None
    values = _member_values(member) | {
        "role": form.get("role", ""),
        "branch_steps": form.get("branch_steps", "").strip(),
    }
    errors: dict[str, str] = {}
    if values["role"] not in ROLE_NAMES or values["role"] == Role.OWNER.value:
        errors["role"] = gettext("Choose a role from the list.")
    steps = _branch_of(form, errors)
    both = gettext('Either give the name of a person or tick "No own person", not both.')
    choice, matches = person_choice(p, actor, tree_id, form, values, errors, "own", both)
    person = choice["person"] if choice else member.get("person_id")
    chosen = person is not None or bool(matches)
    _check_branch(values["role"], steps, chosen, errors, "own_query")

    def again(**kwargs: Any) -> Response:
        return _member_page(request, tree, member, values, version=version, **kwargs)

    if errors:
        return again(errors=errors, error=gettext("Check the fields marked below."), status=422)
    if matches:
        # A name typed without the page's script fits several people: nothing is saved yet.
        return again(matches=matches)
    changes: dict[str, Any] = {"role": values["role"], "branch_steps": steps}
    if choice:
        changes["person_id"] = choice["person"]
    try:
        p.members.update(actor, tree_id, user_id, changes, version, ip=client_address(request))
    except PreconditionFailed:
        try:
            current = p.members.get(actor, tree_id, user_id)
        except DzinzaError as exc:
            return error_page(request, exc)
        message = gettext(
            "Someone else changed this member while you were editing: what is saved now is "
            "shown under each field; your own choices are still in the form. Save again to "
            "keep yours."
        )
        return _member_page(
            request, tree, current, values, error=message, saved=current, status=412
        )
    except DzinzaError as exc:
        if exc.status in (401, 404):
            return error_page(request, exc)
        found = field_errors(exc)
        if found.pop("person_id", None) is not None:
            found["own_query"] = gettext("Choose someone who is in this tree.")
        return again(errors=found, error=exc.detail, status=exc.status)
    return see_other(f"/trees/{tree_id}/members?done=member")
