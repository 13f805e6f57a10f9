"""The controlled words of the data model: sexes, name types, union types, pedigrees, event types.

Event types carry their GEDCOM tag so that import and export map them without a second table.
Types that GEDCOM lacks but Zimbabwean families record (clan, totem, traditional title, lobola)
are extension tags with a leading underscore, as GEDCOM prescribes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    INTERSEX = "intersex"
    UNKNOWN = "unknown"


class NameType(StrEnum):
    BIRTH = "birth"
    MARRIED = "married"
    AKA = "aka"
    CLAN = "clan"
    """Clan or totem name (mutupo / isibongo)."""
    PRAISE = "praise"
    """Praise name (chidawo / izithakazelo)."""
    RELIGIOUS = "religious"
    IMMIGRANT = "immigrant"
    OTHER = "other"


class UnionType(StrEnum):
    CIVIL = "civil"
    RELIGIOUS = "religious"
    CUSTOMARY = "customary"
    PARTNERSHIP = "partnership"
    UNKNOWN = "unknown"


class Pedigree(StrEnum):
    BIRTH = "birth"
    ADOPTED = "adopted"
    FOSTER = "foster"
    STEP = "step"
    UNKNOWN = "unknown"


class Visibility(StrEnum):
    PRIVATE = "private"
    """Only the tree's owner and members."""
    MEMBERS = "members"
    """Also anyone signed in to this Dzinza site, who sees it as a guest does."""
    PUBLIC = "public"
    """Anyone, signed in or not."""


class Role(StrEnum):
    """A member's role in a tree, weakest first."""

    VIEWER = "viewer"
    CONTRIBUTOR = "contributor"
    EDITOR = "editor"
    MANAGER = "manager"
    OWNER = "owner"


class Restriction(StrEnum):
    """GEDCOM's RESN on a person."""

    NONE = ""
    CONFIDENTIAL = "confidential"
    """Hidden from everyone below editor."""
    LOCKED = "locked"
    """Only managers and the owner may change it."""
    PRIVACY = "privacy"
    """Shown to members only, like a living person."""


class RecordKind(StrEnum):
    """Kinds of record that citations, notes, media and external ids can point at."""

    PERSON = "person"
    FAMILY = "family"
    EVENT = "event"
    PLACE = "place"
    SOURCE = "source"
    REPOSITORY = "repository"
    CITATION = "citation"
    NOTE = "note"
    MEDIA = "media"
    NAME = "name"


class ExternalIdKind(StrEnum):
    XREF = "xref"
    """The GEDCOM cross-reference id of the record in the file it came from, e.g. ``@I12@``."""
    UID = "uid"
    """GEDCOM ``_UID`` / 7.0 ``UID``."""
    REFN = "refn"
    """GEDCOM ``REFN``: a user's own reference number."""
    AFN = "afn"
    RIN = "rin"


class EventScope(StrEnum):
    PERSON = "person"
    FAMILY = "family"
    BOTH = "both"


@dataclass(frozen=True)
class EventType:
    key: str
    gedcom_tag: str
    scope: EventScope
    attribute: bool = False
    """Attributes (occupation, clan, ...) carry a value; events describe something that happened."""


def _types() -> dict[str, EventType]:
    p, f, b = EventScope.PERSON, EventScope.FAMILY, EventScope.BOTH
    events = [
        ("birth", "BIRT", p),
        ("christening", "CHR", p),
        ("death", "DEAT", p),
        ("burial", "BURI", p),
        ("cremation", "CREM", p),
        ("adoption", "ADOP", p),
        ("baptism", "BAPM", p),
        ("bar_mitzvah", "BARM", p),
        ("bat_mitzvah", "BASM", p),
        ("blessing", "BLES", p),
        ("adult_christening", "CHRA", p),
        ("confirmation", "CONF", p),
        ("first_communion", "FCOM", p),
        ("ordination", "ORDN", p),
        ("naturalization", "NATU", p),
        ("emigration", "EMIG", p),
        ("immigration", "IMMI", p),
        ("census", "CENS", b),
        ("probate", "PROB", p),
        ("will", "WILL", p),
        ("graduation", "GRAD", p),
        ("retirement", "RETI", p),
        ("event", "EVEN", b),
        ("annulment", "ANUL", f),
        ("divorce", "DIV", f),
        ("divorce_filed", "DIVF", f),
        ("engagement", "ENGA", f),
        ("marriage_banns", "MARB", f),
        ("marriage_contract", "MARC", f),
        ("marriage", "MARR", f),
        ("marriage_licence", "MARL", f),
        ("marriage_settlement", "MARS", f),
        ("lobola", "_LOBOLA", f),
        ("kurova_guva", "_KUROVA_GUVA", p),
        ("initiation", "_INIT", p),
    ]
    attributes = [
        ("caste", "CAST", p),
        ("physical_description", "DSCR", p),
        ("education", "EDUC", p),
        ("id_number", "IDNO", p),
        ("nationality", "NATI", p),
        ("children_count", "NCHI", b),
        ("marriage_count", "NMR", p),
        ("occupation", "OCCU", p),
        ("property", "PROP", p),
        ("religion", "RELI", p),
        ("residence", "RESI", b),
        ("national_id", "SSN", p),
        ("title", "TITL", p),
        ("fact", "FACT", b),
        ("clan", "_CLAN", p),
        ("totem", "_TOTEM", p),
        ("tribe", "_TRIBE", p),
        ("traditional_title", "_TRADTITLE", p),
        ("village", "_VILLAGE", p),
    ]
    out = {k: EventType(k, t, s) for k, t, s in events}
    out.update({k: EventType(k, t, s, attribute=True) for k, t, s in attributes})
    return out


EVENT_TYPES: dict[str, EventType] = _types()
EVENT_TYPES_BY_TAG: dict[str, EventType] = {t.gedcom_tag: t for t in EVENT_TYPES.values()}

BIRTH_LIKE = ("birth", "christening", "baptism")
"""Event types that stand in for a birth date, best first."""
DEATH_LIKE = ("death", "burial", "cremation")
