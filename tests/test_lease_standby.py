"""StandbyEngine as a console uses it: in-process, never raising, making way for serve."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.engine import Engine
from engine.standby import StandbyEngine, missing_secret
from engine.store import Store
from tests.servers.dovecot import PASSWORD, Dovecot
from tests.servers.smtp import SmtpServer
from tests.servers.tenant import PASSWORD_ENV, customer_mail, tenant


def wait_for(what: str, check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def holder(path: Path) -> str:
    with Store(path) as store:
        row = store.query_one("SELECT holder FROM lease WHERE name = 'engine'")
    return str(row[0]) if row else ""


def test_without_the_mail_password_the_standby_stays_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    config = tenant(tmp_path, imap_port=1, user="m", smtp_port=1)
    assert PASSWORD_ENV in missing_secret(config)
    standby = StandbyEngine(config, poll=0.05)
    standby.start()  # returns at once: the checks run in the standby's thread
    wait_for("the standby to give up", lambda: bool(standby.disabled))
    standby.stop()
    assert not standby.alive
    assert PASSWORD_ENV in standby.disabled and holder(config.store.path) == ""


def test_an_unusable_store_never_raises_into_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    config = tenant(tmp_path, imap_port=1, user="m", smtp_port=1)
    (tmp_path / "micc.db").mkdir()  # a folder where the store file should be
    with StandbyEngine(config, poll=0.05) as standby:
        wait_for("the error", lambda: bool(standby.disabled))
    assert standby.disabled.startswith("failed:") and not standby.active


def test_standby_runs_the_engine_then_makes_way_for_serve(
    dovecot: Dovecot,
    master_user: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    config = tenant(
        tmp_path, imap_port=dovecot.imap_port, user=master_user, smtp_port=smtp_server.port
    )
    standby = StandbyEngine(config, poll=0.1, wait_slice=0.2)
    standby.start()
    stop = threading.Event()
    serve_thread: threading.Thread | None = None
    try:
        wait_for("the standby to run the engine", lambda: standby.active)
        dovecot.deliver(master_user, customer_mail("Solidus.Sales.S@seclab.com"))
        with Store(config.store.path) as store:
            wait_for(
                "the standby to read mail",
                lambda: store.query_one("SELECT COUNT(*) FROM messages")[0] == 1,
            )  # type: ignore[index]
        serve = Engine(config, stop=stop, wait_slice=0.2)
        serve_thread = threading.Thread(target=serve.run, name="serve")
        serve_thread.start()
        wait_for("serve to hold the lease", lambda: holder(config.store.path) == serve.lease.holder)
        wait_for("the standby to stand down", lambda: not standby.active)
        assert standby.takeovers == 1
    finally:
        stop.set()
        if serve_thread is not None:
            serve_thread.join(10)
        standby.stop()
    assert not standby.alive  # stopped, not left running after stop()'s wait
    assert holder(config.store.path) == "", (serve.lease.holder, standby.takeovers)
