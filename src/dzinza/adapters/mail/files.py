"""The embedded default's mailer: each message becomes an .eml file in a folder (any mail program
opens one), and a line on the console says so, so that a person running Dzinza on their own
machine can follow a verification or reset link without a mail server."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from dzinza.adapters.mail import build_message


class FileMailer:
    def __init__(self, folder: Path, sender: str, console: TextIO | None = None) -> None:
        self.folder = folder
        self.sender = sender
        self.console = console

    def send(self, to: str, subject: str, text: str) -> None:
        message = build_message(self.sender, to, subject, text)
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        path = self.folder / name
        # Written aside, then renamed: whoever watches the folder never sees half a message.
        partial = self.folder / f".{name}.part"
        partial.write_bytes(message.as_bytes())
        partial.replace(path)
        console = self.console or sys.stderr
        print(f"mail to {to}: {subject!r} saved in {path}", file=console, flush=True)
