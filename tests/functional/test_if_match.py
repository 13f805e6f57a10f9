"""If-Match on every write endpoint of a record: a stale ETag is refused with 412 and nothing is
written (not even to the history); two concurrent writers holding the same ETag get one success
and one 412, and the winner's change is the one kept."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from tests.conftest import Api


def etag(api: Api, path: str) -> str:
    r = api.client.get(f"/api/v1{path}", headers=api.headers)
    assert r.status_code == 200, r.text
    return str(r.headers["etag"])


def changes(api: Api, tree_id: str) -> int:
    return len(api.walk(f"/trees/{tree_id}/activity?limit=500"))


def refused_then_done(
    api: Api,
    tree_id: str,
    read: str,
    bump: dict[str, Any],
    method: str,
    path: str,
    expect: int,
    body: Any = None,
) -> None:
    """The write with the ETag read before ``bump`` changed the record is refused and changes
    nothing; with the current ETag it goes through."""
    stale = etag(api, read)
    api.patch(read, bump)
    current, count = etag(api, read), changes(api, tree_id)
    kw: dict[str, Any] = {"json": body} if body is not None else {}
    api.call(method, path, 412, headers={"If-Match": stale}, **kw)
    assert etag(api, read) == current, f"{method} {path} wrote despite the 412"
    assert changes(api, tree_id) == count
    api.call(method, path, expect, headers={"If-Match": current}, **kw)


def test_every_write_endpoint_honours_if_match(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]

    def new(path: str, body: dict[str, Any]) -> str:
        return str(owner.post(f"/trees/{t}/{path}", body)["id"])

    def person(given: str) -> str:
        return new("people", {"names": [{"given": given}]})

    a, b = person("Tapiwa"), person("Nyarai")
    source = new("sources", {"title": "Register"})
    kinds: dict[str, tuple[Callable[[], str], dict[str, Any], dict[str, Any]]] = {
        "people": (lambda: person("Rudo"), {"living": False}, {"sex": "female"}),
        "families": (
            lambda: new("families", {"partner1_id": a}),
            {"union_type": "civil"},
            {"union_type": "religious"},
        ),
        "events": (
            lambda: new("events", {"person_id": b, "type": "birth"}),
            {"description": "x"},
            {"date": "1950"},
        ),
        "places": (lambda: new("places", {"name": "Gutu"}), {"type": "town"}, {"name": "Mvuma"}),
        "repositories": (lambda: new("repositories", {"name": "NAZ"}), {"url": "u"}, {"name": "N"}),
        "sources": (lambda: new("sources", {"title": "S"}), {"author": "x"}, {"title": "T"}),
        "citations": (
            lambda: new("citations", {"source_id": source, "target": {"type": "person", "id": a}}),
            {"page": "1"},
            {"page": "2"},
        ),
        "notes": (lambda: new("notes", {"text": "n"}), {"text": "m"}, {"text": "o"}),
        "media": (lambda: new("media", {"title": "m"}), {"title": "n"}, {"title": "o"}),
    }
    for plural, (make, bump, edit) in kinds.items():
        rid = make()
        here = f"/{plural}/{rid}"
        refused_then_done(owner, t, here, bump, "PATCH", here, 200, edit)
        rid = make()
        here = f"/{plural}/{rid}"
        refused_then_done(owner, t, here, bump, "DELETE", here, 204)

    fam = new("families", {"partner1_id": a})
    here = f"/families/{fam}"
    bump = {"union_type": "civil"}
    refused_then_done(owner, t, here, bump, "POST", f"{here}/children", 201, {"child_id": b})
    bump = {"union_type": "customary"}
    kid = f"{here}/children/{b}"
    refused_then_done(owner, t, here, bump, "PATCH", kid, 200, {"pedigree": "adopted"})
    refused_then_done(owner, t, here, {"union_type": "civil"}, "DELETE", kid, 200)

    for plural in ("notes", "media"):
        rid = kinds[plural][0]()
        here = f"/{plural}/{rid}"
        bump = kinds[plural][1]
        target = {"type": "person", "id": a}
        refused_then_done(owner, t, here, bump, "POST", f"{here}/links", 201, target)
        link = f"{here}/links/person/{a}"
        refused_then_done(owner, t, here, kinds[plural][2], "DELETE", link, 204)

    here = f"/trees/{t}"
    refused_then_done(owner, t, here, {"description": "d"}, "PATCH", here, 200, {"name": "N"})
    stale = etag(owner, here)
    owner.patch(here, {"description": "e"})
    owner.delete(here, expect=412, headers={"If-Match": stale})
    owner.delete(here, headers={"If-Match": etag(owner, here)})


def race(api: Api, path: str, writes: list[tuple[str, str, Any]]) -> list[int]:
    """Sends these writes at once, each with the ETag ``path`` has now; their statuses."""
    tag = etag(api, path)
    barrier = threading.Barrier(len(writes))
    statuses: dict[int, int] = {}

    def send(i: int, method: str, url: str, body: Any) -> None:
        barrier.wait()
        kw = {"json": body} if body is not None else {}
        r = api.client.request(
            method, f"/api/v1{url}", headers={**api.headers, "If-Match": tag}, **kw
        )
        statuses[i] = r.status_code

    threads = [threading.Thread(target=send, args=(i, *w)) for i, w in enumerate(writes)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    return [statuses[i] for i in range(len(writes))]


def test_concurrent_edits_with_one_etag(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    p = owner.post(f"/trees/{t}/people", {"names": [{"given": "Tendai"}]})
    kid = owner.post(f"/trees/{t}/people", {"names": [{"given": "Kuda"}]})
    fam = owner.post(f"/trees/{t}/families", {"partner1_id": p["id"]})
    place = owner.post(f"/trees/{t}/places", {"name": "Masvingo"})

    for _ in range(3):  # a few rounds: the interleaving differs from run to run
        count = changes(owner, t)
        path = f"/people/{p['id']}"
        sex = owner.get(path)["sex"]
        other = "female" if sex == "male" else "male"
        got = race(
            owner, path, [("PATCH", path, {"sex": other}), ("PATCH", path, {"living": True})]
        )
        assert sorted(got) == [200, 412], got
        now = owner.get(path)
        assert (now["sex"] == other) == (got[0] == 200)
        assert (now["living"] is True) == (got[1] == 200)
        assert changes(owner, t) == count + 1  # the winner's change alone
        owner.patch(path, {"living": None})

    path = f"/families/{fam['id']}"
    got = race(
        owner,
        path,
        [
            ("PATCH", path, {"union_type": "civil"}),
            ("POST", f"{path}/children", {"child_id": kid["id"]}),
        ],
    )
    assert sorted(got) == [201, 412] or sorted(got) == [200, 412], got
    now = owner.get(path)
    assert (now["union_type"] == "civil") == (got[0] == 200)
    assert (len(now["children"]) == 1) == (got[1] == 201)

    path = f"/places/{place['id']}"
    got = race(
        owner, path, [("PATCH", path, {"name": "Fort Victoria"}), ("PATCH", path, {"type": "town"})]
    )
    assert sorted(got) == [200, 412], got
    now = owner.get(path)
    assert (now["name"] == "Fort Victoria") == (got[0] == 200)
    assert (now["type"] == "town") == (got[1] == 200)
    # Against a delete, the edit that comes second finds nothing: 404 rather than 412.
    got = race(owner, path, [("PATCH", path, {"name": "Masvingo"}), ("DELETE", path, None)])
    assert got in ([200, 412], [404, 204]), got
    if got[0] == 200:
        assert owner.get(path)["name"] == "Masvingo"
    else:
        owner.get(path, expect=404)
