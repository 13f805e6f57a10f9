"""``dzinza backup``: make, list, check, restore and prune backups of the database and of the
photos and documents (services/backups.py; runbook: docs/operations/backups.md).

A backup's LOCATION is the backup store's URL followed by the backup's name, as ``create``
prints it: ``file:///var/backups/dzinza/dzinza-backup-20261127T020000Z`` or
``s3://bucket/dzinza-backup-20261127T020000Z?prefix=backups&region=af-south-1``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from dzinza import bootstrap
from dzinza.cli_support import err, out, run
from dzinza.ports import BlobStore
from dzinza.services.backups import BackupService, split_location
from dzinza.settings import Settings

backup_cli = typer.Typer(
    help="Backups of the database and the photos and documents.", no_args_is_help=True
)
To = Annotated[
    str | None,
    typer.Option(
        "--to",
        help="The backup store: file://PATH or s3://BUCKET?... "
        "(default: DZINZA_BACKUP_URL, else the data folder's backups/)",
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON")]
Key = Annotated[
    str | None,
    typer.Option(
        "--key",
        help="Encrypt (create) or read (verify, restore) with this key: file:///PATH or "
        "kms://KEY?region=R (default: DZINZA_BACKUP_KEY_URL; none: not encrypted)",
    ),
]


def _print_json(value: Any) -> None:
    print(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def _say(json: bool) -> Any:
    """Progress lines on standard error (standard output stays the result)."""
    return None if json else (lambda message: err.print(f"[dim]{message}[/dim]"))


@contextlib.contextmanager
def _opened(to: str | None, key: str | None = None) -> Iterator[tuple[BackupService, BlobStore]]:
    """The backup service (with the key ``key``, else the configured one) and the backup store
    (``to``, else the configured one); the service's database connections are closed
    afterwards."""
    settings = Settings()
    service = run(lambda: bootstrap.backups(settings, key))
    try:
        yield service, run(lambda: bootstrap.backup_store(settings, to))
    finally:
        service.database.close()


@backup_cli.command("create")
def create(to: To = None, key: Key = None, json: Json = False) -> None:
    """Back up the database and every photo and document, with a manifest of checksums
    (encrypted when a key is given or configured)."""
    with _opened(to, key) as (service, target):
        made = run(lambda: service.create(target, _say(json)))
    if json:
        _print_json(made)
        return
    out.print(
        f"Backed up {made['rows']:,} rows and {made['media']['objects']:,} files "
        f"({made['bytes']:,} bytes) in {made['seconds']} s"
        + (f", encrypted with the key {made['encrypted_with']}," if made["encrypted_with"] else "")
        + " to:"
    )
    print(made["location"])


@backup_cli.command("list")
def list_backups(to: To = None, json: Json = False) -> None:
    """The backups in the backup store, newest first."""
    with _opened(to) as (service, target):
        found = run(lambda: service.backups(target))
    if json:
        _print_json(found)
        return
    for backup in found:
        if backup["complete"]:
            out.print(
                f"{backup['name']}  {backup['database']}  {backup['media_objects']:,} files  "
                f"{backup['bytes']:,} bytes"
                + (f"  encrypted ({backup['encrypted_with']})" if backup["encrypted_with"] else "")
            )
        else:
            out.print(f"{backup['name']}  [yellow]unfinished (no manifest)[/yellow]")


@backup_cli.command("verify")
def verify(
    location: Annotated[
        str,
        typer.Argument(
            help="The backup, as `create` printed it, or `latest`: the newest finished one in "
            "the backup store (--to, else DZINZA_BACKUP_URL)"
        ),
    ],
    to: To = None,
    key: Key = None,
    json: Json = False,
) -> None:
    """Check a backup: every file against its checksum, then the database restored into a
    scratch database and compared table by table. Exits 1 on any difference."""
    store_url, name = (to, None) if location == "latest" else run(lambda: split_location(location))
    with _opened(store_url, key) as (service, target):
        chosen = name or run(lambda: service.latest(target))
        report = run(lambda: service.verify(target, chosen, _say(json)))
    if json:
        _print_json(report)
    elif report["ok"]:
        out.print(
            f"The backup is sound: {report['files']:,} files match their checksums, and "
            f"{report['tables']} tables ({report['rows']:,} rows) restored as the manifest says."
        )
    else:
        for problem in report["problems"]:
            err.print(f"[red]problem:[/red] {problem}")
    if not report["ok"]:
        if not json:
            err.print("[red]error:[/red] the backup is damaged: do not rely on it.")
        raise typer.Exit(1)


@backup_cli.command("restore")
def restore(
    location: Annotated[str, typer.Argument(help="The backup, as `create` printed it")],
    key: Key = None,
    json: Json = False,
) -> None:
    """Restore a backup into the configured database and media store, both empty."""
    store_url, name = run(lambda: split_location(location))
    with _opened(store_url, key) as (service, target):
        done = run(lambda: service.restore(target, name, _say(json)))
    if json:
        _print_json(done)
        return
    out.print(
        f"Restored {done['rows']:,} rows and {done['media']['objects']:,} files in "
        f"{done['seconds']} s (schema revision {done['database']['revision']}). If this "
        "Dzinza is newer than the backup, run `dzinza db upgrade` next."
    )


@backup_cli.command("key")
def make_key(
    path: Annotated[Path, typer.Argument(help="The new key file (it must not exist)")],
) -> None:
    """Make a key file for encrypted backups (32 random bytes, readable by you only). Keep a
    copy somewhere safe, away from the backups: without it they cannot be read."""
    if path.exists():
        err.print(f"[red]error:[/red] {path} exists: a key file is never overwritten.")
        raise typer.Exit(1)
    key_id = run(lambda: bootstrap.create_key_file(path))
    out.print(
        f"Made the key {key_id} in {path}. Set DZINZA_BACKUP_KEY_URL={path.resolve().as_uri()} "
        "and keep a copy of the file away from the backups."
    )


@backup_cli.command("prune")
def prune(
    keep: Annotated[int, typer.Option("--keep", help="How many of the newest backups to keep")],
    to: To = None,
    json: Json = False,
) -> None:
    """Delete all but the newest finished backups (and unfinished ones older than them)."""
    with _opened(to) as (service, target):
        gone = run(lambda: service.prune(target, keep))
    if json:
        _print_json({"deleted": gone})
        return
    out.print(f"Deleted {len(gone)} backup(s)." + ("" if not gone else " " + ", ".join(gone)))


# -- point-in-time recovery of a self-run PostgreSQL server (adapters/sql/pitr.py) -----------------
@backup_cli.command("wal-settings")
def wal_settings(
    archive: Annotated[
        Path, typer.Option("--archive", help="The folder the server archives WAL into")
    ],
) -> None:
    """Print the postgresql.conf lines that archive the server's WAL (for point-in-time
    recovery; a segment at least every 5 minutes)."""
    print(bootstrap.pitr.conf_lines(bootstrap.pitr.wal_settings(archive)), end="")


@backup_cli.command("base")
def base(
    into: Annotated[Path, typer.Option("--to", help="The folder of base backups")],
    json: Json = False,
) -> None:
    """Take a base backup of the PostgreSQL server of DZINZA_DATABASE_URL (pg_basebackup)."""
    settings = Settings()
    url = settings.resolved_database_url()
    if not url.startswith("postgresql"):
        err.print("[red]error:[/red] base backups are for PostgreSQL (DZINZA_DATABASE_URL).")
        raise typer.Exit(1)
    made = run(lambda: bootstrap.pitr.base_backup(url, into, datetime.now(UTC)))
    if json:
        _print_json({"base": str(made)})
    else:
        out.print(f"Base backup in {made}")


@backup_cli.command("recover")
def recover(
    base_dir: Annotated[Path, typer.Argument(help="A base backup (`dzinza backup base`)")],
    wal: Annotated[Path, typer.Option("--wal", help="The folder of archived WAL")],
    until: Annotated[
        str, typer.Option("--to", help="The moment to recover to, ISO 8601 with its time zone")
    ],
    data_dir: Annotated[Path, typer.Option("--data-dir", help="A new folder for the server")],
    port: Annotated[int, typer.Option("--port", help="The port the recovered server listens on")],
    database: Annotated[str, typer.Option("--database", help="The database to print")] = "dzinza",
    json: Json = False,
) -> None:
    """Start a PostgreSQL server holding the database as it was at a moment: the base backup
    with the archived WAL replayed up to it, then promoted (see docs/operations/pitr.md)."""
    try:
        moment = datetime.fromisoformat(until)
    except ValueError:
        err.print(
            f"[red]error:[/red] {until!r} is not a moment in ISO 8601 (2026-11-27T02:40:00+00:00)."
        )
        raise typer.Exit(1) from None
    done = run(
        lambda: bootstrap.pitr.recover(base_dir, wal, moment, data_dir, port, database=database)
    )
    if json:
        _print_json({"url": done.url, "data_dir": str(done.data_dir), "port": done.port})
    else:
        out.print(f"Recovered to {moment.isoformat()}; the server listens on port {done.port}:")
        print(done.url)
