"""The engine lease: one process at a time does mailbox I/O.

Whoever holds the row ``lease.name = 'engine'`` fetches the master mailbox
and sends the outbox: ``micc serve`` in production, ``micc demo`` in the
demo, and, when neither runs, a *standby* engine inside one of the consoles
(:mod:`engine.standby`). The holder renews ``expires`` every
:data:`HEARTBEAT` seconds from a thread of its own. Another process takes
over once the lease has expired, or at once when the holder is a dead
process on this machine.

Priorities. Each claimant has one (:data:`PRIORITY_SERVE` outranks
:data:`PRIORITY_STANDBY`). A claimant that finds the lease held by a lower
priority writes a *request* into the row (``wanted_*``); the holder sees it
on its next heartbeat (:attr:`Lease.yield_requested`), stops between two
transactions and hands the row straight to the requester
(:meth:`Lease.release`), so no third process can slip in between. A
request lives :data:`TTL` seconds unless its author renews it, so a
requester that died blocks nobody.

Cost. Waiting claimants read the row (no write lock) and write only when it
looks free or when they must (re)place a request: 50 idle consoles cost 50
small reads a second, not 50 writes.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from engine.store import Store, leases, now_iso

log = logging.getLogger("micc.lease")

NAME = "engine"
#: Seconds a lease lives without renewal. With :data:`HEARTBEAT` and a standby's
#: poll (``engine.standby.POLL``) a dead holder on another host is replaced
#: within TTL + poll, about 4 s; one on this host at the next poll (pid check).
TTL = 3.0
#: Seconds between renewals: four chances to renew before the lease expires.
HEARTBEAT = 0.75
#: ``micc serve`` and ``micc demo``: the engine proper.
PRIORITY_SERVE = 10
#: A console's standby engine: runs only while no ``micc serve`` does.
PRIORITY_STANDBY = 0

Decision = Literal["take", "ask", "wait"]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class LeaseRow:
    """The lease row as read from the store."""

    holder: str
    pid: int
    host: str
    expires: float
    priority: int
    wanted_by: str
    wanted_priority: int
    wanted_until: float

    @classmethod
    def read(cls, store: Store, name: str) -> LeaseRow | None:
        """The row called ``name``, or None."""
        row = leases.read(store, name)
        if row is None:
            return None
        return cls(
            str(row[0]),
            int(row[1]),
            str(row[2]),
            float(row[3]),
            int(row[4]),
            str(row[5]),
            int(row[6]),
            float(row[7]),
        )

    def alive(self, now: float, host: str) -> bool:
        """Whether a live process holds it: not expired, and not a dead process here."""
        if not self.holder or self.expires <= now:
            return False
        return self.host != host or _pid_alive(self.pid)

    def request_pending(self, now: float) -> bool:
        """Whether someone asked for the lease and may still be waiting."""
        return bool(self.wanted_by) and self.wanted_until > now


def running(store: Store, name: str = NAME) -> bool:
    """Whether a live process holds the engine lease now: mail is fetched and sent.

    ``micc serve``, ``micc demo`` or a console's standby engine; an expired
    lease, or one of a dead process on this machine, does not count.
    """
    row = LeaseRow.read(store, name)
    return row is not None and row.alive(time.time(), socket.gethostname())


class Lease:
    """This process's claim on the engine lease; renewed by a heartbeat thread.

    Args:
        store_path: the store file (the heartbeat opens its own connection).
        name: the lease's row.
        ttl: seconds the lease lives without renewal.
        heartbeat: seconds between renewals.
        priority: a higher priority asks a lower one to hand the lease over.
    """

    def __init__(
        self,
        store_path: str | Path,
        *,
        name: str = NAME,
        ttl: float = TTL,
        heartbeat: float = HEARTBEAT,
        priority: int = PRIORITY_SERVE,
    ) -> None:
        self.store_path = Path(store_path)
        self.name, self.ttl, self.heartbeat = name, ttl, heartbeat
        self.priority = priority
        self.host = socket.gethostname()
        self.holder = f"{self.host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        #: Set when another process took the lease (ours expired meanwhile).
        self.lost = threading.Event()
        #: Set when a higher-priority process asked for the lease.
        self.yield_requested = threading.Event()
        #: Who asked, for the logs ("" until someone does).
        self.requested_by = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._confirmed = 0.0  # monotonic time of the last successful take or renewal

    # -- taking --------------------------------------------------------------------

    def _decide(self, row: LeaseRow | None, now: float) -> Decision:
        if row is None or row.holder == self.holder:
            return "take"
        if not row.alive(now, self.host):
            # Free, but a higher-priority process asked first: leave it to them.
            outranked = (
                row.request_pending(now)
                and row.wanted_by != self.holder
                and row.wanted_priority > self.priority
            )
            return "wait" if outranked else "take"
        if self.priority <= row.priority:
            return "wait"
        mine = row.wanted_by == self.holder
        if mine and row.wanted_until - now > self.ttl / 2:
            return "wait"  # our request stands; no need to write it again yet
        if mine or not row.request_pending(now) or row.wanted_priority < self.priority:
            return "ask"
        return "wait"

    def looks_free(self, store: Store) -> bool:
        """Whether :meth:`try_acquire` would take the lease now: one read, no write lock."""
        row = LeaseRow.read(store, self.name)
        return self._decide(row, time.time()) == "take"

    def try_acquire(self, store: Store) -> bool:
        """Take the lease if it is free, expired, ours, or held by a dead local process.

        When a lower-priority process holds it, leave a request instead (the
        holder hands the lease over between two transactions) and return False.
        Only reads the row unless there is something to write.
        """
        if self._decide(LeaseRow.read(store, self.name), time.time()) == "wait":
            return False
        with store.transaction():
            now = time.time()
            row = LeaseRow.read(store, self.name)  # again, now under the write lock
            decision = self._decide(row, now)
            if decision == "ask" and row is not None:
                leases.ask(
                    store,
                    self.name,
                    self.holder,
                    os.getpid(),
                    self.host,
                    self.priority,
                    now + self.ttl,
                )
                if row.wanted_by != self.holder:
                    log.info(
                        "asked for the engine lease",
                        extra={
                            "holder": row.holder,
                            "holder_priority": row.priority,
                            "priority": self.priority,
                        },
                    )
            if decision != "take":
                return False
            keep_request = (
                row is not None and row.request_pending(now) and row.wanted_by != self.holder
            )
            leases.take(
                store,
                self.name,
                holder=self.holder,
                pid=os.getpid(),
                host=self.host,
                expires=now + self.ttl,
                acquired=now_iso(),
                priority=self.priority,
                keep_request=keep_request,
            )
        self.lost.clear()
        self.yield_requested.clear()
        self._confirmed = time.monotonic()
        return True

    def acquire(
        self,
        store: Store,
        *,
        wait: float | None = None,
        stop: threading.Event | None = None,
        poll: float = 0.5,
    ) -> bool:
        """Wait until the lease is ours (or ``wait`` seconds pass); start the heartbeat."""
        deadline = None if wait is None else time.monotonic() + wait
        while not self.try_acquire(store):
            given_up = (deadline is not None and time.monotonic() >= deadline) or (
                stop is not None and stop.wait(poll)
            )
            if given_up:
                self.withdraw(store)
                return False
            if stop is None:
                time.sleep(poll)
        self._start_heartbeat()
        return True

    def withdraw(self, store: Store) -> None:
        """Take back a request, or a lease handed over that we no longer want."""
        row = LeaseRow.read(store, self.name)
        if row is None or self.holder not in (row.holder, row.wanted_by):
            return  # the usual case: a read, nothing to write
        leases.withdraw(store, self.name, self.holder)

    def holder_description(self, store: Store) -> str:
        """Who holds the lease now, in words."""
        row = LeaseRow.read(store, self.name)
        if row is None:
            return "nobody"
        left = row.expires - time.time()
        return f"{row.holder} ({'expires in' if left > 0 else 'expired'} {abs(left):.0f} s)"

    # -- keeping -------------------------------------------------------------------

    def renew(self, store: Store) -> bool:
        """Extend the lease; False (and :attr:`lost` set) when another process took it.

        Also notices a request from a higher-priority process and sets
        :attr:`yield_requested`.
        """
        row = leases.renew(store, self.name, self.holder, time.time() + self.ttl)
        if row is None:
            self.lost.set()
            return False
        self._confirmed = time.monotonic()
        if row[0] and row[0] != self.holder and row[1] > self.priority and row[2] > time.time():
            self.requested_by = str(row[0])
            self.yield_requested.set()
        return True

    def confirm(self, store: Store) -> bool:
        """Whether the lease is still ours, renewing on the caller's thread if in doubt.

        Call before an action that must not be done twice (claiming a message
        to send). Costs nothing while the heartbeat is on time; when it is late
        (a stalled thread, a busy store) renews here, so a process whose lease
        may have expired and been taken never acts on it.
        """
        if self.lost.is_set():
            return False
        if time.monotonic() - self._confirmed <= 2 * self.heartbeat:
            return True
        return self.renew(store)

    def _start_heartbeat(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="engine-lease", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        # Its own connection: a Store belongs to the thread that opened it.
        with Store(self.store_path, migrate=False) as store:
            while not self._stop.wait(self.heartbeat):
                try:
                    if not self.renew(store):
                        return
                except Exception as exc:
                    # A store too busy to renew now: try again next beat; the TTL
                    # leaves room for several misses before anyone takes over.
                    log.debug("lease renewal failed", extra={"error": str(exc)[:200]})
                    continue

    # -- letting go ----------------------------------------------------------------

    def release(self, store: Store) -> None:
        """Stop the heartbeat and give the lease up (on a clean exit).

        When a higher-priority process asked for it, the row goes straight to
        that process (which finds itself holder on its next try); else it is
        deleted, and the next claimant takes it.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with store.transaction():
            now = time.time()
            row = LeaseRow.read(store, self.name)
            if row is None or row.holder != self.holder:
                return
            if row.request_pending(now) and row.wanted_priority > self.priority:
                leases.hand_over(store, self.name, self.holder, now + self.ttl, now_iso())
                log.info("handed the engine lease over", extra={"to": row.wanted_by})
            else:
                leases.drop(store, self.name, self.holder)
