"""The durable outbox: replies, new e-mails and confirmations waiting to leave.

A message is archived and queued in one transaction; it leaves the outbox
only when the mail server accepted it. States:

``review`` (a supervisor decides) -> ``approved`` | ``rejected``;
``queued`` / ``approved`` / ``retry`` (due at ``next_attempt``) -> ``sending``
(an attempt recorded *before* the server is contacted) -> ``sent`` | ``retry``
| ``failed``. A supervisor sends a ``failed`` message again (-> ``retry``, due
now, attempts counted afresh) or gives it up (-> ``discarded``, with a reason).

Exactly once across crashes: a row found in ``sending`` when the engine
starts is *in doubt*: the process died during an attempt. Where the server
files sent mail itself (Gmail, Office 365), the Sent folder is searched for
the Message-ID and a message found there is marked sent, not sent again.
Otherwise it is sent again: SMTP cannot say whether the server took a message
whose 250 reply never arrived, so the one window left is between the server's
250 and our commit right after it (well under a millisecond).
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from engine.ingest import archive_outgoing
from engine.mail.parse import parse_message
from engine.store import Store, now_iso

#: States whose messages leave as soon as they are due.
DUE_STATES = ("queued", "approved", "retry")
#: Attempts before a transient failure becomes ``failed`` (about a day of backoff).
MAX_ATTEMPTS = 12
#: First retry delay; doubles each attempt up to :data:`MAX_DELAY`.
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=4)


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
    with store.transaction() as conn:
        message = archive_outgoing(store, conversation_id, f"out:{message_id}", raw)
        row = conn.execute(
            "INSERT INTO outbox (conversation_id, message, kind, mail_from, rcpt_json, state, "
            "agent_id, attempts, next_attempt, created) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            (
                conversation_id,
                message,
                kind,
                mail_from,
                json.dumps(list(recipients)),
                "review" if review else "queued",
                agent_id,
                stamp,
                stamp,
            ),
        ).lastrowid
        assert row is not None
        _event(
            conn,
            "reply_queued" if not review else "reply_to_review",
            conversation_id,
            message,
            agent_id,
            {"outbox": row, "kind": kind, "message_id": message_id},
        )
    return int(row)


def approve(store: Store, outbox_id: int, supervisor_id: str, comment: str = "") -> None:
    """A supervisor lets a reviewed message go: it is sent as soon as possible."""
    _decide(store, outbox_id, supervisor_id, "approved", comment)


def reject(store: Store, outbox_id: int, supervisor_id: str, comment: str) -> None:
    """A supervisor sends a reviewed message back to its agent; it never leaves."""
    _decide(store, outbox_id, supervisor_id, "rejected", comment)


def _decide(store: Store, outbox_id: int, supervisor_id: str, state: str, comment: str) -> None:
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT state, conversation_id, message FROM outbox WHERE id = ?", (outbox_id,)
        ).fetchone()
        if row is None or row[0] != "review":
            raise ValueError(f"outbox item {outbox_id} is not waiting for review")
        conn.execute(
            "UPDATE outbox SET state = ?, review_comment = ?, next_attempt = ? WHERE id = ?",
            (state, comment, now_iso(), outbox_id),
        )
        _event(
            conn,
            f"review_{state}",
            row[1],
            row[2],
            supervisor_id,
            {"outbox": outbox_id, "comment": comment},
        )


def claim(store: Store, now: datetime | None = None) -> OutboxItem | None:
    """Take the next due message and record the attempt before anything is sent."""
    stamp = (now or datetime.now(UTC)).isoformat(timespec="microseconds")
    marks = ",".join("?" * len(DUE_STATES))
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT o.id, o.message, o.conversation_id, o.mail_from, o.rcpt_json, r.raw, "
            "m.message_id, o.attempts FROM outbox o JOIN messages m ON m.id = o.message "
            "JOIN raw_messages r ON r.message = o.message "
            f"WHERE o.state IN ({marks}) AND o.next_attempt <= ? ORDER BY o.next_attempt, o.id "
            "LIMIT 1",
            (*DUE_STATES, stamp),
        ).fetchone()
        if row is None:
            return None
        conn.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ?", (row[0],)
        )
    return OutboxItem(
        row[0],
        row[1],
        row[2],
        row[3],
        tuple(json.loads(row[4])),
        bytes(row[5]),
        row[6],
        row[7] + 1,
        "sending",
    )


def in_doubt(store: Store) -> list[OutboxItem]:
    """Messages whose attempt was cut short by a crash (state ``sending``).

    Call only while holding the engine lease, before sending anything: then
    no other process is sending them.
    """
    rows = store.query(
        "SELECT o.id, o.message, o.conversation_id, o.mail_from, o.rcpt_json, r.raw, "
        "m.message_id, o.attempts FROM outbox o JOIN messages m ON m.id = o.message "
        "JOIN raw_messages r ON r.message = o.message WHERE o.state = 'sending' ORDER BY o.id"
    )
    return [
        OutboxItem(
            r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), bytes(r[5]), r[6], r[7], "sending"
        )
        for r in rows
    ]


def mark_sent(store: Store, item: OutboxItem, note: str = "") -> None:
    """The server accepted the message: it has left the outbox."""
    stamp = now_iso()
    with store.transaction() as conn:
        conn.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, last_error = '' WHERE id = ?",
            (stamp, item.id),
        )
        _event(
            conn,
            "sent",
            item.conversation_id,
            item.message,
            None,
            {
                "outbox": item.id,
                "message_id": item.message_id,
                "attempts": item.attempts,
                **({"note": note} if note else {}),
            },
        )


def mark_failed(
    store: Store, item: OutboxItem, error: str, *, permanent: bool, now: datetime | None = None
) -> str:
    """The attempt failed: retry later with backoff, or give up. Returns the new state."""
    moment = now or datetime.now(UTC)
    final = permanent or item.attempts >= MAX_ATTEMPTS
    state = "failed" if final else "retry"
    with store.transaction() as conn:
        conn.execute(
            "UPDATE outbox SET state = ?, last_error = ?, next_attempt = ? WHERE id = ?",
            (state, error[:500], _next_attempt(moment, item.attempts), item.id),
        )
        if final:
            _event(
                conn,
                "send_failed",
                item.conversation_id,
                item.message,
                None,
                {"outbox": item.id, "error": error[:500], "attempts": item.attempts},
            )
    return state


def requeue(store: Store, item: OutboxItem, reason: str) -> None:
    """Put an in-doubt message back to be sent now (no backoff, attempt counted)."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE outbox SET state = 'retry', next_attempt = ?, last_error = ? "
            "WHERE id = ? AND state = 'sending'",
            (now_iso(), reason[:500], item.id),
        )
        _event(
            conn,
            "send_in_doubt",
            item.conversation_id,
            item.message,
            None,
            {"outbox": item.id, "message_id": item.message_id, "reason": reason},
        )


def retry_failed(store: Store, outbox_id: int, supervisor_id: str) -> None:
    """A supervisor sends a failed message again, now, with a fresh attempt count."""
    _settle_failed(store, outbox_id, supervisor_id, "retry", "send_retried", "")


def discard_failed(store: Store, outbox_id: int, supervisor_id: str, reason: str) -> None:
    """A supervisor gives up a failed message; it stays archived, the reason is kept."""
    _settle_failed(store, outbox_id, supervisor_id, "discarded", "send_discarded", reason)


def _settle_failed(
    store: Store, outbox_id: int, supervisor_id: str, state: str, kind: str, reason: str
) -> None:
    with store.transaction() as conn:
        row = conn.execute(
            "UPDATE outbox SET state = ?, attempts = CASE WHEN ? = 'retry' THEN 0 ELSE attempts "
            "END, next_attempt = ?, review_comment = CASE WHEN ? = '' THEN review_comment "
            "ELSE ? END WHERE id = ? AND state = 'failed' RETURNING conversation_id, message",
            (state, state, now_iso(), reason, reason, outbox_id),
        ).fetchone()
        if row is None:
            raise ValueError(f"outbox item {outbox_id} has not failed")
        _event(conn, kind, row[0], row[1], supervisor_id, {"outbox": outbox_id, "reason": reason})


def backlog(store: Store) -> int:
    """How many messages wait to leave (due or retrying)."""
    row = store.query_one(
        "SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'approved', 'retry', 'sending')"
    )
    return int(row[0]) if row else 0


def _next_attempt(moment: datetime, attempts: int) -> str:
    delay = min(FIRST_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)
    # Jitter spreads retries of many messages refused at once by a busy server.
    delay *= 0.8 + 0.4 * random.random()
    return str((moment + delay).isoformat(timespec="microseconds"))


def _event(
    conn: sqlite3.Connection,
    kind: str,
    conversation: int | None,
    message: int | None,
    agent: str | None,
    detail: dict[str, object],
) -> None:
    conn.execute(
        "INSERT INTO events (at, kind, conversation_id, message, agent_id, detail_json) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (now_iso(), kind, conversation, message, agent, json.dumps(detail, ensure_ascii=False)),
    )
