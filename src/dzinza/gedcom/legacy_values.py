"""Line values that GEDCOM 5.5.x and 7.0 write differently, converted both ways.

- text: 5.x doubles every ``@`` and has ``@#D...@`` escapes; 7.0 escapes only a leading ``@``.
- cross-reference ids: 7.0 allows only ``A-Z 0-9 _``; other 5.x ids are renamed.
- ``LANG``: 5.5.1 language names to BCP 47 tags.
- ``FORM``: 5.5.1 file formats to media types.
- ``FILE``: 5.5.1 file names to URI references.
- enumerations (``PEDI``, ``MEDI``, ``ROLE``...): 5.5.1 spellings to 7.0 values and a ``PHRASE``.

Every ``to_seven_*`` has a ``to_legacy_*`` partner. A ``to_legacy_*`` that cannot say
everything in 5.5.1 hands back what is left over (usually a phrase), so that the caller can
keep it in an extension structure and ``upgrade`` can bring it back.

Text in the 5.x direction is always the raw line value as the reader gives it for 5.x files
(``@`` still doubled); text in the 7.0 direction is plain.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final
from urllib.parse import quote, unquote

# --- text --------------------------------------------------------------------------------


def calendar_word(escape_body: str) -> str:
    """The text a 5.x ``@#D<name>@`` escape stands for in prose: the name, spaces as ``_``."""
    return escape_body.strip().replace(" ", "_")


def unescape_text(raw: str) -> str:
    """A 5.x line value as plain text: ``@@`` is ``@``; ``@#D<name>@`` becomes the calendar
    name; other ``@#...@`` escapes are dropped. A lone ``@`` stays, as writers often forgot
    to double it. An escape eats the one space after it, as the escape and its text were
    separated by that space."""
    if "@" not in raw:
        return raw
    out: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        j = raw.find("@", i)
        if j < 0:
            out.append(raw[i:])
            break
        out.append(raw[i:j])
        if raw.startswith("@@", j):
            out.append("@")
            i = j + 2
            continue
        if raw.startswith("@#", j):
            k = raw.find("@", j + 2)
            if k > 0:
                body = raw[j + 2 : k]
                if body[:1] == "D":
                    out.append(calendar_word(body[1:]) + " ")
                i = k + 1
                if raw.startswith(" ", i):
                    i += 1
                continue
        out.append("@")
        i = j + 1
    return "".join(out)


def escape_text(text: str) -> str:
    """Plain text as a 5.5.1 line value: every ``@`` doubled, as the 5.5.1 grammar asks."""
    return text.replace("@", "@@") if "@" in text else text


# --- cross-reference ids -----------------------------------------------------------------
#
# 7.0 ids are [A-Z0-9_]+ and never VOID. A 5.x id is kept when it is already valid, so most
# files keep every id. The rest must be renamed the same way wherever they appear, including
# pointers met before the record they point to, so the new name is a pure function of the
# old one. Three name spaces keep the results apart, without any table of the file's ids:
#
# - "X" + a number (X1, X2, ...): new records made by ``upgrade`` (inline SOUR and OBJE);
# - "X_" + an encoding of the old id: ids that are not valid in 7.0 (lower case, spaces...);
# - "X" + the old id: a valid old id that itself starts with X's followed by a digit or "_",
#   the only shape that could collide with the two above.
#
# The encoding keeps A-Z and 0-9, writes a lower-case letter as "_" + its upper case, and any
# other character as "_" + its decimal code point + "_", so different old ids never meet.


def _valid_seven_id(body: str) -> bool:
    if body.isascii() and body.isalnum():
        return body.upper() == body
    return bool(body) and all(c == "_" or ("A" <= c <= "Z") or ("0" <= c <= "9") for c in body)


def _reserved_shape(body: str) -> bool:
    stripped = body.lstrip("X")
    return len(stripped) < len(body) and stripped[:1] in _DIGITS_AND_UNDERSCORE


_DIGITS_AND_UNDERSCORE: Final = frozenset("0123456789_")


def _encode_id(body: str) -> str:
    out: list[str] = []
    for c in body:
        if ("A" <= c <= "Z") or ("0" <= c <= "9"):
            out.append(c)
        elif "a" <= c <= "z":
            out.append("_" + c.upper())
        else:
            out.append(f"_{ord(c)}_")
    return "".join(out)


def seven_xref(xref: str) -> str:
    """The 7.0 id for a 5.x id (both with their ``@``s)."""
    body = xref[1:-1]
    if _valid_seven_id(body) and body != "VOID":
        if body[0] != "X" or not _reserved_shape(body):
            return xref
        return f"@X{body}@"
    return f"@X_{_encode_id(body)}@"


def new_xref(number: int) -> str:
    """The id of the ``number``-th record that ``upgrade`` makes (see the name spaces above)."""
    return f"@X{number}@"


# --- LANG --------------------------------------------------------------------------------

# The 5.5.1 language names and their BCP 47 tags (FHISO's mapping of the 5.5.1 list).
# fmt: off
LANGUAGES: Final[dict[str, str]] = {
    "Afrikaans": "af", "Albanian": "sq", "Amharic": "am", "Anglo-Saxon": "ang", "Arabic": "ar",
    "Armenian": "hy", "Assamese": "as", "Belorusian": "be", "Bengali": "bn", "Braj": "bra",
    "Bulgarian": "bg", "Burmese": "my", "Cantonese": "yue", "Catalan": "ca",
    "Catalan_Spn": "ca-ES", "Church-Slavic": "cu", "Czech": "cs", "Danish": "da",
    "Dogri": "dgr", "Dutch": "nl", "English": "en", "Esperanto": "eo", "Estonian": "et",
    "Faroese": "fo", "Finnish": "fi", "French": "fr", "Georgian": "ka", "German": "de",
    "Greek": "el", "Gujarati": "gu", "Hawaiian": "haw", "Hebrew": "he", "Hindi": "hi",
    "Hungarian": "hu", "Icelandic": "is", "Indonesian": "id", "Italian": "it",
    "Japanese": "ja", "Kannada": "kn", "Khmer": "km", "Konkani": "kok", "Korean": "ko",
    "Lahnda": "lah", "Lao": "lo", "Latvian": "lv", "Lithuanian": "lt", "Macedonian": "mk",
    "Maithili": "mai", "Malayalam": "ml", "Mandrin": "cmn", "Manipuri": "mni",
    "Marathi": "mr", "Mewari": "mtr", "Navaho": "nv", "Nepali": "ne", "Norwegian": "no",
    "Oriya": "or", "Pahari": "him", "Pali": "pi", "Panjabi": "pa", "Persian": "fa",
    "Polish": "pl", "Portuguese": "pt", "Prakrit": "pra", "Pusto": "ps", "Rajasthani": "raj",
    "Romanian": "ro", "Russian": "ru", "Sanskrit": "sa", "Serb": "sr", "Serbo_Croa": "sh",
    "Slovak": "sk", "Slovene": "sl", "Spanish": "es", "Swedish": "sv", "Tagalog": "tl",
    "Tamil": "ta", "Telugu": "te", "Thai": "th", "Tibetan": "bo", "Turkish": "tr",
    "Ukrainian": "uk", "Urdu": "ur", "Vietnamese": "vi", "Wendic": "wen", "Yiddish": "yi",
}
# fmt: on
_BY_NAME: Final = {name.lower(): tag for name, tag in LANGUAGES.items()}
_BY_TAG: Final = {tag: name for name, tag in LANGUAGES.items()}
_BCP47: Final = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
UNDETERMINED: Final = "und"


@lru_cache(maxsize=256)
def to_seven_lang(raw: str) -> tuple[str, str | None]:
    """A 5.x ``LANG`` value as a BCP 47 tag, and the original words when no tag fits (the
    tag is then ``und``). A value that already is a tag (files written by newer programs,
    or by ``downgrade``) is kept."""
    value = raw.strip()
    tag = _BY_NAME.get(value.lower())
    if tag is not None:
        return tag, None
    if _BCP47.fullmatch(value):
        return value, None
    return UNDETERMINED, value


def to_legacy_lang(tag: str) -> str:
    """A BCP 47 tag as its 5.5.1 language name when it has one; otherwise the tag itself."""
    return _BY_TAG.get(tag, tag)


# FONE and ROMN (5.5.1) became TRAN with a LANG; their TYPE words map to these tags.
PHONETIC: Final[dict[str, str]] = {"hangul": "ko-Hang", "kana": "ja-Hrkt"}
ROMANISED: Final[dict[str, str]] = {
    "pinyin": "und-Latn-pinyin",
    "romaji": "ja-Latn",
    "wadegiles": "zh-Latn-wadegile",
}
_PHONETIC_PRIVATE: Final = "und-x-phonetic"
_ROMANISED_PRIVATE: Final = "und-Latn-x"


def _private_subtags(word: str) -> str:
    parts = [
        p[i : i + 8] for p in re.split(r"[^A-Za-z0-9]+", word) if p for i in range(0, len(p), 8)
    ]
    return "-".join(parts)


def transliteration_lang(tag: str, kind: str | None) -> str:
    """The ``TRAN.LANG`` for a 5.5.1 ``FONE`` or ``ROMN`` (``tag``) with this ``TYPE``."""
    table, private = (
        (PHONETIC, _PHONETIC_PRIVATE) if tag == "FONE" else (ROMANISED, _ROMANISED_PRIVATE)
    )
    if kind is None or not kind.strip():
        return private.removesuffix("-x")
    known = table.get(kind.strip().lower())
    if known is not None:
        return known
    sub = _private_subtags(kind)
    return f"{private}-{sub}" if sub else private.removesuffix("-x")


def legacy_transliteration(lang: str) -> tuple[str, str] | None:
    """The 5.5.1 (``FONE`` or ``ROMN``, ``TYPE``) for a ``TRAN.LANG``, when 5.5.1 has one
    (spelt exactly as ``transliteration_lang`` writes it, so that the way back is exact)."""
    for word, tag in PHONETIC.items():
        if tag == lang:
            return "FONE", word
    for word, tag in ROMANISED.items():
        if tag == lang:
            return "ROMN", word
    return None


# --- FORM: file formats and media types --------------------------------------------------

# First the seven formats 5.5.1 lists, then common ones seen in real files; the media types
# are the IANA-registered ones. Each pair maps both ways. A format not listed becomes
# application/x-<format>, as the 7.0 migration guide suggests.
MEDIA_TYPES: Final[tuple[tuple[str, str], ...]] = (
    ("bmp", "image/bmp"),
    ("gif", "image/gif"),
    ("jpg", "image/jpeg"),
    ("ole", "application/x-oleobject"),
    ("pcx", "image/vnd.zbrush.pcx"),
    ("tif", "image/tiff"),
    ("wav", "audio/wav"),
    ("png", "image/png"),
    ("pdf", "application/pdf"),
    ("mp3", "audio/mpeg"),
    ("mp4", "video/mp4"),
    ("txt", "text/plain"),
    ("htm", "text/html"),
    ("svg", "image/svg+xml"),
    ("webp", "image/webp"),
)
_FORMAT_SYNONYMS: Final = {"jpeg": "image/jpeg", "tiff": "image/tiff", "html": "text/html"}
_TO_MEDIA: Final = dict(MEDIA_TYPES) | _FORMAT_SYNONYMS
_TO_FORMAT: Final = {media: fmt for fmt, media in MEDIA_TYPES}
_UNLISTED: Final = "application/x-"


def to_seven_media_type(raw: str) -> str:
    value = raw.strip()
    if "/" in value:
        return value.lower()
    low = value.lower().lstrip(".")
    return _TO_MEDIA.get(low) or _UNLISTED + low


def to_legacy_format(media: str) -> str:
    """A media type as a 5.5.1 format word, when the way back gives the same media type."""
    fmt = _TO_FORMAT.get(media)
    if fmt is not None:
        return fmt
    if media.startswith(_UNLISTED):
        word = media[len(_UNLISTED) :]
        if word and "/" not in word and to_seven_media_type(word) == media:
            return word
    return media


# --- FILE: file names and URIs ------------------------------------------------------------

# A URL: a scheme and "//", or one of the schemes that have no "//". A single letter is a
# Windows drive, and "https:/x" is a relative path whose first segment holds a colon.
_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://|(?:mailto|urn|tel|data|news):", re.IGNORECASE)
_DRIVE: Final = re.compile(r"[A-Za-z]:/")
# Characters a URI path may hold as they are (RFC 3986 pchar and "/"), minus ":" which
# would read as a scheme at the start of a relative reference.
_PATH_SAFE: Final = "/!$&'()*+,;=@-._~"


def to_seven_file(raw: str) -> str:
    """A 5.x file name as a URI reference: ``\\`` becomes ``/``, absolute paths become
    ``file:`` URIs, and characters a URI may not hold are percent-encoded. URLs are kept."""
    path = raw.strip()
    if _URL.match(path):
        return path
    path = path.replace("\\", "/")
    if _DRIVE.match(path):
        return "file:///" + path[:2] + quote(path[2:], safe=_PATH_SAFE)
    if path.startswith("//"):
        return "file:" + quote(path, safe=_PATH_SAFE)
    if path.startswith("/"):
        return "file://" + quote(path, safe=_PATH_SAFE)
    return quote(path, safe=_PATH_SAFE)


def to_legacy_file(uri: str) -> str:
    """A URI reference as a 5.5.1 file name (a local path where it is one). When the plain
    name would read back as another URI (``https%3A//x`` is a relative path, not a URL),
    Windows separators keep it apart."""
    if uri.startswith("file://"):
        rest = uri[len("file://") :]
        if rest.startswith("/"):
            path = unquote(rest)
            return path[1:] if _DRIVE.match(path[1:]) else path
        return "//" + unquote(rest)
    if _URL.match(uri):
        return uri
    path = unquote(uri)
    if not same_uri(to_seven_file(path), uri):
        windows = path.replace("/", "\\")
        if same_uri(to_seven_file(windows), uri):
            return windows
    return path


_PERCENT: Final = re.compile(r"%[0-9a-fA-F]{2}")


def normal_uri(uri: str) -> str:
    """A URI with its percent-escapes in upper case, which RFC 3986 (6.2.2.1) says is the
    same URI."""
    return _PERCENT.sub(_upper, uri) if "%" in uri else uri


def _upper(match: re.Match[str]) -> str:
    return match.group(0).upper()


def same_uri(a: str, b: str) -> bool:
    return a == b or normal_uri(a) == normal_uri(b)


# --- enumerations --------------------------------------------------------------------------

OTHER: Final = "OTHER"


class Enum:
    """One 7.0 enumeration and how 5.5.1 spelt it."""

    def __init__(
        self,
        values: str,
        *,
        lower: bool = False,
        synonyms: dict[str, str] | None = None,
        legacy: dict[str, str] | None = None,
        parens: bool = False,
    ) -> None:
        self.values = frozenset(values.split())
        self.lower = lower
        """5.5.1 wrote these values in lower case."""
        self.synonyms = synonyms or {}
        """Free-text words (lower case) that mean a value; the words are kept as a phrase."""
        self.legacy = legacy or {}
        """7.0 values that 5.5.1 spelt differently."""
        self.parens = parens
        """5.5.1 wrote a free-text value in parentheses (``ROLE``)."""

    def to_seven(self, raw: str) -> tuple[str, str | None]:
        """A 5.x value as a 7.0 value and a phrase (the original words, when they are not
        simply the value). A value outside the set is ``OTHER`` with the words as its
        phrase, or, for sets without ``OTHER``, an extension value ``_WORDS``."""
        text = raw.strip()
        if self.parens and len(text) > 1 and text[0] == "(" and text[-1] == ")":
            text = text[1:-1].strip()
        if not text:
            return "", None
        tagged = "".join(c if c.isascii() and c.isalnum() else "_" for c in text.upper())
        if tagged in self.values or tagged.startswith("_"):
            return tagged, None
        meant = self.synonyms.get(text.lower())
        if meant is not None:
            return meant, text
        if OTHER in self.values:
            return OTHER, text
        return "_" + tagged, None

    def to_legacy(self, value: str, phrase: str | None) -> tuple[str, str | None]:
        """A 7.0 value and phrase in 5.5.1 spelling, and the phrase if 5.5.1 cannot hold it."""
        word = self.legacy.get(value, value)
        if self.lower and not value.startswith("_"):
            word = word.lower()
        if phrase is None:
            return word, None
        # The words alone, when reading them back gives this value and phrase ("land-lord"
        # for OTHER, "neighbour" for NGHBR); 5.5.1 readers then see the words.
        if "\n" not in phrase:
            candidate = f"({phrase})" if self.parens else phrase
            if self.to_seven(candidate) == (value, phrase):
                return candidate, None
        return word, phrase


# fmt: off
ROLE_WORDS: Final = {
    "child": "CHIL", "kid": "CHIL", "son": "CHIL", "daughter": "CHIL",
    "husband": "HUSB", "wife": "WIFE", "spouse": "SPOU",
    "mother": "MOTH", "father": "FATH", "parent": "PARENT",
    "clergy": "CLERGY", "priest": "CLERGY", "pastor": "CLERGY", "minister": "CLERGY",
    "rabbi": "CLERGY", "friend": "FRIEND",
    "godparent": "GODP", "god parent": "GODP", "godfather": "GODP", "god father": "GODP",
    "godmother": "GODP", "god mother": "GODP", "sponsor": "GODP",
    "neighbor": "NGHBR", "neighbour": "NGHBR",
    "officiator": "OFFICIATOR", "officiant": "OFFICIATOR", "official": "OFFICIATOR",
    "witness": "WITN",
}
# fmt: on
_ROLES: Final = (
    "CHIL CLERGY FATH FRIEND GODP HUSB MOTH MULTIPLE NGHBR OFFICIATOR OTHER PARENT SPOU WIFE WITN"
)

ENUMS: Final[dict[str, Enum]] = {
    "ADOP": Enum("HUSB WIFE BOTH"),
    "FAMC-STAT": Enum("CHALLENGED DISPROVEN PROVEN", lower=True),
    "MEDI": Enum(
        "AUDIO BOOK CARD ELECTRONIC FICHE FILM MAGAZINE MANUSCRIPT MAP NEWSPAPER PHOTO "
        "TOMBSTONE VIDEO OTHER",
        lower=True,
    ),
    "NAME-TYPE": Enum("AKA BIRTH IMMIGRANT MAIDEN MARRIED PROFESSIONAL OTHER", lower=True),
    "PEDI": Enum("ADOPTED BIRTH FOSTER SEALING OTHER", lower=True),
    "QUAY": Enum("0 1 2 3"),
    # ASSO.RELA was free text: known words become a role, and stay as a phrase.
    "RELA": Enum(_ROLES, synonyms=ROLE_WORDS),
    # SOUR.EVEN.ROLE: a few words, or free text in parentheses.
    "ROLE": Enum(_ROLES, parens=True),
    "SEX": Enum("M F U X", synonyms={"male": "M", "female": "F", "unknown": "U"}),
    "ord-STAT": Enum(
        "BIC CANCELED CHILD COMPLETED DNS DNS_CAN EXCLUDED INFANT PRE_1970 STILLBORN "
        "SUBMITTED UNCLEARED",
        legacy={"DNS_CAN": "DNS/CAN", "PRE_1970": "PRE-1970"},
    ),
}
_RESN: Final = frozenset({"CONFIDENTIAL", "LOCKED", "PRIVACY"})


def to_seven_resn(raw: str) -> str:
    """5.5.1 ``RESN`` (one word) or a list, as the 7.0 list of upper-case values."""
    words = [w.strip().upper() for w in raw.split(",") if w.strip()]
    return ", ".join(
        w if w in _RESN or w.startswith("_") else "_" + w.replace(" ", "_") for w in words
    )


def to_legacy_resn(value: str) -> str:
    return ", ".join(
        w.strip().lower() if not w.strip().startswith("_") else w.strip() for w in value.split(",")
    )
