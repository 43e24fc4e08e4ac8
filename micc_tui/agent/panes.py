"""The agent console's panes: service groups, the reading pane and the status line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from engine.archive import ArchivedMessage
from engine.service import GroupCount, HealthItem
from engine.thread import ThreadEntry
from micc_tui.agent.format import engine_summary, full_time, size
from micc_tui.agent.thread_lines import ThreadLines
from micc_tui.widgets.body_search import (
    SEARCH_BINDINGS,
    Searchable,
    SearchableText,
    SearchBar,
    searching,
)
from micc_tui.widgets.body_view import Body, BodyView, affordance, size_words
from micc_tui.widgets.queue_table import QueueTable
from micc_tui.widgets.safe import one_line

#: The group list's pseudo-entries: the agent's own e-mails, every group at once,
#: and the e-mails the agent waits on the customer for.
IN_HAND = "\x00in-hand"
ALL_GROUPS = "\x00all"
WAITING = "\x00waiting"


class GroupList(OptionList):
    """The agent's service groups with queued counts, plus "In hand" and "All groups".

    "Waiting" (for the customer) is listed while the agent waits on any e-mail.
    """

    class Chosen(Message):
        """The agent picked a view: a group name, IN_HAND or ALL_GROUPS."""

        def __init__(self, view: str) -> None:
            self.view = view
            super().__init__()

    _shown: tuple[tuple[str, ...], str] | None = None

    def show(self, counts: Sequence[GroupCount], in_hand: int, view: str, waiting: int = 0) -> None:
        """Redraw the entries with fresh counts, highlighting the view shown (if they changed)."""
        total = sum(g.queued for g in counts)
        options = [
            Option(Content.assemble(("In hand", "bold"), f"  {in_hand}"), id=IN_HAND),
            Option(Content(f"All groups  {total}"), id=ALL_GROUPS),
        ]
        if waiting or view == WAITING:
            options.insert(1, Option(Content(f"Waiting  {waiting}"), id=WAITING))
        options += [Option(Content(f"{one_line(g.name)}  {g.queued}"), id=g.name) for g in counts]
        # Every reload of the queue comes here: with many consoles open, laying
        # the list out again when nothing in it changed is most of a reload's cost.
        shown = (tuple(str(o.prompt) for o in options), view)
        if shown == self._shown:
            return
        self._shown = shown
        with self.app.batch_update():
            self.set_options(options)
            ids = [option.id for option in options]
            self.highlighted = ids.index(view) if view in ids else ids.index(ALL_GROUPS)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(event.option.id))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(event.option.id))


#: The keys that show all of a cut body and save it (the desk's bindings).
SHOW_ALL_KEY, SAVE_BODY_KEY = "m", "d"


@dataclass(frozen=True)
class Reading:
    """What the reading pane shows: a message, its body prepared, who holds it.

    ``body`` is made in the worker that read the message (HTML converted,
    made inert, cut to its first 256 KB): the UI thread only paints it.
    """

    message: ArchivedMessage
    state: str
    agent_id: str | None
    service_group: str | None
    reason: str
    body: Body
    #: The whole conversation, oldest first (its e-mails as heads, notes, events).
    thread: tuple[ThreadEntry, ...] = ()
    #: Its lines around ``message``, made in the worker (see thread_lines).
    lines: ThreadLines | None = None
    #: True when the agent picked an earlier e-mail of the thread (``[`` ``]``, a click):
    #: a reload keeps it shown, and a reply answers it.
    picked: bool = False
    #: When the agent waiting for the customer is reminded (stored time), if they are.
    remind_at: str | None = None


class DeskQueue(QueueTable):
    """The desk's queue: the table's keys, and ``g`` / ``G`` for the first / last e-mail."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "jump(0)", "First", show=False),
        Binding("G", "jump(-1)", "Last", show=False),
    ]


class ThreadPart(Static):
    """Lines of the conversation, one entry each; a click on an e-mail's line shows it."""

    class Picked(Message):
        """An entry's line was clicked (its key, e.g. ``m12``)."""

        def __init__(self, key: str) -> None:
            self.key = key
            super().__init__()

    def __init__(self, *, id: str, classes: str) -> None:
        super().__init__(id=id, classes=classes)
        self.keys: tuple[str | None, ...] = ()
        self._shown: Content | None = None

    def show(self, lines: Content, keys: tuple[str | None, ...]) -> None:
        """Show these lines (nothing is redrawn when they are the same)."""
        self.keys = keys
        if lines != self._shown:
            self._shown = lines
            self.update(lines)
        # Shown after the update: the other way round, the next layout measures the old
        # lines, and the pane scrolls to the e-mail as many rows short as they were fewer.
        self.display = bool(keys)

    def on_click(self, event: events.Click) -> None:
        row = event.y
        if 0 <= row < len(self.keys) and (key := self.keys[row]) is not None:
            self.post_message(self.Picked(key))


class ReadingPane(VerticalScroll):
    """Headers, the body as text and the attachments of one e-mail; all shown literally.

    A long body shows its first 256 KB, with a line saying so and naming the
    keys that show all of it (``m``) or save it to the downloads folder (``d``).
    ``g`` / ``G`` (Home / End) go to the top / bottom at once; ``/`` searches the
    headers and body shown (:mod:`micc_tui.widgets.body_search`).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *SEARCH_BINDINGS,
        Binding("home,g", "top", "Top", show=False),
        Binding("end,G", "bottom", "Bottom", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield ThreadPart(id="thread-before", classes="thread")
        yield SearchableText(id="reading-headers")
        yield Static(id="reading-cut", classes="body-cut")
        yield BodyView(id="reading-body")
        yield Static(id="reading-attachments")
        yield ThreadPart(id="thread-after", classes="thread")

    def on_mount(self) -> None:
        self.clear()

    def clear(self, text: str = "Select an e-mail to read it.") -> None:
        """Show a hint instead of a message."""
        self.query_one("#reading-headers", SearchableText).show(Content(text))
        self.show_body(Body((), 0, 0))
        self.query_one("#reading-attachments", Static).update("")
        self._show_lines(None)

    def show_body(self, body: Body) -> None:
        """Show a prepared body (the beginning of it, or all), and say when it is cut."""
        self.query_one("#reading-body", BodyView).show(body)
        cut = self.query_one("#reading-cut", Static)
        cut.display = body.cut
        cut.update(
            Content(affordance(body, show_all=SHOW_ALL_KEY, save=SAVE_BODY_KEY)) if body.cut else ""
        )
        self._search_again(reveal=True)

    def show(self, reading: Reading) -> None:
        """Show a message; every field from the e-mail is inert text."""
        message = reading.message
        sender = (
            f"{message.from_name} <{message.from_address}>"
            if message.from_name
            else (message.from_address)
        )
        holder = reading.state.replace("_", " ")
        if reading.agent_id:
            holder += f" by {reading.agent_id}"
        fields = [
            ("From", sender),
            ("To", ", ".join(message.to)),
            ("Cc", ", ".join(message.cc)),
            ("Date", full_time(message.date or message.received)),
            ("Subject", message.subject or "(no subject)"),
            ("State", f"{holder} · {reading.service_group or 'no group'}"),
        ]
        if reading.reason:
            fields.append(("Note", reading.reason))
        if reading.state == "pending_customer":
            fields.append(
                ("Reminder", full_time(reading.remind_at) if reading.remind_at else "none")
            )
        lines = [
            Content.assemble((f"{name}: ", "bold"), one_line(value))
            for name, value in fields
            if value
        ]
        self.query_one("#reading-headers", SearchableText).show(Content("\n").join(lines))
        self._show_lines(reading.lines)
        if reading.body is self.query_one("#reading-body", BodyView).body:
            # The same e-mail again (its state changed): keep the place in it.
            self._search_again(reveal=False)
            return
        self.show_body(reading.body)
        attachments = [
            Content.assemble(
                (f"[{a.get('index', i)}] ", "bold"),
                one_line(str(a.get("filename", "?"))),
                f"  {a.get('content_type', '')}  {size(int(a.get('size', 0)))}",
            )
            for i, a in enumerate(message.attachments, start=1)
        ]
        if attachments:
            attachments.insert(
                0, Content.assemble(("Attachments", "bold"), " (a: save to ~/Downloads)")
            )
        self.query_one("#reading-attachments", Static).update(Content("\n").join(attachments))
        # The e-mail shown at the top; the conversation's earlier lines are above it.
        headers = self.query_one("#reading-headers")
        self.call_after_refresh(self.scroll_to_widget, headers, top=True, animate=False)

    def _show_lines(self, lines: ThreadLines | None) -> None:
        """The conversation's other e-mails, notes and events above and below the e-mail."""
        before = self.query_one("#thread-before", ThreadPart)
        after = self.query_one("#thread-after", ThreadPart)
        if lines is None:
            before.show(Content(""), ())
            after.show(Content(""), ())
        else:
            before.show(lines.before, lines.before_keys)
            after.show(lines.after, lines.after_keys)

    # -- keys ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return searching(self._bar(), action)

    def action_top(self) -> None:
        """g, Home: the top of the e-mail, at once."""
        self.scroll_home(animate=False)

    def action_bottom(self) -> None:
        """G, End: the bottom of the e-mail, at once."""
        self.scroll_end(animate=False)

    async def action_search(self) -> None:
        """/: search the headers and the body shown (mounted the first time)."""
        bar = self._bar()
        if bar is None:
            bar = SearchBar(self, id="reading-search")
            await self.mount(bar)
        bar.open(*self._parts())

    def action_next_match(self) -> None:
        """n, Enter while searching: the next place found."""
        if (bar := self._bar()) is not None:
            bar.step(1)

    def action_previous_match(self) -> None:
        """N, Shift+Enter while searching: the previous place found."""
        if (bar := self._bar()) is not None:
            bar.step(-1)

    def action_close_search(self) -> None:
        """Esc while searching: close the search, clear the highlights."""
        if (bar := self._bar()) is not None:
            bar.close()

    def _bar(self) -> SearchBar | None:
        return next(self.query("#reading-search").results(SearchBar), None)

    def _parts(self) -> tuple[list[Searchable], str]:
        body = self.query_one("#reading-body", BodyView)
        parts: list[Searchable] = [self.query_one("#reading-headers", SearchableText), body]
        note = f"in the first {size_words(body.body.shown)}" if body.body.cut else ""
        return parts, note

    def _search_again(self, *, reveal: bool) -> None:
        bar = self._bar()
        if bar is not None and bar.active:
            bar.renew(*self._parts(), reveal=reveal)


#: Theme variables for the engine summary's bands.
ENGINE_BANDS = {"ok": "$success", "warn": "$warning", "error": "$error", "off": "$text-muted"}


class StatusLine(Static):
    """The agent's state, e-mails in hand and the engine's health, on one line."""

    _line: tuple[object, ...] | None = None

    def show(
        self,
        agent: str,
        state: str,
        reason: str,
        in_hand: int,
        health: Sequence[HealthItem],
        now: datetime,
        notice: str = "",
    ) -> None:
        """Redraw the line: Available, or Away with why (``reason``)."""
        away = f"○ Away ({one_line(reason)})" if reason else "○ Away"
        mark = ("● Available", "bold $success") if state == "available" else (away, "status-away")
        words, band = engine_summary(health, now)
        parts: list[Content | tuple[str, str] | str] = [
            (mark[0], mark[1]),
            f"  │  {one_line(agent)}  │  in hand: {in_hand}  │  ",
            (words, ENGINE_BANDS[band]),
        ]
        if notice:
            parts.append(f"  │  {one_line(notice)}")
        # Reloads come often with many consoles open: redraw only what changed.
        key = (agent, state, reason, in_hand, words, band, notice)
        if key != self._line:
            self._line = key
            self.update(Content.assemble(*parts))
