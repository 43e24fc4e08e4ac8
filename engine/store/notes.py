"""SQL of the ``notes`` table: internal remarks on a conversation, never sent."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

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


def _contains(word: str) -> str:
    """A LIKE pattern for text holding ``word`` (its ``%``, ``_`` and ``\\`` literal)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(store: Store, words: Sequence[str], *, limit: int) -> list[sqlite3.Row]:
    """Notes holding every one of ``words`` (lower case), newest first, with their ids."""
    if not words:
        return []
    clauses = " AND ".join("lower(body) LIKE ? ESCAPE '\\'" for _ in words)
    return store.query(
        "SELECT id, conversation_id, agent_id, body, created FROM notes "
        f"WHERE {clauses} ORDER BY id DESC LIMIT ?",
        (*(_contains(w) for w in words), limit),
    )
