"""The queue table with a colour per cell and right-aligned figures.

:class:`~micc_tui.widgets.queue_table.QueueTable` paints only the lines on
screen, one segment per line, so a live table costs the same to repaint
whatever changed. A DataTable, by contrast, re-renders every visible cell
whenever any cell changes (about 100 ms for 50 rows). This subclass adds
what dashboards need on top: a stylesheet class per cell (a waiting time
turning amber, then red) and right-aligned number columns.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from micc_tui.widgets.queue_table import Column, QueueTable


@dataclass(frozen=True)
class MarkedRow:
    """A row whose cells may each carry a component class ('' for none)."""

    key: int
    cells: tuple[str, ...]
    dim: bool = False
    #: One component class name per cell, or '' (e.g. ``"group-table--alarm"``).
    marks: tuple[str, ...] = ()


class MarkedTable(QueueTable):
    """A QueueTable with per-cell colours (component classes) and right-aligned columns.

    Subclasses list their cell classes in ``COMPONENT_CLASSES`` and style them in
    the stylesheet with theme variables.

    Args:
        columns: the columns.
        right: indexes of the columns whose cells (and titles) are right-aligned.
        **kwargs: passed to :class:`QueueTable`.
    """

    def __init__(
        self, columns: Sequence[Column], *, right: Collection[int] = (), **kwargs: Any
    ) -> None:
        super().__init__(columns, **kwargs)
        self.right = frozenset(right)

    def _cells(
        self, cells: Sequence[str], widths: Sequence[int], styles: Sequence[Style]
    ) -> list[Segment]:
        segments: list[Segment] = []
        for index, (cell, width) in enumerate(zip(cells, widths, strict=False)):
            if not width:
                continue
            if segments:
                segments.append(Segment(" ", styles[0]))
            text = cell.rjust(width) if index in self.right else cell
            segments.append(Segment(set_cell_size(text, width), styles[index]))
        return segments

    def render_line(self, y: int) -> Strip:
        """Paint one line: the header, or a row with each cell's own style."""
        rows = self.rows()
        index = int(self.scroll_y) + y - 1
        if (y != 0 and (not rows or index >= len(rows))) or not self.columns:
            return super().render_line(y)
        width = self.scrollable_content_region.width
        widths = self._widths(width)
        base = self.rich_style
        if y == 0:
            base += self.get_component_rich_style("queue-table--header")
            cells: Sequence[str] = [c.title for c in self.columns]
            marks: Sequence[str] = ()
        else:
            row = rows[index]
            if row.dim:
                base += self.get_component_rich_style("queue-table--dim")
            if index == self.cursor:
                base += self.get_component_rich_style("queue-table--cursor")
            cells, marks = row.cells, getattr(row, "marks", ())
        styles = [
            base + self.get_component_rich_style(mark, partial=True) if mark else base
            for mark in (*marks, *[""] * (len(cells) - len(marks)))
        ]
        segments = self._cells(cells, widths, styles)
        used = sum(s.cell_length for s in segments)
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        return Strip(segments, width).crop(0, width)
