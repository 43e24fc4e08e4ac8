"""``micc demo``: F2 to the supervisor console and back is not logging out.

alice sets herself Away and switches to carol's supervisor console: the
Agents tab shows her away (logged in, not offline), and back in her console
she is still Away.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.tmux_terminal import Terminal

pytestmark = pytest.mark.slow


def test_f2_keeps_the_agents_presence_and_state(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    terminal = Terminal(
        [sys.executable, "-m", "micc_tui", "demo", "--workspace", str(workspace), "--rate", "30"],
        width=100,
        height=30,
    )
    try:
        terminal.wait_for("● Available")
        terminal.keys("s")
        terminal.wait_for("Away: why?")
        terminal.keys("Enter")  # the first reason
        # F2 as soon as the picker is gone (F2 waits while a dialog is open): the
        # console records the state before it closes.
        terminal.wait_for("○ Away (Break)")
        terminal.keys("F2")
        terminal.wait_for("Dashboard")
        terminal.keys("5")
        shown = terminal.wait_for("Alice Smith   ")
        row = next(line for line in shown.splitlines() if line.lstrip().startswith("alice "))
        assert "Away" in row and "Logged out" not in row, row
        terminal.keys("F2")
        terminal.wait_for("Service groups")
        status = terminal.wait_for("Alice Smith  │")
        assert "Away" in status and "● Available" not in status
    finally:
        terminal.close()
