"""The agents view: who is logged in, what each holds, what each did today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine import lifecycle, queue
from engine.config import Config
from engine.errors import Refused
from engine.store import Store, conversations
from engine.supervision.clock import (
    counts_by_key,
    iso,
    minutes_between,
    parse_iso,
    start_of_local_day,
    utc_now,
)
from engine.supervision.dashboard import presences


@dataclass(frozen=True)
class AgentRow:
    """One agent or supervisor as listed on the agents tab."""

    agent_id: str
    name: str
    role: str
    groups: tuple[str, ...]
    #: ``available``, ``away``... as the console reports it; ``offline`` when not logged in.
    state: str
    logged_in: bool
    in_hand: int
    handled_today: int
    last_seen: str | None
    #: E-mails the agent waits on the customer for.
    waiting: int = 0


@dataclass(frozen=True)
class Waiting:
    """A conversation waiting for the customer, as the supervisor sees it."""

    conversation_id: int
    subject: str
    customer: str
    service_group: str | None
    #: The agent who waits.
    agent_id: str | None
    #: When it began to wait (stored time).
    since: str
    #: When the agent is reminded (stored time), None without a reminder.
    remind_at: str | None
    #: When the customer's last message arrived (stored time).
    received: str
    #: Minutes it has waited for the customer so far.
    minutes: float


def agent_rows(store: Store, config: Config, now: datetime | None = None) -> list[AgentRow]:
    """Every configured agent, in config order, with presence and today's figures."""
    now = now or utc_now()
    present = presences(store, now)
    in_hand = counts_by_key(conversations.per_holder(store, (lifecycle.State.IN_PROGRESS,)))
    waiting = counts_by_key(conversations.per_holder(store, (lifecycle.State.PENDING_CUSTOMER,)))
    handled = counts_by_key(
        conversations.per_holder(store, lifecycle.HANDLED, since=iso(start_of_local_day(now)))
    )
    rows = []
    for agent in config.agent:
        presence = present.get(agent.id)
        rows.append(
            AgentRow(
                agent.id,
                agent.name,
                agent.role,
                tuple(agent.groups),
                presence.state if presence else "offline",
                bool(presence and presence.logged_in),
                int(in_hand.get(agent.id, 0)),
                int(handled.get(agent.id, 0)),
                presence.last_seen if presence else None,
                int(waiting.get(agent.id, 0)),
            )
        )
    return rows


def in_hand(store: Store, agent_id: str) -> list[queue.QueueItem]:
    """The e-mails an agent is working on, oldest first."""
    return queue.list_items(store, states=(lifecycle.State.IN_PROGRESS,), agent_id=agent_id)


def waiting_for_customer(
    store: Store, agent_id: str | None = None, now: datetime | None = None
) -> list[Waiting]:
    """Conversations waiting for the customer (of one agent, or all), longest waiting first."""
    now = now or utc_now()
    found = []
    for r in conversations.waiting(store, str(lifecycle.State.PENDING_CUSTOMER), agent_id=agent_id):
        since = parse_iso(r[6])
        minutes = minutes_between(since, now) if since else 0.0
        found.append(Waiting(r[0], r[1], r[2] or r[3], r[4], r[5], r[6], r[7], r[8], minutes))
    return found


def release_all(store: Store, supervisor_id: str, agent_id: str) -> int:
    """Return every e-mail ``agent_id`` holds to its queue; how many went back.

    E-mails the agent finishes meanwhile are skipped, not errors.
    """
    released = 0
    for item in in_hand(store, agent_id):
        try:
            lifecycle.release(store, supervisor_id, item.id, holder=agent_id)
        except Refused:
            continue
        released += 1
    return released
