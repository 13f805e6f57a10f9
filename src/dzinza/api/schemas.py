"""Request bodies of the API. They check shape and types; the services check meaning (dates,
references within the tree, cycles). Unknown fields are refused so that typos do not pass silently."""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dzinza.domain.vocabulary import (
    ExternalIdKind,
    NameType,
    Pedigree,
    RecordKind,
    Restriction,
    Sex,
    UnionType,
    Visibility,
)

Text = Field(default=None, max_length=1000)


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters other than tab and newlines: never part of a genealogy text, and a NUL
cannot be stored by PostgreSQL at all, so they are refused the same way on every backend."""


def _refuse_control(value: Any, where: str = "") -> None:
    if isinstance(value, str) and CONTROL.search(value):
        raise ValueError(f"{where or 'text'} contains a control character (such as NUL)")
    if isinstance(value, dict):
        for k, v in value.items():
            _refuse_control(v, str(k))
    elif isinstance(value, list):
        for v in value:
            _refuse_control(v, where)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:
        _refuse_control(data)
        return data


class TreeIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    visibility: Visibility = Visibility.PRIVATE


class TreePatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    visibility: Visibility | None = None


class NameIn(Strict):
    type: NameType = NameType.BIRTH
    given: str = Field(default="", max_length=200)
    surname: str = Field(default="", max_length=200)
    prefix: str = Field(default="", max_length=100)
    suffix: str = Field(default="", max_length=100)
    nickname: str = Field(default="", max_length=100)
    title: str = Field(default="", max_length=100)


class EventFields(Strict):
    label: str | None = Field(default=None, max_length=120)
    date: str | None = Field(
        default=None,
        max_length=120,
        description="A GEDCOM date: '12 JAN 1900', 'ABT 1850', 'BET 1900 AND 1910'...",
    )
    place_id: uuid.UUID | None = None
    description: str | None = Field(default=None, max_length=1000)
    value: str | None = Field(default=None, max_length=1000)


class InlineEventIn(EventFields):
    type: str = Field(min_length=1, max_length=40)


class EventIn(InlineEventIn):
    person_id: uuid.UUID | None = None
    family_id: uuid.UUID | None = None


class EventPatch(EventFields):
    type: str | None = Field(default=None, min_length=1, max_length=40)


class ExternalIdIn(Strict):
    kind: ExternalIdKind
    value: str = Field(min_length=1, max_length=200)


class PersonIn(Strict):
    sex: Sex = Sex.UNKNOWN
    living: bool | None = None
    private: bool = False
    restriction: Restriction = Field(
        default=Restriction.NONE,
        description="GEDCOM RESN: confidential (editors only), locked (managers change it), "
        "privacy (members only)",
    )
    names: list[NameIn] = Field(default_factory=list, max_length=50)
    events: list[InlineEventIn] = Field(default_factory=list, max_length=200)
    external_ids: list[ExternalIdIn] = Field(
        default_factory=list,
        max_length=20,
        description="GEDCOM xref, _UID, REFN... kept for round trips",
    )


class PersonPatch(Strict):
    sex: Sex | None = None
    living: bool | None = None
    private: bool | None = None
    restriction: Restriction | None = None
    names: list[NameIn] | None = Field(default=None, max_length=50)
    external_ids: list[ExternalIdIn] | None = Field(default=None, max_length=20)


class ChildIn(Strict):
    child_id: uuid.UUID
    pedigree: Pedigree = Pedigree.BIRTH


class PedigreeIn(Strict):
    pedigree: Pedigree


class FamilyIn(Strict):
    partner1_id: uuid.UUID | None = None
    partner2_id: uuid.UUID | None = None
    union_type: UnionType = UnionType.UNKNOWN
    children: list[ChildIn] = Field(default_factory=list, max_length=100)
    events: list[InlineEventIn] = Field(default_factory=list, max_length=100)
    external_ids: list[ExternalIdIn] = Field(default_factory=list, max_length=20)


class FamilyPatch(Strict):
    partner1_id: uuid.UUID | None = None
    partner2_id: uuid.UUID | None = None
    union_type: UnionType | None = None
    external_ids: list[ExternalIdIn] | None = Field(default=None, max_length=20)


class Target(Strict):
    type: RecordKind
    id: uuid.UUID


class AltName(Strict):
    name: str = Field(min_length=1, max_length=300)
    language: str = Field(default="", max_length=20)


class PlaceIn(Strict):
    name: str = Field(min_length=1, max_length=300)
    type: str = Field(default="", max_length=50)
    parent_id: uuid.UUID | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    alt_names: list[AltName] | None = Field(default=None, max_length=50)


class PlacePatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=300)
    type: str | None = Field(default=None, max_length=50)
    parent_id: uuid.UUID | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    alt_names: list[AltName] | None = Field(default=None, max_length=50)


class RepositoryIn(Strict):
    name: str = Field(min_length=1, max_length=300)
    address: str = Field(default="", max_length=1000)
    url: str = Field(default="", max_length=1000)


class RepositoryPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=300)
    address: str | None = Field(default=None, max_length=1000)
    url: str | None = Field(default=None, max_length=1000)


class SourceIn(Strict):
    title: str = Field(min_length=1, max_length=500)
    author: str = Field(default="", max_length=300)
    publication: str = Field(default="", max_length=1000)
    abbreviation: str = Field(default="", max_length=100)
    repository_id: uuid.UUID | None = None
    call_number: str = Field(default="", max_length=100)


class SourcePatch(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    author: str | None = Field(default=None, max_length=300)
    publication: str | None = Field(default=None, max_length=1000)
    abbreviation: str | None = Field(default=None, max_length=100)
    repository_id: uuid.UUID | None = None
    call_number: str | None = Field(default=None, max_length=100)


class CitationIn(Strict):
    source_id: uuid.UUID
    target: Target
    page: str = Field(default="", max_length=500)
    quality: int | None = Field(
        default=None, ge=0, le=3, description="GEDCOM QUAY: 0 unreliable .. 3 primary evidence"
    )
    date: str | None = Field(default=None, max_length=120)
    text: str = Field(default="", max_length=4000)


class CitationPatch(Strict):
    source_id: uuid.UUID | None = None
    target: Target | None = None
    page: str | None = Field(default=None, max_length=500)
    quality: int | None = Field(default=None, ge=0, le=3)
    date: str | None = Field(default=None, max_length=120)
    text: str | None = Field(default=None, max_length=4000)


class NoteIn(Strict):
    text: str = Field(min_length=1, max_length=100_000)
    targets: list[Target] = Field(default_factory=list, max_length=100)


class NotePatch(Strict):
    text: str | None = Field(default=None, min_length=1, max_length=100_000)


class MediaIn(Strict):
    title: str = Field(default="", max_length=300)
    file: str = Field(default="", max_length=1000)
    mime_type: str = Field(default="", max_length=100)
    date: str | None = Field(default=None, max_length=120)
    description: str = Field(default="", max_length=4000)
    targets: list[Target] = Field(default_factory=list, max_length=100)


class MediaPatch(Strict):
    title: str | None = Field(default=None, max_length=300)
    file: str | None = Field(default=None, max_length=1000)
    mime_type: str | None = Field(default=None, max_length=100)
    date: str | None = Field(default=None, max_length=120)
    description: str | None = Field(default=None, max_length=4000)


class TokenIn(Strict):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1000)


class RegisterIn(TokenIn):
    accept_terms: bool = Field(
        default=False, description="Acceptance of the terms of use and the privacy policy"
    )


class RefreshIn(Strict):
    refresh_token: str = Field(min_length=10, max_length=200)


class LogoutIn(Strict):
    refresh_token: str | None = Field(default=None, min_length=10, max_length=200)


def changes(model: BaseModel) -> dict[str, Any]:
    """Only the fields the client sent: PATCH leaves the others alone (and null clears a field)."""
    return model.model_dump(exclude_unset=True)
