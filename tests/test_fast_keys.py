"""Keys typed fast or pasted across a field change stay in their fields (issue 15 item 13).

tmux hands the console ``carol@example.com<Tab>New subject`` in one burst, as
a paste or a fast typist would. Before, Tab reached the screen's focus binding
only after the letters behind it had been queued in the Cc field: Cc read
``carol@example.comNew subject``. Now Tab moves the focus before the next
key is delivered (micc_tui/widgets/focus_keys.py).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from engine.bootstrap import open_store
from tests.agent_fixtures import deliver, mail, workspace
from tests.tmux_terminal import Terminal, wait_until

pytestmark = pytest.mark.slow

MICC = str(Path(sys.executable).with_name("micc"))


def field(screen: str, name: str) -> str:
    """The value shown beside a composer field's label."""
    line = next(x for x in screen.splitlines() if x.startswith(f" {name} "))
    return line[len(name) + 1 :].strip()


def test_a_burst_across_tab_lands_in_the_next_field(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1))
    store.close()
    terminal = Terminal(
        [MICC, "--config", str(config.source), "agent", "--agent", "alice", "--no-standby"],
        width=100,
        height=30,
    )
    terminals.append(terminal)
    terminal.wait_for("Order question 1")
    terminal.keys("n")
    terminal.wait_for("in hand: 1")
    terminal.keys("r")
    terminal.wait_for("Reply ·")
    terminal.wait_for("Dear ")
    for _ in range(2):  # from the body to Subject, then to Cc
        terminal.keys("BTab")
        time.sleep(0.3)
    terminal.type("carol@example.com\tNew subject\tDear Carol")
    shown = wait_until(
        lambda: (lambda s: s if "Dear Carol" in s else None)(terminal.screen()),
        why=terminal.screen,
    )
    assert field(shown, "Cc") == "carol@example.com"
    assert field(shown, "Subject").endswith("New subject")
    assert "carol@example.comNew" not in shown


@pytest.mark.parametrize("app", ["agent", "supervisor"])
def test_both_consoles_move_the_focus_before_the_next_key(app: str) -> None:
    """The supervisor's dialogs and search boxes take bursts the same way."""
    from micc_tui.agent.app import AgentApp
    from micc_tui.supervisor.app import SupervisorApp

    cls = AgentApp if app == "agent" else SupervisorApp
    bindings = {b.key: b for b in cls._merged_bindings.get_bindings_for_key("tab")}  # type: ignore[union-attr]
    tab = bindings["tab"]
    assert tab.priority and tab.action == "app.focus_next"
    [back] = cls._merged_bindings.get_bindings_for_key("shift+tab")  # type: ignore[union-attr]
    assert back.priority and back.action == "app.focus_previous"
