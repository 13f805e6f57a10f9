"""GEDCOM 7.0 records to Dzinza's rows (``Mapper``) and rows back to records (``Writer``).

The two directions are written side by side so that they stay each other's inverse: the import
maps a record, regenerates it from the rows with the same ``Writer`` that export uses, and keeps
the difference (``gedcom.residual``) in each row's ``gedcom`` column. Whatever the model does not
hold therefore survives a round trip, and what it does hold is written by one piece of code.

Record ids are derived from the tree and the record's xref (``record_id``), so the same file
imported twice into the same tree gives the same ids, and pointers need no lookup table.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dzinza.domain.dates import parse_date
from dzinza.domain.names import fold
from dzinza.domain.vocabulary import EVENT_TYPES, EVENT_TYPES_BY_TAG, EventScope
from dzinza.gedcom.nodes import VOID, Node, Problems
from dzinza.gedcom.residual import Entry, diff
from dzinza.services import summaries

NAMESPACE = uuid.UUID("5b1d7e0e-6c2a-4e0b-9a53-2f1b8f3c9d10")

KIND_OF_TAG = {
    "INDI": "I",
    "FAM": "F",
    "SOUR": "S",
    "REPO": "R",
    "SNOTE": "N",
    "OBJE": "M",
    "SUBM": "U",
}
"""The letter that names a record kind in keys and in xrefs Dzinza makes up."""
TABLE_OF_KIND = {
    "I": "people",
    "F": "families",
    "S": "sources",
    "R": "repositories",
    "N": "notes",
    "M": "media",
}

SEX_IN = {"M": "male", "F": "female", "X": "intersex", "U": "unknown"}
SEX_OUT = {v: k for k, v in SEX_IN.items()}
RESN_IN = {"CONFIDENTIAL": "confidential", "LOCKED": "locked", "PRIVACY": "privacy"}
PEDI_IN = {"BIRTH": "birth", "ADOPTED": "adopted", "FOSTER": "foster", "STEP": "step"}
PEDI_OUT = {v: k for k, v in PEDI_IN.items()}
NAME_TYPE_IN = {
    "BIRTH": "birth",
    "MAIDEN": "birth",
    "MARRIED": "married",
    "AKA": "aka",
    "IMMIGRANT": "immigrant",
    "PROFESSIONAL": "other",
    "OTHER": "other",
}
NAME_PHRASES = {"clan": "Clan name", "praise": "Praise name", "religious": "Religious name"}
"""Dzinza's name types that GEDCOM lacks, written as TYPE OTHER with this PHRASE."""
NAME_TYPE_OUT = {"married": "MARRIED", "aka": "AKA", "immigrant": "IMMIGRANT", "other": "OTHER"}
UNION_PHRASES = {
    "civil": "Civil",
    "religious": "Religious",
    "customary": "Customary",
    "partnership": "Partnership",
}
"""A family's union type, written as MARR.TYPE (GEDCOM has no union type of its own)."""

_NAME = re.compile(r"^(?P<given>[^/]*)(?:/(?P<surname>[^/]*)/?(?P<suffix>.*))?$")
_COORD = re.compile(r"^([NSEW])\s*(\d+(?:\.\d+)?)$")


_V5_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_V5_SET = (5 << 76) | (0x8000 << 48)


def uuid5(namespace: bytes, name: str) -> uuid.UUID:
    """``uuid.uuid5`` (the same value) at a third of its cost: an import makes several per
    record. ``namespace`` is the namespace UUID's bytes."""
    digest = hashlib.sha1(namespace + name.encode(), usedforsecurity=False).digest()
    made = object.__new__(uuid.UUID)
    # What UUID.__init__ does after its argument checks, which cost more than the hash.
    object.__setattr__(made, "int", int.from_bytes(digest[:16]) & _V5_CLEAR | _V5_SET)
    object.__setattr__(made, "is_safe", uuid.SafeUUID.unknown)
    return made


_NAMESPACE_BYTES = NAMESPACE.bytes


XREF_LIMIT = 200
"""The longest xref kept (``external_ids.value``); 5.5.1 allows 22 characters, 7.0 any."""


def record_id(tree_id: uuid.UUID, xref: str) -> uuid.UUID:
    """The id of the record a file calls ``xref``, in this tree."""
    return uuid5(_NAMESPACE_BYTES, f"{tree_id}/{xref}")


def child_id(parent: uuid.UUID, what: str, index: int) -> uuid.UUID:
    """The id of the index-th row of one kind under a record (its names, events ...)."""
    return uuid5(parent.bytes, f"{what}/{index}")


def made_up_xref(kind: str, record: uuid.UUID) -> str:
    """An xref for a record that has none (made in Dzinza): short enough for 5.5.1's limit."""
    return "@" + kind + base64.b32encode(record.bytes[:10]).decode("ascii").rstrip("=") + "@"


def coordinate(text: str) -> float | None:
    match = _COORD.match(text.strip().upper())
    if match is None:
        return None
    value = float(match.group(2))
    return -value if match.group(1) in "SW" else value


def format_coordinate(value: float, positive: str, negative: str) -> str:
    text = f"{abs(value):.6f}".rstrip("0").rstrip(".")
    return f"{positive if value >= 0 else negative}{text}"


def date_fields(text: str) -> dict[str, Any]:
    if not text:
        return {"date_text": "", "date_earliest": None, "date_latest": None}
    earliest, latest = _date_range(text)
    return {"date_text": text[:120], "date_earliest": earliest, "date_latest": latest}


@functools.lru_cache(maxsize=1 << 16)
def _date_range(text: str) -> tuple[int | None, int | None]:
    # Files repeat their dates (years alone, ABT 1850 ...): a third of an import's dates are
    # parsed already, and parsing is the costliest step of mapping an event.
    parsed = parse_date(text, lenient=True)
    return parsed.earliest(), parsed.latest()


def date_for_gedcom7(text: str) -> str:
    """A stored date in 7.0 syntax (dates typed into Dzinza are kept in 5.5.1's)."""
    if "@#D" not in text:
        return text
    return re.sub(r"@#D([A-Z ]+)@\s*", lambda m: m.group(1).replace(" ", "_") + " ", text).strip()


@dataclass
class Rows:
    """Rows made from one record, by table, in the order they must be written."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)

    def extend(self, other: Rows) -> None:
        for table, more in other.tables.items():
            self.tables.setdefault(table, []).extend(more)

    @classmethod
    def headed(cls, table: str, row: dict[str, Any], rest: Rows) -> Rows:
        """A record's own row first, then what hangs from it (the order foreign keys need)."""
        out = cls()
        out.add(table, row)
        out.extend(rest)
        return out


class PlaceCache:
    """Places by their full name: one row per jurisdiction, made once per tree."""

    def __init__(self, tree_id: uuid.UUID) -> None:
        self.tree_id = tree_id
        self.ids: dict[str, uuid.UUID] = {}
        self.coords: dict[uuid.UUID, tuple[float, float]] = {}

    def place(self, text: str, rows: Rows) -> uuid.UUID:
        parts = [p.strip() for p in text.split(",")]
        parent: uuid.UUID | None = None
        for depth in range(len(parts) - 1, -1, -1):
            key = ", ".join(parts[depth:])
            known = self.ids.get(key)
            if known is None:
                known = uuid.uuid5(NAMESPACE, f"{self.tree_id}/place/{key}")
                self.ids[key] = known
                rows.add(
                    "places",
                    {
                        "id": known,
                        "tree_id": self.tree_id,
                        "name": parts[depth][:300],
                        "parent_id": parent,
                        "latitude": None,
                        "longitude": None,
                    },
                )
            parent = known
        assert parent is not None
        return parent


@dataclass
class Context:
    """What the mapping of one import shares: the tree, the xrefs the file defines, warnings."""

    tree_id: uuid.UUID
    defined: dict[str, str]
    """Every xref of the file and the tag of its record."""
    problems: Problems
    places: PlaceCache
    remap: dict[str, uuid.UUID] = field(default_factory=dict)
    """Xrefs whose record matched an existing one by UID or REFN, to that record's id."""

    def id_of(self, xref: str) -> uuid.UUID:
        return self.remap.get(xref) or record_id(self.tree_id, xref)

    def key_of(self, xref: str) -> str:
        """How a pointer is kept inside a residual: kind letter and record id."""
        tag = self.defined.get(xref)
        if tag is None:
            return VOID
        return f"{KIND_OF_TAG.get(tag, 'X')}:{self.id_of(xref)}"

    def target(self, node: Node, tag: str, line: int) -> uuid.UUID | None:
        """The record a pointer names, if the file defines it with this tag; else a warning."""
        xref = node.payload or ""
        if xref == VOID:
            return None
        found = self.defined.get(xref)
        if found is None:
            self.problems.add(
                line,
                "broken-pointer",
                f"{node.tag} points to {xref}, which the file does not define",
            )
            return None
        if found != tag:
            self.problems.add(
                line, "wrong-pointer", f"{node.tag} points to {xref}, a {found} record, not {tag}"
            )
            return None
        return self.id_of(xref)


def _stamp(row: dict[str, Any], residual: list[Entry]) -> None:
    row["gedcom"] = {"v": 1, "r": residual} if residual else None


class Mapper:
    """Maps 7.0 records into rows. One per import."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.tree_id = ctx.tree_id
        self.local: dict[uuid.UUID, str] = {}
        self.writer = Writer(lambda kind, rid: self.local.get(rid) or made_up_xref(kind, rid))

    # -- shared pieces ----------------------------------------------------------------------
    def _remember(self, xref: str, rid: uuid.UUID) -> None:
        self.local[rid] = xref

    def _links(self, node: Node, target_type: str, target: uuid.UUID, rows: Rows) -> set[int]:
        """Citations, notes and media attached to a structure. Returns the ``id()`` of each
        substructure that went into rows (the rest stays in the residual)."""
        position = {"SOUR": 0, "NOTE": 0, "OBJE": 0}
        consumed: set[int] = set()
        # A link row is keyed by (record, target): a second pointer to the same note or media
        # from one structure cannot be a row, so it stays in the residual and export keeps it.
        linked: set[uuid.UUID] = set()
        for child in node.children:
            tag = child.tag
            if tag == "SOUR" and child.pointer:
                if self._citation(child, target_type, target, position["SOUR"], rows):
                    consumed.add(id(child))
                    position["SOUR"] += 1
            elif tag in ("NOTE", "SNOTE"):
                if self._note_link(child, target_type, target, position["NOTE"], rows, linked):
                    consumed.add(id(child))
                    position["NOTE"] += 1
            elif tag == "OBJE" and child.pointer:
                media = self.ctx.target(child, "OBJE", child.line)
                if media is None or media in linked:
                    continue
                linked.add(media)
                consumed.add(id(child))
                self._remember(child.payload or "", media)
                link = {
                    "media_id": media,
                    "target_type": target_type,
                    "target_id": target,
                    "tree_id": self.tree_id,
                    "position": position["OBJE"],
                }
                position["OBJE"] += 1
                _stamp(link, diff(child, self.writer.media_link(link), self.ctx.key_of))
                rows.add("media_links", link)
        return consumed

    def _citation(
        self, node: Node, target_type: str, target: uuid.UUID, pos: int, rows: Rows
    ) -> bool:
        source = self.ctx.target(node, "SOUR", node.line)
        if source is None:
            return False
        self._remember(node.payload or "", source)
        data = node.first("DATA")
        quality = node.text("QUAY")
        row = {
            "id": child_id(target, "citation", pos),
            "tree_id": self.tree_id,
            "source_id": source,
            "page": node.text("PAGE")[:500],
            "quality": int(quality) if quality in ("0", "1", "2", "3") else None,
            "date_text": (data.text("DATE") if data else "")[:120],
            "text": (data.text("TEXT") if data else "")[:4000],
            "target_type": target_type,
            "target_id": target,
            "position": pos,
        }
        _stamp(row, diff(node, self.writer.citation(row), self.ctx.key_of))
        rows.add("citations", row)
        return True

    def _note_link(
        self,
        node: Node,
        target_type: str,
        target: uuid.UUID,
        pos: int,
        rows: Rows,
        linked: set[uuid.UUID],
    ) -> bool:
        if node.pointer:
            note = self.ctx.target(node, "SNOTE", node.line)
            if note is None or note in linked:
                return False
            linked.add(note)
            self._remember(node.payload or "", note)
        else:
            note = child_id(target, "note", pos)
            text_row = {
                "id": note,
                "tree_id": self.tree_id,
                "text": node.payload or "",
                "shared": False,
            }
            _stamp(text_row, diff(node, self.writer.inline_note(text_row), self.ctx.key_of))
            rows.add("notes", text_row)
        link = {
            "note_id": note,
            "target_type": target_type,
            "target_id": target,
            "tree_id": self.tree_id,
            "position": pos,
        }
        rows.add("note_links", link)
        return True

    def _external_ids(self, node: Node, target_type: str, target: uuid.UUID, rows: Rows) -> None:
        self._xref(node, target_type, target, rows)
        seen: set[tuple[str, str]] = set()
        for child in node.children:
            key = ("refn" if child.tag == "REFN" else "uid", child.payload or "")
            if key in seen:
                continue
            seen.add(key)
            if child.tag in ("UID", "_UID") and child.payload:
                rows.add("external_ids", self._ext(target_type, target, "uid", child.payload))
            elif child.tag == "REFN" and child.payload:
                rows.add("external_ids", self._ext(target_type, target, "refn", child.payload))

    def _xref(self, node: Node, target_type: str, target: uuid.UUID, rows: Rows) -> None:
        """The record's own xref, kept so that export writes it again; one longer than the
        column cannot be kept whole, and a cut one would be a broken pointer in the export, so
        export makes one up instead (the links inside the tree go by id and are not lost)."""
        if not node.xref:
            return
        if len(node.xref) > XREF_LIMIT:
            self.ctx.problems.add(
                node.line,
                "long-xref",
                f"the id {node.xref[:20]}... is {len(node.xref)} characters long: "
                "the export gives the record a shorter one",
            )
            return
        rows.add("external_ids", self._ext(target_type, target, "xref", node.xref))

    def _ext(self, target_type: str, target: uuid.UUID, kind: str, value: str) -> dict[str, Any]:
        return {
            "id": uuid.uuid5(target, f"{kind}/{value}"),
            "tree_id": self.tree_id,
            "target_type": target_type,
            "target_id": target,
            "kind": kind,
            "value": value[:200],
        }

    def _event(
        self, node: Node, owner: str, owner_id: uuid.UUID, pos: int, rows: Rows
    ) -> dict[str, Any]:
        known = EVENT_TYPES_BY_TAG.get(node.tag)
        assert known is not None
        event_id = child_id(owner_id, "event", pos)
        place = node.first("PLAC")
        place_id = None
        if place is not None and place.payload:
            place_id = self.ctx.places.place(place.payload, rows)
            mapped = place.first("MAP")
            if mapped is not None and place_id not in self.ctx.places.coords:
                lat, lon = coordinate(mapped.text("LATI")), coordinate(mapped.text("LONG"))
                if lat is not None and lon is not None:
                    self.ctx.places.coords[place_id] = (lat, lon)
                    for prow in rows.tables.get("places", []):
                        if prow["id"] == place_id:
                            prow["latitude"], prow["longitude"] = lat, lon
                            break
                    else:
                        rows.add(
                            "place_coords", {"id": place_id, "latitude": lat, "longitude": lon}
                        )
        row: dict[str, Any] = {
            "id": event_id,
            "tree_id": self.tree_id,
            "person_id": owner_id if owner == "person" else None,
            "family_id": owner_id if owner == "family" else None,
            "type": known.key,
            "label": node.text("TYPE")[:120],
            "place_id": place_id,
            "value": (node.payload or "")[:1000],
            "position": pos,
            **date_fields(node.text("DATE")),
        }
        place_text = place.payload if place is not None else None
        sub = Rows()
        consumed = self._links(node, "event", event_id, sub)
        coords = self.ctx.places.coords.get(place_id) if place_id else None
        # Without its citations, notes and media, as export generates it before it attaches
        # them (each with its own residual): were they in both, what they lack would be
        # added twice on export.
        generated = self.writer.event(row, place_text, coords, {})
        _stamp(row, diff(_without(node, consumed), generated, self.ctx.key_of))
        rows.add("events", row)
        for table, more in sub.tables.items():
            for r in more:
                rows.add(table, r)
        return row

    # -- records ----------------------------------------------------------------------------
    def person(self, node: Node) -> tuple[Rows, uuid.UUID]:
        self.local.clear()
        xref = node.xref or ""
        pid = self.ctx.id_of(xref)
        self._remember(xref, pid)
        rows = Rows()
        names: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        famc: list[tuple[Node, uuid.UUID]] = []
        fams: list[tuple[Node, uuid.UUID]] = []
        consumed = self._links(node, "person", pid, rows)
        for child in node.children:
            tag = child.tag
            if tag in ("NAME", "_MARNM") and child.payload is not None:
                names.append(self._name(child, pid, len(names)))
                consumed.add(id(child))
            elif tag in EVENT_TYPES_BY_TAG and EVENT_TYPES_BY_TAG[tag].scope != EventScope.FAMILY:
                events.append(self._event(child, "person", pid, len(events), rows))
                consumed.add(id(child))
            elif tag == "FAMC" and child.pointer:
                family = self.ctx.target(child, "FAM", child.line)
                if family is not None:
                    self._remember(child.payload or "", family)
                    famc.append((child, family))
            elif tag == "FAMS" and child.pointer:
                family = self.ctx.target(child, "FAM", child.line)
                if family is not None:
                    self._remember(child.payload or "", family)
                    fams.append((child, family))
        sex = SEX_IN.get((node.text("SEX") or "U").upper(), "unknown")
        resn = node.text("RESN").upper().replace(" ", "").split(",")
        restriction = next((RESN_IN[r] for r in resn if r in RESN_IN), "")
        person: dict[str, Any] = {
            "id": pid,
            "tree_id": self.tree_id,
            "sex": sex,
            "living": None,
            "private": False,
            "restriction": restriction,
            "has_death": any(e["type"] in ("death", "burial", "cremation") for e in events),
        }
        for index, (child, family) in enumerate(famc):
            pedigree = PEDI_IN.get(child.text("PEDI").upper(), "birth")
            rows.add(
                "famc",
                {"child_id": pid, "family_id": family, "pedigree": pedigree, "position": index},
            )
        person.update(summaries.compute(names, events))
        # Generated as export will: in a canonical order (by id), and one link per family with
        # the first FAMC's pedigree, as the store keeps it. A residual entry puts the file's
        # own order, and a second FAMC to the same family, back.
        first: dict[uuid.UUID, str] = {}
        for c, f in famc:
            first.setdefault(f, PEDI_IN.get(c.text("PEDI").upper(), "birth"))
        generated = self.writer.person(
            person, famc=sorted(first.items()), fams=sorted({f for _, f in fams})
        )
        _stamp(person, diff(_without(node, consumed), generated, self.ctx.key_of))
        self._external_ids(node, "person", pid, rows)
        out = Rows()
        out.add("people", person)
        for name in names:
            out.add("names", name)
        out.extend(rows)
        for key in sorted(summaries.search_keys(names)):
            out.add(
                "name_search",
                {
                    "person_id": pid,
                    "key": key[:200],
                    "tree_id": self.tree_id,
                    "name_key": person["name_key"],
                    "birth_sort": person["birth_sort"],
                    "birth_earliest": person["birth_earliest"],
                    "birth_latest": person["birth_latest"],
                    "sex": sex,
                },
            )
        return out, pid

    def _name(self, node: Node, pid: uuid.UUID, pos: int) -> dict[str, Any]:
        match = _NAME.match((node.payload or "").replace("\n", " "))
        assert match is not None
        given = node.text("GIVN") or (match.group("given") or "").strip()
        surname = node.text("SURN") or (match.group("surname") or "").strip()
        kind = "married" if node.tag == "_MARNM" else "birth"
        type_node = node.first("TYPE")
        if type_node is not None:
            kind = NAME_TYPE_IN.get((type_node.payload or "").upper(), "other")
            phrase = type_node.text("PHRASE")
            for key, text in NAME_PHRASES.items():
                if phrase == text:
                    kind = key
        row = {
            "id": child_id(pid, "name", pos),
            "person_id": pid,
            "tree_id": self.tree_id,
            "position": pos,
            "type": kind,
            "given": given[:200],
            "surname": surname[:200],
            "prefix": node.text("NPFX")[:100],
            "suffix": (node.text("NSFX") or (match.group("suffix") or "").strip())[:100],
            "nickname": node.text("NICK")[:100],
            "title": "",
            "given_key": fold(given)[:200],
            "surname_key": fold(surname)[:200],
        }
        _stamp(row, diff(node, self.writer.name(row), self.ctx.key_of))
        return row

    def family(self, node: Node) -> tuple[Rows, uuid.UUID]:
        self.local.clear()
        xref = node.xref or ""
        fid = self.ctx.id_of(xref)
        self._remember(xref, fid)
        rows = Rows()
        consumed = self._links(node, "family", fid, rows)
        partners: list[uuid.UUID | None] = [None, None]
        children: list[tuple[Node, uuid.UUID]] = []
        events: list[dict[str, Any]] = []
        for child in node.children:
            tag = child.tag
            if tag in ("HUSB", "WIFE") and child.pointer:
                person = self.ctx.target(child, "INDI", child.line)
                if person is None:
                    continue
                self._remember(child.payload or "", person)
                slot = 0 if tag == "HUSB" else 1
                if partners[slot] is None:
                    partners[slot] = person
            elif tag == "CHIL" and child.pointer:
                person = self.ctx.target(child, "INDI", child.line)
                if person is None:
                    continue
                if any(p == person for _, p in children):
                    self.ctx.problems.add(
                        child.line, "duplicate-child", f"{child.payload} is a child of {xref} twice"
                    )
                    # Dropped, not kept in the residual: an export must not say it twice again.
                    consumed.add(id(child))
                    continue
                self._remember(child.payload or "", person)
                children.append((child, person))
                consumed.add(id(child))
            elif tag in EVENT_TYPES_BY_TAG and EVENT_TYPES_BY_TAG[tag].scope != EventScope.PERSON:
                events.append(self._event(child, "family", fid, len(events), rows))
                consumed.add(id(child))
        union = "unknown"
        for event in events:
            if event["type"] == "marriage":
                for key, text in UNION_PHRASES.items():
                    if event["label"] == text:
                        union = key
        family = {
            "id": fid,
            "tree_id": self.tree_id,
            "partner1_id": partners[0],
            "partner2_id": partners[1],
            "union_type": union,
        }
        links = []
        for index, (child, person) in enumerate(children):
            link = {
                "family_id": fid,
                "child_id": person,
                "tree_id": self.tree_id,
                "pedigree": "birth",
                "position": index,
            }
            _stamp(link, diff(child, self.writer.child(link), self.ctx.key_of))
            links.append(link)
        generated = self.writer.family(family, [person for _, person in children])
        _stamp(family, diff(_without(node, consumed), generated, self.ctx.key_of))
        self._external_ids(node, "family", fid, rows)
        out = Rows()
        out.add("families", family)
        out.extend(rows)
        for link in links:
            out.add("family_children", link)
        return out, fid

    def source(self, node: Node) -> Rows:
        self.local.clear()
        xref = node.xref or ""
        sid = self.ctx.id_of(xref)
        self._remember(xref, sid)
        rows = Rows()
        repo = node.first("REPO")
        repository_id = None
        if repo is not None and repo.pointer:
            repository_id = self.ctx.target(repo, "REPO", repo.line)
            if repository_id is not None:
                self._remember(repo.payload or "", repository_id)
        row = {
            "id": sid,
            "tree_id": self.tree_id,
            "title": node.text("TITL")[:500],
            "author": node.text("AUTH")[:300],
            "publication": node.text("PUBL")[:1000],
            "abbreviation": node.text("ABBR")[:100],
            "repository_id": repository_id,
            "call_number": (repo.text("CALN") if repo is not None else "")[:100],
        }
        consumed = self._links(node, "source", sid, rows)
        _stamp(row, diff(_without(node, consumed), self.writer.source(row), self.ctx.key_of))
        self._external_ids(node, "source", sid, rows)
        return Rows.headed("sources", row, rows)

    def repository(self, node: Node) -> Rows:
        self.local.clear()
        xref = node.xref or ""
        rid = self.ctx.id_of(xref)
        self._remember(xref, rid)
        rows = Rows()
        row = {
            "id": rid,
            "tree_id": self.tree_id,
            "name": node.text("NAME")[:300],
            "address": node.text("ADDR")[:1000],
            "url": node.text("WWW")[:1000],
        }
        consumed = self._links(node, "repository", rid, rows)
        _stamp(row, diff(_without(node, consumed), self.writer.repository(row), self.ctx.key_of))
        self._external_ids(node, "repository", rid, rows)
        return Rows.headed("repositories", row, rows)

    def note(self, node: Node) -> Rows:
        self.local.clear()
        xref = node.xref or ""
        nid = self.ctx.id_of(xref)
        self._remember(xref, nid)
        rows = Rows()
        row = {"id": nid, "tree_id": self.tree_id, "text": node.payload or "", "shared": True}
        _stamp(row, diff(node, self.writer.shared_note(row), self.ctx.key_of))
        self._external_ids(node, "note", nid, rows)
        return Rows.headed("notes", row, rows)

    def media(self, node: Node) -> Rows:
        self.local.clear()
        xref = node.xref or ""
        mid = self.ctx.id_of(xref)
        self._remember(xref, mid)
        rows = Rows()
        file = node.first("FILE")
        form = file.first("FORM") if file is not None else None
        row = {
            "id": mid,
            "tree_id": self.tree_id,
            "title": ((file.text("TITL") if file else "") or node.text("TITL"))[:300],
            "file": ((file.payload or "") if file else "")[:1000],
            "mime_type": ((form.payload or "") if form else "")[:100],
        }
        consumed = self._links(node, "media", mid, rows)
        _stamp(row, diff(_without(node, consumed), self.writer.media(row), self.ctx.key_of))
        self._external_ids(node, "media", mid, rows)
        return Rows.headed("media", row, rows)

    def other(self, node: Node, position: int) -> Rows:
        """A record the model has no table for (submitters, extension records, the header):
        kept whole, pointers as keys."""
        self.local.clear()
        xref = node.xref or ""
        rid = (
            self.ctx.id_of(xref)
            if xref
            else uuid.uuid5(NAMESPACE, f"{self.tree_id}/{node.tag}/{position}")
        )
        keyed = diff(node, Node(node.tag, xref=node.xref), self.ctx.key_of)
        out = Rows()
        self._xref(node, "record", rid, out)
        out.add(
            "gedcom_records",
            {
                "id": rid,
                "tree_id": self.tree_id,
                "tag": node.tag[:40],
                "xref": (node.xref or "")[:40],
                "position": position,
                "data": keyed,
            },
        )
        return out


def _without(node: Node, consumed: set[int]) -> Node:
    """The record without the substructures that went into rows of their own."""
    kept = [c for c in node.children if id(c) not in consumed]
    return Node(node.tag, node.payload, node.xref, node.pointer, kept)


XrefOf = Callable[[str, uuid.UUID], str]


class Writer:
    """Rows to 7.0 structures. ``xref_of(kind letter, id)`` names the records pointers reach."""

    def __init__(self, xref_of: XrefOf) -> None:
        self.xref_of = xref_of

    def _ptr(self, tag: str, kind: str, rid: uuid.UUID) -> Node:
        return Node(tag, self.xref_of(kind, rid), None, True)

    def person(
        self,
        row: dict[str, Any],
        *,
        famc: list[tuple[uuid.UUID, str]],
        fams: list[uuid.UUID],
    ) -> Node:
        node = Node("INDI")
        kids = node.children
        sex = SEX_OUT.get(row["sex"], "U")
        if sex != "U":
            kids.append(Node("SEX", sex))
        if row["restriction"]:
            kids.append(Node("RESN", row["restriction"].upper()))
        for family, pedigree in famc:
            link = self._ptr("FAMC", "F", family)
            if pedigree != "birth":
                link.children.append(Node("PEDI", PEDI_OUT.get(pedigree, "OTHER")))
            kids.append(link)
        kids.extend(self._ptr("FAMS", "F", f) for f in fams)
        return node

    def name(self, row: dict[str, Any]) -> Node:
        surname = row["surname"]
        payload = row["given"]
        if surname or not payload:
            payload = f"{payload} /{surname}/".strip()
        if row["suffix"]:
            payload = f"{payload} {row['suffix']}"
        node = Node("NAME", payload)
        kinds = row["type"]
        if kinds in NAME_TYPE_OUT:
            node.children.append(Node("TYPE", NAME_TYPE_OUT[kinds]))
        elif kinds in NAME_PHRASES:
            node.children.append(
                Node("TYPE", "OTHER", children=[Node("PHRASE", NAME_PHRASES[kinds])])
            )
        for tag, key in (("NPFX", "prefix"), ("GIVN", "given"), ("NICK", "nickname")):
            if row[key]:
                node.children.append(Node(tag, row[key]))
        for tag, key in (("SURN", "surname"), ("NSFX", "suffix")):
            if row[key]:
                node.children.append(Node(tag, row[key]))
        return node

    def event(
        self,
        row: dict[str, Any],
        place_text: str | None,
        coords: tuple[float, float] | None,
        links: dict[str, list[dict[str, Any]]],
    ) -> Node:
        known = EVENT_TYPES.get(row["type"])
        node = Node(known.gedcom_tag if known else "EVEN", row["value"] or None)
        if row["label"]:
            node.children.append(Node("TYPE", row["label"]))
        if row["date_text"]:
            node.children.append(Node("DATE", date_for_gedcom7(row["date_text"])))
        if place_text:
            place = Node("PLAC", place_text)
            if coords is not None:
                place.children.append(
                    Node(
                        "MAP",
                        children=[
                            Node("LATI", format_coordinate(coords[0], "N", "S")),
                            Node("LONG", format_coordinate(coords[1], "E", "W")),
                        ],
                    )
                )
            node.children.append(place)
        self.links(node, links)
        return node

    def links(self, node: Node, links: dict[str, list[dict[str, Any]]]) -> None:
        for citation in links.get("citations", []):
            node.children.append(self.citation(citation))
        notes = {n["id"]: n for n in links.get("notes", [])}
        for link in links.get("note_links", []):
            text = notes.get(link["note_id"])
            if text is not None and not text["shared"]:
                node.children.append(self.inline_note(text))
            else:
                node.children.append(self._ptr("SNOTE", "N", link["note_id"]))
        for link in links.get("media_links", []):
            node.children.append(self.media_link(link))

    def citation(self, row: dict[str, Any]) -> Node:
        node = self._ptr("SOUR", "S", row["source_id"])
        if row["page"]:
            node.children.append(Node("PAGE", row["page"]))
        if row["date_text"] or row["text"]:
            data = Node("DATA")
            if row["date_text"]:
                data.children.append(Node("DATE", row["date_text"]))
            if row["text"]:
                data.children.append(Node("TEXT", row["text"]))
            node.children.append(data)
        if row["quality"] is not None:
            node.children.append(Node("QUAY", str(row["quality"])))
        return node

    def inline_note(self, row: dict[str, Any]) -> Node:
        return Node("NOTE", row["text"] or None)

    def shared_note(self, row: dict[str, Any]) -> Node:
        return Node("SNOTE", row["text"] or None)

    def media_link(self, row: dict[str, Any]) -> Node:
        return self._ptr("OBJE", "M", row["media_id"])

    def child(self, row: dict[str, Any]) -> Node:
        return self._ptr("CHIL", "I", row["child_id"])

    def family(self, row: dict[str, Any], children: list[uuid.UUID]) -> Node:
        node = Node("FAM")
        if row["partner1_id"] is not None:
            node.children.append(self._ptr("HUSB", "I", row["partner1_id"]))
        if row["partner2_id"] is not None:
            node.children.append(self._ptr("WIFE", "I", row["partner2_id"]))
        return node

    def source(self, row: dict[str, Any]) -> Node:
        node = Node("SOUR")
        for tag, key in (
            ("AUTH", "author"),
            ("TITL", "title"),
            ("ABBR", "abbreviation"),
            ("PUBL", "publication"),
        ):
            if row[key]:
                node.children.append(Node(tag, row[key]))
        if row["repository_id"] is not None:
            repo = self._ptr("REPO", "R", row["repository_id"])
            if row["call_number"]:
                repo.children.append(Node("CALN", row["call_number"]))
            node.children.append(repo)
        return node

    def repository(self, row: dict[str, Any]) -> Node:
        node = Node("REPO", children=[Node("NAME", row["name"])] if row["name"] else [])
        if row["address"]:
            node.children.append(Node("ADDR", row["address"]))
        if row["url"]:
            node.children.append(Node("WWW", row["url"]))
        return node

    def media(self, row: dict[str, Any]) -> Node:
        node = Node("OBJE")
        if row["file"] or row["mime_type"]:
            file = Node("FILE", row["file"] or None)
            if row["mime_type"]:
                file.children.append(Node("FORM", row["mime_type"]))
            if row["title"]:
                file.children.append(Node("TITL", row["title"]))
            node.children.append(file)
        return node
