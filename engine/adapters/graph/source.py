"""The master mailbox's inbox read through Microsoft Graph (the MailSource port).

Listing asks for ``id``, ``internetMessageId`` and ``receivedDateTime``
ordered by ``receivedDateTime`` and follows ``@odata.nextLink`` as an opaque
URL; each message's MIME comes from ``/$value`` so the same parser, router and
archive apply as for IMAP. Nothing on the server changes until
:meth:`GraphSource.mark_processed`, which the engine calls only after the
batch is archived.

Exactly once rests on three things:

- every request asks for immutable ids (``Prefer: IdType="ImmutableId"``), so
  a message keeps its id when it is moved, and the archive's dedupe key
  ``graph:<mailbox>:<id>`` names one message for good;
- with ``delete``, ``trash`` and ``archive`` the inbox only holds mail not yet
  processed, so each cycle lists the whole inbox: a message archived just
  before a crash, but not yet moved, is listed again, found in the archive
  (ingest skips it) and then processed;
- with ``keep`` the bookmark (the newest ``receivedDateTime`` read, plus the
  ids read in the last :data:`OVERLAP` before it) lets each cycle read only
  newer mail, and the overlap catches mail whose delivery finished after a
  later-stamped message was already listed.

A message whose MIME download keeps failing (Graph answers 500 for some
damaged items) must not hold back the mail behind it: after
:data:`SET_ASIDE_AFTER` failed passes it is set aside, left in the inbox,
tried again on every pass, and named in the ``graph inbox`` health row. With
``keep`` there is no such escape (the bookmark would move past it), so the
cycle keeps failing and saying why.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from engine.adapters.graph.client import MAX_CONCURRENT, GraphClient, HealthSink
from engine.adapters.graph.errors import (
    GraphAccessError,
    GraphAuthError,
    GraphError,
    GraphNotFound,
    GraphThrottled,
)
from engine.ports import Bookmark, FetchedMessage, ProcessedPolicy, SourceStatus

log = logging.getLogger(__name__)

#: How far back each ``keep`` cycle looks again, for late-finishing deliveries.
OVERLAP = timedelta(minutes=10)
#: The fields listed for each message; the MIME carries everything else.
SELECT = "id,internetMessageId,receivedDateTime"
#: Graph's largest page of messages.
MAX_PAGE = 1000
#: Failed passes after which a message whose MIME cannot be read is set aside.
SET_ASIDE_AFTER = 3
#: Errors about the whole mailbox (sign-in, permissions, throttling): never one message's.
_MAILBOX_ERRORS = (GraphAuthError, GraphAccessError, GraphThrottled)


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _graph_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _ReadState:
    """The bookmark's content: newest receivedDateTime read and the ids near it."""

    since: datetime | None = None
    seen: dict[str, str] = field(default_factory=dict)  # id -> receivedDateTime
    count: int = 0

    @classmethod
    def from_bookmark(cls, bookmark: Bookmark | None) -> _ReadState:
        if bookmark is None or not bookmark.detail.get("since"):
            return cls(count=bookmark.last if bookmark else 0)
        seen = json.loads(bookmark.detail.get("seen", "{}"))
        return cls(_parse_time(bookmark.detail["since"]), dict(seen), bookmark.last)

    def note(self, message_id: str, received: str) -> None:
        when = _parse_time(received)
        if self.since is None or when > self.since:
            self.since = when
        self.seen[message_id] = received
        self.count += 1

    def bookmark(self, mailbox: str, batch: Sequence[str]) -> Bookmark:
        """The bookmark to store with ``batch`` (its handles are kept for :meth:`leftovers`)."""
        if self.since is None:
            return Bookmark(mailbox, None, self.count)
        floor = self.since - OVERLAP
        self.seen = {i: r for i, r in self.seen.items() if _parse_time(r) >= floor}
        return Bookmark(
            mailbox,
            None,
            self.count,
            {
                "since": _graph_time(self.since),
                "seen": json.dumps(self.seen, sort_keys=True),
                "batch": json.dumps(list(batch)),
            },
        )


@dataclass
class Unreadable:
    """Inbox messages whose MIME download failed, kept across reconnections.

    The engine makes a new source after every connection error, and a failed
    download is one, so the count of failed passes lives here, shared by the
    sources one engine makes (see ``engine.engine.connectors_for``).
    """

    #: Message id -> (failed passes, the last error in words).
    failures: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: Whether the health row says some are set aside.
    reported: bool = False

    def failed(self, handle: str, error: str) -> int:
        """Count one more failed pass for ``handle``; how many it has now."""
        passes = self.failures.get(handle, (0, ""))[0] + 1
        self.failures[handle] = (passes, error)
        return passes

    def readable(self, handle: str) -> None:
        """``handle`` was read (or is gone): forget its failures."""
        self.failures.pop(handle, None)

    def keep_only(self, listed: Collection[str]) -> None:
        """Forget messages that are no longer in the inbox."""
        for gone in [h for h in self.failures if h not in listed]:
            del self.failures[gone]

    def set_aside(self) -> dict[str, str]:
        """Messages failed :data:`SET_ASIDE_AFTER` passes or more: id -> last error."""
        return {
            handle: error
            for handle, (passes, error) in self.failures.items()
            if passes >= SET_ASIDE_AFTER
        }


class GraphSource:
    """The inbox of the master mailbox on Microsoft Graph.

    Args:
        client: the mailbox's Graph client (closed with this source).
        policy: the processed-mail policy; it decides whether the whole inbox
            is listed each cycle (delete, trash, archive) or only newer mail (keep).
        archive_folder: the folder ``archive`` moves to; ``/`` separates levels.
            Found by display name under the mailbox root, created if missing.
        poll_seconds: how often :meth:`wait_for_mail` looks for new mail.
        inbox_health: told about messages set aside because their MIME
            cannot be read.
        unreadable: the failed downloads counted so far (shared across the
            sources one engine makes).
        fetch_batch: messages per listed page and per archive transaction
            (``[server.graph] fetch_batch``; Graph's page holds at most
            :data:`MAX_PAGE`).
    """

    #: Graph change notifications need a public webhook; this source polls.
    supports_push = False
    #: So no push wait is ever open.
    idling = False
    #: Exchange files a copy of what sendMail sends in Sent Items by itself.
    files_sent_itself = True
    #: Hence no copy is ever added (:meth:`append_sent` refuses).
    can_append_sent = False

    def __init__(
        self,
        client: GraphClient,
        *,
        policy: ProcessedPolicy = "delete",
        archive_folder: str = "Processed",
        poll_seconds: float = 15.0,
        inbox_health: HealthSink | None = None,
        unreadable: Unreadable | None = None,
        fetch_batch: int = 200,
    ) -> None:
        self.client = client
        self.fetch_batch = fetch_batch
        self.inbox_health = inbox_health
        self.unreadable = unreadable if unreadable is not None else Unreadable()
        self.policy = policy
        self.archive_folder = archive_folder
        self.poll_seconds = poll_seconds
        self.mailbox = f"graph:{client.user.lower()}/inbox"
        self._folder_ids: dict[str, str] = {}
        self._closed = threading.Event()
        self._since_hint: datetime | None = None
        self._next_poll = 0.0  # time.monotonic() of the next look at the inbox

    @property
    def mailbox_key(self) -> str:
        """The sync-state key of the inbox: ``graph:<master mailbox>/inbox``."""
        return self.mailbox

    # -- MailSource -------------------------------------------------------------

    def connect(self) -> None:
        """Get a token and open the inbox, so wrong settings show up at once.

        Raises:
            GraphError: a ``MailServerError`` saying what is wrong, in words.
        """
        self.client.get_json(
            "/mailFolders/inbox",
            what="opening the inbox",
            params={"$select": "id,displayName,totalItemCount"},
        )

    def fetch_new(
        self, bookmark: Bookmark | None, batch: int
    ) -> Iterator[tuple[Sequence[FetchedMessage], Bookmark]]:
        """Yield pages of new messages, oldest first, each with the bookmark after it.

        Nothing on the server changes. With a policy other than ``keep`` the
        listing starts again after a pass that found mail, since processing
        between pages shifts Graph's ``$skip`` paging; a message already
        yielded by this call is not yielded twice.
        """
        state = _ReadState.from_bookmark(bookmark)
        self._next_poll = time.monotonic() + self.poll_seconds  # this read is a poll
        yielded: set[str] = set()
        with ThreadPoolExecutor(MAX_CONCURRENT, thread_name_prefix="graph-mime") as pool:
            while True:
                found = False
                for page in self._pages(state, batch):
                    fresh = [
                        item
                        for item in page
                        if item["id"] not in yielded
                        and (self.policy != "keep" or item["id"] not in state.seen)
                    ]
                    if not fresh:
                        continue
                    found = True
                    messages = [m for m in pool.map(self._fetch_mime, fresh) if m is not None]
                    for item in fresh:
                        yielded.add(item["id"])
                        state.note(item["id"], item["receivedDateTime"])
                    self._since_hint = state.since
                    if messages or self.policy == "keep":
                        yield messages, state.bookmark(self.mailbox, [m.handle for m in messages])
                if not found or self.policy == "keep":
                    if self.policy != "keep":  # the whole inbox was listed
                        self.unreadable.keep_only(yielded)
                    self._report_set_aside()
                    if bookmark is None and not yielded:
                        # An empty inbox at first start: remember that it was read,
                        # so the first customer e-mail is new mail, not backlog.
                        yield [], state.bookmark(self.mailbox, [])
                    return

    def mark_processed(self, handles: Sequence[str], policy: ProcessedPolicy) -> None:
        """Delete or move archived messages; already gone counts as done.

        Every handle is tried; the first failure is raised afterwards, and the
        messages it concerns stay in the inbox to be processed next cycle.
        """
        if policy == "keep" or not handles:
            return
        action: Callable[[str], None]
        if policy == "delete":
            action = self._delete
        else:
            target = "deleteditems" if policy == "trash" else self.folder_id(self.archive_folder)

            def action(handle: str) -> None:
                self._move(handle, target)

        errors: list[GraphError] = []

        def run(handle: str) -> None:
            try:
                action(handle)
            except GraphError as exc:
                errors.append(exc)

        with ThreadPoolExecutor(MAX_CONCURRENT, thread_name_prefix="graph-policy") as pool:
            list(pool.map(run, handles))
        if errors:
            raise errors[0]

    def wait_for_mail(self, timeout: float) -> bool:
        """Look for new mail every ``poll_seconds`` until some shows or ``timeout`` passes.

        The engine calls this in short slices; the poll clock runs across
        calls, so Graph is asked once per ``poll_seconds`` however the waits
        are sliced. Returns True at once when the poll itself fails, so the
        engine's fetch reports the error.
        """
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if now >= deadline:
                return False
            if now >= self._next_poll:
                self._next_poll = now + self.poll_seconds
                try:
                    if self._has_new_mail():
                        return True
                except GraphError:
                    return True
                continue
            if self._closed.wait(min(self._next_poll, deadline) - now):
                return False

    def close(self) -> None:
        """Stop waiting and close the HTTP connections; never raises."""
        self._closed.set()
        self.client.close()

    def leftovers(self, bookmark: Bookmark | None) -> list[str]:
        """Handles of the last archived batch that are still in the inbox.

        That batch was archived with the bookmark, but a crash came before the
        policy ran; the engine applies it now. (With delete, trash and archive
        :meth:`fetch_new` lists them again as well, and ingest skips them.)
        """
        if self.policy == "keep" or bookmark is None or not bookmark.detail.get("batch"):
            return []
        batch = set(json.loads(bookmark.detail["batch"]))
        still: list[str] = []
        url: str | None = "/mailFolders/inbox/messages"
        params: dict[str, str] | None = {"$select": "id", "$top": str(MAX_PAGE)}
        while url:
            body = self.client.get_json(url, what="looking for unprocessed mail", params=params)
            still += [str(i["id"]) for i in body.get("value", []) if i.get("id") in batch]
            link = body.get("@odata.nextLink")
            url, params = (link, None) if isinstance(link, str) else (None, None)
        return still

    def append_sent(self, raw: bytes) -> None:
        """Refuse: Exchange files sent mail in Sent Items itself (see :attr:`can_append_sent`).

        Raises:
            GraphError: always, ``permanent``; a second copy would be a duplicate.
        """
        raise GraphError(
            "Microsoft Graph files sent mail in Sent Items itself; no copy is added",
            kind="protocol",
            permanent=True,
        )

    def sent_has(self, message_id: str) -> bool | None:
        """Is a message with this Message-ID in Sent Items? None: no Message-ID."""
        if not message_id:
            return None
        return self.client.sent_items_has(message_id)

    def describe(self) -> SourceStatus:
        """What Test Connection shows about the read side (after :meth:`connect`)."""
        return SourceStatus(
            True,
            f"Microsoft Graph {self.client.base}: mailbox "
            f"{self.client.user}, polling every {self.poll_seconds:g} s",
            ("graph", "immutable-ids"),
            {
                "inbox": "inbox (well-known)",
                "sent": "sentitems (well-known)",
                "trash": "deleteditems (well-known)",
                "archive": self.archive_folder,
            },
        )

    # -- reading -------------------------------------------------------------

    def _pages(self, state: _ReadState, batch: int) -> Iterator[list[dict[str, str]]]:
        params = {
            "$select": SELECT,
            "$orderby": "receivedDateTime asc",
            "$top": str(max(1, min(batch, MAX_PAGE))),
        }
        if self.policy == "keep" and state.since is not None:
            params["$filter"] = f"receivedDateTime ge {_graph_time(state.since - OVERLAP)}"
        url: str | None = "/mailFolders/inbox/messages"
        first = True
        while url:
            body = self.client.get_json(
                url, what="listing the inbox", params=params if first else None
            )
            first = False
            value = body.get("value", [])
            yield [item for item in value if isinstance(item, dict) and "id" in item]
            next_link = body.get("@odata.nextLink")
            url = next_link if isinstance(next_link, str) else None

    def _fetch_mime(self, item: dict[str, str]) -> FetchedMessage | None:
        handle = item["id"]
        try:
            response = self.client.request(
                "GET",
                f"/messages/{quote(handle, safe='')}/$value",
                what=f"reading message {item.get('internetMessageId') or handle}",
            )
        except GraphNotFound:
            self.unreadable.readable(handle)
            return None  # deleted by someone else since it was listed: nothing to archive
        except _MAILBOX_ERRORS:
            raise
        except GraphError as exc:
            if self.policy == "keep":
                raise
            passes = self.unreadable.failed(handle, str(exc))
            if passes < SET_ASIDE_AFTER:
                raise
            log.warning(
                "message set aside", extra={"id": handle, "passes": passes, "error": str(exc)[:300]}
            )
            return None  # left in the inbox; tried again next pass
        self.unreadable.readable(handle)
        return FetchedMessage(
            f"graph:{self.client.user.lower()}:{handle}", self.mailbox, response.content, handle
        )

    def set_aside(self) -> dict[str, str]:
        """Messages left in the inbox because their MIME could not be read: id -> error."""
        return self.unreadable.set_aside()

    def _report_set_aside(self) -> None:
        aside = self.set_aside()
        if self.inbox_health is None or (not aside and not self.unreadable.reported):
            return
        self.unreadable.reported = bool(aside)
        with contextlib.suppress(Exception):  # health must never break the mail flow
            if aside:
                first = next(iter(aside.values()))
                self.inbox_health(
                    "warn",
                    f"{len(aside)} message(s) could not be read after "
                    f"{SET_ASIDE_AFTER} tries; left in the inbox and tried "
                    f"again each pass; the mail after them flows. {first}",
                )
            else:
                self.inbox_health("ok", "every message in the inbox could be read")

    def _has_new_mail(self) -> bool:
        params = {
            "$select": "id,receivedDateTime",
            "$orderby": "receivedDateTime desc",
            "$top": "1",
        }
        body = self.client.get_json(
            "/mailFolders/inbox/messages", what="looking for new mail", params=params
        )
        value = body.get("value") or []
        if not value:
            return False
        if self.policy != "keep" or self._since_hint is None:
            return True
        return _parse_time(str(value[0].get("receivedDateTime"))) > self._since_hint

    # -- processing -------------------------------------------------------------

    def _delete(self, handle: str) -> None:
        # Already deleted counts as done: a run before a crash got that far.
        with contextlib.suppress(GraphNotFound):
            self.client.request(
                "DELETE",
                f"/messages/{quote(handle, safe='')}",
                what="deleting a processed message",
                ok=(204,),
            )

    def _move(self, handle: str, folder: str) -> None:
        path = f"/messages/{quote(handle, safe='')}"
        for attempt in range(2):
            try:
                self.client.request(
                    "POST",
                    f"{path}/move",
                    what="moving a processed message",
                    json={"destinationId": folder},
                    ok=(201, 200),
                )
                return
            except GraphNotFound:
                try:
                    self.client.get_json(
                        path, what="checking a processed message", params={"$select": "id"}
                    )
                except GraphNotFound:
                    return  # deleted already, e.g. by a person: nothing left to move
                if folder == "deleteditems" or attempt:
                    raise
                # The message is there, so the folder is what went missing
                # (deleted by a person): find or create it again.
                self._folder_ids.pop(self.archive_folder, None)
                folder = self.folder_id(self.archive_folder)

    def folder_id(self, path: str) -> str:
        """The id of the folder at ``path`` (``A/B``) under the mailbox root; created if missing."""
        if path in self._folder_ids:
            return self._folder_ids[path]
        parent = "msgfolderroot"
        for name in [p for p in path.split("/") if p]:
            parent = self._child_folder(parent, name)
        self._folder_ids[path] = parent
        return parent

    def _child_folder(self, parent: str, name: str) -> str:
        children = f"/mailFolders/{quote(parent, safe='')}/childFolders"
        literal = name.replace("'", "''")
        for attempt in range(2):
            found = self.client.get_json(
                children,
                what=f"looking for folder {name!r}",
                params={"$filter": f"displayName eq '{literal}'"},
            )
            for folder in found.get("value", []):
                if str(folder.get("displayName", "")).lower() == name.lower():
                    return str(folder["id"])
            try:
                created = self.client.request(
                    "POST",
                    children,
                    what=f"creating folder {name!r}",
                    json={"displayName": name},
                    ok=(201,),
                    idempotent=False,
                )
            except GraphError as exc:
                if exc.status == 409 and attempt == 0:
                    continue  # created meanwhile by someone else: look again
                raise
            return str(created.json()["id"])
        raise GraphError(f"creating folder {name!r}: it exists but cannot be found")
