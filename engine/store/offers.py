"""SQL of ``offers`` and ``offer_refusals``: e-mails offered to one agent each, until a deadline.

The table's keys keep the distributor honest: one offer per conversation and
one per agent at a time. Only :mod:`engine.distribution` and
:mod:`engine.lifecycle` (accepting one) write here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from engine.store.db import Store
from engine.store.dialect import marks

_COLUMNS = "conversation_id, agent_id, service_group, offered_at, expires_at, offered_by"


def insert(
    store: Store,
    conversation_id: int,
    agent_id: str,
    group: str,
    *,
    at: str,
    expires: str,
    by: str | None = None,
) -> bool:
    """Offer the conversation to the agent; False when either already has an offer."""
    with store.transaction() as conn:
        row = conn.execute(
            f"INSERT INTO offers ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING RETURNING conversation_id",
            (conversation_id, agent_id, group, at, expires, by),
        ).fetchone()
    return row is not None


def delete(
    store: Store,
    conversation_id: int,
    agent_id: str | None = None,
    *,
    expired_at: str | None = None,
) -> sqlite3.Row | None:
    """Remove the conversation's offer (to ``agent_id``, expired by ``expired_at``); the row."""
    where = "conversation_id = ?"
    params: list[object] = [conversation_id]
    if agent_id is not None:
        where += " AND agent_id = ?"
        params.append(agent_id)
    if expired_at is not None:
        where += " AND expires_at <= ?"
        params.append(expired_at)
    with store.transaction() as conn:
        row: sqlite3.Row | None = conn.execute(
            f"DELETE FROM offers WHERE {where} RETURNING {_COLUMNS}", params
        ).fetchone()
    return row


def of_agent(store: Store, agent_id: str) -> sqlite3.Row | None:
    """The agent's offer, if any."""
    return store.query_one(f"SELECT {_COLUMNS} FROM offers WHERE agent_id = ?", (agent_id,))


def of_conversation(store: Store, conversation_id: int) -> sqlite3.Row | None:
    """The conversation's offer, if any."""
    return store.query_one(
        f"SELECT {_COLUMNS} FROM offers WHERE conversation_id = ?", (conversation_id,)
    )


def every(store: Store) -> list[sqlite3.Row]:
    """Every live offer, oldest first."""
    return store.query(f"SELECT {_COLUMNS} FROM offers ORDER BY offered_at, conversation_id")


def expired(store: Store, now: str) -> list[sqlite3.Row]:
    """Offers whose deadline is at or before ``now``."""
    return store.query(
        f"SELECT {_COLUMNS} FROM offers WHERE expires_at <= ? ORDER BY expires_at", (now,)
    )


def next_expiry(store: Store) -> str | None:
    """The earliest deadline of a live offer."""
    row = store.query_one("SELECT MIN(expires_at) FROM offers")
    return str(row[0]) if row and row[0] else None


def refuse(store: Store, conversation_id: int, agent_id: str, at: str) -> None:
    """Remember that the agent rejected (or let expire) this conversation."""
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO offer_refusals (conversation_id, agent_id, at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (conversation_id, agent_id, at),
        )


def refusals(
    store: Store, conversation_ids: Sequence[int], *, since: str = ""
) -> dict[int, set[str]]:
    """Who refused each of these conversations (at or after ``since``)."""
    found: dict[int, set[str]] = {}
    for start in range(0, len(conversation_ids), 500):
        part = conversation_ids[start : start + 500]
        for row in store.query(
            f"SELECT conversation_id, agent_id FROM offer_refusals "
            f"WHERE conversation_id IN ({marks(part)}) AND at >= ?",
            (*part, since),
        ):
            found.setdefault(int(row[0]), set()).add(str(row[1]))
    return found


def forget_refusals(store: Store, conversation_id: int) -> None:
    """The conversation was taken: who refused it no longer matters."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM offer_refusals WHERE conversation_id = ?", (conversation_id,))
