"""How fast the chart pages render on the server: ``python -m bench.chart_pages [--people N]``.

Uses the benchmark tree of ``bench.generate`` (``bench/work/sqlite-N.db``) when its manifest says
it is complete and its schema is current; otherwise builds one of its own with the same
generator into ``bench/work/charts-sqlite-N.db`` (kept, and reused by the next run). Then, in
this process, through FastAPI's TestClient (no network, no server process: the time of the
application itself, from the request to the whole page), signed in to the pages as the tree's
owner, it times 300 GETs (after 20 unmeasured ones) of each page:

- the pedigree at 10 generations (up to 1,023 boxes) and at the default 5, and the fan chart at
  8, of people of the newest generation (the deepest pedigrees);
- the descendant chart at the default 4 and at 6 generations, of founders (the widest);
- the person page (for comparison: a page that is not a chart);
- the relationship path between two random people of the newest generation (fewer requests:
  each one is a search of the graph).

The requests cycle through 100 sample people, so the first 100 of a scenario find the graph
service's chart cache cold (a miss: the chart is computed from the database) and the rest warm;
both are reported, with p50/p95 over all. Results: bench/results/web-pages.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from bench import generate
from bench.run import summarise
from dzinza import bootstrap
from dzinza.api.app import create_app
from dzinza.settings import Settings

WORK = Path("bench/work")
RESULTS = Path("bench/results/web-pages.json")
SAMPLES = 100
WARM_UP = 20


def database_for(people: int, seed: int) -> tuple[str, Path]:
    """The shared benchmark tree if it can be used as it is, else our own (built when missing)."""
    shared = f"sqlite:///{WORK}/sqlite-{people}.db"
    shared_manifest = WORK / f"sqlite-{people}.manifest.json"
    if generate.reusable(shared, shared_manifest, people, seed):
        return shared, shared_manifest
    own = f"sqlite:///{WORK}/charts-sqlite-{people}.db"
    own_manifest = WORK / f"charts-sqlite-{people}.manifest.json"
    args = ["--url", own, "--people", str(people), "--seed", str(seed), "--reuse"]
    generate.main([*args, "--manifest", str(own_manifest)])
    return own, own_manifest


def sign_in(client: TestClient, owner: dict[str, str]) -> None:
    page = client.get("/signin")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    if token is None:
        raise SystemExit("no sign-in form")
    form = {"csrf": token.group(1), "email": owner["email"], "password": owner["password"]}
    done = client.post("/signin", data=form, follow_redirects=False)
    if done.status_code != 303:
        raise SystemExit(f"cannot sign in as the tree's owner: {done.status_code}")


def measure(
    client: TestClient, paths: Callable[[int], str], requests: int, samples: int
) -> dict[str, Any]:
    """``requests`` GETs of ``paths(i)``; the first ``samples`` are cold (first sight of each
    path), the rest warm."""
    cold: list[float] = []
    warm: list[float] = []
    sizes: list[int] = []
    errors: list[str] = []
    for i in range(requests):
        path = paths(i)
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            errors.append(f"{path}: {response.status_code}")
            continue
        (cold if i < samples else warm).append(elapsed)
        sizes.append(len(response.content))
    return {
        "requests": requests,
        "all": summarise(cold + warm),
        "cold": summarise(cold),
        "warm": summarise(warm) if warm else None,
        "mean_kib": round(sum(sizes) / max(1, len(sizes)) / 1024, 1),
        "errors": len(errors),
        "error_samples": errors[:5],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chart_pages", description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--path-requests", type=int, default=60)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    url, manifest_path = database_for(args.people, args.seed)
    load_before = [round(x, 2) for x in os.getloadavg()]
    manifest = json.loads(manifest_path.read_text())
    newest = manifest["samples"]["newest_generation"]
    founders = manifest["samples"]["oldest_generation"]
    everyone = manifest["samples"]["people"]
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(database_url=url, data_dir=Path(data_dir), api_requests_per_minute=0)
        platform = bootstrap.build(settings)
        try:
            with TestClient(create_app(platform)) as client:
                sign_in(client, manifest["owner"])

                pairs = [(rng.choice(newest), rng.choice(newest)) for _ in range(SAMPLES)]
                spare = newest[SAMPLES:]
                scenarios = {
                    "pedigree_10": (newest, "/people/{}/pedigree?generations=10", 0),
                    "pedigree_5": (newest, "/people/{}/pedigree", 0),
                    "fan_8": (newest, "/people/{}/fan?generations=8", 0),
                    "descendants_4": (founders, "/people/{}/descendants", 0),
                    "descendants_6": (founders, "/people/{}/descendants?generations=6", 0),
                    "person_page": (everyone, "/people/{}", 0),
                    "relationship": (pairs, "/people/{}/relationship?other={}", args.path_requests),
                }
                results: dict[str, Any] = {}
                for name, (people, page, count) in scenarios.items():
                    chosen = people[:SAMPLES]

                    def path(i: int, chosen: list[Any] = chosen, page: str = page) -> str:
                        item = chosen[i % len(chosen)]
                        return page.format(*item) if isinstance(item, tuple) else page.format(item)

                    # Unmeasured: the same page of people outside the samples (the code warms up,
                    # the samples' charts stay out of the cache).
                    for i in range(WARM_UP):
                        client.get(page.format(spare[i], spare[-1 - i]))
                    requests = count or args.requests
                    results[name] = measure(client, path, requests, min(len(chosen), requests))
                    r = results[name]
                    warm = r["warm"]["p50_ms"] if r["warm"] else float("nan")
                    print(
                        f"{name:15} p50 {r['all']['p50_ms']:7.1f} ms  p95 {r['all']['p95_ms']:7.1f}"
                        f" ms  (cold p50 {r['cold']['p50_ms']:.1f}, warm p50 {warm:.1f})"
                        f"  {r['mean_kib']} KiB  errors {r['errors']}",
                        flush=True,
                    )
        finally:
            platform.close()
    out = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": url.rsplit("/", 1)[-1],
        "people": manifest["people"],
        "backend": "sqlite",
        "how": "in-process TestClient, signed in as the tree's owner, sequential requests",
        "machine": {
            "python": sys.version.split()[0],
            "platform": host.platform(),
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
