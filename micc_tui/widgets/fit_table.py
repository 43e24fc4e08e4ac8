"""A DataTable whose one free-text column takes whatever width the others leave.

A plain DataTable sizes each column to its widest cell, so one long subject
pushes the table wider than an 80-column terminal and a horizontal
scrollbar appears. Here one *flex* column (a subject, a detail) gets exactly
the spare width, at least ``min_flex`` cells; its cells are cut with an
ellipsis. It re-fits on resize and after rows change.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey


class FitTable(DataTable[Any]):
    """A DataTable with one column that fills the spare width.

    Args:
        flex: the key of the column that takes the spare width.
        min_flex: its narrowest width, in cells.
        **kwargs: passed to :class:`~textual.widgets.DataTable`.
    """

    class Resized(Message):
        """The table's width changed: cells cut to the old width should be made again."""

        def __init__(self, table: FitTable) -> None:
            super().__init__()
            self.table = table

    def __init__(self, *, flex: str, min_flex: int = 8, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flex = flex
        self.min_flex = min_flex
        self._width_told = 0

    def fit(self) -> None:
        """Give the flex column the width the other columns leave."""
        key = ColumnKey(self.flex)
        column = self.columns.get(key)
        if column is None or not self.size.width:
            return
        others = sum(c.get_render_width(self) for k, c in self.columns.items() if k != key)
        room = self.scrollable_content_region.width - others - 2 * self.cell_padding
        width = max(self.min_flex, room)
        if column.auto_width or column.width != width:
            column.auto_width = False
            column.width = width
            # What update_cell(update_width=True) does: drop cached lines, re-measure.
            self._update_count += 1
            self._require_update_dimensions = True
            self.refresh()

    def _on_resize(self, event: events.Resize) -> None:
        super()._on_resize(event)
        self.call_after_refresh(self.fit)
        if event.size.width != self._width_told:
            self._width_told = event.size.width
            self.post_message(self.Resized(self))

    def refit(self) -> None:
        """Re-fit once the rows just added have been measured."""
        self.call_after_refresh(self.fit)
