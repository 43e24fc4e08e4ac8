"""The distributor reads the queue a page at a time: offers made on one page move no row past it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine import distribution
from engine.agent_state import AgentState, set_state
from engine.bootstrap import open_store
from engine.config import parse_config
from engine.ingest import ingest
from engine.ports import FetchedMessage

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
    # Pages of two: [A, B] then [C]. Nobody serves B; Alice gets the A e-mail on
    # the first page, and the C e-mail, first on the second page, is Carol's.
    monkeypatch.setattr(distribution, "PAGE", 2)
    config = parse_config(TENANT, tmp_path / "micc.toml")
    store = open_store(config)
    ingest(
        store,
        config,
        [mail(1, "a@seclab.com"), mail(2, "b@seclab.com"), mail(3, "c@seclab.com")],
        after_archive=(),
    )
    for agent in ("alice", "carol"):
        set_state(store, config, agent, AgentState.AVAILABLE, pid=os.getpid())
    done = distribution.distribute(store, config)
    store.close()
    assert sorted((o.agent_id, o.service_group) for o in done.offered) == [
        ("alice", "A"),
        ("carol", "C"),
    ]
