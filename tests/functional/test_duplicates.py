"""Duplicates over HTTP, on SQLite and PostgreSQL: the finder as a job, the review queue, "not a
match" remembered across scans, the merge preview, a merge that keeps every name, event, family
link, citation, note and media link, and its undo."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dzinza.cli import app as cli
from dzinza.services.duplicate_scoring import Profile, candidate_pairs, score, score_value
from dzinza.services.platform import Platform
from tests.conftest import Api


def _person(api: Api, tree: str, given: str, surname: str, **extra: Any) -> dict[str, Any]:
    names = [{"given": given, "surname": surname}, *extra.pop("names", [])]
    return dict(api.post(f"/trees/{tree}/people", {"names": names, **extra}))


def _wait(api: Api, job: dict[str, Any]) -> dict[str, Any]:
    for _ in range(200):
        found = api.get(f"/jobs/{job['id']}")
        if found["status"] in ("succeeded", "failed", "cancelled"):
            return dict(found)
        time.sleep(0.05)
    raise AssertionError(f"job {job['id']} did not finish")


def _scan(api: Api, tree: str) -> dict[str, Any]:
    job = _wait(api, api.post(f"/trees/{tree}/duplicates/scan", None, 202))
    assert job["status"] == "succeeded", job
    return dict(job["result"])


@pytest.fixture
def twins(owner: Api) -> dict[str, Any]:
    """A tree where one great-grandfather was entered twice, from two sources."""
    tree = owner.post("/trees", {"name": "Doubles", "visibility": "private"})["id"]
    place = owner.post(f"/trees/{tree}/places", {"name": "Gutu"})["id"]
    first = _person(
        owner,
        tree,
        "Tafadzwa",
        "Chinyoka",
        sex="male",
        events=[
            {"type": "birth", "date": "1901", "place_id": place},
            {"type": "death", "date": "1970"},
        ],
    )
    second = _person(
        owner,
        tree,
        "Tafadzwa",
        "Nyoka",
        names=[{"type": "aka", "given": "Taf", "surname": "Chinyoka"}],
        events=[{"type": "birth", "date": "ABT 1902", "place_id": place}],
    )
    unrelated = _person(owner, tree, "Rufaro", "Dube", events=[{"type": "birth", "date": "1950"}])
    wife = _person(owner, tree, "Chipo", "Moyo", sex="female")
    son = _person(owner, tree, "Tendai", "Chinyoka", sex="male")
    daughter = _person(owner, tree, "Rudo", "Chinyoka", sex="female")
    family = owner.post(
        f"/trees/{tree}/families",
        {
            "partner1_id": first["id"],
            "partner2_id": wife["id"],
            "children": [{"child_id": son["id"]}],
        },
    )
    owner.post(
        f"/trees/{tree}/families",
        {"partner1_id": second["id"], "children": [{"child_id": daughter["id"]}]},
    )
    source = owner.post(f"/trees/{tree}/sources", {"title": "Mission register"})
    owner.post(
        f"/trees/{tree}/citations",
        {
            "source_id": source["id"],
            "page": "p. 12",
            "target": {"type": "person", "id": second["id"]},
        },
    )
    note = owner.post(f"/trees/{tree}/notes", {"text": "Known as Taf at the mission"})
    owner.post(f"/notes/{note['id']}/links", {"type": "person", "id": second["id"]})
    return {
        "tree": tree,
        "first": first,
        "second": second,
        "unrelated": unrelated,
        "family": family,
        "son": son,
        "daughter": daughter,
    }


def test_the_finder_queues_the_pair_and_not_the_family(owner: Api, twins: dict[str, Any]) -> None:
    tree = twins["tree"]
    result = _scan(owner, tree)
    assert result["people"] == 6 and result["found"] == 1
    queue = owner.get(f"/trees/{tree}/duplicates")
    assert queue["total"] == 1
    pair = queue["items"][0]
    assert {pair["a"]["id"], pair["b"]["id"]} == {twins["first"]["id"], twins["second"]["id"]}
    assert pair["reasons"]["given"] == "exact" and pair["reasons"]["place"] == "shared"
    assert pair["score"] >= 0.7


def test_the_finder_reads_the_index_or_builds_from_the_database(
    owner: Api, twins: dict[str, Any], platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = twins["tree"]
    from_index = _scan(owner, tree)
    monkeypatch.setattr(platform.search, "documents_of", lambda tree_id: None)
    built = _scan(owner, tree)
    assert from_index == {**built, "seconds": from_index["seconds"]}
    pairs = owner.get(f"/trees/{tree}/duplicates")["items"]
    assert len(pairs) == 1


def test_not_a_match_is_remembered(owner: Api, twins: dict[str, Any]) -> None:
    tree = twins["tree"]
    _scan(owner, tree)
    pair = owner.get(f"/trees/{tree}/duplicates")["items"][0]
    assert owner.post(f"/duplicates/{pair['id']}/dismiss", None, 200)["status"] == "dismissed"
    _scan(owner, tree)
    assert owner.get(f"/trees/{tree}/duplicates")["total"] == 0
    assert owner.get(f"/trees/{tree}/duplicates?status=dismissed")["total"] == 1
    owner.post(f"/duplicates/{pair['id']}/merge", {"keep": "a"}, 409)
    owner.post(f"/duplicates/{pair['id']}/reopen", None, 200)
    assert owner.get(f"/trees/{tree}/duplicates")["total"] == 1


def test_merge_keeps_everything_and_undo_restores_both(
    owner: Api, twins: dict[str, Any], platform: Platform
) -> None:
    tree, first, second = twins["tree"], twins["first"], twins["second"]
    _scan(owner, tree)
    pair = owner.get(f"/trees/{tree}/duplicates")["items"][0]
    keep = "a" if pair["a"]["id"] == first["id"] else "b"
    preview = owner.get(f"/duplicates/{pair['id']}/preview?keep={keep}")
    assert preview["keep"]["id"] == first["id"] and preview["merge"]["id"] == second["id"]
    assert len(preview["result"]["names"]) == 3
    assert len(preview["result"]["families"]) == 2
    merged = owner.post(f"/duplicates/{pair['id']}/merge", {"keep": keep}, 200)
    person = owner.get(f"/people/{first['id']}")
    assert merged["merged_id"] == second["id"]
    assert [n["surname"] for n in person["names"]] == ["Chinyoka", "Nyoka", "Chinyoka"]
    assert sorted(e["type"] for e in person["events"]) == ["birth", "birth", "death"]
    children = {c["id"] for f in person["families"] for c in f["children"]}
    assert children == {twins["son"]["id"], twins["daughter"]["id"]}
    assert [c["page"] for c in person["citations"]] == ["p. 12"]
    assert [n["text"] for n in person["notes"]] == ["Known as Taf at the mission"]
    owner.get(f"/people/{second['id']}", 404)
    daughter = owner.get(f"/people/{twins['daughter']['id']}")
    assert [p["id"] for f in daughter["parents"] for p in f["parents"]] == [first["id"]]
    # Search follows the merge: one person, found by either surname.
    platform.search.catch_up()
    found = owner.get(f"/trees/{tree}/search?q=tafadzwa+nyoka")
    assert [i["id"] for i in found["items"]] == [first["id"]]
    # One change in the history, undone like any other.
    owner.post(f"/changes/{merged['change_id']}/undo", None, 201)
    assert owner.get(f"/people/{second['id']}")["display_name"] == "Tafadzwa Nyoka"
    restored = owner.get(f"/people/{first['id']}")
    assert [n["surname"] for n in restored["names"]] == ["Chinyoka"]
    daughter = owner.get(f"/people/{twins['daughter']['id']}")
    assert [p["id"] for f in daughter["parents"] for p in f["parents"]] == [second["id"]]
    assert [c["page"] for c in owner.get(f"/people/{second['id']}")["citations"]] == ["p. 12"]


GEDCOM = """0 HEAD
1 GEDC
2 VERS 7.0
0 @I1@ INDI
1 NAME Tafadzwa /Chinyoka/
1 SEX M
1 BIRT
2 DATE 1901
0 @I2@ INDI
1 NAME Farai /Dube/
0 TRLR
"""


def test_an_import_is_scanned_against_the_tree(owner: Api, twins: dict[str, Any]) -> None:
    tree = twins["tree"]
    # The window of an import is widened by a second (SQLite's clock keeps whole seconds):
    # the people made by hand just now must be older than that.
    time.sleep(1.2)
    job = owner.call(
        "POST",
        f"/trees/{tree}/imports",
        202,
        content=GEDCOM.encode(),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert _wait(owner, job)["status"] == "succeeded"
    scan = owner.post(f"/trees/{tree}/duplicates/scan?import_job={job['id']}", None, 202)
    result = _wait(owner, scan)["result"]
    assert result["found"] == 2  # the imported Tafadzwa against each one already there
    pairs = owner.get(f"/trees/{tree}/duplicates")["items"]
    old = {twins["first"]["id"], twins["second"]["id"]}
    assert all(len({p["a"]["id"], p["b"]["id"]} & old) == 1 for p in pairs)
    owner.post(f"/trees/{tree}/duplicates/scan?import_job={scan['id']}", None, 422)


def test_only_editors_review_duplicates(
    owner: Api, stranger: Api, anonymous: Api, twins: dict[str, Any]
) -> None:
    tree = twins["tree"]
    _scan(owner, tree)
    pair = owner.get(f"/trees/{tree}/duplicates")["items"][0]
    stranger.get(f"/trees/{tree}/duplicates", 404)
    stranger.post(f"/trees/{tree}/duplicates/scan", None, 404)
    stranger.get(f"/duplicates/{pair['id']}/preview", 404)
    stranger.post(f"/duplicates/{pair['id']}/merge", {"keep": "a"}, 404)
    anonymous.post(f"/duplicates/{pair['id']}/dismiss", None, 404)
    owner.post(f"/duplicates/{pair['id']}/merge", {"keep": "c"}, 422)
    owner.get("/duplicates/00000000-0000-0000-0000-000000000000/preview", 404)
    owner.get(f"/trees/{tree}/duplicates?status=maybe", 422)


def _profile(pid: int, given: str, surname: str, birth: int | None, sex: str = "male") -> Profile:
    import uuid

    from dzinza.services import search_terms as terms
    from dzinza.services.duplicate_scoring import block_keys

    tokens = terms.name_tokens(terms.words(given), terms.surname_words(surname))
    roles: dict[str, dict[str, set[str]]] = {"g": {}, "s": {}}
    for kind, found in tokens.items():
        for role in roles:
            roles[role][kind] = {t[2:] for t in found if t[1] == role}
    p = Profile(
        person_id=uuid.UUID(int=pid),
        display_name=f"{given} {surname}",
        sex=sex,
        given=roles["g"],
        surname=roles["s"],
        birth=None if birth is None else (birth, birth),
        death=None,
        places=set(),
    )
    p.blocks = block_keys(p)
    return p


def test_scores_weigh_names_dates_and_sex() -> None:
    john = _profile(1, "John", "Smith", 1850)
    assert score(john, _profile(2, "John", "Smith", 1850))[0] > 0.9
    assert score(john, _profile(3, "Jon", "Smyth", 1851))[0] >= 0.7
    assert score(john, _profile(4, "John", "Smith", 1890))[0] < 0.3  # forty years apart
    assert score(john, _profile(5, "John", "Smith", 1850, sex="female"))[0] == 0.0
    assert score(john, _profile(6, "Mary", "Jones", 1850))[0] < 0.5
    assert score(_profile(8, "John", "Smith", None), _profile(9, "John", "Smith", None))[0] < 0.7
    siblings = score(john, _profile(7, "John", "Smith", 1852), siblings=True)
    assert siblings[0] < 0.7 and siblings[1]["siblings"] is True


def test_blocking_never_compares_all_pairs() -> None:
    rng = random.Random(7)
    syllables = ["mo", "yo", "chi", "nyo", "ka", "du", "be", "si", "ba", "nda", "ku", "ma", "lo"]

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3)))

    given = [word() for _ in range(60)]
    people = [
        _profile(i, rng.choice(given), word(), 1800 + rng.randint(0, 150)) for i in range(3000)
    ]
    pairs = list(candidate_pairs(people))
    # Every person meets at most a block's worth of others, never the 4.5 million pairs.
    assert 0 < len(pairs) < 3000 * 3000 / 2 / 30
    # The scan's quick score is the full score's, to the bit, siblings or not, with deaths,
    # places and sexes of every kind.
    for p in people:
        if rng.random() < 0.5 and p.birth is not None:
            p.death = (p.birth[0] + rng.randint(0, 90), p.birth[0] + rng.randint(90, 95))
        p.places = {f"pl{rng.randint(0, 5)}"} if rng.random() < 0.5 else set()
        p.sex = rng.choice(["male", "female", "unknown"])
    for sibling in (False, True):
        for a, b in pairs:
            assert score_value(a, b, sibling) == score(a, b, siblings=sibling)[0]


def test_command_line_scan(
    owner: Api,
    twins: dict[str, Any],
    platform: Platform,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    engine = platform.store.engine  # type: ignore[attr-defined]
    monkeypatch.setenv("DZINZA_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DZINZA_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    r = runner.invoke(cli, ["duplicates", "scan", "--tree", twins["tree"], "--json"])
    assert r.exit_code == 0, r.output
    assert '"found": 1' in r.output
    assert owner.get(f"/trees/{twins['tree']}/duplicates")["total"] == 1
    r = runner.invoke(cli, ["duplicates", "scan", "--tree", "00000000-0000-0000-0000-000000000000"])
    assert r.exit_code == 1 and "no longer exists" in r.output
