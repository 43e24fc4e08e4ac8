"""The agent console's panes: service groups, the reading pane and the status line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from engine.archive import ArchivedMessage
from engine.service import GroupCount, HealthItem
from micc_tui.agent.format import engine_summary, full_time, size
from micc_tui.widgets.body_view import Body, BodyView, affordance
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

    def show(self, counts: Sequence[GroupCount], in_hand: int, view: str, waiting: int = 0) -> None:
        """Redraw the entries with fresh counts, highlighting the view shown."""
        total = sum(g.queued for g in counts)
        options = [
            Option(Content.assemble(("In hand", "bold"), f"  {in_hand}"), id=IN_HAND),
            Option(Content(f"All groups  {total}"), id=ALL_GROUPS),
        ]
        if waiting or view == WAITING:
            options.insert(1, Option(Content(f"Waiting  {waiting}"), id=WAITING))
        options += [Option(Content(f"{one_line(g.name)}  {g.queued}"), id=g.name) for g in counts]
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
    #: When the agent waiting for the customer is reminded (stored time), if they are.
    remind_at: str | None = None


class ReadingPane(VerticalScroll):
    """Headers, the body as text and the attachments of one e-mail; all shown literally.

    A long body shows its first 256 KB, with a line saying so and naming the
    keys that show all of it (``m``) or save it to the downloads folder (``d``).
    """

    def compose(self) -> ComposeResult:
        yield Static(id="reading-headers")
        yield Static(id="reading-cut", classes="body-cut")
        yield BodyView(id="reading-body")
        yield Static(id="reading-attachments")

    def on_mount(self) -> None:
        self.clear()

    def clear(self, text: str = "Select an e-mail to read it.") -> None:
        """Show a hint instead of a message."""
        self.query_one("#reading-headers", Static).update(Content(text))
        self.show_body(Body((), 0, 0))
        self.query_one("#reading-attachments", Static).update("")

    def show_body(self, body: Body) -> None:
        """Show a prepared body (the beginning of it, or all), and say when it is cut."""
        self.query_one("#reading-body", BodyView).show(body)
        cut = self.query_one("#reading-cut", Static)
        cut.display = body.cut
        cut.update(
            Content(affordance(body, show_all=SHOW_ALL_KEY, save=SAVE_BODY_KEY)) if body.cut else ""
        )

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
        self.query_one("#reading-headers", Static).update(Content("\n").join(lines))
        if reading.body is self.query_one("#reading-body", BodyView).body:
            return  # the same e-mail again (its state changed): keep the place in it
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
        self.scroll_home(animate=False)


#: Theme variables for the engine summary's bands.
ENGINE_BANDS = {"ok": "$success", "warn": "$warning", "error": "$error", "off": "$text-muted"}


class StatusLine(Static):
    """The agent's state, e-mails in hand and the engine's health, on one line."""

    def show(
        self,
        agent: str,
        state: str,
        in_hand: int,
        health: Sequence[HealthItem],
        now: datetime,
        notice: str = "",
    ) -> None:
        """Redraw the line."""
        mark = (
            ("● Available", "bold $success") if state == "available" else ("○ Away", "status-away")
        )
        words, band = engine_summary(health, now)
        parts: list[Content | tuple[str, str] | str] = [
            (mark[0], mark[1]),
            f"  │  {one_line(agent)}  │  in hand: {in_hand}  │  ",
            (words, ENGINE_BANDS[band]),
        ]
        if notice:
            parts.append(f"  │  {one_line(notice)}")
        self.update(Content.assemble(*parts))
