"""Privacy of the living, end to end: no living person's name, date, place, note or media
reaches a reader who may not see them, through any API route, list, chart, page or error.

The sweep discovers the routes from the application itself, so a route added later is swept
too, and it first proves, as the owner, that the secrets are there to be found.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from dzinza.services.platform import Platform
from tests.conftest import Api, add_member

SECRETS = (
    "Zebulon",
    "Secretname",
    "MAR 1990",
    "Yolanda",
    "Hiddenwife",
    "JUN 2015",
    "graduation speech",
    "secret diary",
    "passport scan",
    "register p.7",
    "Confida",
    "Flagged",
    "Youngkid",
)
"""Strings that belong to people a guest may not see (living, private or confidential)."""
WEB_WORDS = ("zebulom", "secretnam", "yolamda", "hiddenwyfe", "youngkyd")
"""Misspellings of the secrets, for the search pages (which show the words asked for)."""
SEARCH_WORDS = (
    "zebulon",
    "secretname",
    "yolanda",
    "hiddenwife",
    "youngkid",
    "confida",
    "privata",
    "flagged",
    "graduation",
    "diary",
    "passport",
    "register",
)
"""What the sweep searches for, by name, in the free text and as suggestions."""


def _person(api: Api, tree: str, given: str, surname: str, **extra: Any) -> dict[str, Any]:
    events = extra.pop("events", [])
    body = {"names": [{"given": given, "surname": surname}], "events": events, **extra}
    return dict(api.post(f"/trees/{tree}/people", body))


def _family(api: Api, tree: str, a: str | None, b: str | None, kids: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"children": [{"child_id": k} for k in kids]}
    if a:
        body["partner1_id"] = a
    if b:
        body["partner2_id"] = b
    return dict(api.post(f"/trees/{tree}/families", body))


@pytest.fixture
def family_tree(owner: Api, platform: Platform) -> dict[str, Any]:
    """A public tree: two dead ancestors, a living line below them, and the edge cases."""
    tree = owner.post("/trees", {"name": "Mixed family", "visibility": "public"})["id"]
    harare = owner.post(f"/trees/{tree}/places", {"name": "Harare"})["id"]
    grandpa = _person(
        owner,
        tree,
        "Oldfather",
        "Publicus",
        events=[{"type": "birth", "date": "1850"}, {"type": "death", "date": "1920"}],
    )
    grandma = _person(
        owner, tree, "Oldmother", "Publicus", events=[{"type": "birth", "date": "1855"}]
    )
    zeb = _person(
        owner,
        tree,
        "Zebulon",
        "Secretname",
        events=[
            {"type": "birth", "date": "12 MAR 1990", "place_id": harare},
            {"type": "graduation", "description": "graduation speech"},
        ],
    )
    wife = _person(owner, tree, "Yolanda", "Hiddenwife", events=[{"type": "birth", "date": "1992"}])
    kid = _person(owner, tree, "Youngkid", "Secretname")
    oldkid = _person(owner, tree, "Nodates", "Oldkid")
    flagged = _person(
        owner, tree, "Privata", "Flagged", private=True, events=[{"type": "death", "date": "1900"}]
    )
    confidential = _person(
        owner,
        tree,
        "Confida",
        "Restricta",
        restriction="confidential",
        events=[{"type": "death", "date": "1901"}],
    )
    _family(owner, tree, grandpa["id"], grandma["id"], [zeb["id"], oldkid["id"]])
    marriage = _family(owner, tree, zeb["id"], wife["id"], [kid["id"]])
    owner.post(
        f"/trees/{tree}/events",
        {"family_id": marriage["id"], "type": "marriage", "date": "JUN 2015"},
    )
    note = owner.post(f"/trees/{tree}/notes", {"text": "Zebulon's secret diary"})
    owner.post(f"/notes/{note['id']}/links", {"type": "person", "id": zeb["id"]})
    media = owner.post(f"/trees/{tree}/media", {"title": "passport scan", "file": "p.jpg"})
    owner.post(f"/media/{media['id']}/links", {"type": "person", "id": zeb["id"]})
    source = owner.post(f"/trees/{tree}/sources", {"title": "Civil register"})
    owner.post(
        f"/trees/{tree}/citations",
        {
            "source_id": source["id"],
            "page": "register p.7",
            "target": {"type": "person", "id": zeb["id"]},
        },
    )
    platform.search.catch_up()
    return {
        "tree": tree,
        "grandpa": grandpa["id"],
        "grandma": grandma["id"],
        "zeb": zeb["id"],
        "wife": wife["id"],
        "kid": kid["id"],
        "oldkid": oldkid["id"],
        "flagged": flagged["id"],
        "confidential": confidential["id"],
    }


def _ids(owner: Api, tree: str) -> dict[str, list[str]]:
    """Every record id of the tree, by the path segment its routes use."""
    people = [p["id"] for p in owner.walk(f"/trees/{tree}/people?limit=100")]
    ids: dict[str, list[str]] = {"trees": [tree], "people": people}
    ids["families"] = [f["id"] for f in owner.walk(f"/trees/{tree}/families?limit=100")]
    ids["events"] = sorted({e["id"] for p in people for e in owner.get(f"/people/{p}")["events"]})
    ids["events"] += sorted(
        {e["id"] for f in ids["families"] for e in owner.get(f"/families/{f}")["events"]}
    )
    for kind in ("places", "repositories", "sources", "citations", "notes", "media"):
        ids[kind] = [r["id"] for r in owner.walk(f"/trees/{tree}/{kind}?limit=100")]
    ids["changes"] = [c["id"] for c in owner.walk(f"/trees/{tree}/history?limit=100")]
    ids["jobs"] = [j["id"] for j in owner.walk("/jobs?limit=100")]  # imports, exports
    pairs = owner.get(f"/trees/{tree}/duplicates?limit=200")["items"]
    ids["duplicates"] = [p["id"] for p in pairs]
    return ids


def _get_urls(client: TestClient, ids: dict[str, list[str]]) -> list[str]:
    """Every GET route of the API and the web pages, once per record it can show."""
    urls: list[str] = []
    for path, ops in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        if "get" not in ops or path.count("{") != 1:
            continue  # lists of the whole site, or one member of a tree (no genealogy data)
        if path.endswith(("/search", "/search/suggest")):
            continue  # they need words to look for: below
        if path.startswith("/api/v1/media/uploads/"):
            continue  # an upload in progress: only its starter sees it (test_media)
        match = re.match(r"/api/v1/(\w+)/\{(\w+)\}", path)
        assert match, f"cannot fill in the ids of {path}: teach this test"
        if match.group(1) in ("auth", "admin", "account"):
            continue  # a user's own account, or the site admin's: nothing of a tree
        assert match.group(1) in ids, f"no ids for {path}: teach this test"
        urls += [re.sub(r"\{\w+\}", rid, path, count=1) for rid in ids[match.group(1)]]
    for tree in ids["trees"]:
        base = f"/api/v1/trees/{tree}/people"
        for query in ("name=zeb", "name=secret", "name=yol", "sort=-birth", "sex=male"):
            urls.append(f"{base}?{query}")
        urls += [f"/trees/{tree}", f"/trees/{tree}/people", f"/trees/{tree}/members"]
        urls += [f"/trees/{tree}/people?name={word}" for word in ("zeb", "secretn", "yol")]
        urls += [f"/trees/{tree}/people?sort=-birth", f"/trees/{tree}/settings"]
        for word in SEARCH_WORDS:
            for base in (f"/api/v1/trees/{tree}/search", "/api/v1/search"):
                urls += [f"{base}?q={word}&facets=true", f"{base}?text={word}&facets=true"]
                urls.append(f"{base}/suggest?prefix={word[:3]}")
    for tree in ids["trees"]:
        # The pages echo the words asked for: misspelt ones find the secrets (typo tolerance)
        # without being them, so an echo is not taken for a leak.
        for word in WEB_WORDS:
            urls += [f"/trees/{tree}/search?q={word}", f"/search?q={word}"]
            urls.append(f"/search/suggest?q={word[:3]}&tree={tree}")
            urls += [
                f"/trees/{tree}/{route}/suggest?q={word[:3]}"
                for route in ("people", "chart-people", "media-people")
            ]
        urls += [f"/trees/{tree}/media", f"/trees/{tree}/duplicates"]
    urls += [f"/people/{p}" for p in ids["people"]]
    urls += [
        f"/people/{p}/{page}"
        for p in ids["people"]
        for page in ("pedigree", "descendants", "fan", "history")
    ]
    first = ids["people"][0]
    urls += [f"/people/{first}/relationship?other={p}" for p in ids["people"]]
    urls += [
        f"/api/v1/people/{p}/{chart}?generations=5"
        for p in ids["people"]
        for chart in ("pedigree", "descendants")
    ]
    return urls


def _leaks(client: TestClient, urls: list[str], headers: dict[str, str]) -> list[str]:
    found = []
    for url in urls:
        r = client.get(url, headers=headers)
        assert r.status_code in (200, 401, 403, 404), f"{url}: {r.status_code} {r.text[:300]}"
        # A page links back to its own address (the language switch, the sign-in link): a
        # secret in the URL asked for is an echo, not a leak.
        text = r.text.lower().replace(quote(url, safe="").lower(), "").replace(url.lower(), "")
        found += [f"{url}: {s}" for s in SECRETS if s.lower() in text]
    return found


def test_owner_sees_every_secret(
    client: TestClient, owner: Api, family_tree: dict[str, Any]
) -> None:
    """The sweep can fail: the owner's view of the same routes contains every secret."""
    urls = _get_urls(client, _ids(owner, family_tree["tree"]))
    found = {leak.rsplit(": ", 1)[1] for leak in _leaks(client, urls, owner.headers)}
    assert found == set(SECRETS)


def test_guests_see_nothing_of_the_living(
    client: TestClient, owner: Api, stranger: Api, anonymous: Api, family_tree: dict[str, Any]
) -> None:
    urls = _get_urls(client, _ids(owner, family_tree["tree"]))
    assert len(urls) > 60
    for who in (anonymous, stranger):
        assert _leaks(client, urls, who.headers) == []


def test_signed_in_guests_of_a_members_only_tree_see_nothing_of_the_living(
    client: TestClient, owner: Api, stranger: Api, anonymous: Api, family_tree: dict[str, Any]
) -> None:
    tree = family_tree["tree"]
    owner.patch(f"/trees/{tree}", {"visibility": "members"})
    urls = _get_urls(client, _ids(owner, tree))
    assert _leaks(client, urls, stranger.headers) == []
    anonymous.get(f"/trees/{tree}", expect=404)


def test_guest_lists_leave_out_the_hidden_and_charts_keep_their_shape(
    owner: Api, anonymous: Api, family_tree: dict[str, Any]
) -> None:
    f = family_tree
    seen = {p["id"] for p in anonymous.walk(f"/trees/{f['tree']}/people?limit=2")}
    assert seen == {f["grandpa"], f["grandma"], f["oldkid"]}
    assert anonymous.get(f"/trees/{f['tree']}/people?name=secretname")["items"] == []

    mine = owner.get(f"/people/{f['kid']}/pedigree?generations=3")
    theirs = anonymous.get(f"/people/{f['kid']}/pedigree?generations=3")
    assert len(theirs["people"]) == len(mine["people"]) == 5
    assert theirs["links"] == mine["links"]
    shown = {p["id"]: p for p in theirs["people"]}
    for hidden in ("kid", "zeb", "wife"):
        assert shown[f[hidden]]["display_name"] == "Private"
        assert shown[f[hidden]]["private"] is True
        assert shown[f[hidden]]["birth"] is None
    assert shown[f["grandpa"]]["display_name"] == "Oldfather Publicus"

    placeholder = anonymous.get(f"/people/{f['zeb']}")
    assert placeholder["names"] == placeholder["events"] == placeholder["notes"] == []
    assert [p["display_name"] for p in placeholder["parents"][0]["parents"]] == [
        "Oldfather Publicus",
        "Oldmother Publicus",
    ]
    assert placeholder["families"][0]["partner"]["display_name"] == "Private"
    assert placeholder["families"][0]["events"] == []


def test_members_see_the_living_but_not_the_confidential(
    client: TestClient, platform: Platform, owner: Api, family_tree: dict[str, Any]
) -> None:
    f = family_tree
    viewer = Api(client, add_member(platform, f["tree"], "viewer@example.org", "viewer"))
    editor = Api(client, add_member(platform, f["tree"], "editor@example.org", "editor"))
    assert viewer.get(f"/people/{f['zeb']}")["display_name"] == "Zebulon Secretname"
    assert viewer.get(f"/people/{f['flagged']}")["display_name"] == "Privata Flagged"
    assert viewer.get(f"/people/{f['confidential']}")["display_name"] == "Private"
    listed = {p["id"] for p in viewer.walk(f"/trees/{f['tree']}/people?limit=50")}
    assert f["confidential"] not in listed and f["kid"] in listed
    assert editor.get(f"/people/{f['confidential']}")["display_name"] == "Confida Restricta"


def test_branch_limited_member_sees_the_living_of_their_branch_only(
    client: TestClient, platform: Platform, family_tree: dict[str, Any]
) -> None:
    f = family_tree
    # Limited to one step from the wife: her husband and child, not her husband's relatives.
    cousin = Api(
        client,
        add_member(
            platform,
            f["tree"],
            "cousin@example.org",
            "viewer",
            person_id=uuid.UUID(f["wife"]),
            branch_steps=1,
        ),
    )
    assert cousin.get(f"/people/{f['zeb']}")["display_name"] == "Zebulon Secretname"
    assert cousin.get(f"/people/{f['kid']}")["display_name"] == "Youngkid Secretname"
    # Outside the branch the cousin is a guest: the dead are shown, the private are not.
    assert cousin.get(f"/people/{f['grandpa']}")["display_name"] == "Oldfather Publicus"
    assert cousin.get(f"/people/{f['flagged']}")["display_name"] == "Private"


@pytest.mark.parametrize(
    ("case", "shown"),
    [
        ("born 111 years ago", True),
        ("born 100 years ago", False),
        ("a death without a date", True),
        ("a burial", True),
        ("said to be dead", True),
        ("said to be living though born long ago", False),
        ("a parent born 131 years ago", True),
        ("a parent born 125 years ago", False),
        ("a child born 111 years ago", True),
        ("a partner born 121 years ago", True),
        ("a partner born 115 years ago", False),
        ("no dates at all", False),
    ],
)
def test_who_is_presumed_living(owner: Api, anonymous: Api, case: str, shown: bool) -> None:
    from datetime import date

    year = date.today().year
    tree = owner.post("/trees", {"name": "Rules", "visibility": "public"})["id"]

    def born(years_ago: int) -> list[dict[str, str]]:
        return [{"type": "birth", "date": str(year - years_ago)}]

    subject_events: list[dict[str, str]] = []
    extra: dict[str, Any] = {}
    if case == "born 111 years ago":
        subject_events = born(111)
    elif case == "born 100 years ago":
        subject_events = born(100)
    elif case == "a death without a date":
        subject_events = [{"type": "death", "description": "in the war"}]
    elif case == "a burial":
        subject_events = [{"type": "burial", "date": "ABT 2001"}]
    elif case == "said to be dead":
        extra["living"] = False
    elif case == "said to be living though born long ago":
        extra["living"] = True
        subject_events = born(150)
    subject = _person(owner, tree, "Subject", "Case", events=subject_events, **extra)
    if case.startswith("a parent"):
        parent = _person(owner, tree, "Parent", "Case", events=born(131 if "131" in case else 125))
        _family(owner, tree, parent["id"], None, [subject["id"]])
    elif case.startswith("a child"):
        child = _person(owner, tree, "Child", "Case", events=born(111))
        _family(owner, tree, subject["id"], None, [child["id"]])
    elif case.startswith("a partner"):
        partner = _person(
            owner, tree, "Partner", "Case", events=born(121 if "121" in case else 115)
        )
        _family(owner, tree, subject["id"], partner["id"], [])
    name = anonymous.get(f"/people/{subject['id']}")["display_name"]
    assert (name == "Subject Case") is shown, case


def test_a_recorded_death_reveals_and_deleting_it_hides_again(owner: Api, anonymous: Api) -> None:
    tree = owner.post("/trees", {"name": "Toggle", "visibility": "public"})["id"]
    p = _person(owner, tree, "Toggle", "Person", events=[{"type": "birth", "date": "1980"}])
    assert anonymous.get(f"/people/{p['id']}")["display_name"] == "Private"
    death = owner.post(
        f"/trees/{tree}/events", {"person_id": p["id"], "type": "death", "date": "2020"}
    )
    assert anonymous.get(f"/people/{p['id']}")["display_name"] == "Toggle Person"
    owner.delete(f"/events/{death['id']}")
    assert anonymous.get(f"/people/{p['id']}")["display_name"] == "Private"


def test_branch_member_whose_person_is_deleted_sees_what_a_guest_sees(
    client: TestClient, platform: Platform, owner: Api, family_tree: dict[str, Any]
) -> None:
    f = family_tree
    token = add_member(
        platform,
        f["tree"],
        "orphaned@example.org",
        "viewer",
        person_id=uuid.UUID(f["wife"]),
        branch_steps=2,
    )
    cousin = Api(client, token)
    assert cousin.get(f"/people/{f['zeb']}")["display_name"] == "Zebulon Secretname"
    owner.delete(f"/people/{f['wife']}")
    assert cousin.get(f"/people/{f['zeb']}")["display_name"] == "Private"
    assert cousin.get(f"/people/{f['grandpa']}")["display_name"] == "Oldfather Publicus"
