"""Photos and documents: a tree's gallery with its upload form, one item's page (the picture,
its details, the people tagged on it, the primary photo of a person), and the small JSON route
the tag form's name field asks for suggestions.

Uploads are multipart forms read with a size limit (``transfer_pages.read_multipart``) and
handed file by file to the media service, which decides what a file is from its content and
refuses what it does not keep. media.js sends each file on its own request (with upload
progress) and shows each refusal; without it the form posts every file at once.

Files are shown through the media service's signed, expiring links; what a visitor may see is
the service's decision (a guest never gets an item showing someone hidden from them, nor an
original file).
"""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from dzinza.api.http import platform_of
from dzinza.domain.errors import DzinzaError, PayloadTooLarge, ValidationFailed
from dzinza.services.common import Actor, etag_of
from dzinza.services.platform import Platform
from dzinza.web.forms import Form, csrf_ok, web_actor
from dzinza.web.i18n import N_, gettext, say
from dzinza.web.rendering import error_page, expired_form, refusal_json, render, see_other, speak
from dzinza.web.transfer_pages import (
    SLACK,
    BadForm,
    BodyTooLarge,
    field,
    read_multipart,
    size_text,
    upload_name,
)

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 24
MAX_FILES = 20
"""Files one form may send (the page's script sends them one by one)."""
SUGGESTIONS = 10
EDITORS = ("owner", "manager", "editor")
CONTRIBUTORS = (*EDITORS, "contributor")
ACCEPT = "image/*,application/pdf,audio/*,video/*"

REFUSALS = {
    "active-content": N_(
        "This file could run code in a browser (a web page, a script, a program or an SVG "
        "drawing), so it is not accepted."
    ),
    "unsupported-type": N_(
        "This kind of file is not kept. Upload photos (JPEG, PNG, GIF, WebP, TIFF or HEIC), "
        "PDF documents, sound or video."
    ),
    "corrupt": N_("The file is damaged: it cannot be read."),
    "too-many-pixels": N_("The picture has too many pixels to be processed."),
    "too-many-frames": N_("The animation has too many frames to be processed."),
    "too-many-pages": N_("The document has too many pages to be processed."),
    "encrypted": N_("The document is protected by a password: upload a copy without one."),
    "empty": N_("The file is empty."),
}
TOO_LARGE = N_("The file is too large.")
KINDS = {
    "image": N_("Photo"),
    "document": N_("Document"),
    "audio": N_("Sound"),
    "video": N_("Video"),
}


# -- helpers -------------------------------------------------------------------------------------
def _links(p: Platform, actor: Actor, item: dict[str, Any]) -> dict[str, str]:
    """The signed URLs of an item's variants, by name, with the nearest smaller version
    standing in for a missing one (a small photo has no large version)."""
    if item.get("status") != "ready":
        return {}
    try:
        urls = p.media.file_links(actor, uuid.UUID(item["id"]))["urls"]
    except DzinzaError:
        return {}
    found = {name: str(link["url"]) for name, link in urls.items()}
    order = ("small", "medium", "large")
    for i, name in enumerate(order):
        if name not in found:
            smaller = [found[n] for n in reversed(order[:i]) if n in found]
            if smaller:
                found[name] = smaller[0]
    if "preview" in found and "small" not in found:
        found["small"] = found["preview"]
    return found


def _kind_label(kind: str | None) -> str:
    label = KINDS.get(kind or "")
    return gettext(label) if label else gettext("File")


def _refusal(exc: DzinzaError) -> str:
    """A refused upload in the reader's language, from the service's reason code."""
    codes = [str(e.get("message")) for e in exc.errors if e.get("field") == "file"]
    for code in codes:
        if code in REFUSALS:
            return gettext(REFUSALS[code])
    if isinstance(exc, PayloadTooLarge):
        return gettext(TOO_LARGE)
    return say(exc.detail)


def _can_change(tree: dict[str, Any], actor: Actor, item: dict[str, Any] | None = None) -> bool:
    """Whether to offer the forms that change an item (the service decides in the end)."""
    if actor.anonymous:
        return False
    role = tree.get("my_role")
    if actor.is_admin or role in EDITORS:
        return True
    if item is None:
        return role in CONTRIBUTORS
    return role == "contributor" and item.get("created_by") == str(actor.user_id)


# -- the gallery ---------------------------------------------------------------------------------
def _gallery(
    request: Request,
    tree_id: uuid.UUID,
    cursor: str | None = None,
    report: list[dict[str, Any]] | None = None,
    status: int = 200,
    error: str = "",
) -> Response:
    p, actor = platform_of(request), web_actor(request)
    speak(request)
    try:
        tree = p.trees.get(actor, tree_id)
        page = p.media.list(actor, tree_id, cursor=cursor, limit=PAGE_SIZE)
    except DzinzaError as exc:
        return error_page(request, exc)
    items = []
    for item in page.items:
        links = _links(p, actor, item)
        items.append(
            {
                "item": item,
                "thumb": links.get("small", ""),
                "large": links.get("large", ""),
                "kind_label": _kind_label(item.get("kind")),
            }
        )
    settings = p.media.intake.settings
    return render(
        request,
        "media/gallery.html",
        {
            "tree": tree,
            "items": items,
            "next": page.next_cursor,
            "first": cursor is not None,
            "may_upload": _can_change(tree, actor),
            "limit": size_text(min(settings.form_max_bytes, settings.max_file_bytes)),
            "accept": ACCEPT,
            "report": report or [],
            "error": error,
        },
        status=status,
    )


@router.get("/trees/{tree_id}/media", response_class=HTMLResponse)
def gallery(
    request: Request,
    tree_id: uuid.UUID,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    return _gallery(request, tree_id, cursor)


@router.post("/trees/{tree_id}/media/upload", response_class=HTMLResponse)
async def upload(request: Request, tree_id: uuid.UUID) -> Response:
    """The upload form (every file at once) or media.js (one file a request, asking for JSON)."""
    p = platform_of(request)
    actor = await run_in_threadpool(web_actor, request)
    speak(request)
    wants_json = "application/json" in request.headers.get("accept", "")
    settings = p.media.intake.settings
    limit = settings.form_max_bytes

    async def answer(results: list[dict[str, Any]], status: int, error: str = "") -> Response:
        if wants_json:
            return JSONResponse({"files": results, "error": error}, status_code=status)
        return await run_in_threadpool(_gallery, request, tree_id, None, results, status, error)

    try:
        form = await read_multipart(request, limit + SLACK, max_files=MAX_FILES)
    except BodyTooLarge:
        message = gettext(
            "The upload is larger than the %(limit)s one form may send: send fewer or smaller "
            "files at once."
        ) % {"limit": size_text(limit)}
        return await answer([], 413, message)
    except BadForm:
        return await answer([], 400, gettext("The form could not be read: send it again."))
    results: list[dict[str, Any]] = []
    first: DzinzaError | None = None
    try:
        if not csrf_ok(request, field(form, "csrf", 200)):
            if wants_json:
                return JSONResponse({"files": [], "error": gettext("Form expired")}, 403)
            return expired_form(request)
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and upload_name(f)]
        if not files:
            return await answer([], 422, gettext("Choose one or more files to upload."))
        for sent in files:
            name = upload_name(sent)
            try:
                view, created = await run_in_threadpool(
                    p.media.upload, actor, tree_id, sent.file, name, {}
                )
            except DzinzaError as exc:
                first = first or exc
                results.append(
                    {
                        "name": name,
                        "ok": False,
                        "status": exc.status,
                        "message": _refusal(exc),
                        "detail": say(exc.detail),
                    }
                )
                continue
            results.append(
                {
                    "name": name,
                    "ok": True,
                    "id": view["id"],
                    "url": f"/media/{view['id']}",
                    "created": created,
                    "message": gettext("Uploaded.")
                    if created
                    else gettext("This file is in the tree already."),
                }
            )
    finally:
        await form.close()
    if first is None:
        if wants_json:
            return JSONResponse({"files": results, "error": ""}, status_code=200)
        return see_other(f"/trees/{tree_id}/media")
    if not wants_json and first.status in (401, 403, 404) and not any(r["ok"] for r in results):
        return error_page(request, first)
    return await answer(results, first.status)


# -- one item ------------------------------------------------------------------------------------
def _item_page(
    request: Request,
    media_id: uuid.UUID,
    *,
    form: dict[str, str] | None = None,
    error: str = "",
    errors: dict[str, str] | None = None,
    conflict: dict[str, Any] | None = None,
    choices: list[dict[str, Any]] | None = None,
    tag_form: dict[str, str] | None = None,
    tag_error: str = "",
    status: int = 200,
) -> Response:
    p, actor = platform_of(request), web_actor(request)
    speak(request)
    try:
        item = p.media.get(actor, media_id)
        tree = p.trees.get(actor, uuid.UUID(item["tree_id"]))
    except DzinzaError as exc:
        return error_page(request, exc)
    links = _links(p, actor, item)
    editable = _can_change(tree, actor, item)
    tags = []
    for tag in item.get("tags") or []:
        primary = False
        if editable:
            try:
                found = p.media.primary_of(actor, uuid.UUID(tag["person_id"]))
                primary = bool(found["media"]) and found["media"]["id"] == item["id"]
            except DzinzaError:
                primary = False
        region = tag.get("region") or {}
        tags.append(
            {
                **tag,
                "primary": primary,
                "box": {k: round(float(region.get(k) or 0) * 100, 2) for k in ("x", "y", "w", "h")},
                "whole": _whole(region),
            }
        )
    saved = {
        "title": item.get("title") or "",
        "date": item.get("date_text") or "",
        "description": item.get("description") or "",
    }
    dims = (item.get("dimensions") or {}).get("medium") or (item.get("dimensions") or {}).get(
        "small"
    )
    return render(
        request,
        "media/item.html",
        {
            "tree": tree,
            "item": item,
            "links": links,
            "dims": dims,
            "kind_label": _kind_label(item.get("kind")),
            "editable": editable,
            "version": etag_of(item).strip('"'),
            "values": form or saved,
            "saved": saved,
            "error": error,
            "errors": errors or {},
            "conflict": conflict,
            "tags": tags,
            "choices": choices or [],
            "tag_form": tag_form or {},
            "tag_error": tag_error,
            "size": size_text(int(item["size"])) if isinstance(item.get("size"), int) else "",
        },
        status=status,
    )


def _whole(region: dict[str, Any]) -> bool:
    try:
        return float(region["w"]) >= 0.999 and float(region["h"]) >= 0.999
    except (KeyError, TypeError, ValueError):
        return True


@router.get("/media/{media_id}", response_class=HTMLResponse)
def item_page(request: Request, media_id: uuid.UUID) -> Response:
    return _item_page(request, media_id)


@router.post("/media/{media_id}/edit", response_class=HTMLResponse)
def edit_item(request: Request, media_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    values = {
        "title": form.get("title", "").strip(),
        "date": form.get("date", "").strip(),
        "description": form.get("description", "").strip(),
    }
    data: dict[str, Any] = {**values, "date": values["date"] or None}
    version = "".join(c for c in form.get("version", "") if c.isalnum())[:64]
    try:
        p.media.update(actor, media_id, data, f'"{version}"' if version else None)
    except DzinzaError as exc:
        speak(request)
        if exc.status == 412:
            try:
                current = p.media.get(actor, media_id)
            except DzinzaError as gone:
                return error_page(request, gone)
            conflict = {
                "title": current.get("title") or "",
                "date": current.get("date_text") or "",
                "description": current.get("description") or "",
            }
            message = gettext(
                "Someone changed this item while you were editing it. Their version is shown "
                "beside yours: check it, then save again to keep yours."
            )
            return _item_page(
                request, media_id, form=values, error=message, conflict=conflict, status=412
            )
        fields = {str(e.get("field")): str(e.get("message")) for e in exc.errors}
        if "date_text" in fields:
            fields["date"] = fields.pop("date_text")
        return _item_page(
            request, media_id, form=values, error=exc.detail, errors=fields, status=exc.status
        )
    return see_other(f"/media/{media_id}")


def _region(form: dict[str, str]) -> dict[str, float]:
    """The rectangle media.js drew (fractions of the photo), else the whole photo."""
    try:
        box = {k: float(form.get(k, "")) for k in ("x", "y", "w", "h")}
    except ValueError:
        return {"x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0}
    if not all(math.isfinite(v) for v in box.values()) or box["w"] <= 0 or box["h"] <= 0:
        return {"x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0}
    x, y = min(max(box["x"], 0.0), 1.0), min(max(box["y"], 0.0), 1.0)
    w, h = min(box["w"], 1.0 - x), min(box["h"], 1.0 - y)
    if w <= 0 or h <= 0:
        return {"x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0}
    return {"x": round(x, 4), "y": round(y, 4), "w": round(w, 4), "h": round(h, 4)}


@router.post("/media/{media_id}/tags", response_class=HTMLResponse)
def tag_person(request: Request, media_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    speak(request)
    name = form.get("person_name", "").strip()[:200]
    tag_form = {"person_name": name, **{k: form.get(k, "")[:20] for k in ("x", "y", "w", "h")}}
    chosen = form.get("person_id", "").strip()
    try:
        if not chosen:
            if not name:
                message = gettext("Type the name of the person to tag.")
                return _item_page(
                    request, media_id, tag_form=tag_form, tag_error=message, status=422
                )
            item = p.media.get(actor, media_id)
            found = p.people.list(actor, uuid.UUID(item["tree_id"]), name=name, limit=SUGGESTIONS)
            if not found.items:
                message = gettext("Nobody in this tree has that name.")
                return _item_page(
                    request, media_id, tag_form=tag_form, tag_error=message, status=422
                )
            if len(found.items) > 1:
                message = gettext("Several people have that name: choose one.")
                return _item_page(
                    request,
                    media_id,
                    tag_form=tag_form,
                    tag_error=message,
                    choices=found.items,
                    status=422,
                )
            chosen = found.items[0]["id"]
        try:
            person_id = uuid.UUID(chosen)
        except ValueError as exc:
            raise ValidationFailed(gettext("Choose the person to tag.")) from exc
        p.media.tag(actor, media_id, person_id, _region(form))
    except DzinzaError as exc:
        return _item_page(
            request, media_id, tag_form=tag_form, tag_error=exc.detail, status=exc.status
        )
    return see_other(f"/media/{media_id}")


@router.post("/media/{media_id}/tags/{person_id}/remove", response_class=HTMLResponse)
def untag_person(
    request: Request, media_id: uuid.UUID, person_id: uuid.UUID, form: Form
) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        p.media.untag(actor, media_id, person_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    return see_other(f"/media/{media_id}")


@router.post("/media/{media_id}/primary/{person_id}", response_class=HTMLResponse)
def make_primary(
    request: Request, media_id: uuid.UUID, person_id: uuid.UUID, form: Form
) -> Response:
    """Makes the photo the person's primary photo (linking it to them if it is not yet)."""
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        p.media.link_as_primary(actor, person_id, media_id)
    except DzinzaError as exc:
        return _item_page(request, media_id, tag_error=exc.detail, status=exc.status)
    return see_other(f"/media/{media_id}")


@router.get("/media/{media_id}/download")
def download_original(request: Request, media_id: uuid.UUID) -> Response:
    """A fresh signed link of the original file, named for download (members only)."""
    p, actor = platform_of(request), web_actor(request)
    try:
        link = p.media.file_link(actor, media_id, "original", download=True)
    except DzinzaError as exc:
        return error_page(request, exc)
    response = RedirectResponse(link.url, status_code=302)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.get("/media/{media_id}/delete", response_class=HTMLResponse)
def delete_confirm(request: Request, media_id: uuid.UUID) -> Response:
    p, actor = platform_of(request), web_actor(request)
    try:
        item = p.media.get(actor, media_id)
        tree = p.trees.get(actor, uuid.UUID(item["tree_id"]))
    except DzinzaError as exc:
        return error_page(request, exc)
    return render(request, "media/delete.html", {"item": item, "tree": tree})


@router.post("/media/{media_id}/delete", response_class=HTMLResponse)
def delete_item(request: Request, media_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        item = p.media.get(actor, media_id)
        p.media.delete(actor, media_id, None)
    except DzinzaError as exc:
        return error_page(request, exc)
    return see_other(f"/trees/{item['tree_id']}/media")


# -- suggestions for the tag form ----------------------------------------------------------------
@router.get("/trees/{tree_id}/media-people/suggest")
def suggest_people(
    request: Request,
    tree_id: uuid.UUID,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """People of the tree whose names match, as the people list shows them to this reader
    (JSON for media.js: id, name, years)."""
    p, actor = platform_of(request), web_actor(request)
    query = q.strip()
    if len(query) < 2:
        return JSONResponse([], headers={"Cache-Control": "no-store"})
    try:
        found = p.people.list(actor, tree_id, name=query, limit=SUGGESTIONS)
    except DzinzaError as exc:
        return refusal_json(request, exc)
    people = [
        {
            "id": person["id"],
            "name": person["display_name"],
            "years": " \u2013 ".join(x for x in (person.get("birth"), person.get("death")) if x),
            "private": bool(person.get("private")),
        }
        for person in found.items
    ]
    return JSONResponse(people, headers={"Cache-Control": "no-store"})
