"""SQL of ``access_activation``: which service accesses are active, and in what order."""

from __future__ import annotations

import sqlite3

from engine.store.db import Store


def names(store: Store) -> set[str]:
    """Every service access the store has seen."""
    return {str(row[0]) for row in store.query("SELECT name FROM access_activation")}


def add_inactive(store: Store, name: str, at: str) -> None:
    """Record a service access not seen before, inactive (joins an open transaction)."""
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO access_activation (name, active, changed_at) VALUES (?, 0, ?) "
            "ON CONFLICT (name) DO NOTHING",
            (name, at),
        )


def is_active(store: Store, name: str) -> bool:
    """Whether the service access is active now."""
    row = store.query_one("SELECT active FROM access_activation WHERE name = ?", (name,))
    return bool(row is not None and row[0])


def activate_last(store: Store, name: str, at: str) -> int | None:
    """Activate an inactive access, last in order (joins a transaction); its place, or None."""
    with store.transaction() as conn:
        row = conn.execute(
            "UPDATE access_activation SET active = 1, activation_seq = (SELECT "
            "COALESCE(MAX(activation_seq), 0) + 1 FROM access_activation), activated_at = ?, "
            "changed_at = ? WHERE name = ? AND active = 0 RETURNING activation_seq",
            (at, at, name),
        ).fetchone()
    return int(row[0]) if row is not None else None


def deactivate(store: Store, name: str, at: str) -> bool:
    """Deactivate an active access (joins a transaction); whether it was active."""
    with store.transaction() as conn:
        row = conn.execute(
            "UPDATE access_activation SET active = 0, activation_seq = NULL, "
            "activated_at = NULL, changed_at = ? WHERE name = ? AND active = 1 RETURNING name",
            (at, name),
        ).fetchone()
    return row is not None


def rows(store: Store) -> dict[str, sqlite3.Row]:
    """Every access's row (name, active, activation_seq, activated_at...), by name."""
    return {r["name"]: r for r in store.query("SELECT * FROM access_activation")}
