"""Small dialogs of the supervisor console: a reason, a group or an agent to pick, a yes or no."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from engine.supervision.agents import AgentRow
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


def agent_choice(agent: AgentRow, group: str | None) -> str:
    """One line of the agent picker: name, state (with its reason), in hand / capacity."""
    elsewhere = "  other group" if group and group not in agent.groups else ""
    held = f"{agent.in_hand}/{agent.capacity}"
    return f"{one_line(agent.name)[:18]:<18} {one_line(agent.words)[:18]:<18} {held:>7}{elsewhere}"


class AgentPicker(ModalScreen[str | None]):
    """Pick the agent an e-mail goes to; each shows their state and e-mails in hand / capacity.

    Answers the agent's id; Escape cancels.

    Args:
        question: what the agent is picked for.
        agents: the agents to offer, in order (the e-mail's group first).
        group: the e-mail's service group (agents outside it are marked).
        detail: a line under the question (the e-mail's subject), cut to fit.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, question: str, agents: Sequence[AgentRow], group: str | None, detail: str = ""
    ) -> None:
        super().__init__()
        self.question = question
        self.agents = tuple(agents)
        self.group = group
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(one_line(self.question), markup=False, classes="dialog-title")
            if self.detail:
                yield Label(one_line(self.detail), markup=False, id="picker-detail")
            yield Label(f"{'Agent':<18} {'State':<18} {'In hand':>7}", classes="dialog-hint")
            yield OptionList(
                *[
                    Option(agent_choice(a, self.group), id=str(i))
                    for i, a in enumerate(self.agents)
                ],
                id="agent-choices",
                markup=False,
            )
            yield Label("Enter to choose, Escape to cancel", classes="dialog-hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Answer with the chosen agent's id."""
        event.stop()
        self.dismiss(self.agents[int(event.option.id or 0)].agent_id)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)


class ConfirmPrompt(ModalScreen[bool]):
    """Ask before something that cannot simply be taken back; answers True to go ahead.

    ``y`` (or the first button) goes ahead; ``n``, Escape or the second button
    does not. The safe answer has the focus, so an Enter typed by habit changes
    nothing.

    Args:
        question: what is about to happen, as a question.
        detail: what it means, in a sentence (may be empty).
        verb: the going-ahead button's word ("Deactivate", "Release", "Quit").
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, detail: str = "", *, verb: str) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.verb = verb

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(one_line(self.question), markup=False, classes="dialog-title")
            if self.detail:
                yield Label(one_line(self.detail), markup=False, id="confirm-detail")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{one_line(self.verb)} (y)", variant="error", id="yes")
                yield Button("Cancel (n, Esc)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)
