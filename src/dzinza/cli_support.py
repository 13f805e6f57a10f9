"""What the command line's modules share: the consoles, and the one way a user's mistake ends a
command (a message on standard error and exit 1, never a traceback)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console

from dzinza.domain.errors import DzinzaError

out = Console()
err = Console(stderr=True)
T = TypeVar("T")


def run(action: Callable[[], T]) -> T:
    try:
        return action()
    except DzinzaError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from exc
