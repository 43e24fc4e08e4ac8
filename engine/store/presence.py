"""SQL of ``agent_status``: each agent's state as their console reports it, with a heartbeat."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Final

from engine.store.db import Store

#: An agent whose console has not been heard from for this long is logged out
#: (a console that crashed cannot say goodbye); consoles beat every 30 s.
PRESENCE_SECONDS: Final = 90.0


def put(store: Store, agent_id: str, state: str, pid: int, at: str) -> None:
    """Record an agent's state (also a heartbeat)."""
    sql = store.dialect.upsert(
        "agent_status", ("agent_id", "state", "pid", "last_seen"), ("agent_id",)
    )
    with store.transaction() as conn:
        conn.execute(sql, (agent_id, state, pid, at))


def beat(store: Store, agent_id: str, pid: int, at: str) -> None:
    """Say the agent's console still runs, without changing the state."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE agent_status SET last_seen = ?, pid = ? WHERE agent_id = ?",
            (at, pid, agent_id),
        )


def state_of(store: Store, agent_id: str) -> str | None:
    """The agent's recorded state, or None when never recorded."""
    row = store.query_one("SELECT state FROM agent_status WHERE agent_id = ?", (agent_id,))
    return str(row[0]) if row else None


def rows(store: Store) -> list[sqlite3.Row]:
    """Every agent heard of: (agent_id, state, last_seen)."""
    return store.query("SELECT agent_id, state, last_seen FROM agent_status")


def stamp(store: Store) -> sqlite3.Row | None:
    """(newest heartbeat, number of agents): changes when presence may have changed."""
    return store.query_one("SELECT MAX(last_seen), COUNT(*) FROM agent_status")


def available(store: Store, agent_id: str, now: datetime) -> bool:
    """Whether the agent is logged in (heard from lately) and Available at ``now``."""
    fresh_since = (now.astimezone(UTC) - timedelta(seconds=PRESENCE_SECONDS)).isoformat(
        timespec="microseconds"
    )
    row = store.query_one(
        "SELECT 1 FROM agent_status WHERE agent_id = ? AND state = 'available' AND last_seen >= ?",
        (agent_id, fresh_since),
    )
    return row is not None
