"""Crash test for the Graph path: SIGKILL while ingesting and while sending, then a clean run.

Every message must be archived exactly once and every reply accepted by the
(stand-in) Graph server exactly once, by Message-ID. The child process is
:mod:`tests.graph_child`; the server lives in this process, so its mailbox
survives the kills.
"""

from __future__ import annotations

import email
import email.policy
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from engine.confirmations import build_confirmation
from engine.ingest import archive_outgoing
from engine.store import Store, now_iso
from tests.graph_fixtures import (
    GraphTenant,
    graph_server_fixture,  # noqa: F401 - fixture
    mail,
    tenant_fixture,  # noqa: F401 - fixture
)

ROOT = Path(__file__).resolve().parents[1]
KILLS = 12


def _child(config: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.graph_child", str(config), mode],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def _kill_at_random(config: Path, mode: str, rng: random.Random) -> int:
    """Start children and SIGKILL each at a random moment after it is ready."""
    kills = 0
    for _ in range(KILLS):
        child = _child(config, mode)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.communicate()[1]
        time.sleep(rng.uniform(0.0, 0.4))
        if child.poll() is not None:  # finished everything before the kill
            assert child.returncode == 0, child.communicate()[1]
            break
        child.send_signal(signal.SIGKILL)
        child.wait()
        kills += 1
    return kills


def _clean_run(config: Path, mode: str) -> None:
    child = _child(config, mode)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["delete", "keep"])
def test_sigkill_while_ingesting_then_each_message_is_archived_once(
        tenant: GraphTenant, policy: str) -> None:
    tenant.server.delay = 0.003  # a little time per request widens the crash windows
    config = tenant.config(policy)  # type: ignore[arg-type]
    subjects = [f"crash ingest {n:03}" for n in range(150)]
    for subject in subjects:
        tenant.deliver(mail("Solidus.Sales.Europe@seclab.com", subject))

    kills = _kill_at_random(tenant.root / "micc.toml", "ingest", random.Random(7))
    _clean_run(tenant.root / "micc.toml", "ingest")

    store = Store(config.store.path)
    archived = Counter(r[0] for r in store.query("SELECT subject FROM messages"))
    assert kills >= 3, "the children should have been killed mid-run a few times"
    assert archived == Counter(subjects), "each message archived exactly once"
    assert store.query_one("SELECT COUNT(*) FROM conversations")[0] == 150
    assert tenant.inbox() == (150 if policy == "keep" else 0)


@pytest.mark.slow
def test_sigkill_while_sending_then_each_reply_is_sent_once(tenant: GraphTenant) -> None:
    tenant.server.delay = 0.003
    config = tenant.config("delete")
    store = Store(config.store.path)
    expected = []
    for n in range(60):
        raw = build_confirmation(f"Answer {n}\n", html=False,
                                 from_address="Solidus.Sales.Europe@seclab.com",
                                 to_address=f"customer{n}@example.net", subject=f"Question {n}",
                                 in_reply_to=f"<q{n}@example.net>").as_bytes()
        message_id = email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]
        expected.append(message_id)
        with store.transaction() as conn:
            message = archive_outgoing(store, None, f"out:{message_id}", raw)
            conn.execute(
                "INSERT INTO outbox (message, kind, mail_from, rcpt_json, state, attempts, "
                "next_attempt, created) VALUES (?, 'reply', ?, ?, 'queued', 0, ?, ?)",
                (message, "Solidus.Sales.Europe@seclab.com",
                 f'["customer{n}@example.net"]', now_iso(), now_iso()))

    kills = _kill_at_random(tenant.root / "micc.toml", "send", random.Random(11))
    _clean_run(tenant.root / "micc.toml", "send")

    sent = Counter(s.message_id for s in tenant.server.sent)
    assert kills >= 3
    assert sent == Counter(expected), "each reply accepted exactly once, by Message-ID"
    assert {s.sender for s in tenant.server.sent} == {"solidus.sales.europe@seclab.com"}
    states = store.query("SELECT state, COUNT(*) FROM outbox GROUP BY state")
    assert [(r[0], r[1]) for r in states] == [("sent", 60)]
