"""Personal access tokens over HTTP: created with scopes and an optional expiry (the secret shown
once), listed, revoked; read-only tokens refused on writes; the admin scope; last use."""

from __future__ import annotations

from typing import Any

from dzinza.services.platform import Platform
from tests.conftest import Api
from tests.doubles import FakeClock
from tests.functional.test_accounts import GOOD, login, register, signed_in


def make_token(me: Api, scopes: list[str], **extra: Any) -> tuple[Api, dict[str, Any]]:
    made = me.post("/auth/tokens", {"name": "script", "scopes": scopes, **extra})
    return Api(me.client, made["token"]), made


def test_tokens_are_shown_once_listed_and_revoked(api: Api) -> None:
    register(api)
    me = signed_in(api, login(api))
    made = me.post(
        "/auth/tokens",
        {"name": "backup script", "scopes": ["write", "read"], "expires_in_days": 30},
    )
    assert made["token"].startswith("dzp_") and made["scopes"] == ["read", "write"]
    assert made["expires_at"].startswith("2026-12-26") and made["last_used_at"] is None
    [listed] = me.get("/auth/tokens")["items"]
    assert listed == {k: v for k, v in made.items() if k != "token"}
    personal = Api(api.client, made["token"])
    assert personal.get("/auth/me")["email"] == "rudo@example.org"
    me.delete(f"/auth/tokens/{made['id']}")
    personal.get("/auth/me", expect=401)
    me.delete(f"/auth/tokens/{made['id']}", expect=404)
    assert me.get("/auth/tokens")["items"] == []


def test_token_requests_are_checked(api: Api) -> None:
    register(api)
    register(api, email="chipo@example.org")
    me = signed_in(api, login(api))
    for body, status in [
        ({"name": "x", "scopes": []}, 422),
        ({"name": "x", "scopes": ["delete"]}, 422),
        ({"name": "", "scopes": ["read"]}, 422),
        ({"name": "x", "scopes": ["read"], "expires_in_days": 0}, 422),
        ({"name": "x", "scopes": ["read"], "extra": 1}, 422),
        ({"name": "x", "scopes": ["admin"]}, 403),
    ]:
        me.post("/auth/tokens", body, expect=status)
    api.post("/auth/tokens", {"name": "x", "scopes": ["read"]}, expect=401)
    # A personal token cannot make, list or revoke tokens, even with every scope it can get.
    personal, made = make_token(me, ["read", "write"])
    personal.post("/auth/tokens", {"name": "y", "scopes": ["read"]}, expect=403)
    personal.get("/auth/tokens", expect=403)
    personal.delete(f"/auth/tokens/{made['id']}", expect=403)
    # Nobody else's token can be revoked by its id.
    other = signed_in(api, login(api, email="chipo@example.org"))
    other.delete(f"/auth/tokens/{made['id']}", expect=404)
    personal.get("/auth/me")
    me.delete("/auth/tokens/not-a-uuid", expect=422)


def test_a_token_without_write_can_only_read(api: Api) -> None:
    register(api)
    me = signed_in(api, login(api))
    tree = me.post("/trees", {"name": "Moyo family", "visibility": "private"})
    reader, _ = make_token(me, ["read"])
    assert reader.get(f"/trees/{tree['id']}")["name"] == "Moyo family"
    for method, path, body in [
        ("POST", "/trees", {"name": "Another"}),
        ("PATCH", f"/trees/{tree['id']}", {"name": "Renamed"}),
        ("DELETE", f"/trees/{tree['id']}", None),
        ("POST", "/auth/logout-all", {}),
    ]:
        kw = {"json": body} if body is not None else {}
        problem = reader.call(method, path, 403, **kw)
        assert "write" in problem["detail"]
    assert me.get(f"/trees/{tree['id']}")["name"] == "Moyo family"
    writer, _ = make_token(me, ["read", "write"])
    writer.post("/trees", {"name": "Another"})


def test_the_admin_scope_keeps_a_site_admins_rights(api: Api, platform: Platform) -> None:
    register(api)
    private = signed_in(api, login(api)).post("/trees", {"name": "Ours", "visibility": "private"})
    platform.users.create("admin@example.org", GOOD, is_admin=True)
    admin = signed_in(api, login(api, email="admin@example.org"))
    admin.get(f"/trees/{private['id']}")
    without, _ = make_token(admin, ["read"])
    with_admin, made = make_token(admin, ["read", "admin"])
    assert made["scopes"] == ["read", "admin"]
    # Refused (or hidden, as private trees may be from non-members) without the admin scope.
    refused = api.client.get(f"/api/v1/trees/{private['id']}", headers=without.headers)
    assert refused.status_code in (403, 404), refused.text
    with_admin.get(f"/trees/{private['id']}")


def test_tokens_expire_and_their_last_use_is_kept_to_the_minute(api: Api, clock: FakeClock) -> None:
    register(api)
    me = signed_in(api, login(api))
    short, made = make_token(me, ["read"], expires_in_days=1)
    lasting, _ = make_token(me, ["read"])
    started = clock.now()

    def last_used() -> str | None:
        me = signed_in(api, login(api))
        items = {i["id"]: i for i in me.get("/auth/tokens")["items"]}
        return items[made["id"]]["last_used_at"]  # type: ignore[no-any-return]

    assert last_used() is None
    short.get("/auth/me")
    assert last_used() == started.isoformat()
    clock.advance(seconds=30)
    short.get("/auth/me")
    assert last_used() == started.isoformat()
    clock.advance(seconds=31)
    short.get("/auth/me")
    assert last_used() == clock.now().isoformat()
    clock.advance(days=2)
    short.get("/auth/me", expect=401)
    lasting.get("/auth/me")
    me.get("/auth/tokens", expect=401)  # a sign-in's access token lasts 15 minutes
    items = signed_in(api, login(api)).get("/auth/tokens")["items"]
    assert [i["expires_at"] for i in items if i["id"] != made["id"]] == [None]


def test_signing_out_everywhere_keeps_personal_tokens(api: Api) -> None:
    register(api)
    me = signed_in(api, login(api))
    personal, _ = make_token(me, ["read"])
    me.post("/auth/logout-all", {}, expect=204)
    me.get("/auth/me", expect=401)
    personal.get("/auth/me")


def test_token_creation_is_limited_per_account(api: Api) -> None:
    register(api)
    me = signed_in(api, login(api))
    for i in range(20):
        me.post("/auth/tokens", {"name": f"t{i}", "scopes": ["read"]})
    assert "new tokens" in me.post("/auth/tokens", {"name": "x", "scopes": ["read"]}, 429)["detail"]
    assert len(me.get("/auth/tokens")["items"]) == 20
