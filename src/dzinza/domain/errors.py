"""Errors a user can cause. The API turns each into a problem+json response, the CLI into a message."""

from __future__ import annotations


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
