"""Which character set a GEDCOM file is really in, and a text stream that decodes it.

Files say one thing and do another: "ANSEL" files full of UTF-8, "UTF-8" files written in
Windows-1252, UTF-16 without a byte-order mark, "UNICODE" that is really UTF-8. The decision is
made from, in order: the byte-order mark; the pattern of zero bytes (UTF-16 without a mark); the
header's ``CHAR`` line; and then the bytes themselves, which overrule a declaration they
contradict (with a warning saying so).

Decoding errors later in the file do not stop the reading: the bad bytes become U+FFFD and the
reader warns with the line number. The stream first marks them with ``BAD`` (a lone surrogate,
which no correct decoding gives), so that the reader tells them from a U+FFFD that the file
holds as a character, and replaces the mark itself.
"""

from __future__ import annotations

import codecs
import io
import re
from typing import BinaryIO, NamedTuple

_ANSEL = "gedcom"
"""The codec of the ``ansel`` package for ANSEL with the GEDCOM additions."""
_loading_ansel = False


def _find_ansel(name: str) -> codecs.CodecInfo | None:
    """Loads the ANSEL codec the first time a file needs it (few do, and its tables weigh
    about 2 MB of memory). Its own search function then answers."""
    global _loading_ansel
    if name != _ANSEL or _loading_ansel:
        return None
    _loading_ansel = True
    try:
        import ansel

        ansel.register()
        return codecs.lookup(name)
    finally:
        _loading_ansel = False


codecs.register(_find_ansel)

BAD = "\udcff"
"""What a stream gives for bytes its character set cannot decode (see the module docstring)."""
REPLACEMENT = "\ufffd"


def _mark(error: UnicodeError) -> tuple[str, int]:
    if isinstance(error, UnicodeDecodeError):
        return BAD, error.end
    raise error


codecs.register_error("dzinza-gedcom-mark", _mark)

SAMPLE = 1 << 16
"""Bytes read to decide. Enough for any header and a good stretch of records."""

DECLARED: dict[str, str] = {
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
    "UNICODE": "utf-16",
    "UTF-16": "utf-16",
    "ANSEL": "gedcom",
    "ASCII": "ascii",
    "ANSI": "cp1252",
    "WINDOWS-1252": "cp1252",
    "CP1252": "cp1252",
    "IBM WINDOWS": "cp1252",
    "IBMPC": "cp437",
    "IBM PC": "cp437",
    "IBM DOS": "cp437",
    "CP437": "cp437",
    "MSDOS": "cp437",
    "LATIN1": "latin-1",
    "LATIN-1": "latin-1",
    "ISO-8859-1": "latin-1",
    "ISO8859-1": "latin-1",
    "ISO 8859-1": "latin-1",
    "MACINTOSH": "mac_roman",
    "MACROMAN": "mac_roman",
    "MAC": "mac_roman",
}
"""``HEAD.CHAR`` values seen in real files, to Python codec names."""

_CHAR_LINE = re.compile(rb"(?m)^[ \t]*1[ \t]+CHAR[ \t]+([^\r\n]*)")
_HIGH = re.compile(rb"[\x80-\xff]")


class Charset(NamedTuple):
    encoding: str
    """The Python codec that decodes the file."""
    declared: str
    """``HEAD.CHAR`` as written ('' when absent)."""
    note: str = ""
    """Why the bytes overruled the declaration, when they did."""


def _is_utf8(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte sequence cut by the end of the sample is not a reason to doubt.
        return exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data"
    return True


def detect(sample: bytes) -> Charset:
    """Decide how to decode a file from its first bytes."""
    if sample.startswith(codecs.BOM_UTF8):
        return Charset("utf-8-sig", _declared(sample[3:]))
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Charset("utf-16", _declared(sample.decode("utf-16", "replace").encode()))
    stripped = sample.lstrip(b"\r\n\t ")
    if len(stripped) >= 2 and stripped[1] == 0 and stripped[0] != 0:
        return Charset("utf-16-le", _declared(sample.decode("utf-16-le", "replace").encode()))
    if len(stripped) >= 2 and stripped[0] == 0 and stripped[1] != 0:
        return Charset("utf-16-be", _declared(sample.decode("utf-16-be", "replace").encode()))
    declared = _declared(sample)
    wanted = DECLARED.get(declared.upper(), "")
    high = _HIGH.search(sample) is not None
    if wanted in ("", "utf-16"):
        # No declaration (7.0), an unknown one, or "UNICODE" over single bytes: UTF-8 if the
        # bytes allow it, else the Windows code page most such files come from.
        if not high or _is_utf8(sample):
            return Charset("utf-8", declared)
        return Charset("cp1252", declared, f"{declared or 'no CHAR'}: bytes are not UTF-8")
    if wanted == "utf-8":
        if _is_utf8(sample):
            return Charset("utf-8", declared)
        return Charset("cp1252", declared, "declared UTF-8, but the bytes are not UTF-8")
    if high and wanted in ("ascii", "gedcom", "cp1252", "latin-1", "cp437", "mac_roman"):
        if _is_utf8(sample):
            return Charset("utf-8", declared, f"declared {declared}, but the bytes are UTF-8")
        if wanted == "ascii":
            return Charset("cp1252", declared, "declared ASCII, but has 8-bit bytes")
    if wanted == "ascii":
        # Plain ASCII is a subset of UTF-8; reading it as UTF-8 keeps a stray byte readable.
        return Charset("utf-8", declared)
    return Charset(wanted, declared)


def _declared(sample: bytes) -> str:
    match = _CHAR_LINE.search(sample)
    return match.group(1).decode("ascii", "replace").strip() if match else ""


def text_stream(raw: BinaryIO, charset: Charset) -> io.TextIOWrapper:
    """A text stream over ``raw`` (positioned at its start) that turns CR, LF and CRLF, mixed in
    any way, into ``\\n``, and bytes it cannot decode into ``BAD``."""
    return io.TextIOWrapper(
        raw, encoding=charset.encoding, errors="dzinza-gedcom-mark", newline=None
    )
