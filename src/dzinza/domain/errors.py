"""Errors a user can cause. The API turns each into a problem+json response, the CLI into a message.

The messages are English. Those the web app shows are marked for its catalogs (extracted by
Babel, see ``docs/translation.md``): a constant one with ``N_``, one built with values with
``said``, whose result reads as the English text everywhere and keeps its template and values,
so that a page can say it in the reader's language (``web/rendering.py``).
"""

from __future__ import annotations

from collections.abc import Mapping


def N_(message: str) -> str:
    """Marks a constant message for translation; returns it unchanged."""
    return message


class Said(str):
    """A message made from a template (``%(name)s`` placeholders) and values."""

    template: str
    values: Mapping[str, object]

    def __new__(cls, template: str, values: Mapping[str, object]) -> Said:
        made = super().__new__(cls, template % values)
        made.template = template
        made.values = values
        return made


def said(template: str, **values: object) -> Said:
    """A message built with values, marked for translation: ``said("%(n)s files", n=3)``."""
    return Said(template, values)


class DzinzaError(Exception):
    """Base of every error meant for the person using Dzinza."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, object]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class ValidationFailed(DzinzaError):
    status = 422
    title = "Invalid data"


class NotFound(DzinzaError):
    status = 404
    title = "Not found"


class Conflict(DzinzaError):
    status = 409
    title = "Conflict"


class Gone(DzinzaError):
    """Something that existed and can no longer be used (an expired or answered invitation)."""

    status = 410
    title = "Gone"


class PreconditionFailed(DzinzaError):
    status = 412
    title = "Precondition failed"


class AuthenticationRequired(DzinzaError):
    status = 401
    title = "Authentication required"


class Forbidden(DzinzaError):
    status = 403
    title = "Forbidden"


class Unavailable(DzinzaError):
    """A service Dzinza depends on (the search index) cannot be reached just now."""

    status = 503
    title = "Service unavailable"


class TooManyRequests(DzinzaError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


class PayloadTooLarge(DzinzaError):
    """A file above the size limit, or one that would take a tree past its storage quota."""

    status = 413
    title = "Too large"


class UnsupportedMediaType(DzinzaError):
    """A file whose content is not a kind Dzinza keeps (or is active content it refuses)."""

    status = 415
    title = "Unsupported media type"
