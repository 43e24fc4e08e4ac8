"""The review queue: replies of groups that review before sending.

An agent's reply to a group with ``review_before_sending`` waits in the
outbox in state ``review`` while its conversation is ``pending_review``. The
supervisor approves it (the engine then sends it), edits and approves it, or
rejects it with a comment: the conversation goes back into the hands of the
agent who wrote it, who sees the comment.

A forward to a third party is reviewed the same way, but its conversation
stays in progress with the agent throughout: the decision is the outbox
row's alone.
"""

from __future__ import annotations

import email
import json
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

from engine import archive, lifecycle, outbox
from engine.archive import ArchivedMessage
from engine.errors import Refused
from engine.mail.parse import parse_message
from engine.store import Store, messages
from engine.store import outbox as outbox_rows


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
    items = []
    for row in outbox_rows.for_review(store, limit=limit):
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
    """Let the reply go: the engine sends it; its conversation counts as answered.

    Raises:
        OutboxMoved: the reply is no longer waiting for review (another
            supervisor decided).
        ConversationMoved: the conversation moved on (the customer wrote
            again after the reply was written); nothing was changed.
    """
    with store.transaction():
        row = outbox.pending_review(store, outbox_id)
        outbox.approve(store, outbox_id, supervisor_id, comment)
        if (
            row.conversation_id is not None
            and row.archive_id is not None
            and row.kind in lifecycle.ANSWERS
        ):
            lifecycle.approve(
                store,
                supervisor_id,
                row.conversation_id,
                reply_archive_id=row.archive_id,
                outbox_id=outbox_id,
            )


def reject(store: Store, supervisor_id: str, outbox_id: int, comment: str) -> None:
    """Send the reply back to its agent with a comment; it is never sent.

    Raises:
        Refused: no comment, or the reply is no longer waiting for review.
    """
    if not comment.strip():
        raise Refused("say what the agent should change")
    with store.transaction():
        row = outbox.pending_review(store, outbox_id)
        outbox.reject(store, outbox_id, supervisor_id, comment.strip())
        if row.conversation_id is not None and row.kind in lifecycle.ANSWERS:
            # Back in the writer's hands (or the queue when nobody wrote it).
            lifecycle.reject(
                store,
                supervisor_id,
                row.conversation_id,
                writer=row.agent_id,
                comment=comment.strip(),
                outbox_id=outbox_id,
            )


def edit_and_approve(store: Store, supervisor_id: str, outbox_id: int, body: str) -> None:
    """Replace the reply's text with the supervisor's edit, then approve it.

    The archived copy is rewritten too (it is what will be sent; the archive
    keeps what left). An HTML alternative is dropped so the customer cannot
    get two versions that disagree.
    """
    with store.transaction():
        row = outbox.pending_review(store, outbox_id)
        raw = archive.raw(store, row.archive_id) if row.archive_id is not None else None
        if raw is None or row.archive_id is None:
            raise Refused(f"the reply of outbox item {outbox_id} is missing")
        edited = replace_text_body(raw, body)
        parsed = parse_message(edited)
        messages.replace_content(
            store,
            row.archive_id,
            raw=edited,
            body_text=parsed.body_text,
            body_html=parsed.body_html,
            content_hash=parsed.content_hash,
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
    raise Refused("the reply has no text body to edit")
