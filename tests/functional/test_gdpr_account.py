"""Data-protection rights of an account over HTTP and the command line: the export archive,
consent to the current terms and privacy policy, and deleting the account (grace period,
cancelling, the purge with the platform's clock moved forward)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dzinza.adapters.sql import tables as t
from dzinza.api.app import create_app
from dzinza.cli import app as cli
from dzinza.services import export, gdpr
from dzinza.services.gdpr import Documents
from dzinza.services.platform import Platform
from tests.conftest import Api
from tests.doubles import FakeClock as Clock
from tests.doubles import Inbox

PASSWORD = "kraal mopane sunrise 42"


class World:
    """The app on the test database with a clock the test moves and an inbox it reads."""

    def __init__(self, platform: Platform, client: TestClient, clock: Clock, inbox: Inbox) -> None:
        self.platform = platform
        self.client = client
        self.clock = clock
        self.inbox = inbox
        self.anonymous = Api(client)

    @property
    def engine(self) -> sa.Engine:
        engine: sa.Engine = self.platform.store.engine  # type: ignore[attr-defined]
        return engine

    def user(self, email: str, *, terms: str | None = "2026-11") -> tuple[uuid.UUID, Api]:
        consent = (terms, terms) if terms else None
        made = self.platform.users.create(email, PASSWORD, consent=consent)
        return uuid.UUID(made["id"]), self.login(email)

    def login(self, email: str, expect: int = 200) -> Api:
        tokens = self.anonymous.post(
            "/auth/login", {"email": email, "password": PASSWORD}, expect=expect
        )
        return Api(self.client, tokens["access_token"] if expect == 200 else None)

    def rows(self, table: sa.Table, *where: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(table).where(*where))]

    def add_member(self, tree_id: str, user_id: uuid.UUID, role: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                t.tree_members.insert().values(
                    tree_id=uuid.UUID(tree_id), user_id=user_id, role=role
                )
            )

    def audit(self, action: str) -> list[dict[str, Any]]:
        return self.rows(t.audit_log, t.audit_log.c.action == action)


@contextmanager
def world_of(platform: Platform, documents: Documents | None = None) -> Iterator[World]:
    clock, inbox = Clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)), Inbox()
    timed = Platform(
        store=platform.store,
        hasher=platform.hasher,
        clock=clock,
        mailer=inbox,
        base_url="https://dzinza.test",
        documents=documents or Documents("2026-11", "2026-11"),
    )
    inbox.flush = timed.users.outbox.flush
    with TestClient(create_app(timed), raise_server_exceptions=False) as c:
        yield World(timed, c, clock, inbox)
    timed.users.outbox.close()


@pytest.fixture
def world(platform: Platform) -> Iterator[World]:
    with world_of(platform) as w:
        yield w


def read_zip(content: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return {
            name: zf.read(name).decode() if name.endswith(".txt") else json.loads(zf.read(name))
            for name in zf.namelist()
        }


def fill_tree(api: Api, tree_id: str) -> dict[str, Any]:
    place = api.post(f"/trees/{tree_id}/places", {"name": "Masvingo"})
    mother = api.post(
        f"/trees/{tree_id}/people",
        {
            "sex": "female",
            "names": [{"given": "Rufaro", "surname": "Moyo"}],
            "events": [{"type": "birth", "date": "1950", "place_id": place["id"]}],
            "external_ids": [{"kind": "refn", "value": "R-1"}],
        },
    )
    child = api.post(f"/trees/{tree_id}/people", {"names": [{"given": "Tatenda"}]})
    family = api.post(
        f"/trees/{tree_id}/families",
        {"partner1_id": mother["id"], "children": [{"child_id": child["id"]}]},
    )
    repo = api.post(f"/trees/{tree_id}/repositories", {"name": "National Archives"})
    source = api.post(
        f"/trees/{tree_id}/sources", {"title": "Parish register", "repository_id": repo["id"]}
    )
    target = {"type": "person", "id": mother["id"]}
    api.post(f"/trees/{tree_id}/citations", {"source_id": source["id"], "target": target})
    both = [target, {"type": "person", "id": child["id"]}]
    api.post(f"/trees/{tree_id}/notes", {"text": "Sang in the choir", "targets": both})
    api.post(f"/trees/{tree_id}/media", {"title": "Portrait", "targets": [target]})
    return {"mother": mother, "child": child, "family": family, "place": place}


# -- export ------------------------------------------------------------------------------------
def test_export_holds_account_consents_memberships_trees_and_history(world: World) -> None:
    me_id, me = world.user("rudo@example.org")
    _, other = world.user("chipo@example.org")
    mine = me.post("/trees", {"name": "Moyo family"})
    made = fill_tree(me, mine["id"])
    theirs = other.post("/trees", {"name": "Other family"})
    world.add_member(theirs["id"], me_id, "editor")
    me.post("/account/consents", {"document": "privacy", "version": "2026-11"})
    other.post(f"/trees/{theirs['id']}/people", {"names": [{"given": "Not mine"}]})
    personal = me.post("/auth/tokens", {"name": "script", "scopes": ["read", "write"]})

    r = me.client.post("/api/v1/account/export", headers=me.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["cache-control"] == "no-store"
    files = read_zip(r.content)
    assert set(files) == {
        "README.txt",
        "account.json",
        "consents.json",
        "memberships.json",
        f"trees/{mine['id']}.json",
        "history.json",
    }
    assert "rudo@example.org" in files["README.txt"] and "history.json" in files["README.txt"]

    account = files["account.json"]
    assert account["email"] == "rudo@example.org" and account["id"] == str(me_id)
    assert account["two_factor"] is False
    assert "password_hash" not in account and "totp_secret" not in account
    assert {tok["name"] for tok in account["tokens"]} >= {"script"}
    # No secret anywhere in the archive, not even hashed.
    [user] = world.rows(t.users, t.users.c.id == me_id)
    hashes = [row["token_hash"] for row in world.rows(t.api_tokens)]
    hashes += [row["token_hash"] for row in world.rows(t.refresh_tokens)]
    blob = r.content.decode("latin-1")
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        text = "".join(zf.read(n).decode() for n in zf.namelist())
    for secret in [user["password_hash"], personal["token"], *hashes]:
        assert secret not in text and secret not in blob

    consents = files["consents.json"]
    assert {(c["document"], c["via"]) for c in consents} == {
        ("terms", "registration"),
        ("privacy", "registration"),
        ("privacy", "consent"),
    }
    roles = {(m["tree_id"], m["role"]) for m in files["memberships.json"]}
    assert roles == {(mine["id"], "owner"), (theirs["id"], "editor")}

    tree = files[f"trees/{mine['id']}.json"]
    assert tree["tree"]["name"] == "Moyo family"
    people = {p["id"]: p for p in tree["people"]}
    assert [n["given"] for n in people[made["mother"]["id"]]["names"]] == ["Rufaro"]
    [family] = tree["families"]
    assert [c["child_id"] for c in family["children"]] == [made["child"]["id"]]
    assert [e["date_text"] for e in tree["events"]] == ["1950"]
    assert [p["name"] for p in tree["places"]] == ["Masvingo"]
    assert [x["name"] for x in tree["repositories"]] == ["National Archives"]
    assert [x["title"] for x in tree["sources"]] == ["Parish register"]
    assert len(tree["citations"]) == 1
    assert [x["text"] for x in tree["notes"]] == ["Sang in the choir"]
    assert [x["title"] for x in tree["media"]] == ["Portrait"]
    linked = {x["target_id"] for x in tree["note_links"]}
    assert linked == {made["mother"]["id"], made["child"]["id"]}
    assert [x["target_id"] for x in tree["media_links"]] == [made["mother"]["id"]]
    assert [x["value"] for x in tree["external_ids"]] == ["R-1"]

    # The changes I made (the history files every write), not the other user's.
    history = files["history.json"]
    assert history["user_id"] == str(me_id)
    assert len(history["changes"]) == len(world.rows(t.changes, t.changes.c.user_id == me_id))
    assert {c["tree_id"] for c in history["changes"]} == {mine["id"]}
    [created] = [
        c
        for c in history["changes"]
        if c["action"] == "person.create"
        and any(i["record_id"] == made["mother"]["id"] for i in c["items"])
    ]
    names = [i["after"]["given"] for i in created["items"] if i["kind"] == "name"]
    assert names == ["Rufaro"]
    assert "Not mine" not in json.dumps(history)

    [entry] = world.audit("account.export")
    assert entry["actor_id"] == me_id and entry["target_id"] == me_id
    assert entry["detail"]["trees"] == 1


def test_export_is_refused_without_a_session_and_past_the_cap(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, me = world.user("rudo@example.org")
    tree = me.post("/trees", {"name": "Moyo family"})
    fill_tree(me, tree["id"])
    world.anonymous.post("/account/export", None, expect=401)
    personal = me.post("/auth/tokens", {"name": "script", "scopes": ["read", "write"]})
    Api(world.client, personal["token"]).post("/account/export", None, expect=403)
    monkeypatch.setattr(gdpr, "EXPORT_CAP", 300)
    assert "larger" in me.post("/account/export", None, expect=413)["detail"]
    monkeypatch.setattr(gdpr, "EXPORT_CAP", 2**20)
    # Five exports an hour, the refused one included.
    for _ in range(4):
        assert me.client.post("/api/v1/account/export", headers=me.headers).status_code == 200
    assert "exports" in me.post("/account/export", None, expect=429)["detail"]
    assert len(world.audit("account.export")) == 4


def test_export_from_the_command_line(
    world: World, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, me = world.user("rudo@example.org")
    tree = me.post("/trees", {"name": "Moyo family"})
    fill_tree(me, tree["id"])
    # One row a page: every table, composite keys included, is read over several pages.
    monkeypatch.setattr(export, "PAGE", 1)
    monkeypatch.setenv("DZINZA_DATABASE_URL", database_url)
    monkeypatch.setenv("DZINZA_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    target = tmp_path / "rudo.zip"
    r = runner.invoke(cli, ["account", "export", "RUDO@example.org", "--out", str(target)])
    assert r.exit_code == 0, r.output
    assert "1 owned tree" in " ".join(r.output.split())
    files = read_zip(target.read_bytes())
    assert files["account.json"]["email"] == "rudo@example.org"
    exported = files[f"trees/{tree['id']}.json"]
    counts = {k: len(v) for k, v in exported.items() if isinstance(v, list)}
    assert counts == {
        "people": 2,
        "families": 1,
        "events": 1,
        "places": 1,
        "repositories": 1,
        "sources": 1,
        "citations": 1,
        "notes": 1,
        "note_links": 2,
        "media": 1,
        "media_links": 1,
        "external_ids": 1,
    }
    assert sum(len(p["names"]) for p in exported["people"]) == 2
    assert [e["ip"] for e in world.audit("account.export")] == ["cli"]
    r = runner.invoke(cli, ["account", "export", "nobody@example.org", "--out", str(target)])
    assert r.exit_code == 1 and "no user" in r.output
    r = runner.invoke(
        cli, ["account", "export", "rudo@example.org", "--out", str(tmp_path / "no" / "x.zip")]
    )
    assert r.exit_code == 1 and "no folder" in r.output
    assert sorted(p.name for p in tmp_path.glob("*.zip")) == ["rudo.zip"]


# -- consents ----------------------------------------------------------------------------------
def test_consents_to_the_current_documents(platform: Platform) -> None:
    with world_of(platform, Documents("2026-11", "2027-01")) as world:
        me_id, me = world.user("rudo@example.org")
        account = me.get("/account")
        assert account["email"] == "rudo@example.org" and account["deletion"] is None
        assert account["consents"] == {
            "terms": {"current_version": "2026-11", "accepted": True},
            "privacy": {"current_version": "2027-01", "accepted": False},
        }
        problem = me.post(
            "/account/consents", {"document": "privacy", "version": "2026-11"}, expect=422
        )
        assert "2027-01" in problem["detail"]
        me.post("/account/consents", {"document": "cookies", "version": "2027-01"}, expect=422)
        me.post("/account/consents", {"document": "privacy"}, expect=422)
        made = me.post("/account/consents", {"document": "privacy", "version": "2027-01"})
        assert made["accepted_at"].startswith("2026-12-01T09:00")
        assert me.get("/account")["consents"]["privacy"]["accepted"] is True
        listed = me.get("/account/consents")
        assert listed["current"]["privacy"] == {"current_version": "2027-01", "accepted": True}
        assert [(i["document"], i["version"], i["via"]) for i in listed["items"]] == [
            ("terms", "2026-11", "registration"),
            ("privacy", "2026-11", "registration"),
            ("privacy", "2027-01", "consent"),
        ]
        [row] = world.rows(
            t.consents, sa.and_(t.consents.c.user_id == me_id, t.consents.c.via == "consent")
        )
        assert (row["document"], row["version"]) == ("privacy", "2027-01")
        [entry] = world.audit("account.consent")
        assert entry["detail"] == {"document": "privacy", "version": "2027-01"}

        # An account made without accepting anything (the command line) has accepted nothing.
        _, cli_user = world.user("gogo@example.org", terms=None)
        assert not any(c["accepted"] for c in cli_user.get("/account")["consents"].values())
        personal = cli_user.post("/auth/tokens", {"name": "x", "scopes": ["read", "write"]})
        token = Api(world.client, personal["token"])
        token.get("/account")
        body = {"document": "terms", "version": "2026-11"}
        token.post("/account/consents", body, expect=403)
        world.anonymous.get("/account", expect=401)
        world.anonymous.post("/account/consents", body, expect=401)


def test_settings_carry_the_document_versions() -> None:
    from dzinza.settings import Settings

    settings = Settings(terms_version="2027-02", privacy_version="2027-03")
    assert (settings.terms_version, settings.privacy_version) == ("2027-02", "2027-03")
    assert Settings().terms_version == "2026-11"


# -- deleting the account ----------------------------------------------------------------------
def delete_body(**kw: Any) -> dict[str, Any]:
    return {"password": PASSWORD, "owned_trees": "delete"} | kw


def test_deletion_is_checked_scheduled_cancelled_and_scheduled_again(world: World) -> None:
    me_id, me = world.user("rudo@example.org")
    heir_id, heir = world.user("chipo@example.org")
    kept = me.post("/trees", {"name": "Kept"})
    gone = me.post("/trees", {"name": "Gone"})
    world.add_member(kept["id"], heir_id, "editor")

    me.post("/account/delete", delete_body(password="not my password"), expect=401)
    me.post("/account/delete", delete_body(owned_trees="give away"), expect=422)
    me.post("/account/delete", {"owned_trees": "delete"}, expect=422)
    problem = me.post("/account/delete", delete_body(owned_trees="transfer"), expect=422)
    assert {e["field"] for e in problem["errors"]} == {
        f"transfer_to.{kept['id']}",
        f"transfer_to.{gone['id']}",
    }
    # The heir must be a member of the tree, and the tree one's own.
    bad = delete_body(transfer_to={gone["id"]: str(heir_id)})
    assert "member" in me.post("/account/delete", bad, expect=422)["detail"]
    theirs = heir.post("/trees", {"name": "Theirs"})
    bad = delete_body(transfer_to={theirs["id"]: str(heir_id)})
    assert "do not own" in me.post("/account/delete", bad, expect=422)["detail"]
    bad = delete_body(transfer_to={kept["id"]: "not-a-uuid"})
    me.post("/account/delete", bad, expect=422)
    personal = me.post("/auth/tokens", {"name": "x", "scopes": ["read", "write"]})
    Api(world.client, personal["token"]).post("/account/delete", delete_body(), expect=403)
    world.anonymous.post("/account/delete", delete_body(), expect=401)
    assert world.rows(t.users, t.users.c.id == me_id)[0]["deletion_due_at"] is None

    plan = delete_body(transfer_to={kept["id"]: str(heir_id)})
    scheduled = me.post("/account/delete", plan, expect=202)
    assert scheduled["due_at"].startswith("2026-12-31T09:00")
    assert scheduled["plan"] == {
        "owned_trees": "delete",
        "transfer_to": {kept["id"]: str(heir_id)},
    }
    # Signed out everywhere, personal tokens included; told by email.
    me.get("/trees", expect=401)
    Api(world.client, personal["token"]).get("/trees", expect=401)
    assert "Your Dzinza account will be deleted" in world.inbox.subjects("rudo@example.org")
    [entry] = world.audit("account.delete_requested")
    assert entry["actor_id"] == me_id and "rudo" not in json.dumps(entry["detail"])

    # Signing in during the grace period is allowed, to cancel.
    again = world.login("rudo@example.org")
    assert again.get("/account")["deletion"]["due_at"] == scheduled["due_at"]
    assert "already scheduled" in again.post("/account/delete", plan, expect=409)["detail"]
    world.clock.advance(days=10)
    again = world.login("rudo@example.org")
    assert again.post("/account/delete/cancel", None, expect=200) == {"deletion": None}
    assert again.get("/account")["deletion"] is None
    again.post("/account/delete/cancel", None, expect=409)
    assert "cancelled" in world.inbox.subjects("rudo@example.org")[-1]
    assert len(world.audit("account.delete_cancelled")) == 1
    assert world.platform.gdpr.purge(world.clock.now() + timedelta(days=60)) == []

    world.login("rudo@example.org").post("/account/delete", plan, expect=202)
    world.clock.advance(days=30, seconds=1)
    # The grace period is over: too late to cancel, and the purge erases the account.
    world.login("rudo@example.org").post("/account/delete/cancel", None, expect=409)


def test_purge_erases_due_accounts_and_hands_trees_over_as_planned(world: World) -> None:
    me_id, me = world.user("rudo@example.org")
    heir_id, heir = world.user("chipo@example.org")
    left_id, _ = world.user("tendai@example.org")
    kept = me.post("/trees", {"name": "Kept"})
    gone = me.post("/trees", {"name": "Gone"})
    orphan = me.post("/trees", {"name": "Heir left"})
    person = fill_tree(me, kept["id"])["mother"]
    world.add_member(kept["id"], heir_id, "editor")
    world.add_member(orphan["id"], left_id, "viewer")
    theirs = heir.post("/trees", {"name": "Theirs"})
    world.add_member(theirs["id"], me_id, "contributor")
    me.post("/account/consents", {"document": "terms", "version": "2026-11"})
    wrong = {"email": "rudo@example.org", "password": "not the password at all"}
    world.anonymous.post("/auth/login", wrong, expect=401)
    assert world.rows(t.rate_counters, t.rate_counters.c.key.like("%rudo@example.org%"))
    plan = {
        "password": PASSWORD,
        "owned_trees": "transfer",
        "transfer_to": {kept["id"]: str(heir_id), orphan["id"]: str(left_id), gone["id"]: ""},
    }
    me.post("/account/delete", plan, expect=422)
    plan["transfer_to"] = {kept["id"]: str(heir_id), orphan["id"]: str(left_id)}
    plan["owned_trees"] = "delete"
    me.post("/account/delete", plan, expect=202)
    # The chosen heir of one tree leaves it during the grace period.
    with world.engine.begin() as conn:
        conn.execute(t.tree_members.delete().where(t.tree_members.c.user_id == left_id))

    world.clock.advance(days=29)
    assert world.platform.gdpr.purge() == []
    assert world.rows(t.users, t.users.c.id == me_id)
    world.clock.advance(days=1, seconds=1)
    [done] = world.platform.gdpr.purge()
    assert done["user_id"] == str(me_id)
    outcomes = {x["tree_id"]: x["outcome"] for x in done["trees"]}
    assert outcomes == {kept["id"]: "transferred", gone["id"]: "deleted", orphan["id"]: "deleted"}
    assert world.platform.gdpr.purge() == []

    # The account and everything that hangs on it are gone.
    assert world.rows(t.users, t.users.c.id == me_id) == []
    for table in (t.api_tokens, t.refresh_tokens, t.consents, t.tree_members):
        assert world.rows(table, table.c.user_id == me_id) == []
    assert world.rows(t.rate_counters, t.rate_counters.c.key.like("%rudo@example.org%")) == []
    world.login("rudo@example.org", expect=401)
    # The tree handed over belongs to the heir now (not a member row any more), with its data.
    [tree] = world.rows(t.trees, t.trees.c.id == uuid.UUID(kept["id"]))
    assert tree["owner_id"] == heir_id
    assert world.rows(t.tree_members, t.tree_members.c.tree_id == tree["id"]) == []
    heir = world.login("chipo@example.org")
    assert heir.get(f"/people/{person['id']}")["display_name"] == "Rufaro Moyo"
    for deleted in (gone, orphan):
        assert world.rows(t.trees, t.trees.c.id == uuid.UUID(deleted["id"])) == []
    # The history of the tree handed over keeps the erased user's id, an opaque id now; the
    # history of the deleted trees went with them.
    changes = world.rows(t.changes, t.changes.c.user_id == me_id)
    assert changes and {c["tree_id"] for c in changes} == {tree["id"]}
    assert world.rows(t.users, t.users.c.id == me_id) == []
    # The audit log says what happened, without personal data.
    [transferred] = world.audit("tree.transferred")
    assert transferred["detail"]["to"] == str(heir_id)
    deleted_trees = {e["target_id"]: e["detail"] for e in world.audit("tree.delete")}
    assert set(deleted_trees) == {uuid.UUID(gone["id"]), uuid.UUID(orphan["id"])}
    assert "no longer a member" in deleted_trees[uuid.UUID(orphan["id"])]["transfer_failed"]
    assert "transfer_failed" not in deleted_trees[uuid.UUID(gone["id"])]
    [erased] = world.audit("account.erased")
    assert erased["target_id"] == me_id
    assert erased["detail"] == {"trees_deleted": 2, "trees_transferred": 1}
    for entry in world.rows(t.audit_log):
        assert "rudo@example.org" not in json.dumps(entry["detail"])
    assert "Your Dzinza account has been erased" in world.inbox.subjects("rudo@example.org")


def test_purge_from_the_command_line(
    world: World, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me_id, me = world.user("rudo@example.org")
    me.post("/trees", {"name": "Mine"})
    me.post("/account/delete", delete_body(), expect=202)
    monkeypatch.setenv("DZINZA_DATABASE_URL", database_url)
    monkeypatch.setenv("DZINZA_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    r = runner.invoke(cli, ["gdpr", "purge"])
    assert r.exit_code == 0 and "0 account(s) erased" in r.output
    # The command line runs on the real clock: make the grace period end in the past.
    with world.engine.begin() as conn:
        past = datetime.now(UTC) - timedelta(minutes=1)
        conn.execute(t.users.update().where(t.users.c.id == me_id).values(deletion_due_at=past))
    r = runner.invoke(cli, ["gdpr", "purge"])
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())
    assert f"Erased account {me_id}" in said and "1 account(s) erased" in said
    assert world.rows(t.users, t.users.c.id == me_id) == []
