"""Photo and document storage speed through a real server, per media backend side by side:
uploads with their thumbnails (the derivatives job), signed-URL serving, and the server's peak
memory.

Usage:
    .venv/bin/python -m bench.media_speed [--backends local,s3] [--photos 60] [--requests 300]
        [--rounds 2] [--s3-url s3://?endpoint=http://127.0.0.1:58333] [--out bench/results]
(scripts/bench_media.sh starts an S3 server first.) Each backend gets its own server
(`uvicorn dzinza.asgi:app` on 127.0.0.1, an SQLite database and a data folder in a temporary
directory; for S3 a new bucket on the S3 server, deleted afterwards), all up at once:

1. Uploads: the same distinct photos (3000x2000 JPEGs of 1-2 MB, made with Pillow) go to each
   backend one request after the other (`POST /trees/{id}/media/files`), then the run waits until
   every item is `ready`. The photos are split in rounds taken in ABBA order (local, S3, then S3,
   local), one backend at a time, so that both see the same machine. Uploads/s and MB/s count the
   uploads alone; processed photos/s runs from the first upload to the last item seen ready.
2. Serving: each request, on both backends in turn (alternating which goes first), asks
   `GET /media/{id}/urls` (signing, through the app), fetches the `small` derivative from its
   signed URL (local: served by the app; S3: by the S3 server) and the first 64 KiB of the
   `original` with a Range request.
3. The peak RSS of each server process (VmHWM of /proc/<pid>/status) at the end.

Figures are printed as a table with the ratios local/S3 and written to
bench/results/media-<backend>.json (one file per backend, each with the ratios of the run).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
BIN = Path(sys.executable).parent
API = "/api/v1"
EMAIL = "media-bench@example.org"
PASSWORD = "bench media horse battery"
S3_KEY, S3_SECRET = "dzinza-test", "dzinza-test-secret"
WIDTH, HEIGHT = 3000, 2000
RANGE_BYTES = 64 * 1024
POLL_SECONDS = 0.1
"""How often the run asks whether the oldest unfinished item is ready (one cheap GET)."""
JOB = "media.process"


# -- the photos ---------------------------------------------------------------------------------
def make_photo(index: int, seed: int) -> bytes:
    """A 3000x2000 camera-like JPEG of 1-2 MB: a smooth colour field under a fine grain (which
    JPEG cannot squeeze away), a few rings, and EXIF with a camera and a date. Distinct for each
    index."""
    rng = random.Random(seed * 100_003 + index)
    base = Image.frombytes("RGB", (8, 6), rng.randbytes(8 * 6 * 3))
    base = base.resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    small = (WIDTH // 3, HEIGHT // 3)
    grain = Image.frombytes("RGB", small, rng.randbytes(small[0] * small[1] * 3))
    grain = grain.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
    image = Image.blend(base, grain, rng.uniform(0.15, 0.3))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y, r = rng.randrange(WIDTH), rng.randrange(HEIGHT), rng.randrange(40, 300)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=rng.randrange(2, 12))
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x010F] = "Dzinza Bench Camera"
    exif[0x0110] = "Model 60"
    taken = f"19{50 + index % 50}:{1 + index % 12:02d}:{1 + index % 28:02d} 10:30:00"
    exif.get_ifd(0x8769)[0x9003] = taken
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, exif=exif.tobytes())
    return out.getvalue()


def derivatives_in_process(photos: list[bytes], count: int) -> dict[str, Any]:
    """The thumbnail work of one photo with no server around it (media_files.derivatives, as the
    job calls it), and where its time goes: Pillow's resize, JPEG encode and JPEG decode."""
    from dzinza.services.media_files import HEAD_SIZE, derivatives, sniff

    seconds: list[float] = []
    profile = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="dzinza-bench-media-") as tmp:
        paths = []
        for i, data in enumerate(photos[: count + 1]):
            paths.append(Path(tmp) / f"{i}.jpg")
            paths[-1].write_bytes(data)
        detected = sniff(photos[0][:HEAD_SIZE])
        derivatives(paths[0], detected)  # unmeasured: the first call loads the codecs
        for path in paths[1:] or paths:
            started = time.perf_counter()
            profile.enable()
            made = derivatives(path, detected)
            profile.disable()
            seconds.append(time.perf_counter() - started)
    total = sum(seconds)
    parts = {"resize": 0.0, "encode": 0.0, "decode": 0.0}
    for (_, _, name), row in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        for part in parts:
            if f"'{part}' of 'Imaging" in name:
                parts[part] += row[2]
    return {
        "photos": len(seconds),
        "variants": [d.name for d in made],
        "seconds_per_photo_p50": round(statistics.median(seconds), 3),
        "share": {part: round(t / total, 2) for part, t in parts.items()},
    }


# -- small helpers ------------------------------------------------------------------------------
def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _spread(values: list[float], digits: int = 1) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    return {
        "p50": round(statistics.median(values), digits),
        "p95": round(_percentile(values, 0.95), digits),
        "p99": round(_percentile(values, 0.99), digits),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _proc_status(pid: int) -> dict[str, float]:
    """VmHWM (the peak resident memory) and VmRSS of a process, in MB."""
    out: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = round(int(value.split()[0]) / 1024, 1)
    except (OSError, ValueError):
        pass
    return out


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def code_revision() -> dict[str, Any]:
    """The commit measured, read from .git's files (no git command is run; whether the working
    tree had changes is therefore not known)."""
    git = ROOT / ".git"
    try:
        if git.is_file():  # a worktree: "gitdir: <path>"
            git = Path(git.read_text().split(":", 1)[1].strip())
        head = (git / "HEAD").read_text().strip()
        ref = head[5:] if head.startswith("ref: ") else None
        commit = head if ref is None else None
        if ref is not None and (git / ref).is_file():
            commit = (git / ref).read_text().strip()
        elif ref is not None and (git / "packed-refs").is_file():
            for line in (git / "packed-refs").read_text().splitlines():
                sha, _, name = line.partition(" ")
                if name == ref:
                    commit = sha
    except (OSError, IndexError):
        return {"commit": None, "branch": None, "src_modified": None}
    return {
        "commit": commit[:10] if commit else None,
        "branch": ref.removeprefix("refs/heads/") if ref else None,
        "src_modified": None,
    }


def machine() -> dict[str, Any]:
    memory = 0
    try:
        with open("/proc/meminfo") as meminfo:
            memory = int(meminfo.readline().split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "memory_mb": memory,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def default_s3_url() -> str:
    """DZINZA_TEST_S3_URL, or the URL scripts/services.sh reports (its port and run directory
    follow DZINZA_TEST_S3_PORT and DZINZA_RUN_DIR)."""
    if os.environ.get("DZINZA_TEST_S3_URL"):
        return os.environ["DZINZA_TEST_S3_URL"]
    found = subprocess.run(
        [str(ROOT / "scripts" / "services.sh"), "s3-url"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return found.stdout.strip().splitlines()[-1]


# -- one server per backend ---------------------------------------------------------------------
class Backend:
    """A Dzinza server of its own for one media backend, and what was measured on it."""

    def __init__(self, name: str, s3_url: str | None) -> None:
        self.name = name
        self.root = Path(tempfile.mkdtemp(prefix=f"dzinza-bench-media-{name}-"))
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.endpoint: str | None = None
        self.bucket: str | None = None
        self.s3: Any = None
        self.process: subprocess.Popen[bytes] | None = None
        self.api = httpx.Client(base_url=f"{self.base}{API}", timeout=120)
        self.tree_id = ""
        self.ids: list[str] = []
        self.upload_ms: list[float] = []
        self.upload_seconds = 0.0
        self.upload_bytes = 0
        self.process_seconds = 0.0
        self.serving: dict[str, list[float]] = {"urls": [], "small": [], "range": []}
        self.small_bytes: list[int] = []
        self.errors: list[str] = []
        self.error_count = 0
        self.memory: dict[str, float] = {}
        self.rss_at_start: float | None = None
        if name == "s3":
            if not s3_url:
                raise SystemExit("the s3 backend needs --s3-url (or DZINZA_TEST_S3_URL)")
            self.endpoint = parse_qs(urlsplit(s3_url).query)["endpoint"][0]

    # -- life ----------------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        # Nothing of the caller's Dzinza or AWS settings leaks into the server.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DZINZA_", "AWS_"))}
        env.update(
            DZINZA_DATA_DIR=str(self.root / "data"),
            DZINZA_DATABASE_URL=f"sqlite:///{self.root}/b.db",
            DZINZA_PASSWORD_HASHING="fast-for-tests-only",
            DZINZA_PUBLIC_URL=self.base,
        )
        if self.bucket is not None:
            env.update(
                DZINZA_MEDIA_URL=f"s3://{self.bucket}?endpoint={self.endpoint}&region=us-east-1",
                AWS_ACCESS_KEY_ID=S3_KEY,
                AWS_SECRET_ACCESS_KEY=S3_SECRET,
            )
        return env

    def _make_bucket(self) -> None:
        import boto3
        from botocore.config import Config

        self.s3 = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=S3_KEY,
            aws_secret_access_key=S3_SECRET,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
        )
        name = f"dzinza-bench-media-{uuid.uuid4().hex[:12]}"
        try:
            self.s3.create_bucket(Bucket=name)
        except Exception as exc:
            raise SystemExit(
                f"no S3 server answers at {self.endpoint} ({exc}); start one with "
                "scripts/services.sh s3-start, or run scripts/bench_media.sh"
            ) from exc
        self.bucket = name

    def start(self) -> None:
        if self.name == "s3":
            self._make_bucket()
        env = self.env()
        cli = str(BIN / "dzinza")
        for argv, stdin in (
            ([cli, "db", "upgrade"], None),
            ([cli, "user", "create", EMAIL, "--password-stdin"], PASSWORD + "\n"),
        ):
            done = subprocess.run(
                argv, env=env, cwd=self.root, input=stdin, capture_output=True, text=True
            )
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(argv[1:3])} failed:\n{done.stdout}{done.stderr}")
        log = (self.root / "server.log").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "dzinza.asgi:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
            ],
            env=env,
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 90
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"the {self.name} server stopped:\n{self.log_tail()}")
            try:
                if self.api.get("/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the {self.name} server did not answer:\n{self.log_tail()}")
            time.sleep(0.2)
        self.rss_at_start = _proc_status(self.process.pid).get("VmRSS")
        self.login()
        tree = self.call("POST", "/trees", (201,), json={"name": f"Media bench ({self.name})"})
        self.tree_id = tree.json()["id"]

    def login(self) -> None:
        answer = self.api.post("/auth/token", json={"email": EMAIL, "password": PASSWORD})
        if answer.status_code != 200:
            raise SystemExit(f"sign-in refused ({answer.status_code}): {answer.text}")
        self.api.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    def call(
        self, method: str, path: str, expect: tuple[int, ...] = (200,), **kwargs: Any
    ) -> httpx.Response:
        """An API request; a run longer than the access token's 15 minutes signs in again."""
        answer = self.api.request(method, path, **kwargs)
        if answer.status_code == 401:
            self.login()
            answer = self.api.request(method, path, **kwargs)
        if answer.status_code not in expect:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer

    def log_tail(self) -> str:
        try:
            return "\n".join((self.root / "server.log").read_text().splitlines()[-40:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        self.api.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.s3 is not None and self.bucket is not None:
            try:
                for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
                    keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
                    if keys:
                        self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})
                self.s3.delete_bucket(Bucket=self.bucket)
            except Exception as exc:
                print(f"  (could not delete the bucket {self.bucket}: {exc})", file=sys.stderr)
        shutil.rmtree(self.root, ignore_errors=True)

    def error(self, what: str) -> None:
        self.error_count += 1
        if len(self.errors) < 10:
            self.errors.append(what)

    # -- 1. uploads and their thumbnails -------------------------------------------------------
    def upload_round(self, photos: list[tuple[int, bytes]]) -> None:
        ids = []
        first = time.perf_counter()
        for index, data in photos:
            started = time.perf_counter()
            answer = self.api.post(
                f"/trees/{self.tree_id}/media/files",
                files={"file": (f"photo-{index:04d}.jpg", data, "image/jpeg")},
                data={"title": f"Photo {index}"},
            )
            self.upload_ms.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 201:
                self.error(f"upload {index}: {answer.status_code} {answer.text[:200]}")
                continue
            ids.append(answer.json()["id"])
            self.upload_bytes += len(data)
        self.upload_seconds += time.perf_counter() - first
        # One worker takes the jobs in order: waiting for each item in turn asks little of the
        # server (one small GET at a time) and ends when the last is ready.
        deadline = time.monotonic() + 120 + 10 * len(photos)
        for media_id in ids:
            while True:
                status = self.call("GET", f"/media/{media_id}").json()["status"]
                if status != "processing":
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"{self.name}: media {media_id} still processing")
                time.sleep(POLL_SECONDS)
            if status != "ready":
                self.error(f"media {media_id}: {status}")
        self.process_seconds += time.perf_counter() - first
        self.ids.extend(ids)

    def jobs(self) -> dict[str, Any]:
        """The server's own times of the thumbnail jobs: run (started to finished) and wait in
        the queue (created to started)."""
        run: list[float] = []
        wait: list[float] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 500} | ({"cursor": cursor} if cursor else {})
            page = self.call("GET", "/jobs", params=params).json()
            for job in page["items"]:
                if job["kind"] != JOB or not job["finished_at"] or not job["started_at"]:
                    continue
                started = _time(job["started_at"])
                run.append((_time(job["finished_at"]) - started).total_seconds())
                wait.append((started - _time(job["created_at"])).total_seconds())
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return {
            "count": len(run),
            "run_seconds": _spread(run, 3),
            "queue_wait_seconds": _spread(wait, 2),
            "run_seconds_total": round(sum(run), 1),
            # How much of the processing span the one job worker spent on the jobs: near 100%,
            # the worker is the bottleneck.
            "worker_busy_share": round(sum(run) / self.process_seconds, 2)
            if self.process_seconds
            else None,
        }

    # -- 2. serving ----------------------------------------------------------------------------
    def serve_one(self, fetch: httpx.Client, media_id: str, measured: bool) -> None:
        started = time.perf_counter()
        answer = self.api.get(f"/media/{media_id}/urls")
        signed = time.perf_counter()
        if answer.status_code != 200:
            self.error(f"urls {media_id}: {answer.status_code} {answer.text[:200]}")
            return
        urls = answer.json()["urls"]
        small = fetch.get(urls["small"]["url"])
        fetched = time.perf_counter()
        part = fetch.get(urls["original"]["url"], headers={"Range": f"bytes=0-{RANGE_BYTES - 1}"})
        ranged = time.perf_counter()
        if small.status_code != 200 or not small.content:
            self.error(f"small {media_id}: {small.status_code} {small.text[:200]}")
        elif part.status_code != 206 or len(part.content) != RANGE_BYTES:
            self.error(f"range {media_id}: {part.status_code}, {len(part.content)} bytes")
        elif measured:
            self.serving["urls"].append((signed - started) * 1000)
            self.serving["small"].append((fetched - signed) * 1000)
            self.serving["range"].append((ranged - fetched) * 1000)
            self.small_bytes.append(len(small.content))

    # -- figures -------------------------------------------------------------------------------
    def figures(self, jobs: dict[str, Any]) -> dict[str, Any]:
        count = len(self.ids)
        return {
            "upload": {
                "photos": len(self.upload_ms),
                "megabytes": round(self.upload_bytes / 1e6, 1),
                "seconds": round(self.upload_seconds, 2),
                "requests_per_second": round(count / self.upload_seconds, 2),
                "megabytes_per_second": round(self.upload_bytes / 1e6 / self.upload_seconds, 2),
                "per_upload_ms": _spread(self.upload_ms),
            },
            "processing": {
                "seconds": round(self.process_seconds, 2),
                "photos_per_second": round(count / self.process_seconds, 2),
                "jobs": jobs,
            },
            "serving": {
                "requests": len(self.serving["urls"]),
                "urls_ms": _spread(self.serving["urls"]),
                "small_ms": _spread(self.serving["small"]),
                "range_64k_ms": _spread(self.serving["range"]),
                "small_bytes_mean": round(statistics.mean(self.small_bytes))
                if self.small_bytes
                else None,
            },
            "server": {
                "peak_rss_mb": self.memory.get("VmHWM"),
                "rss_at_end_mb": self.memory.get("VmRSS"),
                "rss_at_start_mb": self.rss_at_start,
            },
            "errors": self.error_count,
            "error_samples": self.errors,
        }


# -- the run ------------------------------------------------------------------------------------
def _serving(key: str, p: str) -> Callable[[dict[str, Any]], Any]:
    return lambda r: r["serving"][key][p]


def _rows() -> list[tuple[str, Callable[[dict[str, Any]], Any]]]:
    rows: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
        ("upload (requests/s)", lambda r: r["upload"]["requests_per_second"]),
        ("upload (MB/s)", lambda r: r["upload"]["megabytes_per_second"]),
        ("upload p50 (ms)", lambda r: r["upload"]["per_upload_ms"]["p50"]),
        ("upload p95 (ms)", lambda r: r["upload"]["per_upload_ms"]["p95"]),
        ("processed, upload to ready (photos/s)", lambda r: r["processing"]["photos_per_second"]),
        ("thumbnail job run p50 (s)", lambda r: r["processing"]["jobs"]["run_seconds"]["p50"]),
        ("thumbnail job run p95 (s)", lambda r: r["processing"]["jobs"]["run_seconds"]["p95"]),
        ("job worker busy (share)", lambda r: r["processing"]["jobs"]["worker_busy_share"]),
    ]
    for key, title in (
        ("urls_ms", "GET /media/{id}/urls"),
        ("small_ms", "GET small (signed)"),
        ("range_64k_ms", "GET original 64 KiB Range"),
    ):
        for p in ("p50", "p95", "p99"):
            rows.append((f"{title} {p} (ms)", _serving(key, p)))
    rows += [
        ("server peak RSS (MB)", lambda r: r["server"]["peak_rss_mb"]),
        ("errors", lambda r: r["errors"]),
    ]
    return rows


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """local/S3 for every figure of the table (above 1: local is higher, which is better for
    throughput and worse for latency and memory)."""
    out: dict[str, float | None] = {}
    if not {"local", "s3"} <= results.keys():
        return out
    for title, get in _rows():
        a, b = get(results["local"]), get(results["s3"])
        if title != "errors":
            out[title] = round(a / b, 2) if a is not None and b else None
    return out


def print_table(results: dict[str, dict[str, Any]], run: dict[str, Any]) -> None:
    names = list(results)
    both = {"local", "s3"} <= results.keys()
    photos = run["photos"]
    print(
        f"\nmedia storage: {photos['count']} photos of {photos['width']}x{photos['height']} "
        f"({photos['megabytes_mean']} MB mean) in {run['rounds']} rounds, "
        f"{run['requests']} serving requests per backend"
    )
    head = f"{'':44}" + "".join(f"{n:>10}" for n in names) + (f"{'local/s3':>10}" if both else "")
    print(head)
    print("-" * len(head))
    ratio = ratios(results)
    for title, get in _rows():
        cells = "".join(f"{'-' if get(results[n]) is None else get(results[n]):>10}" for n in names)
        extra = ""
        if both and title != "errors":
            extra = f"{'-' if ratio[title] is None else ratio[title]:>10}"
        print(f"{title:44}{cells}{extra}")
    d = run["derivatives_in_process"]
    shares = ", ".join(f"{k} {round(v * 100)}%" for k, v in d["share"].items())
    print(
        f"\nthumbnails with no server (media_files.derivatives, {d['photos']} photos): "
        f"{d['seconds_per_photo_p50']} s a photo ({shares})"
    )


@contextmanager
def backends_up(names: list[str], s3_url: str | None) -> Iterator[list[Backend]]:
    with ExitStack() as stack:
        made = []
        for name in names:
            backend = Backend(name, s3_url)
            stack.callback(backend.stop)
            print(f"  starting the {name} server on {backend.base} ...", flush=True)
            backend.start()
            made.append(backend)
        yield made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.media_speed", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--backends", default="local,s3", help="comma-separated: local, s3")
    parser.add_argument("--photos", type=int, default=60, help="photos uploaded to each backend")
    parser.add_argument("--requests", type=int, default=300, help="measured serving requests")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured serving requests")
    parser.add_argument("--rounds", type=int, default=2, help="upload rounds, in ABBA order")
    parser.add_argument("--seed", type=int, default=1926)
    parser.add_argument("--s3-url", help="default: DZINZA_TEST_S3_URL or scripts/services.sh")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the results folder")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.backends.split(",") if n.strip()]
    if not names or set(names) - {"local", "s3"} or len(set(names)) != len(names):
        parser.error("--backends takes local and/or s3")
    if args.photos < 1 or args.requests < 1 or not 1 <= args.rounds <= args.photos:
        parser.error("--photos and --requests must be positive, --rounds from 1 to --photos")
    s3_url = (args.s3_url or default_s3_url()) if "s3" in names else None

    began = datetime.now(UTC)
    host = machine()
    print(f"making {args.photos} photos of {WIDTH}x{HEIGHT} ...", flush=True)
    made_at = time.perf_counter()
    photos = [make_photo(i, args.seed) for i in range(args.photos)]
    sizes = [len(p) / 1e6 for p in photos]
    print(
        f"  {sum(sizes):.1f} MB, {min(sizes):.2f} to {max(sizes):.2f} MB each, "
        f"in {time.perf_counter() - made_at:.1f} s",
        flush=True,
    )
    print("thumbnails with no server ...", flush=True)
    in_process = derivatives_in_process(photos, min(5, args.photos))

    rng = random.Random(args.seed)
    numbered = list(enumerate(photos))
    chunks = [numbered[r :: args.rounds] for r in range(args.rounds)]
    results: dict[str, dict[str, Any]] = {}
    with backends_up(names, s3_url) as up:
        for r, chunk in enumerate(chunks):
            order = up if r % 2 == 0 else up[::-1]
            for backend in order:
                print(
                    f"  round {r + 1}/{args.rounds}: {len(chunk)} uploads to {backend.name} ...",
                    end="",
                    flush=True,
                )
                before = time.perf_counter()
                backend.upload_round(chunk)
                print(f" all ready after {time.perf_counter() - before:.1f} s", flush=True)
        jobs = {b.name: b.jobs() for b in up}
        # The photos went to every backend in the same order: one index is one photo on all.
        count = min(len(b.ids) for b in up)
        if count == 0:
            raise SystemExit("no upload succeeded: " + "; ".join(up[0].errors[:3]))
        print(f"  serving: {args.warmup} + {args.requests} requests on each ...", flush=True)
        with httpx.Client(timeout=60) as fetch:
            for i in range(args.warmup + args.requests):
                pick = rng.randrange(count)
                for backend in up if i % 2 == 0 else up[::-1]:
                    backend.serve_one(fetch, backend.ids[pick], measured=i >= args.warmup)
        for backend in up:
            assert backend.process is not None
            backend.memory = _proc_status(backend.process.pid)
            results[backend.name] = backend.figures(jobs[backend.name])
            results[backend.name]["s3_endpoint"] = backend.endpoint

    host["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    run = {
        "benchmark": "media-speed",
        "date": began.isoformat(timespec="seconds"),
        "duration_seconds": round((datetime.now(UTC) - began).total_seconds(), 1),
        "machine": host,
        "code": code_revision(),
        "backends": names,
        "rounds": args.rounds,
        "requests": args.requests,
        "warmup": args.warmup,
        "seed": args.seed,
        "photos": {
            "count": len(photos),
            "width": WIDTH,
            "height": HEIGHT,
            "megabytes_mean": round(statistics.mean(sizes), 2),
            "megabytes_min": round(min(sizes), 2),
            "megabytes_max": round(max(sizes), 2),
        },
        "server_setup": "uvicorn dzinza.asgi:app, one process, SQLite, job_workers 1 (the default)",
        "client": "httpx, one keep-alive connection per server, sequential requests",
        "derivatives_in_process": in_process,
    }
    print_table(results, run)
    args.out.mkdir(parents=True, exist_ok=True)
    side_by_side = {"ratios_local_to_s3": ratios(results)} if len(results) > 1 else {}
    for name, figures in results.items():
        out = args.out / f"media-{name}.json"
        document = run | {"backend": name} | figures | side_by_side
        out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        print(f"written to {out}")
    errors = sum(r["errors"] for r in results.values())
    if errors:
        print(f"{errors} requests failed: see error_samples in the results", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
