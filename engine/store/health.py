"""SQL of ``engine_health``: each engine part's state in words, one row per part."""

from __future__ import annotations

import sqlite3

from engine.store.db import Store


def put(store: Store, name: str, state: str, detail: str, at: str) -> None:
    """Record a part's state (joins an open transaction)."""
    sql = store.dialect.upsert("engine_health", ("name", "state", "detail", "updated"), ("name",))
    with store.transaction() as conn:
        conn.execute(sql, (name, state, detail, at))


def rows(store: Store) -> list[sqlite3.Row]:
    """Every part's (name, state, detail, updated), by name."""
    return store.query("SELECT name, state, detail, updated FROM engine_health ORDER BY name")


def newest_update(store: Store) -> str:
    """The latest ``updated`` of any part ('' when none reported)."""
    row = store.query_one("SELECT COALESCE(MAX(updated), '') FROM engine_health")
    return str(row[0]) if row else ""
