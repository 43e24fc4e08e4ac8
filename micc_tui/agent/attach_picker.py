"""The attachment picker the composer opens on Ctrl+T: files of the allowed folders only.

An agent cannot type a path: the picker lists the files under the folders the
config allows for the e-mail's service group (``[attachments] folders`` and
the group's ``attachments_folder``), narrowed by the words typed in the filter.
Listing the folders is file work, so it runs in a worker; the words are read
from the filter on the UI thread and passed to it. The file chosen is checked
again by the engine when it is attached and when the e-mail is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from engine.attachments import Listing, size_text
from engine.service import ContactCenter
from micc_tui.widgets.safe import one_line
from micc_tui.workers import ReportsWorkerFailures


class AttachPicker(ModalScreen[Path | None], ReportsWorkerFailures):
    """Choose a file to attach from the group's allowed folders (Enter), or Escape."""

    DEFAULT_CSS = """
    AttachPicker #attach-files {
        height: 1fr;
    }
    AttachPicker #attach-note {
        height: auto;
        color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, center: ContactCenter, group: str) -> None:
        super().__init__()
        self.center = center
        self.group = group
        self.folders = center.attachment_folders(group)
        self.listing: Listing | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(
                Content(f"Attach a file · {one_line(self.group)} (Enter attaches)"),
                classes="dialog-title",
            )
            yield Static(
                Content("From " + ", ".join(one_line(str(f)) for f in self.folders)),
                id="attach-folders",
            )
            yield Input(
                placeholder="Filter: words of the file's name or folder", id="attach-filter"
            )
            yield OptionList(id="attach-files")
            yield Static(Content("Looking for files…"), id="attach-note")

    def on_mount(self) -> None:
        self.query_one("#attach-filter", Input).focus()
        self.load("")

    @on(Input.Changed, "#attach-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.load(event.value)

    @work(thread=True, exclusive=True, group="attach-list", exit_on_error=False, description="load")
    def load(self, text: str) -> None:
        """List the files whose path holds every word of ``text`` (off the UI thread)."""
        found = self.center.attachable_files(self.group, text)
        self.app.call_from_thread(self._show, text, found)

    def _show(self, text: str, found: Listing) -> None:
        if text != self.query_one("#attach-filter", Input).value:
            return  # the agent typed on: a newer listing is coming
        self.listing = found
        files = self.query_one("#attach-files", OptionList)
        files.clear_options()
        several = len(self.folders) > 1
        files.add_options(
            Option(
                Content(
                    (one_line(f.folder.name) + "/" if several else "")
                    + one_line(f.relative)
                    + f"  {size_text(f.size)}"
                ),
                id=str(index),
            )
            for index, f in enumerate(found.files)
        )
        if found.files:
            files.highlighted = 0
        notes = []
        if not found.files:
            notes.append("No files match." if text.strip() else "No files in these folders.")
        if found.truncated:
            notes.append(f"More files than the {len(found.files)} listed: type to narrow.")
        if found.missing:
            notes.append(
                "Missing: " + ", ".join(one_line(str(m)) for m in found.missing) + " (micc check)"
            )
        self.query_one("#attach-note", Static).update(Content(" ".join(notes)))

    @on(Input.Submitted, "#attach-filter")
    def _enter(self) -> None:
        files = self.query_one("#attach-files", OptionList)
        if files.highlighted is not None:
            self._choose(files.highlighted)

    def key_down(self) -> None:
        """From the filter, ↓ goes to the list."""
        files = self.query_one("#attach-files", OptionList)
        if self.query_one("#attach-filter", Input).has_focus and files.option_count:
            files.focus()

    @on(OptionList.OptionSelected, "#attach-files")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, index: int) -> None:
        if self.listing is not None and 0 <= index < len(self.listing.files):
            self.dismiss(self.listing.files[index].path)
