"""SQL of ``agent_status``: each agent's state as their console reports it, with a heartbeat."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from engine.store.db import Store, iso_of

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


def fresh_since(now: datetime) -> str:
    """The oldest heartbeat (stored time) of a console still counted as logged in at ``now``."""
    return iso_of(now - timedelta(seconds=PRESENCE_SECONDS))


def available(store: Store, agent_id: str, now: datetime) -> bool:
    """Whether the agent is logged in (heard from lately) and Available at ``now``."""
    row = store.query_one(
        "SELECT 1 FROM agent_status WHERE agent_id = ? AND state = 'available' AND last_seen >= ?",
        (agent_id, fresh_since(now)),
    )
    return row is not None


_STATUS_COLUMNS = "agent_id, state, reason, since, last_seen, idle_since, sent_at, sent_group, pid"


def change_state(
    store: Store,
    agent_id: str,
    state: str,
    reason: str,
    at: str,
    *,
    pid: int | None = None,
    heard: bool = True,
) -> sqlite3.Row | None:
    """Set the agent's state and why, since ``at``; the row as it was (None: first time).

    Becoming Available starts the agent's idle time. The time in state only
    restarts when the state or reason changes. ``heard``: the agent (their
    console) says so; a state set by someone else for an agent never heard of
    does not make them look logged in. Joins an open transaction.
    """
    with store.transaction() as conn:
        before: sqlite3.Row | None = conn.execute(
            f"SELECT {_STATUS_COLUMNS} FROM agent_status WHERE agent_id = ?", (agent_id,)
        ).fetchone()
        if before is None:
            conn.execute(
                "INSERT INTO agent_status (agent_id, state, pid, last_seen, reason, since, "
                "idle_since) VALUES (?, ?, ?, ?, ?, ?, ?)",
                # Set by someone else (a supervisor) before the agent's console ever
                # ran: never heard from, so not logged in ('' sorts before any time).
                (
                    agent_id,
                    state,
                    pid,
                    at if heard else "",
                    reason,
                    at,
                    at if state == "available" else None,
                ),
            )
            return None
        same = before["state"] == state and before["reason"] == reason
        idle_since = before["idle_since"]
        if state == "available" and (before["state"] != "available" or idle_since is None):
            idle_since = at
        conn.execute(
            "UPDATE agent_status SET state = ?, reason = ?, since = ?, idle_since = ?, "
            "last_seen = CASE WHEN ? IS NULL THEN last_seen ELSE ? END, pid = COALESCE(?, pid) "
            "WHERE agent_id = ?",
            (
                state,
                reason,
                before["since"] if same and before["since"] else at,
                idle_since,
                pid,
                at,
                pid,
                agent_id,
            ),
        )
    return before


def finished_work(store: Store, agent_id: str, at: str, *, sent_group: str | None) -> None:
    """The agent let go of an e-mail (answered, closed...): idle from ``at``; a send: wrap-up."""
    with store.transaction() as conn:
        if sent_group is None:
            conn.execute(
                "UPDATE agent_status SET idle_since = ? WHERE agent_id = ?", (at, agent_id)
            )
        else:
            conn.execute(
                "UPDATE agent_status SET idle_since = ?, sent_at = ?, sent_group = ? "
                "WHERE agent_id = ?",
                (at, at, sent_group, agent_id),
            )


def offered(store: Store, agent_id: str, at: str) -> None:
    """The agent was offered an e-mail: the idle time restarts (the next offer goes elsewhere)."""
    with store.transaction() as conn:
        conn.execute("UPDATE agent_status SET idle_since = ? WHERE agent_id = ?", (at, agent_id))


def status(store: Store, agent_id: str) -> sqlite3.Row | None:
    """The agent's whole row (see ``_STATUS_COLUMNS``), or None."""
    return store.query_one(
        f"SELECT {_STATUS_COLUMNS} FROM agent_status WHERE agent_id = ?", (agent_id,)
    )


def statuses(store: Store) -> list[sqlite3.Row]:
    """Every agent's whole row."""
    return store.query(f"SELECT {_STATUS_COLUMNS} FROM agent_status ORDER BY agent_id")


def free_for_offers(store: Store, fresh_since: str) -> list[sqlite3.Row]:
    """Agents Available, heard from at or after ``fresh_since``, without an offer (whole rows)."""
    return store.query(
        f"SELECT {_STATUS_COLUMNS} FROM agent_status WHERE state = 'available' "
        "AND last_seen >= ? AND agent_id NOT IN (SELECT agent_id FROM offers)",
        (fresh_since,),
    )


def silent_since(store: Store, before: str, logged_out: Sequence[str]) -> list[sqlite3.Row]:
    """Agents not logged out whose console was last heard before ``before``."""
    return store.query(
        f"SELECT {_STATUS_COLUMNS} FROM agent_status WHERE last_seen < ? "
        f"AND state NOT IN ({','.join('?' * len(logged_out))})",
        (before, *logged_out),
    )
