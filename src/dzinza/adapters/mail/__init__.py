"""Mailers (the ``Mailer`` port): .eml files for the embedded default, SMTP at scale."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid


def build_message(sender: str, to: str, subject: str, text: str) -> EmailMessage:
    """A plain-text UTF-8 message. Header values with line breaks raise ``ValueError``."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    _, at, domain = sender.rpartition("@")
    message["Message-ID"] = make_msgid(domain=domain.strip("> ") if at else None)
    message.set_content(text)
    return message
