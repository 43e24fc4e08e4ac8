"""Queues as agents and supervisors see them: conversations, by priority then waiting time.

A queue item is a conversation; what an agent sees of it is its latest
incoming message. This module only reads; every change of a conversation's
state goes through :mod:`engine.lifecycle`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from engine.lifecycle import State
from engine.store import Store
from engine.store import conversations as rows

#: Every state a conversation can be in.
STATES = tuple(str(s) for s in State)


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
    #: When the agent waiting for the customer is reminded (stored time), if they are.
    remind_at: str | None = None
    #: 1 is the highest, 9 the lowest (from the service access).
    priority: int = 5
    #: The agent it is offered to right now, if it is.
    offered_to: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The item as the ``--json`` listings print it."""
        return asdict(self)


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
        row[13],
        row[14],
        row[15],
    )


def list_items(
    store: Store,
    *,
    groups: Sequence[str] | None = None,
    states: Sequence[str] | None = (State.QUEUED,),
    agent_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[QueueItem]:
    """Conversations, first in line first, filtered by group, state and agent.

    Returned e-mails first, then by priority (1 first), then the longest waiting.
    """
    found = rows.items(
        store, groups=groups, states=states, agent_id=agent_id, limit=limit, offset=offset
    )
    return [_item(r) for r in found]


def count_items(
    store: Store,
    *,
    groups: Sequence[str] | None = None,
    states: Sequence[str] | None = (State.QUEUED,),
    agent_id: str | None = None,
) -> int:
    """How many conversations :func:`list_items` would return."""
    return rows.count(store, groups=groups, states=states, agent_id=agent_id)


def get_item(store: Store, conversation_id: int) -> QueueItem | None:
    """One conversation as a queue item."""
    row = rows.item(store, conversation_id)
    return _item(row) if row else None


def group_counts(store: Store) -> dict[str, dict[str, int]]:
    """Per service group, the number of conversations in each state."""
    counts: dict[str, dict[str, int]] = {}
    for row in rows.counts_by_group_and_state(store):
        counts.setdefault(row[0], {})[row[1]] = row[2]
    return counts
