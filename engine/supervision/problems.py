"""Unrouted e-mails and failed sends: list them, assign to a group, retry, or discard.

*Unrouted* e-mails matched no active service access (or named no readable
recipient); *failed sends* are replies the mail server kept refusing.
Nothing here deletes anything: a discarded e-mail is closed (a discarded send
is given up) with the supervisor's reason, and stays in the archive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from engine import lifecycle, outbox, queue
from engine.access import active_accesses
from engine.config import Config
from engine.errors import Refused
from engine.router import route
from engine.store import Store, messages
from engine.store import outbox as outbox_rows


@dataclass(frozen=True)
class RetryResult:
    """What a retry did, in words for the supervisor."""

    conversation_id: int
    fixed: bool
    summary: str


@dataclass(frozen=True)
class Problem:
    """One line of the unrouted-and-failed list: an incoming e-mail or a failed send."""

    #: ``c<conversation id>`` for an incoming e-mail, ``o<outbox id>`` for a failed send.
    key: str
    #: ``unrouted`` (matched no service access) or ``send failed``.
    kind: str
    at: str
    to: tuple[str, ...]
    sender: str
    subject: str
    reason: str
    conversation_id: int | None
    outbox_id: int | None = None
    #: The archived e-mail to show: the customer's for an incoming one, the reply for a send.
    archive_id: int | None = None

    @property
    def is_send(self) -> bool:
        """True for a reply or e-mail that could not be sent."""
        return self.outbox_id is not None


def problem_items(store: Store, *, limit: int = 500) -> list[Problem]:
    """Unrouted incoming e-mails, then failed sends; each oldest first."""
    found = [
        Problem(
            f"c{i.id}",
            i.state,
            i.received,
            tuple(i.to),
            i.from_address,
            i.subject,
            i.reason,
            i.id,
            archive_id=i.message,
        )
        for i in queue.list_items(store, states=lifecycle.PROBLEMS, limit=limit)
    ]
    for row in outbox_rows.failed(store, limit=limit):
        found.append(
            Problem(
                f"o{row[0]}",
                "send failed",
                row[2],
                tuple(json.loads(row[3])),
                row[4],
                row[5],
                row[6] or "the mail server refused it",
                row[1],
                row[0],
                row[7],
            )
        )
    return found


def retry_send(store: Store, supervisor_id: str, outbox_id: int) -> None:
    """Send a failed reply again now (the engine picks it up at once)."""
    outbox.retry_failed(store, outbox_id, supervisor_id)


def discard_send(store: Store, supervisor_id: str, outbox_id: int, reason: str) -> None:
    """Give up a failed reply, with a reason; it stays in the archive."""
    if not reason.strip():
        raise Refused("say why the e-mail is discarded")
    outbox.discard_failed(store, outbox_id, supervisor_id, reason.strip())


def assign(
    store: Store, config: Config, supervisor_id: str, conversation_id: int, group: str
) -> None:
    """Queue a problem e-mail for ``group``.

    Raises:
        Refused: the group does not exist, or the e-mail is no longer a problem.
    """
    if config.group(group) is None:
        raise Refused(f"no service group named {group!r}")
    lifecycle.assign(store, supervisor_id, conversation_id, group)


def discard(store: Store, supervisor_id: str, conversation_id: int, reason: str) -> None:
    """Close a problem e-mail with a reason; it stays in the archive.

    Raises:
        Refused: no reason was given, or the e-mail is no longer a problem.
    """
    if not reason.strip():
        raise Refused("say why the e-mail is discarded")
    lifecycle.discard(store, supervisor_id, conversation_id, reason.strip())


def retry(store: Store, config: Config, supervisor_id: str, conversation_id: int) -> RetryResult:
    """Route a problem e-mail again with today's active service accesses.

    Useful after an access was activated or a pattern fixed: the e-mail's
    recipients are read from its last incoming message and routed as if it
    had just arrived.
    """
    item = queue.get_item(store, conversation_id)
    if item is None:
        raise Refused(f"e-mail {conversation_id} does not exist")
    if item.state not in lifecycle.PROBLEMS:
        raise Refused(
            f"e-mail {conversation_id} is {lifecycle.State(item.state).words}, not unrouted"
        )
    recipients = messages.recipients_of(store, item.message) if item.message else []
    decision = route(recipients, active_accesses(store, config))
    if not decision.routed:
        shown = ", ".join(recipients[:3]) or "no recipient"
        return RetryResult(
            conversation_id, False, f"still no active service access matches {shown}"
        )
    lifecycle.reroute(store, supervisor_id, conversation_id, decision)
    return RetryResult(
        conversation_id, True, f"routed to {decision.service_access} ({decision.service_group})"
    )
