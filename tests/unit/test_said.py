"""Messages built with values (``said``): English wherever they are plain text (the API, the
CLI, logs), and in the reader's language on the pages, with the values kept as they are."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from dzinza.domain.errors import N_, NotFound, Said, said
from dzinza.services.access import NO_SUCH, no_such
from dzinza.services.limits import TOO_MANY, too_many
from dzinza.web import i18n

SERVICES = Path(__file__).resolve().parents[2] / "src" / "dzinza" / "services"


@pytest.fixture
def shona() -> Iterator[None]:
    i18n.activate("sn")
    yield
    i18n.activate("en")


def test_a_said_message_reads_as_its_english_text() -> None:
    message = said("There is no person with id %(id)s.", id="42")
    assert message == "There is no person with id 42." and isinstance(message, str)
    assert message.template == "There is no person with id %(id)s."
    assert dict(message.values) == {"id": "42"}
    refusal = NotFound(message)
    assert str(refusal) == refusal.detail == "There is no person with id 42."
    assert N_("Wrong code.") == "Wrong code."


def test_the_pages_say_it_in_the_readers_language(shona: None) -> None:
    message = no_such("person", "b1a2")
    spoken = i18n.say(message)
    assert "b1a2" in spoken and spoken != str(message)
    assert spoken == i18n.gettext(NO_SUCH["person"]) % {"id": "b1a2"}


def test_numbers_are_written_as_the_language_writes_them(shona: None) -> None:
    message = too_many("invitations", 3600)
    assert message == "Too many invitations. Try again in 3600 seconds."
    spoken = i18n.say(message)
    assert i18n.number(3600) in spoken and "Too many" not in spoken


def test_parts_marked_for_translation_are_translated_and_data_is_not(shona: None) -> None:
    role = said(N_("editor"))
    message = said(
        "%(email)s is already a member of this tree (as %(role)s).",
        email="editor@example.org",  # a value: never looked up in the catalogs
        role=role,
    )
    spoken = i18n.say(message)
    assert "editor@example.org" in spoken and i18n.gettext("editor") in spoken
    assert "already a member" not in spoken
    # A plain string that happens to be a message of the catalogs stays as it is: it is data.
    assert "Owner" in i18n.say(said("%(name)s is already the owner of this tree.", name="Owner"))


def test_dates_in_a_message_are_written_in_the_language(shona: None) -> None:
    day = dt.date(2026, 12, 3)
    message = said(
        "This invitation expired on %(day)s: ask the tree's managers for a new one.", day=day
    )
    assert message.startswith("This invitation expired on 2026-12-03")
    assert i18n.date(day) in i18n.say(message)


def test_a_translation_that_lost_a_placeholder_falls_back_to_english(
    shona: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(i18n, "gettext", lambda text: "Hapana %(missing)s")
    message = said("There is no tree with id %(id)s.", id="7")
    assert i18n.say(message) == "There is no tree with id 7."
    assert not isinstance(i18n.say(message), Said)


def test_a_constant_message_goes_through_the_catalog(shona: None) -> None:
    assert i18n.say("Wrong code.") == i18n.gettext("Wrong code.") != "Wrong code."
    assert i18n.say("not a message of the catalogs") == "not a message of the catalogs"


def _limit_names() -> set[str]:
    """The ``what`` of every ``limits.hit(key, limit, what)`` in the services."""
    found: set[str] = set()
    for path in SERVICES.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("hit", "_hit_counter")
                and len(node.args) == 3
                and isinstance(node.args[2], ast.Constant)
            ):
                found.add(str(node.args[2].value))
    return found


def test_every_rate_limit_has_its_sentence() -> None:
    used = _limit_names()
    assert {"invitations", "sign-in attempts from your address", "requests"} <= used
    assert used <= TOO_MANY.keys(), used - TOO_MANY.keys()
    for what in used:
        assert isinstance(too_many(what, 5), Said)


REFUSALS = {
    "DzinzaError",
    "ValidationFailed",
    "NotFound",
    "Conflict",
    "Gone",
    "PreconditionFailed",
    "AuthenticationRequired",
    "Forbidden",
    "Unavailable",
    "TooManyRequests",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "MediaRefused",
    "ArchiveTooLarge",
}


def test_every_refusal_of_the_services_is_marked_for_translation() -> None:
    """A refusal written as a bare string or an f-string would reach the pages in English:
    each is ``N_("...")`` or ``said("... %(x)s ...", x=...)``."""
    bare = []
    for path in sorted(SERVICES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in REFUSALS
                and node.args
                and isinstance(node.args[0], ast.Constant | ast.JoinedStr)
            ):
                bare.append(f"{path.name}:{node.lineno}")
    assert bare == []
