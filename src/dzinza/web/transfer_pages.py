"""GEDCOM import (with live progress and the report) and export downloads; the job pages.

Importing: the page's form posts the file as multipart (the only form of these pages that is
not urlencoded, with media uploads): it is read here with a size limit enforced while the body
arrives, streamed into the GEDCOM service's work folder, and handed to the same service call
as the API's upload. The browser then goes to the job's page, whose script polls
``/jobs/{id}/progress`` (cookie auth, the job service's access rules) and reloads when the job
ends; without the script the page has a refresh link.

A preview is applied without sending the file again: the service keeps a copy of a preview's
upload (``GedcomJobs.hold``) until it is applied or a day has passed.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import Message

from dzinza.api.http import platform_of
from dzinza.domain.errors import AuthenticationRequired, DzinzaError
from dzinza.services.common import Actor
from dzinza.services.gedcom_jobs import EXPORT, IMPORT, GedcomJobs
from dzinza.services.jobs import FINISHED, QUEUED, RUNNING, SUCCEEDED
from dzinza.services.platform import Platform
from dzinza.web import i18n
from dzinza.web.forms import Form, csrf_ok, web_actor
from dzinza.web.i18n import N_, gettext, ngettext
from dzinza.web.rendering import error_page, expired_form, refusal_json, render, see_other, speak

router = APIRouter(include_in_schema=False)

SLACK = 64 * 1024
"""What a multipart body may add to its file (boundaries, the other fields)."""
WARNINGS_SHOWN = 50
"""Warnings listed on a job's page before "show all"."""
POLL_MS = 1500

IMPORT_MODES = {
    "apply": N_("Import now"),
    "preview": N_("Preview first: count the new, changed and unchanged records, then apply"),
}
EXPORT_FORMATS = {
    "gedcom7": N_("GEDCOM 7.0"),
    "gedcom551": N_("GEDCOM 5.5.1 (for older programs)"),
    "gdz": N_("GEDZIP: GEDCOM 7.0 with the photos and documents"),
}
LIVING_CHOICES = {
    "private": N_('Show them as "Private", keeping their place in the families'),
    "omit": N_("Leave them out of the file"),
}
JOB_KINDS = {
    IMPORT: N_("Import of a GEDCOM file"),
    EXPORT: N_("Export of a tree"),
    "media.process": N_("Processing of a photo or document"),
    "search.reindex": N_("Rebuilding of the search index"),
    "duplicates.scan": N_("Search for duplicates"),
}
JOB_STATES = {
    QUEUED: N_("Waiting to start"),
    RUNNING: N_("Running"),
    SUCCEEDED: N_("Finished"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
}
JOB_MESSAGES = {
    "importing": N_("Importing the records."),
    "exporting": N_("Exporting the records."),
    "exported": N_("The file is written."),
    "storing the archive's files": N_("Storing the files of the archive."),
    "scanning": N_("Checking the file."),
    "making thumbnails": N_("Making the thumbnails."),
    "reading people": N_("Reading the people."),
    "done": N_("Done."),
}
RECORD_TYPES = {
    "individuals": N_("People"),
    "families": N_("Families"),
    "sources": N_("Sources"),
    "repositories": N_("Repositories"),
    "notes": N_("Notes"),
    "media": N_("Photos and documents"),
    "submitters": N_("Submitters"),
    "media_files": N_("Files in the archive"),
}


# -- multipart forms (shared with media_pages) ---------------------------------------------------
class BodyTooLarge(Exception):
    """A form body past its limit: found from Content-Length, or while it arrived."""


class BadForm(Exception):
    """A body that is not a readable multipart form."""


async def read_multipart(request: Request, limit: int, *, max_files: int) -> FormData:
    """The multipart form of a request, refused past ``limit`` bytes before it is all read.
    The caller closes it (``await form.close()``) to free the spooled files."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        raise BadForm
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge
        return message

    limited = Request(request.scope, receive)
    try:
        return await limited.form(max_files=max_files, max_fields=20)
    except (HTTPException, ClientDisconnect) as exc:
        raise BadForm from exc


def field(form: FormData, name: str, limit: int = 300) -> str:
    """A text field of a multipart form ('' if absent or a file)."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def upload_name(upload: UploadFile) -> str:
    """The file's own name, without any folder a browser put before it."""
    name = PurePosixPath((upload.filename or "").replace("\\", "/")).name
    return name.strip()[:255]


def size_text(n: int) -> str:
    """A size for people: 512 MB, 200 KB, 100 bytes."""
    if n >= 1024 * 1024:
        return gettext("%(size)s MB") % {"size": i18n.number(round(n / (1024 * 1024), 1))}
    if n >= 1024:
        return gettext("%(size)s KB") % {"size": i18n.number(round(n / 1024, 1))}
    return ngettext("%(size)s byte", "%(size)s bytes", n) % {"size": i18n.number(n)}


# -- import --------------------------------------------------------------------------------------
def _import_page(
    request: Request,
    tree: dict[str, Any] | None,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    speak(request)
    service = platform_of(request).gedcom
    return render(
        request,
        "transfer/import.html",
        {
            "tree": tree,
            "modes": IMPORT_MODES,
            "values": {"mode": "apply", "name": "", **(values or {})},
            "limit": size_text(service.max_bytes),
            "action": f"/trees/{tree['id']}/import" if tree else NEW_TREE_IMPORT,
            "error": error,
            "errors": errors or {},
        },
        status=status,
    )


def _problem_fields(exc: DzinzaError) -> dict[str, str]:
    return {str(e.get("field")): str(e.get("message")) for e in exc.errors if e.get("field")}


# A new tree from a file. Not /trees/import: tree_pages' /trees/{tree_id} would take it. Declared
# before /trees/{tree_id}/import, which "new" would otherwise reach.
NEW_TREE_IMPORT = "/trees/new/import"


@router.get(NEW_TREE_IMPORT, response_class=HTMLResponse)
def new_tree_form(request: Request) -> Response:
    if web_actor(request).anonymous:
        return RedirectResponse(f"/signin?next={NEW_TREE_IMPORT}", status_code=303)
    return _import_page(request, None)


@router.post(NEW_TREE_IMPORT, response_class=HTMLResponse)
async def import_new_tree(request: Request) -> Response:
    return await _receive_import(request, None)


@router.get("/trees/{tree_id}/import", response_class=HTMLResponse)
def import_form(request: Request, tree_id: uuid.UUID) -> Response:
    p, actor = platform_of(request), web_actor(request)
    try:
        tree = p.trees.get(actor, tree_id)
        p.gedcom.may_import(actor, tree_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    return _import_page(request, tree)


@router.post("/trees/{tree_id}/import", response_class=HTMLResponse)
async def import_file(request: Request, tree_id: uuid.UUID) -> Response:
    return await _receive_import(request, tree_id)


async def _receive_import(request: Request, tree_id: uuid.UUID | None) -> Response:
    p = platform_of(request)
    service = p.gedcom
    actor = await run_in_threadpool(web_actor, request)
    speak(request)

    async def again(**kw: Any) -> Response:
        tree = None
        if tree_id is not None:
            try:
                tree = await run_in_threadpool(p.trees.get, actor, tree_id)
            except DzinzaError as exc:
                return error_page(request, exc)
        return _import_page(request, tree, **kw)

    try:
        form = await read_multipart(request, service.max_bytes + SLACK, max_files=1)
    except BodyTooLarge:
        return await again(error=service.too_large().detail, status=413)
    except BadForm:
        return await again(error=gettext("The form could not be read: send it again."), status=400)
    try:
        if not csrf_ok(request, field(form, "csrf", 200)):
            return expired_form(request)
        values = {"mode": field(form, "mode"), "name": field(form, "name", 200).strip()}
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload_name(upload):
            message = gettext("Choose a GEDCOM file (.ged) or a GEDZIP archive (.gdz).")
            return await again(values=values, errors={"file": message}, status=422)
        try:
            view = await run_in_threadpool(
                _start_import, p, actor, tree_id, upload, values, upload_name(upload)
            )
        except DzinzaError as exc:
            errors = _problem_fields(exc)
            return await again(values=values, error=exc.detail, errors=errors, status=exc.status)
    finally:
        await form.close()
    return see_other(f"/jobs/{view['id']}")


def _start_import(
    p: Platform,
    actor: Actor,
    tree_id: uuid.UUID | None,
    upload: UploadFile,
    values: dict[str, str],
    filename: str,
) -> dict[str, Any]:
    """Streams the upload into the service's work folder and starts its job (into a new tree
    made for it when ``tree_id`` is None)."""
    service = p.gedcom
    preview = tree_id is not None and values["mode"] == "preview"
    if tree_id is not None:
        service.may_import(actor, tree_id)
    elif actor.anonymous:
        raise AuthenticationRequired(gettext("Sign in to import a tree."))
    key, path = service.upload_path()
    try:
        _copy(upload.file, path, service)
        service.check_upload(key)  # before anything is made for a file that is not GEDCOM
        if preview:
            service.hold(key)
    except BaseException:
        service.work.remove(key)
        raise
    if tree_id is not None:
        return service.start_import(actor, tree_id, key, preview=preview, filename=filename)
    name = values["name"] or PurePosixPath(filename).stem or filename
    try:
        tree = p.trees.create(actor, {"name": name})
    except BaseException:
        service.work.remove(key)
        raise
    made = uuid.UUID(tree["id"])
    try:
        return service.start_import(actor, made, key, filename=filename)
    except BaseException:
        p.trees.delete(actor, made, None)
        raise


def _copy(source: BinaryIO, path: Path, service: GedcomJobs) -> None:
    size = 0
    with open(path, "wb") as out:
        while chunk := source.read(1024 * 1024):
            size += len(chunk)
            if size > service.max_bytes:
                raise service.too_large()
            out.write(chunk)


# -- export --------------------------------------------------------------------------------------
def _export_page(
    request: Request,
    tree: dict[str, Any],
    values: dict[str, str] | None = None,
    error: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "transfer/export.html",
        {
            "tree": tree,
            "formats": EXPORT_FORMATS,
            "living": LIVING_CHOICES,
            "values": {"format": "gedcom7", "living": "private", **(values or {})},
            "error": error,
            "errors": errors or {},
        },
        status=status,
    )


@router.get("/trees/{tree_id}/export", response_class=HTMLResponse)
def export_form(request: Request, tree_id: uuid.UUID) -> Response:
    p, actor = platform_of(request), web_actor(request)
    try:
        tree = p.trees.get(actor, tree_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    return _export_page(request, tree)


@router.post("/trees/{tree_id}/export", response_class=HTMLResponse)
def export_tree(request: Request, tree_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    values = {"format": form.get("format", ""), "living": form.get("living", "")}
    try:
        view = p.gedcom.start_export(actor, tree_id, values["format"], values["living"])
    except DzinzaError as exc:
        try:
            tree = p.trees.get(actor, tree_id)
        except DzinzaError:
            return error_page(request, exc)
        return _export_page(request, tree, values, exc.detail, _problem_fields(exc), exc.status)
    return see_other(f"/jobs/{view['id']}")


# -- jobs ----------------------------------------------------------------------------------------
def _duration(seconds: float) -> str:
    if seconds < 90:
        n = max(1, round(seconds))
        return ngettext("about %(n)s second", "about %(n)s seconds", n) % {"n": i18n.number(n)}
    if seconds < 90 * 60:
        n = round(seconds / 60)
        return ngettext("about %(n)s minute", "about %(n)s minutes", n) % {"n": i18n.number(n)}
    n = round(seconds / 3600)
    return ngettext("about %(n)s hour", "about %(n)s hours", n) % {"n": i18n.number(n)}


def progress_text(job: dict[str, Any]) -> str:
    """The state of a job in whole sentences (the page's live region says it again as it
    changes)."""
    status, done, total = job["status"], int(job["done"] or 0), job["total"]
    sentences: list[str] = []
    if status == QUEUED:
        return gettext("The job is waiting to start.")
    message = str(job.get("message") or "")
    if status == RUNNING and message:
        known = JOB_MESSAGES.get(message)
        sentences.append(gettext(known) if known else message)
    if total is not None:
        sentences.append(
            ngettext(
                "%(done)s of %(total)s record done (%(percent)s%%).",
                "%(done)s of %(total)s records done (%(percent)s%%).",
                int(total),
            )
            % {
                "done": i18n.number(done),
                "total": i18n.number(int(total)),
                "percent": i18n.number(job["percent"] or 0),
            }
        )
    elif done:
        sentences.append(
            ngettext("%(done)s record done.", "%(done)s records done.", done)
            % {"done": i18n.number(done)}
        )
    if status == RUNNING:
        if job.get("rate"):
            sentences.append(
                gettext("%(rate)s records a second.") % {"rate": i18n.number(job["rate"])}
            )
        if job.get("eta_seconds") is not None and job["eta_seconds"] > 0:
            sentences.append(
                gettext("Time left: %(time)s.") % {"time": _duration(job["eta_seconds"])}
            )
        if job.get("cancel_requested"):
            sentences.append(gettext("Stopping, as asked."))
        if not sentences:  # just started: nothing counted yet, but the page says it runs
            sentences.append(gettext("The job is running."))
    return " ".join(sentences)


def _counts(counts: dict[str, Any] | None) -> list[tuple[str, int]]:
    """Record types and how many: the known ones by their name, in a stable order."""
    found = {k: v for k, v in (counts or {}).items() if isinstance(v, int) and v}
    order = [k for k in RECORD_TYPES if k in found] + sorted(
        k for k in found if k not in RECORD_TYPES
    )
    return [(gettext(RECORD_TYPES[k]) if k in RECORD_TYPES else k, found[k]) for k in order]


def _job_context(
    request: Request, job: dict[str, Any], show_all: bool, actor: Actor
) -> dict[str, Any]:
    p = platform_of(request)
    speak(request)
    tree = None
    if job["tree_id"]:
        try:
            tree = p.trees.get(actor, uuid.UUID(job["tree_id"]))
        except DzinzaError:
            tree = None
    result = job["result"] if isinstance(job["result"], dict) else {}
    warnings = list(result.get("warnings") or [])
    kind = job["kind"]
    preview = kind == IMPORT and result.get("mode") == "preview"
    return {
        "job": job,
        "tree": tree,
        "kind_label": gettext(JOB_KINDS[kind]) if kind in JOB_KINDS else kind,
        "state_label": gettext(JOB_STATES.get(job["status"], job["status"])),
        "running": job["status"] not in FINISHED,
        "progress": progress_text(job),
        "poll_ms": POLL_MS,
        "result": result,
        "counts": _counts(result.get("counts")),
        "records": result.get("records") or {},
        "preview": preview,
        "can_apply": preview
        and job["status"] == SUCCEEDED
        and p.gedcom.can_apply(actor, uuid.UUID(job["id"])),
        "warnings": warnings if show_all else warnings[:WARNINGS_SHOWN],
        "warning_total": int(result.get("warning_count") or len(warnings)),
        "warnings_kept": len(warnings),
        "show_all": show_all,
        "format_label": gettext(EXPORT_FORMATS[result["format"]])
        if result.get("format") in EXPORT_FORMATS
        else "",
        "size": size_text(int(result["bytes"])) if isinstance(result.get("bytes"), int) else "",
        "media_files": result.get("media_files")
        if isinstance(result.get("media_files"), dict)
        else None,
    }


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request,
    job_id: uuid.UUID,
    warnings: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    p, actor = platform_of(request), web_actor(request)
    try:
        job = p.jobs.get(actor, job_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    context = _job_context(request, job, warnings == "all", actor)
    return render(request, "transfer/job.html", context)


@router.get("/jobs/{job_id}/progress")
def job_progress(request: Request, job_id: uuid.UUID) -> Response:
    """The job's progress for the page's script (JSON; the same access as the page)."""
    p, actor = platform_of(request), web_actor(request)
    speak(request)
    try:
        job = p.jobs.get(actor, job_id)
    except DzinzaError as exc:
        return refusal_json(request, exc)
    body = {
        "id": job["id"],
        "status": job["status"],
        "state": gettext(JOB_STATES.get(job["status"], job["status"])),
        "finished": job["status"] in FINISHED,
        "done": job["done"],
        "total": job["total"],
        "percent": job["percent"],
        "rate": job["rate"],
        "eta_seconds": job["eta_seconds"],
        "text": progress_text(job),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post("/jobs/{job_id}/cancel", response_class=HTMLResponse)
def cancel_job(request: Request, job_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        p.jobs.cancel(actor, job_id)
    except DzinzaError as exc:
        if exc.status != 409:  # finished meanwhile: its page says how it ended
            return error_page(request, exc)
    return see_other(f"/jobs/{job_id}")


@router.post("/jobs/{job_id}/apply", response_class=HTMLResponse)
def apply_preview(request: Request, job_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    p, actor = platform_of(request), web_actor(request)
    try:
        view = p.gedcom.apply_preview(actor, job_id)
    except DzinzaError as exc:
        try:
            job = p.jobs.get(actor, job_id)
        except DzinzaError:
            return error_page(request, exc)
        context = _job_context(request, job, False, actor) | {"action_error": exc.detail}
        return render(request, "transfer/job.html", context, status=exc.status)
    return see_other(f"/jobs/{view['id']}")


SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_download_name(name: str, default: str = "download") -> str:
    """A file name any browser and file system takes: letters, digits, dots, dashes."""
    cleaned = SAFE_NAME.sub("-", name).strip(".-")[:120]
    return cleaned or default


@router.get("/jobs/{job_id}/download")
def download_export(request: Request, job_id: uuid.UUID) -> Response:
    p, actor = platform_of(request), web_actor(request)
    try:
        found = p.gedcom.download(actor, job_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    if found.path is None:  # on S3: a signed URL that names the file for download
        assert found.url is not None
        redirect = RedirectResponse(found.url, status_code=302)
        redirect.headers["Cache-Control"] = "private, no-store"
        return redirect
    response = FileResponse(
        found.path,
        media_type=found.media_type,
        filename=safe_download_name(found.filename, "tree.ged"),
        content_disposition_type="attachment",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
