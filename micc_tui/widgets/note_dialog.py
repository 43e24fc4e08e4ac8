"""Writing an internal note on a conversation: both consoles' ``N``.

A note is for colleagues: kept with the conversation and in its trail, never
sent to the customer and never quoted in a reply. The dialog returns the text
(the caller keeps it in a worker); an empty note is refused here already.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

from micc_tui.widgets.safe import one_line

#: What the dialog says under its box.
HINT = "Ctrl+S keeps the note · Esc cancels. Only colleagues see it: it is never sent."


class NoteScreen(ModalScreen[str | None]):
    """A box for an internal note; Ctrl+S (or Keep) returns its text, Esc None.

    Esc with words typed asks once more ("Esc again drops it") so a note is not
    lost to a stray key.
    """

    DEFAULT_CSS = """
    NoteScreen {
        align: center middle;
    }
    NoteScreen #note-text {
        height: 8;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "keep", "Keep the note", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, subject: str) -> None:
        super().__init__()
        self.subject = subject
        self._warned = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="note-box"):
            yield Label(
                Content(f"Internal note: {one_line(self.subject)}"),
                classes="dialog-title",
                markup=False,
            )
            yield TextArea(
                placeholder="For colleagues only (Enter: new line)", soft_wrap=True, id="note-text"
            )
            yield Static(Content(HINT), id="note-status", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Keep", variant="primary", id="keep")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#note-text", TextArea).focus()

    @on(TextArea.Changed, "#note-text")
    def _typed(self) -> None:
        if self._warned:
            self._warned = False
            self.query_one("#note-status", Static).update(Content(HINT))

    @on(Button.Pressed, "#keep")
    def action_keep(self) -> None:
        text = self.query_one("#note-text", TextArea).text
        if not text.strip():
            self.query_one("#note-status", Static).update(
                Content("The note is empty: write something, or Esc to cancel.")
            )
            return
        self.dismiss(text)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.query_one("#note-text", TextArea).text.strip() and not self._warned:
            self._warned = True
            self.query_one("#note-status", Static).update(
                Content("Esc again drops this note; Ctrl+S keeps it.")
            )
            return
        self.dismiss(None)
