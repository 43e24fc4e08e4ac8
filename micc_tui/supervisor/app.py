"""The supervisor console: a Textual app of tabs over the :class:`Supervision` facade.

One poller thread asks the store, twice a second, for a cheap change stamp;
when it moves (or every few seconds, so waiting times age) the dashboard is
recomputed off the UI thread and posted as a message. The visible tab then
reloads itself, also off the UI thread.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Footer, Header, TabbedContent, TabPane

from engine.supervision import Supervision
from engine.supervision.dashboard import Dashboard
from micc_tui import heap
from micc_tui.supervisor.modals import ConfirmPrompt
from micc_tui.supervisor.tabs.agents import AgentsTab
from micc_tui.supervisor.tabs.archive import ArchiveTab
from micc_tui.supervisor.tabs.base import SupervisorTab
from micc_tui.supervisor.tabs.dashboard import DashboardTab
from micc_tui.supervisor.tabs.health import HealthTab
from micc_tui.supervisor.tabs.problems import ProblemsTab
from micc_tui.supervisor.tabs.review import ReviewTab
from micc_tui.supervisor.tabs.routing import RoutingTab
from micc_tui.widgets.focus_keys import FOCUS_KEYS
from micc_tui.workers import ShowsWorkerFailures

#: Seconds between two looks at the store's change stamp.
POLL_SECONDS = 0.5
#: Seconds after which the figures are recomputed anyway (waiting times grow).
AGEING_SECONDS = 5.0

TABS: tuple[tuple[str, type[SupervisorTab]], ...] = (
    ("dashboard", DashboardTab),
    ("routing", RoutingTab),
    ("review", ReviewTab),
    ("problems", ProblemsTab),
    ("agents", AgentsTab),
    ("archive", ArchiveTab),
    ("health", HealthTab),
)


class SupervisorApp(App[None], ShowsWorkerFailures):
    """The supervisor's console for one supervisor of one tenant.

    A worker failing in any tab becomes a notification (:mod:`micc_tui.workers`).

    Args:
        supervision: the facade (see :func:`engine.supervision.open_supervision`).
        poll_seconds: how often the store is asked whether anything changed.
    """

    CSS_PATH = Path(__file__).with_name("supervisor.tcss")
    TITLE = "micc supervisor"
    BINDINGS: ClassVar[list[BindingType]] = [
        *FOCUS_KEYS,
        *(
            Binding(str(number), f"show_tab('pane-{pane}')", tab.TITLE, show=False)
            for number, (pane, tab) in enumerate(TABS, start=1)
        ),
        Binding("ctrl+r", "refresh_now", "Refresh"),
        # q is one key and easily pressed by mistake: it asks. Ctrl+Q quits at once.
        Binding("q", "ask_quit", "Quit"),
    ]

    class PollFailed(Message):
        """The poller could not read the store this time (it keeps trying)."""

        def __init__(self, error: str) -> None:
            self.error = error
            super().__init__()

    class Changed(Message):
        """The store changed (or time passed): fresh dashboard figures."""

        def __init__(self, board: Dashboard, store_changed: bool) -> None:
            self.board = board
            self.store_changed = store_changed
            super().__init__()

    def __init__(self, supervision: Supervision, *, poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.supervision = supervision
        self.poll_seconds = poll_seconds
        self.board: Dashboard | None = None
        self._poll_error: str | None = None
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs"):
            for pane, tab in TABS:
                with TabPane(tab.TITLE, id=f"pane-{pane}"):
                    yield tab(self.supervision, id=f"{pane}-tab")
        yield Footer()

    def on_mount(self) -> None:
        supervisor = self.supervision.supervisor
        self.sub_title = f"{supervisor.name} ({supervisor.id}) · keys 1-7 switch tabs"
        self._poll()
        self.set_timer(heap.SETTLE_SECONDS, heap.settle)

    def on_unmount(self) -> None:
        self._stop.set()

    # -- live data ----------------------------------------------------------------

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False, description="_poll")
    def _poll(self) -> None:
        """Watch the store; post fresh figures when it changed or time passed."""
        last: tuple[object, ...] | None = None
        computed = 0.0
        while not self._stop.is_set():
            try:
                stamp = self.supervision.change_stamp()
                now = time.monotonic()
                if stamp != last or now - computed >= AGEING_SECONDS:
                    board = self.supervision.dashboard()
                    self.post_message(self.Changed(board, stamp != last))
                    last, computed = board.stamp, now
            except Exception as exc:  # a locked or moved file must not end live updates
                self.post_message(self.PollFailed(str(exc) or exc.__class__.__name__))
                self._stop.wait(AGEING_SECONDS)
            self._stop.wait(self.poll_seconds)

    def on_supervisor_app_poll_failed(self, message: PollFailed) -> None:
        """Say once that the figures are stale, and why."""
        if message.error != self._poll_error:
            self._poll_error = message.error
            self.notify(
                f"Live figures paused: {message.error}",
                title="Store",
                severity="warning",
                markup=False,
            )

    def on_supervisor_app_changed(self, message: Changed) -> None:
        """Show the figures; let the visible tab reload when the store moved."""
        self.board = message.board
        self._poll_error = None
        self.query_one(DashboardTab).show(message.board)
        self._label_tabs(message.board)
        tab = self.active_tab()
        if message.store_changed and tab is not None and not isinstance(tab, DashboardTab):
            tab.reload()

    def _label_tabs(self, board: Dashboard) -> None:
        """Counts in the tab labels: replies to review, problems to fix."""
        tabs = self.query_one(TabbedContent)
        review = sum(g.pending_review for g in board.groups)
        for pane, title, count in (
            ("pane-review", ReviewTab.TITLE, review),
            ("pane-problems", ProblemsTab.TITLE, board.unrouted + board.failed),
        ):
            tab = tabs.get_tab(pane)
            label = title + (f" ({count})" if count else "")
            if str(tab.label) != label:
                tab.label = label

    def active_tab(self) -> SupervisorTab | None:
        """The tab on screen."""
        pane = self.query_one(TabbedContent).active_pane
        return pane.query_one(SupervisorTab) if pane is not None else None

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """A tab comes into view: show it fresh."""
        tab = self.active_tab()
        if tab is None:
            return
        # Focus moves into the tab so its keys show in the footer and work at once.
        tab.focus_first()
        if not isinstance(tab, DashboardTab):
            tab.reload()

    # -- actions ------------------------------------------------------------------

    def action_show_tab(self, pane: str) -> None:
        """Switch to a tab by its pane id; on the tab shown, go back to its first field."""
        tabs = self.query_one(TabbedContent)
        if tabs.active != pane:
            tabs.active = pane
        elif (tab := self.active_tab()) is not None:
            tab.focus_first()  # e.g. the archive's search box after reading the hits

    def action_ask_quit(self) -> None:
        """Quit after the supervisor says yes."""

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        editing = self.query_one(ReviewTab).editing
        detail = (
            f"Your edit of reply {editing} is not approved and is dropped."
            if editing is not None
            else "Queues and replies go on without it."
        )
        self.push_screen(
            ConfirmPrompt("Quit the supervisor console?", detail, verb="Quit"), answered
        )

    def action_refresh_now(self) -> None:
        """Reload the visible tab now."""
        tab = self.active_tab()
        if tab is not None:
            tab.reload()
