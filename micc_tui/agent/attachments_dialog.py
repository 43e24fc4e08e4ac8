"""``a``: the files of every e-mail in the conversation, to save some or all of them.

The customer's follow-up ("did you get my spec sheet?") has no file of its own:
the spec sheet came with the first e-mail. So the list holds every file of the
conversation, newest e-mail first, each with the e-mail it came with; all are
ticked, Space unticks one, and they go to the folder in the box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from engine import dates
from engine.archive import ArchivedMessage
from micc_tui.agent.format import size
from micc_tui.widgets.safe import one_line

#: One file: the archived message it is in, and its number there (from 1).
FileRef = tuple[int, int]


@dataclass(frozen=True)
class SaveRequest:
    """Which files to save, and where."""

    files: tuple[FileRef, ...]
    folder: Path


def file_choices(messages: Sequence[ArchivedMessage]) -> list[tuple[str, FileRef]]:
    """Every file of ``messages`` as (label, reference), the newest e-mail's first."""
    choices = []
    for message in sorted(messages, key=lambda m: m.received, reverse=True):
        sender = message.from_name or message.from_address or "?"
        when = dates.when(message.date or message.received)
        for number, attachment in enumerate(message.attachments, start=1):
            index = int(attachment.get("index", number))
            name = one_line(str(attachment.get("filename") or f"attachment-{index}"))
            label = (
                f"{name}  {size(int(attachment.get('size', 0)))}  from {one_line(sender)}, {when}"
            )
            choices.append((label, (message.id, index)))
    return choices


class AttachmentsDialog(ModalScreen[SaveRequest | None]):
    """Tick the files to save (all are ticked), name the folder, Enter or Save."""

    DEFAULT_CSS = """
    AttachmentsDialog {
        align: center middle;
    }
    AttachmentsDialog #attachment-files {
        height: auto;
        max-height: 12;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, choices: Sequence[tuple[str, FileRef]], folder: Path) -> None:
        super().__init__()
        self.choices = list(choices)
        self.folder = folder

    def compose(self) -> ComposeResult:
        count = len(self.choices)
        with Vertical(classes="dialog"):
            yield Label(
                Content(f"Save files of this conversation ({count})"), classes="dialog-title"
            )
            yield SelectionList[FileRef](
                *[Selection(Content(label), ref, True) for label, ref in self.choices],
                id="attachment-files",
            )
            yield Input(str(self.folder), placeholder="Folder", id="attachment-folder")
            yield Static(
                Content("Space: tick or untick · Enter in the folder box saves"),
                classes="dialog-hint",
            )
            yield Static(id="attachment-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#attachment-files", SelectionList).focus()

    @on(Input.Submitted, "#attachment-folder")
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        files = tuple(self.query_one("#attachment-files", SelectionList).selected)
        folder = self.query_one("#attachment-folder", Input).value.strip()
        error = self.query_one("#attachment-error", Static)
        if not files:
            error.update(Content("Tick at least one file (Space)."))
            return
        if not folder:
            error.update(Content("Name the folder to save them in."))
            return
        self.dismiss(SaveRequest(files, Path(folder).expanduser()))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


__all__ = ["AttachmentsDialog", "FileRef", "SaveRequest", "file_choices"]
