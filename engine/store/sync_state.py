"""SQL of ``sync_state``: how far each mailbox has been read (see :mod:`engine.sync`)."""

from __future__ import annotations

import sqlite3

from engine.store.db import Store


def summary(store: Store) -> list[sqlite3.Row]:
    """(mailbox, last UID, updated) of every mailbox read, by mailbox."""
    return store.query("SELECT mailbox, last_uid, updated FROM sync_state ORDER BY mailbox")
