"""The distributor on a real SQLite store: who is offered what, when, and what follows.

Each test writes its own small tenant and drives :func:`engine.distribution.distribute`
directly, with the agents' states set as their consoles would set them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine import agent_state, distribution, lifecycle, queue
from engine.agent_state import AgentState
from engine.audit import EventKind
from engine.bootstrap import open_store
from engine.config import Config
from engine.config.load import ConfigError, parse_config
from engine.errors import Refused
from engine.router import Route
from engine.service import ContactCenter
from engine.store import Store, presence

TENANT = """
[store]
path = "{path}"

[[service_group]]
name = "Sales"
offer_timeout_seconds = 30
max_in_hand = 2
{sales}

[[service_group]]
name = "Support"
selection = "most_skilled"
{support}

[[service_group]]
name = "Back"
distribution = "pull"

[[agent]]
id = "alice"
name = "Alice"
groups = ["Sales", "Support"]
skills = {{ Support = 3 }}

[[agent]]
id = "bob"
name = "Bob"
groups = ["Sales", "Support", "Back"]
skills = {{ Support = 9 }}

[[agent]]
id = "dave"
name = "Dave"
groups = ["Back"]
max_in_hand = 1
"""


def tenant(tmp_path: Path, sales: str = "", support: str = "") -> Config:
    text = TENANT.format(path=tmp_path / "micc.db", sales=sales, support=support)
    return parse_config(text, tmp_path / "micc.toml")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return tenant(tmp_path)


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with open_store(config) as opened:
        yield opened


def queued(store: Store, group: str, priority: int = 5, subject: str = "Question") -> int:
    conversation_id, state = lifecycle.open_conversation(
        store,
        subject=subject,
        customer_name="Customer",
        customer_address="customer@example.org",
        route=Route(group, group, f"{group}@seclab.com", priority),
        unrouted_reason="",
    )
    assert state == lifecycle.State.QUEUED
    return conversation_id


def available(store: Store, config: Config, *agents: str) -> None:
    for agent in agents:
        agent_state.set_state(store, config, agent, AgentState.AVAILABLE, pid=1)


def offered(store: Store) -> dict[str, int]:
    """Agent -> the conversation offered to them."""
    return {
        agent: offer.conversation_id
        for agent in ("alice", "bob", "dave")
        if (offer := distribution.offer_of(store, agent)) is not None
    }


def kinds(store: Store, conversation_id: int) -> list[str]:
    return [e.kind for e in lifecycle.trail(store, conversation_id)]


def test_one_offer_per_email_and_per_agent_longest_idle_first(store: Store, config: Config) -> None:
    first, second, third = (queued(store, "Sales") for _ in range(3))
    available(store, config, "bob", "alice")  # bob is idle longer
    made = distribution.distribute(store, config).offered
    assert [(o.conversation_id, o.agent_id) for o in made] == [(first, "bob"), (second, "alice")]
    assert offered(store) == {"bob": first, "alice": second}
    # Nobody is free: the third waits; a second pass changes nothing.
    assert distribution.distribute(store, config).offered == []
    assert queue.get_item(store, third).offered_to is None  # type: ignore[union-attr]
    assert queue.get_item(store, first).offered_to == "bob"  # type: ignore[union-attr]
    event = lifecycle.trail(store, first)[-1]
    assert event.kind == EventKind.OFFERED and event.detail["agent"] == "bob"


def test_higher_priority_is_offered_before_older_lower_priority(
    store: Store, config: Config
) -> None:
    old = queued(store, "Sales", priority=5)
    urgent = queued(store, "Sales", priority=1)
    available(store, config, "alice")
    assert offered_after_pass(store, config) == {"alice": urgent}
    assert [i.id for i in queue.list_items(store, groups=["Sales"])] == [urgent, old]


def offered_after_pass(store: Store, config: Config) -> dict[str, int]:
    distribution.distribute(store, config)
    return offered(store)


def test_most_skilled_goes_by_the_groups_skill_level(store: Store, config: Config) -> None:
    email = queued(store, "Support")
    available(store, config, "alice", "bob")  # alice is idle longer, bob more skilled
    assert offered_after_pass(store, config) == {"bob": email}


def test_away_and_logged_out_agents_are_never_offered(store: Store, config: Config) -> None:
    queued(store, "Sales")
    available(store, config, "alice", "bob")
    agent_state.set_state(store, config, "alice", AgentState.AWAY, "Break")
    agent_state.set_state(store, config, "bob", AgentState.LOGGED_OUT)
    assert offered_after_pass(store, config) == {}
    statuses = {s.agent_id: s for s in agent_state.statuses(store, config)}
    assert statuses["alice"].state == AgentState.AWAY and statuses["alice"].reason == "Break"
    assert statuses["bob"].state == AgentState.LOGGED_OUT


def test_capacity_stops_offers_and_shows_busy(tmp_path: Path) -> None:
    config = tenant(tmp_path, support="max_in_hand = 2")
    store = open_store(config)
    emails = [queued(store, "Sales") for _ in range(3)]
    available(store, config, "alice")
    now = datetime.now(UTC)
    for expected in emails[:2]:
        assert offered_after_pass(store, config) == {"alice": expected}
        lifecycle.accept_offer(store, "alice", expected, now)
    assert offered_after_pass(store, config) == {}
    alice = agent_state.status(store, config, "alice")
    assert (alice.state, alice.in_hand, alice.capacity) == (AgentState.BUSY, 2, 2)
    store.close()


def test_an_unanswered_offer_sets_the_agent_away_and_goes_to_the_next(
    store: Store, config: Config
) -> None:
    email = queued(store, "Sales")
    available(store, config, "alice", "bob")
    assert offered_after_pass(store, config) == {"alice": email}
    later = datetime.now(UTC) + timedelta(seconds=31)
    done = distribution.distribute(store, config, wall=later)
    assert [(o.conversation_id, o.agent_id) for o in done.expired] == [(email, "alice")]
    # In the same pass it goes to bob.
    assert [(o.conversation_id, o.agent_id) for o in done.offered] == [(email, "bob")]
    alice = agent_state.status(store, config, "alice")
    assert alice.state == AgentState.AWAY and alice.reason == agent_state.NO_ANSWER
    assert EventKind.OFFER_EXPIRED in kinds(store, email)
    with pytest.raises(lifecycle.OfferRefused):
        lifecycle.accept_offer(store, "alice", email, later)


def test_a_rejected_offer_goes_to_someone_else(store: Store, config: Config) -> None:
    email = queued(store, "Sales")
    available(store, config, "alice")
    assert offered_after_pass(store, config) == {"alice": email}
    distribution.reject(store, "alice", email, "not my language")
    assert offered_after_pass(store, config) == {}  # alice refused it; nobody else is free
    available(store, config, "bob")
    assert offered_after_pass(store, config) == {"bob": email}
    rejected = next(e for e in lifecycle.trail(store, email) if e.kind == EventKind.OFFER_REJECTED)
    assert rejected.agent_id == "alice" and rejected.detail["reason"] == "not my language"
    assert agent_state.status(store, config, "alice").state == AgentState.AVAILABLE


def test_wrap_up_holds_offers_after_a_reply(tmp_path: Path) -> None:
    config = tenant(tmp_path, sales="wrap_up_seconds = 60")
    with open_store(config) as store:
        first, second = queued(store, "Sales"), queued(store, "Sales")
        available(store, config, "alice")
        assert offered_after_pass(store, config) == {"alice": first}
        lifecycle.accept_offer(store, "alice", first, datetime.now(UTC))
        lifecycle.reply(store, "alice", first, review=False)
        assert agent_state.status(store, config, "alice").state == AgentState.WRAP_UP
        assert offered_after_pass(store, config) == {}
        later = datetime.now(UTC) + timedelta(seconds=61)
        presence.beat(store, "alice", 1, later.isoformat())
        distribution.distribute(store, config, wall=later)
        assert offered(store) == {"alice": second}


def test_overflow_reaches_other_groups_after_the_wait(tmp_path: Path) -> None:
    config = tenant(
        tmp_path,
        support='overflow_after_minutes = 10\noverflow_groups = ["Back"]',
    )
    with open_store(config) as store:
        email = queued(store, "Support")
        available(store, config, "dave")  # in Back only
        received = datetime.fromisoformat(str(queue.get_item(store, email).received))  # type: ignore[union-attr]
        distribution.distribute(store, config, now=received + timedelta(minutes=9))
        assert offered(store) == {}
        distribution.distribute(store, config, now=received + timedelta(minutes=10))
        assert offered(store) == {"dave": email}


def test_pull_groups_are_never_offered(store: Store, config: Config) -> None:
    queued(store, "Back")
    available(store, config, "dave")
    assert offered_after_pass(store, config) == {}


def test_a_silent_console_is_logged_out_and_its_emails_go_back_first_in_line(
    store: Store, config: Config
) -> None:
    held, waiting = queued(store, "Back"), queued(store, "Back")
    available(store, config, "dave")
    lifecycle.take(store, "dave", held)
    later = datetime.now(UTC) + timedelta(seconds=config.distribution.logout_after_seconds + 1)
    done = distribution.distribute(store, config, wall=later)
    assert done.logged_out == ["dave"]
    assert agent_state.status(store, config, "dave").state == AgentState.LOGGED_OUT
    item = queue.get_item(store, held)
    assert item is not None and item.state == "queued" and item.agent_id is None
    # First in line, ahead of the one that waited longer.
    assert [i.id for i in queue.list_items(store, groups=["Back"])] == [held, waiting]
    assert EventKind.RETURNED in kinds(store, held)


def test_a_supervisor_offers_to_a_named_agent_or_gives_outright(
    store: Store, config: Config
) -> None:
    first, second = queued(store, "Sales"), queued(store, "Sales")
    available(store, config, "alice", "bob")
    distribution.distribute(store, config)
    assert offered(store) == {"alice": first, "bob": second}
    # Offering bob's e-mail to alice is refused: she has an offer open.
    with pytest.raises(Refused, match="has an offer open"):
        distribution.offer_to(store, config, "carol", second, "alice")
    distribution.give(store, config, "carol", second, "alice")
    item = queue.get_item(store, second)
    assert item is not None and (item.state, item.agent_id) == ("in_progress", "alice")
    assert distribution.offer_of(store, "bob") is None  # withdrawn from bob
    assert EventKind.OFFER_WITHDRAWN in kinds(store, second)
    assert EventKind.GIVEN in kinds(store, second)
    # alice's own offer moves to bob when carol offers it to him.
    distribution.offer_to(store, config, "carol", first, "bob")
    assert offered(store) == {"bob": first}
    with pytest.raises(Refused, match="not logged in"):
        distribution.offer_to(store, config, "carol", queued(store, "Sales"), "dave")


def test_state_changes_are_events_with_who_did_them(store: Store, config: Config) -> None:
    available(store, config, "alice")
    distribution.change_state(store, config, "carol", "alice", "away", "Meeting")
    rows = store.query(
        "SELECT agent_id, detail_json FROM events WHERE kind = 'agent_state' ORDER BY id"
    )
    assert [r[0] for r in rows] == ["alice", "alice"]
    assert '"by": "carol"' in rows[-1][1] and '"reason": "Meeting"' in rows[-1][1]
    with pytest.raises(Refused):
        agent_state.set_state(store, config, "alice", "busy")


def facade(config: Config, agent: str) -> ContactCenter:
    return ContactCenter(config, agent, lambda: open_store(config))


def test_agents_take_within_the_rules(store: Store, config: Config) -> None:
    sales = queued(store, "Sales")
    back = [queued(store, "Back") for _ in range(2)]
    bob = facade(config, "bob")
    try:
        bob.set_state("away", "Break")
        with pytest.raises(Refused, match="Away"):
            bob.take_next()
        bob.set_state("available")
        with pytest.raises(Refused, match="offers its e-mails"):
            bob.take(sales)
        assert bob.take(back[0]).id == back[0]  # a pull group: any e-mail
        distribution.distribute(store, config)
        assert offered(store) == {"bob": sales}
        taken = bob.take_next()  # the next one is the one offered to him
        assert taken is not None and taken.id == sales
        assert EventKind.OFFER_ACCEPTED in kinds(store, sales)
        # His limit is the largest of his groups' (3): one more, then no more.
        third = bob.take_next()
        assert third is not None and third.id == back[1]
        with pytest.raises(Refused, match="as many as you may"):
            bob.take_next()
    finally:
        bob.close()
    queued(store, "Back")
    queued(store, "Back")
    dave = facade(config, "dave")
    try:
        dave.set_state("available")
        assert dave.take_next() is not None
        with pytest.raises(Refused, match="as many as you may"):
            dave.take_next()
    finally:
        dave.close()


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ('overflow_groups = ["Nope"]\noverflow_after_minutes = 1', "no service group named 'Nope'"),
        ('overflow_groups = ["Support"]', "overflow_groups without overflow_after_minutes"),
        ('distribution = "push"', "distribution"),
        ("wrap_up_seconds = -1", "wrap_up_seconds"),
    ],
)
def test_bad_distribution_settings_name_the_key(tmp_path: Path, extra: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        tenant(tmp_path, sales=extra)


def test_a_skill_level_out_of_range_is_refused(tmp_path: Path) -> None:
    text = TENANT.format(path=tmp_path / "m.db", sales="", support="").replace(
        "Support = 9", "Support = 11"
    )
    with pytest.raises(ConfigError, match="skills"):
        parse_config(text, tmp_path / "micc.toml")


def test_check_warns_about_an_offer_group_without_agents(tmp_path: Path) -> None:
    config = tenant(tmp_path)
    assert distribution.problems(config) == []
    lonely = parse_config(
        TENANT.format(path=tmp_path / "m.db", sales="", support="")
        + '\n[[service_group]]\nname = "Empty"\n',
        tmp_path / "micc.toml",
    )
    (warning,) = distribution.problems(lonely)
    assert "'Empty' offers its e-mails but no agent is in it" in warning


def test_a_supervisor_setting_a_state_does_not_log_an_unseen_agent_in(
    store: Store, config: Config
) -> None:
    queued(store, "Sales")
    distribution.change_state(store, config, "carol", "alice", "available")
    assert agent_state.status(store, config, "alice").state == AgentState.LOGGED_OUT
    assert offered_after_pass(store, config) == {}
