"""Search over HTTP, on SQLite and PostgreSQL: names found through accents, variants, sounds
and typos; filters; facets, highlights and suggestions; privacy inside the query; the outbox
that keeps the index current (and survives an index that fails); the command line."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dzinza import bootstrap
from dzinza.adapters.sql import tables
from dzinza.cli import app as cli
from dzinza.services.platform import Platform
from dzinza.settings import Settings
from tests.conftest import Api, add_member


@pytest.fixture(params=["sql", pytest.param("opensearch", marks=pytest.mark.opensearch)])
def platform(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Iterator[Platform]:
    """The platform on each database, searching with the database itself or with OpenSearch
    (an index of its own per test, deleted afterwards)."""
    search_url = "sql"
    if request.param == "opensearch":
        base = request.getfixturevalue("opensearch_url").rstrip("/")
        search_url = f"{base}/?index=t-{uuid.uuid4().hex}"
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        password_hashing="fast-for-tests-only",
        search_url=search_url,
    )
    p = bootstrap.build(settings)
    yield p
    if request.param == "opensearch":
        p.search.stop_indexer()  # nothing may write to the index once it is dropped
        p.search.index.drop()  # type: ignore[attr-defined]
    p.close()


def _person(api: Api, tree: str, given: str, surname: str, **extra: Any) -> dict[str, Any]:
    names = extra.pop("names", [])
    body = {"names": [{"given": given, "surname": surname}, *names], **extra}
    return dict(api.post(f"/trees/{tree}/people", body))


def _dead(year: int) -> list[dict[str, str]]:
    return [{"type": "birth", "date": str(year)}, {"type": "death", "date": str(year + 60)}]


def _names(page: dict[str, Any]) -> list[str]:
    return [item["display_name"] for item in page["items"]]


@pytest.fixture
def people(owner: Api, platform: Platform) -> dict[str, Any]:
    tree = owner.post("/trees", {"name": "Search family", "visibility": "public"})["id"]
    masvingo = owner.post(f"/trees/{tree}/places", {"name": "Masvingo"})["id"]
    chivi = owner.post(f"/trees/{tree}/places", {"name": "Chivi", "parent_id": masvingo})["id"]
    found = {
        "joao": _person(owner, tree, "João", "Silva", events=_dead(1890)),
        "william": _person(owner, tree, "William", "Smith", events=_dead(1850)),
        "tendai": _person(
            owner,
            tree,
            "Tendai",
            "Moyo",
            sex="male",
            events=[
                {"type": "birth", "date": "1932", "place_id": chivi},
                {"type": "death", "date": "1999"},
                {"type": "occupation", "value": "Teacher at Chivi mission"},
            ],
        ),
        "catherine": _person(
            owner,
            tree,
            "Catherine",
            "van der Merwe",
            sex="female",
            events=_dead(1900),
            names=[{"type": "married", "given": "Catherine", "surname": "Moyo"}],
        ),
        "rudo": _person(
            owner, tree, "Rudo", "Chinyoka", events=[{"type": "birth", "date": "1990"}]
        ),
        "hidden": _person(owner, tree, "Secretia", "Moyo", private=True, events=_dead(1870)),
    }
    platform.search.catch_up()
    return {"tree": tree, "masvingo": masvingo, "chivi": chivi, **found}


def _search(api: Api, tree: str, query: str, expect: int = 200) -> Any:
    return api.get(f"/trees/{tree}/search?{query}", expect)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=joao", "João Silva"),  # accents folded
        ("q=JOÃO", "João Silva"),
        ("q=bill", "William Smith"),  # a nickname
        ("q=wm+smith", "William Smith"),  # an old abbreviation
        ("q=smyth", "William Smith"),  # sounds alike
        ("q=willaim", "William Smith"),  # a typo
        ("q=merwe", "Catherine van der Merwe"),  # a surname without its particles
        ("surname=van+der+merwe", "Catherine van der Merwe"),
        ("q=kate+moyo", "Catherine van der Merwe"),  # a married name and a nickname
        ("q=nyoka", "Rudo Chinyoka"),  # a Shona name without its prefix
        ("q=tendai+1933", "Tendai Moyo"),  # a year in the query is a birth year (give or take 2)
    ],
)
def test_names_are_found_however_they_are_written(
    owner: Api, people: dict[str, Any], query: str, expected: str
) -> None:
    page = _search(owner, people["tree"], query)
    assert _names(page)[:1] == [expected], (query, page)


def test_exact_spelling_ranks_above_sound_alikes(
    owner: Api, people: dict[str, Any], platform: Platform
) -> None:
    tree = people["tree"]
    _person(owner, tree, "Moya", "Ncube", events=_dead(1880))
    platform.search.catch_up()
    page = _search(owner, tree, "q=moyo")
    names = _names(page)
    assert names.index("Moya Ncube") > names.index("Tendai Moyo")
    top = page["items"][0]
    assert top["matched_by"][0] == "exact" and "<mark>Moyo</mark>" in top["highlights"]["name"]


def test_sound_alikes_only_when_spelling_falls_short(
    owner: Api, people: dict[str, Any], platform: Platform
) -> None:
    tree = people["tree"]
    _person(owner, tree, "Moya", "Ncube", events=_dead(1880))
    platform.search.catch_up()
    full = _search(owner, tree, "q=moyo&limit=2")  # three spelled Moyo fill a page of two
    assert full["broadened"] is False and full["total"] == 3
    assert "Moya Ncube" not in _names(_search(owner, tree, "q=moyo&limit=2&offset=1"))
    short = _search(owner, tree, "q=moyo&limit=10")
    assert short["broadened"] is True and "Moya Ncube" in _names(short)
    forced = _search(owner, tree, "q=moyo&limit=2&broad=true")
    assert forced["broadened"] is True and forced["total"] == 4


def test_filters_dates_places_events_and_text(owner: Api, people: dict[str, Any]) -> None:
    tree = people["tree"]
    assert _names(_search(owner, tree, "surname=moyo&born=1933")) == ["Tendai Moyo"]
    assert _names(_search(owner, tree, "surname=moyo&born=1940")) == []
    assert _names(_search(owner, tree, "surname=moyo&born=1945&tolerance=15")) == ["Tendai Moyo"]
    assert _names(_search(owner, tree, "q=moyo&sex=female")) == ["Catherine van der Merwe"]
    # A region finds the people with events anywhere inside it.
    assert _names(_search(owner, tree, f"place_id={people['masvingo']}")) == ["Tendai Moyo"]
    assert _names(_search(owner, tree, "event=occupation")) == ["Tendai Moyo"]
    page = _search(owner, tree, "text=mission")
    assert _names(page) == ["Tendai Moyo"]
    assert "<mark>mission</mark>" in page["items"][0]["highlights"]["text"]
    assert _names(_search(owner, tree, "place=chivi")) == ["Tendai Moyo"]
    assert _names(_search(owner, tree, "died=1960")) == ["Catherine van der Merwe"]


def test_facets_and_paging(owner: Api, people: dict[str, Any]) -> None:
    page = _search(owner, people["tree"], "q=moyo&facets=true&limit=1")
    assert page["total"] == 3 and len(page["items"]) == 1
    surnames = {f["value"]: f["count"] for f in page["facets"]["surname"]}
    assert surnames == {"moyo": 2, "van der merwe": 1}
    assert {f["value"] for f in page["facets"]["century"]} == {1800, 1900}
    second = _search(owner, people["tree"], "q=moyo&limit=1&offset=1")
    assert second["items"][0]["id"] != page["items"][0]["id"]


def test_guests_never_meet_the_living_or_the_private(
    owner: Api, anonymous: Api, people: dict[str, Any]
) -> None:
    tree = people["tree"]
    assert _names(_search(owner, tree, "q=rudo")) == ["Rudo Chinyoka"]
    assert _names(_search(owner, tree, "q=secretia")) == ["Secretia Moyo"]
    for q in ("q=rudo", "q=chinyoka", "q=secretia", "q=nyoka"):
        assert _search(anonymous, tree, q)["total"] == 0, q
    page = _search(anonymous, tree, "q=moyo&facets=true")
    assert page["total"] == 2
    assert {f["value"]: f["count"] for f in page["facets"]["surname"]} == {
        "moyo": 1,
        "van der merwe": 1,
    }
    words = [s["name"] for s in anonymous.get(f"/trees/{tree}/search/suggest?prefix=r")["items"]]
    assert "rudo" not in words
    owner_words = owner.get(f"/trees/{tree}/search/suggest?prefix=r")["items"]
    assert {"name": "rudo", "count": 1} in owner_words
    # Every tree the reader may see: the public tree's dead, nobody living.
    everywhere = anonymous.get("/search?q=moyo")
    assert {i["display_name"] for i in everywhere["items"]} == {
        "Tendai Moyo",
        "Catherine van der Merwe",
    }


def test_private_trees_are_not_searched_by_strangers(
    owner: Api, stranger: Api, platform: Platform
) -> None:
    tree = owner.post("/trees", {"name": "Closed", "visibility": "private"})["id"]
    _person(owner, tree, "Farai", "Dube", events=_dead(1800))
    platform.search.catch_up()
    assert _names(owner.get("/search?q=farai")) == ["Farai Dube"]
    assert stranger.get("/search?q=farai")["total"] == 0
    stranger.get(f"/trees/{tree}/search?q=farai", 404)


def test_branch_members_see_the_living_of_their_branch_only(
    owner: Api, client: Any, platform: Platform
) -> None:
    tree = owner.post("/trees", {"name": "Branches", "visibility": "private"})["id"]
    me = _person(owner, tree, "Nyasha", "Branchy")
    near = _person(owner, tree, "Kuda", "Branchy")
    far = _person(owner, tree, "Tapiwa", "Branchy")
    owner.post(f"/trees/{tree}/families", {"partner1_id": me["id"], "partner2_id": near["id"]})
    member = Api(
        client,
        add_member(
            platform,
            tree,
            "cousin@example.org",
            "viewer",
            person_id=uuid.UUID(me["id"]),
            branch_steps=1,
        ),
    )
    platform.search.catch_up()
    assert {i["display_name"] for i in _search(member, tree, "q=branchy")["items"]} == {
        "Nyasha Branchy",
        "Kuda Branchy",
    }
    del far


def test_changes_reach_the_index_through_the_outbox(
    owner: Api, anonymous: Api, people: dict[str, Any], platform: Platform
) -> None:
    tree = people["tree"]
    william = people["william"]
    owner.patch(f"/people/{william['id']}", {"names": [{"given": "Peter", "surname": "Jones"}]})
    assert platform.search.lag()["pending"] > 0
    platform.search.catch_up()
    assert platform.search.lag()["pending"] == 0
    assert _names(_search(owner, tree, "q=jones")) == ["Peter Jones"]
    assert _search(owner, tree, "q=william+smith")["total"] == 0
    owner.delete(f"/people/{william['id']}")
    platform.search.catch_up()
    assert _search(owner, tree, "q=jones")["total"] == 0
    # A parent's birth is evidence about the child: once the father is dated long ago, a
    # child without dates is no longer presumed living, and guests find them.
    child = _person(owner, tree, "Undated", "Child")
    father = _person(owner, tree, "Dated", "Father")
    owner.post(
        f"/trees/{tree}/families",
        {"partner1_id": father["id"], "children": [{"child_id": child["id"]}]},
    )
    platform.search.catch_up()
    assert _search(anonymous, tree, "q=undated")["total"] == 0
    owner.post(
        f"/trees/{tree}/events", {"person_id": father["id"], "type": "birth", "date": "1801"}
    )
    platform.search.catch_up()
    assert _names(_search(anonymous, tree, "q=undated")) == ["Undated Child"]


def test_a_failing_index_loses_nothing(
    owner: Api, people: dict[str, Any], platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = people["tree"]
    index = platform.search.index
    real_put = index.put

    def down(docs: Any) -> None:
        raise ConnectionError("index unreachable")

    monkeypatch.setattr(index, "put", down)
    _person(owner, tree, "Patience", "Retry", events=_dead(1900))
    assert platform.search.catch_up() == 0
    lag = platform.search.lag()
    assert lag["pending"] == 1 and lag["failing"] == 1
    monkeypatch.setattr(index, "put", real_put)
    assert platform.search.catch_up() == 0  # waits for its back-off first
    with platform.store.write() as tx:  # the back-off is over
        tx.conn.execute(  # type: ignore[attr-defined]
            tables.search_outbox.update().values(available_at=tables.search_outbox.c.created_at)
        )
    assert platform.search.catch_up() == 1
    assert _names(_search(owner, tree, "q=patience")) == ["Patience Retry"]


def test_bad_searches_are_clear_errors(owner: Api, people: dict[str, Any]) -> None:
    tree = people["tree"]
    for query in ("", "q=", "q=%20%20", "limit=0&q=x", "offset=5000&q=x", "born=abc", "q=a%01b"):
        problem = _search(owner, tree, query, 422)
        assert problem["status"] == 422
    owner.get("/trees/00000000-0000-0000-0000-000000000000/search?q=x", 404)
    owner.get("/search/suggest?prefix=", 422)
    owner.get("/search/status", 403)


def test_command_line_search_and_reindex(
    people: dict[str, Any], platform: Platform, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine = platform.store.engine  # type: ignore[attr-defined]
    monkeypatch.setenv("DZINZA_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DZINZA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DZINZA_SEARCH_URL", getattr(platform.search.index, "url", "sql"))
    runner = CliRunner()
    with platform.store.write() as tx:  # as if the index had been lost
        tx.conn.execute(tables.search_docs.delete())  # type: ignore[attr-defined]
    r = runner.invoke(cli, ["search", "reindex", "--json"])
    assert r.exit_code == 0, r.output
    assert '"indexed": 6' in r.output
    r = runner.invoke(cli, ["search", "moyo", "--tree", people["tree"], "--json"])
    assert r.exit_code == 0, r.output
    assert "Tendai Moyo" in r.output and "Secretia Moyo" in r.output  # operators see everyone
    r = runner.invoke(cli, ["search", "status", "--json"])
    assert r.exit_code == 0 and '"pending": 0' in r.output
    r = runner.invoke(cli, ["search", "reindex", "--tree", "00000000-0000-0000-0000-000000000000"])
    assert r.exit_code == 1 and "no tree" in r.output


def test_the_server_indexer_keeps_up_by_itself(
    owner: Api, people: dict[str, Any], platform: Platform
) -> None:
    """The thread `dzinza serve` runs: woken by each commit that queued work, so a new person
    is found within moments, without anyone calling catch_up."""
    platform.search.start_indexer(interval=30)
    _person(owner, people["tree"], "Tinotenda", "Zvobgo", events=_dead(1911))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = _search(owner, people["tree"], "q=zvobgo")["total"]
        if found == 1 and platform.search.lag()["pending"] == 0:
            break
        time.sleep(0.05)
    assert _names(_search(owner, people["tree"], "q=zvobgo")) == ["Tinotenda Zvobgo"]
    assert platform.search.lag()["pending"] == 0
