"""Archive and route incoming e-mail: the one path every source goes through.

``micc import``, the IMAP connector and the Graph connector all hand raw
messages to :func:`ingest`. Each batch is archived (raw bytes verbatim plus
parsed fields), routed and queued in a single transaction, keyed by the
message's ``source_key``: running the same batch twice changes nothing, so a
crash at any point can simply be retried. Only after this returns may the
caller touch the mail server.

One message never stops the others. Each is archived inside its own
savepoint: if reading, routing, archiving or a hook fails for it, whatever it
wrote is undone and its raw bytes are archived again, unrouted, with the
failure as the reason (the supervisor's Problems list shows it); the batch
goes on. Only a failure of the store itself (a full disk, a lock that never
came) stops a batch, and then nothing of it is committed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from engine import lifecycle
from engine.access import active_accesses
from engine.archive import ArchivedIncoming, archive_incoming
from engine.autoreply import confirm
from engine.config import Config
from engine.mail.parse import ParsedMessage, cleaned_fields, parse_message, unparsed
from engine.mail.subjects import bare_subject, same_thread_subject
from engine.ports import FetchedMessage
from engine.router import UNROUTED, ActiveAccess, Route, route
from engine.store import Store, conversations, messages, now_iso


@dataclass(frozen=True)
class IngestResult:
    """What happened to one incoming message."""

    source_key: str
    duplicate: bool
    message: int | None
    conversation_id: int | None
    route: Route
    state: str
    problems: tuple[str, ...] = ()
    #: Why this message could not be ingested normally (it is archived raw,
    #: unrouted, with this as the reason); empty when all went well.
    error: str = ""


#: Called inside the ingest transaction for each newly archived message
#: (e.g. to queue an automatic confirmation in the same transaction).
AfterArchive = Callable[[Store, ArchivedIncoming], None]


def ingest(
    store: Store,
    config: Config,
    items: Sequence[FetchedMessage],
    *,
    backlog: bool = False,
    after_archive: Sequence[AfterArchive] | None = None,
) -> list[IngestResult]:
    """Archive, route and queue ``items`` in one transaction; skip ones already archived.

    Args:
        store: the store (this thread's connection).
        config: the tenant, for service accesses and groups.
        items: raw messages with their dedupe keys.
        backlog: these messages were already in the mailbox at first start
            (hooks use it, e.g. to send no confirmations for old mail).
        after_archive: hooks run in the transaction for each new message; by
            default, queueing the service access's automatic confirmation.

    Returns:
        One result per item, in order.
    """
    safe_items = [_safe_keys(item) for item in items]
    parsed = [_parse(item) for item in safe_items]
    hooks = default_hooks(config) if after_archive is None else after_archive
    window = timedelta(days=config.conversations.follow_up_window_days)
    joins_since = (datetime.now(UTC) - window).isoformat(timespec="microseconds")
    with store.transaction():
        accesses = active_accesses(store, config)
        results = []
        for item, message in zip(safe_items, parsed, strict=True):
            results.append(
                _ingest_isolated(store, accesses, item, message, backlog, hooks, joins_since)
            )
    return results


def default_hooks(config: Config) -> list[AfterArchive]:
    """What every ingested e-mail goes through after archiving: automatic confirmations."""

    def automatic_confirmation(store: Store, item: ArchivedIncoming) -> None:
        confirm(config, store, item)

    return [automatic_confirmation]


@dataclass(frozen=True)
class _Failed:
    """A step that failed for one message, and how."""

    step: str
    error: Exception

    @property
    def reason(self) -> str:
        text = _clean(str(self.error)).strip() or "no details"
        return (
            f"{self.error.__class__.__name__} while the message was being {self.step}: "
            f"{text[:300]}; kept as received (raw bytes archived), not routed"
        )


class _Progress:
    """The step one message is at, so that a failure can say where it happened."""

    step = "read"


def _parse(item: FetchedMessage) -> ParsedMessage | _Failed:
    try:
        return parse_message(item.raw)
    except Exception as exc:  # parse_message promises never to raise; do not trust it
        return _Failed("parsed", exc)


def _ingest_isolated(
    store: Store,
    accesses: Sequence[ActiveAccess],
    item: FetchedMessage,
    message: ParsedMessage | _Failed,
    backlog: bool,
    hooks: Sequence[AfterArchive],
    joins_since: str,
) -> IngestResult:
    """Ingest one message in its own savepoint; park it unrouted when that fails."""
    existing = messages.by_source_key(store, item.source_key)
    if existing is not None:
        return IngestResult(
            item.source_key,
            True,
            existing[0],
            existing[1],
            Route(existing[3], existing[4]),
            existing[2] or "",
        )
    if isinstance(message, _Failed):
        return _park(store, item, None, message)
    progress = _Progress()
    try:
        with store.savepoint():
            return _ingest_one(
                store, accesses, item, message, backlog, hooks, progress, joins_since
            )
    except Exception as exc:
        if store.is_store_failure(exc):
            raise
        return _park(store, item, message, _Failed(progress.step, exc))


def _ingest_one(
    store: Store,
    accesses: Sequence[ActiveAccess],
    item: FetchedMessage,
    message: ParsedMessage,
    backlog: bool,
    hooks: Sequence[AfterArchive],
    progress: _Progress,
    joins_since: str,
) -> IngestResult:
    progress.step = "routed"
    decision = route(message.recipients, accesses)
    conversation = _thread_of(store, message)
    joined: dict[str, object] = {}
    if conversation is None and decision.service_group:
        conversation = _follow_up_of(store, message, decision.service_group, joins_since)
        if conversation is not None:
            joined = {"joined_by": "subject"}
    new_conversation = conversation is None
    if conversation is None:
        conversation, _ = lifecycle.open_conversation(
            store,
            subject=message.subject,
            customer_name=message.from_name,
            customer_address=message.from_address,
            route=decision,
            unrouted_reason=_unrouted_reason(message),
        )
    else:
        # A reply in a thread stays with its conversation's access and group.
        row = conversations.current(store, conversation)
        assert row is not None
        decision = Route(row["service_access"], row["service_group"], decision.matched_address)
    progress.step = "archived"
    archive_id = archive_incoming(store, item, message, conversation, now_iso())
    state = lifecycle.message_arrived(
        store,
        conversation,
        archive_id,
        new_conversation=new_conversation,
        source=item.source,
        service_access=decision.service_access,
        service_group=decision.service_group,
        matched=decision.matched_address,
        **joined,
    )
    archived = ArchivedIncoming(
        archive_id, conversation, message, decision, new_conversation, backlog
    )
    for hook in hooks:
        progress.step = f"handled by {getattr(hook, '__name__', 'a hook')}"
        hook(store, archived)
    return IngestResult(
        item.source_key,
        False,
        archive_id,
        conversation,
        decision,
        str(state),
        message.problems,
    )


def _park(
    store: Store, item: FetchedMessage, message: ParsedMessage | None, failure: _Failed
) -> IngestResult:
    """Archive a message that could not be ingested: raw bytes, unrouted, the reason.

    What was parsed is kept where it can be stored (cleaned of what cannot be);
    if even that fails, only the raw bytes and the reason are.
    """
    reason = failure.reason
    attempts = [unparsed(item.raw, reason)]  # nothing but the reason, beside the raw bytes
    if message is not None:
        attempts.insert(0, _salvaged(message, reason))
    for n, attempt in enumerate(attempts, 1):
        try:
            with store.savepoint():
                return _archive_unrouted(store, item, attempt, reason)
        except Exception as exc:
            if store.is_store_failure(exc) or n == len(attempts):
                raise
    raise AssertionError("unreachable")


def _archive_unrouted(
    store: Store, item: FetchedMessage, message: ParsedMessage, reason: str
) -> IngestResult:
    conversation, _ = lifecycle.open_conversation(
        store,
        subject=message.subject,
        customer_name=message.from_name,
        customer_address=message.from_address,
        route=UNROUTED,
        unrouted_reason=reason,
    )
    archive_id = archive_incoming(store, item, message, conversation, now_iso())
    state = lifecycle.message_arrived(
        store,
        conversation,
        archive_id,
        new_conversation=True,
        source=item.source,
        service_access=None,
        service_group=None,
        matched=None,
        problem=reason,
    )
    return IngestResult(
        item.source_key,
        False,
        archive_id,
        conversation,
        UNROUTED,
        str(state),
        message.problems,
        reason,
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    """``text`` as the store can keep it: raw bytes that slipped in as surrogates decoded.

    8-bit bytes escaped as U+DC80..U+DCFF are read back as UTF-8 (U+FFFD where
    they are not); any other lone surrogate becomes U+FFFD.
    """
    if not _SURROGATE.search(text):
        return text
    data = bytearray()
    for ch in text:
        if "\udc80" <= ch <= "\udcff":
            data.append(ord(ch) - 0xDC00)
        elif "\ud800" <= ch <= "\udfff":
            data += "\ufffd".encode()
        else:
            data += ch.encode()
    return data.decode("utf-8", errors="replace")


def _safe_keys(item: FetchedMessage) -> FetchedMessage:
    """``item`` with a dedupe key and source the store can keep (a file name may hold any bytes)."""
    key, source = _clean(item.source_key), _clean(item.source)
    if (key, source) == (item.source_key, item.source):
        return item
    return dataclasses.replace(item, source_key=key, source=source)


def _salvaged(message: ParsedMessage, reason: str) -> ParsedMessage:
    """What was parsed, every text cleaned, the reason among the problems."""
    cleaned = cleaned_fields(message, _clean)
    return dataclasses.replace(cleaned, problems=(*cleaned.problems, reason))


def _unrouted_reason(message: ParsedMessage) -> str:
    if not message.recipients:
        why = "; ".join(message.problems[:2]) or "the message names no recipient"
        return f"no recipient address could be read ({why})"
    return "no active service access matches " + ", ".join(message.recipients[:5])


def _thread_of(store: Store, message: ParsedMessage) -> int | None:
    """The conversation this message answers, found through its threading headers."""
    ids = [i for i in (message.in_reply_to, *reversed(message.references)) if i]
    for message_id in dict.fromkeys(ids):
        found = messages.conversation_of_message_id(store, message_id)
        if found is not None:
            return found
    return None


def _follow_up_of(store: Store, message: ParsedMessage, group: str, since: str) -> int | None:
    """The customer's conversation in ``group`` this message follows up without headers.

    The same sender and the same subject under any reply prefix, while the
    conversation is open, or answered or closed since ``since``; the newest.
    """
    if not message.from_address or not bare_subject(message.subject):
        return None
    candidates = conversations.of_customer_in_group(
        store,
        message.from_address,
        group,
        states=[str(s) for s in lifecycle.FOLLOW_UPS_JOIN],
        recent_states=[str(s) for s in lifecycle.REOPENED_BY_CUSTOMER],
        since=since,
    )
    return next(
        (int(row[0]) for row in candidates if same_thread_subject(row[1], message.subject)),
        None,
    )


__all__ = ["AfterArchive", "ArchivedIncoming", "IngestResult", "default_hooks", "ingest"]
