"""Names (display, folding, sort keys) and the consistency rules, as pure functions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dzinza.domain.names import SORT_SEPARATOR, NameParts, fold, sort_key
from dzinza.domain.rules import DayRange, Life, check_family, check_life, check_parent

YEAR = 365


def test_display_puts_parts_in_reading_order() -> None:
    n = NameParts(
        given="Tendai", surname="Moyo", prefix="", suffix="Jr", nickname="Tee", title="Dr"
    )
    assert n.display() == 'Dr Tendai "Tee" Moyo Jr'
    assert NameParts().display() == "(no name)"
    assert NameParts().is_empty() and not NameParts(nickname="x").is_empty()


def test_fold_removes_case_accents_and_extra_space() -> None:
    assert fold("  João   DA  Silva ") == "joao da silva"
    assert fold("Ndlovu") == fold("NDLOVU")
    assert fold("Zoë") == "zoe"


def test_sort_key_orders_by_surname_then_given() -> None:
    keys = [
        sort_key(NameParts(given=g, surname=s))
        for g, s in [("Tendai", "Moyo"), ("Anesu", "Moyo"), ("Zed", "Dube")]
    ]
    assert sorted(keys) == [keys[2], keys[1], keys[0]]
    assert sort_key(None) == SORT_SEPARATOR
    assert sort_key(NameParts(surname="Moyo")) < sort_key(NameParts(given="A", surname="Moyoa"))


@given(st.text(max_size=30))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


def life(
    name: str,
    birth: tuple[int | None, int | None] | None,
    death: tuple[int | None, int | None] | None = None,
) -> Life:
    return Life(
        name, name, DayRange(*birth) if birth else None, DayRange(*death) if death else None
    )


def test_death_before_birth_only_when_no_reading_fits() -> None:
    assert check_life(life("a", (1000, 1000), (900, 900)))[0].code == "death_before_birth"
    assert check_life(life("b", (1000, 2000), (1500, 1500))) == []  # overlapping ranges: fine
    assert check_life(life("c", None, (1, 1))) == []


def test_parent_age_limits() -> None:
    child = life("kid", (30 * YEAR, 30 * YEAR))
    assert [w.code for w in check_parent(life("p", (25 * YEAR, 25 * YEAR)), child)] == [
        "parent_too_young"
    ]
    assert [w.code for w in check_parent(life("p", (0, 0)), child)] == []
    assert [w.code for w in check_parent(life("p", (-60 * YEAR, -60 * YEAR)), child)] == [
        "parent_too_old"
    ]
    # An open-ended parent birth (AFT x) cannot prove the parent too old; BEF x can.
    assert check_parent(life("p", (-60 * YEAR, None)), child) == []
    assert [w.code for w in check_parent(life("p", (None, -60 * YEAR)), child)] == [
        "parent_too_old"
    ]


def test_posthumous_birth_allowed_for_nine_months() -> None:
    child = life("kid", (1000, 1000))
    assert check_parent(life("p", (-20 * YEAR, -20 * YEAR), (800, 800)), child) == []
    assert [
        w.code for w in check_parent(life("p", (-20 * YEAR, -20 * YEAR), (600, 600)), child)
    ] == ["born_after_parent_death"]


def test_check_family_combines_all() -> None:
    me = life("me", (1000, 1000), (900, 900))
    codes = [
        w.code for w in check_family(me, [life("mum", (990, 990))], [life("kid", (1010, 1010))])
    ]
    assert codes == ["death_before_birth", "parent_too_young", "parent_too_young"]
