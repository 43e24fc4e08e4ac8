"""Unrouted and failed e-mails: list them, assign to a group, retry, or discard.

*Unrouted* e-mails matched no active service access; *failed* ones could not
be processed; *failed sends* are replies the mail server kept refusing.
Nothing here deletes anything: a discarded e-mail is closed (a discarded send
is given up) with the supervisor's reason, and stays in the archive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from engine import outbox, queue
from engine.access import active_accesses
from engine.config import Config
from engine.router import route
from engine.store import Store, now_iso

#: The states this view deals with.
PROBLEM_STATES = ("unrouted", "failed")


class ProblemError(Exception):
    """A problem e-mail cannot be handled as asked; the message says why."""


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
    #: ``unrouted``, ``failed`` (could not be processed) or ``send failed``.
    kind: str
    at: str
    to: tuple[str, ...]
    sender: str
    subject: str
    reason: str
    conversation_id: int | None
    outbox_id: int | None = None

    @property
    def is_send(self) -> bool:
        """True for a reply or e-mail that could not be sent."""
        return self.outbox_id is not None


def problem_items(store: Store, *, limit: int = 500) -> list[Problem]:
    """Unrouted and failed incoming e-mails, then failed sends; each oldest first."""
    found = [
        Problem(
            f"c{i.id}", i.state, i.received, tuple(i.to), i.from_address, i.subject, i.reason, i.id
        )
        for i in queue.list_items(store, states=PROBLEM_STATES, limit=limit)
    ]
    for row in store.query(
        "SELECT o.id, o.conversation_id, o.created, o.rcpt_json, o.mail_from, "
        "COALESCE(m.subject, ''), o.last_error FROM outbox o LEFT JOIN messages m "
        "ON m.id = o.message WHERE o.state = 'failed' ORDER BY o.id LIMIT ?",
        (limit,),
    ):
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
            )
        )
    return found


def retry_send(store: Store, supervisor_id: str, outbox_id: int) -> None:
    """Send a failed reply again now (the engine picks it up at once)."""
    try:
        outbox.retry_failed(store, outbox_id, supervisor_id)
    except ValueError as exc:
        raise ProblemError(str(exc)) from None


def discard_send(store: Store, supervisor_id: str, outbox_id: int, reason: str) -> None:
    """Give up a failed reply, with a reason; it stays in the archive."""
    if not reason.strip():
        raise ProblemError("say why the e-mail is discarded")
    try:
        outbox.discard_failed(store, outbox_id, supervisor_id, reason.strip())
    except ValueError as exc:
        raise ProblemError(str(exc)) from None


def assign(
    store: Store, config: Config, supervisor_id: str, conversation_id: int, group: str
) -> None:
    """Queue a problem e-mail for ``group``.

    Raises:
        ProblemError: the group does not exist, or the e-mail is no longer a problem.
    """
    if config.group(group) is None:
        raise ProblemError(f"no service group named {group!r}")
    try:
        queue.assign(store, supervisor_id, conversation_id, group)
    except queue.QueueError as exc:
        raise ProblemError(str(exc)) from None


def discard(store: Store, supervisor_id: str, conversation_id: int, reason: str) -> None:
    """Close a problem e-mail with a reason; it stays in the archive.

    Raises:
        ProblemError: no reason was given, or the e-mail is no longer a problem.
    """
    if not reason.strip():
        raise ProblemError("say why the e-mail is discarded")
    try:
        queue.discard(store, supervisor_id, conversation_id, reason.strip())
    except queue.QueueError as exc:
        raise ProblemError(str(exc)) from None


def retry(store: Store, config: Config, supervisor_id: str, conversation_id: int) -> RetryResult:
    """Route a problem e-mail again with today's active service accesses.

    Useful after an access was activated or a pattern fixed: the e-mail's
    recipients are read from its last incoming message and routed as if it
    had just arrived.
    """
    row = store.query_one(
        "SELECT c.state, m.recipients_json FROM conversations c LEFT JOIN messages m "
        "ON m.id = c.last_message WHERE c.id = ?",
        (conversation_id,),
    )
    if row is None:
        raise ProblemError(f"e-mail {conversation_id} does not exist")
    if row[0] not in PROBLEM_STATES:
        raise ProblemError(
            f"e-mail {conversation_id} is {row[0].replace('_', ' ')}, not unrouted or failed"
        )
    recipients = json.loads(row[1] or "[]")
    decision = route(recipients, active_accesses(store, config))
    if not decision.routed:
        shown = ", ".join(recipients[:3]) or "no recipient"
        return RetryResult(
            conversation_id, False, f"still no active service access matches {shown}"
        )
    stamp = now_iso()
    with store.transaction() as conn:
        changed = conn.execute(
            "UPDATE conversations SET state = 'queued', service_access = ?, service_group = ?, "
            "reason = ?, updated = ?, agent_id = NULL WHERE id = ? AND state = ? RETURNING id",
            (
                decision.service_access,
                decision.service_group,
                f"routed again by {supervisor_id}",
                stamp,
                conversation_id,
                row[0],
            ),
        ).fetchone()
        if changed is None:
            raise ProblemError(f"e-mail {conversation_id} changed meanwhile; look again")
        conn.execute(
            "INSERT INTO events (at, kind, conversation_id, agent_id, detail_json) "
            "VALUES (?, 'rerouted', ?, ?, ?)",
            (
                stamp,
                conversation_id,
                supervisor_id,
                json.dumps(
                    {
                        "service_access": decision.service_access,
                        "service_group": decision.service_group,
                        "matched": decision.matched_address,
                    },
                    ensure_ascii=False,
                ),
            ),
        )
    return RetryResult(
        conversation_id, True, f"routed to {decision.service_access} ({decision.service_group})"
    )
