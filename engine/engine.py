"""The engine: the one process that reads the master mailbox and sends the outbox.

``micc serve`` runs :meth:`Engine.run`. It takes the engine lease, connects,
recovers messages whose sending a crash cut short, then loops: read new mail
(IDLE push, or polling), archive and route it, apply the processed-mail
policy, return to the queue what waited for the customer past its reminder,
send what the outbox holds. Dropped connections are re-opened with
backoff; nothing is lost meanwhile because the bookmark and the outbox live
in the store. Each part writes its state in words to ``engine_health``.

The loop stops at a safe point, between two transactions, when ``stop`` is
set (SIGTERM), when the lease was lost, or when a higher-priority process
asked for the lease (a standby engine making way for ``micc serve``); it then
releases the lease, handing it to whoever asked.

Logs go to the ``micc.engine`` logger, one record per event, with the figures
as record attributes (``extra``): ``mailbox``, ``archived``, ``outbox_id``...
Secrets never reach them (settings objects hide passwords in ``repr``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeGuard

from engine import distribution, lifecycle, outbox
from engine.bootstrap import open_store
from engine.config import Config, SecretError, read_secret
from engine.errors import MailServerError
from engine.ingest import IngestResult
from engine.lease import PRIORITY_SERVE, Lease
from engine.ports import MailSender, MailSource
from engine.store import Store, events, now_iso
from engine.store import health as health_rows
from engine.sync import SyncReport, sync_once

log = logging.getLogger("micc.engine")

#: Errors that mean "the connection is gone or unusable": reconnect with backoff.
#: The adapters turn every library's failure into MailServerError at their edge.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (MailServerError,)
#: Seconds one wait for mail lasts before the outbox and the lease are looked at.
WAIT_SLICE = 1.0
#: Seconds between two looks for changes that call for offers (``offer`` groups).
DISTRIBUTION_SLICE = 0.2
#: A distribution pass runs at least this often (offers expire, consoles go silent).
DISTRIBUTION_EVERY = 1.0
#: Reconnect delays: first, and the most it grows to.
FIRST_BACKOFF, MAX_BACKOFF = 0.5, 30.0
#: Outbox messages sent per round before reading mail again.
SEND_ROUND = 50
#: After the server refused our login, seconds before trying it again (unless
#: the password changed first): a wrong password tried in a loop locks accounts.
LOGIN_RETRY_SECONDS = 900.0


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
        graph_only = outbound_only or bool(
            config.server.graph and config.server.graph.outbound_only
        )
        inbox = graph.store_health(config.store.path, graph.INBOX_HEALTH_NAME)
        unreadable = graph.Unreadable()  # one count across the sources made after errors
        return Connectors(
            None
            if graph_only
            else (
                lambda: graph.build_source(
                    config, health=sink, inbox_health=inbox, unreadable=unreadable
                )
            ),
            lambda: graph.build_sender(config, health=sink),
        )
    from engine.adapters.imap import ImapSettings, ImapSource
    from engine.adapters.smtp import SmtpSender, SmtpSettings

    return Connectors(
        None if outbound_only else (lambda: ImapSource(ImapSettings.from_config(config))),
        lambda: SmtpSender(SmtpSettings.from_config(config)),
    )


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
        health_rows.put(self.store, name, state, detail, now_iso())


class Engine:
    """The serve loop. One per process; everything runs on the calling thread.

    Args:
        config: the tenant.
        connectors: how to make the mail source and sender (default: the config's).
        stop: set it (from a signal handler or another thread) to stop at the
            next safe point.
        wait_slice: seconds one wait for mail lasts before looking at the outbox.
        max_backoff: the longest pause between reconnection attempts.
        lease: the lease to hold (default: a ``micc serve`` priority lease).
        clock: the current time, for reminders that fall due (tests pass a fake one).
    """

    def __init__(
        self,
        config: Config,
        *,
        connectors: Connectors | None = None,
        stop: threading.Event | None = None,
        wait_slice: float = WAIT_SLICE,
        max_backoff: float = MAX_BACKOFF,
        lease: Lease | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.connectors = connectors or connectors_for(config)
        self.stop = stop or threading.Event()
        self.wait_slice = wait_slice
        self.max_backoff = max_backoff
        self.store = open_store(config)
        self.health = Health(self.store)
        self.lease = lease or Lease(config.store.path, priority=PRIORITY_SERVE)
        self.source: MailSource | None = None
        self.sender: MailSender | None = None
        self.totals = SyncReport()
        self.sent = 0
        #: Sends that failed this run and wait for a retry; ``--once`` exits 1 then.
        self.send_retries = 0
        #: Sends the server refused for good this run (state ``failed``).
        self.send_failures = 0
        #: Why the sending server refused our login ("" when it did not); sending
        #: pauses, replies stay in the outbox, and ``--once`` exits 1.
        self.login_refused = ""
        #: Messages the mail server would not give at the last read (handle: its
        #: words): left in the mailbox, tried again at each read.
        self.unreadable: dict[str, str] = {}
        #: The unreadable messages last named in the log (each set is logged once).
        self._unreadable_told: set[str] = set()
        self._login_retry_at = 0.0
        self._login_secret = ""
        #: Why the loop ended: "stopped", "lease lost", "handed over" ("" while running).
        self.ended = ""
        #: Set while this engine holds the lease and runs.
        self.running = threading.Event()
        self._recovered = False
        #: (newest event id, monotonic time) at the last distribution pass.
        self._distributed = (-1, 0.0)
        self._offering = bool(distribution.offer_groups(config))

    # -- entry points --------------------------------------------------------------

    def run(self, *, once: bool = False, lease_wait: float | None = None) -> int:
        """Run until stopped (or, with ``once``, until nothing is pending). Exit code.

        Args:
            once: process what is pending, then return.
            lease_wait: seconds to wait for the lease (None: until stopped; 0:
                one try, quietly, as a standby engine does).

        Returns:
            0 when done or stopped cleanly (also when the lease was handed to a
            higher-priority process); 1 when ``once`` met an error or a send
            failed and waits for a retry; 3 when the lease could not be had
            within ``lease_wait`` seconds.
        """
        mode = "once" if once else "serve"
        started = time.monotonic()
        if lease_wait != 0:
            log.info(
                "waiting for the engine lease" if lease_wait is None else "taking the engine lease",
                extra={"priority": self.lease.priority, "mode": mode},
            )
        if not self.lease.acquire(self.store, wait=lease_wait, stop=self.stop):
            if lease_wait != 0 and not self.stop.is_set():
                log.error(
                    "another process holds the engine lease",
                    extra={"holder": self.lease.holder_description(self.store)},
                )
            self.store.close()
            return 0 if self.stop.is_set() else 3
        log.info(
            "engine lease taken",
            extra={
                "holder": self.lease.holder,
                "priority": self.lease.priority,
                "mode": mode,
                "waited_s": round(time.monotonic() - started, 3),
            },
        )
        self.health.set("engine", "running", f"{self.lease.holder} {mode}", every=0)
        self.running.set()
        try:
            return self._once() if once else self._serve()
        except BaseException as exc:
            self.ended = self.ended or f"error: {_words(exc)}"
            raise
        finally:
            self.running.clear()
            self._disconnect()
            self.ended = self.ended or "stopped"
            # After a lost lease the health rows belong to the new holder.
            if self.ended != "lease lost":
                words = (
                    "clean exit"
                    if self.ended == "stopped"
                    else "handed the lease to " + self.lease.requested_by
                    if self.ended == "handed over"
                    else self.ended
                )
                self.health.set("engine", "stopped", words, every=0)
                self.health.set("connector", "stopped", "engine stopped", every=0)
            self.lease.release(self.store)
            self.store.close()
            log.info(
                "engine stopped",
                extra={
                    "reason": self.ended,
                    "archived": self.totals.archived,
                    "duplicates": self.totals.duplicates,
                    "processed": self.totals.processed,
                    "sent": self.sent,
                    "send_retries": self.send_retries,
                    "send_failures": self.send_failures,
                },
            )

    def _once(self) -> int:
        try:
            self._connect()
            self._recover_outbox()
            self._read_mail()
            self._remind()
            self._distribute()
            self._send_outbox(limit=None)
        except CONNECTION_ERRORS as exc:
            self._report_error(exc)
            return 1
        except Exception as exc:
            if not Store.is_store_failure(exc):
                raise
            self._report_store_failure(exc)
            return 1
        return 1 if self.send_retries or self.login_refused else 0

    def _serve(self) -> int:
        backoff = FIRST_BACKOFF
        while not self._stopping():
            try:
                self._connect()
                self._recover_outbox()
                self._read_mail()
                self._remind()
                self._distribute()
                self._send_outbox(limit=SEND_ROUND)
                backoff = FIRST_BACKOFF
                self._wait()
            except CONNECTION_ERRORS as exc:
                self._report_error(exc)
                self._disconnect()
                self._send_while_mailbox_down()
                self.health.set(
                    "connector",
                    "reconnecting",
                    f"reconnecting in {backoff:.1f} s: {_words(exc)}",
                    every=0,
                )
                log.info("reconnecting", extra={"backoff_s": round(backoff, 1)})
                self.stop.wait(backoff * (0.8 + 0.4 * random.random()))
                backoff = min(backoff * 2, self.max_backoff)
            except Exception as exc:
                # The store failed (a full disk, a lock held too long): the batch
                # was rolled back and the server told nothing; try again later.
                # Anything else is a bug and ends the engine, loudly.
                if not Store.is_store_failure(exc):
                    raise
                self._report_store_failure(exc)
                self._disconnect()  # a fetch cut short: start the next one afresh
                log.info("retrying after a store failure", extra={"backoff_s": round(backoff, 1)})
                self.stop.wait(backoff * (0.8 + 0.4 * random.random()))
                backoff = min(backoff * 2, self.max_backoff)
        return 0

    def _send_while_mailbox_down(self) -> None:
        # Replies need not wait for the inbox: claim() never picks a message left
        # in doubt by a crash, so sending before recovery is safe. Nor do reminders.
        self._remind()
        try:
            if self.sender is None:
                self.sender = self.connectors.sender()
            self._send_outbox(limit=SEND_ROUND)
        except CONNECTION_ERRORS as exc:
            self.health.set("sender", "error", _words(exc), every=0)

    def _stopping(self) -> bool:
        """Whether to stop at this safe point (between transactions); says why once."""
        if self.ended:
            return True
        if self.lease.lost.is_set():
            log.error("the engine lease was taken by another process; stopping")
            self.health.set("engine", "error", "lease lost to another process", every=0)
            self.ended = "lease lost"
        elif self.lease.yield_requested.is_set():
            log.info(
                "a higher-priority engine asked for the lease; handing it over",
                extra={"to": self.lease.requested_by},
            )
            self.ended = "handed over"
        elif self.stop.is_set():
            log.info("stopping: finishing the current step and releasing the lease")
            self.ended = "stopped"
        return bool(self.ended)

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
            self.health.set(
                "connector", "connected", f"{source.describe().summary}; {mode}", every=0
            )
            log.info(
                "connected to the master mailbox",
                extra={"mailbox": source.mailbox_key, "push": source.supports_push},
            )
        elif self.connectors.source is None:
            self.health.set(
                "connector", "outbound only", "incoming side switched off (outbound_only = true)"
            )

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
        mailbox = source.mailbox_key

        def batch_done(results: list[IngestResult] | tuple[IngestResult, ...]) -> None:
            for result in results:
                if result.error:
                    log.warning(
                        "message archived unrouted: it could not be ingested",
                        extra={
                            "mailbox": mailbox,
                            "archive_id": result.message,
                            "conversation_id": result.conversation_id,
                            "error": result.error,
                        },
                    )
            log.debug(
                "batch archived",
                extra={
                    "mailbox": mailbox,
                    "fetched": len(results),
                    "archived": sum(not r.duplicate for r in results),
                    "duplicates": sum(r.duplicate for r in results),
                },
            )

        report = sync_once(
            self.store,
            self.config,
            source,
            batch=source.fetch_batch,
            policy=self.config.server.processed,
            on_batch=lambda results: batch_done(tuple(results)),
            should_stop=self._stopping,
        )
        for field in ("fetched", "archived", "duplicates", "processed"):
            setattr(self.totals, field, getattr(self.totals, field) + getattr(report, field))
        if report.fetched or report.processed:
            log.info(
                "mail read",
                extra={
                    "mailbox": mailbox,
                    "fetched": report.fetched,
                    "archived": report.archived,
                    "duplicates": report.duplicates,
                    "processed": report.processed,
                    "policy": self.config.server.processed,
                },
            )
        detail = (
            f"last read {now_iso()[:19]}: {report.archived} new, "
            f"{report.processed} processed ({self.config.server.processed}); "
            f"since start {self.totals.archived}"
        )
        self.unreadable = report.unreadable
        if report.unreadable:
            handles = sorted(report.unreadable, key=lambda h: (len(h), h))
            first = handles[0]
            detail = (
                f"{len(handles)} message(s) the mail server cannot give, left in the "
                f"mailbox and tried again at each read: {', '.join(handles[:10])} "
                f"(the server said: {report.unreadable[first]}); {detail}"
            )
            self.health.set("fetch", "warn", detail, every=10.0)
            if set(handles) != self._unreadable_told:  # said once, not at every read
                self._unreadable_told = set(handles)
                log.warning(
                    "messages the mail server cannot give",
                    extra={
                        "mailbox": mailbox,
                        "handles": handles[:50],
                        "error": report.unreadable[first],
                    },
                )
            return
        self._unreadable_told = set()
        self.health.set("fetch", "ok", detail, every=10.0 if not report.archived else 0)

    def _remind(self) -> None:
        """Return to the queue what waited for the customer past its reminder."""
        moved = lifecycle.remind_expired(self.store, self.clock())
        if moved:
            log.info("reminders due: back in the queue", extra={"conversations": moved})

    def _distribute(self) -> None:
        """Offer queued e-mails to agents, take back unanswered offers, log out silent consoles."""
        self._distributed = (events.newest_id(self.store), time.monotonic())
        done = distribution.distribute(self.store, self.config, self.clock())
        if done.offered or done.expired or done.logged_out:
            log.info(
                "distribution",
                extra={
                    "offered": [(o.conversation_id, o.agent_id) for o in done.offered],
                    "expired": [(o.conversation_id, o.agent_id) for o in done.expired],
                    "logged_out": done.logged_out,
                },
            )
        # Its own events are no news: the next pass waits for others'.
        self._distributed = (events.newest_id(self.store), self._distributed[1])

    def _distribution_due(self) -> bool:
        """Whether something changed since the last pass, or a second went by."""
        mark, at = self._distributed
        return time.monotonic() - at >= DISTRIBUTION_EVERY or events.newest_id(self.store) != mark

    def _wait(self) -> None:
        """Wait for new mail (IDLE or poll) while keeping an eye on the outbox and offers."""
        deadline = time.monotonic() + 30.0
        # Offers go out within a fraction of a second of a change, so the wait
        # for mail is cut in short slices when some group offers its e-mails.
        step = min(self.wait_slice, DISTRIBUTION_SLICE) if self._offering else self.wait_slice
        while not self._stopping() and time.monotonic() < deadline:
            if self._outbox_due():
                return
            if self._distribution_due():
                self._distribute()
            if self.source is None:
                self.stop.wait(step)
                continue
            idling = self.source.idling or self.source.supports_push
            self.health.set(
                "idle",
                "alive" if idling else "polling",
                "IDLE open: new mail arrives as push" if idling else "no IDLE: polling the inbox",
            )
            if self.source.wait_for_mail(step):
                return

    # -- outgoing ------------------------------------------------------------------

    def _outbox_due(self) -> bool:
        return not self._login_paused() and outbox.due(self.store)

    def _sender_secret(self) -> str:
        """The SMTP password as configured now ("" if none or unreadable)."""
        smtp = self.config.server.smtp
        if not smtp.username:
            return ""
        try:
            return read_secret(smtp.password_env, smtp.password_file, "the SMTP password")
        except SecretError:
            return ""

    def _is_login_refusal(self, exc: BaseException) -> TypeGuard[MailServerError]:
        """Whether the SMTP server refused our user name or password for good (535).

        Only SMTP: Graph's permanent credential errors include refusals about
        one message (no Send As on its From address), which fail that message.
        """
        return (
            self.config.server.type != "graph"
            and isinstance(exc, MailServerError)
            and exc.kind == "credentials"
            and exc.permanent
        )

    def _refuse_login(self, exc: MailServerError) -> None:
        """The server refused our login: stop sending, keep every reply queued, say so."""
        self.login_refused = f"SMTP login refused: {_words(exc)}"
        self._login_retry_at = time.monotonic() + LOGIN_RETRY_SECONDS
        self._login_secret = self._sender_secret()
        waiting = outbox.backlog(self.store)
        self.health.set(
            "sender",
            "error",
            f"{self.login_refused}; {waiting} waiting in the outbox, none marked failed; "
            f"trying again in {LOGIN_RETRY_SECONDS / 60:.0f} min or when the password changes",
            every=0,
        )
        log.error(
            "login refused by the sending server; sending paused",
            extra={
                "error": _words(exc),
                "waiting": waiting,
                "retry_s": LOGIN_RETRY_SECONDS,
            },
        )
        if self.sender is not None:
            self.sender.close()
        self.sender = None  # made again, with the secret read again, for the next try

    def _login_paused(self) -> bool:
        """Whether sending waits after a refused login (until the retry time or a new secret)."""
        if not self.login_refused:
            return False
        if time.monotonic() < self._login_retry_at and self._sender_secret() == self._login_secret:
            return True
        self.login_refused = ""
        return False

    def _recover_outbox(self) -> None:
        """Settle messages a crash left in ``sending``: found in Sent, or sent again."""
        if self._recovered:
            return
        # Only a server that files sent mail itself can say whether a send left:
        # the copy this engine appends comes after mark_sent, never before.
        files_itself = self.source is not None and self.source.files_sent_itself
        for item in outbox.in_doubt(self.store):
            found = (
                self.source.sent_has(item.message_id)
                if self.source is not None and files_itself
                else None
            )
            if found:
                outbox.mark_sent(self.store, item, note="found in Sent after a crash")
            else:
                outbox.requeue(self.store, item, "a crash interrupted sending; sending again")
            log.warning(
                "send cut short by a crash",
                extra={"outbox_id": item.id, "found_in_sent": bool(found)},
            )
        self._recovered = True

    def _send_outbox(self, *, limit: int | None) -> None:
        if self._login_paused():
            return
        if self.sender is None:
            self.sender = self.connectors.sender()
        sent = 0
        while (limit is None or sent < limit) and not self._stopping():
            # Fencing: never claim a message on a lease that may have been taken.
            if not self.lease.confirm(self.store):
                continue  # lost is set now: the next _stopping() ends the loop
            item = outbox.claim(self.store)
            if item is None:
                break
            try:
                self.sender.send(item.mail_from, item.recipients, item.raw)
            except Exception as exc:
                if self._is_login_refusal(exc):
                    # Our login, not this message: it waits again, and so does every other.
                    outbox.unclaim(self.store, item, _words(exc))
                    self._refuse_login(exc)
                    return
                # Only the adapters know whether retrying can help; anything but
                # their MailServerError is unexpected and retried with backoff.
                permanent = isinstance(exc, MailServerError) and exc.permanent
                state = outbox.mark_failed(self.store, item, _words(exc), permanent=permanent)
                self.health.set("sender", "error", f"{state}: {_words(exc)}", every=0)
                if state == "retry":
                    self.send_retries += 1
                else:
                    self.send_failures += 1
                log.warning(
                    "send failed",
                    extra={
                        "outbox_id": item.id,
                        "state": state,
                        "attempts": item.attempts,
                        "error": _words(exc),
                    },
                )
                if not permanent and isinstance(exc, CONNECTION_ERRORS):
                    self.sender.close()
                    return  # the server is unwell: try again after the backoff
                continue
            outbox.mark_sent(self.store, item)
            sent += 1
            log.debug(
                "sent",
                extra={
                    "outbox_id": item.id,
                    "attempts": item.attempts,
                    "recipients": len(item.recipients),
                },
            )
            self._file_copy(item.raw)
        self.sent += sent
        if sent:
            backlog = outbox.backlog(self.store)
            self.health.set(
                "sender", "ok", f"sent {self.sent} since start; {backlog} waiting", every=0
            )
            log.info("outbox sent", extra={"sent": sent, "backlog": backlog})

    def _file_copy(self, raw: bytes) -> None:
        source = self.source
        if source is None or source.files_sent_itself or not source.can_append_sent:
            return
        try:
            source.append_sent(raw)
        except MailServerError as exc:
            # The message left and is archived; only the mailbox copy is missing.
            self.health.set("sender", "warn", f"sent, but no copy in Sent: {exc}", every=0)
            if not exc.permanent:
                raise  # the mailbox connection failed: reconnect before the next send

    def _report_error(self, exc: BaseException) -> None:
        log.warning("mail server error", extra={"error": _words(exc)})
        self.health.set("connector", "error", _words(exc), every=0)

    def _report_store_failure(self, exc: BaseException) -> None:
        log.error("store failure; nothing of the batch was kept", extra={"error": _words(exc)})
        try:
            self.health.set("fetch", "error", f"store failure: {_words(exc)}", every=0)
        except Exception as again:
            if not Store.is_store_failure(again):
                raise  # the store cannot take its health row either: the log has it


def _words(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    if not isinstance(exc, MailServerError):
        text = f"{exc.__class__.__name__}: {text}"
    return text[:300]
