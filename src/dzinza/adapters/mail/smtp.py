"""Mail through an SMTP server, configured by one URL:

``smtp://user:password@host:port?starttls=1`` (plain SMTP, upgraded with STARTTLS when asked) or
``smtps://user:password@host:port`` (TLS from the first byte). User and password are optional and
URL-encoded; the port defaults to 25, 587 with STARTTLS, or 465 for smtps.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from dzinza.adapters.mail import build_message

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    """The parts of an SMTP URL; ``ValueError`` says what is wrong with it."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"the scheme must be smtp:// or smtps:// (got {parts.scheme or 'none'}).")
    if not parts.hostname:
        raise ValueError("the URL names no host.")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"starttls"})
    if unknown:
        raise ValueError(f"unknown option {', '.join(unknown)} (only starttls is known).")
    flag = query.get("starttls", ["0"])[-1].lower()
    if flag not in TRUE + FALSE:
        raise ValueError(f"starttls must be 1 or 0 (got {flag}).")
    implicit = parts.scheme == "smtps"
    starttls = flag in TRUE
    if implicit and starttls:
        raise ValueError("smtps:// is TLS already: starttls applies to smtp:// only.")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError("the port must be a number from 1 to 65535.") from exc
    default = 465 if implicit else 587 if starttls else 25
    return SmtpTarget(
        host=parts.hostname,
        port=port or default,
        implicit_tls=implicit,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class SmtpMailer:
    """One connection per message: account mail is rare, and a fresh connection cannot be stale."""

    def __init__(
        self,
        url: str,
        sender: str,
        *,
        tls_context: ssl.SSLContext | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.target = parse_smtp_url(url)
        self.sender = sender
        # The system's trusted certificates by default; tests pass a context that trusts theirs.
        self.tls_context = tls_context or ssl.create_default_context()
        self.timeout = timeout

    def send(self, to: str, subject: str, text: str) -> None:
        message = build_message(self.sender, to, subject, text)
        target = self.target
        smtp: smtplib.SMTP
        if target.implicit_tls:
            smtp = smtplib.SMTP_SSL(
                target.host, target.port, timeout=self.timeout, context=self.tls_context
            )
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=self.timeout)
        with smtp:
            if target.starttls:
                smtp.starttls(context=self.tls_context)
            if target.username is not None:
                smtp.login(target.username, target.password or "")
            smtp.send_message(message)
