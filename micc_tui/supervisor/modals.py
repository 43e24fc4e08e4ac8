"""Small dialogs of the supervisor console: a reason or comment, a group to pick."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from micc_tui.widgets.safe import one_line


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text (a reason, a comment); Escape cancels.

    An empty answer is refused when ``required`` is set, with the field kept open.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, *, placeholder: str = "", required: bool = True) -> None:
        super().__init__()
        self.question = question
        self.placeholder = placeholder
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(one_line(self.question), markup=False, classes="dialog-title")
            yield Input(placeholder=self.placeholder, id="answer")
            yield Label("Enter to confirm, Escape to cancel", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Confirm (unless an answer is required and missing)."""
        event.stop()
        if self.required and not event.value.strip():
            self.notify("Please write something first.", severity="warning")
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)


class ChoicePrompt(ModalScreen[str | None]):
    """Pick one of a few names (a service group); Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, choices: Sequence[str]) -> None:
        super().__init__()
        self.question = question
        self.choices = tuple(choices)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(one_line(self.question), markup=False, classes="dialog-title")
            yield OptionList(
                *[Option(one_line(c), id=str(i)) for i, c in enumerate(self.choices)],
                id="choices",
                markup=False,
            )
            yield Label("Enter to choose, Escape to cancel", classes="dialog-hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Answer with the chosen name."""
        event.stop()
        self.dismiss(self.choices[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
