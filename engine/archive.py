"""The archive: every e-mail received and sent, searchable, kept verbatim."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from engine.store import Store


@dataclass(frozen=True)
class ArchivedMessage:
    """One archived e-mail (either direction) with its parsed fields."""

    id: int
    direction: str
    conversation_id: int | None
    message_id: str
    subject: str
    from_name: str
    from_address: str
    to: list[str]
    cc: list[str]
    date: str | None
    received: str
    body_text: str
    body_html: str
    attachments: list[dict[str, Any]]
    problems: list[str]
    source: str
    size: int

    def to_json(self, *, with_body: bool = True) -> dict[str, Any]:
        """The message as ``--json`` prints it."""
        data = asdict(self)
        if not with_body:
            data.pop("body_text")
            data.pop("body_html")
        return data


_COLUMNS = (
    "id, direction, conversation_id, message_id, subject, from_name, from_address, "
    "to_json, cc_json, date, received, body_text, body_html, attachments_json, "
    "problems_json, source, size"
)


def _message(row: Any) -> ArchivedMessage:
    return ArchivedMessage(
        row["id"],
        row["direction"],
        row["conversation_id"],
        row["message_id"],
        row["subject"],
        row["from_name"],
        row["from_address"],
        json.loads(row["to_json"]),
        json.loads(row["cc_json"]),
        row["date"],
        row["received"],
        row["body_text"],
        row["body_html"],
        json.loads(row["attachments_json"]),
        json.loads(row["problems_json"]),
        row["source"],
        row["size"],
    )


def fts_query(text: str) -> str:
    """Quote each word of a person's query for FTS5 (``ORD-054321`` is a term, not syntax).

    A trailing ``*`` on a word keeps prefix search.
    """
    terms = []
    for word in re.findall(r'[^\s"]+', text):
        prefix = word.endswith("*") and len(word) > 1
        word = word.rstrip("*")
        if word:
            terms.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(terms)


def search(store: Store, text: str, *, limit: int = 20, offset: int = 0) -> list[ArchivedMessage]:
    """Messages whose subject, body or addresses hold every word of ``text``, newest first."""
    query = fts_query(text)
    if not query:
        return []
    rows = store.query(
        f"SELECT {_COLUMNS} FROM messages WHERE id IN (SELECT rowid FROM messages_fts "
        "WHERE messages_fts MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?) ORDER BY id DESC",
        (query, limit, offset),
    )
    return [_message(r) for r in rows]


def get(store: Store, message: int) -> ArchivedMessage | None:
    """One archived message by its archive id."""
    row = store.query_one(f"SELECT {_COLUMNS} FROM messages WHERE id = ?", (message,))
    return _message(row) if row else None


def raw(store: Store, message: int) -> bytes | None:
    """The message's bytes exactly as received or sent."""
    row = store.query_one("SELECT raw FROM raw_messages WHERE message = ?", (message,))
    return bytes(row[0]) if row else None


def conversation(store: Store, conversation_id: int) -> list[ArchivedMessage]:
    """Every message of a conversation, both directions, oldest first."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY received, id",
        (conversation_id,),
    )
    return [_message(r) for r in rows]


def customer_history(store: Store, address: str, *, limit: int = 50) -> list[ArchivedMessage]:
    """Past messages from or to a customer's address, newest first."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM messages WHERE from_address = ? COLLATE NOCASE OR id IN "
        "(SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?) ORDER BY id DESC LIMIT ?",
        (address, "addresses:" + fts_query(address), limit),
    )
    return [_message(r) for r in rows]
