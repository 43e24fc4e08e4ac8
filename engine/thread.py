"""A conversation as the reading pane shows it: its e-mails, notes and trail, in order.

Every incoming and outgoing message, every internal note and the trail's
events (taken, transferred, reviewed, ...) merged by time. Messages are read
as heads (:func:`engine.archive.conversation_heads`): a line needs the first
words, not a 25 MB body; the one shown in full is read on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from engine import archive, audit, notes
from engine.archive import ArchivedMessage
from engine.audit import Event, EventKind
from engine.mail.html import message_text
from engine.notes import Note
from engine.store import Store

#: Characters of each body read for a message's line (its first words).
SNIPPET_CHARS = 2000
#: Characters of the first words on a line.
SNIPPET_WORDS = 160

#: Events not shown as lines of their own: a message or a note is the line.
_SHOWN_AS_ENTRIES = frozenset({EventKind.RECEIVED, EventKind.NOTE_ADDED})

_QUOTED = re.compile(r"^\s*>")


@dataclass(frozen=True)
class ThreadEntry:
    """One line of a conversation: an e-mail, a note or an event.

    Attributes:
        kind: ``message``, ``note`` or ``event``.
        at: when (ISO 8601): received, written or happened.
        message: the e-mail (a head), for a message.
        note: the note, for a note.
        event: the event, for an event.
        snippet: the first words of an e-mail or note (not yet made inert).
    """

    kind: Literal["message", "note", "event"]
    at: str
    message: ArchivedMessage | None = None
    note: Note | None = None
    event: Event | None = None
    snippet: str = ""

    @property
    def key(self) -> str:
        """Unique in its thread: ``m12``, ``n3``, ``e40``."""
        if self.message is not None:
            return f"m{self.message.id}"
        if self.note is not None:
            return f"n{self.note.id}"
        assert self.event is not None
        return f"e{self.event.id}"


def first_words(message: ArchivedMessage, limit: int = SNIPPET_WORDS) -> str:
    """The first words of a message's own text: quoted lines and blank space left out."""
    text = message_text(message.body_text, message.body_html)
    lines = (line for line in text.splitlines() if line.strip() and not _QUOTED.match(line))
    return _cut(" ".join(" ".join(line.split()) for line in lines), limit)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def entries(
    store: Store, conversation_id: int, known: Mapping[str, ThreadEntry] | None = None
) -> list[ThreadEntry]:
    """The conversation's messages, notes and events, oldest first.

    ``known``: entries read before, by key; their e-mails' first words are not
    worked out again (an HTML e-mail's take a conversion).
    """
    known = known or {}
    found = []
    for m in archive.conversation_heads(store, conversation_id, SNIPPET_CHARS):
        before = known.get(f"m{m.id}")
        snippet = before.snippet if before is not None else first_words(m)
        found.append(ThreadEntry("message", m.received, message=m, snippet=snippet))
    found += [
        ThreadEntry(
            "note", n.created, note=n, snippet=_cut(" ".join(n.body.split()), SNIPPET_WORDS)
        )
        for n in notes.of_conversation(store, conversation_id)
    ]
    found += [
        ThreadEntry("event", e.at, event=e)
        for e in audit.trail(store, conversation_id)
        if e.kind not in _SHOWN_AS_ENTRIES
    ]
    # Stable: at the same instant, a message before its note before its event.
    found.sort(key=lambda entry: entry.at)
    return found


__all__ = ["SNIPPET_CHARS", "ThreadEntry", "entries", "first_words"]
