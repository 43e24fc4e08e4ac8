"""SQL of the ``drafts`` table: what agents are writing and have not sent yet.

One row per agent and slot (``conversation 12``, ``new Sales``), replaced
each time the composer saves. Only :mod:`engine.saved_drafts` writes rows,
and :mod:`engine.lifecycle` removes a holder's when the conversation leaves
them. Writes join the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from engine.store.db import Store

#: Every column, in the order :func:`put` writes them.
COLUMNS = (
    "agent_id",
    "slot",
    "conversation_id",
    "service_group",
    "kind",
    "to_json",
    "cc_json",
    "subject",
    "body",
    "attachments_json",
    "locale",
    "cursor_row",
    "cursor_column",
    "saved_at",
)


def put(store: Store, row: Mapping[str, object]) -> None:
    """Write a draft, replacing the agent's draft of the same slot (joins a transaction).

    Args:
        store: the store.
        row: a value for every column of :data:`COLUMNS`.
    """
    missing = set(COLUMNS) - set(row)
    if missing:
        raise ValueError(f"a draft needs every column; missing: {sorted(missing)}")
    sql = store.dialect.upsert("drafts", COLUMNS, ("agent_id", "slot"))
    with store.transaction() as conn:
        conn.execute(sql, [row[c] for c in COLUMNS])


def get(store: Store, agent_id: str, slot: str) -> sqlite3.Row | None:
    """The agent's draft of ``slot`` (every column), or None."""
    return store.query_one(
        f"SELECT {', '.join(COLUMNS)} FROM drafts WHERE agent_id = ? AND slot = ?",
        (agent_id, slot),
    )


def delete(store: Store, agent_id: str, slot: str) -> bool:
    """Remove the agent's draft of ``slot`` (joins a transaction); False when there was none."""
    with store.transaction() as conn:
        row = conn.execute(
            "DELETE FROM drafts WHERE agent_id = ? AND slot = ? RETURNING slot", (agent_id, slot)
        ).fetchone()
    return row is not None


def delete_of_conversation(store: Store, agent_id: str, conversation_id: int) -> int:
    """Remove the agent's drafts of a conversation (joins a transaction); how many."""
    with store.transaction() as conn:
        gone = conn.execute(
            "DELETE FROM drafts WHERE conversation_id = ? AND agent_id = ? RETURNING slot",
            (conversation_id, agent_id),
        ).fetchall()
    return len(gone)


def conversations_of(store: Store, agent_id: str) -> set[int]:
    """The conversations the agent has a draft of."""
    rows = store.query(
        "SELECT conversation_id FROM drafts WHERE agent_id = ? AND conversation_id IS NOT NULL",
        (agent_id,),
    )
    return {int(r["conversation_id"]) for r in rows}
