"""The home person on the pages: chosen on the settings form by name (suggested as one types,
or looked up after posting with a choice when several people fit), cleared, and shown first on
the tree's home, as a placeholder to guests who may not see the person."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from dzinza.services.platform import Platform
from tests.conftest import Api, add_member
from tests.web.conftest import LANGUAGES, csrf_of, in_language, post_form, sign_in_web


def _person(api: Api, tree: str, given: str, surname: str, *events: tuple[str, str]) -> str:
    body = {
        "names": [{"given": given, "surname": surname}],
        "events": [{"type": kind, "date": date} for kind, date in events],
    }
    return str(api.post(f"/trees/{tree}/people", body)["id"])


def clean(page: httpx.Response) -> None:
    assert "<script>" not in page.text and " style=" not in page.text
    assert " onclick=" not in page.text and "<style" not in page.text


def _settings(tree: str, **fields: str) -> dict[str, str]:
    return {"name": "Moyo family", "description": "", "visibility": "private", **fields}


@pytest.fixture
def family(owner: Api) -> dict[str, str]:
    tree = owner.post("/trees", {"name": "Moyo family", "visibility": "private"})["id"]
    return {
        "tree": tree,
        "rudo": _person(owner, tree, "Rudo", "Moyo", ("birth", "1900"), ("death", "1970")),
        "tendai": _person(owner, tree, "Tendai", "Moyo", ("birth", "1925")),
        "tendai2": _person(owner, tree, "Tendai", "Banda", ("birth", "1931")),
    }


def test_the_settings_form_sets_the_home_person_by_name(
    owner_web: TestClient, owner: Api, family: dict[str, str]
) -> None:
    tree, rudo = family["tree"], family["rudo"]
    url = f"/trees/{tree}/settings"
    form = owner_web.get(url)
    assert form.status_code == 200
    clean(form)
    # The field people.js improves: suggestions from the tree's people, the id in home_id.
    assert f'data-suggest="/trees/{tree}/people/suggest"' in form.text
    assert 'data-suggest-target="home_id"' in form.text and 'name="home_query"' in form.text
    assert "js/people" in form.text and 'for="home_query"' in form.text
    assert "No home person is chosen yet." in form.text and 'name="home_none"' not in form.text
    suggested = owner_web.get(f"/trees/{tree}/people/suggest?q=rud").json()
    assert [s["id"] for s in suggested] == [rudo]

    # Typed without the script: one person fits, and is chosen.
    done = post_form(owner_web, url, url, _settings(tree, home_query="Rudo"))
    assert done.status_code == 303, done.text[:2000]
    assert owner.get(f"/trees/{tree}")["home_person"]["id"] == rudo
    page = owner_web.get(done.headers["location"])
    assert "The settings were saved." in page.text
    assert f'The tree opens on <a href="/people/{rudo}">Rudo Moyo</a>.' in page.text
    assert 'name="home_none"' in page.text

    # Chosen from the suggestions: the script posts the id with the label it showed.
    label = "Tendai Moyo (1925 \u2013 )"
    fields = _settings(tree, home_query=label, home_id=family["tendai"])
    assert post_form(owner_web, url, url, fields).status_code == 303
    assert owner.get(f"/trees/{tree}")["home_person"]["id"] == family["tendai"]
    # The label alone (the id lost, e.g. after the form came back) still finds the person.
    assert post_form(owner_web, url, url, _settings(tree, home_query=label)).status_code == 303
    assert owner.get(f"/trees/{tree}")["home_person"]["id"] == family["tendai"]

    # Left empty, the home person stays; "No home person" clears it.
    fields = _settings(tree, description="Kept")
    assert post_form(owner_web, url, url, fields).status_code == 303
    assert owner.get(f"/trees/{tree}")["home_person"]["id"] == family["tendai"]
    assert post_form(owner_web, url, url, _settings(tree, home_none="1")).status_code == 303
    assert owner.get(f"/trees/{tree}")["home_person"] is None


def test_an_ambiguous_or_unknown_name_comes_back_to_the_form(
    owner_web: TestClient, owner: Api, family: dict[str, str]
) -> None:
    tree = family["tree"]
    url = f"/trees/{tree}/settings"
    asked = post_form(owner_web, url, url, _settings(tree, name="New name", home_query="Tendai"))
    assert asked.status_code == 200
    clean(asked)
    assert "Which person did you mean?" in asked.text
    for pid in (family["tendai"], family["tendai2"]):
        assert f'name="home_id" value="{pid}"' in asked.text
    assert "Rudo" not in asked.text.partition("Which person")[2].partition("</fieldset>")[0]
    assert 'value="New name"' in asked.text and 'value="Tendai"' in asked.text
    seen = owner.get(f"/trees/{tree}")
    assert seen["home_person"] is None and seen["name"] == "Moyo family"  # nothing saved yet
    version = re.search(r'name="version" value="([^"]+)"', asked.text)
    assert version
    chosen = {
        "csrf": csrf_of(asked),
        "version": html.unescape(version.group(1)),
        **_settings(tree, name="New name", home_query="Tendai", home_id=family["tendai2"]),
    }
    done = owner_web.post(url, data=chosen, follow_redirects=False)
    assert done.status_code == 303, done.text[:2000]
    seen = owner.get(f"/trees/{tree}")
    assert seen["home_person"]["id"] == family["tendai2"] and seen["name"] == "New name"

    nobody = post_form(owner_web, url, url, _settings(tree, home_query="Zvichapera"))
    assert nobody.status_code == 422
    assert "Nobody in this tree has a name like this." in nobody.text
    assert 'value="Zvichapera"' in nobody.text
    assert 'aria-describedby="home_query-error home_query-hint"' in nobody.text
    both = post_form(owner_web, url, url, _settings(tree, home_query="Rudo", home_none="1"))
    assert both.status_code == 422 and "not both" in both.text
    other = owner.post("/trees", {"name": "Other family"})["id"]
    stranger_person = _person(owner, other, "Farai", "Dube")
    wrong = post_form(owner_web, url, url, _settings(tree, home_id=stranger_person))
    assert wrong.status_code == 422 and "Choose someone who is in this tree." in wrong.text
    assert owner.get(f"/trees/{tree}")["home_person"]["id"] == family["tendai2"]

    forged = owner_web.post(url, data={**_settings(tree, home_none="1"), "csrf": "x" * 64})
    assert forged.status_code == 403
    assert owner.get(f"/trees/{tree}")["home_person"]["id"] == family["tendai2"]

    # Changed by someone else meanwhile: 412, what is saved now beside what was typed.
    page = owner_web.get(url)
    stale = re.search(r'name="version" value="([^"]+)"', page.text)
    assert stale
    owner.patch(f"/trees/{tree}", {"home_person_id": family["rudo"]})
    mine = {
        "csrf": csrf_of(page),
        "version": html.unescape(stale.group(1)),
        **_settings(tree, name="New name", home_none="1"),
    }
    clash = owner_web.post(url, data=mine, follow_redirects=False)
    assert clash.status_code == 412
    assert (
        "Saved now: Rudo Moyo" in clash.text and 'name="home_none" value="1" checked' in clash.text
    )
    assert owner.get(f"/trees/{tree}")["home_person"]["id"] == family["rudo"]


def test_only_managers_choose_the_home_person(
    platform: Platform, client: TestClient, owner: Api, family: dict[str, str]
) -> None:
    tree = family["tree"]
    add_member(platform, tree, "editor@example.org", "editor")
    with TestClient(client.app, raise_server_exceptions=False) as editor:
        sign_in_web(editor, "editor@example.org")
        fields = _settings(tree, home_query="Tendai")
        refused = post_form(editor, "/", f"/trees/{tree}/settings", fields)
        assert refused.status_code == 403 and "Which person" not in refused.text
    assert owner.get(f"/trees/{tree}")["home_person"] is None


def test_the_tree_home_shows_the_home_person(
    owner_web: TestClient, owner: Api, family: dict[str, str]
) -> None:
    tree, rudo = family["tree"], family["rudo"]
    before = owner_web.get(f"/trees/{tree}")
    assert "Choose a home person" in before.text and f"/trees/{tree}/settings" in before.text
    owner.patch(f"/trees/{tree}", {"home_person_id": rudo})
    for language in LANGUAGES:
        in_language(owner_web, language)
        for path in (f"/trees/{tree}", f"/trees/{tree}/settings"):
            page = owner_web.get(path)
            assert page.status_code == 200, (language, path)
            clean(page)
            assert "Rudo Moyo" in page.text
        home = owner_web.get(f"/trees/{tree}")
        assert f'href="/people/{rudo}">Rudo Moyo</a>' in home.text
        assert f'href="/people/{rudo}/pedigree"' in home.text
        assert f'href="/people/{rudo}/descendants"' in home.text
    in_language(owner_web, "en")
    home = owner_web.get(f"/trees/{tree}")
    assert "Home person" in home.text and "1900 \u2013 1970" in home.text
    assert home.text.index("Home person") < home.text.index("At a glance")


def test_a_guest_sees_a_hidden_home_person_only_as_private(
    site: TestClient, owner: Api, family: dict[str, str]
) -> None:
    tree = family["tree"]
    owner.patch(f"/trees/{tree}", {"visibility": "public", "home_person_id": family["tendai"]})
    for language in LANGUAGES:
        in_language(site, language)
        page = site.get(f"/trees/{tree}")
        assert page.status_code == 200, language
        clean(page)
        assert "Tendai" not in page.text and "1925" not in page.text
        assert f'href="/people/{family["tendai"]}" class="private">Private</a>' in page.text
        assert f"/trees/{tree}/settings" not in page.text
    # Someone dead long ago is shown to guests by name.
    owner.patch(f"/trees/{tree}", {"home_person_id": family["rudo"]})
    in_language(site, "en")
    page = site.get(f"/trees/{tree}")
    assert f'href="/people/{family["rudo"]}">Rudo Moyo</a>' in page.text
    assert "1900 \u2013 1970" in page.text
    assert site.get(f"/trees/{tree}/settings").status_code == 401


def test_names_are_escaped(owner_web: TestClient, owner: Api, family: dict[str, Any]) -> None:
    tree = family["tree"]
    odd = _person(owner, tree, "<b>Bold</b>", "Moyo", ("death", "1950"))
    owner.patch(f"/trees/{tree}", {"home_person_id": odd})
    for path in (f"/trees/{tree}", f"/trees/{tree}/settings"):
        page = owner_web.get(path)
        assert "<b>Bold</b>" not in page.text and "&lt;b&gt;Bold&lt;/b&gt;" in page.text
