"""The archive: full-text search over every e-mail and internal note, then a whole conversation.

A note found is a row of its own ("note" in In/out, its writer as From, its
first line as Subject); Enter opens its conversation like an e-mail's.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static

from engine.archive import ArchivedMessage
from engine.notes import Note
from micc_tui.supervisor.conversation import ConversationScreen
from micc_tui.supervisor.tabs.base import ConversationTab, address_width, cell, short_time
from micc_tui.widgets.fit_table import FitTable

COLUMNS = (
    ("date", "Received"),
    ("dir", "In/out"),
    ("from", "From"),
    ("subject", "Subject"),
    ("conversation", "Conv."),
)
#: Hits shown per search (the newest first), and added by each ``m``.
PAGE = 50


class ArchiveTab(ConversationTab):
    """Search subject, body and addresses; Enter opens the conversation."""

    TITLE = "Archive"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "more", "More hits"),
        Binding("slash", "search", "Search"),
    ]
    #: The query being searched (set on the UI thread, handed to the loader).
    query_text = ""
    #: How many hits to show (grows by PAGE with ``m``; a new search starts over).
    limit = PAGE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hits: dict[str, ArchivedMessage | Note] = {}
        self._more = False
        self._shown_text = ""

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="Search subject, body, addresses and notes (e.g. ORD-054321)", id="search"
        )
        table = FitTable(flex="subject", id="hits", cursor_type="row", zebra_stripes=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        yield table
        yield Static("", id="hits-status", classes="detail")

    def load_params(self) -> tuple[str, int]:
        """The query and how many hits to show."""
        return self.query_text, self.limit

    def load(self, params: tuple[str, int]) -> tuple[str, int, list[ArchivedMessage | Note]]:
        """The newest hits for a query, e-mails and notes by time, one more than shown."""
        text, limit = params
        if not text.strip():
            return text, limit, []
        messages = self.supervision.search(text, limit=limit + 1)
        notes = self.supervision.search_notes(text, limit=limit + 1)
        found: list[ArchivedMessage | Note] = [*messages, *notes]
        found.sort(key=_when, reverse=True)
        return text, limit, found[: limit + 1]

    def show(self, data: tuple[str, int, list[ArchivedMessage | Note]]) -> None:
        """A new result list (a new search, not a live table: rows are replaced)."""
        text, limit, found = data
        if text != self.query_text or limit != self.limit:
            return
        self._more = len(found) > limit
        hits = found[:limit]
        self._hits = {_key(m): m for m in hits}
        table = self.query_one("#hits", FitTable)
        keep = table.cursor_row if text == self._shown_text else 0
        self._shown_text = text
        with self.app.batch_update():
            table.clear()
            for m in hits:
                if isinstance(m, Note):
                    writer = self.supervision.name_of(m.agent_id) if m.agent_id else ""
                    table.add_row(
                        cell(short_time(m.created)),
                        cell("note"),
                        cell(writer, address_width(table)),
                        cell(m.body.strip().splitlines()[0] if m.body.strip() else ""),
                        cell(m.conversation_id),
                        key=_key(m),
                    )
                    continue
                table.add_row(
                    cell(short_time(m.received)),
                    cell(m.direction),
                    cell(m.from_address, address_width(table)),
                    cell(m.subject),
                    cell(m.conversation_id or ""),
                    key=_key(m),
                )
            if 0 < keep < table.row_count:
                table.move_cursor(row=keep)  # more hits, same search: stay on the row
        table.refit()
        status = (
            "Type words and press Enter."
            if not text.strip()
            else f"{len(hits)}{'+' if self._more else ''} {_counted(hits)}; "
            "Enter opens the conversation" + ("; m shows more" if self._more else "")
        )
        self.query_one("#hits-status", Static).update(status)
        self.refresh_bindings()

    def action_search(self) -> None:
        """Back to the search box, its words selected to type new ones."""
        box = self.query_one("#search", Input)
        box.focus()
        box.select_all()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``m`` is offered only while there are more hits."""
        return self._more if action == "more" else True

    def action_more(self) -> None:
        """Show the next PAGE older hits below these."""
        if self._more:
            self.limit += PAGE
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Search."""
        event.stop()
        self.query_text = event.value
        self.limit = PAGE
        self.reload()
        self.query_one("#hits", DataTable).focus()

    def selected_conversation(self) -> int | None:
        """The conversation of the highlighted hit (None for a lone message)."""
        key = self.key_of(self.query_one("#hits", DataTable))
        hit = self._hits.get(str(key)) if key is not None else None
        return hit.conversation_id if hit else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Open the chosen e-mail's conversation, both directions."""
        hit = self._hits.get(str(event.row_key.value))
        if isinstance(hit, Note):
            self.app.push_screen(ConversationScreen(self.supervision, hit.conversation_id, 0))
        elif hit is not None:
            self.app.push_screen(ConversationScreen(self.supervision, hit.conversation_id, hit.id))


def _key(hit: ArchivedMessage | Note) -> str:
    """A hit's row key: an e-mail's id, ``note-<id>`` for a note."""
    return f"note-{hit.id}" if isinstance(hit, Note) else str(hit.id)


def _when(hit: ArchivedMessage | Note) -> str:
    """When a hit was received or written (ISO text, sortable)."""
    return hit.created if isinstance(hit, Note) else hit.received


def _counted(hits: list[ArchivedMessage | Note]) -> str:
    """``e-mail(s)``, or ``hit(s), 2 of them notes`` when notes were found too."""
    found = sum(isinstance(h, Note) for h in hits)
    return f"hit(s), {found} of them notes" if found else "e-mail(s)"
