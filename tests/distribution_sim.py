"""Scripted agents and a distributor, each role a process of its own, on one store.

``python -m tests.distribution_sim agents CONFIG SEED STOPFILE ID...`` runs the
named agents in one process: each says it is Available, beats its heartbeat,
looks for its offer, accepts it (or now and then rejects it, or lets one
expire), "handles" the e-mail for a random few milliseconds and answers it
through the agent facade's real reply path (``draft`` and ``send``). Agents
go Away for a break now and then and come back; an agent named in
``MICC_SIM_LOGOUT`` logs out mid-run (its e-mails go back to the queue);
``MICC_SIM_THINK`` is the most seconds an agent reads an offer before
answering it (default 0).
They stop when ``STOPFILE`` exists.

``python -m tests.distribution_sim distributor CONFIG STOPFILE`` runs
:func:`engine.distribution.distribute` in a loop, as the engine does.

:func:`replay` reads the event log back and checks every offer against the
rules, from the log alone (tests/test_distribution_simulation.py,
tests/test_distribution_sigkill.py).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine import distribution, lifecycle
from engine.agent_state import AgentState, capacity, set_state
from engine.config import Config, load_config
from engine.errors import Refused
from engine.service import open_contact_center
from engine.store import Store, presence

#: Seconds between two heartbeats of one agent.
BEAT_EVERY = 1.0
#: Seconds an agent process sleeps between two looks at its agents.
TICK = 0.003


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass
class _Agent:
    id: str
    rng: random.Random
    in_hand: dict[int, float] = field(default_factory=dict)
    away_until: float | None = None
    ignoring: int | None = None
    ignores_left: int = 0
    ignore_after: float = 0.0
    logout_at: float | None = None
    logged_out: bool = False
    next_beat: float = 0.0
    next_look: float = 0.0
    #: The offer being read before it is accepted, and when the agent decides.
    reading: tuple[int, float] | None = None


def run_agents(config_path: str, seed: int, stop_file: str, ids: list[str]) -> None:
    """The agents' loop (see the module's description); prints counts as JSON at the end."""
    config = load_config(config_path)
    desks = {agent_id: open_contact_center(config, agent_id) for agent_id in ids}
    store = desks[ids[0]].store
    logout = os.environ.get("MICC_SIM_LOGOUT", "")
    logout_after = float(os.environ.get("MICC_SIM_LOGOUT_AFTER", "3"))
    ignorers = set(os.environ.get("MICC_SIM_IGNORE", "").split(","))
    think = float(os.environ.get("MICC_SIM_THINK", "0"))
    started = time.monotonic()
    agents = []
    for n, agent_id in enumerate(ids):
        agent = _Agent(agent_id, random.Random(seed * 1000 + n))
        agent.ignores_left = 1 if agent_id in ignorers else 0
        agent.ignore_after = started + 1.0
        agent.logout_at = started + logout_after if agent_id == logout else None
        set_state(store, config, agent_id, AgentState.AVAILABLE, pid=os.getpid())
        agents.append(agent)
    counts = {"accepted": 0, "rejected": 0, "ignored": 0, "answered": 0, "away": 0, "late": 0}
    checked = 0.0
    while True:
        now = time.monotonic()
        if now - checked > 0.1:
            checked = now
            if Path(stop_file).exists():
                break
        for agent in agents:
            _step(agent, desks[agent.id], store, config, counts, now, think)
        time.sleep(TICK)
    for desk in desks.values():
        desk.close()
    print(json.dumps(counts), flush=True)


def _step(
    agent: _Agent,
    desk: Any,
    store: Store,
    config: Config,
    counts: dict[str, int],
    now: float,
    think: float,
) -> None:
    if agent.logged_out:
        return
    if now >= agent.next_beat:
        presence.beat(store, agent.id, os.getpid(), _now())
        agent.next_beat = now + BEAT_EVERY
    # The agent logs out mid-work, holding an e-mail (at the latest 5 s later).
    if agent.logout_at is not None and (
        now >= agent.logout_at + 5 or (now >= agent.logout_at and agent.in_hand)
    ):
        # Logged out by hand, not by the console's goodbye: the e-mails go back.
        set_state(store, config, agent.id, AgentState.LOGGED_OUT, "end of shift")
        agent.in_hand.clear()
        agent.logged_out = True
        return
    for conversation_id, done_at in list(agent.in_hand.items()):
        if now >= done_at:
            draft = desk.draft(conversation_id, "reply")
            desk.send(draft.edited(body=f"Answer to {conversation_id} from {agent.id}.\n"))
            del agent.in_hand[conversation_id]
            counts["answered"] += 1
    if agent.away_until is None and agent.ignoring is None and now >= agent.next_look:
        agent.next_look = now + 0.5
        if presence.state_of(store, agent.id) != AgentState.AVAILABLE:  # set Away for us
            agent.away_until = now + 0.2
    if agent.away_until is not None:
        if now >= agent.away_until:
            set_state(store, config, agent.id, AgentState.AVAILABLE)
            agent.away_until = None
        return
    offer = distribution.offer_of(store, agent.id)
    if agent.ignoring is not None:
        if offer is not None and offer.conversation_id == agent.ignoring:
            return  # looking away while it counts down
        agent.ignoring = None
        if presence.state_of(store, agent.id) == AgentState.AWAY:  # "no answer"
            agent.away_until = now + 0.2
            return
    if offer is not None and think:
        if agent.reading is None or agent.reading[0] != offer.conversation_id:
            agent.reading = (offer.conversation_id, now + agent.rng.uniform(0, think))
        if now < agent.reading[1]:
            return  # reading the banner
    if offer is not None:
        if agent.ignores_left and now > agent.ignore_after:
            agent.ignores_left -= 1
            agent.ignoring = offer.conversation_id
            counts["ignored"] += 1
            return
        if agent.rng.random() < 0.04:
            try:
                distribution.reject(store, agent.id, offer.conversation_id, "not my topic")
                counts["rejected"] += 1
            except Refused:
                counts["late"] += 1
            return
        try:
            lifecycle.accept_offer(store, agent.id, offer.conversation_id, datetime.now(UTC))
        except Refused:
            counts["late"] += 1  # it expired, or went elsewhere meanwhile
            return
        counts["accepted"] += 1
        agent.in_hand[offer.conversation_id] = now + agent.rng.uniform(0.003, 0.04)
        return
    if agent.rng.random() < 0.002:
        set_state(store, config, agent.id, AgentState.AWAY, "Break")
        agent.away_until = now + agent.rng.uniform(0.05, 0.4)
        counts["away"] += 1


def run_distributor(config_path: str, stop_file: str) -> None:
    """Distribution passes in a loop until ``stop_file`` exists; prints the counts."""
    config = load_config(config_path)
    store = Store(config.store.path, migrate=False)
    passes = offered = 0
    while not Path(stop_file).exists():
        done = distribution.distribute(store, config)
        passes += 1
        offered += len(done.offered)
        time.sleep(0.01)
    store.close()
    print(json.dumps({"passes": passes, "offered": offered}), flush=True)


# -- reading the log back ----------------------------------------------------------------


@dataclass
class _Conv:
    group: str
    priority: int
    received: str
    state: str = ""
    ahead: int = 0
    offer: str | None = None
    offer_event: int = 0
    refused: set[str] = field(default_factory=set)

    def order(self, conversation_id: int) -> tuple[int, int, str, int]:
        return (-self.ahead, self.priority, self.received, conversation_id)


@dataclass
class _Who:
    state: str = "logged_out"
    idle_since: str | None = None
    sent_at: str | None = None
    sent_group: str | None = None
    in_hand: set[int] = field(default_factory=set)
    offer: int | None = None


@dataclass
class Replay:
    """What the log says, and every rule it broke (empty: none)."""

    broken: list[str] = field(default_factory=list)
    offers: int = 0
    overflow_offers: int = 0
    skill_decided: int = 0
    idle_decided: int = 0
    expired: int = 0
    rejected: int = 0
    returned: int = 0
    away_changes: int = 0

    def fail(self, text: str) -> None:
        if len(self.broken) < 30:
            self.broken.append(text)


_TAKES = ("offer_accepted", "taken", "given")
_MOVES = (
    "replied",
    "put_back",
    "released",
    "transferred",
    "closed",
    "junk",
    "returned",
    "waiting_for_customer",
    "reopened",
)


def assert_answered_once(store: Store, emails: int, note: str) -> None:
    """Every one of the ``emails`` conversations answered: one reply event, one outbox reply."""
    states = Counter(str(r[0]) for r in store.query("SELECT state FROM conversations"))
    assert states == {"answered": emails}, f"{note}: {states}"
    for sql in (
        "SELECT conversation_id FROM events WHERE kind = 'replied'",
        "SELECT conversation_id FROM outbox WHERE kind = 'reply'",
    ):
        each = Counter(int(r[0]) for r in store.query(sql))
        assert len(each) == emails and set(each.values()) == {1}, f"{note}: {sql}"


def replay(store: Store, config: Config, *, rules: bool = True) -> Replay:
    """Check the event log, event by event, against what the distributor promises.

    Always: an e-mail is offered to one agent at a time, and each offer ends
    (accepted, rejected, expired, withdrawn) before the next one of that
    e-mail; an agent has one offer at a time. With ``rules``, at each
    ``offered`` event: the agent was Available (not Away, not Logged out), out
    of wrap-up, under their capacity for the group, in the group (or in an
    overflow group once the e-mail had waited ``overflow_after_minutes``),
    had not refused the e-mail, and was the longest idle of the agents who
    could have had it (the most skilled first in ``most_skilled`` groups); and
    no e-mail before it in line (returned first, then priority, then waiting
    time) that the agent could have had was left queued without an offer.
    Agents' idle time is rebuilt from the log as ``engine.store.presence``
    keeps it: it restarts when they become Available, are offered an e-mail,
    take one, or let one go.
    """
    out = Replay()
    convs: dict[int, _Conv] = {
        int(r[0]): _Conv(str(r[1] or ""), int(r[2]), str(r[3]))
        for r in store.query("SELECT id, service_group, priority, received FROM conversations")
    }
    agents = {a.id: _Who() for a in config.agent}
    members: dict[str, set[str]] = {}
    for agent in config.agent:
        for name in agent.groups:
            members.setdefault(name, set()).add(agent.id)
    offer_groups = {g.name for g in distribution.offer_groups(config)}

    def eligible(agent_id: str, conversation_id: int, at: str) -> str:
        """Why the agent could not have been offered the e-mail at ``at`` ("" if they could)."""
        who, conv = agents[agent_id], convs[conversation_id]
        group = config.group(conv.group)
        assert group is not None
        if who.state != AgentState.AVAILABLE:
            return f"{who.state}"
        if who.offer is not None:
            return f"already offered {who.offer}"
        if who.sent_at and who.sent_group:
            sent = config.group(who.sent_group)
            if sent is not None and sent.wrap_up_seconds > 0:
                until = datetime.fromisoformat(who.sent_at) + timedelta(
                    seconds=sent.wrap_up_seconds
                )
                if until > datetime.fromisoformat(at):
                    return "in wrap-up"
        agent = config.find_agent(agent_id)
        assert agent is not None
        if len(who.in_hand) >= capacity(agent, config, conv.group):
            return f"at capacity ({len(who.in_hand)} in hand)"
        if agent_id not in members.get(conv.group, set()):
            waited = datetime.fromisoformat(at) - datetime.fromisoformat(conv.received)
            if (
                group.overflow_after_minutes is None
                or not any(agent_id in members.get(g, set()) for g in group.overflow_groups)
                or waited < timedelta(minutes=group.overflow_after_minutes)
            ):
                return "not in the group (nor overflowing to it)"
        if agent_id in conv.refused:
            return "refused it before"
        return ""

    def key(agent_id: str, group_name: str) -> tuple[Any, ...]:
        who = agents[agent_id]
        base: tuple[Any, ...] = (who.idle_since or "", agent_id)
        group = config.group(group_name)
        agent = config.find_agent(agent_id)
        assert group is not None and agent is not None
        if group.selection == "most_skilled":
            return (-agent.skill(group_name), *base)
        return base

    def end_offer(conversation_id: int, agent_id: str | None, event: int, kind: str) -> None:
        conv = convs[conversation_id]
        if conv.offer is None:
            out.fail(f"event {event} {kind} of e-mail {conversation_id}: it was not on offer")
            return
        if agent_id is not None and conv.offer != agent_id:
            out.fail(
                f"event {event} {kind} of e-mail {conversation_id} by {agent_id}: "
                f"it was offered to {conv.offer}"
            )
        agents[conv.offer].offer = None
        conv.offer = None

    for row in store.query(
        "SELECT id, at, kind, conversation_id, agent_id, detail_json FROM events ORDER BY id"
    ):
        event, at, kind = int(row[0]), str(row[1]), str(row[2])
        cid = int(row[3]) if row[3] is not None else None
        actor = str(row[4]) if row[4] is not None else None
        detail: dict[str, Any] = json.loads(row[5] or "{}")
        conv = convs.get(cid) if cid is not None else None
        if kind == "agent_state":
            assert actor is not None
            who = agents[actor]
            to_state = str(detail["to_state"])
            if to_state == AgentState.AVAILABLE and who.state != AgentState.AVAILABLE:
                who.idle_since = at
            if to_state == AgentState.AWAY:
                out.away_changes += 1
            who.state = to_state
            continue
        if conv is None or cid is None:
            continue
        if kind == "received":
            conv.state = str(detail["to_state"])
        elif kind == "offered":
            agent_id = str(detail["agent"])
            out.offers += 1
            if conv.offer is not None:
                out.fail(
                    f"event {event}: e-mail {cid} offered to {agent_id} while offered to "
                    f"{conv.offer} (event {conv.offer_event})"
                )
            if agents[agent_id].offer is not None:
                out.fail(f"event {event}: {agent_id} offered {cid} while offered another")
            if conv.state != lifecycle.State.QUEUED:
                out.fail(f"event {event}: e-mail {cid} offered while {conv.state}")
            if rules and detail.get("service_group") in offer_groups:
                _check_offer(out, event, at, cid, agent_id, convs, agents, eligible, key, members)
            conv.offer, conv.offer_event = agent_id, event
            agents[agent_id].offer = cid
            agents[agent_id].idle_since = at
        elif kind == "offer_accepted":
            end_offer(cid, actor, event, kind)
        elif kind == "offer_rejected":
            end_offer(cid, actor, event, kind)
            conv.refused.add(str(actor))
            out.rejected += 1
        elif kind == "offer_expired":
            end_offer(cid, str(detail["agent"]), event, kind)
            conv.refused.add(str(detail["agent"]))
            out.expired += 1
        elif kind == "offer_withdrawn":
            end_offer(cid, str(detail["agent"]), event, kind)
            if "why" in detail and "to_state" not in detail and "offered to" not in detail["why"]:
                conv.refused.add(str(detail["agent"]))  # went Away or logged out
        if kind in _TAKES and detail.get("to_state") == lifecycle.State.IN_PROGRESS:
            holder = str(detail.get("agent") if kind == "given" else actor)
            who = agents[holder]
            who.in_hand.add(cid)
            who.idle_since = at
            agent = config.find_agent(holder)
            assert agent is not None
            if len(who.in_hand) > capacity(agent, config, conv.group):
                out.fail(f"event {event}: {holder} holds {len(who.in_hand)} e-mails")
            conv.ahead, conv.refused = 0, set()
        elif kind in _MOVES:
            holder = str(detail.get("holder") or actor or "")
            if detail.get("from_state") == lifecycle.State.IN_PROGRESS and holder in agents:
                agents[holder].in_hand.discard(cid)
                if actor == holder:  # let go of it themselves: idle from now
                    agents[holder].idle_since = at
                    if kind == "replied":
                        agents[holder].sent_at, agents[holder].sent_group = at, conv.group
            if kind == "returned":
                conv.ahead = 1
                out.returned += 1
        if "to_state" in detail and kind not in ("offer_withdrawn",):
            conv.state = str(detail["to_state"])
    return out


def _check_offer(
    out: Replay,
    event: int,
    at: str,
    cid: int,
    agent_id: str,
    convs: dict[int, _Conv],
    agents: dict[str, _Who],
    eligible: Any,
    key: Any,
    members: dict[str, set[str]],
) -> None:
    conv = convs[cid]
    why_not = eligible(agent_id, cid, at)
    if why_not:
        out.fail(
            f"event {event}: e-mail {cid} offered to {agent_id} who could not have it: {why_not}"
        )
        return
    if agent_id not in members.get(conv.group, set()):
        out.overflow_offers += 1
    rivals = [a for a in agents if a != agent_id and not eligible(a, cid, at)]
    mine = key(agent_id, conv.group)
    better = [a for a in rivals if key(a, conv.group) < mine]
    if better:
        out.fail(
            f"event {event}: e-mail {cid} ({conv.group}) offered to {agent_id} {mine} "
            f"while {better[0]} {key(better[0], conv.group)} could have had it"
        )
    if rivals and len(mine) == 3 and any(key(a, conv.group)[0] != mine[0] for a in rivals):
        out.skill_decided += 1  # most skilled: the skill levels decided
    elif rivals:
        out.idle_decided += 1  # the idle times decided
    ahead = conv.order(cid)
    for other, waiting in convs.items():
        if (
            other != cid
            and waiting.state == lifecycle.State.QUEUED
            and waiting.offer is None
            and waiting.order(other) < ahead
            and not eligible(agent_id, other, at)
        ):
            out.fail(
                f"event {event}: e-mail {cid} {ahead} offered to {agent_id} while e-mail "
                f"{other} {waiting.order(other)}, before it in line, waited without an offer"
            )
            break


if __name__ == "__main__":
    role = sys.argv[1]
    if role == "agents":
        run_agents(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:])
    elif role == "distributor":
        run_distributor(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(f"unknown role {role!r}")
