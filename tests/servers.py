"""Helpers for tests that run Dzinza as real processes (uvicorn, ``dzinza worker``): a free port,
a log file per process, and waiting until a process answers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import BinaryIO

import httpx

BIN = Path(sys.executable).parent
"""The virtualenv's scripts (uvicorn, dzinza): the same environment as the tests."""


def opened(logs: list[BinaryIO], path: Path) -> BinaryIO:
    """``path`` opened for a process's output, and remembered in ``logs`` to be closed later."""
    f = path.open("wb")
    logs.append(f)
    return f


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it; another process could still take
    it before ours binds, which is rare enough on a test machine)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0
) -> None:
    """Returns once ``url`` answers 200; fails with the end of the log if the process exits or
    ``timeout`` passes first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer: {log.read_text()[-3000:]}")
