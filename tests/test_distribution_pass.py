"""The distributor's pass reads only the groups it may offer from, a page at a time.

Offers made on one page move no row past the next page; agents at capacity in
a group are not offered its e-mails, but are in a group with a higher limit;
a group that overflows into a free agent's group is read for them.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine import distribution, lifecycle
from engine.agent_state import AgentState, set_state
from engine.bootstrap import open_store
from engine.config import Config, parse_config
from engine.ingest import ingest
from engine.ports import FetchedMessage
from engine.store import Store

TENANT = """
[[service_group]]
name = "A"
[[service_group]]
name = "B"
[[service_group]]
name = "C"
[[service_access]]
name = "A"
address = "a@seclab.com"
service_group = "A"
[[service_access]]
name = "B"
address = "b@seclab.com"
service_group = "B"
[[service_access]]
name = "C"
address = "c@seclab.com"
service_group = "C"
[[agent]]
id = "alice"
name = "Alice"
groups = ["A"]
[[agent]]
id = "bob"
name = "Bob"
groups = ["B"]
[[agent]]
id = "carol"
name = "Carol"
groups = ["C"]
"""


def mail(n: int, to: str) -> FetchedMessage:
    raw = (
        f"From: c{n}@customer.example\r\nTo: {to}\r\nSubject: case {n}\r\n"
        f"Message-ID: <page{n}@customer.example>\r\n\r\nhelp\r\n"
    ).encode()
    return FetchedMessage(f"test:{n}", "test", raw)


def test_an_offer_on_the_first_page_does_not_hide_the_next_pages_first_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pages of two: [A, B] then [C]. Bob turned the B e-mail down; Alice gets the A
    # e-mail on the first page, and the C e-mail, first on the second page, is Carol's.
    monkeypatch.setattr(distribution, "PAGE", 2)
    config = parse_config(TENANT, tmp_path / "micc.toml")
    store = open_store(config)
    ingest(
        store,
        config,
        [mail(1, "a@seclab.com"), mail(2, "b@seclab.com"), mail(3, "c@seclab.com")],
        after_archive=(),
    )
    set_state(store, config, "bob", AgentState.AVAILABLE, pid=os.getpid())
    (to_bob,) = distribution.distribute(store, config).offered
    distribution.reject(store, "bob", to_bob.conversation_id, "not mine")
    for agent in ("alice", "carol"):
        set_state(store, config, agent, AgentState.AVAILABLE, pid=os.getpid())
    done = distribution.distribute(store, config)
    store.close()
    assert sorted((o.agent_id, o.service_group) for o in done.offered) == [
        ("alice", "A"),
        ("carol", "C"),
    ]


LIMITS = """
[[service_group]]
name = "A"
max_in_hand = 1
[[service_group]]
name = "B"
max_in_hand = 3
[[service_group]]
name = "Overflow"
overflow_after_minutes = 0
overflow_groups = ["B"]
[[service_access]]
name = "A"
address = "a@seclab.com"
service_group = "A"
[[service_access]]
name = "B"
address = "b@seclab.com"
service_group = "B"
[[service_access]]
name = "Overflow"
address = "o@seclab.com"
service_group = "Overflow"
[[agent]]
id = "alice"
name = "Alice"
groups = ["A", "B"]
[[agent]]
id = "bob"
name = "Bob"
groups = ["B"]
"""


def offered(config: Config, store: Store) -> list[tuple[str, str]]:
    done = distribution.distribute(store, config)
    return sorted((o.agent_id, o.service_group) for o in done.offered)


def test_capacity_is_per_group_and_overflow_reaches_the_other_groups_agents(
    tmp_path: Path,
) -> None:
    config = parse_config(LIMITS, tmp_path / "micc.toml")
    store = open_store(config)
    ingest(store, config, [mail(1, "a@seclab.com")], after_archive=())
    set_state(store, config, "alice", AgentState.AVAILABLE, pid=os.getpid())
    assert offered(config, store) == [("alice", "A")]
    lifecycle.accept_offer(store, "alice", 1, datetime.now(UTC))
    # Alice holds one: at A's limit (1), under B's (3).
    ingest(store, config, [mail(2, "a@seclab.com"), mail(3, "b@seclab.com")], after_archive=())
    assert offered(config, store) == [("alice", "B")]
    # The Overflow group has no members: its e-mail goes to B's free agent, Bob.
    ingest(store, config, [mail(4, "o@seclab.com")], after_archive=())
    set_state(store, config, "bob", AgentState.AVAILABLE, pid=os.getpid())
    assert offered(config, store) == [("bob", "Overflow")]
    store.close()
