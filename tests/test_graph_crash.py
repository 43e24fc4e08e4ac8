"""Crash test for the Graph path: SIGKILL of ``micc serve`` while ingesting and while
sending, then a clean ``micc serve --once``.

Every message must be archived exactly once and every reply accepted by the
(stand-in) Graph server exactly once, by Message-ID. The server lives in this
process, so its mailbox survives the kills.

The kill moments come from a seed, fresh each run: it is printed and in every
assertion message, and ``MICC_CRASH_SEED=<n>`` replays it (see tests/crash_seed.py).
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from engine import outbox
from engine.confirmations import build_confirmation
from engine.store import Store
from tests.crash_seed import CrashSeed, crash_seed
from tests.graph_fixtures import (
    GraphTenant,
    graph_server_fixture,  # noqa: F401 - fixture
    mail,
    tenant_fixture,  # noqa: F401 - fixture
)

ROOT = Path(__file__).resolve().parents[1]
KILLS = 8


def _micc(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "micc_tui", "--config", str(config), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _kill_at_random(
    tenant: GraphTenant, seed: CrashSeed, before_each: Callable[[int], None]
) -> None:
    """Start ``micc serve`` and SIGKILL it at a random moment, :data:`KILLS` times.

    ``before_each(round)`` adds work first, so each child has some when it dies.
    The moment is drawn once the child has started talking to Graph, so that
    start-up time (which varies with the machine's load) does not eat it.
    """
    server = tenant.server
    for round_ in range(KILLS):
        before_each(round_)
        seen = len(server.requests)
        child = _micc(tenant.root / "micc.toml", "serve")
        deadline = time.monotonic() + 60
        while not any("/v1.0/" in p for _, p in server.requests[seen:]):
            assert child.poll() is None, f"{seed.note}: {child.communicate()[1]}"
            assert time.monotonic() < deadline, f"micc serve never reached Graph; {seed.note}"
            time.sleep(0.01)
        time.sleep(seed.rng.uniform(0.0, 1.0))
        child.send_signal(signal.SIGKILL)
        child.wait()


def _clean_run(config: Path, seed: CrashSeed) -> None:
    child = _micc(config, "serve", "--once")
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, f"{seed.note}: {out}{err}"


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["delete", "keep"])
def test_sigkill_while_ingesting_then_each_message_is_archived_once(
    tenant: GraphTenant, policy: str
) -> None:
    tenant.server.delay = 0.02  # time per request widens the crash windows
    config = tenant.config(policy)  # type: ignore[arg-type]
    subjects: list[str] = []

    def deliver(round_: int) -> None:
        for n in range(40):
            subjects.append(f"crash ingest {round_}.{n:02}")
            tenant.deliver(mail("Solidus.Sales.Europe@seclab.com", subjects[-1]))

    seed = crash_seed()
    _kill_at_random(tenant, seed, deliver)
    partial = Store(config.store.path).query_one("SELECT COUNT(*) FROM messages")[0]
    _clean_run(tenant.root / "micc.toml", seed)

    store = Store(config.store.path)
    archived = Counter(r[0] for r in store.query("SELECT subject FROM messages"))
    assert partial > 0, f"the killed children got some work done; {seed.note}"
    assert archived == Counter(subjects), f"each message archived exactly once; {seed.note}"
    conversations = store.query_one("SELECT COUNT(*) FROM conversations")[0]
    assert conversations == len(subjects), seed.note
    assert tenant.inbox() == (len(subjects) if policy == "keep" else 0), seed.note


@pytest.mark.slow
def test_sigkill_while_sending_then_each_reply_is_sent_once(tenant: GraphTenant) -> None:
    tenant.server.delay = 0.02
    config = tenant.config("delete")
    store = Store(config.store.path)
    expected: list[str] = []

    def queue_replies(round_: int) -> None:
        for n in range(15):
            raw = build_confirmation(
                f"Answer {round_}.{n}\n",
                html=False,
                from_address="Solidus.Sales.Europe@seclab.com",
                to_address=f"customer{n}@example.net",
                subject=f"Question {round_}.{n}",
                in_reply_to=f"<q{round_}.{n}@example.net>",
            ).as_bytes()
            expected.append(
                email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]
            )
            outbox.enqueue(
                store,
                raw,
                mail_from="Solidus.Sales.Europe@seclab.com",
                recipients=[f"customer{n}@example.net"],
                conversation_id=None,
                kind="reply",
            )

    seed = crash_seed()
    _kill_at_random(tenant, seed, queue_replies)
    partial = len(tenant.server.sent)
    _clean_run(tenant.root / "micc.toml", seed)

    sent = Counter(s.message_id for s in tenant.server.sent)
    assert partial > 0, f"the killed children got some work done; {seed.note}"
    assert sent == Counter(expected), (
        f"each reply accepted exactly once, by Message-ID; {seed.note}"
    )
    senders = {s.sender for s in tenant.server.sent}
    assert senders == {"solidus.sales.europe@seclab.com"}, seed.note
    states = store.query("SELECT state, COUNT(*) FROM outbox GROUP BY state")
    assert [(r[0], r[1]) for r in states] == [("sent", len(expected))], seed.note
