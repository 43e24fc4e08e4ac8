"""Queues: conversations waiting for, or being worked by, agents.

A queue item is a conversation; what an agent sees of it is its latest
incoming message. State changes are single guarded UPDATEs inside a write
transaction, so two consoles in two processes can never take one e-mail twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from engine.store import Store, now_iso

#: Every state a conversation can be in.
STATES = (
    "queued",
    "in_progress",
    "pending_review",
    "answered",
    "closed",
    "junk",
    "unrouted",
    "failed",
)


class QueueError(Exception):
    """A queue operation is not possible now (taken by someone else, wrong state...)."""


@dataclass(frozen=True)
class QueueItem:
    """A conversation as listed in a queue (JSON field names are an interface)."""

    id: int
    message_id: str
    subject: str
    from_name: str
    from_address: str
    to: list[str]
    service_access: str | None
    service_group: str | None
    state: str
    received: str
    agent_id: str | None
    reason: str
    message: int | None

    def to_json(self) -> dict[str, Any]:
        """The item as the ``--json`` listings print it."""
        return asdict(self)


_SELECT = (
    "SELECT c.id, COALESCE(m.message_id, '') AS message_id, c.subject, c.customer_name, "
    "c.customer_address, COALESCE(m.to_json, '[]') AS to_json, c.service_access, "
    "c.service_group, c.state, c.received, c.agent_id, c.reason, c.last_message "
    "FROM conversations c LEFT JOIN messages m ON m.id = c.last_message"
)


def _item(row: sqlite3.Row) -> QueueItem:
    return QueueItem(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        json.loads(row[5]),
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
        row[11],
        row[12],
    )


def list_items(
    store: Store,
    *,
    groups: Sequence[str] | None = None,
    states: Sequence[str] | None = ("queued",),
    agent_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[QueueItem]:
    """Conversations, oldest waiting first, filtered by group, state and agent."""
    where, params = _filters(groups, states, agent_id)
    sql = f"{_SELECT}{where} ORDER BY c.received, c.id"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return [_item(r) for r in store.query(sql, tuple(params))]


def count_items(
    store: Store,
    *,
    groups: Sequence[str] | None = None,
    states: Sequence[str] | None = ("queued",),
    agent_id: str | None = None,
) -> int:
    """How many conversations :func:`list_items` would return."""
    where, params = _filters(groups, states, agent_id)
    row = store.query_one(f"SELECT COUNT(*) FROM conversations c{where}", tuple(params))
    return int(row[0]) if row else 0


def _filters(
    groups: Sequence[str] | None, states: Sequence[str] | None, agent_id: str | None
) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if groups is not None:
        clauses.append(f"c.service_group IN ({','.join('?' * len(groups))})")
        params += list(groups)
    if states is not None:
        clauses.append(f"c.state IN ({','.join('?' * len(states))})")
        params += list(states)
    if agent_id is not None:
        clauses.append("c.agent_id = ?")
        params.append(agent_id)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def get_item(store: Store, conversation_id: int) -> QueueItem | None:
    """One conversation as a queue item."""
    row = store.query_one(f"{_SELECT} WHERE c.id = ?", (conversation_id,))
    return _item(row) if row else None


def group_counts(store: Store) -> dict[str, dict[str, int]]:
    """Per service group, the number of conversations in each state."""
    counts: dict[str, dict[str, int]] = {}
    for row in store.query(
        "SELECT COALESCE(service_group, ''), state, COUNT(*) FROM conversations GROUP BY 1, 2"
    ):
        counts.setdefault(row[0], {})[row[1]] = row[2]
    return counts


def _log(
    conn: sqlite3.Connection, kind: str, conversation: int, agent: str | None, **detail: object
) -> None:
    conn.execute(
        "INSERT INTO events (at, kind, conversation_id, agent_id, detail_json) VALUES "
        "(?, ?, ?, ?, ?)",
        (now_iso(), kind, conversation, agent, json.dumps(detail, ensure_ascii=False)),
    )


def take_next(store: Store, agent_id: str, groups: Sequence[str]) -> QueueItem | None:
    """Give ``agent_id`` the oldest queued e-mail of ``groups``; None when all are empty."""
    if not groups:
        return None
    marks = ",".join("?" * len(groups))
    with store.transaction() as conn:
        row = conn.execute(
            f"UPDATE conversations SET state = 'in_progress', agent_id = ?, updated = ? "
            f"WHERE id = (SELECT id FROM conversations WHERE state = 'queued' AND "
            f"service_group IN ({marks}) ORDER BY received, id LIMIT 1) RETURNING id",
            (agent_id, now_iso(), *groups),
        ).fetchone()
        if row is None:
            return None
        _log(conn, "taken", row[0], agent_id)
    return get_item(store, row[0])


def take(store: Store, agent_id: str, conversation_id: int) -> QueueItem:
    """Give ``agent_id`` this e-mail if it is still queued.

    Raises:
        QueueError: someone else took it first, or it is not in a queue.
    """
    with store.transaction() as conn:
        row = conn.execute(
            "UPDATE conversations SET state = 'in_progress', agent_id = ?, updated = ? "
            "WHERE id = ? AND state = 'queued' RETURNING id",
            (agent_id, now_iso(), conversation_id),
        ).fetchone()
        if row is None:
            current = conn.execute(
                "SELECT state, agent_id FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if current is None:
                raise QueueError(f"e-mail {conversation_id} does not exist")
            who = f" by {current[1]}" if current[1] else ""
            raise QueueError(f"e-mail {conversation_id} is {current[0].replace('_', ' ')}{who}")
        _log(conn, "taken", conversation_id, agent_id)
    item = get_item(store, conversation_id)
    assert item is not None
    return item


def _change(
    store: Store,
    conversation_id: int,
    agent_id: str | None,
    kind: str,
    *,
    to_state: str,
    from_states: Sequence[str],
    owner_only: bool = True,
    group: str | None = None,
    reason: str = "",
    keep_agent: bool = False,
) -> None:
    marks = ",".join("?" * len(from_states))
    sql = (
        f"UPDATE conversations SET state = ?, updated = ?, "
        f"agent_id = {'agent_id' if keep_agent else 'NULL'}, "
        f"reason = CASE WHEN ? = '' THEN reason ELSE ? END, "
        f"service_group = COALESCE(?, service_group) "
        f"WHERE id = ? AND state IN ({marks})"
    )
    params: list[object] = [
        to_state,
        now_iso(),
        reason,
        reason,
        group,
        conversation_id,
        *from_states,
    ]
    if owner_only:
        sql += " AND agent_id = ?"
        params.append(agent_id)
    with store.transaction() as conn:
        changed = conn.execute(sql + " RETURNING id", params).fetchone()
        if changed is None:
            raise QueueError(
                f"e-mail {conversation_id} cannot be {kind} now (it changed hands or state)"
            )
        _log(conn, kind, conversation_id, agent_id, reason=reason, service_group=group)


def put_back(store: Store, agent_id: str, conversation_id: int) -> None:
    """Return an e-mail the agent holds to its queue."""
    _change(
        store,
        conversation_id,
        agent_id,
        "put back",
        to_state="queued",
        from_states=("in_progress",),
    )


def release(store: Store, supervisor_id: str, conversation_id: int) -> None:
    """A supervisor returns any agent's e-mail to the queue."""
    _change(
        store,
        conversation_id,
        supervisor_id,
        "released",
        to_state="queued",
        from_states=("in_progress",),
        owner_only=False,
    )


def transfer(store: Store, agent_id: str, conversation_id: int, group: str, note: str) -> None:
    """Move an e-mail the agent holds to another group's queue, with a note."""
    _change(
        store,
        conversation_id,
        agent_id,
        "transferred",
        to_state="queued",
        from_states=("in_progress",),
        group=group,
        reason=note,
    )


def close(store: Store, agent_id: str, conversation_id: int, reason: str) -> None:
    """Close an e-mail without a reply; the reason is kept."""
    _change(
        store,
        conversation_id,
        agent_id,
        "closed",
        to_state="closed",
        from_states=("in_progress",),
        reason=reason,
        keep_agent=True,
    )


def mark_junk(store: Store, agent_id: str, conversation_id: int) -> None:
    """Mark an e-mail the agent holds as junk (kept in the archive)."""
    _change(
        store,
        conversation_id,
        agent_id,
        "junk",
        to_state="junk",
        from_states=("in_progress",),
        reason="junk",
        keep_agent=True,
    )


def assign(store: Store, supervisor_id: str, conversation_id: int, group: str) -> None:
    """A supervisor queues an unrouted or failed e-mail for ``group``."""
    _change(
        store,
        conversation_id,
        supervisor_id,
        "assigned",
        to_state="queued",
        from_states=("unrouted", "failed"),
        owner_only=False,
        group=group,
        reason=f"assigned to {group}",
    )


def discard(store: Store, supervisor_id: str, conversation_id: int, reason: str) -> None:
    """A supervisor discards an unrouted or failed e-mail (it stays archived)."""
    _change(
        store,
        conversation_id,
        supervisor_id,
        "discarded",
        to_state="closed",
        from_states=("unrouted", "failed"),
        owner_only=False,
        reason=reason,
    )
