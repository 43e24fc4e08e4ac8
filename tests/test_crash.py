"""Crash test: ``micc serve`` killed with SIGKILL at random moments, then a clean run.

500 customer messages wait in Dovecot; a serve child is started and killed
(SIGKILL) soon after it starts making progress, until ten kills have come
while work was left (or the work ran out); then 100 replies are queued and
children are killed the same way while sending.
A final clean ``serve --once`` must leave every message archived exactly once,
the inbox processed, and every reply accepted by the SMTP server exactly once
(by Message-ID).

The kill timings come from a seed, fresh each run: it is printed and in every
assertion message, and ``MICC_CRASH_SEED=<n>`` replays it (see tests/crash_seed.py).

The SMTP server files accepted mail in Sent itself (as Gmail and Office 365
do), so a reply whose send a kill cut short is looked up there before it is
sent again; see docs/mail-server.md for servers that do not.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from engine.bootstrap import open_store
from engine.store import Store
from tests.crash_seed import CrashSeed, crash_seed
from tests.servers.dovecot import PASSWORD, Dovecot
from tests.servers.replying import AGENT, reply_to
from tests.servers.smtp import SmtpServer
from tests.servers.tenant import PASSWORD_ENV, customer_mail, tenant

ROOT = Path(__file__).resolve().parents[1]
MESSAGES, REPLIES, KILLS = 500, 100, 20


def _child(config_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, PASSWORD_ENV: PASSWORD, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "micc_tui", "--config", str(config_path), "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _work_left(store: Store, watch: int) -> bool:
    row = store.query_one(
        "SELECT (SELECT COUNT(*) FROM messages WHERE direction = 'in'), "
        "(SELECT COUNT(*) FROM outbox WHERE state != 'sent')"
    )
    assert row is not None
    return bool(row[0] < MESSAGES) if watch == 0 else bool(row[1])


def _progress(store: Store) -> tuple[int, int]:
    row = store.query_one(
        "SELECT (SELECT COUNT(*) FROM messages WHERE direction = 'in'), "
        "(SELECT COUNT(*) FROM outbox WHERE state != 'queued')"
    )
    assert row is not None
    return int(row[0]), int(row[1])


def _kill_when_busy(
    config_path: Path, store: Store, seed: CrashSeed, index: int, window: float, watch: int
) -> bool:
    """Start a child, wait until it makes progress, let it run a random while, SIGKILL it.

    ``watch`` picks the progress that counts: 0 archived mail, 1 outbox attempts.
    Returns whether the kill came while work was left.
    """
    before = _progress(store)[watch]
    child = _child(config_path)
    deadline = time.monotonic() + 20
    while _progress(store)[watch] == before and time.monotonic() < deadline:
        if child.poll() is not None:
            err = child.stderr.read().decode() if child.stderr else ""
            pytest.fail(
                f"serve child {index} exited early ({child.returncode}); {seed.note}: {err}"
            )
        time.sleep(0.005)
    time.sleep(seed.rng.uniform(0, window))
    busy = _work_left(store, watch)
    child.send_signal(signal.SIGKILL)
    child.wait()
    if child.stderr:
        child.stderr.close()
    return busy


@pytest.mark.slow
def test_sigkill_while_ingesting_and_sending_loses_and_doubles_nothing(
    dovecot: Dovecot, master_user: str, tmp_path: Path
) -> None:
    seed = crash_seed()
    note = seed.note
    dovecot.deliver_many(
        master_user,
        [
            customer_mail(
                f"Solidus.Sales.C{n}@seclab.com",
                n=n,
                subject=f"Crash {n}",
                message_id=f"<crash-{n}@customer.example>",
            )
            for n in range(MESSAGES)
        ],
    )
    cert, key = dovecot.cert_path, dovecot.root / "key.pem"
    with SmtpServer(cert, key, file_sent=(dovecot.imap_port, master_user, PASSWORD)) as smtp:
        config = tenant(
            tmp_path,
            imap_port=dovecot.imap_port,
            user=master_user,
            smtp_port=smtp.port,
            policy="delete",
            batch=20,
            append_sent=False,
            extra=AGENT,
        )
        assert config.source is not None
        with open_store(config) as store:
            # Each phase kills children until KILLS // 2 kills have come with work
            # left, or the work ran out (a fast child may finish it between kills).
            busy_ingest = busy_send = index = 0
            while busy_ingest < KILLS // 2 and index < KILLS and _work_left(store, 0):
                busy_ingest += _kill_when_busy(
                    config.source, store, seed, index, window=0.05, watch=0
                )
                index += 1
            ingested_before_replies = _progress(store)[0]
            while _progress(store)[0] < REPLIES:  # replies need conversations to answer
                _kill_when_busy(config.source, store, seed, -1, window=0.5, watch=0)
            conversations = [
                int(r[0])
                for r in store.query("SELECT id FROM conversations ORDER BY id LIMIT ?", (REPLIES,))
            ]
            for conversation in conversations:
                reply_to(store, config, conversation, f"Answer to {conversation}")
            index = 0
            while busy_send < KILLS // 2 and index < KILLS and _work_left(store, 1):
                busy_send += _kill_when_busy(config.source, store, seed, index, window=0.1, watch=1)
                index += 1
            sent_before_clean_run = store.query_one(
                "SELECT COUNT(*) FROM outbox WHERE state = 'sent'"
            )[0]
        clean = subprocess.run(
            [sys.executable, "-m", "micc_tui", "--config", str(config.source), "serve", "--once"],
            cwd=ROOT,
            env={**os.environ, PASSWORD_ENV: PASSWORD, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert clean.returncode == 0, f"{note}: {clean.stderr}"
        accepted = Counter(smtp.message_ids())

    with Store(config.store.path) as store:
        incoming = store.query("SELECT message_id FROM messages WHERE direction = 'in'")
        assert len(incoming) == MESSAGES, note
        assert Counter(r[0] for r in incoming) == Counter(
            f"<crash-{n}@customer.example>" for n in range(MESSAGES)
        ), note
        raw_count = store.query_one("SELECT COUNT(*) FROM raw_messages")[0]
        assert raw_count == MESSAGES + REPLIES, note
        outgoing = [
            r[0]
            for r in store.query(
                "SELECT m.message_id FROM outbox o JOIN messages m ON m.id = o.message"
            )
        ]
        assert len(outgoing) == REPLIES, note
        sent = store.query_one("SELECT COUNT(*) FROM outbox WHERE state = 'sent'")[0]
        assert sent == REPLIES, note
        in_doubt = store.query_one("SELECT COUNT(*) FROM events WHERE kind = 'send_in_doubt'")[0]
        found_in_sent = store.query_one(
            "SELECT COUNT(*) FROM events WHERE kind = 'sent' AND detail_json LIKE '%Sent after%'"
        )
    assert accepted == Counter(outgoing), f"every reply accepted exactly once; {note}"
    # Mail that was processed is gone from the inbox; nothing is left behind.
    import imapclient

    client = imapclient.IMAPClient("127.0.0.1", dovecot.imap_port, ssl=False)
    client.login(master_user, PASSWORD)
    assert client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 0, note
    client.logout()
    print(
        f"\ncrash test ({note}): ingested {ingested_before_replies} of {MESSAGES} before replies; "
        f"{sent_before_clean_run} of {REPLIES} sent before the clean run; "
        f"{in_doubt} sends cut short and sent again, {found_in_sent[0]} found in Sent; "
        f"{busy_ingest} kills while ingesting and {busy_send} while sending came with "
        "work left"
    )
    # The kills must really interrupt work, or the test proves nothing. Each
    # kill lets a child commit at least once, so a fast machine can run out
    # of work before KILLS // 2 kills: a few per phase are required.
    assert busy_ingest >= 3 and busy_send >= 3, f"too few kills with work left; {note}"
