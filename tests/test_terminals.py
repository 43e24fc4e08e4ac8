"""The agent console in real terminals (tmux): TERM kinds, colours, locales, resizing.

Each test starts ``micc agent`` in a tmux pane the way a person's terminal
would run it and reads the screen back with ``capture-pane``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from engine.bootstrap import open_store
from tests.agent_fixtures import deliver, mail, workspace
from tests.tmux_terminal import Terminal, wait_until

MICC = str(Path(sys.executable).with_name("micc"))
CUSTOMER = "Åsa Öberg"
OTHER = "Zoë Ångström"
_SGR = re.compile(r"\x1b\[([0-9;]*)m")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(
        store,
        config,
        mail(1, name=CUSTOMER, subject="Fakturan är fel — ☃"),
        mail(2, name=OTHER, subject="Quote for 40 chairs"),
    )
    store.close()
    return Path(str(config.source))


def console(
    config: Path, env: dict[str, str | None], width: int = 100, height: int = 30
) -> Terminal:
    return Terminal(
        [MICC, "--config", str(config), "agent", "--agent", "alice"],
        env=env,
        width=width,
        height=height,
    )


def colours(screen: str) -> set[str]:
    """Every SGR colour parameter group the screen uses."""
    return {code for code in _SGR.findall(screen) if code}


def row_styles(screen: str, name: str) -> set[str]:
    """The SGR codes between the queue's left border and ``name`` on its row."""
    line = next(line for line in screen.split("\n") if name in line)
    before = line.split(name)[0]
    return set(_SGR.findall(before[before.rfind("│") :]))


def is_grey(code: str) -> bool:
    """True when an SGR code sets no colour, or a grey one."""
    parts = [int(p) for p in code.split(";") if p]
    if parts[:2] in ([38, 5], [48, 5]):
        return parts[2] in (0, 7, 8, 15, 16, 231) or parts[2] >= 232
    if parts[:2] in ([38, 2], [48, 2]):
        return parts[2] == parts[3] == parts[4]
    # 16-colour: black, white, bright black, bright white, defaults, attributes.
    return all(
        p in (0, 1, 2, 3, 4, 7, 22, 23, 24, 27, 30, 37, 39, 40, 47, 49, 90, 97, 100, 107)
        for p in parts
    )


CASES: dict[str, dict[str, str | None]] = {
    "xterm-256color": {"TERM": "xterm-256color"},
    "screen": {"TERM": "screen"},
    "tmux-256color": {"TERM": "tmux-256color"},
    "16 colours": {"TERM": "xterm"},
    "NO_COLOR": {"TERM": "xterm-256color", "NO_COLOR": "1"},
    "C locale": {"TERM": "xterm-256color", "LANG": "C", "LC_ALL": "C", "LC_CTYPE": None},
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_console_shows_in_each_terminal(
    config: Path, terminals: list[Terminal], case: str
) -> None:
    terminal = console(config, CASES[case], 80, 24)
    terminals.append(terminal)
    terminal.wait_for(OTHER)
    screen = terminal.wait_for("Alice Smith")
    assert "EXITED" not in screen and "Traceback" not in screen
    assert CUSTOMER in screen and "╭─ Service groups" in screen
    assert "Fakturan är fel — ☃" in screen
    escapes = terminal.screen(escapes=True)
    # The highlighted row must stand out in every colour mode.
    assert row_styles(escapes, CUSTOMER) != row_styles(escapes, OTHER)
    if case == "16 colours":
        assert not [c for c in colours(escapes) if "38;5" in c or "48;5" in c or ";2;" in c]
    if case == "NO_COLOR":
        assert all(is_grey(c) for c in colours(escapes)), colours(escapes)


def test_resizing_redraws_the_layout(config: Path, terminals: list[Terminal]) -> None:
    terminal = console(config, {"TERM": "xterm-256color"}, 100, 30)
    terminals.append(terminal)
    terminal.wait_for(CUSTOMER)
    first = terminal.screen().split("\n")[0]
    assert "Service groups" in first and "E-mail" not in first  # reading pane below

    terminal.resize(160, 50)
    wide = wait_until(
        lambda: (lambda top: top if "E-mail" in top else None)(terminal.screen().split("\n")[0]),
        why=terminal.screen,
    )
    assert "Service groups" in wide  # reading pane beside the queue
    assert len(terminal.screen().rstrip("\n").split("\n")) == 50

    terminal.resize(80, 24)

    def redrawn_small() -> list[str] | None:
        lines = terminal.screen().rstrip("\n").split("\n")
        # The frame is redrawn before the queue's rows: wait for both.
        done = (
            "E-mail" not in lines[0]
            and "Take next" in lines[-1]
            and len(lines) == 24
            and any(CUSTOMER in line for line in lines)
        )
        return lines if done else None

    lines = wait_until(redrawn_small, why=terminal.screen)
    assert all(len(line) <= 80 for line in lines)
    assert any("╭─ E-mail" in line for line in lines[1:])  # the reading pane went below
