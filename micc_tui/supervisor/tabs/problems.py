"""Unrouted and failed e-mails: assign to a group, route again, or discard with a reason.

The highlighted e-mail is previewed below the list (its beginning, prepared in
a worker thread as in the other consoles' panes); Enter opens its conversation.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, Static

from engine.supervision.problems import Problem
from micc_tui.supervisor.conversation import ConversationScreen
from micc_tui.supervisor.modals import ChoicePrompt, ConfirmPrompt, TextPrompt
from micc_tui.supervisor.tabs.base import (
    ConversationTab,
    address_width,
    cell,
    short_time,
    sync_rows,
)
from micc_tui.widgets.body_view import HEAD_CHARS, Body, BodyView, prepare
from micc_tui.widgets.fit_table import FitTable
from micc_tui.widgets.safe import one_line

#: What the preview says while the highlighted e-mail is being read.
READING = Body(("Reading…",), 0, 0)

COLUMNS = (
    ("received", "Received"),
    ("state", "State"),
    ("to", "To"),
    ("from", "From"),
    ("subject", "Subject"),
)


class ProblemsTab(ConversationTab):
    """E-mails no service access matched, or that could not be processed or sent."""

    TITLE = "Unrouted/failed"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "assign", "Assign to group"),
        Binding("t", "retry", "Route again"),
        Binding("x", "discard", "Discard"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._items: dict[str, Problem] = {}
        #: The archived e-mail in the preview (or being read for it).
        self._previewed: int | None = None

    def compose(self) -> ComposeResult:
        table = FitTable(flex="subject", id="problems", cursor_type="row", zebra_stripes=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        yield table
        yield Static("", id="problem-reason", classes="detail")
        yield Label(
            "E-mail (Enter opens the conversation)",
            id="problem-preview-title",
            classes="pane-title",
        )
        with VerticalScroll(id="problem-preview-scroll"):
            yield BodyView(id="problem-preview")

    def load(self, params: None) -> list[Problem]:
        """The unrouted and failed e-mails, then failed sends."""
        return self.supervision.problems()

    def show(self, data: list[Problem]) -> None:
        """Rows by problem key; the reason of the highlighted one below."""
        self._items = {p.key: p for p in data}
        table = self.query_one("#problems", DataTable)
        wide = address_width(table)
        with self.app.batch_update():
            sync_rows(
                table,
                [
                    (
                        p.key,
                        [
                            cell(short_time(p.at)),
                            cell(p.kind),
                            cell(", ".join(p.to), wide),
                            cell(p.sender, wide),
                            cell(p.subject),
                        ],
                    )
                    for p in data
                ],
            )
        self._show_reason()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Explain the highlighted e-mail."""
        self._show_reason()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter: open the chosen e-mail's conversation, both directions."""
        event.stop()
        item = self._items.get(str(event.row_key.value))
        if item is None:
            return
        if item.archive_id is None:
            self.notify("This e-mail is not in the archive.", severity="warning")
            return
        self.app.push_screen(
            ConversationScreen(self.supervision, item.conversation_id, item.archive_id)
        )

    def _show_reason(self) -> None:
        item = self._selected()
        text = (
            Text("No unrouted or failed e-mails.")
            if item is None
            else Text(
                f"Why: {one_line(item.reason) or '(no reason recorded)'}"
                + ("  (t sends it again, x gives it up)" if item.is_send else "")
            )
        )
        self.query_one("#problem-reason", Static).update(text)
        self._preview(item)

    def _preview(self, item: Problem | None) -> None:
        """Show the beginning of the highlighted e-mail (read in a worker)."""
        archive_id = item.archive_id if item is not None else None
        # Nothing to preview, no pane: the list and its "No unrouted..." line alone.
        for part in ("#problem-preview-title", "#problem-preview-scroll"):
            self.query_one(part).display = item is not None
        if archive_id == self._previewed:
            return
        self._previewed = archive_id
        view = self.query_one("#problem-preview", BodyView)
        if archive_id is None:
            view.show(Body((), 0, 0))
            return
        view.show(READING)
        self._read_preview(archive_id)

    @work(
        thread=True,
        exclusive=True,
        group="preview",
        exit_on_error=False,
        description="_read_preview",
    )
    def _read_preview(self, archive_id: int) -> None:
        message = self.supervision.message_head(archive_id, HEAD_CHARS)
        body = prepare(message) if message is not None else Body(("(not in the archive)",), 0, 0)
        self.app.call_from_thread(self._preview_ready, archive_id, body)

    def _preview_ready(self, archive_id: int, body: Body) -> None:
        if archive_id == self._previewed:
            self.query_one("#problem-preview", BodyView).show(body)
            self.query_one("#problem-preview-scroll", VerticalScroll).scroll_home(animate=False)

    def selected_conversation(self) -> int | None:
        """The conversation of the highlighted problem."""
        item = self._selected()
        return item.conversation_id if item else None

    def _selected(self) -> Problem | None:
        key = self.key_of(self.query_one("#problems", DataTable))
        return self._items.get(str(key)) if key is not None else None

    def action_assign(self) -> None:
        """Queue the highlighted e-mail for a group the supervisor picks."""
        item = self._selected()
        if item is None:
            return
        conversation = item.conversation_id
        if item.is_send or conversation is None:
            self.notify(
                "A reply that could not be sent is retried (t) or given up (x), not assigned.",
                severity="warning",
            )
            return
        groups = [g.name for g in self.supervision.config.service_group]

        def chosen(group: str | None) -> None:
            if group:
                self.act(
                    lambda: self.supervision.assign(conversation, group),
                    f"E-mail {conversation} queued for {group}",
                )

        self.app.push_screen(
            ChoicePrompt(f"Assign e-mail {conversation} to which service group?", groups), chosen
        )

    def action_retry(self) -> None:
        """Route the highlighted e-mail again (accesses active now), or send a reply again."""
        item = self._selected()
        if item is not None:
            self.act(
                lambda: self.supervision.retry(item), lambda summary: f"{_name(item)}: {summary}"
            )

    def action_discard(self) -> None:
        """Close the highlighted e-mail with a reason (it stays in the archive).

        A reply that could not be sent is given up only after the supervisor
        confirms: the customer will not get it.
        """
        item = self._selected()
        if item is None:
            return
        if not item.is_send:
            self._ask_reason(item)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._ask_reason(item)

        self.app.push_screen(
            ConfirmPrompt(
                f"Give up {_name(item).lower()} to {', '.join(item.to)}?",
                "It is never sent: the customer does not get it. It stays in the archive.",
                verb="Give up",
            ),
            answered,
        )

    def _ask_reason(self, item: Problem) -> None:
        done = "given up" if item.is_send else "discarded"

        def reason(text: str | None) -> None:
            if text:
                self.act(
                    lambda: self.supervision.discard(item, text),
                    f"{_name(item)} {done} (kept in the archive)",
                )

        verb = "give up" if item.is_send else "discard"
        self.app.push_screen(
            TextPrompt(
                f"Why {verb} {_name(item).lower()}?", placeholder="e.g. spam, wrong address"
            ),
            reason,
        )


def _name(problem: Problem) -> str:
    """How the toast names a problem."""
    if problem.outbox_id is not None:
        return f"Reply {problem.outbox_id}"
    return f"E-mail {problem.conversation_id}"
