"""The search pages (every tree, one tree), name suggestions as JSON, and the duplicate review
queue with its side-by-side comparison, merge and "not the same person"."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dzinza.api.app import create_app
from dzinza.services.platform import Platform
from dzinza.web import search_pages
from dzinza.web.search_pages import marked
from tests.conftest import Api, add_member
from tests.web.conftest import LANGUAGES, csrf_of, in_language, post_form, sign_in_web
from tests.web.test_accessibility import check_page


def _person(api: Api, tree: str, given: str, surname: str, **extra: Any) -> dict[str, Any]:
    names = [{"given": given, "surname": surname}, *extra.pop("names", [])]
    return dict(api.post(f"/trees/{tree}/people", {"names": names, **extra}))


def _dead(born: int, died: int, **birth: Any) -> list[dict[str, Any]]:
    return [{"type": "birth", "date": str(born), **birth}, {"type": "death", "date": str(died)}]


def _inline_free(text: str) -> None:
    assert "<script>" not in text and " style=" not in text
    assert not re.search(r"\son[a-z]+=", text)


@pytest.fixture
def family(owner: Api, platform: Platform) -> dict[str, Any]:
    """A public tree with the dead, the living, a person whose name is markup, and places in a
    region; and a private tree of the owner's."""
    tree = owner.post("/trees", {"name": "Moyo family", "visibility": "public"})["id"]
    masvingo = owner.post(f"/trees/{tree}/places", {"name": "Masvingo"})["id"]
    chivi = owner.post(f"/trees/{tree}/places", {"name": "Chivi", "parent_id": masvingo})["id"]
    tendai = _person(
        owner,
        tree,
        "Tendai",
        "Moyo",
        sex="male",
        events=[
            *_dead(1932, 1990, place_id=chivi),
            {"type": "occupation", "value": "Teacher", "description": "taught at the mission"},
        ],
    )
    marked_up = _person(owner, tree, "<script>x</script>", "Moyo", events=_dead(1850, 1900))
    rudo = _person(owner, tree, "Rudo", "Chinyoka", events=[{"type": "birth", "date": "1990"}])
    private = owner.post("/trees", {"name": "Dube family", "visibility": "private"})["id"]
    farai = _person(owner, private, "Farai", "Moyo", sex="female", events=_dead(1901, 1960))
    platform.search.catch_up()
    return {
        "tree": tree,
        "private": private,
        "masvingo": masvingo,
        "tendai": tendai,
        "marked": marked_up,
        "rudo": rudo,
        "farai": farai,
    }


# -- search ----------------------------------------------------------------------------------------
def test_the_owner_finds_a_person_by_name(owner_web: TestClient, family: dict[str, Any]) -> None:
    page = owner_web.get(f"/trees/{family['tree']}/search?q=tendai")
    assert page.status_code == 200
    assert f'href="/people/{family["tendai"]["id"]}"><mark>Tendai</mark> Moyo</a>' in page.text
    assert "1 person found" in page.text
    assert "Born 1932." in page.text and "Died 1990." in page.text
    assert 'value="tendai"' in page.text  # the form keeps what was asked
    _inline_free(page.text)
    # A blank form is the form only: no search, no error.
    blank = owner_web.get(f"/trees/{family['tree']}/search")
    assert blank.status_code == 200 and "people found" not in blank.text


def test_every_tree_or_one_tree(owner_web: TestClient, family: dict[str, Any]) -> None:
    everywhere = owner_web.get("/search?q=moyo")
    assert everywhere.status_code == 200
    assert "Farai" in everywhere.text and "Tendai" in everywhere.text
    assert f'<a href="/trees/{family["private"]}">Dube family</a>' in everywhere.text
    assert f'<a href="/trees/{family["tree"]}">Moyo family</a>' in everywhere.text
    one = owner_web.get(f"/trees/{family['tree']}/search?q=moyo")
    assert "Tendai" in one.text and "Farai" not in one.text
    assert "Dube family" not in one.text
    # The tree search offers the same search in every tree.
    assert 'href="/search?q=moyo"' in one.text


def test_guests_never_meet_the_living(
    site: TestClient, owner_web: TestClient, family: dict[str, Any]
) -> None:
    tree = family["tree"]
    assert "Rudo" in owner_web.get(f"/trees/{tree}/search?q=rudo").text
    for query in ("q=rudo", "q=chinyoka", "surname=chinyoka", "born=1990"):
        page = site.get(f"/trees/{tree}/search?{query}")
        assert page.status_code == 200, query
        assert "Rudo" not in page.text and "0 people found" in page.text, query
        assert "sign in" in page.text  # the help says why someone may be missing
    everywhere = site.get("/search?q=moyo&facets=1")
    assert "Tendai" in everywhere.text
    assert "Farai" not in everywhere.text and "Dube family" not in everywhere.text
    # Facets count only whom the guest may see.
    facets = site.get(f"/trees/{tree}/search?born=1950&tolerance=50").text
    assert "Chinyoka" not in facets and "chinyoka" not in facets
    # A private tree is not found for a guest.
    assert site.get(f"/trees/{family['private']}/search?q=farai").status_code == 404


def test_highlights_are_escaped(owner_web: TestClient, family: dict[str, Any]) -> None:
    page = owner_web.get(f"/trees/{family['tree']}/search?q=moyo")
    assert "<script>x</script>" not in page.text
    assert "&lt;script&gt;x&lt;/script&gt; <mark>Moyo</mark>" in page.text
    # Only balanced <mark> elements survive; anything else from the index is text.
    assert marked("<b>x</b> &amp; <mark>y</mark>") == "&lt;b&gt;x&lt;/b&gt; &amp; <mark>y</mark>"
    assert marked("</mark><mark>a<img src=x onerror=alert(1)>") == (
        "&lt;/mark&gt;<mark>a&lt;img src=x onerror=alert(1)&gt;</mark>"
    )
    assert marked(None) is None
    text = owner_web.get(f"/trees/{family['tree']}/search?text=mission").text
    assert "<mark>mission</mark>" in text


def test_facets_are_links_that_add_a_filter(owner_web: TestClient, family: dict[str, Any]) -> None:
    tree = family["tree"]
    page = owner_web.get(f"/trees/{tree}/search?q=moyo").text
    assert "Narrow the results" in page
    assert f'href="/trees/{tree}/search?q=moyo&amp;surname=moyo"' in page
    assert f'href="/trees/{tree}/search?q=moyo&amp;born=1950&amp;tolerance=50"' in page
    assert "1900\u20131999" in page and "1800\u20131899" in page
    assert f'href="/trees/{tree}/search?q=moyo&amp;place=Masvingo"' in page
    narrowed = owner_web.get(f"/trees/{tree}/search?q=moyo&born=1950&tolerance=50")
    assert "Tendai" in narrowed.text and "&lt;script" not in narrowed.text
    assert "1900\u20131999 (remove this filter)" in narrowed.text
    assert f'href="/trees/{tree}/search?q=moyo"' in narrowed.text  # the removal link


def test_filters_narrow_the_results(owner_web: TestClient, family: dict[str, Any]) -> None:
    tree = family["tree"]

    def names(query: str) -> list[str]:
        page = owner_web.get(f"/trees/{tree}/search?{query}")
        assert page.status_code == 200, page.text
        return re.findall(r'<a href="/people/[^"]+">(.*?)</a>', page.text)

    assert len(names("surname=moyo")) == 2
    assert names("surname=moyo&born=1932") == ["Tendai <mark>Moyo</mark>"]
    assert names("surname=moyo&born=1940&tolerance=0") == []
    assert names("surname=moyo&died=1900") == ["&lt;script&gt;x&lt;/script&gt; <mark>Moyo</mark>"]
    assert names("q=moyo&sex=male") == ["Tendai <mark>Moyo</mark>"]
    assert names("given=tendai") == ["<mark>Tendai</mark> Moyo"]
    assert names("event=occupation") == ["Tendai Moyo"]
    assert names(f"place_id={family['masvingo']}") == ["Tendai Moyo"]  # within the region
    assert names("place=chivi") == ["Tendai Moyo"]
    # The region is offered as a choice, its places beneath it.
    page = owner_web.get(f"/trees/{tree}/search").text
    assert f'<option value="{family["masvingo"]}">Masvingo</option>' in page
    assert "\u2003Chivi</option>" in page


def test_wrong_values_are_shown_with_the_form(
    owner_web: TestClient, family: dict[str, Any]
) -> None:
    page = owner_web.get(f"/trees/{family['tree']}/search?q=tendai&born=soon&sex=other")
    assert page.status_code == 422
    assert 'aria-invalid="true" aria-describedby="born-error"' in page.text
    assert '<span class="field-error" id="born-error">Give a year between 1 and 9999.' in page.text
    assert 'id="sex-error"' in page.text
    assert 'value="soon"' in page.text and 'value="tendai"' in page.text
    too_many = owner_web.get("/search?q=a+b+c+d+e+f+g+h+i+j")
    assert too_many.status_code == 422 and 'class="notice error" role="alert"' in too_many.text
    deep = owner_web.get("/search?q=moyo&page=999")
    assert deep.status_code == 422 and "narrow the search" in deep.text


def test_no_results_help_and_paging(
    owner: Api, owner_web: TestClient, family: dict[str, Any], platform: Platform
) -> None:
    tree = family["tree"]
    none = owner_web.get(f"/trees/{tree}/search?q=xyzzyq")
    assert "Nobody matches this search" in none.text
    assert "Chi-" in none.text and "MaNdlovu" in none.text
    assert 'href="/search?q=xyzzyq"' in none.text
    assert "sign in" not in none.text  # the owner sees everyone already
    for n in range(21):
        _person(owner, tree, f"Given{n}", "Sibanda", events=_dead(1900 + n, 1980))
    platform.search.catch_up()
    first = owner_web.get(f"/trees/{tree}/search?surname=sibanda").text
    assert "21 people found" in first and "Page 1 of 2" in first
    assert first.count('<li class="card">') == 20
    assert f'href="/trees/{tree}/search?surname=sibanda&amp;page=2" rel="next"' in first
    second = owner_web.get(f"/trees/{tree}/search?surname=sibanda&page=2").text
    assert second.count('<li class="card">') == 1 and 'start="21"' in second
    assert 'rel="prev"' in second
    beyond = owner_web.get(f"/trees/{tree}/search?surname=sibanda&page=5").text
    assert f'href="/trees/{tree}/search?surname=sibanda">There are fewer results' in beyond


def test_suggestions_as_json_with_privacy(
    site: TestClient, owner_web: TestClient, family: dict[str, Any]
) -> None:
    tree = family["tree"]
    mine = owner_web.get(f"/search/suggest?q=ru&tree={tree}")
    assert mine.status_code == 200 and mine.headers["cache-control"] == "private, no-store"
    assert {"name": "rudo", "count": 1} in mine.json()["items"]
    assert {"name": "rudo", "count": 1} in owner_web.get("/search/suggest?q=ru").json()["items"]
    # The last word is completed.
    assert owner_web.get("/search/suggest?q=tendai+mo").json()["items"][0]["name"] == "moyo"
    guest = site.get(f"/search/suggest?q=ru&tree={tree}")
    assert guest.status_code == 200 and "rudo" not in guest.text
    assert "farai" not in site.get("/search/suggest?q=fa").text
    assert site.get("/search/suggest?q=").json() == {"items": []}
    assert site.get("/search/suggest?q=%2C%2C").json() == {"items": []}
    assert site.get("/search/suggest?q=ru&tree=nonsense").status_code == 422
    assert site.get(f"/search/suggest?q=fa&tree={family['private']}").status_code == 404
    # The page offers the combobox's parts to search.js.
    page = owner_web.get("/search").text
    assert 'data-suggest="search-q-list"' in page and 'role="listbox"' in page
    script = owner_web.get("/static/js/search.js").text
    for part in ("combobox", "aria-expanded", "aria-controls", "aria-activedescendant"):
        assert part in script


# -- duplicates ------------------------------------------------------------------------------------
@pytest.fixture
def twins(owner: Api) -> dict[str, Any]:
    """A public tree where one man was entered twice."""
    tree = owner.post("/trees", {"name": "Doubles", "visibility": "public"})["id"]
    gutu = owner.post(f"/trees/{tree}/places", {"name": "Gutu"})["id"]
    first = _person(
        owner,
        tree,
        "Tafadzwa",
        "Chinyoka",
        sex="male",
        events=[
            {"type": "birth", "date": "1901", "place_id": gutu},
            {"type": "death", "date": "1970"},
        ],
    )
    second = _person(
        owner,
        tree,
        "Tafadzwa",
        "Nyoka",
        names=[{"type": "aka", "given": "Taf", "surname": "Chinyoka"}],
        events=[{"type": "birth", "date": "ABT 1902", "place_id": gutu}],
    )
    return {"tree": tree, "first": first, "second": second}


def _scan(web: TestClient, platform: Platform, tree: str) -> str:
    queue = f"/trees/{tree}/duplicates"
    done = post_form(web, queue, f"{queue}/scan", {})
    assert done.status_code == 303, done.text
    job = done.headers["location"].split("job=")[1]
    assert platform.jobs.wait(uuid.UUID(job), timeout=20)["status"] == "succeeded"
    return job


def _only_pair(owner: Api, tree: str) -> dict[str, Any]:
    items = owner.get(f"/trees/{tree}/duplicates")["items"]
    assert len(items) == 1
    return dict(items[0])


def test_a_scan_fills_the_queue(
    owner_web: TestClient, owner: Api, twins: dict[str, Any], platform: Platform
) -> None:
    tree = twins["tree"]
    empty = owner_web.get(f"/trees/{tree}/duplicates")
    assert empty.status_code == 200 and "No possible duplicates are waiting" in empty.text
    job = _scan(owner_web, platform, tree)
    page = owner_web.get(f"/trees/{tree}/duplicates?job={job}")
    assert page.status_code == 200
    assert "found 1 possible pair" in page.text
    pair = _only_pair(owner, tree)
    assert f'href="/trees/{tree}/duplicates/{pair["id"]}"' in page.text
    assert "Tafadzwa Chinyoka" in page.text and "Tafadzwa Nyoka" in page.text
    assert "Same given name" in page.text and "An event at the same place" in page.text
    assert f"{round(pair['score'] * 100)}%" in page.text
    assert "1 pair waiting for review" in page.text
    # Without ?job the user's latest scan of the tree is reported.
    assert "found 1 possible pair" in owner_web.get(f"/trees/{tree}/duplicates").text
    state = owner_web.get(f"/trees/{tree}/duplicates/jobs/{job}")
    assert state.status_code == 200 and state.json()["status"] == "succeeded"
    other_tree = owner_web.get(f"/trees/{twins['tree']}/duplicates/jobs/{uuid.uuid4()}")
    assert other_tree.status_code == 404
    # The tree search offers the queue to its editors.
    assert f'href="/trees/{tree}/duplicates"' in owner_web.get(f"/trees/{tree}/search").text


def test_the_comparison_shows_both_and_the_result(
    owner_web: TestClient, owner: Api, twins: dict[str, Any], platform: Platform
) -> None:
    tree = twins["tree"]
    _scan(owner_web, platform, tree)
    pair = _only_pair(owner, tree)
    url = f"/trees/{tree}/duplicates/{pair['id']}"
    page = owner_web.get(url)
    assert page.status_code == 200
    text = page.text
    assert "Tafadzwa Chinyoka" in text and "Tafadzwa Nyoka" in text
    assert "After the merge" in text and "Taf Chinyoka" in text  # the other's aka name
    assert 'class="conflict"' in text and "These differ" in text  # births 1901 / ABT 1902
    assert f'href="{url}/merge?keep=a"' in text
    swapped = owner_web.get(f"{url}?keep=b").text
    assert f'href="{url}/merge?keep=b"' in swapped
    assert 'id="keep-b" name="keep" value="b" checked' in swapped
    _inline_free(text)
    assert owner_web.get(f"/trees/{uuid.uuid4()}/duplicates/{pair['id']}").status_code == 404
    assert owner_web.get(f"/trees/{tree}/duplicates/{uuid.uuid4()}").status_code == 404


def test_merge_after_confirmation(
    owner_web: TestClient, owner: Api, twins: dict[str, Any], platform: Platform
) -> None:
    tree, first, second = twins["tree"], twins["first"], twins["second"]
    _scan(owner_web, platform, tree)
    pair = _only_pair(owner, tree)
    keep = "a" if pair["a"]["id"] == first["id"] else "b"
    url = f"/trees/{tree}/duplicates/{pair['id']}/merge"
    confirm = owner_web.get(f"{url}?keep={keep}")
    assert confirm.status_code == 200
    assert "Tafadzwa Nyoka will be merged into Tafadzwa Chinyoka" in confirm.text
    assert 'class="danger"' in confirm.text
    done = post_form(owner_web, f"{url}?keep={keep}", url, {"keep": keep})
    assert done.status_code == 303 and done.headers["location"] == f"/people/{first['id']}"
    owner.get(f"/people/{second['id']}", 404)
    merged = owner.get(f"/people/{first['id']}")
    assert sorted(n["surname"] for n in merged["names"]) == ["Chinyoka", "Chinyoka", "Nyoka"]
    assert owner.get(f"/trees/{tree}/duplicates")["total"] == 0
    # The pair is gone with the merged person: a second merge is refused.
    again = post_form(owner_web, f"/trees/{tree}/duplicates", url, {"keep": keep})
    assert again.status_code in (404, 409)


def test_not_the_same_person_and_back(
    owner_web: TestClient, owner: Api, twins: dict[str, Any], platform: Platform
) -> None:
    tree = twins["tree"]
    _scan(owner_web, platform, tree)
    pair = _only_pair(owner, tree)
    base = f"/trees/{tree}/duplicates"
    done = post_form(owner_web, f"{base}/{pair['id']}", f"{base}/{pair['id']}/dismiss", {})
    assert done.status_code == 303 and done.headers["location"] == f"{base}?done=dismissed"
    assert owner.get(f"/trees/{tree}/duplicates")["total"] == 0
    assert owner.get(f"/trees/{tree}/duplicates?status=dismissed")["total"] == 1
    page = owner_web.get(done.headers["location"]).text
    assert "will not be suggested again" in page and "0 pairs waiting for review" in page
    aside = owner_web.get(f"{base}?status=dismissed").text
    assert "1 pair set aside as not the same person" in aside and "Review again" in aside
    back = post_form(owner_web, f"{base}?status=dismissed", f"{base}/{pair['id']}/reopen", {})
    assert back.status_code == 303
    assert owner.get(f"/trees/{tree}/duplicates")["total"] == 1


def test_forged_posts_are_refused(
    owner_web: TestClient, owner: Api, twins: dict[str, Any], platform: Platform
) -> None:
    tree = twins["tree"]
    _scan(owner_web, platform, tree)
    pair = _only_pair(owner, tree)
    base = f"/trees/{tree}/duplicates"
    forged = {"csrf": "x" * 64, "keep": "a"}
    for action in (f"{base}/scan", f"{base}/{pair['id']}/merge", f"{base}/{pair['id']}/dismiss"):
        refused = owner_web.post(action, data=forged, follow_redirects=False)
        assert refused.status_code == 403, action
    assert owner.get(f"/trees/{tree}/duplicates")["total"] == 1
    owner.get(f"/people/{twins['second']['id']}")


@pytest.fixture
def viewer_web(platform: Platform, twins: dict[str, Any]) -> Iterator[TestClient]:
    add_member(platform, twins["tree"], "viewer@example.org", "viewer")
    with TestClient(create_app(platform), raise_server_exceptions=False) as c:
        sign_in_web(c, "viewer@example.org")
        yield c


def test_only_editors_review_duplicates(
    owner_web: TestClient,
    owner: Api,
    viewer_web: TestClient,
    site: TestClient,
    twins: dict[str, Any],
    platform: Platform,
) -> None:
    tree = twins["tree"]
    _scan(owner_web, platform, tree)
    pair = _only_pair(owner, tree)
    base = f"/trees/{tree}/duplicates"
    refused = viewer_web.get(base)
    assert refused.status_code == 403 and "Forbidden" in refused.text
    assert viewer_web.get(f"{base}/{pair['id']}").status_code == 403
    token = csrf_of(viewer_web.get("/"))
    for action in (f"{base}/scan", f"{base}/{pair['id']}/merge", f"{base}/{pair['id']}/dismiss"):
        done = viewer_web.post(action, data={"csrf": token, "keep": "a"}, follow_redirects=False)
        assert done.status_code in (403, 404), action
    assert site.get(base).status_code in (401, 403)
    assert site.get(f"{base}/{pair['id']}").status_code in (401, 403, 404)
    assert owner.get(f"/trees/{tree}/duplicates")["total"] == 1
    # Viewers search the tree but are not offered the queue.
    assert f'href="{base}"' not in viewer_web.get(f"/trees/{tree}/search").text


def test_every_page_speaks_each_language(
    owner_web: TestClient, owner: Api, twins: dict[str, Any], platform: Platform
) -> None:
    tree = twins["tree"]
    _scan(owner_web, platform, tree)
    pair = _only_pair(owner, tree)
    pages = [
        "/search",
        "/search?q=tafadzwa",
        "/search?q=xyzzyq",
        f"/trees/{tree}/search?q=tafadzwa&born=1901",
        f"/trees/{tree}/search?born=nonsense",
        f"/trees/{tree}/duplicates",
        f"/trees/{tree}/duplicates?status=dismissed",
        f"/trees/{tree}/duplicates/{pair['id']}",
        f"/trees/{tree}/duplicates/{pair['id']}/merge?keep=b",
    ]
    for language in LANGUAGES:
        in_language(owner_web, language)
        for url in pages:
            page = owner_web.get(url)
            assert page.status_code in (200, 422), (language, url, page.text[:500])
            assert page.headers["content-language"] == language
            _inline_free(page.text)
            assert check_page(page.text) == [], (language, url)


def test_a_running_scan_is_followed(
    owner_web: TestClient, twins: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    tree, job = twins["tree"], str(uuid.uuid4())
    running = {"id": job, "status": "running", "percent": 40.0, "result": None}
    monkeypatch.setattr(search_pages, "_scan_job", lambda *args: running)
    page = owner_web.get(f"/trees/{tree}/duplicates?job={job}").text
    assert "The scan is running: 40% done." in page
    assert f'data-job-url="/trees/{tree}/duplicates/jobs/{job}"' in page
    assert f'href="/jobs/{job}"' in page and f'href="/trees/{tree}/duplicates?job={job}"' in page
    # Another scan may still be started: a job stuck in a queue must not lock the button.
    assert '<button type="submit">Scan for duplicates</button>' in page
