"""Concurrent conflicting edits: one wins, the other gets 412 and nothing is lost."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from dzinza.domain.errors import PreconditionFailed
from dzinza.services.common import SYSTEM, etag_of
from dzinza.services.platform import Platform


def test_two_writers_with_the_same_etag(platform: Platform) -> None:
    tree = platform.trees.create(SYSTEM, {"name": "Race", "visibility": "private"})
    created = platform.people.create(
        SYSTEM, uuid.UUID(tree["id"]), {"names": [{"given": "Tendai"}]}
    )
    person_id = uuid.UUID(created["id"])
    etag = etag_of(platform.people.get(SYSTEM, person_id))
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def edit(sex: str) -> None:
        barrier.wait()
        try:
            outcomes.append(platform.people.update(SYSTEM, person_id, {"sex": sex}, etag)["sex"])
        except PreconditionFailed:
            outcomes.append("412")

    threads = [threading.Thread(target=edit, args=(s,)) for s in ("male", "female")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(outcomes, key=str)[0] == "412" and len(outcomes) == 2
    winner = next(o for o in outcomes if o != "412")
    assert platform.people.get(SYSTEM, person_id)["sex"] == winner
