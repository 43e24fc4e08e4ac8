"""Going Away: the agent says why, from the tenant's ``[distribution] away_reasons``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from micc_tui.widgets.safe import one_line


class AwayPicker(ModalScreen[str | None]):
    """The reasons to be Away, the first one highlighted: Enter at once is the quick way."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Stay")]

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__()
        self.reasons = list(reasons)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="away"):
            yield Label("Away: why?", classes="dialog-title")
            yield OptionList(
                *[Option(Content(one_line(r)), id=f"r{i}") for i, r in enumerate(self.reasons)],
                id="away-reasons",
            )
            yield Static(
                "Nothing is offered to you while Away. Esc: stay.",
                classes="dialog-note",
            )

    def on_mount(self) -> None:
        reasons = self.query_one("#away-reasons", OptionList)
        reasons.highlighted = 0
        reasons.focus()

    @on(OptionList.OptionSelected, "#away-reasons")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.reasons[int((event.option.id or "r0")[1:])])


__all__ = ["AwayPicker"]
