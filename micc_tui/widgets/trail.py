"""Screens both consoles share about a conversation's life.

:class:`MovedOn` is shown when a reply (or a supervisor's approval) is refused
because the conversation moved on meanwhile: it says what happened, by whom
and when, and offers to keep the text as an internal note, copy it, discard
it, or go back to it. :class:`TrailScreen` lists a conversation's trail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from engine import dates
from engine.audit import Event, describe
from engine.lifecycle import ConversationMoved
from engine.notes import Note
from micc_tui.widgets.safe import inert, one_line

#: What the person chose: keep the text as a note, copy it, throw it away, or go back.
MovedChoice = Literal["note", "copy", "discard", "back"]


class MovedOn(ModalScreen[MovedChoice]):
    """The conversation moved on: what happened, and what to do with the text written."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "choose('note')", "Save as note"),
        Binding("c", "choose('copy')", "Copy"),
        Binding("d", "choose('discard')", "Discard"),
        Binding("escape", "choose('back')", "Back to the text"),
    ]

    def __init__(
        self, refusal: ConversationMoved, name_of: Callable[[str], str], *, what: str
    ) -> None:
        """Args:
        refusal: why the request was refused.
        name_of: agents' names from their ids.
        what: what could not be done, for the title ("Your reply was not sent").
        """
        super().__init__()
        self.refusal = refusal
        self.name_of = name_of
        self.what = what

    def compose(self) -> ComposeResult:
        refusal = self.refusal
        story = refusal.story(self.name_of)
        holder = f" by {self.name_of(refusal.holder)}" if refusal.holder else ""
        state = (refusal.state or "gone").replace("_", " ")
        with Vertical(classes="dialog", id="moved-on"):
            yield Label(Content(f"{self.what}: the e-mail moved on"), classes="dialog-title")
            yield Static(
                Content(one_line(f"It is {state}{holder} now.")),
                id="moved-state",
            )
            if story:
                yield Static(
                    Content(one_line(story[0].upper() + story[1:] + ".")), id="moved-story"
                )
            yield Static(
                "Nothing was sent. Your text is kept until you choose:", classes="dialog-note"
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save as note (n)", variant="primary", id="note")
                yield Button("Copy (c)", id="copy")
                yield Button("Discard (d)", variant="error", id="discard")
                yield Button("Back (Esc)", id="back")

    def on_mount(self) -> None:
        self.query_one("#note", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id in ("note", "copy", "discard", "back"):
            self.dismiss(event.button.id)  # type: ignore[arg-type]

    def action_choose(self, choice: str) -> None:
        """Close with one of the choices."""
        self.dismiss(choice)  # type: ignore[arg-type]


def trail_lines(events: Sequence[Event], name_of: Callable[[str], str]) -> list[str]:
    """A conversation's events in words, one per line, oldest first (text made inert)."""
    lines = []
    for event in events:
        words = describe(event, name_of, dates.when)
        preview = event.detail.get("preview")
        if preview:
            words += f": {preview}"
        lines.append(one_line(words[0].upper() + words[1:]))
    return lines


def note_lines(notes: Sequence[Note], name_of: Callable[[str], str]) -> list[str]:
    """Internal notes as people read them: who wrote each and when, then its text (inert)."""
    lines = []
    for note in notes:
        author = name_of(note.agent_id) if note.agent_id else "the system"
        lines.append(one_line(f"{author} at {dates.when(note.created)}:"))
        lines.append(inert(note.body, multiline=True))
    return lines


class TrailScreen(ModalScreen[None]):
    """What happened to a conversation, and its internal notes."""

    DEFAULT_CSS = """
    TrailScreen {
        align: center middle;
    }
    TrailScreen #trail {
        width: 100;
        max-width: 95%;
        height: 90%;
    }
    TrailScreen #trail-lines {
        height: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,i", "dismiss(None)", "Close")]

    def __init__(
        self,
        title: str,
        events: Sequence[Event],
        notes: Sequence[Note],
        name_of: Callable[[str], str],
    ) -> None:
        """Args:
        title: what the conversation is (its subject, made inert here).
        events: its trail, oldest first.
        notes: its internal notes, oldest first.
        name_of: agents' names from their ids.
        """
        super().__init__()
        self.title_text = title
        self.lines = trail_lines(events, name_of)
        self.notes = note_lines(notes, name_of)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="trail"):
            yield Label(Content(one_line(f"Trail: {self.title_text}")), classes="dialog-title")
            with VerticalScroll(id="trail-lines"):
                text = "\n".join(self.lines) or "Nothing has happened to it yet."
                if self.notes:
                    text += "\n\nInternal notes:\n" + "\n".join(self.notes)
                yield Static(Content(text), id="trail-text")
            yield Static("Esc closes.", classes="dialog-note")
