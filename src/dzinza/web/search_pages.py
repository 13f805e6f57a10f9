"""Search, and the duplicate review queue.

Search: ``/search`` (every tree the visitor may see) and ``/trees/{id}/search`` (one tree), a
plain GET form whose every filter lives in the address, so results can be bookmarked, shared and
paged without a script; ``/search/suggest`` answers the autocomplete of search.js with name
words from the service (which applies the visitor's privacy, like the results and the facets).

Duplicates (editors and above, as the service decides): ``/trees/{id}/duplicates`` lists the
suspected pairs by score and starts the finder job; ``/trees/{id}/duplicates/{pair}`` compares
the two people side by side with the service's merge preview, then merges (after a
confirmation page), sets the pair aside as "not the same person", or skips to the next one.

The highlights of results come from the service as HTML (escaped text with ``<mark>`` around
matches). They are never trusted as HTML: ``marked`` keeps only well-formed ``<mark>`` pairs and
escapes everything else again.
"""

from __future__ import annotations

import html
import math
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup, escape

from dzinza.api.http import platform_of
from dzinza.domain.errors import DzinzaError, NotFound
from dzinza.domain.vocabulary import EVENT_TYPES, Sex
from dzinza.services.common import Actor
from dzinza.services.duplicates import SCAN
from dzinza.services.search import DEFAULT_YEAR_TOLERANCE, MAX_OFFSET, SearchRequest
from dzinza.web.forms import Form, csrf_ok, web_actor
from dzinza.web.i18n import N_, gettext
from dzinza.web.labels import EVENT_LABELS
from dzinza.web.rendering import error_page, expired_form, refusal_json, render, see_other, speak

router = APIRouter(include_in_schema=False)

PER_PAGE = 20
MAX_PAGE = MAX_OFFSET // PER_PAGE + 1
"""The service pages up to ``MAX_OFFSET`` results deep; past that, narrow the search."""
QUEUE_PAGE = 50
SUGGESTIONS = 8
TEXT_MAX = 200
TEXT_FIELDS = ("q", "given", "surname", "place", "text")
FILTER_FIELDS = (*TEXT_FIELDS, "sex", "born", "died", "place_id", "event")
"""The fields that make a search (the tolerance and the page only refine one)."""
EDITOR_ROLES = ("editor", "manager", "owner")
FINISHED = ("succeeded", "failed", "cancelled")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_MARKS = re.compile(r"(<mark>|</mark>)")

SEXES = {
    Sex.MALE.value: N_("Male"),
    Sex.FEMALE.value: N_("Female"),
    Sex.INTERSEX.value: N_("Intersex"),
    Sex.UNKNOWN.value: N_("Unknown"),
}


NAME_TYPES = {
    "married": N_("married name"),
    "aka": N_("also known as"),
    "clan": N_("clan name"),
    "praise": N_("praise name"),
    "religious": N_("religious name"),
    "immigrant": N_("immigrant name"),
    "other": N_("other name"),
}

MATCH_LABELS = {
    "variant": N_("a variant of the name"),
    "phonetic": N_("sounds alike"),
    "fuzzy": N_("spelled nearly alike"),
}
"""How a result's name met the query, when not spelled exactly as asked."""

REASONS = {
    ("given", "exact"): N_("Same given name"),
    ("given", "variant"): N_("Given names that are variants of each other"),
    ("given", "phonetic"): N_("Given names that sound alike"),
    ("given", "fuzzy"): N_("Given names spelled nearly alike"),
    ("given", "different"): N_("Different given names"),
    ("surname", "exact"): N_("Same surname"),
    ("surname", "variant"): N_("Surnames that are variants of each other"),
    ("surname", "phonetic"): N_("Surnames that sound alike"),
    ("surname", "fuzzy"): N_("Surnames spelled nearly alike"),
    ("surname", "different"): N_("Different surnames"),
    ("birth", "same"): N_("Born the same year"),
    ("birth", "near"): N_("Born within a few years of each other"),
    ("birth", "conflict"): N_("Births too far apart"),
    ("death", "same"): N_("Died the same year"),
    ("death", "near"): N_("Died within a few years of each other"),
    ("death", "conflict"): N_("Deaths too far apart"),
    ("place", "shared"): N_("An event at the same place"),
    ("siblings", True): N_("Siblings (so less likely the same person)"),
}
"""The finder's reasons (``duplicate_scoring.score``) in words."""

CONFLICT_LABELS = {
    "sex": N_("Sex"),
    "living": N_("Living or dead"),
    "private": N_("Marked private"),
    "restriction": N_("Restriction"),
}


# -- helpers -------------------------------------------------------------------------------------
def marked(highlighted: str | None) -> Markup | None:
    """A highlight from the service as safe HTML: its text escaped afresh and only balanced
    ``<mark>`` elements kept. Whatever else the index holds (an unescaped name, a stray tag)
    shows as text."""
    if highlighted is None:
        return None
    out: list[str] = []
    open_mark = False
    for piece in _MARKS.split(highlighted):
        if piece == "<mark>" and not open_mark:
            out.append("<mark>")
            open_mark = True
        elif piece == "</mark>" and open_mark:
            out.append("</mark>")
            open_mark = False
        else:
            out.append(str(escape(html.unescape(piece))))
    if open_mark:
        out.append("</mark>")
    return Markup("".join(out))  # noqa: S704 - every piece escaped above


def _years(span: Mapping[str, int] | None) -> str:
    if not span:
        return ""
    lo, hi = span.get("from"), span.get("to")
    if lo is None:
        return ""
    return str(lo) if hi in (None, lo) else f"{lo}\u2013{hi}"


def _clean(value: str) -> str:
    return _CONTROL.sub(" ", value).strip()[:TEXT_MAX]


def _int(value: str, low: int, high: int) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return None
    return number if low <= number <= high else None


def _link(path: str, params: Mapping[str, str]) -> str:
    kept = {k: v for k, v in params.items() if v != ""}
    return f"{path}?{urlencode(kept)}" if kept else path


def _is_editor(tree: Mapping[str, Any]) -> bool:
    return tree.get("my_role") in EDITOR_ROLES


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


# -- the search form -----------------------------------------------------------------------------
class SearchForm:
    """The search's fields as the visitor gave them (kept for the form), what is wrong with
    them, and the service's request once they are right."""

    def __init__(self, query: Mapping[str, str]) -> None:
        self.values: dict[str, str] = {f: _clean(query.get(f, "")) for f in FILTER_FIELDS}
        self.values["tolerance"] = _clean(query.get("tolerance", ""))
        self.broad = query.get("broad", "") in ("1", "true", "on")
        self.errors: dict[str, str] = {}
        self.error = ""
        self.page = _int(query.get("page", "1") or "1", 1, 10**6) or 1
        self.searched = any(self.values[f] for f in FILTER_FIELDS)

    def validate(self) -> SearchRequest | None:
        v, errors = self.values, self.errors
        born = died = None
        for name in ("born", "died"):
            if v[name]:
                year = _int(v[name], 1, 9999)
                if year is None:
                    errors[name] = gettext("Give a year between 1 and 9999.")
                born, died = (year, died) if name == "born" else (born, year)
        tolerance = DEFAULT_YEAR_TOLERANCE
        if v["tolerance"]:
            found = _int(v["tolerance"], 0, 50)
            if found is None:
                errors["tolerance"] = gettext("Give a number of years between 0 and 50.")
            else:
                tolerance = found
        if v["sex"] and v["sex"] not in SEXES:
            errors["sex"] = gettext("Choose a sex from the list.")
        if v["event"] and v["event"] not in EVENT_TYPES:
            errors["event"] = gettext("Choose an event type from the list.")
        place_id = None
        if v["place_id"]:
            place_id = _uuid(v["place_id"])
            if place_id is None:
                errors["place_id"] = gettext("Choose a place from the list.")
        if self.page > MAX_PAGE:
            self.error = gettext(
                "Only the first %(count)s results can be shown: narrow the search."
            ) % {"count": MAX_OFFSET + PER_PAGE}
        if errors or self.error or not self.searched:
            return None
        return SearchRequest(
            q=v["q"],
            given=v["given"],
            surname=v["surname"],
            text=v["text"],
            place=v["place"],
            place_id=place_id,
            event=v["event"],
            sex=v["sex"] or None,
            born=born,
            died=died,
            tolerance=tolerance,
            limit=PER_PAGE,
            offset=(self.page - 1) * PER_PAGE,
            facets=True,
            broad=self.broad,
        )

    def params(self, **changes: str) -> dict[str, str]:
        """The address's parameters of this search with some changed (a new search starts at
        the first page)."""
        params = {k: v for k, v in self.values.items() if v}
        if params.get("tolerance") == str(DEFAULT_YEAR_TOLERANCE):
            del params["tolerance"]
        if self.broad:
            params["broad"] = "1"
        params.update(changes)
        return params


def _facets(form: SearchForm, path: str, facets: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The facets as links that add (or, once applied, remove) a filter."""
    if not facets:
        return []
    v = form.values
    groups: list[dict[str, Any]] = []
    for key, label in (
        ("surname", N_("Surname")),
        ("century", N_("Born in the century")),
        ("region", N_("Born in")),
    ):
        entries = []
        for bucket in facets.get(key) or []:
            value, count = bucket["value"], bucket["count"]
            if key == "surname":
                shown = str(value)
                applied = v["surname"].casefold() == shown.casefold()
                change = {"surname": "" if applied else shown}
            elif key == "century":
                start = int(value)
                shown = f"{start}\u2013{start + 99}"
                middle = str(start + 50)
                # Born in the middle of the century, give or take fifty years.
                applied = v["born"] == middle and v["tolerance"] == "50"
                change = (
                    {"born": "", "tolerance": ""}
                    if applied
                    else {"born": middle, "tolerance": "50"}
                )
            else:
                shown = str(value)
                applied = v["place"].casefold() == shown.casefold()
                change = {"place": "" if applied else shown}
            entries.append(
                {
                    "label": shown,
                    "count": count,
                    "applied": applied,
                    "url": _link(path, form.params(**change)),
                }
            )
        if entries:
            groups.append({"key": key, "label": label, "entries": entries})
    return groups


def _place_choices(request: Request, actor: Actor, tree_id: uuid.UUID) -> list[tuple[str, str]]:
    """The tree's places (the first page of them), each under the place it lies within, for
    the "within a place" filter."""
    try:
        page = platform_of(request).places.list(actor, tree_id, limit=500)
    except DzinzaError:
        return []
    places = {p["id"]: p for p in page.items}
    below: dict[str | None, list[dict[str, Any]]] = {}
    for p in page.items:
        parent = p.get("parent_id")
        below.setdefault(parent if parent in places else None, []).append(p)
    choices: list[tuple[str, str]] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for p in sorted(below.get(parent, []), key=lambda x: (x["name"] or "").casefold()):
            if p["id"] in seen:
                continue
            seen.add(p["id"])
            choices.append((p["id"], "\u2003" * depth + (p["name"] or "")))
            walk(p["id"], depth + 1)

    walk(None, 0)
    return choices


def _match_label(kinds: list[str]) -> str | None:
    """How the name met the query, when not as spelled (the strongest kind comes first)."""
    return MATCH_LABELS.get(kinds[0]) if kinds else None


def _search_page(request: Request, tree_id: uuid.UUID | None) -> Response:
    p, actor = platform_of(request), web_actor(request)
    speak(request)
    tree: dict[str, Any] | None = None
    if tree_id is not None:
        try:
            tree = p.trees.get(actor, tree_id)
        except DzinzaError as exc:
            return error_page(request, exc)
    query = {k: request.query_params.get(k, "") for k in request.query_params}
    form = SearchForm(query)
    path = request.url.path
    wanted = form.validate()
    places = _place_choices(request, actor, tree_id) if tree_id is not None else []
    status = 422 if (form.errors or form.error) else 200
    context: dict[str, Any] = {
        "tree": tree,
        "form": form,
        "values": form.values,
        "errors": form.errors,
        "error": form.error,
        "sexes": SEXES,
        "events": sorted(EVENT_LABELS.items(), key=lambda kv: gettext(kv[1]).casefold()),
        "places": places,
        "place_ids": {place for place, _ in places},
        "action": path,
        "suggest_tree": str(tree_id) if tree_id else "",
        "result": None,
        "everywhere": _link("/search", form.params(page="", place_id="")),
        "remove_place": _link(path, form.params(place_id="", page="")),
        "may_review": tree is not None and _is_editor(tree),
    }
    if wanted is not None:
        try:
            found = p.search.search(actor, wanted, tree_id)
        except DzinzaError as exc:
            for e in exc.errors or []:
                if isinstance(e, Mapping) and e.get("field") in form.values:
                    form.errors[str(e["field"])] = str(e.get("message", ""))
            form.error = context["error"] = exc.detail
            status = exc.status
        else:
            context["result"] = _result(request, actor, form, path, found, tree)
    return render(request, "search/search.html", context, status=status)


def _result(
    request: Request,
    actor: Actor,
    form: SearchForm,
    path: str,
    found: Mapping[str, Any],
    tree: Mapping[str, Any] | None,
) -> dict[str, Any]:
    trees: dict[str, Mapping[str, Any] | None] = {}
    if tree is not None:
        trees[str(tree["id"])] = tree
    items = []
    for hit in found["items"]:
        tid = hit["tree_id"]
        if tid not in trees:
            try:
                trees[tid] = platform_of(request).trees.get(actor, uuid.UUID(tid))
            except DzinzaError:
                trees[tid] = None
        highlights = hit.get("highlights") or {}
        items.append(
            {
                "id": hit["id"],
                "name": marked(highlights.get("name")) or hit["display_name"],
                "text": marked(highlights.get("text")),
                "birth": _years(hit.get("birth")),
                "death": _years(hit.get("death")),
                "sex": hit.get("sex"),
                "tree": trees[tid],
                "matched_by": _match_label(hit.get("matched_by") or []),
            }
        )
    total = int(found["total"])
    pages = min(max(1, math.ceil(total / PER_PAGE)), MAX_PAGE)
    page = form.page
    return {
        "total": total,
        "people": items,
        "first": (page - 1) * PER_PAGE + 1,
        "last": (page - 1) * PER_PAGE + len(items),
        "page": page,
        "pages": pages,
        "previous": _link(path, form.params(page=str(page - 1))) if page > 1 else None,
        "next": _link(path, form.params(page=str(page + 1))) if page < pages else None,
        "first_page": _link(path, form.params(page="")),
        "broadened": bool(found.get("broadened")),
        "broaden": None if found.get("broadened") else _link(path, {**form.params(), "broad": "1"}),
        "facets": _facets(form, path, found.get("facets")),
        "all_trees": tree is None,
    }


@router.get("/search", response_class=HTMLResponse)
def search_everywhere(request: Request) -> Response:
    return _search_page(request, None)


@router.get("/trees/{tree_id}/search", response_class=HTMLResponse)
def search_tree(request: Request, tree_id: uuid.UUID) -> Response:
    return _search_page(request, tree_id)


@router.get("/search/suggest")
def suggest(request: Request, q: str = "", tree: str = "") -> Response:
    """Name words that start like the last word typed, as JSON for search.js: only words of
    people the visitor may see (the service's privacy)."""
    headers = {"Cache-Control": "private, no-store", "Vary": "Cookie"}
    prefix = _clean(q)[:100]
    tree_id = _uuid(tree) if tree else None
    if tree and tree_id is None:
        return JSONResponse({"detail": "tree is not a tree id."}, 422, headers=headers)
    if not prefix:
        return JSONResponse({"items": []}, headers=headers)
    try:
        found = platform_of(request).search.suggest(
            web_actor(request), prefix, tree_id, SUGGESTIONS
        )
    except DzinzaError as exc:
        if exc.status == 422:  # nothing to suggest from (punctuation only)
            return JSONResponse({"items": []}, headers=headers)
        return refusal_json(request, exc, headers)
    return JSONResponse({"items": found}, headers=headers)


# -- duplicates: the review queue ----------------------------------------------------------------
def _scan_job(
    request: Request, actor: Actor, tree_id: uuid.UUID, job: str
) -> dict[str, Any] | None:
    """The scan to report on: the one just started (``job``), else this user's latest scan of
    the tree, if any."""
    jobs = platform_of(request).jobs
    wanted = _uuid(job) if job else None
    try:
        if wanted is not None:
            found = jobs.get(actor, wanted)
            return found if found["kind"] == SCAN and found["tree_id"] == str(tree_id) else None
        for found in jobs.of_user(actor, limit=20).items:
            if found["kind"] == SCAN and found["tree_id"] == str(tree_id):
                return dict(found)
    except DzinzaError:
        return None
    return None


NOTICES = {
    "dismissed": N_(
        "The pair is set aside as not the same person: it will not be suggested again."
    ),
    "reopened": N_("The pair is back in the review queue."),
}


@router.get("/trees/{tree_id}/duplicates", response_class=HTMLResponse)
def duplicate_queue(
    request: Request,
    tree_id: uuid.UUID,
    status: str = "open",
    page: str = "1",
    job: str = "",
    done: str = "",
) -> Response:
    p, actor = platform_of(request), web_actor(request)
    status = status if status in ("open", "dismissed") else "open"
    number = _int(page, 1, 100_000 // QUEUE_PAGE) or 1
    try:
        tree = p.trees.get(actor, tree_id)
        queue = p.duplicates.queue(actor, tree_id, status, QUEUE_PAGE, (number - 1) * QUEUE_PAGE)
    except DzinzaError as exc:
        return error_page(request, exc)
    path = request.url.path
    total = int(queue["total"])
    pages = max(1, math.ceil(total / QUEUE_PAGE))

    def at(n: int) -> str:
        return _link(path, {"status": "" if status == "open" else status, "page": str(n)})

    scan = _scan_job(request, actor, tree_id, job)
    pairs = [
        {
            **pair,
            "percent": round(float(pair["score"]) * 100),
            "reasons": _reasons(pair.get("reasons") or {}),
        }
        for pair in queue["items"]
    ]
    return render(
        request,
        "duplicates/queue.html",
        {
            "tree": tree,
            "status": status,
            "pairs": pairs,
            "total": total,
            "page": number,
            "pages": pages,
            "previous": at(number - 1) if number > 1 else None,
            "next": at(number + 1) if number < pages else None,
            "scan": scan,
            "scan_running": scan is not None and scan["status"] not in FINISHED,
            "notice": NOTICES.get(done),
        },
    )


def _reasons(reasons: Mapping[str, Any]) -> list[str]:
    return [REASONS[(k, v)] for k, v in reasons.items() if (k, v) in REASONS]


@router.post("/trees/{tree_id}/duplicates/scan")
def start_scan(request: Request, tree_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    try:
        job = platform_of(request).duplicates.start_scan(web_actor(request), tree_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    return see_other(f"/trees/{tree_id}/duplicates?job={job['id']}")


@router.get("/trees/{tree_id}/duplicates/jobs/{job_id}")
def scan_state(request: Request, tree_id: uuid.UUID, job_id: uuid.UUID) -> Response:
    """A scan's progress as JSON, for search.js to follow it on the queue page."""
    headers = {"Cache-Control": "private, no-store"}
    try:
        job = platform_of(request).jobs.get(web_actor(request), job_id)
        if job["tree_id"] != str(tree_id) or job["kind"] != SCAN:
            raise NotFound(f"There is no job with id {job_id}.")
    except DzinzaError as exc:
        return refusal_json(request, exc, headers)
    fields = ("status", "done", "total", "percent")
    return JSONResponse({k: job[k] for k in fields}, headers=headers)


# -- duplicates: one pair ------------------------------------------------------------------------
def _preview(
    request: Request, tree_id: uuid.UUID, pair_id: uuid.UUID, keep: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The tree and the service's merge preview of a pair of this tree (NotFound otherwise)."""
    p, actor = platform_of(request), web_actor(request)
    tree = p.trees.get(actor, tree_id)
    preview = p.duplicates.preview(actor, pair_id, keep)
    if preview["pair"]["tree_id"] != str(tree_id):
        raise NotFound(f"There is no suspected duplicate with id {pair_id}.")
    return tree, preview


def _keep(value: str) -> str:
    return value if value in ("a", "b") else "a"


def _differs(a: Any, b: Any) -> bool:
    return bool(a) and bool(b) and a != b


def _next_pair(request: Request, tree_id: uuid.UUID, pair_id: uuid.UUID) -> str | None:
    """The pair after this one in the open queue (what "skip" leads to)."""
    try:
        queue = platform_of(request).duplicates.queue(web_actor(request), tree_id, "open", 200, 0)
    except DzinzaError:
        return None
    ids = [pair["id"] for pair in queue["items"]]
    if str(pair_id) in ids:
        later = ids[ids.index(str(pair_id)) + 1 :]
        return later[0] if later else None
    return ids[0] if ids else None


@router.get("/trees/{tree_id}/duplicates/{pair_id}", response_class=HTMLResponse)
def compare(request: Request, tree_id: uuid.UUID, pair_id: uuid.UUID, keep: str = "a") -> Response:
    keep = _keep(keep)
    try:
        tree, preview = _preview(request, tree_id, pair_id, keep)
    except DzinzaError as exc:
        return error_page(request, exc)
    kept, other, result = preview["keep"], preview["merge"], preview["result"]
    conflicts = set(result.get("conflicts") or [])
    differs = {
        "sex": "sex" in conflicts,
        "birth": _differs(kept.get("birth"), other.get("birth")),
        "death": _differs(kept.get("death"), other.get("death")),
        "name": _differs(kept.get("display_name"), other.get("display_name")),
    }
    pair = preview["pair"]
    people = {"a": kept if keep == "a" else other, "b": other if keep == "a" else kept}
    following = _next_pair(request, tree_id, pair_id)
    return render(
        request,
        "duplicates/compare.html",
        {
            "tree": tree,
            "pair": pair,
            "percent": round(float(pair["score"]) * 100),
            "reasons": _reasons(pair.get("reasons") or {}),
            "keep": keep,
            "people": people,
            "kept": kept,
            "other": other,
            "result": result,
            "differs": differs,
            "conflicts": [CONFLICT_LABELS.get(c, c) for c in result.get("conflicts") or []],
            "sexes": SEXES,
            "event_labels": EVENT_LABELS,
            "name_types": NAME_TYPES,
            "skip": f"/trees/{tree_id}/duplicates/{following}"
            if following
            else f"/trees/{tree_id}/duplicates",
        },
    )


def _confirm_page(
    request: Request,
    tree_id: uuid.UUID,
    pair_id: uuid.UUID,
    keep: str,
    error: str = "",
    status: int = 200,
) -> Response:
    try:
        tree, preview = _preview(request, tree_id, pair_id, keep)
    except DzinzaError as exc:
        return error_page(request, exc)
    return render(
        request,
        "duplicates/merge.html",
        {
            "tree": tree,
            "pair": preview["pair"],
            "keep": keep,
            "kept": preview["keep"],
            "other": preview["merge"],
            "error": error,
        },
        status=status,
    )


@router.get("/trees/{tree_id}/duplicates/{pair_id}/merge", response_class=HTMLResponse)
def merge_page(
    request: Request, tree_id: uuid.UUID, pair_id: uuid.UUID, keep: str = "a"
) -> Response:
    return _confirm_page(request, tree_id, pair_id, _keep(keep))


@router.post("/trees/{tree_id}/duplicates/{pair_id}/merge")
def merge(request: Request, tree_id: uuid.UUID, pair_id: uuid.UUID, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    keep = _keep(form.get("keep", ""))
    p, actor = platform_of(request), web_actor(request)
    try:
        _preview(request, tree_id, pair_id, keep)
        merged = p.duplicates.merge(actor, pair_id, keep)
    except DzinzaError as exc:
        if exc.status in (401, 403, 404):
            return error_page(request, exc)
        return _confirm_page(request, tree_id, pair_id, keep, exc.detail, exc.status)
    return see_other(f"/people/{merged['person']['id']}")


def _decide(
    request: Request, tree_id: uuid.UUID, pair_id: uuid.UUID, form: dict[str, str], how: str
) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    duplicates, actor = platform_of(request).duplicates, web_actor(request)
    try:
        pair = (duplicates.dismiss if how == "dismissed" else duplicates.reopen)(actor, pair_id)
    except DzinzaError as exc:
        return error_page(request, exc)
    return see_other(f"/trees/{pair['tree_id']}/duplicates?done={how}")


@router.post("/trees/{tree_id}/duplicates/{pair_id}/dismiss")
def dismiss(request: Request, tree_id: uuid.UUID, pair_id: uuid.UUID, form: Form) -> Response:
    return _decide(request, tree_id, pair_id, form, "dismissed")


@router.post("/trees/{tree_id}/duplicates/{pair_id}/reopen")
def reopen(request: Request, tree_id: uuid.UUID, pair_id: uuid.UUID, form: Form) -> Response:
    return _decide(request, tree_id, pair_id, form, "reopened")
