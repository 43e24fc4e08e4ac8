"""The engine: the one process that reads the master mailbox and sends the outbox.

``micc serve`` runs :meth:`Engine.run`. It takes the engine lease, connects,
recovers messages whose sending a crash cut short, then loops: read new mail
(IDLE push, or polling), archive and route it, apply the processed-mail
policy, send what the outbox holds. Dropped connections are re-opened with
backoff; nothing is lost meanwhile because the bookmark and the outbox live
in the store. Each part writes its state in words to ``engine_health``.
"""

from __future__ import annotations

import imaplib
import logging
import random
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from imapclient.exceptions import IMAPClientError

from engine import outbox
from engine.adapters.errors import MailServerError
from engine.bootstrap import open_store
from engine.config import Config
from engine.lease import Lease
from engine.ports import MailSender, MailSource
from engine.store import Store, now_iso
from engine.sync import SyncReport, sync_once

log = logging.getLogger("micc.engine")

#: Errors that mean "the connection is gone or unusable": reconnect with backoff.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    MailServerError, IMAPClientError, imaplib.IMAP4.error, OSError, smtplib.SMTPException,
    EOFError,
)
#: Seconds one wait for mail lasts before the outbox and the lease are looked at.
WAIT_SLICE = 1.0
#: Reconnect delays: first, and the most it grows to.
FIRST_BACKOFF, MAX_BACKOFF = 0.5, 30.0
#: Outbox messages sent per round before reading mail again.
SEND_ROUND = 50


@dataclass(frozen=True)
class Connectors:
    """How to make the two sides; tests and the demo pass their own."""

    source: Callable[[], MailSource] | None
    sender: Callable[[], MailSender]


def connectors_for(config: Config) -> Connectors:
    """The source and sender of the tenant's server type (``imap`` or ``graph``)."""
    outbound_only = config.server.outbound_only
    if config.server.type == "graph":
        from engine.adapters import graph

        sink = graph.store_health(config.store.path)
        graph_only = outbound_only or bool(config.server.graph and
                                           config.server.graph.outbound_only)
        return Connectors(None if graph_only else (lambda: graph.build_source(config,
                                                                               health=sink)),
                          lambda: graph.build_sender(config, health=sink))
    from engine.adapters.imap import ImapSettings, ImapSource
    from engine.adapters.smtp import SmtpSender, SmtpSettings

    return Connectors(None if outbound_only else (lambda: ImapSource(
        ImapSettings.from_config(config))), lambda: SmtpSender(SmtpSettings.from_config(config)))


class Health:
    """Writes the engine's rows of ``engine_health``, only when something changed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._last: dict[str, tuple[str, str]] = {}
        self._written: dict[str, float] = {}

    def set(self, name: str, state: str, detail: str, *, every: float = 30.0) -> None:
        """Record ``name``'s state; unchanged rows are rewritten at most every ``every`` s."""
        now = time.monotonic()
        if self._last.get(name) == (state, detail) and now - self._written.get(name, 0) < every:
            return
        self._last[name], self._written[name] = (state, detail), now
        with self.store.transaction() as conn:
            conn.execute("INSERT INTO engine_health (name, state, detail, updated) "
                         "VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                         "state = excluded.state, detail = excluded.detail, "
                         "updated = excluded.updated", (name, state, detail, now_iso()))


class Engine:
    """The serve loop. One per process; everything runs on the calling thread."""

    def __init__(self, config: Config, *, connectors: Connectors | None = None,
                 stop: threading.Event | None = None, wait_slice: float = WAIT_SLICE,
                 max_backoff: float = MAX_BACKOFF) -> None:
        self.config = config
        self.connectors = connectors or connectors_for(config)
        self.stop = stop or threading.Event()
        self.wait_slice = wait_slice
        self.max_backoff = max_backoff
        self.store = open_store(config)
        self.health = Health(self.store)
        self.lease = Lease(config.store.path)
        self.source: MailSource | None = None
        self.sender: MailSender | None = None
        self.totals = SyncReport()
        self.sent = 0
        self._recovered = False

    # -- entry points --------------------------------------------------------------

    def run(self, *, once: bool = False, lease_wait: float | None = None) -> int:
        """Run until stopped (or, with ``once``, until nothing is pending). Exit code.

        Returns:
            0 when done or stopped cleanly; 1 when ``once`` met an error; 3 when
            the lease could not be had within ``lease_wait`` seconds.
        """
        if not self.lease.acquire(self.store, wait=lease_wait, stop=self.stop):
            if self.stop.is_set():
                return 0
            log.error("another process holds the engine lease: %s",
                      self.lease.holder_description(self.store))
            return 3
        self.health.set("engine", "running", f"{self.lease.holder} {'once' if once else 'serve'}")
        try:
            return self._once() if once else self._serve()
        finally:
            self._disconnect()
            self.health.set("engine", "stopped", "clean exit", every=0)
            self.health.set("connector", "stopped", "engine stopped", every=0)
            self.lease.release(self.store)
            self.store.close()

    def _once(self) -> int:
        try:
            self._connect()
            self._recover_outbox()
            self._read_mail()
            self._send_outbox(limit=None)
        except CONNECTION_ERRORS as exc:
            self._report_error(exc)
            return 1
        return 0

    def _serve(self) -> int:
        backoff = FIRST_BACKOFF
        while not self._stopping():
            try:
                self._connect()
                self._recover_outbox()
                self._read_mail()
                self._send_outbox(limit=SEND_ROUND)
                backoff = FIRST_BACKOFF
                self._wait()
            except CONNECTION_ERRORS as exc:
                self._report_error(exc)
                self._disconnect()
                self._send_while_mailbox_down()
                self.health.set("connector", "reconnecting",
                                f"reconnecting in {backoff:.1f} s: {_words(exc)}", every=0)
                self.stop.wait(backoff * (0.8 + 0.4 * random.random()))
                backoff = min(backoff * 2, self.max_backoff)
        return 0

    def _send_while_mailbox_down(self) -> None:
        # Replies need not wait for the inbox: claim() never picks a message left
        # in doubt by a crash, so sending before recovery is safe.
        try:
            if self.sender is None:
                self.sender = self.connectors.sender()
            self._send_outbox(limit=SEND_ROUND)
        except CONNECTION_ERRORS as exc:
            self.health.set("sender", "error", _words(exc), every=0)

    def _stopping(self) -> bool:
        if self.lease.lost.is_set():
            log.error("the engine lease was taken by another process; stopping")
            self.health.set("engine", "error", "lease lost to another process", every=0)
            return True
        return self.stop.is_set()

    # -- connections ---------------------------------------------------------------

    def _connect(self) -> None:
        if self.sender is None:
            self.sender = self.connectors.sender()
        if self.source is None and self.connectors.source is not None:
            self.health.set("connector", "connecting", "connecting to the master mailbox")
            source = self.connectors.source()
            source.connect()
            self.source = source
            mode = "IDLE (push)" if source.supports_push else "polling"
            self.health.set("connector", "connected", f"{source.describe().summary}; {mode}",
                            every=0)
        elif self.connectors.source is None:
            self.health.set("connector", "outbound only", "incoming side switched off "
                            "(outbound_only = true)")

    def _disconnect(self) -> None:
        for part in (self.source, self.sender):
            if part is not None:
                part.close()
        self.source = self.sender = None

    # -- incoming ------------------------------------------------------------------

    def _read_mail(self) -> None:
        if self.source is None:
            return
        source = self.source
        report = sync_once(self.store, self.config, source,
                           batch=self.config.server.imap.fetch_batch,
                           policy=self.config.server.processed, should_stop=self._stopping)
        for field in ("fetched", "archived", "duplicates", "processed"):
            setattr(self.totals, field, getattr(self.totals, field) + getattr(report, field))
        detail = (f"last read {now_iso()[:19]}: {report.archived} new, "
                  f"{report.processed} processed ({self.config.server.processed}); "
                  f"since start {self.totals.archived}")
        self.health.set("fetch", "ok", detail, every=10.0 if not report.archived else 0)

    def _wait(self) -> None:
        """Wait for new mail (IDLE or poll) while keeping an eye on the outbox."""
        deadline = time.monotonic() + 30.0
        while not self._stopping() and time.monotonic() < deadline:
            if self._outbox_due():
                return
            if self.source is None:
                self.stop.wait(self.wait_slice)
                continue
            idling = bool(getattr(self.source, "idling", False)) or self.source.supports_push
            self.health.set("idle", "alive" if idling else "polling",
                            "IDLE open: new mail arrives as push" if idling else
                            "no IDLE: polling the inbox")
            if self.source.wait_for_mail(self.wait_slice):
                return

    # -- outgoing ------------------------------------------------------------------

    def _outbox_due(self) -> bool:
        row = self.store.query_one(
            "SELECT 1 FROM outbox WHERE state IN ('queued', 'approved', 'retry') "
            "AND next_attempt <= ? LIMIT 1", (now_iso(),))
        return row is not None

    def _recover_outbox(self) -> None:
        """Settle messages a crash left in ``sending``: found in Sent, or sent again."""
        if self._recovered:
            return
        files_itself = bool(getattr(self.source, "files_sent_itself", False))
        for item in outbox.in_doubt(self.store):
            found = self.source.sent_has(item.message_id) \
                if self.source is not None and files_itself else None
            if found:
                outbox.mark_sent(self.store, item, note="found in Sent after a crash")
            else:
                outbox.requeue(self.store, item, "a crash interrupted sending; sending again")
        self._recovered = True

    def _send_outbox(self, *, limit: int | None) -> None:
        assert self.sender is not None
        sent = 0
        while (limit is None or sent < limit) and not self._stopping():
            item = outbox.claim(self.store)
            if item is None:
                break
            try:
                self.sender.send(item.mail_from, item.recipients, item.raw)
            except Exception as exc:
                permanent = bool(getattr(exc, "permanent", False))
                state = outbox.mark_failed(self.store, item, _words(exc), permanent=permanent)
                self.health.set("sender", "error", f"{state}: {_words(exc)}", every=0)
                if not permanent and isinstance(exc, CONNECTION_ERRORS):
                    self.sender.close()
                    return  # the server is unwell: try again after the backoff
                continue
            outbox.mark_sent(self.store, item)
            sent += 1
            self._file_copy(item.raw)
        self.sent += sent
        if sent:
            self.health.set("sender", "ok", f"sent {self.sent} since start; "
                            f"{outbox.backlog(self.store)} waiting", every=0)

    def _file_copy(self, raw: bytes) -> None:
        source = self.source
        if source is None or getattr(source, "files_sent_itself", True):
            return
        append = getattr(source, "append_sent", None)
        if append is None:
            return
        try:
            append(raw)
        except MailServerError as exc:
            # The message left and is archived; only the mailbox copy is missing.
            self.health.set("sender", "warn", f"sent, but no copy in Sent: {exc}", every=0)

    def _report_error(self, exc: BaseException) -> None:
        log.warning("%s", _words(exc))
        self.health.set("connector", "error", _words(exc), every=0)


def _words(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    if not isinstance(exc, MailServerError):
        text = f"{exc.__class__.__name__}: {text}"
    return text[:300]
