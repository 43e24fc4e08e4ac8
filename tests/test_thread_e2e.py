"""End to end, in a real terminal: the whole conversation on the agent's screen (issue 16).

A real workspace and store, the test Dovecot as the master mailbox, the
recording aiosmtpd server, and ``micc serve`` running. The customer's quote
request with ``spec.csv`` is appended to the mailbox, then a follow-up
"Any news? Did you get my spec sheet?" with the same subject under ``Re:``
and no threading headers. The agent's console runs in tmux at 100x30; the
test reads the raw screen: the follow-up with the quote request's line above
it, ``a`` saving the spec sheet's exact bytes, ``N`` writing a note that then
shows as a line of the conversation, and a reply that reaches the SMTP
server once, without the note.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import imapclient
import pytest

from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from tests.servers.dovecot import PASSWORD, Dovecot
from tests.servers.replying import AGENT
from tests.servers.smtp import SmtpServer
from tests.servers.tenant import PASSWORD_ENV, tenant
from tests.tmux_terminal import Terminal, wait_until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SPEC = b"part,qty,colour\r\nchair-A1,40,grey\r\nchair-A2,10,blue\r\n\xef\xbb\xbfend\r\n"
NOTE = "Warehouse holds 40 grey, confirm Friday"
REPLY = "Yes, we have your spec sheet: the quote follows today."
SALES = "Solidus.Sales.Retail@seclab.com"


def quote_request() -> bytes:
    message = email.message.EmailMessage()
    message["From"] = "Carla Customer <carla@customer.example>"
    message["To"] = SALES
    message["Subject"] = "Quote request"
    message["Date"] = "Thu, 03 Dec 2026 09:00:00 +0000"
    message["Message-ID"] = "<quote-1@customer.example>"
    message.set_content("Please quote 40 chairs.\n")
    message.add_attachment(SPEC, maintype="text", subtype="csv", filename="spec.csv")
    return bytes(message)


def follow_up() -> bytes:
    """The same subject under ``Re:``, no In-Reply-To, no References."""
    return (
        "From: Carla Customer <carla@customer.example>\r\n"
        f"To: {SALES}\r\nSubject: Re: Quote request\r\n"
        "Date: Thu, 03 Dec 2026 11:00:00 +0000\r\n"
        "Message-ID: <quote-2@customer.example>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Any news? Did you get my spec sheet?\r\n"
    ).encode()


def append(dovecot: Dovecot, user: str, raw: bytes) -> None:
    """Append ``raw`` to the master mailbox's INBOX over IMAP, as a mail client would."""
    client = imapclient.IMAPClient("127.0.0.1", dovecot.imap_port, ssl=False)
    try:
        client.login(user, PASSWORD)
        client.append("INBOX", raw)
    finally:
        client.logout()


def count(config: Config, sql: str) -> int:
    with Store(config.store.path, migrate=False) as store:
        row = store.query_one(sql)
    return 0 if row is None else int(row[0])


@pytest.fixture
def serve(
    dovecot: Dovecot, master_user: str, smtp_server: SmtpServer, tmp_path: Path
) -> Iterator[Config]:
    """The tenant's workspace with ``micc serve`` running on it (stopped afterwards)."""
    config = tenant(
        tmp_path / "ws",
        imap_port=dovecot.imap_port,
        user=master_user,
        smtp_port=smtp_server.port,
        extra=AGENT,
    )
    with serving(config):
        yield config


@contextlib.contextmanager
def serving(config: Config) -> Iterator[None]:
    """``micc serve`` on the config's (migrated) store, holding the lease; stopped after."""
    assert config.source is not None
    open_store(config).close()  # migrated, so the test can read it from the start
    env = {**os.environ, PASSWORD_ENV: PASSWORD, "PYTHONPATH": str(ROOT)}
    engine = subprocess.Popen(
        [sys.executable, "-m", "micc_tui", "--config", str(config.source), "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(
            lambda: count(config, "SELECT COUNT(*) FROM lease") == 1,
            why=lambda: f"micc serve holds no lease (exit status {engine.poll()})",
        )
        yield
    finally:
        engine.terminate()
        try:
            engine.wait(timeout=15)
        except subprocess.TimeoutExpired:
            engine.kill()
            engine.wait()


@pytest.fixture
def short_folder() -> Iterator[Path]:
    """A folder with a short path (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="micc-") as folder:
        yield Path(folder)


def note_line(term: Terminal) -> str | None:
    """The pane's line of the note (from its mark), if the screen shows it whole."""
    for line in term.screen().splitlines():
        if "✎ note by Alice Smith" in line and NOTE in line:
            return line[line.index("✎") :]
    return None


def gone(term: Terminal, text: str) -> None:
    """Wait until ``text`` (a toast) has left the screen."""
    wait_until(lambda: text not in term.screen(), why=lambda: f"{text!r} stayed:\n{term.screen()}")


def note_at_the_bottom(term: Terminal) -> str | None:
    """G (the pane's bottom, where the newest lines are), then a look for the note's line.

    G is pressed again after a while: the desk re-reads the conversation when it
    sees the store change, maybe after the first G.
    """
    term.keys("G")
    try:
        return wait_until(lambda: note_line(term), timeout=4)
    except AssertionError:
        return None


def row_of(screen: str, text: str) -> int:
    """The screen row holding ``text`` (the first)."""
    return next(n for n, line in enumerate(screen.splitlines()) if text in line)


def test_the_whole_conversation_on_a_real_terminal(
    dovecot: Dovecot,
    master_user: str,
    smtp_server: SmtpServer,
    serve: Config,
    short_folder: Path,
    terminals: list[Terminal],
) -> None:
    config = serve
    append(dovecot, master_user, quote_request())
    wait_until(lambda: count(config, "SELECT COUNT(*) FROM messages") == 1)
    append(dovecot, master_user, follow_up())
    wait_until(lambda: count(config, "SELECT COUNT(*) FROM messages") == 2)
    # The follow-up joined the quote request's conversation by subject and sender.
    assert count(config, "SELECT COUNT(DISTINCT conversation_id) FROM messages") == 1

    assert config.source is not None
    console = ["agent", "--agent", "alice", "--no-standby"]
    term = Terminal(
        [sys.executable, "-m", "micc_tui", "--config", str(config.source), *console],
        env={"PYTHONPATH": str(ROOT), PASSWORD_ENV: PASSWORD},
        width=100,
        height=30,
    )
    terminals.append(term)
    term.wait_for("Subject: Re: Quote request")
    # Into the reading pane, to its top: the quote request's line is above the follow-up.
    term.keys("Tab")
    term.keys("g")
    shown = term.wait_for("(1 file)")
    line = shown.splitlines()[row_of(shown, "(1 file)")]
    assert "←" in line and "Carla Customer" in line and "Please quote 40 chairs." in line
    assert row_of(shown, "(1 file)") < row_of(shown, "Subject: Re: Quote request")

    # a: the files of every e-mail of the conversation; saved to a folder typed in the box.
    term.keys("a")
    term.wait_for("Save files of this conversation (1)")
    assert "spec.csv" in term.screen()
    folder = short_folder / "saved files"  # short enough to show whole in the box
    term.keys("Tab")  # from the list to the folder box
    term.keys("C-u")  # the cursor is at the end: clear what is there
    term.wait_for("▊  Folder ")  # the box's placeholder: it is empty
    term.type(str(folder))
    term.wait_for(str(folder))
    term.keys("Enter")
    saved = folder / "spec.csv"
    wait_until(saved.exists, why=term.screen)
    wait_until(lambda: saved.read_bytes() == SPEC, why=lambda: repr(saved.read_bytes()))
    term.wait_for("Saved spec.csv")
    gone(term, "Saved spec.csv")  # its toast would cover the lines looked at below

    # N: an internal note, then a line of the conversation (below the e-mail: it is newer).
    term.keys("N")
    term.wait_for("Ctrl+S")
    term.type(NOTE)
    term.wait_for(NOTE)
    term.keys("C-s")
    term.wait_for("Note kept")
    gone(term, "Note kept")
    wait_until(lambda: count(config, "SELECT COUNT(*) FROM notes") == 1)
    shown = wait_until(lambda: note_at_the_bottom(term), why=term.screen)
    assert shown.startswith("✎ note by Alice Smith at ")

    # Take it (Enter in the queue), reply, send: one e-mail leaves, without the note.
    term.keys("BTab")  # back to the queue
    term.keys("Enter")
    term.wait_for("in hand: 1")
    term.keys("r")
    term.wait_for("Reply ·")
    term.type(REPLY)
    term.wait_for(REPLY)
    term.keys("C-s")
    wait_until(
        lambda: count(config, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == 1,
        why=term.screen,
    )
    # Nothing else is waiting to go: the one reply sent is all the SMTP server will get.
    assert count(config, "SELECT COUNT(*) FROM outbox") == 1
    assert len(smtp_server.accepted) == 1
    accepted = smtp_server.accepted[0]
    assert accepted.recipients == ("carla@customer.example",)
    sent = email.message_from_bytes(accepted.raw, policy=email.policy.default)
    assert str(sent["subject"]) == "Re: Quote request"
    body = sent.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert REPLY in text
    assert NOTE not in text and NOTE.encode() not in accepted.raw
    assert "Traceback" not in term.screen()
