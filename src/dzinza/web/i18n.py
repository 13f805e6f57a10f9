"""The web app's languages: which one a request gets, its gettext catalog, and dates and numbers
written the way that language writes them.

The choice, first that applies: the account's setting, then the language switcher's cookie, then
the browser's Accept-Language, then English. Catalogs are the ``locale/LANG/LC_MESSAGES/
messages.po`` files beside this module, compiled in memory the first time a language is asked
for (so there is no build step and no compiled file to forget). A message a catalog lacks shows
in English; the template tests make sure none is lacking.

Templates use ``{% trans %}`` and ``_()`` (Jinja's i18n extension, new-style: translations are
escaped and take ``%(name)s`` arguments). Python code uses ``gettext``/``ngettext`` here, which
read the language of the request being rendered (a context variable set by ``activate``).
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext as gettext_module
import io
from contextvars import ContextVar
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from dzinza.domain.dates import Calendar, DatePart, GenDate, InvalidDate, Qualifier, parse_date
from dzinza.domain.errors import Said
from dzinza.domain.languages import DEFAULT_LANGUAGE, LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGE_COOKIE = "dzinza_lang"

_current: ContextVar[str] = ContextVar("dzinza_language", default=DEFAULT_LANGUAGE)


@functools.cache
def catalog(language: str) -> gettext_module.NullTranslations:
    """The compiled catalog of one language (English: the messages as written)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not path.exists():
        return gettext_module.NullTranslations()
    with path.open("rb") as po:
        messages = read_po(po, locale=language)
    compiled = io.BytesIO()
    # Fuzzy entries are guesses awaiting review: English is better than a wrong sentence.
    write_mo(compiled, messages, use_fuzzy=False)
    compiled.seek(0)
    return gettext_module.GNUTranslations(compiled)


def accepted(header: str | None) -> list[str]:
    """The languages of an Accept-Language header, most wanted first (q=0 left out)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def choose(account: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The language of a page (see the module's docstring for the order)."""
    for wanted in (account, cookie):
        if wanted in LANGUAGES:
            return wanted
    for tag in accepted(accept_language):
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def activate(language: str) -> str:
    """Makes ``language`` the one that ``gettext`` and the templates speak in this context."""
    chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
    _current.set(chosen)
    return chosen


def current() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return catalog(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return catalog(_current.get()).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    return catalog(_current.get()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, count: int) -> str:
    return catalog(_current.get()).npgettext(context, singular, plural, count)


def _(message: str) -> str:
    """Marks a message for extraction and translates it now (for messages built at request
    time). Module-level constants use ``N_`` and are translated where they are shown."""
    return gettext(message)


def N_(message: str) -> str:
    """Marks a message for extraction without translating it (it is translated when shown)."""
    return message


def say(text: str) -> str:
    """A service's message in the current language: a constant one through the catalog, one
    made with ``said`` (domain/errors.py) from its translated template, its numbers and dates
    written as the language writes them. A message the catalogs do not know stays English."""
    if not isinstance(text, Said):
        return gettext(text)
    values: dict[str, object] = {}
    for key, value in text.values.items():
        if isinstance(value, bool):
            values[key] = value
        elif isinstance(value, int | float):
            values[key] = number(value)
        elif isinstance(value, dt.date):
            values[key] = date(value.date() if isinstance(value, dt.datetime) else value)
        elif isinstance(value, Said):  # a part marked for translation; plain text is data
            values[key] = say(value)
        else:
            values[key] = value
    try:
        return gettext(text.template) % values
    except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder
        return str.__str__(text)


def number(value: int | float) -> str:
    """A number as the current language writes it (grouping and decimal marks)."""
    return format_decimal(value, locale=_current.get())


def date(value: dt.date | str | None, style: str = "medium") -> str:
    """A calendar date, an ISO date string or a genealogical date ("ABT MAR 1890") in the
    current language; '' for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return genealogical_date(value, style)
        return format_date(day, style, locale=_current.get())
    return format_date(value, style, locale=_current.get())


QUALIFIED = {
    Qualifier.ABOUT: N_("about %(date)s"),
    Qualifier.CALCULATED: N_("calculated %(date)s"),
    Qualifier.ESTIMATED: N_("estimated %(date)s"),
    Qualifier.BEFORE: N_("before %(date)s"),
    Qualifier.AFTER: N_("after %(date)s"),
    Qualifier.FROM: N_("from %(date)s"),
    Qualifier.TO: N_("until %(date)s"),
}


def genealogical_date(text: str, style: str = "medium") -> str:
    """A GEDCOM date value written the current language's way: month names and word order
    from CLDR, the qualifiers (about, before, between ... and ...) translated. Dates of the
    Hebrew and French Republican calendars, and text that is not a date, are shown as written."""
    try:
        value = parse_date(text, lenient=True)
    except InvalidDate:
        return text
    return _written(value, style) or text


def _written(value: GenDate, style: str) -> str | None:
    if value.qualifier is Qualifier.PHRASE:
        return value.phrase
    if value.start is None:
        return None
    start = _part(value.start, style)
    end = _part(value.end, style) if value.end is not None else None
    if start is None or (value.end is not None and end is None):
        return None
    if value.qualifier is Qualifier.EXACT:
        return start
    if value.qualifier is Qualifier.BETWEEN:
        return gettext("between %(start)s and %(end)s") % {"start": start, "end": end}
    if value.qualifier is Qualifier.FROM_TO:
        return gettext("from %(start)s to %(end)s") % {"start": start, "end": end}
    if value.qualifier is Qualifier.INTERPRETED:
        if not value.phrase:
            return start
        return gettext("%(date)s (from “%(phrase)s”)") % {"date": start, "phrase": value.phrase}
    template = QUALIFIED.get(value.qualifier)
    return gettext(template) % {"date": start} if template else None


def _part(part: DatePart, style: str) -> str | None:
    if part.calendar not in (Calendar.GREGORIAN, Calendar.JULIAN) or part.year is None:
        return None
    if part.bce or part.dual_year is not None or not 1 <= part.year <= 9999:
        return None  # shown as written: CLDR's patterns are for ordinary years
    language = _current.get()
    if part.month is None:
        written = str(part.year)
    elif part.day is None:
        written = format_skeleton("yMMMM", dt.date(part.year, part.month, 1), locale=language)
    else:
        # A Julian date's day and month are its own: format them as written, not converted.
        written = format_date(dt.date(part.year, part.month, part.day), style, locale=language)
    if part.calendar is Calendar.JULIAN:
        written = gettext("%(date)s (Julian)") % {"date": written}
    return written


def datetime(value: dt.datetime | str | None, style: str = "medium") -> str:
    """A moment (or an ISO timestamp) in the current language; '' for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return format_datetime(moment, style, locale=_current.get())
    return format_datetime(value, style, locale=_current.get())


def language_name(code: str) -> str:
    """A language's name in the current language (for "Shona" written in Ndebele, say)."""
    name = Locale.parse(code).get_display_name(_current.get())
    return name or LANGUAGES.get(code, code)
