"""SQL of the ``notes`` table: internal remarks on a conversation, never sent."""

from __future__ import annotations

import sqlite3

from engine.store.db import Store


def insert(store: Store, conversation_id: int, agent_id: str | None, body: str, at: str) -> int:
    """Add a note (joins an open transaction); its id."""
    with store.transaction() as conn:
        row = conn.execute(
            "INSERT INTO notes (conversation_id, agent_id, body, created) VALUES (?, ?, ?, ?) "
            "RETURNING id",
            (conversation_id, agent_id, body, at),
        ).fetchone()
    return int(row[0])


def of_conversation(store: Store, conversation_id: int) -> list[sqlite3.Row]:
    """A conversation's notes (id, agent, body, created), oldest first."""
    return store.query(
        "SELECT id, agent_id, body, created FROM notes WHERE conversation_id = ? ORDER BY id",
        (conversation_id,),
    )
