"""Invitations over HTTP: by link and by email (sent through the mailer), who may send, list and
withdraw them, accepting and declining (once), expiry on the platform's clock, the wrong
account, and branch limits carried over to the new member."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from dzinza.services.platform import Platform
from tests.conftest import Api
from tests.doubles import FakeClock, Inbox
from tests.functional.conftest import account_api
from tests.functional.test_accounts import platform_of
from tests.functional.test_members import Account, account, join


@dataclass
class Site:
    """The app with a clock the test moves and an inbox it reads; accounts are made on it."""

    api: Api
    platform: Platform
    inbox: Inbox
    clock: FakeClock

    def account(self, email: str, *, verified: bool = False) -> Account:
        return account(self.api.client, self.platform, email, verified=verified)

    def again(self, who: Account) -> Account:
        """A fresh token for ``who`` (after the clock moved past their old one)."""
        token = self.platform.users.token_for_email(who.email)["access_token"]
        return Account(Api(self.api.client, token), who.id, who.email)


@pytest.fixture
def site(platform: Platform) -> Iterator[Site]:
    clock, inbox = FakeClock(), Inbox()
    with account_api(platform, clock, inbox) as api:
        yield Site(api, platform_of(api), inbox, clock)


@pytest.fixture
def owner_of(site: Site) -> tuple[Account, str]:
    """The owner of a private tree, and the tree's id."""
    owner = site.account("owner@example.org")
    made = owner.api.post("/trees", {"name": "Moyo family"})
    return owner, str(made["id"])


def invite(api: Api, tree: str, expect: int = 201, **body: Any) -> Any:
    return api.post(f"/trees/{tree}/invitations", body, expect=expect)


def accept(who: Account, token: str, expect: int = 200) -> Any:
    return who.api.post("/invitations/accept", {"token": token}, expect=expect)


# -- by link ----------------------------------------------------------------------------------
def test_a_link_invitation_is_accepted_once(site: Site, owner_of: tuple[Account, str]) -> None:
    owner, tree = owner_of
    r = owner.api.client.post(
        f"/api/v1/trees/{tree}/invitations", json={"role": "contributor"}, headers=owner.api.headers
    )
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    made = r.json()
    token = made["token"]
    assert made["accept_url"] == f"https://dzinza.test/invitations/accept?token={token}"
    assert made["status"] == "pending" and made["email"] is None and made["email_sent"] is False
    assert made["expires_at"] == "2026-12-03T08:00:00+00:00"  # seven days by default
    listed = owner.api.get(f"/trees/{tree}/invitations")["items"]
    assert [i["id"] for i in listed] == [made["id"]]
    assert "token" not in listed[0] and "accept_url" not in listed[0]
    # Only the hash is stored.
    with site.platform.store.read() as tx:
        stored = tx.invitation(uuid.UUID(made["id"]))
    assert stored is not None and token not in str(stored)

    rudo = site.account("rudo@example.org")
    joined = accept(rudo, token)
    assert joined["tree"]["id"] == tree and joined["tree"]["my_role"] == "contributor"
    assert joined["member"]["role"] == "contributor"
    assert rudo.api.get(f"/trees/{tree}")["my_role"] == "contributor"
    assert owner.api.get(f"/trees/{tree}/invitations")["items"] == []
    # Used: neither the same account nor another can use it again.
    assert "already accepted" in accept(rudo, token, 410)["detail"]
    assert "already accepted" in accept(site.account("tino@example.org"), token, 410)["detail"]


def test_accepting_needs_a_sign_in_and_a_real_token(
    site: Site, owner_of: tuple[Account, str]
) -> None:
    owner, tree = owner_of
    token = invite(owner.api, tree, role="viewer")["token"]
    site.api.post("/invitations/accept", {"token": token}, expect=401)
    site.api.post("/invitations/decline", {"token": token}, expect=401)
    rudo = site.account("rudo@example.org")
    assert "not valid" in accept(rudo, token[:-2], 404)["detail"]
    rudo.api.post("/invitations/accept", {}, expect=422)
    rudo.api.post("/invitations/accept", {"token": ""}, expect=422)
    rudo.api.post("/invitations/accept", {"token": "x" * 201}, expect=422)
    rudo.api.post("/invitations/accept", {"token": "a\x00b"}, expect=422)
    accept(rudo, token)


def test_members_and_the_owner_cannot_accept_again(
    site: Site, owner_of: tuple[Account, str]
) -> None:
    owner, tree = owner_of
    rudo = site.account("rudo@example.org")
    join(owner.api, tree, rudo, "viewer")
    token = invite(owner.api, tree, role="editor")["token"]
    assert "already a member" in accept(rudo, token, 409)["detail"]
    assert "already the owner" in accept(owner, token, 409)["detail"]
    # The refusals did not use it up.
    accept(site.account("tino@example.org"), token)


# -- by email ---------------------------------------------------------------------------------
def test_an_email_invitation_is_mailed_and_only_its_address_accepts(
    site: Site, owner_of: tuple[Account, str]
) -> None:
    owner, tree = owner_of
    made = invite(owner.api, tree, role="editor", email="  Chipo@Example.org ")
    assert made["email"] == "chipo@example.org" and made["email_sent"] is True
    [(_, subject, text)] = site.inbox.to("chipo@example.org")
    assert "Moyo family" in subject
    assert "owner@example.org" in text and "editor" in text
    token = site.inbox.token("chipo@example.org", "invitations/accept")
    assert token == made["token"]

    other = site.account("tino@example.org", verified=True)
    assert "another email address" in accept(other, token, 403)["detail"]
    other.api.post("/invitations/decline", {"token": token}, expect=403)
    # The right address, but not yet confirmed: anyone can sign up with any address.
    unconfirmed = site.account("CHIPO@example.org")
    assert "Confirm your email" in accept(unconfirmed, token, 403)["detail"]
    with site.platform.store.write() as tx:
        tx.update_user(uuid.UUID(unconfirmed.id), {"email_verified_at": site.clock.now()})
    assert accept(unconfirmed, token)["member"]["role"] == "editor"


def test_inviting_a_member_or_a_bad_address_is_refused(
    site: Site, owner_of: tuple[Account, str]
) -> None:
    owner, tree = owner_of
    rudo = site.account("rudo@example.org")
    join(owner.api, tree, rudo, "viewer")
    assert (
        "already a member"
        in invite(owner.api, tree, 409, role="viewer", email="RUDO@example.org")["detail"]
    )
    invite(owner.api, tree, 409, role="viewer", email="owner@example.org")
    invite(owner.api, tree, 422, role="viewer", email="not an address")
    invite(owner.api, tree, 422, role="viewer", email="a\nb@example.org")
    invite(owner.api, tree, 422, role="owner")
    invite(owner.api, tree, 422, role="chief")
    invite(owner.api, tree, 422)
    invite(owner.api, tree, 422, role="viewer", expires_in_days=0)
    invite(owner.api, tree, 422, role="viewer", expires_in_days=31)
    invite(owner.api, tree, 422, role="viewer", token="mine")
    assert site.inbox.to("rudo@example.org") == []


# -- expiry, withdrawal, declining ------------------------------------------------------------
def test_invitations_expire_on_the_platforms_clock(
    site: Site, owner_of: tuple[Account, str]
) -> None:
    owner, tree = owner_of
    short = invite(owner.api, tree, role="viewer", expires_in_days=1)
    long = invite(owner.api, tree, role="viewer", expires_in_days=30)
    site.clock.advance(days=1, seconds=1)
    # Sign-in tokens expire on the same clock: new ones for the moved time.
    owner = site.again(owner)
    rudo = site.account("rudo@example.org")
    assert "expired on 2026-11-27" in accept(rudo, short["token"], 410)["detail"]
    assert [i["id"] for i in owner.api.get(f"/trees/{tree}/invitations")["items"]] == [long["id"]]
    accept(rudo, long["token"])


def test_a_withdrawn_invitation_cannot_be_used(site: Site, owner_of: tuple[Account, str]) -> None:
    owner, tree = owner_of
    made = invite(owner.api, tree, role="viewer")
    path = f"/trees/{tree}/invitations/{made['id']}"
    elsewhere = owner.api.post("/trees", {"name": "Another"})["id"]
    owner.api.delete(f"/trees/{elsewhere}/invitations/{made['id']}", expect=404)
    owner.api.delete(f"/trees/{tree}/invitations/{tree}", expect=404)
    owner.api.delete(path, headers={"If-Match": '"stale"'}, expect=412)
    owner.api.delete(path)
    assert "withdrawn" in accept(site.account("rudo@example.org"), made["token"], 410)["detail"]
    assert "already revoked" in owner.api.delete(path, expect=409)["detail"]
    assert owner.api.get(f"/trees/{tree}/invitations")["items"] == []


def test_a_declined_invitation_is_used_up(site: Site, owner_of: tuple[Account, str]) -> None:
    owner, tree = owner_of
    made = invite(owner.api, tree, role="viewer")
    rudo = site.account("rudo@example.org")
    rudo.api.post("/invitations/decline", {"token": made["token"]}, expect=204)
    assert "already declined" in accept(rudo, made["token"], 410)["detail"]
    rudo.api.post("/invitations/decline", {"token": made["token"]}, expect=410)
    rudo.api.get(f"/trees/{tree}", expect=404)
    path = f"/trees/{tree}/invitations/{made['id']}"
    assert "declined" in owner.api.delete(path, expect=409)["detail"]


# -- who may invite ---------------------------------------------------------------------------
def test_only_managers_invite_and_only_the_owner_invites_managers(
    site: Site, owner_of: tuple[Account, str]
) -> None:
    owner, tree = owner_of
    crew = {role: site.account(f"{role}@example.org") for role in ("viewer", "editor", "manager")}
    for role, who in crew.items():
        join(owner.api, tree, who, role)
    made = invite(owner.api, tree, role="viewer")
    for who in (crew["viewer"], crew["editor"]):
        invite(who.api, tree, 403, role="viewer")
        who.api.get(f"/trees/{tree}/invitations", expect=403)
        who.api.delete(f"/trees/{tree}/invitations/{made['id']}", expect=403)
    stranger = site.account("stranger@example.org")
    invite(stranger.api, tree, 404, role="viewer")
    stranger.api.get(f"/trees/{tree}/invitations", expect=404)
    manager = crew["manager"].api
    assert "Only the owner" in invite(manager, tree, 403, role="manager")["detail"]
    by_manager = invite(manager, tree, role="editor")
    assert by_manager["invited_by"] == crew["manager"].id
    assert len(manager.get(f"/trees/{tree}/invitations")["items"]) == 2
    manager.delete(f"/trees/{tree}/invitations/{made['id']}")
    assert invite(owner.api, tree, role="manager")["role"] == "manager"


def test_invitations_are_rate_limited(site: Site, owner_of: tuple[Account, str]) -> None:
    owner, tree = owner_of
    for _ in range(30):
        invite(owner.api, tree, role="viewer")
    problem = invite(owner.api, tree, 429, role="viewer")
    assert "Too many invitations" in problem["detail"]
    site.clock.advance(hours=1)
    invite(owner.api, tree, role="viewer")


# -- branch limits ----------------------------------------------------------------------------
def test_an_invitation_carries_a_branch_limit_within_the_tree(
    site: Site, owner_of: tuple[Account, str]
) -> None:
    owner, tree = owner_of
    me = owner.api.post(f"/trees/{tree}/people", {"names": [{"given": "Rudo"}]})["id"]
    other_tree = owner.api.post("/trees", {"name": "Other"})["id"]
    theirs = owner.api.post(f"/trees/{other_tree}/people", {"names": [{"given": "X"}]})["id"]
    invite(owner.api, tree, 422, role="viewer", branch_steps=3)
    invite(owner.api, tree, 404, role="viewer", person_id=theirs, branch_steps=3)
    invite(owner.api, tree, 422, role="editor", person_id=me, branch_steps=3)
    invite(owner.api, tree, 422, role="viewer", person_id=me, branch_steps=11)
    made = invite(owner.api, tree, role="contributor", person_id=me, branch_steps=3)
    assert made["person_id"] == me and made["branch_steps"] == 3
    rudo = site.account("rudo@example.org")
    member = accept(rudo, made["token"])["member"]
    assert member["person_id"] == me and member["branch_steps"] == 3


def test_a_branch_invitation_whose_person_was_deleted_is_gone(
    site: Site, owner_of: tuple[Account, str]
) -> None:
    owner, tree = owner_of
    me = owner.api.post(f"/trees/{tree}/people", {"names": [{"given": "Rudo"}]})["id"]
    made = invite(owner.api, tree, role="viewer", person_id=me, branch_steps=2)
    owner.api.delete(f"/people/{me}")
    rudo = site.account("rudo@example.org")
    assert "deleted" in accept(rudo, made["token"], 410)["detail"]
    rudo.api.get(f"/trees/{tree}", expect=404)
