"""Consistency checks on people's dates. They return warnings, never errors: genealogy data is
evidence, and a researcher may well record a conflict on purpose while resolving it.

Dates are compared as day ranges (Julian Day Numbers), so "ABT 1900" and "1900" are judged on the
widest reading: a warning means no reading of the dates is consistent.
"""

from __future__ import annotations

from dataclasses import dataclass

DAYS_PER_YEAR = 365.2425
MIN_PARENT_AGE_YEARS = 12
MAX_PARENT_AGE_YEARS = 80
MAX_BIRTH_AFTER_PARENT_DEATH_DAYS = 300
"""A child can be born after the father's death (about nine months at most)."""


@dataclass(frozen=True)
class DayRange:
    earliest: int | None
    latest: int | None


@dataclass(frozen=True)
class Life:
    """What the checks need to know of one person."""

    id: str
    name: str
    birth: DayRange | None = None
    death: DayRange | None = None


@dataclass(frozen=True)
class Warning:
    code: str
    message: str
    person_id: str


def _years(days: int) -> int:
    return int(days / DAYS_PER_YEAR)


def check_life(person: Life) -> list[Warning]:
    b, d = person.birth, person.death
    if b and d and b.earliest is not None and d.latest is not None and d.latest < b.earliest:
        return [Warning("death_before_birth", f"{person.name} died before being born.", person.id)]
    return []


def check_parent(parent: Life, child: Life) -> list[Warning]:
    """Checks one parent against one child's birth."""
    out: list[Warning] = []
    cb, pb, pd = child.birth, parent.birth, parent.death
    if cb is None:
        return out
    if pb is not None:
        # Youngest possible parent age: child's earliest birth minus parent's latest birth.
        if cb.latest is not None and pb.earliest is not None:
            oldest = cb.latest - pb.earliest
            if oldest < MIN_PARENT_AGE_YEARS * DAYS_PER_YEAR:
                out.append(
                    Warning(
                        "parent_too_young",
                        f"{parent.name} was at most {max(_years(oldest), 0)} years old "
                        f"when {child.name} was born.",
                        parent.id,
                    )
                )
        if cb.earliest is not None and pb.latest is not None:
            youngest = cb.earliest - pb.latest
            if youngest > MAX_PARENT_AGE_YEARS * DAYS_PER_YEAR:
                out.append(
                    Warning(
                        "parent_too_old",
                        f"{parent.name} was at least {_years(youngest)} years old "
                        f"when {child.name} was born.",
                        parent.id,
                    )
                )
    if pd is not None and pd.latest is not None and cb.earliest is not None:
        gap = cb.earliest - pd.latest
        if gap > MAX_BIRTH_AFTER_PARENT_DEATH_DAYS:
            out.append(
                Warning(
                    "born_after_parent_death",
                    f"{child.name} was born at least {gap} days after {parent.name} died.",
                    parent.id,
                )
            )
    return out


def check_family(person: Life, parents: list[Life], children: list[Life]) -> list[Warning]:
    """Every check that concerns one person: their own dates, and each parent-child pair they are in."""
    out = check_life(person)
    for parent in parents:
        out += check_parent(parent, person)
    for child in children:
        out += check_parent(person, child)
    return out
