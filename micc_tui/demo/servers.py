"""Embedded mail servers for ``micc demo``: pymap (IMAP) and aiosmtpd (SMTP) on loopback.

Both servers run in one background thread with its own asyncio loop, so the
rest of the process (the engine's blocking connectors, the Textual app) talks
to them over real sockets exactly as it would to a mail provider. Everything
is in memory and disappears when :meth:`DemoMailServers.stop` returns.

What the SMTP server does with a message, like a small mail provider:

* recipients in a *local domain* (the tenant's, e.g. ``seclab.com``) are
  delivered into the master mailbox's INBOX, the way an MX with a catch-all
  rule feeds a contact center's master mailbox;
* every accepted message is recorded (:meth:`DemoMailServers.sent`, and an
  mbox file when asked) and, for outside recipients, also delivered into the
  ``customers`` account's INBOX so any IMAP client can read what the contact
  center sent.

pymap specifics (see ../shared/notes/mail-servers.md): logins use a
cleartext hash context (the default PBKDF2 costs ~150 ms a login), STARTTLS
is off (the demo's encryption is "none"), and pymap offers no SPECIAL-USE,
so Sent, Trash and the archive folder are created under their common names
for the connector's name-based detection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mailbox
import secrets
import threading
from argparse import Namespace
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")
_log = logging.getLogger(__name__)

#: Folders created in every account: pymap has no SPECIAL-USE, so connectors
#: find them by these common names.
DEFAULT_FOLDERS = ("Sent", "Trash", "Drafts", "Processed")
#: The account that receives copies of mail sent to outside recipients.
CUSTOMERS_USER = "customers"
_START_TIMEOUT = 10.0
_CALL_TIMEOUT = 10.0
#: Accepted messages kept for :meth:`DemoMailServers.sent` (all are in the mbox file).
_SENT_KEPT = 1000


class ServerError(Exception):
    """The embedded servers could not start or did not answer."""


@dataclass(frozen=True)
class RecordedMail:
    """One message the embedded SMTP server accepted."""

    mail_from: str
    recipients: tuple[str, ...]
    raw: bytes
    received: datetime
    #: The SMTP AUTH login used, or None when the client did not authenticate.
    login: str | None = None


@dataclass
class _Account:
    password: str
    folders: tuple[str, ...] = DEFAULT_FOLDERS


@dataclass
class _State:
    """Loop-side objects; touched only from the server thread."""

    backend: Any = None
    config: Any = None
    servers: list[asyncio.AbstractServer] = field(default_factory=list)


class DemoMailServers:
    """An in-process IMAP and SMTP server on loopback ports chosen by the OS.

    Args:
        user: the master mailbox's login (also accepted by SMTP AUTH).
        password: its password; random when not given.
        local_domains: mail for these domains is delivered into ``user``'s INBOX.
        host: the address to listen on.
        record_mbox: when set, every accepted message is appended to this mbox.
        on_sent: called (in the server thread) for each accepted message.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        user: str,
        password: str | None = None,
        *,
        local_domains: Sequence[str] = (),
        host: str = "127.0.0.1",
        record_mbox: Path | None = None,
        on_sent: Callable[[RecordedMail], None] | None = None,
    ) -> None:
        self.user = user
        self.password = password or secrets.token_urlsafe(16)
        self.customers_password = secrets.token_urlsafe(16)
        self.host = host
        self.local_domains = tuple(d.lower().lstrip("@") for d in local_domains)
        self.record_mbox = record_mbox
        self.imap_port = 0
        self.smtp_port = 0
        self._on_sent = on_sent
        self._accounts = {
            user: _Account(self.password),
            CUSTOMERS_USER: _Account(self.customers_password, ("Sent", "Trash")),
        }
        self._sent: list[RecordedMail] = []
        self._sent_total = 0
        self._sent_changed = threading.Condition()
        self._state = _State()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    # -- lifecycle -------------------------------------------------------------

    def __enter__(self) -> DemoMailServers:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start both servers; return once they accept connections.

        Raises:
            ServerError: they did not come up within a few seconds.
        """
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="micc-demo-servers", daemon=True)
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT):
            raise ServerError("the embedded mail servers did not start in time")
        if self._error is not None:
            raise ServerError(f"the embedded mail servers failed: {self._error}") from self._error

    def stop(self) -> None:
        """Close every connection and the servers; wait for the thread. Never raises."""
        loop, thread = self._loop, self._thread
        if loop is not None and self._stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._stop.set)
        if thread is not None:
            thread.join(_START_TIMEOUT)
        self._thread = None

    @property
    def running(self) -> bool:
        """True while the server thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start(); the thread must not die silently
            self._error = exc
            _log.exception("embedded mail servers stopped with an error")
        finally:
            self._ready.set()
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        await self._start_imap()
        await self._start_smtp()
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            for server in self._state.servers:
                server.close()
            # Open IMAP connections (an IDLE, say) keep their handler tasks
            # alive; cancel them so wait_closed() and the thread can finish.
            current = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not current]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- IMAP (pymap) ------------------------------------------------------------

    async def _start_imap(self) -> None:
        from proxyprotocol.reader import ProxyProtocolReader
        from pymap.backend.dict import Config, DictBackend, Login
        from pymap.backend.dict.filter import FilterSet
        from pymap.backend.dict.mailbox import MailboxSet
        from pymap.concurrent import Subsystem
        from pymap.imap import IMAPServer
        from pymap.user import UserMetadata
        from pysasl.hashing import Cleartext

        args = Namespace(debug=False, passlib_cfg=None, proxy_protocol=None, inherited_sockets=None)
        config = Config(
            args,
            host=self.host,
            port=0,
            demo_data=False,
            demo_user=self.user,
            demo_password=self.password,
            # Demo logins must be instant: no PBKDF2, no TLS, no DNSBL lookups,
            # no thread pool left behind.
            hash_context=Cleartext(),
            tls_enabled=False,
            reject_dnsbl=False,
            cpu_subsystem=Subsystem.for_asyncio(),
            invalid_user_sleep=0.0,
        )
        config.apply_context()
        login = Login(config)
        backend = DictBackend(login, config)
        for name, account in self._accounts.items():
            login.users_dict[name] = UserMetadata(config, name, password=account.password)
            # pymap creates a user's mailboxes at first login; create them now so
            # mail can be delivered before anyone has logged in.
            mailboxes = MailboxSet()
            for folder in account.folders:
                await mailboxes.add_mailbox(folder)
                await mailboxes.set_subscribed(folder, True)
            config.set_cache[name] = (mailboxes, FilterSet())
        self._state.backend, self._state.config = backend, config
        callback = ProxyProtocolReader(config.proxy_protocol).get_callback(
            _coalescing(IMAPServer(login, config))
        )
        server = await asyncio.start_server(callback, host=self.host, port=0)
        self._state.servers.append(server)
        self.imap_port = server.sockets[0].getsockname()[1]

    async def _append(self, user: str, folder: str, raw: bytes, flags: Sequence[str] = ()) -> int:
        from pymap.parsing.message import AppendMessage
        from pymap.parsing.specials.flag import Flag

        mailboxes, _ = self._state.config.set_cache[user]
        target = await mailboxes.get_mailbox(folder)
        message = AppendMessage(raw, datetime.now(UTC), frozenset(Flag(f.encode()) for f in flags))
        appended = await target.append(message, recent=True)
        uid: int = appended.uid
        return uid

    async def _prune(self, user: str, folder: str, keep: int) -> int:
        mailboxes, _ = self._state.config.set_cache[user]
        target = await mailboxes.get_mailbox(folder)
        uids = sorted([message.uid async for message in target.messages()])
        old = uids[: max(0, len(uids) - keep)]
        if old:
            await target.delete(old)
        return len(old)

    async def _count(self, user: str, folder: str) -> int:
        mailboxes, _ = self._state.config.set_cache[user]
        target = await mailboxes.get_mailbox(folder)
        return sum([1 async for _ in target.messages()])

    async def _folders(self, user: str) -> list[str]:
        mailboxes, _ = self._state.config.set_cache[user]
        tree = await mailboxes.list_mailboxes()
        return [entry.name for entry in tree.list()]

    # -- SMTP (aiosmtpd) ------------------------------------------------------------

    async def _start_smtp(self) -> None:
        from aiosmtpd.smtp import SMTP

        loop = asyncio.get_running_loop()
        handler = _SmtpHandler(self)
        smtp_log = logging.getLogger("mail.log")
        if not any(isinstance(f, _QuietAuthWarning) for f in smtp_log.filters):
            smtp_log.addFilter(_QuietAuthWarning())

        def factory() -> SMTP:
            return SMTP(
                handler,
                hostname="demo.micc.invalid",
                loop=loop,
                authenticator=self._authenticate,
                # Encryption "none" on loopback: allow AUTH in clear.
                auth_require_tls=False,
                enable_SMTPUTF8=True,
            )

        server = await loop.create_server(factory, host=self.host, port=0)
        self._state.servers.append(server)
        self.smtp_port = server.sockets[0].getsockname()[1]

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        account = self._accounts.get(login)
        ok = account is not None and secrets.compare_digest(
            account.password.encode(), auth_data.password
        )
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    async def _accept(self, record: RecordedMail) -> None:
        outside = []
        for address in record.recipients:
            domain = address.rpartition("@")[2].lower()
            if domain in self.local_domains:
                await self._append(self.user, "INBOX", record.raw)
            else:
                outside.append(address)
        if outside:
            await self._append(CUSTOMERS_USER, "INBOX", record.raw)
        if self.record_mbox is not None:
            # A small blocking write: the demo's volume is a message every few seconds.
            _append_mbox(self.record_mbox, record)
        with self._sent_changed:
            self._sent.append(record)
            self._sent_total += 1
            del self._sent[:-_SENT_KEPT]
            self._sent_changed.notify_all()
        if self._on_sent is not None:
            try:
                self._on_sent(record)
            except Exception:  # a reporting callback must not break delivery
                _log.exception("on_sent callback failed")

    # -- thread-safe API ---------------------------------------------------------------

    def _call(self, coro: Coroutine[Any, Any, _T]) -> _T:
        loop = self._loop
        if loop is None or not self.running:
            coro.close()
            raise ServerError("the embedded mail servers are not running")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(_CALL_TIMEOUT)

    def deliver(self, raw: bytes, *, user: str | None = None, folder: str = "INBOX") -> int:
        """Put a message straight into a mailbox, as a mail provider's delivery would.

        IMAP clients IDLE-ing on the folder are told at once.

        Args:
            raw: the message, CRLF or LF line endings.
            user: the account (default: the master mailbox).
            folder: the folder.

        Returns:
            The new message's UID.
        """
        return self._call(self._append(user or self.user, folder, raw))

    def prune(self, keep: int) -> int:
        """Delete all but the newest ``keep`` messages of the folders nobody reads from.

        pymap holds every message in memory (~75 KB each): a demo left running
        for a day would otherwise grow by gigabytes. The master INBOX is left
        alone (the engine empties it); Processed, Trash and Sent, and the
        customers' INBOX, only fill up.

        Returns:
            How many messages were deleted.
        """
        deleted = 0
        for user, folder in (
            (self.user, "Processed"),
            (self.user, "Trash"),
            (self.user, "Sent"),
            (CUSTOMERS_USER, "INBOX"),
        ):
            deleted += self._call(self._prune(user, folder, keep))
        return deleted

    def count(self, *, user: str | None = None, folder: str = "INBOX") -> int:
        """Number of messages in a folder now."""
        return self._call(self._count(user or self.user, folder))

    def folders(self, *, user: str | None = None) -> list[str]:
        """The account's folder names."""
        return self._call(self._folders(user or self.user))

    def sent(self) -> list[RecordedMail]:
        """The messages the SMTP server accepted (the last thousand), oldest first."""
        with self._sent_changed:
            return list(self._sent)

    def wait_for_sent(self, count: int, timeout: float) -> list[RecordedMail]:
        """Wait until at least ``count`` messages were accepted or ``timeout`` passes.

        Returns:
            The messages accepted so far, as :meth:`sent` (check its length).
        """
        with self._sent_changed:
            self._sent_changed.wait_for(lambda: self._sent_total >= count, timeout)
            return list(self._sent)


class _QuietAuthWarning(logging.Filter):
    """Drop aiosmtpd's own "login_data is deprecated" warning: it logs it on
    every successful AUTH, whatever the handler does."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


class _SmtpHandler:
    """aiosmtpd handler: accept everything, hand it to the servers object."""

    def __init__(self, servers: DemoMailServers) -> None:
        self._servers = servers

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        login = session.auth_data if isinstance(session.auth_data, str) else None
        record = RecordedMail(
            mail_from=envelope.mail_from or "",
            recipients=tuple(envelope.rcpt_tos),
            raw=bytes(raw),
            received=datetime.now(UTC),
            login=login,
        )
        await self._servers._accept(record)
        return "250 Message accepted for delivery"


def _coalescing(imap_server: Any) -> Callable[..., Coroutine[Any, Any, None]]:
    """Wrap pymap's connection handler so each response leaves in one write.

    pymap writes a response in pieces (``* 12 FETCH (``, then each item) and
    asyncio sends each piece at once (TCP_NODELAY), so an IDLE-ing client can
    read half a line: imapclient's ``idle_check`` then fails with
    "unterminated line" (imapclient issue #519; measured here in most runs of
    200 rounds). Buffering until pymap's own ``drain()`` fixes it for every client.
    """

    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, sock_info: Any
    ) -> None:
        await imap_server(reader, _CoalescingWriter(writer), sock_info)

    return handle


class _CoalescingWriter:
    """A StreamWriter stand-in that holds writes until ``drain()``."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._pending = bytearray()

    def write(self, data: bytes) -> None:
        self._pending += data

    async def drain(self) -> None:
        self._flush()
        await self._writer.drain()

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write(bytes(self._pending))
            self._pending.clear()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)


def _append_mbox(path: Path, record: RecordedMail) -> None:
    box = mailbox.mbox(str(path), create=True)
    try:
        box.lock()
        message = mailbox.mboxMessage(record.raw)
        message.set_from(record.mail_from or "MAILER-DAEMON", record.received.timetuple())
        box.add(message)
        box.flush()
    finally:
        box.unlock()
        box.close()
