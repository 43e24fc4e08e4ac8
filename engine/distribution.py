"""Automatic distribution: each queued e-mail of an ``offer`` group offered to one agent.

The engine that holds the lease runs :func:`distribute` whenever something
changed (an e-mail queued, an agent free again) and about once a second. One
pass:

1. offers past their deadline are taken back, their agents set Away ("no
   answer", as ACDs do) and the e-mail goes to the next agent;
2. agents whose console went silent are logged out and their e-mails go back
   to the queue, first in line;
3. queued e-mails, first in line first (returned ones, then priority 1 to 9,
   then the longest waiting), are offered each to one agent chosen by its
   group's ``selection`` among those logged in, Available, under their
   capacity, out of wrap-up and without an offer. After
   ``overflow_after_minutes`` the agents of ``overflow_groups`` are chosen
   from too.

An offer is a row with a deadline, written with its event in one
transaction; the table's keys allow one offer per e-mail and one per agent.
A crash or a lease hand-over loses nothing: the rows stay, expire, and the
e-mail is offered again; never to two agents at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from engine import lifecycle
from engine.agent_state import (
    NO_ANSWER,
    AgentState,
    in_wrap_up,
    limit_in,
    log_out_silent,
    logged_in,
    set_state,
)
from engine.audit import EventKind, record
from engine.config import Config
from engine.config.model import AgentConfig, ServiceGroupConfig
from engine.errors import Refused
from engine.store import Store, conversations, iso_of, presence
from engine.store import offers as offer_rows

#: Queued e-mails read at a time while looking for agents to offer them to.
PAGE: Final = 200
#: Rows read at a time beyond two per free agent, up to ``PAGE``.
FIRST_ROWS: Final = 20
#: How long an agent who rejected (or let expire) an e-mail is not offered it again.
REFUSAL_SECONDS: Final = 300.0


@dataclass(frozen=True)
class Offer:
    """An e-mail offered to one agent until ``expires``."""

    conversation_id: int
    agent_id: str
    service_group: str
    offered_at: str
    expires: str


@dataclass
class Pass:
    """What one distribution pass did."""

    offered: list[Offer] = field(default_factory=list)
    expired: list[Offer] = field(default_factory=list)
    logged_out: list[str] = field(default_factory=list)


def offer_groups(config: Config) -> list[ServiceGroupConfig]:
    """The groups whose e-mails are offered (``distribution = "offer"``)."""
    return [g for g in config.service_group if g.distribution == "offer"]


def problems(config: Config) -> list[str]:
    """What ``micc check`` warns about: offer groups whose e-mails nobody could be offered."""
    found = []
    for group in offer_groups(config):
        if not any(group.name in agent.groups for agent in config.agent):
            found.append(
                f"service group {group.name!r} offers its e-mails but no agent is in it: "
                "they wait until a supervisor gives them out "
                '(add agents, or distribution = "pull")'
            )
    return found


def distribute(
    store: Store, config: Config, now: datetime | None = None, *, wall: datetime | None = None
) -> Pass:
    """One pass of the distributor (see the module's description).

    Args:
        store: the store.
        config: the tenant.
        now: the clock e-mails' waiting is measured by, for overflow (tests
            inject one; default: ``wall``).
        wall: the real time: offers' deadlines, wrap-up and heartbeats (all
            stamped in real time) are judged by it (default: now).
    """
    wall = wall or datetime.now(UTC)
    now = now or wall
    done = Pass()
    done.expired = expire(store, config, wall)
    done.logged_out = log_out_silent(store, config, wall)
    groups = offer_groups(config)
    if groups:
        done.offered = _offer_queued(store, config, groups, now, wall)
    return done


def expire(store: Store, config: Config, now: datetime) -> list[Offer]:
    """Take back offers past their deadline; their agents go Away ("no answer")."""
    at = iso_of(now)
    gone = []
    for row in offer_rows.expired(store, at):
        with store.transaction():
            offer = offer_rows.delete(
                store, int(row["conversation_id"]), str(row["agent_id"]), expired_at=at
            )
            if offer is None:
                continue  # accepted or withdrawn meanwhile
            agent_id = str(offer["agent_id"])
            offer_rows.refuse(store, int(offer["conversation_id"]), agent_id, at)
            record(
                store,
                EventKind.OFFER_EXPIRED,
                conversation_id=int(offer["conversation_id"]),
                at=at,
                detail={"agent": agent_id, "offered_at": offer["offered_at"]},
            )
            # An agent gone from the config since the offer has no state to set.
            available = presence.state_of(store, agent_id) == AgentState.AVAILABLE
            if available and config.find_agent(agent_id) is not None:
                set_state(store, config, agent_id, AgentState.AWAY, NO_ANSWER, at=at)
        gone.append(_offer(offer))
    return gone


@dataclass
class _Candidate:
    """An agent who may be offered an e-mail in this pass."""

    config: AgentConfig
    idle_since: str
    in_hand: int


def _free_agents(store: Store, config: Config, wall: datetime) -> dict[str, _Candidate]:
    """Agents logged in, Available, out of wrap-up and without an offer; by id."""
    fresh = presence.fresh_since(wall)
    # Only the few who may be offered something now are read, not every agent.
    rows = {str(r["agent_id"]): r for r in presence.free_for_offers(store, fresh)}
    if not rows:
        return {}
    held = conversations.held_by(store, str(lifecycle.State.IN_PROGRESS), sorted(rows))
    free = {}
    for agent in config.agent:
        row = rows.get(agent.id)
        if row is None or in_wrap_up(config, row, wall):
            continue
        free[agent.id] = _Candidate(
            agent, str(row["idle_since"] or row["since"] or ""), held.get(agent.id, 0)
        )
    return free


def _open_groups(
    groups: Sequence[ServiceGroupConfig], free: dict[str, _Candidate]
) -> list[ServiceGroupConfig]:
    """The groups a free agent could be offered an e-mail of, under their capacity for it.

    A member of the group, or of one of its ``overflow_groups``. Agents who
    could be offered nothing are dropped from ``free``: the queue is then read
    only for these groups, not walked whole for agents who are at capacity.
    """
    by_name = {g.name: g for g in groups}
    into: dict[str, list[str]] = {}  # group -> the groups that overflow into it
    for group in groups:
        if group.overflow_groups and group.overflow_after_minutes is not None:
            for name in group.overflow_groups:
                into.setdefault(name, []).append(group.name)
    wanted: set[str] = set()
    for agent_id, candidate in list(free.items()):
        agent = candidate.config
        mine = [n for n in agent.groups if n in by_name]
        mine += [x for n in agent.groups for x in into.get(n, ())]
        under = {name for name in mine if candidate.in_hand < limit_in(agent, by_name[name])}
        if under:
            wanted |= under
        else:
            del free[agent_id]
    return [g for g in groups if g.name in wanted]


def _offer_queued(
    store: Store,
    config: Config,
    groups: Sequence[ServiceGroupConfig],
    now: datetime,
    wall: datetime,
) -> list[Offer]:
    """Offer queued e-mails to free agents, deciding on one consistent view of the store.

    The whole pass is one write transaction: agents' states, idle times and
    e-mails in hand are read and the offers written with nothing committing
    in between. Otherwise an agent going Away (or answering an e-mail, and
    entering wrap-up) after the read and before the offer would be offered
    one, and the choice of the longest idle agent would go by stale times.
    """
    with store.transaction():
        return _offer_queued_now(store, config, groups, now, wall)


def _offer_queued_now(
    store: Store,
    config: Config,
    groups: Sequence[ServiceGroupConfig],
    now: datetime,
    wall: datetime,
) -> list[Offer]:
    free = _free_agents(store, config, wall)
    by_name = {g.name: g for g in _open_groups(groups, free)}
    if not free or not by_name:
        return []
    members: dict[str, list[str]] = {}  # group -> its free members (the others are not chosen)
    for agent_id, candidate in free.items():
        for name in candidate.config.groups:
            members.setdefault(name, []).append(agent_id)
    refused_since = iso_of(wall - timedelta(seconds=REFUSAL_SECONDS))
    made: list[Offer] = []
    position = 0
    while free:
        # A few free agents rarely need a whole page: read about as many rows as they are.
        limit = min(PAGE, FIRST_ROWS + 2 * len(free))
        page = conversations.offer_candidates(
            store, str(lifecycle.State.QUEUED), list(by_name), limit=limit, after=position
        )
        if not page:
            break
        # E-mails offered from this page leave the candidates (they are on
        # offer now): the next page starts that many rows earlier.
        position += len(page)
        refusals = offer_rows.refusals(store, [int(r["id"]) for r in page], since=refused_since)
        for row in page:
            group = by_name[str(row["service_group"])]
            chosen = choose(
                group,
                _pool(group, row["received"], members, now),
                free,
                config,
                refused=refusals.get(int(row["id"]), set()),
            )
            if chosen is None:
                continue
            offer = _make_offer(store, int(row["id"]), chosen, group, wall)
            if offer is None:
                continue
            made.append(offer)
            position -= 1
            del free[chosen]
            if not free:
                break
    return made


def _pool(
    group: ServiceGroupConfig, received: str, members: dict[str, list[str]], now: datetime
) -> Iterable[str]:
    """Who may be offered an e-mail of ``group`` received at ``received``."""
    yield from members.get(group.name, ())
    if group.overflow_groups and group.overflow_after_minutes is not None:
        waited = now.astimezone(UTC) - datetime.fromisoformat(received)
        if waited >= timedelta(minutes=group.overflow_after_minutes):
            for name in group.overflow_groups:
                yield from members.get(name, ())


def choose(
    group: ServiceGroupConfig,
    pool: Iterable[str],
    free: dict[str, _Candidate] | dict[str, Any],
    config: Config,
    *,
    refused: set[str] | frozenset[str] = frozenset(),
) -> str | None:
    """The agent to offer an e-mail of ``group`` to, by the group's selection; None if nobody.

    Longest idle: the earliest ``idle_since`` (then the id). Most skilled: the
    highest skill level for the group, then longest idle.
    """
    best: tuple[Any, ...] | None = None
    chosen = None
    for agent_id in pool:
        candidate = free.get(agent_id)
        if candidate is None or agent_id in refused:
            continue
        if candidate.in_hand >= limit_in(candidate.config, group):
            continue
        key: tuple[Any, ...] = (candidate.idle_since, agent_id)
        if group.selection == "most_skilled":
            key = (-candidate.config.skill(group.name), *key)
        if best is None or key < best:
            best, chosen = key, agent_id
    return chosen


def _make_offer(
    store: Store,
    conversation_id: int,
    agent_id: str,
    group: ServiceGroupConfig,
    now: datetime,
    *,
    by: str | None = None,
) -> Offer | None:
    """Offer the conversation to the agent if it is still queued and neither has an offer."""
    at = iso_of(now)
    expires = iso_of(now + timedelta(seconds=group.offer_timeout_seconds))
    with store.transaction():
        row = conversations.current(store, conversation_id)
        if row is None or row["state"] != lifecycle.State.QUEUED:
            return None
        if not offer_rows.insert(
            store, conversation_id, agent_id, group.name, at=at, expires=expires, by=by
        ):
            return None
        presence.offered(store, agent_id, at)
        record(
            store,
            EventKind.OFFERED,
            conversation_id=conversation_id,
            agent_id=by,
            at=at,
            detail={"agent": agent_id, "service_group": group.name, "expires": expires},
        )
    return Offer(conversation_id, agent_id, group.name, at, expires)


# -- what agents and supervisors do with offers ----------------------------------------------


def offer_of(store: Store, agent_id: str) -> Offer | None:
    """The e-mail offered to the agent right now, if any."""
    row = offer_rows.of_agent(store, agent_id)
    return _offer(row) if row is not None else None


def reject(store: Store, agent_id: str, conversation_id: int, reason: str) -> None:
    """The agent turns the offer down, saying why; it goes to the next agent."""
    at = iso_of(datetime.now(UTC))
    with store.transaction():
        offer = offer_rows.delete(store, conversation_id, agent_id)
        if offer is None:
            raise lifecycle.OfferRefused(
                f"e-mail {conversation_id} is not offered to you (any more)"
            )
        offer_rows.refuse(store, conversation_id, agent_id, at)
        record(
            store,
            EventKind.OFFER_REJECTED,
            conversation_id=conversation_id,
            agent_id=agent_id,
            at=at,
            detail={"reason": reason.strip() or None, "offered_at": offer["offered_at"]},
        )


def offer_to(
    store: Store,
    config: Config,
    supervisor_id: str,
    conversation_id: int,
    agent_id: str,
    now: datetime | None = None,
) -> Offer:
    """A supervisor offers a queued e-mail to a named agent (an offer to another is withdrawn).

    Refused when the agent is not logged in, already has an offer, or the
    e-mail is not queued.
    """
    now = now or datetime.now(UTC)
    agent = config.find_agent(agent_id)
    if agent is None:
        raise Refused(f"no agent with id {agent_id!r}")
    if not logged_in(presence.status(store, agent_id), now):
        raise Refused(f"{agent.name} is not logged in: give the e-mail outright instead")
    at = iso_of(now)
    with store.transaction():
        current = conversations.current(store, conversation_id)
        if current is None or current["state"] != lifecycle.State.QUEUED:
            raise lifecycle.OfferRefused(f"e-mail {conversation_id} is not waiting in a queue")
        group = config.group(str(current["service_group"] or ""))
        if group is None:
            raise Refused(f"e-mail {conversation_id} has no service group")
        mine = offer_rows.of_agent(store, agent_id)
        if mine is not None and int(mine["conversation_id"]) != conversation_id:
            raise lifecycle.OfferRefused(
                f"{agent.name} has an offer open (e-mail {mine['conversation_id']}): "
                "wait for the answer, or give this one outright"
            )
        other = offer_rows.delete(store, conversation_id)
        if other is not None:
            record(
                store,
                EventKind.OFFER_WITHDRAWN,
                conversation_id=conversation_id,
                agent_id=supervisor_id,
                at=at,
                detail={"agent": other["agent_id"], "why": f"offered to {agent_id}"},
            )
        made = _make_offer(store, conversation_id, agent_id, group, now, by=supervisor_id)
        if made is None:
            raise lifecycle.OfferRefused(f"e-mail {conversation_id} could not be offered")
    return made


def give(
    store: Store, config: Config, supervisor_id: str, conversation_id: int, agent_id: str
) -> None:
    """A supervisor gives a queued e-mail to a named agent outright (an offer is withdrawn)."""
    if config.find_agent(agent_id) is None:
        raise Refused(f"no agent with id {agent_id!r}")
    lifecycle.give(store, supervisor_id, conversation_id, agent_id)


def change_state(
    store: Store, config: Config, supervisor_id: str, agent_id: str, state: str, reason: str = ""
) -> None:
    """A supervisor sets an agent Available, Away (with a reason) or Logged out."""
    set_state(store, config, agent_id, state, reason, by=supervisor_id)


def _offer(row: Any) -> Offer:
    return Offer(
        int(row["conversation_id"]),
        str(row["agent_id"]),
        str(row["service_group"]),
        str(row["offered_at"]),
        str(row["expires_at"]),
    )


__all__ = [
    "Offer",
    "Pass",
    "change_state",
    "choose",
    "distribute",
    "expire",
    "give",
    "offer_groups",
    "offer_of",
    "offer_to",
    "problems",
    "reject",
]
