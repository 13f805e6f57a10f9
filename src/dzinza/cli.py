"""The ``dzinza`` command line: serve, migrate, load the demo tree, manage users. Thin: it calls
the services and prints what they return; every error a user can cause is a message and exit 1."""

from __future__ import annotations

import os
import signal
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import Progress

from dzinza import bootstrap, logs
from dzinza.cli_backup import backup_cli
from dzinza.cli_support import err, out, run
from dzinza.doctor import checkup as checkup_of_platform
from dzinza.gedcom.nodes import Problems
from dzinza.gedcom.reader import NotGedcom
from dzinza.services import audit
from dzinza.services.common import SYSTEM
from dzinza.services.demo import load_demo
from dzinza.services.gedcom import check_file, run_export, run_import
from dzinza.services.media_cleanup import clean_up
from dzinza.services.platform import Platform
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
app.add_typer(backup_cli, name="backup")
_run = run


def _require_schema(settings: Settings) -> None:
    """Exits with a message, not a traceback, when the schema is missing or behind the code."""
    current, head = _run(lambda: bootstrap.schema_status(settings))
    if current is None:
        err.print(
            f"[red]error:[/red] the database {_where(settings)} has no Dzinza schema yet: "
            "run `dzinza db upgrade` first."
        )
        raise typer.Exit(1)
    if current != head:
        err.print(
            f"[red]error:[/red] the database is at revision {current}, not {head}: "
            "run `dzinza db upgrade` first."
        )
        raise typer.Exit(1)


def _platform() -> Platform:
    """The platform for a command that reads or writes trees, once the schema is known to be there."""
    _require_schema(Settings())
    return _run(bootstrap.build)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the web app and the API."""
    import uvicorn

    settings = Settings()
    _require_schema(settings)
    h, p = host or settings.host, port or settings.port
    out.print(
        f"Dzinza on [bold]http://{h}:{p}/[/bold] (API docs at /api/docs) using {_where(settings)}"
    )
    # The app (dzinza.asgi, imported by uvicorn in this process and its workers) reads its
    # settings from the environment: where it listens makes its own links (emails, signed file
    # URLs of the local media folder) unless DZINZA_PUBLIC_URL says otherwise.
    os.environ["DZINZA_HOST"], os.environ["DZINZA_PORT"] = h, str(p)
    # The app reads forwarded headers itself, from trusted proxies only (DZINZA_TRUSTED_PROXIES).
    # Dzinza writes its own access lines (route templates: no tokens from paths or queries) and
    # formats every log line itself (dzinza/logs.py): uvicorn's own configuration stays out.
    logs.configure(settings.log_format, settings.log_level)
    uvicorn.run(
        "dzinza.asgi:app",
        host=h,
        port=p,
        workers=workers,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )


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
    platform = _platform()
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
    platform = _platform()
    try:
        made = _run(lambda: platform.users.create(email, password, is_admin=admin))
    finally:
        platform.close()
    out.print(f"Created user {made['email']}{' (admin)' if admin else ''}.")


@user.command("token")
def user_token(email: str) -> None:
    """Print a bearer token for this user (for scripts and the API)."""
    platform = _platform()
    try:
        tok = _run(lambda: platform.users.token_for_email(email))
    finally:
        platform.close()
    print(tok["access_token"])


def _set_admin(email: str, is_admin: bool) -> None:
    platform = _platform()
    try:
        made = _run(lambda: platform.users.set_admin(email, is_admin))
    finally:
        platform.close()
    out.print(f"{made['email']} is {'now' if is_admin else 'no longer'} a site admin.")


@user.command("promote")
def user_promote(email: str) -> None:
    """Make a user a site admin."""
    _set_admin(email, True)


@user.command("demote")
def user_demote(email: str) -> None:
    """Take a user's site-admin rights away (their tokens lose them at once)."""
    _set_admin(email, False)


# -- data protection (GDPR) ---------------------------------------------------------------------
account_cli = typer.Typer(help="A user's account: the export of their data.", no_args_is_help=True)
gdpr_cli = typer.Typer(help="Data protection: erasing deleted accounts.", no_args_is_help=True)
app.add_typer(account_cli, name="account")
app.add_typer(gdpr_cli, name="gdpr")


@account_cli.command("export")
def account_export(
    email: str,
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the ZIP archive")],
) -> None:
    """Write everything Dzinza keeps about a user, and the trees they own, to a ZIP archive."""
    platform = _platform()
    try:
        made = _run(lambda: platform.gdpr.export_to_file(email, out_file))
    finally:
        platform.close()
    out.print(f"Wrote {made['path']}: {made['trees']} owned tree(s), {made['changes']} change(s).")


@gdpr_cli.command("purge")
def gdpr_purge() -> None:
    """Erase the accounts whose deletion grace period has ended (run it daily)."""
    platform = _platform()
    try:
        done = _run(platform.gdpr.purge)
    finally:
        platform.close()
    for account in done:
        trees = ", ".join(f"{t['tree_id']} {t['outcome']}" for t in account["trees"]) or "no trees"
        out.print(f"Erased account {account['user_id']} ({trees}).")
    out.print(f"{len(done)} account(s) erased.")


# -- audit log ----------------------------------------------------------------------------------
audit_cli = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_cli, name="audit")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Walk the audit log's hash chain; exit 1 at the first entry that does not hold."""
    platform = _platform()
    try:
        verdict = _run(lambda: audit.verify(platform.store))
    finally:
        platform.close()
    if not verdict.intact:
        err.print(f"[red]audit log broken at entry {verdict.bad_seq}:[/red] {verdict.problem}")
        raise typer.Exit(1)
    out.print(f"Audit log intact: {verdict.entries} entries, head {verdict.head}.")


@audit_cli.command("show")
def audit_show(
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many entries, newest first")] = 20,
) -> None:
    """Print the newest entries of the audit log."""
    platform = _platform()
    try:
        page = _run(lambda: audit.AuditService(platform.store).page(SYSTEM, limit=limit))
    finally:
        platform.close()
    for e in page.items:
        target = f"{e['target_type']}:{e['target_id']}" if e["target_id"] else e["target_type"]
        print(
            f"{e['seq']:>6}  {e['created_at']}  {e['action']:<24} actor={e['actor_id'] or '-'} "
            f"tree={e['tree_id'] or '-'} {target or '-'} ip={e['ip'] or '-'}"
        )


# -- tree members -------------------------------------------------------------------------------
tree_cli = typer.Typer(help="Trees: their members.", no_args_is_help=True)
app.add_typer(tree_cli, name="tree")


@tree_cli.command("members")
def tree_members(tree_id: uuid.UUID) -> None:
    """List the owner and members of a tree."""
    platform = _platform()
    try:
        items, cursor = [], None
        while True:
            page = _run(lambda: platform.members.list(SYSTEM, tree_id, cursor=cursor, limit=500))
            items += page.items
            if not (cursor := page.next_cursor):
                break
    finally:
        platform.close()
    for m in items:
        limit = f"  branch {m['branch_steps']} around {m['person_id']}" if m["branch_steps"] else ""
        print(f"{m['role']:<12} {m['email'] or m['user_id']}{limit}")


@tree_cli.command("add-member")
def tree_add_member(
    tree_id: uuid.UUID,
    email: str,
    role: Annotated[str, typer.Argument(help="viewer, contributor, editor or manager")],
) -> None:
    """Make an existing account a member of a tree, without an invitation."""
    platform = _platform()
    try:
        made = _run(lambda: platform.members.add(SYSTEM, tree_id, email, role, ip="cli"))
    finally:
        platform.close()
    out.print(f"{made['email']} joined tree {tree_id} as {made['role']}.")


# -- GEDCOM -------------------------------------------------------------------------------------
gedcom_cli = typer.Typer(help="GEDCOM files: check one without storing it.", no_args_is_help=True)
app.add_typer(gedcom_cli, name="gedcom")


def _json(data: object) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


@gedcom_cli.command("parse")
def gedcom_parse(
    path: Annotated[Path, typer.Argument(help="The GEDCOM or GEDZIP file")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Read and check a GEDCOM file without storing it: version, character set, counts,
    warnings with line numbers."""
    try:
        report = _run(lambda: check_file(path, Settings().import_max_bytes))
    except (NotGedcom, OSError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    if as_json:
        _json(report)
        return
    out.print(
        f"GEDCOM {report['version'] or '(no version)'}, {report['encoding']}: "
        + ", ".join(f"{v} {k}" for k, v in report["counts"].items() if v)
    )
    for problem in report["warnings"][:50]:
        out.print(f"  line {problem['line']}: {problem['message']}")


@app.command("import")
def import_gedcom(
    path: Annotated[Path, typer.Argument(help="The GEDCOM file, or a GEDZIP (.gdz) archive")],
    tree: Annotated[uuid.UUID | None, typer.Option(help="Import into this existing tree")] = None,
    tree_name: Annotated[str | None, typer.Option(help="Name of the new tree")] = None,
    preview: Annotated[
        bool, typer.Option("--preview", help="Only count new, changed and unchanged records")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Import a GEDCOM file into a new tree (or an existing one), all or nothing."""
    if not path.is_file():
        err.print(f"[red]error:[/red] {path} is not a file")
        raise typer.Exit(1)
    platform = _platform()
    try:
        with Progress(console=err, transient=True, disable=as_json) as bar:
            task = bar.add_task("Importing", total=None)

            def progress(done: int, total: int | None, message: str) -> None:
                bar.update(task, completed=done, total=total, description=message.capitalize())

            report = _run(
                lambda: run_import(
                    platform,
                    path,
                    tree_id=tree,
                    tree_name=tree_name,
                    preview=preview,
                    progress=progress,
                )
            )
    finally:
        platform.close()
    if as_json:
        _json(report)
        return
    counts = ", ".join(f"{v} {k}" for k, v in report["counts"].items() if v)
    out.print(
        f"Imported into tree {report['tree_id']}: {counts} ({report['warning_count']} warnings)."
    )
    if report.get("media_files_not_stored"):
        out.print(
            f"{report['media_files_not_stored']} media files of the archive were not stored: "
            "Dzinza does not keep photos and documents yet."
        )


@app.command("export")
def export_gedcom(
    tree_id: Annotated[uuid.UUID, typer.Argument(help="The tree")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the file")],
    format: Annotated[str, typer.Option(help="gedcom7, gedcom551 or gdz")] = "gedcom7",
    living: Annotated[
        str, typer.Option(help="How hidden people are written: omit or private")
    ] = "private",
) -> None:
    """Export a tree as GEDCOM 7.0, 5.5.1 or GEDZIP (everything: the operator sees all)."""
    if format not in ("gedcom7", "gedcom551", "gdz") or living not in ("omit", "private"):
        err.print(
            "[red]error:[/red] --format is gedcom7, gedcom551 or gdz; --living is omit or private"
        )
        raise typer.Exit(2)
    platform = _platform()
    try:
        adjusted = Problems()
        counts = _run(lambda: run_export(platform, tree_id, output, format, living, adjusted))
    finally:
        platform.close()
    out.print(f"Wrote {output}: " + ", ".join(f"{v} {k}" for k, v in counts.items() if v))
    if adjusted.total:
        out.print(f"{adjusted.total} structures were adjusted to be valid in this version, e.g.:")
        for problem in adjusted.items[:5]:
            out.print(f"  {problem.message}")


SEARCH_ACTIONS = ("reindex", "status")


@app.command("search")
def search_people(
    words: Annotated[
        list[str],
        typer.Argument(
            help="Words to find (names, a birth year), or 'reindex' to rebuild the index, "
            "or 'status' for how far it is behind"
        ),
    ],
    tree: Annotated[uuid.UUID | None, typer.Option(help="Only this tree")] = None,
    limit: Annotated[int, typer.Option(help="How many results")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON")] = False,
) -> None:
    """Search people (as the operator: everyone is visible), or maintain the search index:
    `dzinza search reindex [--tree ID]`, `dzinza search status`."""
    from dzinza.services.search import SearchRequest

    platform = _platform()
    try:
        if words[0] in SEARCH_ACTIONS and len(words) == 1:
            _search_action(platform, words[0], tree, as_json)
            return
        _run(lambda: platform.search.catch_up())
        request = SearchRequest(q=" ".join(words), limit=limit)
        found = _run(lambda: platform.search.search(SYSTEM, request, tree))
    finally:
        platform.close()
    if as_json:
        _json(found)
        return
    out.print(f"{found['total']} found")
    for item in found["items"]:
        born = item["birth"]["from"] if item["birth"] else "?"
        out.print(f"  {item['id']}  {item['display_name']}  (b. {born})  {item['matched_by']}")


def _search_action(platform: Platform, action: str, tree: uuid.UUID | None, as_json: bool) -> None:
    if action == "status":
        lag = _run(platform.search.lag)
        if as_json:
            _json(lag)
        else:
            out.print(
                f"{lag['pending']} changes waiting (oldest {lag['oldest_seconds']} s), "
                f"{lag['failing']} failing"
            )
        return
    with Progress(console=err, transient=True, disable=as_json) as bar:
        task = bar.add_task("Indexing people", total=None)
        count = _run(lambda: platform.search.reindex(tree, lambda n: bar.update(task, completed=n)))
    # What was queued meanwhile is now in the index too.
    _run(lambda: platform.search.catch_up())
    if as_json:
        _json({"indexed": count, "tree_id": str(tree) if tree else None})
    else:
        out.print(f"Indexed {count} people.")


duplicates_cli = typer.Typer(help="Suspected duplicate people.", no_args_is_help=True)
app.add_typer(duplicates_cli, name="duplicates")


@duplicates_cli.command("scan")
def duplicates_scan(
    tree: Annotated[uuid.UUID, typer.Option(help="The tree to scan")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
) -> None:
    """Find suspected duplicates in a tree and refresh its review queue (pairs said not to
    match are never suggested again)."""
    platform = _platform()
    try:
        with Progress(console=err, transient=True, disable=as_json) as bar:
            task = bar.add_task("Reading people", total=None)

            def progress(done: int, total: int | None, message: str) -> None:
                bar.update(task, completed=done, total=total, description=message.capitalize())

            result = _run(lambda: platform.duplicates.scan(tree, progress=progress))
    finally:
        platform.close()
    if as_json:
        _json(result)
    else:
        out.print(
            f"{result['found']} suspected pairs among {result['people']} people "
            f"({result['compared']} pairs compared, {result['seconds']} s)."
        )


media_cli = typer.Typer(help="Stored photos and documents.", no_args_is_help=True)
app.add_typer(media_cli, name="media")


@media_cli.command("gc")
def media_gc(
    grace_hours: Annotated[
        int | None,
        typer.Option(help="Delete what no item has held for this long (default: the setting)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
) -> None:
    """Abandon direct uploads past their time and delete the files no media item holds any
    more (after the grace period that lets an undo bring an item back)."""
    platform = _platform()
    try:
        grace = timedelta(hours=grace_hours) if grace_hours is not None else None
        sweeps = [platform.gedcom.sweep_shared]
        done = _run(lambda: clean_up(platform.media, platform.uploads, grace, sweeps))
    finally:
        platform.close()
    if as_json:
        _json(done)
    else:
        out.print(
            f"{done['uploads_expired']} uploads abandoned, the files of "
            f"{done['contents_deleted']} contents deleted, {done['files_swept']} old GEDCOM "
            "uploads and exports removed."
        )


@app.command()
def doctor(
    json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON")] = False,
) -> None:
    """Check everything Dzinza needs (configuration, database, cache, search, storage, queue,
    disk, clock, backups) and say what to do about what is wrong. Exit 1 on a failure."""
    found = checkup_of_platform()
    if json:
        print(orjson.dumps(found, option=orjson.OPT_INDENT_2).decode())
    else:
        marks = {
            "ok": "[green]ok  [/green]",
            "warn": "[yellow]warn[/yellow]",
            "fail": "[red]FAIL[/red]",
        }
        for finding in found["findings"]:
            out.print(
                f"{marks[finding['status']]} {finding['check']}: {finding['detail']}",
                highlight=False,
            )
            if finding["advice"]:
                out.print(f"     -> {finding['advice']}", highlight=False)
    if not found["ok"]:
        raise typer.Exit(1)


@app.command()
def worker(
    threads: Annotated[int, typer.Option(help="Jobs run at once by this process")] = 2,
    grace: Annotated[
        float, typer.Option(help="Seconds running jobs get to hand themselves back on SIGTERM")
    ] = 30.0,
) -> None:
    """Run background jobs (imports, exports, thumbnails, scans) taken from the queue
    (DZINZA_QUEUE_URL). SIGTERM or Ctrl-C: stop taking jobs, hand the running ones back to the
    queue, and exit."""
    settings = Settings()
    if not settings.queue_url:
        err.print(
            "[red]error:[/red] DZINZA_QUEUE_URL is not set: without a queue, `dzinza serve` runs "
            "the jobs in its own threads."
        )
        raise typer.Exit(1)
    _require_schema(settings)
    logs.configure(settings.log_format, settings.log_level)
    platform = _run(bootstrap.build)
    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port, addr=settings.host)
    runner = platform.jobs.runner
    work = getattr(runner, "work", None)
    stop = getattr(runner, "stop", None)
    if work is None or stop is None:  # pragma: no cover - bootstrap gives a queue runner here
        err.print("[red]error:[/red] this job runner cannot run a worker.")
        raise typer.Exit(1)

    def on_signal(signum: int, _frame: object) -> None:
        platform.jobs.hand_back()
        stop(grace)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        resumed = _run(lambda: platform.jobs.resume_unfinished(shared=True))
        out.print(
            f"Dzinza worker: {threads} thread(s) on {getattr(runner, 'url', 'the queue')}"
            + (f"; {len(resumed)} unfinished job(s) handed to the queue again" if resumed else "")
        )
        if settings.search_indexer:  # replicas and workers share the outbox's work
            platform.search.start_indexer()
        work(threads)
    finally:
        platform.close()
    out.print("Dzinza worker stopped.")
