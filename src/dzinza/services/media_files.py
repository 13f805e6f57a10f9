"""What Dzinza does with the bytes of an uploaded photo, document, recording or film.

Everything here works on local files and plain bytes, with no storage or database behind it:

* :func:`sniff` names a file's type from its first bytes (never from its name) and refuses what
  Dzinza does not take: active content a browser or desktop could run (HTML, SVG with scripts,
  XML, programs, scripts, PDFs with JavaScript or launch actions), archives and anything unknown;
* :func:`inspect` opens the whole file: it decodes every pixel of a photo (so a truncated or
  damaged one is refused), checks pixel and page limits before decoding, and reads the few EXIF
  facts a family historian cares about (when, where, which camera);
* :func:`derivatives` makes the JPEG thumbnails the web pages show, turned upright and stripped
  of every piece of metadata (a photo's GPS position must not leak through its thumbnail); for a
  PDF it renders the first page;
* :func:`safe_filename` turns an uploaded file name into one that is safe to store and to offer
  for download.

Every refusal is a :class:`MediaRefused` with a sentence for the person uploading and a short
machine code. The decoders see hostile input, so any error they raise is turned into a refusal:
a bad file must never surface as anything else. Serving the stored files is not done here; the
type named by :func:`sniff` is the only Content-Type they should be served with, together with
``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import bisect
import io
import math
import mmap
import re
import struct
import threading
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import filetype  # type: ignore[import-untyped]
import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_raw  # type: ignore[import-untyped]
from PIL import Image, ImageCms, ImageOps

from dzinza.domain.errors import N_, said

_T = TypeVar("_T")

KINDS = ("image", "document", "audio", "video")

DERIVATIVE_SIZES = {"small": 200, "medium": 800, "large": 2048}
"""The longest side in pixels of each thumbnail; a photo is never enlarged to make one."""

HEAD_SIZE = 8192
"""How many leading bytes :func:`sniff` looks at."""

MAX_FRAMES = 10_000
"""More frames than this in an animated GIF, WebP or PNG (or pages in a TIFF) is refused."""

PDF_PREVIEW_SIDE = 2048
MAX_PDF_SCALE = 8.0
"""A tiny PDF page is rendered at no more than 576 dpi (8 x 72): enlarging vector art further
shows nothing new, and the cap keeps a degenerate page size from asking for a huge scale."""

JPEG_QUALITY = 85

ACCEPTED_SUMMARY = (
    "Dzinza accepts photos (JPEG, PNG, GIF, WebP, TIFF, HEIC, AVIF), PDF documents, "
    "audio (MP3, WAV, OGG, FLAC, M4A) and video (MP4, MOV, WebM, MKV, AVI, 3GP)."
)


@dataclass(frozen=True)
class Detected:
    """A file's type as named by its content."""

    mime: str
    kind: str
    """One of :data:`KINDS`."""
    extension: str
    """With the dot, e.g. ``.jpg``: the extension Dzinza stores and serves the file under."""


class MediaRefused(Exception):
    """A file Dzinza will not take. ``reason`` is for the person uploading it, ``code`` for
    programs: ``empty``, ``active-content``, ``unsupported-type``, ``corrupt``,
    ``too-many-pixels``, ``too-many-frames``, ``too-many-pages`` or ``encrypted``."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code

    def __repr__(self) -> str:
        return f"MediaRefused({self.reason!r}, {self.code!r})"

    def __reduce__(self) -> tuple[type[MediaRefused], tuple[str, str]]:
        # Keep both arguments when pickled (a job queue may carry the refusal to another process).
        return (MediaRefused, (self.reason, self.code))


@dataclass(frozen=True)
class Limits:
    """How big a file Dzinza agrees to decode."""

    max_pixels: int = 100_000_000
    max_side: int = 30_000
    max_pdf_pages: int = 5_000


@dataclass(frozen=True)
class Inspection:
    """What :func:`inspect` learnt from a whole file."""

    detected: Detected
    width: int | None
    """As displayed, i.e. after EXIF orientation is applied. For a PDF: its first page in points
    (1/72 inch), which gives the shape of the preview. None for audio and video."""
    height: int | None
    pages: int | None
    """The number of pages of a PDF; None for everything else."""
    taken_at: str | None
    """EXIF DateTimeOriginal (or DateTime) as ``YYYY-MM-DDTHH:MM:SS``, without a time zone
    (cameras record local time)."""
    latitude: float | None
    """EXIF GPS position in decimal degrees, south and west negative."""
    longitude: float | None
    camera: str | None
    """EXIF ``Make Model``, e.g. ``Canon EOS 5D``."""


@dataclass(frozen=True)
class Derivative:
    """A JPEG made from an upload: a thumbnail, or the rendered first page of a PDF."""

    name: str
    """``small``, ``medium`` or ``large`` (see :data:`DERIVATIVE_SIZES`), or ``preview``."""
    data: bytes
    mime: str
    width: int
    height: int


# --- Type detection -------------------------------------------------------------------------


def _accepted(mime: str, kind: str, extension: str) -> Detected:
    return Detected(mime=mime, kind=kind, extension=extension)


JPEG = _accepted("image/jpeg", "image", ".jpg")
PNG = _accepted("image/png", "image", ".png")
GIF = _accepted("image/gif", "image", ".gif")
WEBP = _accepted("image/webp", "image", ".webp")
TIFF = _accepted("image/tiff", "image", ".tif")
HEIC = _accepted("image/heic", "image", ".heic")
HEIF = _accepted("image/heif", "image", ".heif")
AVIF = _accepted("image/avif", "image", ".avif")
PDF = _accepted("application/pdf", "document", ".pdf")
MP3 = _accepted("audio/mpeg", "audio", ".mp3")
WAV = _accepted("audio/wav", "audio", ".wav")
OGG = _accepted("audio/ogg", "audio", ".ogg")
FLAC = _accepted("audio/flac", "audio", ".flac")
M4A = _accepted("audio/mp4", "audio", ".m4a")
AAC = _accepted("audio/aac", "audio", ".aac")
MP4 = _accepted("video/mp4", "video", ".mp4")
MOV = _accepted("video/quicktime", "video", ".mov")
WEBM = _accepted("video/webm", "video", ".webm")
MKV = _accepted("video/x-matroska", "video", ".mkv")
AVI = _accepted("video/x-msvideo", "video", ".avi")
THREE_GP = _accepted("video/3gpp", "video", ".3gp")

# The MIME types the `filetype` package reports for what Dzinza accepts. ISO media (MP4, MOV,
# HEIC...) and Matroska are named by this module's own checks, which look at more brands.
_FILETYPE_ACCEPTED: dict[str, Detected] = {
    "image/jpeg": JPEG,
    "image/png": PNG,
    "image/apng": PNG,  # an animated PNG is a PNG to every reader
    "image/gif": GIF,
    "image/webp": WEBP,
    "image/tiff": TIFF,
    "application/pdf": PDF,
    "audio/mpeg": MP3,
    "audio/x-wav": WAV,
    "audio/ogg": OGG,
    "audio/x-flac": FLAC,
    "audio/aac": AAC,
    "video/x-msvideo": AVI,
}

# What `filetype` can name that Dzinza refuses: a program, or something that can run code.
_FILETYPE_ACTIVE: dict[str, str] = {
    "application/x-msdownload": "a Windows program",
    "application/x-executable": "a Linux program (ELF)",
    "application/wasm": "a WebAssembly program",
    "application/x-shockwave-flash": "a Flash file",
    "application/postscript": "a PostScript program",
    "application/msword": "a Word 97-2003 document (which can hold macros)",
    "application/vnd.ms-excel": "an Excel 97-2003 workbook (which can hold macros)",
    "application/vnd.ms-powerpoint": "a PowerPoint 97-2003 presentation (which can hold macros)",
    "application/x-google-chrome-extension": "a browser extension",
    "application/x-deb": "a Debian software package",
    "application/x-rpm": "an RPM software package",
}

# ... and what it can name that Dzinza simply does not take.
_FILETYPE_UNSUPPORTED: dict[str, str] = {
    "application/zip": "a ZIP archive",
    "application/epub+zip": "an EPUB e-book",
    "application/x-tar": "a TAR archive",
    "application/x-rar-compressed": "a RAR archive",
    "application/gzip": "a gzip archive",
    "application/x-bzip2": "a bzip2 archive",
    "application/x-7z-compressed": "a 7-Zip archive",
    "application/x-xz": "an XZ archive",
    "application/zstd": "a Zstandard archive",
    "application/x-lzip": "an lzip archive",
    "application/x-lz4": "an LZ4 archive",
    "application/x-lzop": "an lzop archive",
    "application/x-compress": "a compressed (.Z) archive",
    "application/x-brotli": "a Brotli archive",
    "application/x-unix-archive": "an ar archive",
    "application/vnd.ms-cab-compressed": "a Windows cabinet archive",
    "application/x-sqlite3": "an SQLite database",
    "application/rtf": "an RTF document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("a Word document"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "an Excel workbook",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "a PowerPoint presentation"
    ),
    "application/vnd.oasis.opendocument.text": "an OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet",
    "application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation",
    "application/x-nintendo-nes-rom": "a game cartridge image",
    "application/dicom": "a DICOM medical image",
    "application/font-woff": "a web font",
    "application/font-sfnt": "a font",
    "application/octet-stream": "an embedded font (EOT)",
    "image/bmp": "a BMP image",
    "image/x-icon": "an icon file",
    "image/vnd.adobe.photoshop": "a Photoshop document",
    "image/x-canon-cr2": "a Canon raw photo",
    "image/vnd.ms-photo": "a JPEG XR image",
    "image/jpx": "a JPEG 2000 image",
    "image/vnd.dwg": "an AutoCAD drawing",
    "image/x-xcf": "a GIMP document",
    "audio/midi": "a MIDI file",
    "audio/x-aiff": "an AIFF recording",
    "audio/amr": "an AMR voice recording",
    "video/x-ms-wmv": "a Windows Media video",
    "video/x-flv": "a Flash video",
    "video/mpeg": "an MPEG-1/2 video",
}

# Programs and scripts, by their first bytes. Checked before anything else so that no other
# rule can let one through.
_EXECUTABLE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program (ELF)"),
    (b"\xfe\xed\xfa\xce", "a macOS program (Mach-O)"),
    (b"\xfe\xed\xfa\xcf", "a macOS program (Mach-O)"),
    (b"\xce\xfa\xed\xfe", "a macOS program (Mach-O)"),
    (b"\xcf\xfa\xed\xfe", "a macOS program (Mach-O)"),
    (b"\xca\xfe\xba\xbe", "a Java class or macOS program"),
    (b"\x00asm", "a WebAssembly program"),
    (b"dex\n", "an Android program"),
    (b"L\x00\x00\x00\x01\x14\x02\x00", "a Windows shortcut (.lnk)"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "a Microsoft compound file (an installer, or an Office 97-2003 document with room "
        "for macros)",
    ),
    (b"FWS", "a Flash file"),
    (b"CWS", "a Flash file"),
    (b"ZWS", "a Flash file"),
    (b"%!", "a PostScript program"),
)

# ISO base media files (MP4 and its relatives, HEIF, AVIF) name themselves by "brands" in
# their first box; `filetype` looks at too few of them (an iPhone's HEIC or a 3GP goes amiss).
_HEIC_BRANDS = frozenset({"heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"})
_AVIF_BRANDS = frozenset({"avif", "avis"})
_M4A_BRANDS = frozenset({"M4A ", "M4B ", "M4P ", "F4A ", "F4B "})
_MP4_BRANDS = frozenset(
    {"isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7", "iso8", "iso9", "mp41", "mp42"}
    | {"mp71", "avc1", "dash", "mmp4", "MSNV", "NDAS", "NDSC", "NDSH", "NDSM", "NDSP", "NDSS"}
    | {"NDXC", "NDXH", "NDXM", "NDXP", "NDXS", "F4V ", "F4P ", "M4V ", "M4VH", "M4VP", "XAVC"}
)
# A QuickTime movie from before ftyp boxes existed starts with one of these atoms.
_QUICKTIME_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"pnot"})


def _refuse_unsupported(what: str) -> MediaRefused:
    return MediaRefused(
        said(
            "This file is %(what)s, which Dzinza does not accept. %(accepted_summary)s",
            what=what,
            accepted_summary=ACCEPTED_SUMMARY,
        ),
        "unsupported-type",
    )


def _refuse_active(what: str) -> MediaRefused:
    return MediaRefused(
        said(
            "This file is %(what)s. Files that can run code on a computer or in a browser are not accepted. %(accepted_summary)s",
            what=what,
            accepted_summary=ACCEPTED_SUMMARY,
        ),
        "active-content",
    )


def _iso_media(head: bytes) -> Detected | None:
    """The type of an ISO base media file (MP4, MOV, M4A, 3GP, HEIC, AVIF), from its brands."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS:
            return MOV
        return None
    (size,) = struct.unpack(">I", head[:4])
    end = min(len(head), size) if size >= 16 else len(head)
    major = head[8:12].decode("latin-1")
    compatible = {head[offset : offset + 4].decode("latin-1") for offset in range(16, end - 3, 4)}
    brands = compatible | {major}
    if major in _AVIF_BRANDS or (major in {"mif1", "msf1", "miaf"} and compatible & _AVIF_BRANDS):
        return AVIF
    if major in _HEIC_BRANDS or (major in {"mif1", "msf1"} and compatible & _HEIC_BRANDS):
        return HEIC
    if major in {"mif1", "msf1"}:
        return HEIF
    if major == "qt  ":
        return MOV
    if major.startswith(("3gp", "3g2", "3ge", "3gg", "3gs")):
        return THREE_GP
    if major in _M4A_BRANDS:
        return M4A
    if major == "crx ":
        raise _refuse_unsupported("a Canon raw photo (CR3)")
    if major in {"jp2 ", "jpx ", "jpm "}:
        raise _refuse_unsupported("a JPEG 2000 image")
    if major in {"jxl "}:
        raise _refuse_unsupported("a JPEG XL image")
    if brands & _MP4_BRANDS:
        return MP4
    if compatible & _M4A_BRANDS:
        return M4A
    raise _refuse_unsupported(f"an ISO media file of an unknown kind (brand {major.strip()!r})")


def _matroska(head: bytes) -> Detected | None:
    """WebM or Matroska, from the DocType in the EBML header (``filetype`` wants one exact
    encoding of its length)."""
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return None
    header = head[:256]
    if b"webm" in header:
        return WEBM
    if b"matroska" in header:
        return MKV
    raise _refuse_unsupported("an EBML file that is neither WebM nor Matroska")


def _audio_extra(head: bytes) -> Detected | None:
    """Audio that `filetype` misses: FLAC behind an ID3 tag, MP3 frames with a CRC."""
    if head.startswith(b"ID3") and len(head) >= 10:
        # The ID3v2 size is "synchsafe": 7 bits in each of 4 bytes, not counting the header.
        size = 0
        for byte in head[6:10]:
            size = (size << 7) | (byte & 0x7F)
        after = 10 + size + (10 if head[5] & 0x10 else 0)
        if head[after : after + 4] == b"fLaC":
            return FLAC
        return MP3
    if head[:2] in {b"\xff\xfa", b"\xff\xe3", b"\xff\xe2"}:
        return MP3
    if head.startswith(b"OggS"):
        return OGG
    return None


def sniff(head: bytes) -> Detected:
    """The type of a file from its first bytes (at least :data:`HEAD_SIZE` of them when the file
    is that long), whatever its name says. Raises :class:`MediaRefused` for an empty file, active
    content, and any type Dzinza does not accept."""
    head = bytes(head[:HEAD_SIZE])
    if not head:
        raise MediaRefused(N_("This file is empty."), "empty")
    # "#!AMR" is the header of an AMR recording, not a script.
    if not head.startswith(b"#!AMR"):
        if head.startswith(b"#!"):
            raise _refuse_active("a script")
        for magic, what in _EXECUTABLE_MAGIC:
            if head.startswith(magic):
                raise _refuse_active(what)
    for special in (_iso_media, _matroska, _audio_extra):
        found = special(head)
        if found is not None:
            return found
    try:
        guessed = filetype.guess(head)
        mime = str(guessed.mime) if guessed is not None else None
    except Exception:  # a matcher tripping over odd bytes must not stop the upload check
        mime = None
    if mime is not None:
        if mime in _FILETYPE_ACCEPTED:
            detected = _FILETYPE_ACCEPTED[mime]
            if detected is PDF:
                _refuse_active_pdf(head)
            return detected
        if mime in _FILETYPE_ACTIVE:
            raise _refuse_active(_FILETYPE_ACTIVE[mime])
        raise _refuse_unsupported(_FILETYPE_UNSUPPORTED.get(mime, f"of type {mime}"))
    text = _as_text(head)
    if text is None:
        raise _refuse_unsupported("of a type Dzinza does not recognise")
    _refuse_markup(text)
    raise _refuse_unsupported("a plain text file")


# --- Text formats: HTML, SVG, XML ----------------------------------------------------------

_TEXT_CONTROLS = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}


def _as_text(head: bytes) -> str | None:
    """The head as lower-case text, if it reads as text in a common encoding; else None."""
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="replace").lower()
    if b"\x00" in head:
        # UTF-16 without a byte order mark: mostly ASCII, so every other byte is zero.
        even, odd = head[0::2], head[1::2]
        if odd and odd.count(0) >= 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return head.decode("utf-16-le", errors="replace").lower()
        if even and even.count(0) >= 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return head.decode("utf-16-be", errors="replace").lower()
        return None
    controls = sum(1 for byte in head if byte in _TEXT_CONTROLS)
    if controls > len(head) // 20:
        return None
    return head.decode("utf-8", errors="replace").lower()


# The tags the WHATWG MIME sniffing standard treats as the start of an HTML document, and a few
# more that make a browser run or fetch something.
_HTML_TAGS = frozenset(
    {"html", "head", "script", "iframe", "h1", "div", "font", "table", "a", "style", "title"}
    | {"b", "body", "br", "p", "meta", "link", "img", "form", "object", "embed", "frameset"}
    | {"frame", "base", "template", "math", "marquee", "applet", "input", "button", "video"}
)
_HTML_ANYWHERE = ("<script", "<html", "<iframe", "<body", "<frameset", "<object", "<embed")
_SVG_ACTIVE = re.compile(
    r"<script|<foreignobject|<handler|<iframe|<embed|<object|javascript:|vbscript:"
    r"|data:text/html|[\s/\"']on[a-z]+\s*="
)
_TAG = re.compile(r"<([a-z][a-z0-9._:-]*)")


def _refuse_markup(text: str) -> None:
    """Refuse HTML, SVG, XML and server-side scripts; return for anything else."""
    rest = text.lstrip("\ufeff \t\r\n\x0c")
    doctype = ""
    xml = False
    # Skip the XML declaration, processing instructions, comments and the doctype, in any
    # number and order, to reach the first element.
    for _ in range(100):
        rest = rest.lstrip()
        if rest.startswith(("<?php", "<?=", "<%")):
            raise _refuse_active("a server-side script (PHP, ASP or JSP)")
        if rest.startswith("<?"):
            xml = True
            end = rest.find("?>")
            rest = rest[end + 2 :] if end >= 0 else ""
        elif rest.startswith("<!--"):
            end = rest.find("-->")
            rest = rest[end + 3 :] if end >= 0 else ""
        elif rest.startswith("<!doctype"):
            end = rest.find(">")
            doctype = rest[: end if end >= 0 else len(rest)]
            rest = rest[end + 1 :] if end >= 0 else ""
        else:
            break
    match = _TAG.match(rest)
    tag = match.group(1) if match else ""
    local = tag.rpartition(":")[2]
    if doctype.startswith("<!doctype html") or local in _HTML_TAGS:
        if "xhtml" in text:
            raise _refuse_active("an XHTML document (a web page)")
        raise _refuse_active("a web page (HTML)")
    if local == "svg" or "svg" in doctype or "<svg" in text:
        if _SVG_ACTIVE.search(text):
            raise _refuse_active("an SVG drawing with scripts in it")
        raise MediaRefused(
            N_("SVG drawings are not accepted. Please upload the picture as PNG, or as PDF."),
            "unsupported-type",
        )
    if any(marker in text for marker in _HTML_ANYWHERE):
        raise _refuse_active("a text file with HTML in it")
    if "http://www.w3.org/1999/xhtml" in text:
        raise _refuse_active("an XHTML document (a web page)")
    if xml or tag:
        raise _refuse_active("an XML document (XML can carry scripts and style sheets)")


# --- PDF: JavaScript, launch actions, attachments -------------------------------------------

# Names that make a PDF run code, start a program or carry another file. A long name counts
# wherever it is; the short ones only outside stream data, where three random bytes of a
# scanned page would otherwise match them (a JavaScript action needs "/S /JavaScript" anyway).
_PDF_LONG_NAMES = frozenset({"javascript", "launch", "embeddedfile", "embeddedfiles", "richmedia"})
_PDF_SHORT_NAMES = frozenset({"JS", "XFA"})
# A name is "/" then regular characters; "#xx" spells a byte in hex ("/J#61vaScript"). Only
# names that begin like one of the above are looked at closely: "/Length" is in every object.
_PDF_NAME = re.compile(
    rb"/(?=ja|js|j#|la|l#|em|e#|ri|r#|xf|x#|#)[^\x00\t\n\x0c\r ()<>\[\]{}/%]{1,64}", re.IGNORECASE
)
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_PDF_INFLATE_BUDGET = 64 * 1024 * 1024
_PDF_CHUNK = 1024 * 1024

# pdfium is not thread-safe: one document at a time in this process.
_PDFIUM_LOCK = threading.Lock()


def _pdf_name(raw: bytes) -> str:
    return _PDF_HEX.sub(lambda match: bytes([int(match.group(1), 16)]), raw).decode("latin-1")


def _active_name(buffer: Any, bodies: list[tuple[int, int, int]] | None) -> str | None:
    """The first active name in ``buffer`` (bytes or a memory map). With ``bodies`` (keyword
    offset, start, end of each stream's data), short names inside stream data are ignored."""
    starts = [body[1] for body in bodies] if bodies else []
    for match in _PDF_NAME.finditer(buffer):
        name = _pdf_name(match.group()[1:])
        if name.lower() in _PDF_LONG_NAMES:
            return name
        if name in _PDF_SHORT_NAMES:
            if bodies:
                index = bisect.bisect_right(starts, match.start()) - 1
                if index >= 0 and match.start() < bodies[index][2]:
                    continue
            return name
    return None


def _stream_bodies(buffer: Any) -> list[tuple[int, int, int]]:
    bodies: list[tuple[int, int, int]] = []
    position = 0
    while (match := _PDF_STREAM.search(buffer, position)) is not None:
        end = buffer.find(b"endstream", match.end())
        if end < 0:
            end = len(buffer)
        bodies.append((match.start(), match.end(), end))
        position = end + len(b"endstream")
    return bodies


def _inflate(buffer: Any, start: int, end: int, budget: int) -> bytes | None:
    """The Flate-decoded data between ``start`` and ``end``, or None past ``budget`` bytes. A
    damaged stream gives what could be decoded of it."""
    decoder = zlib.decompressobj()
    out = bytearray()
    pending = b""
    position = start
    try:
        while not decoder.eof:
            if not pending:
                if position >= end:
                    break
                pending = bytes(buffer[position : min(end, position + _PDF_CHUNK)])
                position += len(pending)
            room = budget - len(out)
            if room <= 0:
                return None
            out += decoder.decompress(pending, room)
            pending = decoder.unconsumed_tail
    except zlib.error:
        pass
    return bytes(out)


def _refuse_active_pdf(buffer: Any) -> None:
    """Refuse a PDF whose bytes name JavaScript, a launch action, an attachment, rich media or
    an XFA form, in its plain objects or in its compressed object streams (PDF 1.5 packs
    dictionaries into those, out of sight of a plain scan)."""
    bodies = _stream_bodies(buffer)
    found = _active_name(buffer, bodies)
    budget = _PDF_INFLATE_BUDGET
    for keyword, start, end in bodies:
        if found is not None:
            break
        window = bytes(buffer[max(0, keyword - 2048) : keyword])
        window = window[window.rfind(b"obj") + 1 :]  # this stream's dictionary
        if b"ObjStm" not in window and b"#" not in window:
            continue  # the quick answer for nearly every stream
        dictionary = _pdf_name(window)
        if "/ObjStm" not in dictionary:
            continue
        if "/Filter" not in dictionary:
            found = _active_name(bytes(buffer[start:end]), None)
        elif "/FlateDecode" in dictionary or "/Fl" in dictionary:
            objects = _inflate(buffer, start, end, budget)
            if objects is None:
                raise _refuse_active(
                    "a PDF too large inside to be checked for scripts (its object streams "
                    "hold more than 64 MiB)"
                )
            budget -= len(objects)
            found = _active_name(objects, None)
    if found is not None:
        raise _refuse_active(
            f"a PDF with active content (/{found}: scripts, launch actions, "
            "attachments or interactive forms)"
        )


@contextmanager
def _open_pdf(path: Path) -> Iterator[Any]:
    """The document, opened by pdfium; the caller holds :data:`_PDFIUM_LOCK`."""
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_raw.FPDF_ERR_PASSWORD:
            raise _refuse_encrypted() from exc
        raise MediaRefused(
            N_("This PDF cannot be opened: it is damaged, or has no pages."), "corrupt"
        ) from exc
    try:
        # Even a PDF that opens without a password may be encrypted (an "owner" password that
        # forbids printing or copying): its streams cannot be checked for scripts.
        if int(pdfium_raw.FPDF_GetSecurityHandlerRevision(pdf.raw)) != -1:
            raise _refuse_encrypted()
        yield pdf
    finally:
        pdf.close()


def _refuse_encrypted() -> MediaRefused:
    return MediaRefused(
        N_("This PDF is password-protected or encrypted. Please upload a copy without protection."),
        "encrypted",
    )


def _inspect_pdf(path: Path, detected: Detected, limits: Limits) -> Inspection:
    with open(path, "rb") as raw, mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ) as data:
        _refuse_active_pdf(data)
    with _PDFIUM_LOCK, _decoding("PDF"), _open_pdf(path) as pdf:
        pages = len(pdf)
        if pages > limits.max_pdf_pages:
            raise MediaRefused(
                said(
                    "This PDF has %(pages)s pages; Dzinza accepts up to %(max_pdf_pages)s.",
                    pages=pages,
                    max_pdf_pages=limits.max_pdf_pages,
                ),
                "too-many-pages",
            )
        # pdfium's own view of the document: what its parser found, whatever the encoding.
        if int(pdfium_raw.FPDFDoc_GetJavaScriptActionCount(pdf.raw)) > 0:
            raise _refuse_active("a PDF with JavaScript in it")
        if int(pdf.count_attachments()) > 0:
            raise _refuse_active("a PDF with other files attached to it")
        if int(pdf.get_formtype()) in {
            pdfium_raw.FORMTYPE_XFA_FULL,
            pdfium_raw.FORMTYPE_XFA_FOREGROUND,
        }:
            raise _refuse_active("a PDF with an XFA form (which can run scripts)")
        width, height = _page_size(pdf)
    return Inspection(
        detected=detected,
        width=max(1, round(width)),
        height=max(1, round(height)),
        pages=pages,
        taken_at=None,
        latitude=None,
        longitude=None,
        camera=None,
    )


def _page_size(pdf: Any) -> tuple[float, float]:
    page = pdf[0]
    try:
        width, height = (float(side) for side in page.get_size())
    finally:
        page.close()
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        raise MediaRefused(N_("The first page of this PDF has no size."), "corrupt")
    return width, height


def _render_first_page(path: Path) -> Image.Image:
    with _PDFIUM_LOCK, _decoding("PDF"), _open_pdf(path) as pdf:
        width, height = _page_size(pdf)
        scale = min(PDF_PREVIEW_SIDE / max(width, height), MAX_PDF_SCALE)
        page = pdf[0]
        try:
            bitmap = page.render(scale=scale)
            try:
                # A copy: the bitmap's memory goes when it is closed.
                rendered: Image.Image = bitmap.to_pil().convert("RGB")
            finally:
                bitmap.close()
        finally:
            page.close()
    # Rounding may give a pixel more than asked for.
    rendered.thumbnail((PDF_PREVIEW_SIDE, PDF_PREVIEW_SIDE), Image.Resampling.LANCZOS)
    return rendered


# --- Images ---------------------------------------------------------------------------------


def _register_heif() -> bool:
    """Let Pillow open HEIC/HEIF photos (iPhones take them) when pillow-heif is installed."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:  # pragma: no cover - an optional dependency
        return False
    register_heif_opener()
    return True


HEIF_SUPPORT = _register_heif()

# The only Pillow plugins allowed to open each type: Pillow would otherwise try every plugin it
# has, some of them (EPS) handing the file to an outside program.
_PILLOW_FORMATS: dict[str, tuple[str, ...]] = {
    "image/jpeg": ("JPEG", "MPO"),
    "image/png": ("PNG",),
    "image/gif": ("GIF",),
    "image/webp": ("WEBP",),
    "image/tiff": ("TIFF",),
    "image/heic": ("HEIF",),
    "image/heif": ("HEIF",),
    "image/avif": ("AVIF", "HEIF"),
}


@contextmanager
def _decoding(what: str) -> Iterator[None]:
    """Turn whatever a decoder raises over a bad file into a refusal.

    Decoders of hostile input fail in many ways, depending on the library version: OSError,
    ValueError, SyntaxError, struct.error, EOFError, MemoryError, pdfium's errors, and Pillow's
    warnings when the warning filters turn them into errors. None of them may escape."""
    try:
        yield
    except MediaRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaRefused(
            said("This %(what)s has too many pixels to be processed safely.", what=what),
            "too-many-pixels",
        ) from exc
    except Exception as exc:
        raise MediaRefused(
            said("This %(what)s cannot be read: it is truncated or damaged.", what=what), "corrupt"
        ) from exc


@contextmanager
def _open_image(path: Path, detected: Detected, limits: Limits) -> Iterator[Image.Image]:
    """The image, opened but not decoded, once its size and frame count are within limits."""
    formats = _PILLOW_FORMATS.get(detected.mime)
    if formats is None:
        raise _refuse_unsupported(f"of type {detected.mime}")
    Image.init()
    usable = [name for name in formats if name in Image.OPEN]
    if not usable:
        raise _refuse_unsupported(
            f"an image of type {detected.mime}, which this server cannot read"
        )
    # Opening reads the header only. Pillow's own decompression bomb check fires here for
    # images far beyond its MAX_IMAGE_PIXELS; the finer limits follow.
    with Image.open(path, formats=usable) as image:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise MediaRefused(N_("This image has no pixels."), "corrupt")
        if (
            width > limits.max_side
            or height > limits.max_side
            or width * height > limits.max_pixels
        ):
            raise MediaRefused(
                said(
                    "This image is %(width)s x %(height)s pixels; Dzinza accepts up to %(max_pixels)s pixels and %(max_side)s on a side.",
                    width=width,
                    height=height,
                    max_pixels=limits.max_pixels,
                    max_side=limits.max_side,
                ),
                "too-many-pixels",
            )
        frames = int(getattr(image, "n_frames", 1))
        if frames > MAX_FRAMES:
            raise MediaRefused(
                said(
                    "This image has %(frames)s frames; Dzinza accepts up to %(max_frames)s.",
                    frames=frames,
                    max_frames=MAX_FRAMES,
                ),
                "too-many-frames",
            )
        if frames > 1:
            image.seek(0)
        yield image


@dataclass(frozen=True)
class _Exif:
    orientation: int = 1
    taken_at: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    camera: str | None = None


_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
_DATETIME = 0x0132
_DATETIME_ORIGINAL = 0x9003
_MAKE = 0x010F
_MODEL = 0x0110
_SWAPPING_ORIENTATIONS = frozenset({5, 6, 7, 8})


def _exif_facts(image: Image.Image) -> _Exif:
    """The EXIF facts Dzinza keeps. A malformed value is left out, never an error: a photo with
    a broken camera clock is still a good photo."""
    try:
        exif = image.getexif()
    except Exception:
        return _Exif()
    orientation = _quietly(lambda: int(exif.get(_ORIENTATION, 1)))
    latitude = longitude = None
    position = _quietly(lambda: _gps(exif.get_ifd(_GPS_IFD)))
    if position is not None:
        latitude, longitude = position
    return _Exif(
        orientation=orientation if orientation is not None and 1 <= orientation <= 8 else 1,
        taken_at=_quietly(lambda: _taken_at(exif)),
        latitude=latitude,
        longitude=longitude,
        camera=_quietly(lambda: _camera(exif)),
    )


def _quietly(read: Callable[[], _T]) -> _T | None:
    try:
        return read()
    except Exception:
        return None


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return ""
    cleaned = "".join(" " if unicodedata.category(char)[0] == "C" else char for char in value)
    return " ".join(cleaned.split())


def _taken_at(exif: Image.Exif) -> str | None:
    candidates = (exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL), exif.get(_DATETIME))
    for value in candidates:
        text = _text(value)[:19]
        for pattern in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
            try:
                return datetime.strptime(text, pattern).isoformat()
            except ValueError:
                continue
    return None


def _degrees(
    value: object, reference: object, positive: str, negative: str, limit: float
) -> float | None:
    parts = list(value) if isinstance(value, (tuple, list)) else [value]
    if not 1 <= len(parts) <= 3:
        return None
    numbers = [float(part) for part in parts]  # type: ignore[arg-type]
    if not all(math.isfinite(number) and number >= 0 for number in numbers):
        return None
    numbers += [0.0] * (3 - len(numbers))
    degrees = numbers[0] + numbers[1] / 60 + numbers[2] / 3600
    ref = _text(reference).upper()[:1]
    if ref == negative:
        degrees = -degrees
    elif ref != positive:
        return None  # no hemisphere: the position could be on the wrong side of the world
    if abs(degrees) > limit:
        return None
    return round(degrees, 7)


def _gps(gps: dict[int, Any]) -> tuple[float, float] | None:
    latitude = _degrees(gps.get(2), gps.get(1), "N", "S", 90.0)
    longitude = _degrees(gps.get(4), gps.get(3), "E", "W", 180.0)
    if latitude is None or longitude is None:
        return None
    return latitude, longitude


def _camera(exif: Image.Exif) -> str | None:
    make = _text(exif.get(_MAKE))[:100]
    model = _text(exif.get(_MODEL))[:100]
    # Many makers repeat their name in the model ("Canon" + "Canon EOS 5D").
    if make and model.casefold().startswith(make.casefold()):
        make = ""
    return " ".join(part for part in (make, model) if part) or None


def _inspect_image(path: Path, detected: Detected, limits: Limits) -> Inspection:
    with _decoding("image"), _open_image(path, detected, limits) as image:
        image.load()  # every pixel: a truncated or damaged image fails here
        facts = _exif_facts(image)
        width, height = image.size
    if facts.orientation in _SWAPPING_ORIENTATIONS:
        width, height = height, width
    return Inspection(
        detected=detected,
        width=width,
        height=height,
        pages=None,
        taken_at=facts.taken_at,
        latitude=facts.latitude,
        longitude=facts.longitude,
        camera=facts.camera,
    )


def inspect(path: Path, limits: Limits = Limits()) -> Inspection:
    """Check a whole file and read what Dzinza keeps about it. Raises :class:`MediaRefused` for
    anything :func:`sniff` refuses, and for images and PDFs that are damaged, too large,
    encrypted or hold active content. Audio and video are only sniffed, not decoded."""
    with open(path, "rb") as raw:
        head = raw.read(HEAD_SIZE)
    detected = sniff(head)
    if detected.kind == "image":
        return _inspect_image(path, detected, limits)
    if detected.kind == "document":
        return _inspect_pdf(path, detected, limits)
    return Inspection(
        detected=detected,
        width=None,
        height=None,
        pages=None,
        taken_at=None,
        latitude=None,
        longitude=None,
        camera=None,
    )


# --- Derivatives ----------------------------------------------------------------------------

_WHITE = (255, 255, 255)
_SIXTEEN_BIT = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})
_WITH_ALPHA = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_MAX_ICC = 4 * 1024 * 1024


def _gray_to_8bit(image: Image.Image) -> Image.Image:
    """16- and 32-bit grey (scans, medical and scientific images) scaled to 8 bits: a plain
    conversion would clip everything above 255 to white."""
    if image.mode in _SIXTEEN_BIT:
        return image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    # A single-band image gives (lowest, highest), not one pair per band.
    low, high = (float(bound) for bound in cast(tuple[float, float], image.getextrema()))
    if not (math.isfinite(low) and math.isfinite(high)):
        scale, offset = 1.0, 0.0
    elif low >= 0 and high <= (1.0 if image.mode == "F" else 255):
        scale, offset = (255.0 if image.mode == "F" else 1.0), 0.0
    elif low >= 0 and high <= 65535:
        scale, offset = 1 / 257, 0.0
    else:
        scale = 255 / (high - low) if high > low else 0.0
        offset = -low * scale
    return image.point(lambda value: value * scale + offset).convert("L")


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image | None:
    """The image converted to sRGB through its embedded colour profile (a phone's Display P3,
    a camera's Adobe RGB, a scanner's CMYK), or None if the profile cannot be used. The
    thumbnails carry no profile, and a browser shows an untagged image as sRGB."""
    if image.mode not in {"RGB", "CMYK", "L"} or len(icc) > _MAX_ICC:
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
    except Exception:  # a broken or mismatched profile: fall back to a plain conversion
        return None


def _to_rgb(image: Image.Image) -> Image.Image:
    """An RGB copy of the image: transparency laid on white, palettes expanded, CMYK and deep
    grey brought down to 8-bit RGB."""
    icc = image.info.get("icc_profile")
    if image.mode in _SIXTEEN_BIT or image.mode in {"I", "F"}:
        image = _gray_to_8bit(image)
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in _WITH_ALPHA:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (*_WHITE, 255)), rgba)
        image = image.convert("RGB")
    if isinstance(icc, bytes) and icc:
        converted = _to_srgb(image, icc)
        if converted is not None:
            return converted
    try:
        return image.convert("RGB")
    except ValueError as exc:
        raise _refuse_unsupported(
            f"an image in a colour model Dzinza cannot show ({image.mode})"
        ) from exc


def _jpeg(name: str, image: Image.Image) -> Derivative:
    # Nothing of the original's metadata may reach a thumbnail: no EXIF (GPS), XMP, comment or
    # profile. Pillow copies some of image.info (the comment) into the file unless it is empty.
    image.info.clear()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return Derivative(
        name=name, data=out.getvalue(), mime="image/jpeg", width=image.width, height=image.height
    )


def _thumbnails(image: Image.Image) -> list[Derivative]:
    """The sizes of :data:`DERIVATIVE_SIZES` the image is big enough for, from the largest down
    (each made from the one before, which is quicker and looks the same), listed smallest first.
    "small" is always there: for a tiny image it is the image itself."""
    made: list[Derivative] = []
    longest = max(image.size)
    for name, side in sorted(DERIVATIVE_SIZES.items(), key=lambda item: -item[1]):
        if longest >= side:
            image.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=3.0)
            made.append(_jpeg(name, image))
    if not made:
        made.append(_jpeg("small", image))
    order = list(DERIVATIVE_SIZES)
    return sorted(made, key=lambda derivative: order.index(derivative.name))


def _image_derivatives(path: Path, detected: Detected, limits: Limits) -> list[Derivative]:
    with _decoding("image"), _open_image(path, detected, limits) as image:
        if image.format in {"JPEG", "MPO"}:
            # Let libjpeg decode at 1/2, 1/4 or 1/8 size while staying at least as large as the
            # biggest thumbnail: a fraction of the memory and time for a big photo.
            side = max(DERIVATIVE_SIZES.values())
            image.draft(image.mode, (side, side))
        image.load()
        upright = ImageOps.exif_transpose(image)
        rgb = _to_rgb(upright if upright is not None else image)
        return _thumbnails(rgb)


def derivatives(path: Path, detected: Detected, limits: Limits = Limits()) -> list[Derivative]:
    """The JPEGs to show for an upload that :func:`inspect` accepted as ``detected``:
    thumbnails of a photo (see :data:`DERIVATIVE_SIZES`), upright and without metadata; for a
    PDF its first page rendered at up to 2048 pixels ("preview") and the thumbnails of that;
    nothing for audio and video. The same file always gives the same bytes."""
    if detected.kind == "image":
        return _image_derivatives(path, detected, limits)
    if detected.kind == "document":
        with _decoding("PDF"):
            preview = _render_first_page(path)
            return [_jpeg("preview", preview), *_thumbnails(preview)]
    return []


# --- File names -----------------------------------------------------------------------------

MAX_FILENAME = 200
_SAFE_PUNCTUATION = frozenset(" ._-()+,'")
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,16})$")
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{n}" for n in range(10)} | {f"lpt{n}" for n in range(10)}
)


def _safe_char(char: str) -> bool:
    # Letters, digits and combining marks of any script, and a little punctuation.
    return unicodedata.category(char)[0] in {"L", "N", "M"} or char in _SAFE_PUNCTUATION


def safe_filename(name: str) -> str:
    """A name that is safe to store and to offer for download: the base name only (no folders
    in either slash, no drive letter), NFC, no control characters, no leading dots, single
    spaces, other unusual characters replaced by "_", at most 200 characters with the extension
    kept. Never empty, "." or ".."."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    name = re.sub(r"^[A-Za-z]:", "", name)
    name = "".join(" " if char.isspace() else char for char in name)
    name = "".join(char for char in name if unicodedata.category(char) not in {"Cc", "Cf"})
    name = " ".join(name.split())
    name = re.sub(r"_{2,}", "_", "".join(char if _safe_char(char) else "_" for char in name))
    # No leading dots (hidden files, "..") and no trailing dots or spaces (Windows drops them).
    name = name.lstrip(". ").rstrip(". ")
    match = _EXTENSION.search(name)
    extension = match.group(0) if match and match.start() > 0 else ""
    stem = name[: len(name) - len(extension)]
    stem = stem[: MAX_FILENAME - len(extension)].rstrip(". ") or "file"
    if stem.casefold() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    return stem + extension
