"""GEDCOM import: a file into a tree, all or nothing, with progress, in a few streaming passes.

1. A scan reads only the level-0 lines: the xref and tag of every record (so pointers can be
   checked, and their targets' ids known before the targets are read) and the counts for the
   progress bar. A file that is not GEDCOM is refused here, before anything is written.
2. Records the people point at (sources, repositories, shared notes, media, submitters).
3. People. 4. Families, whose partners and children are in by then.

Each pass builds only the records it wants; the others are skipped line by line. The foreign
keys are satisfied batch by batch, so the rows go in with COPY (PostgreSQL) or one executemany
(SQLite) per table per batch, and memory holds one batch whatever the file's size.

The whole import is one transaction: cancelled, failed or killed, it leaves no half tree.
Importing into a tree that already holds the file's records matches them by id (derived from
the tree and the xref, or found through ``UID``/``REFN``): unchanged records are left alone,
changed ones are rewritten in place, new ones added. ``preview`` counts that without writing.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import orjson

from dzinza import telemetry
from dzinza.domain.errors import ValidationFailed, said
from dzinza.gedcom.charsets import BAD, REPLACEMENT, SAMPLE, detect, text_stream
from dzinza.gedcom.legacy_values import seven_xref
from dzinza.gedcom.nodes import Node, Problems
from dzinza.gedcom.reader import NotGedcom, line_blocks, read_gedcom
from dzinza.gedcom.upgrade import Survey, upgrade
from dzinza.ports import StoreSession, TreeStore
from dzinza.services.gedcom_rows import Context, Mapper, PlaceCache, Rows, record_id

BATCH = 20_000
"""Rows buffered before they are written."""
PERSON_TAGS = frozenset({"INDI"})
FAMILY_TAGS = frozenset({"FAM"})
REPORTED = {
    "INDI": "individuals",
    "FAM": "families",
    "SOUR": "sources",
    "REPO": "repositories",
    "SNOTE": "notes",
    "NOTE": "notes",
    "OBJE": "media",
    "SUBM": "submitters",
}
_SCAN = re.compile(
    r"^[ \t\ufeff]*(?:0[ \t]+(@[^@\n]+@)?[ \t]*([^ \t\n]+)|1[ \t]+(_UID|UID|REFN)[ \t]+([^\n]*))",
    re.MULTILINE,
)
"""Records (level 0: xref, tag) and the identifiers they carry (level 1: UID, _UID, REFN)."""
RECORD_TYPES = {
    "INDI": "person",
    "FAM": "family",
    "SOUR": "source",
    "REPO": "repository",
    "SNOTE": "note",
    "OBJE": "media",
}

MATCHED_TABLES = {
    "people": "person",
    "families": "family",
    "sources": "source",
    "repositories": "repository",
    "notes": "note",
    "media": "media",
}
"""Tables whose rows are records of the file, matched by id when a file is imported again."""

Progress = Callable[[int, int | None, str], None]


def refused_file(exc: Exception) -> str:
    """ "This file cannot be imported: <why>", the reason as the reader said it."""
    reason = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    return said("This file cannot be imported: %(reason)s", reason=reason)


class ImportCancelled(Exception):
    """Raised by a progress callback to stop an import (the transaction is rolled back)."""


@dataclass
class ImportReport:
    tree_id: uuid.UUID
    version: str
    encoding: str
    declared: str
    counts: dict[str, int]
    problems: Problems
    mode: str = "apply"
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tree_id": str(self.tree_id),
            "mode": self.mode,
            "version": self.version,
            "encoding": self.encoding,
            "declared_charset": self.declared,
            "counts": self.counts,
            "records": {"new": self.new, "changed": self.changed, "unchanged": self.unchanged},
            "warnings": [p.as_dict() for p in self.problems.items],
            "warning_count": self.problems.total,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Scan:
    version: str
    encoding: str
    declared: str
    defined: dict[str, str]
    counts: dict[str, int]
    records: int
    duplicates: set[str] = field(default_factory=set)
    identifiers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """xref -> the (kind, value) of its UID, _UID ("uid") and REFN ("refn") lines."""


def scan(path: Path, problems: Problems, *, identifiers: bool = False) -> Scan:
    """The cheap first pass: every record's xref and tag, duplicates reported; with
    ``identifiers``, each record's UID and REFN values too (to match a tree's records by)."""
    gedcom = read_gedcom(path, problems=Problems())  # refuses what is not GEDCOM
    gedcom.close()
    five = not gedcom.is_seven
    defined: dict[str, str] = {}
    duplicates: set[str] = set()
    # Kept only when they will be used: for a million records they would weigh 100 MB or more.
    ids: dict[str, list[tuple[str, str]]] | None = {} if identifiers else None
    current: list[str | None] = [None]  # the record the scan is in, across chunks
    counts = dict.fromkeys(sorted(set(REPORTED.values())), 0)
    records = 0
    with open(path, "rb") as raw:
        charset = detect(raw.read(SAMPLE))
        raw.seek(0)
        stream = text_stream(raw, charset)
        # The wrapper goes with ``raw``; detached at the end so only one of them closes it.
        # Large blocks: the scan's regular expression keeps only level-0 and identifier lines.
        for text in line_blocks(stream, 1 << 20):
            records += _scan_text(text, five, defined, counts, problems, duplicates, ids, current)
        stream.detach()
    return Scan(
        gedcom.version,
        gedcom.encoding,
        gedcom.declared,
        defined,
        counts,
        records,
        duplicates,
        ids or {},
    )


def _scan_text(
    text: str,
    five: bool,
    defined: dict[str, str],
    counts: dict[str, int],
    problems: Problems,
    duplicates: set[str],
    ids: dict[str, list[tuple[str, str]]] | None,
    current: list[str | None],
) -> int:
    found = 0
    if BAD in text or "\x00" in text:
        # As the reader gives them (and warns).
        text = text.replace(BAD, REPLACEMENT).replace("\x00", REPLACEMENT)
    for xref, tag, id_tag, value in _SCAN.findall(text):
        if id_tag:
            owner = current[0]
            if owner is not None and ids is not None and value.strip():
                kind = "refn" if id_tag == "REFN" else "uid"
                ids.setdefault(owner, []).append((kind, value.strip()[:200]))
            continue
        if not xref:  # HEAD, TRLR, or a record without an id: nothing points at it
            current[0] = None
            reported = REPORTED.get(tag)
            if reported:  # valid in 7.0, and imported like any other
                counts[reported] += 1
                found += 1
            continue
        found += 1
        if five:
            xref = seven_xref(xref)
            tag = "SNOTE" if tag == "NOTE" else tag
        if xref in defined:
            problems.add(
                0, "duplicate-xref", f"{xref} is defined more than once; the first is kept"
            )
            duplicates.add(xref)
            current[0] = None
            continue
        defined[xref] = tag
        current[0] = xref
        reported = REPORTED.get(tag)
        if reported:
            counts[reported] += 1
    return found


class GedcomImporter:
    """Runs imports. ``progress(done, total, message)`` may raise ``ImportCancelled``."""

    def __init__(self, store: TreeStore) -> None:
        self.store = store

    def run(
        self,
        path: Path,
        tree_id: uuid.UUID,
        *,
        user_id: uuid.UUID | None = None,
        progress: Progress | None = None,
        preview: bool = False,
    ) -> ImportReport:
        started = time.monotonic()
        problems = Problems()
        try:
            with self.store.read() as tx:
                stored = tx.count_records(tree_id)
            found = scan(path, problems, identifiers=bool(stored["people"] or stored["sources"]))
        except (NotGedcom, UnicodeError) as exc:
            raise ValidationFailed(refused_file(exc)) from exc
        report = ImportReport(
            tree_id,
            found.version,
            found.encoding,
            found.declared,
            found.counts,
            problems,
            mode="preview" if preview else "apply",
        )
        try:
            with self.store.write() as tx:
                tx.set_author(user_id)
                run = _Run(tx, tree_id, path, found, problems, report, progress, preview)
                run.all_passes()
                if preview:
                    raise _Preview(report)
        except NotGedcom as exc:
            # Found past the scan (a line longer than the reader takes): rolled back whole.
            raise ValidationFailed(refused_file(exc)) from exc
        report.seconds = time.monotonic() - started
        telemetry.IMPORTED.inc(report.new + report.changed + report.unchanged)
        telemetry.IMPORT_SECONDS.observe(report.seconds)
        return report

    def preview(self, path: Path, tree_id: uuid.UUID, **kwargs: Any) -> ImportReport:
        try:
            return self.run(path, tree_id, preview=True, **kwargs)
        except _Preview as done:
            return done.report


class _SevenIds:
    """Membership of 5.x ids in the scan's set of 7.0 ids."""

    def __init__(self, seven: dict[str, str]) -> None:
        self.seven = seven

    def __contains__(self, xref: object) -> bool:
        return isinstance(xref, str) and seven_xref(xref) in self.seven


class _LaterPass(Problems):
    """The warnings of the second and third passes, into the import's: less those the first
    pass gave already (the header's, which every pass reads, the end of the file's, and the
    character set's, which the reader finds in every line, read or passed over)."""

    FILE_WIDE = frozenset({"no-trailer", "no-header", "charset"})

    def __init__(self, into: Problems, head_end: int) -> None:
        super().__init__()
        self.into = into
        self.head_end = head_end

    def add(self, line: int, code: str, message: str) -> None:
        if code in self.FILE_WIDE or 0 < line <= self.head_end:
            return
        self.into.add(line, code, message)


class _Lineage:
    """Who is whose partner and child, gathered as the records go by, to find the people who
    are their own ancestors (which the file can say and Dzinza's editing refuses). Memory: a
    few ids per family and per child, as the scan's xref set costs per record."""

    def __init__(self) -> None:
        self.partners: dict[uuid.UUID, tuple[uuid.UUID | None, ...]] = {}
        self.where: dict[uuid.UUID, tuple[str, int]] = {}
        self.child_in: dict[uuid.UUID, list[uuid.UUID]] = {}

    def child(self, person: uuid.UUID, family: uuid.UUID) -> None:
        families = self.child_in.setdefault(person, [])
        if family not in families:  # said by both the FAM's CHIL and the INDI's FAMC
            families.append(family)

    def family(self, row: dict[str, Any], xref: str, line: int) -> None:
        self.partners[row["id"]] = (row["partner1_id"], row["partner2_id"])
        self.where[row["id"]] = (xref, line)

    def _up(self, family: uuid.UUID) -> Iterator[uuid.UUID]:
        """The families the partners of ``family`` are children in."""
        for partner in self.partners.get(family, ()):
            if partner is not None:
                yield from self.child_in.get(partner, ())

    def loops(self) -> Iterator[list[uuid.UUID]]:
        """Each loop of families found going up the tree (a depth-first walk, iterative so that
        a long line of descent cannot exhaust the stack)."""
        done: set[uuid.UUID] = set()
        for start in self.partners:
            if start in done:
                continue
            path = [start]
            on_path = {start}
            walks = [self._up(start)]
            while walks:
                for above in walks[-1]:
                    if above in on_path:
                        yield path[path.index(above) :]
                    elif above not in done:
                        path.append(above)
                        on_path.add(above)
                        walks.append(self._up(above))
                        break
                else:
                    walks.pop()
                    finished = path.pop()
                    on_path.discard(finished)
                    done.add(finished)

    def report(self, problems: Problems) -> None:
        for loop in self.loops():
            xref, line = self.where[loop[0]]
            if len(loop) == 1:
                message = f"a partner in {xref} is also its child: they are their own parent"
            else:
                chain = " -> ".join(self.where[f][0] for f in [*loop, loop[0]])
                message = f"a person is their own ancestor through the families {chain}"
            problems.add(line, "own-ancestor", message)


class _Preview(Exception):
    """Rolls back the transaction of a preview, carrying its report out."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("preview")
        self.report = report


class _Run:
    def __init__(
        self,
        tx: StoreSession,
        tree_id: uuid.UUID,
        path: Path,
        found: Scan,
        problems: Problems,
        report: ImportReport,
        progress: Progress | None,
        preview: bool,
    ) -> None:
        self.tx = tx
        self.tree_id = tree_id
        self.path = path
        self.found = found
        self.problems = problems
        self.report = report
        self.progress = progress
        self.preview = preview
        places = PlaceCache(tree_id)
        self.existing_places = tx.place_ids(tree_id)
        self.ctx = Context(tree_id, found.defined, problems, places)
        self.mapper = Mapper(self.ctx)
        self.buffer: dict[str, list[dict[str, Any]]] = {}
        self.buffered = 0
        self.done = 0
        self.position = 0
        stored = tx.count_records(tree_id)
        self.merging = bool(stored["people"] or stored["sources"])
        if self.merging and found.identifiers:
            self.ctx.remap = match_identifiers(tx, tree_id, found)
        self.last_report = 0.0
        self.taken: set[str] = set()
        self.head_end = 0
        self.lineage = _Lineage()

    def all_passes(self) -> None:
        self.tx.start_famc()
        self._tick(force=True)
        self._pass("A", only=None, skip=PERSON_TAGS | FAMILY_TAGS)
        self._pass("B", only=PERSON_TAGS)
        self._pass("C", only=FAMILY_TAGS)
        self._flush()
        self.lineage.report(self.problems)
        if not self.preview:
            added = self.tx.finish_famc(self.tree_id)
            if added > 0:
                self.problems.add(
                    0, "famc-only", f"{added} children were linked from their own FAMC only"
                )
            self.tx.refresh_evidence_of_tree(self.tree_id)
            # The whole tree is indexed for search once this transaction commits.
            self.tx.queue_search([(self.tree_id, "tree", self.tree_id)])
        self._tick(force=True)

    def _records(self, only: frozenset[str] | None, skip: frozenset[str]) -> Iterator[Node]:
        # Each pass reads the lines of its own records only, so each reports their warnings;
        # the first pass reports those of the header and the file as a whole.
        problems = self.problems if only is None else _LaterPass(self.problems, self.head_end)
        gedcom = read_gedcom(self.path, problems=problems)
        # The survey's ids are the file's own (5.x) spelling; the scan keeps their 7.0 form.
        defined = cast(frozenset[str], _SevenIds(self.found.defined))
        return upgrade(
            gedcom.records(only=only, skip=skip),
            version=gedcom.version,
            problems=problems,
            survey=Survey(defined=defined),
        )

    def _pass(
        self, name: str, *, only: frozenset[str] | None, skip: frozenset[str] = frozenset()
    ) -> None:
        group: list[Node] = []
        for record in self._records(only, skip):
            if record.tag == "HEAD":
                if name != "A":
                    continue  # every pass reads the header; the first keeps it
                self.head_end = max(node.line for node in record.walk())
            if record.xref and record.xref not in self.found.defined and group:
                group.append(record)  # made by the conversion from what the last record held
                continue
            self._group(group, name)
            group = [record]
        self._group(group, name)

    def _group(self, group: list[Node], name: str) -> None:
        if not group:
            return
        if len(group) > 1:
            renamed = {}
            for made in group[1:]:
                assert made.xref is not None
                new = f"@{made.xref[1:-1]}_{name}@"
                renamed[made.xref] = new
                made.xref = new
                self.found.defined[new] = made.tag
            for record in group:
                for node in record.walk():
                    if node.pointer and node.payload in renamed:
                        node.payload = renamed[node.payload]
            for made in group[1:]:
                self._one(made)
        self._one(group[0])

    def _one(self, record: Node) -> None:
        tag = record.tag
        if record.xref is not None and record.xref in self.found.duplicates:
            if record.xref in self.taken:
                self.problems.add(
                    record.line, "duplicate-xref", f"a second {record.xref} was skipped"
                )
                return
            self.taken.add(record.xref)
        mapper = self.mapper
        if tag == "INDI":
            rows, _ = mapper.person(record)
            table = "people"
            for link in rows.tables.get("famc", []):
                self.lineage.child(link["child_id"], link["family_id"])
        elif tag == "FAM":
            rows, _ = mapper.family(record)
            table = "families"
            self.lineage.family(rows.tables["families"][0], record.xref or "", record.line)
            for link in rows.tables.get("family_children", []):
                self.lineage.child(link["child_id"], link["family_id"])
        elif tag == "SOUR":
            rows, table = mapper.source(record), "sources"
        elif tag == "REPO":
            rows, table = mapper.repository(record), "repositories"
        elif tag == "SNOTE":
            rows, table = mapper.note(record), "notes"
        elif tag == "OBJE":
            rows, table = mapper.media(record), "media"
        else:
            self.position += 1
            rows, table = mapper.other(record, self.position), "gedcom_records"
        self.done += 1
        self._stamp_hash(record, rows, table)
        self._add(rows)
        self._tick()

    def _stamp_hash(self, record: Node, rows: Rows, table: str) -> None:
        top = rows.tables[table][0]
        digest = hashlib.blake2b(orjson.dumps(record.to_list()), digest_size=12).hexdigest()
        if table == "gedcom_records":
            top["data"] = {"h": digest, "r": top["data"]}
        else:
            top["gedcom"] = {"v": 1, "r": (top["gedcom"] or {}).get("r", []), "h": digest}

    def _add(self, rows: Rows) -> None:
        for table, items in rows.tables.items():
            if table == "places":
                fresh = [p for p in items if p["id"] not in self.existing_places]
                self.existing_places.update(p["id"] for p in fresh)
                items = fresh
            self.buffer.setdefault(table, []).extend(items)
            self.buffered += len(items)
        if self.buffered >= BATCH:
            self._flush()

    def _flush(self) -> None:
        buffer, self.buffer, self.buffered = self.buffer, {}, 0
        if self.merging:
            self._merge(buffer)
        else:  # an empty tree: every record of the file is new
            self.report.new += sum(
                1
                for table in MATCHED_TABLES
                for r in buffer.get(table, [])
                if r.get("gedcom") and "h" in r["gedcom"]
            )
        if self.preview:
            return
        tx = self.tx
        for table in (
            "places",
            "repositories",
            "sources",
            "notes",
            "media",
            "people",
            "names",
            "families",
            "events",
            "citations",
            "note_links",
            "media_links",
            "external_ids",
            "family_children",
            "name_search",
            "gedcom_records",
        ):
            tx.bulk_insert(table, buffer.get(table, []))
        tx.set_place_coords(buffer.get("place_coords", []))
        tx.bulk_insert("import_famc", buffer.get("famc", []))

    def _merge(self, buffer: dict[str, list[dict[str, Any]]]) -> None:
        """Into a tree that has records already: leave unchanged ones alone, rewrite changed
        ones in place, add the new (and count all three)."""
        others = buffer.get("gedcom_records", [])
        if others and not self.preview:
            # Records without a table of their own (the header, submitters) are replaced whole.
            self.tx.drop_gedcom_records([r["id"] for r in others])
        for table, kind in MATCHED_TABLES.items():
            rows = [r for r in buffer.get(table, []) if r.get("gedcom") and "h" in r["gedcom"]]
            if not rows:
                continue
            old = self.tx.existing_ids(table, [r["id"] for r in rows])
            keep: list[dict[str, Any]] = []
            changed: list[dict[str, Any]] = []
            same: set[uuid.UUID] = set()
            for row in rows:
                before = old.get(row["id"], ...)
                if before is ...:
                    self.report.new += 1
                    keep.append(row)
                elif (before or {}).get("h") == row["gedcom"]["h"]:
                    self.report.unchanged += 1
                    same.add(row["id"])
                else:
                    self.report.changed += 1
                    changed.append(row)
            owned = [
                r for r in buffer.get(table, []) if not (r.get("gedcom") and "h" in r["gedcom"])
            ]
            buffer[table] = keep + owned
            if self.preview:
                continue
            if changed:
                self.tx.clear_owned(table, [r["id"] for r in changed], kind)
                self.tx.update_records(table, changed)
            self._drop_owned_rows(buffer, same)

    def _drop_owned_rows(
        self, buffer: dict[str, list[dict[str, Any]]], same: set[uuid.UUID]
    ) -> None:
        """Takes out of the batch what hangs from records that are unchanged."""
        if not same:
            return
        events = buffer.get("events", [])
        owners = set(same)
        owners.update(r["id"] for r in events if r["person_id"] in same or r["family_id"] in same)
        buffer["events"] = [r for r in events if r["id"] not in owners]
        for table, column in (
            ("names", "person_id"),
            ("name_search", "person_id"),
            ("famc", "child_id"),
        ):
            buffer[table] = [r for r in buffer.get(table, []) if r[column] not in same]
        for table in ("citations", "note_links", "media_links", "external_ids"):
            buffer[table] = [r for r in buffer.get(table, []) if r["target_id"] not in owners]
        buffer["family_children"] = [
            r for r in buffer.get("family_children", []) if r["family_id"] not in same
        ]
        linked = {r["note_id"] for r in buffer.get("note_links", [])}
        buffer["notes"] = [
            r for r in buffer.get("notes", []) if r.get("shared", True) or r["id"] in linked
        ]

    def _tick(self, *, force: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if force or now - self.last_report >= 0.25:
            self.last_report = now
            # The header, the trailer and records the conversion from 5.x makes are done
            # too, beyond the scan's count of the file's own records.
            self.progress(self.done, max(self.done, self.found.records), "importing")


def match_identifiers(tx: StoreSession, tree_id: uuid.UUID, found: Scan) -> dict[str, uuid.UUID]:
    """Records of the file that are records of the tree under another xref (the file came
    back from another program, which renumbered it): matched by UID or _UID first, then by a
    REFN that names one record on each side. Returns xref -> the tree's record id, for those
    whose id would otherwise differ."""
    values = sorted({value for pairs in found.identifiers.values() for _, value in pairs})
    known: dict[tuple[str, str], set[tuple[str, uuid.UUID]]] = {}
    for row in tx.identified_records(tree_id, values):
        known.setdefault((row["kind"], row["value"]), set()).add(
            (row["target_type"], row["target_id"])
        )
    in_file: dict[tuple[str, str], int] = {}
    for pairs in found.identifiers.values():
        for pair in set(pairs):
            in_file[pair] = in_file.get(pair, 0) + 1
    chosen: dict[str, uuid.UUID] = {}
    for xref, pairs in found.identifiers.items():
        wanted = RECORD_TYPES.get(found.defined.get(xref, ""))
        if wanted is None:
            continue
        for kind in ("uid", "refn"):
            hits = {
                target
                for pair in pairs
                if pair[0] == kind and in_file.get(pair) == 1
                for target_type, target in known.get(pair, ())
                if target_type == wanted
            }
            if len(hits) == 1:
                chosen[xref] = hits.pop()
                break
    if not chosen:
        return {}
    # Two of the file's records may not become one: a match is dropped when its record is
    # also another xref's own (same xref as before) or another match's.
    natural = {record_id(tree_id, xref): xref for xref in found.defined}
    taken: dict[uuid.UUID, int] = {}
    for target in chosen.values():
        taken[target] = taken.get(target, 0) + 1
    remap: dict[str, uuid.UUID] = {}
    for xref, target in chosen.items():
        owner = natural.get(target)
        if taken[target] > 1 or (owner is not None and owner != xref and owner not in chosen):
            continue
        if owner != xref:
            remap[xref] = target
    return remap
