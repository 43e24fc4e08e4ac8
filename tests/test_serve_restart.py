"""Dovecot stopped and started again under a running engine: it reconnects, loses nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.bootstrap import open_store
from engine.engine import Engine
from engine.store import Store
from tests.servers.dovecot import PASSWORD, Dovecot, private_dovecot
from tests.servers.replying import AGENT, reply_to
from tests.servers.smtp import SmtpServer
from tests.servers.tenant import PASSWORD_ENV, customer_mail, tenant


@pytest.fixture(scope="module")
def own_dovecot() -> Iterator[Dovecot]:
    """A Dovecot of this module's own: the test stops it."""
    with private_dovecot() as server:
        yield server


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.slow
def test_engine_reconnects_after_dovecot_restarts_and_loses_nothing(
    own_dovecot: Dovecot, smtp_server: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    user = own_dovecot.new_user()
    config = tenant(
        tmp_path,
        imap_port=own_dovecot.imap_port,
        user=user,
        smtp_port=smtp_server.port,
        extra=AGENT,
    )
    stop = threading.Event()
    codes: list[int] = []

    def run() -> None:
        codes.append(Engine(config, stop=stop, wait_slice=0.2, max_backoff=1.0).run())

    engine = threading.Thread(target=run, name="engine")
    engine.start()
    store = open_store(config)

    def archived() -> int:
        return int(store.query_one("SELECT COUNT(*) FROM messages WHERE direction = 'in'")[0])

    def health(name: str) -> str:
        row = store.query_one("SELECT state FROM engine_health WHERE name = ?", (name,))
        return str(row[0]) if row else ""

    try:
        own_dovecot.deliver_many(
            user, [customer_mail(f"Solidus.Sales.R{n}@seclab.com", n=n) for n in range(10)]
        )
        wait_for("the first 10 messages", lambda: archived() == 10)
        own_dovecot.stop()
        wait_for("the engine to notice", lambda: health("connector") in ("reconnecting", "error"))
        # Replies still leave while the mailbox is down.
        reply_to(store, config, 1, "sent while IMAP is down")
        wait_for("the reply", lambda: len(smtp_server.accepted) == 1)
        own_dovecot.start()
        own_dovecot.deliver_many(
            user, [customer_mail(f"Solidus.Sales.R{n}@seclab.com", n=n) for n in range(10, 20)]
        )
        wait_for("the next 10 messages", lambda: archived() == 20)
        wait_for("reconnected", lambda: health("connector") == "connected")
    finally:
        stop.set()
        engine.join(timeout=30)
    assert codes == [0]
    with Store(config.store.path) as check:
        keys = check.query("SELECT source_key FROM messages WHERE direction = 'in'")
        assert len({r[0] for r in keys}) == 20
        assert check.query_one("SELECT COUNT(*) FROM lease")[0] == 0  # released on exit
    store.close()
