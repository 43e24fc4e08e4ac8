"""The supervisor's side of distribution: agents' states, changing them, logging out, assigning.

Consoles set their agents' states as the agent console does (with a process
id: a heartbeat), on the real clock; the supervisor acts through the
:class:`Supervision` facade.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine import agent_state, lifecycle, queue
from engine.agent_state import AgentState
from engine.config import Config
from engine.errors import Refused
from engine.store import Store
from engine.supervision import Supervision, open_supervision
from engine.supervision.agents import LOGGED_OUT_BY
from tests.agent_fixtures import deliver, mail


@pytest.fixture
def carol(config: Config) -> Supervision:
    return open_supervision(config, "carol")


def log_in(store: Store, config: Config, *agents: str) -> None:
    """The agents' consoles start: each agent Available, with a heartbeat now."""
    for agent in agents:
        agent_state.set_state(store, config, agent, AgentState.AVAILABLE, pid=4242)


def rows(carol: Supervision) -> dict[str, Any]:
    return {row.agent_id: row for row in carol.agents()}


def state_events(store: Store) -> list[dict[str, Any]]:
    found = store.query(
        "SELECT agent_id, detail_json FROM events WHERE kind = 'agent_state' ORDER BY id"
    )
    return [{"agent": r[0], **json.loads(r[1])} for r in found]


def test_agents_show_state_reason_since_capacity_and_offer(
    config: Config, store: Store, carol: Supervision
) -> None:
    deliver(store, config, mail(1), mail(2))
    log_in(store, config, "alice", "bob")
    agent_state.set_state(store, config, "bob", AgentState.AWAY, "Meeting", pid=4243)
    carol.offer_to(2, "alice")
    shown = rows(carol)
    alice, bob, me = shown["alice"], shown["bob"], shown["carol"]
    # Her limit: the largest of her groups' (Sales: max_in_hand = 5 in the example).
    assert (alice.state, alice.offer, alice.capacity, alice.in_hand) == ("offered", 2, 5, 0)
    assert alice.offer_expires > alice.since  # type: ignore[operator]
    assert (bob.state, bob.reason, bob.words) == ("away", "Meeting", "Away: Meeting")
    assert bob.since is not None and bob.logged_in
    assert (me.state, me.since, me.logged_in, me.words) == ("logged_out", None, False, "Logged out")
    assert queue.get_item(store, 2).offered_to == "alice"  # type: ignore[union-attr]


def test_busy_at_capacity(config: Config, store: Store, carol: Supervision) -> None:
    deliver(store, config, *(mail(n) for n in range(1, 6)))
    log_in(store, config, "alice")
    for conversation in range(1, 5):
        carol.give(conversation, "alice")
    assert rows(carol)["alice"].state == "available"
    carol.give(5, "alice")
    alice = rows(carol)["alice"]
    assert (alice.state, alice.in_hand, alice.capacity) == ("busy", 5, 5)


def test_a_supervisor_changes_a_state_with_by(
    config: Config, store: Store, carol: Supervision
) -> None:
    log_in(store, config, "alice")
    carol.change_state("alice", "away", "Training")
    assert rows(carol)["alice"].words == "Away: Training"
    carol.change_state("alice", "available")
    last, before = state_events(store)[-1], state_events(store)[-2]
    assert before == {
        "agent": "alice",
        "from_state": "available",
        "to_state": "away",
        "reason": "Training",
        "by": "carol",
    }
    assert (last["to_state"], last["by"]) == ("available", "carol")
    assert rows(carol)["alice"].state == "available"


def test_changing_a_state_is_refused_when_it_cannot_be(
    config: Config, store: Store, carol: Supervision
) -> None:
    with pytest.raises(Refused, match="Bob Jones is logged out: only their own console"):
        carol.change_state("bob", "available")
    log_in(store, config, "bob")
    with pytest.raises(Refused, match="say why Bob Jones is Away"):
        carol.change_state("bob", "away", " ")
    with pytest.raises(Refused, match="Busy is not a state one sets"):
        carol.change_state("bob", "busy")
    with pytest.raises(Refused, match="no agent with id 'mallory'"):
        carol.change_state("mallory", "away", "Break")
    assert rows(carol)["bob"].state == "available"


def test_logging_out_returns_the_e_mails_in_hand_first_in_line(
    config: Config, store: Store, carol: Supervision
) -> None:
    deliver(store, config, mail(1), mail(2), mail(3))
    log_in(store, config, "alice")
    carol.give(3, "alice")
    assert carol.log_out("alice") == 1
    item = queue.get_item(store, 3)
    assert item is not None and (item.state, item.agent_id) == ("queued", None)
    assert [i.id for i in carol.queued("Sales")] == [3, 1, 2]  # the newest, first in line
    returned = [e for e in carol.trail(3) if e.kind == "returned"]
    assert len(returned) == 1 and returned[0].agent_id == "carol"
    alice = rows(carol)["alice"]
    assert (alice.state, alice.reason, alice.in_hand) == ("logged_out", LOGGED_OUT_BY, 0)
    assert state_events(store)[-1]["by"] == "carol"
    assert carol.log_out("alice") == 0  # logged out already: nothing more goes back


def test_offer_and_give_to_a_named_agent(config: Config, store: Store, carol: Supervision) -> None:
    deliver(store, config, mail(1), mail(2))
    log_in(store, config, "alice", "bob")
    offer = carol.offer_to(1, "alice")
    assert (offer.conversation_id, offer.agent_id, offer.service_group) == (1, "alice", "Sales")
    with pytest.raises(lifecycle.OfferRefused, match=r"Alice Smith has an offer open \(e-mail 1\)"):
        carol.offer_to(2, "alice")
    carol.give(2, "alice")
    item = queue.get_item(store, 2)
    assert item is not None and (item.state, item.agent_id) == ("in_progress", "alice")
    assert [e.kind for e in carol.trail(2)][-1] == "given"
    carol.offer_to(1, "bob")  # the offer to alice is withdrawn
    assert rows(carol)["bob"].offer == 1 and rows(carol)["alice"].offer is None
    with pytest.raises(Refused, match="e-mail 2 cannot be given now: it is in progress by alice"):
        carol.give(2, "bob")


def test_offering_to_an_agent_logged_out_is_refused(
    config: Config, store: Store, carol: Supervision
) -> None:
    deliver(store, config, mail(1))
    with pytest.raises(Refused, match="Alice Smith is not logged in: give the e-mail outright"):
        carol.offer_to(1, "alice")


def test_candidates_put_the_group_and_logged_in_first(
    config: Config, store: Store, carol: Supervision
) -> None:
    log_in(store, config, "bob")
    assert [a.agent_id for a in carol.candidates("Support")] == ["bob", "alice"]
    assert [a.agent_id for a in carol.candidates("Sales")] == ["alice", "bob"]
    assert "Meeting" in carol.away_reasons
