"""A queue of e-mails that paints only the rows on screen.

A :class:`~textual.widgets.DataTable` measures every cell of every row: 10,000
queued e-mails take about a second to appear. This table keeps plain row
tuples and renders the visible lines through the Line API, so painting costs
the same for ten rows or ten thousand. Cell text is written as segments, never
parsed as markup; callers pass text already made inert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


@dataclass(frozen=True)
class Column:
    """A column: a title, a minimum width, a share of spare width, a narrowest table."""

    title: str
    width: int
    flex: int = 0
    #: Hide the column when the table is narrower than this.
    hide_below: int = 0


class TableRow(Protocol):
    """What the table needs of a row; cells may be computed only when first painted."""

    @property
    def key(self) -> int: ...

    @property
    def cells(self) -> tuple[str, ...]: ...

    @property
    def dim(self) -> bool: ...


@dataclass(frozen=True)
class Row:
    """One line of the table: a key (the conversation id) and its cells, already inert."""

    key: int
    cells: tuple[str, ...]
    dim: bool = False


class QueueTable(ScrollView, can_focus=True):
    """A keyboard- and mouse-driven table whose cost does not grow with its length."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue-table--header",
        "queue-table--cursor",
        "queue-table--dim",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class _RowMessage(Message):
        def __init__(self, table: QueueTable, key: int | None) -> None:
            self.table = table
            self.key = key
            super().__init__()

        @property
        def control(self) -> QueueTable:
            """The table the message came from (lets ``@on`` match by selector)."""
            return self.table

    class Highlighted(_RowMessage):
        """The cursor moved to another row (``key`` None when the table is empty)."""

    class Selected(_RowMessage):
        """The agent pressed Enter on (or double-clicked) a row."""

        key: int

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        empty_text: str = "Nothing here",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = tuple(columns)
        self.empty_text = empty_text
        self._rows: list[TableRow] = []
        self._index: dict[int, int] = {}
        self._last_key: int | None = None
        self._last_cursor = 0
        #: Rich styles by component, computed once per style change: Textual does not
        #: cache a widget's own ``rich_style``, and it walks every ancestor each time.
        self._styles: dict[str, Style] = {}

    # -- data ---------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """How many rows the table holds."""
        return len(self._rows)

    @property
    def cursor_key(self) -> int | None:
        """The key of the highlighted row."""
        return self._rows[self.cursor].key if self._rows else None

    def rows(self) -> Sequence[TableRow]:
        """The rows, in order."""
        return self._rows

    def set_rows(self, rows: Sequence[TableRow]) -> None:
        """Replace the rows; the cursor stays on the same key when it is still there."""
        keep = self.cursor_key
        self._rows = list(rows)
        self._index = {row.key: i for i, row in enumerate(self._rows)}
        self.virtual_size = Size(0, len(self._rows) + 1)
        if keep is not None and keep in self._index:
            self.cursor = self._index[keep]
        else:
            self.cursor = min(self.cursor, max(len(self._rows) - 1, 0))
        self.refresh()

    def move_to(self, key: int) -> bool:
        """Put the cursor on ``key``; False when no row has it."""
        if key not in self._index:
            return False
        self.cursor = self._index[key]
        return True

    # -- cursor -------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._rows) - 1)) if self._rows else 0

    def watch_cursor(self, value: int) -> None:
        top = int(self.scroll_y)
        self._scroll_to_cursor()
        if int(self.scroll_y) == top:
            # Only the row left and the row reached change: repaint those two lines.
            for row in {self._last_cursor, value}:
                self.refresh_line(row + 1)
        else:
            self.refresh()
        self._last_cursor = value
        key = self.cursor_key
        if key != self._last_key:
            self._last_key = key
            self.post_message(self.Highlighted(self, key))

    def _body_height(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_y)
        height = self._body_height()
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        """Move the cursor ``delta`` rows."""
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        """Move the cursor a screenful."""
        self.cursor += direction * self._body_height()

    def action_jump(self, where: int) -> None:
        """Jump to the first (0) or last (-1) row."""
        self.cursor = 0 if where == 0 else len(self._rows) - 1

    def action_select(self) -> None:
        """Report the highlighted row as chosen."""
        key = self.cursor_key
        if key is not None:
            self.post_message(self.Selected(self, key))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = int(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self._rows):
            self.cursor = index
            if event.chain >= 2:
                self.action_select()

    def on_resize(self) -> None:
        self.virtual_size = Size(0, len(self._rows) + 1)

    # -- painting -----------------------------------------------------------------

    def notify_style_update(self) -> None:
        self._styles.clear()
        super().notify_style_update()

    def _style(self, component: str = "") -> Style:
        style = self._styles.get(component)
        if style is None:
            base = self._styles.get("")
            if base is None:
                base = self._styles[""] = self.rich_style
            style = base if not component else base + self.get_component_rich_style(component)
            self._styles[component] = style
        return style

    def _widths(self, total: int) -> list[int]:
        shown = [c for c in self.columns if total >= c.hide_below]
        fixed = sum(c.width for c in shown) + max(len(shown) - 1, 0)
        spare = max(total - fixed, 0)
        flex = sum(c.flex for c in shown) or 1
        widths = []
        for column in self.columns:
            if column not in shown:
                widths.append(0)
                continue
            widths.append(column.width + spare * column.flex // flex)
        return widths

    def _line(self, cells: Sequence[str], widths: Sequence[int], style: Style, width: int) -> Strip:
        parts = [set_cell_size(cell, w) for cell, w in zip(cells, widths, strict=False) if w]
        text = " ".join(parts)
        if cell_len(text) < width:
            text += " " * (width - cell_len(text))
        return Strip([Segment(set_cell_size(text, width), style)], width)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        widths = self._widths(width)
        if y == 0:
            header = self._style("queue-table--header")
            return self._line([c.title for c in self.columns], widths, header, width)
        index = int(self.scroll_y) + y - 1
        if not self._rows:
            dim = self._style("queue-table--dim")
            return self._line([self.empty_text if y == 1 else ""], [width], dim, width)
        if index >= len(self._rows):
            return Strip.blank(width, self._style())
        row = self._rows[index]
        if index == self.cursor:
            style = self._style("queue-table--cursor")
            if row.dim:
                style = self._style("queue-table--dim") + self.get_component_rich_style(
                    "queue-table--cursor"
                )
        else:
            style = self._style("queue-table--dim" if row.dim else "")
        return self._line(row.cells, widths, style, width)
