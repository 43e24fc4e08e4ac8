"""Small modal screens: transfer, close with a reason, history, save attachments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from engine import dates
from engine.archive import ArchivedMessage
from micc_tui.agent.panes import SAVE_BODY_KEY, SHOW_ALL_KEY
from micc_tui.widgets.body_view import (
    Body,
    BodyView,
    affordance,
    downloads_folder,
    prepare,
    save_body,
)
from micc_tui.widgets.safe import one_line
from micc_tui.workers import ReportsWorkerFailures


@dataclass(frozen=True)
class TransferRequest:
    """Where to move an e-mail, and the note its next agent reads."""

    group: str
    note: str


class TransferDialog(ModalScreen[TransferRequest | None]):
    """Pick another service group (none is chosen for the agent) and write a note.

    The note may run over several lines: Enter starts a new one, and only the
    Transfer button sends the e-mail on, so a note is never cut short.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, groups: Sequence[str], current: str | None) -> None:
        super().__init__()
        self.groups = [g for g in groups if g != current] or list(groups)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Transfer to another service group", classes="dialog-title")
            yield Select(
                [(Content(one_line(g)), g) for g in self.groups],
                prompt="Choose a service group",
                id="transfer-group",
            )
            yield TextArea(
                placeholder="Note for the group's agents (Enter: new line)",
                soft_wrap=True,
                id="transfer-note",
            )
            yield Static(id="transfer-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Transfer", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#transfer-group", Select).focus()

    @on(Select.Changed, "#transfer-group")
    def _group_chosen(self) -> None:
        self.query_one("#transfer-error", Static).update("")

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        choice = self.query_one("#transfer-group", Select)
        if choice.is_blank():
            self.query_one("#transfer-error", Static).update("Choose the service group first.")
            choice.focus()
            return
        note = self.query_one("#transfer-note", TextArea).text
        self.dismiss(TransferRequest(str(choice.value), note))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class SuggestionList(OptionList):
    """Suggestions under a text box: Up from the first one goes back to the box."""

    def action_cursor_up(self) -> None:
        if self.highlighted in (None, 0):
            self.screen.focus_previous()
        else:
            super().action_cursor_up()


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text (a close reason, a folder); empty input is refused.

    Suggestions, when given, are listed under the box: Down reaches them, Enter
    on one puts it in the box (where it can be changed), Enter in the box sends.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("down", "suggestions", "Suggestions", show=False),
    ]

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
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static(id="prompt-error", classes="dialog-error")
            if self.suggestions:
                yield SuggestionList(
                    *[Option(Content(s)) for s in self.suggestions], id="prompt-suggestions"
                )

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    def action_suggestions(self) -> None:
        """Down in the box: on to the suggestions, the first one highlighted."""
        found = self.query("#prompt-suggestions").results(SuggestionList)
        suggestions = next(found, None)
        if suggestions is not None and self.focused is self.query_one("#prompt-input"):
            suggestions.highlighted = 0
            suggestions.focus()

    @on(OptionList.OptionSelected, "#prompt-suggestions")
    def _pick(self, event: OptionList.OptionSelected) -> None:
        box = self.query_one("#prompt-input", Input)
        box.value = str(event.option.prompt)
        box.focus()

    @on(Input.Changed, "#prompt-input")
    def _changed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self.query_one("#prompt-error", Static).update("")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#prompt-error", Static).update("Please write something.")
            return
        self.dismiss(event.value.strip())


class HistoryScreen(ModalScreen[None], ReportsWorkerFailures):
    """The customer's past messages: a list and the one highlighted, read-only.

    Bodies come prepared (:func:`~micc_tui.widgets.body_view.prepare`, in the
    worker that read them); a long one shows its beginning, ``m`` shows all of
    it and ``d`` saves it to the downloads folder.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss(None)", "Close"),
        Binding(SHOW_ALL_KEY, "show_all", "Show all", show=False),
        Binding(SAVE_BODY_KEY, "save_body", "Save body", show=False),
    ]

    def __init__(
        self,
        customer: str,
        messages: Sequence[ArchivedMessage],
        bodies: Sequence[Body],
    ) -> None:
        super().__init__()
        self.customer = customer
        self.messages = list(messages)
        self.bodies = list(bodies)
        self.shown: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(
                Content(f"Past conversations of {one_line(self.customer)}"), classes="dialog-title"
            )
            options = [
                Option(
                    Content(
                        f"{dates.date_time(m.received)}  {'→' if m.direction == 'out' else '←'}"
                        f"  {one_line(m.subject or '(no subject)')}"
                    ),
                    id=str(i),
                )
                for i, m in enumerate(self.messages)
            ]
            if not options:
                options = [
                    Option(
                        Content(
                            "No other conversations with this customer: this one's e-mails"
                            " are in the reading pane ([ and ] step through them)."
                        ),
                        disabled=True,
                    )
                ]
            yield OptionList(*options, id="history-list")
            with VerticalScroll(id="history-body"):
                yield Static(id="history-head")
                yield Static(id="history-cut", classes="body-cut")
                yield BodyView(id="history-text")

    @on(OptionList.OptionHighlighted, "#history-list")
    def _show(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is None:
            return
        self.shown = int(event.option.id)
        message = self.messages[self.shown]
        self.query_one("#history-head", Static).update(
            Content(
                f"From: {one_line(message.from_name)} <{one_line(message.from_address)}>\n"
                f"Subject: {one_line(message.subject)}\n"
            )
        )
        self._show_body(self.bodies[self.shown])

    def _show_body(self, body: Body) -> None:
        self.query_one("#history-text", BodyView).show(body)
        cut = self.query_one("#history-cut", Static)
        cut.display = body.cut
        cut.update(
            Content(affordance(body, show_all=SHOW_ALL_KEY, save=SAVE_BODY_KEY)) if body.cut else ""
        )

    def action_show_all(self) -> None:
        """Show all of the highlighted message's long body."""
        if self.shown is not None and self.bodies[self.shown].cut:
            self._prepare_all(self.shown, self.messages[self.shown])

    @work(
        thread=True,
        exclusive=True,
        group="body",
        exit_on_error=False,
        description="_prepare_all",
    )
    def _prepare_all(self, index: int, message: ArchivedMessage) -> None:
        body = prepare(message, limit=None)
        self.app.call_from_thread(self._all_prepared, index, body)

    def _all_prepared(self, index: int, body: Body) -> None:
        self.bodies[index] = body
        if self.shown == index:
            self._show_body(body)

    def action_save_body(self) -> None:
        """Save the highlighted message's whole body in the downloads folder."""
        if self.shown is not None:
            self._save(self.messages[self.shown], downloads_folder())

    @work(thread=True, group="save-body", exit_on_error=False, description="_save")
    def _save(self, message: ArchivedMessage, folder: Path) -> None:
        path = save_body(message, folder)
        self.app.call_from_thread(
            self.notify, f"Saved the e-mail's text in {one_line(str(path))}", markup=False
        )


__all__ = [
    "HistoryScreen",
    "TextPrompt",
    "TransferDialog",
    "TransferRequest",
    "downloads_folder",
]
