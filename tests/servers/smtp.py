"""An aiosmtpd SMTP server on loopback that records what it accepted.

Modes: ``none`` (plain), ``starttls`` (STARTTLS offered and required before
AUTH) and ``ssl`` (TLS from the first byte). AUTH PLAIN/LOGIN accepts one
user and password. With ``file_sent`` set, every accepted message is also
appended to a Sent folder over IMAP before the server answers 250, the way
Gmail and Office 365 file sent mail themselves.
"""

from __future__ import annotations

import email
import email.policy
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from imapclient import IMAPClient

from tests.servers.dovecot import free_port


@dataclass(frozen=True)
class Accepted:
    """One message the server accepted."""

    mail_from: str
    recipients: tuple[str, ...]
    raw: bytes

    @property
    def message_id(self) -> str:
        """The Message-ID header, as sent."""
        msg = email.message_from_bytes(self.raw, policy=email.policy.default)
        return str(msg.get("message-id", "")).strip()


@dataclass
class _Handler:
    accepted: list[Accepted] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_accept: Callable[[Accepted], None] | None = None
    #: Answer this instead of 250 (e.g. "451 try later") when set.
    reply: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply:
            return self.reply
        item = Accepted(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.content))
        if self.on_accept is not None:
            self.on_accept(item)
        with self.lock:
            self.accepted.append(item)
        return "250 OK accepted"


class _SentFiler:
    """Appends each accepted message to Sent before the 250 goes out (as Gmail does)."""

    def __init__(self, imap_port: int, user: str, password: str) -> None:
        self.imap_port, self.user, self.password = imap_port, user, password
        self.client: IMAPClient | None = None

    def __call__(self, item: Accepted) -> None:
        # Called on the server's one event-loop thread: one IMAP client is enough.
        if self.client is None:
            self.client = IMAPClient("127.0.0.1", self.imap_port, ssl=False)
            self.client.login(self.user, self.password)
        self.client.append("Sent", item.raw, flags=(b"\\Seen",))


class _Authenticator:
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        #: Logins tried so far, right or wrong.
        self.attempts = 0

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        self.attempts += 1
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.user
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)


class SmtpServer:
    """A recording SMTP server; use as a context manager or start()/stop()."""

    def __init__(
        self,
        cert: Path,
        key: Path,
        *,
        mode: str = "none",
        user: str = "sender",
        password: str = "smtp-secret",
        file_sent: tuple[int, str, str] | None = None,
    ) -> None:
        self.mode, self.user, self.password = mode, user, password
        self.port = free_port()
        self.handler = _Handler()
        self.authenticator = _Authenticator(user, password)
        if file_sent is not None:
            self.handler.on_accept = _SentFiler(*file_sent)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        kwargs: dict[str, Any] = {
            "hostname": "127.0.0.1",
            "port": self.port,
            "authenticator": self.authenticator,
            "auth_require_tls": mode == "starttls",
            "auth_required": False,
        }
        if mode == "ssl":
            kwargs["ssl_context"] = context
        elif mode == "starttls":
            kwargs["tls_context"] = context
            kwargs["require_starttls"] = True
        self.controller = Controller(self.handler, **kwargs)

    @property
    def accepted(self) -> list[Accepted]:
        """Messages accepted so far (a copy)."""
        with self.handler.lock:
            return list(self.handler.accepted)

    def message_ids(self) -> list[str]:
        """The Message-ID of every accepted message, in order."""
        return [a.message_id for a in self.accepted]

    def start(self) -> SmtpServer:
        """Start listening."""
        if self.mode == "ssl":
            # Controller's readiness probe speaks plain SMTP; skip it for TLS-on-connect.
            self.controller.ready_timeout = 5
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self.controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
