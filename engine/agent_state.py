"""Agents' states: Available, Away (with a reason), Offered, Busy, Wrap-up, Logged out.

An agent's console (or a supervisor) sets what the agent *says*: Available,
Away with a reason, or Logged out. The rest follows from the store: an agent
with a live offer is Offered; one holding as many e-mails as they may is Busy;
one who has just sent a reply is in Wrap-up for their group's
``wrap_up_seconds``. A console not heard from lately counts as Logged out.
Every change of what an agent says is an ``agent_state`` event, in the
transaction that makes it, and the time in state is kept.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from engine import lifecycle
from engine.audit import EventKind, record
from engine.config import Config
from engine.config.model import AgentConfig, ServiceGroupConfig
from engine.errors import Refused
from engine.store import Store, conversations, iso_of, now_iso, presence
from engine.store import offers as offer_rows


class AgentState(StrEnum):
    """What an agent is doing, as supervisors and ``micc agents`` show it. Values are stored."""

    AVAILABLE = "available"
    AWAY = "away"
    OFFERED = "offered"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    LOGGED_OUT = "logged_out"

    @property
    def words(self) -> str:
        """As a person reads it: ``Wrap-up``, ``Logged out``."""
        return {"wrap_up": "Wrap-up", "logged_out": "Logged out"}.get(
            self.value, self.value.capitalize()
        )


#: What an agent (or a supervisor for them) may set; the others follow from the store.
SETTABLE: Final = (AgentState.AVAILABLE, AgentState.AWAY, AgentState.LOGGED_OUT)
#: Stored states that mean the agent is not logged in (``offline``: older consoles).
_LOGGED_OUT: Final = ("logged_out", "offline")
#: Why an agent who let an offer expire is Away, as ACDs say it.
NO_ANSWER: Final = "no answer"
#: Why a console that went silent was logged out.
NO_HEARTBEAT: Final = "no heartbeat"


@dataclass(frozen=True)
class AgentStatus:
    """One agent's state with what explains it (JSON field names are an interface)."""

    agent_id: str
    name: str
    state: str
    reason: str
    #: Since when the state holds (stored time), None when never logged in.
    since: str | None
    in_hand: int
    capacity: int
    groups: list[str]
    #: The conversation offered to the agent right now, and until when.
    offer: int | None
    offer_expires: str | None
    #: When the console was last heard from (stored time).
    last_seen: str | None
    #: Since when the agent is idle (longest idle first), None when never Available.
    idle_since: str | None

    @property
    def logged_in(self) -> bool:
        """Whether the agent's console runs (any state but Logged out)."""
        return self.state != AgentState.LOGGED_OUT

    def to_json(self) -> dict[str, Any]:
        """As ``micc agents --json`` prints it."""
        return asdict(self)


def capacity(agent: AgentConfig, config: Config, group: str | None = None) -> int:
    """How many e-mails the agent may hold: their own limit, else the group's (the largest)."""
    if agent.max_in_hand is not None:
        return agent.max_in_hand
    if group is not None:
        found = config.group(group)
        if found is not None:
            return limit_in(agent, found)
    limits = [g.max_in_hand for g in config.service_group if g.name in agent.groups]
    return max(limits, default=3)


def limit_in(agent: AgentConfig, group: ServiceGroupConfig) -> int:
    """How many e-mails the agent may hold for offers of ``group``: their own limit, else its."""
    return agent.max_in_hand if agent.max_in_hand is not None else group.max_in_hand


def _fresh(last_seen: str | None, wall: datetime) -> bool:
    return bool(last_seen) and str(last_seen) >= presence.fresh_since(wall)


def logged_in(row: sqlite3.Row | None, wall: datetime) -> bool:
    """Whether the agent of this ``agent_status`` row is logged in at ``wall``."""
    return row is not None and row["state"] not in _LOGGED_OUT and _fresh(row["last_seen"], wall)


def in_wrap_up(config: Config, row: sqlite3.Row | None, now: datetime) -> bool:
    """Whether the agent sent a reply less than their group's ``wrap_up_seconds`` ago."""
    if row is None or not row["sent_at"] or not row["sent_group"]:
        return False
    group = config.group(str(row["sent_group"]))
    if group is None or group.wrap_up_seconds <= 0:
        return False
    until = datetime.fromisoformat(str(row["sent_at"])) + timedelta(seconds=group.wrap_up_seconds)
    return until > now.astimezone(UTC)


def statuses(
    store: Store, config: Config, now: datetime | None = None, *, wall: datetime | None = None
) -> list[AgentStatus]:
    """Every configured agent's state, in config order.

    Args:
        store: the store.
        config: the tenant.
        now: the clock for wrap-up (default: now).
        wall: the real time heartbeats are judged by (default: now).
    """
    now = now or datetime.now(UTC)
    wall = wall or datetime.now(UTC)
    rows = {str(r["agent_id"]): r for r in presence.statuses(store)}
    held = {
        str(r[0]): int(r[1])
        for r in conversations.per_holder(store, (lifecycle.State.IN_PROGRESS,))
        if r[0]
    }
    offers = {str(r["agent_id"]): r for r in offer_rows.every(store)}
    found = []
    for agent in config.agent:
        row = rows.get(agent.id)
        offer = offers.get(agent.id)
        in_hand = held.get(agent.id, 0)
        limit = capacity(agent, config)
        state, reason, since = _state(config, row, offer, in_hand, limit, now, wall)
        found.append(
            AgentStatus(
                agent.id,
                agent.name,
                str(state),
                reason,
                since,
                in_hand,
                limit,
                list(agent.groups),
                int(offer["conversation_id"]) if offer else None,
                str(offer["expires_at"]) if offer else None,
                str(row["last_seen"]) if row else None,
                str(row["idle_since"]) if row and row["idle_since"] else None,
            )
        )
    return found


def status(store: Store, config: Config, agent_id: str) -> AgentStatus:
    """One agent's state; Refused when no such agent is configured."""
    for found in statuses(store, config):
        if found.agent_id == agent_id:
            return found
    raise Refused(f"no agent with id {agent_id!r}")


def _state(
    config: Config,
    row: sqlite3.Row | None,
    offer: sqlite3.Row | None,
    in_hand: int,
    limit: int,
    now: datetime,
    wall: datetime,
) -> tuple[AgentState, str, str | None]:
    """(state, reason, since) of one agent."""
    if row is None:
        return AgentState.LOGGED_OUT, "", None
    since = str(row["since"] or row["last_seen"])
    if row["state"] in _LOGGED_OUT:
        return AgentState.LOGGED_OUT, str(row["reason"]), since
    if not _fresh(row["last_seen"], wall):
        return AgentState.LOGGED_OUT, NO_HEARTBEAT, str(row["last_seen"])
    if row["state"] != AgentState.AVAILABLE:
        return AgentState.AWAY, str(row["reason"]), since
    if offer is not None:
        return AgentState.OFFERED, "", str(offer["offered_at"])
    if in_hand >= limit:
        return AgentState.BUSY, "", str(row["idle_since"] or since)
    if in_wrap_up(config, row, now):
        return AgentState.WRAP_UP, "", str(row["sent_at"])
    return AgentState.AVAILABLE, "", str(row["idle_since"] or since)


def set_state(
    store: Store,
    config: Config,
    agent_id: str,
    state: AgentState | str,
    reason: str = "",
    *,
    by: str | None = None,
    pid: int | None = None,
    at: str | None = None,
    keep_in_hand: bool = False,
) -> None:
    """Set what the agent says: Available, Away (with a reason) or Logged out.

    Going Away or logging out withdraws the agent's offer (it goes to the
    next agent); logging out also returns the e-mails in their hand to the
    queue, first in line. One ``agent_state`` event tells the change.

    Args:
        store: the store.
        config: the tenant (the agent must be in it).
        agent_id: whose state.
        state: one of :data:`SETTABLE`.
        reason: why Away (one of ``[distribution] away_reasons``, or "no answer").
        by: who changed it when not the agent (a supervisor; None: the agent
            or the engine).
        pid: the console's process id, when the console sets it (a heartbeat too).
        at: when (stored time; default now).
        keep_in_hand: logging out, the agent keeps their e-mails (the console
            asked them); a supervisor's or a silence's log-out returns them.
    """
    state = AgentState(state)
    if state not in SETTABLE:
        raise Refused(f"{state.words} is not a state one sets; it follows from the e-mails")
    if config.find_agent(agent_id) is None:
        raise Refused(f"no agent with id {agent_id!r}")
    reason = reason.strip() if state != AgentState.AVAILABLE else ""
    at = at or now_iso()
    with store.transaction():
        before = presence.change_state(
            store, agent_id, str(state), reason, at, pid=pid, heard=by is None
        )
        changed = before is None or before["state"] != state or before["reason"] != reason
        if state != AgentState.AVAILABLE:
            withdraw_offer(store, agent_id, at, why=str(state))
        if state == AgentState.LOGGED_OUT and not keep_in_hand:
            _return_in_hand(store, agent_id, by, reason or "logged out", at)
        if changed:
            record(
                store,
                EventKind.AGENT_STATE,
                agent_id=agent_id,
                at=at,
                detail={
                    "from_state": before["state"] if before else None,
                    "to_state": str(state),
                    "reason": reason or None,
                    "by": by,
                },
            )


def withdraw_offer(store: Store, agent_id: str, at: str, *, why: str) -> int | None:
    """Take back the agent's offer, if any (it goes to the next agent); its conversation."""
    offer = offer_rows.of_agent(store, agent_id)
    if offer is None:
        return None
    conversation_id = int(offer["conversation_id"])
    with store.transaction():
        gone = offer_rows.delete(store, conversation_id, agent_id)
        if gone is None:
            return None
        offer_rows.refuse(store, conversation_id, agent_id, at)
        record(
            store,
            EventKind.OFFER_WITHDRAWN,
            conversation_id=conversation_id,
            at=at,
            detail={"agent": agent_id, "why": why},
        )
    return conversation_id


def _return_in_hand(store: Store, agent_id: str, by: str | None, reason: str, at: str) -> None:
    for item in conversations.items(
        store, groups=None, states=(str(lifecycle.State.IN_PROGRESS),), agent_id=agent_id
    ):
        try:
            lifecycle.return_to_queue(store, by, int(item["id"]), agent_id, reason)
        except Refused:
            continue


def log_out_silent(store: Store, config: Config, wall: datetime | None = None) -> list[str]:
    """Log out agents whose console went silent; their e-mails go back, first in line.

    Silent: no heartbeat for ``[distribution] logout_after_seconds``. Returns their ids.
    """
    wall = wall or datetime.now(UTC)
    before = iso_of(wall - timedelta(seconds=config.distribution.logout_after_seconds))
    gone = []
    for row in presence.silent_since(store, before, _LOGGED_OUT):
        agent_id = str(row["agent_id"])
        if config.find_agent(agent_id) is None:
            continue
        set_state(store, config, agent_id, AgentState.LOGGED_OUT, NO_HEARTBEAT)
        gone.append(agent_id)
    return gone


__all__ = [
    "NO_ANSWER",
    "NO_HEARTBEAT",
    "SETTABLE",
    "AgentState",
    "AgentStatus",
    "capacity",
    "in_wrap_up",
    "limit_in",
    "log_out_silent",
    "logged_in",
    "set_state",
    "statuses",
    "withdraw_offer",
]
