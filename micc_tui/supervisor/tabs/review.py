"""The review queue: the draft reply beside the customer's e-mail; approve, reject, edit.

Both letters are prepared in a worker when a reply is highlighted (made inert,
a long body cut to its first 256 KB); the customer's e-mail is painted line by
line. A reply longer than that is shown cut and cannot be edited here.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, TextArea
from textual.worker import Worker

from engine.archive import ArchivedMessage
from engine.lifecycle import ConversationMoved
from engine.supervision.review import ReviewItem
from micc_tui.supervisor.modals import TextPrompt
from micc_tui.supervisor.tabs.base import (
    ConversationTab,
    address_width,
    cell,
    short_time,
    sync_rows,
)
from micc_tui.widgets.body_view import LIMIT, Body, BodyView, prepare, size_words
from micc_tui.widgets.fit_table import FitTable
from micc_tui.widgets.inert_fields import InertTextArea
from micc_tui.widgets.safe import one_line
from micc_tui.widgets.trail import MovedChoice, MovedOn

DRAFT_TITLE = "Draft reply (e: edit)"
COLUMNS = (
    ("created", "Sent"),
    ("group", "Group"),
    ("agent", "Agent"),
    ("to", "To"),
    ("subject", "Subject"),
)


class ReviewTab(ConversationTab):
    """Replies of review groups: approve (sent), reject with a comment, or edit and approve."""

    TITLE = "Review"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "approve", "Approve"),
        Binding("r", "reject", "Reject"),
        Binding("e", "edit", "Edit"),
        Binding("ctrl+s", "approve_edited", "Approve edit", show=False),
        Binding("escape", "cancel_edit", "Cancel edit", show=False),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._items: dict[str, ReviewItem] = {}
        #: The outbox id whose draft is open for editing (live reloads leave it alone).
        self.editing: int | None = None
        self._shown: int | None = None
        #: The reply shown is longer than the editor holds (shown cut, not editable).
        self._long = False

    def compose(self) -> ComposeResult:
        yield FitTable(flex="subject", id="reviews", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="review-panes"):
            with Vertical(classes="review-pane"):
                yield Label("Customer wrote", classes="pane-title")
                with VerticalScroll():
                    yield BodyView(id="review-original")
            with Vertical(classes="review-pane"):
                yield Label(DRAFT_TITLE, id="draft-title", classes="pane-title")
                yield InertTextArea("", id="review-draft", read_only=True, soft_wrap=True)

    def on_mount(self) -> None:
        table = self.query_one("#reviews", FitTable)
        for key, title in COLUMNS:
            table.add_column(title, key=key)

    def load(self, params: None) -> list[ReviewItem]:
        """Replies waiting for review."""
        return self.supervision.reviews()

    def show(self, data: list[ReviewItem]) -> None:
        """Rows by outbox id; the highlighted reply beside what it answers."""
        self._items = {str(i.outbox_id): i for i in data}
        table = self.query_one("#reviews", FitTable)
        wide = address_width(table)
        with self.app.batch_update():
            sync_rows(
                table,
                [
                    (
                        str(i.outbox_id),
                        [
                            cell(short_time(i.created)),
                            cell(i.service_group),
                            cell(i.agent_id),
                            cell(", ".join(i.recipients), wide),
                            cell(i.draft.subject),
                        ],
                    )
                    for i in data
                ],
            )
        self._show_selected()

    def on_data_table_row_highlighted(self, event: FitTable.RowHighlighted) -> None:
        """Show the reply under the cursor."""
        self._show_selected()

    def selected_conversation(self) -> int | None:
        """The conversation of the highlighted reply."""
        item = self._selected()
        return item.conversation_id if item else None

    def _selected(self) -> ReviewItem | None:
        key = self.key_of(self.query_one("#reviews", FitTable))
        return self._items.get(str(key)) if key is not None else None

    def _show_selected(self) -> None:
        if self.editing is not None:
            return
        item = self._selected()
        if item is not None and item.outbox_id == self._shown:
            return
        self._shown = item.outbox_id if item else None
        if item is None:
            self._letters_ready(None, Body(("Nothing to review.",), 0, 0), "", False)
        else:
            self._prepare_letters(item)

    @work(
        thread=True,
        exclusive=True,
        group="letters",
        exit_on_error=False,
        description="_prepare_letters",
    )
    def _prepare_letters(self, item: ReviewItem) -> None:
        """Both letters of a reply made ready to show (off the UI thread: they may be long)."""
        if item.original is not None:
            original = _letter(item.original)
        else:
            original = Body(("(a new e-mail, not a reply)",), 0, 0)
        draft = _letter(item.draft)
        long = draft.cut
        self.app.call_from_thread(self._letters_ready, item.outbox_id, original, draft.text, long)

    def _letters_ready(self, outbox_id: int | None, original: Body, draft: str, long: bool) -> None:
        if outbox_id != self._shown or self.editing is not None:
            return
        self.query_one("#review-original", BodyView).show(original)
        self._long = long
        # The editor holds at most the first 256 KB (a longer reply is cut, read-only).
        self.query_one("#review-draft", TextArea).load_text(draft)

    def action_approve(self) -> None:
        """Approve the highlighted reply: the engine sends it."""
        item = self._selected()
        if item is not None and self.editing is None:
            self.approve(item.outbox_id, item.conversation_id, None, item.draft.body_text)

    @work(thread=True, group="approve", exit_on_error=False, description="approve")
    def approve(
        self, outbox_id: int, conversation_id: int | None, edited: str | None, text: str
    ) -> None:
        """Approve a reply (with the supervisor's ``edited`` text, if any).

        Refused when the conversation moved on (the customer wrote again):
        the supervisor is told and keeps ``text``.
        """
        try:
            if edited is None:
                self.supervision.approve(outbox_id)
            else:
                self.supervision.edit_and_approve(outbox_id, edited)
        except ConversationMoved as moved:
            self.app.call_from_thread(self._moved_on, moved, conversation_id, text)
            return
        done = "edited and approved" if edited is not None else "approved"
        self.app.call_from_thread(self._approved, f"Reply {outbox_id} {done}: it is being sent")

    def _approved(self, words: str) -> None:
        if self.editing is not None:
            self._stop_editing()
        self.notify(words, markup=False)
        self.reload()

    def _moved_on(self, moved: ConversationMoved, conversation_id: int | None, text: str) -> None:
        self.app.push_screen(
            MovedOn(moved, self.supervision.name_of, what="The reply was not approved"),
            lambda choice: self._after_moved_on(choice, conversation_id, text),
        )

    def _after_moved_on(
        self, choice: MovedChoice | None, conversation_id: int | None, text: str
    ) -> None:
        if choice == "note" and conversation_id is not None:
            self.act(
                lambda: self.supervision.add_note(conversation_id, text),
                f"Kept as an internal note on e-mail {conversation_id}; nothing was sent",
            )
        elif choice == "copy":
            self.app.copy_to_clipboard(text)
            self.notify("Copied: the text is on the clipboard.")
        if choice in ("note", "discard") and self.editing is not None:
            self._stop_editing()
        self.reload()

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """An approval or decision failed (the app says why): show the store as it is."""
        if worker.group == "approve" and self.editing is not None:
            self._stop_editing()
        super().worker_failed(worker, error)
        if worker.group == "approve":
            self.reload()

    def action_reject(self) -> None:
        """Send the highlighted reply back to its agent with a comment."""
        item = self._selected()
        if item is None or self.editing is not None:
            return

        def comment(text: str | None) -> None:
            if text:
                self.act(
                    lambda: self.supervision.reject(item.outbox_id, text),
                    f"Reply {item.outbox_id} sent back to {item.agent_id or 'the queue'}",
                )

        self.app.push_screen(
            TextPrompt(
                f"What should {item.agent_id or 'the agent'} change?",
                placeholder="your comment for the agent",
            ),
            comment,
        )

    def action_edit(self) -> None:
        """Open the highlighted reply's text for editing."""
        item = self._selected()
        if item is None:
            return
        if self._long or len(item.draft.body_text) > LIMIT:
            self.notify(
                f"This reply is {size_words(len(item.draft.body_text.encode()))}: too long to edit"
                " here. Approve it or reject it with a comment.",
                severity="warning",
                markup=False,
            )
            return
        self.editing = item.outbox_id
        draft = self.query_one("#review-draft", TextArea)
        draft.load_text(item.draft.body_text)  # made inert by the editor
        draft.read_only = False
        draft.focus()
        self.query_one("#draft-title", Label).update("Editing: Ctrl+S approves, Esc cancels")

    def action_approve_edited(self) -> None:
        """Approve the reply with the edited text."""
        if self.editing is None:
            return
        outbox_id, body = self.editing, self.query_one("#review-draft", TextArea).text
        item = self._items.get(str(outbox_id))
        # Editing stays open until the approval is through: a refusal keeps the edit.
        self.approve(outbox_id, item.conversation_id if item else None, body, body)

    def action_cancel_edit(self) -> None:
        """Leave the edit without saving."""
        if self.editing is not None:
            self._stop_editing()
            self._show_selected()

    def _stop_editing(self) -> None:
        self.editing = None
        self._shown = None
        draft = self.query_one("#review-draft", TextArea)
        draft.read_only = True
        self.query_one("#draft-title", Label).update(DRAFT_TITLE)
        self.query_one("#reviews", FitTable).focus()


def _letter(message: ArchivedMessage) -> Body:
    """A message as a letter: a few headers, then the text body (its beginning if long)."""
    head = (
        f"From: {one_line(message.from_name)} <{one_line(message.from_address)}>",
        f"To: {one_line(', '.join(message.to))}",
        f"Subject: {one_line(message.subject)}",
        f"Date: {short_time(message.received)}",
        "",
    )
    body = prepare(message)
    lines = body.lines
    while lines and not lines[0].strip():
        lines = lines[1:]
    if body.cut:
        lines = (*lines, "", f"[The first {size_words(body.shown)} of {size_words(body.total)}.]")
    return Body((*head, *lines), body.shown, body.total, body.html)
