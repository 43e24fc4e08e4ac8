"""A whole conversation from the archive, both directions, oldest first."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from engine.archive import ArchivedMessage
from engine.supervision import Supervision
from micc_tui.widgets.safe import one_line, safe
from micc_tui.workers import ReportsWorkerFailures


class ConversationScreen(ModalScreen[None], ReportsWorkerFailures):
    """Every message of one conversation (or one lone message), read-only."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close")]

    def __init__(
        self, supervision: Supervision, conversation_id: int | None, message_id: int
    ) -> None:
        super().__init__()
        self.supervision = supervision
        self.conversation_id = conversation_id
        self.message_id = message_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="conversation"):
            title = (
                f"Conversation {self.conversation_id}"
                if self.conversation_id
                else f"E-mail {self.message_id}"
            )
            yield Label(f"{title}  (Escape closes)", classes="dialog-title")
            yield VerticalScroll(id="messages")

    def on_mount(self) -> None:
        self._load(self.conversation_id, self.message_id)

    @work(thread=True, exit_on_error=False)
    def _load(self, conversation_id: int | None, message_id: int) -> None:
        if conversation_id is not None:
            messages = self.supervision.conversation(conversation_id)
        else:
            single = self.supervision.message(message_id)
            messages = [single] if single else []
        self.app.call_from_thread(self._show, messages)

    def _show(self, messages: list[ArchivedMessage]) -> None:
        box = self.query_one("#messages", VerticalScroll)
        for message in messages:
            arrow = "→ customer" if message.direction == "out" else "← customer"
            head = (
                f"{arrow}  {message.received[:16].replace('T', ' ')}  "
                f"From: {one_line(message.from_name)} <{one_line(message.from_address)}>"
                f"\nTo: {one_line(', '.join(message.to))}"
                f"\nSubject: {one_line(message.subject)}"
            )
            # Each value is one line already; the newlines between them are ours.
            box.mount(
                Static(safe(head, multiline=True), classes=f"message-head {message.direction}")
            )
            box.mount(
                Static(
                    safe(message.body_text.strip() or "(no text body)", multiline=True),
                    classes="message-body",
                )
            )
            if message.id == self.message_id:
                box.children[-1].scroll_visible(animate=False)

    def action_close(self) -> None:
        """Back to the search."""
        self.dismiss(None)
