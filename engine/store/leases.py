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
