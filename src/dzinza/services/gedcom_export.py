"""GEDCOM export: a tree as GEDCOM 7.0 (default), 5.5.1 or GEDZIP, written as it is read.

Records are generated from the rows by the same ``Writer`` the import used, then what the
import kept of the original (the residual) is put back, so an unedited file comes out as it
went in, up to the order of unlike substructures and the header's program details.

People are read a page at a time, with their names, events, citations, notes, media and family
links fetched per page, so memory stays flat whatever the tree's size. The privacy engine
applies inside the page query: people the reader may not see are left out, or shown as
"Private" with nothing but their family links, as the reader chooses.
"""

from __future__ import annotations

import io
import shutil
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, TextIO
from urllib.parse import quote, unquote

import dzinza
from dzinza.gedcom.nodes import VOID, Node, Problems
from dzinza.gedcom.residual import apply
from dzinza.gedcom.writer import write_records
from dzinza.ports import BlobStore, StoreSession
from dzinza.services.gedcom_rows import PEDI_OUT, Writer, made_up_xref
from dzinza.services.media_files import safe_filename
from dzinza.services.media_store import original_key

PAGE = 1000
Living = Literal["omit", "private"]
HEAD_OWN = frozenset({"GEDC", "SOUR", "CHAR", "DATE", "FILE", "DEST"})
"""Header substructures the exporting program writes for itself."""


class _Xrefs:
    """Each record's xref: the one its file gave it, else one made from its id. Looked up a
    page at a time; an xref two imports both used is replaced by a made-up one."""

    def __init__(self, tx: StoreSession, tree_id: uuid.UUID) -> None:
        self.tx = tx
        self.taken = tx.duplicate_xrefs(tree_id)
        self.cache: dict[uuid.UUID, str] = {}

    def prefetch(self, ids: list[uuid.UUID]) -> None:
        if len(self.cache) > 50_000:
            self.cache.clear()
        wanted = [i for i in ids if i not in self.cache]
        found = self.tx.xrefs_of(wanted)
        for rid in wanted:
            xref = found.get(rid)
            self.cache[rid] = xref if xref and xref not in self.taken else ""

    def of(self, kind: str, rid: uuid.UUID) -> str:
        if rid not in self.cache:
            self.prefetch([rid])
        return self.cache[rid] or made_up_xref(kind, rid)

    def of_key(self, key: str) -> str:
        if key == VOID or ":" not in key:
            return VOID
        kind, _, text = key.partition(":")
        return self.of(kind, uuid.UUID(text))


def _residual(row: dict[str, Any]) -> tuple[list[Any], bool]:
    stored = row.get("gedcom")
    if not stored:
        return [], False
    return stored.get("r", []), row.get("version", 1) != stored.get("v", 1)


class GedcomExporter:
    def __init__(
        self,
        tx: StoreSession,
        tree_id: uuid.UUID,
        *,
        living: Living = "private",
        full: bool = True,
    ) -> None:
        """``full``: the reader sees the whole tree (editors and above, the command line).
        Anyone else gets no records the model does not hold (submitters with their contact
        details, vendor records) and no stored extras of the header: what those say cannot
        be checked against the privacy rules."""
        self.tx = tx
        self.tree_id = tree_id
        self.living = living
        self.full = full
        self.xrefs = _Xrefs(tx, tree_id)
        self.writer = Writer(self.xrefs.of)
        self.counts: dict[str, int] = {}
        self.hidden: set[uuid.UUID] = set()
        self.places: dict[uuid.UUID, tuple[str, float | None, float | None]] = {}
        """Full names and coordinates of the places written so far: the same places come back
        page after page, and a tree has far fewer places than events."""
        self.archive: dict[str, tuple[str, str]] | None = None
        """GEDZIP only: path in the archive -> (SHA-256, media type) of each stored file whose
        item the export holds; FILE names that path."""

    def _fix(self, node: Node, row: dict[str, Any]) -> Node:
        entries, stale = _residual(row)
        if entries:
            apply(node, entries, self.xrefs.of_key, stale=stale)
        return node

    def records(self) -> Iterator[Node]:
        yield self._header()
        if self.full:
            for row in self.tx.gedcom_records_of(self.tree_id):
                if row["tag"] != "HEAD":
                    yield self._other(row)
        yield from self._people()
        yield from self._families()
        yield from self._simple("sources", "S", self.writer.source)
        yield from self._simple("repositories", "R", self.writer.repository)
        yield from self._simple("notes", "N", self.writer.shared_note)
        yield from self._simple("media", "M", self.writer.media)

    def _header(self) -> Node:
        head = Node(
            "HEAD",
            children=[
                Node("GEDC", children=[Node("VERS", "7.0")]),
                Node(
                    "SOUR",
                    "DZINZA",
                    children=[Node("VERS", dzinza.__version__), Node("NAME", "Dzinza")],
                ),
            ],
        )
        last = None
        for row in self.tx.gedcom_records_of(self.tree_id) if self.full else ():
            if row["tag"] == "HEAD":
                last = row
        if last is not None:
            entries = [
                e for e in last["data"].get("r", []) if e[0] == "+" and e[1][0] not in HEAD_OWN
            ]
            apply(head, entries, self.xrefs.of_key)
        return head

    def _other(self, row: dict[str, Any]) -> Node:
        # Every record gets an xref, made up when the file gave none: 7.0 readers want one.
        node = Node(row["tag"], xref=self.xrefs.of("U", row["id"]))
        return apply(node, row["data"].get("r", []), self.xrefs.of_key)

    def _links_for(
        self, kind: str, ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, dict[str, list[dict[str, Any]]]]:
        out: dict[uuid.UUID, dict[str, list[dict[str, Any]]]] = {}
        notes_needed: list[uuid.UUID] = []
        for table in ("citations", "note_links", "media_links"):
            for row in self.tx.export_links(table, kind, ids):
                out.setdefault(row["target_id"], {}).setdefault(table, []).append(row)
                if table == "note_links":
                    notes_needed.append(row["note_id"])
        self.xrefs.prefetch(
            [row["source_id"] for links in out.values() for row in links.get("citations", [])]
            + [row["media_id"] for links in out.values() for row in links.get("media_links", [])]
            + notes_needed
        )
        notes = {n["id"]: n for n in self.tx.get_many("note", notes_needed)} if notes_needed else {}
        for links in out.values():
            for link in links.get("note_links", []):
                note = notes.get(link["note_id"])
                if note is not None:
                    links.setdefault("notes", []).append(note)
        return out

    def _attach(self, node: Node, links: dict[str, list[dict[str, Any]]] | None) -> None:
        if not links:
            return
        for citation in links.get("citations", []):
            node.children.append(self._fix(self.writer.citation(citation), citation))
        notes = {n["id"]: n for n in links.get("notes", [])}
        for link in links.get("note_links", []):
            note = notes.get(link["note_id"])
            if note is not None and not note["shared"]:
                node.children.append(self._fix(self.writer.inline_note(note), note))
            else:
                node.children.append(Node("SNOTE", self.xrefs.of("N", link["note_id"]), None, True))
        for link in links.get("media_links", []):
            node.children.append(self._fix(self.writer.media_link(link), link))

    def _events(self, events: list[dict[str, Any]]) -> list[Node]:
        wanted = {e["place_id"] for e in events if e["place_id"]} - self.places.keys()
        if wanted:
            self.places.update(self.tx.place_paths(list(wanted)))
        places = self.places
        links = self._links_for("event", [e["id"] for e in events])
        out = []
        for event in events:
            place = places.get(event["place_id"]) if event["place_id"] else None
            coords = (
                (place[1], place[2])
                if place and place[1] is not None and place[2] is not None
                else None
            )
            node = self.writer.event(event, place[0] if place else None, coords, {})
            self._attach(node, links.get(event["id"]))
            out.append(self._fix(node, event))
        return out

    def _people(self) -> Iterator[Node]:
        after = None
        count = 0
        while True:
            page = self.tx.export_people(self.tree_id, after, PAGE)
            if not page:
                break
            after = page[-1]["id"]
            shown = [p for p in page if not (p["hidden"] and self.living == "omit")]
            self.hidden.update(p["id"] for p in page if p["hidden"])
            ids = [p["id"] for p in shown]
            full = [p["id"] for p in shown if not p["hidden"]]
            names: dict[uuid.UUID, list[dict[str, Any]]] = {}
            for row in self.tx.export_children("names", "person_id", full):
                names.setdefault(row["person_id"], []).append(row)
            events: dict[uuid.UUID, list[dict[str, Any]]] = {}
            event_rows = self.tx.export_children("events", "person_id", full)
            for row, node in zip(event_rows, self._events(event_rows), strict=True):
                events.setdefault(row["person_id"], []).append({"node": node})
            famc: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {}
            for row in self.tx.export_children("family_children", "child_id", ids):
                famc.setdefault(row["child_id"], []).append((row["family_id"], row["pedigree"]))
            fams: dict[uuid.UUID, list[uuid.UUID]] = {}
            for row in self.tx.export_families_of(ids):
                for partner in (row["partner1_id"], row["partner2_id"]):
                    if partner is not None:
                        fams.setdefault(partner, []).append(row["id"])
            links = self._links_for("person", full)
            self.xrefs.prefetch(
                ids
                + [f for v in famc.values() for f, _ in v]
                + [f for v in fams.values() for f in v]
            )
            for person in shown:
                pid = person["id"]
                node = self._person(
                    person,
                    names.get(pid, []),
                    events.get(pid, []),
                    famc.get(pid, []),
                    fams.get(pid, []),
                    links.get(pid),
                )
                count += 1
                yield node
        self.counts["individuals"] = count

    def _person(
        self,
        person: dict[str, Any],
        names: list[dict[str, Any]],
        events: list[dict[str, Any]],
        famc: list[tuple[uuid.UUID, str]],
        fams: list[uuid.UUID],
        links: dict[str, list[dict[str, Any]]] | None,
    ) -> Node:
        pid = person["id"]
        if person["hidden"]:
            node = Node("INDI", xref=self.xrefs.of("I", pid), children=[Node("NAME", "Private //")])
            for family, _ in famc:
                node.children.append(Node("FAMC", self.xrefs.of("F", family), None, True))
            node.children.extend(Node("FAMS", self.xrefs.of("F", f), None, True) for f in fams)
            return node
        node = self.writer.person(person, famc=sorted(famc), fams=sorted(fams))
        node.children[0:0] = [self._fix(self.writer.name(n), n) for n in names]
        node.children.extend(e["node"] for e in events)
        self._attach(node, links)
        # The residual last: what it adds (a link to @VOID@ ...) comes after the rows' own.
        self._fix(node, person)
        node.xref = self.xrefs.of("I", pid)
        if not person.get("gedcom"):
            node.children.append(Node("UID", str(pid)))
        return node

    def _families(self) -> Iterator[Node]:
        after = None
        count = 0
        while True:
            page = self.tx.export_records("families", self.tree_id, after, PAGE)
            if not page:
                break
            after = page[-1]["id"]
            ids = [f["id"] for f in page]
            children: dict[uuid.UUID, list[dict[str, Any]]] = {}
            for row in self.tx.export_children("family_children", "family_id", ids):
                if self.living == "omit" and row["child_id"] in self.hidden:
                    continue
                children.setdefault(row["family_id"], []).append(row)
            event_rows = self.tx.export_children("events", "family_id", ids)
            nodes = self._events(event_rows)
            events: dict[uuid.UUID, list[Node]] = {}
            for row, node in zip(event_rows, nodes, strict=True):
                events.setdefault(row["family_id"], []).append(node)
            links = self._links_for("family", ids)
            self.xrefs.prefetch(
                ids
                + [k["child_id"] for kids in children.values() for k in kids]
                + [p for f in page for p in (f["partner1_id"], f["partner2_id"]) if p is not None]
            )
            for family in page:
                fid = family["id"]
                if self.living == "omit":
                    family = {
                        **family,
                        "partner1_id": None
                        if family["partner1_id"] in self.hidden
                        else family["partner1_id"],
                        "partner2_id": None
                        if family["partner2_id"] in self.hidden
                        else family["partner2_id"],
                    }
                kids = children.get(fid, [])
                hidden_family = (
                    family["partner1_id"] in self.hidden or family["partner2_id"] in self.hidden
                )
                node = self.writer.family(family, [k["child_id"] for k in kids])
                for kid in kids:
                    node.children.append(self._fix(self.writer.child(kid), kid))
                if not hidden_family:
                    node.children.extend(events.get(fid, []))
                    self._attach(node, links.get(fid))
                    # The residual last: what it adds (@VOID@ links) comes after the rows'.
                    self._fix(node, family)
                node.xref = self.xrefs.of("F", fid)
                if not family.get("gedcom"):
                    node.children.append(Node("UID", str(fid)))
                count += 1
                yield node
        self.counts["families"] = count

    def _archived(self, row: dict[str, Any]) -> dict[str, Any]:
        """In a GEDZIP, a stored file goes into the archive and FILE names it there: at the
        path it had (a GEDZIP imported earlier) when that is a plain relative path not taken
        yet, else under media/ by its content."""
        if self.archive is None or row.get("sha256") is None or row.get("status") != "ready":
            return row
        path = str(row["file"] or "")
        entry = unquote(path)  # 7.0 writes FILE as a URL: %20 in FILE is a space in the archive
        if not _plain_path(entry) or entry in self.archive or entry == "gedcom.ged":
            name = safe_filename(row.get("original_name") or entry or "file")
            entry = f"media/{row['sha256'][:16]}/{name}"
            path = quote(entry)
        self.archive[entry] = (row["sha256"], row["mime_type"] or "")
        return {**row, "file": path}

    def _simple(self, table: str, kind: str, make: Any) -> Iterator[Node]:
        after = None
        count = 0
        link_kind = {
            "sources": "source",
            "repositories": "repository",
            "notes": "note",
            "media": "media",
        }[table]
        while True:
            page = self.tx.export_records(table, self.tree_id, after, PAGE)
            if not page:
                break
            after = page[-1]["id"]
            if table == "notes":
                page = [n for n in page if n["shared"]]
            links = self._links_for(link_kind, [r["id"] for r in page]) if table != "notes" else {}
            self.xrefs.prefetch(
                [r["id"] for r in page]
                + [r["repository_id"] for r in page if r.get("repository_id")]
            )
            for row in page:
                if table == "media":
                    row = self._archived(row)
                node = make(row)
                self._fix(node, row)
                node.xref = self.xrefs.of(kind, row["id"])
                self._attach(node, links.get(row["id"]))
                count += 1
                yield node
        self.counts[table] = count


def export_gedcom(
    tx: StoreSession,
    tree_id: uuid.UUID,
    out: TextIO,
    *,
    version: Literal["7.0", "5.5.1"] = "7.0",
    living: Living = "private",
    full: bool = True,
    problems: Problems | None = None,
) -> dict[str, int]:
    """Writes the tree to ``out`` as the session's reader may see it (see ``GedcomExporter``);
    returns the count of records per kind. ``problems`` hears what had to be changed for the
    file to be valid in its version (a 5.5 extra that 7.0 forbids, an impossible date ...)."""
    problems = problems if problems is not None else Problems()
    exporter = GedcomExporter(tx, tree_id, living=living, full=full)
    records: Iterator[Node] = exporter.records()
    if version != "7.0":
        from dzinza.gedcom.downgrade import downgrade

        records = downgrade(records, problems=problems)
    write_records(records, out, version=version, problems=problems)
    return exporter.counts


FILE_FORMATS: dict[str, tuple[str, str]] = {
    "gedcom7": ("ged", "text/vnd.familysearch.gedcom"),
    "gedcom551": ("ged", "text/vnd.familysearch.gedcom"),
    "gdz": ("gdz", "application/vnd.familysearch.gedzip"),
}
"""The formats a tree is exported in: file extension and media type."""


def export_file(
    tx: StoreSession,
    tree_id: uuid.UUID,
    path: Path,
    format: str,
    *,
    living: Living = "private",
    full: bool = True,
    problems: Problems | None = None,
    blobs: BlobStore | None = None,
) -> dict[str, int]:
    """Writes the tree to ``path`` in one of ``FILE_FORMATS``; returns the counts. A GEDZIP
    holds the stored files of its media items (from ``blobs``)."""
    if format == "gdz":
        with open(path, "wb") as raw:
            return export_gedzip(
                tx, tree_id, raw, living=living, full=full, problems=problems, blobs=blobs
            )
    with open(path, "w", encoding="utf-8", newline="\n") as text:
        return export_gedcom(
            tx,
            tree_id,
            text,
            version="7.0" if format == "gedcom7" else "5.5.1",
            living=living,
            full=full,
            problems=problems,
        )


def export_gedzip(
    tx: StoreSession,
    tree_id: uuid.UUID,
    target: IO[bytes],
    *,
    living: Living = "private",
    full: bool = True,
    problems: Problems | None = None,
    blobs: BlobStore | None = None,
) -> dict[str, int]:
    """A GEDZIP archive: ``gedcom.ged`` (7.0) and the stored file of every media item the
    export holds, each where its FILE says (files already compressed are stored as they are).
    Without ``blobs`` the archive holds the GEDCOM file and its FILE references only."""
    problems = problems if problems is not None else Problems()
    exporter = GedcomExporter(tx, tree_id, living=living, full=full)
    if blobs is not None:
        exporter.archive = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("gedcom.ged", "w") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
            write_records(exporter.records(), text, version="7.0", problems=problems)
            text.flush()
            text.detach()
        for name, (sha256, mime) in (exporter.archive or {}).items():
            assert blobs is not None
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            # Photos, sound and video are compressed already: deflating them again gains nothing.
            packed = mime.startswith(("image/", "video/", "audio/")) and mime != "image/tiff"
            entry.compress_type = zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED
            try:
                with (
                    blobs.open(original_key(sha256)) as src,
                    archive.open(entry, "w", force_zip64=True) as dst,
                ):
                    shutil.copyfileobj(src, dst, 1024 * 1024)
            except KeyError:
                problems.add(0, "media-missing", f"The file {name} is missing from the store.")
        exporter.counts["media_files"] = len(exporter.archive or {})
    return exporter.counts


def _plain_path(path: str) -> bool:
    """A relative path inside an archive: no scheme, no absolute or parent parts."""
    if not path or "://" in path or path.startswith(("/", "\\")) or "\\" in path:
        return False
    parts = path.split("/")
    return all(p not in ("", ".", "..") for p in parts) and ":" not in parts[0]


__all__ = [
    "FILE_FORMATS",
    "PEDI_OUT",
    "GedcomExporter",
    "export_file",
    "export_gedcom",
    "export_gedzip",
]
