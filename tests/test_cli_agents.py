"""``micc agents [--json]``: every configured agent's state, reason, since, in hand, capacity."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import agent_state, dates, distribution, lifecycle
from engine.agent_state import AgentState
from engine.bootstrap import open_store
from engine.config import Config, load_config
from micc_tui.cli.main import main
from tests.agent_fixtures import deliver, mail

#: What every agent's JSON object carries (an interface: scripts read it).
KEYS = {"id", "name", "state", "reason", "since", "in_hand", "capacity", "groups", "offer"}


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """``micc agents`` run in this process names de-DE for the process: later tests read en-US."""
    yield
    dates.use_locale("en-US")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A German-speaking workspace: alice offered e-mail 1, bob Away holding 2, carol never in."""
    assert main(["init", str(tmp_path / "ws")]) == 0
    path = tmp_path / "ws" / "micc.toml"
    path.write_text(path.read_text().replace('locale = "en-US"', 'locale = "de-DE"', 1))
    config = load_config(str(path))
    with open_store(config) as store:
        deliver(store, config, mail(1), mail(2))
        for agent in ("alice", "bob"):
            agent_state.set_state(store, config, agent, AgentState.AVAILABLE, pid=4242)
        agent_state.set_state(store, config, "bob", AgentState.AWAY, "Meeting", pid=4242)
        lifecycle.give(store, "carol", 2, "bob")
        distribution.offer_to(store, config, "carol", 1, "alice")
    return path


def listed(capsys: pytest.CaptureFixture[str], path: Path) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["--config", str(path), "agents", "--json"]) == 0
    found: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return found


def test_json_lists_every_agent_with_state_and_offer(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = listed(capsys, workspace)
    assert [a["id"] for a in found] == ["alice", "bob", "carol"]
    assert all(set(a) >= KEYS for a in found)
    alice, bob, carol = found
    # Her capacity: the largest of her groups' (the example's Sales: 5).
    assert (alice["state"], alice["offer"], alice["in_hand"], alice["capacity"]) == (
        "offered",
        1,
        0,
        5,
    )
    assert alice["offer_expires"] > alice["since"]
    assert alice["groups"] == ["Sales", "Support"]
    assert (bob["state"], bob["reason"], bob["in_hand"], bob["offer"]) == (
        "away",
        "Meeting",
        1,
        None,
    )
    assert (carol["state"], carol["reason"], carol["since"]) == ("logged_out", "", None)


def test_table_is_aligned_with_times_in_the_config_locale(workspace: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "micc_tui", "--config", str(workspace), "agents"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    header, alice, bob, carol = result.stdout.splitlines()
    titles = ("ID", "NAME", "STATE", "REASON", "SINCE", "IN HAND", "CAPACITY", "GROUPS", "OFFER")
    starts = [header.index(t) for t in titles]
    assert starts == sorted(starts)
    state, reason, since = starts[2], starts[3], starts[4]
    assert alice[state:].startswith("Offered ")
    assert bob[state:].startswith("Away ") and bob[reason:].startswith("Meeting ")
    assert carol[state:].startswith("Logged out ") and carol[since:].startswith("- ")
    config: Config = load_config(str(workspace))
    with open_store(config) as store:
        bob_since = agent_state.status(store, config, "bob").since
    assert bob[since:].startswith(dates.date_time(bob_since, "de-DE"))  # 04.12.26, 19:20
    assert "." in bob[since : since + 8]
    assert alice[starts[8] :].startswith("1 until ")
