"""End to end, in real terminals: an e-mail offered, accepted and answered; another ignored.

A real workspace and store, the test Dovecot as the master mailbox, the
recording aiosmtpd server and ``micc serve`` (whose distributor makes the
offers). Two agent consoles run in tmux, alice's and bob's, on the one store;
both groups choose the most skilled agent, and alice is the more skilled.
The test reads their screens:

- a customer e-mail to Sales: alice's banner shows it with a countdown that
  counts down; she accepts with Enter, replies, and the reply reaches the
  SMTP server once;
- one to Support (offers expire after 3 seconds): alice lets it be; it goes
  to bob, whose banner shows it, and alice's status line says Away (no
  answer).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.config import Config, load_config
from tests.servers.dovecot import PASSWORD, Dovecot
from tests.servers.smtp import SmtpServer
from tests.servers.tenant import PASSWORD_ENV, customer_mail, write_tenant
from tests.test_thread_e2e import append, count, serving
from tests.tmux_terminal import Terminal, wait_until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
AGENTS = """
[[agent]]
id = "alice"
name = "Alice Smith"
groups = ["Sales", "Support"]
skills = { Sales = 9, Support = 9 }

[[agent]]
id = "bob"
name = "Bob Jones"
groups = ["Sales", "Support"]
skills = { Sales = 2, Support = 2 }
"""
REPLY = "Your chairs leave the warehouse on Friday."
#: Sales gives time to accept; Support's offers expire quickly (nobody answers them).
TIMEOUTS = {"Sales": 30, "Support": 3}


@pytest.fixture
def serve(
    dovecot: Dovecot, master_user: str, smtp_server: SmtpServer, tmp_path: Path
) -> Iterator[Config]:
    """The workspace with ``micc serve`` running on it (stopped afterwards)."""
    path = write_tenant(
        tmp_path / "ws",
        imap_port=dovecot.imap_port,
        user=master_user,
        smtp_port=smtp_server.port,
        extra=AGENTS,
    )
    text = path.read_text()
    for group, seconds in TIMEOUTS.items():
        text = text.replace(
            f'name = "{group}"\nemail',
            f'name = "{group}"\nselection = "most_skilled"\n'
            f"offer_timeout_seconds = {seconds}\nemail",
            1,
        )
    path.write_text(text)
    config = load_config(path)
    assert [g.offer_timeout_seconds for g in config.service_group[:2]] == [30, 3]
    with serving(config):
        yield config


def console(config: Config, agent: str) -> Terminal:
    assert config.source is not None
    return Terminal(
        [
            sys.executable,
            "-m",
            "micc_tui",
            "--config",
            str(config.source),
            "agent",
            "--agent",
            agent,
            "--no-standby",
        ],
        env={"PYTHONPATH": str(ROOT), PASSWORD_ENV: PASSWORD},
        width=100,
        height=30,
    )


def seconds_left(term: Terminal) -> int | None:
    """The banner's countdown, if it shows."""
    found = re.search(r"(\d+) s left", term.screen())
    return int(found.group(1)) if found else None


def test_offered_accepted_answered_then_ignored_and_sent_on(
    dovecot: Dovecot,
    master_user: str,
    smtp_server: SmtpServer,
    serve: Config,
    terminals: list[Terminal],
) -> None:
    config = serve
    alice = console(config, "alice")
    terminals.append(alice)
    bob = console(config, "bob")
    terminals.append(bob)
    for term in (alice, bob):
        term.wait_for("● Available")
    wait_until(lambda: count(config, "SELECT COUNT(*) FROM agent_status") == 2)

    # Sales: offered to alice (the more skilled); the countdown counts down.
    append(
        dovecot,
        master_user,
        customer_mail("Solidus.Sales.Retail@seclab.com", subject="Forty grey chairs", n=1),
    )
    shown = alice.wait_for("Offered to you")
    assert "Forty grey chairs" in shown and "Sales · priority 5" in shown
    first = wait_until(lambda: seconds_left(alice), why=alice.screen)
    wait_until(lambda: (left := seconds_left(alice)) is not None and left < first, why=alice.screen)
    assert "Offered to you" not in bob.screen()
    alice.keys("Enter")
    alice.wait_for("in hand: 1")
    alice.wait_for("In hand · 1")
    wait_until(lambda: "Offered to you" not in alice.screen(), why=alice.screen)
    alice.keys("r")
    alice.wait_for("Reply ·")
    alice.type(REPLY)
    alice.wait_for(REPLY)
    alice.keys("C-s")
    wait_until(
        lambda: count(config, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == 1,
        why=alice.screen,
    )
    assert len(smtp_server.accepted) == 1
    assert smtp_server.accepted[0].recipients == ("carla@customer.example",)
    assert REPLY.encode() in smtp_server.accepted[0].raw

    # Support: offered to alice, left unanswered; after 3 s it is bob's, and she is Away.
    alice.wait_for("● Available")
    append(
        dovecot,
        master_user,
        customer_mail("solidus.support+help@gmail.com", subject="Broken armrest", n=2),
    )
    shown = alice.wait_for("Broken armrest")
    assert "Offered to you: Support" in shown
    bob.wait_for("Offered to you: Support")
    assert "Broken armrest" in bob.screen()
    shown = alice.wait_for("○ Away (no answer)")
    assert "Offered to you" not in shown
    expired = count(
        config,
        "SELECT COUNT(*) FROM events WHERE kind = 'offer_expired' "
        "AND json_extract(detail_json, '$.agent') = 'alice'",
    )
    assert expired == 1
    # Back from Away: s, and alice is Available again.
    alice.keys("s")
    alice.wait_for("● Available")
    assert len(smtp_server.accepted) == 1  # nothing else left
    for term in (alice, bob):
        assert "Traceback" not in term.screen()
