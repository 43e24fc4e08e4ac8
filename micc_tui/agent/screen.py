"""The agent's desk: service groups | the queue | the reading pane, and a status line.

Every call into the engine runs in a thread worker and comes back as a
message; the screen itself only arranges what those messages carry. A timer
asks the store for its change mark about once a second, so e-mails taken or
arriving elsewhere appear without a keypress. The keys and what they do are
in :mod:`micc_tui.agent.actions`.

Startup is kept to what the first frame needs: the oldest page of the queue
is read before the rest, the filter box is mounted when first opened, and
dialogs and the composer load when first used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Input
from textual.worker import get_current_worker

from engine.agent_state import NO_ANSWER
from engine.errors import Refused
from engine.service import AgentState, ContactCenter, HealthItem, ReviewOutcome
from engine.thread import ThreadEntry
from micc_tui.agent.actions import DeskActions
from micc_tui.agent.format import QUEUE_COLUMNS, QueueRow, Snapshot, matches_filter, queue_rows
from micc_tui.agent.offers import OfferBanner
from micc_tui.agent.panes import (
    ALL_GROUPS,
    IN_HAND,
    WAITING,
    DeskQueue,
    GroupList,
    Reading,
    ReadingPane,
    StatusLine,
    ThreadPart,
)
from micc_tui.agent.thread_lines import ThreadLines, message_keys, thread_lines
from micc_tui.widgets.body_view import HEAD_CHARS, prepare
from micc_tui.widgets.queue_table import QueueTable
from micc_tui.widgets.safe import one_line

#: Seconds between two looks at the store's change mark.
POLL_SECONDS = 0.75
#: Seconds between two "still here" writes; supervisors count an agent whose
#: console was silent for 90 s as logged out (engine.supervision.dashboard).
HEARTBEAT_SECONDS = 30.0
#: Seconds between two redraws of the status line (the engine's silence grows).
STATUS_SECONDS = 30.0
#: Seconds between two redraws of the waiting times (as often as the supervisor's
#: dashboard ages its figures: micc_tui.supervisor.app.AGEING_SECONDS).
AGEING_SECONDS = 5.0
#: Narrower than this, the reading pane goes under the queue.
WIDE = 120
#: Rows read first when a queue is opened, so it paints before the rest is read.
FIRST_PAGE = 100
#: ``change_mark()`` is (events, review outcomes, own state, engine health): parts
#: before this index change the queues; the last one only the status line.
HEALTH_PART = 3
#: Seconds the cursor must rest on a row before the reading pane loads it.
READ_DELAY = 0.12
#: Rows filtered between two looks at whether a newer keystroke made the work moot.
FILTER_CHUNK = 2000

__all__ = ["AgentScreen", "Snapshot"]


class AgentScreen(DeskActions):
    """One agent's console. ``center`` is the engine facade for that agent."""

    class Loaded(Message):
        """A snapshot came back from the store (``epoch``: state writes seen when it started)."""

        def __init__(self, snapshot: Snapshot, epoch: int) -> None:
            self.snapshot = snapshot
            self.epoch = epoch
            super().__init__()

    class HealthLoaded(Message):
        """Only the engine's health rows changed: fresh rows for the status line."""

        def __init__(self, health: list[HealthItem], mark: tuple[int, ...]) -> None:
            self.health = health
            self.mark = mark
            super().__init__()

    class ReadingLoaded(Message):
        """The highlighted e-mail came back from the archive."""

        def __init__(self, key: int, reading: Reading | None) -> None:
            self.key = key
            self.reading = reading
            super().__init__()

    class Filtered(Message):
        """The rows of a snapshot that match the filter words."""

        def __init__(self, snapshot: Snapshot, words: list[str], rows: list[QueueRow]) -> None:
            self.snapshot = snapshot
            self.words = words
            self.rows = rows
            super().__init__()

    def __init__(
        self,
        center: ContactCenter,
        *,
        poll_seconds: float = POLL_SECONDS,
        state: AgentState = "available",
    ) -> None:
        super().__init__()
        # Textual sets the class matching the width on every resize.
        self.HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
        self.center = center
        self.poll_seconds = poll_seconds
        self.start_state = state
        self.view = ALL_GROUPS
        self.snapshot: Snapshot | None = None
        self.filter_words: list[str] = []
        self.reading: Reading | None = None
        self.pending_show: int | None = None
        self._mark: tuple[int, ...] = ()
        self._seen_outcomes: set[int] | None = None
        self._read_timer: Timer | None = None
        #: This console's last state write (state, reason), and how many it made.
        self._state_written: tuple[str, str] | None = None
        self._state_epoch = 0

    def compose(self) -> ComposeResult:
        # The breakpoint class set now, not on the first resize: switching it after
        # mount would restyle every widget once more before the first frame.
        self.set_class(self.app.size.width >= WIDE, "-wide")
        self.set_class(self.app.size.width < WIDE, "-narrow")
        yield OfferBanner(on_desk=True, id="offer-banner")
        with Horizontal(id="main"):
            yield GroupList(id="groups")
            with Container(id="work"):
                with Vertical(id="queue-pane"):
                    yield DeskQueue(QUEUE_COLUMNS, empty_text="No e-mails waiting.", id="queue")
                yield ReadingPane(id="reading")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#groups", GroupList).border_title = "Service groups"
        self.query_one("#reading", ReadingPane).border_title = "E-mail"
        self.query_one("#queue", QueueTable).focus()
        self.load()
        self.set_state(self.start_state)
        self.set_interval(self.poll_seconds, self.poll)
        self.set_interval(HEARTBEAT_SECONDS, self.heartbeat)
        # A killed engine writes nothing, so nothing reloads: look at its age now and then.
        self.set_interval(STATUS_SECONDS, self._show_status)
        # Nothing in the store changes while e-mails wait: the clock alone ages them.
        self.set_interval(AGEING_SECONDS, self.age_rows)

    # -- loading ------------------------------------------------------------------

    def load(self) -> None:
        """Read counts, the current view's e-mails, health and state, off the UI thread."""
        view = self.view
        first_look = self.snapshot is None or self.snapshot.view != view
        cursor = self.query_one("#queue", QueueTable).cursor_key
        self.load_view(view, first_look=first_look, epoch=self._state_epoch, cursor=cursor)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False, description="load_view")
    def load_view(
        self, view: str, *, first_look: bool, epoch: int = 0, cursor: int | None = None
    ) -> None:
        """Read what ``view`` shows; on a ``first_look`` at a long queue, its first page first."""
        center = self.center
        group = None if view in (IN_HAND, ALL_GROUPS, WAITING) else view
        mark = center.change_mark()
        read_mark = (cursor, center.newest_event(cursor) if cursor is not None else 0)
        in_hand, waiting = center.in_hand(), center.waiting()
        counts, health, state = center.group_counts(), center.health(), center.state()
        reason = center.away_reason()
        outcomes = center.review_outcomes()
        drafted = center.drafted()
        if view not in (IN_HAND, WAITING) and first_look:
            # A long queue: paint the oldest page now, the rest when it is read.
            page = queue_rows(
                center.queue(group, limit=FIRST_PAGE),
                center.clock(),
                mine=center.agent.id,
                drafted=drafted,
            )
            self.post_message(
                self.Loaded(
                    Snapshot(
                        view, counts, in_hand, page, health, state, outcomes, (), waiting, reason
                    ),
                    epoch,
                )
            )
        own = {IN_HAND: in_hand, WAITING: waiting}
        items = own[view] if view in own else center.queue(group)
        # What waits for the customer is out of the agent's hand: dimmed.
        rows = queue_rows(
            items, center.clock(), mine=center.agent.id, drafted=drafted, dim=view == WAITING
        )
        self.post_message(
            self.Loaded(
                Snapshot(
                    view,
                    counts,
                    in_hand,
                    rows,
                    health,
                    state,
                    outcomes,
                    mark,
                    waiting,
                    reason,
                    read_mark,
                ),
                epoch,
            )
        )

    @work(
        thread=True,
        exclusive=True,
        group="heartbeat",
        exit_on_error=False,
        description="heartbeat",
    )
    def heartbeat(self) -> None:
        """Tell supervisors this console is still open (they count logged-in agents by it)."""
        self.center.heartbeat()

    def poll(self) -> None:
        """Reload when the store changed since the last snapshot (looked at off the UI thread)."""
        self.poll_store(self._mark)

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False, description="poll_store")
    def poll_store(self, shown: tuple[int, ...]) -> None:
        """Compare the store's change mark with the ``shown`` one; reload what moved."""
        mark = self.center.change_mark()
        if mark == shown:
            return
        if shown and mark[:HEALTH_PART] == shown[:HEALTH_PART]:
            # The engine rewrites its health rows now and then: with many consoles
            # open, each re-reading its whole queue for that would be waste.
            self.post_message(self.HealthLoaded(self.center.health(), mark))
        else:
            self.app.call_from_thread(self.load)

    def on_agent_screen_health_loaded(self, message: HealthLoaded) -> None:
        if self.snapshot is None or self._mark[:HEALTH_PART] != message.mark[:HEALTH_PART]:
            return  # the queues moved meanwhile: a full load is on its way
        self.snapshot = replace(self.snapshot, health=message.health)
        self._mark = message.mark
        self._show_status()

    def on_agent_screen_loaded(self, message: Loaded) -> None:
        snap = message.snapshot
        if self._state_written is not None and message.epoch < self._state_epoch:
            # Read before this console's own write was done: the write is newer.
            state, reason = self._state_written
            snap = replace(snap, state=state, reason=reason)
        self._announce_no_answer(snap)
        self._announce_answers(snap)
        before = self.snapshot
        self.snapshot = snap
        if snap.view != self.view:
            return
        self._mark = snap.mark
        self.query_one("#groups", GroupList).show(
            snap.counts, len(snap.in_hand), self.view, len(snap.waiting)
        )
        self._show_rows(reread=self._cursor_row_changed(before, snap))
        self._show_status()
        self._announce_outcomes(snap.outcomes)

    def _cursor_row_changed(self, before: Snapshot | None, after: Snapshot) -> bool:
        """Whether the e-mail under the cursor changed in the store (the pane reads it again).

        Another e-mail arriving or moving elsewhere does not change the one
        read: with many consoles open, reading it again at every reload would
        be most of the reload's cost.
        """
        key = self.query_one("#queue", QueueTable).cursor_key
        if before is None or before.view != after.view or key is None:
            return True
        if after.read_mark[0] != key or before.read_mark != after.read_mark:
            return True  # another e-mail, or something happened to this one (a note)
        old = next((r.item for r in before.rows if r.key == key), None)
        new = next((r.item for r in after.rows if r.key == key), None)
        return old is None or old != new

    def on_desk_actions_state_set(self, message: DeskActions.StateSet) -> None:
        # Newer than any load under way; later loads read the store (the engine
        # and supervisors change the state too: "no answer", a supervisor's Away).
        self._state_written = (message.state, message.reason)
        self._state_epoch += 1
        if self.snapshot is not None:
            self.snapshot = replace(self.snapshot, state=message.state, reason=message.reason)
            self._show_status()

    def _show_rows(self, *, reread: bool = False) -> None:
        if self.snapshot is None:
            return
        if self.filter_words:
            self.filter_rows(self.snapshot, list(self.filter_words))
            return
        self._put_rows(self.snapshot.rows, reread=reread)

    def age_rows(self) -> None:
        """Redraw the waiting times against the clock, without reading the store again.

        Only the rows' moment changes; their cells are formatted again when next
        painted, so a queue of 10,000 costs a loop, and thirty rows are drawn.
        """
        if self.snapshot is None:
            return
        now = self.center.clock()
        for row in self.snapshot.rows:
            row.age(now)
        self.query_one("#queue", QueueTable).refresh()

    def _put_rows(self, rows: Sequence[QueueRow], *, reread: bool = False) -> None:
        assert self.snapshot is not None
        table = self.query_one("#queue", QueueTable)
        table.set_rows(rows)
        if self.pending_show is not None and table.move_to(self.pending_show):
            self.pending_show = None
        title = {
            IN_HAND: "In hand",
            ALL_GROUPS: "All my groups",
            WAITING: "Waiting for the customer",
        }.get(self.view, self.view)
        total = len(self.snapshot.rows)
        shown = f"{len(rows)} of {total}" if self.filter_words else str(len(rows))
        table.border_title = Content(f"{one_line(title)} · {shown}")
        if table.cursor_key is None:
            self.reading = None
            self.query_one("#reading", ReadingPane).clear("No e-mail selected.")
        elif (
            reread
            or self.reading is None
            or (self.reading.message.conversation_id != table.cursor_key)
        ):
            # After a reload its state may have changed too. Debounced like the cursor:
            # filter keystrokes and quick reloads should not each redraw the pane.
            self._read_soon(table.cursor_key)

    def _show_status(self, notice: str = "") -> None:
        if self.snapshot is not None:
            snap = self.snapshot
            self.query_one("#status", StatusLine).show(
                self.center.agent.name,
                snap.state,
                snap.reason,
                len(snap.in_hand),
                snap.health,
                self.center.clock(),
                notice,
            )

    def _announce_no_answer(self, snap: Snapshot) -> None:
        """An offer went unanswered and the engine set the agent Away: say so, and how back."""
        before = self.snapshot
        if (
            before is not None
            and before.state == "available"
            and snap.state != "available"
            and snap.reason == NO_ANSWER
        ):
            self.notify(
                "Not answered in time: the e-mail goes to the next agent, and you are "
                "Away (no answer). "
                "Press s to be Available again.",
                title="No answer",
                severity="warning",
                markup=False,
                timeout=10,
            )

    def _announce_answers(self, snap: Snapshot) -> None:
        """Say which e-mails the agent waited on came back, and where to."""
        before = {i.id: i for i in self.snapshot.waiting} if self.snapshot else {}
        still = {i.id for i in snap.waiting}
        held = {i.id for i in snap.in_hand}
        for key, item in before.items():
            if key in still:
                continue
            subject = one_line(item.subject or "(no subject)")
            if key in held:
                words = f"The customer answered: {subject} is back in your hand."
            else:
                words = f"Back in the queue: {subject}"
            self.notify(words, title="Waiting for the customer", markup=False, timeout=10)

    def _announce_outcomes(self, outcomes: list[ReviewOutcome]) -> None:
        ids = {o.outbox_id for o in outcomes}
        if self._seen_outcomes is not None:
            for outcome in outcomes:
                if outcome.outbox_id not in self._seen_outcomes:
                    comment = f" — {one_line(outcome.comment)}" if outcome.comment else ""
                    self.notify(
                        f"Reply {outcome.state}: {one_line(outcome.subject)}{comment}",
                        title="Review",
                        markup=False,
                        timeout=10,
                        severity="warning" if outcome.state == "rejected" else "information",
                    )
        self._seen_outcomes = ids

    # -- the reading pane ---------------------------------------------------------

    @on(QueueTable.Highlighted, "#queue")
    def _highlighted(self, event: QueueTable.Highlighted) -> None:
        # Holding an arrow key should move the cursor, not load every e-mail passed.
        if event.key is not None:
            self._read_soon(event.key)

    def _read_soon(self, key: int) -> None:
        if self._read_timer is not None:
            self._read_timer.stop()
        self._read_timer = self.set_timer(READ_DELAY, lambda: self.read(key, self.reading))

    @work(thread=True, exclusive=True, group="read", exit_on_error=False, description="read")
    def read(self, key: int, shown: Reading | None = None) -> None:
        """Load the highlighted conversation: its latest message (its body prepared) and thread.

        When the message ``shown`` is still the one to show (the latest, or
        one the agent picked in the thread), only its state and the thread are
        read again: a long e-mail is not read and prepared again each time the
        store changes.
        """
        item = self.center.item(key)
        same = (
            item is not None
            and shown is not None
            and shown.message.conversation_id == key
            and (shown.message.id == item.message or shown.picked)
        )
        if item and shown is not None and same:
            entries, lines = self._thread(key, shown.message.id, shown.thread)
            again = replace(
                shown,
                state=item.state,
                agent_id=item.agent_id,
                service_group=item.service_group,
                reason=item.reason,
                thread=entries,
                lines=lines,
                remind_at=item.remind_at,
            )
            self.post_message(self.ReadingLoaded(key, again))
            return
        # Only the beginning of each body: a 25 MB e-mail is never read to show 256 KB.
        message = self.center.message_head(key, HEAD_CHARS) if item else None
        reading = None
        if item and message:
            entries, lines = self._thread(key, message.id)
            reading = Reading(
                message,
                item.state,
                item.agent_id,
                item.service_group,
                item.reason,
                prepare(message),
                entries,
                lines,
                remind_at=item.remind_at,
            )
        self.post_message(self.ReadingLoaded(key, reading))

    def _thread(
        self, key: int, shown: int, known: Sequence[ThreadEntry] = ()
    ) -> tuple[tuple[ThreadEntry, ...], ThreadLines | None]:
        """The conversation's entries and their lines around message ``shown`` (in a worker)."""
        try:
            entries = tuple(self.center.thread(key, known))
        except Refused:  # no longer in the agent's groups: the e-mail alone
            return (), None
        return entries, thread_lines(entries, f"m{shown}", self.center.name_of)

    @work(thread=True, exclusive=True, group="read", exit_on_error=False, description="pick")
    def pick(self, key: int, reading: Reading, message_id: int) -> None:
        """Show another e-mail of the conversation (``[`` ``]``, a click on its line)."""
        message = self.center.thread_message(key, message_id, HEAD_CHARS)
        newest = next(
            (e.message.id for e in reversed(reading.thread) if e.message is not None), None
        )
        picked = replace(
            reading,
            message=message,
            body=prepare(message),
            lines=thread_lines(reading.thread, f"m{message_id}", self.center.name_of),
            picked=message_id != newest,
        )
        self.post_message(self.ReadingLoaded(key, picked))

    def action_thread_step(self, step: int) -> None:
        """``[`` / ``]``: show the conversation's earlier / later e-mail."""
        reading = self.reading
        if reading is None:
            self.notify("No e-mail selected.", severity="warning")
            return
        keys = message_keys(reading.thread)
        here = f"m{reading.message.id}"
        at = keys.index(here) if here in keys else len(keys) - 1
        goal = at + step
        if not 0 <= goal < len(keys):
            words = "first" if step < 0 else "latest"
            self.notify(f"This is the conversation's {words} e-mail.", markup=False)
            return
        self._pick(reading, keys[goal])

    @on(ThreadPart.Picked)
    def _line_clicked(self, event: ThreadPart.Picked) -> None:
        if self.reading is not None and event.key.startswith("m"):
            self._pick(self.reading, event.key)

    def _pick(self, reading: Reading, key: str) -> None:
        conversation = reading.message.conversation_id
        if conversation is not None:
            self.pick(conversation, reading, int(key[1:]))

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

    # -- views and the filter -----------------------------------------------------

    def on_group_list_chosen(self, message: GroupList.Chosen) -> None:
        self.switch_view(message.view)

    def switch_view(self, view: str) -> None:
        """Show another queue (a group, all groups or the agent's own e-mails)."""
        if view != self.view:
            self.view = view
            self.load()

    def show_filter(self) -> None:
        """Show the filter box (mounted the first time it is asked for)."""
        boxes = self.query("#filter").results(Input)
        box = next(boxes, None)
        if box is None:
            box = Input(placeholder="Filter: words in from, subject, access", id="filter")
            self.query_one("#queue-pane", Vertical).mount(box, before=0)
        box.add_class("-shown")
        box.focus()

    @work(
        thread=True,
        exclusive=True,
        group="filter",
        exit_on_error=False,
        description="filter_rows",
    )
    def filter_rows(self, snapshot: Snapshot, words: list[str]) -> None:
        """Keep the rows matching every word; a newer keystroke cancels older work."""
        worker = get_current_worker()
        kept: list[QueueRow] = []
        rows = snapshot.rows
        for start in range(0, len(rows), FILTER_CHUNK):
            if worker.is_cancelled:
                return
            kept += [r for r in rows[start : start + FILTER_CHUNK] if matches_filter(r, words)]
        self.post_message(self.Filtered(snapshot, words, kept))

    def on_agent_screen_filtered(self, message: Filtered) -> None:
        if message.snapshot is self.snapshot and message.words == self.filter_words:
            self._put_rows(message.rows)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_words = event.value.casefold().split()
        self._show_rows()

    def action_close_filter(self) -> None:
        """Escape in the filter box: clear it, hide it, back to the queue."""
        box = next(self.query("#filter").results(Input), None)
        if box is None or not box.has_class("-shown"):
            return
        box.value = ""
        self.filter_words = []
        self._show_rows()
        box.remove_class("-shown")
        self.query_one("#queue", QueueTable).focus()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.remove_class("-shown")
        self.query_one("#queue", QueueTable).focus()
