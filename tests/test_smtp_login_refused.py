"""Issue 14, item 9: a permanent SMTP authentication failure (535) is not the replies' fault.

Before, every queued reply was marked ``failed`` ("bad credentials") and
``micc serve --once`` exited 0. Now the replies stay in the outbox (the one
tried goes back to ``retry``, its attempt not counted; the others stay
``queued``), engine health says "SMTP login refused", ``serve --once`` exits
1, and a long-running engine stops trying: it logs in again only when the
password changes (or after a long pause), so a wrong password is not tried
once per reply and the account is not locked. Against the real aiosmtpd
server with AUTH, and Dovecot as the master mailbox.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.bootstrap import open_store
from engine.config import Config
from engine.engine import Engine
from engine.store import Store
from tests.servers.dovecot import PASSWORD, Dovecot
from tests.servers.replying import AGENT, reply_to
from tests.servers.smtp import SmtpServer
from tests.servers.tenant import PASSWORD_ENV, SMTP_PASSWORD_ENV, customer_mail, tenant

ROOT = Path(__file__).resolve().parents[1]
RIGHT = "Right-Smtp-Pa55"
WRONG = "Wrong-Smtp-Pa55"
#: AUTH commands one refused login costs: smtplib tries PLAIN, then LOGIN.
LOGIN = 2


@pytest.fixture
def smtp(dovecot: Dovecot) -> Iterator[SmtpServer]:
    with SmtpServer(dovecot.cert_path, dovecot.root / "key.pem", password=RIGHT) as server:
        yield server


def micc(config: Config, *args: str, smtp_password: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        PASSWORD_ENV: PASSWORD,
        SMTP_PASSWORD_ENV: smtp_password,
    }
    return subprocess.run(
        [sys.executable, "-m", "micc_tui", "--config", str(config.source), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def outbox_rows(config: Config) -> list[tuple[str, int, str]]:
    with Store(config.store.path) as store:
        return [
            (r[0], int(r[1]), r[2])
            for r in store.query("SELECT state, attempts, last_error FROM outbox ORDER BY id")
        ]


def sender_health(config: Config) -> tuple[str, str] | None:
    with Store(config.store.path) as store:
        row = store.query_one("SELECT state, detail FROM engine_health WHERE name = 'sender'")
        return (row[0], row[1]) if row else None


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the engine did not get there in time")
        time.sleep(0.05)


def two_replies(dovecot: Dovecot, master_user: str, config: Config, smtp_password: str) -> None:
    dovecot.deliver_many(
        master_user, [customer_mail(f"Solidus.Sales.A{n}@seclab.com", n=n) for n in range(2)]
    )
    first = micc(config, "serve", "--once", smtp_password=smtp_password)
    assert first.returncode == 0, first.stderr
    with open_store(config) as store:
        reply_to(store, config, 1, "First answer")
        reply_to(store, config, 2, "Second answer")


def test_serve_once_exits_1_and_keeps_the_replies_queued(
    dovecot: Dovecot, master_user: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = tenant(
        tmp_path,
        imap_port=dovecot.imap_port,
        user=master_user,
        smtp_port=smtp.port,
        smtp_user=smtp.user,
        extra=AGENT,
    )
    two_replies(dovecot, master_user, config, WRONG)
    dovecot.deliver(master_user, customer_mail("Solidus.Sales.Later@seclab.com", n=9))

    refused = micc(config, "serve", "--once", smtp_password=WRONG)
    assert refused.returncode == 1, refused.stderr
    assert "read 1 new message" in refused.stdout  # incoming mail is not held up
    assert "SMTP login refused" in refused.stdout
    assert "535" in refused.stdout
    assert WRONG not in refused.stdout + refused.stderr
    rows = outbox_rows(config)
    # The one tried waits again, its attempt not counted; the other was never touched.
    assert [(state, attempts) for state, attempts, _ in rows] == [("retry", 0), ("queued", 0)]
    assert "bad credentials" in rows[0][2]
    health = sender_health(config)
    assert health is not None and health[0] == "error"
    assert health[1].startswith("SMTP login refused: bad credentials")
    assert "none marked failed" in health[1]
    assert smtp.accepted == []
    # One login, not one per reply (smtplib tries each mechanism offered: PLAIN, LOGIN).
    assert smtp.authenticator.attempts == LOGIN

    fixed = micc(config, "serve", "--once", smtp_password=RIGHT)
    assert fixed.returncode == 0, fixed.stderr
    assert [state for state, _, _ in outbox_rows(config)] == ["sent", "sent"]
    assert len(smtp.accepted) == 2
    health = sender_health(config)
    assert health is not None and health[0] == "ok"


def test_a_running_engine_stops_trying_until_the_password_changes(
    dovecot: Dovecot,
    master_user: str,
    smtp: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tenant(
        tmp_path,
        imap_port=dovecot.imap_port,
        user=master_user,
        smtp_port=smtp.port,
        smtp_user=smtp.user,
        extra=AGENT,
    )
    two_replies(dovecot, master_user, config, WRONG)
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv(SMTP_PASSWORD_ENV, WRONG)
    stop = threading.Event()
    engine = Engine(config, stop=stop, wait_slice=0.05)
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(engine.run()), daemon=True)
    thread.start()
    try:
        wait_for(lambda: "SMTP login refused" in str(sender_health(config)))
        time.sleep(1.5)  # some thirty rounds of the engine's loop
        assert smtp.authenticator.attempts == LOGIN
        assert [state for state, _, _ in outbox_rows(config)] == ["retry", "queued"]
        assert thread.is_alive()
        # The password is put right: the engine sees it and sends what waited.
        monkeypatch.setenv(SMTP_PASSWORD_ENV, RIGHT)
        wait_for(lambda: len(smtp.accepted) == 2)
        wait_for(lambda: [s for s, _, _ in outbox_rows(config)] == ["sent", "sent"])
        assert smtp.authenticator.attempts == LOGIN + 1  # PLAIN worked at once
    finally:
        stop.set()
        thread.join(timeout=20)
    assert codes == [0]
