"""How records are shown: rows from the store turned into the JSON-ready views the API, the web
pages and the CLI all present. One place, so that every surface says the same thing."""

from __future__ import annotations

from typing import Any

from dzinza.domain.names import NameParts
from dzinza.domain.rules import DayRange, Life
from dzinza.domain.vocabulary import NameType
from dzinza.ports import Row
from dzinza.services.common import jsonable

STAMPS = ("version", "created_at", "updated_at")


def stamps(row: Row) -> dict[str, Any]:
    return {k: jsonable(row[k]) for k in STAMPS if k in row}


def summary(row: Row) -> dict[str, Any]:
    """A person in one line: enough for lists, charts and the people around a person."""
    return {
        "id": str(row["id"]),
        "display_name": row["display_name"],
        "sex": row["sex"],
        "birth": row["birth_text"] or None,
        "death": row["death_text"] or None,
        "living": row["living"],
        # A placeholder ("Private"), or a person marked private whom this reader may see.
        "private": bool(row.get("private") or row.get("hidden")),
    }


def life(row: Row) -> Life:
    def rng(prefix: str) -> DayRange | None:
        lo, hi = row[f"{prefix}_earliest"], row[f"{prefix}_latest"]
        return None if lo is None and hi is None else DayRange(lo, hi)

    return Life(str(row["id"]), row["display_name"], rng("birth"), rng("death"))


def name_parts(row: Row) -> NameParts:
    return NameParts(
        given=row["given"],
        surname=row["surname"],
        prefix=row["prefix"],
        suffix=row["suffix"],
        nickname=row["nickname"],
        title=row["title"],
        type=NameType(row["type"]),
    )


def name(row: Row) -> dict[str, Any]:
    parts = name_parts(row)
    return {
        "id": str(row["id"]),
        "type": row["type"],
        "given": parts.given,
        "surname": parts.surname,
        "prefix": parts.prefix,
        "suffix": parts.suffix,
        "nickname": parts.nickname,
        "title": parts.title,
        "display": parts.display(),
    }


def event(row: Row, place_names: dict[Any, str]) -> dict[str, Any]:
    place_id = row["place_id"]
    return {
        "id": str(row["id"]),
        "type": row["type"],
        "label": row["label"],
        "date": row["date_text"] or None,
        "date_range": {"earliest": row["date_earliest"], "latest": row["date_latest"]},
        "place": None
        if place_id is None
        else {"id": str(place_id), "name": row.get("place_name") or place_names.get(place_id, "")},
        "description": row["description"],
        "value": row["value"],
        "person_id": jsonable(row["person_id"]),
        "family_id": jsonable(row["family_id"]),
        **stamps(row),
    }


def links(found: dict[str, list[Row]]) -> dict[str, Any]:
    return {
        "citations": [
            citation(c) | {"source_title": c["source_title"]} for c in found["citations"]
        ],
        "notes": [{"id": str(n["id"]), "text": n["text"]} for n in found["notes"]],
        "media": [
            {
                "id": str(m["id"]),
                "title": m["title"],
                "file": m["file"],
                "mime_type": m["mime_type"],
            }
            for m in found["media"]
        ],
        "external_ids": [{"kind": x["kind"], "value": x["value"]} for x in found["external_ids"]],
    }


def citation(row: Row) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "source_id": str(row["source_id"]),
        "page": row["page"],
        "quality": row["quality"],
        "date": row["date_text"] or None,
        "text": row["text"],
        "target": {"type": row["target_type"], "id": str(row["target_id"])},
        **stamps(row),
    }


def plain(row: Row) -> dict[str, Any]:
    """Any simple record (place, source, repository, note, media): its columns as JSON."""
    return {k: jsonable(v) for k, v in row.items()}
