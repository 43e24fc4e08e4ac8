"""A standby engine: a console process keeps the contact center running without a service.

Each agent or supervisor console may run a :class:`StandbyEngine` in a
background thread. It does nothing but look at the engine lease about once a
second (one read). When nobody holds the lease (``micc serve`` died, or was
never started in a small set-up), one standby takes it and runs the normal
engine loop (:class:`engine.engine.Engine`) in its thread. When ``micc serve``
starts again it asks for the lease; the standby sees the request on its next
heartbeat, stops between two transactions and hands the lease over, then goes
back to looking.

The thread never raises into its caller and never touches the caller's store
connection or UI; what it does shows in ``engine_health`` (while it runs the
engine) and in the ``micc.standby`` / ``micc.engine`` loggers.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from pathlib import Path
from types import TracebackType

from engine.config import Config, SecretError, read_secret
from engine.engine import WAIT_SLICE, Connectors, Engine
from engine.lease import PRIORITY_STANDBY, Lease
from engine.store import Store

log = logging.getLogger("micc.standby")

#: Seconds between two looks at the lease (with +-20 % jitter so 50 consoles
#: started together do not look at the same moment).
POLL = 1.0
#: Pause after the engine failed in this process, doubling to the second figure:
#: another console (or a later try) gets its turn meanwhile.
FIRST_RETRY, MAX_RETRY = 5.0, 60.0


def missing_secret(config: Config) -> str:
    """Why this process could not run the engine for want of a secret ("" when it can).

    Console processes often run without the mail server's password in their
    environment (it belongs to ``micc serve``'s service); such a standby must
    never take the lease only to fail with it.
    """
    missing = missing_secrets(config)
    return missing[0] if missing else ""


def missing_secrets(config: Config) -> list[str]:
    """Every secret the engine needs that this process cannot read, in words."""
    server = config.server
    wanted: list[tuple[str | None, Path | None, str]] = []
    if server.type == "graph":
        if server.graph is not None:
            graph = server.graph
            wanted.append(
                (graph.client_secret_env, graph.client_secret_file, "the Graph client secret")
            )
    else:
        if not server.outbound_only:
            imap = server.imap
            wanted.append((imap.password_env, imap.password_file, "the IMAP password"))
        if server.smtp.username:
            smtp = server.smtp
            wanted.append((smtp.password_env, smtp.password_file, "the SMTP password"))
    found = []
    for env, file, what in wanted:
        try:
            read_secret(env, file, what)
        except SecretError as exc:
            found.append(str(exc))
    return found


class StandbyEngine:
    """Runs the engine in a background thread whenever no other process does.

    Args:
        config: the tenant.
        poll: seconds between looks at the lease.
        connectors: how to make the mail source and sender (tests).
        wait_slice: the engine's wait for mail, in seconds.

    Use::

        standby = StandbyEngine(config)
        standby.start()   # returns at once
        ...
        standby.stop()    # at exit: hands the lease back, waits at most 5 s
    """

    def __init__(
        self,
        config: Config,
        *,
        poll: float = POLL,
        connectors: Connectors | None = None,
        wait_slice: float = WAIT_SLICE,
    ) -> None:
        self.config = config
        self.poll = poll
        self.connectors = connectors
        self.wait_slice = wait_slice
        #: Times this standby took the lease and ran the engine.
        self.takeovers = 0
        #: Why the standby is off ("" while it stands by or runs).
        self.disabled = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._engine: Engine | None = None

    @property
    def active(self) -> bool:
        """Whether this process runs the engine right now."""
        engine = self._engine
        return engine is not None and engine.running.is_set()

    @property
    def alive(self) -> bool:
        """Whether the standby's thread is still running (it ends after :meth:`stop`)."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self) -> None:
        """Start standing by in a daemon thread; returns at once, never raises."""
        try:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name="micc-standby-engine", daemon=True
            )
            self._thread.start()
        except Exception as exc:  # a console works without a standby engine
            self.disabled = f"could not start: {exc}"
            log.error("standby engine not started", extra={"error": str(exc)[:300]})

    def stop(self, timeout: float = 5.0) -> None:
        """Stop (releasing the lease if held) and wait up to ``timeout`` s; never raises."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def __enter__(self) -> StandbyEngine:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the thread ----------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._stand_by()
        except Exception as exc:
            self.disabled = f"failed: {exc.__class__.__name__}: {exc}"[:300]
            log.error("standby engine failed", extra={"error": self.disabled})

    def _stand_by(self) -> None:
        self.disabled = missing_secret(self.config)
        if self.disabled:
            log.warning("standby engine off", extra={"reason": self.disabled})
            return
        lease = Lease(self.config.store.path, priority=PRIORITY_STANDBY)
        retry = FIRST_RETRY
        with Store(self.config.store.path) as store:
            log.info("standing by", extra={"holder": lease.holder})
            while not self._stop.is_set():
                pause = self.poll * random.uniform(0.8, 1.2)
                try:
                    if lease.looks_free(store):
                        self._run_engine(lease)
                        retry = FIRST_RETRY
                except Exception as exc:
                    # The engine met something it cannot handle in this process
                    # (an unreadable file, a broken config): step back for a while.
                    log.warning(
                        "standby engine stopped by an error",
                        extra={"error": f"{exc.__class__.__name__}: {exc}"[:300], "retry_s": retry},
                    )
                    pause, retry = retry, min(retry * 2, MAX_RETRY)
                self._stop.wait(pause)

    def _run_engine(self, lease: Lease) -> None:
        engine = Engine(
            self.config,
            connectors=self.connectors,
            stop=self._stop,
            wait_slice=self.wait_slice,
            lease=lease,
        )
        self._engine = engine
        started = time.monotonic()
        try:
            engine.run(lease_wait=0)
        finally:
            self._engine = None
        if engine.ended:  # it held the lease (else another process was quicker)
            self.takeovers += 1
            log.info(
                "standby engine stood down",
                extra={"reason": engine.ended, "ran_s": round(time.monotonic() - started, 1)},
            )
