"""Charts come from the tree's cache and are invalidated exactly by the writes that change the
tree; liveness and readiness probes."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from dzinza.services.platform import Platform
from tests.conftest import Api, make_user
from tests.functional.test_people import person


def _family(owner: Api, tree_id: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    father = person(owner, tree_id, "Tendai", living=False)
    mother = person(owner, tree_id, "Rudo", living=False)
    child = person(owner, tree_id, "Farai", living=False)
    owner.post(
        f"/trees/{tree_id}/families",
        {
            "partner1_id": father["id"],
            "partner2_id": mother["id"],
            "children": [{"child_id": child["id"]}],
        },
    )
    return father, mother, child


def test_pedigree_is_cached_and_an_edit_invalidates_it(
    owner: Api, tree: dict[str, Any], platform: Platform
) -> None:
    father, _, child = _family(owner, tree["id"])
    assert platform.tree_cache is not None
    stats = platform.tree_cache.stats
    first = owner.get(f"/people/{child['id']}/pedigree?generations=3")
    before = stats.view()
    again = owner.get(f"/people/{child['id']}/pedigree?generations=3")
    assert again == first
    assert stats.view()["hits"] == before["hits"] + 1

    owner.patch(f"/people/{father['id']}", {"names": [{"given": "Tinashe", "surname": "Moyo"}]})
    fresh = owner.get(f"/people/{child['id']}/pedigree?generations=3")
    names = {p["display_name"] for p in fresh["people"]}
    assert "Tinashe Moyo" in names and "Tendai Moyo" not in names
    assert stats.view()["invalidations"] > before["invalidations"]


def test_guests_and_owners_get_their_own_charts(
    owner: Api, anonymous: Api, tree: dict[str, Any]
) -> None:
    t = tree["id"]
    owner.patch(f"/trees/{t}", {"visibility": "public"})
    father = person(owner, t, "Old", living=False)
    child = person(owner, t, "Alive", living=True)
    owner.post(
        f"/trees/{t}/families",
        {"partner1_id": father["id"], "children": [{"child_id": child["id"]}]},
    )
    as_owner = owner.get(f"/people/{father['id']}/descendants?generations=2")
    as_guest = anonymous.get(f"/people/{father['id']}/descendants?generations=2")
    assert "Alive Moyo" in {p["display_name"] for p in as_owner["people"]}
    assert "Alive Moyo" not in {p["display_name"] for p in as_guest["people"]}
    # And again, from the cache: still each their own.
    again = anonymous.get(f"/people/{father['id']}/descendants?generations=2")
    assert again == as_guest


def test_health_and_readiness(client: TestClient, platform: Platform) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready" and body["failed"] == []
    assert {"database", "cache", "search", "storage"} <= set(body["checks"])

    def broken() -> None:
        raise ConnectionError("the search cluster is away")

    platform.readiness.checks["search"] = broken
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["failed"] == ["search"]
    assert "away" in down.json()["checks"]["search"]["error"]
    assert client.get("/healthz").status_code == 200


def test_statistics_count_what_the_reader_may_see_and_follow_edits(
    owner: Api, anonymous: Api, tree: dict[str, Any]
) -> None:
    t = tree["id"]
    owner.patch(f"/trees/{t}", {"visibility": "public"})
    person(
        owner,
        t,
        "Old",
        "Dube",
        living=False,
        sex="male",
        events=[{"type": "birth", "date": "1880"}],
    )
    person(owner, t, "Alive", "Secretname", living=True, sex="female")
    mine = owner.get(f"/trees/{t}/statistics")
    assert mine["people"] == 2 and mine["male"] == 1 and mine["female"] == 1
    assert {s["surname"] for s in mine["surnames"]} == {"Dube", "Secretname"}
    assert mine["births"] == {"from": 1880, "to": 1880}
    theirs = anonymous.get(f"/trees/{t}/statistics")
    assert theirs["people"] == 1 and theirs["female"] == 0
    assert [s["surname"] for s in theirs["surnames"]] == ["Dube"]
    person(owner, t, "New", "Dube", living=False)
    again = owner.get(f"/trees/{t}/statistics")
    assert again["people"] == 3
    assert again["surnames"][0] == {"surname": "Dube", "people": 2}


def test_admins_see_cache_and_queue_status(
    client: TestClient, platform: Platform, owner: Api
) -> None:
    admin = Api(client, make_user(platform, "admin@example.org", admin=True))
    status = admin.get("/admin/status")
    assert status["cache"]["url"] == "memory" and "hits" in status["cache"]
    assert status["queue"] == {"url": "in-process"}
    owner.get("/admin/status", expect=403)
    Api(client).get("/admin/status", expect=401)


def test_admins_rebuild_the_search_index_as_a_job(
    client: TestClient, platform: Platform, owner: Api, tree: dict[str, Any]
) -> None:
    person(owner, tree["id"], "Chipo", living=False)
    admin = Api(client, make_user(platform, "indexer@example.org", admin=True))
    job = admin.post(f"/search/reindex?tree_id={tree['id']}", None, expect=202)
    done = platform.jobs.wait(uuid.UUID(job["id"]), timeout=30)
    assert done["status"] == "succeeded" and done["result"]["indexed"] == 1
    owner.post("/search/reindex", None, expect=403)
    admin.post(f"/search/reindex?tree_id={uuid.uuid4()}", None, expect=404)
