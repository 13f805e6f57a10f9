"""How long a backup, its check and a restore take (the recovery time the runbook quotes):
``python -m bench.backups [--people N] [--photos M] [--database-url URL]``.

On the benchmark tree of ``bench.generate`` (SQLite by default, reused from
``bench/work/charts-sqlite-N.db`` or built there; ``--database-url`` names a PostgreSQL database
holding the same tree, see ``scripts/bench.sh``), with M photos of about 300 KB in a local media
store of its own, it times in one run: ``create`` (the database snapshot and every file copied to
a local backup folder, each with its checksum), ``verify`` (every file read back, the snapshot
restored into a scratch database and compared table by table) and ``restore`` (into an empty
database and media store), and the size of the backup; then the same encrypted with a key file,
for the ratio. Results:
``bench/results/backups-<backend>-<N>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.chart_pages import database_for
from dzinza import bootstrap
from dzinza.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PHOTO_BYTES = 300_000


def _photos(settings: Settings, count: int, seed: int) -> int:
    """``count`` files of random bytes in the media store, as content-addressed originals."""
    store = bootstrap.backups(settings).media
    rng = random.Random(seed)
    total = 0
    for _ in range(count):
        data = rng.randbytes(PHOTO_BYTES)
        key = f"originals/{uuid.UUID(int=rng.getrandbits(128)).hex}"
        store.put(key, data, content_type="image/jpeg")
        total += len(data)
    return total


def _empty_like(url: str, folder: Path) -> tuple[str, Any]:
    """An empty database of the same kind (and how to drop it)."""
    if url.startswith("sqlite"):
        return f"sqlite:///{folder / 'restored.db'}", lambda: None
    name = f"dzinza_bench_restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(
        sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return sa.make_url(url).set(database=name).render_as_string(hide_password=False), drop


def _round(url: str, settings: Settings, folder: Path, key_url: str | None) -> dict[str, Any]:
    """One backup made, verified and restored (into an empty database), timed."""
    service = bootstrap.backups(settings, key_url)
    target = bootstrap.backup_store(settings, (folder / "backups").as_uri())
    timings: dict[str, Any] = {}
    started = time.perf_counter()
    made = service.create(target)
    timings["create_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    report = service.verify(target, made["name"])
    timings["verify_s"] = round(time.perf_counter() - started, 2)
    service.database.close()
    empty, drop = _empty_like(url, folder)
    try:
        restored = bootstrap.backups(
            Settings(database_url=empty, data_dir=folder / "restored"), key_url
        )
        started = time.perf_counter()
        done = restored.restore(target, made["name"])
        timings["restore_s"] = round(time.perf_counter() - started, 2)
        same = restored.database.digests() == service.database.digests()
        restored.database.close()
    finally:
        drop()
    size = sum(f.stat().st_size for f in (folder / "backups").rglob("*") if f.is_file())
    shutil.rmtree(folder / "backups", ignore_errors=True)
    return {
        "rows": made["rows"],
        "backup_bytes": size,
        **timings,
        "verified": report["ok"],
        "problems": report["problems"],
        "restored_rows": done["rows"],
        "restored_equal": same,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backups", description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--photos", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--database-url", help="default: the SQLite benchmark tree")
    args = parser.parse_args(argv)
    url = args.database_url or database_for(args.people, args.seed)[0]
    backend = "sqlite" if url.startswith("sqlite") else "postgresql"
    load = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="dzinza-bench-backups-") as work:
        folder = Path(work)
        settings = Settings(database_url=url, data_dir=folder / "live")
        media_bytes = _photos(settings, args.photos, args.seed)
        key = folder / "backup.key"
        bootstrap.create_key_file(key)
        # Side by side in one run: plain, then encrypted with a key file.
        plain = _round(url, settings, folder / "plain", None)
        sealed = _round(url, settings, folder / "sealed", key.as_uri())
    encrypted_over_plain = {
        step: round(sealed[step] / plain[step], 2) if plain[step] else None
        for step in ("create_s", "verify_s", "restore_s")
    }
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": backend,
        "people": args.people,
        "rows": plain["rows"],
        "photos": args.photos,
        "media_bytes": media_bytes,
        "plain": plain,
        "encrypted": sealed,
        "encrypted_over_plain": encrypted_over_plain,
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": host.platform(),
            "load_average_before": load,
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"backups-{backend}-{args.people}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    sound = all(r["verified"] and r["restored_equal"] for r in (plain, sealed))
    return 0 if sound else 1


if __name__ == "__main__":
    raise SystemExit(main())
