"""The forms that change people, events and families: adding a person, editing one (with the
version it was loaded at: a change made meanwhile gives 412 with both values), adding a
parent, child, partner or sibling (a new person or one of the tree), events, the family form,
deleting. Every effect is checked through the JSON API."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dzinza.domain.errors import NotFound, ValidationFailed
from dzinza.services.common import ANONYMOUS
from dzinza.services.platform import Platform
from tests.conftest import Api, add_member
from tests.web.conftest import csrf_of, post_form, sign_in_web
from tests.web.test_person_pages import born, clean, family, person


def hidden(page: Any, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    assert found, page.text[:3000]
    return html.unescape(found.group(1))


def parents_of(api: Api, person_id: str) -> list[set[str]]:
    return [{p["id"] for p in f["parents"]} for f in api.get(f"/people/{person_id}")["parents"]]


@pytest.fixture
def t(tree: dict[str, Any]) -> str:
    return str(tree["id"])


# -- adding a person -----------------------------------------------------------------------------
def test_add_a_person(owner: Api, owner_web: TestClient, t: str) -> None:
    url = f"/trees/{t}/people/new"
    form = owner_web.get(url)
    assert form.status_code == 200
    clean(form)
    assert "BET 1890 AND 1895" in form.text and 'data-date-check="/dates/check"' in form.text
    fields = {
        "given": "Rudo",
        "surname": "Moyo",
        "sex": "female",
        "living": "no",
        "birth_date": "abt 1890",
        "birth_place": "Gutu",
        "death_date": "14 MAR 1931",
        "death_place": "Gutu",
    }
    done = post_form(owner_web, url, url, fields)
    assert done.status_code == 303
    person_id = done.headers["location"].removeprefix("/people/")
    made = owner.get(f"/people/{person_id}")
    assert made["display_name"] == "Rudo Moyo" and made["sex"] == "female"
    assert made["living"] is False
    assert [(e["type"], e["date"], e["place"]["name"]) for e in made["events"]] == [
        ("birth", "ABT 1890", "Gutu"),
        ("death", "14 MAR 1931", "Gutu"),
    ]
    # The place was made once and found again by its name.
    assert [p["name"] for p in owner.get(f"/trees/{t}/places")["items"]] == ["Gutu"]
    page = owner_web.get(done.headers["location"])
    assert page.status_code == 200 and "Rudo Moyo" in page.text


def test_a_bad_date_comes_back_inline_with_what_was_typed(
    owner: Api, owner_web: TestClient, t: str
) -> None:
    url = f"/trees/{t}/people/new"
    fields = {
        "given": "Tendai",
        "surname": "Moyo",
        "birth_date": "31 FEB 1900",
        "birth_place": "Mvuma",
    }
    page = post_form(owner_web, url, url, fields)
    assert page.status_code == 422
    clean(page)
    assert 'role="alert"' in page.text
    assert 'aria-invalid="true" aria-describedby="birth_date-error birth_date-hint"' in page.text
    assert re.search(r'id="birth_date-error">[^<]*only 28 days', page.text)
    for value in ('value="Tendai"', 'value="Moyo"', 'value="31 FEB 1900"', 'value="Mvuma"'):
        assert value in page.text
    nameless = post_form(owner_web, url, url, {"given": " ", "surname": ""})
    assert nameless.status_code == 422 and 'id="given-error"' in nameless.text
    assert owner.get(f"/trees/{t}/people")["items"] == []
    assert owner.get(f"/trees/{t}/places")["items"] == []
    forged = owner_web.post(url, data={"csrf": "x" * 64, "given": "Forged"})
    assert forged.status_code == 403
    assert owner.get(f"/trees/{t}/people")["items"] == []


# -- editing a person ----------------------------------------------------------------------------
def test_edit_names_sex_living_and_notes(owner: Api, owner_web: TestClient, t: str) -> None:
    pid = person(owner, t, "Tendai", "Moyo", "male")
    owner.patch(
        f"/people/{pid}",
        {"names": [{"given": "Tendai", "surname": "Moyo"}, {"given": "Tendy", "type": "aka"}]},
    )
    note = owner.post(
        f"/trees/{t}/notes", {"text": "Old note", "targets": [{"type": "person", "id": pid}]}
    )
    gone = owner.post(
        f"/trees/{t}/notes", {"text": "Wrong", "targets": [{"type": "person", "id": pid}]}
    )
    url = f"/people/{pid}/edit"
    form = owner_web.get(url)
    assert form.status_code == 200
    clean(form)
    assert 'name="names-2-given"' in form.text  # a blank row to add a name
    fields = {
        "version": hidden(form, "version"),
        "sex": "intersex",
        "living": "yes",
        "names-0-type": "birth",
        "names-0-given": "Tendai Tafara",
        "names-0-surname": "Moyo",
        "names-1-type": "aka",
        "names-1-given": "Tendy",
        "names-1-remove": "1",
        "names-2-type": "clan",
        "names-2-given": "Shumba",
        "names-2-surname": "",
        f"note-{note['id']}": "Better note",
        f"note-{gone['id']}": "Wrong",
        f"note-{gone['id']}-remove": "1",
        "new_note": "A new note",
    }
    done = post_form(owner_web, url, url, fields)
    assert done.status_code == 303 and done.headers["location"] == f"/people/{pid}"
    saved = owner.get(f"/people/{pid}")
    assert saved["sex"] == "intersex" and saved["living"] is True
    assert [(n["type"], n["given"], n["surname"]) for n in saved["names"]] == [
        ("birth", "Tendai Tafara", "Moyo"),
        ("clan", "Shumba", ""),
    ]
    assert sorted(n["text"] for n in saved["notes"]) == ["A new note", "Better note"]
    assert owner.get(f"/notes/{gone['id']}")["text"] == "Wrong"  # unlinked, not deleted
    # Saving an unchanged form changes nothing (no new version, no history entry).
    again = owner_web.get(url)
    before = len(owner.get(f"/people/{pid}/history")["items"])
    unchanged = {
        k: html.unescape(v)
        for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', again.text)
        if k.startswith(("names-0", "names-1", "version")) and not k.endswith("remove")
    }
    unchanged |= {
        "sex": "intersex",
        "living": "yes",
        "names-0-type": "birth",
        "names-1-type": "clan",
    }
    assert post_form(owner_web, url, url, unchanged).status_code == 303
    assert len(owner.get(f"/people/{pid}/history")["items"]) == before


def test_a_stale_edit_is_refused_with_both_values_shown(
    owner: Api, owner_web: TestClient, t: str
) -> None:
    pid = person(owner, t, "Nyasha", "Moyo", "male")
    url = f"/people/{pid}/edit"
    form = owner_web.get(url)
    stale = hidden(form, "version")
    owner.patch(f"/people/{pid}", {"sex": "female"})  # someone else, meanwhile
    fields = {
        "version": stale,
        "sex": "intersex",
        "living": "unknown",
        "names-0-type": "birth",
        "names-0-given": "Nyasha Chipo",
        "names-0-surname": "Moyo",
    }
    page = post_form(owner_web, url, url, fields)
    assert page.status_code == 412
    clean(page)
    assert "Someone else changed this person" in page.text
    assert "Saved now: Female" in page.text  # the saved value beside the field
    assert '<option value="intersex" selected>' in page.text  # what the user chose, kept
    assert 'value="Nyasha Chipo"' in page.text
    assert owner.get(f"/people/{pid}")["sex"] == "female"
    # Sent again from the conflict page (its version is the current one), it goes through.
    fields["version"] = hidden(page, "version")
    assert post_form(owner_web, url, url, fields).status_code == 303
    saved = owner.get(f"/people/{pid}")
    assert saved["sex"] == "intersex" and saved["display_name"] == "Nyasha Chipo Moyo"


# -- relatives -----------------------------------------------------------------------------------
def test_add_parents_children_partners_and_siblings(
    owner: Api, owner_web: TestClient, t: str
) -> None:
    me = person(owner, t, "Tendai", "Moyo", "male", events=born("1930"))
    amai = person(owner, t, "Rudo", "Chari", "female")
    wife = person(owner, t, "Anesu", "Dube", "female")
    kid = person(owner, t, "Kuda", "Moyo", "male")

    def add(relation: str, fields: dict[str, str], expect: int = 303) -> Any:
        url = f"/people/{me}/add/{relation}"
        done = post_form(owner_web, url, url, fields)
        assert done.status_code == expect, done.text[:3000]
        return done

    # A parent, new: a parent family is made, the person its child.
    add(
        "parent",
        {"mode": "new", "given": "Tafara", "surname": "Moyo", "sex": "male", "birth": "1900"},
    )
    [father_family] = owner.get(f"/people/{me}")["parents"]
    [tafara] = father_family["parents"]
    assert tafara["display_name"] == "Tafara Moyo" and tafara["birth"] == "1900"
    # A parent from the tree, picked by the script (its id), joins that family's free place.
    form = owner_web.get(f"/people/{me}/add/parent")
    assert f'value="{father_family["family_id"]}" checked' in form.text
    add("parent", {"mode": "existing", "existing_id": amai, "family": father_family["family_id"]})
    assert parents_of(owner, me) == [{tafara["id"], amai}]
    fam = owner.get(f"/families/{father_family['family_id']}")
    assert fam["partner1"]["id"] == tafara["id"] and fam["partner2"]["id"] == amai
    # That family is full now: a third parent is refused there (the form says so).
    full = owner_web.get(f"/people/{me}/add/parent")
    assert "This family has two parents already." in full.text
    refused = add(
        "parent",
        {"mode": "new", "given": "Third", "family": father_family["family_id"]},
        expect=409,
    )
    assert "two parents already" in refused.text and 'value="Third"' in refused.text
    assert all(p["display_name"] != "Third" for p in owner.get(f"/trees/{t}/people")["items"])

    # A partner from the tree, typed without the script: the matches are offered, then picked.
    picking = add(
        "partner", {"mode": "existing", "existing_query": "anesu", "union_type": "customary"}, 200
    )
    assert f'name="existing_id" value="{wife}" checked' in picking.text
    add(
        "partner",
        {
            "mode": "existing",
            "existing_query": "anesu",
            "existing_id": wife,
            "union_type": "customary",
        },
    )
    [marriage] = owner.get(f"/people/{me}")["families"]
    assert marriage["partner"]["id"] == wife and marriage["union_type"] == "customary"
    # A second partner at the same time (a plural marriage), new.
    add(
        "partner",
        {
            "mode": "new",
            "given": "Chipo",
            "surname": "Ncube",
            "sex": "female",
            "union_type": "customary",
        },
    )
    assert len(owner.get(f"/people/{me}")["families"]) == 2

    # A child, new and adopted, in the first marriage; one from the tree in a new family.
    add(
        "child",
        {"mode": "new", "given": "Farai", "family": marriage["family_id"], "pedigree": "adopted"},
    )
    add("child", {"mode": "existing", "existing_id": kid, "family": "new"})
    families = {f["family_id"]: f for f in owner.get(f"/people/{me}")["families"]}
    assert [
        (c["display_name"], c["pedigree"]) for c in families[marriage["family_id"]]["children"]
    ] == [("Farai", "adopted")]
    alone = [f for f in families.values() if f["partner"] is None]
    assert [c["id"] for c in alone[0]["children"]] == [kid]
    # Nobody may become their own ancestor.
    loop = add("parent", {"mode": "existing", "existing_id": kid, "family": "new"}, expect=409)
    assert "own ancestor" in loop.text

    # A sibling, new, joins the parents' family.
    add(
        "sibling",
        {"mode": "new", "given": "Nyasha", "sex": "female", "family": father_family["family_id"]},
    )
    kids = owner.get(f"/families/{father_family['family_id']}")["children"]
    assert [c["display_name"] for c in kids] == ["Tendai Moyo", "Nyasha"]
    # Without parents, a sibling makes an empty parent family for both.
    lonely = person(owner, t, "Lonely", "Child")
    url = f"/people/{lonely}/add/sibling"
    assert 'value="new" checked' in owner_web.get(url).text
    assert (
        post_form(
            owner_web, url, url, {"mode": "new", "given": "Tawanda", "family": "new"}
        ).status_code
        == 303
    )
    [empty] = owner.get(f"/people/{lonely}")["parents"]
    assert empty["parents"] == []
    assert [
        c["display_name"] for c in owner.get(f"/families/{empty['family_id']}")["children"]
    ] == [
        "Lonely Child",
        "Tawanda",
    ]


def test_relative_forms_check_their_fields(
    owner: Api, owner_web: TestClient, platform: Platform, t: str
) -> None:
    me = person(owner, t, "Tendai", "Moyo")
    url = f"/people/{me}/add/child"
    nobody = post_form(owner_web, url, url, {"mode": "existing", "existing_query": "zzz"})
    assert nobody.status_code == 422 and 'id="existing_query-error"' in nobody.text
    clean(nobody)
    bad = post_form(owner_web, url, url, {"mode": "new", "given": "X", "birth": "ABT"})
    assert bad.status_code == 422 and 'id="birth-error"' in bad.text and 'value="ABT"' in bad.text
    assert (
        owner_web.post(url, data={"csrf": "nope", "mode": "new", "given": "Y"}).status_code == 403
    )
    assert len(owner.get(f"/trees/{t}/people")["items"]) == 1
    # A viewer sees no form; the service refuses whatever is posted anyway.
    add_member(platform, t, "viewer@example.org", "viewer")
    with TestClient(owner_web.app) as viewer:
        sign_in_web(viewer, "viewer@example.org")
        assert viewer.get(url).status_code == 403
        token = csrf_of(viewer.get(f"/people/{me}"))
        posted = viewer.post(url, data={"csrf": token, "mode": "new", "given": "Z"})
        assert posted.status_code == 403
    # The service's own refusals.
    actor = platform.users.actor_for_token(owner.headers["Authorization"].split()[1])
    with pytest.raises(ValidationFailed):
        platform.families.add_relative(actor, uuid.UUID(me), "cousin", new_person={})
    with pytest.raises(ValidationFailed):
        platform.families.add_relative(actor, uuid.UUID(me), "child")
    with pytest.raises(ValidationFailed):
        platform.families.add_relative(actor, uuid.UUID(me), "child", relative_id=uuid.UUID(me))
    other = person(owner, t, "Other", "Person")
    theirs = family(owner, t, other, None, [], "civil")
    with pytest.raises(ValidationFailed):
        platform.families.add_relative(
            actor, uuid.UUID(me), "child", new_person={}, family_id=uuid.UUID(theirs)
        )
    with pytest.raises(NotFound):  # a private tree, to a visitor
        platform.families.add_relative(ANONYMOUS, uuid.UUID(me), "child", new_person={})


# -- events --------------------------------------------------------------------------------------
def test_events_are_added_changed_and_deleted(owner: Api, owner_web: TestClient, t: str) -> None:
    pid = person(owner, t, "Tendai", "Moyo")
    url = f"/people/{pid}/events/new"
    form = owner_web.get(url)
    assert form.status_code == 200 and '<option value="kurova_guva"' in form.text
    assert '<option value="marriage"' not in form.text  # a family's event
    bad = post_form(
        owner_web, url, url, {"type": "occupation", "date": "sometime", "value": "Teacher"}
    )
    assert (
        bad.status_code == 422 and 'id="date-error"' in bad.text and 'value="Teacher"' in bad.text
    )
    done = post_form(
        owner_web,
        url,
        url,
        {"type": "occupation", "date": "FROM 1950 TO 1980", "value": "Teacher", "place": "Gutu"},
    )
    assert done.status_code == 303 and done.headers["location"] == f"/people/{pid}"
    [event] = owner.get(f"/people/{pid}")["events"]
    assert (event["type"], event["date"], event["value"], event["place"]["name"]) == (
        "occupation",
        "FROM 1950 TO 1980",
        "Teacher",
        "Gutu",
    )
    edit = f"/events/{event['id']}/edit"
    form = owner_web.get(edit)
    stale = hidden(form, "version")
    owner.patch(f"/events/{event['id']}", {"value": "Headmaster"})
    fields = {
        "version": stale,
        "type": "occupation",
        "date": "1950",
        "value": "Teacher",
        "place": "Gutu",
    }
    conflict = post_form(owner_web, edit, edit, fields)
    assert conflict.status_code == 412 and "Saved now: Headmaster" in conflict.text
    clean(conflict)
    fields["version"] = hidden(conflict, "version")
    fields["place"] = "Masvingo"
    assert post_form(owner_web, edit, edit, fields).status_code == 303
    changed = owner.get(f"/events/{event['id']}")
    assert (changed["date"], changed["value"], changed["place"]["name"]) == (
        "1950",
        "Teacher",
        "Masvingo",
    )
    # Deleting asks first, and refuses a stale confirmation.
    delete = f"/events/{event['id']}/delete"
    confirm = owner_web.get(delete)
    assert confirm.status_code == 200 and "data-confirm=" in confirm.text
    clean(confirm)
    assert post_form(owner_web, delete, delete, {"version": '"stale"'}).status_code == 412
    gone = post_form(owner_web, delete, delete, {"version": hidden(confirm, "version")})
    assert gone.status_code == 303 and owner.get(f"/people/{pid}")["events"] == []
    # A family's event.
    wife = person(owner, t, "Anesu", "Dube")
    fam = family(owner, t, pid, wife, [], "religious")
    url = f"/families/{fam}/events/new?next=/people/{pid}"
    done = post_form(
        owner_web,
        url,
        f"/families/{fam}/events/new",
        {"type": "marriage", "date": "1958", "next": f"/people/{pid}"},
    )
    assert done.status_code == 303 and done.headers["location"] == f"/people/{pid}"
    assert [e["type"] for e in owner.get(f"/families/{fam}")["events"]] == ["marriage"]
    assert "1958" in owner_web.get(f"/people/{pid}").text


# -- families ------------------------------------------------------------------------------------
def test_the_family_form(owner: Api, owner_web: TestClient, t: str) -> None:
    husband = person(owner, t, "Tafara", "Moyo", "male")
    wife = person(owner, t, "Rudo", "Chari", "female")
    other = person(owner, t, "Chipo", "Ncube", "female")
    a, b = person(owner, t, "Tendai", "Moyo"), person(owner, t, "Nyasha", "Moyo")
    fam = family(owner, t, husband, wife, [(a, "birth"), (b, "birth")], "unknown")
    url = f"/families/{fam}/edit?next=/people/{husband}"
    form = owner_web.get(url)
    assert form.status_code == 200
    clean(form)
    fields = {
        "version": hidden(form, "version"),
        "next": f"/people/{husband}",
        "union_type": "customary",
        "partner2_remove": "1",
        f"child-{a}-pedigree": "adopted",
        f"child-{b}-pedigree": "birth",
        f"child-{b}-remove": "1",
    }
    done = post_form(owner_web, url, f"/families/{fam}/edit", fields)
    assert done.status_code == 303 and done.headers["location"] == f"/people/{husband}"
    saved = owner.get(f"/families/{fam}")
    assert saved["union_type"] == "customary" and saved["partner2"] is None
    assert [(c["id"], c["pedigree"]) for c in saved["children"]] == [(a, "adopted")]
    # A partner added by name, without the script: matches first, then the one picked.
    form = owner_web.get(url)
    fields = {
        "version": hidden(form, "version"),
        "union_type": "customary",
        "partner2_query": "chipo",
        f"child-{a}-pedigree": "adopted",
    }
    picking = post_form(owner_web, url, f"/families/{fam}/edit", fields)
    assert (
        picking.status_code == 200 and f'name="partner2_id" value="{other}" checked' in picking.text
    )
    fields["partner2_id"] = other
    assert post_form(owner_web, url, f"/families/{fam}/edit", fields).status_code == 303
    assert owner.get(f"/families/{fam}")["partner2"]["id"] == other
    # A stale form: 412, with what is saved now.
    form = owner_web.get(url)
    stale = hidden(form, "version")
    owner.patch(f"/families/{fam}", {"union_type": "civil"})
    fields = {"version": stale, "union_type": "religious", f"child-{a}-pedigree": "adopted"}
    conflict = post_form(owner_web, url, f"/families/{fam}/edit", fields)
    assert conflict.status_code == 412 and "Saved now: civil union" in conflict.text
    assert owner.get(f"/families/{fam}")["union_type"] == "civil"
    # Deleting the family: the people stay.
    delete = f"/families/{fam}/delete?next=/people/{husband}"
    confirm = owner_web.get(delete)
    assert confirm.status_code == 200 and "Chipo Ncube" in confirm.text
    clean(confirm)
    gone = post_form(
        owner_web,
        delete,
        f"/families/{fam}/delete",
        {"version": hidden(confirm, "version"), "next": f"/people/{husband}"},
    )
    assert gone.status_code == 303 and gone.headers["location"] == f"/people/{husband}"
    owner.get(f"/families/{fam}", expect=404)
    assert owner.get(f"/people/{a}")["parents"] == []


# -- deleting a person ---------------------------------------------------------------------------
def test_delete_a_person(owner: Api, owner_web: TestClient, t: str) -> None:
    pid = person(owner, t, "Tendai", "Moyo", events=born("1930", "2000"))
    kid = person(owner, t, "Kuda", "Moyo")
    family(owner, t, pid, None, [(kid, "birth")], "unknown")
    url = f"/people/{pid}/delete"
    confirm = owner_web.get(url)
    assert confirm.status_code == 200
    clean(confirm)
    assert "2 events and facts" in confirm.text and "1 family" in confirm.text
    assert 'class="danger"' in confirm.text and "data-confirm=" in confirm.text
    owner.patch(f"/people/{pid}", {"sex": "male"})
    stale = post_form(owner_web, url, url, {"version": hidden(confirm, "version")})
    assert stale.status_code == 412 and "Someone else changed this person" in stale.text
    done = post_form(owner_web, url, url, {"version": hidden(stale, "version")})
    assert done.status_code == 303 and done.headers["location"] == f"/trees/{t}/people"
    owner.get(f"/people/{pid}", expect=404)
    assert owner.get(f"/people/{kid}")["display_name"] == "Kuda Moyo"
    assert owner_web.post(f"/people/{kid}/delete", data={"csrf": "bad"}).status_code == 403
