"""SQL of the ``lease`` table: who runs the engine (see :mod:`engine.lease`)."""

from __future__ import annotations

import sqlite3

from engine.store.db import Store


def shown(store: Store, name: str) -> sqlite3.Row | None:
    """(holder, pid, host, expires, acquired) of lease ``name``, else of the newest lease."""
    row = store.query_one(
        "SELECT holder, pid, host, expires, acquired FROM lease WHERE name = ?", (name,)
    )
    if row is None:
        row = store.query_one(
            "SELECT holder, pid, host, expires, acquired FROM lease ORDER BY expires DESC LIMIT 1"
        )
    return row


_COLUMNS = "holder, pid, host, expires, priority, wanted_by, wanted_priority, wanted_until"


def read(store: Store, name: str) -> sqlite3.Row | None:
    """Lease ``name``'s (holder, pid, host, expires, priority, wanted_by, wanted_priority,
    wanted_until), or None when nobody holds it."""
    return store.query_one(f"SELECT {_COLUMNS} FROM lease WHERE name = ?", (name,))


def ask(
    store: Store, name: str, holder: str, pid: int, host: str, priority: int, until: float
) -> None:
    """Leave a request for the lease on its row (joins a transaction)."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE lease SET wanted_by = ?, wanted_pid = ?, wanted_host = ?, "
            "wanted_priority = ?, wanted_until = ? WHERE name = ?",
            (holder, pid, host, priority, until, name),
        )


def take(
    store: Store,
    name: str,
    *,
    holder: str,
    pid: int,
    host: str,
    expires: float,
    acquired: str,
    priority: int,
    keep_request: bool,
) -> None:
    """Become the holder (joins a transaction); a pending request stays if ``keep_request``."""
    sql = (
        "INSERT INTO lease (name, holder, pid, host, expires, acquired, priority) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
        "holder = excluded.holder, pid = excluded.pid, host = excluded.host, "
        "expires = excluded.expires, acquired = excluded.acquired, priority = excluded.priority"
    )
    if not keep_request:
        sql += ", wanted_by = '', wanted_priority = 0, wanted_until = 0"
    with store.transaction() as conn:
        conn.execute(sql, (name, holder, pid, host, expires, acquired, priority))


def withdraw(store: Store, name: str, holder: str) -> None:
    """Drop ``holder``'s lease and any request of theirs (joins a transaction)."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM lease WHERE name = ? AND holder = ?", (name, holder))
        conn.execute(
            "UPDATE lease SET wanted_by = '', wanted_priority = 0, wanted_until = 0 "
            "WHERE name = ? AND wanted_by = ?",
            (name, holder),
        )


def renew(store: Store, name: str, holder: str, expires: float) -> sqlite3.Row | None:
    """Extend ``holder``'s lease; (wanted_by, wanted_priority, wanted_until), or None if lost."""
    with store.transaction() as conn:
        row: sqlite3.Row | None = conn.execute(
            "UPDATE lease SET expires = ? WHERE name = ? AND holder = ? "
            "RETURNING wanted_by, wanted_priority, wanted_until",
            (expires, name, holder),
        ).fetchone()
    return row


def hand_over(store: Store, name: str, holder: str, expires: float, acquired: str) -> None:
    """Give ``holder``'s lease to whoever asked for it (joins a transaction)."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE lease SET holder = wanted_by, pid = wanted_pid, host = wanted_host, "
            "priority = wanted_priority, expires = ?, acquired = ?, wanted_by = '', "
            "wanted_priority = 0, wanted_until = 0 WHERE name = ? AND holder = ?",
            (expires, acquired, name, holder),
        )


def drop(store: Store, name: str, holder: str) -> None:
    """Delete ``holder``'s lease (joins a transaction)."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM lease WHERE name = ? AND holder = ?", (name, holder))
