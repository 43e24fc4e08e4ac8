"""A real terminal for end-to-end tests: one command in a tmux session on a private socket."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping
from typing import TypeVar

from tests.servers import require

T = TypeVar("T")
#: Seconds to wait for something to show on screen.
WAIT = 30.0


def wait_until(
    check: Callable[[], T | None],
    timeout: float = WAIT,
    why: Callable[[], str] = lambda: "timed out",
) -> T:
    """Poll ``check`` until it returns something truthy (bounded by ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(why())
        time.sleep(0.1)


class Terminal:
    """A tmux session running ``argv`` with ``env`` changes, at ``width`` x ``height``.

    ``env`` values of None remove the variable. The command's exit status is
    printed as ``EXITED n`` and the pane kept, so a crash can be read.
    """

    def __init__(
        self,
        argv: list[str],
        *,
        env: Mapping[str, str | None] | None = None,
        width: int = 100,
        height: int = 30,
    ) -> None:
        require(shutil.which("tmux") is not None, "tmux")
        self.socket = f"micc-term-{uuid.uuid4().hex[:8]}"
        self.session = "t"
        changes = {"COLUMNS": None, "LINES": None, "COLORTERM": None, **(env or {})}
        unset = [f"-u {name}" for name, value in changes.items() if value is None]
        sets = [
            f"{name}={shlex.quote(value)}" for name, value in changes.items() if value is not None
        ]
        command = " ".join(["env", *unset, *sets, *map(shlex.quote, argv)])
        self._tmux(
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            str(width),
            "-y",
            str(height),
            f"{command}; echo EXITED $?; sleep 120",
        )

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
        return result.stdout

    def screen(self, *, escapes: bool = False) -> str:
        """What the terminal shows now (with colour escapes if ``escapes``)."""
        return self._tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", self.session)

    def keys(self, *keys: str) -> None:
        """Press keys (tmux names: Enter, C-s, F7...)."""
        self._tmux("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        """Type text literally."""
        self._tmux("send-keys", "-t", self.session, "-l", text)

    def resize(self, width: int, height: int) -> None:
        """Resize the window, as a person resizing their terminal."""
        self._tmux("resize-window", "-t", self.session, "-x", str(width), "-y", str(height))

    def wait_for(self, text: str, timeout: float = WAIT) -> str:
        """Wait until ``text`` is on screen; fail showing the screen after ``timeout`` s."""
        return wait_until(
            lambda: (lambda shown: shown if text in shown else None)(self.screen()),
            timeout,
            lambda: f"{text!r} never showed; screen:\n{self.screen()}",
        )

    def hang_up(self) -> None:
        """End the session as a dropped SSH connection would: its command gets SIGHUP."""
        self._tmux("kill-session", "-t", self.session)

    def close(self) -> None:
        """Stop the tmux server (and the command in it)."""
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20, check=False
        )
