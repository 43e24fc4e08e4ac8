"""The agent's desk: service groups | the queue | the reading pane, and a status line.

Every call into the engine runs in a thread worker and comes back as a
message; the screen itself only arranges what those messages carry. A timer
asks the store for its change mark about once a second, so e-mails taken or
arriving elsewhere appear without a keypress.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.content import Content
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState

from engine.queue import QueueItem
from engine.service import ContactCenter, GroupCount, HealthItem, ReviewOutcome, ServiceError
from micc_tui.agent.dialogs import (
    HelpScreen,
    HistoryScreen,
    TextPrompt,
    TransferDialog,
    TransferRequest,
    downloads_folder,
)
from micc_tui.agent.format import QUEUE_COLUMNS, QueueRow, matches_filter, queue_rows
from micc_tui.agent.panes import ALL_GROUPS, IN_HAND, GroupList, Reading, ReadingPane, StatusLine
from micc_tui.widgets.queue_table import QueueTable
from micc_tui.widgets.safe import one_line

#: Reasons offered when closing an e-mail without a reply.
CLOSE_REASONS = ("Answered by phone", "Duplicate", "No reply needed", "Spam-like, not junk")
#: Seconds between two looks at the store's change mark.
POLL_SECONDS = 0.75
#: Seconds between two "still here" writes; supervisors count an agent whose
#: console was silent for 90 s as logged out (engine.supervision.dashboard).
HEARTBEAT_SECONDS = 30.0
#: Narrower than this, the reading pane goes under the queue.
WIDE = 120
#: Rows read first when a queue is opened, so it paints before the rest is read.
FIRST_PAGE = 100
#: Seconds the cursor must rest on a row before the reading pane loads it.
READ_DELAY = 0.12


@dataclass(frozen=True)
class Snapshot:
    """Everything the screen shows except the reading pane, loaded in one go."""

    view: str
    counts: list[GroupCount]
    in_hand: list[QueueItem]
    rows: list[QueueRow]
    health: list[HealthItem]
    state: str
    outcomes: list[ReviewOutcome] = field(default_factory=list)
    mark: tuple[int, ...] = ()


class AgentScreen(Screen[None]):
    """One agent's console. ``center`` is the engine facade for that agent."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "take_next", "Take next"),
        Binding("t", "take_selected", "Take"),
        Binding("r", "compose('reply')", "Reply"),
        Binding("R", "compose('reply_all')", "Reply all", show=False),
        Binding("f", "compose('forward')", "Forward", show=False),
        Binding("w", "new_email", "New e-mail", show=False),
        Binding("x", "transfer", "Transfer"),
        Binding("b", "put_back", "Put back", show=False),
        Binding("c", "close_item", "Close"),
        Binding("J", "junk", "Junk", show=False),
        Binding("h", "history", "History", show=False),
        Binding("a", "save_attachments", "Save att.", show=False),
        Binding("s", "toggle_state", "Avail/Away"),
        Binding("v", "outcomes", "Reviews", show=False),
        Binding("slash", "filter", "Filter", show=False),
        Binding("1", "view('in-hand')", "In hand", show=False),
        Binding("2", "view('all')", "All", show=False),
        Binding("question_mark", "help", "Help"),
    ]

    class Loaded(Message):
        """A snapshot came back from the store."""

        def __init__(self, snapshot: Snapshot) -> None:
            self.snapshot = snapshot
            super().__init__()

    class ReadingLoaded(Message):
        """The highlighted e-mail came back from the archive."""

        def __init__(self, key: int, reading: Reading | None) -> None:
            self.key = key
            self.reading = reading
            super().__init__()

    class Done(Message):
        """An action finished: say so, reload, maybe show a row."""

        def __init__(self, notice: str, show: int | None = None, view: str | None = None,
                     error: bool = False) -> None:
            self.notice = notice
            self.show = show
            self.view = view
            self.error = error
            super().__init__()

    def __init__(self, center: ContactCenter, *, poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.center = center
        self.poll_seconds = poll_seconds
        self.view = ALL_GROUPS
        self.snapshot: Snapshot | None = None
        self.filter_words: list[str] = []
        self.reading: Reading | None = None
        self._mark: tuple[int, ...] = ()
        self._seen_outcomes: set[int] | None = None
        self._pending_show: int | None = None
        self._read_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield GroupList(id="groups")
            with Container(id="work"):
                with Vertical(id="queue-pane"):
                    yield Input(placeholder="Filter: words in from, subject, access",
                                id="filter")
                    yield QueueTable(QUEUE_COLUMNS, empty_text="No e-mails waiting.",
                                     id="queue")
                yield ReadingPane(id="reading")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#groups", GroupList).border_title = "Service groups"
        self.query_one("#reading", ReadingPane).border_title = "E-mail"
        self.query_one("#queue", QueueTable).focus()
        self._arrange(self.app.size.width)
        self.load()
        self.set_state("available")
        self.set_interval(self.poll_seconds, self.poll)
        self.set_interval(HEARTBEAT_SECONDS, self.heartbeat)

    def on_resize(self, event: Resize) -> None:
        self._arrange(event.size.width)

    def _arrange(self, width: int) -> None:
        self.set_class(width >= WIDE, "-wide")

    # -- loading ------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self) -> None:
        """Read counts, the current view's e-mails, health and state from the store."""
        center, view = self.center, self.view
        mark = center.change_mark()
        in_hand = center.in_hand()
        group = None if view == ALL_GROUPS else view
        counts, health, state = center.group_counts(), center.health(), center.state()
        outcomes = center.review_outcomes()
        first_look = self.snapshot is None or self.snapshot.view != view
        if view != IN_HAND and first_look:
            # A long queue: paint the oldest page now, the rest when it is read.
            page = queue_rows(center.queue(group, limit=FIRST_PAGE), center.clock(),
                              mine=center.agent.id)
            self.post_message(self.Loaded(Snapshot(view, counts, in_hand, page, health, state,
                                                   outcomes, ())))
        items = in_hand if view == IN_HAND else center.queue(group)
        rows = queue_rows(items, center.clock(), mine=center.agent.id)
        self.post_message(self.Loaded(Snapshot(view, counts, in_hand, rows, health, state,
                                               outcomes, mark)))

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def poll(self) -> None:
        """Reload when the store changed since the last snapshot."""
        if self.center.change_mark() != self._mark:
            self.app.call_from_thread(self.load)

    def on_agent_screen_loaded(self, message: Loaded) -> None:
        snap = self.snapshot = message.snapshot
        if snap.view != self.view:
            return
        self._mark = snap.mark
        self.query_one("#groups", GroupList).show(snap.counts, len(snap.in_hand), self.view)
        self._show_rows(reread=True)
        self._show_status()
        self._announce_outcomes(snap.outcomes)

    def _show_rows(self, *, reread: bool = False) -> None:
        if self.snapshot is None:
            return
        rows = self.snapshot.rows
        if self.filter_words:
            rows = [r for r in rows if matches_filter(r, self.filter_words)]
        table = self.query_one("#queue", QueueTable)
        table.set_rows(rows)
        if self._pending_show is not None and table.move_to(self._pending_show):
            self._pending_show = None
        title = {IN_HAND: "In hand", ALL_GROUPS: "All my groups"}.get(self.view, self.view)
        shown = f"{len(rows)} of {len(self.snapshot.rows)}" if self.filter_words else str(len(rows))
        table.border_title = Content(f"{one_line(title)} · {shown}")
        if table.cursor_key is None:
            self.reading = None
            self.query_one("#reading", ReadingPane).clear("No e-mail selected.")
        elif reread or self.reading is None or (
                self.reading.message.conversation_id != table.cursor_key):
            self.read(table.cursor_key)  # after a reload its state may have changed too

    def _show_status(self, notice: str = "") -> None:
        if self.snapshot is not None:
            snap = self.snapshot
            self.query_one("#status", StatusLine).show(
                self.center.agent.name, snap.state, len(snap.in_hand), snap.health, notice)

    def _announce_outcomes(self, outcomes: list[ReviewOutcome]) -> None:
        ids = {o.outbox_id for o in outcomes}
        if self._seen_outcomes is not None:
            for outcome in outcomes:
                if outcome.outbox_id not in self._seen_outcomes:
                    comment = f" — {one_line(outcome.comment)}" if outcome.comment else ""
                    self.notify(f"Reply {outcome.state}: {one_line(outcome.subject)}{comment}",
                                title="Review", markup=False, timeout=10,
                                severity="warning" if outcome.state == "rejected"
                                else "information")
        self._seen_outcomes = ids

    @on(QueueTable.Highlighted, "#queue")
    def _highlighted(self, event: QueueTable.Highlighted) -> None:
        # Holding an arrow key should move the cursor, not load every e-mail passed.
        if self._read_timer is not None:
            self._read_timer.stop()
        key = event.key
        if key is not None:
            self._read_timer = self.set_timer(READ_DELAY, lambda: self.read(key))

    @work(thread=True, exclusive=True, group="read", exit_on_error=False)
    def read(self, key: int) -> None:
        """Load the highlighted conversation's latest message."""
        item = self.center.item(key)
        message = self.center.message(key) if item else None
        reading = Reading(message, item.state, item.agent_id, item.service_group,
                          item.reason) if item and message else None
        self.post_message(self.ReadingLoaded(key, reading))

    def on_agent_screen_reading_loaded(self, message: ReadingLoaded) -> None:
        table = self.query_one("#queue", QueueTable)
        if message.key != table.cursor_key:
            return
        self.reading = message.reading
        pane = self.query_one("#reading", ReadingPane)
        if message.reading is None:
            pane.clear("This e-mail is no longer available.")
        else:
            pane.show(message.reading)

    def on_group_list_chosen(self, message: GroupList.Chosen) -> None:
        self.switch_view(message.view)

    def switch_view(self, view: str) -> None:
        """Show another queue (a group, all groups or the agent's own e-mails)."""
        if view != self.view:
            self.view = view
            self.load()

    # -- actions ------------------------------------------------------------------

    @work(thread=True, group="action", exit_on_error=False)
    def perform(self, action: Callable[[], tuple[str, int | None, str | None]]) -> None:
        """Run an engine call; its result says what to tell the agent and what to show."""
        try:
            notice, show, view = action()
        except ServiceError as exc:
            self.post_message(self.Done(str(exc), error=True))
            return
        self.post_message(self.Done(notice, show, view))

    def on_agent_screen_done(self, message: Done) -> None:
        self.notify(message.notice, markup=False,
                    severity="error" if message.error else "information")
        if message.view is not None:
            self.view = message.view
        if message.show is not None:
            self._pending_show = message.show
        self.load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # One place for failures nobody expected: tell the agent, keep the console alive.
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.notify(f"{event.worker.name}: {event.worker.error}", markup=False,
                        title="Something went wrong", severity="error", timeout=8)

    def _selected(self, *, mine: bool) -> QueueItem | int | None:
        key = self.query_one("#queue", QueueTable).cursor_key
        if key is None:
            self.notify("No e-mail selected.", severity="warning")
            return None
        if not mine:
            return key
        held = next((i for i in (self.snapshot.in_hand if self.snapshot else []) if i.id == key),
                    None)
        if held is None:
            self.notify("Take this e-mail first (t).", severity="warning")
        return held

    def action_take_next(self) -> None:
        """Take the oldest queued e-mail of the group shown (or of all groups)."""
        group = self.view if self.view not in (IN_HAND, ALL_GROUPS) else None

        def take() -> tuple[str, int | None, str | None]:
            item = self.center.take_next(group)
            if item is None:
                return "No e-mail is waiting.", None, None
            return f"Taken: {one_line(item.subject)}", item.id, IN_HAND
        self.perform(take)

    def action_take_selected(self) -> None:
        """Take the highlighted e-mail."""
        key = self._selected(mine=False)
        if isinstance(key, int):
            def take() -> tuple[str, int | None, str | None]:
                item = self.center.take(key)
                return f"Taken: {one_line(item.subject)}", item.id, IN_HAND
            self.perform(take)

    @on(QueueTable.Selected, "#queue")
    def _selected_row(self, event: QueueTable.Selected) -> None:
        held = self.snapshot is not None and any(i.id == event.key for i in self.snapshot.in_hand)
        if held:
            self.action_compose("reply")
        else:
            self.action_take_selected()

    def _simple(self, verb: str, call: Callable[[int], object]) -> None:
        item = self._selected(mine=True)
        if isinstance(item, QueueItem):
            def act() -> tuple[str, int | None, str | None]:
                call(item.id)
                return f"{verb}: {one_line(item.subject)}", None, None
            self.perform(act)

    def action_put_back(self) -> None:
        """Return the highlighted e-mail to its queue."""
        self._simple("Put back", self.center.put_back)

    def action_junk(self) -> None:
        """Mark the highlighted e-mail as junk."""
        self._simple("Marked as junk", self.center.junk)

    def action_close_item(self) -> None:
        """Close the highlighted e-mail without a reply, with a reason."""
        item = self._selected(mine=True)
        if isinstance(item, QueueItem):
            def closed(reason: str | None) -> None:
                if reason:
                    self._simple("Closed", lambda key: self.center.close_item(key, reason))
            self.app.push_screen(TextPrompt("Close without reply: why?", "Reason",
                                            suggestions=CLOSE_REASONS), closed)

    def action_transfer(self) -> None:
        """Move the highlighted e-mail to another group with a note."""
        item = self._selected(mine=True)
        if isinstance(item, QueueItem):
            def chosen(request: TransferRequest | None) -> None:
                if request is not None:
                    self._simple(f"Transferred to {request.group}", lambda key:
                                 self.center.transfer(key, request.group, request.note))
            groups = [g.name for g in self.center.config.service_group]
            self.app.push_screen(TransferDialog(groups, item.service_group), chosen)

    def action_compose(self, kind: str) -> None:
        """Reply, reply all or forward the highlighted e-mail (it must be in hand)."""
        item = self._selected(mine=True)
        if isinstance(item, QueueItem):
            self.open_composer(lambda: self.center.draft(item.id, kind))  # type: ignore[arg-type]

    def action_new_email(self) -> None:
        """Write a new e-mail from a group that has an address."""
        groups = self.center.originating_groups()
        if not groups:
            self.notify("None of your groups has an e-mail address to send from.",
                        severity="warning")
            return
        preferred = self.view if self.view in groups else groups[0]
        self.open_composer(lambda: self.center.draft_new(preferred))

    @work(thread=True, group="draft", exit_on_error=False)
    def open_composer(self, build: Callable[[], object]) -> None:
        """Build the draft off the UI thread, then open the composer on it."""
        from micc_tui.agent.composer import ComposerScreen

        try:
            draft = build()
        except ServiceError as exc:
            self.post_message(self.Done(str(exc), error=True))
            return
        self.app.call_from_thread(
            self.app.push_screen, ComposerScreen(self.center, draft),  # type: ignore[arg-type]
            lambda result: self.load())

    def action_history(self) -> None:
        """Show the customer's past conversations."""
        key = self._selected(mine=False)
        if isinstance(key, int):
            self.load_history(key)

    @work(thread=True, group="history", exclusive=True, exit_on_error=False)
    def load_history(self, key: int) -> None:
        """Search the archive for the customer's other e-mails."""
        item = self.center.item(key)
        messages = self.center.history(key)
        who = (item.from_name or item.from_address) if item else "?"
        self.app.call_from_thread(self.app.push_screen, HistoryScreen(who, messages))

    def action_save_attachments(self) -> None:
        """Save the shown e-mail's attachments to a folder."""
        if self.reading is None or not self.reading.message.attachments:
            self.notify("This e-mail has no attachments.", severity="warning")
            return
        message = self.reading.message

        def save_to(folder: str | None) -> None:
            if folder:
                def save() -> tuple[str, int | None, str | None]:
                    target = Path(folder).expanduser()
                    saved = [self.center.save_attachment(message.id, i, target)
                             for i in range(1, len(message.attachments) + 1)]
                    return "Saved " + ", ".join(one_line(p.name) for p in saved) + \
                        f" in {target}", None, None
                self.perform(save)
        self.app.push_screen(TextPrompt("Save attachments to folder", "Folder",
                                        value=str(downloads_folder())), save_to)

    def action_toggle_state(self) -> None:
        """Switch between Available and Away."""
        state = self.snapshot.state if self.snapshot else "away"
        self.set_state("away" if state == "available" else "available")

    @work(thread=True, exclusive=True, group="heartbeat", exit_on_error=False)
    def heartbeat(self) -> None:
        """Tell supervisors this console is still open (they count logged-in agents by it)."""
        self.center.heartbeat()

    @work(thread=True, group="state", exit_on_error=False)
    def set_state(self, state: str) -> None:
        """Record the agent's state."""
        self.center.set_state(state)  # type: ignore[arg-type]
        self.app.call_from_thread(self.load)

    def action_outcomes(self) -> None:
        """List the supervisors' decisions on this agent's reviewed replies."""
        outcomes = self.snapshot.outcomes if self.snapshot else []
        if not outcomes:
            self.notify("No review decisions yet.")
        for outcome in outcomes[:5]:
            self.notify(f"{outcome.state}: {one_line(outcome.subject)} "
                        f"{one_line(outcome.comment)}", title="Review", markup=False)

    def action_filter(self) -> None:
        """Show the filter box."""
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_words = event.value.casefold().split()
        self._show_rows()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.remove_class("-shown")
        self.query_one("#queue", QueueTable).focus()

    def action_view(self, which: str) -> None:
        """Show the agent's own e-mails (in-hand) or every group's queue (all)."""
        self.switch_view(IN_HAND if which == "in-hand" else ALL_GROUPS)

    def action_help(self) -> None:
        """Show the keys."""
        self.app.push_screen(HelpScreen())
