"""SQL of ``sync_state``: how far each mailbox has been read (see :mod:`engine.sync`)."""

from __future__ import annotations

import sqlite3

from engine.store.db import Store


def summary(store: Store) -> list[sqlite3.Row]:
    """(mailbox, last UID, updated) of every mailbox read, by mailbox."""
    return store.query("SELECT mailbox, last_uid, updated FROM sync_state ORDER BY mailbox")


def load(store: Store, mailbox: str) -> sqlite3.Row | None:
    """(uidvalidity, last_uid, detail_json) of ``mailbox``, or None before its first read."""
    return store.query_one(
        "SELECT uidvalidity, last_uid, detail_json FROM sync_state WHERE mailbox = ?", (mailbox,)
    )


def save(
    store: Store, mailbox: str, validity: int | None, last: int, detail_json: str, at: str
) -> None:
    """Record how far ``mailbox`` was read (joins an open transaction)."""
    sql = store.dialect.upsert(
        "sync_state", ("mailbox", "uidvalidity", "last_uid", "detail_json", "updated"), ("mailbox",)
    )
    with store.transaction() as conn:
        conn.execute(sql, (mailbox, validity, last, detail_json, at))
