"""Name-variant keys: surname particles, given-name groups, Shona and Ndebele spellings and prefixes.

Two words match in search when they share a key, so each rule is tested both ways: the variants
it is for do share a key, and common names it must keep apart do not. Property tests check that
no text breaks the functions and that a normalised spelling is its own normal form.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dzinza.domain import name_variants
from dzinza.domain.name_variants import (
    PARTICLES,
    bantu_keys,
    given_keys,
    given_name_groups,
    split_particles,
    surname_keys,
)
from dzinza.domain.names import fold

GROUPS = name_variants._GROUP_MEMBERS
KINDS = ("g:", "o:", "s:", "p:")


def meet(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a & b)


# --- Particles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surname", "expected"),
    [
        ("van der merwe", ("van der", "merwe")),
        ("moyo", ("", "moyo")),
        ("dos santos", ("dos", "santos")),
        ("da silva", ("da", "silva")),
        ("de la rey", ("de la", "rey")),
        ("du toit", ("du", "toit")),
        ("le roux", ("le", "roux")),
        ("von der leyen", ("von der", "leyen")),
        ("in 't veld", ("in 't", "veld")),
        ("st. john", ("st.", "john")),
        ("janse van rensburg", ("", "janse van rensburg")),
        ("de", ("", "de")),
        ("van der", ("", "van der")),
        ("  van   der  merwe ", ("van der", "merwe")),
        ("", ("", "")),
    ],
)
def test_split_particles(surname: str, expected: tuple[str, str]) -> None:
    assert split_particles(surname) == expected


def test_particles_are_separate_words_only() -> None:
    assert {"van", "von", "de", "der", "den", "da", "dos", "du", "le", "la", "ter"} <= PARTICLES
    # Mac and Mc are written joined and are part of the name, O' likewise.
    assert not {"mac", "mc", "o", "o'"} & PARTICLES


@pytest.mark.parametrize(
    "forms",
    [
        ("van der merwe", "merwe", "vandermerwe", "van  der merwe"),
        ("van den berg", "vandenberg", "berg"),
        ("van wyk", "vanwyk", "wyk"),
        ("van de venter", "vandeventer", "venter"),
        ("dos santos", "santos"),
        ("du toit", "dutoit"),
        ("du toit", "toit"),
        ("le roux", "leroux"),
        ("de la rey", "delarey"),
        ("d'almeida", "almeida", "de almeida"),
        ("mcdonald", "macdonald", "m'donald"),
        ("o'brien", "obrien"),
    ],
)
def test_surname_forms_meet(forms: tuple[str, ...]) -> None:
    for a in forms:
        for b in forms:
            assert meet(surname_keys(a), surname_keys(b)), (a, b)


def test_particle_surname_keys() -> None:
    assert "p:merwe" in surname_keys("van der merwe")
    assert "p:merwe" in surname_keys("vandermerwe")
    assert "p:santos" in surname_keys("dos santos")
    assert "p:macdonald" in surname_keys("mcdonald")
    assert not any(k.startswith("p:") for k in surname_keys("moyo"))
    # A particle on its own is not a key: "van" must not find every van-something.
    assert not meet(surname_keys("van der merwe"), surname_keys("van"))
    assert not meet(surname_keys("van der merwe"), surname_keys("van der berg"))


def test_joined_particles_that_begin_ordinary_surnames_are_kept() -> None:
    # A joined de/du/le/la is not stripped: Devine is not Vine, Dupont not Pont, Lewis not Wis.
    assert not meet(surname_keys("devine"), surname_keys("vine"))
    assert not meet(surname_keys("leland"), surname_keys("land"))
    assert not meet(surname_keys("vance"), surname_keys("ce"))
    # So "dutoit" meets "du toit" (written solid) but not a bare "toit".
    assert not meet(surname_keys("dutoit"), surname_keys("toit"))
    # Mack and Machado are not Mac names of "k" and "hado".
    assert not any(k.startswith("p:") for k in surname_keys("mack"))


def test_hyphenated_surnames_meet_each_part() -> None:
    keys = surname_keys("smith-jones")
    assert meet(keys, surname_keys("smith")) and meet(keys, surname_keys("jones"))
    assert meet(keys, surname_keys("smith jones"))


def test_empty_surnames_have_no_keys() -> None:
    assert surname_keys("") == frozenset()
    assert surname_keys("   ") == frozenset()
    assert surname_keys("-") == frozenset()


# --- Given-name groups ------------------------------------------------------------------------

EXACT_GROUPS = {
    "william": ["bill", "wm", "wm.", "will", "liam", "william", "billy", "willem", "guillermo"],
    "margaret": ["peggy", "meg", "margt", "maggie", "greta", "margarida", "grietjie"],
    "john": [
        "jack", "johnny", "jon", "juan", "joao", "jan", "johannes", "hans", "ivan", "sean",
        "jno", "giovanni", "johane",
    ],
    "charles": ["chas", "charlie", "carlos", "karel", "carolus"],
    "elizabeth": ["liz", "beth", "betty", "eliza", "elsie", "eliz", "isabel", "elisabete"],
    "james": ["jim", "jas", "jamie", "hamish", "giacomo"],
    "catherine": ["kate", "katie", "kathryn", "catherine", "katherine", "catarina", "cath"],
    "thomas": ["thos", "tom", "tomas"],
    "george": ["geo", "jorge", "georgius"],
    "samuel": ["saml"],
    "richard": ["richd", "dick"],
    "robert": ["robt", "bob"],
    "benjamin": ["benj"],
    "daniel": ["danl"],
    "joseph": ["jos", "ze", "giuseppe"],
    "henry": ["hy", "hendrik", "henk"],
    "christopher": ["xtopher", "xr", "christoffel", "stoffel"],
    "jacob": ["koos", "kobus", "jaco"],
    "stephen": ["fanie", "stephanus", "estevao"],
    "peter": ["piet", "pieter", "pedro", "petrus"],
    "edward": ["edw", "duarte"],
    "kudakwashe": ["kuda"],
    "munyaradzi": ["munya"],
    "nkosinathi": ["nathi"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("group", "word"), [(group, word) for group, words in EXACT_GROUPS.items() for word in words]
)
def test_given_name_groups_exact(group: str, word: str) -> None:
    assert given_name_groups(word) == frozenset({group})


@pytest.mark.parametrize(
    ("word", "groups"),
    [
        ("chris", {"christopher", "christine", "christian"}),
        ("sam", {"samuel", "samantha"}),
        ("pat", {"patrick", "patricia"}),
        ("alex", {"alexander", "alexandra"}),
        ("fred", {"frederick", "alfred", "wilfred"}),
        ("jean", {"john", "jane"}),
        ("thandi", {"thandiwe", "thandeka"}),
        ("jacques", {"jacob", "james"}),
    ],
)
def test_words_in_several_groups(word: str, groups: set[str]) -> None:
    assert given_name_groups(word) == groups


def test_unknown_given_names_have_no_group() -> None:
    assert given_name_groups("tendai") == frozenset()
    assert given_name_groups("zzyzx") == frozenset()
    assert given_name_groups("") == frozenset()


def test_there_are_at_least_250_groups_and_each_key_is_a_member() -> None:
    assert len(GROUPS) >= 250
    for key, members in GROUPS.items():
        assert key in members
        assert key in given_name_groups(key)
        for word in members:
            assert word == fold(word) and word.isalpha(), word
            assert key in given_name_groups(word)


def test_group_table_rejects_a_repeated_key() -> None:
    with pytest.raises(ValueError, match="twice"):
        name_variants._parse_groups("anne: ann\nanne: nancy\n")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("bill", "guillermo"),
        ("peggy", "margaret"),
        ("jno", "juan"),
        ("thomas", "tomas"),
        ("jean-paul", "paul"),
        ("tendai", "tendayi"),
        ("kuda", "kudakwashe"),
    ],
)
def test_given_names_meet(a: str, b: str) -> None:
    assert meet(given_keys(a), given_keys(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("john", "joan"),
        ("mary", "mark"),
        ("john", "james"),
        ("mary", "margaret"),
        ("peter", "paul"),
        ("william", "walter"),
        ("catherine", "christine"),
        ("charles", "charlotte"),
        ("jane", "joan"),
        ("anne", "hannah"),
        ("francis", "frances"),
        ("tendai", "tinashe"),
        ("tatenda", "tendai"),
        ("farai", "fadzai"),
    ],
)
def test_unrelated_given_names_do_not_meet(a: str, b: str) -> None:
    assert not meet(given_keys(a), given_keys(b))


def test_given_keys_are_groups_plus_bantu_keys() -> None:
    assert given_keys("bill") == {"g:william"} | bantu_keys("bill")
    assert given_keys("tendai") == bantu_keys("tendai")
    assert given_keys("") == frozenset()


# --- Shona and Ndebele spelling -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # Ndebele tsh against Zulu sh and Shona ch
        ("tshabalala", "shabalala"),
        ("tshuma", "chuma"),
        ("tshuma", "shuma"),
        # dhl for dl
        ("ndhlovu", "ndlovu"),
        ("dhlamini", "dlamini"),
        ("dhliwayo", "dliwayo"),
        # an h marking aspiration or breathy voice, dropped in older records
        ("khumalo", "kumalo"),
        ("mthethwa", "mtetwa"),
        ("nyathi", "nyati"),
        ("bhebhe", "bebe"),
        ("madhuku", "maduku"),
        ("mhondoro", "mondoro"),
        ("nhamo", "namo"),
        ("vhiriri", "viriri"),
        # Doke letters
        ("\u0253aba", "baba"),
        ("\u023fosve", "svosve"),
        ("\u0240imba", "zvimba"),
        ("\u014bombe", "n'ombe"),
        # the velar nasal
        ("n'anga", "nganga"),
        ("ng'anga", "n'anga"),
        ("n\u2019anga", "n'anga"),
        # glides
        ("tendayi", "tendai"),
        ("farayi", "farai"),
        ("mazowe", "mazoe"),
        ("mariya", "maria"),
        # the Ndebele augment and mu- written short
        ("inyanga", "nyanga"),
        ("inyati", "nyathi"),
        ("umzilikazi", "mzilikazi"),
        ("mutoko", "mtoko"),
        ("mutasa", "mtasa"),
        # doubled letters
        ("taangwena", "tangwena"),
    ],
)
def test_spelling_variants_share_the_spelling_key(old: str, new: str) -> None:
    old_spellings = {k for k in bantu_keys(old) if k.startswith("o:")}
    new_spellings = {k for k in bantu_keys(new) if k.startswith("o:")}
    assert old_spellings & new_spellings, (old, new)


@pytest.mark.parametrize(
    ("prefixed", "bare"),
    [
        ("chinyoka", "nyoka"),
        ("mukanya", "kanya"),
        ("makoni", "koni"),
        ("zvinavashe", "navashe"),
        ("vamoyo", "moyo"),
        ("usibanda", "sibanda"),
        ("umoyo", "moyo"),
        ("mthethwa", "tetwa"),
        ("mutasa", "matasa"),
    ],
)
def test_prefix_variants_share_the_stem_key(prefixed: str, bare: str) -> None:
    assert {k for k in bantu_keys(prefixed) if k.startswith("s:")} & bantu_keys(bare)


def test_bantu_keys_examples() -> None:
    assert bantu_keys("chinyoka") == {"o:chinyoka", "s:nyoka"}
    assert bantu_keys("tshabalala") == {
        "o:chabalala",
        "o:shabalala",
        "s:chabalala",
        "s:shabalala",
    }
    assert bantu_keys("moyo") == {"o:moyo", "s:moyo"}
    # no prefix is removed when the stem would be under four letters
    assert bantu_keys("chipo") == {"o:chipo", "s:chipo"}
    assert bantu_keys("mandla") >= {"o:mandla"}
    # a word starting with a vowel cannot be a stem
    assert bantu_keys("anesu") == {"o:anesu"}
    assert bantu_keys("") == frozenset()
    assert bantu_keys("'- .") == frozenset()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("moyo", "moyana"),
        ("ncube", "nkomo"),
        ("moyo", "mayo"),
        ("ndlovu", "dlovu"),  # n- (class 9) is part of the stem, not a prefix
        ("sibanda", "sithole"),
        ("mhlanga", "hlanga"),  # the h of hl is kept
        ("nhlanhla", "nlanla"),
        ("mpofu", "pofu"),  # mp is a cluster, not m- and a stem
        ("muhammad", "hamad"),
        ("macdonald", "donald"),
        ("chiedza", "edza"),
        ("innes", "nes"),
        ("sw", "sv"),
        ("kuswera", "kusvera"),  # sw and sv are different letters in standard Shona
        ("rowe", "lowe"),
        ("bell", "vell"),
    ],
)
def test_unrelated_words_do_not_share_bantu_keys(a: str, b: str) -> None:
    assert not meet(bantu_keys(a), bantu_keys(b)), (bantu_keys(a), bantu_keys(b))


def test_key_kinds_never_collide() -> None:
    # "nyoka" as a stem and as a spelling are different keys.
    assert "o:nyoka" not in bantu_keys("chinyoka")
    assert all(k.startswith(KINDS) for k in surname_keys("van der merwe") | given_keys("bill"))


# --- Properties -------------------------------------------------------------------------------

FOLDED_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz'-", min_size=0, max_size=20)
ANY_TEXT = st.text(max_size=40)
# Pieces that trigger the spelling and prefix rules, so that generated words exercise them.
PIECES = (
    "mu ma chi zvi va u i tsh dhl bh mh nh th kh n' ng' ayi iya owe nyoka tasa mba mm yy h l a o e"
    " \u014b \u023f \u0253"
)
NAMEY = st.one_of(
    FOLDED_WORDS,
    ANY_TEXT,
    st.sampled_from(sorted(name_variants._GROUPS_BY_WORD)),
    st.builds("".join, st.lists(st.sampled_from(PIECES.split()), max_size=8)),
)


@settings(max_examples=400, deadline=None)
@given(NAMEY)
def test_no_text_breaks_the_functions(text: str) -> None:
    for keys in (bantu_keys(text), given_keys(text), surname_keys(text)):
        assert isinstance(keys, frozenset)
        assert all(isinstance(k, str) and k.startswith(KINDS) and len(k) > 2 for k in keys)
    assert isinstance(given_name_groups(text), frozenset)
    particles, rest = split_particles(text)
    assert " ".join(p for p in (particles, rest) if p) == " ".join(text.split())


@settings(max_examples=400, deadline=None)
@given(NAMEY)
def test_keys_are_deterministic_and_spellings_idempotent(text: str) -> None:
    name_variants.bantu_keys.cache_clear()
    keys = bantu_keys(text)
    name_variants.bantu_keys.cache_clear()
    assert bantu_keys(text) == keys
    for key in keys:
        if key.startswith("o:"):
            spelling = key[2:]
            # a normalised spelling typed as a query finds what it was made from
            assert key in bantu_keys(spelling)
            assert {k for k in bantu_keys(spelling) if k.startswith("o:")} == {key}


@settings(max_examples=200, deadline=None)
@given(NAMEY)
def test_keys_do_not_depend_on_case_or_accents_once_folded(text: str) -> None:
    folded = fold(text)
    assert given_keys(folded) == given_keys(fold(folded.upper()))
