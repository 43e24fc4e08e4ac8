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
from engine.templates import html_to_text
from micc_tui.agent.format import engine_summary, full_time, size
from micc_tui.widgets.safe import inert, one_line

#: The group list's pseudo-entries: the agent's own e-mails, and every group at once.
IN_HAND = "\x00in-hand"
ALL_GROUPS = "\x00all"


class GroupList(OptionList):
    """The agent's service groups with queued counts, plus "In hand" and "All groups"."""

    class Chosen(Message):
        """The agent picked a view: a group name, IN_HAND or ALL_GROUPS."""

        def __init__(self, view: str) -> None:
            self.view = view
            super().__init__()

    def show(self, counts: Sequence[GroupCount], in_hand: int, view: str) -> None:
        """Redraw the entries with fresh counts, highlighting the view shown."""
        total = sum(g.queued for g in counts)
        options = [
            Option(Content.assemble(("In hand", "bold"), f"  {in_hand}"), id=IN_HAND),
            Option(Content(f"All groups  {total}"), id=ALL_GROUPS),
        ]
        options += [Option(Content(f"{one_line(g.name)}  {g.queued}"), id=g.name) for g in counts]
        with self.app.batch_update():
            self.set_options(options)
            ids = [option.id for option in options]
            self.highlighted = ids.index(view) if view in ids else 1

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(event.option.id))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(event.option.id))


@dataclass(frozen=True)
class Reading:
    """What the reading pane shows: a message and who holds its conversation."""

    message: ArchivedMessage
    state: str
    agent_id: str | None
    service_group: str | None
    reason: str


def body_text(message: ArchivedMessage) -> str:
    """The body as readable text: the text part, else the HTML part converted."""
    if message.body_text.strip():
        return message.body_text
    if message.body_html.strip():
        return html_to_text(message.body_html)
    return "(no text)"


class ReadingPane(VerticalScroll):
    """Headers, the body as text and the attachments of one e-mail; all shown literally."""

    def compose(self) -> ComposeResult:
        yield Static(id="reading-headers")
        yield Static(id="reading-body")
        yield Static(id="reading-attachments")

    def on_mount(self) -> None:
        self.clear()

    def clear(self, text: str = "Select an e-mail to read it.") -> None:
        """Show a hint instead of a message."""
        self.query_one("#reading-headers", Static).update(Content(text))
        self.query_one("#reading-body", Static).update("")
        self.query_one("#reading-attachments", Static).update("")

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
        lines = [
            Content.assemble((f"{name}: ", "bold"), one_line(value))
            for name, value in fields
            if value
        ]
        self.query_one("#reading-headers", Static).update(Content("\n").join(lines))
        self.query_one("#reading-body", Static).update(
            Content(inert(body_text(message), multiline=True))
        )
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
