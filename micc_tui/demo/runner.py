"""``micc demo``: a working contact center on loopback, with real mail flowing.

:class:`Demo` is the demo's composition root. It makes a workspace (the
example tenant), starts the embedded IMAP and SMTP servers, points the
config at them, starts the engine (fetching the master mailbox, sending the
outbox) through the real IMAP and SMTP connectors, and feeds customer mail
into the master mailbox from a generator. The console (or, headless, a
printed log) shows what happens. :meth:`Demo.stop` undoes all of it, in
reverse order.

Threads: the servers have one (with its asyncio loop), the generator one,
the engine its own, and the reporter one; the Textual app keeps the main
thread.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Protocol, TextIO

from engine.bootstrap import open_store
from engine.config import Config, load_config
from engine.queue import group_counts
from engine.store.health import rows as health_rows
from micc_tui.cli.common import safe_text
from micc_tui.demo.generator import GeneratedMail, MailGenerator
from micc_tui.demo.servers import DemoMailServers, RecordedMail
from micc_tui.demo.workspace import (
    CUSTOMERS_PASSWORD_FILE,
    SENT_MBOX,
    Endpoints,
    create_workspace,
    point_at_servers,
    read_tenant,
    write_secret,
)

#: Seconds between customer e-mails unless ``--rate`` says otherwise.
DEFAULT_RATE = 5.0
_REPORT_EVERY = 1.0
#: Seconds the generator waits for the engine's first read of the empty mailbox:
#: mail there before it is backlog and gets no automatic confirmation.
_FIRST_READ_WAIT = 15.0
#: Every this many customer e-mails, the servers' only-growing folders are cut down
#: to the newest few hundred messages (pymap keeps everything in memory).
_PRUNE_EVERY, _FOLDER_KEPT = 100, 300
_DELIVERED_KEPT = 100
#: Seconds the engine waits for a lease left by an earlier run of a kept workspace.
_LEASE_WAIT = 15.0
_ENGINE_STOP_WAIT = 15.0
#: engine_health rows worth a line when they change (fetch and idle change all the time).
_HEALTH_ROWS = ("engine", "connector", "sender")


@dataclass(frozen=True)
class DemoOptions:
    """What ``micc demo`` was asked to do."""

    agent: str = "alice"
    #: Keep the workspace here; None: a temporary folder removed at exit.
    workspace: Path | None = None
    rate: float = DEFAULT_RATE
    generator: bool = True
    #: Fixes the generated customers and texts (tests).
    seed: int | None = None


class EngineRunner(Protocol):
    """The engine's background work, as the demo drives it."""

    def start(self) -> None:
        """Start fetching and sending in background threads."""

    def stop(self) -> None:
        """Stop and wait for the threads; never raises."""


#: Builds the engine's runner for a config (replaceable in tests).
EngineFactory = Callable[[Config, Callable[[str], None]], EngineRunner]


class Demo:
    """The whole demo: workspace, servers, engine, generator, reporter.

    Args:
        options: what to run.
        report: receives one line per event (customer mail delivered, mail
            sent, queue counts changed); called from background threads.
        engine_factory: builds the engine runner (default: the real engine).
    """

    def __init__(
        self,
        options: DemoOptions,
        report: Callable[[str], None],
        engine_factory: EngineFactory | None = None,
    ) -> None:
        self.options = options
        self._report = report
        self._engine_factory = engine_factory or real_engine
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._temp: tempfile.TemporaryDirectory[str] | None = None
        self._engine: EngineRunner | None = None
        self.servers: DemoMailServers | None = None
        self.config: Config | None = None
        self.folder: Path | None = None
        self.delivered: list[GeneratedMail] = []

    # -- lifecycle ---------------------------------------------------------------

    def __enter__(self) -> Demo:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Set everything up and start the background threads."""
        if self.options.workspace is None:
            self._temp = tempfile.TemporaryDirectory(prefix="micc-demo-")
            self.folder = Path(self._temp.name)
        else:
            self.folder = self.options.workspace.resolve()
        config_path = create_workspace(self.folder)
        tenant = read_tenant(config_path)
        self.servers = DemoMailServers(
            tenant.master,
            local_domains=[tenant.domain],
            record_mbox=self.folder / SENT_MBOX,
            on_sent=self._on_sent,
        )
        self.servers.start()
        point_at_servers(
            config_path,
            tenant,
            Endpoints(self.servers.host, self.servers.imap_port, self.servers.smtp_port),
            self.servers.password,
        )
        write_secret(self.folder / CUSTOMERS_PASSWORD_FILE, self.servers.customers_password)
        self.config = load_config(str(config_path))
        if self.config.find_agent(self.options.agent) is None:
            known = ", ".join(a.id for a in self.config.agent)
            raise DemoError(f"unknown agent {self.options.agent!r} (the demo has: {known})")
        open_store(self.config).close()
        self._say(f"workspace {self.folder}")
        if sys.version_info >= (3, 13):
            # ../shared/notes/mail-servers.md: its proxy-protocol dependency loses tasks.
            self._say(
                "warning: pymap 0.36 drops IMAP connections on Python 3.13 and later; "
                "the demo is made for Python 3.11 and 3.12"
            )
        self._say(
            f"IMAP {self.servers.host}:{self.servers.imap_port}  "
            f"SMTP {self.servers.host}:{self.servers.smtp_port}  "
            f"master mailbox {tenant.master}"
        )
        self._engine = self._engine_factory(self.config, self._say)
        self._engine.start()
        self._spawn("micc-demo-report", self._report_queues)
        if self.options.generator:
            self._spawn("micc-demo-generator", self._generate)

    def stop(self) -> None:
        """Stop the generator, the engine and the servers; remove a temporary workspace.

        Safe to call more than once; never raises.
        """
        self._stopping.set()
        for thread in self._threads:
            thread.join(10)
        self._threads = []
        if self._engine is not None:
            engine, self._engine = self._engine, None
            with contextlib.suppress(Exception):
                engine.stop()
        if self.servers is not None:
            self.servers.stop()
        if self._temp is not None:
            temp, self._temp = self._temp, None
            with contextlib.suppress(OSError):
                temp.cleanup()

    def wait(self, duration: float | None) -> None:
        """Block until ``duration`` seconds pass (None: until interrupted)."""
        self._stopping.wait(duration)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _say(self, line: str) -> None:
        self._report(f"{datetime.now():%H:%M:%S}  {line}")

    # -- the generator -------------------------------------------------------------

    def _generate(self) -> None:
        assert self.servers is not None and self.config is not None
        tenant = read_tenant(Path(str(self.config.source)))
        generator = MailGenerator(tenant.domain, seed=self.options.seed)
        self._wait_for_first_read()
        while not self._stopping.is_set():
            mail = next(generator)
            try:
                self.servers.deliver(mail.raw)
            except Exception as exc:  # the servers stopped under us: the demo is ending
                if not self._stopping.is_set():
                    self._say(f"customer mail not delivered: {exc}")
                return
            self.delivered.append(mail)
            del self.delivered[:-_DELIVERED_KEPT]
            self._say(f"customer mail  {safe_text(mail.describe())}")
            if generator.count % _PRUNE_EVERY == 0:
                self.servers.prune(keep=_FOLDER_KEPT)
            self._stopping.wait(self.options.rate)

    def _wait_for_first_read(self) -> None:
        """Until the engine has read the empty mailbox once (its ``fetch`` health row)."""
        assert self.config is not None
        store = open_store(self.config)
        try:
            deadline = time.monotonic() + _FIRST_READ_WAIT
            while time.monotonic() < deadline and not self._stopping.wait(0.1):
                if any(row[0] == "fetch" for row in health_rows(store)):
                    return
        finally:
            store.close()

    # -- reporting -------------------------------------------------------------------

    def _on_sent(self, record: RecordedMail) -> None:
        message = message_from_bytes(record.raw, policy=policy.default)
        subject = str(message.get("Subject", ""))
        sender = str(message.get("From", record.mail_from))
        to = ", ".join(record.recipients)
        kind = "auto-confirmation" if message.get("Auto-Submitted") else "sent"
        self._say(safe_text(f"{kind:<13}  {sender} -> {to}: {subject}"))

    def _report_queues(self) -> None:
        assert self.config is not None
        store = open_store(self.config)
        last = ""
        health: dict[str, tuple[str, str]] = {}
        try:
            while not self._stopping.wait(_REPORT_EVERY):
                for row in health_rows(store):
                    name, state, detail = row[0], row[1], row[2]
                    if name in _HEALTH_ROWS and health.get(name) != (state, detail):
                        health[name] = (state, detail)
                        self._say(safe_text(f"{name}: {state} ({detail})"))
                counts = group_counts(store)
                line = "  ".join(
                    f"{group or '(unrouted)'}: "
                    + ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
                    for group, states in sorted(counts.items())
                )
                if line and line != last:
                    self._say(f"queues  {line}")
                    last = line
        finally:
            store.close()


class DemoError(Exception):
    """The demo cannot start; the message says why, for a person."""


def real_engine(config: Config, report: Callable[[str], None]) -> EngineRunner:
    """The engine's serve loop (``micc serve``), through the real IMAP and SMTP connectors."""
    return _EngineThread(config, report)


class _EngineThread:
    """Runs :class:`engine.engine.Engine` in a thread of its own, holding the engine lease."""

    def __init__(self, config: Config, report: Callable[[str], None]) -> None:
        self._config = config
        self._report = report
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="micc-demo-engine", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from engine.engine import Engine

        try:
            # Built in its thread: the engine's SQLite connection belongs to it.
            engine = Engine(self._config, stop=self._stop, wait_slice=0.5)
            code = engine.run(lease_wait=_LEASE_WAIT)
        except Exception as exc:  # the demo goes on without an engine, and says why
            self._report(f"engine stopped: {exc.__class__.__name__}: {exc}")
            return
        if code == 3:
            self._report("engine: another process holds the engine lease of this workspace")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(_ENGINE_STOP_WAIT)
            self._thread = None


def run_headless(options: DemoOptions, duration: float | None, out: TextIO) -> int:
    """Run the demo without a console until ``duration`` passes or Ctrl-C."""

    def report(line: str) -> None:
        print(line, file=out, flush=True)

    started = time.monotonic()
    with (
        Demo(options, report) as demo,
        _sigterm_interrupts(),
        contextlib.suppress(KeyboardInterrupt),
    ):
        demo.wait(duration)
    report(f"stopped after {time.monotonic() - started:.0f} s")
    return 0


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so ``kill`` and ``timeout`` still shut down cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
