"""A whole conversation from the archive, both directions, oldest first.

Bodies are prepared in the worker that reads them (HTML to text, made inert,
a long one cut to its first 256 KB); ``m`` shows all of the cut ones and ``d``
saves their text to the downloads folder. Home and End (``g`` and ``G``) go to
the first and the last e-mail at once; ``/`` searches the headers and bodies
shown (:mod:`micc_tui.widgets.body_search`).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from engine import dates
from engine.archive import ArchivedMessage
from engine.supervision import Supervision
from micc_tui.widgets.body_search import (
    SEARCH_BINDINGS,
    Searchable,
    SearchableText,
    SearchBar,
    searching,
)
from micc_tui.widgets.body_view import (
    LIMIT,
    Body,
    BodyView,
    affordance,
    bodies_of,
    downloads_folder,
    prepare,
    save_body,
    size_words,
)
from micc_tui.widgets.safe import one_line, safe
from micc_tui.workers import ReportsWorkerFailures


class ConversationScreen(ModalScreen[None], ReportsWorkerFailures):
    """Every message of one conversation (or one lone message), read-only."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *SEARCH_BINDINGS,  # first: while searching, Esc closes the search, not the screen
        Binding("escape,q", "close", "Close"),
        Binding("m", "show_all", "Show all", show=False),
        Binding("d", "save_bodies", "Save long bodies", show=False),
        # At once: the scroll's own Home and End glide 50 lines a second, so in a
        # long conversation they seemed to do nothing (priority: before the scroll's keys).
        Binding("home", "top", "First e-mail", show=False, priority=True),
        Binding("end", "bottom", "Last e-mail", show=False, priority=True),
        Binding("g", "top", "First e-mail", show=False),
        Binding("G", "bottom", "Last e-mail", show=False),
    ]

    def __init__(
        self, supervision: Supervision, conversation_id: int | None, message_id: int
    ) -> None:
        super().__init__()
        self.supervision = supervision
        self.conversation_id = conversation_id
        self.message_id = message_id
        self.messages: list[ArchivedMessage] = []
        self.bodies: list[Body] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="conversation"):
            title = (
                f"Conversation {self.conversation_id}"
                if self.conversation_id
                else f"E-mail {self.message_id}"
            )
            yield Label(f"{title}  (Escape closes)", classes="dialog-title")
            messages = VerticalScroll(id="messages")
            yield messages
            yield SearchBar(messages, id="conversation-search")

    def on_mount(self) -> None:
        self._load(self.conversation_id, self.message_id)

    @work(thread=True, exit_on_error=False, description="_load")
    def _load(self, conversation_id: int | None, message_id: int) -> None:
        if conversation_id is not None:
            messages = self.supervision.conversation(conversation_id)
        else:
            single = self.supervision.message(message_id)
            messages = [single] if single else []
        self.app.call_from_thread(self._show, messages, bodies_of(messages))

    def _show(self, messages: list[ArchivedMessage], bodies: list[Body]) -> None:
        self.messages, self.bodies = messages, bodies
        box = self.query_one("#messages", VerticalScroll)
        for index, (message, body) in enumerate(zip(messages, bodies, strict=True)):
            arrow = "→ customer" if message.direction == "out" else "← customer"
            head = (
                f"{arrow}  {dates.date_time(message.received)}  "
                f"From: {one_line(message.from_name)} <{one_line(message.from_address)}>"
                f"\nTo: {one_line(', '.join(message.to))}"
                f"\nSubject: {one_line(message.subject)}"
            )
            # Each value is one line already; the newlines between them are ours.
            box.mount(
                SearchableText(
                    safe(head, multiline=True), classes=f"message-head {message.direction}"
                )
            )
            cut = Static(id=f"message-cut-{index}", classes="message-cut")
            box.mount(cut)
            box.mount(BodyView(body, id=f"message-body-{index}", classes="message-body"))
            self._show_cut(index, body)
            if message.id == self.message_id:
                box.children[-1].scroll_visible(animate=False)
        self._search_again(reveal=True)

    def _show_cut(self, index: int, body: Body) -> None:
        cut = self.query_one(f"#message-cut-{index}", Static)
        cut.display = body.cut
        cut.update(safe(affordance(body, show_all="m", save="d")) if body.cut else "")

    def action_show_all(self) -> None:
        """Show all of every long body here (only their beginnings are shown at first)."""
        pairs = enumerate(zip(self.messages, self.bodies, strict=True))
        cut = [(i, m) for i, (m, b) in pairs if b.cut]
        if not cut:
            self.notify("Every e-mail here is shown whole.")
            return
        self._prepare_all(cut)

    @work(
        thread=True,
        exclusive=True,
        group="body",
        exit_on_error=False,
        description="_prepare_all",
    )
    def _prepare_all(self, cut: list[tuple[int, ArchivedMessage]]) -> None:
        for index, message in cut:
            body = prepare(message, limit=None)
            self.app.call_from_thread(self._all_prepared, index, body)

    def _all_prepared(self, index: int, body: Body) -> None:
        self.bodies[index] = body
        self.query_one(f"#message-body-{index}", BodyView).show(body)
        self._show_cut(index, body)
        self._search_again(reveal=False)

    def action_save_bodies(self) -> None:
        """Save the text of the long bodies (else of the e-mail opened) to the downloads folder."""
        cut = [m for m, b in zip(self.messages, self.bodies, strict=True) if b.cut]
        opened = [m for m in self.messages if m.id == self.message_id]
        if cut or opened:
            self._save(cut or opened, downloads_folder())

    @work(thread=True, group="save-body", exit_on_error=False, description="_save")
    def _save(self, messages: list[ArchivedMessage], folder: Path) -> None:
        paths = [save_body(message, folder) for message in messages]
        words = (
            "Saved " + ", ".join(one_line(p.name) for p in paths) + f" in {one_line(str(folder))}"
        )
        self.app.call_from_thread(self.notify, words, markup=False)

    # -- keys ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("top", "bottom") and isinstance(self.focused, Input):
            return False  # Home and End move in the search field
        return searching(self.query_one(SearchBar), action)

    def action_search(self) -> None:
        """/: search the headers and bodies shown."""
        self.query_one(SearchBar).open(*self._parts())

    def action_next_match(self) -> None:
        """n, Enter while searching: the next place found."""
        self.query_one(SearchBar).step(1)

    def action_previous_match(self) -> None:
        """N, Shift+Enter while searching: the previous place found."""
        self.query_one(SearchBar).step(-1)

    def action_close_search(self) -> None:
        """Esc while searching: close the search, clear the highlights."""
        self.query_one(SearchBar).close()

    def _parts(self) -> tuple[list[Searchable], str]:
        heads = self.query(".message-head").results(SearchableText)
        bodies = self.query(".message-body").results(BodyView)
        parts: list[Searchable] = [
            part for pair in zip(heads, bodies, strict=True) for part in pair
        ]
        cut = any(body.cut for body in self.bodies)
        return parts, f"in the first {size_words(LIMIT)} of long e-mails" if cut else ""

    def _search_again(self, *, reveal: bool) -> None:
        bar = self.query_one(SearchBar)
        if bar.active:
            bar.renew(*self._parts(), reveal=reveal)

    def action_top(self) -> None:
        """Home, g: to the top of the conversation, its first e-mail."""
        self.query_one("#messages", VerticalScroll).scroll_home(animate=False)

    def action_bottom(self) -> None:
        """End, G: to the end of the conversation, its last e-mail."""
        self.query_one("#messages", VerticalScroll).scroll_end(animate=False)

    def action_close(self) -> None:
        """Back to the search."""
        self.dismiss(None)
