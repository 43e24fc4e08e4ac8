"""Small modal screens: transfer, close with a reason, history, help, save attachments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from engine.archive import ArchivedMessage
from micc_tui.agent.panes import body_text
from micc_tui.widgets.safe import inert, one_line


@dataclass(frozen=True)
class TransferRequest:
    """Where to move an e-mail, and the note its next agent reads."""

    group: str
    note: str


class TransferDialog(ModalScreen[TransferRequest | None]):
    """Pick another service group and write a note."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, groups: Sequence[str], current: str | None) -> None:
        super().__init__()
        self.groups = [g for g in groups if g != current] or list(groups)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Transfer to another service group", classes="dialog-title")
            yield Select(
                [(Content(g), g) for g in self.groups],
                value=self.groups[0],
                allow_blank=False,
                id="transfer-group",
            )
            yield Input(placeholder="Note for the group's agents", id="transfer-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Transfer", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#transfer-note", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        group = self.query_one("#transfer-group", Select).value
        note = self.query_one("#transfer-note", Input).value
        self.dismiss(TransferRequest(str(group), note))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text (a close reason, a folder); empty input is refused."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(
        self, title: str, placeholder: str, *, value: str = "", suggestions: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.value = value
        self.suggestions = list(suggestions)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content(self.title_text), classes="dialog-title")
            if self.suggestions:
                yield OptionList(
                    *[Option(Content(s)) for s in self.suggestions], id="prompt-suggestions"
                )
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static(id="prompt-error", classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    @on(OptionList.OptionSelected, "#prompt-suggestions")
    def _pick(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#prompt-input", Input).value = str(event.option.prompt)
        self.query_one("#prompt-input", Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#prompt-error", Static).update("Please write something.")
            return
        self.dismiss(event.value.strip())


class HistoryScreen(ModalScreen[None]):
    """The customer's past messages: a list and the one highlighted, read-only."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "dismiss(None)", "Close")]

    def __init__(self, customer: str, messages: Sequence[ArchivedMessage]) -> None:
        super().__init__()
        self.customer = customer
        self.messages = list(messages)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(
                Content(f"Past conversations of {one_line(self.customer)}"), classes="dialog-title"
            )
            options = [
                Option(
                    Content(
                        f"{m.received[:16]}  {'→' if m.direction == 'out' else '←'}"
                        f"  {one_line(m.subject or '(no subject)')}"
                    ),
                    id=str(i),
                )
                for i, m in enumerate(self.messages)
            ]
            if not options:
                options = [Option("No earlier e-mails from this customer.", disabled=True)]
            yield OptionList(*options, id="history-list")
            with VerticalScroll(id="history-body"):
                yield Static(id="history-text")

    @on(OptionList.OptionHighlighted, "#history-list")
    def _show(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is None:
            return
        message = self.messages[int(event.option.id)]
        head = f"From: {message.from_name} <{message.from_address}>\nSubject: {message.subject}\n\n"
        self.query_one("#history-text", Static).update(
            Content(inert(head + body_text(message), multiline=True))
        )


HELP = """\
Queue            ↑/↓ PgUp/PgDn Home/End move · Enter take selected · / filter
Work             n take next · t take selected · b put back · x transfer
                 c close with reason · J junk
Write            r reply · R reply all · f forward · w new e-mail
Customer         h history · i trail and notes · a save attachments
Views            1 in hand · 2 all groups · Tab next pane
Me               s Available / Away · v review outcomes
Composer         Ctrl+S send · Ctrl+R response tree · ::shortcut + space
                 F7 next misspelling · Ctrl+L language · Ctrl+T attach file
                 Escape cancel
Anywhere         ? this help · Ctrl+P command palette (themes too) · Ctrl+Q quit
"""


class HelpScreen(ModalScreen[None]):
    """The keys, on one page."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss(None)", "Close")
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Agent console keys", classes="dialog-title")
            yield Static(Content(HELP), id="help-text")


def downloads_folder() -> Path:
    """Where attachments are saved unless the agent says otherwise."""
    return Path.home() / "Downloads"
