"""The invitations waiting for the signed-in user (GET /invitations/mine), answered by their id:
listed only for the addressee whose address is confirmed, gone once expired, withdrawn or
answered; accepting and declining by id do what the token does (and leave the same audit
entries); anyone else's id, or a link invitation's, is "not found"."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from dzinza.services.platform import Platform
from tests.doubles import FakeClock, Inbox
from tests.functional.conftest import account_api
from tests.functional.test_accounts import platform_of
from tests.functional.test_invitations import Site, invite
from tests.functional.test_members import Account


@pytest.fixture
def site(platform: Platform) -> Iterator[Site]:
    clock, inbox = FakeClock(), Inbox()
    with account_api(platform, clock, inbox) as api:
        yield Site(api, platform_of(api), inbox, clock)


@pytest.fixture
def moyo(site: Site) -> tuple[Account, str]:
    """The owner of a private tree, and the tree's id."""
    owner = site.account("owner@example.org")
    return owner, str(owner.api.post("/trees", {"name": "Moyo family"})["id"])


def mine(who: Account) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = who.api.get("/invitations/mine")["items"]
    return items


def answer(who: Account, invitation: str, verb: str, expect: int) -> Any:
    return who.api.post(f"/invitations/{invitation}/{verb}", None, expect=expect)


def audited(site: Site, action: str) -> list[str]:
    with site.platform.store.read() as tx:
        rows = tx.audit_entries(after_seq=0, limit=1000)
    return [str(r["target_id"]) for r in rows if r["action"] == action]


def test_only_the_confirmed_addressee_sees_an_invitation(
    site: Site, moyo: tuple[Account, str]
) -> None:
    owner, tree = moyo
    made = invite(owner.api, tree, role="editor", email="Chipo@example.org")
    invite(owner.api, tree, role="viewer")  # by link: addressed to no one
    for_tino = invite(owner.api, tree, role="viewer", email="tino@example.org")

    # The right address, unconfirmed: nothing shown, nothing answerable by id.
    unconfirmed = site.account("chipo@example.org")
    assert mine(unconfirmed) == []
    answer(unconfirmed, made["id"], "accept", 404)
    answer(unconfirmed, made["id"], "decline", 404)
    with site.platform.store.write() as tx:
        tx.update_user(uuid.UUID(unconfirmed.id), {"email_verified_at": site.clock.now()})

    [listed] = mine(unconfirmed)
    assert listed["id"] == made["id"] and listed["role"] == "editor"
    assert listed["tree"] == {"id": tree, "name": "Moyo family"}
    assert listed["invited_by"] == owner.id and listed["invited_by_email"] == "owner@example.org"
    assert listed["created_at"] == "2026-11-26T08:00:00+00:00"
    assert listed["expires_at"] == "2026-12-03T08:00:00+00:00"
    assert "token" not in listed and "token_hash" not in listed

    tino = site.account("tino@example.org", verified=True)
    assert [i["id"] for i in mine(tino)] == [for_tino["id"]]
    assert mine(site.account("rudo@example.org", verified=True)) == []
    assert mine(owner) == []
    site.api.get("/invitations/mine", expect=401)


def test_accepting_by_id_joins_the_tree_once(site: Site, moyo: tuple[Account, str]) -> None:
    owner, tree = moyo
    me = owner.api.post(f"/trees/{tree}/people", {"names": [{"given": "Chipo"}]})["id"]
    made = invite(
        owner.api,
        tree,
        role="contributor",
        email="chipo@example.org",
        person_id=me,
        branch_steps=2,
    )
    chipo = site.account("chipo@example.org", verified=True)
    joined = answer(chipo, made["id"], "accept", 200)
    assert joined["tree"]["id"] == tree and joined["tree"]["my_role"] == "contributor"
    member = joined["member"]
    assert member["role"] == "contributor" and member["person_id"] == me
    assert member["branch_steps"] == 2
    assert chipo.api.get(f"/trees/{tree}")["my_role"] == "contributor"
    assert mine(chipo) == []
    assert owner.api.get(f"/trees/{tree}/invitations")["items"] == []
    assert audited(site, "invitation.accept") == [made["id"]]
    assert "already accepted" in answer(chipo, made["id"], "accept", 410)["detail"]
    answer(chipo, made["id"], "decline", 410)


def test_declining_by_id_uses_it_up(site: Site, moyo: tuple[Account, str]) -> None:
    owner, tree = moyo
    made = invite(owner.api, tree, role="viewer", email="chipo@example.org")
    chipo = site.account("chipo@example.org", verified=True)
    assert answer(chipo, made["id"], "decline", 204) is None
    assert mine(chipo) == []
    chipo.api.get(f"/trees/{tree}", expect=404)
    assert owner.api.get(f"/trees/{tree}/invitations")["items"] == []
    assert audited(site, "invitation.decline") == [made["id"]]
    assert "already declined" in answer(chipo, made["id"], "accept", 410)["detail"]
    # The token of the same invitation is used up too.
    chipo.api.post("/invitations/accept", {"token": made["token"]}, expect=410)


def test_someone_elses_invitation_is_not_found(site: Site, moyo: tuple[Account, str]) -> None:
    owner, tree = moyo
    made = invite(owner.api, tree, role="viewer", email="chipo@example.org")
    link = invite(owner.api, tree, role="viewer")
    tino = site.account("tino@example.org", verified=True)
    for verb in ("accept", "decline"):
        answer(tino, made["id"], verb, 404)
        answer(tino, link["id"], verb, 404)  # a link's id is not its token
        answer(owner, made["id"], verb, 404)
        answer(tino, str(uuid.uuid4()), verb, 404)
        answer(tino, "not-an-id", verb, 422)
        site.api.post(f"/invitations/{made['id']}/{verb}", None, expect=401)
    # Nothing was used up.
    pending = owner.api.get(f"/trees/{tree}/invitations")["items"]
    assert {i["id"] for i in pending} == {made["id"], link["id"]}
    chipo = site.account("chipo@example.org", verified=True)
    assert answer(chipo, made["id"], "accept", 200)["member"]["role"] == "viewer"
    # The token routes are still those of the token.
    tino.api.post("/invitations/accept", {"token": link["token"]}, expect=200)


def test_expired_and_withdrawn_invitations_are_not_listed(
    site: Site, moyo: tuple[Account, str]
) -> None:
    owner, tree = moyo
    short = invite(owner.api, tree, role="viewer", email="chipo@example.org", expires_in_days=1)
    withdrawn = invite(owner.api, tree, role="viewer", email="chipo@example.org")
    kept = invite(owner.api, tree, role="editor", email="chipo@example.org", expires_in_days=3)
    chipo = site.account("chipo@example.org", verified=True)
    # Made at the same moment of the test's clock: in no particular order.
    assert {i["id"] for i in mine(chipo)} == {short["id"], withdrawn["id"], kept["id"]}

    owner.api.delete(f"/trees/{tree}/invitations/{withdrawn['id']}")
    assert "withdrawn" in answer(chipo, withdrawn["id"], "accept", 410)["detail"]
    site.clock.advance(days=1, seconds=1)
    chipo = site.again(chipo)
    assert [i["id"] for i in mine(chipo)] == [kept["id"]]
    assert "expired on 2026-11-27" in answer(chipo, short["id"], "decline", 410)["detail"]


def test_a_member_already_in_the_tree_is_told_so(site: Site, moyo: tuple[Account, str]) -> None:
    owner, tree = moyo
    made = invite(owner.api, tree, role="editor", email="chipo@example.org")
    chipo = site.account("chipo@example.org", verified=True)
    link = invite(owner.api, tree, role="viewer")
    chipo.api.post("/invitations/accept", {"token": link["token"]}, expect=200)
    assert "already a member" in answer(chipo, made["id"], "accept", 409)["detail"]
    # Still listed, and still declinable.
    assert [i["id"] for i in mine(chipo)] == [made["id"]]
    answer(chipo, made["id"], "decline", 204)
