"""Data-protection rights (GDPR): a copy of one's data, deleting one's account, erasing or
redacting a person on request, and consent to the terms and the privacy policy.

Deleting an account is two steps. The request (with the password) schedules the erasure after a
grace period, ends every sign-in and says by email what will happen; signing in again during the
grace period is allowed, so that the person can cancel. ``purge`` (``dzinza gdpr purge``, or a
scheduled job) then erases the accounts whose time has come: their trees are handed over as
planned or deleted, the account row goes with its tokens, consents and memberships, and their id
stays in the change history and the audit log as an opaque id that names nobody.

Erasing a person ("erase") deletes them like ``PeopleService.remove``; redacting ("redact")
keeps their place in the tree (the links to parents, partners and children) and removes what
identifies them. Either way their notes, media, citations and external ids go, and the change
history keeps the fact of each change to them but not its content. The archive of the export is
built by ``export.py``.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from dzinza.domain.errors import (
    N_,
    AuthenticationRequired,
    Conflict,
    NotFound,
    ValidationFailed,
    said,
)
from dzinza.domain.vocabulary import RecordKind
from dzinza.ports import Clock, PasswordHasher, Row, StoreSession, TreeStore
from dzinza.services import audit, summaries
from dzinza.services.access import Need, no_such, refuse, standing
from dzinza.services.account import account_view
from dzinza.services.common import Actor
from dzinza.services.export import consent_items, write_archive
from dzinza.services.limits import ACCOUNT_CHANGES_PER_USER, Limit, RateLimiter
from dzinza.services.mail import Outbox
from dzinza.services.people import PeopleService
from dzinza.services.tokens import aware, require_account

GRACE = timedelta(days=30)
"""Time between a deletion request and the erasure, during which it can be cancelled."""
EXPORTS_PER_USER = Limit(5, 3600)
"""An export reads everything the user has: a few an hour is plenty."""
EXPORT_CAP = 512 * 2**20
"""The largest archive the API builds (bytes); the command line has no cap."""
DOCUMENTS = ("terms", "privacy")
REDACTED = "Redacted"
ERASE_MODES = ("redact", "erase")


@dataclass(frozen=True)
class Documents:
    """The current versions of the documents users consent to (from the settings)."""

    terms: str
    privacy: str

    def current(self, document: str) -> str:
        return self.terms if document == "terms" else self.privacy


class DataProtectionService:
    def __init__(
        self,
        store: TreeStore,
        hasher: PasswordHasher,
        clock: Clock,
        limits: RateLimiter,
        outbox: Outbox,
        documents: Documents,
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.clock = clock
        self.limits = limits
        self.outbox = outbox
        self.documents = documents

    # -- the account and its consents ---------------------------------------------------------
    def account(self, actor: Actor) -> dict[str, Any]:
        """The account as ``/auth/me`` shows it, with the consent to the current documents and
        a pending deletion."""
        user_id = _signed_in(actor)
        with self.store.read() as tx:
            user = _user(tx, user_id)
            left = tx.recovery_codes_left(user_id) if user["totp_enabled_at"] else None
            consents = tx.consents_of(user_id)
        return account_view(user, left) | {
            "consents": self._consent_status(user, consents),
            "deletion": deletion_view(user),
        }

    def consents(self, actor: Actor) -> dict[str, Any]:
        user_id = _signed_in(actor)
        with self.store.read() as tx:
            user = _user(tx, user_id)
            rows = tx.consents_of(user_id)
        return {"current": self._consent_status(user, rows), "items": consent_items(user, rows)}

    def give_consent(
        self, actor: Actor, document: str, version: str, client: str = ""
    ) -> dict[str, Any]:
        """Records the acceptance of the current version of a document."""
        user_id = require_account(actor)
        if document not in DOCUMENTS:
            raise ValidationFailed(
                N_("document must be 'terms' or 'privacy'."),
                errors=[{"field": "document", "message": "unknown document"}],
            )
        current = self.documents.current(document)
        if version != current:
            # Only the version in force can be agreed to: an old one is no longer on offer,
            # and a version that does not exist yet was never shown to the person.
            raise ValidationFailed(
                said(
                    "The current version of the %(document)s is %(current)s: accept that one.",
                    document=document,
                    current=current,
                ),
                errors=[{"field": "version", "message": f"must be {current}"}],
            )
        now = self.clock.now()
        with self.store.write() as tx:
            _user(tx, user_id, lock=True)
            row = tx.add_consent(user_id, document, version, now)
            audit.record(
                tx,
                user_id,
                "account.consent",
                target_type="user",
                target_id=user_id,
                detail={"document": document, "version": version},
                ip=client,
            )
        return {
            "document": document,
            "version": version,
            "accepted_at": aware(row["accepted_at"]).isoformat(),
            "via": "consent",
        }

    def _consent_status(self, user: Row, consents: list[Row]) -> dict[str, Any]:
        given = {(i["document"], i["version"]) for i in consent_items(user, consents)}
        return {
            d: {"current_version": v, "accepted": (d, v) in given}
            for d, v in (("terms", self.documents.terms), ("privacy", self.documents.privacy))
        }

    # -- export ---------------------------------------------------------------------------------
    def export(self, actor: Actor, client: str = "") -> IO[bytes]:
        """The archive of the signed-in user, in a temporary file positioned at its start (the
        caller closes it, which deletes it)."""
        user_id = require_account(actor)
        self.limits.hit(f"export:user:{user_id}", EXPORTS_PER_USER, "exports of your data")
        out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 2**20)  # noqa: SIM115
        try:
            self._export(user_id, out, EXPORT_CAP, actor_id=user_id, ip=client)
        except BaseException:
            out.close()
            raise
        out.seek(0)
        return out

    def export_to_file(self, email: str, path: Path) -> dict[str, Any]:
        """For the command line: the archive of the user with this email, written to ``path``
        (through a temporary file beside it, so a failed export leaves no half archive)."""
        with self.store.read() as tx:
            user = tx.user_by_email(email.strip().lower())
        if user is None:
            raise ValidationFailed(said("There is no user with the email %(email)s.", email=email))
        path = path.expanduser().resolve()
        if not path.parent.is_dir():
            raise ValidationFailed(said("There is no folder %(parent)s.", parent=path.parent))
        try:
            fd, temp = tempfile.mkstemp(prefix=".dzinza-export-", suffix=".zip", dir=path.parent)
        except OSError as exc:
            raise ValidationFailed(
                said(
                    "Cannot write in %(parent)s: %(strerror)s.",
                    parent=path.parent,
                    strerror=exc.strerror,
                )
            ) from exc
        try:
            with os.fdopen(fd, "wb") as out:
                summary = self._export(user["id"], out, None, actor_id=None, ip="cli")
            os.replace(temp, path)
        except OSError as exc:
            Path(temp).unlink(missing_ok=True)
            raise ValidationFailed(
                said("Cannot write %(path)s: %(strerror)s.", path=path, strerror=exc.strerror)
            ) from exc
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return summary | {"path": str(path)}

    def _export(
        self,
        user_id: uuid.UUID,
        out: IO[bytes],
        cap: int | None,
        actor_id: uuid.UUID | None,
        ip: str,
    ) -> dict[str, Any]:
        now = self.clock.now()
        with self.store.read() as tx:
            summary = write_archive(tx, user_id, out, now, cap)
        with self.store.write() as tx:
            audit.record(
                tx,
                actor_id,
                audit.Action.EXPORT,
                target_type="user",
                target_id=user_id,
                detail=summary,
                ip=ip,
            )
        return summary

    # -- deleting one's account -----------------------------------------------------------------
    def request_deletion(
        self,
        actor: Actor,
        password: str,
        owned_trees: str,
        transfer_to: Mapping[uuid.UUID, uuid.UUID] | None,
        client: str = "",
    ) -> dict[str, Any]:
        """Schedules the erasure of the account after the grace period, per the plan for the
        trees it owns, and signs it out everywhere."""
        user_id = require_account(actor)
        email = actor.email or ""
        if owned_trees not in ("delete", "transfer"):
            raise ValidationFailed(
                N_("owned_trees must be 'delete' or 'transfer'."),
                errors=[{"field": "owned_trees", "message": "must be 'delete' or 'transfer'"}],
            )
        self.limits.hit(
            f"account:user:{user_id}", ACCOUNT_CHANGES_PER_USER, "changes to your account"
        )
        self.limits.refuse_sign_in_if_blocked(email, client)
        with self.store.read() as tx:
            stored = _user(tx, user_id)["password_hash"]
        # Checked outside the write transaction: hashing is slow and would hold the write lock.
        if not self.hasher.verify(stored, password):
            self.limits.failed_sign_in(email, client)
            raise AuthenticationRequired(N_("The password is wrong."))
        now = self.clock.now()
        with self.store.write() as tx:
            user = _user(tx, user_id, lock=True)
            if user["deletion_due_at"] is not None:
                due = aware(user["deletion_due_at"]).date()
                raise Conflict(
                    said("The deletion of this account is already scheduled for %(due)s.", due=due)
                )
            plan = _plan(tx, user_id, owned_trees, dict(transfer_to or {}))
            due_at = now + GRACE
            values = {
                "deletion_requested_at": now,
                "deletion_due_at": due_at,
                "deletion_plan": plan,
            }
            tx.update_user(user_id, values)
            tx.revoke_user_tokens(user_id, now)
            audit.record(
                tx,
                user_id,
                "account.delete_requested",
                target_type="user",
                target_id=user_id,
                detail={"due_at": due_at.isoformat(), **_plan_counts(plan)},
                ip=client,
            )
        self.outbox.post(
            user["email"],
            "Your Dzinza account will be deleted",
            "You asked for your Dzinza account to be deleted. It will be erased on "
            f"{due_at:%d %B %Y} (UTC), with {_plan_words(plan)}.\n\n"
            "You have been signed out everywhere. Until that day you can change your mind: "
            "sign in and cancel the deletion (POST /api/v1/account/delete/cancel).\n\n"
            "If it was not you, sign in, cancel the deletion and change your password.\n",
        )
        scheduled = deletion_view({**user, **values})
        assert scheduled is not None
        return scheduled

    def cancel_deletion(self, actor: Actor, client: str = "") -> dict[str, Any]:
        user_id = require_account(actor)
        now = self.clock.now()
        with self.store.write() as tx:
            user = _user(tx, user_id, lock=True)
            due = user["deletion_due_at"]
            if due is None:
                raise Conflict(N_("No deletion of this account is scheduled."))
            if aware(due) <= now:
                raise Conflict(N_("The grace period has ended: the account is being erased."))
            values = {
                "deletion_requested_at": None,
                "deletion_due_at": None,
                "deletion_plan": None,
            }
            tx.update_user(user_id, values)
            audit.record(
                tx,
                user_id,
                "account.delete_cancelled",
                target_type="user",
                target_id=user_id,
                ip=client,
            )
        self.outbox.post(
            user["email"],
            "The deletion of your Dzinza account is cancelled",
            "Your Dzinza account will not be deleted: the deletion you asked for was cancelled.\n",
        )
        return {"deletion": deletion_view({**user, **values})}

    def purge(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Erases every account whose grace period ended by ``now`` (default: the clock's now),
        each in a transaction of its own. Returns what was done (ids only)."""
        now = now or self.clock.now()
        with self.store.read() as tx:
            due = tx.deletions_due(now)
        done = []
        for user_id in due:
            with self.store.write() as tx:
                result = _purge_one(tx, user_id, now)
            if result is not None:
                email, outcome = result
                done.append(outcome)
                self.outbox.post(
                    email,
                    "Your Dzinza account has been erased",
                    "As you asked, your Dzinza account and what it held have been erased.\n",
                )
        return done

    # -- erasing or redacting a person ----------------------------------------------------------
    def erase_person(
        self, actor: Actor, person_id: uuid.UUID, mode: str, reason: str, client: str = ""
    ) -> dict[str, Any]:
        """Removes a person's personal data on request; needs a manager or the owner."""
        if mode not in ERASE_MODES:
            raise ValidationFailed(
                N_("mode must be 'redact' or 'erase'."),
                errors=[{"field": "mode", "message": "must be 'redact' or 'erase'"}],
            )
        reason = reason.strip()
        if not reason:
            raise ValidationFailed(
                N_("Say why (reason): the audit log keeps it."),
                errors=[{"field": "reason", "message": "required"}],
            )
        with self.store.write() as tx:
            missing = no_such("person", person_id)
            found = tx.get_in_tree("person", person_id, lock=True)
            if found is None:
                raise NotFound(missing)
            _, tree = found
            access = standing(tx, tree, actor)
            if not access.allows(Need.MANAGE):
                refuse(access, Need.MANAGE, missing)
            tx.set_viewer(access.viewer())
            tx.set_author(actor.user_id)
            outcome = _erase(tx, tree["id"], person_id, mode)
            audit.record(
                tx,
                actor.user_id,
                f"person.{mode}",
                tree_id=tree["id"],
                target_type="person",
                target_id=person_id,
                detail={"reason": reason, **outcome},
                ip=client,
            )
        return {"id": str(person_id), "mode": mode, **outcome}


# -- helpers -------------------------------------------------------------------------------------
def _signed_in(actor: Actor) -> uuid.UUID:
    if actor.user_id is None:
        raise AuthenticationRequired(N_("Sign in first."))
    return actor.user_id


def _user(tx: StoreSession, user_id: uuid.UUID, *, lock: bool = False) -> Row:
    user = tx.user_by_id(user_id, lock=lock)
    if user is None:
        raise AuthenticationRequired(N_("This account no longer exists."))
    return user


def deletion_view(user: Row) -> dict[str, Any] | None:
    if user["deletion_due_at"] is None:
        return None
    requested = user["deletion_requested_at"]
    return {
        "requested_at": aware(requested).isoformat() if requested else None,
        "due_at": aware(user["deletion_due_at"]).isoformat(),
        "plan": user["deletion_plan"],
    }


def _plan(
    tx: StoreSession, user_id: uuid.UUID, mode: str, transfer_to: dict[uuid.UUID, uuid.UUID]
) -> dict[str, Any]:
    """Checks the plan for the owned trees: each tree handed over must be one's own, and its
    heir a member of it now (the purge checks again: they may have left by then)."""
    owned = {tree["id"]: tree for tree in tx.trees_owned_by(user_id)}
    errors: list[dict[str, object]] = []
    for tree_id, heir in transfer_to.items():
        field = f"transfer_to.{tree_id}"
        if tree_id not in owned:
            errors.append({"field": field, "message": "you do not own this tree"})
        elif heir == user_id or tx.membership(tree_id, heir) is None:
            errors.append({"field": field, "message": "the new owner must be a member of the tree"})
    if mode == "transfer":
        errors += [
            {"field": f"transfer_to.{tree_id}", "message": "say who takes this tree over"}
            for tree_id in owned
            if tree_id not in transfer_to
        ]
    if errors:
        raise ValidationFailed(
            "The plan for your trees does not work: "
            + "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]),
            errors=errors,
        )
    return {
        "owned_trees": mode,
        "transfer_to": {str(k): str(v) for k, v in sorted(transfer_to.items())},
    }


def _plan_counts(plan: Mapping[str, Any]) -> dict[str, int]:
    return {"trees_to_transfer": len(plan.get("transfer_to") or {})}


def _plan_words(plan: Mapping[str, Any]) -> str:
    handed = len(plan.get("transfer_to") or {})
    if plan.get("owned_trees") == "transfer" or handed:
        rest = "" if plan.get("owned_trees") == "transfer" else " and your other trees deleted"
        return f"{handed} of your trees handed over to the members you chose{rest}"
    return "the trees you own deleted"


def _purge_one(
    tx: StoreSession, user_id: uuid.UUID, now: datetime
) -> tuple[str, dict[str, Any]] | None:
    user = tx.user_by_id(user_id, lock=True)
    # Read again under the lock: the person may have cancelled since the list was read.
    if user is None or user["deletion_due_at"] is None or aware(user["deletion_due_at"]) > now:
        return None
    plan = user["deletion_plan"] or {}
    heirs = {uuid.UUID(k): uuid.UUID(v) for k, v in (plan.get("transfer_to") or {}).items()}
    trees: list[dict[str, Any]] = []
    for tree in tx.trees_owned_by(user_id):
        tree_id = tree["id"]
        heir = heirs.get(tree_id)
        if heir is not None and tx.membership(tree_id, heir) is not None:
            # The owner is trees.owner_id, not a member row: the heir's row makes way.
            tx.update("tree", tree_id, {"owner_id": heir})
            tx.remove_membership(tree_id, heir)
            audit.record(
                tx,
                None,
                "tree.transferred",
                tree_id=tree_id,
                target_type="user",
                target_id=heir,
                detail={"from": str(user_id), "to": str(heir), "why": "account erased"},
            )
            trees.append({"tree_id": str(tree_id), "outcome": "transferred", "to": str(heir)})
            continue
        detail: dict[str, Any] = {"owner": str(user_id), "why": "account erased"}
        if heir is not None:
            detail["transfer_failed"] = "the chosen new owner is no longer a member"
        tx.delete("tree", tree_id)  # every record of the tree cascades with it
        audit.record(
            tx,
            None,
            audit.Action.TREE_DELETE,
            tree_id=tree_id,
            target_type="tree",
            target_id=tree_id,
            detail=detail,
        )
        trees.append({"tree_id": str(tree_id), "outcome": "deleted", **detail})
    tx.erase_user(user_id, user["email"])
    outcome = {"user_id": str(user_id), "trees": trees}
    audit.record(
        tx,
        None,
        "account.erased",
        target_type="user",
        target_id=user_id,
        detail={
            "trees_deleted": sum(t["outcome"] == "deleted" for t in trees),
            "trees_transferred": sum(t["outcome"] == "transferred" for t in trees),
        },
    )
    return user["email"], outcome


def _redacted_name() -> dict[str, Any]:
    name = {
        "type": "birth",
        "given": REDACTED,
        "surname": "",
        "prefix": "",
        "suffix": "",
        "nickname": "",
        "title": "",
    }
    return name | summaries.name_keys(name)


def _erase(tx: StoreSession, tree_id: uuid.UUID, person_id: uuid.UUID, mode: str) -> dict[str, Any]:
    """Erases or redacts one person inside the caller's transaction; returns counts."""
    event_ids = tx.event_ids(person_id=person_id)
    name_ids = [n["id"] for n in tx.names_of([person_id])]
    targets = [(RecordKind.PERSON.value, person_id)]
    targets += [(RecordKind.EVENT.value, e) for e in event_ids]
    targets += [(RecordKind.NAME.value, n) for n in name_ids]
    attached = tx.attached_to(targets)
    citations = sorted(attached["citation"])
    # Notes and media attached to the person's citations are about them too.
    around = tx.attached_to([(RecordKind.CITATION.value, c) for c in citations])
    notes = attached["note"] | around["note"]
    media = attached["media"] | around["media"]
    # The change this files in the history is named for what it is (its items hold no content).
    tx.note_change(f"person.{mode}")
    if mode == "erase":
        PeopleService.remove(tx, person_id)
    else:
        tx.delete_links_to(targets)
        tx.replace_names(person_id, tree_id, [_redacted_name()])
        for event_id in event_ids:
            tx.update(
                "event",
                event_id,
                {
                    "date_text": "",
                    "date_earliest": None,
                    "date_latest": None,
                    "place_id": None,
                    "description": "",
                    "value": "",
                },
            )
        tx.update("person", person_id, {"private": True, "extra": None})
        summaries.refresh(tx, person_id)
    tx.delete_citations(citations)
    gone_notes = tx.delete_unattached("note", sorted(notes))
    gone_media = tx.delete_unattached("media", sorted(media))
    records = [person_id, *event_ids, *name_ids, *citations, *gone_notes, *gone_media]
    records += sorted(attached["external_id"])
    scrubbed = tx.scrub_history(person_id, records)
    return {
        "names": len(name_ids),
        "events": len(event_ids),
        "citations": len(citations),
        "notes_deleted": len(gone_notes),
        "media_deleted": len(gone_media),
        "notes_unlinked": len(notes) - len(gone_notes),
        "media_unlinked": len(media) - len(gone_media),
        "external_ids": len(attached["external_id"]),
        "history_items_scrubbed": scrubbed,
    }
