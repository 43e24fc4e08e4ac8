"""The review queue: replies of groups that review before sending.

An agent's reply to a group with ``review_before_sending`` waits in the
outbox in state ``review`` while its conversation is ``pending_review``. The
supervisor approves it (the engine then sends it), edits and approves it, or
rejects it with a comment: the conversation goes back into the hands of the
agent who wrote it, who sees the comment.
"""

from __future__ import annotations

import email
import json
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

from engine import archive, outbox
from engine.archive import ArchivedMessage
from engine.mail.parse import parse_message
from engine.store import Store, now_iso


class ReviewError(Exception):
    """A review decision cannot be made; the message says why."""


@dataclass(frozen=True)
class ReviewItem:
    """A reply waiting for a supervisor, with what it answers."""

    outbox_id: int
    conversation_id: int | None
    agent_id: str | None
    kind: str
    created: str
    service_group: str | None
    recipients: tuple[str, ...]
    #: The reply as it will be sent (archived already, as outgoing mail).
    draft: ArchivedMessage
    #: The customer's e-mail it answers (None for a new e-mail).
    original: ArchivedMessage | None


def review_items(store: Store, *, limit: int = 200) -> list[ReviewItem]:
    """Replies waiting for review, oldest first."""
    rows = store.query(
        "SELECT o.id, o.conversation_id, o.agent_id, o.kind, o.created, o.message, "
        "o.rcpt_json, c.service_group, c.last_message FROM outbox o LEFT JOIN conversations c "
        "ON c.id = o.conversation_id WHERE o.state = 'review' ORDER BY o.id LIMIT ?",
        (limit,),
    )
    items = []
    for row in rows:
        draft = archive.get(store, row[5])
        if draft is None:
            continue
        original = archive.get(store, row[8]) if row[8] is not None else None
        items.append(
            ReviewItem(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[7],
                tuple(json.loads(row[6])),
                draft,
                original,
            )
        )
    return items


def approve(store: Store, supervisor_id: str, outbox_id: int, comment: str = "") -> None:
    """Let the reply go: the engine sends it; its conversation counts as answered."""
    with store.transaction() as conn:
        conversation = _waiting(store, outbox_id)
        outbox.approve(store, outbox_id, supervisor_id, comment)
        if conversation is not None:
            conn.execute(
                "UPDATE conversations SET state = 'answered', updated = ? "
                "WHERE id = ? AND state = 'pending_review'",
                (now_iso(), conversation),
            )


def reject(store: Store, supervisor_id: str, outbox_id: int, comment: str) -> None:
    """Send the reply back to its agent with a comment; it is never sent.

    Raises:
        ReviewError: no comment, or the reply is no longer waiting for review.
    """
    if not comment.strip():
        raise ReviewError("say what the agent should change")
    with store.transaction() as conn:
        conversation = _waiting(store, outbox_id)
        outbox.reject(store, outbox_id, supervisor_id, comment.strip())
        if conversation is not None:
            agent = conn.execute(
                "SELECT agent_id FROM outbox WHERE id = ?", (outbox_id,)
            ).fetchone()[0]
            # Back in the writer's hands (or the queue when nobody wrote it).
            conn.execute(
                "UPDATE conversations SET state = ?, agent_id = ?, reason = ?, updated = ? "
                "WHERE id = ? AND state = 'pending_review'",
                (
                    "in_progress" if agent else "queued",
                    agent,
                    f"reply rejected by {supervisor_id}: {comment.strip()}",
                    now_iso(),
                    conversation,
                ),
            )


def edit_and_approve(store: Store, supervisor_id: str, outbox_id: int, body: str) -> None:
    """Replace the reply's text with the supervisor's edit, then approve it.

    The archived copy is rewritten too (it is what will be sent; the archive
    keeps what left). An HTML alternative is dropped so the customer cannot
    get two versions that disagree.
    """
    with store.transaction() as conn:
        _waiting(store, outbox_id)
        message = conn.execute("SELECT message FROM outbox WHERE id = ?", (outbox_id,)).fetchone()[
            0
        ]
        raw = archive.raw(store, message)
        if raw is None:
            raise ReviewError(f"the reply of outbox item {outbox_id} is missing")
        edited = replace_text_body(raw, body)
        parsed = parse_message(edited)
        conn.execute("UPDATE raw_messages SET raw = ? WHERE message = ?", (edited, message))
        conn.execute(
            "UPDATE messages SET body_text = ?, body_html = ?, size = ?, "
            "content_hash = ? WHERE id = ?",
            (parsed.body_text, parsed.body_html, len(edited), parsed.content_hash, message),
        )
        approve(store, supervisor_id, outbox_id, "edited by the supervisor")


def replace_text_body(raw: bytes, body: str) -> bytes:
    """``raw`` with its text body replaced by ``body``; headers and attachments kept."""
    message = email.message_from_bytes(raw, policy=SMTP)
    assert isinstance(message, EmailMessage)
    parts = [p for p in message.walk() if isinstance(p, EmailMessage)]
    # The text/HTML pair collapses to one text part; else the first inline text part.
    # (A Message is falsy when it has no headers, hence the explicit None tests.)
    target = next((p for p in parts if p.get_content_type() == "multipart/alternative"), None)
    if target is None:
        target = next(
            (
                p
                for p in parts
                if p.get_content_type() == "text/plain" and p.get_content_disposition() is None
            ),
            None,
        )
    if target is not None:
        target.clear_content()
        target.set_content(body)
        return message.as_bytes(policy=SMTP)
    raise ReviewError("the reply has no text body to edit")


def _waiting(store: Store, outbox_id: int) -> int | None:
    row = store.query_one("SELECT state, conversation_id FROM outbox WHERE id = ?", (outbox_id,))
    if row is None or row[0] != "review":
        state = row[0] if row else "gone"
        raise ReviewError(f"reply {outbox_id} is not waiting for review (it is {state})")
    return row[1] if row[1] is None else int(row[1])
