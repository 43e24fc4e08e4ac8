"""Archive and route incoming e-mail: the one path every source goes through.

``micc import``, the IMAP connector and the Graph connector all hand raw
messages to :func:`ingest`. Each batch is archived (raw bytes verbatim plus
parsed fields), routed and queued in a single transaction, keyed by the
message's ``source_key``: running the same batch twice changes nothing, so a
crash at any point can simply be retried. Only after this returns may the
caller touch the mail server.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.access import active_accesses
from engine.config import Config
from engine.mail.parse import ParsedMessage, parse_message
from engine.ports import FetchedMessage
from engine.router import ActiveAccess, Route, route
from engine.store import Store, now_iso

#: States a customer's new message re-opens: the conversation goes back in the queue.
REOPENED_STATES = ("answered", "closed")


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
AfterArchive = Callable[[Store, "ArchivedIncoming"], None]


@dataclass(frozen=True)
class ArchivedIncoming:
    """A message just archived and routed, for hooks run in the same transaction."""

    message: int
    conversation_id: int
    parsed: ParsedMessage
    route: Route
    new_conversation: bool
    backlog: bool


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
    with store.transaction() as conn:
        accesses = active_accesses(store, config)
        results = []
        for item, message in zip(items, parsed, strict=True):
            results.append(_ingest_one(store, conn, accesses, item, message, backlog, hooks))
    return results


def default_hooks(config: Config) -> list[AfterArchive]:
    """What every ingested e-mail goes through after archiving: automatic confirmations."""
    # Imported here: the confirmation path uses the outbox, which archives
    # through this module.
    from engine.autoreply import confirm

    return [lambda store, item: confirm(config, store, item)]


def _ingest_one(
    store: Store,
    conn: sqlite3.Connection,
    accesses: Sequence[ActiveAccess],
    item: FetchedMessage,
    message: ParsedMessage,
    backlog: bool,
    hooks: Sequence[AfterArchive],
) -> IngestResult:
    existing = conn.execute(
        "SELECT m.id, m.conversation_id, c.state, c.service_access, c.service_group "
        "FROM messages m LEFT JOIN conversations c ON c.id = m.conversation_id "
        "WHERE m.source_key = ?",
        (item.source_key,),
    ).fetchone()
    if existing is not None:
        return IngestResult(
            item.source_key,
            True,
            existing[0],
            existing[1],
            Route(existing[3], existing[4]),
            existing[2] or "",
        )
    stamp = now_iso()
    decision = route(message.recipients, accesses)
    conversation = _thread_of(conn, message)
    new_conversation = conversation is None
    if conversation is None:
        state, reason = _initial_state(message, decision)
        conversation = conn.execute(
            "INSERT INTO conversations (subject, customer_name, customer_address, "
            "service_access, service_group, state, reason, created, updated, received) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                message.subject,
                message.from_name,
                message.from_address,
                decision.service_access,
                decision.service_group,
                state,
                reason,
                stamp,
                stamp,
                stamp,
            ),
        ).lastrowid
        assert conversation is not None
    else:
        row = conn.execute(
            "SELECT state, service_access, service_group FROM conversations WHERE id = ?",
            (conversation,),
        ).fetchone()
        state = "queued" if row[0] in REOPENED_STATES else row[0]
        decision = Route(row[1], row[2], decision.matched_address)
        conn.execute(
            "UPDATE conversations SET state = ?, updated = ?, received = CASE WHEN ? THEN ? "
            "ELSE received END, agent_id = CASE WHEN ? THEN NULL ELSE agent_id END "
            "WHERE id = ?",
            (state, stamp, row[0] != state, stamp, row[0] in REOPENED_STATES, conversation),
        )
    message_row = _archive(conn, item, message, conversation, "in", stamp)
    conn.execute(
        "UPDATE conversations SET last_message = ? WHERE id = ?", (message_row, conversation)
    )
    _event(
        conn,
        stamp,
        "received",
        conversation,
        message_row,
        {
            "source": item.source,
            "service_access": decision.service_access,
            "service_group": decision.service_group,
            "matched": decision.matched_address,
            "state": state,
            "new_conversation": new_conversation,
        },
    )
    archived = ArchivedIncoming(
        message_row, conversation, message, decision, new_conversation, backlog
    )
    for hook in hooks:
        hook(store, archived)
    return IngestResult(
        item.source_key, False, message_row, conversation, decision, state, message.problems
    )


def _initial_state(message: ParsedMessage, decision: Route) -> tuple[str, str]:
    if decision.routed:
        return "queued", ""
    if not message.recipients:
        why = "; ".join(message.problems[:2]) or "the message names no recipient"
        return "unrouted", f"no recipient address could be read ({why})"
    return "unrouted", "no active service access matches " + ", ".join(message.recipients[:5])


def _thread_of(conn: sqlite3.Connection, message: ParsedMessage) -> int | None:
    """The conversation this message answers, found through its threading headers."""
    ids = [i for i in (message.in_reply_to, *reversed(message.references)) if i]
    for message_id in dict.fromkeys(ids):
        row = conn.execute(
            "SELECT conversation_id FROM messages WHERE message_id = ? AND conversation_id "
            "IS NOT NULL ORDER BY direction = 'out' DESC, id DESC LIMIT 1",
            (message_id,),
        ).fetchone()
        if row is not None:
            return int(row[0])
    return None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _archive(
    conn: sqlite3.Connection,
    item: FetchedMessage,
    message: ParsedMessage,
    conversation: int | None,
    direction: str,
    stamp: str,
) -> int:
    addresses = " ".join(
        dict.fromkeys(
            a
            for a in (
                message.from_name,
                message.from_address,
                *message.to,
                *message.cc,
                *message.recipients,
            )
            if a
        )
    )
    row = conn.execute(
        "INSERT INTO messages (direction, source_key, source, content_hash, size, message_id, "
        "in_reply_to, references_json, subject, from_name, from_address, to_json, cc_json, "
        "recipients_json, addresses, date, received, body_text, body_html, attachments_json, "
        "headers_json, problems_json, conversation_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            direction,
            item.source_key,
            item.source,
            message.content_hash,
            len(item.raw),
            message.message_id,
            message.in_reply_to,
            json.dumps(list(message.references)),
            message.subject,
            message.from_name,
            message.from_address,
            json.dumps(list(message.to)),
            json.dumps(list(message.cc)),
            json.dumps(list(message.recipients)),
            addresses,
            _iso(message.date),
            stamp,
            message.body_text,
            message.body_html,
            json.dumps([a.__dict__ for a in message.attachments], ensure_ascii=False),
            json.dumps(_kept_headers(message.headers), ensure_ascii=False),
            json.dumps(list(message.problems), ensure_ascii=False),
            conversation,
        ),
    ).lastrowid
    assert row is not None
    conn.execute("INSERT INTO raw_messages (message, raw) VALUES (?, ?)", (row, item.raw))
    return row


#: Headers kept beside the raw bytes for display and loop protection.
_KEPT = (
    "auto-submitted",
    "precedence",
    "x-loop",
    "list-id",
    "x-auto-response-suppress",
    "return-path",
    "delivered-to",
    "x-original-to",
    "content-type",
    "x-mailer",
)


def _kept_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v[:500] for k, v in headers.items() if k in _KEPT}


def _event(
    conn: sqlite3.Connection,
    at: str,
    kind: str,
    conversation: int | None,
    message: int | None,
    detail: dict[str, object],
    agent: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO events (at, kind, conversation_id, message, agent_id, detail_json) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (at, kind, conversation, message, agent, json.dumps(detail, ensure_ascii=False)),
    )


def archive_outgoing(
    store: Store, conversation: int | None, source_key: str, raw: bytes, source: str = "outbox"
) -> int:
    """Archive a message we send, linked to its conversation; joins an open transaction.

    Returns the archive id; archiving the same ``source_key`` again returns the first id.
    """
    message = parse_message(raw)
    with store.transaction() as conn:
        existing = conn.execute(
            "SELECT id FROM messages WHERE source_key = ?", (source_key,)
        ).fetchone()
        if existing is not None:
            return int(existing[0])
        item = FetchedMessage(source_key, source, raw)
        return _archive(conn, item, message, conversation, "out", now_iso())
