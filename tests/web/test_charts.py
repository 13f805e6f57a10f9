"""The chart pages: pedigree, fan chart, descendants and the relationship path, drawn as SVG on
the server: who may see them, placeholders for the living, the generations asked for, the
languages, links that move the chart, and the name suggestions of the relationship form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dzinza.api.app import create_app
from dzinza.services.platform import Platform
from tests.conftest import Api, make_user
from tests.web.conftest import LANGUAGES, in_language, sign_in_web

CHARTS = ("pedigree", "fan", "descendants")
LIMITS = {"pedigree": 10, "fan": 8, "descendants": 8}
SECRETS = ("Zvikomborero", "Secretchild", "2015")


def _person(owner: Api, tree: str, given: str, sex: str, *events: tuple[str, str]) -> str:
    body = {
        "sex": sex,
        "names": [{"given": given, "surname": "Moyo"}],
        "events": [{"type": kind, "date": date} for kind, date in events],
    }
    return str(owner.post(f"/trees/{tree}/people", body)["id"])


def _family(owner: Api, tree: str, a: str, b: str | None, kids: list[str]) -> None:
    body: dict[str, Any] = {"partner1_id": a, "children": [{"child_id": k} for k in kids]}
    if b:
        body["partner2_id"] = b
    owner.post(f"/trees/{tree}/families", body)


@pytest.fixture
def family(owner: Api) -> dict[str, str]:
    """A public tree: grandparents, their son with two wives (a plural marriage), a daughter of
    each wife; the first daughter has a living husband and a living child."""
    tree = owner.post("/trees", {"name": "Chart family", "visibility": "public"})["id"]
    ids = {"tree": tree}
    dead = (("birth", "1850"), ("death", "1920"))
    ids["grandpa"] = _person(owner, tree, "Sekuru", "male", *dead)
    ids["grandma"] = _person(owner, tree, "Ambuya", "female", *dead)
    ids["father"] = _person(owner, tree, "Baba", "male", ("birth", "1880"), ("death", "1950"))
    ids["wife1"] = _person(owner, tree, "Vatete", "female", ("birth", "1885"), ("death", "1951"))
    ids["wife2"] = _person(owner, tree, "Maiguru", "female", ("birth", "1890"), ("death", "1960"))
    ids["daughter"] = _person(owner, tree, "Rudo", "female", ("birth", "1910"), ("death", "1980"))
    ids["half"] = _person(owner, tree, "Farai", "male", ("birth", "1915"), ("death", "1985"))
    ids["husband"] = _person(owner, tree, "Zvikomborero", "male", ("birth", "1990"))
    ids["child"] = _person(owner, tree, "Secretchild", "male", ("birth", "2015"))
    _family(owner, tree, ids["grandpa"], ids["grandma"], [ids["father"]])
    _family(owner, tree, ids["father"], ids["wife1"], [ids["daughter"]])
    _family(owner, tree, ids["father"], ids["wife2"], [ids["half"]])
    _family(owner, tree, ids["husband"], ids["daughter"], [ids["child"]])
    return ids


def _svg(page: str) -> str:
    """The chart itself (not the key under it)."""
    return page.split('<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg')[1].split(
        "</svg>"
    )[0]


def _clean(text: str) -> None:
    assert "<script>" not in text and " style=" not in text


def test_the_owner_sees_each_chart(owner_web: TestClient, family: dict[str, str]) -> None:
    pedigree = owner_web.get(f"/people/{family['child']}/pedigree")
    assert pedigree.status_code == 200, pedigree.text[:500]
    _clean(pedigree.text)
    assert "<svg" in pedigree.text and 'tabindex="0"' in pedigree.text
    for name in ("Secretchild Moyo", "Zvikomborero Moyo", "Rudo Moyo", "Sekuru Moyo"):
        assert name in pedigree.text
    assert '<option value="5" selected>' in pedigree.text
    assert "sex-male" in pedigree.text and "sex-female" in pedigree.text
    fan = owner_web.get(f"/people/{family['child']}/fan?generations=4")
    assert fan.status_code == 200 and "<path" in fan.text and "Baba Moyo" in fan.text
    _clean(fan.text)
    descendants = owner_web.get(f"/people/{family['grandpa']}/descendants")
    assert descendants.status_code == 200
    _clean(descendants.text)
    page = descendants.text
    # the plural marriage: both wives beside the father, each one's child below
    for name in ("Vatete Moyo", "Maiguru Moyo", "Rudo Moyo", "Farai Moyo", "Secretchild Moyo"):
        assert name in page
    assert _svg(page).count('class="box sex-female partner"') == 3  # grandma and both wives
    assert "/static/js/charts.js?v=" in page and "/static/css/charts.css?v=" in page


def test_boxes_link_to_their_chart_and_their_page(
    owner_web: TestClient, family: dict[str, str]
) -> None:
    page = owner_web.get(f"/people/{family['child']}/pedigree?generations=4").text
    moved = f'href="/people/{family["father"]}/pedigree?generations=4"'
    assert moved in page
    assert f'href="/people/{family["father"]}" class="page"' in page
    there = owner_web.get(f"/people/{family['father']}/pedigree?generations=4")
    assert there.status_code == 200
    assert re.search(r"<h1>Ancestors of Baba Moyo</h1>", there.text)
    assert "Secretchild" not in there.text.split("<svg")[1]  # the root moved up
    fan = owner_web.get(f"/people/{family['child']}/fan").text
    assert f'href="/people/{family["daughter"]}/fan?generations=5"' in fan
    down = owner_web.get(f"/people/{family['grandpa']}/descendants").text
    assert f'href="/people/{family["father"]}/descendants?generations=4"' in down


def test_a_guest_sees_the_dead_and_placeholders_for_the_living(
    site: TestClient, family: dict[str, str]
) -> None:
    pages = [
        site.get(f"/people/{family['child']}/pedigree"),
        site.get(f"/people/{family['child']}/fan"),
        site.get(f"/people/{family['grandpa']}/descendants"),
        site.get(f"/people/{family['daughter']}/relationship?other={family['grandpa']}"),
    ]
    for page in pages:
        assert page.status_code == 200, page.text[:300]
        _clean(page.text)
        for secret in SECRETS:
            assert secret not in page.text, secret
    assert "Rudo Moyo" in pages[0].text and "Sekuru Moyo" in pages[0].text
    assert 'class="box sex-unknown private root"' in pages[0].text
    assert "segment sex-unknown private" in pages[1].text
    assert _svg(pages[2].text).count("sex-unknown private") == 2  # the husband and the child
    # a relationship with a hidden end is not found
    hidden = site.get(f"/people/{family['daughter']}/relationship?other={family['child']}")
    assert hidden.status_code == 404
    assert site.get(f"/people/{family['child']}/relationship").status_code == 404
    # the suggestions leave the living out
    found = site.get(f"/trees/{family['tree']}/chart-people/suggest?q=moyo").json()
    names = {item["label"] for item in found}
    assert "Rudo Moyo (1910 \u2013 1980)" in names
    assert not any(secret in str(found) for secret in SECRETS)


@pytest.fixture
def stranger_web(platform: Platform, owner: Api) -> Iterator[TestClient]:
    make_user(platform, "outsider@example.org")
    with TestClient(create_app(platform), raise_server_exceptions=False) as c:
        sign_in_web(c, "outsider@example.org")
        yield c


def test_a_private_tree_is_not_found_by_others(
    owner: Api, site: TestClient, stranger_web: TestClient, family: dict[str, str]
) -> None:
    owner.patch(f"/trees/{family['tree']}", {"visibility": "private"})
    who = family["daughter"]
    urls = [f"/people/{who}/{chart}" for chart in CHARTS]
    urls.append(f"/people/{who}/relationship?other={family['grandpa']}")
    for client in (site, stranger_web):
        for url in urls:
            page = client.get(url)
            assert page.status_code == 404, url
            assert "Rudo" not in page.text
        refused = client.get(f"/trees/{family['tree']}/chart-people/suggest?q=rudo")
        assert refused.status_code == 404 and set(refused.json()) == {"title", "detail"}


def test_generations_are_checked(owner_web: TestClient, family: dict[str, str]) -> None:
    who = family["daughter"]
    for chart in CHARTS:
        most = LIMITS[chart]
        for bad in ("1", str(most + 1), "abc", "-3", "5.5"):
            page = owner_web.get(f"/people/{who}/{chart}?generations={bad}")
            assert page.status_code == 422, (chart, bad)
            assert f"Choose between 2 and {most} generations." in page.text
            _clean(page.text)
        assert owner_web.get(f"/people/{who}/{chart}?generations={most}").status_code == 200
        assert owner_web.get(f"/people/{who}/{chart}?generations=2").status_code == 200


def test_every_chart_page_speaks_each_language(
    owner_web: TestClient, family: dict[str, str]
) -> None:
    urls = [f"/people/{family['child']}/{chart}" for chart in ("pedigree", "fan")]
    urls += [
        f"/people/{family['grandpa']}/descendants",
        f"/people/{family['child']}/relationship?other={family['half']}",
        f"/people/{family['child']}/relationship?q=rud",
        f"/people/{family['child']}/relationship",
    ]
    for language in LANGUAGES:
        in_language(owner_web, language)
        for url in urls:
            page = owner_web.get(url)
            assert page.status_code == 200, (language, url, page.text[:300])
            assert f'<html lang="{language}">' in page.text
            _clean(page.text)


def test_the_relationship_page_shows_the_chain(
    owner_web: TestClient, family: dict[str, str]
) -> None:
    page = owner_web.get(f"/people/{family['child']}/relationship?other={family['half']}")
    assert page.status_code == 200
    text = re.sub(r"<[^>]+>", "", page.text)
    assert "Secretchild Moyo is a son of Rudo Moyo." in text
    assert "Rudo Moyo is a daughter of Baba Moyo." in text
    assert "Baba Moyo is the father of Farai Moyo." in text
    assert "Common ancestor" in text
    assert "Secretchild Moyo is 2 generations below the common ancestor." in text
    assert "Farai Moyo is one generation below the common ancestor." in text
    assert 'value="Farai Moyo"' in page.text  # the form keeps the other person's name
    # in-law through a partner: no blood line, steps named by sex
    inlaw = owner_web.get(f"/people/{family['husband']}/relationship?other={family['father']}")
    text = re.sub(r"<[^>]+>", "", inlaw.text)
    assert "Zvikomborero Moyo is the husband of Rudo Moyo." in text
    assert "generations below" not in text
    # without another person: the form alone
    alone = owner_web.get(f"/people/{family['child']}/relationship").text
    assert "How is Secretchild Moyo related to someone?" in re.sub(r"<[^>]+>", "", alone)
    assert 'data-suggest="/trees/' in alone and 'name="other"' in alone
    _clean(page.text)


def test_picking_the_other_person_by_name(
    owner: Api, owner_web: TestClient, family: dict[str, str]
) -> None:
    who = family["child"]
    listed = owner_web.get(f"/people/{who}/relationship?q=Rudo")
    assert listed.status_code == 200
    assert f'href="/people/{who}/relationship?other={family["daughter"]}"' in listed.text
    both_words = owner_web.get(f"/people/{who}/relationship?q=farai+moyo").text
    assert (
        f"other={family['half']}" in both_words and f"other={family['daughter']}" not in both_words
    )
    label = owner_web.get(f"/people/{who}/relationship?q=Farai Moyo (1915 \u2013 1985)").text
    assert f"other={family['half']}" in label  # a suggestion's label typed without its id
    nobody = owner_web.get(f"/people/{who}/relationship?q=Qwertyuiop")
    assert "Nobody in this tree has a name that starts that way." in nobody.text
    bad = owner_web.get(f"/people/{who}/relationship?other=not-an-id")
    assert bad.status_code == 422
    suggest = owner_web.get(f"/trees/{family['tree']}/chart-people/suggest?q=zvik")
    assert suggest.status_code == 200
    assert suggest.json() == [{"id": family["husband"], "label": "Zvikomborero Moyo (1990 \u2013)"}]
    assert owner_web.get(f"/trees/{family['tree']}/chart-people/suggest?q=z").json() == []
    many = owner_web.get(f"/trees/{family['tree']}/chart-people/suggest?q=moyo").json()
    assert 1 <= len(many) <= 10 and all(set(item) == {"id", "label"} for item in many)
