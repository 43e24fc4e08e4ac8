"""What every supervisor tab shares: loading off the UI thread, acting, cells.

A tab says what to read (:meth:`SupervisorTab.load`, run in a worker thread,
given what :meth:`SupervisorTab.load_params` took from the tab on the UI
thread) and how to show it (:meth:`SupervisorTab.show`, on the UI thread).
Actions (approve, assign, release...) run in a worker too; their outcome is a
toast and a reload. Worker errors are shown, never fatal: the app shows them
(:mod:`micc_tui.workers`) and a failed action reloads the tab, since it
usually failed because someone else changed the row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState

from engine import dates
from engine.audit import Event
from engine.notes import Note
from engine.supervision import Supervision
from micc_tui.widgets.fit_table import FitTable
from micc_tui.widgets.note_dialog import NoteScreen
from micc_tui.widgets.safe import one_line
from micc_tui.widgets.trail import TrailScreen
from micc_tui.workers import ReportsWorkerFailures


def address_width(table: DataTable[Any]) -> int:
    """Widest an address or name cell gets in ``table``: a fifth of it, at least 14.

    One long To list must not push the subject off an 80-column screen.
    """
    return max(14, table.size.width // 5)


def cell(value: object, limit: int | None = None) -> Text:
    """A table cell from any value, untrusted text included: never markup, controls inert.

    Args:
        value: what to show.
        limit: cut to this many characters, ending with an ellipsis.
    """
    text = one_line("" if value is None else str(value))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return Text(text, no_wrap=True, overflow="ellipsis")


def number(value: int) -> Text:
    """A right-aligned count."""
    return Text(str(value), justify="right")


def short_time(stamp: str | None) -> str:
    """A stored ISO time in local time, the locale's way: the time alone when today."""
    return dates.when(stamp)


def sync_rows(table: DataTable[Any], rows: Sequence[tuple[str, Sequence[object]]]) -> None:
    """Make ``table`` hold exactly ``rows`` (key, cells), updating rows by key.

    Rows that stay are updated cell by cell, new ones are appended and gone
    ones removed, so the cursor stays on its row and nothing flickers. Live
    lists only ever grow at the end (oldest first), so the order holds; if it
    ever does not, the table is rebuilt once with the cursor kept on its key.
    Call inside ``app.batch_update()``.
    """
    wanted = {key for key, _ in rows}
    for gone in [k for k in table.rows if k.value not in wanted]:
        table.remove_row(gone)
    columns = list(table.columns)
    for key, cells in rows:
        if key in table.rows:
            for column, value in zip(columns, cells, strict=True):
                if table.get_cell(key, column) != value:
                    table.update_cell(key, column, value, update_width=True)
        else:
            table.add_row(*cells, key=key)
    shown = [row.key.value for row in table.ordered_rows]
    if shown != [key for key, _ in rows]:
        keep = shown[table.cursor_row] if shown and table.cursor_row < len(shown) else None
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if keep in wanted:
            table.move_cursor(row=table.get_row_index(keep))
    if isinstance(table, FitTable):
        table.refit()


class SupervisorTab(Vertical, ReportsWorkerFailures):
    """A tab of the supervisor console: loads in a worker, shows on the UI thread."""

    #: Shown in the tab; also the pane id.
    TITLE = ""

    def __init__(self, supervision: Supervision, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.supervision = supervision
        self._loaded: object = None

    def on_fit_table_resized(self, event: FitTable.Resized) -> None:
        """A table's width changed: cut the data shown again to the new width.

        This also mends data that arrived before its tab was first laid out.
        """
        event.stop()
        if self._loaded is not None:
            self.show(self._loaded)

    def load_params(self) -> Any:
        """What :meth:`load` needs from the tab, read on the UI thread: plain values."""
        return None

    def load(self, params: Any) -> object:
        """Read what the tab shows for ``params`` (runs in a worker thread; may block).

        It reads no widget and no attribute the UI thread changes: what it
        needs comes in ``params``.
        """
        return None

    def show(self, data: Any) -> None:
        """Put freshly loaded data on screen (UI thread)."""

    def reload(self) -> None:
        """Read and show again, off the UI thread; a newer reload replaces an older one."""
        self._load(self.load_params())

    @work(thread=True, exclusive=True, group="load", exit_on_error=False, description="_load")
    def _load(self, params: Any) -> object:
        return self.load(params)

    def act(self, action: Callable[[], object], done: str | Callable[[Any], str]) -> None:
        """Run a blocking action in a worker; then say ``done`` and reload.

        Args:
            action: the engine call (runs in a thread).
            done: the toast on success, or a function of the action's result making it.
        """
        self._act(action, done)

    @work(thread=True, group="act", exit_on_error=False, description="_act")
    def _act(self, action: Callable[[], object], done: str | Callable[[Any], str]) -> str:
        result = action()
        # Formatting the toast is pure, so it may happen here in the worker.
        return done(result) if callable(done) else done

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Show loaded data; report finished actions (failures: :meth:`worker_failed`)."""
        if event.state != WorkerState.SUCCESS or event.worker.node is not self:
            return
        if event.worker.group == "load":
            self._loaded = event.worker.result
            self.show(event.worker.result)
        elif event.worker.group == "act":
            self.notify(str(event.worker.result), markup=False)
            self.reload()

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """An action failed (the app says why): show the tab as the store has it now."""
        if worker.group == "act":
            self.reload()

    def focus_first(self) -> None:
        """Focus the tab's first focusable widget (its main table, usually)."""
        for widget in self.query("*"):
            if widget.focusable:
                widget.focus()
                return

    def key_of(self, table: DataTable[Any]) -> Hashable | None:
        """The key of the row under ``table``'s cursor, or None when it is empty."""
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


class ConversationTab(SupervisorTab):
    """A tab whose rows are conversations: ``i`` shows the highlighted one's trail and notes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "trail", "Trail"),
        Binding("N", "note", "Note", show=False),
    ]

    def selected_conversation(self) -> int | None:
        """The conversation of the highlighted row (None: no row, or not a conversation)."""
        return None

    def action_trail(self) -> None:
        """Show what happened to the highlighted conversation, and its internal notes."""
        conversation = self.selected_conversation()
        if conversation is None:
            self.notify("Pick an e-mail first.", severity="warning")
            return
        self._load_trail(conversation)

    @work(
        thread=True,
        group="trail",
        exclusive=True,
        exit_on_error=False,
        description="_load_trail",
    )
    def _load_trail(self, conversation: int) -> None:
        supervision = self.supervision
        item = supervision.item(conversation)
        events, notes = supervision.trail(conversation), supervision.notes(conversation)
        title = item.subject if item else f"e-mail {conversation}"
        self.app.call_from_thread(self._show_trail, title, events, notes)

    def _show_trail(self, title: str, events: list[Event], notes: list[Note]) -> None:
        self.app.push_screen(TrailScreen(title, events, notes, self.supervision.name_of))

    def action_note(self) -> None:
        """Write an internal note on the highlighted conversation."""
        conversation = self.selected_conversation()
        if conversation is None:
            self.notify("Pick an e-mail first.", severity="warning")
            return

        def written(text: str | None) -> None:
            if text is not None:
                self.act(
                    lambda: self.supervision.add_note(conversation, text),
                    f"Note kept on e-mail {conversation}.",
                )

        self.app.push_screen(NoteScreen(f"e-mail {conversation}"), written)
