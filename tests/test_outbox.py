"""The outbox's states and the engine lease, on a real store (no servers needed)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from engine import outbox
from engine.lease import Lease
from engine.store import Store, now_iso

RAW = (
    b"From: Sales <sales@seclab.com>\r\nTo: c@customer.example\r\nSubject: Re: x\r\n"
    b"Message-ID: <o1@seclab.com>\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\nhi\r\n"
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "micc.db")


def test_enqueue_archives_and_queues_in_one_go(store: Store) -> None:
    outbox_id = outbox.enqueue(
        store,
        RAW,
        mail_from="sales@seclab.com",
        recipients=["c@customer.example"],
        conversation_id=None,
        kind="new",
    )
    row = store.query_one(
        "SELECT o.state, m.direction, m.message_id FROM outbox o "
        "JOIN messages m ON m.id = o.message WHERE o.id = ?",
        (outbox_id,),
    )
    assert tuple(row) == ("queued", "out", "<o1@seclab.com>")
    with pytest.raises(ValueError, match="Message-ID"):
        outbox.enqueue(
            store,
            b"To: a@b.c\r\n\r\nx\r\n",
            mail_from="a@b.c",
            recipients=["a@b.c"],
            conversation_id=None,
            kind="new",
        )


def test_transient_failures_back_off_then_fail_and_permanent_fails_at_once(store: Store) -> None:
    outbox.enqueue(
        store,
        RAW,
        mail_from="s@seclab.com",
        recipients=["c@x.example"],
        conversation_id=None,
        kind="new",
    )
    item = outbox.claim(store)
    assert item is not None and item.attempts == 1
    assert outbox.claim(store) is None  # in flight: nobody else takes it
    assert outbox.mark_failed(store, item, "451 later", permanent=False) == "retry"
    assert outbox.claim(store) is None  # not due yet
    row = store.query_one("SELECT next_attempt, last_error FROM outbox")
    assert row[1] == "451 later" and row[0] > now_iso()  # backoff: due later
    store.conn.execute("UPDATE outbox SET next_attempt = '2000-01-01'")
    again = outbox.claim(store)
    assert again is not None and again.attempts == 2
    assert outbox.mark_failed(store, again, "554 no", permanent=True) == "failed"
    assert store.query_one("SELECT COUNT(*) FROM events WHERE kind = 'send_failed'")[0] == 1


def test_review_waits_for_a_supervisor(store: Store) -> None:
    outbox_id = outbox.enqueue(
        store,
        RAW,
        mail_from="s@seclab.com",
        recipients=["c@x.example"],
        conversation_id=None,
        kind="reply",
        review=True,
    )
    assert outbox.claim(store) is None
    outbox.approve(store, outbox_id, "sue", "fine")
    item = outbox.claim(store)
    assert item is not None
    outbox.mark_sent(store, item)
    assert store.query_one("SELECT state, review_comment FROM outbox")[:] == ("sent", "fine")


def test_in_doubt_messages_are_requeued(store: Store) -> None:
    outbox.enqueue(
        store,
        RAW,
        mail_from="s@seclab.com",
        recipients=["c@x.example"],
        conversation_id=None,
        kind="new",
    )
    assert outbox.claim(store) is not None  # ...and the process dies here
    doubtful = outbox.in_doubt(store)
    assert [d.message_id for d in doubtful] == ["<o1@seclab.com>"]
    outbox.requeue(store, doubtful[0], "crash")
    assert outbox.claim(store) is not None


def test_lease_is_exclusive_taken_over_when_expired_and_released(
    tmp_path: Path, store: Store
) -> None:
    first = Lease(tmp_path / "micc.db", ttl=0.5, heartbeat=10)
    second = Lease(tmp_path / "micc.db", ttl=0.5, heartbeat=10)
    assert first.try_acquire(store)
    assert not second.try_acquire(store)  # held by a live process (this one)
    time.sleep(0.6)  # the holder stopped renewing
    assert second.try_acquire(store)
    assert not first.renew(store) and first.lost.is_set()
    second.release(store)
    assert store.query_one("SELECT COUNT(*) FROM lease")[0] == 0


def test_lease_of_a_dead_local_process_is_taken_at_once(tmp_path: Path, store: Store) -> None:
    store.conn.execute(
        "INSERT INTO lease (name, holder, pid, host, expires, acquired) "
        "VALUES ('engine', 'gone', 2147483647, ?, ?, 'x')",
        (socket.gethostname(), time.time() + 3600),
    )
    assert Lease(tmp_path / "micc.db").try_acquire(store)
