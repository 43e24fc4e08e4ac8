"""A TextArea that underlines misspelled words.

Its text is always inert (control, bidi and zero-width characters spelled
out, :mod:`micc_tui.widgets.safe`). The checking itself happens elsewhere
(off the UI thread); this widget only keeps the latest list of misspellings
and paints them through the TextArea's highlight map, the same path syntax
highlighting uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.style import Style

from micc_tui.widgets.inert_fields import InertTextArea

#: The highlight name misspellings are painted with.
MISSPELLING = "misspelling"


@dataclass(frozen=True)
class Marked:
    """A misspelled word at a 0-based row and character column."""

    word: str
    row: int
    column: int

    @property
    def end(self) -> tuple[int, int]:
        """Where the word ends, as a TextArea location."""
        return (self.row, self.column + len(self.word))


class SpellTextArea(InertTextArea):
    """The composer's body: soft-wrapped, inert text with misspellings underlined.

    Whatever enters it (the draft, responses, pasted text) is made inert first
    (:class:`~micc_tui.widgets.inert_fields.InertTextArea`).
    """

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, soft_wrap=True, tab_behavior="focus", id=id)
        self.marked: list[Marked] = []

    def mark(self, words: Sequence[Marked]) -> None:
        """Underline these words (replacing the previous marks)."""
        self.marked = list(words)
        self._build_highlight_map()
        self.refresh()

    def _build_highlight_map(self) -> None:
        super()._build_highlight_map()
        theme = getattr(self, "_theme", None)  # unset while TextArea.__init__ runs
        if theme is not None and MISSPELLING not in theme.syntax_styles:
            colour = self.app.theme_variables.get("error", "red")
            theme.syntax_styles[MISSPELLING] = Style(underline=True, color=colour)
        lines = self.document.lines
        for mark in getattr(self, "marked", ()):
            if mark.row >= len(lines):
                continue
            line = lines[mark.row]
            if line[mark.column : mark.column + len(mark.word)] != mark.word:
                continue  # the text moved on since the check; the next check redraws it
            # The highlight map counts UTF-8 bytes, not characters.
            start = len(line[: mark.column].encode("utf-8"))
            end = start + len(mark.word.encode("utf-8"))
            self._highlights[mark.row].append((start, end, MISSPELLING))

    def next_marked(self) -> Marked | None:
        """The first misspelling after the cursor (wrapping to the top)."""
        if not self.marked:
            return None
        here = self.cursor_location
        ordered = sorted(self.marked, key=lambda m: (m.row, m.column))
        after = [m for m in ordered if (m.row, m.column) > here]
        return (after or ordered)[0]
