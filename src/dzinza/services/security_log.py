"""Security events of accounts (sign-ins, failures, locks, password and email changes, two-factor
and token changes) go to the hash-chained audit log, in the transaction of what they record, and
to the ``dzinza.security`` log for whoever watches the server.

Actions are ``account.<what>`` (``admin.<what>`` for site-admin rights). The target is always
the account; the actor is whoever proved to be its owner, or nobody (a failed sign-in, a reset
request, the command line). No email address goes into the details: the audit log is never
rewritten, and an erased account must leave no address behind in it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from dzinza.ports import StoreSession
from dzinza.services import audit

log = logging.getLogger("dzinza.security")


def security_event(
    tx: StoreSession,
    action: str,
    user_id: uuid.UUID | None,
    *,
    by_owner: bool = True,
    ip: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Records ``action`` on the account ``user_id``, done by its owner unless ``by_owner`` is
    False. Call inside ``store.write()``."""
    name = action if action.startswith("admin.") else f"account.{action}"
    actor = user_id if by_owner else None
    audit.record(tx, actor, name, target_type="user", target_id=user_id, detail=detail, ip=ip)
    log.info("%s user=%s ip=%s %s", name, user_id or "-", ip or "-", detail or "")
