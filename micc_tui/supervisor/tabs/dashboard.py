"""The dashboard: every service group's queue at a glance, live; ``e`` opens one queue."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Label, Sparkline, Static

from engine.supervision.clock import minutes_between, parse_iso
from engine.supervision.dashboard import Dashboard, GroupFigures
from micc_tui.supervisor.queue_screen import QueueScreen
from micc_tui.supervisor.tabs.base import SupervisorTab
from micc_tui.widgets.marked_table import MarkedRow, MarkedTable
from micc_tui.widgets.queue_table import Column, QueueTable
from micc_tui.widgets.safe import one_line

#: Column titles; every column but the group's is a right-aligned figure.
COLUMNS = (
    Column("Service group", 20),
    Column("Queued", 6),
    Column("Working", 7),
    Column("Review", 6),
    Column("Pending", 7),
    Column("Oldest", 7),
    Column("Answered", 8),
    Column("Agents", 7),
)


def waited(minutes: float | None) -> str:
    """A waiting time as a person reads it: ``-``, ``12m``, ``2h 05m``, ``3d 4h``."""
    if minutes is None:
        return "-"
    whole = int(minutes)
    if whole < 60:
        return f"{whole}m"
    if whole < 24 * 60:
        return f"{whole // 60}h {whole % 60:02d}m"
    return f"{whole // 1440}d {whole % 1440 // 60}h"


class GroupTable(MarkedTable):
    """The per-group table; waiting-time colours come from the stylesheet.

    A line-painted table: a change to one group repaints one cheap line, not
    every cell of every row.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *MarkedTable.COMPONENT_CLASSES,
        "group-table--warn",
        "group-table--alarm",
    }


def group_row(key: int, group: GroupFigures) -> MarkedRow:
    """One group's row: figures as text, the oldest-waiting cell marked by its level."""
    level = "" if group.level == "ok" else f"group-table--{group.level}"
    return MarkedRow(
        key,
        (
            one_line(group.name),
            str(group.queued),
            str(group.in_progress),
            str(group.pending_review),
            str(group.pending_customer),
            waited(group.oldest_minutes),
            str(group.answered_today),
            f"{group.agents_logged_in}/{group.agents_available}",
        ),
        marks=("", "", "", "", "", level, "", ""),
    )


class DashboardTab(SupervisorTab):
    """Per-group figures and arrivals per minute; fed by the app's live poller."""

    TITLE = "Dashboard"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "open_queue", "Queue"),
    ]

    def compose(self) -> ComposeResult:
        yield GroupTable(
            COLUMNS,
            right=range(1, len(COLUMNS)),
            id="groups",
            empty_text="No service groups in the config",
        )
        with Horizontal(id="arrivals-row"):
            yield Label("Arrivals/min\nlast 30 min", id="arrivals-label")
            yield Sparkline([0] * 30, summary_function=max, id="arrivals")
        yield Static("", id="totals")

    def load(self, params: None) -> Dashboard:
        """Compute the figures (the poller usually does this for us)."""
        return self.supervision.dashboard()

    def show(self, data: Dashboard) -> None:
        """New rows by key (the cursor stays on its group), the sparkline, the totals."""
        with self.app.batch_update():
            self.query_one(GroupTable).set_rows(
                [group_row(index, g) for index, g in enumerate(data.groups)]
            )
            self.query_one(Sparkline).data = list(data.arrivals)
            self.query_one("#totals", Static).update(self._totals(data))

    def action_open_queue(self) -> None:
        """The highlighted group's queued e-mails: offer or give one to an agent."""
        key = self.query_one(GroupTable).cursor_key
        groups = self.supervision.config.service_group
        if key is not None and key < len(groups):
            self.app.push_screen(QueueScreen(self.supervision, groups[key].name))

    def on_queue_table_selected(self, event: QueueTable.Selected) -> None:
        """Enter on a group: its queue."""
        event.stop()
        self.action_open_queue()

    @staticmethod
    def _totals(data: Dashboard) -> Text:
        queued = sum(g.queued for g in data.groups)
        review = sum(g.pending_review for g in data.groups)
        answered = sum(g.answered_today for g in data.groups)
        arrived = sum(data.arrivals)
        return Text(
            f"{queued} queued · {review} review · {answered} answered · "
            f"{arrived} new in 30 min · {data.unrouted} unrouted · {data.failed} failed"
            "\nWorking = taken by an agent · Agents = logged in/available"
            f"\nPending = waiting for the customer{longest_pending(data)}"
        )


def longest_pending(data: Dashboard) -> str:
    """``; the longest for 2d 4h (Agents tab: who waits)``, or nothing when none waits."""
    since = [s for s in (parse_iso(g.pending_since) for g in data.groups) if s is not None]
    now = parse_iso(data.at)
    if not since or now is None:
        return ""
    age = waited(minutes_between(min(since), now))
    return f"; the longest for {age} (Agents tab: who waits)"
