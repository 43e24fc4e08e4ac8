"""The engine lease: one process at a time does mailbox I/O.

Whoever holds the row ``lease.name = 'engine'`` fetches the master mailbox
and sends the outbox (``micc serve`` in production, ``micc demo`` in the
demo). The holder renews ``expires`` every :data:`HEARTBEAT` seconds from a
thread of its own; another process takes over once it has expired, or at
once when the holder is a dead process on this machine.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from pathlib import Path

from engine.store import Store, now_iso

NAME = "engine"
#: Seconds a lease lives without renewal: a dead holder is replaced this fast.
TTL = 6.0
#: Seconds between renewals.
HEARTBEAT = 1.5


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Lease:
    """This process's claim on the engine lease; renewed by a heartbeat thread."""

    def __init__(self, store_path: str | Path, *, name: str = NAME, ttl: float = TTL,
                 heartbeat: float = HEARTBEAT) -> None:
        self.store_path = Path(store_path)
        self.name, self.ttl, self.heartbeat = name, ttl, heartbeat
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def try_acquire(self, store: Store) -> bool:
        """Take the lease if it is free, expired, ours, or held by a dead local process."""
        host = socket.gethostname()
        now = time.time()
        with store.transaction() as conn:
            row = conn.execute("SELECT holder, pid, host, expires FROM lease WHERE name = ?",
                               (self.name,)).fetchone()
            held = row is not None and row[0] != self.holder and row[3] > now
            if held and (row[2] != host or _pid_alive(int(row[1]))):
                return False
            conn.execute(
                "INSERT INTO lease (name, holder, pid, host, expires, acquired) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "holder = excluded.holder, pid = excluded.pid, host = excluded.host, "
                "expires = excluded.expires, acquired = excluded.acquired",
                (self.name, self.holder, os.getpid(), host, now + self.ttl, now_iso()))
        self.lost.clear()
        return True

    def acquire(self, store: Store, *, wait: float | None = None,
                stop: threading.Event | None = None) -> bool:
        """Wait until the lease is ours (or ``wait`` seconds pass); start the heartbeat."""
        deadline = None if wait is None else time.monotonic() + wait
        while not self.try_acquire(store):
            if deadline is not None and time.monotonic() >= deadline:
                return False
            if stop is not None and stop.wait(0.5):
                return False
            if stop is None:
                time.sleep(0.5)
        self._start_heartbeat()
        return True

    def holder_description(self, store: Store) -> str:
        """Who holds the lease now, in words."""
        row = store.query_one("SELECT holder, expires FROM lease WHERE name = ?", (self.name,))
        if row is None:
            return "nobody"
        left = row[1] - time.time()
        return f"{row[0]} ({'expires in' if left > 0 else 'expired'} {abs(left):.0f} s)"

    def renew(self, store: Store) -> bool:
        """Extend the lease; False (and :attr:`lost` set) when another process took it."""
        with store.transaction() as conn:
            changed = conn.execute("UPDATE lease SET expires = ? WHERE name = ? AND holder = ?",
                                   (time.time() + self.ttl, self.name, self.holder)).rowcount
        if not changed:
            self.lost.set()
        return bool(changed)

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
                except Exception:
                    # A store too busy to renew now: try again next beat; the TTL
                    # leaves room for several misses before anyone takes over.
                    continue

    def release(self, store: Store) -> None:
        """Stop the heartbeat and give the lease up (on a clean exit)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with store.transaction() as conn:
            conn.execute("DELETE FROM lease WHERE name = ? AND holder = ?",
                         (self.name, self.holder))
