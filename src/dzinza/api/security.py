"""What a bearer token's scopes allow at the HTTP level: a personal access token without the
``write`` scope may only read (GET and HEAD). Site-admin rights without the ``admin`` scope are
already dropped from the actor when the token is resolved; account settings refuse personal
tokens in the services."""

from __future__ import annotations

from dzinza.domain.errors import Forbidden
from dzinza.services.common import Actor

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_scopes(method: str, actor: Actor) -> None:
    if actor.scopes is None or "write" in actor.scopes or method.upper() in READ_METHODS:
        return
    raise Forbidden(
        "This personal access token may only read (it lacks the 'write' scope): create a token "
        "with the 'write' scope to make changes."
    )
