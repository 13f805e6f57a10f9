"""The authorization matrix: every API route, as every kind of caller, on trees of every
visibility, answers with the status the access rules say.

Callers: anonymous, the tree's viewer, contributor, editor, manager and owner, the owner of
another tree, and a site admin. A route that is not in ``TREE_ROUTES`` or ``OTHER_ROUTES`` fails
the test, so a new route cannot ship without its entry here.

The expected status comes from one rule (``expected``): a caller who may not see the tree gets
404 (the same as for an id that does not exist); one who may see it but not do this gets 401
if anonymous and 403 if signed in; a caller whose role is strong enough gets the route's
success status. Every write is made on a fresh record, so each call meets the same state.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from dzinza.adapters.sql import tables
from dzinza.services.platform import Platform
from tests.conftest import Api, add_member, make_user

ROLES = ("anonymous", "viewer", "contributor", "editor", "manager", "owner", "other_owner", "admin")
POWER = {"viewer": 1, "contributor": 2, "editor": 3, "manager": 4, "owner": 5, "admin": 5}
NEED = {"read": 1, "members": 1, "contribute": 2, "edit": 3, "manage": 4, "own": 5}
"""``members``: reading what only members see (the member list): a guest may not."""


def expected(need: str, role: str, visibility: str, success: int) -> int:
    power = POWER.get(role)
    sees_tree = (
        power is not None
        or visibility == "public"
        or (visibility == "members" and role != "anonymous")
    )
    if not sees_tree:
        return 404
    if need == "read" or (power is not None and power >= NEED[need]):
        return success
    return 401 if role == "anonymous" else 403


@dataclass
class World:
    """One tree of a given visibility with a member of every role, and helpers to make fresh
    records in it as the owner."""

    client: TestClient
    platform: Platform
    visibility: str
    callers: dict[str, Api]
    tree: str
    people: list[str]
    made: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def owner(self) -> Api:
        return self.callers["owner"]

    def person(self) -> str:
        return str(self.owner.post(f"/trees/{self.tree}/people", {"names": [{"given": "P"}]})["id"])

    def record(self, kind: str, body: dict[str, Any]) -> str:
        return str(self.owner.post(f"/trees/{self.tree}/{kind}", body)["id"])

    def family(self) -> str:
        return self.record(
            "families", {"partner1_id": self.person(), "children": [{"child_id": self.person()}]}
        )

    def event(self) -> str:
        return self.record("events", {"person_id": self.people[0], "type": "census"})

    def source(self) -> str:
        return self.record("sources", {"title": "Register"})

    def citation(self) -> str:
        return self.record(
            "citations",
            {"source_id": self.source(), "target": {"type": "person", "id": self.people[0]}},
        )

    def note(self) -> str:
        return self.record("notes", {"text": "A note"})

    def media(self) -> str:
        return self.record("media", {"title": "Photo", "file": "p.jpg"})

    def photo(self) -> str:
        """A media item with a stored, processed photo."""
        image = io.BytesIO()
        # A colour of its own: the same content twice would be one item (de-duplication).
        Image.new("RGB", (64, 48), tuple(uuid.uuid4().bytes[:3])).save(image, "JPEG")
        made = self.owner.call(
            "POST",
            f"/trees/{self.tree}/media/files",
            201,
            files={"file": ("p.jpg", image.getvalue(), "image/jpeg")},
            data={"targets": f'[{{"type": "person", "id": "{self.people[0]}"}}]'},
        )
        for _ in range(600):
            if self.owner.get(f"/media/{made['id']}")["status"] != "processing":
                break
            time.sleep(0.05)
        return str(made["id"])

    def tagged(self) -> str:
        """A media item with the first person tagged on it."""
        media = self.media()
        region = {"x": 0, "y": 0, "w": 0.5, "h": 0.5}
        self.owner.call("PUT", f"/media/{media}/tags/{self.people[0]}", 200, json=region)
        return media

    def member(self) -> str:
        """A fresh viewer; returns their user id."""
        email = f"m{uuid.uuid4().hex[:10]}@example.org"
        token = add_member(self.platform, self.tree, email, "viewer")
        user = self.platform.users.actor_for_token(token)
        return str(user.user_id)

    def invitation(self) -> str:
        return self.record("invitations", {"role": "viewer"})

    def change(self) -> str:
        self.person()
        return str(self.owner.get(f"/trees/{self.tree}/history?limit=1")["items"][0]["id"])

    def fresh_tree(self) -> str:
        """A tree like this one (same visibility, same members) for routes that end a tree."""
        return make_tree(self.platform, self.callers, self.visibility)


def make_tree(platform: Platform, callers: dict[str, Api], visibility: str) -> str:
    tree = str(callers["owner"].post("/trees", {"name": "Matrix", "visibility": visibility})["id"])
    with platform.store.write() as tx:
        for role in ("viewer", "contributor", "editor", "manager"):
            user = platform.users.actor_for_token(callers[role].headers["Authorization"][7:])
            tx.conn.execute(  # type: ignore[attr-defined]
                tables.tree_members.insert().values(
                    tree_id=uuid.UUID(tree), user_id=user.user_id, role=role
                )
            )
    return tree


Build = Callable[[World], tuple[str, Any]]
"""Makes what a call needs, and returns its URL (under /api/v1) and JSON body."""


def _on(kind: str, make: Callable[[World], str], suffix: str = "", body: Any = None) -> Build:
    """A route on a fresh record (writes change it, so each call gets its own)."""
    return lambda w: (f"/{kind}/{make(w)}{suffix}", body)


def _read(kind: str, make: Callable[[World], str], suffix: str = "") -> Build:
    """A read of one record, made once per world: reads change nothing."""

    def build(w: World) -> tuple[str, Any]:
        key = (kind, suffix)
        if key not in w.made:
            w.made[key] = make(w)
        return f"/{kind}/{w.made[key]}{suffix}", None

    return build


def _tree(suffix: str, body: Any = None) -> Build:
    return lambda w: (f"/trees/{w.tree}{suffix}", body)


def _first_person(suffix: str = "") -> Build:
    return lambda w: (f"/people/{w.people[0]}{suffix}", None)


def _record_routes(
    kind: str,
    make: Callable[[World], str],
    create: Callable[[World], dict[str, Any]],
    patch: dict[str, Any],
) -> dict[tuple[str, str], tuple[str, int, Build]]:
    path = "{record_id}"

    def new(w: World) -> tuple[str, Any]:
        return f"/trees/{w.tree}/{kind}", create(w)

    return {
        ("GET", f"/api/v1/trees/{{tree_id}}/{kind}"): ("read", 200, _tree(f"/{kind}")),
        ("POST", f"/api/v1/trees/{{tree_id}}/{kind}"): ("contribute", 201, new),
        ("GET", f"/api/v1/{kind}/{path}"): ("read", 200, _read(kind, make)),
        ("PATCH", f"/api/v1/{kind}/{path}"): ("edit", 200, _on(kind, make, body=patch)),
        ("DELETE", f"/api/v1/{kind}/{path}"): ("edit", 204, _on(kind, make)),
    }


def _link(kind: str, make: Callable[[World], str]) -> dict[tuple[str, str], tuple[str, int, Build]]:
    def unlink(w: World) -> tuple[str, Any]:
        own = make(w)
        w.owner.post(f"/{kind}/{own}/links", {"type": "person", "id": w.people[0]})
        return f"/{kind}/{own}/links/person/{w.people[0]}", None

    return {
        ("POST", f"/api/v1/{kind}/{{record_id}}/links"): (
            "edit",
            201,
            lambda w: (f"/{kind}/{make(w)}/links", {"type": "person", "id": w.people[0]}),
        ),
        ("DELETE", f"/api/v1/{kind}/{{record_id}}/links/{{target_type}}/{{target_id}}"): (
            "edit",
            204,
            unlink,
        ),
    }


def _child(w: World) -> tuple[str, Any]:
    fam = w.family()
    child = w.owner.get(f"/families/{fam}")["children"][0]["id"]
    return f"/families/{fam}/children/{child}", {"pedigree": "adopted"}


def _member(w: World) -> tuple[str, Any]:
    return f"/trees/{w.tree}/members/{w.member()}", {"role": "contributor"}


def _transfer(w: World) -> tuple[str, Any]:
    tree = w.fresh_tree()
    manager = w.platform.users.actor_for_token(w.callers["manager"].headers["Authorization"][7:])
    return f"/trees/{tree}/transfer", {"user_id": str(manager.user_id)}


TREE_ROUTES: dict[tuple[str, str], tuple[str, int, Build]] = {
    ("GET", "/api/v1/trees/{tree_id}"): ("read", 200, _tree("")),
    ("PATCH", "/api/v1/trees/{tree_id}"): ("manage", 200, _tree("", {"description": "Changed"})),
    ("DELETE", "/api/v1/trees/{tree_id}"): (
        "own",
        204,
        lambda w: (f"/trees/{w.fresh_tree()}", None),
    ),
    ("POST", "/api/v1/trees/{tree_id}/transfer"): ("own", 200, _transfer),
    ("GET", "/api/v1/trees/{tree_id}/members"): ("members", 200, _tree("/members")),
    ("GET", "/api/v1/trees/{tree_id}/members/{user_id}"): (
        "members",
        200,
        lambda w: (f"/trees/{w.tree}/members/{w.member()}", None),
    ),
    ("PATCH", "/api/v1/trees/{tree_id}/members/{user_id}"): ("manage", 200, _member),
    ("DELETE", "/api/v1/trees/{tree_id}/members/{user_id}"): (
        "manage",
        204,
        lambda w: (f"/trees/{w.tree}/members/{w.member()}", None),
    ),
    ("GET", "/api/v1/trees/{tree_id}/invitations"): ("manage", 200, _tree("/invitations")),
    ("POST", "/api/v1/trees/{tree_id}/invitations"): (
        "manage",
        201,
        _tree("/invitations", {"role": "viewer"}),
    ),
    ("DELETE", "/api/v1/trees/{tree_id}/invitations/{invitation_id}"): (
        "manage",
        204,
        lambda w: (f"/trees/{w.tree}/invitations/{w.invitation()}", None),
    ),
    ("GET", "/api/v1/trees/{tree_id}/people"): ("read", 200, _tree("/people")),
    ("GET", "/api/v1/trees/{tree_id}/statistics"): ("read", 200, _tree("/statistics")),
    ("GET", "/api/v1/trees/{tree_id}/search"): ("read", 200, _tree("/search?q=n")),
    ("GET", "/api/v1/trees/{tree_id}/duplicates"): ("edit", 200, _tree("/duplicates")),
    ("POST", "/api/v1/trees/{tree_id}/duplicates/scan"): ("edit", 202, _tree("/duplicates/scan")),
    ("GET", "/api/v1/trees/{tree_id}/search/suggest"): (
        "read",
        200,
        _tree("/search/suggest?prefix=n"),
    ),
    ("POST", "/api/v1/trees/{tree_id}/people"): (
        "contribute",
        201,
        _tree("/people", {"names": [{"given": "N"}]}),
    ),
    ("GET", "/api/v1/people/{person_id}"): ("read", 200, _first_person()),
    ("PATCH", "/api/v1/people/{person_id}"): (
        "edit",
        200,
        _on("people", World.person, body={"sex": "female"}),
    ),
    ("DELETE", "/api/v1/people/{person_id}"): ("edit", 204, _on("people", World.person)),
    ("GET", "/api/v1/people/{person_id}/events"): ("read", 200, _first_person("/events")),
    ("GET", "/api/v1/people/{person_id}/pedigree"): ("read", 200, _first_person("/pedigree")),
    ("GET", "/api/v1/people/{person_id}/descendants"): ("read", 200, _first_person("/descendants")),
    ("POST", "/api/v1/people/{person_id}/erase"): (
        "manage",
        200,
        _on("people", World.person, "/erase", {"mode": "redact", "reason": "asked"}),
    ),
    ("GET", "/api/v1/trees/{tree_id}/families"): ("read", 200, _tree("/families")),
    ("POST", "/api/v1/trees/{tree_id}/families"): (
        "contribute",
        201,
        _tree("/families", {"union_type": "civil"}),
    ),
    ("GET", "/api/v1/families/{family_id}"): ("read", 200, _read("families", World.family)),
    ("PATCH", "/api/v1/families/{family_id}"): (
        "edit",
        200,
        _on("families", World.family, body={"union_type": "customary"}),
    ),
    ("DELETE", "/api/v1/families/{family_id}"): ("edit", 204, _on("families", World.family)),
    ("POST", "/api/v1/families/{family_id}/children"): (
        "edit",
        201,
        lambda w: (f"/families/{w.family()}/children", {"child_id": w.person()}),
    ),
    ("PATCH", "/api/v1/families/{family_id}/children/{child_id}"): ("edit", 200, _child),
    ("DELETE", "/api/v1/families/{family_id}/children/{child_id}"): ("edit", 200, _child),
    ("POST", "/api/v1/trees/{tree_id}/events"): (
        "contribute",
        201,
        lambda w: (f"/trees/{w.tree}/events", {"person_id": w.person(), "type": "census"}),
    ),
    ("GET", "/api/v1/events/{event_id}"): ("read", 200, _read("events", World.event)),
    ("PATCH", "/api/v1/events/{event_id}"): (
        "edit",
        200,
        _on("events", World.event, body={"description": "x"}),
    ),
    ("DELETE", "/api/v1/events/{event_id}"): ("edit", 204, _on("events", World.event)),
    **_record_routes(
        "places",
        lambda w: w.record("places", {"name": "Harare"}),
        lambda w: {"name": "Bulawayo"},
        {"name": "Gweru"},
    ),
    **_record_routes(
        "repositories",
        lambda w: w.record("repositories", {"name": "Archive"}),
        lambda w: {"name": "Mission"},
        {"name": "Library"},
    ),
    **_record_routes("sources", World.source, lambda w: {"title": "Census"}, {"title": "1969"}),
    **_record_routes(
        "citations",
        World.citation,
        lambda w: {"source_id": w.source(), "target": {"type": "person", "id": w.people[0]}},
        {"page": "p. 2"},
    ),
    **_record_routes("notes", World.note, lambda w: {"text": "New"}, {"text": "Changed"}),
    **_record_routes(
        "media", World.media, lambda w: {"title": "Scan", "file": "s.jpg"}, {"title": "Scan 2"}
    ),
    **_link("notes", World.note),
    **_link("media", World.media),
    ("GET", "/api/v1/media/{media_id}/file"): (
        "read",
        302,
        _read("media", World.photo, "/file?variant=small"),
    ),
    ("GET", "/api/v1/media/{media_id}/urls"): ("read", 200, _read("media", World.photo, "/urls")),
    ("PUT", "/api/v1/media/{media_id}/tags/{person_id}"): (
        "edit",
        200,
        lambda w: (f"/media/{w.media()}/tags/{w.people[0]}", {"x": 0, "y": 0, "w": 1, "h": 1}),
    ),
    ("DELETE", "/api/v1/media/{media_id}/tags/{person_id}"): (
        "edit",
        204,
        lambda w: (f"/media/{w.tagged()}/tags/{w.people[0]}", None),
    ),
    ("POST", "/api/v1/trees/{tree_id}/media/uploads"): (
        "contribute",
        201,
        _tree("/media/uploads", {"filename": "a.jpg", "size": 1000, "content_type": "image/jpeg"}),
    ),
    ("GET", "/api/v1/people/{person_id}/primary-media"): (
        "read",
        200,
        _first_person("/primary-media"),
    ),
    ("PUT", "/api/v1/people/{person_id}/primary-media"): (
        "edit",
        200,
        _on("people", World.person, "/primary-media", {"media_id": None}),
    ),
    ("GET", "/api/v1/people/{person_id}/history"): ("edit", 200, _first_person("/history")),
    ("GET", "/api/v1/trees/{tree_id}/history"): ("edit", 200, _tree("/history")),
    ("GET", "/api/v1/trees/{tree_id}/activity"): ("edit", 200, _tree("/activity")),
    ("GET", "/api/v1/changes/{change_id}"): ("edit", 200, _read("changes", World.change)),
    ("POST", "/api/v1/changes/{change_id}/undo"): (
        "edit",
        201,
        _on("changes", World.change, "/undo"),
    ),
}


OTHER_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/health"): "no data; open to all (test_demo_and_web)",
    ("GET", "/healthz"): "liveness, no data; open to all (test_cache_and_health)",
    ("GET", "/readyz"): "readiness: which services answer, no data (test_cache_and_health)",
    ("GET", "/api/v1/trees"): "lists only the trees the caller may see (test_trees, below)",
    ("POST", "/api/v1/trees"): "any signed-in account (below)",
    ("GET", "/api/v1/admin/audit"): "site admins only (below)",
    ("GET", "/api/v1/admin/status"): "site admins only (test_cache_and_health)",
    ("GET", "/api/v1/invitations/mine"): "the caller's own invitations, to their confirmed "
    "address (test_invitations_mine)",
    ("POST", "/api/v1/invitations/{invitation_id}/accept"): "only an invitation to the "
    "caller's confirmed address; anyone else's is 404 (test_invitations_mine)",
    ("POST", "/api/v1/invitations/{invitation_id}/decline"): "only an invitation to the "
    "caller's confirmed address; anyone else's is 404 (test_invitations_mine)",
    (
        "POST",
        "/api/v1/invitations/accept",
    ): "authorised by the invitation's secret (test_invitations)",
    (
        "POST",
        "/api/v1/invitations/decline",
    ): "authorised by the invitation's secret (test_invitations)",
    ("GET", "/api/v1/jobs"): "the caller's own jobs; 401 if anonymous (test_jobs)",
    ("GET", "/api/v1/jobs/{job_id}"): "its starter or a manager of its tree; else 404 (test_jobs)",
    ("POST", "/api/v1/jobs/{job_id}/cancel"): "as reading it, with the 'write' scope (test_jobs)",
    ("POST", "/api/v1/trees/{tree_id}/imports"): (
        "editors and above; hidden tree 404, anonymous 401, weaker roles 403 (test_gedcom_api)"
    ),
    ("POST", "/api/v1/trees/{tree_id}/exports"): (
        "any signed-in reader, the privacy engine applied to them; else 404/401 (test_gedcom_api)"
    ),
    ("GET", "/api/v1/jobs/{job_id}/download"): "only who started the export (test_gedcom_api)",
    ("GET", "/api/v1/search"): "searches only the trees the caller may see (test_search)",
    ("GET", "/api/v1/search/suggest"): "suggests only from trees the caller may see (test_search)",
    ("GET", "/api/v1/search/status"): "site admins only (test_search)",
    ("POST", "/api/v1/search/reindex"): "site admins only (test_cache_and_health)",
    ("GET", "/api/v1/duplicates/{pair_id}/preview"): "editors of the tree (test_duplicates)",
    ("POST", "/api/v1/duplicates/{pair_id}/merge"): "editors of the tree (test_duplicates)",
    ("POST", "/api/v1/duplicates/{pair_id}/dismiss"): "editors of the tree (test_duplicates)",
    ("POST", "/api/v1/duplicates/{pair_id}/reopen"): "editors of the tree (test_duplicates)",
    ("POST", "/api/v1/trees/{tree_id}/media/files"): (
        "contributors and above, a multipart body (test_media: test_who_may_upload)"
    ),
    ("GET", "/api/v1/media/uploads/{upload_id}"): "only who started the upload (test_media)",
    ("POST", "/api/v1/media/uploads/{upload_id}/complete"): "only who started it (test_media)",
    ("DELETE", "/api/v1/media/uploads/{upload_id}"): "only who started it (test_media)",
}
"""Routes outside any one tree, with where their rules are tested. Everything under /auth/ and
/account/ acts on the caller's own account and is tested in test_account*.py and test_gdpr*.py."""


def _routes(client: TestClient) -> set[tuple[str, str]]:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    return {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops}


def test_every_route_has_an_entry(client: TestClient) -> None:
    routes = _routes(client)
    own_account = {r for r in routes if r[1].startswith(("/api/v1/auth/", "/api/v1/account"))}
    missing = routes - own_account - set(TREE_ROUTES) - set(OTHER_ROUTES)
    assert not missing, f"routes without an authorization matrix entry: {sorted(missing)}"
    stale = (set(TREE_ROUTES) | set(OTHER_ROUTES)) - routes
    assert not stale, f"matrix entries for routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def callers(client: TestClient, platform: Platform) -> dict[str, Api]:
    out = {"anonymous": Api(client)}
    for role in ROLES[1:]:
        out[role] = Api(client, make_user(platform, f"{role}@example.org", admin=role == "admin"))
    out["other_owner"].post("/trees", {"name": "Someone else's"})
    return out


@pytest.mark.parametrize("visibility", ["private", "members", "public"])
def test_tree_routes_as_every_caller(
    client: TestClient, platform: Platform, callers: dict[str, Api], visibility: str
) -> None:
    tree = make_tree(platform, callers, visibility)
    owner = callers["owner"]
    # Dead, so that guests may see them and their events and citations (the living are
    # hidden from guests, which test_privacy.py covers).
    body = {"names": [{"given": "First"}], "events": [{"type": "death", "date": "1950"}]}
    first = owner.post(f"/trees/{tree}/people", body)["id"]
    world = World(client, platform, visibility, callers, tree, [first])
    wrong: list[str] = []
    for (method, template), (need, success, build) in sorted(TREE_ROUTES.items()):
        for role in ROLES:
            url, body = build(world)
            headers = callers[role].headers
            r = client.request(
                method, f"/api/v1{url}", json=body, headers=headers, follow_redirects=False
            )
            want = expected(need, role, visibility, success)
            if r.status_code != want:
                wrong.append(
                    f"{method} {template} as {role}: {r.status_code}, want {want}: {r.text[:160]}"
                )
    assert not wrong, f"{len(wrong)} answers differ from the matrix:\n" + "\n".join(wrong)


def test_site_routes_as_every_caller(client: TestClient, callers: dict[str, Api]) -> None:
    for role in ROLES:
        api = callers[role]
        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/api/v1/trees", headers=api.headers).status_code == 200
        created = client.post("/api/v1/trees", json={"name": "Mine"}, headers=api.headers)
        assert created.status_code == (401 if role == "anonymous" else 201), role
        audit = client.get("/api/v1/admin/audit", headers=api.headers).status_code
        assert audit == {"anonymous": 401, "admin": 200}.get(role, 403), role
