"""The master mailbox over IMAP (imapclient): the read side of an IMAP/SMTP tenant.

Contract (see :class:`engine.ports.MailSource`): :meth:`ImapSource.fetch_new`
only reads (``BODY.PEEK[]``, nothing flagged); the processed-mail policy runs
in :meth:`ImapSource.mark_processed` after the engine archived the batch. The
bookmark is UIDVALIDITY + the last UID read, so each cycle reads only new mail.

An ``ImapSource`` belongs to one thread (imapclient is not thread-safe). It
keeps one IDLE running across :meth:`wait_for_mail` calls and leaves it
before any other command. Whatever imapclient, imaplib, the socket or TLS
raise leaves it as :class:`~engine.errors.MailServerError`.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import json
import re
import socket
import ssl
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from engine.adapters import folders as folder_rules
from engine.adapters.errors import MailServerError, explain
from engine.config import Config, default_port, read_secret
from engine.ports import (
    UNREADABLE,
    Bookmark,
    FetchedMessage,
    ProcessedPolicy,
    SourceStatus,
    unreadable,
)

#: Leave and re-enter IDLE before servers drop it (RFC 2177 allows 29 minutes;
#: some servers and NAT boxes give up after 10).
IDLE_RENEW_SECONDS = 9 * 60
#: Seconds after IDLE starts when new mail is looked for once more (see wait_for_mail).
IDLE_RECHECK_SECONDS = 1.0
#: Upper bound of message bytes per FETCH, so one 25 MB mail travels alone
#: and never holds up a batch of small ones for long.
BATCH_BYTES = 16 * 1024 * 1024
#: UIDs per STORE/MOVE command.
COMMAND_CHUNK = 500
#: What the libraries under this adapter raise when the server or the link fails;
#: imapclient's errors are imaplib's (``IMAPClientError`` is ``IMAP4.error``),
#: ssl's are OSErrors.
LIBRARY_ERRORS: tuple[type[Exception], ...] = (imaplib.IMAP4.error, OSError, EOFError)


@dataclass(frozen=True)
class ImapSettings:
    """Everything needed to reach the master mailbox over IMAP."""

    host: str
    port: int
    encryption: str
    username: str
    password: str
    inbox: str = ""
    sent: str = ""
    trash: str = ""
    archive_folder: str = "Processed"
    idle: bool = True
    poll_seconds: float = 30.0
    fetch_batch: int = 200
    timeout: float = 60.0
    ca_file: Path | None = None
    #: None: append unless the server is known to file sent mail itself.
    append_sent: bool | None = None

    def __repr__(self) -> str:  # the password must never reach a log
        return f"ImapSettings({self.username}@{self.host}:{self.port}, {self.encryption})"

    @classmethod
    def from_config(cls, config: Config) -> ImapSettings:
        """Read ``[server.imap]`` (and the secret it names) from a tenant's config."""
        imap = config.server.imap
        password = read_secret(imap.password_env, imap.password_file, "the IMAP password")
        return cls(
            host=imap.host,
            port=imap.port or default_port("imap", imap.encryption),
            encryption=imap.encryption,
            username=imap.username,
            password=password,
            inbox=imap.inbox,
            sent=imap.sent,
            trash=imap.trash,
            archive_folder=config.server.archive_folder,
            idle=imap.idle,
            poll_seconds=imap.poll_seconds,
            fetch_batch=imap.fetch_batch,
            ca_file=imap.ca_file,
            append_sent=imap.append_sent,
        )


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """A verifying TLS context; ``ca_file`` adds a private CA (or self-signed cert)."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=str(ca_file))
    return context


class ImapSource:
    """The master mailbox, read and processed over IMAP (the MailSource port)."""

    #: IMAP APPENDs a copy of sent mail to the Sent folder (see :meth:`append_sent`).
    can_append_sent = True

    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        #: IDLE is on in the settings and the server offers it (known after connect).
        self.supports_push = False
        self.capabilities: tuple[str, ...] = ()
        self.folders: dict[str, folder_rules.Detected] = {}
        self.folder_list: list[folder_rules.Folder] = []
        self._client: IMAPClient | None = None
        self._idling = False
        self._idle_started = 0.0
        self._mail_waiting = False
        self._last_poll = 0.0
        self._uidvalidity = 0
        #: The highest UID read (or known to be read) on this connection.
        self._last_uid: int | None = None
        self._rechecked = False

    # -- connection -------------------------------------------------------

    def connect(self) -> None:
        """Connect, log in, detect folders and select the inbox.

        Raises:
            MailServerError: with words: refused, TLS failure, bad credentials,
                folder missing, timeout.
        """
        s = self.settings
        try:
            client = self._open()
        except Exception as exc:
            raise explain(exc, "IMAP", s.host, s.port) from exc
        try:
            try:
                client.login(s.username, s.password)
            except LoginError as exc:
                raise MailServerError(
                    f"bad credentials: IMAP server {s.host}:{s.port} refused user "
                    f"{s.username!r} ({_text(exc)})",
                    "credentials",
                    permanent=True,
                ) from None
            self.capabilities = tuple(c.decode() for c in client.capabilities())
            self.supports_push = s.idle and "IDLE" in self.capabilities
            self.folder_list = folder_rules.from_imap_list(client.list_folders())
            self.folders = folder_rules.detect(
                self.folder_list, {"inbox": s.inbox, "sent": s.sent, "trash": s.trash}
            )
            self._client = client
            self._check_folder("inbox", required=True)
            self.select_inbox()
        except MailServerError:
            _logout(client)
            self._client = None
            raise
        except Exception as exc:
            _logout(client)
            self._client = None
            raise explain(exc, "IMAP", s.host, s.port) from exc

    def _open(self) -> IMAPClient:
        s = self.settings
        context = tls_context(s.ca_file) if s.encryption != "none" else None
        client = IMAPClient(
            s.host, s.port, ssl=s.encryption == "ssl", ssl_context=context, timeout=s.timeout
        )
        if s.encryption == "starttls":
            try:
                client.starttls(context)
            except Exception:
                _logout(client)
                raise
        with contextlib.suppress(OSError, AttributeError):
            # Small commands (IDLE DONE, APPEND literals) must not wait for Nagle.
            client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return client

    def _check_folder(self, role: str, *, required: bool) -> str | None:
        detected = self.folders.get(role)
        if detected is None:
            if required:
                raise MailServerError(
                    f"no {role} folder found; set [server.imap] {role}", "folder", permanent=True
                )
            return None
        if not folder_rules.exists(self.folder_list, detected.name):
            names = ", ".join(f.name for f in self.folder_list) or "none"
            raise MailServerError(
                f"folder missing: the {role} folder {detected.name!r} does not exist on "
                f"{self.settings.host} (folders there: {names})",
                "folder",
                permanent=True,
            )
        return detected.name

    @contextlib.contextmanager
    def _speaking(self) -> Iterator[None]:
        """Run IMAP commands; a library's failure leaves as a MailServerError."""
        try:
            yield
        except MailServerError:
            raise
        except LIBRARY_ERRORS as exc:
            raise explain(exc, "IMAP", self.settings.host, self.settings.port) from exc

    @property
    def fetch_batch(self) -> int:
        """Messages per FETCH and per archive transaction (``[server.imap] fetch_batch``)."""
        return self.settings.fetch_batch

    @property
    def client(self) -> IMAPClient:
        """The connected client; raises when not connected."""
        if self._client is None:
            raise MailServerError("not connected to the IMAP server", "protocol")
        return self._client

    @property
    def inbox(self) -> str:
        """The name of the master mailbox's inbox folder."""
        return self.folders["inbox"].name

    @property
    def mailbox_key(self) -> str:
        """The sync-state key of the inbox: account and folder."""
        return f"imap:{self.settings.username}/{self.inbox}"

    def select_inbox(self) -> dict[bytes, Any]:
        """Select the inbox read-write (for the policy); return the SELECT data."""
        with self._speaking():
            self._end_idle()
            result: dict[bytes, Any] = self.client.select_folder(self.inbox)
        self._uidvalidity = int(result[b"UIDVALIDITY"])
        return result

    def close(self) -> None:
        """Log out; never raises."""
        client, self._client = self._client, None
        idling, self._idling = self._idling, False
        if client is not None:
            if idling:
                # RFC 2177: DONE must end an IDLE before any other command, LOGOUT
                # included; pymap otherwise takes LOGOUT as a bad DONE and never answers.
                with contextlib.suppress(Exception):
                    client.idle_done()
            _logout(client)

    # -- reading ----------------------------------------------------------

    def fetch_new(
        self, bookmark: Bookmark | None, batch: int
    ) -> Iterator[tuple[Sequence[FetchedMessage], Bookmark]]:
        """Yield batches of messages with a UID above the bookmark's, oldest first.

        A changed UIDVALIDITY means the server renumbered the folder: every
        message is read again (the engine drops ones whose content it has).
        """
        with self._speaking():
            client = self.client
            self._end_idle()
            # A selected folder does not report new mail to SEARCH until NOOP.
            client.noop()
            validity = self._validity()
            same = bookmark is not None and bookmark.validity == validity
            last = bookmark.last if bookmark and same else 0
            unreadable = _unreadable(bookmark) if same else {}
            uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
            self._last_uid = max([last, *uids])
            self._rechecked = False
            if unreadable:
                # Messages the server could not give before: still there? Once more.
                still = set(client.search(["UID", ",".join(str(u) for u in unreadable)]))
                retried = [u for u in sorted(unreadable) if u in still]
                unreadable = {u: w for u, w in unreadable.items() if u in still}
                if retried:
                    items = self._read(retried, validity, unreadable)
                    yield items, self._bookmark(validity, last, unreadable)
                elif not uids:
                    yield [], self._bookmark(validity, last, unreadable)  # they went away
            if not uids:
                if bookmark is None:
                    # An empty mailbox at first start: remember that it was read,
                    # so the first customer e-mail is new mail, not backlog.
                    yield [], Bookmark(self.mailbox_key, validity, last)
                return
            sizes = {
                uid: int(data.get(b"RFC822.SIZE", 0))
                for uid, data in self.client.fetch(uids, ["RFC822.SIZE"]).items()
            }
            for group in _batches(uids, sizes, batch):
                items = self._read(group, validity, unreadable)
                yield items, self._bookmark(validity, max(group), unreadable)

    def _read(
        self, group: list[int], validity: int, unreadable: dict[int, str]
    ) -> list[FetchedMessage]:
        """The messages of ``group``; one the server cannot give is left in ``unreadable``.

        A FETCH the server refuses (Dovecot: "FETCH failed: Internal error", or
        it drops the connection) is tried again message by message on a new
        connection, so one broken message on the server holds up no other.
        """
        try:
            bodies = self._bodies(group)
        except LIBRARY_ERRORS as exc:
            self._reconnect(validity)  # the server being down ends the cycle here
            bodies = {}
            if len(group) == 1:
                unreadable[group[0]] = _said(exc)
            else:
                for uid in group:
                    try:
                        bodies.update(self._bodies([uid]))
                    except LIBRARY_ERRORS as alone:
                        unreadable[uid] = _said(alone)
                        self._reconnect(validity)
        for uid in bodies:
            unreadable.pop(uid, None)
        return [
            FetchedMessage(
                source_key=self._source_key(validity, uid, raw),
                source=f"imap:{self.inbox}",
                raw=raw,
                handle=str(uid),
            )
            for uid, raw in sorted(bodies.items())
        ]

    def _bodies(self, uids: list[int]) -> dict[int, bytes]:
        found = {}
        for uid, data in self.client.fetch(uids, ["BODY.PEEK[]"]).items():
            raw = data.get(b"BODY[]")
            if isinstance(raw, bytes):  # else expunged meanwhile by someone else
                found[uid] = raw
        return found

    def _reconnect(self, validity: int) -> None:
        """A new connection after a refused FETCH (the server may have dropped this one)."""
        client, self._client = self._client, None
        if client is not None:
            _logout(client)
        self.connect()
        if self._uidvalidity != validity:
            raise MailServerError(
                f"the IMAP server renumbered {self.inbox} while it was read", "protocol"
            )

    def _bookmark(self, validity: int, last: int, unreadable: dict[int, str]) -> Bookmark:
        detail = {UNREADABLE: json.dumps({str(u): w for u, w in sorted(unreadable.items())})}
        return Bookmark(self.mailbox_key, validity, last, detail if unreadable else {})

    def leftovers(self, bookmark: Bookmark | None) -> list[str]:
        """Handles of messages the bookmark covers that are still in the inbox.

        They were archived (the bookmark is stored with them) but a crash came
        before the policy ran; the engine applies it now.
        """
        with self._speaking():
            if bookmark is None or bookmark.last <= 0:
                return []
            self._end_idle()
            self.client.noop()
            if bookmark.validity != self._validity():
                return []
            found = self.client.search(["UID", f"1:{bookmark.last}"])
            # What the server could not give was never archived: it stays.
            skipped = _unreadable(bookmark)
            return [str(u) for u in sorted(found) if u <= bookmark.last and u not in skipped]

    def _validity(self) -> int:
        # From SELECT: a server that renumbers a folder drops the selection.
        return self._uidvalidity

    def _source_key(self, validity: int, uid: int, raw: bytes) -> str:
        digest = hashlib.sha256(raw).hexdigest()
        return f"imap:{self.settings.username}/{self.inbox}:{validity}:{uid}:{digest}"

    # -- processed-mail policy -------------------------------------------

    def mark_processed(self, handles: Sequence[str], policy: ProcessedPolicy) -> None:
        """Apply the processed-mail policy to archived messages (UIDs as text).

        ``delete`` flags \\Deleted and expunges just those UIDs (UID EXPUNGE);
        ``trash`` and ``archive`` move them; ``keep`` leaves them (the bookmark
        keeps them from being read again).
        """
        with self._speaking():
            if policy == "keep" or not handles:
                return
            self._end_idle()
            uids = [int(h) for h in handles]
            for start in range(0, len(uids), COMMAND_CHUNK):
                chunk = uids[start : start + COMMAND_CHUNK]
                if policy == "delete":
                    self._delete(chunk)
                elif policy == "trash":
                    self._move(chunk, self._policy_folder("trash"))
                else:
                    self._move(chunk, self.ensure_folder(self.settings.archive_folder))

    def _policy_folder(self, role: str) -> str:
        name = self._check_folder(role, required=True)
        assert name is not None
        return name

    def ensure_folder(self, name: str) -> str:
        """Create folder ``name`` when it is missing; return it."""
        with self._speaking():
            if not folder_rules.exists(self.folder_list, name):
                self._end_idle()
                try:
                    self.client.create_folder(name)
                except IMAPClientError as exc:
                    if isinstance(exc, imaplib.IMAP4.abort):
                        raise  # the connection, not the folder: _speaking explains it
                    if "exists" not in _text(exc).lower():
                        raise MailServerError(
                            f"cannot create folder {name!r}: {_text(exc)}", "folder", permanent=True
                        ) from exc
                self.folder_list.append(folder_rules.Folder(name))
            return name

    def _delete(self, uids: list[int]) -> None:
        self.client.delete_messages(uids)
        if "UIDPLUS" in self.capabilities:
            self.client.uid_expunge(uids)
        else:
            self.client.expunge()

    def _move(self, uids: list[int], folder: str) -> None:
        if "MOVE" in self.capabilities:
            self.client.move(uids, folder)
        else:
            self.client.copy(uids, folder)
            self._delete(uids)

    # -- waiting for mail -------------------------------------------------

    def wait_for_mail(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True when new mail may be there.

        With IDLE, one IDLE stays open across calls (renewed every
        :data:`IDLE_RENEW_SECONDS`); without it, True once per poll interval.
        """
        with self._speaking():
            if self._mail_waiting:
                self._mail_waiting = False
                return True
            if not self.supports_push:
                due = self._last_poll + self.settings.poll_seconds - time.monotonic()
                if due > 0:
                    time.sleep(min(timeout, due))
                    if self._last_poll + self.settings.poll_seconds > time.monotonic():
                        return False
                self._last_poll = time.monotonic()
                return True
            client = self.client
            idle_for = time.monotonic() - self._idle_started
            if self._idling and (
                idle_for > IDLE_RENEW_SECONDS
                or (not self._rechecked and idle_for > IDLE_RECHECK_SECONDS)
            ):
                # Dovecot (and others) can miss a message whose delivery finishes
                # while IDLE starts; one look a second later catches it.
                self._rechecked = True
                self._end_idle()
            if not self._idling:
                # Mail that arrived since the last read may have been announced in the
                # answer to any command since (FETCH, MOVE...): imaplib files such an
                # untagged EXISTS away and the server never repeats it. So look for
                # newer UIDs once, then treat any EXISTS from here on as news.
                pending = client._imap.untagged_responses
                if self._has_unread():
                    return True
                pending.pop("EXISTS", None)
                client.idle()
                self._idling = True
                self._idle_started = time.monotonic()
                if pending.pop("EXISTS", None):
                    self._end_idle()
                    return True
            started = time.monotonic()
            responses = client.idle_check(timeout=timeout)
            if not responses and time.monotonic() - started < timeout / 2:
                # imapclient reads a closed connection as silence, at once and
                # again on every call; leaving IDLE (DONE) finds out which it is.
                self._end_idle()
                return False
            bye = [r for r in responses if isinstance(r, tuple) and r and r[0] == b"BYE"]
            if bye:
                self._idling = False
                raise MailServerError(
                    f"IMAP server {self.settings.host}:{self.settings.port} closed the "
                    f"connection ({_text(bye[0][1]) if len(bye[0]) > 1 else 'BYE'})",
                    "protocol",
                )
            if _has_new_mail(responses):
                self._end_idle()
                self._mail_waiting = False
                return True
            return False

    def _has_unread(self) -> bool:
        if self._last_uid is None:
            return True
        self.client.noop()
        found = self.client.search(["UID", f"{self._last_uid + 1}:*"])
        return any(uid > self._last_uid for uid in found)

    @property
    def idling(self) -> bool:
        """True while an IDLE command is open."""
        return self._idling

    def _end_idle(self) -> None:
        if not self._idling:
            return
        self._idling = False
        if self._client is None:
            return
        _, responses = self._client.idle_done()
        if _has_new_mail(responses):
            self._mail_waiting = True

    # -- sent mail --------------------------------------------------------

    @property
    def files_sent_itself(self) -> bool:
        """True when the server keeps a copy of sent mail by itself (Gmail)."""
        if self.settings.append_sent is not None:
            return not self.settings.append_sent
        return "X-GM-EXT-1" in self.capabilities

    def append_sent(self, raw: bytes) -> None:
        """Put a copy of a sent message in the Sent folder, marked as read."""
        with self._speaking():
            folder = self._check_folder("sent", required=False)
            if folder is None:
                raise MailServerError(
                    "no Sent folder found; set [server.imap] sent", "folder", permanent=True
                )
            self._end_idle()
            self.client.append(folder, raw, flags=(b"\\Seen",))

    def sent_has(self, message_id: str) -> bool | None:
        """Is a message with this Message-ID in the Sent folder? None: cannot tell."""
        with self._speaking():
            folder = self.folders.get("sent")
            if folder is None or not message_id:
                return None
            self._end_idle()
            try:
                self.client.select_folder(folder.name, readonly=True)
                found = self.client.search(["HEADER", "Message-ID", message_id])
            finally:
                self.select_inbox()
            return bool(found)

    # -- reporting --------------------------------------------------------

    def describe(self) -> SourceStatus:
        """What Test Connection shows: capabilities and the folders found."""
        s = self.settings
        found = {role: f"{d.name} ({d.how})" for role, d in self.folders.items()}
        missing = [role for role in ("sent", "trash") if role not in self.folders]
        summary = f"IMAP {s.host}:{s.port} ({s.encryption}): logged in as {s.username}"
        if missing:
            summary += f"; not found: {', '.join(missing)}"
        return SourceStatus(True, summary, self.capabilities, found)


def _batches(uids: Sequence[int], sizes: dict[int, int], batch: int) -> Iterator[list[int]]:
    group: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if group and (len(group) >= batch or total + size > BATCH_BYTES):
            yield group
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        yield group


def _unreadable(bookmark: Bookmark | None) -> dict[int, str]:
    """UIDs the server could not give at an earlier read, with its words."""
    return {int(uid): words for uid, words in unreadable(bookmark).items() if uid.isdigit()}


def _has_new_mail(responses: Sequence[Any]) -> bool:
    return any(
        isinstance(r, tuple) and len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses
    )


def _text(exc: BaseException) -> str:
    text = str(exc)
    return text[2:-1] if text.startswith(("b'", 'b"')) else text


def _said(exc: BaseException) -> str:
    """What the server said about a refused command, without imaplib's "command: X =>"."""
    return re.sub(r"^command: \w+ => ", "", _text(exc)) or type(exc).__name__


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):
            client.shutdown()
