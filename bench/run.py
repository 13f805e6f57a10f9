"""HTTP latency benchmark against a RUNNING Dzinza server:
``python -m bench.run --base-url http://127.0.0.1:PORT --manifest M --label sqlite-100k``.

One client (``httpx.Client``, keep-alive), strictly sequential requests, so the figures are the
latency of one request on an otherwise idle server, not throughput. The scenarios run as the
tree's owner (signed in with the account bench.generate made). The privacy pair then measures
the list page and the pedigree as a guest (anonymous: the living are hidden inside the queries)
and as the owner, alternating request by request on the same paths, and reports the ratio. Each scenario gets a short
unmeasured warm-up, then ``--requests`` measured requests; the time of a request is from sending it
to having read the whole body. Any answer other than 200 is an error: it is counted, a few are kept
as samples, and it is left out of the latency figures. The ids, surnames and deep cursors come from
the manifest that ``bench.generate`` wrote.

Results go to ``bench/results/<label>.json`` with the machine, the database and the dataset
(generation time, peak RSS) alongside, and are printed as a table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

API = "/api/v1"
RESULTS_DIR = Path("bench/results")
ERROR_SAMPLES = 5


@dataclass
class Scenario:
    """One kind of request: how to make the next path, and what to note from an answer."""

    key: str
    title: str
    target_p95_ms: float | None
    next_path: Callable[[], str]
    observe: Callable[[Any], dict[str, float]] = field(default=lambda _body: {})


def percentile(ordered: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (the usual "type 7" definition)."""
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarise(times_ms: list[float]) -> dict[str, float | None]:
    ordered = sorted(times_ms)

    def r(v: float) -> float | None:
        return None if math.isnan(v) else round(v, 2)

    return {
        "p50_ms": r(percentile(ordered, 0.50)),
        "p95_ms": r(percentile(ordered, 0.95)),
        "p99_ms": r(percentile(ordered, 0.99)),
        "mean_ms": r(sum(ordered) / len(ordered)) if ordered else None,
        "min_ms": r(ordered[0]) if ordered else None,
        "max_ms": r(ordered[-1]) if ordered else None,
    }


def sign_in(client: httpx.Client, manifest: dict[str, Any]) -> dict[str, str]:
    """The owner's Authorization header."""
    resp = client.post(f"{API}/auth/login", json=manifest["owner"])
    if resp.status_code != 200:
        raise SystemExit(f"cannot sign in as the tree's owner: {resp.status_code} {resp.text}")
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


class Bench:
    def __init__(self, client: httpx.Client, manifest: dict[str, Any], seed: int) -> None:
        self.client = client
        self.owner = sign_in(client, manifest)
        self.m = manifest
        self.rng = random.Random(seed)
        self.tree = f"{API}/trees/{manifest['tree_id']}/people"
        self.walk_cursor: str | None = None

    # -- paths --------------------------------------------------------------------------------
    def person(self) -> str:
        return f"{API}/people/{self.rng.choice(self.m['samples']['people'])}"

    def list_first(self) -> str:
        return f"{self.tree}?limit=50"

    def list_deep(self, sort: str) -> Callable[[], str]:
        cursors = [c["cursor"] for c in self.m["cursors"][sort]]

        def path() -> str:
            query = {"limit": 50, "cursor": self.rng.choice(cursors)}
            if sort != "name":
                query["sort"] = sort
            return f"{self.tree}?{urlencode(query)}"

        return path

    def list_walk(self) -> str:
        query: dict[str, Any] = {"limit": 50}
        if self.walk_cursor:
            query["cursor"] = self.walk_cursor
        return f"{self.tree}?{urlencode(query)}"

    def follow(self, body: Any) -> dict[str, float]:
        self.walk_cursor = body.get("next_cursor")
        return {"items": len(body.get("items", []))}

    def list_filtered(self) -> str:
        first, last = self.m["birth_years"]
        start = self.rng.randint(first, max(first, last - 50))
        query = {
            "name": self.rng.choice(self.m["name_prefixes"]),
            "birth_year_from": start,
            "birth_year_to": start + 50,
            "limit": 50,
        }
        return f"{self.tree}?{urlencode(query)}"

    def pedigree(self) -> str:
        pid = self.rng.choice(self.m["samples"]["newest_generation"])
        return f"{API}/people/{pid}/pedigree?generations=10"

    def descendants(self) -> str:
        pid = self.rng.choice(self.m["samples"]["oldest_generation"])
        return f"{API}/people/{pid}/descendants?generations=5"

    def scenarios(self) -> list[Scenario]:
        def items(body: Any) -> dict[str, float]:
            return {"items": len(body.get("items", []))}

        def chart(body: Any) -> dict[str, float]:
            deepest = max((p["generation"] for p in body.get("people", [])), default=0)
            return {
                "people": len(body.get("people", [])),
                "links": len(body.get("links", [])),
                "deepest_generation": deepest,
                "truncated": 1.0 if body.get("truncated") else 0.0,
            }

        def person(body: Any) -> dict[str, float]:
            return {"families": len(body.get("families", [])), "events": len(body["events"])}

        return [
            Scenario("person_get", "Person GET", 10, self.person, person),
            Scenario("list_first", "List, first page (name sort)", 30, self.list_first, items),
            Scenario(
                "list_deep", "List, deep cursor (name, 10-99%)", 30, self.list_deep("name"), items
            ),
            Scenario("list_walk", "List, following next_cursor", 30, self.list_walk, self.follow),
            Scenario(
                "list_birth_deep",
                "List, deep cursor (birth, 10-99%)",
                30,
                self.list_deep("birth"),
                items,
            ),
            Scenario(
                "list_filtered", "List, name prefix + 50 birth years", 30, self.list_filtered, items
            ),
            Scenario("pedigree_10", "Pedigree, 10 generations", 25, self.pedigree, chart),
            Scenario("descendants_5", "Descendants, 5 generations", None, self.descendants, chart),
        ]

    # -- measuring ----------------------------------------------------------------------------
    def measure(self, scenario: Scenario, count: int, warmup: int) -> dict[str, Any]:
        times: list[float] = []
        sizes: list[int] = []
        notes: dict[str, float] = {}
        errors: list[dict[str, Any]] = []
        error_count = warmup_errors = 0
        for i in range(warmup + count):
            measured = i >= warmup
            path = scenario.next_path()
            started = time.perf_counter()
            resp: httpx.Response | None = None
            try:
                resp = self.client.get(path, headers=self.owner)
                if resp.status_code == 401:  # the access token expired: sign in again
                    self.owner = sign_in(self.client, self.m)
                    resp = self.client.get(path, headers=self.owner)
            except httpx.HTTPError as exc:
                outcome: dict[str, Any] = {"path": path, "error": repr(exc)}
            elapsed_ms = (time.perf_counter() - started) * 1000
            if resp is None or resp.status_code != 200:
                if resp is not None:
                    outcome = {"path": path, "status": resp.status_code, "body": resp.text[:300]}
                if not measured:
                    warmup_errors += 1
                    continue
                error_count += 1
                if len(errors) < ERROR_SAMPLES:
                    errors.append(outcome)
                continue
            observed = scenario.observe(resp.json())
            if measured:
                times.append(elapsed_ms)
                sizes.append(len(resp.content))
                for k, v in observed.items():
                    notes[k] = notes.get(k, 0.0) + v
        return {
            "title": scenario.title,
            "target_p95_ms": scenario.target_p95_ms,
            "count": len(times),
            "errors": error_count,
            "warmup_errors": warmup_errors,
            **summarise(times),
            "mean_bytes": round(sum(sizes) / len(sizes)) if sizes else None,
            "mean_observed": {k: round(v / len(times), 2) for k, v in notes.items()}
            if times
            else {},
            "error_samples": errors,
        }

    def privacy_pair(self, count: int, warmup: int) -> dict[str, Any]:
        """Guest and owner on the same paths, alternating, so that noise hits both alike."""
        out: dict[str, Any] = {}
        for key, next_path in (("list_first", self.list_first), ("pedigree_10", self.pedigree)):
            times: dict[str, list[float]] = {"guest": [], "owner": []}
            errors = 0
            for i in range(warmup + count):
                path = next_path()
                for who, headers in (("guest", {}), ("owner", self.owner)):
                    started = time.perf_counter()
                    resp = self.client.get(path, headers=headers)
                    elapsed_ms = (time.perf_counter() - started) * 1000
                    if resp.status_code == 401 and who == "owner":
                        self.owner = sign_in(self.client, self.m)
                        continue
                    if resp.status_code != 200:
                        errors += 1
                    elif i >= warmup:
                        times[who].append(elapsed_ms)
            guest, owner = summarise(times["guest"]), summarise(times["owner"])
            out[key] = {
                "guest": guest,
                "owner": owner,
                "errors": errors,
                "ratio_p50": _ratio(guest["p50_ms"], owner["p50_ms"]),
                "ratio_p95": _ratio(guest["p95_ms"], owner["p95_ms"]),
                "target_ratio": GUEST_RATIO_TARGET,
            }
        return out


GUEST_RATIO_TARGET = 1.2
"""A guest may be at most this much slower than the owner (issue 3)."""


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def print_pair(pair: dict[str, Any]) -> None:
    print("\nGuest (privacy applied) vs owner, alternating on the same paths")
    for key, r in pair.items():
        met = r["ratio_p95"] is not None and r["ratio_p95"] <= r["target_ratio"]
        print(
            f"  {key:12} guest p50 {fmt(r['guest']['p50_ms'])} p95 {fmt(r['guest']['p95_ms'])}"
            f" | owner p50 {fmt(r['owner']['p50_ms'])} p95 {fmt(r['owner']['p95_ms'])}"
            f" | ratio p50 {r['ratio_p50']} p95 {r['ratio_p95']}"
            f" (<= {r['target_ratio']} {'ok' if met else 'MISSED'}), {r['errors']} errors"
        )


def wait_for_health(client: httpx.Client, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            resp = client.get(f"{API}/health", timeout=2)
            if resp.status_code == 200:
                return
            last = f"HTTP {resp.status_code}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.25)
    raise SystemExit(f"the server did not become healthy within {seconds:.0f}s ({last})")


def fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def print_table(result: dict[str, Any]) -> None:
    print(
        f"\n{result['label']}: {result['people']:,} people on {result['database_version']}, "
        f"{result['requests_per_scenario']} requests per scenario"
    )
    head = (
        f"{'scenario':36} {'n':>5} {'err':>4} {'p50':>7} {'p95':>7} {'p99':>7} {'mean':>7}  target"
    )
    print(head)
    print("-" * len(head))
    for s in result["scenarios"].values():
        target = s["target_p95_ms"]
        verdict = ""
        if target is not None:
            met = s["p95_ms"] is not None and s["p95_ms"] <= target and not s["errors"]
            verdict = f"p95<={target:g} {'ok' if met else 'MISSED'}"
        print(
            f"{s['title']:36} {s['count']:>5} {s['errors']:>4} {fmt(s['p50_ms']):>7} "
            f"{fmt(s['p95_ms']):>7} {fmt(s['p99_ms']):>7} {fmt(s['mean_ms']):>7}  {verdict}"
        )


def code_revision() -> dict[str, Any]:
    """The commit measured, and whether the working tree had changes (read-only git calls)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "src"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "src_modified": None}
    return {"commit": commit or None, "src_modified": bool(status)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8123")
    parser.add_argument("--manifest", type=Path, required=True, help="from bench.generate")
    parser.add_argument("--label", required=True, help="e.g. sqlite-100k (names the result file)")
    parser.add_argument("--requests", type=int, default=300, help="measured requests per scenario")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per scenario")
    parser.add_argument("--seed", type=int, default=7, help="seed for the choice of requests")
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for /health")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--only", nargs="*", help="run only these scenarios (keys)")
    args = parser.parse_args(argv)
    if "127.0.0.1" not in args.base_url and "localhost" not in args.base_url:
        raise SystemExit("bench.run only talks to a server on this machine (127.0.0.1)")
    manifest = json.loads(args.manifest.read_text())
    started = datetime.now(UTC)
    with httpx.Client(base_url=args.base_url, timeout=60) as client:
        wait_for_health(client, args.wait)
        bench = Bench(client, manifest, args.seed)
        scenarios: dict[str, Any] = {}
        for scenario in bench.scenarios():
            if args.only and scenario.key not in args.only:
                continue
            print(f"  {scenario.title} ...", end="", flush=True)
            scenarios[scenario.key] = bench.measure(scenario, args.requests, args.warmup)
            s = scenarios[scenario.key]
            print(f" p95 {fmt(s['p95_ms'])} ms, {s['errors']} errors", flush=True)
        pair = None
        if not args.only or "privacy_pair" in args.only:
            print("  Guest vs owner ...", flush=True)
            pair = bench.privacy_pair(args.requests, args.warmup)
    result = {
        "label": args.label,
        "backend": manifest["backend"],
        "database_version": manifest["database_version"],
        "people": manifest["people"],
        "tree_id": manifest["tree_id"],
        "date": started.isoformat(timespec="seconds"),
        "duration_seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "code": code_revision(),
        "client": f"httpx {httpx.__version__}, one keep-alive connection, sequential",
        "requests_per_scenario": args.requests,
        "warmup_per_scenario": args.warmup,
        "dataset": {
            k: manifest.get(k)
            for k in (
                "seed",
                "load_seconds",
                "analyze_seconds",
                "rows",
                "rows_per_second",
                "peak_rss_mb",
                "generated_at",
            )
        }
        | {"generations": len(manifest.get("generations", []))},
        "scenarios": scenarios,
        "privacy_pair": pair,
    }
    args.results_dir.mkdir(parents=True, exist_ok=True)
    out = args.results_dir / f"{args.label}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print_table(result)
    if pair:
        print_pair(pair)
    print(f"\nresults: {out}")
    errors = sum(s["errors"] for s in scenarios.values())
    errors += sum(r["errors"] for r in (pair or {}).values())
    if errors:
        print(f"{errors} requests failed: see error_samples in {out}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
