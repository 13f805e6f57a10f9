"""The labelled query set of the search quality benchmark (``bench/search_quality.py``): big
enough, every category covered, the same for the same seed, labels that hold, and recall and
precision computed right. No database: the tree and the queries are plain Python."""

from __future__ import annotations

import random
import uuid
from collections import Counter

import pytest
from bench import search_names as sn
from bench import search_quality as sq

from dzinza.services.search import SearchRequest


@pytest.fixture(scope="module")
def tree() -> sq.Tree:
    return sq.build_tree(sq.DEFAULT_PEOPLE, sq.DEFAULT_SEED)


@pytest.fixture(scope="module")
def queries(tree: sq.Tree) -> list[sq.LabelledQuery]:
    return sq.make_queries(tree)


def _ids(n: int) -> list[uuid.UUID]:
    return [uuid.UUID(int=i + 1) for i in range(n)]


def test_the_tree_has_the_size_asked_for_and_its_mix(tree: sq.Tree) -> None:
    assert len(tree.people) == sq.DEFAULT_PEOPLE
    assert len({p.id for p in tree.people}) == len(tree.people)
    cultures = Counter(p.culture for p in tree.people)
    assert set(cultures) == {c.name for c in sn.CULTURES}
    years = [p.birth_year for p in tree.people]
    assert min(years) >= sq.FIRST_YEAR
    assert max(years) <= sq.LAST_YEAR
    assert any(p.death_year for p in tree.people)
    assert sum(1 for p in tree.people if len(p.names) > 1) > 200  # married names
    assert sum(1 for p in tree.people if p.nickname) > 30
    assert sum(1 for p in tree.people if p.native) > 100  # Cyrillic and Greek records
    assert tree.families


def test_there_are_at_least_300_queries_and_25_in_every_category(
    queries: list[sq.LabelledQuery],
) -> None:
    assert len(queries) >= 300
    per_category = Counter(q.category for q in queries)
    assert set(per_category) == set(sq.CATEGORIES)
    for category in sq.CATEGORIES:
        assert per_category[category] >= 25, category


def test_the_set_is_the_same_for_the_same_seed(queries: list[sq.LabelledQuery]) -> None:
    again = sq.make_queries(sq.build_tree(sq.DEFAULT_PEOPLE, sq.DEFAULT_SEED))
    assert [(q.category, q.text, q.target, q.expected) for q in again] == [
        (q.category, q.text, q.target, q.expected) for q in queries
    ]


def test_another_seed_gives_another_set(queries: list[sq.LabelledQuery]) -> None:
    other = sq.make_queries(sq.build_tree(sq.DEFAULT_PEOPLE, sq.DEFAULT_SEED + 1))
    assert [q.text for q in other] != [q.text for q in queries]


def test_every_query_expects_its_target_and_few_others(
    tree: sq.Tree, queries: list[sq.LabelledQuery]
) -> None:
    people = tree.by_id()
    for q in queries:
        assert q.target in q.expected
        assert len(q.expected) <= sq.MAX_EQUAL
        assert q.expected <= people.keys()
        assert q.request.limit == sq.K
        assert q.request.q or (q.request.given and q.request.surname)
    assert len({(q.category, q.text) for q in queries}) == len(queries)


def test_queries_are_made_from_the_stored_names(
    tree: sq.Tree, queries: list[sq.LabelledQuery]
) -> None:
    people = tree.by_id()
    for q in queries:
        target = people[q.target]
        words = " ".join((q.request.q, q.request.given, q.request.surname))
        if q.category == "dates":
            assert q.request.born is not None
            assert 1 <= abs(q.request.born - target.birth_year) <= 2
            birth = target.names[0]
            assert words.split() == [birth.given[0].text, *birth.surname.text.split()]
        elif q.category == "married":
            assert target.names[1].type == "married"
            assert target.names[1].surname.text in words
        elif q.category == "accents":
            assert sn.strip_accents(words) != words or sn.has_accents(target.display)
        elif q.category == "transliteration":
            assert words.isascii() != target.display.isascii()


def test_queries_are_spread_over_the_kinds_of_each_rule(
    queries: list[sq.LabelledQuery],
) -> None:
    def rules(category: str) -> Counter[str]:
        return Counter(q.rule.split(":")[0] for q in queries if q.category == category)

    typos = Counter(q.rule.split()[1] for q in queries if q.category == "typos")
    assert set(typos) == set(sn.TYPO_KINDS)
    assert min(typos.values()) >= 10
    bantu = rules("shona_ndebele")
    for rule in ("class prefix left out", "aspiration h left out", "dl written dhl"):
        assert bantu[rule] >= 3, bantu
    assert bantu["modern spelling of a Doke-orthography record"] >= 2, bantu
    scripts = rules("transliteration")
    assert len(scripts) == 4 and min(scripts.values()) >= 8, scripts


def test_typos_are_one_edit_on_long_words() -> None:
    rng = random.Random(3)
    for kind in sn.TYPO_KINDS:
        for word in ("william", "chinyoka", "goncalves", "merwe"):
            out = sn.typo(word, kind, rng)
            assert out != word
            assert out[0] == word[0]
            if kind == "delete":
                assert len(out) == len(word) - 1
            elif kind == "insert":
                assert len(out) == len(word) + 1
            else:
                assert len(out) == len(word)
                assert sorted(out) == sorted(word) if kind == "swap" else True
    with pytest.raises(ValueError):
        sn.typo("moyo", "delete", rng)


def test_spellings_of_one_name_share_a_key() -> None:
    keys = sn.NameKeys()
    assert keys.surname("Smyth") == keys.surname("Smith")
    assert keys.surname("van der Merwe") == keys.surname("Merwe")
    assert keys.given("Дмитрий") == keys.given("Dmitry") == keys.given("Dmitri")
    assert keys.given("João") == keys.given("Joao")
    assert keys.given("Elisabeth") == keys.given("Elizabeth")
    assert keys.surname("Smith") != keys.surname("Schmidt")


def test_shona_and_ndebele_spellings_follow_their_rules() -> None:
    chinyoka = sn.Name(("Chinyoka",), prefix="Chi")
    made = dict(sn.shona_ndebele_spellings("Chinyoka", chinyoka, surname=True))
    assert made["Nyoka"] == "class prefix left out"
    plain = sn.Name(("x",))
    assert ("Kumalo", "aspiration h left out") in sn.shona_ndebele_spellings(
        "Khumalo", plain, surname=True
    )
    assert ("Ndhlovu", "dl written dhl") in sn.shona_ndebele_spellings(
        "Ndlovu", plain, surname=True
    )
    assert ("Tendayi", "-ai written -ayi") in sn.shona_ndebele_spellings(
        "Tendai", plain, surname=False
    )
    assert ("Mtasa", "mu- written m-") in sn.shona_ndebele_spellings("Mutasa", plain, surname=True)
    assert sn.doke("Svosve") == "\u2c7eo\u023fe"


def test_recall_at_10_is_whether_the_target_is_in_the_first_ten() -> None:
    a, b, c, *rest = _ids(15)
    assert sq.recall_at(a, [a, b, c]) == 1.0
    assert sq.recall_at(a, [*rest[:9], a]) == 1.0  # tenth
    assert sq.recall_at(a, [*rest[:10], a]) == 0.0  # eleventh
    assert sq.recall_at(a, []) == 0.0


def test_precision_at_10_counts_expected_people_among_those_returned() -> None:
    a, b, c, d, *rest = _ids(20)
    assert sq.precision_at(frozenset({a}), [a]) == 1.0
    assert sq.precision_at(frozenset({a, b}), [a, c, b, d]) == 0.5
    assert sq.precision_at(frozenset({a}), [c, d]) == 0.0
    assert sq.precision_at(frozenset({a}), []) == 0.0  # nothing returned
    # Only the first ten count: ten wrong ones, then the right one.
    assert sq.precision_at(frozenset({a}), [*rest[:10], a]) == 0.0
    assert sq.precision_at(frozenset({a}), [a, *rest[:9]]) == pytest.approx(0.1)


def _query(category: str, target: uuid.UUID, expected: set[uuid.UUID]) -> sq.LabelledQuery:
    return sq.LabelledQuery(
        category, SearchRequest(q="x"), target, frozenset(expected), "X", "rule"
    )


def test_summary_averages_over_queries_and_categories() -> None:
    a, b, c, d = _ids(4)
    outcomes = [
        sq.Outcome(_query("typos", a, {a}), [a, c], ms=1.0),  # hit, precision 1/2
        sq.Outcome(_query("typos", b, {b}), [c], ms=3.0),  # miss, precision 0
        sq.Outcome(_query("dates", c, {c, d}), [d, c], ms=2.0),  # hit, precision 1
        sq.Outcome(_query("dates", d, {d}), [], ms=10.0),  # nothing: miss, precision 0
    ]
    s = sq.summarize(outcomes)
    assert s["queries"] == 4
    assert s["recall_at_10"] == 0.5
    assert s["precision_at_10"] == pytest.approx((0.5 + 0 + 1 + 0) / 4)
    assert s["categories"]["typos"] == {
        "queries": 2,
        "recall_at_10": 0.5,
        "precision_at_10": 0.25,
    }
    assert s["categories"]["dates"]["precision_at_10"] == 0.5
    assert s["categories"]["accents"]["queries"] == 0
    assert s["median_ms"] == 2.5
    assert s["p95_ms"] == 10.0
    misses = sq.worst_misses(outcomes)
    assert [m["category"] for m in misses] == ["typos", "dates"]


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert sq.percentile(values, 95) == 95.0
    assert sq.percentile(values, 50) == 50.0
    assert sq.percentile([7.0], 95) == 7.0
    assert sq.percentile([], 95) == 0.0
