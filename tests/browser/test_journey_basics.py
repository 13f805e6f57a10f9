"""The first journeys in a real browser: a member signs in, opens their tree and a person in it,
and signs out; a guest on a public tree sees its dead and not its living.

The data is made over the API (as a person would, with a confirmed address); the checks hold
to what outlasts a redesign: statuses, addresses, headings by role, link targets, form fields,
and the names the data gives, never the pages' own wording.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.support import Member, snap
from tests.conftest import Api

SESSION_COOKIE = "dzinza_session"


def _person(api: Api, tree: str, given: str, surname: str, **extra: Any) -> dict[str, Any]:
    body = {"names": [{"given": given, "surname": surname}], **extra}
    return dict(api.post(f"/trees/{tree}/people", body))


def _visit(page: Page, path: str) -> int:
    """Opens ``path`` in the page; the status of its answer."""
    response = page.goto(path)
    assert response is not None, f"no answer for {path}"
    return response.status


def _link_to(page: Page, path: str) -> Locator:
    """The first link to ``path`` (with or without a query) on the page."""
    return page.locator(f"a[href='{path}'], a[href^='{path}?']").first


def _tree_people(page: Page, tree: str) -> None:
    """Opens the tree's page and, when its people are listed on a page of their own (the tree's
    front page may show only a summary), follows the tree's link to that list."""
    assert _visit(page, f"/trees/{tree}") == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    listing = _link_to(page, f"/trees/{tree}/people")
    if listing.count():
        listing.click()
        expect(page).to_have_url(_path_is(f"/trees/{tree}/people"))


def _signed_in(page: Page) -> bool:
    return any(c["name"] == SESSION_COOKIE for c in page.context.cookies())


def _path_is(path: str) -> re.Pattern[str]:
    """The page's address with this path, whatever its query."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def test_a_member_signs_in_opens_a_person_of_their_tree_and_signs_out(
    page: Page, member: Member
) -> None:
    tree = member.api.post("/trees", {"name": "Moyo family", "visibility": "private"})["id"]
    tendai = _person(
        member.api,
        tree,
        "Tendai",
        "Moyo",
        living=False,
        events=[{"type": "birth", "date": "1931"}, {"type": "death", "date": "2004"}],
    )

    # Signed out, the private tree is not there.
    assert _visit(page, f"/trees/{tree}") in (401, 403, 404)
    assert "Moyo family" not in page.content()

    assert _visit(page, "/signin") == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    form = page.locator("form[action='/signin']")
    form.locator("[name=email]").fill(member.email)
    form.locator("[name=password]").fill(member.password)
    snap(page, "signin")
    form.locator("[type=submit]").click()
    expect(page).not_to_have_url(_path_is("/signin"))
    assert _signed_in(page)
    snap(page, "signed-in")

    assert _visit(page, f"/trees/{tree}") == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("Moyo family")
    snap(page, "tree")
    _tree_people(page, tree)
    link = _link_to(page, f"/people/{tendai['id']}")
    expect(link).to_contain_text("Tendai")
    snap(page, "tree-people")
    link.click()
    expect(page).to_have_url(_path_is(f"/people/{tendai['id']}"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Tendai")
    expect(heading).to_contain_text("Moyo", ignore_case=True)
    snap(page, "person")

    # Signing out is a form posted to /signout (a GET must never sign anyone out); the account
    # page has one, and the layout may have another.
    assert _visit(page, "/account") == 200
    page.locator("form[action='/signout'] [type=submit]").first.click()
    expect(page).not_to_have_url(_path_is("/account"))
    assert not _signed_in(page)
    snap(page, "signed-out")
    page.goto("/account")
    expect(page).to_have_url(_path_is("/signin"))
    assert _visit(page, f"/trees/{tree}") in (401, 403, 404)


def test_a_guest_sees_the_dead_of_a_public_tree_and_not_the_living(
    page: Page, member: Member
) -> None:
    tree = member.api.post("/trees", {"name": "Sibanda family", "visibility": "public"})["id"]
    elder = _person(
        member.api,
        tree,
        "Nkosana",
        "Sibanda",
        living=False,
        events=[{"type": "birth", "date": "1902"}, {"type": "death", "date": "1978"}],
    )
    living = _person(
        member.api,
        tree,
        "Thandolwethu",
        "Sibanda",
        living=True,
        events=[{"type": "birth", "date": "1994"}],
    )

    assert _visit(page, f"/trees/{tree}") == 200
    assert not _signed_in(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sibanda family")
    assert "Thandolwethu" not in page.content()
    snap(page, "tree-as-guest")
    _tree_people(page, tree)
    expect(_link_to(page, f"/people/{elder['id']}")).to_contain_text("Nkosana")
    expect(_link_to(page, f"/people/{living['id']}")).to_have_count(0)
    assert "Thandolwethu" not in page.content()
    snap(page, "tree-people-as-guest")

    _link_to(page, f"/people/{elder['id']}").click()
    expect(page).to_have_url(_path_is(f"/people/{elder['id']}"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nkosana")
    snap(page, "dead-person-as-guest")

    # The living person's own page, asked for by its address: nothing of them either.
    # (A placeholder or "not found": either keeps the secret.)
    assert _visit(page, f"/people/{living['id']}") in (200, 404)
    html = page.content()  # the title and the attributes too, not only the text shown
    # The name nowhere in the markup; the year not in the text (ids in the markup may hold
    # any four digits by chance).
    assert "Thandolwethu" not in html and "1994" not in page.locator("body").inner_text()
    snap(page, "living-person-as-guest")
