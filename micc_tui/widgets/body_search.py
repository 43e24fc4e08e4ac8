"""Searching the e-mail on screen, as in less, mutt or a browser: ``/``, ``n`` / ``N``, Esc.

A pane that shows e-mails (the agent's reading pane, the supervisor's
conversation) holds :class:`Searchable` parts: its bodies
(:class:`~micc_tui.widgets.body_view.BodyView`) and headers
(:class:`SearchableText`). ``/`` opens a :class:`SearchBar` under them; what is
typed there is looked for, ignoring case, in the text shown, as the sanitizer
made it (:func:`~micc_tui.widgets.safe.inert`): the term is made inert the same
way, so ``\\x1b`` finds what a body shows for an escape character. Every place
found is highlighted by a style on the painted text (never by markup built
from it), the current one more, and scrolled into view. Enter goes back to
the text, where ``n`` / ``N`` (or Enter / Shift+Enter) go to the next /
previous place; Esc closes the search and clears the highlights.

Only the text shown is searched: of a long body, its first 256 KB until "show
all"; the bar says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.geometry import Region
from textual.style import Style
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from micc_tui.widgets.safe import inert
from micc_tui.workers import ReportsWorkerFailures

#: The most places counted and highlighted (a search for "e" in 25 MB finds millions).
MATCH_LIMIT = 10_000
#: Parts with fewer lines in all are searched at once; more, in a worker thread.
QUICK_LINES = 5_000
#: Lines searched between two looks at whether a newer keystroke made the work moot.
CHUNK = 4_096

#: A found place in a line: its start and end offsets.
Span = tuple[int, int]
#: A found place in a part: its line, start and end offsets.
Spot = tuple[int, int, int]

#: Keys of a pane that can be searched. All but ``/`` work only while a search is
#: open (the pane's ``check_action`` says so with :func:`searching`): otherwise
#: ``n`` is the desk's "take next" and Esc what it was.
SEARCH_BINDINGS: list[BindingType] = [
    Binding("slash", "search", "Search", show=False),
    Binding("n,enter", "next_match", "Next match", show=False),
    Binding("N,shift+enter", "previous_match", "Previous match", show=False),
    Binding("escape", "close_search", "Close search", show=False),
]
#: The actions above that need an open search.
WHILE_SEARCHING = frozenset({"next_match", "previous_match", "close_search"})


class Searchable(Protocol):
    """A part of a pane that a search looks in and marks."""

    def search_lines(self) -> Sequence[str]:
        """The lines shown (inert text), in order."""
        ...

    def mark(self, marks: Mapping[int, Sequence[Span]], current: Spot | None) -> None:
        """Highlight the places found (by line), ``current`` the most; none: clear."""
        ...

    def reveal(self, line: int, offset: int) -> None:
        """Scroll the container so the character at ``offset`` of ``line`` is in view."""
        ...


@dataclass(frozen=True)
class Match:
    """A place found: in which part, which line, from where to where."""

    part: int
    line: int
    start: int
    end: int


def find(
    parts: Sequence[Sequence[str]],
    term: str,
    *,
    limit: int = MATCH_LIMIT,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[Match]:
    """Where ``term`` occurs in each part's lines, ignoring case; at most ``limit`` + 1 places.

    ``term`` is looked for as written (no pattern), in lines already inert.
    """
    if not term:
        return []
    pattern = re.compile(re.escape(term), re.IGNORECASE)
    found: list[Match] = []
    for part, lines in enumerate(parts):
        for index, line in enumerate(lines):
            if index % CHUNK == 0 and cancelled():
                return []
            for hit in pattern.finditer(line):
                found.append(Match(part, index, hit.start(), hit.end()))
                if len(found) > limit:
                    return found
    return found


def searching(bar: SearchBar | None, action: str) -> bool:
    """Whether a pane's ``action`` may run: those of :data:`WHILE_SEARCHING` need an open bar."""
    return action not in WHILE_SEARCHING or (bar is not None and bar.active)


def reveal_row(widget: Widget, row: int) -> None:
    """Scroll ``widget``'s container, at once, so that ``widget``'s ``row`` is in view."""
    container = widget.parent
    if isinstance(container, Widget):
        region = Region(0, widget.virtual_region.y + row, max(widget.size.width, 1), 1)
        container.scroll_to_region(
            region, spacing=widget.dock_gutter, animate=False, center=True, immediate=True
        )


class SearchableText(Static):
    """A Static of inert Content (headers) that a search can mark."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"searchable-text--match", "searchable-text--current"}
    DEFAULT_CSS = """
    SearchableText > .searchable-text--match {
        background: $warning-muted;
        color: $text-warning;
    }
    SearchableText > .searchable-text--current {
        background: $accent;
        color: $background;
        text-style: bold;
    }
    """

    def __init__(
        self, content: Content | None = None, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._base = Content("")
        self._lines: list[str] = [""]
        if content is not None:
            self.show(content)

    def show(self, content: Content) -> None:
        """Show ``content`` (made of inert text), nothing marked."""
        self._base = content
        self._lines = content.plain.split("\n")
        self.update(content)

    def search_lines(self) -> Sequence[str]:
        """The lines shown."""
        return self._lines

    def mark(self, marks: Mapping[int, Sequence[Span]], current: Spot | None) -> None:
        """Highlight the places found as styles of the content shown."""
        found = Style.from_rich_style(
            self.get_component_rich_style("searchable-text--match", partial=True)
        )
        here = Style.from_rich_style(
            self.get_component_rich_style("searchable-text--current", partial=True)
        )
        starts = [0]
        for text in self._lines:
            starts.append(starts[-1] + len(text) + 1)
        content = self._base
        for line, spans in marks.items():
            for start, end in spans:
                style = here if current == (line, start, end) else found
                content = content.stylize(style, starts[line] + start, starts[line] + end)
        self.update(content)

    def reveal(self, line: int, offset: int) -> None:
        """Scroll the container to ``line`` (a header value is one line)."""
        reveal_row(self, line)


class SearchBar(Horizontal, ReportsWorkerFailures):
    """A one-line search field with the count of places found ("2 of 5", "not found").

    The pane that shows it hands it its parts (:meth:`open`, :meth:`renew`)
    and moves through the places (:meth:`step`); ``scroller`` gets the focus
    back on Enter and Esc.
    """

    DEFAULT_CSS = """
    SearchBar {
        dock: bottom;
        height: 1;
        display: none;
        background: $panel;
    }
    SearchBar.-shown {
        display: block;
    }
    SearchBar > .search-prompt {
        width: auto;
        padding: 0 0 0 1;
        color: $text-accent;
        text-style: bold;
    }
    SearchBar > Input {
        width: 1fr;
        height: 1;
        border: none;
        padding: 0 1;
    }
    SearchBar > .search-count {
        width: auto;
        padding: 0 1;
        color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close search", show=False),
    ]

    def __init__(self, scroller: Widget, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.scroller = scroller
        self.parts: Sequence[Searchable] = ()
        self.note = ""
        self.matches: list[Match] = []
        self.more = False
        self.current = 0
        self._asked = 0

    def compose(self) -> ComposeResult:
        yield Static("/", classes="search-prompt")
        yield Input(placeholder="Search this e-mail", classes="search-term")
        yield Static(classes="search-count")

    @property
    def active(self) -> bool:
        """True while the bar is shown."""
        return self.has_class("-shown")

    @property
    def term(self) -> str:
        """What is looked for, made inert like the text it is looked for in."""
        return inert(self.query_one(Input).value)

    @property
    def count_text(self) -> str:
        """What the count says ("2 of 5", "not found", "searching…")."""
        return str(self.query_one(".search-count", Static).render())

    def open(self, parts: Sequence[Searchable], note: str = "") -> None:
        """Show the field, focused, its term selected; ``note`` says what is not searched."""
        self.add_class("-shown")
        self.query_one(Input).focus()
        self.renew(parts, note, reveal=True)

    def close(self) -> None:
        """Hide the field, forget the term, clear the highlights; the text gets the focus."""
        self.remove_class("-shown")
        self._asked += 1  # a search still running is moot
        with self.prevent(Input.Changed):
            self.query_one(Input).value = ""
        self.matches, self.more, self.current = [], False, 0
        for part in self.parts:
            part.mark({}, None)
        self._say("")
        self.scroller.focus()

    def action_close(self) -> None:
        """Esc in the field: close the search."""
        self.close()

    def renew(self, parts: Sequence[Searchable], note: str = "", *, reveal: bool) -> None:
        """The pane shows other text: search it again (``reveal``: from its first place)."""
        self.parts, self.note = parts, note
        if self.active:
            self._search(keep=not reveal)

    def step(self, delta: int) -> None:
        """Go to the next (1) or previous (-1) place, round the end."""
        if self.matches:
            self.current = (self.current + delta) % len(self.matches)
            self._show(reveal=True)

    # -- searching ----------------------------------------------------------------

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if inert(event.value) != event.value:
            # A pasted control character: written as the text shows it (and looked for so).
            event.input.value = inert(event.value)
            return
        self._search(keep=False)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.scroller.focus()

    def _search(self, *, keep: bool) -> None:
        self._asked += 1
        term = self.term
        lines = [part.search_lines() for part in self.parts]
        if not term or sum(len(part) for part in lines) <= QUICK_LINES:
            self._found(self._asked, find(lines, term), keep=keep)
        else:
            self._say("searching…")
            self._find(self._asked, lines, term, keep)

    @work(
        thread=True,
        exclusive=True,
        group="body-search",
        exit_on_error=False,
        description="_find",
    )
    def _find(self, asked: int, lines: list[Sequence[str]], term: str, keep: bool) -> None:
        worker = get_current_worker()
        matches = find(lines, term, cancelled=lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._found, asked, matches, keep=keep)

    def _found(self, asked: int, matches: list[Match], *, keep: bool) -> None:
        if asked != self._asked:
            return  # a newer keystroke asked again
        self.more = len(matches) > MATCH_LIMIT
        self.matches = matches[:MATCH_LIMIT]
        self.current = min(self.current, max(len(self.matches) - 1, 0)) if keep else 0
        self._show(reveal=not keep)

    def _show(self, *, reveal: bool) -> None:
        """Mark every place in each part, the current one most; scroll to it."""
        by_part: list[dict[int, list[Span]]] = [{} for _ in self.parts]
        for match in self.matches:
            by_part[match.part].setdefault(match.line, []).append((match.start, match.end))
        here = self.matches[self.current] if self.matches else None
        for index, part in enumerate(self.parts):
            current = (here.line, here.start, here.end) if here and here.part == index else None
            part.mark(by_part[index], current)
        if here is not None and reveal:
            self.call_after_refresh(self.parts[here.part].reveal, here.line, here.start)
        if not self.term:
            self._say("")
        elif not self.matches:
            self._say(f"not found {self.note}".strip())
        else:
            more = "+" if self.more else ""
            self._say(f"{self.current + 1} of {len(self.matches)}{more} {self.note}".strip())

    def _say(self, words: str) -> None:
        self.query_one(".search-count", Static).update(Content(words))


__all__ = [
    "MATCH_LIMIT",
    "SEARCH_BINDINGS",
    "WHILE_SEARCHING",
    "Match",
    "SearchBar",
    "Searchable",
    "SearchableText",
    "Span",
    "Spot",
    "find",
    "reveal_row",
    "searching",
]
