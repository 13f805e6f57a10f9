"""Property tests of the GEDCOM round trip: a generated tree, written as GEDCOM 7.0, imported
(tree A), exported as 7.0 and imported again (tree B), exported as 5.5.1 and imported again
(tree C), reads back from the database as the same model each time.

The trees are random but shaped like real ones: several names with parts and types, events
and attributes dated across the whole date grammar, places with jurisdictions and
coordinates, families with partners, children and pedigrees, shared and inline notes,
sources in repositories, citations with pages, names in Shona, Ndebele and non-Latin scripts,
and text that needs CONT, CONC and ``@`` escapes. SQLite only, and a bounded number of
examples, so that the file stays well under a minute; deterministic under ``CI=true``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dzinza import bootstrap
from dzinza.adapters.sql import tables as t
from dzinza.services.gedcom import run_export, run_import
from dzinza.services.platform import Platform
from dzinza.settings import Settings
from tests.conftest import in_ci

# -- a platform of our own: SQLite only, one database for every example -----------------------


@pytest.fixture(scope="module")
def sqlite_platform(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    folder = tmp_path_factory.mktemp("gedcom_properties")
    path = folder / "dzinza.db"
    path.write_bytes(sqlite_template.read_bytes())
    settings = Settings(
        database_url=f"sqlite:///{path}", data_dir=folder, password_hashing="fast-for-tests-only"
    )
    platform = bootstrap.build(settings)
    yield platform
    platform.close()


# -- generated trees --------------------------------------------------------------------------

GIVEN = [
    "Tendai", "Chipo", "Nyasha", "Tafadzwa", "Rufaro", "Tatenda", "Farai", "Kudakwashe",
    "Sibusiso", "Nkosinathi", "Thandeka", "Sipho", "Nomvula", "Zanele", "Themba",
    "Johann Sebastian", "Anna Magdalena", "Marie-Thérèse", "Björn", "Zoë", "Łukasz",
    "Мария", "Иван", "Ἀλέξανδρος", "李", "美咲", "محمد", "אברהם", "ሰላም", "प्रिया", "Nguyễn Văn",
]  # fmt: skip
SURNAMES = [
    "Moyo", "Ndlovu", "Dube", "Ncube", "Sibanda", "Mpofu", "Chikore", "Mutasa", "Mhlanga",
    "Nyathi", "Khumalo", "Mlambo", "Bach", "O'Brien", "van der Merwe", "García Márquez",
    "Müller", "Иванова", "王", "田中", "عبد الله", "כהן", "ገብረ", "शर्मा",
]  # fmt: skip
PLACES = [
    ["Harare", "Harare Province", "Zimbabwe"],
    ["Bulawayo", "Matabeleland North", "Zimbabwe"],
    ["Great Zimbabwe", "Masvingo", "Zimbabwe"],
    ["Gwanda", "Matabeleland South", "Zimbabwe"],
    ["Soweto", "Johannesburg", "Gauteng", "South Africa"],
    ["Eisenach", "Thüringen", "Deutschland"],
    ["Москва", "Россия"],
    ["京都市", "京都府", "日本"],
    ["Zimbabwe"],
]
WORDS = [
    "born", "at", "the", "mission", "kraal", "village", "near", "river", "according", "to",
    "mbuya", "sekuru", "totem", "Shumba", "Moyo", "Nzou", "umuzi", "isibongo", "family",
    "e-mail", "me@example.org", "@home", "50%", "(sic)", "Ndebele", "ChiShona", "Ελληνικά",
]  # fmt: skip
TEXT_CHARS = st.characters(
    codec="utf-8",
    categories=("L", "M", "N", "P", "S", "Zs"),
    exclude_characters="\u2028\u2029\x85\ufeff\ufffd",
)


def _phrase(draw: st.DrawFn, *, least: int = 1, most: int = 8) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=least, max_size=most))
    return " ".join(words)


def _free_text(draw: st.DrawFn, max_size: int = 40) -> str:
    """Text as people type it: any script, punctuation and ``@``, no edge spaces."""
    text = draw(st.text(TEXT_CHARS, min_size=1, max_size=max_size)).strip()
    return text or "x"


def _long_text(draw: st.DrawFn) -> str:
    """A note: several lines, some long enough for CONC, some starting with ``@``."""
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(["words", "free", "long", "word", "at", "indent", "escape", "empty"])
        )
        if kind == "words":
            lines.append(_phrase(draw))
        elif kind == "free":
            lines.append(_free_text(draw))
        elif kind == "long":
            lines.append(" ".join([_phrase(draw, least=8, most=8)] * draw(st.integers(4, 12))))
        elif kind == "word":
            # No space to cut at: 5.5.1's CONC must split a word.
            lines.append(draw(st.sampled_from(WORDS)) * draw(st.integers(30, 80)))
        elif kind == "at":
            lines.append("@" + _phrase(draw) + " @@ " + _free_text(draw, 10))
        elif kind == "indent":
            lines.append("    " + _phrase(draw) + "  ,  " + _free_text(draw, 10))
        elif kind == "escape":
            lines.append("@#DJULIAN@ is how 5.5.1 wrote a calendar; @I1@ is not a pointer here")
        else:
            lines.append("")
    text = "\n".join(lines).strip()
    return text or _phrase(draw)


MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def _date_part(draw: st.DrawFn) -> str:
    calendar = draw(st.sampled_from(["", "", "", "JULIAN", "HEBREW", "FRENCH_R"]))
    if calendar == "HEBREW":
        year = draw(st.integers(5500, 5790))
        month = draw(st.sampled_from(["TSH", "CSH", "KSL", "TVT", "SHV", "NSN", "IYR"]))
        return f"HEBREW {draw(st.integers(1, 29))} {month} {year}"
    if calendar == "FRENCH_R":
        month = draw(st.sampled_from(["VEND", "BRUM", "FRIM", "NIVO", "PLUV", "GERM"]))
        return f"FRENCH_R {draw(st.integers(1, 30))} {month} {draw(st.integers(1, 14))}"
    year = draw(st.integers(1500, 2020))
    shape = draw(st.sampled_from(["year", "month", "day", "bce"]))
    if shape == "bce":
        return f"{calendar} {draw(st.integers(1, 900))} BCE".strip()
    text = str(year)
    if shape != "year":
        text = f"{draw(st.sampled_from(MONTHS))} {text}"
    if shape == "day":
        text = f"{draw(st.integers(1, 28))} {text}"
    return f"{calendar} {text}".strip()


def _date(draw: st.DrawFn) -> tuple[str, str | None]:
    """A 7.0 DATE value and, sometimes, its PHRASE."""
    shape = draw(
        st.sampled_from(["exact", "approx", "bef", "aft", "bet", "from", "fromto", "to", "phrase"])
    )
    if shape == "phrase":
        return "", _phrase(draw)
    phrase = _phrase(draw) if draw(st.integers(0, 9)) == 0 else None
    if shape == "exact":
        return _date_part(draw), phrase
    if shape == "approx":
        return f"{draw(st.sampled_from(['ABT', 'CAL', 'EST']))} {_date_part(draw)}", phrase
    if shape in ("bef", "aft"):
        return f"{shape.upper()} {_date_part(draw)}", phrase
    if shape in ("from", "to"):
        return f"{shape.upper()} {_date_part(draw)}", phrase
    start = draw(st.integers(1500, 1990))
    end = start + draw(st.integers(0, 30))
    calendar = draw(st.sampled_from(["", "", "JULIAN "]))
    first, second = ("BET", "AND") if shape == "bet" else ("FROM", "TO")
    return f"{first} {calendar}{start} {second} {calendar}{end}", phrase


PERSON_EVENTS = ["BIRT", "CHR", "DEAT", "BURI", "BAPM", "EMIG", "IMMI", "CENS", "EVEN"]
PERSON_ATTRIBUTES = ["OCCU", "EDUC", "RELI", "RESI", "NATI", "_CLAN", "_TOTEM", "FACT", "TITL"]
FAMILY_EVENTS = ["MARR", "DIV", "ENGA", "_LOBOLA", "EVEN", "RESI"]
NAME_TYPES = ["", "", "BIRTH", "MARRIED", "AKA", "IMMIGRANT", "OTHER"]


@dataclass
class Tree:
    """A generated file's lines and what it holds (for the message when a test fails)."""

    lines: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    coords: dict[str, tuple[float, float]] = field(default_factory=dict)

    def add(self, level: int, tag: str, value: str | None = None, xref: str = "") -> None:
        """One structure, its text split into CONT lines and ``@`` escaped as 7.0 wants."""
        head = f"{level} {xref} {tag}" if xref else f"{level} {tag}"
        if value is None:
            self.lines.append(head)
            return
        first, *more = value.split("\n")
        self.lines.append(_line(head, first))
        self.lines.extend(_line(f"{level + 1} CONT", text) for text in more)

    def point(self, level: int, tag: str, xref: str) -> None:
        """A pointer to a record (never escaped)."""
        self.lines.append(f"{level} {tag} {xref}")

    def text(self) -> str:
        return "\n".join([*self.lines, "0 TRLR", ""])


def _line(head: str, text: str) -> str:
    if not text:
        return head
    return f"{head} @{text}" if text.startswith("@") else f"{head} {text}"


def _citations(draw: st.DrawFn, tree: Tree, level: int, sources: list[str]) -> None:
    if not sources:
        return
    for source in draw(st.lists(st.sampled_from(sources), max_size=2)):
        tree.point(level, "SOUR", source)
        if draw(st.booleans()):
            tree.add(level + 1, "PAGE", draw(st.sampled_from(["p. 12", "folio 3, entry 41"])))
        if draw(st.integers(0, 3)) == 0:
            tree.add(level + 1, "DATA")
            tree.add(level + 2, "DATE", _date_part(draw))
            tree.add(level + 2, "TEXT", _long_text(draw))
        if draw(st.integers(0, 3)) == 0:
            tree.add(level + 1, "QUAY", str(draw(st.integers(0, 3))))


def _notes(draw: st.DrawFn, tree: Tree, level: int, notes: list[str]) -> None:
    for _ in range(draw(st.integers(0, 2))):
        if notes and draw(st.booleans()):
            tree.point(level, "SNOTE", draw(st.sampled_from(notes)))
        else:
            tree.add(level, "NOTE", _long_text(draw))


def _event(
    draw: st.DrawFn, tree: Tree, tag: str, sources: list[str], notes: list[str], places: bool
) -> None:
    attribute = tag in PERSON_ATTRIBUTES
    value = _phrase(draw, most=4) if attribute or (tag == "EVEN" and draw(st.booleans())) else None
    if tag in ("DEAT", "BIRT", "MARR") and value is None and draw(st.booleans()):
        value = "Y"
    tree.add(1, tag, value)
    if tag in ("EVEN", "FACT") or draw(st.integers(0, 5)) == 0:
        tree.add(2, "TYPE", _phrase(draw, most=3))
    if draw(st.integers(0, 4)):
        date, phrase = _date(draw)
        tree.add(2, "DATE", date or None)
        if phrase is not None:
            tree.add(3, "PHRASE", phrase)
    if places and draw(st.booleans()):
        parts = draw(st.sampled_from(PLACES))
        tree.add(2, "PLAC", ", ".join(parts))
        # A place has one position in the model: a file that gives one place two positions
        # keeps the second only in the residual, so the generated files give one.
        lat, lon = tree.coords.setdefault(
            parts[0],
            (
                draw(st.integers(-900000, 900000)) / 10000,
                draw(st.integers(-1800000, 1800000)) / 10000,
            ),
        )
        if draw(st.integers(0, 2)) == 0:
            tree.add(3, "MAP")
            tree.add(4, "LATI", f"{'N' if lat >= 0 else 'S'}{abs(lat)}")
            tree.add(4, "LONG", f"{'E' if lon >= 0 else 'W'}{abs(lon)}")
    _citations(draw, tree, 2, sources)
    _notes(draw, tree, 2, notes)


def _name(draw: st.DrawFn, tree: Tree) -> None:
    given = draw(st.sampled_from(GIVEN)) if draw(st.integers(0, 4)) else _free_text(draw, 12)
    given = given.replace("/", "")  # a slash would start the surname
    surname = draw(st.sampled_from([*SURNAMES, ""]))
    suffix = draw(st.sampled_from(["", "", "", "Jr.", "III"]))
    payload = f"{given} /{surname}/" + (f" {suffix}" if suffix else "")
    if surname == "" and draw(st.booleans()):
        payload = given
    tree.add(1, "NAME", payload)
    kind = draw(st.sampled_from(NAME_TYPES))
    if kind:
        tree.add(2, "TYPE", kind)
        if kind == "OTHER":
            tree.add(3, "PHRASE", draw(st.sampled_from(["Clan name", "Praise name", "Bokwa"])))
    if draw(st.booleans()):
        if draw(st.integers(0, 3)) == 0:
            tree.add(2, "NPFX", draw(st.sampled_from(["Dr.", "Rev.", "VaMoyo", "Mbuya"])))
        tree.add(2, "GIVN", given)
        if draw(st.integers(0, 3)) == 0:
            tree.add(2, "NICK", draw(st.sampled_from(["Tete", "Baba Tendai", "Zizi"])))
        if surname:
            tree.add(2, "SURN", surname)
        if suffix:
            tree.add(2, "NSFX", suffix)


@st.composite
def gedcom_trees(draw: st.DrawFn) -> str:
    """A GEDCOM 7.0 file with a random, realistic tree in it."""
    tree = Tree()
    tree.add(0, "HEAD")
    tree.add(1, "GEDC")
    tree.add(2, "VERS", "7.0")
    people = [f"@I{n}@" for n in range(1, draw(st.integers(1, 7)) + 1)]
    families = [f"@F{n}@" for n in range(1, draw(st.integers(0, 3)) + 1)]
    notes = [f"@N{n}@" for n in range(1, draw(st.integers(0, 2)) + 1)]
    repos = [f"@R{n}@" for n in range(1, draw(st.integers(0, 2)) + 1)]
    sources = [f"@S{n}@" for n in range(1, draw(st.integers(0, 3)) + 1)]

    # Who is whose partner and child, decided first so that FAMC/FAMS agree with the families.
    # Children come after their parents in the list, so no one is their own ancestor (which
    # the import rightly warns about).
    partners: dict[str, list[str]] = {}
    children: dict[str, list[tuple[str, str]]] = {}
    for family in families:
        chosen = draw(st.lists(st.sampled_from(people), max_size=2, unique=True))
        partners[family] = chosen
        youngest = max((people.index(p) for p in chosen), default=-1)
        others = people[youngest + 1 :]
        kids = draw(st.lists(st.sampled_from(others), max_size=3, unique=True)) if others else []
        pedigrees = ["", "", "", "BIRTH", "ADOPTED", "FOSTER"]
        children[family] = [(kid, draw(st.sampled_from(pedigrees))) for kid in kids]

    for person in people:
        tree.people.append(person)
        tree.add(0, "INDI", xref=person)
        for _ in range(draw(st.integers(1, 3))):
            _name(draw, tree)
        sex = draw(st.sampled_from(["M", "F", "X", "U", ""]))
        if sex:
            tree.add(1, "SEX", sex)
        for _ in range(draw(st.integers(0, 4))):
            tag = draw(st.sampled_from(PERSON_EVENTS + PERSON_ATTRIBUTES))
            _event(draw, tree, tag, sources, notes, places=True)
        for family in families:
            for kid, pedigree in children[family]:
                if kid == person:
                    tree.point(1, "FAMC", family)
                    if pedigree:
                        tree.add(2, "PEDI", pedigree)
            if person in partners[family]:
                tree.point(1, "FAMS", family)
        _citations(draw, tree, 1, sources)
        _notes(draw, tree, 1, notes)

    for family in families:
        tree.add(0, "FAM", xref=family)
        for role, person in zip(("HUSB", "WIFE"), partners[family], strict=False):
            tree.point(1, role, person)
        for kid, _ in children[family]:
            tree.point(1, "CHIL", kid)
        for _ in range(draw(st.integers(0, 2))):
            _event(draw, tree, draw(st.sampled_from(FAMILY_EVENTS)), sources, notes, True)
        _citations(draw, tree, 1, sources)
        _notes(draw, tree, 1, notes)

    for note in notes:
        tree.add(0, "SNOTE", _long_text(draw), xref=note)
    for repo in repos:
        tree.add(0, "REPO", xref=repo)
        tree.add(1, "NAME", draw(st.sampled_from(["National Archives of Zimbabwe", "Bach-Archiv"])))
        if draw(st.booleans()):
            tree.add(1, "ADDR", "Borrowdale Road\nHarare")
        if draw(st.booleans()):
            tree.add(1, "WWW", "https://archives.example.org/")
    for source in sources:
        tree.add(0, "SOUR", xref=source)
        tree.add(1, "TITL", _phrase(draw, most=5) + " " + _free_text(draw, 12))
        if draw(st.booleans()):
            tree.add(1, "AUTH", draw(st.sampled_from(SURNAMES)))
        if draw(st.booleans()):
            tree.add(1, "PUBL", _long_text(draw))
        if draw(st.booleans()):
            tree.add(1, "ABBR", _free_text(draw, 10))
        if repos and draw(st.booleans()):
            tree.point(1, "REPO", draw(st.sampled_from(repos)))
            if draw(st.booleans()):
                tree.add(2, "CALN", "MS 41/2")
        _notes(draw, tree, 1, notes)
    return tree.text()


# -- the model as the database holds it ---------------------------------------------------------


def _dump(platform: Platform, tree_id: str) -> dict[str, Any]:
    """Everything the model holds of a tree, with record ids replaced by the file's xrefs and
    owned rows named by their owner and position, so that two imports compare."""
    tid = uuid.UUID(tree_id)
    with platform.store.read() as tx:
        conn: sa.Connection = tx.conn  # type: ignore[attr-defined]

        def rows(table: sa.Table) -> list[dict[str, Any]]:
            query = sa.select(table).where(table.c.tree_id == tid)
            return [dict(r._mapping) for r in conn.execute(query)]

        xref: dict[uuid.UUID | None, Any] = {None: None}
        for row in rows(t.external_ids):
            if row["kind"] == "xref":
                xref[row["target_id"]] = row["value"]
        places = {p["id"]: p for p in rows(t.places)}

        def place(pid: uuid.UUID | None) -> Any:
            if pid is None:
                return None
            here, path = places[pid], []
            coords = (here["latitude"], here["longitude"])
            while True:
                path.append(here["name"])
                if here["parent_id"] is None:
                    return (", ".join(path), coords)
                here = places[here["parent_id"]]

        events = rows(t.events)
        for event in events:
            owner = xref[event["person_id"] or event["family_id"]]
            xref[event["id"]] = (owner, "event", event["position"])

        notes = {n["id"]: n for n in rows(t.notes)}
        linked: dict[Any, list[Any]] = {}
        for link in rows(t.note_links):
            note = notes[link["note_id"]]
            what = xref[note["id"]] if note["shared"] else ("inline", note["text"])
            linked.setdefault(xref[link["target_id"]], []).append((link["position"], what))
        cited: dict[Any, list[Any]] = {}
        for c in rows(t.citations):
            cited.setdefault(xref[c["target_id"]], []).append(
                (
                    c["position"],
                    xref[c["source_id"]],
                    c["page"],
                    c["quality"],
                    c["date_text"],
                    c["text"],
                )
            )

        def extras(key: Any) -> dict[str, Any]:
            return {"notes": sorted(linked.get(key, [])), "citations": sorted(cited.get(key, []))}

        def event_model(e: dict[str, Any]) -> dict[str, Any]:
            key = xref[e["id"]]
            return {
                "position": e["position"],
                "type": e["type"],
                "label": e["label"],
                "date": (e["date_text"], e["date_earliest"], e["date_latest"]),
                "place": place(e["place_id"]),
                "value": e["value"],
                "description": e["description"],
                **extras(key),
            }

        by_owner: dict[Any, list[dict[str, Any]]] = {}
        for e in events:
            by_owner.setdefault(xref[e["person_id"] or e["family_id"]], []).append(event_model(e))
        names: dict[Any, list[Any]] = {}
        for n in rows(t.names):
            names.setdefault(xref[n["person_id"]], []).append(
                (
                    n["position"],
                    n["type"],
                    n["given"],
                    n["surname"],
                    n["prefix"],
                    n["suffix"],
                    n["nickname"],
                    n["title"],
                )
            )
        kids: dict[Any, list[Any]] = {}
        for k in rows(t.family_children):
            kids.setdefault(xref[k["family_id"]], []).append(
                (k["position"], xref[k["child_id"]], k["pedigree"])
            )

        def sort_events(key: Any) -> list[dict[str, Any]]:
            return sorted(by_owner.get(key, []), key=lambda e: e["position"])

        people = {
            xref[p["id"]]: {
                "sex": p["sex"],
                "restriction": p["restriction"],
                "display_name": p["display_name"],
                "birth": (p["birth_text"], p["birth_earliest"], p["birth_latest"]),
                "death": (p["death_text"], p["death_earliest"], p["death_latest"]),
                "has_death": p["has_death"],
                "names": sorted(names.get(xref[p["id"]], [])),
                "events": sort_events(xref[p["id"]]),
                **extras(xref[p["id"]]),
            }
            for p in rows(t.people)
        }
        families = {
            xref[f["id"]]: {
                "partners": (xref[f["partner1_id"]], xref[f["partner2_id"]]),
                "union_type": f["union_type"],
                "children": sorted(kids.get(xref[f["id"]], [])),
                "events": sort_events(xref[f["id"]]),
                **extras(xref[f["id"]]),
            }
            for f in rows(t.families)
        }
        sources = {
            xref[s["id"]]: (
                s["title"],
                s["author"],
                s["publication"],
                s["abbreviation"],
                xref[s["repository_id"]],
                s["call_number"],
                extras(xref[s["id"]]),
            )
            for s in rows(t.sources)
        }
        repositories = {
            xref[r["id"]]: (r["name"], r["address"], r["url"]) for r in rows(t.repositories)
        }
        shared = {xref[n["id"]]: n["text"] for n in notes.values() if n["shared"]}
        inline = sorted(n["text"] for n in notes.values() if not n["shared"])
    return {
        "people": people,
        "families": families,
        "sources": sources,
        "repositories": repositories,
        "shared_notes": shared,
        "inline_notes": inline,
    }


def _first_difference(a: Any, b: Any, where: str = "") -> str:
    """Where two dumps first differ, for a readable failure."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=repr):
            if a.get(key, ...) != b.get(key, ...):
                return _first_difference(a.get(key, ...), b.get(key, ...), f"{where}/{key}")
    if isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{where}[{index}]")
    return f"{where}: {a!r} != {b!r}"


# -- the property ------------------------------------------------------------------------------


@settings(
    max_examples=25,
    deadline=None,
    derandomize=in_ci(),
    database=None if in_ci() else settings.default.database,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=gedcom_trees())
def test_generated_trees_survive_export_and_import_in_both_versions(
    sqlite_platform: Platform, tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    platform = sqlite_platform
    folder = tmp_path_factory.mktemp("trip")
    original = folder / "original.ged"
    original.write_text(text, encoding="utf-8")

    a = run_import(platform, original)
    assert a["warning_count"] == 0, a["warnings"][:5]
    seven = folder / "seven.ged"
    run_export(platform, uuid.UUID(a["tree_id"]), seven, "gedcom7")
    b = run_import(platform, seven)
    assert b["warning_count"] == 0, b["warnings"][:5]
    five = folder / "five.ged"
    run_export(platform, uuid.UUID(b["tree_id"]), five, "gedcom551")
    c = run_import(platform, five)
    assert c["warning_count"] == 0, c["warnings"][:5]

    tree_a, tree_b, tree_c = (_dump(platform, r["tree_id"]) for r in (a, b, c))
    assert tree_a == tree_b, "7.0: " + _first_difference(tree_a, tree_b)
    assert tree_a == tree_c, "5.5.1: " + _first_difference(tree_a, tree_c)
