"""The archive: every e-mail received and sent, searchable, kept verbatim.

Writing: :func:`archive_incoming` and :func:`archive_outgoing` store the raw
bytes and the parsed fields in the caller's transaction. Reading:
:class:`ArchivedMessage` rows by id, by conversation, by customer, by words.
:class:`Correspondent` addresses of a group's archive, for completing To and Cc.
The SQL is in :mod:`engine.store.messages`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from engine.mail.parse import ParsedMessage, parse_message
from engine.ports import FetchedMessage
from engine.router import Route
from engine.store import Store, now_iso
from engine.store import messages as rows


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
    #: Set when ``body_text`` and ``body_html`` hold only their beginning (see
    #: :func:`head`): the UTF-8 size of each whole body, text then HTML.
    body_bytes: tuple[int, int] | None = None

    @property
    def whole(self) -> bool:
        """True when the bodies are all there (not a :func:`head`)."""
        return self.body_bytes is None

    def to_json(self, *, with_body: bool = True) -> dict[str, Any]:
        """The message as ``--json`` prints it."""
        data = asdict(self)
        if data["body_bytes"] is None:
            data.pop("body_bytes")
        if not with_body:
            data.pop("body_text")
            data.pop("body_html")
        return data


@dataclass(frozen=True)
class ArchivedIncoming:
    """A message just archived and routed, for hooks run in the same transaction."""

    message: int
    conversation_id: int
    parsed: ParsedMessage
    route: Route
    new_conversation: bool
    backlog: bool


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


def _new_row(
    item: FetchedMessage,
    message: ParsedMessage,
    conversation_id: int | None,
    direction: str,
    at: str,
) -> rows.NewMessage:
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
    return rows.NewMessage(
        direction=direction,
        source_key=item.source_key,
        source=item.source,
        content_hash=message.content_hash,
        raw=item.raw,
        message_id=message.message_id,
        in_reply_to=message.in_reply_to,
        references=message.references,
        subject=message.subject,
        from_name=message.from_name,
        from_address=message.from_address,
        to=message.to,
        cc=message.cc,
        recipients=message.recipients,
        addresses=addresses,
        date=message.date.isoformat() if message.date else None,
        received=at,
        body_text=message.body_text,
        body_html=message.body_html,
        attachments=[a.__dict__ for a in message.attachments],
        headers={k: v[:500] for k, v in message.headers.items() if k in _KEPT},
        problems=message.problems,
        conversation_id=conversation_id,
    )


def archive_incoming(
    store: Store, item: FetchedMessage, message: ParsedMessage, conversation_id: int, at: str
) -> int:
    """Archive a fetched message into its conversation (joins a transaction); its archive id."""
    return rows.insert(store, _new_row(item, message, conversation_id, "in", at))


def archive_outgoing(
    store: Store, conversation: int | None, source_key: str, raw: bytes, source: str = "outbox"
) -> int:
    """Archive a message we send, linked to its conversation; joins an open transaction.

    Returns the archive id; archiving the same ``source_key`` again returns the first id.
    """
    with store.transaction():
        existing = rows.by_source_key(store, source_key)
        if existing is not None:
            return int(existing[0])
        item = FetchedMessage(source_key, source, raw)
        return rows.insert(
            store, _new_row(item, parse_message(raw), conversation, "out", now_iso())
        )


def _message(
    row: Any,
    body_bytes: tuple[int, int] | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> ArchivedMessage:
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
        json.loads(row["attachments_json"]) if attachments is None else attachments,
        json.loads(row["problems_json"]),
        row["source"],
        row["size"],
        body_bytes,
    )


#: Characters never sent to the full-text engine: C0/C1 controls (a NUL ends
#: SQLite's query string early: "unterminated string") and lone surrogates.
_NOT_QUERY_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]+")


def fts_query(text: str) -> str:
    """Quote each word of a person's query for FTS5 (``ORD-054321`` is a term, not syntax).

    A trailing ``*`` on a word keeps prefix search. Control characters (NUL
    included) separate words, as spaces do; they never reach the query.
    """
    terms = []
    for word in re.findall(r'[^\s"]+', _NOT_QUERY_TEXT.sub(" ", text)):
        prefix = word.endswith("*") and len(word) > 1
        word = word.rstrip("*")
        if word:
            terms.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(terms)


def search(
    store: Store,
    text: str,
    *,
    limit: int = 20,
    offset: int = 0,
    groups: Sequence[str] | None = None,
) -> list[ArchivedMessage]:
    """Messages whose subject, body or addresses hold every word of ``text``, newest first.

    With ``groups``, only messages of conversations in those service groups.
    """
    query = fts_query(text)
    if not query:
        return []
    found = rows.search(store, query, limit=limit, offset=offset, groups=groups)
    return [_message(r) for r in found]


def _measured(store: Store, row: Any) -> list[dict[str, Any]] | None:
    """The attachments of a row archived before their sizes were the decoded ones.

    Measured again from the raw bytes, once: the row is updated (migration
    ``0007_attachment_sizes`` flagged it). None for a row already measured.
    """
    if row["attachments_measured"]:
        return None
    listed: list[dict[str, Any]] = json.loads(row["attachments_json"])
    data = rows.raw(store, row["id"])
    if data is None:
        return None
    sizes = {a.index: a.size for a in parse_message(data).attachments}
    measured = [{**a, "size": sizes.get(int(a.get("index", 0)), a.get("size", 0))} for a in listed]
    try:
        rows.set_attachments(store, row["id"], measured)
    except Exception as exc:
        if not store.is_store_failure(exc):
            raise
        # A store this process may only read (or a busy one): shown right all the same.
    return measured


def get(store: Store, message: int) -> ArchivedMessage | None:
    """One archived message by its archive id."""
    row = rows.get(store, message)
    return _message(row, attachments=_measured(store, row)) if row else None


def head(store: Store, message: int, chars: int) -> ArchivedMessage | None:
    """One archived message with only the first ``chars`` characters of each body.

    For showing the beginning of a long e-mail: its ``body_bytes`` tell the
    whole sizes, and :attr:`ArchivedMessage.whole` is False even when nothing
    was cut, so nobody quotes, forwards or saves a head by mistake.
    """
    row = rows.head(store, message, chars)
    return None if row is None else _from_head(store, row)


def raw(store: Store, message: int) -> bytes | None:
    """The message's bytes exactly as received or sent."""
    return rows.raw(store, message)


@dataclass(frozen=True)
class Correspondent:
    """An address a service group's archive holds: someone who wrote to it or it wrote to.

    Attributes:
        address: as last archived.
        name: the display name they last wrote with (empty when never given); from
            an e-mail, so not yet made safe to show.
        messages: how many messages of the group's conversations it is on.
        newest: the archive id of the newest of them.
    """

    address: str
    name: str
    messages: int
    newest: int


def correspondents(store: Store, group: str, typed: str, *, limit: int) -> list[Correspondent]:
    """Addresses of ``group``'s conversations whose address or name starts with ``typed``.

    Any case, ``typed`` taken literally; the most frequent first, then the most
    recent. Nothing when ``typed`` is blank.
    """
    found = rows.correspondents(store, group, typed.strip(), limit=limit)
    return [Correspondent(r["address"], r["name"], r["uses"], r["newest"]) for r in found]


def conversation(store: Store, conversation_id: int) -> list[ArchivedMessage]:
    """Every message of a conversation, both directions, oldest first."""
    return [_message(r) for r in rows.of_conversation(store, conversation_id)]


def conversation_heads(store: Store, conversation_id: int, chars: int) -> list[ArchivedMessage]:
    """Every message of a conversation, oldest first, each with only ``chars`` of its bodies."""
    return [_from_head(store, r) for r in rows.heads_of_conversation(store, conversation_id, chars)]


def _from_head(store: Store, row: Any) -> ArchivedMessage:
    """A message from a row of cut bodies (``text_bytes``, ``html_bytes``: whole sizes)."""
    sizes = (int(row["text_bytes"] or 0), int(row["html_bytes"] or 0))
    return _message(row, sizes, _measured(store, row))


def customer_history(
    store: Store,
    address: str,
    groups: Sequence[str],
    *,
    exclude_conversation: int | None = None,
    limit: int = 50,
) -> list[ArchivedMessage]:
    """Messages from, to or cc'd to exactly ``address`` (any case), newest first.

    Only conversations now in one of ``groups`` are looked at (an agent sees
    the history of their own groups); ``alice.bob@example.com`` is never part
    of ``bob@example.com``'s history.
    """
    found = rows.of_customer(
        store, address, groups, exclude_conversation=exclude_conversation, limit=limit
    )
    return [_message(r) for r in found]
