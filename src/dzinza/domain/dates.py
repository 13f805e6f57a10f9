"""Genealogical dates: the GEDCOM 5.5.1 / 7.0 date grammar, four calendars, day ranges.

A genealogist rarely knows an exact day. This module reads what GEDCOM files and people
write ("ABT 1900", "BET JAN 1850 AND 1852", "@#DJULIAN@ 11 FEB 1731/32", "(unknown)"),
checks that the date can exist, writes it back in canonical GEDCOM 5.5.1 form, and turns
it into a range of Julian Day Numbers (JDN) so that dates in any calendar can be sorted
and compared.

Grammar decisions, beyond the two specifications:

* Keywords, month names and calendar names are case-insensitive; runs of whitespace are
  one separator. Both 5.5.1 escapes (``@#DJULIAN@``) and 7.0 names (``JULIAN``) are read;
  output always uses the 5.5.1 escape, and omits it for Gregorian.
* ``BC``, ``B.C.`` and ``BCE`` all mark a year before the common era; output uses ``B.C.``.
* A day and month without a year ("13 JAN") is accepted, because people do record a
  birthday whose year is lost. It has no place on the timeline, so its range is open and
  it sorts with the undated values. A month alone ("JAN") is rejected.
* ``INT`` without its phrase is tolerated (5.5.1 requires the phrase).
* Years run from 1 to ``MAX_YEAR``; there is no year 0 in the BC/AD reckoning.
* A dual year may be written "1700/01" or "1700/1701"; it is always written "1700/01".
  With a month, the day lies in the later (modern, January-based) year: 11 FEB 1731/32 is
  February 1732. A bare "1700/01" covers both years.
* In lenient mode, anything the strict parser rejects, including a range whose second
  date ends before the first begins, becomes a phrase holding the text: lenient never
  invents a reading the strict parser would not give.
* French Republican years are sextile (366 days) when ``year % 4 == 3``. That reproduces
  the historical, equinox-based calendar exactly for years I to XIV (the years it was in
  civil use: sextile years III, VII and XI) and extends it arithmetically after that. It
  is not Romme's proposed rule, which would have made IV, VIII and XII sextile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Final

__all__ = [
    "ABOUT_YEARS",
    "CALCULATED_YEARS",
    "ESTIMATED_YEARS",
    "MAX_YEAR",
    "Calendar",
    "DatePart",
    "GenDate",
    "InvalidDate",
    "Qualifier",
    "format_date",
    "gregorian_to_jdn",
    "jdn_to_gregorian",
    "parse_date",
]

# How far an approximate date widens its range, in years on each side. An "about" or
# "estimated" date is usually a guess from an age or a generation; a "calculated" one
# comes from arithmetic on a stated age, which is off by at most a year.
ABOUT_YEARS: Final = 5
ESTIMATED_YEARS: Final = 5
CALCULATED_YEARS: Final = 1

# Larger years are almost always typing mistakes ("19000"), and a bound keeps every JDN
# small enough for the sort key's "undated" sentinel below.
MAX_YEAR: Final = 9999


class Calendar(StrEnum):
    """The calendars GEDCOM names."""

    GREGORIAN = "gregorian"
    JULIAN = "julian"
    HEBREW = "hebrew"
    FRENCH_R = "french_r"


class Qualifier(StrEnum):
    """What a date value says about its date or dates."""

    EXACT = "exact"
    ABOUT = "about"
    CALCULATED = "calculated"
    ESTIMATED = "estimated"
    BEFORE = "before"
    AFTER = "after"
    BETWEEN = "between"
    FROM = "from"
    TO = "to"
    FROM_TO = "from_to"
    INTERPRETED = "interpreted"
    PHRASE = "phrase"


class InvalidDate(ValueError):
    """A date text or date part that cannot be a real date.

    ``reason`` says what is wrong in plain words; ``text`` is the text that was read,
    when the problem came from parsing.
    """

    def __init__(self, reason: str, text: str | None = None) -> None:
        self.reason = reason
        self.text = text
        message = reason if text is None else f'"{text}" is not a valid date: {reason}'
        super().__init__(message)


# --- calendar tables ---------------------------------------------------------------------

_MONTHS: Final[dict[Calendar, tuple[str, ...]]] = {
    Calendar.GREGORIAN: (
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ),
    Calendar.JULIAN: (
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ),
    Calendar.HEBREW: (
        "TSH", "CSH", "KSL", "TVT", "SHV", "ADR", "ADS",
        "NSN", "IYR", "SVN", "TMZ", "AAV", "ELL",
    ),
    Calendar.FRENCH_R: (
        "VEND", "BRUM", "FRIM", "NIVO", "PLUV", "VENT", "GERM",
        "FLOR", "PRAI", "MESS", "THER", "FRUC", "COMP",
    ),
}  # fmt: skip

_CALENDAR_NAMES: Final[dict[Calendar, str]] = {
    Calendar.GREGORIAN: "Gregorian",
    Calendar.JULIAN: "Julian",
    Calendar.HEBREW: "Hebrew",
    Calendar.FRENCH_R: "French Republican",
}

_ESCAPES: Final[dict[Calendar, str]] = {
    Calendar.GREGORIAN: "@#DGREGORIAN@",
    Calendar.JULIAN: "@#DJULIAN@",
    Calendar.HEBREW: "@#DHEBREW@",
    Calendar.FRENCH_R: "@#DFRENCH R@",
}

# Both spellings a file may use: the 5.5.1 escape and the 7.0 calendar name.
_CALENDAR_WORDS: Final[dict[str, Calendar]] = {
    **{escape: calendar for calendar, escape in _ESCAPES.items()},
    "GREGORIAN": Calendar.GREGORIAN,
    "JULIAN": Calendar.JULIAN,
    "HEBREW": Calendar.HEBREW,
    "FRENCH_R": Calendar.FRENCH_R,
}

_SOLAR: Final = frozenset({Calendar.GREGORIAN, Calendar.JULIAN})

_GREGORIAN_MONTH_DAYS: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# Hebrew months (GEDCOM numbering, TSH = 1) whose length never changes.
_HEBREW_FIXED_DAYS: Final[dict[int, int]] = {
    1: 30, 4: 29, 5: 30, 8: 30, 9: 29, 10: 30, 11: 29, 12: 30, 13: 29,
}  # fmt: skip
_CSH, _KSL, _ADR, _ADS = 2, 3, 6, 7
_COMP = 13


# --- Gregorian and Julian ----------------------------------------------------------------
# Both counts shift the year to start in March, so that the leap day is the last day of
# the shifted year and the month lengths before any month follow (153 * m + 2) // 5.
# Years are astronomical (1 BC = 0, 2 BC = -1); floor division keeps that exact.


def _is_gregorian_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _is_julian_leap(year: int) -> bool:
    return year % 4 == 0


def _solar_month_days(calendar: Calendar, year: int, month: int) -> int:
    leap = _is_gregorian_leap(year) if calendar is Calendar.GREGORIAN else _is_julian_leap(year)
    if month == 2 and leap:
        return 29
    return _GREGORIAN_MONTH_DAYS[month - 1]


def _march_based(year: int, month: int, day: int) -> tuple[int, int]:
    """(1-based day within the March-based year, March-based year counted from 4801 BC)."""
    january_or_february = 1 if month <= 2 else 0
    shifted_year = year + 4800 - january_or_february
    shifted_month = month + 12 * january_or_february - 3
    return day + (153 * shifted_month + 2) // 5, shifted_year


def gregorian_to_jdn(year: int, month: int, day: int) -> int:
    """Julian Day Number of a proleptic Gregorian date; ``year`` is astronomical (1 BC = 0)."""
    if not 1 <= month <= 12 or not 1 <= day <= _solar_month_days(Calendar.GREGORIAN, year, month):
        raise InvalidDate(f"{year}-{month:02d}-{day:02d} is not a Gregorian date")
    days, y = _march_based(year, month, day)
    return days + 365 * y + y // 4 - y // 100 + y // 400 - 32045


def _julian_to_jdn(year: int, month: int, day: int) -> int:
    days, y = _march_based(year, month, day)
    return days + 365 * y + y // 4 - 32083


def _from_march_based(days: int, base_year: int) -> tuple[int, int, int]:
    """(year, month, day) of ``days`` counted from a 1 March that starts a 4-year cycle."""
    cycle = (4 * days + 3) // 1461
    day_of_year = days - 1461 * cycle // 4
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 - 12 * (shifted_month // 10)
    year = base_year + cycle - 4800 + shifted_month // 10
    return year, month, day


def jdn_to_gregorian(jdn: int) -> tuple[int, int, int]:
    """Proleptic Gregorian (year, month, day) of a Julian Day Number; the year is astronomical."""
    days = jdn + 32044
    centuries = (4 * days + 3) // 146097
    return _from_march_based(days - 146097 * centuries // 4, 100 * centuries)


def _jdn_to_julian(jdn: int) -> tuple[int, int, int]:
    return _from_march_based(jdn + 32082, 0)


# --- Hebrew ------------------------------------------------------------------------------
# The year starts on 1 Tishrei, fixed from the mean new moon (molad) of Tishrei and four
# postponement rules (dehiyyot). Time is counted in parts: 1080 parts an hour, and the
# Hebrew day starts at 6 pm, so "hour 0" is the evening before the civil day.

_PARTS_PER_HOUR: Final = 1080
_PARTS_PER_DAY: Final = 24 * _PARTS_PER_HOUR
_LUNATION: Final = 29 * _PARTS_PER_DAY + 12 * _PARTS_PER_HOUR + 793
# Molad of Tishrei, year 1 ("BaHaRaD"): Monday, 5 hours, 204 parts, counted from the
# Sunday that starts day 0 of our count.
_MOLAD_YEAR_1: Final = 1 * _PARTS_PER_DAY + 5 * _PARTS_PER_HOUR + 204


def _is_hebrew_leap(year: int) -> bool:
    # Years 3, 6, 8, 11, 14, 17 and 19 of each 19-year cycle have a 13th month.
    return (7 * year + 1) % 19 < 7


def _hebrew_day_of_molad_count(day: int) -> int:
    """JDN of a day of the molad count (day 0 = Sunday before 1 Tishrei of year 1)."""
    return day + _HEBREW_DAY_ZERO


@lru_cache(maxsize=4096)
def _hebrew_new_year(year: int) -> int:
    """JDN of 1 Tishrei of ``year``."""
    # 12 months a year, plus one per leap year before this one.
    months = 12 * (year - 1) + (7 * (year - 1) + 1) // 19
    day, part = divmod(_MOLAD_YEAR_1 + months * _LUNATION, _PARTS_PER_DAY)
    weekday = day % 7  # 0 = Sunday
    if part >= 18 * _PARTS_PER_HOUR:
        # Molad zaken: a new moon at or after noon is too late to be seen that day.
        day += 1
    elif weekday == 2 and part >= 9 * _PARTS_PER_HOUR + 204 and not _is_hebrew_leap(year):
        # GaTaRaD: otherwise this common year would run to 356 days.
        day += 1
    elif weekday == 1 and part >= 15 * _PARTS_PER_HOUR + 589 and _is_hebrew_leap(year - 1):
        # BeTUTaKPaT: otherwise the preceding leap year would be only 382 days.
        day += 1
    if day % 7 in (0, 3, 5):
        # Lo ADU Rosh: keeps Yom Kippur off Friday/Sunday and Hoshana Rabba off Saturday.
        day += 1
    return _hebrew_day_of_molad_count(day)


def _hebrew_year_days(year: int) -> int:
    return _hebrew_new_year(year + 1) - _hebrew_new_year(year)


def _hebrew_month_days(year: int, month: int) -> int:
    if month in _HEBREW_FIXED_DAYS:
        return _HEBREW_FIXED_DAYS[month]
    year_days = _hebrew_year_days(year)
    if month == _CSH:
        # Heshvan gains a day in a "complete" year (355 or 385 days).
        return 30 if year_days % 10 == 5 else 29
    if month == _KSL:
        # Kislev loses a day in a "deficient" year (353 or 383 days).
        return 29 if year_days % 10 == 3 else 30
    if month == _ADR:
        # ADR is Adar (29 days) in a common year and Adar I (30 days) in a leap year.
        return 30 if _is_hebrew_leap(year) else 29
    return 29  # ADS, Adar II, only in leap years


def _hebrew_months(year: int) -> list[int]:
    """GEDCOM month numbers of the months ``year`` has, in order."""
    leap = _is_hebrew_leap(year)
    return [month for month in range(1, 14) if month != _ADS or leap]


def _hebrew_to_jdn(year: int, month: int, day: int) -> int:
    jdn = _hebrew_new_year(year)
    for earlier in _hebrew_months(year):
        if earlier == month:
            break
        jdn += _hebrew_month_days(year, earlier)
    return jdn + day - 1


def _jdn_to_hebrew(jdn: int) -> tuple[int, int, int]:
    # Estimate from the mean year (35975351 / 98496 days), then step to the exact year.
    year = (jdn - _hebrew_new_year(1)) * 98496 // 35975351 + 1
    while _hebrew_new_year(year + 1) <= jdn:
        year += 1
    while _hebrew_new_year(year) > jdn:
        year -= 1
    day = jdn - _hebrew_new_year(year) + 1
    for month in _hebrew_months(year):
        length = _hebrew_month_days(year, month)
        if day <= length:
            return year, month, day
        day -= length
    raise AssertionError("a Hebrew year's months cover the whole year")  # pragma: no cover


# --- French Republican -------------------------------------------------------------------
# Twelve months of 30 days and 5 complementary days (6 in a sextile year); see the module
# docstring for which years are sextile.


def _is_french_sextile(year: int) -> bool:
    return year % 4 == 3


def _french_days_before(year: int) -> int:
    # Sextile years before ``year`` are 3, 7, ..., of which there are year // 4.
    return 365 * (year - 1) + year // 4


def _french_month_days(year: int, month: int) -> int:
    if month == _COMP:
        return 6 if _is_french_sextile(year) else 5
    return 30


def _french_to_jdn(year: int, month: int, day: int) -> int:
    return _FRENCH_EPOCH + _french_days_before(year) + 30 * (month - 1) + day - 1


def _jdn_to_french(jdn: int) -> tuple[int, int, int]:
    days = jdn - _FRENCH_EPOCH
    year = 4 * days // 1461 + 1
    while _french_days_before(year + 1) <= days:
        year += 1
    while _french_days_before(year) > days:
        year -= 1
    day_of_year = days - _french_days_before(year)
    return year, day_of_year // 30 + 1, day_of_year % 30 + 1


# Anchors, computed from the other calendars so that they can be checked by reading:
# 1 Tishrei AM 1 was Monday 7 October 3761 BC (Julian), and 1 Vendemiaire I was
# 22 September 1792 (Gregorian), the first day of the Republic.
_HEBREW_DAY_ZERO: Final = _julian_to_jdn(-3760, 10, 7) - 1
_FRENCH_EPOCH: Final = gregorian_to_jdn(1792, 9, 22)


# --- date parts --------------------------------------------------------------------------


def _month_name(calendar: Calendar, month: int) -> str:
    return _MONTHS[calendar][month - 1]


def _max_month_days(calendar: Calendar, month: int) -> int:
    """The most days ``month`` has in any year, for a date that has no year."""
    if calendar in _SOLAR:
        return 29 if month == 2 else _GREGORIAN_MONTH_DAYS[month - 1]
    if calendar is Calendar.HEBREW:
        # Heshvan, Kislev and Adar (I) reach 30 days in some years; Adar II never does.
        return _HEBREW_FIXED_DAYS.get(month, 29 if month == _ADS else 30)
    return 6 if month == _COMP else 30


@dataclass(frozen=True)
class DatePart:
    """One calendar date, possibly only a month or a year.

    ``year`` is as written (44 with ``bce`` for 44 BC). ``month`` is the 1-based month in
    its calendar (Hebrew TSH = 1 .. ELL = 13, French COMP = 13). ``dual_year`` is the year
    after the slash in "1700/01", stored whole (1701). Construction checks that the date
    exists and raises `InvalidDate` otherwise.
    """

    calendar: Calendar
    year: int | None
    month: int | None = None
    day: int | None = None
    dual_year: int | None = None
    bce: bool = False

    def __post_init__(self) -> None:
        _check_part(self)

    def _astronomical_year(self, year: int) -> int:
        return 1 - year if self.bce else year

    def _bounds(self) -> tuple[int, int] | None:
        """First and last JDN the part can mean; None when it has no year."""
        if self.year is None:
            return None
        calendar, month, day = self.calendar, self.month, self.day
        if calendar in _SOLAR:
            to_jdn = gregorian_to_jdn if calendar is Calendar.GREGORIAN else _julian_to_jdn
            first_year = self._astronomical_year(self.year)
            last_year = self.dual_year if self.dual_year is not None else first_year
            if month is None:
                return to_jdn(first_year, 1, 1), to_jdn(last_year, 12, 31)
            # A dual-dated day or month lies in the later, January-based year.
            first_day = to_jdn(last_year, month, day or 1)
            if day is not None:
                return first_day, first_day
            return first_day, first_day + _solar_month_days(calendar, last_year, month) - 1
        if calendar is Calendar.HEBREW:
            if month is None:
                return _hebrew_new_year(self.year), _hebrew_new_year(self.year + 1) - 1
            first_day = _hebrew_to_jdn(self.year, month, day or 1)
            length = 1 if day is not None else _hebrew_month_days(self.year, month)
            return first_day, first_day + length - 1
        if month is None:
            return _french_to_jdn(self.year, 1, 1), _french_to_jdn(self.year + 1, 1, 1) - 1
        first_day = _french_to_jdn(self.year, month, day or 1)
        length = 1 if day is not None else _french_month_days(self.year, month)
        return first_day, first_day + length - 1

    def earliest(self) -> int | None:
        """JDN of the first day this part can mean, or None without a year."""
        bounds = self._bounds()
        return None if bounds is None else bounds[0]

    def latest(self) -> int | None:
        """JDN of the last day this part can mean, or None without a year."""
        bounds = self._bounds()
        return None if bounds is None else bounds[1]

    def __str__(self) -> str:
        return _format_part(self)


def _check_part(part: DatePart) -> None:
    """Raise `InvalidDate` unless ``part`` names a date that exists."""
    calendar, year, month, day = part.calendar, part.year, part.month, part.day
    name = _CALENDAR_NAMES[calendar]
    solar = calendar in _SOLAR
    if year is None:
        if month is None or day is None:
            raise InvalidDate("a date without a year needs both a day and a month")
        if part.bce or part.dual_year is not None:
            raise InvalidDate("B.C. and dual years need a year")
    elif year == 0:
        raise InvalidDate(
            "there is no year 0 (1 B.C. is followed by 1)" if solar else f"{name} years start at 1"
        )
    elif not 1 <= year <= MAX_YEAR:
        raise InvalidDate(f"years must be between 1 and {MAX_YEAR}, not {year}")
    if part.bce and not solar:
        raise InvalidDate(f"B.C. is only used with Gregorian or Julian dates, not {name} ones")
    if part.dual_year is not None:
        if not solar:
            raise InvalidDate(
                f"a dual year like 1700/01 is only used with Gregorian or Julian dates, "
                f"not {name} ones"
            )
        if part.bce:
            raise InvalidDate("a dual year cannot be B.C.")
        if year is not None and part.dual_year != year + 1:
            raise InvalidDate(
                f"the year after the slash must be the next year: {year}/{(year + 1) % 100:02d}"
            )
    if month is None:
        if day is not None:
            raise InvalidDate("a day needs a month")
        return
    months = _MONTHS[calendar]
    if not 1 <= month <= len(months):
        raise InvalidDate(f"the {name} calendar has no month {month}")
    if calendar is Calendar.HEBREW and month == _ADS and year and not _is_hebrew_leap(year):
        raise InvalidDate(f"ADS (Adar II) exists only in leap years, and {year} is not one")
    if day is None:
        return
    if year is None:
        most = _max_month_days(calendar, month)
    elif solar:
        modern_year = part.dual_year if part.dual_year is not None else year
        most = _solar_month_days(calendar, part._astronomical_year(modern_year), month)
    elif calendar is Calendar.HEBREW:
        most = _hebrew_month_days(year, month)
    else:
        most = _french_month_days(year, month)
    if not 1 <= day <= most:
        # Name the month as written, without the calendar escape the user need not repeat.
        when = _format_part(part, with_calendar=False, with_day=False)
        if day < 1:
            raise InvalidDate(f"days start at 1, not {day}")
        if year is None:
            raise InvalidDate(f"{when} never has more than {most} days in the {name} calendar")
        raise InvalidDate(f"{when} has only {most} days in the {name} calendar, not {day}")


def _format_part(part: DatePart, *, with_calendar: bool = True, with_day: bool = True) -> str:
    words: list[str] = []
    if with_calendar and part.calendar is not Calendar.GREGORIAN:
        words.append(_ESCAPES[part.calendar])
    if with_day and part.day is not None:
        words.append(str(part.day))
    if part.month is not None:
        words.append(_month_name(part.calendar, part.month))
    if part.year is not None:
        year = str(part.year)
        if part.dual_year is not None:
            year += f"/{part.dual_year % 100:02d}"
        words.append(year)
        if part.bce:
            words.append("B.C.")
    return " ".join(words)


# --- date values -------------------------------------------------------------------------

_TWO_DATES: Final = frozenset({Qualifier.BETWEEN, Qualifier.FROM_TO})
_WIDEN_YEARS: Final[dict[Qualifier, int]] = {
    Qualifier.ABOUT: ABOUT_YEARS,
    Qualifier.ESTIMATED: ESTIMATED_YEARS,
    Qualifier.CALCULATED: CALCULATED_YEARS,
}
# Breaks ties between values covering the same days: a bound before a date, then the
# date itself, then a bound after it; phrases last.
_RANK: Final[dict[Qualifier, int]] = {
    Qualifier.BEFORE: 0,
    Qualifier.TO: 1,
    Qualifier.EXACT: 2,
    Qualifier.INTERPRETED: 3,
    Qualifier.CALCULATED: 4,
    Qualifier.ABOUT: 5,
    Qualifier.ESTIMATED: 6,
    Qualifier.BETWEEN: 7,
    Qualifier.FROM_TO: 8,
    Qualifier.FROM: 9,
    Qualifier.AFTER: 10,
    Qualifier.PHRASE: 11,
}
# Larger than any JDN a DatePart can produce, so undated values sort after dated ones.
_UNDATED: Final = 2**62


def _shift_years(jdn: int, years: int) -> int:
    """The same calendar day ``years`` later (earlier if negative); 29 FEB becomes 28 FEB."""
    year, month, day = jdn_to_gregorian(jdn)
    year += years
    day = min(day, _solar_month_days(Calendar.GREGORIAN, year, month))
    return gregorian_to_jdn(year, month, day)


@dataclass(frozen=True)
class GenDate:
    """A GEDCOM date value: a qualifier with one or two dates, or a phrase.

    Equality compares the fields; ordering (<, <=, >, >=) compares `sort_key`, so two
    different values may be neither smaller nor larger than each other.
    """

    qualifier: Qualifier
    start: DatePart | None = None
    end: DatePart | None = None
    phrase: str | None = None

    def __post_init__(self) -> None:
        # Reject shapes no date text could have, so that every value can be written out.
        qualifier = self.qualifier
        if qualifier is Qualifier.PHRASE:
            if self.phrase is None or self.start is not None or self.end is not None:
                raise ValueError("a PHRASE date has a phrase and no dates")
            return
        if self.start is None:
            raise ValueError(f"a {qualifier} date needs a start date")
        if (self.end is not None) != (qualifier in _TWO_DATES):
            raise ValueError(f"a {qualifier} date has the wrong number of dates")
        if self.phrase is not None and qualifier is not Qualifier.INTERPRETED:
            raise ValueError(f"a {qualifier} date has no phrase")

    def earliest(self) -> int | None:
        """JDN of the first day the value allows; None if unbounded or unknown."""
        start, qualifier = self.start, self.qualifier
        if start is None or qualifier in (Qualifier.BEFORE, Qualifier.TO):
            return None
        if qualifier is Qualifier.AFTER:
            last = start.latest()
            return None if last is None else last + 1
        first = start.earliest()
        if first is not None and qualifier in _WIDEN_YEARS:
            return _shift_years(first, -_WIDEN_YEARS[qualifier])
        return first

    def latest(self) -> int | None:
        """JDN of the last day the value allows; None if unbounded or unknown."""
        start, qualifier = self.start, self.qualifier
        if start is None or qualifier in (Qualifier.AFTER, Qualifier.FROM):
            return None
        if qualifier is Qualifier.BEFORE:
            first = start.earliest()
            return None if first is None else first - 1
        if self.end is not None:
            return self.end.latest()
        last = start.latest()
        if last is not None and qualifier in _WIDEN_YEARS:
            return _shift_years(last, _WIDEN_YEARS[qualifier])
        return last

    def sort_key(self) -> tuple[int, int, int]:
        """Key for a total order: by day range, undated values (phrases) last."""
        earliest, latest = self.earliest(), self.latest()
        rank = _RANK[self.qualifier]
        if earliest is None:
            if latest is None:
                return _UNDATED, _UNDATED, rank
            return latest, latest, rank
        return earliest, earliest if latest is None else latest, rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, GenDate):
            return NotImplemented
        return self.sort_key() < other.sort_key()

    def __le__(self, other: object) -> bool:
        if not isinstance(other, GenDate):
            return NotImplemented
        return self.sort_key() <= other.sort_key()

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, GenDate):
            return NotImplemented
        return self.sort_key() > other.sort_key()

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, GenDate):
            return NotImplemented
        return self.sort_key() >= other.sort_key()

    @property
    def is_exact(self) -> bool:
        """True for a plain date naming one whole day (day, month and year)."""
        start = self.start
        return (
            self.qualifier is Qualifier.EXACT
            and start is not None
            and start.day is not None
            and start.year is not None
        )

    def __str__(self) -> str:
        return format_date(self)


_PREFIX: Final[dict[Qualifier, str]] = {
    Qualifier.ABOUT: "ABT",
    Qualifier.CALCULATED: "CAL",
    Qualifier.ESTIMATED: "EST",
    Qualifier.BEFORE: "BEF",
    Qualifier.AFTER: "AFT",
    Qualifier.FROM: "FROM",
    Qualifier.TO: "TO",
}
_KEYWORD_QUALIFIER: Final[dict[str, Qualifier]] = {
    word: qualifier for qualifier, word in _PREFIX.items() if qualifier is not Qualifier.FROM
}


def format_date(d: GenDate) -> str:
    """The canonical GEDCOM 5.5.1 text of ``d``."""
    qualifier = d.qualifier
    if qualifier is Qualifier.PHRASE:
        return f"({d.phrase})"
    assert d.start is not None  # guaranteed by GenDate.__post_init__
    start = _format_part(d.start)
    if qualifier is Qualifier.EXACT:
        return start
    if qualifier is Qualifier.INTERPRETED:
        return f"INT {start}" if d.phrase is None else f"INT {start} ({d.phrase})"
    if d.end is not None:
        end = _format_part(d.end)
        if qualifier is Qualifier.BETWEEN:
            return f"BET {start} AND {end}"
        return f"FROM {start} TO {end}"
    return f"{_PREFIX[qualifier]} {start}"


# --- parsing -----------------------------------------------------------------------------

# A calendar escape may contain a space ("@#DFRENCH R@"), so it is one token on its own.
_TOKEN: Final = re.compile(r"@#D[^@]*@|\S+", re.IGNORECASE)
_DAY: Final = re.compile(r"[0-9]{1,2}")
_YEAR: Final = re.compile(r"([0-9]+)(?:/([0-9]+))?")
_BCE_WORDS: Final = frozenset({"BC", "BCE"})
# More digits than this cannot be a supported year; checked before int() so that a huge
# number cannot hit Python's integer-string conversion limit.
_YEAR_DIGITS: Final = len(str(MAX_YEAR))


def parse_date(text: str, *, lenient: bool = False) -> GenDate:
    """Read a GEDCOM date value.

    Strict (the default) raises `InvalidDate` for text that is not a valid date. Lenient
    never raises: such text becomes a PHRASE holding the text, stripped of outer spaces.
    """
    try:
        return _parse_value(text)
    except InvalidDate as error:
        if lenient:
            return GenDate(Qualifier.PHRASE, phrase=text.strip())
        raise InvalidDate(error.reason, text) from None


def _parse_value(text: str) -> GenDate:
    stripped = text.strip()
    if not stripped:
        raise InvalidDate("it is empty")
    if len(stripped) >= 2 and stripped[0] == "(" and stripped[-1] == ")":
        return GenDate(Qualifier.PHRASE, phrase=stripped[1:-1].strip())
    tokens = _TOKEN.findall(stripped)
    head = tokens[0].upper()
    if head == "INT":
        return _parse_interpreted(stripped[len(tokens[0]) :])
    if head in _KEYWORD_QUALIFIER:
        qualifier = _KEYWORD_QUALIFIER[head]
        return GenDate(qualifier, _parse_part(tokens[1:], f"after {head}"))
    if head == "BET":
        first, second = _split(tokens[1:], "AND")
        if second is None:
            raise InvalidDate("BET needs two dates joined by AND, as in BET 1900 AND 1910")
        return _range(Qualifier.BETWEEN, first, second, "BET", "AND")
    if head == "FROM":
        first, second = _split(tokens[1:], "TO")
        if second is None:
            return GenDate(Qualifier.FROM, _parse_part(first, "after FROM"))
        return _range(Qualifier.FROM_TO, first, second, "FROM", "TO")
    return GenDate(Qualifier.EXACT, _parse_part(tokens, ""))


def _parse_interpreted(rest: str) -> GenDate:
    # The phrase is everything from the first "(": a date never contains one.
    open_at = rest.find("(")
    date_text, phrase = (rest, None) if open_at < 0 else (rest[:open_at], rest[open_at:].strip())
    if phrase is not None:
        if not phrase.endswith(")"):
            raise InvalidDate("the phrase after INT must be in parentheses, as in (text)")
        phrase = phrase[1:-1].strip()
    return GenDate(
        Qualifier.INTERPRETED, _parse_part(_TOKEN.findall(date_text), "after INT"), phrase=phrase
    )


def _split(tokens: list[str], word: str) -> tuple[list[str], list[str] | None]:
    upper = [token.upper() for token in tokens]
    if word not in upper:
        return tokens, None
    at = upper.index(word)
    return tokens[:at], tokens[at + 1 :]


def _range(
    qualifier: Qualifier, first: list[str], second: list[str], opener: str, joiner: str
) -> GenDate:
    start = _parse_part(first, f"after {opener}")
    end = _parse_part(second, f"after {joiner}")
    begins, ends = start.earliest(), end.latest()
    if begins is not None and ends is not None and ends < begins:
        raise InvalidDate(
            f"the second date ({_format_part(end)}) ends before the first "
            f"({_format_part(start)}) begins; swap them"
        )
    return GenDate(qualifier, start, end)


def _parse_part(tokens: list[str], where: str) -> DatePart:
    """Read [calendar] [[day] month] year [B.C.], or day month without a year."""
    missing = f"a date is missing {where}".rstrip()
    if not tokens:
        raise InvalidDate(missing)
    written = " ".join(tokens)
    calendar = Calendar.GREGORIAN
    word = " ".join(tokens[0].upper().split())
    if word in _CALENDAR_WORDS:
        calendar = _CALENDAR_WORDS[word]
        tokens = tokens[1:]
    elif word.startswith("@#D"):
        raise InvalidDate(f"{tokens[0]} is not a calendar I know")
    bce = False
    if tokens and tokens[-1].upper().replace(".", "") in _BCE_WORDS:
        bce = True
        tokens = tokens[:-1]
    if not tokens:
        raise InvalidDate(missing)
    year: int | None = None
    dual_year: int | None = None
    year_match = _YEAR.fullmatch(tokens[-1])
    if year_match is not None:
        year, dual_year = _parse_year(year_match)
        tokens = tokens[:-1]
    if len(tokens) > 2:
        raise InvalidDate(f'"{written}" has more words than one date can have')
    month = _parse_month(tokens[-1], calendar) if tokens else None
    day = _parse_day(tokens[0]) if len(tokens) == 2 else None
    if year is None and day is None:
        raise InvalidDate("a date needs a year; only a day and a month may stand without one")
    return DatePart(calendar, year, month, day, dual_year, bce)


def _parse_year(match: re.Match[str]) -> tuple[int, int | None]:
    digits, dual_digits = match.group(1), match.group(2)
    if len(digits.lstrip("0")) > _YEAR_DIGITS:
        raise InvalidDate(f"years must be between 1 and {MAX_YEAR}, not {digits}")
    year = int(digits)
    if dual_digits is None:
        return year, None
    next_year = year + 1
    if len(dual_digits) == 2 and int(dual_digits) == next_year % 100:
        return year, next_year
    if dual_digits == str(next_year):
        return year, next_year
    raise InvalidDate(
        f"in {digits}/{dual_digits}, the year after the slash must be the next year, "
        f"as in {year}/{next_year % 100:02d}"
    )


def _parse_day(token: str) -> int:
    if _DAY.fullmatch(token) is None:
        raise InvalidDate(f'"{token}" is not a day of the month')
    return int(token)


def _parse_month(token: str, calendar: Calendar) -> int:
    word = token.upper()
    months = _MONTHS[calendar]
    if word in months:
        return months.index(word) + 1
    for other, names in _MONTHS.items():
        if word in names:
            escape = _ESCAPES[other]
            raise InvalidDate(
                f"{word} is a {_CALENDAR_NAMES[other]} month, but this date is in the "
                f"{_CALENDAR_NAMES[calendar]} calendar; write {escape} before the date"
            )
    raise InvalidDate(f'"{token}" is not a month or a date keyword')
