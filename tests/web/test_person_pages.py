"""The person page and the change history of a person, and the JSON routes of the person forms'
script: what the owner sees, what a guest of a public tree sees (the dead, and only the
placeholder of the living), who is refused, and every page in every language."""

from __future__ import annotations

import io
import re
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from dzinza.services.platform import Platform
from tests.conftest import Api, add_member, make_user
from tests.web.conftest import LANGUAGES, in_language, sign_in_web


def person(
    api: Api, tree: str, given: str, surname: str, sex: str = "unknown", **extra: Any
) -> str:
    body = {"names": [{"given": given, "surname": surname}], "sex": sex, **extra}
    return str(api.post(f"/trees/{tree}/people", body)["id"])


def born(date: str, died: str | None = None, place: str | None = None) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [{"type": "birth", "date": date}]
    if place:
        events[0]["place_id"] = place
    if died:
        events.append({"type": "death", "date": died})
    return events


def family(
    api: Api, tree: str, a: str | None, b: str | None, kids: list[tuple[str, str]], union: str
) -> str:
    body: dict[str, Any] = {
        "partner1_id": a,
        "partner2_id": b,
        "union_type": union,
        "children": [{"child_id": k, "pedigree": p} for k, p in kids],
    }
    return str(api.post(f"/trees/{tree}/families", body)["id"])


def clean(page: Any) -> None:
    """A page of this area: no inline script or style (the Content-Security-Policy forbids
    them)."""
    assert "<script>" not in page.text and " style=" not in page.text
    assert "onclick" not in page.text.lower()


@pytest.fixture
def moyo(owner: Api) -> dict[str, str]:
    """A public tree: Tafara with two wives at once (customary unions), his children by both
    (one adopted), and Tendai's living wife and child."""
    t = owner.post("/trees", {"name": "Moyo of Gutu", "visibility": "public"})["id"]
    masvingo = owner.post(f"/trees/{t}/places", {"name": "Masvingo"})["id"]
    tafara = person(owner, t, "Tafara", "Moyo", "male", events=born("1900", "1970"))
    rudo = person(owner, t, "Rudo", "Chari", "female", events=born("1905", "1980"))
    chipo = person(owner, t, "Chipo", "Ncube", "female", events=born("1910", "1990"))
    tendai = person(
        owner,
        t,
        "Tendai",
        "Moyo",
        "male",
        events=[
            *born("ABT 1930", "12 MAR 2000", masvingo),
            {"type": "occupation", "value": "Teacher"},
        ],
    )
    owner.patch(
        f"/people/{tendai}",
        {
            "names": [
                {"given": "Tendai", "surname": "Moyo"},
                {"given": "Shumba", "type": "clan"},
            ]
        },
    )
    nyasha = person(owner, t, "Nyasha", "Moyo", "female", events=born("1935", "2010"))
    farai = person(owner, t, "Farai", "Moyo", "male", events=born("1940", "2015"))
    anesu = person(owner, t, "Anesu", "Dube", "female", events=born("1960"))
    kuda = person(owner, t, "Kudakwashe", "Moyo", "male", events=born("1990"))
    family(owner, t, tafara, rudo, [(tendai, "birth"), (nyasha, "adopted")], "customary")
    family(owner, t, tafara, chipo, [(farai, "birth")], "customary")
    marriage = family(owner, t, tendai, anesu, [(kuda, "birth")], "religious")
    owner.post(f"/trees/{t}/events", {"family_id": marriage, "type": "marriage", "date": "1958"})
    return {
        "tree": t,
        "tafara": tafara,
        "rudo": rudo,
        "chipo": chipo,
        "tendai": tendai,
        "nyasha": nyasha,
        "farai": farai,
        "anesu": anesu,
        "kuda": kuda,
        "marriage": marriage,
    }


def test_the_owner_sees_the_whole_person(owner_web: TestClient, moyo: dict[str, str]) -> None:
    page = owner_web.get(f"/people/{moyo['tendai']}")
    assert page.status_code == 200
    clean(page)
    text = page.text
    # Names with their kinds; sex and living status.
    for word in ("Tendai Moyo", "Shumba", "Birth name", "Clan or totem name", "Male", "Deceased"):
        assert word in text, word
    # The timeline in date order: birth, the marriage (a family event), death; undated last.
    order = [text.index(x) for x in ("about 1930", "1958", "Mar 12, 2000", "Teacher")]
    assert order == sorted(order)
    assert "Masvingo" in text and "Occupation" in text and "Marriage" in text
    # Parents (a customary union), siblings (the adopted one marked, the half one through
    # the father), the partner and the child.
    for word in ("Tafara Moyo", "Rudo Chari", "customary union", "Nyasha Moyo", "adopted"):
        assert word in text, word
    assert "half-sibling through Tafara Moyo" in text and "Farai Moyo" in text
    assert "Anesu Dube" in text and "Kudakwashe Moyo" in text and "religious union" in text
    # Breadcrumbs, links to charts, the history and every form.
    assert f'<a href="/trees/{moyo["tree"]}">Moyo of Gutu</a>' in text
    for link in (
        f"/people/{moyo['tendai']}/pedigree",
        f"/people/{moyo['tendai']}/descendants",
        f"/people/{moyo['tendai']}/fan",
        f"/people/{moyo['tendai']}/history",
        f"/people/{moyo['tendai']}/edit",
        f"/people/{moyo['tendai']}/events/new",
        f"/people/{moyo['tendai']}/add/parent",
        f"/people/{moyo['tendai']}/add/sibling",
        f"/people/{moyo['tendai']}/add/partner",
        f"/people/{moyo['tendai']}/add/child",
        f"/people/{moyo['tendai']}/delete",
        f"/families/{moyo['marriage']}/edit",
    ):
        assert f'href="{link}' in text, link


def test_several_unions_sources_notes_and_warnings(
    owner: Api, owner_web: TestClient, moyo: dict[str, str]
) -> None:
    t, tendai = moyo["tree"], moyo["tendai"]
    # Two unions at once: each a family of its own, with its own children.
    text = owner_web.get(f"/people/{moyo['tafara']}").text
    assert "This person has 2 families" in text
    assert text.count("customary union") == 2
    rudo, chipo = text.index("Rudo Chari"), text.index("Chipo Ncube")
    assert rudo < text.index("Tendai Moyo") < chipo < text.index("Farai Moyo")
    # Sources, notes and the warnings of the service.
    source = owner.post(f"/trees/{t}/sources", {"title": "Gutu mission register"})
    target = {"type": "person", "id": tendai}
    owner.post(
        f"/trees/{t}/citations", {"source_id": source["id"], "page": "folio 12", "target": target}
    )
    owner.post(f"/trees/{t}/notes", {"text": "Taught at Gutu.", "targets": [target]})
    text = owner_web.get(f"/people/{tendai}").text
    assert "Gutu mission register" in text and "folio 12" in text
    assert "Taught at Gutu." in text
    early = person(owner, t, "Early", "Death", events=born("1950", "1940"))
    warned = owner_web.get(f"/people/{early}").text
    assert 'class="notice warning"' in warned and "died before being born" in warned
    # Suggestions for the name fields: the owner sees the living too.
    url = f"/trees/{t}/people/suggest?q="
    mine = owner_web.get(url + "moyo")
    assert mine.status_code == 200 and mine.headers["content-type"] == "application/json"
    labels = [p["label"] for p in mine.json()]
    assert "Kudakwashe Moyo (1990 \u2013 )" in labels
    assert "Tendai Moyo (ABT 1930 \u2013 12 MAR 2000)" in labels
    assert {p["id"] for p in mine.json()} >= {moyo["kuda"], tendai}
    assert [p["id"] for p in owner_web.get(url + "tendai moyo").json()] == [tendai]
    assert owner_web.get(url + "zzz").json() == []


def test_a_guest_of_a_public_tree_sees_the_dead_and_placeholders_of_the_living(
    site: TestClient, moyo: dict[str, str]
) -> None:
    page = site.get(f"/people/{moyo['tendai']}")
    assert page.status_code == 200
    clean(page)
    assert "Tendai Moyo" in page.text and "Tafara Moyo" in page.text
    for secret in ("Anesu", "Dube", "Kudakwashe", "1960", "1990"):
        assert secret not in page.text, secret
    assert 'class="private">Private</a>' in page.text
    for form in ("/edit", "/add/", "/delete", "/history", "/events/new"):
        assert form not in page.text, form
    hidden = site.get(f"/people/{moyo['anesu']}")
    assert hidden.status_code == 200
    assert '<h1 class="private">Private</h1>' in hidden.text
    assert "Anesu" not in hidden.text and "1960" not in hidden.text
    assert "Tendai Moyo" in hidden.text  # the shape of the family stays
    # The forms and the history are not for guests.
    for url in (
        f"/people/{moyo['tendai']}/edit",
        f"/people/{moyo['tendai']}/history",
        f"/people/{moyo['tendai']}/add/child",
        f"/trees/{moyo['tree']}/people/new",
    ):
        assert site.get(url).status_code == 401, url
    # Suggestions leave out the living, as every list does for a guest.
    url = f"/trees/{moyo['tree']}/people/suggest?q="
    theirs = [p["label"] for p in site.get(url + "moyo").json()]
    assert "Tendai Moyo (ABT 1930 \u2013 12 MAR 2000)" in theirs
    assert not any("Kudakwashe" in label for label in theirs)
    assert site.get(url + "anesu").json() == []


def test_a_private_trees_people_are_not_found_by_strangers(
    site: TestClient, owner: Api, platform: Platform, tree: dict[str, Any]
) -> None:
    somebody = person(owner, tree["id"], "Hidden", "Person", events=born("1900", "1950"))
    assert site.get(f"/people/{somebody}").status_code == 404
    assert "Hidden" not in site.get(f"/people/{somebody}").text
    add_member(platform, tree["id"], "viewer@example.org", "viewer")
    make_user(platform, "someone@example.org")
    with TestClient(site.app) as other:
        sign_in_web(other, "someone@example.org")
        assert other.get(f"/people/{somebody}").status_code == 404
        assert other.get(f"/trees/{tree['id']}/people/suggest?q=hid").status_code == 404
    with TestClient(site.app) as viewer:
        sign_in_web(viewer, "viewer@example.org")
        page = viewer.get(f"/people/{somebody}")
        assert page.status_code == 200 and "Hidden Person" in page.text
        assert f"/people/{somebody}/edit" not in page.text
        assert viewer.get(f"/people/{somebody}/edit").status_code == 403
        assert viewer.get(f"/people/{somebody}/history").status_code == 403


def test_photos_and_documents_show_as_thumbnails(
    owner: Api, owner_web: TestClient, site: TestClient
) -> None:
    t = owner.post("/trees", {"name": "Photos", "visibility": "public"})["id"]
    moyo = {"tree": t, "tendai": person(owner, t, "Tendai", "Moyo", events=born("1930", "2000"))}
    image = io.BytesIO()
    Image.new("RGB", (120, 90), "teal").save(image, "JPEG")
    made = owner.call(
        "POST",
        f"/trees/{moyo['tree']}/media/files",
        201,
        files={"file": ("wedding.jpg", image.getvalue(), "application/octet-stream")},
        data={"title": "Wedding photo"},
    )
    deadline = time.monotonic() + 20
    while owner.get(f"/media/{made['id']}")["status"] == "processing":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    owner.post(f"/media/{made['id']}/links", {"type": "person", "id": moyo["tendai"]})
    record = owner.post(f"/trees/{moyo['tree']}/media", {"title": "Baptism record"})
    owner.post(f"/media/{record['id']}/links", {"type": "person", "id": moyo["tendai"]})
    for web in (owner_web, site):
        text = web.get(f"/people/{moyo['tendai']}").text
        assert f'href="/media/{made["id"]}"' in text and "Wedding photo" in text
        thumb = re.search(r'<img src="([^"]+)" alt="Wedding photo"', text)
        assert thumb, text
        signed = urlsplit(thumb.group(1).replace("&amp;", "&"))
        assert web.get(f"{signed.path}?{signed.query}").status_code == 200
        assert f'href="/media/{record["id"]}"' in text and "Baptism record" in text


def test_the_history_shows_who_changed_what_newest_first(
    owner: Api, owner_web: TestClient, tree: dict[str, Any]
) -> None:
    tendai = person(owner, tree["id"], "Tendai", "Moyo", "male")
    owner.patch(f"/people/{tendai}", {"sex": "female"})
    owner.patch(f"/people/{tendai}", {"living": False})
    page = owner_web.get(f"/people/{tendai}/history")
    assert page.status_code == 200
    clean(page)
    text = page.text
    assert "owner@example.org" in text
    assert "Sex: Male → Female" in text
    assert "Living: Not known (decided from the dates) → Deceased" in text
    # Newest first: the change of "living" above the change of sex, the creation last.
    assert text.index("Living: ") < text.index("Sex: Male") < text.index("Added the person")
    assert "Changed a name" not in text
    empty = owner_web.get(f"/people/{tendai}/history?cursor=nonsense")
    assert empty.status_code == 400


def test_dates_are_checked_by_the_date_parser(site: TestClient) -> None:
    assert site.get("/dates/check?value=abt 1890").json() == {
        "valid": True,
        "date": "ABT 1890",
        "message": "",
    }
    wrong = site.get("/dates/check?value=31 FEB 1900").json()
    assert not wrong["valid"] and "only 28 days" in wrong["message"]
    assert site.get("/dates/check?value=").json()["valid"]


def test_every_page_speaks_every_language(
    owner: Api, owner_web: TestClient, site: TestClient, moyo: dict[str, str]
) -> None:
    tendai = moyo["tendai"]
    event = owner.get(f"/people/{tendai}")["events"][0]["id"]
    pages = [
        f"/people/{tendai}",
        f"/people/{moyo['anesu']}",
        f"/people/{tendai}/history",
        f"/people/{tendai}/edit",
        f"/people/{tendai}/delete",
        f"/people/{tendai}/events/new",
        f"/families/{moyo['marriage']}/events/new",
        f"/events/{event}/edit",
        f"/events/{event}/delete",
        f"/trees/{moyo['tree']}/people/new",
        f"/families/{moyo['marriage']}/edit",
        f"/families/{moyo['marriage']}/delete",
        *(f"/people/{tendai}/add/{r}" for r in ("parent", "child", "partner", "sibling")),
    ]
    for language in LANGUAGES:
        in_language(owner_web, language)
        in_language(site, language)
        for url in pages:
            page = owner_web.get(url)
            assert page.status_code == 200, (language, url, page.text[:500])
            assert page.headers["content-language"] == language
            clean(page)
        guest = site.get(f"/people/{moyo['anesu']}")
        assert guest.status_code == 200 and guest.headers["content-language"] == language
    assert owner_web.get(f"/people/{tendai}/add/cousin").status_code == 404
