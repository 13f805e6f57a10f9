"""The web app speaks English, Shona and Ndebele: every message is in the catalogs, translated
and checked (not fuzzy), with the same placeholders and markup as the English; the templates
have no visible text outside ``{% trans %}``; and the catalogs were extracted from the code as
it is (``make messages``)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

import dzinza.web
from dzinza.web.i18n import LOCALE_DIR

WEB = Path(dzinza.web.__file__).parent
SRC = WEB.parent
TRANSLATED = ("sn", "nd")
MessageId = str | tuple[str, ...]


def _extracted() -> set[MessageId]:
    """The messages of the pages, and the services' refusals marked with ``N_`` or ``said``
    (the inputs of ``src/dzinza/web/locale/babel.cfg``)."""
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "said": None}
    sources = [
        (
            WEB,
            [("**.py", "python"), ("templates/**.html", "jinja2")],
            {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}},
        ),
        (SRC / "services", [("**.py", "python")], {}),
        (SRC / "gedcom", [("reader.py", "python")], {}),
    ]
    messages: set[MessageId] = set()
    for folder, method_map, options_map in sources:
        found = extract_from_dir(
            str(folder), method_map=method_map, options_map=options_map, keywords=keywords
        )
        for _file, _line, message, _comments, context in found:
            key = message if isinstance(message, str) else tuple(m for m in message if m)
            messages.add(
                key if not context else (context, *([key] if isinstance(key, str) else key))
            )
    return messages


@pytest.fixture(scope="module")
def extracted() -> set[MessageId]:
    return _extracted()


def _catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def _id(message: object) -> MessageId:
    msgid = message.id  # type: ignore[attr-defined]
    key = msgid if isinstance(msgid, str) else tuple(msgid)
    context = message.context  # type: ignore[attr-defined]
    if context:
        return (context, *([key] if isinstance(key, str) else key))
    return key


def test_the_template_catalog_is_current(extracted: set[MessageId]) -> None:
    template = _catalog(LOCALE_DIR / "messages.pot")
    in_template = {_id(m) for m in template if m.id}
    assert extracted - in_template == set(), "run `make messages`: messages missing from the .pot"
    assert in_template - extracted == set(), "run `make messages`: the .pot has stale messages"


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_checked(language: str, extracted: set[MessageId]) -> None:
    catalog = _catalog(LOCALE_DIR / language / "LC_MESSAGES" / "messages.po", language)
    problems = []
    by_id = {_id(m): m for m in catalog if m.id}
    for key in sorted(extracted, key=str):
        message = by_id.get(key)
        if message is None:
            problems.append(f"missing: {key!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy (not checked): {key!r}")
        translations = [message.string] if isinstance(message.string, str) else message.string
        if not all(t.strip() for t in translations):
            problems.append(f"untranslated: {key!r}")
            continue
        originals = [key] if isinstance(key, str) else list(key)
        wanted_names = {n for o in originals for n in PLACEHOLDER.findall(o)}
        wanted_tags = sorted(TAG.findall(originals[-1]))
        for text in translations:
            if set(PLACEHOLDER.findall(text)) - wanted_names:
                problems.append(f"unknown placeholder in {key!r}: {text!r}")
            if sorted(TAG.findall(text)) != wanted_tags:
                problems.append(f"markup differs in {key!r}: {text!r}")
    assert problems == [], "\n".join(problems[:50]) + f"\n({len(problems)} problems)"


# -- visible text outside {% trans %} -------------------------------------------------------------
TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
WORDS = re.compile(r"[^\W\d_]{2,}")
SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "aria-description"}
NOT_WORDS = {"Dzinza"}  # the name itself is the same in every language


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        words = set(WORDS.findall(data)) - NOT_WORDS
        if words:
            self.found.append(data.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value and set(WORDS.findall(value)) - NOT_WORDS:
                self.found.append(f'{tag} {name}="{value}"')


def _untranslated_text(template: str) -> list[str]:
    bare = JINJA.sub(" ", TRANS_BLOCK.sub(" ", template))
    parser = _Visible()
    parser.feed(bare)
    return parser.found


def test_templates_show_no_text_outside_trans() -> None:
    found = {
        str(path.relative_to(WEB)): text
        for path in sorted((WEB / "templates").rglob("*.html"))
        if (text := _untranslated_text(path.read_text()))
    }
    assert found == {}


def test_the_checker_finds_untranslated_text() -> None:
    assert _untranslated_text("<p>Hello {{ name }}</p>") == ["Hello"]
    assert _untranslated_text('<input placeholder="Surname">') == ['input placeholder="Surname"']
    assert _untranslated_text("<p>{% trans %}Hello{% endtrans %} {{ x }}</p>") == []
    assert _untranslated_text("<p>Dzinza · 2026</p>") == []
