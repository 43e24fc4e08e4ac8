"""Ports: what the engine needs from the outside world, whatever serves it.

The IMAP/SMTP and Microsoft Graph connectors implement these. The engine's
exactly-once rule rests on their contracts: a source hands out messages
without changing the server, and only :meth:`MailSource.mark_processed`
(called after the messages are safely archived) touches them.

Each port says what it can do in declared properties (``supports_push``,
``files_sent_itself``, ``can_append_sent``...); the engine reads them and
never probes an object for what it might have. Every failure to use the mail
server reaches the engine as :class:`engine.errors.MailServerError`: the
adapters turn what their libraries raise (sockets, TLS, imaplib, smtplib,
httpx) into it, so the engine knows nothing of those libraries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

ProcessedPolicy = Literal["delete", "trash", "archive", "keep"]


@dataclass(frozen=True)
class FetchedMessage:
    """One message read from the master mailbox, not yet archived."""

    #: Unique and stable for this copy on this server, e.g.
    #: ``imap:INBOX:<uidvalidity>:<uid>:<sha256>``; the archive's dedupe key.
    source_key: str
    #: Where it came from, for people: ``imap:INBOX``, ``graph:inbox``.
    source: str
    raw: bytes
    #: The server's handle used by mark_processed (a UID, a Graph message id).
    handle: str = ""


@dataclass(frozen=True)
class Bookmark:
    """How far a mailbox has been read. Opaque to everyone but its source.

    ``detail[UNREADABLE]``, when present, is a JSON object of the messages the
    server would not give (handle: the server's words): never archived, left
    in the mailbox, tried again at each read (engine health names them).
    """

    mailbox: str
    validity: int | None = None
    last: int = 0
    detail: dict[str, str] = field(default_factory=dict)


#: The :attr:`Bookmark.detail` key of the messages a source could not read.
UNREADABLE = "unreadable"


def unreadable(bookmark: Bookmark | None) -> dict[str, str]:
    """The messages ``bookmark`` says the source could not read (handle: its words)."""
    if bookmark is None or UNREADABLE not in bookmark.detail:
        return {}
    try:
        found = json.loads(bookmark.detail[UNREADABLE])
        return {str(handle): str(words) for handle, words in dict(found).items()}
    except (ValueError, TypeError):
        return {}


@dataclass(frozen=True)
class SourceStatus:
    """What Test Connection and engine health report about a source or sender."""

    ok: bool
    summary: str
    capabilities: tuple[str, ...] = ()
    folders: dict[str, str] = field(default_factory=dict)


class MailSource(Protocol):
    """The master mailbox, read side.

    The properties declare what the source can do, so the engine adapts
    without looking for attributes: it waits for push or polls, looks in Sent
    after a crash, and files copies of sent mail itself only where the server
    does not. Each may change at :meth:`connect` (when the server tells its
    capabilities), and is constant afterwards unless it says otherwise.

    Every method that talks to the server raises
    :class:`~engine.errors.MailServerError` when it cannot (never a library's
    own exception); the engine reconnects with backoff.
    """

    @property
    def supports_push(self) -> bool:
        """True when :meth:`wait_for_mail` returns as soon as mail arrives (IMAP IDLE).

        False: it polls every so often.
        """
        ...

    @property
    def idling(self) -> bool:
        """True while a push wait (an IMAP IDLE command) is open right now.

        Always False for a source without push; it changes with each wait.
        """
        ...

    @property
    def files_sent_itself(self) -> bool:
        """True when the server files its own copy of sent mail in Sent.

        Gmail and Office 365 do. Then the engine never adds a copy, and after a
        crash in the middle of a send it asks :meth:`sent_has` whether the
        message left.
        """
        ...

    @property
    def can_append_sent(self) -> bool:
        """True when :meth:`append_sent` can put a copy of sent mail in Sent."""
        ...

    @property
    def fetch_batch(self) -> int:
        """Messages per fetch and per archive transaction, from the source's config."""
        ...

    @property
    def mailbox_key(self) -> str:
        """The ``sync_state`` key of the mailbox read, e.g. ``imap:user/INBOX``."""
        ...

    def connect(self) -> None:
        """Connect and log in; raise :class:`~engine.errors.MailServerError` with words."""

    def fetch_new(
        self, bookmark: Bookmark | None, batch: int
    ) -> Iterator[tuple[Sequence[FetchedMessage], Bookmark]]:
        """Yield batches of messages after ``bookmark``, each with the bookmark to
        store once that batch is archived. Must not change anything on the server.

        A first read (``bookmark`` None) of an empty mailbox yields one empty
        batch, so that the read is remembered: mail arriving later is new mail,
        not backlog found at the first start.
        """
        ...

    def mark_processed(self, handles: Sequence[str], policy: ProcessedPolicy) -> None:
        """Apply the processed-mail policy to messages already archived."""

    def leftovers(self, bookmark: Bookmark | None) -> list[str]:
        """Handles of messages the bookmark covers that are still in the mailbox.

        They were archived with that bookmark, but the process died before the
        policy ran; the engine applies the policy to them now. ``[]`` with ``keep``.
        """
        ...

    def wait_for_mail(self, timeout: float) -> bool:
        """Block until new mail may be there (True) or ``timeout`` passes (False)."""
        ...

    def append_sent(self, raw: bytes) -> None:
        """File a copy of a message just sent in the Sent folder, marked as read.

        Only called when :attr:`can_append_sent` and not :attr:`files_sent_itself`.
        ``MailServerError.permanent`` says the copy can never be made (no Sent
        folder); otherwise the connection failed.
        """

    def sent_has(self, message_id: str) -> bool | None:
        """Whether the Sent folder holds this Message-ID; None when it cannot tell.

        The outbox asks this about a message whose send was cut short by a crash.
        """
        ...

    def describe(self) -> SourceStatus:
        """What Test Connection shows (after :meth:`connect`)."""
        ...

    def close(self) -> None:
        """Log out and close; never raises."""


class MailSender(Protocol):
    """The outgoing side: hands a finished message to the mail server."""

    def send(self, mail_from: str, recipients: Sequence[str], raw: bytes) -> None:
        """Send ``raw``; return only when the server accepted it, else raise.

        Raises:
            MailServerError: what went wrong, in words; ``permanent`` is True
                when retrying cannot help (a recipient refused for good, no
                permission to send as this address).
        """

    def describe(self) -> SourceStatus:
        """What Test Connection shows about the sending side."""
        ...

    def close(self) -> None:
        """Close any connection; never raises."""
