"""The GEDCOM benchmark: ``python -m bench.gedcom_run --people N [options]`` (run by
``scripts/bench_gedcom.sh``, which makes the peers' virtualenv and starts PostgreSQL).

On one generated file of N people (``bench/gedcom_generate.py``), side by side in one run:

1. **Parse.** Dzinza's reader and three peers, ged4py, python-gedcom and gedcomkit (installed
   only in ``bench/work/peers-venv``, never in the project), each in a process of its own
   (``bench/gedcom_parse.py``) so that its peak RSS is its own; every run reads the file and walks
   every structure. gedcomkit's bare Rust ``Gedcom.parse`` is also shown, as "native parse, no
   Python objects". Each parser runs ``--repeat`` times and keeps its best time and its highest
   peak. A run that fails, takes longer than ``--timeout`` or grows past ``--memory-cap-mb`` is
   stopped and reported as such. Targets: Dzinza at least 3x faster than the fastest peer, with at
   most a quarter of the leanest peer's peak memory.
2. **Import and export.** ``dzinza import FILE --tree-name NAME --json`` into a fresh SQLite file
   and a fresh PostgreSQL database, then ``dzinza export TREE --format gedcom7 -o FILE``, each
   timed as a whole process (start-up included) with its peak RSS. Targets at
   1,000,000 people: import <= 90 s, export <= 45 s, and <= 500 MB of memory throughout. When the
   commands are not there yet the section says so and is skipped.

The results go to ``bench/results/gedcom-<N>.json`` and are printed as Markdown tables;
``python -m bench.gedcom_run --report`` prints the tables of every ``gedcom-*.json`` again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "gedcom"
RESULTS_DIR = ROOT / "bench" / "results"
PEERS_PYTHON = ROOT / "bench" / "work" / "peers-venv" / "bin" / "python"
DZINZA = ROOT / ".venv" / "bin" / "dzinza"
PEERS = ("ged4py", "python-gedcom", "gedcomkit")
NATIVE = "gedcomkit-native"
PARSERS = ("dzinza", *PEERS, NATIVE)
SPEEDUP_TARGET = 3.0
MEMORY_TARGET = 0.25
IMPORT_TARGET_S = 90.0
EXPORT_TARGET_S = 45.0
RSS_TARGET_MB = 500.0
TARGET_PEOPLE = 1_000_000
PG_DATABASE = "dzinza_gedcom_bench"
POLL_S = 0.05


# --- Children: time, peak memory, limits ------------------------------------------------------


@dataclass
class Outcome:
    status: str
    """ok, failed, timeout or memory (stopped past the memory cap)."""
    seconds: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    returncode: int | None


def _memory_mb(pid: int | str) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a live process in MiB: its resident set now and its high-water mark."""
    rss = hwm = 0.0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss, hwm


def run_child(
    command: list[str], *, timeout: float, memory_cap_mb: float, env: dict[str, str] | None = None
) -> Outcome:
    """Run ``command`` and wait for it. Stop it (its process group, started here) past
    ``timeout`` seconds or ``memory_cap_mb`` of RSS.

    Its peak RSS: Linux's ``ru_maxrss`` (from ``wait4``) is exact only when it is above this
    process's own peak, because a child inherits the peak of the image it ``exec``-ed from (this
    process). Below that, the high-water mark read from /proc while the child ran is used."""
    _, parent_peak = _memory_mb("self")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            command, stdout=out, stderr=err, cwd=ROOT, env=env, start_new_session=True
        )
        status = "ok"
        polled_peak = 0.0
        while True:
            pid, wait_status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            rss, hwm = _memory_mb(proc.pid)
            polled_peak = max(polled_peak, hwm)
            if time.perf_counter() - started > timeout:
                status = "timeout"
            elif memory_cap_mb and rss > memory_cap_mb:
                status = "memory"
            if status != "ok":
                os.killpg(proc.pid, signal.SIGKILL)
                pid, wait_status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(POLL_S)
        seconds = time.perf_counter() - started
        returncode = os.waitstatus_to_exitcode(wait_status)
        proc.returncode = returncode
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if status == "ok" and returncode != 0:
        status = "failed"
    maxrss = usage.ru_maxrss / 1024
    peak = maxrss if maxrss > parent_peak + 1 else max(polled_peak, 0.0) or maxrss
    return Outcome(status, seconds, peak, stdout, stderr, returncode)


def why(outcome: Outcome, timeout: float, memory_cap_mb: float) -> str:
    if outcome.status == "timeout":
        return f"stopped after {timeout:.0f} s (time cap)"
    if outcome.status == "memory":
        return f"stopped at {memory_cap_mb:.0f} MB of RSS (memory cap)"
    lines = [ln for ln in outcome.stderr.strip().splitlines() if ln.strip()]
    last = lines[-1] if lines else "no message"
    return f"exit {outcome.returncode}: {last[:300]}"


# --- The file ---------------------------------------------------------------------------------


def ensure_file(people: int, seed: int, fresh: bool, timeout: float) -> dict[str, Any]:
    """The generated file of ``people`` (made again only when missing, stale or ``fresh``)."""
    from bench.gedcom_generate import VERSION

    path = WORK / f"people-{people}.ged"
    info_path = path.with_suffix(".json")
    if not fresh and path.exists() and info_path.exists():
        info: dict[str, Any] = json.loads(info_path.read_text())
        if (
            info.get("generator") == VERSION
            and info.get("people") == people
            and info.get("seed") == seed
            and info.get("bytes") == path.stat().st_size
        ):
            print(f"== file: reusing {path.relative_to(ROOT)}", flush=True)
            return info
    print(f"== file: generating {people:,} people into {path.relative_to(ROOT)}", flush=True)
    script = str(ROOT / "bench" / "gedcom_generate.py")
    command = [sys.executable, script, str(people), "-o", str(path), "--seed", str(seed), "--json"]
    outcome = run_child(command, timeout=timeout, memory_cap_mb=0)
    if outcome.status != "ok":
        raise SystemExit(f"the generator failed: {why(outcome, timeout, 0)}")
    info = json.loads(outcome.stdout.strip().splitlines()[-1])
    info["path"] = str(path.relative_to(ROOT))
    info_path.write_text(json.dumps(info, indent=2) + "\n")
    return info


# --- Parse ------------------------------------------------------------------------------------


def parse_all(
    path: Path,
    parsers: list[str],
    repeat: int,
    timeout: float,
    memory_cap_mb: float,
    peers_python: Path,
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    script = str(ROOT / "bench" / "gedcom_parse.py")
    for name in parsers:
        python = sys.executable if name == "dzinza" else str(peers_python)
        if name != "dzinza" and not peers_python.exists():
            results[name] = {"status": "skipped", "error": f"no peers' Python at {peers_python}"}
            print(f"-- {name}: skipped (no {peers_python})", flush=True)
            continue
        runs: list[dict[str, Any]] = []
        entry: dict[str, Any] = {"status": "ok"}
        for attempt in range(1, repeat + 1):
            outcome = run_child(
                [python, script, name, str(path)], timeout=timeout, memory_cap_mb=memory_cap_mb
            )
            if outcome.status != "ok":
                entry = {
                    "status": outcome.status,
                    "error": why(outcome, timeout, memory_cap_mb),
                    "wall_seconds": round(outcome.seconds, 1),
                    "peak_rss_mb": round(outcome.peak_rss_mb, 1),
                }
                print(f"-- {name} run {attempt}: {entry['error']}", flush=True)
                break
            run = json.loads(outcome.stdout.strip().splitlines()[-1])
            run["wall_seconds"] = round(outcome.seconds, 3)
            runs.append(run)
            print(
                f"-- {name} run {attempt}: {run['seconds']:.2f} s, peak RSS {run['peak_rss_mb']:.1f} MB",
                flush=True,
            )
        if runs:
            best = min(runs, key=lambda r: r["seconds"])
            entry.update(
                {
                    "version": best["version"],
                    "python": best["python"],
                    "seconds": best["seconds"],
                    "cpu_seconds": best.get("cpu_seconds"),
                    "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                    "baseline_rss_mb": best["baseline_rss_mb"],
                    "records": best["records"],
                    "structures": best["structures"],
                    "valued": best["valued"],
                    "runs": [r["seconds"] for r in runs],
                }
            )
            if entry["status"] != "ok":
                entry["status"] = f"partial ({entry['status']})"
        results[name] = entry
    return results


def compare(parse: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Dzinza against the fastest and the leanest peer that finished (walked, not native)."""
    mine = parse.get("dzinza", {})
    done = {n: r for n, r in parse.items() if n in PEERS and "seconds" in r and r["status"] == "ok"}
    if "seconds" not in mine or not done:
        return {"note": "Dzinza or every peer did not finish: nothing to compare"}
    fastest = min(done, key=lambda n: done[n]["seconds"])
    speedup = done[fastest]["seconds"] / mine["seconds"]
    # A peer stopped at the time cap is slower than every one that finished, but may be the
    # leanest: its peak so far (a lower bound of its real peak) counts for memory.
    peaks = {n: r["peak_rss_mb"] for n, r in done.items()}
    peaks.update(
        {
            n: r["peak_rss_mb"]
            for n, r in parse.items()
            if n in PEERS and r.get("status") == "timeout" and r.get("peak_rss_mb")
        }
    )
    leanest = min(peaks, key=lambda n: peaks[n])
    memory = mine["peak_rss_mb"] / peaks[leanest]
    result: dict[str, Any] = {
        "fastest_peer": fastest,
        "speedup": round(speedup, 2),
        "speedup_target": SPEEDUP_TARGET,
        "speedup_met": speedup >= SPEEDUP_TARGET,
        "leanest_peer": leanest,
        "memory_ratio": round(memory, 3),
        "memory_target": MEMORY_TARGET,
        "memory_met": memory <= MEMORY_TARGET,
        "unfinished_peers": sorted(n for n in PEERS if n in parse and n not in done),
    }
    growth = {n: r["peak_rss_mb"] - r["baseline_rss_mb"] for n, r in done.items()}
    least = min(growth, key=lambda n: growth[n])
    result["growth_leanest_peer"] = least
    result["growth_ratio"] = round(
        (mine["peak_rss_mb"] - mine["baseline_rss_mb"]) / max(growth[least], 0.1), 3
    )
    if "seconds" in parse.get(NATIVE, {}):
        result["vs_native_parse"] = round(parse[NATIVE]["seconds"] / mine["seconds"], 2)
    counts = {n: (r["records"], r["structures"]) for n, r in done.items()}
    counts["dzinza"] = (mine["records"], mine["structures"])
    result["same_counts"] = len(set(counts.values())) == 1
    return result


# --- Import and export --------------------------------------------------------------------------


def has_command(dzinza: Path, command: str) -> bool:
    if not dzinza.exists():
        return False
    probe = subprocess.run(
        [str(dzinza), command, "--help"], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    return probe.returncode == 0


def find_tree_id(data: Any) -> str | None:
    """The tree's id in ``dzinza import --json``'s answer: ``tree_id``, or ``id`` of a tree."""
    if isinstance(data, dict):
        for key in ("tree_id", "treeId"):
            if isinstance(data.get(key), str | int):
                return str(data[key])
        if isinstance(data.get("tree"), dict) and data["tree"].get("id"):
            return str(data["tree"]["id"])
        for value in data.values():
            found = find_tree_id(value)
            if found:
                return found
        if isinstance(data.get("id"), str):
            return data["id"]
    return None


FRESH_DATABASE = """
import sys
import sqlalchemy as sa
url = sa.make_url(sys.argv[1])
engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)'))
    conn.execute(sa.text(f'CREATE DATABASE "{sys.argv[2]}"'))
engine.dispose()
print(url.set(database=sys.argv[2]).render_as_string(hide_password=False))
"""


def fresh_postgres(server_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server; returns its URL. In a child process, so
    that this one stays small (see ``run_child``)."""
    command = [sys.executable, "-c", FRESH_DATABASE, server_url, name]
    outcome = run_child(command, timeout=300, memory_cap_mb=0)
    if outcome.status != "ok":
        raise SystemExit(f"could not make database {name}: {why(outcome, 300, 0)}")
    return outcome.stdout.strip().splitlines()[-1]


def count_people(path: Path) -> int:
    """INDI records in a GEDCOM file (a check that the export holds everyone)."""
    count = 0
    with path.open("rb") as handle:
        for line in handle:
            if line[:2] == b"0 " and line.rstrip().endswith(b" INDI"):
                count += 1
    return count


def import_export(
    path: Path,
    people: int,
    backends: list[str],
    pg_url: str | None,
    timeout: float,
    memory_cap_mb: float,
    dzinza: Path = DZINZA,
) -> dict[str, Any]:
    missing = [c for c in ("import", "export") if not has_command(dzinza, c)]
    if "import" in missing:
        print("== import/export: skipped: `dzinza import` is not there yet", flush=True)
        return {"skipped": "`dzinza import` is not there yet"}
    results: dict[str, Any] = {}
    for backend in backends:
        print(f"== import/export: {backend}", flush=True)
        data_dir = WORK / f"data-{backend}"
        data_dir.mkdir(parents=True, exist_ok=True)
        if backend == "sqlite":
            db = WORK / f"import-{people}.db"
            for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                leftover.unlink(missing_ok=True)
            url = f"sqlite:///{db}"
        elif backend == "postgresql":
            if not pg_url:
                results[backend] = {"skipped": "no PostgreSQL server given (--pg-url)"}
                continue
            url = fresh_postgres(pg_url, PG_DATABASE)
        else:
            raise SystemExit(f"unknown backend {backend}")
        env = {**os.environ, "DZINZA_DATABASE_URL": url, "DZINZA_DATA_DIR": str(data_dir)}
        entry: dict[str, Any] = {}
        results[backend] = entry
        setup = run_child([str(dzinza), "db", "upgrade"], timeout=600, memory_cap_mb=0, env=env)
        if setup.status != "ok":
            entry["error"] = f"db upgrade: {why(setup, 600, 0)}"
            continue
        command = [
            str(dzinza),
            "import",
            str(path),
            "--tree-name",
            f"GEDCOM bench {people}",
            "--json",
        ]
        imported = run_child(command, timeout=timeout, memory_cap_mb=memory_cap_mb, env=env)
        entry["import"] = step(imported, people, timeout, memory_cap_mb, IMPORT_TARGET_S)
        print(f"-- import: {describe(entry['import'])}", flush=True)
        if imported.status != "ok":
            continue
        try:
            summary = json.loads(imported.stdout)
        except ValueError:
            summary = None
        entry["import_summary"] = summary
        tree_id = find_tree_id(summary)
        if tree_id is None:
            entry["export"] = {"status": "skipped", "error": "no tree id in `dzinza import --json`"}
            continue
        if "export" in missing:
            entry["export"] = {"status": "skipped", "error": "`dzinza export` is not there yet"}
            continue
        target = WORK / f"export-{people}-{backend}.ged"
        target.unlink(missing_ok=True)
        command = [str(dzinza), "export", tree_id, "--format", "gedcom7", "-o", str(target)]
        exported = run_child(command, timeout=timeout, memory_cap_mb=memory_cap_mb, env=env)
        entry["export"] = step(exported, people, timeout, memory_cap_mb, EXPORT_TARGET_S)
        if exported.status == "ok" and target.exists():
            entry["export"]["bytes"] = target.stat().st_size
            entry["export"]["people_written"] = count_people(target)
        print(f"-- export: {describe(entry['export'])}", flush=True)
    return results


def step(
    outcome: Outcome, people: int, timeout: float, memory_cap_mb: float, target_s: float
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "status": outcome.status,
        "seconds": round(outcome.seconds, 2),
        "peak_rss_mb": round(outcome.peak_rss_mb, 1),
        "target_seconds_at_1m": target_s,
    }
    if outcome.status != "ok":
        result["error"] = why(outcome, timeout, memory_cap_mb)
        return result
    projected = outcome.seconds * TARGET_PEOPLE / people
    result["projected_seconds_at_1m"] = round(projected, 1)
    result["time_met"] = (outcome.seconds if people >= TARGET_PEOPLE else projected) <= target_s
    result["memory_met"] = outcome.peak_rss_mb <= RSS_TARGET_MB
    return result


def describe(entry: dict[str, Any]) -> str:
    if entry.get("status") != "ok":
        return f"{entry.get('status')}: {entry.get('error', '')}"
    return f"{entry['seconds']:.1f} s, peak RSS {entry['peak_rss_mb']:.0f} MB"


# --- Results ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    memory = 0
    try:
        with open("/proc/meminfo") as meminfo:
            memory = int(meminfo.readline().split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "memory_mb": memory,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def ok(flag: bool | None) -> str:
    return "-" if flag is None else ("met" if flag else "**missed**")


def parse_table(parse: dict[str, dict[str, Any]]) -> list[str]:
    lines = [
        "| Parser | Version | Parse (s) | CPU (s) | Peak RSS (MB) | RSS before parsing (MB) "
        "| Growth (MB) | Records | Structures | Its time / Dzinza's | Dzinza's peak / its |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    mine = parse.get("dzinza", {})
    for name in PARSERS:
        r = parse.get(name)
        if r is None:
            continue
        label = "gedcomkit, native parse, no Python objects" if name == NATIVE else name
        if "seconds" not in r:
            peak = r.get("peak_rss_mb")
            cells = [label, "-", r.get("error", r["status"]), "-"]
            cells += [f"{peak:.1f} (so far)" if peak else "-"] + ["-"] * 6
            lines.append("| " + " | ".join(cells) + " |")
            continue
        time_ratio = memory_ratio = "-"
        if name != "dzinza" and "seconds" in mine:
            time_ratio = f"{r['seconds'] / mine['seconds']:.2f}x"
            memory_ratio = f"{mine['peak_rss_mb'] / r['peak_rss_mb']:.2f}x"
        status = "" if r["status"] == "ok" else f" ({r['status']})"
        cells = [
            label,
            r["version"],
            f"{r['seconds']:.2f}{status}",
            "-" if r.get("cpu_seconds") is None else f"{r['cpu_seconds']:.2f}",
            f"{r['peak_rss_mb']:.1f}",
            f"{r['baseline_rss_mb']:.1f}",
            f"{r['peak_rss_mb'] - r['baseline_rss_mb']:.1f}",
            f"{r['records']:,}" if name != NATIVE else f"{r['records']:,} (+HEAD)",
            f"{r['structures']:,}" if name != NATIVE else "-",
            time_ratio,
            memory_ratio,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def people_seen(name: str, entry: dict[str, Any]) -> str:
    """How many people the step handled: the importer's count, the INDI records exported."""
    if name == "export":
        seen = entry.get("export", {}).get("people_written")
    else:
        summary = entry.get("import_summary")
        counts = summary.get("counts", {}) if isinstance(summary, dict) else {}
        seen = counts.get("individuals", counts.get("people"))
    return "-" if seen is None else f"{seen:,}"


def io_table(io: dict[str, Any]) -> list[str]:
    lines = [
        "| Step | Database | Time (s) | Peak RSS (MB) | People | At 1M, projected linearly (s) "
        "| Target at 1M (s) | Time | Memory (<= 500 MB) |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for backend, entry in io.items():
        if "skipped" in entry or "error" in entry:
            problem = entry.get("skipped") or entry.get("error")
            lines.append(f"| - | {backend} | {problem} | | | | | | |")
            continue
        for name in ("import", "export"):
            step = entry.get(name)
            if step is None:
                continue
            if step.get("status") != "ok":
                problem = step.get("error", step.get("status"))
                lines.append(f"| {name} | {backend} | {problem} | | | | | | |")
                continue
            cells = [
                name,
                backend,
                f"{step['seconds']:.1f}",
                f"{step['peak_rss_mb']:.0f}",
                people_seen(name, entry),
                f"{step['projected_seconds_at_1m']:.0f}",
                f"{step['target_seconds_at_1m']:.0f}",
                ok(step["time_met"]),
                ok(step["memory_met"]),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        warnings = (entry.get("import_summary") or {}).get("warnings") or []
        for warning in warnings[:3]:
            lines.append(
                f"| (import warning) | {backend} | {str(warning.get('message', warning))[:120]} "
                "| | | | | | |"
            )
    return lines


def render(result: dict[str, Any]) -> str:
    people = result["people"]
    info = result["file"]
    when = result["measured_at"][:16].replace("T", " ")
    host = result["machine"]
    lines = [
        f"#### GEDCOM, {people:,} people",
        "",
        f"File: {info['bytes'] / 1e6:,.1f} MB, {info['lines']:,} lines (GEDCOM 5.5.1, UTF-8; "
        f"generated in {info['seconds']} s). Measured {when} UTC on {host['cpus']} CPUs "
        f"(load average {host['load_average_at_start'][0]} at the start); parse: best of "
        f"{result['repeat']} runs, peak RSS the highest of them, of the whole process.",
        "",
    ]
    if result["parse"]:
        lines += parse_table(result["parse"])
    c = result["comparison"]
    lines.append("")
    if "speedup" in c:
        lines += [
            f"- Speed: Dzinza is {c['speedup']:.1f}x faster than the fastest peer ({c['fastest_peer']}); "
            f"target at least {SPEEDUP_TARGET:.0f}x: {ok(c['speedup_met'])}.",
            f"- Memory: Dzinza's peak is {c['memory_ratio']:.2f}x the leanest peer's ({c['leanest_peer']}); "
            f"target at most {MEMORY_TARGET}x: {ok(c['memory_met'])}.",
        ]
        if "growth_ratio" in c:
            lines.append(
                f"- For information (not the target): counting only what parsing added to the "
                f"process (peak minus RSS before parsing), Dzinza's is {c['growth_ratio']:.2f}x "
                f"the leanest peer's ({c['growth_leanest_peer']})."
            )
        if c.get("unfinished_peers"):
            lines.append(
                f"- Did not finish: {', '.join(c['unfinished_peers'])} (one stopped at the time "
                "cap still counts for memory, with its peak so far)."
            )
        if "vs_native_parse" in c:
            lines.append(
                f"- gedcomkit's native parse alone (Rust, no Python objects, nothing a program can "
                f"use yet) takes {c['vs_native_parse']:.2f}x Dzinza's time."
            )
        if not c.get("same_counts"):
            lines.append("- **The parsers did not all count the same records and structures.**")
    else:
        lines.append(f"- {c.get('note')}")
    io = result.get("import_export", {})
    lines.append("")
    if not io:
        lines.append("Import and export: not measured in this run.")
        return "\n".join(lines)
    if "skipped" in io:
        lines.append(f"Import and export: not measured ({io['skipped']}).")
        return "\n".join(lines)
    lines += io_table(io)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.gedcom_run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--people", type=int, default=100_000, help="N (default 100,000)")
    parser.add_argument("--seed", type=int, default=None, help="generator seed")
    parser.add_argument("--fresh", action="store_true", help="generate the file again")
    parser.add_argument("--repeat", type=int, default=2, help="runs per parser, best kept (1-3)")
    parser.add_argument("--timeout", type=float, default=600, help="time cap per run, seconds")
    parser.add_argument("--memory-cap-mb", type=float, default=12000, help="RSS cap per process")
    parser.add_argument("--parsers", default=",".join(PARSERS), help="comma-separated")
    parser.add_argument("--peers-python", type=Path, default=PEERS_PYTHON)
    parser.add_argument("--backends", default="sqlite,postgresql", help="for import/export")
    parser.add_argument("--pg-url", help="SQLAlchemy URL of the PostgreSQL server to import into")
    parser.add_argument("--io-timeout", type=float, default=1800, help="time cap of import, export")
    parser.add_argument("--no-parse", action="store_true", help="skip the parse benchmark")
    parser.add_argument("--no-import", action="store_true", help="skip import and export")
    parser.add_argument("--dzinza", type=Path, default=DZINZA, help="the dzinza command to run")
    parser.add_argument("--report", action="store_true", help="print the tables of saved results")
    args = parser.parse_args(argv)
    if args.report:
        for path in sorted(
            RESULTS_DIR.glob("gedcom-*.json"), key=lambda p: json.loads(p.read_text())["people"]
        ):
            print(render(json.loads(path.read_text())) + "\n")
        return 0
    from bench.gedcom_generate import SEED

    if not 1 <= args.repeat <= 10:
        parser.error("--repeat must be 1-10")
    parsers = [p for p in args.parsers.split(",") if p]
    unknown = set(parsers) - set(PARSERS)
    if unknown:
        parser.error(f"unknown parsers: {', '.join(sorted(unknown))}")
    started = datetime.now(UTC).isoformat(timespec="seconds")
    host = machine()
    WORK.mkdir(parents=True, exist_ok=True)
    info = ensure_file(args.people, args.seed or SEED, args.fresh, timeout=7200)
    path = ROOT / info["path"]
    print(f"   {info['bytes'] / 1e6:,.1f} MB, {info['lines']:,} lines", flush=True)
    result: dict[str, Any] = {
        "kind": "gedcom",
        "people": args.people,
        "measured_at": started,
        "machine": host,
        "file": info,
        "repeat": args.repeat,
        "timeout_seconds": args.timeout,
        "memory_cap_mb": args.memory_cap_mb,
        "parse": {},
        "comparison": {"note": "parse not measured"},
    }
    out = RESULTS_DIR / f"gedcom-{args.people}.json"
    if out.exists():
        previous = json.loads(out.read_text())
        result["parse"] = previous.get("parse", {}) if args.no_parse else {}
        if args.no_import and "import_export" in previous:
            result["import_export"] = previous["import_export"]
    if not args.no_parse:
        print("== parse", flush=True)
        result["parse"] = parse_all(
            path, parsers, args.repeat, args.timeout, args.memory_cap_mb, args.peers_python
        )
    if result["parse"]:
        result["comparison"] = compare(result["parse"])
    if not args.no_import:
        backends = [b for b in args.backends.replace(" ", ",").split(",") if b]
        backends = ["postgresql" if b == "postgres" else b for b in backends]
        result["import_export"] = import_export(
            path,
            args.people,
            backends,
            args.pg_url,
            args.io_timeout,
            args.memory_cap_mb,
            args.dzinza,
        )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print()
    print(render(result))
    print(f"\n(results: {out.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
