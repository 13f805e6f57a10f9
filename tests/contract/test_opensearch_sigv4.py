"""AWS SigV4 signing of the OpenSearch adapter (``aws_region=`` in ``DZINZA_SEARCH_URL``).

Amazon OpenSearch Service itself cannot be reached from the tests, so no AWS server ever
checks these signatures. Instead every request the client sends is checked the way the service
would check it: its Authorization header is recomputed with botocore's reference signer
(``SigV4Auth``) from the request as sent (method, path, query, the headers it names as signed,
body) at the same ``X-Amz-Date``, and the two must be identical. The requests are taken at the
connection's urllib3 pool (what would go on the wire) and, in one test, received by a local
HTTPS server with a self-signed certificate, through the adapter itself.

The AWS credential chain is confined to the test's environment variables (no shared config
files, no instance metadata), with the AWS documentation's example keys.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
import ssl
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import botocore.auth
import pytest
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from opensearchpy import OpenSearch, Urllib3AWSV4SignerAuth
from opensearchpy.connection import Urllib3HttpConnection

from dzinza import bootstrap
from dzinza.adapters.search_opensearch import OpenSearchIndex, parse_url
from dzinza.domain.errors import DzinzaError
from dzinza.settings import Settings

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//session+token=="
DOMAIN = "search-dzinza-abc123.eu-west-1.es.amazonaws.com"

AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 "
    r"Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})"
)


# -- the AWS environment ------------------------------------------------------------------------


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A credential chain that finds nothing the test did not put there: no AWS variables of
    the machine, no config or credentials files, no instance metadata (which would also take
    a second to time out)."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("BOTO_CONFIG", str(tmp_path / "no-boto-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


@pytest.fixture
def aws_keys(no_aws: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Static keys in the environment, the first link of the default chain."""
    no_aws.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    no_aws.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    return no_aws


# -- what was sent, and the reference signature ------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One request as it went out (or came in): headers by lowercase name."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def reference_authorization(sent: Sent, region: str, service: str, secret: str) -> str:
    """The Authorization header botocore's own signer gives the request as sent, at its
    X-Amz-Date, over the headers it says are signed."""
    found = AUTHORIZATION.fullmatch(sent.headers["authorization"])
    assert found, sent.headers["authorization"]
    names = found["signed"].split(";")
    # add_auth sets X-Amz-Date and the session token itself, from the clock and credentials.
    copied = {n: sent.headers[n] for n in names if n not in ("x-amz-date", "x-amz-security-token")}
    request = AWSRequest(method=sent.method, url=sent.url, data=sent.body, headers=copied)
    token = sent.headers.get("x-amz-security-token")
    when = datetime.strptime(sent.headers["x-amz-date"], "%Y%m%dT%H%M%SZ")
    with pytest.MonkeyPatch.context() as clock:
        clock.setattr(botocore.auth, "get_current_datetime", lambda remove_tzinfo=True: when)
        SigV4Auth(Credentials(ACCESS_KEY, secret, token), service, region).add_auth(request)
    return str(request.headers["Authorization"])


def check_signed(sent: Sent, *, region: str, service: str, token: str | None = None) -> None:
    """The request carries a valid SigV4 signature of these credentials, region and service."""
    found = AUTHORIZATION.fullmatch(sent.headers.get("authorization", ""))
    assert found, f"not a SigV4 Authorization header: {sent.headers.get('authorization')!r}"
    amz_date = sent.headers["x-amz-date"]
    assert (found["key"], found["date"], found["region"], found["service"]) == (
        ACCESS_KEY,
        amz_date[:8],
        region,
        service,
    )
    sent_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - sent_at) < timedelta(minutes=5)
    signed = set(found["signed"].split(";"))
    assert {"host", "x-amz-date", "x-amz-content-sha256"} <= signed
    # The body is covered too: Amazon OpenSearch Serverless insists on this header.
    assert sent.headers["x-amz-content-sha256"] == hashlib.sha256(sent.body).hexdigest()
    if token is None:
        assert "x-amz-security-token" not in sent.headers
    else:
        assert sent.headers["x-amz-security-token"] == token
        assert "x-amz-security-token" in signed
    assert sent.headers["authorization"] == reference_authorization(
        sent, region, service, SECRET_KEY
    )
    # The comparison has teeth: the wrong secret gives another signature.
    assert sent.headers["authorization"] != reference_authorization(
        sent, region, service, SECRET_KEY + "x"
    )


def capture(client: OpenSearch, monkeypatch: pytest.MonkeyPatch, answer: Any) -> list[Sent]:
    """Requests of ``client`` are recorded where urllib3 would send them, and answered with
    ``answer`` (as JSON) without a network."""
    connection = client.transport.get_connection()
    # The default connection class signs too: no need for the requests-based one.
    assert isinstance(connection, Urllib3HttpConnection)
    base = connection.host  # https://host:port
    # http.client adds Host below urllib3, without the port when it is the scheme's default.
    host = (
        connection.hostname
        if connection.port == 443
        else f"{connection.hostname}:{connection.port}"
    )
    sent: list[Sent] = []

    def urlopen(method: str, url: str, body: bytes | str | None, **kw: Any) -> Any:
        raw = body.encode() if isinstance(body, str) else body or b""
        headers = {"host": host, **{k.lower(): str(v) for k, v in kw["headers"].items()}}
        sent.append(Sent(method, base + url, headers, raw))
        return urllib3.HTTPResponse(
            body=json.dumps(answer).encode(),
            status=200,
            headers={"content-type": "application/json"},
            preload_content=True,
        )

    monkeypatch.setattr(connection.pool, "urlopen", urlopen)
    return sent


# -- the URL ------------------------------------------------------------------------------------


def test_aws_region_turns_signing_and_tls_on() -> None:
    e = parse_url(f"opensearch://{DOMAIN}/?aws_region=eu-west-1&index=people")
    assert (e.host, e.port, e.index, e.tls, e.verify, e.aws_region, e.aws_service) == (
        DOMAIN,
        443,
        "people",
        True,
        True,
        "eu-west-1",
        "es",
    )
    assert e.user is None and e.password is None
    assert e.safe_url == f"opensearch://{DOMAIN}:443/?index=people (https, SigV4 eu-west-1)"

    e = parse_url(
        "opensearch://abc.us-east-1.aoss.amazonaws.com:443/"
        "?aws_region=us-east-1&aws_service=aoss&tls=true&timeout=3"
    )
    assert (e.port, e.tls, e.aws_region, e.aws_service, e.timeout) == (
        443,
        True,
        "us-east-1",
        "aoss",
        3.0,
    )
    assert e.safe_url.endswith("(https, SigV4 aoss us-east-1)")

    # Without aws_region nothing changes: plain HTTP on 9200 by default, no signing.
    e = parse_url("opensearch://127.0.0.1:9200")
    assert (e.tls, e.aws_region) == (False, None)
    assert "SigV4" not in e.safe_url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            f"opensearch://{DOMAIN}/?aws_region=eu-west-1&tls=false",
            r"aws_region needs tls=true \(Amazon OpenSearch Service accepts HTTPS only\)",
        ),
        (
            f"opensearch://admin:secret@{DOMAIN}/?aws_region=eu-west-1",
            "give either user:password or aws_region, not both",
        ),
        (
            f"opensearch://admin@{DOMAIN}/?aws_region=eu-west-1",
            "give either user:password or aws_region, not both",
        ),
        (
            f"opensearch://{DOMAIN}/?aws_region=eu-west-1&aws_service=s3",
            r"aws_service must be es \(a managed domain\) or aoss \(Serverless\), not 's3'",
        ),
        (f"opensearch://{DOMAIN}/?aws_service=es", "aws_service needs aws_region"),
        (
            f"opensearch://{DOMAIN}/?aws_region=Ireland",
            "aws_region must be an AWS region such as eu-west-1, not 'Ireland'",
        ),
        (f"opensearch://{DOMAIN}/?aws_region=", "aws_region must be an AWS region"),
        (f"opensearch://{DOMAIN}/?aws_region=eu-west-1&tls=maybe", "tls must be true or false"),
        (f"opensearch://{DOMAIN}/?aws_profile=prod", r"unknown parameter\(s\) aws_profile"),
    ],
)
def test_refused_combinations_say_why(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_url(url)


def test_the_index_url_keeps_the_signing(aws_keys: pytest.MonkeyPatch) -> None:
    ix = OpenSearchIndex(f"opensearch://{DOMAIN}/?aws_region=eu-west-1&aws_service=aoss")
    try:
        assert "aws_region=eu-west-1" in ix.url
        assert parse_url(ix.url) == ix.endpoint
    finally:
        ix.close()


# -- credentials at start -----------------------------------------------------------------------


def test_no_credentials_is_a_clear_start_up_error(
    no_aws: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"opensearch://{DOMAIN}/?aws_region=eu-west-1"
    with pytest.raises(ValueError) as caught:
        OpenSearchIndex(url)
    message = str(caught.value)
    assert f"OpenSearch at opensearch://{DOMAIN}:443/" in message
    for what in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        assert what in message
    # What `dzinza serve` says: the setting named, no traceback of botocore's.
    db = f"sqlite:///{tmp_path / 'dzinza.db'}"
    with pytest.raises(DzinzaError, match=r"^DZINZA_SEARCH_URL: OpenSearch at .*AWS_ACCESS_KEY_ID"):
        bootstrap.build(Settings(database_url=db, data_dir=tmp_path, search_url=url))


def test_half_set_keys_are_a_clear_start_up_error(no_aws: pytest.MonkeyPatch) -> None:
    no_aws.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    with pytest.raises(ValueError, match=r"bad AWS credentials: .*missing: AWS_SECRET_ACCESS_KEY"):
        parse_url(f"opensearch://{DOMAIN}/?aws_region=eu-west-1").client()


def test_irsa_credentials_are_found_without_calling_aws(
    no_aws: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """On EKS, IRSA sets a role and a token file; the role is assumed at the first request
    (which cannot happen here), so start-up must not need AWS."""
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.example.signature")
    no_aws.setenv("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/dzinza-search")
    no_aws.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token))
    client = parse_url(f"opensearch://{DOMAIN}/?aws_region=eu-west-1").client()
    try:
        auth = client.transport.get_connection().http_auth
        assert isinstance(auth, Urllib3AWSV4SignerAuth)
        assert auth.signer.credentials.method == "assume-role-with-web-identity"
        assert (auth.signer.region, auth.signer.service) == ("eu-west-1", "es")
    finally:
        client.close()


# -- signing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "service", "token"),
    [("eu-west-1", "es", None), ("us-east-1", "aoss", SESSION_TOKEN)],
)
def test_every_request_is_signed(
    aws_keys: pytest.MonkeyPatch, region: str, service: str, token: str | None
) -> None:
    if token is not None:
        aws_keys.setenv("AWS_SESSION_TOKEN", token)
    client = parse_url(f"opensearch://{DOMAIN}/?aws_region={region}&aws_service={service}").client()
    try:
        sent = capture(client, aws_keys, {"hits": {"total": {"value": 0}, "hits": []}})
        client.search(
            index="dzinza-people",
            body={"query": {"term": {"names": "chinyoka"}}},
            size=5,
            track_total_hits=True,
        )
        client.info()
    finally:
        client.close()
    search, info = sent
    assert (search.method, search.url) == (
        "POST",
        f"https://{DOMAIN}:443/dzinza-people/_search?size=5&track_total_hits=true",
    )
    assert b"chinyoka" in search.body
    assert (info.method, info.url, info.body) == ("GET", f"https://{DOMAIN}:443/", b"")
    for request in sent:
        check_signed(request, region=region, service=service, token=token)


# -- a round trip over HTTPS --------------------------------------------------------------------


class Recorder(ThreadingHTTPServer):
    daemon_threads = True
    received: list[Sent]


class Handler(BaseHTTPRequestHandler):
    """Records each request and answers like OpenSearch would, just enough for the adapter."""

    protocol_version = "HTTP/1.1"  # keep-alive, as urllib3 expects
    server: Recorder

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        url = f"https://{headers['host']}{self.path}"
        self.server.received.append(Sent(self.command, url, headers, body))
        if self.path == "/":
            answer: dict[str, Any] = {"version": {"number": "2.19.0", "distribution": "opensearch"}}
        elif self.path.endswith("/_search"):
            answer = {"hits": {"total": {"value": 0}, "hits": []}}
        else:  # the alias exists: nothing to create
            answer = {}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the test output stays readable


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, valid today."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[Recorder]:
    server = Recorder(("127.0.0.1", 0), Handler)
    server.received = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed(tmp_path))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_the_adapter_signs_over_https(aws_keys: pytest.MonkeyPatch, https_server: Recorder) -> None:
    aws_keys.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    port = https_server.server_address[1]
    ix = OpenSearchIndex(
        f"opensearch://127.0.0.1:{port}/?aws_region=eu-west-1&verify=false&timeout=5"
        "&index=dzinza-sigv4"
    )
    try:
        ix.ping()
        assert ix.person_ids(uuid.uuid4()) == set()
    finally:
        ix.close()
    received = https_server.received
    assert [(r.method, r.url.split("?")[0]) for r in received] == [
        ("GET", f"https://127.0.0.1:{port}/"),
        ("HEAD", f"https://127.0.0.1:{port}/_alias/dzinza-sigv4"),
        ("POST", f"https://127.0.0.1:{port}/dzinza-sigv4/_search"),
    ]
    for request in received:
        check_signed(request, region="eu-west-1", service="es", token=SESSION_TOKEN)
