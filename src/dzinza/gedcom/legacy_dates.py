"""``DATE`` and ``AGE`` values: GEDCOM 5.5.x wording to 7.0 and back.

5.x to 7.0 (``to_seven_date``, ``to_seven_age``) gives a value and a phrase. The phrase holds
the original words whenever the 7.0 value alone would lose something:

- ``(text)`` becomes an empty date with the text as phrase; ``INT date (text)`` the date with
  the text as phrase;
- a dual year (``1699/00``) keeps its first year (a year alone becomes ``BET 1699 AND 1700``)
  and the original words;
- ``B.C.`` is ``BCE``; it is dropped, with the words kept, in calendars without eras;
- calendar escapes (``@#DJULIAN@``) become calendar names; ``ROMAN`` and ``UNKNOWN``, which
  7.0 does not have, become the extension calendars ``_ROMAN`` and ``_UNKNOWN``;
- common misspellings (``Abt.``, ``about``, ``January``) are read, with the words kept;
- anything else that does not read as a date is an empty date with the text as phrase.

Keywords and month names are read in any case; that alone keeps no phrase. No check is made
that a day exists in its month: a converter keeps what it was given.

7.0 to 5.5.1 (``to_legacy_date``, ``to_legacy_age``) writes the value the 5.5.1 way and puts
the phrase into the value (``INT date (phrase)``, ``(phrase)``, ``CHILD``...) when reading it
back gives the same value and phrase; otherwise the phrase is handed back to the caller.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final, NamedTuple

from dzinza.gedcom.legacy_values import escape_text, unescape_text

# fmt: off
_GREGORIAN_MONTHS: Final = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
                            "NOV", "DEC")
MONTHS: Final[dict[str, frozenset[str]]] = {
    "GREGORIAN": frozenset(_GREGORIAN_MONTHS),
    "JULIAN": frozenset(_GREGORIAN_MONTHS),
    "HEBREW": frozenset(("TSH", "CSH", "KSL", "TVT", "SHV", "ADR", "ADS", "NSN", "IYR", "SVN",
                         "TMZ", "AAV", "ELL")),
    "FRENCH_R": frozenset(("VEND", "BRUM", "FRIM", "NIVO", "PLUV", "VENT", "GERM", "FLOR", "PRAI",
                           "MESS", "THER", "FRUC", "COMP")),
}
# fmt: on
_ERAS: Final = frozenset({"GREGORIAN", "JULIAN"})
"""Calendars with a BCE epoch; an extension calendar is trusted to have one too."""

# 5.x calendar names (in an escape or bare) to 7.0 names.
CALENDARS: Final[dict[str, str]] = {
    "GREGORIAN": "GREGORIAN",
    "JULIAN": "JULIAN",
    "HEBREW": "HEBREW",
    "FRENCH_R": "FRENCH_R",
    "FRENCH R": "FRENCH_R",
    "ROMAN": "_ROMAN",
    "UNKNOWN": "_UNKNOWN",
}
_LEGACY_CALENDARS: Final = {
    "GREGORIAN": "@#DGREGORIAN@",
    "JULIAN": "@#DJULIAN@",
    "HEBREW": "@#DHEBREW@",
    "FRENCH_R": "@#DFRENCH R@",
    "_ROMAN": "@#DROMAN@",
    "_UNKNOWN": "@#DUNKNOWN@",
}

_APPROX: Final = frozenset({"ABT", "CAL", "EST"})
_SINGLE: Final = frozenset({"BEF", "AFT", "TO"}) | _APPROX
# Misspellings met in real files: the keyword they mean (the words are kept as a phrase).
# fmt: off
_KEYWORD_SYNONYMS: Final = {
    "ABT.": "ABT", "ABOUT": "ABT", "CIRCA": "ABT", "CA": "ABT", "CA.": "ABT", "C.": "ABT",
    "BEF.": "BEF", "BEFORE": "BEF", "AFT.": "AFT", "AFTER": "AFT",
    "BET.": "BET", "BETWEEN": "BET", "EST.": "EST", "ESTIMATED": "EST",
    "CAL.": "CAL", "CALCULATED": "CAL",
}
_MONTH_SYNONYMS: Final = {
    "JANUARY": "JAN", "FEBRUARY": "FEB", "MARCH": "MAR", "APRIL": "APR", "JUNE": "JUN",
    "JULY": "JUL", "AUGUST": "AUG", "SEPT": "SEP", "SEPTEMBER": "SEP", "OCTOBER": "OCT",
    "NOVEMBER": "NOV", "DECEMBER": "DEC",
}
# fmt: on
_BC: Final = frozenset({"B.C.", "BC", "B.C", "BCE", "B.C.E."})


class _Date(NamedTuple):
    calendar: str | None
    day: str | None
    month: str | None
    year: str
    dual: str | None
    epoch: str | None
    """``BCE`` or an extension epoch (``_X``)."""


class _Reading:
    """One date value being read: ``lossy`` is set by anything the 7.0 value cannot show."""

    def __init__(self) -> None:
        self.lossy = False

    def date(self, tokens: list[str]) -> _Date | None:
        if not tokens:
            return None
        calendar = None
        first = tokens[0]
        if first in CALENDARS:
            calendar = CALENDARS[first]
            tokens = tokens[1:]
        elif first[0] == "_" and len(tokens) > 1:
            calendar = first
            tokens = tokens[1:]
        epoch = None
        if len(tokens) > 1 and (tokens[-1] in _BC or tokens[-1][0] == "_"):
            epoch = "BCE" if tokens[-1] in _BC else tokens[-1]
            tokens = tokens[:-1]
        if not tokens or len(tokens) > 3:
            return None
        year, dual = self.year(tokens[-1])
        if year is None:
            return None
        day = month = None
        if len(tokens) >= 2:
            month = self.month(tokens[-2], calendar)
            if month is None:
                return None
        if len(tokens) == 3:
            if not tokens[0].isdigit() or len(tokens[0]) > 2:
                return None
            day = str(int(tokens[0]))
        if epoch == "BCE" and calendar in MONTHS and calendar not in _ERAS:
            epoch = None  # Hebrew and French dates have no era before their epoch
            self.lossy = True
        return _Date(calendar, day, month, year, dual, epoch)

    def year(self, token: str) -> tuple[str | None, str | None]:
        if token.isdigit():
            return token, None
        first, slash, second = token.partition("/")
        if slash and first.isdigit() and second.isdigit():
            self.lossy = True
            return first, second
        return None, None

    def month(self, token: str, calendar: str | None) -> str | None:
        known = MONTHS.get(calendar or "GREGORIAN")
        if known is None:  # an extension calendar: its months are its own
            return token if token[0] == "_" or token.isalpha() else None
        if token in known or token[0] == "_":  # 7.0 allows extension months anywhere
            return token
        meant = (
            _MONTH_SYNONYMS.get(token.rstrip("."))
            if calendar in (None, "GREGORIAN", "JULIAN")
            else None
        )
        if meant is not None:
            self.lossy = True
        return meant


def _render(d: _Date) -> str:
    parts = [p for p in (d.calendar, d.day, d.month, d.year) if p]
    if d.epoch:
        parts.append(d.epoch)
    return " ".join(parts)


def _second_of_dual(year: str, dual: str) -> str:
    """The later year of a dual year: the next year after ``year`` ending in ``dual``."""
    step = 10 ** len(dual)
    first = int(year)
    later = first - first % step + int(dual)
    if later <= first:
        later += step
    return str(later)


def _calendar(name: str) -> str:
    """The 7.0 name of a calendar in a 5.x escape: unknown ones become extension calendars."""
    known = CALENDARS.get(name)
    if known is not None:
        return known
    return name.replace(" ", "_") if name[:1] == "_" else "_" + name.replace(" ", "_")


def _tokens(raw: str) -> list[str]:
    """Upper-case words, with each ``@#D<name>@`` escape as one word (its 7.0 name)."""
    text = raw
    if "@#D" in text:
        out: list[str] = []
        i = 0
        while True:
            j = text.find("@#D", i)
            k = text.find("@", j + 3) if j >= 0 else -1
            if k < 0:
                out.append(text[i:])
                break
            name = text[j + 3 : k].strip().upper()
            out.append(f"{text[i:j]} {_calendar(name)} ")
            i = k + 1
        text = "".join(out)
    return text.upper().split()


@lru_cache(maxsize=4096)  # files repeat their dates ("1920", "ABT 1850") many times
def to_seven_date(raw: str) -> tuple[str, str | None]:
    """A 5.x ``DATE`` value (raw, escapes and all) as a 7.0 value and phrase."""
    text = raw.strip()
    if not text:
        return "", None
    if text[0] == "(":
        inner = text[1:-1] if text[-1] == ")" else text[1:]
        return "", unescape_text(inner.strip())
    words = _tokens(text)
    if words[0] == "INT":
        opening = text.find("(")
        said = text[opening + 1 :].removesuffix(")").strip() if opening >= 0 else ""
        reading = _Reading()
        value = _value(
            reading, _tokens(text[:opening])[1:] if opening >= 0 else words[1:], dual_range=False
        )
        if value is None or not value:
            return "", unescape_text(text)
        if reading.lossy or not said:
            return value, unescape_text(text)
        return value, unescape_text(said)
    reading = _Reading()
    value = _value(reading, words)
    if value is None:
        return "", unescape_text(text)
    return value, unescape_text(text) if reading.lossy else None


def _value(reading: _Reading, words: list[str], *, dual_range: bool = True) -> str | None:
    if not words:
        return ""
    head = words[0]
    if head in _KEYWORD_SYNONYMS:
        reading.lossy = True
        head = _KEYWORD_SYNONYMS[head]
    rest = words[1:]
    if head in _SINGLE:
        d = reading.date(rest)
        return None if d is None else f"{head} {_render(d)}"
    if head in ("BET", "FROM"):
        joint = "AND" if head == "BET" else "TO"
        if joint in rest:
            at = rest.index(joint)
            a, b = reading.date(rest[:at]), reading.date(rest[at + 1 :])
            if a is None or b is None:
                return None
            return f"{head} {_render(a)} {joint} {_render(b)}"
        if head == "BET":
            return None
        d = reading.date(rest)
        return None if d is None else f"FROM {_render(d)}"
    d = reading.date(words)
    if d is None:
        return None
    if dual_range and d.dual is not None and d.month is None and not d.epoch:
        # A year alone that is dual: the event lies in one of the two years.
        later = d._replace(year=_second_of_dual(d.year, d.dual))
        return f"BET {_render(d)} AND {_render(later)}"
    return _render(d)


def to_legacy_date(value: str, phrase: str | None) -> tuple[str, str | None]:
    """A 7.0 ``DATE`` value and phrase as a raw 5.5.1 value, and the phrase if it did not fit."""
    raw = _legacy_value(value)
    if phrase is None:
        return raw, None
    if "\n" not in phrase and "\r" not in phrase:
        said = escape_text(phrase)
        if not value:
            candidate = f"({said})"
        elif value.split(maxsplit=1)[0] not in _SINGLE | {"BET", "FROM"}:
            candidate = f"INT {raw} ({said})"
        else:
            candidate = ""
        if candidate and to_seven_date(candidate) == (value, phrase):
            return candidate, None
    return raw, phrase


def _legacy_value(value: str) -> str:
    out: list[str] = []
    starts = True  # the next word may be a calendar
    for word in value.split():
        if starts and (word in _LEGACY_CALENDARS or word[0] == "_"):
            out.append(_LEGACY_CALENDARS.get(word) or f"@#D{word}@")
            starts = False
            continue
        starts = word in _SINGLE or word in ("BET", "AND", "FROM")
        out.append("B.C." if word == "BCE" else escape_text(word))
    return " ".join(out)


# --- AGE ---------------------------------------------------------------------------------

# 5.5.1's age words and the 7.0 ages the migration guide gives them.
AGE_WORDS: Final = {"CHILD": "< 8y", "INFANT": "< 1y", "STILLBORN": "0y"}
_AGE: Final = re.compile(
    r"([<>])?\s*(?:(\d+)\s*y)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*w)?\s*(?:(\d+)\s*d)?", re.IGNORECASE
)


@lru_cache(maxsize=1024)
def to_seven_age(raw: str) -> tuple[str, str | None]:
    """A 5.x ``AGE`` value as a 7.0 value and phrase (the age words, or unreadable text)."""
    text = raw.strip()
    if not text:
        return "", None
    word = AGE_WORDS.get(text.upper())
    if word is not None:
        return word, text
    if text.isdigit():  # a number alone is a count of years
        return f"{text}y", None
    match = _AGE.fullmatch(text)
    if match is None or not any(match.groups()[1:]):
        return "", text
    bound, years, months, weeks, days = match.groups()
    parts = [
        f"{n}{unit}" for n, unit in ((years, "y"), (months, "m"), (weeks, "w"), (days, "d")) if n
    ]
    if bound:
        parts.insert(0, bound)
    return " ".join(parts), None


def to_legacy_age(value: str, phrase: str | None) -> tuple[str, str | None]:
    """A 7.0 ``AGE`` and phrase as a 5.5.1 value, and the phrase if it did not fit."""
    raw = value.replace("< ", "<").replace("> ", ">")
    if phrase is None:
        return raw, None
    if "\n" not in phrase and to_seven_age(phrase) == (value, phrase):
        return phrase, None
    return raw, phrase
