"""The ``dzinza`` command line: serve, migrate, load the demo tree, manage users. Thin: it calls
the services and prints what they return; every error a user can cause is a message and exit 1."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from dzinza import bootstrap
from dzinza.domain.errors import DzinzaError
from dzinza.services.demo import load_demo
from dzinza.settings import Settings

app = typer.Typer(
    help="Dzinza: family trees on your laptop or at scale.",
    no_args_is_help=True,
    add_completion=False,
)
db = typer.Typer(help="The database schema.", no_args_is_help=True)
user = typer.Typer(help="Users and their tokens.", no_args_is_help=True)
app.add_typer(db, name="db")
app.add_typer(user, name="user")
out = Console()
err = Console(stderr=True)
T = TypeVar("T")


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except DzinzaError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from exc


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the web app and the API."""
    import uvicorn

    settings = Settings()
    current, head = _run(lambda: bootstrap.schema_status(settings))
    if current != head:
        err.print(
            f"[red]error:[/red] the database is at revision {current}, not {head}: run `dzinza db upgrade` first."
        )
        raise typer.Exit(1)
    h, p = host or settings.host, port or settings.port
    out.print(
        f"Dzinza on [bold]http://{h}:{p}/[/bold] (API docs at /api/docs) using {_where(settings)}"
    )
    uvicorn.run("dzinza.asgi:app", host=h, port=p, workers=workers, log_level="info")


def _where(settings: Settings) -> str:
    url = settings.resolved_database_url()
    return url.split("@")[-1] if "@" in url else url


@db.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Create or migrate the database schema."""
    settings = Settings()
    now = _run(lambda: bootstrap.migrate(settings, revision))
    out.print(f"Database {_where(settings)} is at revision {now}.")


@db.command("status")
def db_status() -> None:
    """Show the schema revision of the database and the newest one."""
    current, head = _run(lambda: bootstrap.schema_status(Settings()))
    out.print(f"current: {current or 'empty'}   newest: {head}")
    if current != head:
        raise typer.Exit(1)


@app.command()
def demo(
    owner: Annotated[
        str | None, typer.Option(help="Email of the user who will own the demo tree")
    ] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Leave the demo tree as it is if it is already there")
    ] = False,
) -> None:
    """Load the demo family tree (again: it is replaced, never duplicated) and make it public."""
    platform = bootstrap.build()
    try:
        summary = _run(lambda: load_demo(platform, owner_email=owner, keep_existing=keep))
    finally:
        platform.close()
    verb = "kept as it was" if summary.get("kept") else "loaded"
    out.print(
        f"Demo tree [bold]{summary['name']}[/bold] {verb}: {summary['people']} people, "
        f"{summary['families']} families (id {summary['tree_id']})."
    )


@user.command("create")
def user_create(
    email: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
    admin: Annotated[bool, typer.Option("--admin", help="Make this user a site admin")] = False,
) -> None:
    """Create a user. The password is read from standard input (never from the command line)."""
    if not password_stdin:
        err.print(
            "[red]error:[/red] pass --password-stdin and send the password on standard input."
        )
        raise typer.Exit(2)
    password = sys.stdin.readline().rstrip("\r\n")
    platform = bootstrap.build()
    try:
        made = _run(lambda: platform.users.create(email, password, is_admin=admin))
    finally:
        platform.close()
    out.print(f"Created user {made['email']}{' (admin)' if admin else ''}.")


@user.command("token")
def user_token(email: str) -> None:
    """Print a bearer token for this user (for scripts and the API)."""
    platform = bootstrap.build()
    try:
        tok = _run(lambda: platform.users.token_for_email(email))
    finally:
        platform.close()
    print(tok["access_token"])
