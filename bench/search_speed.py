"""Search speed on a real-sized tree: a full reindex, name searches as the owner and as a guest
side by side (alternating, so both see the same machine), and a duplicate scan.

Usage (a database holding one imported tree, e.g. from scripts/bench_gedcom.sh):
    .venv/bin/python -m bench.search_speed --database-url sqlite:///bench/work/x.db \
        [--search-url sql|opensearch://...] [--queries 300] [--no-reindex] [--no-duplicates]
Figures are printed and written to bench/results/search-speed-<backend>-<people>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from dzinza import bootstrap
from dzinza.adapters.sql import database, tables
from dzinza.services.common import ANONYMOUS, SYSTEM
from dzinza.services.search import SearchRequest
from dzinza.settings import Settings

RESULTS = Path(__file__).parent / "results"


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _queries(engine: sa.Engine, tree_id: uuid.UUID, count: int, seed: int) -> list[SearchRequest]:
    """Names of people of the tree as users type them: whole, with a typo, surname only."""
    n = tables.names
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(n.c.given, n.c.surname)
            .where(n.c.tree_id == tree_id, n.c.given != "", n.c.surname != "")
            .limit(20_000)
        ).all()
    rng = random.Random(seed)
    picked = rng.sample(rows, min(count, len(rows)))
    out = []
    for i, (given, surname) in enumerate(picked):
        first = given.split()[0]
        if i % 3 == 0:
            out.append(SearchRequest(q=f"{first} {surname}"))
        elif i % 3 == 1:
            out.append(SearchRequest(q=f"{_typo(first, rng)} {surname}"))
        else:
            out.append(SearchRequest(surname=surname))
    return out


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--search-url", default="sql")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1926)
    parser.add_argument("--no-reindex", action="store_true")
    parser.add_argument("--no-duplicates", action="store_true")
    args = parser.parse_args()

    engine = database.create_engine(args.database_url)
    database.upgrade(engine)
    with engine.begin() as conn:
        tree_id = conn.scalar(sa.select(tables.trees.c.id).limit(1))
        if tree_id is None:
            raise SystemExit("The database holds no tree: import one first.")
        # Guests read public trees: the side-by-side needs one.
        conn.execute(tables.trees.update().values(visibility="public"))
        people = conn.scalar(
            sa.select(sa.func.count())
            .select_from(tables.people)
            .where(tables.people.c.tree_id == tree_id)
        )
    settings = Settings(
        database_url=args.database_url,
        data_dir=Path(tempfile.mkdtemp(prefix="dzinza-bench-")),
        search_url=args.search_url,
        password_hashing="fast-for-tests-only",
    )
    platform = bootstrap.build(settings)
    backend = engine.dialect.name if args.search_url == "sql" else "opensearch"
    figures: dict[str, Any] = {
        "backend": backend,
        "people": people,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        if not args.no_reindex:
            started = time.perf_counter()
            platform.search.reindex(tree_id)
            platform.search.catch_up()
            figures["reindex_seconds"] = round(time.perf_counter() - started, 1)
            print(f"reindex: {people} people in {figures['reindex_seconds']} s")
        requests = _queries(engine, tree_id, args.queries, args.seed)
        timings: dict[str, list[float]] = {"owner": [], "guest": []}
        for req in requests:
            for who, actor in (("owner", SYSTEM), ("guest", ANONYMOUS)):
                started = time.perf_counter()
                platform.search.search(actor, req, tree_id)
                timings[who].append((time.perf_counter() - started) * 1000)
        for who, values in timings.items():
            figures[f"{who}_p50_ms"] = round(statistics.median(values), 1)
            figures[f"{who}_p95_ms"] = round(_percentile(values, 0.95), 1)
        figures["guest_to_owner_p95"] = round(figures["guest_p95_ms"] / figures["owner_p95_ms"], 2)
        figures["queries"] = len(requests)
        print(
            f"name search ({len(requests)} queries each): owner p50 {figures['owner_p50_ms']} ms, "
            f"p95 {figures['owner_p95_ms']} ms; guest p50 {figures['guest_p50_ms']} ms, "
            f"p95 {figures['guest_p95_ms']} ms (guest/owner p95 {figures['guest_to_owner_p95']})"
        )
        if not args.no_duplicates:
            result = platform.duplicates.scan(tree_id)
            figures["duplicates"] = result
            print(
                f"duplicate scan: {result['people']} people, {result['compared']} pairs compared, "
                f"{result['found']} suspected, {result['seconds']} s"
            )
    finally:
        platform.close()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"search-speed-{backend}-{people}.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
