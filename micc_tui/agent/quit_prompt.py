"""What Ctrl+Q asks before the agent console closes with work open.

An agent who quits with e-mails in hand chooses: put them back in their
queues (a colleague can take them), or keep them (they are theirs when they
come back). An e-mail being written is not sent: its draft is kept for when
they come back (a reply's only while its e-mail stays in hand), so that is
said first. Escape does not quit.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

#: What the agent chose: put the e-mails back, keep them, or (only writing) quit.
QuitChoice = Literal["back", "keep", "quit"]


class QuitPrompt(ModalScreen[QuitChoice | None]):
    """Ask how to leave: ``in_hand`` e-mails taken, ``writing`` an e-mail open.

    ``replying``: the e-mail being written answers (or forwards) one in hand.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Stay")]

    def __init__(self, in_hand: int, *, writing: bool, replying: bool = False) -> None:
        super().__init__()
        self.in_hand = in_hand
        self.writing = writing
        self.replying = replying

    def compose(self) -> ComposeResult:
        lines = []
        if self.writing and self.replying and self.in_hand:
            lines.append(
                "The e-mail you are writing is not sent: its draft waits for you if you keep"
                " it in hand, and is dropped if you put it back."
            )
        elif self.writing:
            lines.append(
                "The e-mail you are writing is not sent: its draft is kept for when you come back."
            )
        if self.in_hand:
            lines.append(f"You have {self.in_hand} e-mail(s) in hand.")
        choices = (
            [
                Option("Put them back in their queues, then quit", id="back"),
                Option("Keep them in hand, then quit (yours when you come back)", id="keep"),
            ]
            if self.in_hand
            else [Option("Quit", id="quit")]
        )
        with Vertical(classes="dialog wide"):
            yield Label("Quit the agent console?", classes="dialog-title")
            yield Label(" ".join(lines), markup=False, id="quit-detail")
            yield OptionList(*choices, id="quit-choices")
            yield Label("Enter to choose, Escape to stay", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#quit-choices", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        choice = event.option.id
        if choice in ("back", "keep", "quit"):
            self.dismiss(choice)  # type: ignore[arg-type]
