"""Lease failover (issue 10): ``micc serve`` killed, a console's standby engine takes over.

Real processes against the session's Dovecot: a ``micc serve`` child and a
standby child (``tests/standby_process.py``, standing in for a console). The
serve child is killed with SIGKILL; the standby must hold the lease within
the issue's 5 s and go on ingesting mail delivered by LMTP (and sending);
a new ``micc serve`` then asks for the lease and gets it handed over. Across
all of it no e-mail is lost or doubled.

Two set-ups: the standby on this host (a dead holder is seen at once through
its pid) and one posing as another host (only the lease's expiry tells).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import imapclient
import pytest

from engine.bootstrap import open_store
from engine.store import Store
from tests.servers.dovecot import PASSWORD, Dovecot
from tests.servers.replying import AGENT, reply_to
from tests.servers.smtp import SmtpServer
from tests.servers.tenant import PASSWORD_ENV, customer_mail, tenant

ROOT = Path(__file__).resolve().parents[1]
#: The issue's functional deadline, and what a slow test machine may add to it.
DEADLINE, SLACK = 5.0, 0.5
PER_ROUND = 5


def _env() -> dict[str, str]:
    return {**os.environ, PASSWORD_ENV: PASSWORD, "PYTHONPATH": str(ROOT)}


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=_env(), stdout=err, stderr=err
        )


def _serve(config: Path, log: Path) -> subprocess.Popen[bytes]:
    return _start(["-m", "micc_tui", "--config", str(config), "serve", "--log-level", "info"], log)


def wait_until(
    what: str, check: Callable[[], bool], timeout: float, alive: Callable[[], None] = lambda: None
) -> float:
    """Poll ``check`` every 20 ms for at most ``timeout`` s; the seconds it took."""
    started = time.monotonic()
    while not check():
        alive()
        elapsed = time.monotonic() - started
        assert elapsed < timeout, f"timed out after {elapsed:.1f} s waiting for {what}"
        time.sleep(0.02)
    return time.monotonic() - started


def holder_pid(store: Store) -> int | None:
    """The pid holding a live engine lease, or None."""
    row = store.query_one("SELECT pid, expires FROM lease WHERE name = 'engine'")
    return int(row[0]) if row is not None and row[1] > time.time() else None


def count(store: Store, sql: str) -> int:
    row = store.query_one(sql)
    assert row is not None
    return int(row[0])


def archived(store: Store) -> int:
    return count(store, "SELECT COUNT(*) FROM messages WHERE direction = 'in'")


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for child in started:
        if child.poll() is None:
            child.kill()
            child.wait(10)


@pytest.mark.slow
@pytest.mark.parametrize(
    "standby_host", ["-", "console-host-2"], ids=["standby on this host", "standby on another host"]
)
def test_serve_killed_standby_takes_over_then_serve_takes_it_back(
    dovecot: Dovecot,
    master_user: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
    children: list[subprocess.Popen[bytes]],
    standby_host: str,
) -> None:
    config = tenant(
        tmp_path,
        imap_port=dovecot.imap_port,
        user=master_user,
        smtp_port=smtp_server.port,
        policy="delete",
        extra=AGENT,
    )
    assert config.source is not None
    logs = {name: tmp_path / f"{name}.log" for name in ("serve-1", "standby", "serve-2")}
    sent = 0

    def deliver(first: int) -> None:
        dovecot.deliver_many(
            master_user,
            [
                customer_mail(
                    f"Solidus.Sales.F{n}@seclab.com",
                    n=n,
                    subject=f"Failover {n}",
                    message_id=f"<failover-{n}@customer.example>",
                )
                for n in range(first, first + PER_ROUND)
            ],
        )

    with open_store(config) as store:
        serve = _serve(config.source, logs["serve-1"])
        children.append(serve)
        wait_until("serve to hold the lease", lambda: holder_pid(store) == serve.pid, 20)
        standby = _start(
            ["-m", "tests.standby_process", str(config.source), standby_host], logs["standby"]
        )
        children.append(standby)
        wait_until(
            "the standby to stand by",
            lambda: 'msg="standing by"' in logs["standby"].read_text(),
            20,
        )
        deliver(0)
        wait_until("the first mail", lambda: archived(store) == PER_ROUND, 20)

        serve.kill()
        killed = time.monotonic()
        deliver(PER_ROUND)  # mail arriving while nobody serves
        serve.wait(10)

        def standby_alive() -> None:
            assert standby.poll() is None, logs["standby"].read_text()

        wait_until(
            "the standby to take over",
            lambda: holder_pid(store) == standby.pid,
            DEADLINE + SLACK - (time.monotonic() - killed),
            standby_alive,
        )
        takeover = time.monotonic() - killed
        wait_until(
            "mail read by the standby", lambda: archived(store) == 2 * PER_ROUND, 20, standby_alive
        )
        reply_to(store, config, 1, "Sent by a standby engine")
        sent += 1
        wait_until("the standby to send", lambda: len(smtp_server.accepted) == sent, 20)

        serve = _serve(config.source, logs["serve-2"])
        children.append(serve)
        restarted = time.monotonic()
        wait_until("serve to take the lease back", lambda: holder_pid(store) == serve.pid, 15)
        handover = time.monotonic() - restarted
        deliver(2 * PER_ROUND)
        wait_until("mail read by serve again", lambda: archived(store) == 3 * PER_ROUND, 20)
        reply_to(store, config, 2, "Sent by micc serve again")
        sent += 1
        wait_until("serve to send", lambda: len(smtp_server.accepted) == sent, 20)
        health = store.query_one("SELECT state, detail FROM engine_health WHERE name = 'engine'")
        assert health is not None and health[0] == "running" and f":{serve.pid}:" in health[1]
        assert standby.poll() is None  # standing by again, not holding anything

        serve.send_signal(signal.SIGTERM)
        assert serve.wait(15) == 0
        standby.send_signal(signal.SIGTERM)
        out = standby.wait(15)
        assert out == 0, logs["standby"].read_text()

    with Store(config.store.path) as check:
        incoming = [
            r[0] for r in check.query("SELECT message_id FROM messages WHERE direction = 'in'")
        ]
        keys = [r[0] for r in check.query("SELECT source_key FROM messages WHERE direction = 'in'")]
        assert len(incoming) == 3 * PER_ROUND, "nothing lost"
        assert Counter(incoming) == Counter(
            f"<failover-{n}@customer.example>" for n in range(3 * PER_ROUND)
        ), "nothing doubled"
        assert len(set(keys)) == len(keys)
        assert count(check, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == sent
    assert sorted(Counter(smtp_server.message_ids()).values()) == [1] * sent
    client = imapclient.IMAPClient("127.0.0.1", dovecot.imap_port, ssl=False)
    client.login(master_user, PASSWORD)
    assert client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 0  # all processed
    client.logout()
    standby_log = logs["standby"].read_text()
    assert 'msg="engine lease taken"' in standby_log
    assert 'msg="handed the engine lease over"' in standby_log
    assert 'msg="asked for the engine lease"' in logs["serve-2"].read_text()
    print(
        f"\nfailover ({standby_host}): standby took over {takeover:.2f} s after the kill; "
        f"restarted serve held the lease {handover:.2f} s after it started"
    )
