"""The engine lease's priorities: requests, hand-over, cheap waiting, fencing (no servers)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.lease import PRIORITY_SERVE, PRIORITY_STANDBY, Lease, LeaseRow
from engine.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "micc.db") as opened:
        yield opened


def lease(store: Store, priority: int, ttl: float = 3.0) -> Lease:
    # heartbeat=60: the tests renew by hand, at the moments they choose.
    return Lease(store.path, priority=priority, ttl=ttl, heartbeat=60)


def row(store: Store) -> LeaseRow | None:
    return LeaseRow.read(store, "engine")


def test_serve_asks_a_standby_for_the_lease_and_gets_it_handed_over(store: Store) -> None:
    standby, serve = lease(store, PRIORITY_STANDBY), lease(store, PRIORITY_SERVE)
    assert standby.try_acquire(store)
    assert not serve.try_acquire(store)  # held: a request is left instead
    current = row(store)
    assert current is not None and current.holder == standby.holder
    assert (current.wanted_by, current.wanted_priority) == (serve.holder, PRIORITY_SERVE)
    assert not standby.yield_requested.is_set()
    assert standby.renew(store)  # the heartbeat sees the request
    assert standby.yield_requested.is_set() and standby.requested_by == serve.holder
    standby.release(store)  # between two transactions: straight to the one who asked
    handed = row(store)
    assert handed is not None and handed.holder == serve.holder
    assert handed.priority == PRIORITY_SERVE and not handed.wanted_by
    assert serve.try_acquire(store)
    assert not standby.try_acquire(store)


def test_a_pending_request_keeps_lower_priorities_out_of_a_free_lease(store: Store) -> None:
    standby, serve = lease(store, PRIORITY_STANDBY, ttl=0.3), lease(store, PRIORITY_SERVE, 0.3)
    other = lease(store, PRIORITY_STANDBY, ttl=0.3)
    assert standby.try_acquire(store)
    assert not serve.try_acquire(store)
    time.sleep(0.2)
    serve.try_acquire(store)  # keeps its request alive while it waits
    time.sleep(0.15)  # the standby's lease expired (it died); serve's request has not
    assert not other.looks_free(store) and not other.try_acquire(store)
    assert serve.try_acquire(store)
    assert row(store).wanted_by == ""  # type: ignore[union-attr]


def test_a_request_from_a_process_that_gave_up_expires(store: Store) -> None:
    standby, serve = lease(store, PRIORITY_STANDBY), lease(store, PRIORITY_SERVE, ttl=0.2)
    assert standby.try_acquire(store)
    assert not serve.try_acquire(store)
    time.sleep(0.3)  # serve went away without taking it
    assert standby.renew(store) and not standby.yield_requested.is_set()
    standby.release(store)
    assert row(store) is None  # not handed to a requester who is gone


def test_equal_priorities_wait_without_asking(store: Store) -> None:
    first, second = lease(store, PRIORITY_SERVE), lease(store, PRIORITY_SERVE)
    assert first.try_acquire(store)
    assert not second.try_acquire(store)
    assert row(store).wanted_by == ""  # type: ignore[union-attr]
    assert first.renew(store) and not first.yield_requested.is_set()


def test_waiting_costs_reads_not_writes(store: Store, tmp_path: Path) -> None:
    holder = lease(store, PRIORITY_SERVE)
    assert holder.try_acquire(store)
    with Store(tmp_path / "micc.db") as console:
        standbys = [lease(console, PRIORITY_STANDBY) for _ in range(50)]
        serve = lease(console, PRIORITY_SERVE + 1)
        assert not serve.try_acquire(console)  # one write: the request
        before = console.conn.total_changes
        for _ in range(5):
            for standby in standbys:
                assert not standby.looks_free(console)
                assert not standby.try_acquire(console)
            assert not serve.try_acquire(console)  # its request is fresh: no rewrite
        assert console.conn.total_changes == before


def test_confirm_fences_a_holder_whose_lease_was_taken(store: Store) -> None:
    slow, other = lease(store, PRIORITY_SERVE, ttl=0.2), lease(store, PRIORITY_SERVE, ttl=0.2)
    slow.heartbeat = 0.05
    assert slow.try_acquire(store)
    assert slow.confirm(store)  # fresh: no write needed
    time.sleep(0.25)  # a stall longer than the TTL; meanwhile another process takes over
    assert other.try_acquire(store)
    assert not slow.confirm(store) and slow.lost.is_set()


def test_heartbeat_thread_notices_the_request(store: Store) -> None:
    standby = Lease(store.path, priority=PRIORITY_STANDBY, ttl=1.0, heartbeat=0.05)
    serve = lease(store, PRIORITY_SERVE)
    assert standby.acquire(store, wait=1)
    try:
        assert not serve.try_acquire(store)
        assert standby.yield_requested.wait(2)
    finally:
        standby.release(store)
    assert serve.try_acquire(store)


def test_a_claimant_that_gives_up_takes_back_its_request_and_any_lease_handed_to_it(
    store: Store,
) -> None:
    standby, serve = lease(store, PRIORITY_STANDBY), lease(store, PRIORITY_SERVE)
    assert standby.try_acquire(store)
    assert not serve.acquire(store, wait=0.05, poll=0.01)
    assert row(store).wanted_by == ""  # type: ignore[union-attr]
    assert not serve.try_acquire(store)  # asks again...
    assert standby.renew(store) and standby.yield_requested.is_set()
    standby.release(store)  # ...is handed the lease, but stops before it claims it
    assert row(store).holder == serve.holder  # type: ignore[union-attr]
    serve.withdraw(store)
    assert row(store) is None and standby.try_acquire(store)
