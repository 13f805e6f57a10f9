"""The mailers: .eml files for the embedded default, and SMTP against a real SMTP server (aiosmtpd)
on 127.0.0.1, in plain text with a login, with STARTTLS and with TLS from the start; the outbox
that hands messages to them in the background; and how bootstrap chooses one."""

from __future__ import annotations

import email
import email.policy
import io
import shutil
import smtplib
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from dzinza import bootstrap
from dzinza.adapters.mail.files import FileMailer
from dzinza.adapters.mail.smtp import SmtpMailer, parse_smtp_url
from dzinza.domain.errors import DzinzaError
from dzinza.services.mail import Outbox
from dzinza.settings import Settings

SENDER = "Dzinza <dzinza@example.org>"
TEXT = "Open this link: https://dzinza.test/verify-email?token=abc\nTatenda, ndatenda.\n"


def parsed(raw: bytes) -> EmailMessage:
    # SMTP carries lines ending in CRLF; the files keep them as Python wrote them.
    message = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_the_file_mailer_writes_one_eml_per_message_and_says_so(tmp_path: Path) -> None:
    console = io.StringIO()
    mailer = FileMailer(tmp_path / "mail", SENDER, console=console)
    mailer.send("rudo@example.org", "Confirm your email address", TEXT)
    mailer.send("chipo@example.org", "Reset your password", "another")
    files = sorted((tmp_path / "mail").iterdir())
    assert len(files) == 2 and all(f.suffix == ".eml" for f in files)
    first = parsed(files[0].read_bytes())
    assert first["To"] == "rudo@example.org" and first["From"] == SENDER
    assert first["Subject"] == "Confirm your email address" and first["Message-ID"]
    assert first.get_content() == TEXT
    lines = console.getvalue().splitlines()
    assert len(lines) == 2 and "rudo@example.org" in lines[0] and str(files[0]) in lines[0]
    with pytest.raises(ValueError):
        mailer.send("x@example.org\nBcc: y@example.org", "subject", "text")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, False, False, None, None)),
        (
            "smtp://u:p@mail.example.org?starttls=1",
            ("mail.example.org", 587, False, True, "u", "p"),
        ),
        ("smtp://a%40b:p%2Fq@h:2525?starttls=true", ("h", 2525, False, True, "a@b", "p/q")),
        ("smtps://u:p@h", ("h", 465, True, False, "u", "p")),
    ],
)
def test_smtp_urls_are_read(url: str, expected: tuple[Any, ...]) -> None:
    t = parse_smtp_url(url)
    assert (t.host, t.port, t.implicit_tls, t.starttls, t.username, t.password) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://h", "scheme"),
        ("smtp://", "no host"),
        ("smtp://h?tls=1", "unknown option"),
        ("smtp://h?starttls=maybe", "starttls must be"),
        ("smtps://h?starttls=1", "TLS already"),
        ("smtp://h:99999", "port"),
    ],
)
def test_bad_smtp_urls_say_what_is_wrong(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_smtp_url(url)


# -- a real SMTP server ---------------------------------------------------------------------------
@dataclass
class Received:
    messages: list[tuple[str, list[str], bytes, bool]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        tls = session.ssl is not None
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content, tls))
        return "250 OK"


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"mailer", b"s3cr/t")
    # handled=False: the server itself answers 535 to a wrong password.
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def tls_contexts(cert: Path, key: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(the server's context, a client context that trusts the test certificate)."""
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


@pytest.fixture
def smtp_server() -> Iterator[tuple[Received, int]]:
    """Plain SMTP with a login (allowed without TLS here, as on a trusted local relay)."""
    received, port = Received(), free_port()
    controller = Controller(
        received,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    yield received, port
    controller.stop()


def test_the_smtp_mailer_logs_in_and_delivers(smtp_server: tuple[Received, int]) -> None:
    received, port = smtp_server
    mailer = SmtpMailer(f"smtp://mailer:s3cr%2Ft@127.0.0.1:{port}", SENDER)
    mailer.send("rudo@example.org", "Reset your Dzinza password", TEXT)
    [(sender, recipients, raw, tls)] = received.messages
    assert sender == "dzinza@example.org" and recipients == ["rudo@example.org"] and not tls
    message = parsed(raw)
    assert message["Subject"] == "Reset your Dzinza password"
    assert message.get_content() == TEXT
    # A wrong password is an error for the caller (the outbox logs it).
    with pytest.raises(smtplib.SMTPAuthenticationError):
        SmtpMailer(f"smtp://mailer:wrong@127.0.0.1:{port}", SENDER).send("a@b.org", "s", "t")
    assert len(received.messages) == 1


def test_the_smtp_mailer_uses_starttls_when_asked(certificate: tuple[Path, Path]) -> None:
    server_tls, client_tls = tls_contexts(*certificate)
    received, port = Received(), free_port()
    controller = Controller(
        received,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
    )
    controller.start()
    try:
        url = f"smtp://mailer:s3cr%2Ft@127.0.0.1:{port}?starttls=1"
        SmtpMailer(url, SENDER, tls_context=client_tls).send("rudo@example.org", "Hello", TEXT)
        [(_, _, raw, tls)] = received.messages
        assert tls and parsed(raw).get_content() == TEXT
        # Without STARTTLS this server refuses to go on.
        with pytest.raises(smtplib.SMTPException):
            SmtpMailer(f"smtp://127.0.0.1:{port}", SENDER).send("a@b.org", "s", "t")
        # A certificate nobody vouches for is refused by default.
        with pytest.raises(ssl.SSLError):
            SmtpMailer(url, SENDER).send("a@b.org", "s", "t")
    finally:
        controller.stop()


def test_the_smtp_mailer_speaks_tls_from_the_start(certificate: tuple[Path, Path]) -> None:
    server_tls, client_tls = tls_contexts(*certificate)
    received, port = Received(), free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port, ssl_context=server_tls)
    controller.start()
    try:
        mailer = SmtpMailer(f"smtps://127.0.0.1:{port}", SENDER, tls_context=client_tls)
        mailer.send("rudo@example.org", "Hello", TEXT)
        assert parsed(received.messages[0][2])["To"] == "rudo@example.org"
    finally:
        controller.stop()


# -- the outbox and the choice of a mailer --------------------------------------------------------
class Flaky:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, to: str, subject: str, text: str) -> None:
        if to.startswith("down"):
            raise smtplib.SMTPServerDisconnected("the server went away")
        self.sent.append(to)


def test_the_outbox_sends_in_order_and_lives_through_failures(
    caplog: pytest.LogCaptureFixture,
) -> None:
    mailer = Flaky()
    outbox = Outbox(mailer)
    for to in ("a@example.org", "down@example.org", "b@example.org"):
        outbox.post(to, "subject", "text")
    outbox.flush()
    assert mailer.sent == ["a@example.org", "b@example.org"]
    assert "could not send" in caplog.text and "down@example.org" in caplog.text
    outbox.close()
    outbox.post("c@example.org", "subject", "text")  # a closed outbox starts again if used
    outbox.close()
    assert mailer.sent[-1] == "c@example.org"


def test_bootstrap_chooses_the_mailer_from_the_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dzinza.db'}"
    plain = bootstrap.build(Settings(database_url=url, data_dir=tmp_path))
    try:
        assert isinstance(plain.users.outbox.mailer, FileMailer)
        assert plain.users.outbox.mailer.folder == tmp_path / "mail"
        assert plain.base_url == "http://127.0.0.1:8000"
    finally:
        plain.close()
    settings = Settings(
        database_url=url,
        data_dir=tmp_path,
        smtp_url="smtp://relay.example.org?starttls=1",
        public_url="https://dzinza.example.org/",
    )
    smtp = bootstrap.build(settings)
    try:
        assert isinstance(smtp.users.outbox.mailer, SmtpMailer)
        assert smtp.users.outbox.mailer.target.port == 587
        assert smtp.base_url == "https://dzinza.example.org"
    finally:
        smtp.close()
    with pytest.raises(DzinzaError, match="DZINZA_SMTP_URL"):
        bootstrap.build(Settings(database_url=url, data_dir=tmp_path, smtp_url="smtp://h?x=1"))
