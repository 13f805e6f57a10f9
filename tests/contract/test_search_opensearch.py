"""The OpenSearch search index against a real OpenSearch-compatible server (osmem-server):
matching, scoring, privacy per reader scope, facets, suggestions, paging and rebuilds.

The server comes from ``DZINZA_TEST_OPENSEARCH_URL``, else ``scripts/services.sh
opensearch-start`` starts it (and leaves it running for the next run; ``services.sh stop`` ends
it). Without a server the tests skip, except under ``CI=true``, where that is a failure. Each test
has an alias of its own, so workers run in parallel, and drops its indexes at the end.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from opensearchpy import NotFoundError, OpenSearch

from dzinza.adapters import search_opensearch as mod
from dzinza.adapters.search_opensearch import OpenSearchIndex, parse_url
from dzinza.ports import (
    QueryWord,
    SearchDoc,
    SearchQuery,
    TreeScope,
    Viewer,
    ViewerLevel,
)

ROOT = Path(__file__).resolve().parents[2]
ENV = "DZINZA_TEST_OPENSEARCH_URL"
CUTOFF = 2_400_000
"""The viewers' living cutoff (a Julian Day Number)."""
OLD = CUTOFF - 1
RECENT = CUTOFF + 1

TREE = uuid.UUID("00000000-0000-4000-8000-00000000000a")
TREE_B = uuid.UUID("00000000-0000-4000-8000-00000000000b")
TREE_C = uuid.UUID("00000000-0000-4000-8000-00000000000c")

FULL = Viewer(ViewerLevel.FULL, CUTOFF)
MEMBER = Viewer(ViewerLevel.MEMBER, CUTOFF)
GUEST = Viewer(ViewerLevel.GUEST, CUTOFF)


# -- the server and an index per test -----------------------------------------------------------


def in_ci() -> bool:
    """As tests/conftest.py decides it (not imported: this module needs none of the platform)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def opensearch_url() -> str:
    url = os.environ.get(ENV)
    if url:
        return url
    try:
        out = subprocess.run(
            [str(ROOT / "scripts" / "services.sh"), "opensearch-start"],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError) as e:
        detail = (getattr(e, "stderr", None) or str(e)).strip()
        message = f"the OpenSearch-compatible server did not start ({detail}); set {ENV}"
        if in_ci():
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    return out.stdout.strip().splitlines()[-1]


def with_index(url: str, alias: str) -> str:
    parts = urlsplit(url)
    params = [(k, v) for k, v in parse_qsl(parts.query) if k != "index"]
    params.append(("index", alias))
    return urlunsplit((parts.scheme, parts.netloc, "/", urlencode(params), ""))


@pytest.fixture(scope="module")
def raw(opensearch_url: str) -> Iterator[OpenSearch]:
    """A plain client, to look behind the adapter (aliases, concrete indexes)."""
    client = parse_url(opensearch_url).client()
    yield client
    client.close()


@pytest.fixture
def alias() -> str:
    return f"dzinza-test-{uuid.uuid4().hex}"


@pytest.fixture
def index(opensearch_url: str, raw: OpenSearch, alias: str) -> Iterator[OpenSearchIndex]:
    ix = OpenSearchIndex(with_index(opensearch_url, alias))
    yield ix
    ix.close()
    raw.indices.delete(index=f"{alias}-*", ignore=[404])


def concrete(raw: OpenSearch, name: str) -> list[str]:
    """The indexes an alias points at."""
    try:
        return sorted(raw.indices.get_alias(name=name))
    except NotFoundError:
        return []


# -- documents, queries, scopes -----------------------------------------------------------------


def person(
    given: str = "john",
    surname: str = "smith",
    *,
    tree: uuid.UUID = TREE,
    pid: uuid.UUID | None = None,
    **kw: Any,
) -> SearchDoc:
    """A dead person, visible to everyone unless ``kw`` says otherwise; name tokens in the
    shape services/search_terms.py gives them (``x`` exact, ``g``/``s`` role)."""
    values: dict[str, Any] = {
        "person_id": pid or uuid.uuid4(),
        "tree_id": tree,
        "display_name": f"{given.title()} {surname.title()}",
        "name_key": f"{surname} {given}",
        "sex": "male",
        "names": f"{given} {surname}",
        "exact": f"xg{given} xs{surname}",
        "variant": f"vg{given} vs{surname}",
        "phonetic": f"pg{given[:2]} ps{surname[:2]}",
        "fuzzy": f"fg{given} fs{surname}",
        "filters": "",
        "text": "",
        "surname": surname,
        "region": "",
        "birth_from": None,
        "birth_to": None,
        "death_from": None,
        "death_to": None,
        "century": None,
        "living": None,
        "private": False,
        "restriction": "",
        "has_death": True,
        "evidence_day": None,
    }
    values.update(kw)
    return SearchDoc(**values)


def word(**tokens: tuple[str, ...] | str) -> QueryWord:
    prefix = tokens.pop("prefix", None)
    assert prefix is None or isinstance(prefix, str)
    toks = {k: (v,) if isinstance(v, str) else v for k, v in tokens.items()}
    return QueryWord(word="w", tokens=toks, prefix=prefix)


def scope(tree: uuid.UUID = TREE, viewer: Viewer = FULL, **kw: Any) -> TreeScope:
    return TreeScope(tree, viewer, **kw)


def ids(index: OpenSearchIndex, query: SearchQuery, *scopes: TreeScope) -> list[uuid.UUID]:
    return [h.person_id for h in index.search(query, scopes or (scope(),)).hits]


def visible_set(index: OpenSearchIndex, viewer: Viewer, **kw: Any) -> set[uuid.UUID]:
    result = index.search(SearchQuery(limit=100), [scope(viewer=viewer, **kw)])
    assert result.total == len(result.hits)
    return {h.person_id for h in result.hits}


# -- round trips --------------------------------------------------------------------------------


def test_put_search_remove_round_trip(index: OpenSearchIndex) -> None:
    a = person(
        "john",
        "smith",
        text="farmer harare",
        birth_from=1900,
        birth_to=1901,
        death_from=1950,
        death_to=1950,
    )
    b = person("mary", "moyo", sex="female")
    index.put([a, b])
    result = index.search(SearchQuery(), [scope()])
    assert result.total == 2
    assert result.facets == {}
    hit = next(h for h in result.hits if h.person_id == a.person_id)
    assert (hit.tree_id, hit.display_name, hit.names, hit.text) == (
        TREE,
        "John Smith",
        "john smith",
        "farmer harare",
    )
    assert (hit.birth_from, hit.birth_to, hit.death_from, hit.death_to, hit.sex) == (
        1900,
        1901,
        1950,
        1950,
        "male",
    )
    assert hit.score == 1.0  # no words: every match scores 1

    index.put([replace(a, display_name="Johnny Smith")])  # a second put replaces
    index.remove([b.person_id, uuid.uuid4()])  # an unknown id is no error
    result = index.search(SearchQuery(), [scope()])
    assert [(h.person_id, h.display_name) for h in result.hits] == [(a.person_id, "Johnny Smith")]
    index.remove([])
    index.put([])


def test_an_empty_index_and_no_scopes(index: OpenSearchIndex) -> None:
    assert index.search(SearchQuery(facets=True), [scope()]).total == 0
    index.put([person()])
    assert index.search(SearchQuery(), []).total == 0
    assert index.suggest(word(prefix="jo"), [], 5) == []
    assert index.person_ids(TREE_B) == set()


def test_mapping_holds_every_field() -> None:
    assert set(mod.MAPPING["properties"]) == {f.name for f in fields(SearchDoc)}


# -- matching and scoring -----------------------------------------------------------------------


def test_each_match_kind_and_their_score_order(index: OpenSearchIndex) -> None:
    q = word(exact="xgjon", variant="vgjon", phonetic="pgjo", fuzzy="fgjon")
    docs = {
        "exact": person("x1", exact="xgjon"),
        "variant": person("x2", variant="vgjon"),
        "phonetic": person("x3", phonetic="pgjo"),
        "fuzzy": person("x4", fuzzy="fgjon"),
        "all": person("x5", exact="xgjon", variant="vgjon", phonetic="pgjo", fuzzy="fgjon"),
    }
    index.put([*docs.values(), person("mary", "moyo")])
    result = index.search(SearchQuery(words=(q,)), [scope()])
    by_id = {h.person_id: h.score for h in result.hits}
    score = {k: by_id[d.person_id] for k, d in docs.items()}
    assert result.total == 5  # mary matches no kind
    assert score["exact"] > score["variant"] > score["phonetic"] > score["fuzzy"] > 0
    assert score["all"] == score["exact"]  # the strongest kind counts, not the sum
    assert [h.person_id for h in result.hits][-1] == docs["fuzzy"].person_id

    # A kind's tokens match only in that kind's field.
    only_exact = word(exact="vgjon")
    assert ids(index, SearchQuery(words=(only_exact,))) == []


def test_any_token_of_a_kind_matches(index: OpenSearchIndex) -> None:
    a, b = person("jon"), person("john")
    index.put([a, b])
    q = word(exact=("xgjohn", "xgjon", "xgjonathan"))
    assert set(ids(index, SearchQuery(words=(q,)))) == {a.person_id, b.person_id}
    assert ids(index, SearchQuery(words=(word(),))) == []  # a word with no tokens matches nothing


def test_every_word_must_match_and_scores_add_up(index: OpenSearchIndex) -> None:
    both_exact = person("john", "smith")
    exact_and_fuzzy = person("john", "smyth", fuzzy="fgjohn fssmith")
    only_given = person("john", "moyo")
    index.put([both_exact, exact_and_fuzzy, only_given])
    john = word(exact="xgjohn")
    smith = word(exact="xssmith", fuzzy="fssmith")
    result = index.search(SearchQuery(words=(john, smith)), [scope()])
    assert [h.person_id for h in result.hits] == [both_exact.person_id, exact_and_fuzzy.person_id]
    assert result.hits[0].score > result.hits[1].score
    single = index.search(SearchQuery(words=(john,)), [scope()])
    assert result.hits[0].score > single.hits[0].score  # two words score more than one


def test_prefix_counts_as_exact(index: OpenSearchIndex) -> None:
    john, joseph = person("john", "moyo"), person("joseph", "ncube")
    jones, mary = person("tendai", "jones"), person("mary", "dube")
    index.put([john, joseph, jones, mary])
    # A prefix is of a plain name word, given name or surname alike.
    found = index.search(SearchQuery(words=(word(prefix="jo"),)), [scope()])
    assert {h.person_id for h in found.hits} == {john.person_id, joseph.person_id, jones.person_id}
    exact = index.search(SearchQuery(words=(word(exact="xgjohn"),)), [scope()])
    assert {h.score for h in found.hits} == {exact.hits[0].score}
    # A prefix is tried alongside the word's own tokens.
    mixed = word(prefix="jos", fuzzy="fsdube")
    assert set(ids(index, SearchQuery(words=(mixed,)))) == {joseph.person_id, mary.person_id}


def test_text_words_must_all_occur(index: OpenSearchIndex) -> None:
    a = person(text="farmer in harare methodist")
    b = person(text="teacher in harare")
    index.put([a, b])
    assert set(ids(index, SearchQuery(text=("harare",)))) == {a.person_id, b.person_id}
    assert ids(index, SearchQuery(text=("harare", "farmer"))) == [a.person_id]
    assert ids(index, SearchQuery(text=("farmer", "bulawayo"))) == []
    assert ids(index, SearchQuery(text=("farm",))) == []  # whole words only


def test_sex(index: OpenSearchIndex) -> None:
    a, b = person(sex="male"), person(sex="female")
    index.put([a, b])
    assert ids(index, SearchQuery(sex="female")) == [b.person_id]
    assert ids(index, SearchQuery(sex="unknown")) == []


def test_birth_and_death_ranges_overlap(index: OpenSearchIndex) -> None:
    early = person("a", birth_from=1900, birth_to=1910, death_from=1960, death_to=1960)
    late = person("b", birth_from=1950, birth_to=1950)
    none = person("c")
    after = person("d", birth_from=1920, birth_to=None)  # "AFT 1919"
    index.put([early, late, none, after])

    def born(lo: int | None, hi: int | None) -> set[uuid.UUID]:
        return set(ids(index, SearchQuery(born_from=lo, born_to=hi)))

    assert born(1905, 1940) == {early.person_id}  # a bound compared with nothing is false
    assert born(1910, 1910) == {early.person_id}  # touching ends overlap
    assert born(1911, 1949) == set()
    assert born(None, 1930) == {early.person_id, after.person_id}
    assert born(1950, None) == {late.person_id}
    assert born(None, None) == {early.person_id, late.person_id, none.person_id, after.person_id}

    def died(lo: int | None, hi: int | None) -> set[uuid.UUID]:
        return set(ids(index, SearchQuery(died_from=lo, died_to=hi)))

    assert died(1950, 1970) == {early.person_id}
    assert died(1961, None) == set()
    assert died(None, 1960) == {early.person_id}  # the others have no death


def test_filter_tokens_must_all_be_present(index: OpenSearchIndex) -> None:
    a = person(filters="plaa plbb evbirth")
    b = person(filters="plaa evdeath")
    index.put([a, b])
    assert set(ids(index, SearchQuery(filters=("plaa",)))) == {a.person_id, b.person_id}
    assert ids(index, SearchQuery(filters=("plaa", "evbirth"))) == [a.person_id]
    assert ids(index, SearchQuery(filters=("plbb", "evdeath"))) == []


def test_conditions_combine(index: OpenSearchIndex) -> None:
    hit = person("john", sex="male", text="farmer", filters="plaa", birth_from=1900, birth_to=1900)
    index.put(
        [
            hit,
            replace(hit, person_id=uuid.uuid4(), sex="female"),
            replace(hit, person_id=uuid.uuid4(), text="miner"),
            replace(hit, person_id=uuid.uuid4(), filters="plbb"),
            replace(hit, person_id=uuid.uuid4(), birth_from=1800, birth_to=1800),
            replace(hit, person_id=uuid.uuid4(), exact="xgpeter"),
        ]
    )
    q = SearchQuery(
        words=(word(exact="xgjohn"),),
        text=("farmer",),
        sex="male",
        born_from=1890,
        born_to=1910,
        filters=("plaa",),
    )
    assert ids(index, q) == [hit.person_id]


# -- order and paging ---------------------------------------------------------------------------


def test_order_score_then_name_key_then_id(index: OpenSearchIndex) -> None:
    low = person("john", "zulu", fuzzy="fgjon")  # fuzzy match only
    z = person("jon", "zulu", exact="xgjon")
    a1 = person("jon", "abel", exact="xgjon", pid=uuid.UUID(int=2))
    a2 = person("jon", "abel", exact="xgjon", pid=uuid.UUID(int=1))
    index.put([low, z, a1, a2])
    q = SearchQuery(words=(word(exact="xgjon", fuzzy="fgjon"),))
    assert ids(index, q) == [a2.person_id, a1.person_id, z.person_id, low.person_id]


def test_pagination_is_stable(index: OpenSearchIndex) -> None:
    docs = [person(f"p{i:02d}", "same", name_key=f"k{i % 7}") for i in range(25)]
    index.put(docs)
    expected = [d.person_id for d in sorted(docs, key=lambda d: (d.name_key, str(d.person_id)))]
    pages = []
    for offset in (0, 10, 20):
        result = index.search(SearchQuery(limit=10, offset=offset), [scope()])
        assert result.total == 25
        pages += [h.person_id for h in result.hits]
    assert pages == expected
    again = index.search(SearchQuery(limit=10, offset=10), [scope()])
    assert [h.person_id for h in again.hits] == expected[10:20]
    assert index.search(SearchQuery(limit=10, offset=30), [scope()]).hits == []
    assert index.search(SearchQuery(limit=0), [scope()]).total == 25


# -- facets and suggestions ---------------------------------------------------------------------


def test_facets_over_every_match(index: OpenSearchIndex) -> None:
    docs = [
        *(person(surname="moyo", century=1800, region="zimbabwe") for _ in range(3)),
        *(person(surname="ncube", century=1900, region="zimbabwe") for _ in range(2)),
        person(surname="", century=1900, region=""),
        person(surname="dube", century=None, region="zambia"),
        *(person(surname=f"s{i:02d}", century=1700 + i, region=f"r{i:02d}") for i in range(12)),
    ]
    index.put(docs)
    result = index.search(SearchQuery(limit=1, facets=True), [scope()])
    assert result.total == len(docs)
    assert len(result.hits) == 1
    surnames = result.facets["surname"]
    assert surnames[:3] == [("moyo", 3), ("ncube", 2), ("dube", 1)]
    assert len(surnames) == 10 and ("", 1) not in surnames
    assert surnames[3:] == [(f"s{i:02d}", 1) for i in range(7)]  # ties: alphabetical
    centuries = result.facets["century"]
    assert centuries[:2] == [(1800, 3), (1900, 3)]
    assert all(isinstance(c, int) for c, _ in centuries) and len(centuries) == 10
    regions = result.facets["region"]
    assert regions[:2] == [("zimbabwe", 5), ("r00", 1)] and ("", 1) not in regions

    narrowed = index.search(SearchQuery(facets=True, filters=()), [scope(TREE_B)])
    assert narrowed.facets == {"surname": [], "century": [], "region": []}


def test_suggest(index: OpenSearchIndex) -> None:
    index.put(
        [
            person("john", "moyo"),
            person("john", "johnson"),  # bears two words with the prefix: each counts once
            person("johanna", "ncube"),
            person("joseph", "dube"),
            person("peter", "jonga"),
            person("mary", "mojo"),
        ]
    )
    assert index.suggest(word(prefix="jo"), [scope()], 10) == [
        ("john", 2),
        ("johanna", 1),
        ("johnson", 1),
        ("jonga", 1),
        ("joseph", 1),
    ]
    assert index.suggest(word(prefix="joh"), [scope()], 2) == [("john", 2), ("johanna", 1)]
    assert index.suggest(word(prefix="zz"), [scope()], 5) == []
    assert index.suggest(word(prefix="jo"), [scope()], 0) == []
    assert index.suggest(word(prefix="jo"), [scope(TREE_B)], 5) == []
    assert index.suggest(QueryWord("jos", {}), [scope()], 5) == [("joseph", 1)]  # no prefix
    assert index.suggest(QueryWord("", {}, ""), [scope()], 1) == [("john", 2)]  # every word


# -- privacy ------------------------------------------------------------------------------------


def privacy_cast() -> dict[str, SearchDoc]:
    """One person per privacy case, in tree TREE."""
    return {
        "dead": person("dead"),
        "living_flag": person("livingflag", living=True),
        "not_living_flag": person("notliving", living=False, has_death=False, evidence_day=RECENT),
        "presumed_no_evidence": person("noevidence", has_death=False, evidence_day=None),
        "presumed_recent": person("recent", has_death=False, evidence_day=RECENT),
        "presumed_at_cutoff": person("atcutoff", has_death=False, evidence_day=CUTOFF),
        "old_evidence": person("old", has_death=False, evidence_day=OLD),
        "death_recent_birth": person("deadyoung", has_death=True, evidence_day=RECENT),
        "private": person("private", private=True),
        "confidential": person("confidential", restriction="confidential"),
        "privacy": person("privacyr", restriction="privacy"),
        "other_restriction": person("otherr", restriction="locked"),
    }


GUEST_HIDDEN = {
    "living_flag",
    "presumed_no_evidence",
    "presumed_recent",
    "presumed_at_cutoff",
    "private",
    "confidential",
    "privacy",
}


def names_of(cast: dict[str, SearchDoc], found: set[uuid.UUID]) -> set[str]:
    return {k for k, d in cast.items() if d.person_id in found}


def test_privacy_full_member_guest(index: OpenSearchIndex) -> None:
    cast = privacy_cast()
    index.put(list(cast.values()))
    assert names_of(cast, visible_set(index, FULL)) == set(cast)
    assert names_of(cast, visible_set(index, MEMBER)) == set(cast) - {"confidential"}
    assert names_of(cast, visible_set(index, GUEST)) == set(cast) - GUEST_HIDDEN


def test_the_cutoff_is_a_query_parameter(index: OpenSearchIndex) -> None:
    p = person("born", has_death=False, evidence_day=CUTOFF)
    index.put([p])
    assert visible_set(index, GUEST) == set()
    later = Viewer(ViewerLevel.GUEST, CUTOFF + 1)  # a day later: p is no longer presumed living
    assert visible_set(index, later) == {p.person_id}


def test_privacy_of_a_member_limited_to_a_branch(index: OpenSearchIndex) -> None:
    cast = privacy_cast()
    index.put(list(cast.values()))
    branch = Viewer(ViewerLevel.MEMBER, CUTOFF, branch_root=uuid.uuid4(), branch_steps=2)
    inside = {"living_flag", "private", "confidential", "dead"}
    branch_ids = frozenset(cast[k].person_id for k in inside)
    seen = names_of(cast, visible_set(index, branch, branch_ids=branch_ids))
    # Inside the branch: all but the confidential; outside it: what a guest sees.
    assert seen == (inside - {"confidential"}) | (set(cast) - inside - GUEST_HIDDEN)
    alone = names_of(cast, visible_set(index, branch))  # an empty branch: a guest's view
    assert alone == set(cast) - GUEST_HIDDEN


def test_hidden_people_count_nowhere(index: OpenSearchIndex) -> None:
    shown = person("tendai", "secretary", century=1800, region="harare")
    hidden = [
        person("sekai", "secret", living=True, century=1900, region="hidden"),
        person("sekai", "secret", private=True, century=1900, region="hidden"),
        person("sekai", "secret", restriction="privacy", century=1900, region="hidden"),
    ]
    index.put([shown, *hidden])
    q = SearchQuery(words=(word(prefix="se"),), facets=True)
    guest = index.search(q, [scope(viewer=GUEST)])
    assert guest.total == 1 and [h.person_id for h in guest.hits] == [shown.person_id]
    assert guest.facets == {
        "surname": [("secretary", 1)],
        "century": [(1800, 1)],
        "region": [("harare", 1)],
    }
    assert index.suggest(word(prefix="se"), [scope(viewer=GUEST)], 10) == [("secretary", 1)]
    assert index.suggest(word(prefix="se"), [scope(viewer=MEMBER)], 10) == [
        ("secret", 3),
        ("sekai", 3),
        ("secretary", 1),
    ]
    member = index.search(q, [scope(viewer=MEMBER)])
    assert member.total == 4 and member.facets["surname"] == [("secret", 3), ("secretary", 1)]


def test_several_trees_each_with_its_scope(index: OpenSearchIndex) -> None:
    a_living = person("alive", tree=TREE, living=True)
    b_living = person("alive", tree=TREE_B, living=True)
    b_dead = person("dead", tree=TREE_B)
    c_dead = person("dead", tree=TREE_C)
    index.put([a_living, b_living, b_dead, c_dead])
    scopes = [scope(TREE, FULL), scope(TREE_B, GUEST)]
    result = index.search(SearchQuery(facets=True), scopes)
    assert {h.person_id for h in result.hits} == {a_living.person_id, b_dead.person_id}
    assert result.total == 2
    assert result.facets["surname"] == [("smith", 2)]
    assert index.suggest(word(prefix="a"), scopes, 5) == [("alive", 1)]
    swapped = [scope(TREE, GUEST), scope(TREE_B, MEMBER)]
    found = {h.person_id for h in index.search(SearchQuery(), swapped).hits}
    assert found == {b_living.person_id, b_dead.person_id}


# -- trees, ids, rebuilds -----------------------------------------------------------------------


def test_remove_tree_and_person_ids(
    index: OpenSearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mod, "PAGE", 3)  # several pages of search_after
    in_a = [person(f"a{i}", tree=TREE) for i in range(7)]
    in_b = [person(f"b{i}", tree=TREE_B) for i in range(3)]
    index.put([*in_a, *in_b])
    assert index.person_ids(TREE) == {d.person_id for d in in_a}
    assert index.person_ids(TREE_B) == {d.person_id for d in in_b}
    index.remove_tree(TREE)
    assert index.person_ids(TREE) == set()
    assert index.search(SearchQuery(), [scope(TREE)]).total == 0
    assert index.search(SearchQuery(), [scope(TREE_B)]).total == 3


def test_rebuild_keeps_writes_made_meanwhile(
    index: OpenSearchIndex, raw: OpenSearch, alias: str, opensearch_url: str
) -> None:
    kept, changed, dropped = person("kept"), person("changed"), person("dropped")
    index.put([kept, changed, dropped])
    (live,) = concrete(raw, alias)

    index.begin_rebuild()
    (new,) = concrete(raw, f"{alias}-next")
    assert new != live
    index.put([kept])  # the rebuild's own load
    other = OpenSearchIndex(with_index(opensearch_url, alias))  # another process
    try:
        newcomer = person("newcomer")
        other.put([newcomer, replace(changed, display_name="Changed Again")])
        other.remove([dropped.person_id])
        # Meanwhile readers see the live index, kept up to date.
        names = {h.display_name for h in index.search(SearchQuery(), [scope()]).hits}
        assert names == {"Kept Smith", "Changed Again", "Newcomer Smith"}
    finally:
        other.close()
    index.end_rebuild(True)

    assert concrete(raw, alias) == [new]
    assert concrete(raw, f"{alias}-next") == []
    assert not raw.indices.exists(index=live)
    hits = index.search(SearchQuery(), [scope()]).hits
    assert {h.display_name for h in hits} == {"Kept Smith", "Changed Again", "Newcomer Smith"}
    index.put([person("after")])
    assert index.search(SearchQuery(), [scope()]).total == 4


def test_remove_tree_during_a_rebuild(index: OpenSearchIndex, raw: OpenSearch, alias: str) -> None:
    index.put([person(tree=TREE_B)])
    index.begin_rebuild()
    index.put([person(tree=TREE_B), person(tree=TREE)])  # not yet refreshed in the new index
    index.remove_tree(TREE_B)
    index.end_rebuild(True)
    assert index.person_ids(TREE_B) == set()
    assert len(index.person_ids(TREE)) == 1


def test_a_failed_rebuild_leaves_the_live_index(
    index: OpenSearchIndex, raw: OpenSearch, alias: str
) -> None:
    before = person("before")
    index.put([before])
    (live,) = concrete(raw, alias)
    index.begin_rebuild()
    (new,) = concrete(raw, f"{alias}-next")
    during = person("during")
    index.put([during])
    index.end_rebuild(False)
    assert concrete(raw, alias) == [live]
    assert not raw.indices.exists(index=new)
    assert concrete(raw, f"{alias}-next") == []
    found = {h.person_id for h in index.search(SearchQuery(), [scope()]).hits}
    assert found == {before.person_id, during.person_id}
    index.end_rebuild(False)  # nothing under way: nothing to undo
    with pytest.raises(RuntimeError):
        index.end_rebuild(True)


def test_a_new_rebuild_replaces_an_abandoned_one(
    index: OpenSearchIndex, raw: OpenSearch, alias: str
) -> None:
    index.put([person()])
    index.begin_rebuild()
    (first,) = concrete(raw, f"{alias}-next")
    index.begin_rebuild()
    (second,) = concrete(raw, f"{alias}-next")
    assert first != second and not raw.indices.exists(index=first)
    index.put([person()])
    index.end_rebuild(True)
    assert concrete(raw, alias) == [second]
    assert index.search(SearchQuery(), [scope()]).total == 1  # only the rebuild's put


def test_first_use_races_settle_on_one_index(
    opensearch_url: str, raw: OpenSearch, alias: str
) -> None:
    url = with_index(opensearch_url, alias)
    first, second = OpenSearchIndex(url), OpenSearchIndex(url)
    try:
        doc = person()
        first.put([doc])
        (kept,) = concrete(raw, alias)
        # What a second process does when it, too, found no alias: its own index, aliased.
        late = second._new_index()
        raw.indices.update_aliases(body={"actions": [{"add": {"index": late, "alias": alias}}]})
        second._settle()
        assert concrete(raw, alias) == [kept]
        assert not raw.indices.exists(index=late)
        assert second.search(SearchQuery(), [scope()]).total == 1
        first.put([person()])  # the alias is usable again
        assert second.search(SearchQuery(), [scope()]).total == 2
    finally:
        first.close()
        second.close()
        raw.indices.delete(index=f"{alias}-*", ignore=[404])


# -- the URL and errors -------------------------------------------------------------------------


def test_url_format() -> None:
    e = parse_url("opensearch://127.0.0.1:59200")
    assert (e.host, e.port, e.index, e.tls, e.verify, e.timeout, e.user) == (
        "127.0.0.1",
        59200,
        "dzinza-people",
        False,
        True,
        10.0,
        None,
    )
    e = parse_url(
        "opensearch://admin:p%40ss@search.example.org/?index=people&tls=true&verify=false&timeout=3"
    )
    assert (e.host, e.port, e.index, e.tls, e.verify, e.timeout) == (
        "search.example.org",
        443,
        "people",
        True,
        False,
        3.0,
    )
    assert (e.user, e.password) == ("admin", "p@ss")
    assert "p@ss" not in e.safe_url and "p@ss" not in repr(e)
    for bad in (
        "http://127.0.0.1:9200",
        "opensearch://",
        "opensearch://h:1/people",
        "opensearch://h:1/?index=People",
        "opensearch://h:1/?tls=maybe",
        "opensearch://h:1/?timeout=soon",
        "opensearch://h:1/?colour=red",
    ):
        with pytest.raises(ValueError):
            parse_url(bad)


def test_an_unreachable_server_raises_connection_error() -> None:
    ix = OpenSearchIndex("opensearch://admin:s3cret@127.0.0.1:9/?timeout=1")
    try:
        with pytest.raises(ConnectionError) as caught:
            ix.search(SearchQuery(), [scope()])
        assert "127.0.0.1:9" in str(caught.value)
        assert "s3cret" not in str(caught.value)
        with pytest.raises(ConnectionError):
            ix.put([person()])
    finally:
        ix.close()
