"""What the consoles write to a real terminal never carries an e-mail's escapes (issue 14).

The agent and the supervisor console run in tmux; ``pipe-pane`` records every
byte they write to the terminal, from the first. On a workspace holding an
e-mail whose subject, From name, body and attachment name carry ESC and OSC
sequences (clear screen, set the title, write the clipboard), a bidi override,
a zero-width space and a line separator, the agent reads it, takes it, opens
the reply composer on it, the customer's history and the trail, and sends the
reply to review; the supervisor reads every tab, the conversation, the review
and the trail. None of those sequences, and none of those characters raw,
is in the recorded stream; what the people see spells them out instead.
"""

from __future__ import annotations

import base64
import shlex
import sys
import time
import urllib.parse
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from engine.bootstrap import open_store
from engine.config import load_config
from engine.service import open_contact_center
from tests.agent_fixtures import NOW, deliver, mail, workspace
from tests.tmux_terminal import Terminal, wait_until

MICC = str(Path(sys.executable).with_name("micc"))

CLEAR = "\x1b[2J"
TITLE = "\x1b]0;pwned\x07"
CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"
RLO, ZWSP, LSEP = "\u202e", "\u200b", "\u2028"
SUBJECT = f"Refund{CLEAR} now{TITLE} ok{RLO}fdp.exe{ZWSP}{LSEP}end"
NAME = f"Mallory{TITLE}{RLO}x{ZWSP}"
BODY = (
    f"Hello{CLEAR}\nset{TITLE} the title\ncopy{CLIPBOARD} this\n"
    f"bidi {RLO}evil{ZWSP} and{LSEP}separated\nthe end\n"
)
ATTACHMENT = f"invoice{CLEAR}{RLO}fdp{ZWSP}.pdf"
#: What must never be written to the terminal.
FORBIDDEN = {
    "clear screen": CLEAR.encode(),
    "set title": b"\x1b]0;",
    "title text after OSC": b"pwned\x07",
    "clipboard": b"\x1b]52;c;cHduZWQ",
    "right-to-left override": RLO.encode(),
    "zero-width space": ZWSP.encode(),
    "line separator": LSEP.encode(),
}

pytestmark = pytest.mark.slow


def encoded(text: str) -> str:
    """An RFC 2047 encoded word: how such characters travel in a header."""
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def hostile() -> bytes:
    """The e-mail: every field a stranger controls carries the sequences."""
    body = base64.encodebytes(BODY.encode()).decode()
    name = urllib.parse.quote(ATTACHMENT)
    return (
        f"From: {encoded(NAME)} <c1@example.org>\r\n"
        "To: Solidus.Marketing@seclab.com\r\n"
        f"Subject: {encoded(SUBJECT)}\r\n"
        f"Date: {format_datetime(NOW - timedelta(hours=3))}\r\n"
        "Message-ID: <m1@example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n"
        f"--b\r\nContent-Type: application/pdf\r\n"
        f"Content-Disposition: attachment; filename*=utf-8''{name}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--b--\r\n"
    ).encode()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    earlier = mail(
        2,
        to="Solidus.Marketing@seclab.com",
        subject="Earlier question",
        name="Mallory",
        sender="c1@example.org",
    )
    deliver(store, config, hostile(), earlier)
    store.close()
    return Path(str(config.source))


class Recorded(Terminal):
    """A console in tmux whose output is recorded byte for byte from its first write."""

    def __init__(self, argv: list[str], record: Path) -> None:
        go = record.with_suffix(".go")
        # The command waits for the recording to be in place before it starts.
        wait = f"while [ ! -e {shlex.quote(str(go))} ]; do sleep 0.05; done; exec "
        script = wait + " ".join(map(shlex.quote, argv))
        super().__init__(["sh", "-c", script], env={"TERM": "xterm-256color"}, width=120, height=40)
        self.record = record
        self._tmux("pipe-pane", "-o", "-t", self.session, f"cat >> {shlex.quote(str(record))}")
        go.touch()

    def stream(self) -> bytes:
        """Every byte written to the terminal so far."""
        return self.record.read_bytes() if self.record.exists() else b""

    def settle(self, seconds: float = 0.6) -> None:
        """Give the console time to draw what the last keys asked for."""
        time.sleep(seconds)


def forbidden_in(stream: bytes) -> list[str]:
    return [name for name, sequence in FORBIDDEN.items() if sequence in stream]


def test_the_agent_console_writes_no_escape_from_an_e_mail(
    config: Path, tmp_path: Path, terminals: list[Terminal]
) -> None:
    terminal = Recorded(
        [MICC, "--config", str(config), "agent", "--agent", "bob", "--no-standby"],
        tmp_path / "agent.raw",
    )
    terminals.append(terminal)
    terminal.wait_for("Earlier question")
    # The reading pane: subject, name, body and attachment name spelled out.
    screen = terminal.wait_for("invoice")
    assert "\\x1b[2J" in screen and "\\u202e" in screen
    terminal.keys("n")  # take the oldest: the hostile one
    terminal.wait_for("in hand: 1")
    terminal.keys("1")
    terminal.settle()
    terminal.keys("h")  # the customer's history
    terminal.wait_for("Past conversations")
    terminal.settle()
    terminal.keys("Escape")
    terminal.settle()
    terminal.keys("i")  # the trail
    terminal.wait_for("Trail:")
    terminal.keys("Escape")
    terminal.settle()
    terminal.keys("r")  # the composer, prefilled from the e-mail
    terminal.wait_for("goes to review")
    terminal.settle(1.0)
    composer = terminal.screen()
    assert "\\x1b]0;pwned\\x07" in composer or "\\x1b[2J" in composer
    terminal.keys("C-s")  # to review: the supervisor test reads it
    wait_until(lambda: "Sent to review" in terminal.screen(), why=terminal.screen)
    terminal.settle()
    terminal.keys("C-q")
    wait_until(lambda: "EXITED" in terminal.screen(), why=terminal.screen)

    stream = terminal.stream()
    assert len(stream) > 10_000  # the recording saw the whole session
    assert b"Mallory" in stream and b"invoice" in stream
    assert forbidden_in(stream) == []


def test_the_supervisor_console_writes_no_escape_from_an_e_mail(
    config: Path, tmp_path: Path, terminals: list[Terminal]
) -> None:
    # A reply to the hostile e-mail waits for review (bob's group reviews replies).
    center = open_contact_center(load_config(str(config)), "bob")
    try:
        item = center.take_next(None)
        assert item is not None and item.id == 1
        center.send(center.draft(item.id, "reply"))
    finally:
        center.close()

    terminal = Recorded(
        [MICC, "--config", str(config), "supervisor", "--agent", "carol", "--no-standby"],
        tmp_path / "supervisor.raw",
    )
    terminals.append(terminal)
    terminal.wait_for("Arrivals/min")
    for tab, shown in (
        ("2", "Address pattern"),
        ("4", "unrouted or failed"),
        ("5", "E-mails in hand"),
        ("7", "Updated"),
        ("1", "Arrivals/min"),
        ("3", "Customer wrote"),  # the review: the reply beside the customer's e-mail
    ):
        terminal.keys(tab)
        terminal.wait_for(shown)
        terminal.settle()
    terminal.wait_for("Refund")
    terminal.keys("i")  # its trail
    terminal.wait_for("Trail:")
    terminal.keys("Escape")
    terminal.settle()
    terminal.keys("6")  # the archive: search, then the whole conversation
    terminal.settle()
    terminal.type("Refund")
    terminal.keys("Enter")
    terminal.settle(1.0)
    terminal.keys("Enter")
    terminal.wait_for("Conversation 1")
    terminal.settle(1.0)
    terminal.keys("Escape")
    terminal.settle()
    terminal.keys("C-q")
    wait_until(lambda: "EXITED" in terminal.screen(), why=terminal.screen)

    stream = terminal.stream()
    assert len(stream) > 10_000
    assert b"Mallory" in stream
    assert forbidden_in(stream) == []
