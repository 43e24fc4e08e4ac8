"""SQL of the ``conversations`` table: queue listings, counts and guarded changes.

Only :mod:`engine.lifecycle` changes a conversation's state and holder, and
only through :func:`change`, :func:`take_oldest` and :func:`insert`: each is
one statement, so a change either finds the row as the caller expected and
applies, or changes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Final

from engine.store.db import Store
from engine.store.dialect import marks


class _Anyone:
    """The holder does not matter (a supervisor acting on any agent's e-mail)."""

    def __repr__(self) -> str:
        return "ANYONE"


#: Pass as ``holder`` to :func:`change` when any holder (or none) will do.
ANYONE: Final = _Anyone()

#: Columns :func:`change` may set besides state, holder and ``updated``.
_SETTABLE = frozenset(
    {
        "service_access",
        "service_group",
        "reason",
        "received",
        "last_message",
        "remind_at",
        "priority",
        "ahead",
    }
)

#: The order of a queue and of offers: returned e-mails first in line, then by
#: priority (1 first), then the longest waiting.
QUEUE_ORDER = "ahead DESC, priority, received, id"

ITEM_SELECT = (
    "SELECT c.id, COALESCE(m.message_id, '') AS message_id, c.subject, c.customer_name, "
    "c.customer_address, COALESCE(m.to_json, '[]') AS to_json, c.service_access, "
    "c.service_group, c.state, c.received, c.agent_id, c.reason, c.last_message, c.remind_at, "
    "c.priority, o.agent_id AS offered_to "
    "FROM conversations c LEFT JOIN messages m ON m.id = c.last_message "
    "LEFT JOIN offers o ON o.conversation_id = c.id"
)


def insert(
    store: Store,
    *,
    subject: str,
    customer_name: str,
    customer_address: str,
    service_access: str | None,
    service_group: str | None,
    state: str,
    reason: str,
    at: str,
    priority: int = 5,
) -> int:
    """A new conversation (joins an open transaction); its id."""
    with store.transaction() as conn:
        row = conn.execute(
            "INSERT INTO conversations (subject, customer_name, customer_address, "
            "service_access, service_group, state, reason, created, updated, received, "
            "priority) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                subject,
                customer_name,
                customer_address,
                service_access,
                service_group,
                state,
                reason,
                at,
                at,
                at,
                priority,
            ),
        ).fetchone()
    return int(row[0])


def change(
    store: Store,
    conversation_id: int,
    *,
    states: Sequence[str],
    holder: str | _Anyone | None,
    to_state: str,
    to_holder: str | None,
    at: str,
    values: Mapping[str, object] | None = None,
    newest_message_below: int | None = None,
) -> bool:
    """Compare and set, in one statement: apply only if the row is as expected.

    Args:
        store: the store (joins an open transaction).
        conversation_id: the conversation.
        states: the states it must be in.
        holder: the agent who must hold it (None: nobody), or :data:`ANYONE`.
        to_state: the new state.
        to_holder: the new holder (None: nobody).
        at: the time of the change (``updated``).
        values: other columns to set (service group, reason...).
        newest_message_below: also require that no message with this archive
            id or a newer one arrived (a reply written before it answers less).

    Returns:
        Whether the row was changed.
    """
    extra = dict(values or {})
    unknown = set(extra) - _SETTABLE
    if unknown:
        raise ValueError(f"not a settable conversation column: {sorted(unknown)}")
    sets = ["state = ?", "agent_id = ?", "updated = ?", *(f"{c} = ?" for c in extra)]
    params: list[object] = [to_state, to_holder, at, *extra.values()]
    where = f"id = ? AND state IN ({marks(states)})"
    params += [conversation_id, *states]
    if not isinstance(holder, _Anyone):
        where += " AND " + store.dialect.same("agent_id")
        params.append(holder)
    if newest_message_below is not None:
        where += " AND COALESCE(last_message, 0) < ?"
        params.append(newest_message_below)
    with store.transaction() as conn:
        row = conn.execute(
            f"UPDATE conversations SET {', '.join(sets)} WHERE {where} RETURNING id", params
        ).fetchone()
    return row is not None


def take_oldest(
    store: Store, agent_id: str, groups: Sequence[str], *, from_state: str, to_state: str, at: str
) -> int | None:
    """Give ``agent_id`` the first conversation of ``groups`` in ``from_state``; its id.

    First in :data:`QUEUE_ORDER`, skipping those offered to someone.
    """
    with store.transaction() as conn:
        row = conn.execute(
            f"UPDATE conversations SET state = ?, agent_id = ?, updated = ?, ahead = 0 "
            f"WHERE id = (SELECT id FROM conversations WHERE state = ? AND "
            f"service_group IN ({marks(groups)}) "
            f"AND id NOT IN (SELECT conversation_id FROM offers) "
            f"ORDER BY {QUEUE_ORDER} LIMIT 1) "
            f"AND state = ? RETURNING id",
            (to_state, agent_id, at, from_state, *groups, from_state),
        ).fetchone()
    return int(row[0]) if row is not None else None


def set_last_message(store: Store, conversation_id: int, archive_id: int) -> None:
    """Point the conversation at its newest incoming message (no state change)."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE conversations SET last_message = ? WHERE id = ?", (archive_id, conversation_id)
        )


def current(store: Store, conversation_id: int) -> sqlite3.Row | None:
    """The conversation's state, holder, access, group, reason and reminder, or None."""
    return store.query_one(
        "SELECT id, state, agent_id, service_access, service_group, reason, subject, updated, "
        "remind_at FROM conversations WHERE id = ?",
        (conversation_id,),
    )


def _filters(
    groups: Sequence[str] | None, states: Sequence[str] | None, agent_id: str | None
) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if groups is not None:
        clauses.append(f"c.service_group IN ({marks(groups)})")
        params += list(groups)
    if states is not None:
        clauses.append(f"c.state IN ({marks(states)})")
        params += list(states)
    if agent_id is not None:
        clauses.append("c.agent_id = ?")
        params.append(agent_id)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def items(
    store: Store,
    *,
    groups: Sequence[str] | None,
    states: Sequence[str] | None,
    agent_id: str | None,
    limit: int | None = None,
    offset: int = 0,
) -> list[sqlite3.Row]:
    """Queue rows (see :data:`ITEM_SELECT`) in :data:`QUEUE_ORDER`."""
    where, params = _filters(groups, states, agent_id)
    sql = f"{ITEM_SELECT}{where} ORDER BY c.ahead DESC, c.priority, c.received, c.id"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return store.query(sql, tuple(params))


def count(
    store: Store,
    *,
    groups: Sequence[str] | None,
    states: Sequence[str] | None,
    agent_id: str | None,
) -> int:
    """How many rows :func:`items` would return."""
    where, params = _filters(groups, states, agent_id)
    row = store.query_one(f"SELECT COUNT(*) FROM conversations c{where}", tuple(params))
    return int(row[0]) if row else 0


def item(store: Store, conversation_id: int) -> sqlite3.Row | None:
    """One queue row."""
    return store.query_one(f"{ITEM_SELECT} WHERE c.id = ?", (conversation_id,))


def counts_by_group_and_state(store: Store) -> list[sqlite3.Row]:
    """(group or '', state, count) of every conversation."""
    return store.query(
        "SELECT COALESCE(service_group, ''), state, COUNT(*) FROM conversations GROUP BY 1, 2"
    )


def open_counts(store: Store, states: Sequence[str]) -> list[sqlite3.Row]:
    """(state, group, count, oldest received) for conversations in ``states``.

    One pass over the (state, service_group, received) index in its order.
    """
    return store.query(
        f"SELECT state, service_group, COUNT(*), MIN(received) FROM conversations "
        f"WHERE state IN ({marks(states)}) GROUP BY state, service_group",
        tuple(states),
    )


def of_customer_in_group(
    store: Store,
    customer_address: str,
    service_group: str,
    *,
    states: Sequence[str],
    recent_states: Sequence[str],
    since: str,
    limit: int = 50,
) -> list[sqlite3.Row]:
    """(id, subject) of the customer's conversations in the group, newest first.

    Those in ``states``, and those in ``recent_states`` changed since ``since``.
    The address is compared in any case.
    """
    return store.query(
        "SELECT id, subject FROM conversations "
        "WHERE lower(customer_address) = ? AND service_group = ? "
        f"AND (state IN ({marks(states)}) "
        f"OR (state IN ({marks(recent_states)}) AND updated >= ?)) "
        "ORDER BY updated DESC, id DESC LIMIT ?",
        (customer_address.lower(), service_group, *states, *recent_states, since, limit),
    )


def changed_since_by_group(store: Store, state: str, since: str) -> list[sqlite3.Row]:
    """(group, count) of conversations that entered ``state`` since ``since``."""
    # "+service_group" keeps SQLite from walking a whole index in group order
    # (the archive) instead of the (state, updated) range.
    return store.query(
        "SELECT service_group, COUNT(*) FROM conversations "
        "WHERE state = ? AND updated >= ? GROUP BY +service_group",
        (state, since),
    )


def per_holder(
    store: Store, states: Sequence[str], *, since: str | None = None
) -> list[sqlite3.Row]:
    """(agent, count) of conversations in ``states`` (changed since ``since``, if given)."""
    sql = f"SELECT agent_id, COUNT(*) FROM conversations WHERE state IN ({marks(states)})"
    params: list[object] = list(states)
    if since is not None:
        sql += " AND updated >= ?"
        params.append(since)
    # "+agent_id" keeps SQLite from walking the whole (agent_id, state) index
    # in group order instead of the few rows of those states.
    return store.query(sql + " GROUP BY +agent_id", tuple(params))


def held_by(store: Store, state: str, agents: Sequence[str]) -> dict[str, int]:
    """How many conversations in ``state`` each of ``agents`` holds (absent: none)."""
    found: dict[str, int] = {}
    for start in range(0, len(agents), 500):
        part = agents[start : start + 500]
        for row in store.query(
            f"SELECT agent_id, COUNT(*) FROM conversations WHERE agent_id IN ({marks(part)}) "
            "AND state = ? GROUP BY agent_id",
            (*part, state),
        ):
            found[str(row[0])] = int(row[1])
    return found


def reminders_due(store: Store, state: str, now: str, *, limit: int = 500) -> list[sqlite3.Row]:
    """(id, agent_id, updated) of conversations in ``state`` whose reminder is at or before ``now``.

    A range of the (state, remind_at) index; the earliest reminders first.
    """
    return store.query(
        "SELECT id, agent_id, updated FROM conversations "
        "WHERE state = ? AND remind_at IS NOT NULL AND remind_at <= ? "
        "ORDER BY remind_at, id LIMIT ?",
        (state, now, limit),
    )


def waiting(
    store: Store, state: str, *, groups: Sequence[str] | None = None, agent_id: str | None = None
) -> list[sqlite3.Row]:
    """Conversations in ``state``, longest waiting first, with who waits and the reminder.

    (id, subject, customer_name, customer_address, service_group, agent_id,
    updated, remind_at, received); ``updated`` is when they began to wait.
    """
    where, params = _filters(groups, (state,), agent_id)
    return store.query(
        "SELECT c.id, c.subject, c.customer_name, c.customer_address, c.service_group, "
        f"c.agent_id, c.updated, c.remind_at, c.received FROM conversations c{where} "
        "ORDER BY c.updated, c.id",
        tuple(params),
    )


def waiting_by_group(store: Store, state: str) -> list[sqlite3.Row]:
    """(group, count, longest waiting since) of conversations in ``state``."""
    return store.query(
        "SELECT service_group, COUNT(*), MIN(updated) FROM conversations "
        "WHERE state = ? GROUP BY service_group",
        (state,),
    )


def offer_candidates(
    store: Store, state: str, groups: Sequence[str], *, limit: int, after: int = 0
) -> list[sqlite3.Row]:
    """(id, service_group, received, priority, ahead) of ``state`` in ``groups`` not on offer.

    In :data:`QUEUE_ORDER`, ``limit`` rows from position ``after``.
    """
    return store.query(
        f"SELECT id, service_group, received, priority, ahead FROM conversations "
        f"WHERE state = ? AND service_group IN ({marks(groups)}) "
        f"AND id NOT IN (SELECT conversation_id FROM offers) "
        f"ORDER BY {QUEUE_ORDER} LIMIT ? OFFSET ?",
        (state, *groups, limit, after),
    )
