"""The durable outbox: replies, new e-mails and confirmations waiting to leave.

This module is the only writer of an outbox row's state. A message is
archived and queued in one transaction; it leaves the outbox only when the
mail server accepted it. Every transition is one compare-and-set statement
on the states it starts from, with its event in the same transaction::

    review ─ approve ─► approved ─┐
       └─ reject ─► rejected      │
    queued ───────────────────────┼─► sending ─► sent
    retry (due at next_attempt) ──┘      ├─► retry   (transient, with backoff)
       ▲                                 └─► failed  (permanent, or too many tries)
       └── a supervisor retries a failed one;  failed ─ give up ─► discarded

Exactly once across crashes: ``sending`` is recorded *before* the server is
contacted, so a row found in ``sending`` when the engine starts is *in doubt*:
the process died during an attempt. Where the server files sent mail itself
(Gmail, Office 365), the Sent folder is searched for the Message-ID and a
message found there is marked sent, not sent again. Otherwise it is sent
again: SMTP cannot say whether the server took a message whose 250 reply
never arrived, so the one window left is between the server's 250 and our
commit right after it (well under a millisecond).
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from engine.archive import archive_outgoing
from engine.audit import EventKind, record
from engine.errors import Refused
from engine.lifecycle import ANSWERS
from engine.mail.parse import parse_message
from engine.store import Store, now_iso
from engine.store import outbox as rows


class OutboxState(StrEnum):
    """Where an outgoing message is. The values are stored."""

    REVIEW = "review"
    APPROVED = "approved"
    REJECTED = "rejected"
    QUEUED = "queued"
    SENDING = "sending"
    RETRY = "retry"
    SENT = "sent"
    FAILED = "failed"
    DISCARDED = "discarded"


#: States whose messages leave as soon as they are due.
DUE_STATES: Final = (OutboxState.QUEUED, OutboxState.APPROVED, OutboxState.RETRY)
#: Waiting to leave: due, retrying or being sent (not under review, not failed).
BACKLOG_STATES: Final = (*DUE_STATES, OutboxState.SENDING)
#: Attempts before a transient failure becomes ``failed`` (about a day of backoff).
MAX_ATTEMPTS = 12
#: First retry delay; doubles each attempt up to :data:`MAX_DELAY`.
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=4)


class OutboxMoved(Refused):
    """An outbox item was not in a state the request expected; nothing was changed.

    Attributes:
        outbox_id: the item.
        state: its state now (None: it does not exist).
    """

    def __init__(self, outbox_id: int, expected: str, state: str | None) -> None:
        self.outbox_id = outbox_id
        self.state = state
        if state is None:
            super().__init__(f"reply {outbox_id} does not exist")
            return
        super().__init__(f"reply {outbox_id} {expected} (it is {state.replace('_', ' ')})")


@dataclass(frozen=True)
class OutboxItem:
    """One message to send."""

    id: int
    message: int
    conversation_id: int | None
    mail_from: str
    recipients: tuple[str, ...]
    raw: bytes
    message_id: str
    attempts: int
    state: str


@dataclass(frozen=True)
class OutboxRow:
    """One outbox row as ``micc outbox list`` shows it (JSON field names are an interface)."""

    id: int
    conversation_id: int | None
    kind: str
    to: list[str]
    subject: str
    state: str
    attempts: int
    last_error: str
    next_attempt: str | None
    agent_id: str | None
    created: str
    sent_at: str | None
    review_comment: str
    archive_id: int | None

    def to_json(self) -> dict[str, Any]:
        """The row as ``--json`` prints it."""
        return dict(self.__dict__)


def _item(row: sqlite3.Row, state: str | None = None) -> OutboxItem:
    return OutboxItem(
        row[0],
        row[1],
        row[2],
        row[3],
        tuple(json.loads(row[4])),
        bytes(row[5]),
        row[6],
        row[7],
        state or row[8],
    )


def _row(row: sqlite3.Row) -> OutboxRow:
    waiting = row["state"] in (*DUE_STATES, OutboxState.SENDING)
    return OutboxRow(
        id=row["id"],
        conversation_id=row["conversation_id"],
        kind=row["kind"],
        to=list(json.loads(row["rcpt_json"])),
        subject=row["subject"],
        state=row["state"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        next_attempt=row["next_attempt"] if waiting else None,
        agent_id=row["agent_id"],
        created=row["created"],
        sent_at=row["sent_at"],
        review_comment=row["review_comment"],
        archive_id=row["message"],
    )


def _move(
    store: Store,
    outbox_id: int,
    kind: EventKind | None,
    *,
    action: str,
    states: Sequence[OutboxState],
    to_state: OutboxState,
    actor: str | None = None,
    values: dict[str, object] | None = None,
    add_attempt: bool = False,
    **detail: object,
) -> sqlite3.Row:
    """The one compare-and-set every outbox transition goes through, with its event."""
    with store.transaction():
        changed = rows.change(
            store,
            outbox_id,
            states=[str(s) for s in states],
            to_state=str(to_state),
            values=values,
            add_attempt=add_attempt,
        )
        if changed is None:
            current = rows.get(store, outbox_id)
            raise OutboxMoved(outbox_id, action, current["state"] if current else None)
        if kind is not None:
            record(
                store,
                kind,
                conversation_id=changed["conversation_id"],
                archive_id=changed["message"],
                agent_id=actor,
                detail={"outbox": outbox_id, **detail},
            )
    return changed


def enqueue(
    store: Store,
    raw: bytes,
    *,
    mail_from: str,
    recipients: Sequence[str],
    conversation_id: int | None,
    kind: str,
    agent_id: str | None = None,
    review: bool = False,
) -> int:
    """Archive ``raw`` as sent mail and queue it, in one transaction.

    Args:
        store: the store.
        raw: the finished message (with Message-ID and Date).
        mail_from: the envelope sender.
        recipients: every envelope recipient (To, Cc, Bcc).
        conversation_id: the conversation it belongs to, if any.
        kind: ``reply``, ``new``, ``forward``, ``confirmation``...
        agent_id: who wrote it (None for automatic mail).
        review: wait for a supervisor's approval before sending.

    Returns:
        The outbox id.
    """
    message_id = parse_message(raw).message_id
    if not message_id:
        raise ValueError("an outgoing message needs a Message-ID (exactly-once rests on it)")
    if not recipients:
        raise ValueError("an outgoing message needs at least one recipient")
    stamp = now_iso()
    with store.transaction():
        message = archive_outgoing(store, conversation_id, f"out:{message_id}", raw)
        state = OutboxState.REVIEW if review else OutboxState.QUEUED
        outbox_id = rows.insert(
            store,
            conversation_id=conversation_id,
            archive_id=message,
            kind=kind,
            mail_from=mail_from,
            recipients=recipients,
            state=str(state),
            agent_id=agent_id,
            at=stamp,
        )
        record(
            store,
            EventKind.REPLY_TO_REVIEW if review else EventKind.REPLY_QUEUED,
            conversation_id=conversation_id,
            archive_id=message,
            agent_id=agent_id,
            at=stamp,
            outbox=outbox_id,
            kind=kind,
            message_id=message_id,
        )
    return outbox_id


def approve(store: Store, outbox_id: int, supervisor_id: str, comment: str = "") -> None:
    """A supervisor lets a reviewed message go: it is sent as soon as possible."""
    _decide(store, outbox_id, supervisor_id, OutboxState.APPROVED, comment)


def reject(store: Store, outbox_id: int, supervisor_id: str, comment: str) -> None:
    """A supervisor sends a reviewed message back to its agent; it never leaves."""
    _decide(store, outbox_id, supervisor_id, OutboxState.REJECTED, comment)


def _decide(
    store: Store, outbox_id: int, supervisor_id: str, state: OutboxState, comment: str
) -> None:
    kind = EventKind.REVIEW_APPROVED if state == OutboxState.APPROVED else EventKind.REVIEW_REJECTED
    # The conversation's own review event (engine.lifecycle) tells the story of
    # the conversation; this one ties the decision to the outbox row.
    _move(
        store,
        outbox_id,
        kind if _standalone(store, outbox_id) else None,
        action="is not waiting for review",
        states=(OutboxState.REVIEW,),
        to_state=state,
        actor=supervisor_id,
        values={"review_comment": comment, "next_attempt": now_iso()},
        comment=comment,
    )


def _standalone(store: Store, outbox_id: int) -> bool:
    """Whether no conversation event tells the decision (its own is the only one written).

    So for a row without a conversation, and for a forward: its conversation
    does not wait for the review (:data:`engine.lifecycle.ANSWERS`).
    """
    row = rows.get(store, outbox_id)
    return row is not None and (row["conversation_id"] is None or row["kind"] not in ANSWERS)


def pending_review(store: Store, outbox_id: int) -> OutboxRow:
    """The row of a reply waiting for review.

    Raises:
        OutboxMoved: it is not (any more) waiting for review.
    """
    row = rows.get(store, outbox_id)
    if row is None or row["state"] != OutboxState.REVIEW:
        raise OutboxMoved(outbox_id, "is not waiting for review", row["state"] if row else None)
    return _row(row)


def claim(store: Store, now: datetime | None = None) -> OutboxItem | None:
    """Take the next due message and record the attempt before anything is sent."""
    stamp = (now or datetime.now(UTC)).isoformat(timespec="microseconds")
    with store.transaction():
        row = rows.next_due(store, [str(s) for s in DUE_STATES], stamp)
        if row is None:
            return None
        _move(
            store,
            row[0],
            None,
            action="is not due",
            states=(OutboxState(row[8]),),
            to_state=OutboxState.SENDING,
            add_attempt=True,
        )
    item = _item(row, str(OutboxState.SENDING))
    return OutboxItem(**{**item.__dict__, "attempts": item.attempts + 1})


def due(store: Store) -> bool:
    """Whether a message is due to leave now."""
    return rows.any_due(store, [str(s) for s in DUE_STATES], now_iso())


def in_doubt(store: Store) -> list[OutboxItem]:
    """Messages whose attempt was cut short by a crash (state ``sending``).

    Call only while holding the engine lease, before sending anything: then
    no other process is sending them.
    """
    return [_item(r) for r in rows.in_state(store, str(OutboxState.SENDING))]


def mark_sent(store: Store, item: OutboxItem, note: str = "") -> None:
    """The server accepted the message: it has left the outbox."""
    _move(
        store,
        item.id,
        EventKind.SENT,
        action="is not being sent",
        states=(OutboxState.SENDING,),
        to_state=OutboxState.SENT,
        values={"sent_at": now_iso(), "last_error": ""},
        message_id=item.message_id,
        attempts=item.attempts,
        note=note or None,
    )


def mark_failed(
    store: Store, item: OutboxItem, error: str, *, permanent: bool, now: datetime | None = None
) -> str:
    """The attempt failed: retry later with backoff, or give up. Returns the new state."""
    moment = now or datetime.now(UTC)
    final = permanent or item.attempts >= MAX_ATTEMPTS
    state = OutboxState.FAILED if final else OutboxState.RETRY
    _move(
        store,
        item.id,
        EventKind.SEND_FAILED if final else None,
        action="is not being sent",
        states=(OutboxState.SENDING,),
        to_state=state,
        values={"last_error": error[:500], "next_attempt": _next_attempt(moment, item.attempts)},
        error=error[:500],
        attempts=item.attempts,
    )
    return str(state)


def requeue(store: Store, item: OutboxItem, reason: str) -> None:
    """Put an in-doubt message back to be sent now (no backoff, attempt counted)."""
    _move(
        store,
        item.id,
        EventKind.SEND_IN_DOUBT,
        action="is not being sent",
        states=(OutboxState.SENDING,),
        to_state=OutboxState.RETRY,
        values={"next_attempt": now_iso(), "last_error": reason[:500]},
        message_id=item.message_id,
        reason=reason,
    )


def unclaim(store: Store, item: OutboxItem, reason: str) -> None:
    """An attempt that never offered the message (the server refused our login).

    The message waits again (``retry``, due now) and the attempt is not
    counted: it is not the message's fault, so it never becomes ``failed`` for
    it. The engine decides when to try again; ``reason`` is shown as its last error.
    """
    _move(
        store,
        item.id,
        None,
        action="is not being sent",
        states=(OutboxState.SENDING,),
        to_state=OutboxState.RETRY,
        values={
            "attempts": max(item.attempts - 1, 0),
            "next_attempt": now_iso(),
            "last_error": reason[:500],
        },
    )


def retry_failed(store: Store, outbox_id: int, supervisor_id: str) -> None:
    """A supervisor sends a failed message again, now, with a fresh attempt count."""
    _move(
        store,
        outbox_id,
        EventKind.SEND_RETRIED,
        action="has not failed",
        states=(OutboxState.FAILED,),
        to_state=OutboxState.RETRY,
        actor=supervisor_id,
        values={"attempts": 0, "next_attempt": now_iso()},
    )


def discard_failed(store: Store, outbox_id: int, supervisor_id: str, reason: str) -> None:
    """A supervisor gives up a failed message; it stays archived, the reason is kept."""
    _move(
        store,
        outbox_id,
        EventKind.SEND_DISCARDED,
        action="has not failed",
        states=(OutboxState.FAILED,),
        to_state=OutboxState.DISCARDED,
        actor=supervisor_id,
        values={"review_comment": reason, "next_attempt": now_iso()},
        reason=reason,
    )


def backlog(store: Store) -> int:
    """How many messages wait to leave (due, retrying or being sent)."""
    return rows.count_in(store, [str(s) for s in BACKLOG_STATES])


def listing(
    store: Store, *, states: Sequence[str] | None = None, conversation_id: int | None = None
) -> list[OutboxRow]:
    """Outbox rows, oldest first, optionally of some states or one conversation."""
    return [_row(r) for r in rows.listed(store, states=states, conversation_id=conversation_id)]


def get(store: Store, outbox_id: int) -> OutboxRow | None:
    """One outbox row."""
    row = rows.get(store, outbox_id)
    return _row(row) if row else None


def _next_attempt(moment: datetime, attempts: int) -> str:
    delay = min(FIRST_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)
    # Jitter spreads retries of many messages refused at once by a busy server.
    delay *= 0.8 + 0.4 * random.random()
    return str((moment + delay).isoformat(timespec="microseconds"))
