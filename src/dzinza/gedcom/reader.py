"""Reading GEDCOM: bytes to a stream of records, one ``Node`` tree per level-0 record.

Streaming: text is decoded a chunk at a time and each record is handed on as soon as the next
one starts, so memory holds one chunk and one record whatever the file's size.

Tolerance is the rule, as real files need it. Leading whitespace, blank lines, any mix of CR and
LF, level jumps, levels deeper than ``MAX_LEVEL``, lines with no level (taken as the continuation
of the text above), bytes the character set cannot decode, NUL characters, and lines after TRLR
are warnings with the line number, not failures. Only input that is not GEDCOM at
all (empty, HTML, an archive, binary noise) is refused, with ``NotGedcom`` saying what it
looks like.

Payloads: CONC and CONT are joined (CONT as a newline). A 7.0 file's leading ``@@`` escape is
undone here; a 5.x file's text is left raw, because its escapes (``@@`` anywhere, ``@#D..@``)
are part of converting it to 7.0 (see ``upgrade``).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from typing import BinaryIO

from dzinza.domain.errors import N_, said
from dzinza.gedcom.charsets import BAD, REPLACEMENT, SAMPLE, Charset, detect, text_stream
from dzinza.gedcom.nodes import Node, Problems

CHUNK = 1 << 15
"""Characters decoded at a time. Small enough that a chunk's lines (split all at once) stay in
the processor's cache and add little to memory: 32 K reads as fast as 1 M, at a quarter of
the peak memory (measured on 100,000 people: 15 MB against 56 MB)."""
MAX_LINE = 32 << 20
"""A line longer than this (32 M characters) is not a GEDCOM line but a broken file."""
MAX_LEVEL = 99
"""The deepest level read as such; deeper lines are read at this level, with a warning. Real
files stay far above it (tests of readers go to 99); it bounds the recursion of everything that
walks a record (conversion, residuals, JSON), which a 1000-level record would exhaust."""

_FIRST_LINE = re.compile(r"^\s*0\s+(@[^@\s]+@\s+)?(HEAD|[A-Za-z_][A-Za-z0-9_]*)\s*$")


class NotGedcom(ValueError):
    """The input is not a GEDCOM file; the message says what it seems to be instead."""


class GedcomFile:
    """An opened GEDCOM file: what its header says, then its records, read once."""

    def __init__(
        self,
        version: str,
        charset: Charset,
        header: Node,
        problems: Problems,
        rest: Iterator[Node],
        builder: _Builder,
        stream: io.TextIOWrapper | None = None,
        owned: bool = False,
    ) -> None:
        self.version = version
        """``HEAD.GEDC.VERS`` ('5.5', '5.5.1', '7.0', ...), or '' when the file does not say."""
        self.charset = charset
        self.header = header
        self.problems = problems
        self._rest = rest
        self._builder = builder
        self._stream = stream
        self._owned = owned
        self._read = False

    def close(self) -> None:
        """Closes the file when ``read_gedcom`` opened it (done after the last record); a
        stream the caller gave stays open."""
        if self._stream is not None:
            if self._owned:
                self._stream.close()
            else:
                self._stream.detach()
            self._stream = None

    @property
    def encoding(self) -> str:
        return self.charset.encoding

    @property
    def declared(self) -> str:
        return self.charset.declared

    @property
    def is_seven(self) -> bool:
        return self.version.startswith("7")

    def records(
        self, *, only: frozenset[str] | None = None, skip: frozenset[str] = frozenset()
    ) -> Iterator[Node]:
        """HEAD first, then every record in file order (TRLR is not yielded). ``only`` and
        ``skip`` pick records by tag; the others are passed over without being built, which
        is what makes reading a file in several passes cheap."""
        if self._read:
            raise RuntimeError("the records of a GEDCOM file can be read once")
        self._read = True
        self._builder.only, self._builder.skip = only, skip
        try:
            yield self.header
            yield from self._rest
        finally:
            self.close()


def read_gedcom(
    source: str | os.PathLike[str] | bytes | BinaryIO, *, problems: Problems | None = None
) -> GedcomFile:
    """Open a GEDCOM file (a path, its bytes, or a seekable binary stream)."""
    owned = isinstance(source, str | os.PathLike | bytes)
    if isinstance(source, bytes):
        raw: BinaryIO = io.BytesIO(source)
    elif isinstance(source, str | os.PathLike):
        raw = open(source, "rb")  # noqa: SIM115 - closed when the records are read
    else:
        raw = source
    try:
        return _open(raw, problems, owned)
    except BaseException:
        if owned:
            raw.close()
        raise


def _open(raw: BinaryIO, problems: Problems | None, owned: bool) -> GedcomFile:
    sample = raw.read(SAMPLE)
    _refuse_if_not_gedcom(sample)
    charset = detect(sample)
    raw.seek(0)
    problems = problems if problems is not None else Problems()
    if charset.note:
        problems.add(1, "charset", charset.note)
    builder = _Builder(problems)
    stream = text_stream(raw, charset)
    rest = builder.records(stream)
    first = next(rest, None)
    if first is None:
        raise NotGedcom(N_("the file has no GEDCOM records"))
    if first.tag != "HEAD":
        problems.add(first.line, "no-header", "the file does not start with a HEAD record")
        header = Node("HEAD", line=0)
        rest = _chain(first, rest)
    else:
        header = first
    gedc = header.first("GEDC")
    version = (gedc.text("VERS") if gedc else "").strip()
    builder.seven = version.startswith("7")
    if builder.seven and header.first("CHAR") is None:
        pass  # 7.0 is UTF-8 by definition; detect() already chose it
    return GedcomFile(version, charset, header, problems, rest, builder, stream, owned)


def line_blocks(stream: io.TextIOBase, size: int = CHUNK) -> Iterator[str]:
    """``stream``'s text in blocks of whole lines (about ``size`` characters; the newline
    that ends a block is left out). A line longer than ``MAX_LINE`` raises ``NotGedcom``."""
    carry = ""
    pieces: list[str] = []  # a line longer than a block, joined once it ends
    held = 0
    lines = 0
    while True:
        chunk = stream.read(size)
        if not chunk:
            break
        cut = chunk.rfind("\n")
        if cut < 0:
            pieces.append(chunk)
            held += len(chunk)
            if held > MAX_LINE:
                raise NotGedcom(
                    said(
                        "line %(line)s is longer than %(most)s characters",
                        line=lines + 1,
                        most=MAX_LINE,
                    )
                )
            continue
        if pieces:
            carry += "".join(pieces)
            pieces.clear()
        text, carry = carry + chunk[:cut], chunk[cut + 1 :]
        held = len(carry)
        lines += text.count("\n") + 1
        yield text
    carry += "".join(pieces)
    if carry:
        yield carry


def parse_text(text: str) -> GedcomFile:
    """Read GEDCOM from a string (for tests and small inputs)."""
    return read_gedcom(text.encode("utf-8"))


def _chain(first: Node, rest: Iterator[Node]) -> Iterator[Node]:
    yield first
    yield from rest


def _refuse_if_not_gedcom(sample: bytes) -> None:
    if not sample.strip(b"\r\n\t \x00\xef\xbb\xbf\xff\xfe"):
        raise NotGedcom(N_("the file is empty"))
    if sample.startswith(b"PK\x03\x04"):
        raise NotGedcom(N_("this is a ZIP archive, not a GEDCOM file (a GEDZIP must end in .gdz)"))
    if sample[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in sample[:2]:
        probe = sample.decode(detect(sample).encoding, "replace")
    else:
        if b"\x00" in sample:
            raise NotGedcom(N_("this is binary data, not a GEDCOM file"))
        probe = sample.removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    first = next((ln for ln in probe.lstrip("\ufeff").splitlines() if ln.strip()), "")
    if _FIRST_LINE.match(first):
        return
    lowered = first.lower()
    if lowered.startswith(("<!doctype html", "<html", "<?xml", "<")):
        raise NotGedcom(N_("this looks like an HTML or XML page, not a GEDCOM file"))
    raise NotGedcom(
        said(
            "this is not a GEDCOM file: it should start with the line '0 HEAD', but starts "
            "with %(start)s",
            start=repr(first[:40]),
        )
    )


_LINE = re.compile(
    r"^(?:[ \t\ufeff]*(\d+)[ \t]+(?:(@[^@\n]*@)[ \t]+)?([^ \t\n]+)(?: ([^\n]*))?|([^\n]*))$",
    re.MULTILINE,
)
"""One line: level, xref, tag, value; or, for a line that is none of that, the whole line.
Every line matches exactly once, so the n-th match is the n-th line."""
_LEVELS = {str(n): n for n in range(100)}


class _Builder:
    """Turns decoded lines into record trees. ``seven`` switches the escape rules."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.seven = False
        self.only: frozenset[str] | None = None
        self.skip: frozenset[str] = frozenset()
        self.cleaned: set[str] = set()

    def lines(self, stream: io.TextIOBase) -> Iterator[tuple[str, str, str, str, str]]:
        """The lines of ``stream``, split by one regular expression a block at a time (the
        splitting runs in C: it is most of the reading's speed)."""
        number = 0
        for text in line_blocks(stream):
            if BAD in text or "\x00" in text:
                text = self._clean(text, number)
            found = _LINE.findall(text)
            number += len(found)
            yield from found

    def _clean(self, text: str, before: int) -> str:
        """``text`` with its undecodable bytes and its NUL characters (which no GEDCOM text may
        hold, and PostgreSQL cannot store) as U+FFFD; the first of each in the file is a
        warning (``before`` lines come before ``text``)."""
        for mark, message in (
            (BAD, "bytes that are not valid in the file's character set were replaced"),
            ("\x00", "NUL characters, which GEDCOM does not allow, were replaced"),
        ):
            at = text.find(mark)
            if at < 0:
                continue
            if mark not in self.cleaned:
                self.cleaned.add(mark)
                self.problems.add(before + text.count("\n", 0, at) + 1, "charset", message)
            text = text.replace(mark, REPLACEMENT)
        return text

    def records(self, stream: io.TextIOBase) -> Iterator[Node]:
        problems = self.problems
        levels = _LEVELS
        stack: list[Node] = []
        record: Node | None = None
        joining: Node | None = None
        parts: list[str] = []
        number = 0
        trailer = False
        passing = False
        for head, xref, tag, value, junk in self.lines(stream):
            number += 1
            if passing:
                if head != "0":
                    continue
                passing = False
            if not tag:
                junk = junk.strip(" \t\ufeff")
                if not junk:
                    continue
                # A line with no level: text that a program wrapped without CONC/CONT.
                if stack:
                    target = joining or stack[-1]
                    if joining is None:
                        joining, parts = target, [target.payload or ""]
                    parts.append("\n" + junk)
                    problems.add(
                        number, "no-level", "a line without a level was joined to the text above it"
                    )
                else:
                    problems.add(number, "no-level", "a line that is not GEDCOM was skipped")
                continue
            level = levels.get(head)
            if level is None:
                # int() refuses more than 4300 digits; any level this long is "too deep".
                level = int(head) if len(head.lstrip("0")) < 10 else MAX_LEVEL + 1
            if tag == "CONT" or tag == "CONC":
                if level == 0 or level > len(stack):
                    problems.add(
                        number,
                        "bad-level",
                        f"{tag} at level {_shown(head)} has no structure to continue",
                    )
                    continue
                if self.seven and value[:2] == "@@":
                    value = value[1:]
                target = stack[level - 1]
                if joining is not target:
                    if joining is not None:
                        joining.payload = "".join(parts)
                    joining, parts = target, [target.payload or ""]
                if tag == "CONT":
                    parts.append("\n")
                if value:
                    parts.append(value)
                continue
            if joining is not None:
                joining.payload = "".join(parts)
                joining = None
            if level == 0:
                if record is not None:
                    # Yielded before this line's value is read: the header sets ``seven``.
                    yield record
                    record = None
                if (
                    self.only is not None and tag not in self.only and tag != "TRLR"
                ) or tag in self.skip:
                    passing = True
                    stack = []
                    continue
            pointer = False
            payload: str | None = value
            if not value:
                payload = None
            elif value[0] == "@":
                if self.seven:
                    if value[:2] == "@@":
                        payload = value[1:]
                    elif value[-1] == "@" and len(value) > 2:
                        pointer = True
                elif (
                    value[-1] == "@"
                    and len(value) > 2
                    and value[1] != "#"
                    and "@" not in value[1:-1]
                ):
                    pointer = True
            node = Node(tag, payload, xref or None, pointer, None, number)
            if level == 0:
                stack = [node]
                if trailer:
                    problems.add(number, "after-trailer", "a record after TRLR was read anyway")
                if tag == "TRLR":
                    trailer = True
                    stack = []
                    continue
                record = node
                continue
            depth = len(stack)
            if depth == 0:
                problems.add(number, "bad-level", "a line before the first record was skipped")
                continue
            if level > depth or level > MAX_LEVEL:
                read = min(depth, MAX_LEVEL)
                if read == MAX_LEVEL and level > MAX_LEVEL:
                    problems.add(
                        number,
                        "too-deep",
                        f"level {_shown(head)} is deeper than {MAX_LEVEL}; read as {read}",
                    )
                else:
                    problems.add(
                        number,
                        "bad-level",
                        f"level {_shown(head)} follows level {depth - 1}; read as level {read}",
                    )
                level = read
            if level < depth:
                del stack[level:]
            stack[-1].children.append(node)
            stack.append(node)
        if joining is not None:
            joining.payload = "".join(parts)
        if record is not None:
            yield record
        if not trailer:
            problems.add(
                number, "no-trailer", "the file does not end with TRLR: it may be cut short"
            )


def _shown(level: str) -> str:
    """A level number as a warning quotes it (a broken file's can be thousands of digits)."""
    return level if len(level) <= 12 else f"{level[:12]}... ({len(level)} digits)"
