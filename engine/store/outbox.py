"""SQL of the ``outbox`` table: messages waiting for the mail server to accept them.

Only :mod:`engine.outbox` changes an outbox row's state, through
:func:`change`: one statement that applies only when the row is in a state
the caller expects. Writes join the caller's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence

from engine.store.db import Store
from engine.store.dialect import marks

#: An outbox row with what sending needs: the bytes and the Message-ID.
_SENDABLE = (
    "SELECT o.id, o.message, o.conversation_id, o.mail_from, o.rcpt_json, r.raw, "
    "m.message_id, o.attempts, o.state FROM outbox o JOIN messages m ON m.id = o.message "
    "JOIN raw_messages r ON r.message = o.message"
)

#: Columns :func:`change` may set besides the state.
_SETTABLE = frozenset({"attempts", "next_attempt", "last_error", "review_comment", "sent_at"})

_LISTED = (
    "SELECT o.id, o.conversation_id, o.kind, o.rcpt_json, COALESCE(m.subject, '') AS subject, "
    "o.state, o.attempts, o.last_error, o.next_attempt, o.agent_id, o.created, o.sent_at, "
    "o.review_comment, o.message FROM outbox o LEFT JOIN messages m ON m.id = o.message"
)


def insert(
    store: Store,
    *,
    conversation_id: int | None,
    archive_id: int,
    kind: str,
    mail_from: str,
    recipients: Sequence[str],
    state: str,
    agent_id: str | None,
    at: str,
) -> int:
    """A new outbox row, due now (joins an open transaction); its id."""
    with store.transaction() as conn:
        row = conn.execute(
            "INSERT INTO outbox (conversation_id, message, kind, mail_from, rcpt_json, state, "
            "agent_id, attempts, next_attempt, created) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?) "
            "RETURNING id",
            (
                conversation_id,
                archive_id,
                kind,
                mail_from,
                json.dumps(list(recipients)),
                state,
                agent_id,
                at,
                at,
            ),
        ).fetchone()
    return int(row[0])


def change(
    store: Store,
    outbox_id: int,
    *,
    states: Sequence[str],
    to_state: str,
    values: Mapping[str, object] | None = None,
    add_attempt: bool = False,
) -> sqlite3.Row | None:
    """Compare and set, in one statement; the changed row's conversation and message, or None.

    Args:
        store: the store (joins an open transaction).
        outbox_id: the row.
        states: the states it must be in.
        to_state: the new state.
        values: other columns to set.
        add_attempt: count one more attempt.
    """
    extra = dict(values or {})
    unknown = set(extra) - _SETTABLE
    if unknown:
        raise ValueError(f"not a settable outbox column: {sorted(unknown)}")
    sets = ["state = ?", *(f"{c} = ?" for c in extra)]
    if add_attempt:
        sets.append("attempts = attempts + 1")
    params: list[object] = [to_state, *extra.values(), outbox_id, *states]
    with store.transaction() as conn:
        row: sqlite3.Row | None = conn.execute(
            f"UPDATE outbox SET {', '.join(sets)} WHERE id = ? AND state IN ({marks(states)}) "
            "RETURNING conversation_id, message, agent_id, attempts",
            params,
        ).fetchone()
    return row


def next_due(store: Store, states: Sequence[str], now: str) -> sqlite3.Row | None:
    """The message due first among ``states`` (see :data:`_SENDABLE`), or None."""
    return store.query_one(
        f"{_SENDABLE} WHERE o.state IN ({marks(states)}) AND o.next_attempt <= ? "
        "ORDER BY o.next_attempt, o.id LIMIT 1",
        (*states, now),
    )


def any_due(store: Store, states: Sequence[str], now: str) -> bool:
    """Whether a message in ``states`` is due at ``now``."""
    row = store.query_one(
        f"SELECT 1 FROM outbox WHERE state IN ({marks(states)}) AND next_attempt <= ? LIMIT 1",
        (*states, now),
    )
    return row is not None


def in_state(store: Store, state: str) -> list[sqlite3.Row]:
    """Every sendable row in ``state``, oldest first."""
    return store.query(f"{_SENDABLE} WHERE o.state = ? ORDER BY o.id", (state,))


def get(store: Store, outbox_id: int) -> sqlite3.Row | None:
    """One row as listed (see :data:`_LISTED`)."""
    return store.query_one(f"{_LISTED} WHERE o.id = ?", (outbox_id,))


def listed(
    store: Store,
    *,
    states: Sequence[str] | None = None,
    conversation_id: int | None = None,
    limit: int = 500,
) -> list[sqlite3.Row]:
    """Rows as ``micc outbox list`` shows them, oldest first."""
    clauses: list[str] = []
    params: list[object] = []
    if states is not None:
        clauses.append(f"o.state IN ({marks(states)})")
        params += list(states)
    if conversation_id is not None:
        clauses.append("o.conversation_id = ?")
        params.append(conversation_id)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return store.query(f"{_LISTED}{where} ORDER BY o.id LIMIT ?", (*params, limit))


def for_review(store: Store, *, limit: int) -> list[sqlite3.Row]:
    """Rows waiting for a supervisor, with their conversation's group and last message."""
    return store.query(
        "SELECT o.id, o.conversation_id, o.agent_id, o.kind, o.created, o.message, "
        "o.rcpt_json, c.service_group, c.last_message FROM outbox o LEFT JOIN conversations c "
        "ON c.id = o.conversation_id WHERE o.state = 'review' ORDER BY o.id LIMIT ?",
        (limit,),
    )


def failed(store: Store, *, limit: int) -> list[sqlite3.Row]:
    """Rows the mail server refused for good, oldest first."""
    return store.query(
        "SELECT o.id, o.conversation_id, o.created, o.rcpt_json, o.mail_from, "
        "COALESCE(m.subject, ''), o.last_error, o.message FROM outbox o LEFT JOIN messages m "
        "ON m.id = o.message WHERE o.state = 'failed' ORDER BY o.id LIMIT ?",
        (limit,),
    )


def count_in(store: Store, states: Sequence[str], *, agent_id: str | None = None) -> int:
    """How many rows are in ``states`` (of one agent, if given)."""
    sql = f"SELECT COUNT(*) FROM outbox WHERE state IN ({marks(states)})"
    params: list[object] = list(states)
    if agent_id is not None:
        sql += " AND agent_id = ?"
        params.append(agent_id)
    row = store.query_one(sql, tuple(params))
    return int(row[0]) if row else 0


def counts_by_state(store: Store) -> list[sqlite3.Row]:
    """(state, count) of every row."""
    return store.query("SELECT state, COUNT(*) FROM outbox GROUP BY state")


def oldest_waiting(store: Store, states: Sequence[str]) -> sqlite3.Row | None:
    """(oldest created, newest last error) among rows in ``states``."""
    return store.query_one(
        f"SELECT MIN(created), MAX(last_error) FROM outbox WHERE state IN ({marks(states)})",
        tuple(states),
    )


def newest_id(store: Store) -> int:
    """The newest row's id (0 when empty)."""
    row = store.query_one("SELECT COALESCE(MAX(id), 0) FROM outbox")
    return int(row[0]) if row else 0


def decisions_for(
    store: Store, agent_id: str, kinds: Sequence[str], *, limit: int
) -> list[sqlite3.Row]:
    """Review decisions (events of ``kinds``) on one agent's rows, newest first."""
    outbox_field = store.dialect.json_text("e.detail_json", "outbox")
    return store.query(
        f"SELECT o.id, o.conversation_id, e.kind, o.review_comment, "
        f"COALESCE(c.subject, '') FROM events e JOIN outbox o ON o.id = {outbox_field} "
        f"LEFT JOIN conversations c ON c.id = o.conversation_id "
        f"WHERE e.kind IN ({marks(kinds)}) AND o.agent_id = ? ORDER BY e.id DESC LIMIT ?",
        (*kinds, agent_id, limit),
    )
