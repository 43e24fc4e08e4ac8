"""Archive and route incoming e-mail: the one path every source goes through.

``micc import``, the IMAP connector and the Graph connector all hand raw
messages to :func:`ingest`. Each batch is archived (raw bytes verbatim plus
parsed fields), routed and queued in a single transaction, keyed by the
message's ``source_key``: running the same batch twice changes nothing, so a
crash at any point can simply be retried. Only after this returns may the
caller touch the mail server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine import lifecycle
from engine.access import active_accesses
from engine.archive import ArchivedIncoming, archive_incoming
from engine.autoreply import confirm
from engine.config import Config
from engine.mail.parse import ParsedMessage, parse_message
from engine.ports import FetchedMessage
from engine.router import ActiveAccess, Route, route
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
    parsed = [parse_message(item.raw) for item in items]
    hooks = default_hooks(config) if after_archive is None else after_archive
    with store.transaction():
        accesses = active_accesses(store, config)
        results = []
        for item, message in zip(items, parsed, strict=True):
            results.append(_ingest_one(store, accesses, item, message, backlog, hooks))
    return results


def default_hooks(config: Config) -> list[AfterArchive]:
    """What every ingested e-mail goes through after archiving: automatic confirmations."""
    return [lambda store, item: confirm(config, store, item)]


def _ingest_one(
    store: Store,
    accesses: Sequence[ActiveAccess],
    item: FetchedMessage,
    message: ParsedMessage,
    backlog: bool,
    hooks: Sequence[AfterArchive],
) -> IngestResult:
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
    decision = route(message.recipients, accesses)
    conversation = _thread_of(store, message)
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
    )
    archived = ArchivedIncoming(
        archive_id, conversation, message, decision, new_conversation, backlog
    )
    for hook in hooks:
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


__all__ = ["AfterArchive", "ArchivedIncoming", "IngestResult", "default_hooks", "ingest"]
