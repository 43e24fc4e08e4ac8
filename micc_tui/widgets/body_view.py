"""An e-mail body on screen at a cost that does not grow with its size.

A Static holding a body measures and wraps all of it on the UI thread: about
a second for 256 KB, minutes (and gigabytes) for 25 MB. Here the work is
split in two:

- :func:`prepare` (run in a worker thread) turns a message into a
  :class:`Body`: its text part, or its HTML converted to text, made inert
  (:func:`micc_tui.widgets.safe.inert`) and cut to the first :data:`LIMIT`
  bytes unless the whole is asked for; it works in slices so the UI thread
  gets the interpreter between them;
- :class:`BodyView` paints only the lines on screen (Textual's line API),
  wrapping each logical line when it is first painted. The row count for a
  width is computed on the UI thread only for short bodies, otherwise in a
  worker thread.

The people who read a cut body are told so, with the keys that show all of it
or save it to a file (:func:`affordance`, :func:`save_body`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import work
from textual._wrap import compute_wrap_offsets
from textual.content import Content
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from engine.archive import ArchivedMessage
from engine.mail.html import incoming_text
from micc_tui.widgets.body_search import Span, Spot, reveal_row
from micc_tui.widgets.safe import inert
from micc_tui.workers import ReportsWorkerFailures

#: The most of a body shown at first, in UTF-8 bytes (the rest: "show all").
LIMIT = 256 * 1024
#: Characters handled per slice while preparing (the UI thread runs between slices).
SLICE = 64 * 1024
#: Bodies with fewer characters are laid out at once; longer ones in a worker.
QUICK = 32 * 1024
#: How much HTML is converted to text for a cut body (HTML is wordier than its text).
HTML_FACTOR = 4


@dataclass(frozen=True)
class Body:
    """A body ready for the screen: inert logical lines, perhaps only the first of them.

    Attributes:
        lines: the text shown, one logical line each (no newlines inside).
        shown: UTF-8 bytes of the text shown.
        total: UTF-8 bytes of the whole body (its text part, else its HTML part).
        html: True when the text was made from the HTML part.
    """

    lines: tuple[str, ...]
    shown: int
    total: int
    html: bool = False

    @property
    def cut(self) -> bool:
        """True when only the beginning of the body is shown."""
        return self.shown < self.total

    @property
    def text(self) -> str:
        """The text shown, lines joined."""
        return "\n".join(self.lines)


def _slices(text: str, size: int = SLICE) -> Iterator[str]:
    """``text`` in pieces of about ``size`` characters, cut after a newline when one is near."""
    start = 0
    while start < len(text):
        end = start + size
        if end < len(text):
            newline = text.rfind("\n", start, end)
            if newline > start:
                end = newline + 1
        yield text[start:end]
        start = end


def _utf8_size(text: str) -> int:
    return sum(len(piece.encode("utf-8", "surrogatepass")) for piece in _slices(text))


def _prefix(text: str, limit: int) -> str:
    """The longest beginning of ``text`` within ``limit`` UTF-8 bytes, cut after a line if near."""
    head = text[:limit]
    data = head.encode("utf-8", "surrogatepass")
    if len(data) > limit:
        head = data[:limit].decode("utf-8", "ignore")
    newline = head.rfind("\n")
    if newline >= len(head) - 4096 and newline > 0:
        head = head[: newline + 1]
    return head


def prepare_text(
    text: str, *, limit: int | None = LIMIT, html: bool = False, total: int | None = None
) -> Body:
    """A text as a :class:`Body`: inert, cut to ``limit`` bytes (None: the whole).

    ``total``: the UTF-8 size of the whole text when ``text`` is only its
    beginning (at least ``limit`` bytes of it, when there is more).
    """
    whole = total is None
    total = _utf8_size(text) if total is None else total
    shown_text = text if limit is None or total <= limit else _prefix(text, limit)
    lines: list[str] = []
    pending = ""  # the last line of a slice, inert, continued by the next one
    for piece in _slices(shown_text):
        parts = (pending + inert(piece, multiline=True)).split("\n")
        pending = parts.pop()
        lines += parts
    lines.append(pending)
    while lines and not lines[-1].strip():
        lines.pop()
    shown = total if whole and shown_text is text else _utf8_size(shown_text)
    return Body(tuple(lines) or ("(no text)",), shown, total, html)


def has_text(value: str) -> bool:
    """True when ``value`` holds more than whitespace (without copying it, as ``strip`` would).

    Copying a 25 MB body holds the interpreter lock for up to 100 ms: the UI
    thread stops meanwhile, even when the copy is made in a worker.
    """
    return bool(value) and not value.isspace()


#: Characters of each body read from the archive to show its beginning
#: (:func:`engine.archive.head`): enough for :data:`LIMIT` bytes of text or of HTML.
HEAD_CHARS = LIMIT * HTML_FACTOR


def prepare(message: ArchivedMessage, *, limit: int | None = LIMIT) -> Body:
    """A message's body for the screen (run it in a worker thread: it may take a while).

    The text part, else the HTML part as text; with a ``limit``, only about
    that many bytes (of HTML, a few times more is converted, enough to fill it).
    ``message`` may be a head of :data:`HEAD_CHARS` (:func:`engine.archive.head`),
    except for ``limit=None``.
    """
    if limit is None and not message.whole:
        raise ValueError("the whole body was asked of a message read only in part")
    text_bytes, html_bytes = message.body_bytes or (None, None)
    if has_text(message.body_text) or (
        text_bytes is not None and text_bytes > _utf8_size(message.body_text)
    ):
        return prepare_text(message.body_text, limit=limit, total=text_bytes)
    markup = message.body_html
    read = _utf8_size(markup)
    total = read if html_bytes is None else html_bytes
    if not has_text(markup) and total <= read:
        return Body(("(no text)",), 0, 0)
    converted = markup
    if limit is not None and len(markup) > limit * HTML_FACTOR:
        cut = markup.rfind("<", 0, limit * HTML_FACTOR)
        converted = markup[: cut if cut > 0 else limit * HTML_FACTOR]
    body = prepare_text(incoming_text(converted), limit=limit, html=True)
    if converted is markup and total <= read:
        return body
    # Only the beginning of the HTML was read: measured against all of it.
    return Body(body.lines, body.shown, total, html=True)


def size_words(value: int) -> str:
    """A byte count for people: 512 B, 14 KB, 3.2 MB."""
    if value < 1024:
        return f"{value} B"
    if value < 1024 * 1024:
        return f"{value // 1024} KB"
    return f"{value / 1024 / 1024:.1f} MB"


def affordance(body: Body, *, show_all: str, save: str) -> str:
    """What a cut body says about itself, with the keys that show all or save it."""
    return (
        f"Showing the first {size_words(body.shown)} of {size_words(body.total)}"
        f" — press {show_all} to show all, {save} to save it to a file"
    )


def save_body(message: ArchivedMessage, folder: Path) -> Path:
    """Write a message's whole text body (else its HTML) into ``folder``; never overwrite.

    The file is named after the archived message (``e-mail-123.txt``), so no
    name from the e-mail is used on the disk.
    """
    if not message.whole:
        raise ValueError("only a whole message is saved, not its beginning")
    html = not has_text(message.body_text) and has_text(message.body_html)
    text = message.body_html if html else message.body_text
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = f"e-mail-{message.id}", ".html" if html else ".txt"
    target = folder / f"{stem}{suffix}"
    number = 1
    while True:
        try:
            with target.open("x", encoding="utf-8", errors="surrogateescape") as out:
                for piece in _slices(text, 1024 * 1024):
                    out.write(piece)
            return target
        except FileExistsError:
            number += 1
            target = folder / f"{stem}-{number}{suffix}"


def downloads_folder() -> Path:
    """Where bodies and attachments are saved unless the person says otherwise."""
    return Path.home() / "Downloads"


def wrap_spans(line: str, width: int) -> list[tuple[int, int]]:
    """Where each row of ``line`` at ``width`` cells starts and ends in it (see :func:`wrap`).

    A space a row was broken at belongs to neither row.
    """
    width = max(width, 1)
    if line.isascii():
        if len(line) <= width:
            return [(0, len(line))]
        spans = []
        start, end = 0, len(line)
        while end - start > width:
            space = line.rfind(" ", start, start + width + 1)
            if space > start:
                spans.append((start, space))
                start = space + 1
            else:
                spans.append((start, start + width))
                start += width
        spans.append((start, end))
        return spans
    if cell_len(line) <= width:
        return [(0, len(line))]
    offsets = [0, *compute_wrap_offsets(line, width, 4, fold=True), len(line)]
    return [(a, a + len(line[a:b].rstrip(" "))) for a, b in pairwise(offsets) if b > a]


def wrap(line: str, width: int) -> list[str]:
    """One logical line as rows of at most ``width`` cells, broken after spaces when possible."""
    return [line[a:b] for a, b in wrap_spans(line, width)]


def row_starts(lines: Sequence[str], width: int) -> list[int]:
    """Where each logical line starts, in rows of ``width`` cells; one more: the total."""
    starts = [0] * (len(lines) + 1)
    row = 0
    for index, line in enumerate(lines):
        starts[index] = row
        row += 1 if len(line) <= width and line.isascii() else len(wrap_spans(line, width))
    starts[len(lines)] = row
    return starts


@dataclass(frozen=True)
class _Layout:
    width: int
    starts: list[int]

    @property
    def rows(self) -> int:
        return self.starts[-1]


class BodyView(Widget, ReportsWorkerFailures):
    """An e-mail body that paints only its visible lines; as tall as its wrapped text.

    Put it in a scrolling container. :meth:`show` takes a :class:`Body` made
    by :func:`prepare` in a worker thread. :meth:`mark` highlights the places
    a search found (:mod:`micc_tui.widgets.body_search`), as styles of the
    painted segments: the text stays what :func:`prepare` made of it.
    """

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {"body-view--match", "body-view--current"}
    DEFAULT_CSS = """
    BodyView {
        height: auto;
        width: 1fr;
    }
    BodyView > .body-view--match {
        background: $warning-muted;
        color: $text-warning;
    }
    BodyView > .body-view--current {
        background: $accent;
        color: $background;
        text-style: bold;
    }
    """

    def __init__(
        self, body: Body | None = None, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.body = body or Body((), 0, 0)
        self._layout: _Layout | None = None
        self._asked = 0
        self._wrapped: dict[int, list[tuple[int, int]]] = {}
        self._marks: dict[int, Sequence[Span]] = {}
        self._current: Spot | None = None

    @property
    def text(self) -> str:
        """The text shown (inert)."""
        return self.body.text

    def show(self, body: Body) -> None:
        """Show another body (prepared off the UI thread); no places marked in it."""
        self.body = body
        self._layout = None
        self._asked = 0
        self._wrapped.clear()
        self._marks, self._current = {}, None
        self.refresh(layout=True)

    # -- search -------------------------------------------------------------------

    def search_lines(self) -> Sequence[str]:
        """The lines a search looks in: those shown."""
        return self.body.lines

    def mark(self, marks: Mapping[int, Sequence[Span]], current: Spot | None) -> None:
        """Highlight ``marks`` (start and end in each line, by line), ``current`` the most."""
        self._marks, self._current = dict(marks), current
        self.refresh()

    def row_of(self, line: int, offset: int) -> int:
        """The row (of this widget) showing the character at ``offset`` of ``line``."""
        layout = self._layout
        if layout is None or line >= len(self.body.lines):
            return line  # meanwhile one row per line (as painted)
        spans = wrap_spans(self.body.lines[line], layout.width)
        part = next((i for i, (_, end) in enumerate(spans) if offset < end), len(spans) - 1)
        return layout.starts[line] + part

    def reveal(self, line: int, offset: int) -> None:
        """Scroll the container so the row showing ``offset`` of ``line`` is in view."""
        reveal_row(self, self.row_of(line, offset))

    # -- layout -------------------------------------------------------------------

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        layout = self._layout_for(width)
        if layout is not None:
            return layout.rows
        # A long body is being laid out in a worker: meanwhile one row per line.
        return self._layout.rows if self._layout is not None else len(self.body.lines)

    def _layout_for(self, width: int) -> _Layout | None:
        width = max(width, 1)
        if self._layout is not None and self._layout.width == width:
            return self._layout
        lines = self.body.lines
        if sum(len(line) for line in lines[:QUICK]) < QUICK and len(lines) < QUICK:
            self._layout = _Layout(width, row_starts(lines, width))
            self._wrapped.clear()
            return self._layout
        if self._asked != width:
            self._asked = width
            self._lay_out(self.body, width)
        return None

    @work(
        thread=True,
        exclusive=True,
        group="body-layout",
        exit_on_error=False,
        description="_lay_out",
    )
    def _lay_out(self, body: Body, width: int) -> None:
        starts = row_starts(body.lines, width)
        self.app.call_from_thread(self._laid_out, body, _Layout(width, starts))

    def _laid_out(self, body: Body, layout: _Layout) -> None:
        if body is self.body and layout.width == self._asked:
            self._layout = layout
            self._wrapped.clear()
            self.refresh(layout=True)
            current = self._current
            if current is not None:
                # It was scrolled to by its line before the rows were counted.
                self.call_after_refresh(self.reveal, current[0], current[1])

    # -- painting -----------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        style = self.rich_style
        layout = self._layout
        lines = self.body.lines
        text, line, start = "", -1, 0
        if layout is None:
            if y < len(lines):
                text, line = lines[y], y
        elif 0 <= y < layout.rows:
            index = bisect_right(layout.starts, y) - 1
            spans = self._wrapped.get(index)
            if spans is None:
                if len(self._wrapped) > 512:
                    self._wrapped.clear()
                spans = self._wrapped[index] = wrap_spans(lines[index], layout.width)
            part = y - layout.starts[index]
            if part < len(spans):
                start, end = spans[part]
                text, line = lines[index][start:end], index
        marks = self._marks.get(line)
        if not marks:
            return Strip([Segment(set_cell_size(text, width), style)], width)
        return Strip(self._marked(text, line, start, marks, style)).adjust_cell_length(width, style)

    def _marked(
        self, text: str, line: int, start: int, marks: Sequence[Span], style: Style
    ) -> list[Segment]:
        """``text`` (of ``line`` from ``start``) as segments, the marked places highlighted."""
        found = style + self.get_component_rich_style("body-view--match", partial=True)
        current = style + self.get_component_rich_style("body-view--current", partial=True)
        segments, at = [], 0
        for mark_start, mark_end in marks:
            a, b = max(mark_start - start, 0), min(mark_end - start, len(text))
            if b <= a:
                continue
            if a > at:
                segments.append(Segment(text[at:a], style))
            here = self._current == (line, mark_start, mark_end)
            segments.append(Segment(text[a:b], current if here else found))
            at = b
        if at < len(text):
            segments.append(Segment(text[at:], style))
        return segments

    def render(self) -> Content:
        """The text as Content (for screenshots of tests; painting uses :meth:`render_line`)."""
        return Content(self.text)


def bodies_of(messages: Sequence[ArchivedMessage], *, limit: int | None = LIMIT) -> list[Body]:
    """Each message's body prepared (in the calling worker thread)."""
    return [prepare(message, limit=limit) for message in messages]


__all__ = [
    "LIMIT",
    "Body",
    "BodyView",
    "affordance",
    "bodies_of",
    "downloads_folder",
    "prepare",
    "prepare_text",
    "save_body",
    "size_words",
    "wrap",
    "wrap_spans",
]
