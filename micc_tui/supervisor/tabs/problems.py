"""Unrouted and failed e-mails: assign to a group, route again, or discard with a reason."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from engine.supervision.problems import Problem
from micc_tui.supervisor.modals import ChoicePrompt, TextPrompt
from micc_tui.supervisor.tabs.base import (
    ConversationTab,
    address_width,
    cell,
    short_time,
    sync_rows,
)
from micc_tui.widgets.fit_table import FitTable
from micc_tui.widgets.safe import one_line

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

    def compose(self) -> ComposeResult:
        table = FitTable(flex="subject", id="problems", cursor_type="row", zebra_stripes=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        yield table
        yield Static("", id="problem-reason", classes="detail")

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
        """Close the highlighted e-mail with a reason (it stays in the archive)."""
        item = self._selected()
        if item is None:
            return

        def reason(text: str | None) -> None:
            if text:
                self.act(
                    lambda: self.supervision.discard(item, text),
                    f"{_name(item)} discarded (kept in the archive)",
                )

        self.app.push_screen(
            TextPrompt(
                f"Why discard {_name(item).lower()}?", placeholder="e.g. spam, wrong address"
            ),
            reason,
        )


def _name(problem: Problem) -> str:
    """How the toast names a problem."""
    if problem.outbox_id is not None:
        return f"Reply {problem.outbox_id}"
    return f"E-mail {problem.conversation_id}"
