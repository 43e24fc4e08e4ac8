"""What an agent does at the desk: take, put back, transfer, close, junk, wait, write, look up.

:class:`DeskActions` is the agent screen's half that acts: its keys, the
actions behind them and the worker that runs each engine call.
:class:`~micc_tui.agent.screen.AgentScreen` adds the half that shows (layout,
loading, the reading pane). Dialogs, pickers and the composer are imported
only when first opened, so none of their code runs before the first paint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker

from engine import dates
from engine.errors import Refused
from engine.queue import QueueItem
from engine.service import ContactCenter
from micc_tui.agent.format import Snapshot
from micc_tui.agent.panes import ALL_GROUPS, IN_HAND, WAITING, Reading
from micc_tui.widgets.queue_table import QueueTable
from micc_tui.widgets.safe import one_line
from micc_tui.workers import ReportsWorkerFailures

if TYPE_CHECKING:
    from engine.archive import ArchivedMessage
    from engine.audit import Event
    from engine.drafts import Draft
    from engine.notes import Note
    from engine.service import RestoredDraft
    from micc_tui.widgets.body_view import Body

#: Reasons offered when closing an e-mail without a reply.
CLOSE_REASONS = ("Answered by phone", "Duplicate", "No reply needed", "Spam-like, not junk")

#: What an action's engine call hands back: a notice, a row to show, a view to switch to.
Outcome = tuple[str, int | None, str | None]


class DeskActions(Screen[None], ReportsWorkerFailures):
    """The agent console's keys and actions (the screen that shows them subclasses this).

    An engine call that fails (a refusal, a vanished file) is shown by the app
    (:mod:`micc_tui.workers`); the desk then reloads, as the refusal usually
    means someone else changed the e-mail.
    """

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
        Binding("p", "wait_for_customer", "Wait for customer", show=False),
        Binding("h", "history", "History", show=False),
        Binding("i", "trail", "Trail", show=False),
        Binding("N", "note", "Note", show=False),
        Binding("left_square_bracket", "thread_step(-1)", "Earlier e-mail", show=False),
        Binding("right_square_bracket", "thread_step(1)", "Later e-mail", show=False),
        Binding("a", "save_attachments", "Save att.", show=False),
        Binding("m", "show_all", "Show all", show=False),
        Binding("d", "save_body", "Save body", show=False),
        Binding("s", "toggle_state", "Avail/Away"),
        Binding("v", "outcomes", "Reviews", show=False),
        Binding("slash", "filter", "Filter", show=False),
        Binding("escape", "close_filter", "Clear filter", show=False),
        Binding("1", "view('in-hand')", "In hand", show=False),
        Binding("2", "view('all')", "All", show=False),
        Binding("3", "view('waiting')", "Waiting", show=False),
        Binding("question_mark", "help", "Help"),
        # Ahead of the queue's own Enter, only while an offer shows (check_action).
        Binding("enter", "accept_offer", "Accept offer", show=False, priority=True),
    ]

    class Done(Message):
        """An action finished: say so, reload, maybe show a row."""

        def __init__(self, notice: str, show: int | None = None, view: str | None = None) -> None:
            self.notice = notice
            self.show = show
            self.view = view
            super().__init__()

    class StateSet(Message):
        """The agent's Available/Away state (and why Away) was written."""

        def __init__(self, state: str, reason: str = "") -> None:
            self.state = state
            self.reason = reason
            super().__init__()

    # Set by the screen that shows the desk.
    center: ContactCenter
    view: str
    snapshot: Snapshot | None
    reading: Reading | None
    pending_show: int | None

    def load(self) -> None:
        """Reload what the desk shows (the showing screen implements it)."""
        raise NotImplementedError

    def switch_view(self, view: str) -> None:
        """Show another queue (the showing screen implements it)."""
        raise NotImplementedError

    def show_filter(self) -> None:
        """Open the filter box (the showing screen implements it)."""
        raise NotImplementedError

    # -- running engine calls ------------------------------------------------------

    @work(thread=True, group="action", exit_on_error=False, description="perform")
    def perform(self, action: Callable[[], Outcome]) -> None:
        """Run an engine call; its result says what to tell the agent and what to show."""
        notice, show, view = action()
        self.post_message(self.Done(notice, show, view))

    def on_desk_actions_done(self, message: Done) -> None:
        self.notify(message.notice, markup=False)
        if message.view is not None:
            self.view = message.view
        if message.show is not None:
            self.pending_show = message.show
        self.load()

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """An action or a draft was refused or failed: show the desk as it is now."""
        if worker.group in ("action", "draft"):
            self.load()

    def _selected(self, *, mine: bool) -> QueueItem | int | None:
        key = self.query_one("#queue", QueueTable).cursor_key
        if key is None:
            self.notify("No e-mail selected.", severity="warning")
            return None
        if not mine:
            return key
        held = next(
            (i for i in (self.snapshot.in_hand if self.snapshot else []) if i.id == key), None
        )
        if held is None:
            self.notify("Take this e-mail first (t).", severity="warning")
        return held

    # -- taking and handing back ---------------------------------------------------

    def action_take_next(self) -> None:
        """Take the oldest queued e-mail of the group shown (or of all groups)."""
        group = self.view if self.view not in (IN_HAND, ALL_GROUPS) else None

        def take() -> Outcome:
            item = self.center.take_next(group)
            if item is None:
                return "No e-mail is waiting.", None, None
            return f"Taken: {one_line(item.subject)}", item.id, IN_HAND

        self.perform(take)

    def action_take_selected(self) -> None:
        """Take the highlighted e-mail."""
        key = self._selected(mine=False)
        if isinstance(key, int):

            def take() -> Outcome:
                item = self.center.take(key)
                return f"Taken: {one_line(item.subject)}", item.id, IN_HAND

            self.perform(take)

    @on(QueueTable.Selected, "#queue")
    def _selected_row(self, event: QueueTable.Selected) -> None:
        if self.view == WAITING:
            self.notify("Waiting for the customer: it comes back when they answer.")
            return
        held = self.snapshot is not None and any(i.id == event.key for i in self.snapshot.in_hand)
        if held:
            self.action_compose("reply")
        else:
            self.action_take_selected()

    def _simple(self, verb: str, call: Callable[[int], object]) -> None:
        item = self._selected(mine=True)
        if isinstance(item, QueueItem):

            def act() -> Outcome:
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
        from micc_tui.agent.dialogs import TextPrompt

        item = self._selected(mine=True)
        if isinstance(item, QueueItem):

            def closed(reason: str | None) -> None:
                if reason:
                    self._simple("Closed", lambda key: self.center.close_item(key, reason))

            self.app.push_screen(
                TextPrompt(
                    "Close without reply: why?",
                    "Reason, or ↓ to pick one below",
                    suggestions=CLOSE_REASONS,
                ),
                closed,
            )

    def action_wait_for_customer(self) -> None:
        """Wait for the customer's answer to the highlighted e-mail, with a reminder or none."""
        from micc_tui.agent.waiting import reminder_prompt

        item = self._selected(mine=True)
        if not isinstance(item, QueueItem):
            return

        def chosen(reminder: str | None) -> None:
            if reminder:

                def wait() -> Outcome:
                    due = self.center.wait_for_customer(item.id, reminder)
                    when = f"reminder {dates.date_time(due)}" if due else "no reminder"
                    return f"Waiting for the customer ({when})", None, None

                self.perform(wait)

        self.app.push_screen(reminder_prompt(self.center), chosen)

    def action_transfer(self) -> None:
        """Move the highlighted e-mail to another group with a note."""
        from micc_tui.agent.dialogs import TransferDialog, TransferRequest

        item = self._selected(mine=True)
        if isinstance(item, QueueItem):

            def chosen(request: TransferRequest | None) -> None:
                if request is not None:
                    self._simple(
                        f"Transferred to {request.group}",
                        lambda key: self.center.transfer(key, request.group, request.note),
                    )

            groups = [g.name for g in self.center.config.service_group]
            self.app.push_screen(TransferDialog(groups, item.service_group), chosen)

    # -- writing -------------------------------------------------------------------

    def action_compose(self, kind: str) -> None:
        """Reply, reply all or forward the highlighted e-mail (it must be in hand).

        It answers the e-mail shown when the agent picked an earlier one of the
        conversation (``[``), else the latest.
        """
        item = self._selected(mine=True)
        if isinstance(item, QueueItem):
            reading = self.reading
            answered = (
                reading.message.id
                if reading is not None
                and reading.picked
                and reading.message.conversation_id == item.id
                else None
            )
            self.open_composer(
                lambda: self.center.draft(item.id, kind, message_id=answered)  # type: ignore[arg-type]
            )

    def action_new_email(self) -> None:
        """Write a new e-mail from a group that has an address."""
        groups = self.center.originating_groups()
        if not groups:
            self.notify(
                "None of your groups has an e-mail address to send from.", severity="warning"
            )
            return
        preferred = self.view if self.view in groups else groups[0]
        self.open_composer(lambda: self.center.draft_new(preferred))

    @work(thread=True, group="draft", exit_on_error=False, description="open_composer")
    def open_composer(self, build: Callable[[], Draft]) -> None:
        """Build the draft off the UI thread, then open the composer on it.

        A draft the agent had saved of the same e-mail (a dropped connection,
        a composer closed by quitting) comes back over it.
        """
        draft = build()
        restored = self.center.restore_draft(draft)
        self.app.call_from_thread(self._show_composer, draft, restored)

    def _show_composer(self, draft: Draft, restored: RestoredDraft | None) -> None:
        from micc_tui.agent.composer import ComposerScreen

        self.app.push_screen(
            ComposerScreen(self.center, draft, restored), lambda result: self.load()
        )

    # -- looking things up ---------------------------------------------------------

    def action_history(self) -> None:
        """Show the customer's past conversations."""
        key = self._selected(mine=False)
        if isinstance(key, int):
            self.load_history(key)

    @work(
        thread=True,
        group="history",
        exclusive=True,
        exit_on_error=False,
        description="load_history",
    )
    def load_history(self, key: int) -> None:
        """Search the archive for the customer's other e-mails."""
        from micc_tui.widgets.body_view import bodies_of

        item = self.center.item(key)
        messages = self.center.history(key)
        who = (item.from_name or item.from_address) if item else "?"
        bodies = bodies_of(messages)  # HTML to text and cutting long ones: here, not on screen
        self.app.call_from_thread(self._show_history, who, messages, bodies)

    def _show_history(self, who: str, messages: list[ArchivedMessage], bodies: list[Body]) -> None:
        from micc_tui.agent.dialogs import HistoryScreen

        self.app.push_screen(HistoryScreen(who, messages, bodies))

    def action_trail(self) -> None:
        """Show what happened to the highlighted e-mail, and its internal notes."""
        key = self._selected(mine=False)
        if isinstance(key, int):
            self.load_trail(key)

    @work(thread=True, group="trail", exclusive=True, exit_on_error=False, description="load_trail")
    def load_trail(self, key: int) -> None:
        """Read the conversation's trail and notes off the UI thread."""
        item = self.center.item(key)
        events = self.center.trail(key)
        notes = self.center.notes(key)
        title = item.subject if item else f"e-mail {key}"
        self.app.call_from_thread(self._show_trail, title, events, notes)

    def _show_trail(self, title: str, events: list[Event], notes: list[Note]) -> None:
        from micc_tui.widgets.trail import TrailScreen

        self.app.push_screen(TrailScreen(title, events, notes, self.center.name_of))

    def action_note(self) -> None:
        """Write an internal note on the highlighted e-mail (in hand or not)."""
        from micc_tui.widgets.note_dialog import NoteScreen

        key = self._selected(mine=False)
        if not isinstance(key, int):
            return
        rows = self.snapshot.rows if self.snapshot else []
        row = next((r for r in rows if r.key == key), None)
        subject = row.item.subject if row else f"e-mail {key}"

        def written(text: str | None) -> None:
            if text is not None:

                def keep() -> Outcome:
                    self.center.add_note(key, text)
                    return f"Note kept: {one_line(subject)}", None, None

                self.perform(keep)

        self.app.push_screen(NoteScreen(subject), written)

    def action_save_attachments(self) -> None:
        """Save files of the conversation shown: every e-mail's, ticked in a list."""
        from micc_tui.agent.attachments_dialog import AttachmentsDialog, SaveRequest, file_choices
        from micc_tui.agent.dialogs import downloads_folder

        reading = self.reading
        if reading is None:
            self.notify("No e-mail selected.", severity="warning")
            return
        messages = [e.message for e in reading.thread if e.message is not None] or [reading.message]
        choices = file_choices([m for m in messages if m.attachments])
        file_names = {
            (m.id, int(a.get("index", n))): str(a.get("filename") or f"attachment-{n}")
            for m in messages
            for n, a in enumerate(m.attachments, start=1)
        }
        if not choices:
            self.notify("This conversation has no attachments.", severity="warning")
            return

        def save_to(request: SaveRequest | None) -> None:
            if request is None:
                return

            def save() -> Outcome:
                target = request.folder
                saved: list[str] = []
                for message_id, index in request.files:
                    try:
                        saved.append(self.center.save_attachment(message_id, index, target).name)
                    except (OSError, Refused) as exc:
                        # One that failed is said on its own; the others are still saved.
                        reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
                        name = file_names.get((message_id, index), str(index))
                        self.app.call_from_thread(
                            self.notify,
                            f"Not saved: {one_line(name)}: {one_line(reason)}",
                            severity="error",
                            markup=False,
                        )
                if not saved:
                    return f"No attachment saved in {one_line(str(target))}", None, None
                names = ", ".join(one_line(name) for name in saved)
                return f"Saved {names} in {one_line(str(target))}", None, None

            self.perform(save)

        self.app.push_screen(AttachmentsDialog(choices, downloads_folder()), save_to)

    def action_show_all(self) -> None:
        """Show the whole body of a long e-mail (only its beginning is shown at first)."""
        reading = self.reading
        if reading is None:
            self.notify("No e-mail selected.", severity="warning")
            return
        if not reading.body.cut:
            self.notify("The whole e-mail is shown.")
            return
        self.notify("Preparing the whole e-mail…", markup=False)
        self.prepare_all(reading)

    @work(thread=True, exclusive=True, group="body", exit_on_error=False, description="prepare_all")
    def prepare_all(self, reading: Reading) -> None:
        """Prepare all of a long body off the UI thread, then show it."""
        from micc_tui.widgets.body_view import prepare

        body = prepare(self.center.whole(reading.message), limit=None)
        self.app.call_from_thread(self._show_all, reading, body)

    def _show_all(self, reading: Reading, body: Body) -> None:
        from micc_tui.agent.panes import ReadingPane

        if self.reading is None or self.reading.message.id != reading.message.id:
            return  # the agent moved on meanwhile
        self.reading = replace(self.reading, body=body)
        self.query_one("#reading", ReadingPane).show_body(body)

    def action_save_body(self) -> None:
        """Save the shown e-mail's whole body to a file in the downloads folder."""
        from micc_tui.agent.dialogs import downloads_folder

        if self.reading is None:
            self.notify("No e-mail selected.", severity="warning")
            return
        message, folder = self.reading.message, downloads_folder()

        def save() -> Outcome:
            from micc_tui.widgets.body_view import save_body

            path = save_body(self.center.whole(message), folder)
            return f"Saved the e-mail's text in {one_line(str(path))}", None, None

        self.perform(save)

    # -- the agent -----------------------------------------------------------------

    def action_toggle_state(self) -> None:
        """Away: be Available again. Available: pick why you go Away (Enter: the first)."""
        from micc_tui.agent.away import AwayPicker

        state = self.snapshot.state if self.snapshot else "away"
        if state != "available":
            self.set_state("available")
            return
        reasons = self.center.away_reasons
        if not reasons:
            self.set_state("away")
            return

        def chosen(reason: str | None) -> None:
            if reason is not None:
                self.set_state("away", reason)

        self.app.push_screen(AwayPicker(reasons), chosen)

    @work(thread=True, group="state", exit_on_error=False, description="set_state")
    def set_state(self, state: str, reason: str = "") -> None:
        """Record the agent's state; only the status line changes, nothing is reloaded."""
        self.center.set_state(state, reason)  # type: ignore[arg-type]
        self.post_message(self.StateSet(state, reason))

    # -- offers ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "accept_offer":
            # Enter accepts only while an offer shows, and not in the filter box.
            return getattr(self.app, "offer_shown", None) is not None and not isinstance(
                self.focused, Input
            )
        return super().check_action(action, parameters)

    def action_accept_offer(self) -> None:
        """Enter while an offer shows: accept it (the App's F5 does the same anywhere)."""
        from micc_tui.agent.offers import WatchesOffers

        if isinstance(self.app, WatchesOffers):
            self.app.action_accept_offer()

    def offer_accepted(self, item: QueueItem) -> None:
        """The offer was accepted (here or in the composer): select it in the In hand view."""
        self.view = IN_HAND
        self.pending_show = item.id
        self.load()

    def action_outcomes(self) -> None:
        """List the supervisors' decisions on this agent's reviewed replies."""
        outcomes = self.snapshot.outcomes if self.snapshot else []
        if not outcomes:
            self.notify("No review decisions yet.")
        for outcome in outcomes[:5]:
            self.notify(
                f"{outcome.state}: {one_line(outcome.subject)} {one_line(outcome.comment)}",
                title="Review",
                markup=False,
            )

    def action_filter(self) -> None:
        """Show the filter box."""
        self.show_filter()

    def action_view(self, which: str) -> None:
        """Show the agent's own e-mails (in-hand), every group's queue (all) or those waiting."""
        self.switch_view({"in-hand": IN_HAND, "waiting": WAITING}.get(which, ALL_GROUPS))

    def action_help(self) -> None:
        """Show the keys."""
        from micc_tui.agent.help import HelpScreen

        self.app.push_screen(HelpScreen())


__all__ = ["CLOSE_REASONS", "DeskActions", "Outcome"]
