"""The engine SIGKILLed again and again while it offers e-mails: nothing lost, doubled or stuck.

``micc serve`` reads a private Dovecot and sends to aiosmtpd; six scripted
agents in two processes (tests/distribution_sim.py) accept their offers and
answer through the outbox, one of them letting an offer expire. The serve
child is killed with SIGKILL a random while after it made an offer, and
started again at once, several times; e-mails keep arriving meanwhile. A
last child, left alone, finishes the work and is stopped cleanly.

Then: every e-mail archived once and answered once (one ``replied`` event,
one outbox reply); the event log never shows an e-mail offered while its
offer to another agent was still open (``offered`` ... accepted, rejected,
expired or withdrawn), and every offer follows the distributor's rules
(tests/distribution_sim.py ``replay``); one more pass leaves nothing
queued and no offer behind.

The kill timings come from a seed, printed and in every assertion message;
``MICC_CRASH_SEED=<n>`` replays it (tests/crash_seed.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine import distribution, lease
from engine.bootstrap import open_store
from engine.store import Store
from tests.crash_seed import crash_seed
from tests.distribution_sim import assert_answered_once, replay
from tests.servers.dovecot import PASSWORD, Dovecot
from tests.servers.smtp import SmtpServer
from tests.servers.tenant import PASSWORD_ENV, customer_mail, tenant

ROOT = Path(__file__).resolve().parents[1]
EMAILS, KILLS = 160, 10
AGENTS = ["k1", "k2", "k3", "k4", "k5", "k6"]
EXTRA = """
[[service_group]]
name = "Orders"
email = "orders@seclab.com"
offer_timeout_seconds = 2
max_in_hand = 2

[[service_access]]
name = "Orders"
address = "orders@seclab.com"
service_group = "Orders"
""" + "".join(f'\n[[agent]]\nid = "{a}"\nname = "Agent {a}"\ngroups = ["Orders"]\n' for a in AGENTS)


def _serve(config_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "micc_tui", "--config", str(config_path), "serve"],
        cwd=ROOT,
        env={**os.environ, PASSWORD_ENV: PASSWORD, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _agents(config_path: Path, seed: int, stop: Path, ids: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.distribution_sim",
            "agents",
            *(str(config_path), str(seed)),
            str(stop),
            *ids,
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "MICC_SIM_IGNORE": "k2",
            "MICC_SIM_THINK": "0.5",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _count(store: Store, sql: str) -> int:
    row = store.query_one(sql)
    assert row is not None
    return int(row[0])


def _offers(store: Store) -> int:
    return _count(store, "SELECT COUNT(*) FROM events WHERE kind = 'offered'")


def _answered(store: Store) -> int:
    return _count(store, "SELECT COUNT(*) FROM conversations WHERE state = 'answered'")


def _mail(numbers: range) -> list[bytes]:
    return [
        customer_mail("orders@seclab.com", n=n, message_id=f"<kill-{n}@customer.example>")
        for n in numbers
    ]


@pytest.mark.slow
def test_engine_killed_while_distributing_loses_doubles_and_strands_nothing(
    dovecot: Dovecot, master_user: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    seed = crash_seed()
    note = seed.note
    rng = seed.rng
    dovecot.deliver_many(master_user, _mail(range(EMAILS // 2)))
    config = tenant(
        tmp_path,
        imap_port=dovecot.imap_port,
        user=master_user,
        smtp_port=smtp_server.port,
        batch=20,
        append_sent=False,
        extra=EXTRA,
    )
    assert config.source is not None
    open_store(config).close()
    stop = tmp_path / "stop"
    agents = [
        _agents(config.source, seed.seed + n, stop, AGENTS[n * 3 : n * 3 + 3]) for n in range(2)
    ]
    kills = with_offers_open = with_mail_queued = 0
    with Store(config.store.path) as store:
        try:
            # KILLS kills, the rest of the mail arriving after the third (fewer if
            # the work ran out: a child may finish it between two kills).
            while kills < KILLS and (kills <= 3 or _answered(store) < EMAILS):
                if kills == 3:
                    dovecot.deliver_many(master_user, _mail(range(EMAILS // 2, EMAILS)))
                before = _offers(store)
                child = _serve(config.source)
                deadline = time.monotonic() + 20
                while _offers(store) == before and time.monotonic() < deadline:
                    if child.poll() is not None:
                        err = child.stderr.read().decode() if child.stderr else ""
                        pytest.fail(
                            f"serve child {kills} exited ({child.returncode}); {note}: {err}"
                        )
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.6))
                child.send_signal(signal.SIGKILL)
                child.wait()
                if child.stderr:
                    child.stderr.close()
                kills += 1
                with_offers_open += _count(store, "SELECT COUNT(*) FROM offers") > 0
                with_mail_queued += (
                    _count(store, "SELECT COUNT(*) FROM conversations WHERE state = 'queued'") > 0
                )
            last = _serve(config.source)
            deadline = time.monotonic() + 60
            while (
                _answered(store) < EMAILS or not lease.running(store)
            ) and time.monotonic() < deadline:
                assert last.poll() is None, note
                time.sleep(0.05)
            last.send_signal(signal.SIGTERM)
            _, err = last.communicate(timeout=30)
            assert last.returncode == 0, f"{note}: {err.decode()}"
        finally:
            stop.touch()
            outputs = [p.communicate(timeout=30) for p in agents]
        for process, (_, err) in zip(agents, outputs, strict=True):
            assert process.returncode == 0, f"{note}: {err}"
        print(
            f"{note}: {kills} kills, {with_offers_open} with offers open, "
            f"{with_mail_queued} with e-mails queued",
            *(o for o, _ in outputs),
        )
        assert kills >= KILLS // 2 and with_offers_open >= 1, note

        incoming = Counter(
            str(r[0]) for r in store.query("SELECT message_id FROM messages WHERE direction = 'in'")
        )
        assert incoming == Counter(f"<kill-{n}@customer.example>" for n in range(EMAILS)), note
        assert_answered_once(store, EMAILS, note)

        found = replay(store, config)
        assert not found.broken, f"{note}:\n" + "\n".join(found.broken)
        assert found.expired >= 1, f"{note}: k2's ignored offer never expired"

        # One more pass, after every deadline: nothing queued, no offer left open.
        later = datetime.now(UTC) + timedelta(seconds=10)
        distribution.distribute(store, config, later, wall=later)
        assert _count(store, "SELECT COUNT(*) FROM offers") == 0, note
        assert _count(store, "SELECT COUNT(*) FROM conversations WHERE state = 'queued'") == 0
        ended = Counter(
            str(r[0])
            for r in store.query(
                "SELECT kind FROM events WHERE kind IN ('offered', 'offer_accepted', "
                "'offer_rejected', 'offer_expired', 'offer_withdrawn')"
            )
        )
        assert ended["offered"] == EMAILS + sum(
            ended[k] for k in ("offer_rejected", "offer_expired", "offer_withdrawn")
        ), f"{note}: {ended}"
        assert ended["offer_accepted"] == EMAILS, f"{note}: {ended}"
