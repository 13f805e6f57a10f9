"""Parses ONE GEDCOM file with ONE parser in this process and prints what it measured, as JSON:
``python bench/gedcom_parse.py PARSER PATH``.

It is the child that ``bench/gedcom_run.py`` starts once per parser and run, so that the peak
memory (the high-water mark of this process's RSS, nothing subtracted) belongs to one parser
alone. Dzinza's
reader runs under the project's ``.venv``; the others under the peers' virtualenv made by
``scripts/bench_gedcom.sh``. This file imports nothing but the standard library at its top, so
it runs under either.

"Parse" means what a program that reads the file must do: read it and walk every record and
every structure in it, touching its tag and its value. So a library that parses lazily, or keeps
a native document, is made to hand over the data:

* ``dzinza``: ``read_gedcom(path).records()``, one ``Node`` tree per record, streaming;
* ``ged4py``: ``GedcomReader(path).records0()``, walking ``sub_records`` (ged4py indexes the file
  first, then reads each record; it also parses every DATE into a ``DateValue``);
* ``python-gedcom``: ``Parser().parse_file(path, strict=False)``, walking the root's child
  elements (CONC/CONT lines stay child elements there: they are visited, not counted);
* ``gedcomkit``: ``Gedcom.parse(bytes)`` (Rust), then ``.records()`` (every record as Python
  dicts) and the walk of their structures;
* ``gedcomkit-native``: ``Gedcom.parse(bytes)`` alone: the Rust parse with no Python objects for
  the records, shown apart because a program cannot use the data without asking for it.

The counts printed (records, structures without CONC/CONT, structures with a value) let the runner
check that every parser saw the same file.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from typing import Any

Counts = tuple[int, int, int]
"""(records, structures, structures with a value): TRLR is not counted, nor CONC/CONT, and the
value of a level-0 record (a shared NOTE's text) is touched but not counted."""
JOINED = frozenset(("CONC", "CONT"))


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB: ``VmHWM``, the high-water mark of
    this program's memory. Not ``ru_maxrss``: on Linux that keeps the peak of the image before
    ``exec``, i.e. of the (larger) parent that started this process."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Resident set size now, in MiB (from /proc; 0 where there is none)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except OSError:
        return 0.0
    return pages * resource.getpagesize() / (1 << 20)


def parse_dzinza(path: str) -> Callable[[], Counts]:
    from dzinza.gedcom.reader import read_gedcom

    def run() -> Counts:
        records = structures = valued = 0
        for record in read_gedcom(path).records():
            records += 1
            _ = record.tag, record.xref, record.payload
            stack = list(record.children)
            while stack:
                node = stack.pop()
                structures += 1
                _ = node.tag
                if node.payload:
                    valued += 1
                if node.children:
                    stack.extend(node.children)
        return records, structures, valued

    return run


def parse_ged4py(path: str) -> Callable[[], Counts]:
    from ged4py.parser import GedcomReader

    def run() -> Counts:
        records = structures = valued = 0
        with GedcomReader(path) as reader:
            for record in reader.records0():
                if record.tag == "TRLR":
                    continue
                records += 1
                _ = record.xref_id, record.value
                stack = list(record.sub_records)
                while stack:
                    node = stack.pop()
                    structures += 1
                    _ = node.tag
                    if node.value:
                        valued += 1
                    if node.sub_records:
                        stack.extend(node.sub_records)
        return records, structures, valued

    return run


def parse_python_gedcom(path: str) -> Callable[[], Counts]:
    from gedcom.parser import Parser

    def run() -> Counts:
        records = structures = valued = 0
        parser = Parser()
        parser.parse_file(path, strict=False)
        for record in parser.get_root_child_elements():
            if record.get_tag() == "TRLR":
                continue
            records += 1
            _ = record.get_pointer(), record.get_value()
            stack = list(record.get_child_elements())
            while stack:
                node = stack.pop()
                tag = node.get_tag()
                value = node.get_value()
                if tag not in JOINED:
                    structures += 1
                    if value:
                        valued += 1
                children = node.get_child_elements()
                if children:
                    stack.extend(children)
        return records, structures, valued

    return run


def parse_gedcomkit(path: str) -> Callable[[], Counts]:
    from gedcomkit import Gedcom

    def run() -> Counts:
        records = structures = valued = 0
        with open(path, "rb") as handle:
            doc = Gedcom.parse(handle.read())
        for record in doc.records():
            if record["tag"] == "TRLR":
                continue
            records += 1
            _ = record["xref"], record["title"]  # a NOTE record's text is its title here
            stack = list(record["structures"])
            while stack:
                node = stack.pop()
                structures += 1
                _ = node["tag"]
                if node["value"]:
                    valued += 1
                if node["children"]:
                    stack.extend(node["children"])
        return records, structures, valued

    return run


def parse_gedcomkit_native(path: str) -> Callable[[], Counts]:
    from gedcomkit import Gedcom

    def run() -> Counts:
        with open(path, "rb") as handle:
            doc = Gedcom.parse(handle.read())
        return len(doc), 0, 0

    return run


PARSERS: dict[str, tuple[str, Callable[[str], Callable[[], Counts]]]] = {
    "dzinza": ("dzinza", parse_dzinza),
    "ged4py": ("ged4py", parse_ged4py),
    "python-gedcom": ("python-gedcom", parse_python_gedcom),
    "gedcomkit": ("gedcomkit", parse_gedcomkit),
    "gedcomkit-native": ("gedcomkit", parse_gedcomkit_native),
}


def version_of(distribution: str) -> str:
    # Imported only once the parse is measured: importlib.metadata (with email and zipfile)
    # adds 4 MB to the process, which is the harness's, not the parser's.
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in PARSERS:
        print(f"usage: gedcom_parse.py {{{','.join(PARSERS)}}} PATH", file=sys.stderr)
        return 2
    name, path = args
    distribution, prepare = PARSERS[name]
    run = prepare(path)  # imports the library: not timed
    baseline = current_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    records, structures, valued = run()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = peak_rss_mb()  # before anything else is imported or built
    result: dict[str, Any] = {
        "parser": name,
        "version": version_of(distribution),
        "python": sys.version.split()[0],
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "peak_rss_mb": round(peak, 1),
        "baseline_rss_mb": round(baseline, 1),
        "records": records,
        "structures": structures,
        "valued": valued,
    }
    import json  # after the measurement, for the same reason as version_of's import

    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
