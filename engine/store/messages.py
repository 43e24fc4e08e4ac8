"""SQL of the archive: ``messages`` (parsed fields), ``raw_messages`` (the bytes), the index.

Every e-mail received and sent is a row here, kept for good; raw bytes are
stored exactly as received or sent. Writes join the caller's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from engine.store.db import Store
from engine.store.dialect import marks
from engine.store.migrations import address_key, correspondent_rows, message_address_keys

COLUMNS = (
    "id, direction, conversation_id, message_id, subject, from_name, from_address, "
    "to_json, cc_json, date, received, body_text, body_html, attachments_json, "
    "problems_json, source, size, attachments_measured"
)


@dataclass(frozen=True)
class NewMessage:
    """Everything archived about one message, as the ``messages`` row holds it."""

    direction: str
    source_key: str
    source: str
    content_hash: str
    raw: bytes
    message_id: str
    in_reply_to: str
    references: Sequence[str]
    subject: str
    from_name: str
    from_address: str
    to: Sequence[str]
    cc: Sequence[str]
    recipients: Sequence[str]
    #: Names and addresses, space-separated, for the full-text index.
    addresses: str
    date: str | None
    received: str
    body_text: str
    body_html: str
    attachments: Sequence[dict[str, object]]
    headers: dict[str, str]
    problems: Sequence[str]
    conversation_id: int | None


def insert(store: Store, message: NewMessage) -> int:
    """Archive one message and its bytes (joins an open transaction); its archive id."""
    with store.transaction() as conn:
        row = conn.execute(
            "INSERT INTO messages (direction, source_key, source, content_hash, size, "
            "message_id, in_reply_to, references_json, subject, from_name, from_address, "
            "to_json, cc_json, recipients_json, addresses, date, received, body_text, "
            "body_html, attachments_json, headers_json, problems_json, conversation_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            (
                message.direction,
                message.source_key,
                message.source,
                message.content_hash,
                len(message.raw),
                message.message_id,
                message.in_reply_to,
                json.dumps(list(message.references)),
                message.subject,
                message.from_name,
                message.from_address,
                json.dumps(list(message.to)),
                json.dumps(list(message.cc)),
                json.dumps(list(message.recipients)),
                message.addresses,
                message.date,
                message.received,
                message.body_text,
                message.body_html,
                json.dumps(list(message.attachments), ensure_ascii=False),
                json.dumps(message.headers, ensure_ascii=False),
                json.dumps(list(message.problems), ensure_ascii=False),
                message.conversation_id,
            ),
        ).fetchone()
        archive_id = int(row[0])
        conn.execute(
            "INSERT INTO raw_messages (message, raw) VALUES (?, ?)", (archive_id, message.raw)
        )
        keys = message_address_keys(message.from_address, list(message.to), list(message.cc))
        conn.executemany(
            "INSERT INTO message_addresses (address, message) VALUES (?, ?)",
            [(key, archive_id) for key in keys],
        )
        if message.conversation_id is not None:
            found = correspondent_rows(
                message.direction,
                message.from_name,
                message.from_address,
                list(message.to),
                list(message.cc),
            )
            conn.executemany(
                "INSERT INTO correspondents (address_key, address, name, name_key, message, "
                "conversation_id, service_group) VALUES (?, ?, ?, ?, ?, ?, "
                "(SELECT service_group FROM conversations WHERE id = ?))",
                [
                    (*row, archive_id, message.conversation_id, message.conversation_id)
                    for row in found
                ],
            )
    return archive_id


def by_source_key(store: Store, source_key: str) -> sqlite3.Row | None:
    """The archived message with this dedupe key, with its conversation's route and state."""
    return store.query_one(
        "SELECT m.id, m.conversation_id, c.state, c.service_access, c.service_group "
        "FROM messages m LEFT JOIN conversations c ON c.id = m.conversation_id "
        "WHERE m.source_key = ?",
        (source_key,),
    )


def conversation_of_message_id(store: Store, message_id: str) -> int | None:
    """The conversation holding an archived message with this Message-ID (ours first)."""
    row = store.query_one(
        "SELECT conversation_id FROM messages WHERE message_id = ? AND conversation_id "
        "IS NOT NULL ORDER BY direction = 'out' DESC, id DESC LIMIT 1",
        (message_id,),
    )
    return int(row[0]) if row is not None else None


def conversation_of(store: Store, archive_id: int) -> int | None:
    """The conversation an archived message belongs to (None: none, or no such message)."""
    row = store.query_one("SELECT conversation_id FROM messages WHERE id = ?", (archive_id,))
    return int(row[0]) if row is not None and row[0] is not None else None


def has_incoming_content(store: Store, source: str, content_hash: str) -> bool:
    """Whether an incoming message with these bytes from this source is archived."""
    row = store.query_one(
        "SELECT 1 FROM messages WHERE direction = 'in' AND source = ? AND content_hash = ? LIMIT 1",
        (source, content_hash),
    )
    return row is not None


def get(store: Store, archive_id: int) -> sqlite3.Row | None:
    """One archived message's row (see :data:`COLUMNS`)."""
    return store.query_one(f"SELECT {COLUMNS} FROM messages WHERE id = ?", (archive_id,))


def head(store: Store, archive_id: int, chars: int) -> sqlite3.Row | None:
    """One archived message's row with only the first ``chars`` characters of each body.

    Beside :data:`COLUMNS`, ``text_bytes`` and ``html_bytes`` hold the UTF-8 size of
    each whole body. A 25 MB body is never read to show its beginning.
    """
    return store.query_one(
        f"SELECT {_head_columns(store)} FROM messages WHERE id = ?", (chars, chars, archive_id)
    )


def heads_of_conversation(store: Store, conversation_id: int, chars: int) -> list[sqlite3.Row]:
    """Every message of a conversation as :func:`head` gives one, oldest first."""
    return store.query(
        f"SELECT {_head_columns(store)} FROM messages WHERE conversation_id = ? "
        "ORDER BY received, id",
        (chars, chars, conversation_id),
    )


def _head_columns(store: Store) -> str:
    """:data:`COLUMNS` with each body cut to its first ``?`` characters (the parameter
    twice), and ``text_bytes`` / ``html_bytes``: the UTF-8 size of each whole body."""
    size = store.dialect.byte_length
    columns = COLUMNS.replace(
        "body_text, body_html",
        "substr(body_text, 1, ?) AS body_text, substr(body_html, 1, ?) AS body_html",
    )
    return f"{columns}, {size('body_text')} AS text_bytes, {size('body_html')} AS html_bytes"


def set_attachments(
    store: Store, archive_id: int, attachments: Sequence[dict[str, object]]
) -> None:
    """Record a message's attachments as measured from its raw bytes (decoded sizes)."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE messages SET attachments_json = ?, attachments_measured = 1 WHERE id = ?",
            (json.dumps(list(attachments), ensure_ascii=False), archive_id),
        )


def raw(store: Store, archive_id: int) -> bytes | None:
    """The message's bytes exactly as received or sent."""
    row = store.query_one("SELECT raw FROM raw_messages WHERE message = ?", (archive_id,))
    return bytes(row[0]) if row else None


def recipients_of(store: Store, archive_id: int) -> list[str]:
    """The recipient addresses routing read from one archived message."""
    row = store.query_one("SELECT recipients_json FROM messages WHERE id = ?", (archive_id,))
    return list(json.loads(row[0] or "[]")) if row else []


def replace_content(
    store: Store,
    archive_id: int,
    *,
    raw: bytes,
    body_text: str,
    body_html: str,
    content_hash: str,
) -> None:
    """Rewrite an outgoing message not yet sent (a supervisor's edit); joins a transaction."""
    with store.transaction() as conn:
        conn.execute("UPDATE raw_messages SET raw = ? WHERE message = ?", (raw, archive_id))
        conn.execute(
            "UPDATE messages SET body_text = ?, body_html = ?, size = ?, content_hash = ? "
            "WHERE id = ? AND direction = 'out'",
            (body_text, body_html, len(raw), content_hash, archive_id),
        )


def search(
    store: Store,
    query: str,
    *,
    limit: int,
    offset: int,
    groups: Sequence[str] | None = None,
) -> list[sqlite3.Row]:
    """Messages matching a full-text query (see :func:`engine.archive.fts_query`), newest first.

    With ``groups``, only messages of conversations now in one of those service
    groups (an agent's search); without, every message (supervisors, the CLI).
    """
    if groups is None:
        return store.query(
            f"SELECT {COLUMNS} FROM messages WHERE id IN ({store.dialect.fts_ids()} "
            "LIMIT ? OFFSET ?) ORDER BY id DESC",
            (query, limit, offset),
        )
    if not groups:
        return []
    return store.query(
        f"SELECT {COLUMNS} FROM messages WHERE id IN (SELECT m.id FROM messages m "
        "JOIN conversations c ON c.id = m.conversation_id "
        f"WHERE c.service_group IN ({marks(groups)}) AND m.id IN ({store.dialect.fts_ids()})) "
        "ORDER BY id DESC LIMIT ? OFFSET ?",
        (*groups, query, limit, offset),
    )


def of_conversation(store: Store, conversation_id: int) -> list[sqlite3.Row]:
    """Every message of a conversation, both directions, oldest first."""
    return store.query(
        f"SELECT {COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY received, id",
        (conversation_id,),
    )


def of_customer(
    store: Store,
    address: str,
    groups: Sequence[str],
    *,
    exclude_conversation: int | None = None,
    limit: int,
) -> list[sqlite3.Row]:
    """Messages from, to or cc'd to exactly ``address`` (any case), newest first.

    Only messages of conversations now in one of ``groups``; never those of
    ``exclude_conversation``. A message without a conversation is never listed.
    """
    key = address_key(address)
    if not key or not groups:
        return []
    return store.query(
        f"SELECT {COLUMNS} FROM messages WHERE id IN (SELECT a.message FROM message_addresses a "
        "JOIN messages m ON m.id = a.message JOIN conversations c ON c.id = m.conversation_id "
        f"WHERE a.address = ? AND c.service_group IN ({marks(groups)}) AND c.id <> ?) "
        "ORDER BY id DESC LIMIT ?",
        (key, *groups, -1 if exclude_conversation is None else exclude_conversation, limit),
    )


def correspondents(store: Store, group: str, typed: str, *, limit: int) -> list[sqlite3.Row]:
    """Addresses of ``group``'s archive whose address or display name starts with ``typed``.

    The archive is the messages of conversations now in ``group``: who wrote
    to it and whom it wrote to (:func:`~engine.store.migrations.correspondent_rows`).
    ``typed`` is matched literally, in any case (``%`` and ``_`` are no wildcards).
    Most messages first, then the most recent.

    Returns:
        At most ``limit`` rows of ``address``, ``name`` (the newest name given
        with it, or empty), ``uses`` (messages) and ``newest`` (archive id).
    """
    key = address_key(typed)
    if not key:
        return []
    by_address, address_params = store.dialect.starts_with("address_key", key)
    by_name, name_params = store.dialect.starts_with("name_key", key)
    # Each way of matching is a range of its own index (an OR of both scans the table).
    ranked = store.query(
        "SELECT address_key, COUNT(*) AS uses, MAX(message) AS newest FROM ("
        "SELECT address_key, message FROM correspondents "
        f"WHERE service_group = ? AND {by_address} "
        "UNION SELECT address_key, message FROM correspondents "
        f"WHERE service_group = ? AND {by_name} AND name_key <> '') "
        "GROUP BY address_key ORDER BY uses DESC, newest DESC LIMIT ?",
        (group, *address_params, group, *name_params, limit),
    )
    found = []
    for row in ranked:
        shown = store.query_one(
            "SELECT address, name, ? AS uses, ? AS newest FROM correspondents "
            "WHERE address_key = ? AND service_group = ? "
            "ORDER BY name <> '' DESC, message DESC LIMIT 1",
            (row["uses"], row["newest"], row["address_key"], group),
        )
        if shown is not None:
            found.append(shown)
    return found


def counts(store: Store) -> sqlite3.Row:
    """(incoming, outgoing) message counts."""
    row = store.query_one(
        "SELECT (SELECT COUNT(*) FROM messages WHERE direction = 'in'), "
        "(SELECT COUNT(*) FROM messages WHERE direction = 'out')"
    )
    assert row is not None
    return row
