"""The audit log: a hash chain that concurrent writers extend without forking, whose every
altered or removed entry ``verify`` finds; the CLI commands; the admin-only API; and the
entries the services record (tree deletion and visibility, undo)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from dzinza.cli import app
from dzinza.services import audit
from dzinza.services.platform import Platform
from tests.conftest import Api, make_user

runner = CliRunner()


def append(platform: Platform, n: int, action: str = "test.event") -> None:
    for i in range(n):
        with platform.store.write() as tx:
            audit.record(
                tx,
                uuid.uuid4(),
                action,
                tree_id=uuid.uuid4(),
                target_type="person",
                target_id=uuid.uuid4(),
                detail={"n": i, "note": "Zürich", "nested": {"ids": [str(uuid.uuid4())]}},
                ip="192.0.2.7",
            )


def sql(database_url: str, statement: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()


def test_entries_chain_onto_each_other(platform: Platform) -> None:
    assert audit.verify(platform.store) == audit.Verdict(0, None, "", audit.GENESIS)
    append(platform, 3)
    with platform.store.read() as tx:
        rows = tx.audit_entries(after_seq=0, limit=10)
    assert [r["seq"] for r in rows] == [1, 2, 3]
    assert rows[0]["prev_hash"] == audit.GENESIS
    assert [r["prev_hash"] for r in rows[1:]] == [r["hash"] for r in rows[:2]]
    assert all(audit.entry_hash(r) == r["hash"] for r in rows)
    verdict = audit.verify(platform.store, batch=2)  # across batches too
    assert verdict.intact and verdict.entries == 3 and verdict.head == rows[-1]["hash"]


def test_tampering_is_detected(platform: Platform, database_url: str) -> None:
    append(platform, 5)
    with platform.store.read() as tx:
        original = {r["seq"]: r for r in tx.audit_entries(after_seq=0, limit=10)}

    sql(database_url, "UPDATE audit_log SET action = 'test.other' WHERE seq = 2")
    verdict = audit.verify(platform.store)
    assert (verdict.bad_seq, verdict.entries) == (2, 1)
    assert "altered" in verdict.problem
    sql(database_url, "UPDATE audit_log SET action = 'test.event' WHERE seq = 2")
    assert audit.verify(platform.store).intact  # it was that change, and only it

    # Rewriting an entry together with its hash breaks the link from the next one.
    forged = dict(original[3]) | {"ip": "198.51.100.1"}
    forged_hash = audit.entry_hash(forged)
    sql(
        database_url,
        f"UPDATE audit_log SET ip = '198.51.100.1', hash = '{forged_hash}' WHERE seq = 3",
    )
    assert audit.verify(platform.store).bad_seq == 4

    sql(database_url, "DELETE FROM audit_log WHERE seq = 3")
    verdict = audit.verify(platform.store)
    assert verdict.bad_seq == 4 and "removed" in verdict.problem
    sql(database_url, "DELETE FROM audit_log WHERE seq = 1")
    verdict = audit.verify(platform.store)
    assert verdict.bad_seq == 2 and "first one left" in verdict.problem


def test_concurrent_appends_keep_one_chain(platform: Platform) -> None:
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            barrier.wait()
            append(platform, 5)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert errors == []
    verdict = audit.verify(platform.store)
    assert verdict.intact and verdict.entries == 20


def test_cli_verify_and_show(
    platform: Platform, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DZINZA_DATABASE_URL", database_url)
    monkeypatch.setenv("DZINZA_DATA_DIR", str(tmp_path))
    append(platform, 2, "test.first")
    append(platform, 1, "test.last")
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 0 and "intact: 3 entries" in r.output, r.output
    r = runner.invoke(app, ["audit", "show", "--limit", "2"])
    lines = r.output.strip().splitlines()
    assert r.exit_code == 0 and len(lines) == 2, r.output
    assert "test.last" in lines[0] and "test.first" in lines[1] and "192.0.2.7" in lines[0]
    sql(database_url, "UPDATE audit_log SET detail = NULL WHERE seq = 2")
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 1 and "entry 2" in r.output, r.output
    assert runner.invoke(app, ["audit", "show", "--limit", "0"]).exit_code != 0


def test_admin_api_and_recorded_actions(
    platform: Platform, owner: Api, stranger: Api, anonymous: Api
) -> None:
    admin = Api(owner.client, make_user(platform, "admin@example.org", admin=True))
    t = owner.post("/trees", {"name": "Moyo family", "visibility": "private"})
    owner.patch(f"/trees/{t['id']}", {"visibility": "public"})
    # The same visibility again is no visibility change; the new name is a settings change.
    owner.patch(f"/trees/{t['id']}", {"visibility": "public", "name": "Moyo"})
    p = owner.post(f"/trees/{t['id']}/people", {"names": [{"given": "Rudo"}]})
    made = owner.client.patch(
        f"/api/v1/people/{p['id']}", json={"sex": "female"}, headers=owner.headers
    ).headers["x-change-id"]
    owner.post(f"/changes/{made}/undo", {})
    owner.delete(f"/trees/{t['id']}")

    entries: list[dict[str, Any]] = admin.walk("/admin/audit?limit=1")
    actions = [e["action"] for e in entries]
    assert actions == ["tree.delete", "change.undo", "tree.settings", "tree.visibility"]
    deleted, undone, renamed, visibility = entries
    assert renamed["detail"] == {"name": {"from": "Moyo family", "to": "Moyo"}}
    assert deleted["tree_id"] == t["id"] and deleted["detail"] == {"name": "Moyo"}
    assert deleted["actor_id"] == visibility["actor_id"] and deleted["ip"] == "testclient"
    assert undone["target_type"] == "change" and undone["target_id"] == made
    assert visibility["detail"] == {"from": "private", "to": "public"}
    only = admin.get(f"/admin/audit?action=tree.delete&tree_id={t['id']}")["items"]
    assert [e["seq"] for e in only] == [deleted["seq"]]
    assert audit.verify(platform.store).entries == 4

    stranger.get("/admin/audit", expect=403)
    owner.get("/admin/audit", expect=403)
    anonymous.get("/admin/audit", expect=401)
    admin.get("/admin/audit?cursor=bm9wZQ", expect=400)
    admin.get("/admin/audit?action=DROP%20TABLE", expect=422)
