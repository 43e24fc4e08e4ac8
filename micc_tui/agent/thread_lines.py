"""The lines of a conversation around the e-mail shown in full (the reading pane's thread).

Each e-mail that is not shown in full is one line: a mark for its direction,
when, who, its first words and how many files it has. Internal notes have a
style of their own; the trail's events (taken, transferred, reviewed...) are
dimmed. Every text from an e-mail or a note is made inert here.

A long conversation keeps its newest :data:`WINDOW` lines before the e-mail
shown; the earlier ones are counted on a line of their own (``[`` reaches them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual.content import Content

from engine import dates
from engine.audit import describe
from engine.thread import ThreadEntry
from micc_tui.widgets.safe import one_line

#: Lines kept before the e-mail shown; older ones are counted, not drawn.
WINDOW = 40

#: Styles of the three kinds of lines (the shown e-mail's own headers are not here).
MESSAGE_STYLE = ""
NOTE_STYLE = "italic $warning"
EVENT_STYLE = "dim"


@dataclass(frozen=True)
class ThreadLines:
    """The lines before and after the e-mail shown, and which entry each line is.

    ``before_keys[i]`` is the entry of line ``i`` of ``before`` (None: the line
    counting earlier entries); the same for ``after``.
    """

    before: Content
    before_keys: tuple[str | None, ...]
    after: Content
    after_keys: tuple[str | None, ...]


def message_keys(entries: Sequence[ThreadEntry]) -> list[str]:
    """The keys of the thread's e-mails, oldest first (what ``[`` and ``]`` step through)."""
    return [e.key for e in entries if e.kind == "message"]


def line(entry: ThreadEntry, name_of: Callable[[str], str]) -> Content:
    """One entry as one line of inert text."""
    if entry.message is not None:
        m = entry.message
        arrow = "←" if m.direction == "in" else "→"
        who = m.from_name or m.from_address or "?"
        files = f"  ({len(m.attachments)} file{'s' if len(m.attachments) != 1 else ''})"
        return Content.assemble(
            (f"{arrow} {dates.when(m.date or m.received)}  ", "bold"),
            (one_line(who), "bold"),
            "  ",
            one_line(entry.snippet or m.subject or "(no text)"),
            files if m.attachments else "",
        )
    if entry.note is not None:
        n = entry.note
        writer = name_of(n.agent_id) if n.agent_id else "?"
        return Content.styled(
            f"✎ note by {one_line(writer)} at {dates.when(n.created)}: {one_line(entry.snippet)}",
            NOTE_STYLE,
        )
    assert entry.event is not None
    words = describe(entry.event, name_of, dates.when)
    return Content.styled(f"· {one_line(words)}", EVENT_STYLE)


def thread_lines(
    entries: Sequence[ThreadEntry], shown: str | None, name_of: Callable[[str], str]
) -> ThreadLines:
    """The lines around the entry ``shown`` (an e-mail's key); all before it when not found."""
    keys = [e.key for e in entries]
    at = keys.index(shown) if shown in keys else len(entries)
    earlier, later = entries[:at], entries[at + 1 :]
    hidden = max(len(earlier) - WINDOW, 0)
    before = [line(e, name_of) for e in earlier[hidden:]]
    before_keys: list[str | None] = [e.key for e in earlier[hidden:]]
    if hidden:
        before.insert(0, Content.styled(f"▲ {hidden} earlier: [ reaches them", EVENT_STYLE))
        before_keys.insert(0, None)
    after = [line(e, name_of) for e in later]
    return ThreadLines(
        Content("\n").join(before),
        tuple(before_keys),
        Content("\n").join(after),
        tuple(e.key for e in later),
    )


__all__ = ["WINDOW", "ThreadLines", "line", "message_keys", "thread_lines"]
