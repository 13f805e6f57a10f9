"""The logs of the whole test run, scanned for secrets (issue 9: never passwords, tokens or
secrets in the logs). Every pytest process writes what Dzinza logs, as JSON lines, to
``test-artifacts/logs/<worker>.jsonl``; at the end the controlling process reads them all and
fails the run if a line holds a secret the tests used, or anything shaped like a token."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from dzinza.logs import JsonFormatter

LOG_DIR = Path(__file__).resolve().parent.parent / "test-artifacts" / "logs"
KNOWN_SECRETS = (
    "correct horse battery",  # make_user's password (tests/conftest.py)
    "msasa kopje drizzle 1887",  # the browser tests' password
    "metrics-secret-for-tests",  # tests/functional/test_metrics.py
    "dzinza-test-secret",  # the S3 test server's secret key
)
TOKEN_LIKE = re.compile(
    r"(?<![A-Za-z0-9_-])(?:dzp_)?[A-Za-z0-9_-]{43}(?:[A-Za-z0-9_-]{21})?(?![A-Za-z0-9_-])"
)
"""What ``secrets.token_urlsafe(32)`` and ``(48)`` make: access, refresh and personal tokens,
session and invitation tokens, one-time links."""


def start(worker: str) -> None:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(LOG_DIR / f"{worker}.jsonl", mode="w", encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.INFO)
    logging.getLogger().addHandler(handler)
    # Dzinza's info lines too (the access lines): the root logger's default is warnings only.
    logging.getLogger("dzinza").setLevel(logging.INFO)


def _token(text: str) -> bool:
    """A random token, not a hex digest or a word: both cases of letters and not all hex."""
    bare = text.removeprefix("dzp_")
    return (
        any(c.isupper() for c in bare)
        and any(c.islower() for c in bare)
        and not re.fullmatch(r"[0-9a-fA-F]+", bare)
    )


def leaks(folder: Path = LOG_DIR) -> list[str]:
    found = []
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                why = next((s for s in KNOWN_SECRETS if s in line), None)
                if why is None:
                    match = next(
                        (m.group(0) for m in TOKEN_LIKE.finditer(line) if _token(m.group(0))), None
                    )
                    why = f"a token ({match[:6]}...)" if match else None
                if why:
                    found.append(f"{path.name}:{number}: {why}: {line[:300].rstrip()}")
    return found


def lines_written() -> int:
    total = 0
    for path in LOG_DIR.glob("*.jsonl"):
        with path.open(encoding="utf-8", errors="replace") as lines:
            total += sum(1 for _ in lines)
    return total


def worker_name() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")
