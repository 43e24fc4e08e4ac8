"""Waiting on the customer across processes: the agent's console waits, ``micc import`` answers.

alice's facade runs in one process (as her console over SSH would); the
customer's answer is archived by ``micc import`` in another. The answer must
bring the e-mail back into alice's hand while she is Available, and to the
group's queue while she is Away.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import audit, queue
from engine.audit import EventKind
from engine.bootstrap import open_store
from engine.config import Config
from tests.agent_fixtures import deliver, mail, workspace
from tests.test_stale_reply import ROOT, Desk


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    with open_store(config) as store:
        deliver(store, config, mail(1))
    return config


@pytest.fixture
def alice(config: Config) -> Iterator[Desk]:
    desk = Desk(config, "alice")
    yield desk
    desk.close()


def customer_answers(config: Config, folder: Path) -> None:
    """The customer's answer, threaded by In-Reply-To, archived by ``micc import``."""
    answer = folder / "answer.eml"
    answer.write_bytes(b"In-Reply-To: <m1@example.org>\r\n" + mail(9, sender="c1@example.org"))
    assert config.source is not None
    done = subprocess.run(
        [sys.executable, "-m", "micc_tui", "--config", str(config.source), "import", str(answer)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_answer_brings_it_back_to_the_available_agents_hand(
    config: Config, alice: Desk, tmp_path: Path
) -> None:
    assert alice.do(do="state", state="available") == {"state": "available"}
    assert alice.do(do="take_next") == {"taken": 1}
    waiting = alice.do(do="wait", id=1, reminder="in 3 days")
    assert waiting["waiting"] == 1 and waiting["remind_at"]
    assert alice.do(do="in_hand") == {"in_hand": [], "waiting": [1]}

    customer_answers(config, tmp_path)

    assert alice.do(do="in_hand") == {"in_hand": [1], "waiting": []}
    with open_store(config) as store:
        item = queue.get_item(store, 1)
        assert item is not None and (item.state, item.agent_id, item.remind_at) == (
            "in_progress",
            "alice",
            None,
        )
        reopened = audit.trail(store, 1)[-1]
        assert reopened.kind == EventKind.REOPENED
        assert reopened.detail["from_state"] == "pending_customer"


def test_the_answer_goes_to_the_queue_while_the_agent_is_away(
    config: Config, alice: Desk, tmp_path: Path
) -> None:
    assert alice.do(do="take_next") == {"taken": 1}
    assert alice.do(do="wait", id=1, reminder="no reminder")["remind_at"] is None
    assert alice.do(do="state", state="away") == {"state": "away"}

    customer_answers(config, tmp_path)

    assert alice.do(do="in_hand") == {"in_hand": [], "waiting": []}
    with open_store(config) as store:
        item = queue.get_item(store, 1)
        assert item is not None and (item.state, item.agent_id) == ("queued", None)
