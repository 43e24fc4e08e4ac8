"""Internal notes: what agents and supervisors write about a conversation, never sent.

A note is kept with the conversation and written to its trail. A reply that
could not be sent (the conversation moved on meanwhile) can be kept as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.audit import EventKind, record
from engine.errors import Refused
from engine.store import Store, now_iso
from engine.store import notes as rows

#: Characters of a note shown in the trail's event.
_PREVIEW = 80


@dataclass(frozen=True)
class Note:
    """One internal note."""

    id: int
    conversation_id: int
    agent_id: str | None
    body: str
    created: str


def add(store: Store, conversation_id: int, agent_id: str | None, body: str) -> int:
    """Keep a note on a conversation, with its event; the note's id.

    Raises:
        Refused: the note is empty.
    """
    text = body.strip()
    if not text:
        raise Refused("the note is empty")
    at = now_iso()
    with store.transaction():
        note_id = rows.insert(store, conversation_id, agent_id, text, at)
        first_line = text.splitlines()[0]
        record(
            store,
            EventKind.NOTE_ADDED,
            conversation_id=conversation_id,
            agent_id=agent_id,
            at=at,
            note=note_id,
            preview=first_line[:_PREVIEW],
        )
    return note_id


def search(store: Store, text: str, *, limit: int = 20) -> list[Note]:
    """Notes holding every word of ``text`` (any case), newest first: staff search.

    Words are runs of letters and digits, as the e-mails' full-text search
    reads them: ``ORD-054321`` looks for ``ord`` and ``054321``, and
    punctuation typed around words (a ``/``) is not searched for.
    """
    words = re.findall(r"\w+", text.lower())
    return [
        Note(r["id"], r["conversation_id"], r["agent_id"], r["body"], r["created"])
        for r in rows.search(store, words, limit=limit)
    ]


def of_conversation(store: Store, conversation_id: int) -> list[Note]:
    """A conversation's notes, oldest first."""
    return [
        Note(r["id"], conversation_id, r["agent_id"], r["body"], r["created"])
        for r in rows.of_conversation(store, conversation_id)
    ]
