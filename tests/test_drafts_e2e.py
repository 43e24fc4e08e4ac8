"""A dropped connection loses at most the last seconds of typing (issue 15 item 8).

The agent console runs in a real terminal (tmux). The agent types a reply,
the console saves it on its own, and the terminal session is killed: the
console gets SIGHUP, as when an SSH connection drops, with no chance to ask
or save anything more. A console started again shows the e-mail marked as
having a draft, and its reply opens with the typed words back.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from engine.store import drafts as rows
from tests.agent_fixtures import deliver, mail, workspace
from tests.tmux_terminal import Terminal, wait_until

pytestmark = pytest.mark.slow

MICC = str(Path(sys.executable).with_name("micc"))
TYPED = "The chairs leave on Monday"


def console(config: Config) -> Terminal:
    return Terminal(
        [MICC, "--config", str(config.source), "agent", "--agent", "alice", "--no-standby"],
        width=100,
        height=30,
    )


def saved_body(config: Config) -> str:
    """Alice's saved draft of e-mail 1, read as another process would ('' for none)."""
    with Store(config.store.path, migrate=False) as store:
        row = rows.get(store, "alice", "conversation 1")
    return "" if row is None else str(row["body"])


def console_pid(config: Config) -> int:
    """The process id the console recorded with alice's state."""
    with Store(config.store.path, migrate=False) as store:
        row = store.query_one("SELECT pid FROM agent_status WHERE agent_id = 'alice'")
    assert row is not None
    return int(row["pid"])


def gone(pid: int) -> bool:
    """The process has ended (a zombie waiting for its parent counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1]
    except (FileNotFoundError, IndexError):
        return True
    return state in ("Z", "X")


def test_a_hung_up_console_gives_the_typed_reply_back(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1))
    store.close()

    first = console(config)
    terminals.append(first)
    first.wait_for("Order question 1")
    first.keys("n")
    first.wait_for("in hand: 1")
    first.keys("r")
    first.wait_for("Reply ·")
    first.wait_for("Dear ")
    first.type(TYPED)
    first.wait_for(TYPED)
    wait_until(lambda: TYPED in saved_body(config), why=first.screen)
    pid = console_pid(config)
    first.hang_up()
    wait_until(lambda: gone(pid), why=lambda: f"the console (pid {pid}) outlived SIGHUP")
    assert os.path.exists(config.store.path)

    second = console(config)
    terminals.append(second)
    second.wait_for("in hand: 1")
    second.keys("1")
    second.wait_for("✎ Order question 1")
    second.keys("r")
    shown = second.wait_for("Draft restored from")
    assert "Traceback" not in shown
    assert TYPED in second.wait_for(TYPED)
