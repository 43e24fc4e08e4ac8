"""``micc demo`` in a real terminal (tmux), as a person uses it.

E-mails arrive; the agent takes the oldest, replies, inserts a predefined
response, fixes a misspelling with the spelling key, and sends. The reply
must reach the demo's SMTP server from the right address, threaded under the
customer's e-mail (In-Reply-To and References).
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import sqlite3
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.tmux_terminal import WAIT, Terminal, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def terminal(workspace: Path) -> Iterator[Terminal]:
    term = Terminal(
        [
            sys.executable,
            "-m",
            "micc_tui",
            "demo",
            "--workspace",
            str(workspace),
            "--rate",
            "1",
            "--seed",
            "1",
        ]
    )
    try:
        yield term
    finally:
        term.close()


def replies(workspace: Path) -> list[EmailMessage]:
    """Messages the demo's SMTP server accepted that a person wrote (not automatic)."""
    path = workspace / "sent.mbox"
    if not path.exists():
        return []
    found = []
    for entry in mailbox.mbox(str(path)):
        message = email.message_from_bytes(entry.as_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if not message.get("Auto-Submitted"):
            found.append(message)
    return found


def archived_message_id(workspace: Path, subject_start: str) -> str:
    with sqlite3.connect(workspace / "micc.db") as db:
        row = db.execute(
            "SELECT message_id FROM messages WHERE direction = 'in' AND "
            "subject LIKE ? ORDER BY id LIMIT 1",
            (subject_start + "%",),
        ).fetchone()
    assert row is not None
    return str(row[0])


def test_an_agent_answers_a_customer_in_the_demo(terminal: Terminal, workspace: Path) -> None:
    # The first generated e-mail (seed 1) asks Sales for a price.
    terminal.wait_for("Price for 12 x")
    # Found with the filter and taken with t, not n: n would accept a Support
    # e-mail offered meanwhile (Support offers its e-mails), and priority 1
    # e-mails go first in the queue; Sales lets agents take the one they choose.
    terminal.keys("/")
    terminal.type("Price for 12")
    terminal.keys("Enter")
    terminal.wait_for("· 1 of ")
    terminal.keys("t")
    terminal.wait_for("in hand: 1")
    terminal.keys("r")
    terminal.wait_for("Reply · Sales")
    terminal.wait_for("0 misspelled")

    terminal.keys("C-r")
    terminal.wait_for("Insert a response")
    terminal.keys("Enter")  # the first response: "Quote request received"
    # Rendered ($ServiceGroup.Email$ filled in), so in the body, not the picker's preview.
    terminal.wait_for("receive it from Solidus.SalesCall")

    terminal.type("We can delivr the arms next week. ")
    terminal.wait_for("1 misspelled")
    terminal.keys("F7")
    terminal.wait_for("Spelling: delivr")
    terminal.keys("Enter")  # the first suggestion
    terminal.wait_for("0 misspelled")

    terminal.keys("C-s")
    sent = wait_until(
        lambda: replies(workspace),
        WAIT,
        lambda: f"no reply reached SMTP; screen:\n{terminal.screen()}",
    )
    assert len(sent) == 1
    reply = sent[0]

    original = archived_message_id(workspace, "Price for 12 x")
    assert reply["From"].addresses[0].addr_spec == "Solidus.Sales.Retail@seclab.com"
    assert reply["To"].addresses[0].addr_spec == "john.carter@carter-hardware.example"
    assert reply["Subject"].startswith("Re: Price for 12 x")
    assert reply["In-Reply-To"] == original
    assert original in reply["References"].split()
    body = reply.get_body(("plain",))
    assert body is not None
    text = " ".join(str(body.get_content()).split())
    assert "A sales representative is preparing it now" in text
    assert "We can deliver the arms next week." in text
    assert "delivr" not in text

    # Quitting the console ends the demo cleanly.
    terminal.keys("C-q")
    terminal.wait_for("EXITED 0")
