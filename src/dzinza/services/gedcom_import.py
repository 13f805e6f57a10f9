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

from dzinza.domain.errors import ValidationFailed
from dzinza.gedcom.charsets import SAMPLE, detect, text_stream
from dzinza.gedcom.legacy_values import seven_xref
from dzinza.gedcom.nodes import Node, Problems
from dzinza.gedcom.reader import NotGedcom, read_gedcom
from dzinza.gedcom.upgrade import Survey, upgrade
from dzinza.ports import StoreSession, TreeStore
from dzinza.services.gedcom_rows import Context, Mapper, PlaceCache, Rows

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
_LEVEL0 = re.compile(r"^[ \t\ufeff]*0[ \t]+(@[^@\n]+@)[ \t]+([^ \t\n]+)", re.MULTILINE)

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


def scan(path: Path, problems: Problems) -> Scan:
    """The cheap first pass: every record's xref and tag, duplicates reported."""
    gedcom = read_gedcom(path, problems=Problems())  # refuses what is not GEDCOM
    gedcom.close()
    five = not gedcom.is_seven
    defined: dict[str, str] = {}
    duplicates: set[str] = set()
    counts = dict.fromkeys(sorted(set(REPORTED.values())), 0)
    records = 0
    with open(path, "rb") as raw:
        charset = detect(raw.read(SAMPLE))
        raw.seek(0)
        stream = text_stream(raw, charset)
        # The wrapper goes with ``raw``; detached at the end so only one of them closes it.
        carry = ""
        while True:
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            cut = chunk.rfind("\n")
            if cut < 0:
                carry += chunk
                continue
            text, carry = carry + chunk[:cut], chunk[cut + 1 :]
            records += _scan_text(text, five, defined, counts, problems, duplicates)
        records += _scan_text(carry, five, defined, counts, problems, duplicates)
        stream.detach()
    return Scan(
        gedcom.version, gedcom.encoding, gedcom.declared, defined, counts, records, duplicates
    )


def _scan_text(
    text: str,
    five: bool,
    defined: dict[str, str],
    counts: dict[str, int],
    problems: Problems,
    duplicates: set[str],
) -> int:
    found = 0
    for xref, tag in _LEVEL0.findall(text):
        found += 1
        if five:
            xref = seven_xref(xref)
            tag = "SNOTE" if tag == "NOTE" else tag
        if xref in defined:
            problems.add(
                0, "duplicate-xref", f"{xref} is defined more than once; the first is kept"
            )
            duplicates.add(xref)
            continue
        defined[xref] = tag
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
            found = scan(path, problems)
        except (NotGedcom, UnicodeError) as exc:
            raise ValidationFailed(f"This file cannot be imported: {exc}") from exc
        report = ImportReport(
            tree_id,
            found.version,
            found.encoding,
            found.declared,
            found.counts,
            problems,
            mode="preview" if preview else "apply",
        )
        with self.store.write() as tx:
            tx.set_author(user_id)
            run = _Run(tx, tree_id, path, found, problems, report, progress, preview)
            run.all_passes()
            if preview:
                raise _Preview(report)
        report.seconds = time.monotonic() - started
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
        self.last_report = 0.0
        self.taken: set[str] = set()

    def all_passes(self) -> None:
        self.tx.start_famc()
        self._tick(force=True)
        self._pass("A", only=None, skip=PERSON_TAGS | FAMILY_TAGS)
        self._pass("B", only=PERSON_TAGS)
        self._pass("C", only=FAMILY_TAGS)
        self._flush()
        if not self.preview:
            added = self.tx.finish_famc(self.tree_id)
            if added > 0:
                self.problems.add(
                    0, "famc-only", f"{added} children were linked from their own FAMC only"
                )
            self.tx.refresh_evidence_of_tree(self.tree_id)
        self._tick(force=True)

    def _records(self, only: frozenset[str] | None, skip: frozenset[str]) -> Iterator[Node]:
        gedcom = read_gedcom(self.path, problems=self.problems if only is None else Problems())
        # The survey's ids are the file's own (5.x) spelling; the scan keeps their 7.0 form.
        defined = cast(frozenset[str], _SevenIds(self.found.defined))
        return upgrade(
            gedcom.records(only=only, skip=skip),
            version=gedcom.version,
            problems=self.problems if only is None else Problems(),
            survey=Survey(defined=defined),
        )

    def _pass(
        self, name: str, *, only: frozenset[str] | None, skip: frozenset[str] = frozenset()
    ) -> None:
        group: list[Node] = []
        for record in self._records(only, skip):
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
        elif tag == "FAM":
            rows, _ = mapper.family(record)
            table = "families"
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
