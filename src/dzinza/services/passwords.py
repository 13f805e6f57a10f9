"""What makes a password acceptable: long enough, and not guessable (zxcvbn's estimate, which
knows common passwords, names, dates, keyboard patterns and the person's own email)."""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 1000
MIN_SCORE = 3
"""zxcvbn's 0-4 scale; 3 is 'safely unguessable: moderate protection from offline attacks'."""


def password_problem(password: str, *, hints: list[str]) -> str | None:
    """Why this password is refused, in words for the person choosing it, or None."""
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters long."
    if len(password) > MAX_LENGTH:
        return f"The password must be at most {MAX_LENGTH} characters long."
    # zxcvbn's cost grows with length; its verdict on the first 100 characters is what matters.
    verdict = zxcvbn(password[:100], user_inputs=[h for h in hints if h])
    if verdict["score"] >= MIN_SCORE:
        return None
    feedback = verdict.get("feedback", {})
    reasons = [feedback.get("warning") or "This password is too easy to guess."]
    reasons += feedback.get("suggestions") or []
    return " ".join(r.strip().rstrip(".") + "." for r in reasons if r)
