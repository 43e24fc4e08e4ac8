"""SQL of ``spelling_ignore``: words agents and groups taught the spelling check."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from engine.store.db import Store


def add(store: Store, scope: str, owner: str, culture: str, word: str, at: str) -> bool:
    """Add one word (joins a transaction); False when it was there already."""
    with store.transaction() as conn:
        row = conn.execute(
            "INSERT INTO spelling_ignore (scope, owner, culture, word, added_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            (scope, owner, culture, word, at),
        ).fetchone()
    return row is not None


def remove(store: Store, scope: str, owner: str, culture: str, word: str) -> bool:
    """Remove one word (joins a transaction); False when it was not there."""
    with store.transaction() as conn:
        row = conn.execute(
            "DELETE FROM spelling_ignore WHERE scope = ? AND owner = ? AND culture = ? "
            "AND word = ? RETURNING id",
            (scope, owner, culture, word),
        ).fetchone()
    return row is not None


def words_of(store: Store, culture: str, owners: Sequence[tuple[str, str]]) -> set[str]:
    """The words of ``culture`` ignored for any of ``owners`` ((scope, owner) pairs)."""
    if not owners:
        return set()
    where = " OR ".join("(scope = ? AND owner = ?)" for _ in owners)
    params: list[object] = [culture]
    for scope, owner in owners:
        params += [scope, owner]
    rows = store.query(
        f"SELECT word FROM spelling_ignore WHERE culture = ? AND ({where})", tuple(params)
    )
    return {str(row["word"]) for row in rows}


def listed(store: Store, *, scope: str | None, owner: str | None) -> list[sqlite3.Row]:
    """(scope, owner, culture, word, added_at) rows, optionally of one scope or owner."""
    sql = "SELECT scope, owner, culture, word, added_at FROM spelling_ignore WHERE 1 = 1"
    params: list[object] = []
    if scope is not None:
        sql += " AND scope = ?"
        params.append(scope)
    if owner is not None:
        sql += " AND owner = ?"
        params.append(owner)
    return store.query(sql + " ORDER BY scope, owner, culture, word", tuple(params))
