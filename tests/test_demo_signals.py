"""``micc demo`` with its console, ended the way terminals end: hang-up and SIGTERM.

A dropped SSH connection (SIGHUP) or ``kill`` (SIGTERM) must not leave the
temporary workspace behind: it holds the store and the demo's secrets. And a
demo started with standard error sent to a file still draws on the terminal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmux_terminal import Terminal, wait_until

pytestmark = pytest.mark.slow

DEMO = [sys.executable, "-m", "micc_tui", "demo", "--rate", "1", "--seed", "1"]


@pytest.fixture
def temp(tmp_path: Path) -> Path:
    """The TMPDIR the demo makes its temporary workspace in."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


@contextlib.contextmanager
def running(temp: Path, argv: list[str] = DEMO) -> Iterator[Terminal]:
    terminal = Terminal(argv, env={"TMPDIR": str(temp)})
    try:
        terminal.wait_for("Service groups")
        yield terminal
    finally:
        terminal.close()


def workspace_of(temp: Path) -> Path:
    [folder] = temp.glob("micc-demo-*")
    assert (folder / "secrets").is_dir() and (folder / "micc.db").is_file()
    return folder


def demo_pid(workspace: Path) -> int:
    """The demo process: the one whose open files include the workspace's store."""
    store = str(workspace / "micc.db")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) == store for fd in (entry / "fd").iterdir()):
                return int(entry.name)
        except OSError:
            continue
    raise AssertionError("no process has the demo's store open")


def test_sigterm_removes_the_workspace_and_exits_143(temp: Path) -> None:
    with running(temp) as terminal:
        folder = workspace_of(temp)
        os.kill(demo_pid(folder), signal.SIGTERM)
        terminal.wait_for("EXITED 143")
        assert not folder.exists()


def test_a_hang_up_removes_the_workspace(temp: Path) -> None:
    with running(temp) as terminal:
        folder = workspace_of(temp)
        pid = demo_pid(folder)
        terminal.close()  # the terminal goes away: SIGHUP, as with a dropped SSH connection
        wait_until(lambda: not folder.exists(), 20, lambda: f"{folder} is still there")
        wait_until(lambda: not Path(f"/proc/{pid}").exists(), 20, lambda: "the demo still runs")


def test_standard_error_to_a_file_still_draws(temp: Path, tmp_path: Path) -> None:
    errors = tmp_path / "errors.log"
    command = " ".join(DEMO) + f" 2>{errors}"
    with running(temp, ["sh", "-c", command]) as terminal:
        terminal.wait_for("Price for")  # the queue is drawn here, not into the file
        terminal.keys("C-q")
        terminal.wait_for("EXITED 0")
    assert "Service groups" not in errors.read_text(errors="replace")
    assert list(temp.glob("micc-demo-*")) == []
