"""``micc serve`` as a service: SIGTERM mid-ingest, log levels, no secrets in logs, exit codes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from tests.servers.dovecot import PASSWORD, Dovecot, free_port
from tests.servers.replying import AGENT, reply_to
from tests.servers.smtp import SmtpServer
from tests.servers.tenant import PASSWORD_ENV, SMTP_PASSWORD_ENV, customer_mail, tenant

ROOT = Path(__file__).resolve().parents[1]
BUSY = 600
SMTP_CANARY = "Canary-SMTP-7f3e9c21"
#: One logfmt line: ts, level, logger and msg first.
LINE = re.compile(r'^ts=\S+Z level=(debug|info|warning|error) logger=micc\.\S+ msg=("[^"]*"|\S+)')


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, PASSWORD_ENV: PASSWORD, "PYTHONPATH": str(ROOT), **extra}


def micc(config: Config, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "micc_tui", "--config", str(config.source), *args],
        cwd=ROOT,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def count(store: Store, sql: str) -> int:
    row = store.query_one(sql)
    assert row is not None
    return int(row[0])


def assert_logfmt(lines: Sequence[str]) -> None:
    for line in lines:
        assert LINE.match(line), f"not a logfmt line: {line!r}"


@pytest.mark.slow
def test_sigterm_during_a_busy_ingest_stops_cleanly_and_frees_the_lease_at_once(
    dovecot: Dovecot, master_user: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    dovecot.deliver_many(
        master_user,
        [
            customer_mail(
                f"Solidus.Sales.T{n}@seclab.com",
                n=n,
                subject=f"Term {n}",
                message_id=f"<term-{n}@customer.example>",
            )
            for n in range(BUSY)
        ],
    )
    config = tenant(
        tmp_path, imap_port=dovecot.imap_port, user=master_user, smtp_port=smtp_server.port, batch=5
    )
    assert config.source is not None
    with open_store(config) as store:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "micc_tui",
                "--config",
                str(config.source),
                "serve",
                "--log-level",
                "debug",
            ],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while count(store, "SELECT COUNT(*) FROM messages") < 20:
                assert child.poll() is None and time.monotonic() < deadline
                time.sleep(0.005)
            child.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            _, err = child.communicate(timeout=15)
            stopped_in = time.monotonic() - signalled
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == 0, err
        # The lease is free the moment the process is gone: a standby may take it now.
        assert count(store, "SELECT COUNT(*) FROM lease") == 0
        taken = count(store, "SELECT COUNT(*) FROM messages")
        assert 20 <= taken < BUSY, "SIGTERM came while mail was still being read"
        assert store.query_one("PRAGMA integrity_check")[0] == "ok"  # type: ignore[index]
        # Each batch and its bookmark commit together: the bookmark is exactly what was
        # archived (UIDs 1..n in a fresh mailbox), raw bytes kept for every message.
        assert count(store, "SELECT last_uid FROM sync_state") == taken
        assert count(store, "SELECT COUNT(*) FROM raw_messages") == taken
        state = store.query_one("SELECT state, detail FROM engine_health WHERE name = 'engine'")
        assert state is not None and tuple(state) == ("stopped", "clean exit")
    lines = err.splitlines()
    assert_logfmt(lines)
    assert any('msg="stopping: finishing the current step' in line for line in lines)
    assert any("signal=SIGTERM" in line for line in lines)
    rest = micc(config, "serve", "--once")
    assert rest.returncode == 0, rest.stderr
    with Store(config.store.path) as check:
        ids = [r[0] for r in check.query("SELECT message_id FROM messages")]
    assert len(ids) == len(set(ids)) == BUSY
    print(f"\nSIGTERM after {taken} of {BUSY} messages: stopped in {stopped_in:.2f} s")


def test_log_levels_and_no_password_in_the_logs(
    dovecot: Dovecot, master_user: str, tmp_path: Path
) -> None:
    cert, key = dovecot.cert_path, dovecot.root / "key.pem"
    with SmtpServer(cert, key, mode="none", password=SMTP_CANARY) as smtp:
        config = tenant(
            tmp_path,
            imap_port=dovecot.imap_port,
            user=master_user,
            smtp_port=smtp.port,
            smtp_user=smtp.user,
            extra=AGENT,
        )
        dovecot.deliver_many(
            master_user, [customer_mail(f"Solidus.Sales.L{n}@seclab.com", n=n) for n in range(3)]
        )
        auth = {SMTP_PASSWORD_ENV: SMTP_CANARY}
        debug = micc(config, "serve", "--once", "--log-level", "debug", **auth)
        assert debug.returncode == 0, debug.stderr
        with open_store(config) as store:
            reply_to(store, config, 1, "A reply that leaves")
        verbose = micc(config, "serve", "--once", "-v", **auth)
        assert verbose.returncode == 0, verbose.stderr
        assert len(smtp.accepted) == 1
        quiet = micc(config, "serve", "--once", "--log-level", "warning", **auth)
        assert quiet.returncode == 0 and quiet.stderr == ""
    wrong = micc(
        config,
        "serve",
        "--once",
        "--log-level",
        "debug",
        **{PASSWORD_ENV: "Canary-IMAP-0b5d2e", **auth},
    )
    assert wrong.returncode == 1
    debug_lines, info_lines = debug.stderr.splitlines(), verbose.stderr.splitlines()
    for lines in (debug_lines, info_lines, wrong.stderr.splitlines()):
        assert_logfmt(lines)
    assert any("level=debug" in line and "archived=3" in line for line in debug_lines)
    assert not any("level=debug" in line for line in info_lines)
    assert any('msg="mail read"' in line and "archived=3" in line for line in debug_lines)
    assert any('msg="outbox sent"' in line and "sent=1" in line for line in info_lines)
    assert len(debug_lines) > len(info_lines) > 0
    assert "level=error" in wrong.stderr or "level=warning" in wrong.stderr
    for run in (debug, verbose, quiet, wrong):
        for secret in (PASSWORD, SMTP_CANARY, "Canary-IMAP-0b5d2e"):
            assert secret not in run.stderr and secret not in run.stdout


def test_once_exits_1_when_a_send_waits_for_a_retry(
    dovecot: Dovecot, master_user: str, tmp_path: Path
) -> None:
    # Nothing listens on the SMTP port: the reply goes to retry, the mail is still read.
    config = tenant(
        tmp_path, imap_port=dovecot.imap_port, user=master_user, smtp_port=free_port(), extra=AGENT
    )
    dovecot.deliver(master_user, customer_mail("Solidus.Sales.X@seclab.com"))
    first = micc(config, "serve", "--once")
    assert first.returncode == 0, first.stderr
    with open_store(config) as store:
        reply_to(store, config, 1, "Cannot leave yet")
    second = micc(config, "serve", "--once")
    assert second.returncode == 1
    assert "sent 0, 1 to retry" in second.stdout
    assert 'msg="send failed"' in second.stderr and "state=retry" in second.stderr
    with Store(config.store.path) as store:
        assert store.query_one("SELECT state FROM outbox")[0] == "retry"  # type: ignore[index]
