"""The assembled platform: every service, wired to the adapters ``bootstrap`` chose."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from dzinza.domain.errors import N_, AuthenticationRequired, DzinzaError, Forbidden, NotFound
from dzinza.ports import (
    BlobStore,
    Cache,
    Clock,
    Mailer,
    PasswordHasher,
    SearchIndex,
    TreeStore,
    VirusScanner,
)
from dzinza.services.access import no_such
from dzinza.services.cache import TreeCache
from dzinza.services.common import Actor
from dzinza.services.duplicates import DuplicateService
from dzinza.services.events import EventService
from dzinza.services.families import FamilyService
from dzinza.services.gdpr import DataProtectionService, Documents
from dzinza.services.gedcom_files import WorkFolder
from dzinza.services.gedcom_jobs import GedcomJobs
from dzinza.services.graph import GraphService
from dzinza.services.health import Check, Readiness
from dzinza.services.history import HistoryService
from dzinza.services.jobs import JobContext, JobService, RunnerFactory
from dzinza.services.kinship_path import KinshipPathService
from dzinza.services.limits import Limit, RateLimiter
from dzinza.services.media import MediaService
from dzinza.services.media_cleanup import MediaJanitor
from dzinza.services.media_store import MediaIntake, MediaSettings, NoBlobStore, NoScanner
from dzinza.services.media_uploads import DirectUploads
from dzinza.services.members import MemberService
from dzinza.services.people import PeopleService
from dzinza.services.records import RecordService
from dzinza.services.search import SearchService
from dzinza.services.statistics import StatisticsService
from dzinza.services.trees import TreeService
from dzinza.services.users import TERMS_VERSION, UserService

DEFAULT_IMPORT_MAX_BYTES = 512 * 1024 * 1024
REINDEX = "search.reindex"


@dataclass
class Platform:
    store: TreeStore
    hasher: PasswordHasher
    clock: Clock
    token_ttl: timedelta = timedelta(hours=24)
    mailer: Mailer | None = None
    """Where account mail goes; None drops it with a warning (a platform assembled in code)."""
    base_url: str = "http://127.0.0.1:8000"
    """The site's public address, for the links in emails."""
    documents: Documents = field(default_factory=lambda: Documents(TERMS_VERSION, TERMS_VERSION))
    """The versions of the terms of use and the privacy policy in force (from the settings)."""
    job_runner: RunnerFactory | None = None
    """Builds the runner of background jobs around ``jobs.execute``; None leaves jobs queued."""
    work_dir: Path | None = None
    """Where GEDCOM uploads wait for their import and exports for their download; None: a
    folder in the system's temporary directory."""
    import_max_bytes: int = DEFAULT_IMPORT_MAX_BYTES
    search_index: SearchIndex | None = None
    """Where people are searched; bootstrap always gives one (None: search answers 503)."""
    blobs: BlobStore | None = None
    """Where photos and documents are stored; bootstrap always gives one (None: storing or
    serving a file answers 503)."""
    scanner: VirusScanner | None = None
    """The antivirus engine uploads pass before they are shown; None: none (the default)."""
    media_settings: MediaSettings = field(default_factory=MediaSettings)
    cache: Cache | None = None
    api_requests_per_minute: int = 0
    """The API-wide limit per account (or per address when signed out); 0: none."""
    """Where charts and statistics are cached (memory of this process, or Redis); None: not
    cached."""
    trees: TreeService = field(init=False)
    people: PeopleService = field(init=False)
    families: FamilyService = field(init=False)
    events: EventService = field(init=False)
    graph: GraphService = field(init=False)
    kinship: KinshipPathService = field(init=False)
    statistics: StatisticsService = field(init=False)
    tree_cache: TreeCache | None = field(init=False)
    users: UserService = field(init=False)
    members: MemberService = field(init=False)
    places: RecordService = field(init=False)
    repositories: RecordService = field(init=False)
    sources: RecordService = field(init=False)
    citations: RecordService = field(init=False)
    notes: RecordService = field(init=False)
    media: MediaService = field(init=False)
    uploads: DirectUploads = field(init=False)
    janitor: MediaJanitor = field(init=False)
    readiness: Readiness = field(init=False)
    gdpr: DataProtectionService = field(init=False)
    history: HistoryService = field(init=False)
    jobs: JobService = field(init=False)
    gedcom: GedcomJobs = field(init=False)
    search: SearchService = field(init=False)
    duplicates: DuplicateService = field(init=False)

    def __post_init__(self) -> None:
        self.trees = TreeService(self.store)
        self.people = PeopleService(self.store)
        self.families = FamilyService(self.store)
        self.events = EventService(self.store)
        self.tree_cache = TreeCache(self.cache) if self.cache is not None else None
        if self.tree_cache is not None:
            self.store.on_trees_changed(self.tree_cache.trees_changed)
        self.graph = GraphService(self.store, self.tree_cache)
        self.kinship = KinshipPathService(self.store, self.tree_cache)
        self.statistics = StatisticsService(self.store, self.tree_cache)
        limits = RateLimiter(
            self.store,
            self.clock,
            self.cache,
            shared=self.cache is not None and self.cache.url != "memory",
            api_limit=Limit(self.api_requests_per_minute, 60)
            if self.api_requests_per_minute > 0
            else None,
        )
        self.users = UserService(
            self.store,
            self.hasher,
            self.clock,
            self.token_ttl,
            self.mailer,
            self.base_url,
            (self.documents.terms, self.documents.privacy),
            limits,
        )
        self.members = MemberService(
            self.store, self.clock, self.users.outbox, self.users.limits, self.base_url
        )
        self.places = RecordService(self.store, "place")
        self.repositories = RecordService(self.store, "repository")
        self.sources = RecordService(self.store, "source")
        self.citations = RecordService(self.store, "citation")
        self.notes = RecordService(self.store, "note")
        self.history = HistoryService(self.store)
        self.jobs = JobService(self.store, self.clock, self.job_runner)
        work = self.work_dir or Path(tempfile.gettempdir()) / "dzinza-work"
        blobs = self.blobs or cast(BlobStore, NoBlobStore())
        intake = MediaIntake(
            blobs, self.scanner or NoScanner(), self.clock, self.media_settings, work / "media"
        )
        self.media = MediaService(self.store, self.jobs, blobs, intake)
        self.uploads = DirectUploads(self.store, blobs, intake, self.media)
        self.gedcom = GedcomJobs(
            self.store, self.jobs, WorkFolder(work), self.import_max_bytes, self.media
        )
        self.janitor = MediaJanitor(self.media, self.uploads, [self.gedcom.sweep_shared])
        self.search = SearchService(self.store, self.search_index)
        self.jobs.register(REINDEX, self._reindex)
        self.duplicates = DuplicateService(self.store, self.jobs, self.people, self.search)
        self.readiness = Readiness(self._readiness_checks())
        self.gdpr = DataProtectionService(
            self.store,
            self.hasher,
            self.clock,
            self.users.limits,
            self.users.outbox,
            self.documents,
        )

    def _readiness_checks(self) -> dict[str, Check]:
        def database() -> None:
            with self.store.read() as tx:
                tx.get("tree", uuid.UUID(int=0))

        checks: dict[str, Check] = {"database": database}
        if self.cache is not None:
            checks["cache"] = self.cache.ping
        if self.search_index is not None:
            checks["search"] = self.search_index.ping
        if self.blobs is not None:
            blobs = self.blobs
            checks["storage"] = lambda: blobs.exists("readyz")
        queue_ping = getattr(self.jobs.runner, "ping", None)
        if queue_ping is not None:
            checks["queue"] = queue_ping
        return checks

    def start_reindex(self, actor: Actor, tree_id: uuid.UUID | None) -> dict[str, Any]:
        """For site admins: rebuild the search index (one tree, or all) as a background job."""
        if actor.anonymous:
            raise AuthenticationRequired(N_("Sign in as a site admin."))
        if not actor.is_admin:
            raise Forbidden(N_("Only site admins may rebuild the search index."))
        if tree_id is not None:
            with self.store.read() as tx:
                if tx.get("tree", tree_id) is None:
                    raise NotFound(no_such("tree", tree_id))
        params = {"tree_id": str(tree_id) if tree_id else None}
        return self.jobs.submit(REINDEX, params, user_id=actor.user_id, tree_id=tree_id)

    def _reindex(self, ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        tree = uuid.UUID(params["tree_id"]) if params.get("tree_id") else None
        indexed = self.search.reindex(tree, progress=lambda done: ctx.progress(done, None))
        return {"indexed": indexed, "tree_id": params.get("tree_id")}

    def status(self, actor: Actor) -> dict[str, Any]:
        """For site admins: the cache's hits and misses and the job queue's depth."""
        if actor.anonymous:
            raise AuthenticationRequired(N_("Sign in as a site admin."))
        if not actor.is_admin:
            raise Forbidden(N_("Only site admins may see the platform's status."))
        out: dict[str, Any] = {}
        if self.cache is not None and self.tree_cache is not None:
            out["cache"] = {"url": self.cache.url, **self.tree_cache.stats.view()}
        runner = self.jobs.runner
        pending = getattr(runner, "pending", None)
        dead = getattr(runner, "dead_letters", None)
        queue: dict[str, Any] = {"url": getattr(runner, "url", "in-process")}
        try:
            if pending is not None:
                queue["pending"] = pending()
            if dead is not None:
                queue["dead_letters"] = [str(job) for job in dead(100)]
        except DzinzaError as exc:
            queue["error"] = exc.detail
        out["queue"] = queue
        return out

    def close(self) -> None:
        self.readiness.close()
        self.janitor.stop()
        self.search.close()
        self.jobs.close()
        self.users.outbox.close()
        self.store.dispose()
