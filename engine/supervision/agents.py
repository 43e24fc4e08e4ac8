"""The agents view: who is logged in, what each holds, what each did today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine import agent_state, distribution, lifecycle, queue
from engine.agent_state import AgentState
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


@dataclass(frozen=True)
class AgentRow:
    """One agent or supervisor as listed on the agents tab."""

    agent_id: str
    name: str
    role: str
    groups: tuple[str, ...]
    #: An :class:`~engine.agent_state.AgentState` value: ``available``, ``away``, ``offered``...
    state: str
    logged_in: bool
    in_hand: int
    handled_today: int
    last_seen: str | None
    #: E-mails the agent waits on the customer for.
    waiting: int = 0
    #: Why Away (or logged out): "Break", "no answer", "no heartbeat"; '' otherwise.
    reason: str = ""
    #: Since when the state holds (stored time), None when never logged in.
    since: str | None = None
    #: How many e-mails the agent may hold at once.
    capacity: int = 0
    #: The e-mail offered to the agent right now, and until when (stored time).
    offer: int | None = None
    offer_expires: str | None = None

    @property
    def words(self) -> str:
        """The state as a person reads it, with its reason: ``Away: Break``."""
        words = AgentState(self.state).words
        return f"{words}: {self.reason}" if self.reason else words


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
    """Every configured agent, in config order, with their state and today's figures.

    ``now`` is the clock heartbeats, wrap-up and "today" are judged by.
    """
    now = now or utc_now()
    waiting = counts_by_key(conversations.per_holder(store, (lifecycle.State.PENDING_CUSTOMER,)))
    handled = counts_by_key(
        conversations.per_holder(store, lifecycle.HANDLED, since=iso(start_of_local_day(now)))
    )
    roles = {agent.id: agent.role for agent in config.agent}
    return [
        AgentRow(
            status.agent_id,
            status.name,
            roles.get(status.agent_id, "agent"),
            tuple(status.groups),
            status.state,
            status.logged_in,
            status.in_hand,
            int(handled.get(status.agent_id, 0)),
            status.last_seen,
            int(waiting.get(status.agent_id, 0)),
            status.reason,
            status.since,
            status.capacity,
            status.offer,
            status.offer_expires,
        )
        for status in agent_state.statuses(store, config, now, wall=now)
    ]


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


def change_state(
    store: Store,
    config: Config,
    supervisor_id: str,
    agent_id: str,
    state: str,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    """A supervisor sets a logged-in agent Available or Away (with a reason).

    Logging out goes through :func:`log_out`. Only an agent's own console logs
    them in: a supervisor cannot make an agent without a console Available
    (the distributor would offer them e-mails nobody reads).

    Raises:
        Refused: no such agent, the agent is logged out, Away without a
            reason, or a state one does not set.
    """
    wanted = _settable(state)
    if wanted == AgentState.LOGGED_OUT:
        log_out(store, config, supervisor_id, agent_id, now)
        return
    current = _status(store, config, agent_id, now)
    if not current.logged_in:
        raise Refused(f"{current.name} is logged out: only their own console logs them in")
    if wanted == AgentState.AWAY and not reason.strip():
        raise Refused(f"say why {current.name} is Away (one of the away reasons)")
    distribution.change_state(store, config, supervisor_id, agent_id, str(wanted), reason)


def log_out(
    store: Store,
    config: Config,
    supervisor_id: str,
    agent_id: str,
    now: datetime | None = None,
) -> int:
    """A supervisor logs an agent out; how many e-mails in their hand went back to the queue.

    Their offer is withdrawn and every e-mail in their hand goes back to its
    queue first in line (a ``returned`` event each). An agent logged out
    already is logged out again, so e-mails a dead console left in hand go
    back at once.
    """
    _status(store, config, agent_id, now)  # Refused for an unknown agent
    before = len(in_hand(store, agent_id))
    distribution.change_state(
        store, config, supervisor_id, agent_id, str(AgentState.LOGGED_OUT), LOGGED_OUT_BY
    )
    return before - len(in_hand(store, agent_id))


def candidates(
    store: Store, config: Config, group: str | None, now: datetime | None = None
) -> list[AgentRow]:
    """Agents a supervisor may assign an e-mail of ``group`` to: its members first.

    Members of the group come first, then the other agents; in each, those
    logged in first, in config order. Supervisors are left out.
    """
    rows = [row for row in agent_rows(store, config, now) if row.role != "supervisor"]
    return sorted(rows, key=lambda row: (group not in row.groups, not row.logged_in))


#: Why a supervisor's log-out logged the agent out (their state's reason).
LOGGED_OUT_BY = "by supervisor"


def _settable(state: str) -> AgentState:
    try:
        wanted = AgentState(state)
    except ValueError:
        raise Refused(f"no agent state {state!r}") from None
    if wanted not in agent_state.SETTABLE:
        raise Refused(f"{wanted.words} is not a state one sets; it follows from the e-mails")
    return wanted


def _status(
    store: Store, config: Config, agent_id: str, now: datetime | None
) -> agent_state.AgentStatus:
    now = now or utc_now()
    for status in agent_state.statuses(store, config, now, wall=now):
        if status.agent_id == agent_id:
            return status
    raise Refused(f"no agent with id {agent_id!r}")
