"""The composer's preview (F8): what the customer will read, before it is sent.

An e-mail from an HTML template or signature goes as text and HTML; most
customers read the HTML. The preview shows that HTML part turned back into
text (:meth:`engine.service.ContactCenter.preview`), so the agent sees where
their words land among the template, the signature and the quote. A text
e-mail previews as its text. The preview is made in a worker (it reads the
group's responses) and shown in a modal that scrolls.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from engine.service import ContactCenter, Draft
from micc_tui.widgets.safe import safe

#: The composer's key for the preview (also in help, README and docs/consoles.md).
PREVIEW_KEY = "f8"


class PreviewScreen(ModalScreen[None]):
    """The e-mail as the customer will read it, as text; Esc (or F8) closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(f"escape,q,{PREVIEW_KEY}", "dismiss(None)", "Close")
    ]

    def __init__(self, text: str, *, html: bool) -> None:
        super().__init__()
        self.text = text
        self.html = html

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="preview"):
            yield Label("What the customer will see", classes="dialog-title")
            yield Static(
                "Sent as HTML and text: the HTML part, as text."
                if self.html
                else "Sent as plain text.",
                classes="dialog-note",
            )
            with VerticalScroll(id="preview-scroll"):
                # The customer's quoted words are in it: inert, never markup.
                yield Static(safe(self.text, multiline=True), id="preview-text")
            yield Static("↑ ↓ PgUp PgDn scroll · Esc closes", classes="dialog-note")

    def on_mount(self) -> None:
        self.query_one("#preview-scroll", VerticalScroll).focus()


def show_preview(screen: Screen[Any], center: ContactCenter, draft: Draft) -> None:
    """Make the preview of ``draft`` (the e-mail as typed) in a worker, then show it."""

    def make() -> None:
        text = center.preview(draft)
        shown = PreviewScreen(text, html=draft.html_opening is not None)
        screen.app.call_from_thread(screen.app.push_screen, shown)

    screen.run_worker(
        make,
        thread=True,
        exclusive=True,
        group="preview",
        exit_on_error=False,
        description="preview",
    )


__all__ = ["PREVIEW_KEY", "PreviewScreen", "show_preview"]
