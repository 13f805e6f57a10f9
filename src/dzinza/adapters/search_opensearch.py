"""The search index on OpenSearch (Amazon OpenSearch Service at scale): ``OpenSearchIndex``.

One document per person, id = person id, in a concrete index ``<alias>-<UTC timestamp>`` that the
alias (``dzinza-people`` by default) points at; the mapping lives here (``MAPPING``). A full
rebuild fills a fresh concrete index, which a second alias ``<alias>-next`` names meanwhile, so
that every process writes to both, and then moves the alias to it in one atomic step.

Every query carries the privacy rule of ``adapters/sql/privacy.py`` (``hidden``) as a bool
filter built from the privacy inputs stored with each document, so totals, facets and
suggestions never count a hidden person. Matching and scoring follow ``SearchIndex``: per query
word, the strongest match kind (``dis_max`` over ``constant_score`` clauses), summed over words.

Only mainstream OpenSearch features are used (keyword and text fields, bool/terms/range/prefix/
wildcard queries, terms aggregations, aliases, bulk, delete_by_query, search_after) so the
adapter runs unchanged on Amazon OpenSearch Service and on osmem-server, the in-memory
OpenSearch-compatible server of the tests.

URL: ``opensearch://[user:password@]host:port[/?index=NAME&tls=true&verify=false&timeout=10]``.
With ``aws_region=REGION`` (and ``aws_service=es``, the default, or ``aoss`` for Serverless) every
request is signed with AWS SigV4 using the default credential chain (``AWS_*`` variables, the
web identity token of IRSA, an instance or task role) instead of a user and password; TLS is
then required and on by default.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from opensearchpy import OpenSearch, Transport, Urllib3AWSV4SignerAuth
from opensearchpy import exceptions as oserr

from dzinza import tracing
from dzinza.ports import (
    MATCH_KINDS,
    MATCH_WEIGHTS,
    QueryWord,
    SearchDoc,
    SearchHit,
    SearchQuery,
    SearchResult,
    TreeScope,
    ViewerLevel,
)

if TYPE_CHECKING:
    from botocore.credentials import Credentials

DEFAULT_INDEX = "dzinza-people"
DEFAULT_TIMEOUT = 10.0

WEIGHTS = MATCH_WEIGHTS

TOKEN_FIELDS = ("exact", "variant", "phonetic", "fuzzy", "filters", "names")
"""``SearchDoc`` fields of space-separated tokens, stored as keyword arrays."""

FACET_SIZE = 10
BULK_CHUNK = 500
"""Documents per bulk request: bounds the request size whatever the caller hands over."""
PAGE = 1000
"""Ids per request when listing a tree's people."""

_KEYWORD = {"type": "keyword"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_STORED = {"type": "keyword", "index": False, "doc_values": False}
"""Returned with hits, never searched, sorted or aggregated."""

MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "person_id": _KEYWORD,
        "tree_id": _KEYWORD,
        "display_name": _STORED,
        "name_key": _KEYWORD,
        "sex": _KEYWORD,
        "names": _KEYWORD,
        "exact": _KEYWORD,
        "variant": _KEYWORD,
        "phonetic": _KEYWORD,
        "fuzzy": _KEYWORD,
        "filters": _KEYWORD,
        # The words are already folded ASCII: split on spaces and lowercase, nothing more, so
        # that a text word matches here exactly when it matches in the SQL index.
        "text": {"type": "text", "analyzer": "dzinza_words"},
        "surname": _KEYWORD,
        "region": _KEYWORD,
        "birth_from": _INT,
        "birth_to": _INT,
        "death_from": _INT,
        "death_to": _INT,
        "century": _INT,
        "living": _BOOL,
        "private": _BOOL,
        "restriction": _KEYWORD,
        "has_death": _BOOL,
        "evidence_day": _INT,
    },
}

SETTINGS: dict[str, Any] = {
    # One primary shard: terms aggregations (facets, suggestions) are exact only when a single
    # shard counts them, and one shard holds tens of millions of these small documents.
    "number_of_shards": 1,
    "analysis": {
        "analyzer": {
            "dzinza_words": {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]}
        }
    },
}

_HIT_FIELDS = [
    "person_id",
    "tree_id",
    "display_name",
    "names",
    "text",
    "birth_from",
    "birth_to",
    "death_from",
    "death_to",
    "sex",
]

_UNAVAILABLE = {429, 502, 503, 504}
"""HTTP statuses of an overloaded or unreachable cluster: worth a retry, like a lost connection."""

_INDEX_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_AWS_REGION = re.compile(r"[a-z]{2,}(-[a-z]+)+-[0-9]+")
AWS_SERVICES = ("es", "aoss")
"""SigV4 service names: a managed domain (``es``) or a Serverless collection (``aoss``)."""
_OPTIONS = {"index", "tls", "verify", "timeout", "aws_region", "aws_service"}


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """What an ``opensearch://`` URL says."""

    host: str
    port: int
    index: str = DEFAULT_INDEX
    user: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    tls: bool = False
    verify: bool = True
    timeout: float = DEFAULT_TIMEOUT
    aws_region: str | None = None
    """Set: requests are signed with SigV4 for this region, not sent with a user and password."""
    aws_service: str = "es"

    @property
    def safe_url(self) -> str:
        """The URL without the password, for messages."""
        user = f"{self.user}@" if self.user else ""
        how = "https" if self.tls else "http"
        if self.aws_region:
            service = "" if self.aws_service == "es" else f"{self.aws_service} "
            how += f", SigV4 {service}{self.aws_region}"
        return f"opensearch://{user}{self.host}:{self.port}/?index={self.index} ({how})"

    def client(self) -> OpenSearch:
        """The client; with ``aws_region``, ValueError when no AWS credentials are found."""
        auth: Urllib3AWSV4SignerAuth | tuple[str, str] | None = None
        if self.aws_region:
            # The signer asks the credentials for a frozen copy on every request, so rotating
            # credentials (IRSA's web identity, an instance role) are refreshed as they expire.
            auth = Urllib3AWSV4SignerAuth(
                self._aws_credentials(), self.aws_region, self.aws_service
            )
        elif self.user:
            auth = (self.user, self.password or "")
        return OpenSearch(
            hosts=[{"host": self.host, "port": self.port}],
            transport_class=TracedTransport,
            http_auth=auth,
            use_ssl=self.tls,
            verify_certs=self.verify,
            ssl_show_warn=self.verify,
            timeout=self.timeout,
        )

    def _aws_credentials(self) -> Credentials:
        """The default boto3 chain's credentials. No AWS API is called here: an IRSA role is
        assumed at the first request, and refreshed by botocore from then on."""
        # Imported here: boto3 takes a while to load, and a cluster with a password never needs it.
        import boto3
        from botocore.exceptions import BotoCoreError

        try:
            credentials = boto3.session.Session().get_credentials()
        except BotoCoreError as e:  # a named profile missing, a half-set key pair...
            raise ValueError(f"OpenSearch at {self.safe_url}: bad AWS credentials: {e}") from None
        if credentials is None:
            raise ValueError(
                f"OpenSearch at {self.safe_url} signs requests with AWS credentials (aws_region), "
                "and none were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
                "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE (IRSA, set by EKS), or AWS_PROFILE, "
                "or run with an instance or task role"
            )
        return credentials


def _flag(value: str, name: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"opensearch URL: {name} must be true or false, not {value!r}")


def parse_url(url: str) -> Endpoint:
    parts = urlsplit(url)
    if parts.scheme != "opensearch":
        raise ValueError("an OpenSearch URL starts with opensearch://")
    if not parts.hostname:
        raise ValueError("opensearch URL: no host")
    if parts.path not in ("", "/"):
        raise ValueError("opensearch URL: name the index with ?index=NAME, not a path")
    params = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    unknown = set(params) - _OPTIONS
    if unknown:
        raise ValueError(f"opensearch URL: unknown parameter(s) {', '.join(sorted(unknown))}")
    one = {k: v[-1] for k, v in params.items()}
    aws_region = one.get("aws_region")
    aws_service = one.get("aws_service", "es")
    if aws_region is not None and not _AWS_REGION.fullmatch(aws_region):
        raise ValueError(
            f"opensearch URL: aws_region must be an AWS region such as eu-west-1, not {aws_region!r}"
        )
    if aws_service not in AWS_SERVICES:
        raise ValueError(
            "opensearch URL: aws_service must be es (a managed domain) or aoss (Serverless), "
            f"not {aws_service!r}"
        )
    if "aws_service" in one and aws_region is None:
        raise ValueError("opensearch URL: aws_service needs aws_region")
    if aws_region is not None and parts.username is not None:
        raise ValueError(
            "opensearch URL: give either user:password or aws_region, not both "
            "(aws_region signs requests with AWS credentials instead)"
        )
    # Amazon OpenSearch Service answers HTTPS only, so signing implies TLS unless told otherwise.
    tls = _flag(one["tls"], "tls") if "tls" in one else aws_region is not None
    if aws_region is not None and not tls:
        raise ValueError(
            "opensearch URL: aws_region needs tls=true (Amazon OpenSearch Service accepts HTTPS only)"
        )
    index = one.get("index", DEFAULT_INDEX)
    if not _INDEX_NAME.fullmatch(index):
        raise ValueError(f"opensearch URL: {index!r} is not a valid index name (a-z, 0-9, _ . -)")
    try:
        timeout = float(one.get("timeout", DEFAULT_TIMEOUT))
    except ValueError:
        raise ValueError("opensearch URL: timeout must be a number of seconds") from None
    if timeout <= 0:
        raise ValueError("opensearch URL: timeout must be positive")
    return Endpoint(
        host=parts.hostname,
        # Amazon OpenSearch Service listens on 443; a self-run cluster on 9200.
        port=parts.port or (443 if tls else 9200),
        index=index,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        tls=tls,
        verify=_flag(one["verify"], "verify") if "verify" in one else True,
        timeout=timeout,
        aws_region=aws_region,
        aws_service=aws_service,
    )


# -- the query ----------------------------------------------------------------------------------


def _any(*clauses: dict[str, Any]) -> dict[str, Any]:
    return {"bool": {"should": list(clauses), "minimum_should_match": 1}}


def _missing(name: str) -> dict[str, Any]:
    return {"bool": {"must_not": [{"exists": {"field": name}}]}}


def _living(cutoff: int) -> dict[str, Any]:
    """``coalesce(living, not has_death and (evidence_day is null or evidence_day >= cutoff))``:
    an unset ``living`` is simply absent from the document."""
    presumed = {
        "bool": {
            "must_not": [{"exists": {"field": "living"}}, {"term": {"has_death": True}}],
            "filter": [
                _any(_missing("evidence_day"), {"range": {"evidence_day": {"gte": cutoff}}})
            ],
        }
    }
    return _any({"term": {"living": True}}, presumed)


def _guest_hidden(cutoff: int) -> dict[str, Any]:
    return _any(
        {"term": {"private": True}},
        {"terms": {"restriction": ["confidential", "privacy"]}},
        _living(cutoff),
    )


_CONFIDENTIAL = {"term": {"restriction": "confidential"}}


def _hidden(scope: TreeScope) -> dict[str, Any] | None:
    """Where the reader may not see a person of this tree; None for nobody hidden."""
    viewer = scope.viewer
    if viewer.level is ViewerLevel.FULL:
        return None
    if viewer.level is ViewerLevel.GUEST:
        return _guest_hidden(viewer.living_cutoff)
    if viewer.branch_root is None:
        return _CONFIDENTIAL
    outside: dict[str, Any] = _guest_hidden(viewer.living_cutoff)
    if scope.branch_ids:
        outside = {
            "bool": {
                "filter": [outside],
                "must_not": [{"terms": {"person_id": sorted(map(str, scope.branch_ids))}}],
            }
        }
    return _any(_CONFIDENTIAL, outside)


def visible(scopes: Sequence[TreeScope]) -> dict[str, Any]:
    """The people of the scopes' trees whom each tree's reader may see."""
    per_tree = []
    for scope in scopes:
        tree = {"term": {"tree_id": str(scope.tree_id)}}
        hidden = _hidden(scope)
        per_tree.append(
            tree if hidden is None else {"bool": {"filter": [tree], "must_not": [hidden]}}
        )
    return _any(*per_tree)


def _prefix(prefix: str) -> dict[str, Any]:
    """A name word (the plain folded words of ``names``) starting with ``prefix``."""
    return {"prefix": {"names": prefix}}


def word_clause(word: QueryWord) -> dict[str, Any]:
    """Matches a document when any kind matches; scores the strongest kind's weight."""
    clauses = [
        {"constant_score": {"filter": {"terms": {kind: list(tokens)}}, "boost": WEIGHTS[kind]}}
        for kind in MATCH_KINDS
        if (tokens := word.tokens.get(kind, ()))
    ]
    if word.prefix:
        clauses.append(
            {"constant_score": {"filter": _prefix(word.prefix), "boost": WEIGHTS["exact"]}}
        )
    if not clauses:
        return {"match_none": {}}
    return {"dis_max": {"queries": clauses}}


def _overlap(low_field: str, high_field: str, low: int | None, high: int | None) -> list[Any]:
    """Ranges that overlap [low, high]; a missing bound compares false, as NULL does in SQL, so a
    person without the event never matches."""
    clauses: list[Any] = []
    if low is not None:
        clauses.append({"range": {high_field: {"gte": low}}})
    if high is not None:
        clauses.append({"range": {low_field: {"lte": high}}})
    return clauses


def query_body(query: SearchQuery, scopes: Sequence[TreeScope]) -> dict[str, Any]:
    """The ``query`` of a search: every condition of ``query`` and the privacy rule."""
    filters: list[Any] = [visible(scopes)]
    text = " ".join(w for w in query.text if w.strip())
    if text:
        filters.append({"match": {"text": {"query": text, "operator": "and"}}})
    if query.sex is not None:
        filters.append({"term": {"sex": query.sex}})
    filters += _overlap("birth_from", "birth_to", query.born_from, query.born_to)
    filters += _overlap("death_from", "death_to", query.died_from, query.died_to)
    filters += [{"term": {"filters": token}} for token in query.filters]
    if not query.words:
        # A bool query of filters alone scores 0; without words every match scores 1.
        return {"constant_score": {"filter": {"bool": {"filter": filters}}, "boost": 1.0}}
    return {"bool": {"must": [word_clause(w) for w in query.words], "filter": filters}}


def _terms(name: str, *, exclude_blank: bool) -> dict[str, Any]:
    terms: dict[str, Any] = {
        "field": name,
        "size": FACET_SIZE,
        "order": [{"_count": "desc"}, {"_key": "asc"}],
    }
    if exclude_blank:
        terms["exclude"] = [""]
    return {"terms": terms}


FACETS: dict[str, Any] = {
    "surname": _terms("surname", exclude_blank=True),
    "century": _terms("century", exclude_blank=False),
    "region": _terms("region", exclude_blank=True),
}


def _regex_literal(text: str) -> str:
    """``text`` as a Lucene regular expression that matches only itself."""
    return "".join(c if c.isascii() and c.isalnum() else "\\" + c for c in text)


def _body(doc: SearchDoc) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(doc):
        value = getattr(doc, f.name)
        if f.name in TOKEN_FIELDS:
            value = value.split()
        elif isinstance(value, uuid.UUID):
            value = str(value)
        out[f.name] = value
    return out


def _hit(raw: dict[str, Any]) -> SearchHit:
    src = raw["_source"]
    score = raw.get("_score")
    if score is None:  # sorted by _score, so the sort values carry it
        score = raw["sort"][0]
    return SearchHit(
        person_id=uuid.UUID(src["person_id"]),
        tree_id=uuid.UUID(src["tree_id"]),
        score=float(score),
        display_name=src["display_name"],
        names=" ".join(src.get("names") or ()),
        text=src.get("text") or "",
        birth_from=src.get("birth_from"),
        birth_to=src.get("birth_to"),
        death_from=src.get("death_from"),
        death_to=src.get("death_to"),
        sex=src["sex"],
    )


def _buckets(aggs: dict[str, Any], name: str) -> list[tuple[str | int, int]]:
    out: list[tuple[str | int, int]] = []
    for b in aggs[name]["buckets"]:
        key = b["key"]
        # Numeric terms come back as JSON numbers, possibly floats (1800.0) on some servers.
        out.append((int(key) if isinstance(key, int | float) else str(key), int(b["doc_count"])))
    return out


class TracedTransport(Transport):
    """opensearch-py's transport with a span around each request (retries included), named by
    the operation (``_search``, ``_bulk``...), never carrying the body."""

    def perform_request(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        timeout: int | float | None = None,
        ignore: Collection[int] = (),
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        parts = [p for p in url.split("/") if p]
        operation = next((p for p in parts if p.startswith("_")), method.lower())
        with tracing.client_span(
            f"opensearch {operation}",
            "opensearch",
            **{"http.request.method": method, "url.path": url, "db.operation.name": operation},
        ):
            return super().perform_request(method, url, params, body, timeout, ignore, headers)


# -- the adapter --------------------------------------------------------------------------------


class OpenSearchIndex:
    """``SearchIndex`` on OpenSearch. Safe to share between threads (opensearch-py's client is)."""

    def __init__(self, url: str) -> None:
        self.endpoint = parse_url(url)
        self.alias = self.endpoint.index
        self.next_alias = f"{self.alias}-next"
        self._client = self.endpoint.client()
        self._ready = False
        self._rebuild: str | None = None

    def ping(self) -> None:
        with self._calls():
            self._client.info(request_timeout=2)

    # -- plumbing -------------------------------------------------------------------------------
    @contextmanager
    def _calls(self) -> Iterator[None]:
        """Connection failures and timeouts, and answers that the cluster is overloaded or
        unavailable, become the built-in ``ConnectionError`` that callers retry on; any other
        refusal (a bad request) is a bug and propagates as opensearch-py raised it."""
        try:
            yield
        except oserr.ConnectionError as e:
            raise ConnectionError(f"OpenSearch at {self.endpoint.safe_url} unreachable: {e}") from e
        except oserr.TransportError as e:
            if e.status_code in _UNAVAILABLE:
                raise ConnectionError(
                    f"OpenSearch at {self.endpoint.safe_url} unavailable ({e.status_code}): {e}"
                ) from e
            raise

    def _new_index(self) -> str:
        """A fresh concrete index with the mapping, not yet named by any alias."""
        for _ in range(5):
            name = f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
            try:
                self._client.indices.create(
                    index=name, body={"settings": SETTINGS, "mappings": MAPPING}
                )
            except oserr.RequestError as e:
                if e.error == "resource_already_exists_exception":
                    continue  # another process, the same microsecond
                raise
            return name
        raise RuntimeError(f"could not create a new index for {self.alias}")

    def _indexes_of(self, alias: str) -> list[str]:
        try:
            found = self._client.indices.get_alias(name=alias)
        except oserr.NotFoundError:
            return []
        return sorted(found)

    def _ensure(self) -> None:
        """On first use: the alias and its concrete index, made if missing."""
        if self._ready:
            return
        if not self._client.indices.exists_alias(name=self.alias):
            name = self._new_index()
            self._client.indices.update_aliases(
                body={"actions": [{"add": {"index": name, "alias": self.alias}}]}
            )
            self._settle()
        self._ready = True

    def _settle(self) -> None:
        """Two processes that found no alias at the same time each made an index and pointed
        the alias at it. Both keep the index the cluster created first (its creation_date, one
        clock for all) and drop the others, so they agree, whichever runs this last."""
        names = self._indexes_of(self.alias)
        if len(names) < 2:
            return
        settings = self._client.indices.get_settings(
            index=",".join(names), name="index.creation_date"
        )
        created = {n: int(settings[n]["settings"]["index"]["creation_date"]) for n in names}
        keep = min(names, key=lambda n: (created[n], n))
        drop = [n for n in names if n != keep]
        with suppress(oserr.NotFoundError):  # the other process removed them first
            self._client.indices.update_aliases(
                body={"actions": [{"remove": {"index": n, "alias": self.alias}} for n in drop]}
            )
        for n in drop:
            self._delete_index(n)

    def _delete_index(self, name: str) -> None:
        with suppress(oserr.NotFoundError):
            self._client.indices.delete(index=name)

    def _targets(self) -> list[str]:
        """Where writes go: the live index (by its alias) and, during a rebuild, the new index.
        The rebuild's index is found through its alias on every write (not remembered here) so
        that the writes of every process reach it, not only those of the rebuilding one."""
        return [self.alias, *self._indexes_of(self.next_alias)]

    def _bulk(self, actions: list[dict[str, Any]], target: str) -> None:
        if not actions:
            return
        # Writes to the live index refresh before returning, so the next search sees them
        # (correctness over indexing speed). The rebuild's index is refreshed once, at the end.
        refresh = target == self.alias
        response = self._client.bulk(body=actions, refresh=refresh)
        if not response.get("errors"):
            return
        for item in response["items"]:
            ((op, result),) = item.items()
            status = int(result.get("status", 200))
            if status < 300 or (op == "delete" and status == 404):
                continue
            reason = result.get("error")
            if status in _UNAVAILABLE:
                raise ConnectionError(
                    f"OpenSearch at {self.endpoint.safe_url} rejected a write ({status}): {reason}"
                )
            raise RuntimeError(f"OpenSearch refused to {op} {result.get('_id')}: {reason}")

    def _refresh(self, names: Sequence[str]) -> None:
        self._client.indices.refresh(index=",".join(names))

    # -- SearchIndex ----------------------------------------------------------------------------
    def put(self, docs: Sequence[SearchDoc]) -> None:
        with self._calls():
            self._ensure()
            targets = self._targets()
            for start in range(0, len(docs), BULK_CHUNK):
                chunk = docs[start : start + BULK_CHUNK]
                for target in reversed(targets):  # the rebuild's first, the live index last
                    actions: list[dict[str, Any]] = []
                    for doc in chunk:
                        actions.append({"index": {"_index": target, "_id": str(doc.person_id)}})
                        actions.append(_body(doc))
                    self._bulk(actions, target)

    def remove(self, person_ids: Sequence[uuid.UUID]) -> None:
        with self._calls():
            self._ensure()
            targets = self._targets()
            ids = [str(p) for p in person_ids]
            for start in range(0, len(ids), BULK_CHUNK):
                for target in reversed(targets):
                    actions = [
                        {"delete": {"_index": target, "_id": i}}
                        for i in ids[start : start + BULK_CHUNK]
                    ]
                    self._bulk(actions, target)

    def remove_tree(self, tree_id: uuid.UUID) -> None:
        with self._calls():
            self._ensure()
            targets = self._targets()
            # delete_by_query finds only what a refresh has made searchable: refresh first, or
            # the rebuild's unrefreshed documents of the tree would survive.
            self._refresh(targets)
            for target in targets:
                self._client.delete_by_query(
                    index=target,
                    body={"query": {"term": {"tree_id": str(tree_id)}}},
                    refresh=True,
                    conflicts="proceed",
                )

    def search(self, query: SearchQuery, scopes: Sequence[TreeScope]) -> SearchResult:
        if not scopes:
            return SearchResult(total=0, hits=[], facets={})
        body: dict[str, Any] = {
            "query": query_body(query, scopes),
            "sort": [
                {"_score": {"order": "desc"}},
                {"name_key": {"order": "asc"}},
                {"person_id": {"order": "asc"}},
            ],
            "from": max(query.offset, 0),
            "size": max(query.limit, 0),
            "track_total_hits": True,
            "_source": _HIT_FIELDS,
        }
        if query.facets:
            body["aggs"] = FACETS
        with self._calls():
            self._ensure()
            response = self._client.search(index=self.alias, body=body)
        facets: dict[str, list[tuple[str | int, int]]] = {}
        if query.facets:
            aggs = response["aggregations"]
            facets = {name: _buckets(aggs, name) for name in FACETS}
        return SearchResult(
            total=int(response["hits"]["total"]["value"]),
            hits=[_hit(h) for h in response["hits"]["hits"]],
            facets=facets,
        )

    def suggest(
        self, word: QueryWord, scopes: Sequence[TreeScope], limit: int
    ) -> list[tuple[str, int]]:
        """Most common first, then alphabetical. ``word.prefix`` is a folded name-word prefix
        (``word.word`` when it has none)."""
        prefix = word.prefix if word.prefix is not None else word.word
        if limit <= 0 or not scopes:
            return []
        filters: list[Any] = [visible(scopes)]
        if prefix:
            filters.append({"prefix": {"names": prefix}})
        # A terms aggregation over the visible bearers counts each person once per name word,
        # exactly (one shard); the include pattern keeps only the words with the prefix, where
        # the query alone would also count the bearers' other name words.
        body = {
            "size": 0,
            "track_total_hits": False,
            "query": {"bool": {"filter": filters}},
            "aggs": {
                "words": {
                    "terms": {
                        "field": "names",
                        "include": _regex_literal(prefix) + ".*",
                        "size": limit,
                        "order": [{"_count": "desc"}, {"_key": "asc"}],
                    }
                }
            },
        }
        with self._calls():
            self._ensure()
            response = self._client.search(index=self.alias, body=body)
        return [
            (str(b["key"]), int(b["doc_count"]))
            for b in response["aggregations"]["words"]["buckets"]
        ]

    def person_ids(self, tree_id: uuid.UUID) -> set[uuid.UUID]:
        found: set[uuid.UUID] = set()
        body: dict[str, Any] = {
            "query": {"term": {"tree_id": str(tree_id)}},
            "sort": [{"person_id": {"order": "asc"}}],
            "size": PAGE,
            "_source": False,
            "track_total_hits": False,
        }
        with self._calls():
            self._ensure()
            while True:
                hits = self._client.search(index=self.alias, body=body)["hits"]["hits"]
                found.update(uuid.UUID(h["_id"]) for h in hits)
                if len(hits) < PAGE:
                    return found
                body["search_after"] = hits[-1]["sort"]

    def documents(
        self, tree_id: uuid.UUID, after: uuid.UUID | None, limit: int
    ) -> list[SearchDoc] | None:
        """None: reading the documents back would cost as much as building them."""
        return None

    def begin_rebuild(self) -> None:
        """A rebuild by another process still under way is abandoned (its index dropped): the
        latest rebuild wins, and the other one's ``end_rebuild`` fails."""
        with self._calls():
            self._ensure()
            stale = self._indexes_of(self.next_alias)
            name = self._new_index()
            actions: list[dict[str, Any]] = [
                {"remove": {"index": s, "alias": self.next_alias}} for s in stale
            ]
            actions.append({"add": {"index": name, "alias": self.next_alias}})
            self._client.indices.update_aliases(body={"actions": actions})
            for s in stale:
                self._delete_index(s)
            self._rebuild = name

    def end_rebuild(self, ok: bool) -> None:
        name, self._rebuild = self._rebuild, None
        if name is None:
            if ok:
                raise RuntimeError("end_rebuild without begin_rebuild")
            return  # begin_rebuild itself failed: nothing to undo
        with self._calls():
            if not ok:
                self._delete_index(name)  # its aliases go with it
                return
            self._refresh([name])
            live = self._indexes_of(self.alias)
            # One request: readers see the old index or the new one, never neither or both.
            actions: list[dict[str, Any]] = [
                {"remove": {"index": old, "alias": self.alias}} for old in live
            ]
            actions.append({"remove": {"index": name, "alias": self.next_alias}})
            actions.append({"add": {"index": name, "alias": self.alias}})
            self._client.indices.update_aliases(body={"actions": actions})
            for old in live:
                if old != name:
                    self._delete_index(old)

    @property
    def url(self) -> str:
        """Where this index is, as a DZINZA_SEARCH_URL without the password."""
        e = self.endpoint
        user = f"{e.user}@" if e.user else ""
        url = f"opensearch://{user}{e.host}:{e.port}/?index={e.index}&tls={str(e.tls).lower()}"
        if e.aws_region:
            url += f"&aws_region={e.aws_region}&aws_service={e.aws_service}"
        return url

    def drop(self) -> None:
        """Deletes every index behind this alias (tests and decommissioning)."""
        with self._calls():
            for name in self._indexes_of(self.alias) + self._indexes_of(self.next_alias):
                self._delete_index(name)
        self._ready = False

    def close(self) -> None:
        self._client.close()
